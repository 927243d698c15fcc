import ArgumentParser
import Foundation
import PlexusIntegrity
import PlexusTopology

/// `plexus pin NAME`: the `sha256:` line (and with `--signing-key`, the `signature:` line) that pins a
/// plugin's executable, or its script, in topology.yaml (docs/SECURITY.md).
struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Print the sha256: line that pins a plugin's executable (or script) in the topology.",
        discussion: """
            The file is the one the broker would check at launch: the program found as a launch finds it, \
            or for an interpreter (python3 plugin.py) its script. With --signing-key FILE (a base64 ed25519 \
            secret key, from --new-signing-key), also the signature: line; put the public key under \
            security.trusted_keys.
            """)

    @Argument(help: "The plugin's name in the topology.")
    var name: String?

    @Option(help: "The topology file.")
    var topology = "topology.yaml"

    @Option(name: .customLong("signing-key"), help: "A file with a base64 ed25519 secret key: also print signature:.")
    var signingKey: String?

    @Option(name: .customLong("new-signing-key"), help: "Write a new ed25519 key pair as FILE (secret) and FILE.pub.")
    var newSigningKey: String?

    func run() throws {
        if let newSigningKey {
            let pair = SignatureVerifier.generateKeyPair()
            do {
                try Data(pair.secretKey).base64EncodedString().appending("\n")
                    .write(toFile: newSigningKey, atomically: false, encoding: .utf8)
                chmod(newSigningKey, 0o600)
                try Data(pair.publicKey).base64EncodedString().appending("\n")
                    .write(toFile: newSigningKey + ".pub", atomically: false, encoding: .utf8)
            } catch {
                throw fail("pin: \(error.localizedDescription)")
            }
            print("wrote \(newSigningKey) (secret) and \(newSigningKey).pub")
            print("security:\n  trusted_keys: [\"\(Data(pair.publicKey).base64EncodedString())\"]")
            if name == nil { return }
        }
        guard let name else { throw fail("pin: give a plugin NAME") }
        let loaded: Topology
        do {
            loaded = try Topology.load(path: topology)
        } catch {
            throw fail("\(error)")
        }
        guard let spec = loaded.plugin(name) else {
            throw fail("pin: no plugin named '\(name)' in \(topology)")
        }
        guard let path = spec.pinnedPath(baseDirectory: loaded.baseDirectory) else {
            throw fail("pin: plugins.\(name) has no file to pin (no program found, or an interpreter without a script)")
        }
        let copy: VerifiedCopy
        do {
            copy = try VerifiedCopy.make(path: path)
        } catch {
            throw fail("pin: \(error.description)")
        }
        close(copy.descriptor)
        print("sha256: \"\(copy.sha256)\"    # \(path)")
        guard let signingKey else { return }
        guard let text = try? String(contentsOfFile: signingKey, encoding: .utf8),
            let secret = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let signature = SignatureVerifier.sign(digest: copy.digest, secretKey: [UInt8](secret))
        else {
            throw fail("pin: \(signingKey) does not hold a base64 ed25519 secret key (64 bytes)")
        }
        print("signature: \"\(Data(signature).base64EncodedString())\"")
    }
}

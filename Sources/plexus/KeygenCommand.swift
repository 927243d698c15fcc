import ArgumentParser
import Foundation
import ZeroMQ

/// `plexus keygen NAME`: a CurveZMQ key pair for the broker, a plugin or a client (docs/SECURITY.md).
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CurveZMQ key pair: NAME.key (secret, mode 0600) and NAME.pub (public).",
        discussion: """
            Each file holds one 40-character Z85 key on one line. Give the broker NAME.pub's key as the \
            plugin's or client's `public_key:` in topology.yaml; keep NAME.key where only its owner reads it \
            and point the owner at it (`--key-file`, or PLEXUS_CURVE_SECRET_KEY_FILE).
            """)

    @Argument(help: "The name the pair is for: a plugin, a client, or 'broker'.")
    var name: String

    @Option(help: "The directory to write the two files in.")
    var dir: String = "."

    @Flag(help: "Replace files that exist.")
    var force = false

    func run() throws {
        guard !name.isEmpty, name.utf8.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
        else {
            throw fail("keygen: NAME must be 1 to 64 letters, digits, '-', '_' or '.' (got '\(name)')")
        }
        let directory = URL(fileURLWithPath: dir, isDirectory: true)
        do {
            // Only its owner may list the directory that holds secret keys, when keygen makes it.
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw fail("keygen: cannot make \(directory.path): \(error.localizedDescription)")
        }
        let secretURL = directory.appendingPathComponent("\(name).key")
        let publicURL = directory.appendingPathComponent("\(name).pub")
        for url in [secretURL, publicURL] where !force && FileManager.default.fileExists(atPath: url.path) {
            throw fail("keygen: \(url.path) exists; use --force to replace it")
        }
        let pair: CurveKeyPair
        do {
            pair = try CurveKeyPair.generate()
        } catch {
            throw fail("keygen: \(error)")
        }
        do {
            // The secret file is created 0600 before its key is written, so it is never readable by others.
            try write(pair.secretKey + "\n", to: secretURL, mode: 0o600)
            try write(pair.publicKey + "\n", to: publicURL, mode: 0o644)
        } catch {
            throw fail("keygen: \(error.localizedDescription)")
        }
        print("wrote \(secretURL.path) (secret) and \(publicURL.path)")
        print("public_key: \"\(pair.publicKey)\"")
    }

    private func write(_ text: String, to url: URL, mode: Int) throws {
        let path = url.path
        _ = unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard descriptor >= 0 else {
            throw CocoaError(
                .fileWriteUnknown,
                userInfo: [
                    NSFilePathErrorKey: path,
                    NSLocalizedDescriptionKey: "cannot create \(path): \(String(cString: strerror(errno)))",
                ])
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
    }
}

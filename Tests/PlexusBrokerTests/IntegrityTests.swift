import Foundation
import PlexusIntegrity
import PlexusProcess
import PlexusProtocol
import PlexusTesting
import PlexusTopology
import Testing

/// `sha256:` and `signature:` (docs/SECURITY.md, "Executable integrity"): the hash, the check, and a
/// live broker that launches a pinned plugin only when its file matches.
@Suite("Executable integrity", .serialized)
struct IntegrityTests {
    @Test("SHA-256 and ed25519 from libsodium: a known digest, a signature verified and one rejected")
    func primitives() throws {
        #expect(
            SHA256Digest.hex(SHA256Digest.of(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let digest = SHA256Digest.of(Array("plugin".utf8))
        let trusted = SignatureVerifier.generateKeyPair()
        let stranger = SignatureVerifier.generateKeyPair()
        let signature = try #require(SignatureVerifier.sign(digest: digest, secretKey: trusted.secretKey))
        #expect(
            SignatureVerifier.verify(signature: signature, digest: digest, trustedKeys: [stranger.publicKey, trusted.publicKey]))
        #expect(!SignatureVerifier.verify(signature: signature, digest: digest, trustedKeys: [stranger.publicKey]))
        #expect(!SignatureVerifier.verify(signature: signature, digest: SHA256Digest.of([1]), trustedKeys: [trusted.publicKey]))
    }

    @Test("the topology checks sha256, signature, trusted_keys and limits, naming the key")
    func schema() throws {
        func problem(_ yaml: String) -> String? {
            do {
                _ = try Topology.parse(yaml)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("plugins:\n  a: {command: [x], sha256: abc}\n")?.contains("plugins.a.sha256") == true)
        #expect(problem("plugins:\n  a: {command: [x], signature: \"AAAA\"}\n")?.contains("needs sha256") == true)
        #expect(
            problem("plugins:\n  a: {command: [x], limits: {memory_mb: 0}}\n")?.contains("plugins.a.limits.memory_mb") == true)
        #expect(problem("plugins:\n  a: {command: [x], limits: {cpus: 1}}\n")?.contains("unknown key") == true)
        #expect(problem("security: {trusted_keys: [nope]}\nplugins: {}\n")?.contains("security.trusted_keys[0]") == true)
        let topology = try Topology.parse(
            "plugins:\n  a: {command: [x], sha256: \(String(repeating: "AB", count: 32)), limits: {max_open_files: 64, memory_mb: 64}}\n"
        )
        #expect(topology.plugins[0].integrity?.sha256 == String(repeating: "ab", count: 32))
        #expect(topology.plugins[0].limits == ResourceLimits(memoryMegabytes: 64, maxOpenFiles: 64))
    }

    @Test("the pinned file: the program, or an interpreter's script; none for python3 -m")
    func pinnedPath() throws {
        let topology = try Topology.parse(
            """
            plugins:
              native: {command: [/bin/true]}
              script: {command: [/usr/bin/env, x], cwd: /tmp}
              python: {command: [sh, -e, x]}
              module: {command: [python3, -m, http.server]}
              py: {command: [python3, -u, plugin.py], cwd: /srv}
            """, baseDirectory: "/base")
        #expect(topology.plugin("native")?.pinnedPath(baseDirectory: "/base") == "/bin/true")
        #expect(topology.plugin("module")?.pinnedPath(baseDirectory: "/base") == nil)
        #expect(topology.plugin("python")?.pinnedPath(baseDirectory: "/base") == nil)
        #expect(topology.plugin("py")?.pinnedPath(baseDirectory: "/base", searchPath: "/usr/bin:/bin") == "/srv/plugin.py")
    }

    @Test(
        "a pinned plugin runs when its file matches; a tampered one fails with 'integrity', is not restarted, and check and pin agree"
    )
    func liveBroker() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        // A copy of the test plugin, so the test can tamper with it.
        let copy = directory.appendingPathComponent("pinned-plugin").path
        try FileManager.default.copyItem(atPath: Paths.testPlugin, toPath: copy)
        let digest = try VerifiedCopy.sha256(of: copy)
        let signer = SignatureVerifier.generateKeyPair()
        let signature = Data(try #require(SignatureVerifier.sign(digest: hex(digest), secretKey: signer.secretKey)))
            .base64EncodedString()
        let stranger = Data(SignatureVerifier.generateKeyPair().publicKey).base64EncodedString()
        func topology(sha256: String, signature: String? = nil, trusted: String? = nil) -> String {
            """
            \(trusted.map { "security: {trusted_keys: [\"\($0)\"]}\n" } ?? "")plugins:
              pinned:
                command: [\(yamlQuoted(copy))]
                sha256: "\(sha256)"
            \(signature.map { "    signature: \"\($0)\"\n" } ?? "")    restart: {initial: 50ms}
            """
        }
        let file = directory.appendingPathComponent("check.yaml")
        try topology(sha256: digest).write(to: file, atomically: true, encoding: .utf8)
        let pin = try runPlexus(["pin", "pinned", "--topology", file.path])
        #expect(pin.status == 0 && pin.stdout.contains("sha256: \"\(digest)\""), "\(pin.stderr)")
        #expect(try runPlexus(["check", file.path]).status == 0)

        do {
            let broker = try TestBroker(
                topology: topology(sha256: digest, signature: signature, trusted: Data(signer.publicKey).base64EncodedString()))
            defer { broker.stop() }
            _ = try broker.waitForRunning("pinned")
        }
        do {
            // Signed, but by a key the topology does not trust.
            let broker = try TestBroker(topology: topology(sha256: digest, signature: signature, trusted: stranger))
            defer { broker.stop() }
            let failed = try #require(try broker.waitForInstances("pinned") { $0.state == .failed }.first)
            #expect(failed.reason?.contains("integrity") == true && failed.reason?.contains("trusted key") == true)
        }

        // Tampered: one byte appended.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let check = try runPlexus(["check", file.path])
        #expect(check.status == 1 && check.stderr.contains("plugins.pinned.sha256") && check.stderr.contains(digest))

        let broker = try TestBroker(topology: topology(sha256: digest))
        defer { broker.stop() }
        let failed = try #require(try broker.waitForInstances("pinned") { $0.state == .failed }.first)
        #expect(failed.reason?.contains("integrity") == true, "\(failed.reason ?? "")")
        #expect(failed.pid <= 0 && (failed.restarts ?? 0) == 0)
        // Not restarted: still failed, with no process, after several backoffs' worth of time.
        let restarted = waitUntil(timeout: 0.5) { (try? broker.status(of: "pinned").first?.state) != .failed }
        #expect(!restarted)
    }

    private func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map { offset in
            let start = text.index(text.startIndex, offsetBy: offset)
            return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
    }
}

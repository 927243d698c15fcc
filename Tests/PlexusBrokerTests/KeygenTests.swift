import Foundation
import PlexusTesting
import Testing
import ZeroMQ

@Suite("plexus keygen")
struct KeygenTests {
    @Test("writes a secret file only its owner reads and a public file, refuses to overwrite without --force")
    func writesPair() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let first = try runPlexus(["keygen", "alice", "--dir", directory.path])
        #expect(first.status == 0, "\(first.stderr)")
        let secret = try String(contentsOf: directory.appendingPathComponent("alice.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let `public` = try String(contentsOf: directory.appendingPathComponent("alice.pub"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try CurveKeyPair(secretKey: secret).publicKey == `public`)
        #expect(first.stdout.contains("public_key: \"\(`public`)\""))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("alice.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let again = try runPlexus(["keygen", "alice", "--dir", directory.path])
        #expect(again.status == 1 && again.stderr.contains("exists; use --force"))
        let forced = try runPlexus(["keygen", "alice", "--dir", directory.path, "--force"])
        #expect(forced.status == 0)
        let replaced = try String(contentsOf: directory.appendingPathComponent("alice.pub"), encoding: .utf8)
        #expect(!replaced.contains(`public`))

        // A directory that does not exist yet is made.
        let nested = directory.appendingPathComponent("keys/more").path
        #expect(try runPlexus(["keygen", "broker", "--dir", nested]).status == 0)
        #expect(FileManager.default.fileExists(atPath: nested + "/broker.pub"))

        let badName = try runPlexus(["keygen", "../x", "--dir", directory.path])
        #expect(badName.status == 1 && badName.stderr.contains("NAME must be"))
    }
}

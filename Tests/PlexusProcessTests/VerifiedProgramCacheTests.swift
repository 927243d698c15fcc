import Foundation
import PlexusIntegrity
import PlexusTopology
import Testing

@testable import PlexusProcess

/// A pinned program is hashed once per version of its file: restarts reuse the sealed, verified copy,
/// and a changed file is hashed (and refused) again.
@Suite("Verified program cache")
struct VerifiedProgramCacheTests {
    private func program() throws -> (URL, IntegrityRequirement) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plexus-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("true")
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: file.path)
        let digest = try VerifiedCopy.sha256(of: file.path)
        let requirement = IntegrityRequirement(
            path: file.path, pin: IntegrityPin(sha256: digest), trustedKeys: [], isProgram: true)
        return (directory, requirement)
    }

    @Test("the second launch of an unchanged program does not hash it; a changed one is hashed and refused")
    func reuseAndTamper() throws {
        let (directory, requirement) = try program()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = VerifiedProgramCache()
        let first = try #require(try cache.descriptor(for: requirement))
        let second = try #require(try cache.descriptor(for: requirement))
        #expect(first != second && cache.hashCount == 1)
        close(first)
        close(second)
        // Append a byte: another size and modification time, so the copy is not reused.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: requirement.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: [0])
        try handle.close()
        #expect {
            _ = try cache.descriptor(for: requirement)
        } throws: { error in
            "\(error)".contains("sha256")
        }
        #expect(cache.hashCount == 2)
    }

    @Test("a launch runs the cached copy: the process starts and exits 0")
    func launchFromCache() throws {
        let (directory, requirement) = try program()
        defer { try? FileManager.default.removeItem(at: directory) }
        var request = LaunchRequest(command: [requirement.path], environment: [:], workingDirectory: nil)
        request.integrity = requirement
        for _ in 0..<2 {
            let process = try ProcessLauncher.launch(request)
            var status: Int32 = 0
            #expect(waitpid(process.pid, &status, 0) == process.pid)
            #expect(status == 0)
            close(process.pidfd)
            close(process.stdout)
            close(process.stderr)
        }
    }
}

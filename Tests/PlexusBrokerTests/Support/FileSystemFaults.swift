import Foundation
import PlexusTesting

/// Ways to make file writes fail for real, as root on Linux (root ignores permission bits): the
/// immutable attribute (`chattr +i`, on ext4 and most local file systems) and a small tmpfs that a
/// test fills up. Tests that need them are skipped where they are not available.
enum FileSystemFaults {
    /// Runs a tool to completion; returns its exit status (-1 if it could not run).
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static let chattr = ["/usr/bin/chattr", "/bin/chattr"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let mount = ["/usr/bin/mount", "/bin/mount"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let umount = ["/usr/bin/umount", "/bin/umount"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether `chattr +i` works on files in the temporary directory.
    static let canMakeImmutable: Bool = {
        guard getuid() == 0, let chattr, let directory = try? TestDirectory.make() else { return false }
        defer { try? FileManager.default.removeItem(at: directory) }
        let probe = directory.appendingPathComponent("probe").path
        guard FileManager.default.createFile(atPath: probe, contents: Data("x".utf8)) else { return false }
        guard run(chattr, ["+i", probe]) == 0 else { return false }
        let refused = (try? "y".write(toFile: probe, atomically: false, encoding: .utf8)) == nil
        run(chattr, ["-i", probe])
        return refused
    }()

    /// Whether a tmpfs can be mounted (and unmounted) here.
    static let canMountTmpfs: Bool = {
        guard getuid() == 0, mount != nil, umount != nil, let probe = try? TmpfsMount(kilobytes: 64) else { return false }
        probe.remove()
        return true
    }()

    /// Sets or clears the immutable attribute; clearing is safe on a file that does not have it.
    static func setImmutable(_ path: String, _ on: Bool) {
        if let chattr { run(chattr, [on ? "+i" : "-i", path]) }
    }

    /// Writes zeros into `path` until the file system is full; returns the bytes written.
    @discardableResult
    static func fill(_ path: String) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            total += written
        }
        return total
    }

    /// Overwrites whole pages of an SQLite file with noise (page numbers from 1; the page size is read
    /// from the file header).
    static func damage(_ path: String, pages: [Int]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let header = try handle.read(upToCount: 100) ?? Data()
        guard header.count >= 18 else { throw TestFailure("\(path) is not an SQLite file") }
        let raw = Int(header[16]) << 8 | Int(header[17])
        let pageSize = raw == 1 ? 65_536 : raw
        var generator = SystemRandomNumberGenerator()
        for page in pages {
            try handle.seek(toOffset: UInt64((page - 1) * pageSize))
            try handle.write(contentsOf: Data((0..<pageSize).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        }
    }
}

/// A small tmpfs mounted on a fresh temporary directory; `remove()` unmounts and deletes it.
final class TmpfsMount: @unchecked Sendable {
    let path: String

    init(kilobytes: Int) throws {
        let directory = try TestDirectory.make()
        guard let mount = FileSystemFaults.mount,
            FileSystemFaults.run(mount, ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", directory.path]) == 0
        else {
            try? FileManager.default.removeItem(at: directory)
            throw TestFailure("cannot mount a tmpfs on \(directory.path)")
        }
        path = directory.path
    }

    /// Makes the file system read-only, or writable again.
    func remount(readOnly: Bool) throws {
        guard let mount = FileSystemFaults.mount,
            FileSystemFaults.run(mount, ["-o", "remount,\(readOnly ? "ro" : "rw")", path]) == 0
        else { throw TestFailure("cannot remount \(path)") }
    }

    func remove() {
        if let umount = FileSystemFaults.umount { FileSystemFaults.run(umount, [path]) }
        try? FileManager.default.removeItem(atPath: path)
    }
}

import Foundation

/// The thread's `errno`, reachable where a property of the same name would shadow it.
func currentErrno() -> Int32 { errno }

/// Thin, EINTR-safe wrappers over the system calls the log uses, throwing errors that name the path.
enum FileIO {
    /// Writes all of `bytes`, resuming after partial writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(EventLogError) {
        guard var pointer = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(fd, pointer, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw EventLogError.system("write", path: path)
            }
            pointer += written
            remaining -= written
        }
    }

    /// Reads up to `count` bytes at `offset`, fewer only at the end of the file; nil on an error.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, offset: UInt64) -> Int? {
        var done = 0
        while done < count {
            let got = pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    static func sync(_ fd: Int32, path: String) throws(EventLogError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw EventLogError.system("fsync", path: path) }
        }
    }

    /// Fsyncs a directory, so that a file created or renamed in it survives power loss.
    static func syncDirectory(_ path: String) throws(EventLogError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw EventLogError.system("open directory", path: path) }
        defer { close(fd) }
        try sync(fd, path: path)
    }

    /// Creates `path` and its parents when missing, and checks that files can be made in it.
    static func makeDirectory(_ path: String) throws(EventLogError) {
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw EventLogError("create directory", path: path, detail: "\(error.localizedDescription)")
        }
        if !existed {
            // The new directory's entry must survive a power loss like the files that go into it.
            let parent = (path as NSString).deletingLastPathComponent
            try syncDirectory(parent.isEmpty ? "." : parent)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EventLogError("use directory", path: path, detail: "not a directory")
        }
        guard access(path, W_OK | X_OK) == 0 else { throw EventLogError.system("write in directory", path: path) }
    }

    /// Opens for appending writes, creating the file when missing.
    static func openForWriting(_ path: String) throws(EventLogError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw EventLogError.system("open for writing", path: path) }
        return fd
    }

    static func openForReading(_ path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    static func size(_ fd: Int32) -> UInt64? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return UInt64(info.st_size)
    }
}

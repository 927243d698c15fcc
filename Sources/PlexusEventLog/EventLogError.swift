import Foundation

/// A failure of the event log's file system work, naming the path and the OS error.
public struct EventLogError: Error, CustomStringConvertible {
    /// What was being done, e.g. `create directory`, `write`.
    public let operation: String
    public let path: String
    /// The `errno` value, when the OS reported one.
    public let errno: Int32?
    /// More detail when there is no `errno` (a malformed file).
    public let detail: String?

    init(_ operation: String, path: String, errno: Int32? = nil, detail: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.detail = detail
    }

    /// An error from the current `errno`.
    static func system(_ operation: String, path: String) -> EventLogError {
        EventLogError(operation, path: path, errno: currentErrno())
    }

    public var description: String {
        var text = "event log: cannot \(operation) \(path)"
        if let errno { text += ": \(String(cString: strerror(errno))) (errno \(errno))" }
        if let detail { text += ": \(detail)" }
        return text
    }
}

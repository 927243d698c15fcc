import CZeroMQ

/// An error reported by libzmq, carrying its `errno` and the `zmq_strerror` text.
///
/// `ZMQError` is a struct rather than an enum so that new error numbers never break callers;
/// test the common cases with the static helpers (`isAgain`, `isTerminated`).
public struct ZMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The C `errno` value libzmq reported.
    public let code: Int32
    /// What the caller was doing, for the log line (`"bind tcp://127.0.0.1:7700"`).
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The error for libzmq's current `zmq_errno()`.
    public static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    /// libzmq's text for this error number.
    public var message: String { String(cString: zmq_strerror(code)) }

    /// `EAGAIN`: nothing to do right now (non-blocking call or receive timeout).
    public var isAgain: Bool { code == EAGAIN }

    /// `ETERM`: the context is being terminated; the socket must be closed.
    public var isTerminated: Bool { code == ETERM }

    public var description: String { "\(operation): \(message) (errno \(code))" }
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(ZMQError) {
    if rc == -1 { throw ZMQError.last(operation()) }
}

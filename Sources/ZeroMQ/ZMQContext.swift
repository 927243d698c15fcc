import CZeroMQ
import Synchronization

/// A ZeroMQ context: the container for sockets and libzmq's I/O threads.
///
/// A context is thread-safe and is meant to be shared by every socket of a process. Close every socket
/// before the context goes away: `deinit` calls `zmq_ctx_term`, which waits for open sockets.
///
/// ```swift
/// let context = try ZMQContext()
/// let socket = try context.socket(.dealer)
/// ```
public final class ZMQContext: @unchecked Sendable {
    // The handle is only read after init and libzmq makes the context itself thread-safe.
    let handle: UnsafeMutableRawPointer
    private let terminated = Mutex(false)

    /// Creates a context with `ioThreads` libzmq I/O threads.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        try check(zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads), "zmq_ctx_set io_threads")
        // No blocking of the process on exit: sockets set their own linger too.
        try check(zmq_ctx_set(handle, ZMQ_BLOCKY, 0), "zmq_ctx_set blocky")
    }

    deinit { terminate() }

    /// Ends the context now: waits until every socket is closed and each has sent what it queued,
    /// or its linger ran out. Call it before the process exits when a last message matters (a
    /// plugin's GOODBYE): `exit` does not run `deinit`, and libzmq sends from its own I/O thread.
    /// Idempotent; later calls, and `deinit`, do nothing.
    public func terminate() {
        let first = terminated.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
    }

    /// Opens a socket of the given type in this context.
    public func socket(_ type: SocketType) throws(ZMQError) -> Socket {
        try Socket(context: self, type: type)
    }

    /// Interrupts blocking calls on every socket of the context (they fail with `ETERM`).
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    /// libzmq's version as `(major, minor, patch)`.
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether libzmq was built with a capability such as `"curve"` or `"ipc"`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }
}

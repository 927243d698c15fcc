import Synchronization

/// Wakes a poll loop from any thread: an inproc PUSH/PULL pair whose PULL end the loop polls.
///
/// ZeroMQ sockets are single-threaded, so other threads cannot touch the loop's sockets; they call
/// `signal()` instead (serialized by a lock) and the loop, woken, picks up whatever they left for it.
public final class Waker: Sendable {
    /// The socket to add to the loop's `Poller`. Only the loop thread may use it.
    public let receiver: Socket
    private let sender: Mutex<Socket?>

    public init(context: ZMQContext, name: String) throws(ZMQError) {
        let endpoint = "inproc://plexus-wake-\(name)"
        receiver = try context.socket(.pull)
        try receiver.bind(endpoint)
        let push = try context.socket(.push)
        try push.connect(endpoint)
        sender = Mutex(push)
    }

    /// Wakes the loop. Never blocks: if wake-ups are already queued, one more adds nothing.
    public func signal() {
        sender.withLock { socket in _ = try? socket?.send([1], dontWait: true) }
    }

    /// Called by the loop when `receiver` is readable: discards the queued wake-ups.
    public func drain() {
        while (try? receiver.receiveMultipart(dontWait: true)) != nil {}
    }

    /// Closes both ends; later `signal()` calls do nothing. Call from the loop thread.
    public func close() {
        sender.withLock { socket in
            socket?.close()
            socket = nil
        }
        receiver.close()
    }
}

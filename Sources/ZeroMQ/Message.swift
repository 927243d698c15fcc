import CZeroMQ

/// One ZeroMQ frame, owned by Swift: a `zmq_msg_t` kept behind a stable pointer.
///
/// `zmq_msg_t` stores small payloads inside itself, so it must never move in memory; a `Message`
/// allocates it once. Use it on hot paths to forward frames without copying: `Socket.receive(into:)`
/// fills it, `Socket.send(_:)` hands its content to libzmq, after which the message is empty again.
public final class Message {
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    /// An empty message.
    public init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    /// A message holding a copy of `bytes`.
    public convenience init<Bytes: Collection>(copying bytes: Bytes) where Bytes.Element == UInt8 {
        self.init()
        reset(copying: bytes)
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// Replaces the content with a copy of `bytes`.
    public func reset<Bytes: Collection>(copying bytes: Bytes) where Bytes.Element == UInt8 {
        zmq_msg_close(pointer)
        zmq_msg_init_size(pointer, bytes.count)
        let target = UnsafeMutableRawBufferPointer(start: zmq_msg_data(pointer), count: bytes.count)
        target.copyBytes(from: bytes)
    }

    /// The number of bytes in the frame.
    public var count: Int { zmq_msg_size(pointer) }

    /// Whether another frame of the same multipart message follows this one (after a receive).
    public var hasMore: Bool { zmq_msg_more(pointer) == 1 }

    /// Reads the bytes in place, without copying.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: zmq_msg_size(pointer)))
    }

    /// A copy of the bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// A metadata property of a received message, e.g. `"Peer-Address"` or `"User-Id"` (set by ZAP).
    public func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(cString: value)
    }
}

import CZeroMQ

/// A ZeroMQ socket.
///
/// A socket is not thread-safe: use it from one thread at a time, and hand it to another thread only
/// through something that synchronizes (a lock, a thread start). It is marked `@unchecked Sendable` so
/// that such hand-offs compile; the broker and the SDKs keep each socket on the thread of its poll loop.
///
/// Every socket gets `ZMQ_LINGER = 0` so that closing it never blocks the process.
public final class Socket: @unchecked Sendable {
    /// The socket type it was opened with.
    public let type: SocketType
    let handle: UnsafeMutableRawPointer
    // Kept so the context outlives its sockets (zmq_ctx_term waits for them).
    private let context: ZMQContext
    private var isClosed = false

    init(context: ZMQContext, type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket")
        }
        self.context = context
        self.type = type
        self.handle = handle
        try setInt32Option(ZMQ_LINGER, 0, "linger")
    }

    deinit { close() }

    /// The libzmq socket handle, for C APIs this wrapper does not cover (e.g. `zmq_proxy`).
    /// The socket still owns it: never close it through the C API.
    public var rawHandle: UnsafeMutableRawPointer { handle }

    /// Closes the socket; later calls fail with `ENOTSOCK`. Closing twice is harmless.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        zmq_close(handle)
    }

    // MARK: Endpoints

    /// Binds to an endpoint such as `tcp://127.0.0.1:*`; returns the endpoint actually bound.
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        try check(zmq_bind(handle, endpoint), "bind \(endpoint)")
        return (try? lastEndpoint) ?? endpoint
    }

    /// Connects to an endpoint; ZeroMQ reconnects by itself when the peer goes away and comes back.
    public func connect(_ endpoint: String) throws(ZMQError) {
        try check(zmq_connect(handle, endpoint), "connect \(endpoint)")
    }

    /// Undoes a `connect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        try check(zmq_disconnect(handle, endpoint), "disconnect \(endpoint)")
    }

    /// The endpoint last bound or connected, with the port resolved (`ZMQ_LAST_ENDPOINT`).
    public var lastEndpoint: String {
        get throws(ZMQError) {
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            try check(zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size), "getsockopt last_endpoint")
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: Sending

    /// Sends one frame copied from `bytes`. Returns `false` when `dontWait` is set and the frame could not
    /// be queued now (`EAGAIN`: high-water mark reached, or no peer for a DEALER/PUSH).
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        while true {
            if zmq_send(handle, bytes.baseAddress, bytes.count, flags) >= 0 { return true }
            let error = ZMQError.last("send")
            if error.code == EINTR { continue }
            if error.isAgain && dontWait { return false }
            throw error
        }
    }

    /// Sends one frame copied from a byte array.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var outcome: Result<Bool, ZMQError> = .success(false)
        bytes.withUnsafeBytes { raw in
            do throws(ZMQError) {
                outcome = .success(try send(raw, more: more, dontWait: dontWait))
            } catch {
                outcome = .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Hands the content of `message` to libzmq without copying; the message is empty afterwards.
    @discardableResult
    public func send(_ message: Message, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        while true {
            if zmq_msg_send(message.pointer, handle, flags) >= 0 { return true }
            let error = ZMQError.last("send")
            if error.code == EINTR { continue }
            if error.isAgain && dontWait { return false }
            throw error
        }
    }

    /// Sends a multipart message. Returns `false` if `dontWait` is set and the first frame could not be
    /// queued; once the first frame is queued, libzmq queues the rest atomically.
    @discardableResult
    public func send(multipart frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        for (index, frame) in frames.enumerated() {
            let isLast = index == frames.count - 1
            let queued = try send(frame, more: !isLast, dontWait: dontWait && index == 0)
            if !queued { return false }
        }
        return true
    }

    // MARK: Receiving

    /// Receives one frame into `message`. Returns `false` when nothing is waiting (`dontWait`, or the
    /// receive timeout passed).
    @discardableResult
    public func receive(into message: Message, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        while true {
            if zmq_msg_recv(message.pointer, handle, flags) >= 0 { return true }
            let error = ZMQError.last("receive")
            if error.code == EINTR { continue }
            if error.isAgain { return false }
            throw error
        }
    }

    /// Receives a whole multipart message as byte arrays, or `nil` when nothing is waiting.
    /// Frames beyond `maxFrames` are read and discarded so the socket stays in step; the result then
    /// holds `maxFrames + 1` frames, the last one empty, so that callers can tell.
    public func receiveMultipart(dontWait: Bool = false, maxFrames: Int = 1024) throws(ZMQError) -> [[UInt8]]? {
        let message = Message()
        guard try receive(into: message, dontWait: dontWait) else { return nil }
        var frames = [message.bytes]
        var more = message.hasMore
        while more {
            // The rest of a multipart message is already here: libzmq delivers messages atomically.
            try receive(into: message)
            more = message.hasMore
            if frames.count < maxFrames {
                frames.append(message.bytes)
            } else if frames.count == maxFrames {
                frames.append([])
            }
        }
        return frames
    }

    /// Whether the frame last received has more frames after it (`ZMQ_RCVMORE`).
    public var hasMore: Bool {
        (try? intOption(ZMQ_RCVMORE, "rcvmore")) == 1
    }
}

import PlexusProtocol
import ZeroMQ

/// The socket both publishers (`EventPublisher`, the Swift SDK's `PluginContext`) send events on.
///
/// A plain PUB drops an event silently when its queue towards the broker is full (ZeroMQ's high-water
/// mark), and its send never blocks: a burst faster than the broker reads would vanish without a trace.
/// An XPUB with `ZMQ_XPUB_NODROP` sends like a PUB but reports the full queue instead, and a blocking
/// send then waits for room up to `ZMQ_SNDTIMEO`. So the queue is large (bursts pass), a send waits a
/// bounded time when it is full, and past that the caller gets an error rather than a silent loss.
public enum PublisherSocket {
    /// Events queued towards the broker before a send waits.
    public static let highWaterMark: Int32 = 100_000
    /// How long a send waits for room before it throws.
    public static let sendTimeoutMilliseconds: Int32 = 5_000

    /// A connected publisher socket.
    /// `curve`: the CURVE keys (default: `CurveCredentials.processDefault`, from the environment).
    public static func open(
        endpoint: String, context: ZMQContext, curve: CurveCredentials? = CurveCredentials.processDefault
    ) throws(ZMQError) -> Socket {
        let socket = try context.socket(.xpub)
        if let curve, !endpoint.hasPrefix("inproc://") { try curve.apply(to: socket) }
        try socket.setSendHighWaterMark(highWaterMark)
        try socket.setXPubNoDrop(true)
        try socket.setSendTimeout(milliseconds: sendTimeoutMilliseconds)
        try socket.connect(endpoint)
        return socket
    }

    /// Sends one event, waiting for room up to the send timeout; throws `ClientError.backpressure` past it.
    public static func send(_ frames: [[UInt8]], on socket: Socket, endpoint: String) throws {
        do {
            try socket.send(multipart: frames)
        } catch let error where error.isAgain {
            throw ClientError.backpressure(endpoint: endpoint, seconds: Double(sendTimeoutMilliseconds) / 1000)
        }
        // The broker's subscription messages arrive on an XPUB: read them so they never pile up.
        while (try? socket.receiveMultipart(dontWait: true, maxFrames: 2)) != nil {}
    }
}

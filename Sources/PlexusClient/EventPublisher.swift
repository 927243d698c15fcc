import PlexusProtocol
import ZeroMQ

/// A PUB socket connected to the broker's `events_in`: fire-and-forget publishing.
///
/// Like any fresh PUB socket it loses what it sends before the connection is up; use
/// `ControlClient.publish` when the publisher must know the broker took the event.
public final class EventPublisher {
    private let context: ZMQContext
    private let socket: Socket
    /// Sent as the `source` header.
    public let source: String?

    public init(endpoint: String, source: String? = nil, context: ZMQContext? = nil) throws {
        self.context = try context ?? ZMQContext()
        self.source = source
        socket = try self.context.socket(.pub)
        try socket.setSendHighWaterMark(100_000)
        try socket.connect(endpoint)
    }

    /// Publishes an event; the topic is validated first.
    public func publish(topic: String, payload: [UInt8], headers: [String: String] = [:]) throws {
        if let problem = Topic.validationError(topic) { throw ProtocolError.bad(problem) }
        var headers = headers
        if let source { headers["source"] = source }
        var frames = [Array(topic.utf8), payload]
        if !headers.isEmpty { frames.append(JSONCoding.encode(headers)) }
        try socket.send(multipart: frames)
    }
}

import PlexusProtocol
import ZeroMQ

/// A PUB socket connected to the broker's `events_in`: fire-and-forget publishing.
///
/// Like any fresh PUB socket it loses what it sends before the connection is up; use
/// `ControlClient.publish` when the publisher must know the broker took the event.
public final class EventPublisher {
    private let context: ZMQContext
    private let socket: Socket
    private let endpoint: String
    /// Sent as the `source` header.
    public let source: String?

    /// `curve`: the CURVE keys (default: `CurveCredentials.processDefault`, from the environment).
    public init(
        endpoint: String, source: String? = nil, context: ZMQContext? = nil,
        curve: CurveCredentials? = CurveCredentials.processDefault
    ) throws {
        self.context = try context ?? ZMQContext()
        self.source = source
        self.endpoint = endpoint
        // Not a plain PUB: it would drop silently at its high-water mark (PublisherSocket says why).
        socket = try PublisherSocket.open(endpoint: endpoint, context: self.context, curve: curve)
    }

    /// Publishes an event; the topic is validated first. When the queue towards the broker is full it waits
    /// up to 5 s for room, then throws `ClientError.backpressure`: an event is never dropped silently here.
    public func publish(topic: String, payload: [UInt8], headers: [String: String] = [:]) throws {
        if let problem = Topic.validationError(topic) { throw ProtocolError.bad(problem) }
        var headers = headers
        if let source { headers["source"] = source }
        var frames = [Array(topic.utf8), payload]
        if !headers.isEmpty { frames.append(JSONCoding.encode(headers)) }
        try PublisherSocket.send(frames, on: socket, endpoint: endpoint)
    }
}

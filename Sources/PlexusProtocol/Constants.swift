/// Protocol constants that both ends must agree on (docs/PROTOCOL.md).
public enum PlexusConstants {
    /// The protocol version this codec speaks.
    public static let protocolVersion = 1
    /// The Plexus release, reported by `PING`.
    public static let version = "0.1.0"

    /// Default endpoints when neither the command line nor topology.yaml names one.
    public static let defaultControlEndpoint = "tcp://127.0.0.1:7700"
    public static let defaultEventsInEndpoint = "tcp://127.0.0.1:7701"
    public static let defaultEventsOutEndpoint = "tcp://127.0.0.1:7702"

    /// The environment variable that tells plugins and clients where the control endpoint is.
    public static let brokerEnvironmentVariable = "PLEXUS_BROKER"

    /// How often each side sends `HEARTBEAT` when it has sent nothing else (milliseconds).
    public static let heartbeatIntervalMilliseconds = 1000
    /// How many heartbeats may be missed before the peer counts as gone.
    public static let heartbeatLiveness = 3

    /// The most frames one control message may have.
    public static let maxControlFrames = 64
    /// The largest message the broker accepts on any endpoint (bytes).
    public static let maxMessageBytes: Int64 = 16 * 1024 * 1024
    /// The longest request id echoed back.
    public static let maxRequestIDBytes = 255
    /// The source stamped on events whose publisher did not name itself.
    public static let anonymousSource = "anonymous"
    /// The source stamped on events the broker itself publishes.
    public static let brokerSource = "plexus.broker"
}

/// The header frame that names a sub-protocol on the control endpoint.
public enum ProtocolHeader: String, Sendable, CaseIterable {
    /// Client request/reply.
    case client = "PLXC01"
    /// Plugin session.
    case plugin = "PLXP01"

    /// The header's bytes, as sent on the wire.
    public var frame: [UInt8] { Array(rawValue.utf8) }

    /// Recognizes a header frame.
    public init?(frame: [UInt8]) {
        guard let text = String(validating: frame, as: UTF8.self) else { return nil }
        self.init(rawValue: text)
    }
}

/// The HTTP API's settings: where it listens, its tokens, and its limits.
public struct HTTPServerConfiguration: Sendable {
    public var address: HTTPListenAddress
    /// Bearer tokens; none means everything is open, which only a loopback address allows.
    public var tokens: [HTTPToken]
    /// The SSE heartbeat comment's interval (issue 12: about 15 s; tests make it short).
    public var heartbeatSeconds: Double
    /// Events an SSE client's queue holds before it overflows.
    public var streamQueueLimit: Int
    /// How long a control call waits for the broker before the API answers 503.
    public var controlTimeout: Double
    /// The most control clients (and so concurrent control calls).
    public var maxControlClients: Int
    /// The topology file the broker runs, for `GET /api/v1/topology`.
    public var topologyPath: String?

    /// The largest request body (1 MiB): past it, 413.
    public static let maxBodyBytes = 1 << 20

    public init(
        address: HTTPListenAddress = .defaultAddress, tokens: [HTTPToken] = [], heartbeatSeconds: Double = 15,
        streamQueueLimit: Int = 1_024, controlTimeout: Double = 5, maxControlClients: Int = 8
    ) {
        self.address = address
        self.tokens = tokens
        self.heartbeatSeconds = heartbeatSeconds
        self.streamQueueLimit = streamQueueLimit
        self.controlTimeout = controlTimeout
        self.maxControlClients = maxControlClients
    }

    /// Refuses what must not run: a non-loopback address without tokens.
    public func validate() throws(HTTPConfigurationError) {
        if !address.isLoopback, tokens.isEmpty {
            throw HTTPConfigurationError(
                "refusing to serve the HTTP API on \(address), which is not a loopback address, without tokens: "
                    + "configure broker.http_tokens in the topology (docs/HTTP.md) or bind 127.0.0.1")
        }
        var names = Set<String>()
        for token in tokens {
            guard names.insert(token.name).inserted else {
                throw HTTPConfigurationError("two HTTP tokens are named '\(token.name)': names must differ")
            }
            guard token.secret.utf8.count >= 16 else {
                throw HTTPConfigurationError("the HTTP token '\(token.name)' is shorter than 16 bytes")
            }
        }
    }
}

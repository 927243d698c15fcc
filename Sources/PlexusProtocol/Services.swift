/// Options of a `CALL` (docs/PROTOCOL.md, section 6).
public struct CallOptions: Codable, Sendable, Equatable {
    /// How long the caller waits; at most `maxTimeoutMilliseconds`.
    public var timeoutMilliseconds: Int
    public var headers: [String: String]
    /// The request may be retried on another instance if its instance dies mid-request.
    public var idempotent: Bool

    public static let defaultTimeoutMilliseconds = 5_000
    public static let maxTimeoutMilliseconds = 600_000

    public init(timeoutMilliseconds: Int = defaultTimeoutMilliseconds, headers: [String: String] = [:], idempotent: Bool = false)
    {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.headers = headers
        self.idempotent = idempotent
    }

    enum CodingKeys: String, CodingKey {
        case headers, idempotent
        case timeoutMilliseconds = "timeout_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        timeoutMilliseconds = Int(
            try container.decodeWholeNumber(
                .timeoutMilliseconds, in: 1...Int64(Self.maxTimeoutMilliseconds), what: "CALL options")
                ?? Int64(Self.defaultTimeoutMilliseconds))
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        idempotent = try container.decodeIfPresent(Bool.self, forKey: .idempotent) ?? false
    }
}

/// What a plugin learns about a request: `REQUEST`'s meta frame.
public struct RequestMeta: Codable, Sendable, Equatable {
    /// µs since the Unix epoch after which the answer is useless.
    public var deadline: Int64
    public var timeoutMilliseconds: Int
    public var headers: [String: String]
    /// Who called, for logs.
    public var caller: String

    public init(deadline: Int64, timeoutMilliseconds: Int, headers: [String: String], caller: String) {
        self.deadline = deadline
        self.timeoutMilliseconds = timeoutMilliseconds
        self.headers = headers
        self.caller = caller
    }

    enum CodingKeys: String, CodingKey {
        case deadline, headers, caller
        case timeoutMilliseconds = "timeout_ms"
    }

    /// The same JSON `JSONEncoder` would write (up to key order), without it: `REQUEST` is on the
    /// service hot path, and `JSONEncoder` costs microseconds per call.
    public func encodedJSON() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + caller.utf8.count)
        out.append(contentsOf: #"{"deadline":"#.utf8)
        out.append(contentsOf: String(deadline).utf8)
        out.append(contentsOf: #","timeout_ms":"#.utf8)
        out.append(contentsOf: String(timeoutMilliseconds).utf8)
        out.append(contentsOf: #","caller":"#.utf8)
        EventCodec.appendJSONString(caller, to: &out)
        out.append(contentsOf: #","headers":{"#.utf8)
        // Sorted, as JSONEncoder's sortedKeys would; scheduled tasks send four headers with every run.
        for (index, key) in headers.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            EventCodec.appendJSONString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            EventCodec.appendJSONString(headers[key]!, to: &out)
        }
        out.append(contentsOf: "}}".utf8)
        return out
    }
}

/// Service names: topic rules (dot-separated tokens, no wildcards), with `mmi.` and `plexus.` reserved.
public enum ServiceName {
    public static func validationError(_ name: String) -> String? {
        if let problem = Topic.validationError(name) { return problem.replacingOccurrences(of: "topic", with: "service name") }
        if name.hasPrefix("mmi.") || name.hasPrefix("plexus.") {
            return "service names starting with mmi. or plexus. are reserved"
        }
        return nil
    }
}

/// One service in a `SERVICES` reply.
public struct ServiceInfo: Codable, Sendable, Equatable {
    public struct Instance: Codable, Sendable, Equatable {
        public var instance: String
        public var inFlight: Int
        public var requests: UInt64
        public var capacity: Int

        public init(instance: String, inFlight: Int, requests: UInt64, capacity: Int) {
            self.instance = instance
            self.inFlight = inFlight
            self.requests = requests
            self.capacity = capacity
        }

        enum CodingKeys: String, CodingKey {
            case instance, requests, capacity
            case inFlight = "in_flight"
        }
    }

    public var name: String
    public var breaker: String
    public var requests: UInt64
    public var errors: UInt64
    public var inFlight: Int
    public var queued: Int
    public var averageMilliseconds: Double
    public var p99Milliseconds: Double
    /// The median of the recent calls in milliseconds (to the microsecond); absent from older brokers' replies.
    public var p50Milliseconds: Double?
    public var instances: [Instance]

    public init(
        name: String, breaker: String, requests: UInt64, errors: UInt64, inFlight: Int, queued: Int,
        averageMilliseconds: Double, p99Milliseconds: Double, p50Milliseconds: Double? = nil, instances: [Instance]
    ) {
        self.name = name
        self.breaker = breaker
        self.requests = requests
        self.errors = errors
        self.inFlight = inFlight
        self.queued = queued
        self.averageMilliseconds = averageMilliseconds
        self.p99Milliseconds = p99Milliseconds
        self.p50Milliseconds = p50Milliseconds
        self.instances = instances
    }

    enum CodingKeys: String, CodingKey {
        case name, breaker, requests, errors, queued, instances
        case inFlight = "in_flight"
        case averageMilliseconds = "avg_ms"
        case p99Milliseconds = "p99_ms"
        case p50Milliseconds = "p50_ms"
    }
}

extension ProtocolError {
    public static func unknownService(_ name: String) -> ProtocolError {
        ProtocolError(code: 404, error: "unknown_service", message: "no instance offers service '\(name)'")
    }
    public static func queueFull(_ name: String, _ limit: Int) -> ProtocolError {
        ProtocolError(code: 429, error: "queue_full", message: "service '\(name)' has \(limit) requests waiting already")
    }
    public static func circuitOpen(_ name: String) -> ProtocolError {
        ProtocolError(code: 503, error: "circuit_open", message: "service '\(name)' is failing; its circuit breaker is open")
    }
    public static func instanceLost(_ name: String, _ instance: String) -> ProtocolError {
        ProtocolError(
            code: 503, error: "instance_lost", message: "instance \(instance) of '\(name)' went away during the request")
    }
    public static func deadline(_ name: String, _ milliseconds: Int) -> ProtocolError {
        ProtocolError(code: 504, error: "timeout", message: "service '\(name)' did not answer within \(milliseconds) ms")
    }
}

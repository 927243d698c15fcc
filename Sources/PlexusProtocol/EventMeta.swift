/// The metadata the broker stamps on every event it forwards: the third frame on `events_out`,
/// `{"seq": 42, "time": 1732200000123456, "source": "greeter-4242", "headers": {...}}`.
public struct EventMeta: Codable, Sendable, Equatable {
    /// Broker sequence number, 1 for the first event of a broker run.
    public var seq: UInt64
    /// When the broker accepted the event, microseconds since the Unix epoch.
    public var time: Int64
    /// Who published it.
    public var source: String
    /// Headers other than `source`; absent on the wire when empty.
    public var headers: [String: String]

    public init(seq: UInt64, time: Int64, source: String, headers: [String: String] = [:]) {
        self.seq = seq
        self.time = time
        self.source = source
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey { case seq, time, source, headers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(UInt64.self, forKey: .seq)
        time = try container.decode(Int64.self, forKey: .time)
        source = try container.decodeIfPresent(String.self, forKey: .source) ?? PlexusConstants.anonymousSource
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(time, forKey: .time)
        try container.encode(source, forKey: .source)
        if !headers.isEmpty { try container.encode(headers, forKey: .headers) }
    }
}

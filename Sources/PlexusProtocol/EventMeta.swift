/// The metadata the broker stamps on every event it forwards: the third frame on `events_out`,
/// `{"seq": 42, "prev": 17, "time": 1732200000123456, "epoch": "5f1c…", "source": "greeter-4242", "headers": {...}}`.
public struct EventMeta: Codable, Sendable, Equatable {
    /// Broker sequence number, 1 for the first event of a broker run.
    public var seq: UInt64
    /// The seq of the previous event on the same topic (0 for the first); nil past the broker's topic
    /// table, or from a broker before protocol section 10.
    public var prev: UInt64?
    /// Names the sequence: a change means seqs may have started again (section 10).
    public var epoch: String?
    /// When the broker accepted the event, microseconds since the Unix epoch.
    public var time: Int64
    /// Who published it.
    public var source: String
    /// Headers other than `source`; absent on the wire when empty.
    public var headers: [String: String]

    public init(
        seq: UInt64, prev: UInt64? = nil, time: Int64, epoch: String? = nil, source: String, headers: [String: String] = [:]
    ) {
        self.seq = seq
        self.prev = prev
        self.epoch = epoch
        self.time = time
        self.source = source
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey { case seq, prev, time, epoch, source, headers }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(UInt64.self, forKey: .seq)
        prev = try container.decodeIfPresent(UInt64.self, forKey: .prev)
        time = try container.decode(Int64.self, forKey: .time)
        epoch = try container.decodeIfPresent(String.self, forKey: .epoch)
        source = try container.decodeIfPresent(String.self, forKey: .source) ?? PlexusConstants.anonymousSource
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encodeIfPresent(prev, forKey: .prev)
        try container.encode(time, forKey: .time)
        try container.encodeIfPresent(epoch, forKey: .epoch)
        try container.encode(source, forKey: .source)
        if !headers.isEmpty { try container.encode(headers, forKey: .headers) }
    }
}

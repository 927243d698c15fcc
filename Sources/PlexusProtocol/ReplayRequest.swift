/// A `REPLAY` request (docs/PROTOCOL.md, section 10): which stored events, from where, how many.
///
/// Exactly one start may be given (`from_seq`, `from_time` or `last`); none means from the oldest stored.
public struct ReplayRequest: Codable, Sendable, Equatable {
    /// The subscription pattern the events must match (section 5 syntax).
    public var pattern: String
    /// The first seq wanted.
    public var fromSeq: UInt64?
    /// The first event at or after this time (µs since the Unix epoch).
    public var fromTime: Int64?
    /// The last N stored events that match.
    public var last: Int?
    /// The last seq wanted (inclusive).
    public var toSeq: UInt64?
    /// The last time wanted (inclusive, µs).
    public var toTime: Int64?
    /// The most events in one batch.
    public var maxEvents: Int
    /// About the most bytes of events in one batch.
    public var maxBytes: Int

    public static let defaultMaxEvents = 1_000
    public static let maxMaxEvents = 10_000
    public static let maxBatchBytes = 4 * 1024 * 1024
    /// The largest `last` accepted.
    public static let maxLast = 10_000_000

    public init(
        pattern: String, fromSeq: UInt64? = nil, fromTime: Int64? = nil, last: Int? = nil, toSeq: UInt64? = nil,
        toTime: Int64? = nil, maxEvents: Int = ReplayRequest.defaultMaxEvents, maxBytes: Int = ReplayRequest.maxBatchBytes
    ) {
        self.pattern = pattern
        self.fromSeq = fromSeq
        self.fromTime = fromTime
        self.last = last
        self.toSeq = toSeq
        self.toTime = toTime
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
    }

    enum CodingKeys: String, CodingKey {
        case pattern
        case fromSeq = "from_seq"
        case fromTime = "from_time"
        case last
        case toSeq = "to_seq"
        case toTime = "to_time"
        case maxEvents = "max_events"
        case maxBytes = "max_bytes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let what = "REPLAY"
        pattern = try container.decode(String.self, forKey: .pattern)
        fromSeq = try container.decodeWholeNumber(.fromSeq, in: 0...Int64.max, what: what).map { UInt64($0) }
        fromTime = try container.decodeWholeNumber(.fromTime, in: 0...Int64.max, what: what)
        last = try container.decodeWholeNumber(.last, in: 1...Int64(Self.maxLast), what: what).map { Int($0) }
        toSeq = try container.decodeWholeNumber(.toSeq, in: 0...Int64.max, what: what).map { UInt64($0) }
        toTime = try container.decodeWholeNumber(.toTime, in: 0...Int64.max, what: what)
        maxEvents = Int(
            try container.decodeWholeNumber(.maxEvents, in: 1...Int64(Self.maxMaxEvents), what: what)
                ?? Int64(Self.defaultMaxEvents))
        maxBytes = Int(
            try container.decodeWholeNumber(.maxBytes, in: 1...Int64(Self.maxBatchBytes), what: what)
                ?? Int64(Self.maxBatchBytes))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pattern, forKey: .pattern)
        try container.encodeIfPresent(fromSeq, forKey: .fromSeq)
        try container.encodeIfPresent(fromTime, forKey: .fromTime)
        try container.encodeIfPresent(last, forKey: .last)
        try container.encodeIfPresent(toSeq, forKey: .toSeq)
        try container.encodeIfPresent(toTime, forKey: .toTime)
        if maxEvents != Self.defaultMaxEvents { try container.encode(maxEvents, forKey: .maxEvents) }
        if maxBytes != Self.maxBatchBytes { try container.encode(maxBytes, forKey: .maxBytes) }
    }

    /// Decodes and checks a request frame: a valid pattern and at most one start.
    public static func decode(_ frame: [UInt8]) throws(ProtocolError) -> ReplayRequest {
        let request = try JSONCoding.decode(ReplayRequest.self, from: frame, what: "REPLAY request")
        do throws(ProtocolError) {
            _ = try TopicPattern(request.pattern)
        } catch {
            throw .bad("REPLAY pattern: \(error.message)")
        }
        let starts = [request.fromSeq != nil, request.fromTime != nil, request.last != nil].filter { $0 }.count
        guard starts <= 1 else { throw .bad("REPLAY takes at most one of from_seq, from_time and last") }
        return request
    }

    /// The same request, continuing after a batch that scanned up to `scannedTo`.
    public func continuing(after scannedTo: UInt64) -> ReplayRequest {
        var next = self
        next.fromSeq = scannedTo &+ 1
        next.fromTime = nil
        next.last = nil
        return next
    }
}

/// A range of stamped sequence numbers the log does not hold (the writer fell behind, or a corrupted
/// block was cut out at recovery): `{"first": a, "last": b, "reason": "..."}`.
public struct SeqGap: Codable, Sendable, Equatable {
    public var first: UInt64
    public var last: UInt64
    public var reason: String

    public init(first: UInt64, last: UInt64, reason: String) {
        self.first = first
        self.last = last
        self.reason = reason
    }
}

/// The JSON frame heading each `REPLAY` answer; the events follow as `TOPIC, PAYLOAD, META` triples.
public struct ReplayBatch: Codable, Sendable, Equatable {
    /// Events in this answer.
    public var count: Int
    /// The last seq the broker looked at.
    public var scannedTo: UInt64
    /// Where to continue: `scanned_to + 1`.
    public var nextSeq: UInt64
    /// Whether the scan reached the requested end or the last stored seq.
    public var done: Bool
    /// The oldest stored seq (0 when the log is empty).
    public var firstSeq: UInt64
    /// The last stored seq.
    public var lastSeq: UInt64
    public var epoch: String
    /// Stamped seqs in the scanned range that the log does not hold.
    public var gaps: [SeqGap]

    public init(
        count: Int, scannedTo: UInt64, done: Bool, firstSeq: UInt64, lastSeq: UInt64, epoch: String, gaps: [SeqGap] = []
    ) {
        self.count = count
        self.scannedTo = scannedTo
        self.nextSeq = scannedTo &+ 1
        self.done = done
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.epoch = epoch
        self.gaps = gaps
    }

    enum CodingKeys: String, CodingKey {
        case count
        case scannedTo = "scanned_to"
        case nextSeq = "next_seq"
        case done
        case firstSeq = "first_seq"
        case lastSeq = "last_seq"
        case epoch, gaps
    }
}

/// One event as three frames, exactly as a live subscriber receives it: `[TOPIC, PAYLOAD, META]`.
public struct EventFrames: Sendable, Equatable {
    public var topic: [UInt8]
    public var payload: [UInt8]
    public var meta: [UInt8]

    public init(topic: [UInt8], payload: [UInt8], meta: [UInt8]) {
        self.topic = topic
        self.payload = payload
        self.meta = meta
    }

    public var frames: [[UInt8]] { [topic, payload, meta] }
}

/// A whole `REPLAY` answer: the batch header and its events.
public struct ReplayAnswer: Sendable, Equatable {
    public var batch: ReplayBatch
    public var events: [EventFrames]

    public init(batch: ReplayBatch, events: [EventFrames]) {
        self.batch = batch
        self.events = events
    }

    /// The reply body: the header frame, then three frames per event.
    public var body: [[UInt8]] { [JSONCoding.encode(batch)] + events.flatMap(\.frames) }

    /// Decodes an `OK` body.
    public static func decode(_ body: [[UInt8]]) throws(ProtocolError) -> ReplayAnswer {
        guard let header = body.first else { throw .bad("REPLAY answer without its header frame") }
        let batch = try JSONCoding.decode(ReplayBatch.self, from: header, what: "REPLAY batch")
        let rest = body.dropFirst()
        guard rest.count % 3 == 0, rest.count / 3 == batch.count else {
            throw .bad("REPLAY answer holds \(rest.count) event frames for \(batch.count) events")
        }
        var events: [EventFrames] = []
        events.reserveCapacity(batch.count)
        var index = rest.startIndex
        while index < rest.endIndex {
            events.append(EventFrames(topic: rest[index], payload: rest[index + 1], meta: rest[index + 2]))
            index += 3
        }
        return ReplayAnswer(batch: batch, events: events)
    }
}

/// The `events:` section of `topology.yaml`: the event log, its retention and sync policy, and the
/// event sockets' high-water marks (docs/PROTOCOL.md section 10, docs/EVENT_LOG.md).
///
/// ```yaml
/// events:
///   log: true
///   retention: { max_events: 10000000, max_bytes: 1GiB, max_age: 7d }
///   sync: interval 1s        # or: always
///   high_water_marks: { events_in: 4096, events_out: 4096 }
/// ```
public struct EventsSection: Sendable, Equatable {
    /// How the log reaches stable storage.
    public enum Sync: Sendable, Equatable {
        /// fsync before an acknowledged publish is answered.
        case always
        /// fsync at this interval; a write reaches the OS at once.
        case interval(milliseconds: Int64)
    }

    /// Whether the broker keeps a log (it also needs a data directory); nil means the default, true.
    public var log: Bool?
    public var maxEvents: UInt64?
    public var maxBytes: UInt64?
    public var maxAgeMilliseconds: Int64?
    public var sync: Sync?
    /// libzmq's queue depth (events) of `events_in`, per publisher connection.
    public var eventsInHighWaterMark: Int?
    /// libzmq's queue depth (events) of `events_out`, per subscriber connection.
    public var eventsOutHighWaterMark: Int?

    public init() {}

    static let keys: Set<String> = ["log", "retention", "sync", "high_water_marks"]
    static let retentionKeys: Set<String> = ["max_events", "max_bytes", "max_age"]
    static let highWaterMarkKeys: Set<String> = ["events_in", "events_out"]
    /// The range of a high-water mark: libzmq's 0 (unbounded) is refused, since it lets one stalled
    /// peer grow the broker's memory without bound.
    public static let highWaterMarkRange = 16...10_000_000
    public static let maxEventsRange = 1...1_000_000_000_000
    public static let maxBytesRange = (1 << 20)...(1 << 50)

    /// Parses the section; `fail(path, message)` builds the error.
    static func parse(_ value: Any, _ fail: (String, String) -> TopologyError) throws(TopologyError) -> EventsSection {
        guard let section = value as? [String: Any] else { throw fail("events", "must be a mapping") }
        try refuseUnknown(section, keys, "events", fail)
        var events = EventsSection()
        if let log = section["log"] {
            guard let flag = log as? Bool else { throw fail("events.log", "must be true or false") }
            events.log = flag
        }
        if let retention = section["retention"] {
            guard let retention = retention as? [String: Any] else { throw fail("events.retention", "must be a mapping") }
            try refuseUnknown(retention, retentionKeys, "events.retention", fail)
            events.maxEvents = try Topology.wholeNumber(
                retention["max_events"], "events.retention.max_events", in: maxEventsRange, fail
            ).map { UInt64($0) }
            if let raw = retention["max_bytes"] {
                switch ByteSizeValue.bytes(from: raw, in: maxBytesRange) {
                case .success(let bytes): events.maxBytes = UInt64(bytes)
                case .failure(let problem): throw fail("events.retention.max_bytes", problem.message)
                }
            }
            if let raw = retention["max_age"] {
                switch DurationValue.milliseconds(from: raw, expected: "must be a duration such as 7d or 12h") {
                case .success(let milliseconds) where milliseconds > 0: events.maxAgeMilliseconds = milliseconds
                case .success: throw fail("events.retention.max_age", "must be a positive duration")
                case .failure(let problem): throw fail("events.retention.max_age", problem.message)
                }
            }
        }
        if let raw = section["sync"] {
            events.sync = try parseSync(raw, fail)
        }
        if let marks = section["high_water_marks"] {
            guard let marks = marks as? [String: Any] else { throw fail("events.high_water_marks", "must be a mapping") }
            try refuseUnknown(marks, highWaterMarkKeys, "events.high_water_marks", fail)
            events.eventsInHighWaterMark = try Topology.wholeNumber(
                marks["events_in"], "events.high_water_marks.events_in", in: highWaterMarkRange, fail)
            events.eventsOutHighWaterMark = try Topology.wholeNumber(
                marks["events_out"], "events.high_water_marks.events_out", in: highWaterMarkRange, fail)
        }
        return events
    }

    /// `always`, or `interval DURATION` (from 1 ms to 1 hour).
    static func parseSync(_ raw: Any, _ fail: (String, String) -> TopologyError) throws(TopologyError) -> Sync {
        let expected = "must be `always` or `interval DURATION` (such as `interval 1s`)"
        guard let text = raw as? String else { throw fail("events.sync", expected) }
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        if words == ["always"] { return .always }
        guard words.count == 2, words[0] == "interval", let milliseconds = DurationValue.milliseconds(String(words[1])),
            (1...3_600_000).contains(milliseconds)
        else { throw fail("events.sync", expected + ", the interval from 1ms to 1h") }
        return .interval(milliseconds: milliseconds)
    }

    private static func refuseUnknown(
        _ section: [String: Any], _ known: Set<String>, _ path: String, _ fail: (String, String) -> TopologyError
    ) throws(TopologyError) {
        for key in section.keys.sorted() where !known.contains(key) {
            throw fail("\(path).\(key)", "unknown key (expected one of \(known.sorted().joined(separator: ", ")))")
        }
    }
}

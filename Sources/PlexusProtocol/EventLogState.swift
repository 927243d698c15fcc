/// The event log's state as `EVENTS` reports it (docs/PROTOCOL.md, section 10).
public struct EventLogState: Codable, Sendable, Equatable {
    /// Whether the broker keeps a log (it needs a data directory and `events.log` not false).
    public var enabled: Bool
    public var epoch: String
    /// The last seq stamped.
    public var headSeq: UInt64
    /// The oldest stored seq (0 when empty).
    public var firstSeq: UInt64
    /// The last stored seq (the writer may be a moment behind `head_seq`).
    public var lastSeq: UInt64
    public var events: UInt64
    public var bytes: UInt64
    /// When the oldest stored event was stamped (µs), nil when empty.
    public var oldestTime: Int64?
    public var segments: Int
    /// Bytes waiting for the writer.
    public var pendingBytes: Int
    /// Events not logged because the writer fell behind its memory bound (each inside a gap).
    public var droppedByWriter: UInt64
    /// Gap records the log holds.
    public var gaps: UInt64
    /// The last seq known to be on stable storage.
    public var syncedSeq: UInt64
    /// `always` or `interval 1s`.
    public var sync: String
    public var retention: Retention
    public var recovered: Recovered
    /// Where the log lives (nil without one).
    public var directory: String?

    /// Retention limits: whole oldest segments go past any of them.
    public struct Retention: Codable, Sendable, Equatable {
        public var maxEvents: UInt64
        public var maxBytes: UInt64
        public var maxAgeSeconds: Int64

        public init(maxEvents: UInt64, maxBytes: UInt64, maxAgeSeconds: Int64) {
            self.maxEvents = maxEvents
            self.maxBytes = maxBytes
            self.maxAgeSeconds = maxAgeSeconds
        }

        enum CodingKeys: String, CodingKey {
            case maxEvents = "max_events"
            case maxBytes = "max_bytes"
            case maxAgeSeconds = "max_age_s"
        }
    }

    /// What recovery found when the broker opened the log.
    public struct Recovered: Codable, Sendable, Equatable {
        public var records: UInt64
        public var badRanges: [SeqGap]
        public var discardedBytes: UInt64

        public init(records: UInt64 = 0, badRanges: [SeqGap] = [], discardedBytes: UInt64 = 0) {
            self.records = records
            self.badRanges = badRanges
            self.discardedBytes = discardedBytes
        }

        enum CodingKeys: String, CodingKey {
            case records
            case badRanges = "bad_ranges"
            case discardedBytes = "discarded_bytes"
        }
    }

    public init(
        enabled: Bool, epoch: String, headSeq: UInt64, firstSeq: UInt64 = 0, lastSeq: UInt64 = 0, events: UInt64 = 0,
        bytes: UInt64 = 0, oldestTime: Int64? = nil, segments: Int = 0, pendingBytes: Int = 0, droppedByWriter: UInt64 = 0,
        gaps: UInt64 = 0, syncedSeq: UInt64 = 0, sync: String, retention: Retention, recovered: Recovered = Recovered(),
        directory: String? = nil
    ) {
        self.enabled = enabled
        self.epoch = epoch
        self.headSeq = headSeq
        self.firstSeq = firstSeq
        self.lastSeq = lastSeq
        self.events = events
        self.bytes = bytes
        self.oldestTime = oldestTime
        self.segments = segments
        self.pendingBytes = pendingBytes
        self.droppedByWriter = droppedByWriter
        self.gaps = gaps
        self.syncedSeq = syncedSeq
        self.sync = sync
        self.retention = retention
        self.recovered = recovered
        self.directory = directory
    }

    enum CodingKeys: String, CodingKey {
        case enabled, epoch
        case headSeq = "head_seq"
        case firstSeq = "first_seq"
        case lastSeq = "last_seq"
        case events, bytes
        case oldestTime = "oldest_time"
        case segments
        case pendingBytes = "pending_bytes"
        case droppedByWriter = "dropped_by_writer"
        case gaps
        case syncedSeq = "synced_seq"
        case sync, retention, recovered, directory
    }
}

/// The payload of the broker's event heartbeat on `plexus.events.heartbeat` (section 10).
public struct EventHeartbeat: Codable, Sendable, Equatable {
    /// The topic it is published on.
    public static let topic = "plexus.events.heartbeat"

    /// Heartbeats from 1 for each broker run: a skipped number means this subscriber missed one.
    public var n: UInt64
    /// The last seq stamped before this heartbeat.
    public var head: UInt64
    /// The oldest stored seq.
    public var firstSeq: UInt64
    /// The broker's running count of events some subscriber's full queue missed.
    public var dropped: UInt64
    public var epoch: String

    public init(n: UInt64, head: UInt64, firstSeq: UInt64, dropped: UInt64, epoch: String) {
        self.n = n
        self.head = head
        self.firstSeq = firstSeq
        self.dropped = dropped
        self.epoch = epoch
    }

    enum CodingKeys: String, CodingKey {
        case n, head
        case firstSeq = "first_seq"
        case dropped, epoch
    }
}

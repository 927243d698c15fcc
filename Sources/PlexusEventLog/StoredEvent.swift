/// One stored event as read back.
public struct StoredEvent: Sendable, Equatable {
    /// The broker's global sequence number.
    public var seq: UInt64
    /// The sequence number of the previous event on the same topic (as the broker stamped it).
    public var prev: UInt64
    /// Microseconds since the epoch.
    public var time: Int64
    public var topic: String
    public var payload: [UInt8]
    /// The exact bytes of the event's META frame.
    public var meta: [UInt8]

    public init(seq: UInt64, prev: UInt64, time: Int64, topic: String, payload: [UInt8], meta: [UInt8]) {
        self.seq = seq
        self.prev = prev
        self.time = time
        self.topic = topic
        self.payload = payload
        self.meta = meta
    }
}

/// A range of sequence numbers the log does not hold although they were stamped: the writer fell
/// behind its bound, or recovery found a corrupted block.
public struct EventLogGap: Sendable, Equatable, Codable {
    public var first: UInt64
    public var last: UInt64
    /// Why, in a few words (`writer fell behind`, `corrupted record`).
    public var reason: String

    public init(first: UInt64, last: UInt64, reason: String) {
        self.first = first
        self.last = last
        self.reason = reason
    }
}

/// The state of the log, for monitoring.
public struct EventLogInfo: Sendable, Equatable {
    /// The first sequence number held; 0 when empty.
    public var firstSeq: UInt64
    /// The highest sequence number written to the OS (readable); 0 when empty.
    public var lastSeq: UInt64
    /// Event records held (gap records are counted in `gaps`).
    public var events: UInt64
    /// Bytes on disk.
    public var bytes: UInt64
    /// The oldest event time held, in microseconds.
    public var oldestTime: Int64?
    public var segments: Int
    /// Bytes queued for the writer, the batch being filled included.
    public var pendingBytes: Int
    /// Events not logged because the writer fell behind its bound (each one inside a recorded gap).
    public var droppedByWriter: UInt64
    /// Gaps held: gap records and the corrupted ranges recovery found.
    public var gaps: UInt64
    /// The highest sequence number known fsynced.
    public var syncedSeq: UInt64
}

/// One page of a replay read.
public struct EventLogRead: Sendable {
    public var events: [StoredEvent]
    /// The gaps met inside the scanned range.
    public var gaps: [EventLogGap]
    /// The last sequence number scanned: continue from `scannedTo + 1`.
    public var scannedTo: UInt64
    /// `scannedTo` is the log's `lastSeq` (or the `to` asked for): there is nothing more to read now.
    public var reachedEnd: Bool
}

/// What opening the log found.
public struct EventLogRecovery: Sendable, Equatable {
    /// Valid records kept (events and gaps).
    public var records: UInt64
    /// Sequence ranges lost to corruption or torn writes. Readers meet them as gaps too: the damaged
    /// bytes stay in place and every read resynchronises over them the same way.
    public var badRanges: [EventLogGap]
    /// Bytes skipped as damaged, and bytes of a torn tail truncated.
    public var discardedBytes: UInt64
    public var lastSeq: UInt64
    /// The last sequence number of each topic found, for at most `maxTopics` topics (the first ones met);
    /// topics past that bound are left out.
    public var lastSeqPerTopic: [String: UInt64]

    /// The bound of `lastSeqPerTopic`, so that a log of many one-off topics cannot exhaust memory.
    public static let maxTopics = 100_000
}

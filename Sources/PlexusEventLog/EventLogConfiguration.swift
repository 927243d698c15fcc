/// When the writer thread fsyncs what it wrote.
///
/// - `always`: every batch is fsynced before `onWritten` reports it, so an acknowledged event survives
///   power loss.
/// - `interval`: a batch is in the OS page cache once written, which survives a crash or SIGKILL of the
///   broker; it is fsynced at most `milliseconds` later, so a power loss can lose up to that interval.
public enum EventLogSync: Sendable, Equatable {
    case always
    case interval(milliseconds: Int)
}

/// Where the event log lives and how much it keeps.
///
/// Retention deletes whole oldest segments as soon as any limit is passed, never the segment being
/// written, so the log holds at most each limit plus the segment being written.
public struct EventLogConfiguration: Sendable {
    /// The directory of the segment files, e.g. `<data>/events`; created if missing.
    public var directory: String
    /// Retention: the most events held.
    public var maxEvents: UInt64 = 10_000_000
    /// Retention: the most bytes held on disk (1 GiB).
    public var maxBytes: UInt64 = 1 << 30
    /// Retention: a segment whose newest event is older than this is deleted (7 days).
    public var maxAgeMicroseconds: Int64 = 7 * 24 * 3600 * 1_000_000
    /// When written batches are fsynced.
    public var sync: EventLogSync = .interval(milliseconds: 1000)
    /// The bound of the writer's queue in memory: past it `append` refuses events and records a gap.
    public var maxPendingBytes: Int = 64 << 20
    /// The writer rolls to a new segment file once the current one passes this size.
    public var segmentBytes: Int = 64 << 20

    /// A configuration with the default limits.
    public init(directory: String) {
        self.directory = directory
    }
}

import Foundation

/// What a user asked for: the persisted, unvalidated definition of a scheduled task.
///
/// Policies are kept as strings so that a definition read from YAML/JSON/SQLite with a typo
/// reaches `TaskScheduler.add` and is rejected with a `TaskError` naming the field, instead of
/// failing opaquely inside a decoder.
public struct TaskDefinition: Codable, Sendable, Equatable {
    /// Unique id: 1–64 characters from `A-Z a-z 0-9 . _ -`.
    public var id: String
    /// When it fires.
    public var schedule: ScheduleSpec
    /// What a run calls or publishes.
    public var target: TargetSpec
    /// The request body / event payload.
    public var payload: String
    /// Seconds a run may take before it is canceled and counted as timed out.
    public var timeout: TimeInterval
    /// Extra attempts after a failed run (0 = none).
    public var retries: Int
    /// Delay before the first retry, in seconds; doubled for each further retry.
    public var retryBackoff: TimeInterval
    /// Upper bound for the retry delay, in seconds.
    public var retryBackoffMax: TimeInterval
    /// `allow`, `forbid` or `replace` (see `ConcurrencyPolicy`).
    public var concurrency: String
    /// `skip` or `run_once` (see `MisfirePolicy`).
    public var misfire: String
    /// With `run_once`: a missed fire older than this many seconds is skipped anyway.
    public var startingDeadline: TimeInterval?
    /// No fires before this instant.
    public var startAt: Date?
    /// No fires after this instant.
    public var endAt: Date?
    /// The task completes after this many runs (retries do not count).
    public var maxRuns: Int?

    /// Creates a definition with the defaults: 60 s timeout, no retries, 1 s backoff up to 300 s,
    /// `forbid`, `skip`.
    public init(
        id: String, schedule: ScheduleSpec, target: TargetSpec, payload: String = "",
        timeout: TimeInterval = 60, retries: Int = 0, retryBackoff: TimeInterval = 1,
        retryBackoffMax: TimeInterval = 300, concurrency: String = "forbid", misfire: String = "skip",
        startingDeadline: TimeInterval? = nil, startAt: Date? = nil, endAt: Date? = nil, maxRuns: Int? = nil
    ) {
        self.id = id
        self.schedule = schedule
        self.target = target
        self.payload = payload
        self.timeout = timeout
        self.retries = retries
        self.retryBackoff = retryBackoff
        self.retryBackoffMax = retryBackoffMax
        self.concurrency = concurrency
        self.misfire = misfire
        self.startingDeadline = startingDeadline
        self.startAt = startAt
        self.endAt = endAt
        self.maxRuns = maxRuns
    }

    /// Checks every field as `TaskScheduler.add` would at `now`, without adding anything. With a
    /// nil `now` the checks that depend on time (a `once` in the past, a window already over) are
    /// left out, as for a topology file that is read again long after it was written.
    /// - Throws: `TaskError` naming the bad field.
    public func validate(now: Date?) throws(TaskError) {
        _ = try TaskValidator.compile(self, now: now)
    }

    enum CodingKeys: String, CodingKey {
        case id, schedule, target, payload, timeout, retries, concurrency, misfire
        case retryBackoff = "retry_backoff"
        case retryBackoffMax = "retry_backoff_max"
        case startingDeadline = "starting_deadline"
        case startAt = "start_at"
        case endAt = "end_at"
        case maxRuns = "max_runs"
    }
}

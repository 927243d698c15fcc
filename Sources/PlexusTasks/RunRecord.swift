import Foundation

/// How a run (one attempt) ended.
public enum RunOutcome: String, Codable, Sendable, Equatable {
    /// Every instance succeeded (or the event was published).
    case succeeded
    /// Some instance failed, or none answered.
    case failed
    /// The run's timeout passed before every instance answered.
    case timedOut = "timed_out"
    /// Canceled by `replace`, `cancel` or `remove`.
    case canceled
    /// Not started because of `forbid` or a misfire.
    case skipped

    /// Whether the run counts as a failure (and may be retried).
    public var isFailure: Bool { self == .failed || self == .timedOut }
}

/// A finished run in a task's history.
public struct RunRecord: Codable, Sendable, Equatable {
    /// The run id (`<task>#<n>`).
    public var runID: String
    /// The fire time the run belongs to (retries keep their original one).
    public var scheduledAt: Date
    /// When it was started (equals `finishedAt` for skipped runs).
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date
    /// 1 for the first attempt, 2 for the first retry, …
    public var attempt: Int
    /// How it ended.
    public var outcome: RunOutcome
    /// Why it failed, was canceled or skipped.
    public var error: String?
    /// Per-instance answers, keyed by instance id.
    public var instances: [String: InstanceResult]

    /// Seconds between start and end.
    public var duration: TimeInterval { finishedAt.timeIntervalSince(startedAt) }

    enum CodingKeys: String, CodingKey {
        case attempt, outcome, error, instances
        case runID = "run_id"
        case scheduledAt = "scheduled_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}

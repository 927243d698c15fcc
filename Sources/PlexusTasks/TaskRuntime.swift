import Foundation

/// The mutable state of a task, persisted next to its definition.
public struct TaskRuntime: Codable, Sendable, Equatable {
    /// How many runs are kept in `history`.
    public static let historyLimit = 20

    /// Lifecycle state.
    public var state: TaskState = .pending
    /// Paused by command; kept apart from `state` so that `running` can still be derived.
    public var isPaused = false
    /// When the task was added: relative schedules (`every`, `after`) are measured from it.
    public var reference: Date
    /// The next scheduled fire, or nil when there is none (window over, `max_runs`, once done).
    public var nextFire: Date?
    /// The fire time of the latest run started.
    public var lastFire: Date?
    /// Runs started (scheduled or triggered; retries are part of their run and do not count).
    public var runCount = 0
    /// Runs that failed after exhausting their retries.
    public var failureCount = 0
    /// The most recent failure message of any attempt.
    public var lastError: String?
    /// Whether the latest finished run failed for good; decides `completed` vs `failed` at the end.
    public var lastRunFailed = false
    /// Counter behind run ids.
    public var runSequence = 0
    /// Runs in flight.
    public var activeRuns: [ActiveRun] = []
    /// Retries waiting for their backoff.
    public var pendingRetries: [PendingRetry] = []
    /// The last `historyLimit` finished runs, oldest first.
    public var history: [RunRecord] = []
    /// Durations of finished (not canceled or skipped) runs.
    public var durations = DurationStats()

    /// Fresh state for a task added at `reference`.
    public init(reference: Date) {
        self.reference = reference
    }

    mutating func record(_ run: RunRecord) {
        history.append(run)
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
    }

    enum CodingKeys: String, CodingKey {
        case state, reference, history, durations
        case isPaused = "is_paused"
        case nextFire = "next_fire"
        case lastFire = "last_fire"
        case runCount = "run_count"
        case failureCount = "failure_count"
        case lastError = "last_error"
        case lastRunFailed = "last_run_failed"
        case runSequence = "run_sequence"
        case activeRuns = "active_runs"
        case pendingRetries = "pending_retries"
    }
}

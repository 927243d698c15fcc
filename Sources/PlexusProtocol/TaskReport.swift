import Foundation

/// A scheduled task as `TASKS` reports it (docs/PROTOCOL.md, section 9): its state and counters, where
/// it came from, its schedule and target in words, its recent runs and (after `SHOW` and the changing
/// verbs) its stored definition.
///
/// The broker builds it; the CLI and tests decode it. Times are RFC 3339 UTC text with milliseconds, as on
/// the wire (`date(_:)` reads them); states and outcomes stay text so that a newer broker's values still
/// decode.
///
/// ```swift
/// let task = try client.request(.tasks(.show, argument: "nightly"), as: TaskReport.self)
/// print(task.state, task.runCount, task.history?.last?.outcome ?? "-")
/// ```
public struct TaskReport: Codable, Sendable, Equatable {
    /// Task id.
    public var id: String
    /// `pending`, `running`, `paused`, `completed`, `failed` or `canceled`.
    public var state: String
    /// `topology` or `runtime`.
    public var origin: String
    /// The schedule in words (`cron 0 3 * * * (UTC)`, `every 10s`, …).
    public var schedule: String
    /// The target in words (`service greeter.hello (one)`, `topic reports.daily`).
    public var target: String
    /// Fires that started a run.
    public var runCount: Int
    /// Runs that failed after all retries.
    public var failureCount: Int
    /// Next scheduled fire, RFC 3339.
    public var nextRun: String?
    /// Fire time of the latest run, RFC 3339.
    public var lastRun: String?
    /// Latest failure message.
    public var lastError: String?
    /// Mean run duration in milliseconds.
    public var avgDurationMs: Double?
    /// 99th percentile of the recent run durations in milliseconds.
    public var p99DurationMs: Double?
    /// Ids of the runs in flight.
    public var running: [String]
    /// Retries waiting for their backoff.
    public var pendingRetries: [PendingRetry]
    /// The last runs, oldest first; absent in `TASKS LIST`.
    public var history: [Run]?
    /// The stored definition (durations in seconds, `schedule` and `target` nested); present after `SHOW`
    /// and the verbs that change a task.
    public var definition: JSONValue?

    /// A finished run (one attempt) in a task's history.
    public struct Run: Codable, Sendable, Equatable {
        /// The run id, `<task>#<n>`.
        public var runID: String
        /// The fire time the run belongs to (retries keep it), RFC 3339.
        public var scheduledAt: String
        /// When it started (equals `finishedAt` for skipped runs), RFC 3339.
        public var startedAt: String
        /// When it ended, RFC 3339.
        public var finishedAt: String
        /// 1 for the first attempt, 2 for the first retry, …
        public var attempt: Int
        /// `succeeded`, `failed`, `timed_out`, `canceled` or `skipped`.
        public var outcome: String
        /// Why it failed, was canceled or skipped.
        public var error: String?
        /// Each instance's answer, by instance id (`broker` with the reason when it reached none).
        public var instances: [String: Result]

        /// One instance's answer to a run.
        public struct Result: Codable, Sendable, Equatable {
            /// `success`, `failure` or `timed_out`.
            public var status: String
            /// The failure message, or the success message the handler returned.
            public var message: String?

            public init(status: String, message: String? = nil) {
                self.status = status
                self.message = message
            }
        }

        public init(
            runID: String, scheduledAt: String, startedAt: String, finishedAt: String, attempt: Int, outcome: String,
            error: String? = nil, instances: [String: Result] = [:]
        ) {
            self.runID = runID
            self.scheduledAt = scheduledAt
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.attempt = attempt
            self.outcome = outcome
            self.error = error
            self.instances = instances
        }

        /// Seconds between start and end; nil when a time does not parse.
        public var duration: TimeInterval? {
            guard let start = TaskReport.date(startedAt), let end = TaskReport.date(finishedAt) else { return nil }
            return end.timeIntervalSince(start)
        }

        enum CodingKeys: String, CodingKey {
            case attempt, outcome, error, instances
            case runID = "run_id"
            case scheduledAt = "scheduled_at"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    /// A retry waiting for its backoff.
    public struct PendingRetry: Codable, Sendable, Equatable {
        /// The fire time of the failed run, RFC 3339.
        public var scheduledAt: String
        /// The attempt number the retry will have.
        public var attempt: Int
        /// When it starts, RFC 3339.
        public var dueAt: String

        public init(scheduledAt: String, attempt: Int, dueAt: String) {
            self.scheduledAt = scheduledAt
            self.attempt = attempt
            self.dueAt = dueAt
        }

        enum CodingKeys: String, CodingKey {
            case attempt
            case scheduledAt = "scheduled_at"
            case dueAt = "due_at"
        }
    }

    public init(
        id: String, state: String, origin: String, schedule: String, target: String, runCount: Int = 0,
        failureCount: Int = 0, nextRun: String? = nil, lastRun: String? = nil, lastError: String? = nil,
        avgDurationMs: Double? = nil, p99DurationMs: Double? = nil, running: [String] = [],
        pendingRetries: [PendingRetry] = [], history: [Run]? = nil, definition: JSONValue? = nil
    ) {
        self.id = id
        self.state = state
        self.origin = origin
        self.schedule = schedule
        self.target = target
        self.runCount = runCount
        self.failureCount = failureCount
        self.nextRun = nextRun
        self.lastRun = lastRun
        self.lastError = lastError
        self.avgDurationMs = avgDurationMs
        self.p99DurationMs = p99DurationMs
        self.running = running
        self.pendingRetries = pendingRetries
        self.history = history
        self.definition = definition
    }

    /// A time as task reports write it: RFC 3339 UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Reads a time written by `timestamp(_:)`.
    public static func date(_ text: String) -> Date? {
        try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Every status key is written, absent values as `null`, so that the shape is stable; `history` and
    /// `definition` only when present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(origin, forKey: .origin)
        try container.encode(schedule, forKey: .schedule)
        try container.encode(target, forKey: .target)
        try container.encode(runCount, forKey: .runCount)
        try container.encode(failureCount, forKey: .failureCount)
        try container.encode(nextRun, forKey: .nextRun)
        try container.encode(lastRun, forKey: .lastRun)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(avgDurationMs, forKey: .avgDurationMs)
        try container.encode(p99DurationMs, forKey: .p99DurationMs)
        try container.encode(running, forKey: .running)
        try container.encode(pendingRetries, forKey: .pendingRetries)
        try container.encodeIfPresent(history, forKey: .history)
        try container.encodeIfPresent(definition, forKey: .definition)
    }

    enum CodingKeys: String, CodingKey {
        case id, state, origin, schedule, target, running, history, definition
        case runCount = "run_count"
        case failureCount = "failure_count"
        case nextRun = "next_run"
        case lastRun = "last_run"
        case lastError = "last_error"
        case avgDurationMs = "avg_duration_ms"
        case p99DurationMs = "p99_duration_ms"
        case pendingRetries = "pending_retries"
    }
}

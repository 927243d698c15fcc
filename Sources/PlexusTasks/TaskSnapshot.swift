import Foundation

/// What `TASKS`-style status output shows about one task.
public struct TaskSnapshot: Codable, Sendable, Equatable {
    /// Task id.
    public var id: String
    /// Lifecycle state.
    public var state: TaskState
    /// Runs started.
    public var runCount: Int
    /// Runs that failed after all retries.
    public var failureCount: Int
    /// Next scheduled fire.
    public var nextRun: Date?
    /// Fire time of the latest run.
    public var lastRun: Date?
    /// Latest failure message.
    public var lastError: String?
    /// Mean run duration in milliseconds.
    public var avgDurationMs: Double?
    /// 99th percentile run duration (recent runs) in milliseconds.
    public var p99DurationMs: Double?
    /// Ids of runs in flight.
    public var running: [String]
    /// Retries waiting for their backoff.
    public var pendingRetries: [PendingRetry]
    /// The last runs, oldest first, with per-instance results.
    public var history: [RunRecord]

    init(_ task: ScheduledTask) {
        let runtime = task.runtime
        id = task.id
        state = runtime.state
        runCount = runtime.runCount
        failureCount = runtime.failureCount
        nextRun = runtime.nextFire
        lastRun = runtime.lastFire
        lastError = runtime.lastError
        avgDurationMs = runtime.durations.average.map { $0 * 1000 }
        p99DurationMs = runtime.durations.p99.map { $0 * 1000 }
        running = runtime.activeRuns.map(\.runID)
        pendingRetries = runtime.pendingRetries
        history = runtime.history
    }

    /// Encodes every key, absent values as `null`, so that the shape is stable. (The broker answers with
    /// PlexusProtocol's `TaskReport`, built from this.)
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(runCount, forKey: .runCount)
        try container.encode(failureCount, forKey: .failureCount)
        try container.encode(nextRun, forKey: .nextRun)
        try container.encode(lastRun, forKey: .lastRun)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(avgDurationMs, forKey: .avgDurationMs)
        try container.encode(p99DurationMs, forKey: .p99DurationMs)
        try container.encode(running, forKey: .running)
        try container.encode(pendingRetries, forKey: .pendingRetries)
        try container.encode(history, forKey: .history)
    }

    enum CodingKeys: String, CodingKey {
        case id, state, running, history
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

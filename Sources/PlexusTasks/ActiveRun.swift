import Foundation

/// A run in flight, waiting for its instances' answers.
public struct ActiveRun: Codable, Sendable, Equatable {
    /// The run id (`<task>#<n>`).
    public var runID: String
    /// The fire time it belongs to.
    public var scheduledAt: Date
    /// When the scheduler asked the broker to start it.
    public var startedAt: Date
    /// 1 for the first attempt, 2 for the first retry, …
    public var attempt: Int
    /// When it times out.
    public var deadline: Date
    /// The instances the broker sent it to, once known (`runDispatched`); an `all` run completes
    /// when each of them has answered.
    public var expectedInstances: [String]?
    /// Answers so far.
    public var results: [String: InstanceResult] = [:]

    enum CodingKeys: String, CodingKey {
        case attempt, deadline, results
        case runID = "run_id"
        case scheduledAt = "scheduled_at"
        case startedAt = "started_at"
        case expectedInstances = "expected_instances"
    }
}

/// A retry waiting for its backoff to pass.
public struct PendingRetry: Codable, Sendable, Equatable {
    /// The fire time of the failed run.
    public var scheduledAt: Date
    /// The attempt number the retry will have.
    public var attempt: Int
    /// When to start it.
    public var dueAt: Date

    enum CodingKeys: String, CodingKey {
        case attempt
        case scheduledAt = "scheduled_at"
        case dueAt = "due_at"
    }
}

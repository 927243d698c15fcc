import Foundation

/// One run of a scheduled task as a plugin receives it: a service `REQUEST` whose meta headers say
/// which task, run, fire time and attempt it is (docs/PROTOCOL.md, section 9).
public struct TaskRun: Sendable, Equatable {
    /// Header with the task id.
    public static let taskIDHeader = "plexus-task-id"
    /// Header with the run id, `<task id>#<n>`.
    public static let runIDHeader = "plexus-run-id"
    /// Header with the fire time, µs since the Unix epoch.
    public static let scheduledAtHeader = "plexus-scheduled-at"
    /// Header with the attempt number (1, then 2 for the first retry, …).
    public static let attemptHeader = "plexus-attempt"

    /// The task's id.
    public var taskID: String
    /// This run's id, unique per task.
    public var runID: String
    /// The fire time the run belongs to (retries keep it).
    public var scheduledAt: Date
    /// 1 for the first attempt, 2 for the first retry, …
    public var attempt: Int

    /// Creates a run description.
    public init(taskID: String, runID: String, scheduledAt: Date, attempt: Int) {
        self.taskID = taskID
        self.runID = runID
        self.scheduledAt = scheduledAt
        self.attempt = attempt
    }

    /// Reads the task headers of a request; nil when it is an ordinary call (no task id or run id).
    public init?(headers: [String: String]) {
        guard let taskID = headers[Self.taskIDHeader], let runID = headers[Self.runIDHeader] else { return nil }
        self.taskID = taskID
        self.runID = runID
        let micros = headers[Self.scheduledAtHeader].flatMap(Int64.init) ?? 0
        scheduledAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        attempt = headers[Self.attemptHeader].flatMap(Int.init) ?? 1
    }

    /// The headers the broker sends for this run.
    public var headers: [String: String] {
        [
            Self.taskIDHeader: taskID, Self.runIDHeader: runID,
            Self.scheduledAtHeader: String(Int64((scheduledAt.timeIntervalSince1970 * 1_000_000).rounded())),
            Self.attemptHeader: String(attempt),
        ]
    }
}

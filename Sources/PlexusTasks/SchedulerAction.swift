import Foundation

/// Something the broker must do for the scheduler: the scheduler itself does no I/O.
public enum SchedulerAction: Sendable, Equatable {
    /// Dispatch a run: call the service (on one or every instance) or publish on the topic.
    case startRun(RunOrder)
    /// Stop a run in flight (send `CANCEL` for its requests); its answers will be ignored.
    case cancelRun(taskID: String, runID: String, reason: String)
    /// Publish a `plexus.task.*` event.
    case publishEvent(TaskEvent)
}

/// Everything the broker needs to dispatch one run.
public struct RunOrder: Codable, Sendable, Equatable {
    /// The task.
    public var taskID: String
    /// The run id, to quote in `runDispatched`/`instanceFinished`/`runFinished`.
    public var runID: String
    /// The fire time it belongs to.
    public var scheduledAt: Date
    /// Where it goes.
    public var target: TaskTarget
    /// Request body or event payload.
    public var payload: String
    /// 1 for the first attempt, 2 for the first retry, …
    public var attempt: Int
    /// When the scheduler will time it out (the broker can use it as the request deadline).
    public var deadline: Date
}

/// A `plexus.task.*` event.
public struct TaskEvent: Codable, Sendable, Equatable {
    /// A run was started.
    public static let started = "plexus.task.started"
    /// A run succeeded.
    public static let completed = "plexus.task.completed"
    /// A run failed or timed out (`retry_at` says whether another attempt follows).
    public static let failed = "plexus.task.failed"
    /// A fire was skipped (forbid, or a misfire after downtime).
    public static let skipped = "plexus.task.skipped"

    /// The topic, one of the constants above.
    public var topic: String
    /// The task.
    public var taskID: String
    /// The run, if one exists.
    public var runID: String?
    /// The fire time concerned.
    public var scheduledAt: Date?
    /// The attempt number.
    public var attempt: Int?
    /// Why (error message, skip reason).
    public var reason: String?
    /// When the next attempt is due, for a failure that will be retried.
    public var retryAt: Date?

    /// Creates an event.
    public init(
        topic: String, taskID: String, runID: String? = nil, scheduledAt: Date? = nil,
        attempt: Int? = nil, reason: String? = nil, retryAt: Date? = nil
    ) {
        self.topic = topic
        self.taskID = taskID
        self.runID = runID
        self.scheduledAt = scheduledAt
        self.attempt = attempt
        self.reason = reason
        self.retryAt = retryAt
    }

    enum CodingKeys: String, CodingKey {
        case topic, attempt, reason
        case taskID = "task_id"
        case runID = "run_id"
        case scheduledAt = "scheduled_at"
        case retryAt = "retry_at"
    }
}

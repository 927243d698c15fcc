/// The lifecycle state of a task.
public enum TaskState: String, Codable, Sendable, Equatable, CaseIterable {
    /// Waiting for its next fire.
    case pending
    /// At least one run is in flight.
    case running
    /// Paused by a command: no fires until resumed (runs in flight continue).
    case paused
    /// No more fires (once done, window over or `max_runs` reached) and the last run succeeded.
    case completed
    /// No more fires and the last run failed after all its retries.
    case failed
    /// Canceled by a command.
    case canceled

    /// Whether the task will never fire again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .canceled: true
        case .pending, .running, .paused: false
        }
    }
}

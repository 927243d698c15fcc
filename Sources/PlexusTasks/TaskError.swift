/// Why the scheduler refused a definition or a command.
///
/// Like `ScheduleError`, each error carries a sentence for the person who wrote the task: it
/// names the field and quotes the offending value. `kind` lets code react without parsing it.
public struct TaskError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The category of problem.
    public enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
        /// The task id is empty, too long or has characters outside `A-Z a-z 0-9 . _ -`.
        case invalidID
        /// The schedule is missing, ambiguous or rejected by `PlexusSchedule`.
        case invalidSchedule
        /// The target is missing, ambiguous, reserved or not a valid service/topic name.
        case invalidTarget
        /// A policy field (`concurrency`, `misfire`, `fan_out`) has an unknown value.
        case invalidPolicy
        /// A numeric limit (`timeout`, `retries`, backoff, `max_runs`, deadline) is out of range.
        case invalidLimit
        /// The active window is empty or already over.
        case invalidWindow
        /// A task with this id already exists.
        case duplicateTask
        /// No task has this id.
        case unknownTask
        /// No active run has this id (it finished, timed out or was canceled).
        case unknownRun
        /// The command does not apply in the task's current state.
        case invalidState
    }

    /// The category of problem.
    public let kind: Kind
    /// A sentence naming the field and the bad value.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

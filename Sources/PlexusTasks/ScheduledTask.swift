import Foundation
import PlexusSchedule

/// A task: its definition, the compiled schedule and policies, and its runtime state.
///
/// Encodes as `{definition, runtime}`; decoding re-validates the definition (without the
/// time-dependent checks) so a persisted task comes back with its schedule compiled.
public struct ScheduledTask: Codable, Sendable {
    /// What the user asked for.
    public let definition: TaskDefinition
    /// Where it stands.
    public internal(set) var runtime: TaskRuntime
    let compiled: CompiledTask

    /// The task id.
    public var id: String { definition.id }

    init(definition: TaskDefinition, compiled: CompiledTask, now: Date) {
        self.definition = definition
        self.compiled = compiled
        self.runtime = TaskRuntime(reference: now)
        runtime.nextFire = nextFire(after: now)
        refreshState()
    }

    /// The task under a new definition; see `TaskScheduler.redefine`.
    init(redefining old: ScheduledTask, as definition: TaskDefinition, compiled: CompiledTask, now: Date) {
        self.definition = definition
        self.compiled = compiled
        self.runtime = old.runtime
        runtime.reference = now
        runtime.pendingRetries.removeAll()
        if runtime.state != .canceled { runtime.state = .pending }
        runtime.nextFire = runtime.state == .canceled ? nil : nextFire(after: now)
        refreshState()
    }

    /// A persisted task from its two parts, re-compiled (without the time-dependent checks).
    /// - Throws: `TaskError` when the stored definition no longer validates, or the runtime holds
    ///   an instant outside the years 1–9999.
    public init(restoring definition: TaskDefinition, runtime: TaskRuntime) throws(TaskError) {
        self.definition = definition
        self.runtime = runtime
        self.compiled = try TaskValidator.compile(definition, now: nil)
        try TaskValidator.checkRuntime(runtime, id: definition.id)
    }

    /// Decodes and re-compiles a persisted task.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        definition = try container.decode(TaskDefinition.self, forKey: .definition)
        runtime = try container.decode(TaskRuntime.self, forKey: .runtime)
        compiled = try TaskValidator.compile(definition, now: nil)
        try TaskValidator.checkRuntime(runtime, id: definition.id)
    }

    /// Encodes definition and runtime.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(definition, forKey: .definition)
        try container.encode(runtime, forKey: .runtime)
    }

    enum CodingKeys: String, CodingKey { case definition, runtime }

    /// The first fire strictly after `date` that respects the window and `max_runs`.
    func nextFire(after date: Date) -> Date? {
        if let maxRuns = definition.maxRuns, runtime.runCount >= maxRuns { return nil }
        var from = date
        // A fire exactly at start_at belongs to the window, hence the step back.
        if let start = definition.startAt, start > date { from = max(date, start.addingTimeInterval(-0.001)) }
        guard let next = compiled.schedule.nextFire(after: from, reference: runtime.reference) else { return nil }
        if let end = definition.endAt, next > end { return nil }
        return next
    }

    /// Derives the state after any change; terminal states stick.
    mutating func refreshState() {
        if runtime.state.isTerminal { return }
        if runtime.isPaused {
            runtime.state = .paused
        } else if !runtime.activeRuns.isEmpty {
            runtime.state = .running
        } else if runtime.nextFire == nil && runtime.pendingRetries.isEmpty {
            runtime.state = runtime.lastRunFailed ? .failed : .completed
        } else {
            runtime.state = .pending
        }
    }

    /// The earliest instant at which `tick` has something to do for this task.
    var nextWakeup: Date? {
        if runtime.state.isTerminal { return nil }
        var candidates = runtime.activeRuns.map(\.deadline)
        if !runtime.isPaused {
            candidates += runtime.pendingRetries.map(\.dueAt)
            if let next = runtime.nextFire { candidates.append(next) }
        }
        return candidates.min()
    }
}

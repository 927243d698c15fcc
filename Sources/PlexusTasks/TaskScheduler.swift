import Foundation

/// The decision logic of the broker's task scheduler, as a value type with no I/O.
///
/// The broker feeds it commands, instance answers and the clock, and carries out the
/// `SchedulerAction`s it returns: start or cancel runs, publish `plexus.task.*` events. It arms a
/// timer for `nextWakeup` and calls `tick(now:)` when it fires. After a restart it restores the
/// persisted tasks and calls `recover(lastSeen:now:)` once, before the first `tick`, so that the
/// misfire policy (not `tick`) decides about fires missed during the downtime.
///
/// Run ids are `<task id>#<n>`, unique per task; answers for runs that are no longer in flight
/// (canceled, timed out) are refused with `unknownRun` and should be ignored.
public struct TaskScheduler: Sendable {
    /// All tasks by id, including finished ones until removed.
    public private(set) var tasks: [String: ScheduledTask] = [:]

    /// An empty scheduler.
    public init() {}

    /// A scheduler holding persisted tasks.
    public init(restoring tasks: [ScheduledTask]) {
        for task in tasks { self.tasks[task.id] = task }
    }

    /// Validates and adds a task; relative schedules are measured from `now`.
    /// - Throws: `TaskError` naming the bad field, or `duplicateTask`.
    public mutating func add(_ definition: TaskDefinition, now: Date) throws(TaskError) {
        let compiled = try TaskValidator.compile(definition, now: now)
        guard tasks[definition.id] == nil else {
            throw TaskError(.duplicateTask, "task '\(definition.id)' already exists")
        }
        tasks[definition.id] = ScheduledTask(definition: definition, compiled: compiled, now: now)
    }

    /// Gives an existing task a new definition (topology.yaml changed): counters and history carry
    /// over, runs in flight finish, and the schedule starts afresh from `now`; a task that had ended
    /// becomes live again, except one canceled by command. An identical definition changes nothing.
    /// - Returns: whether the definition changed.
    @discardableResult
    public mutating func redefine(_ definition: TaskDefinition, now: Date) throws(TaskError) -> Bool {
        let old = try existing(definition.id)
        guard old.definition != definition else { return false }
        let compiled = try TaskValidator.compile(definition, now: now)
        tasks[definition.id] = ScheduledTask(redefining: old, as: definition, compiled: compiled, now: now)
        return true
    }

    /// Removes a task, canceling its runs in flight.
    public mutating func remove(_ id: String, now: Date) throws(TaskError) -> [SchedulerAction] {
        var task = try existing(id)
        let actions = task.cancelActive(now: now, reason: "task removed")
        tasks[id] = nil
        return actions
    }

    /// Pauses a task: no fires or retries until `resume`.
    public mutating func pause(_ id: String) throws(TaskError) {
        var task = try existing(id)
        try task.pause()
        tasks[id] = task
    }

    /// Resumes a paused task from `now`; fires missed while paused are dropped.
    public mutating func resume(_ id: String, now: Date) throws(TaskError) {
        var task = try existing(id)
        try task.resume(now: now)
        tasks[id] = task
    }

    /// Cancels a task for good, canceling its runs in flight.
    public mutating func cancel(_ id: String, now: Date) throws(TaskError) -> [SchedulerAction] {
        var task = try existing(id)
        let actions = try task.cancel(now: now)
        tasks[id] = task
        return actions
    }

    /// Runs a task now, outside its schedule, under its concurrency policy.
    public mutating func trigger(_ id: String, now: Date) throws(TaskError) -> [SchedulerAction] {
        var task = try existing(id)
        let actions = try task.trigger(now: now)
        tasks[id] = task
        return actions
    }

    /// Does everything due at `now`: time out runs, start retries, fire schedules. Tasks are
    /// visited in id order so that the actions are deterministic.
    public mutating func tick(now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for id in tasks.keys.sorted() {
            actions += tasks[id]!.tick(now: now)
        }
        return actions
    }

    /// Applies the misfire policies after downtime from `lastSeen` to `now`. Call once after
    /// restoring, before the first `tick`.
    public mutating func recover(lastSeen: Date, now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for id in tasks.keys.sorted() {
            actions += tasks[id]!.recover(lastSeen: lastSeen, now: now)
        }
        return actions
    }

    /// The broker tells which instances a run was sent to (for `all`: every running instance).
    /// The run then completes once each has answered, or at its timeout. An empty list ends the
    /// run as failed ("no instance answered").
    public mutating func runDispatched(_ runID: String, instances: [String], now: Date) throws(TaskError) -> [SchedulerAction] {
        try withRun(runID) { task in task.runDispatched(runID: runID, instances: instances, now: now) }
    }

    /// One instance answered. A `one` run completes with its first answer; an `all` run when every
    /// dispatched instance answered.
    public mutating func instanceFinished(_ runID: String, instance: String, result: InstanceResult, now: Date) throws(TaskError)
        -> [SchedulerAction]
    {
        try withRun(runID) { task in task.instanceFinished(runID: runID, instance: instance, result: result, now: now) }
    }

    /// The broker ends a run with these per-instance results (merged with any reported before);
    /// dispatched instances without an answer count as timed out. The run succeeds only if every
    /// instance succeeded; a failure is retried with backoff while attempts remain.
    public mutating func runFinished(_ runID: String, results: [String: InstanceResult], now: Date) throws(TaskError)
        -> [SchedulerAction]
    {
        try withRun(runID) { task in task.runFinished(runID: runID, results: results, now: now) }
    }

    /// When `tick` next has work: the earliest fire, retry or run deadline; nil when idle.
    public var nextWakeup: Date? {
        tasks.values.compactMap(\.nextWakeup).min()
    }

    /// Status of one task.
    public func snapshot(_ id: String) -> TaskSnapshot? {
        tasks[id].map(TaskSnapshot.init)
    }

    /// Status of all tasks, by id.
    public func snapshots() -> [TaskSnapshot] {
        tasks.keys.sorted().compactMap(snapshot)
    }

    private func existing(_ id: String) throws(TaskError) -> ScheduledTask {
        guard let task = tasks[id] else { throw TaskError(.unknownTask, "no task '\(id)'") }
        return task
    }

    private mutating func withRun(_ runID: String, _ body: (inout ScheduledTask) -> [SchedulerAction]?) throws(TaskError)
        -> [SchedulerAction]
    {
        // The task id is everything before the last '#'; ids cannot contain '#'.
        let taskID = runID.split(separator: "#", omittingEmptySubsequences: false).dropLast().joined(separator: "#")
        guard var task = tasks[taskID], let actions = body(&task) else {
            throw TaskError(.unknownRun, "no run '\(runID)' in flight")
        }
        task.refreshState()
        tasks[taskID] = task
        return actions
    }
}

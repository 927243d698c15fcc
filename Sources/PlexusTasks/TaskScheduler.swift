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
    /// Each live task's next wakeup, kept up to date by every change, so that `tick` visits only
    /// the tasks that are due and `nextWakeup` costs the same with ten tasks or a hundred thousand.
    private(set) var wakeups = WakeupQueue()
    /// Ids of tasks changed (or removed) since the last `takeChanged()`: what needs persisting.
    public private(set) var changed: Set<String> = []
    /// Counts every change, so that a caller caching `nextWakeup` knows when to ask again.
    public private(set) var revision: UInt64 = 0
    /// Counts additions and removals of tasks (not changes to them), so that a caller caching the
    /// sorted ids knows when to sort again.
    public private(set) var membershipRevision: UInt64 = 0

    /// An empty scheduler.
    public init() {}

    /// A scheduler holding persisted tasks.
    public init(restoring tasks: [ScheduledTask]) {
        for task in tasks {
            self.tasks[task.id] = task
            wakeups.set(task.id, task.nextWakeup)
        }
    }

    /// Validates and adds a task; relative schedules are measured from `now`.
    /// - Throws: `TaskError` naming the bad field, or `duplicateTask`.
    public mutating func add(_ definition: TaskDefinition, now: Date) throws(TaskError) {
        let compiled = try TaskValidator.compile(definition, now: now)
        guard tasks[definition.id] == nil else {
            throw TaskError(.duplicateTask, "task '\(definition.id)' already exists")
        }
        store(ScheduledTask(definition: definition, compiled: compiled, now: now))
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
        store(ScheduledTask(redefining: old, as: definition, compiled: compiled, now: now))
        return true
    }

    /// Removes a task, canceling its runs in flight.
    public mutating func remove(_ id: String, now: Date) throws(TaskError) -> [SchedulerAction] {
        var task = try existing(id)
        let actions = task.cancelActive(now: now, reason: "task removed")
        tasks[id] = nil
        wakeups.set(id, nil)
        changed.insert(id)
        revision &+= 1
        membershipRevision &+= 1
        return actions
    }

    /// Pauses a task: no fires or retries until `resume`.
    public mutating func pause(_ id: String) throws(TaskError) {
        try update(id) { task throws(TaskError) in try task.pause() }
    }

    /// Resumes a paused task from `now`; fires missed while paused are dropped.
    public mutating func resume(_ id: String, now: Date) throws(TaskError) {
        try update(id) { task throws(TaskError) in try task.resume(now: now) }
    }

    /// Cancels a task for good, canceling its runs in flight.
    public mutating func cancel(_ id: String, now: Date) throws(TaskError) -> [SchedulerAction] {
        try update(id) { task throws(TaskError) in try task.cancel(now: now) }
    }

    /// Runs a task now, outside its schedule, under its concurrency policy.
    public mutating func trigger(_ id: String, now: Date) throws(TaskError) -> [SchedulerAction] {
        try update(id) { task throws(TaskError) in try task.trigger(now: now) }
    }

    /// Does everything due at `now`: time out runs, start retries, fire schedules. Only due tasks
    /// are visited, in id order so that the actions are deterministic.
    public mutating func tick(now: Date) -> [SchedulerAction] {
        dueTasks(at: now).flatMap { tick($0, now: now) }
    }

    /// The ids of the tasks with something due at `now`, in id order. The broker ticks them one by
    /// one (`tick(_:now:)`) and dispatches each task's runs at once, so that in a burst of fires the
    /// first run does not wait for the scheduler to have visited every task.
    public func dueTasks(at now: Date) -> [String] {
        wakeups.due(at: now).sorted()
    }

    /// Does what is due at `now` for one task (see `tick(now:)`); nothing for an unknown id.
    public mutating func tick(_ id: String, now: Date) -> [SchedulerAction] {
        (try? update(id) { task in task.tick(now: now) }) ?? []
    }

    /// Applies the misfire policies after downtime from `lastSeen` to `now`. Call once after
    /// restoring, before the first `tick`.
    public mutating func recover(lastSeen: Date, now: Date) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for id in tasks.keys.sorted() {
            actions += (try? update(id) { task in task.recover(lastSeen: lastSeen, now: now) }) ?? []
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
        wakeups.earliest
    }

    /// Returns and forgets the ids changed since the last call.
    public mutating func takeChanged() -> Set<String> {
        // Not `removeAll(keepingCapacity:)`: the returned set shares the storage, so keeping the capacity
        // would allocate a table as large as the largest burst ever on every call.
        let taken = changed
        changed = []
        return taken
    }

    /// Status of one task.
    public func snapshot(_ id: String) -> TaskSnapshot? {
        tasks[id].map(TaskSnapshot.init)
    }

    /// Status of all tasks, by id.
    public func snapshots() -> [TaskSnapshot] {
        sortedIDs().compactMap(snapshot)
    }

    /// Every task id, sorted (the order of task lists).
    public func sortedIDs() -> [String] {
        tasks.keys.sorted()
    }

    private func existing(_ id: String) throws(TaskError) -> ScheduledTask {
        guard let task = tasks[id] else { throw TaskError(.unknownTask, "no task '\(id)'") }
        return task
    }

    private mutating func store(_ task: ScheduledTask) {
        if tasks[task.id] == nil { membershipRevision &+= 1 }
        tasks[task.id] = task
        wakeups.set(task.id, task.nextWakeup)
        changed.insert(task.id)
        revision &+= 1
    }

    /// Changes one task in place (through the dictionary's storage, so its arrays are not copied),
    /// then refreshes its wakeup and marks it changed.
    private mutating func update<R>(_ id: String, _ body: (inout ScheduledTask) throws(TaskError) -> R) throws(TaskError) -> R {
        guard let index = tasks.index(forKey: id) else { throw TaskError(.unknownTask, "no task '\(id)'") }
        let result = try body(&tasks.values[index])
        wakeups.set(id, tasks.values[index].nextWakeup)
        changed.insert(id)
        revision &+= 1
        return result
    }

    private mutating func withRun(_ runID: String, _ body: (inout ScheduledTask) -> [SchedulerAction]?) throws(TaskError)
        -> [SchedulerAction]
    {
        // The task id is everything before the last '#'; ids cannot contain '#'.
        guard let hash = runID.lastIndex(of: "#") else { throw TaskError(.unknownRun, "no run '\(runID)' in flight") }
        let taskID = String(runID[..<hash])
        let actions = try? update(taskID) { task throws(TaskError) -> [SchedulerAction]? in
            guard let actions = body(&task) else { return nil }
            task.refreshState()
            return actions
        }
        guard let actions = actions ?? nil else { throw TaskError(.unknownRun, "no run '\(runID)' in flight") }
        return actions
    }
}

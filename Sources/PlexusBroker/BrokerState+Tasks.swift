import Foundation
import Logging
import PlexusProtocol
import PlexusTasks
import PlexusTopology

/// Scheduled tasks in the broker: restoring and reconciling them, firing runs through the service
/// dispatcher (or onto the bus), feeding answers back to the scheduler, and persisting its state
/// (docs/PROTOCOL.md, section 9).
extension BrokerState {
    /// Who task runs come from, in `REQUEST` meta and on events.
    static let schedulerSource = "plexus.scheduler"

    // MARK: Start and stop

    /// Restores stored tasks and reconciles them with the topology's. Fires wait for `startScheduling`.
    mutating func restoreTasks() {
        let monotonic = Clock.monotonicMilliseconds()
        tasks.startDeadline = monotonic + BrokerTasks.startupGraceMilliseconds
        let contents = tasks.restored ?? TaskStore.Contents()
        tasks.restored = nil
        for row in contents.unreadable {
            logger.error(
                "stored task cannot be read; left in the database untouched",
                metadata: ["task": "\(row.id)", "reason": "\(row.reason)", "database": "\(tasks.store.name)"])
        }
        let stored = contents.tasks
        tasks.scheduler = TaskScheduler(restoring: stored.map(\.task))
        tasks.origins = Dictionary(stored.map { ($0.task.id, $0.origin) }, uniquingKeysWith: { $1 })
        if !stored.isEmpty {
            logger.info("tasks restored", metadata: ["count": "\(stored.count)", "database": "\(tasks.store.name)"])
        }
        reconcileTasks(with: supervisor.topology, now: Date())
        // Nothing to wait for: no plugin of the topology is launched by the broker.
        if !supervisor.topology.plugins.contains(where: { $0.enabled && !$0.command.isEmpty }) { startScheduling() }
    }

    /// Makes the topology's tasks current: new ones are added, changed ones redefined (keeping their
    /// counters and history), ones no longer declared removed. Runtime-added tasks are left alone,
    /// unless the topology now declares the same id: the file wins.
    mutating func reconcileTasks(with topology: Topology, now: Date) {
        let declared = Set(topology.tasks.map(\.id))
        for (id, origin) in tasks.origins where origin == .topology && !declared.contains(id) {
            enqueue((try? tasks.scheduler.remove(id, now: now)) ?? [])
            tasks.origins[id] = nil
            logger.info("task removed: no longer in the topology", metadata: ["task": "\(id)"])
        }
        for definition in topology.tasks {
            let id = definition.id
            do throws(TaskError) {
                if tasks.scheduler.tasks[id] != nil {
                    if tasks.origins[id] == .runtime {
                        logger.warning("the topology declares task '\(id)', which was added at run time; the file wins")
                    }
                    if try tasks.scheduler.redefine(definition, now: now) {
                        logger.info("task redefined by the topology", metadata: ["task": "\(id)"])
                    }
                } else {
                    try tasks.scheduler.add(definition, now: now)
                }
                tasks.origins[id] = .topology
                tasks.touch(id)
            } catch {
                badInput.record("tasks", error.message, now: Clock.monotonicMilliseconds(), logger: logger)
            }
        }
        flushTasks(force: true)
    }

    /// Lets the scheduler fire: first the misfire policies for the downtime, then the clock.
    mutating func startScheduling() {
        guard !tasks.started else { return }
        tasks.started = true
        let now = Date()
        if let lastSeen = tasks.lastSeen { enqueue(tasks.scheduler.recover(lastSeen: lastSeen, now: now)) }
        logger.info("scheduler started", metadata: ["tasks": "\(tasks.scheduler.tasks.count)"])
        flushTasks(force: true)
    }

    /// Every due fire, retry and timeout.
    mutating func tickTasks() {
        let now = Date()
        // In a burst of fires every run goes out before any `plexus.task.*` event: the plugins are
        // waiting for the runs, the bus can wait for the news.
        var events: [SchedulerAction] = []
        for id in tasks.scheduler.dueTasks(at: now) {
            let actions = tasks.scheduler.tick(id, now: now)
            enqueue(actions.filter { if case .publishEvent = $0 { false } else { true } })
            events += actions.filter { if case .publishEvent = $0 { true } else { false } }
        }
        enqueue(events)
        // Recomputed even if nothing was due: the wall clock may have moved against the monotonic one.
        tasks.wakeupRevision = nil
    }

    /// Writes what changed. Without `force`, at most every `flushIntervalMilliseconds`; with
    /// `durable`, returns only once it is committed, with the error if it failed. A failed write's
    /// rows stay pending in the store and go with the next flush (the heartbeat forces one a
    /// second), so nothing the scheduler changed is dropped.
    @discardableResult
    mutating func flushTasks(force: Bool = false, durable: Bool = false, seen: Date = Date()) -> TaskStoreError? {
        let now = Clock.monotonicMilliseconds()
        guard force || now - tasks.lastFlush >= BrokerTasks.flushIntervalMilliseconds else { return nil }
        var ids = tasks.scheduler.takeChanged()
        ids.formUnion(tasks.dirty)
        tasks.dirty.removeAll()
        var changed: [TaskStore.Stored] = []
        var removed: [String] = []
        changed.reserveCapacity(ids.count)
        for id in ids {
            if let task = tasks.scheduler.tasks[id] {
                changed.append(TaskStore.Stored(task: task, origin: tasks.origins[id] ?? .runtime))
            } else {
                removed.append(id)
            }
        }
        tasks.lastFlush = now
        // Values, not references: the writer encodes copies while the loop goes on changing the tasks.
        return tasks.store.save(changed, removed: removed, seen: seen, wait: durable)
    }

    /// The last flush before the broker stops: durable, then the write-ahead log checkpointed into
    /// the file. Changes that still cannot be stored are lost with the process, and said so.
    mutating func closeTasks() {
        if let error = flushTasks(force: true, durable: true) {
            logger.critical(
                "task changes could not be stored before the broker stopped; they are lost",
                metadata: ["database": "\(error.path)", "error": "\(error.detail)", "pending": "\(tasks.store.health.pending)"])
        }
        tasks.store.close()
    }

    /// When the loop must wake for the next flush, if anything waits for one.
    var nextTaskFlush: Int64? {
        tasks.hasChanges ? tasks.lastFlush + BrokerTasks.flushIntervalMilliseconds : nil
    }

    // MARK: Carrying out the scheduler's actions

    /// Carries out one of the scheduler's decisions.
    mutating func apply(_ action: SchedulerAction) {
        switch action {
        case .startRun(let order):
            startRun(order)
        case .cancelRun(_, let runID, let reason):
            logger.info("task run canceled", metadata: ["run": "\(runID)", "reason": "\(reason)"])
            counters.runEnded(runID, outcome: "canceled", at: Clock.monotonicMicroseconds())
            enqueue(dispatcher.abandon(runID: runID, now: Clock.monotonicMilliseconds()))
        case .publishEvent(let event):
            // Routine runs are debug-level news; a failure is worth an operator's attention.
            let metadata: Logger.Metadata = [
                "task": "\(event.taskID)", "run": "\(event.runID ?? "-")", "reason": "\(event.reason ?? "")",
            ]
            switch event.topic {
            case "plexus.task.failed": logger.warning("task run failed", metadata: metadata)
            case "plexus.task.skipped": logger.info("task run skipped", metadata: metadata)
            default:
                logger.debug(
                    "task run \(event.topic.dropFirst("plexus.task.".count))", metadata: metadata.filter { $0.key != "reason" })
            }
            countRun(event)
            publish(
                topic: event.topic, payload: TaskEventEncoder.encode(event), source: PlexusConstants.brokerSource,
                headersJSON: nil)
        }
    }

    /// Counts a run's start and end for the metrics, from the scheduler's own events about it.
    private mutating func countRun(_ event: TaskEvent) {
        let now = Clock.monotonicMicroseconds()
        switch event.topic {
        case TaskEvent.started: if let runID = event.runID { counters.runStarted(runID, at: now) }
        case TaskEvent.completed: counters.runEnded(event.runID, outcome: "succeeded", at: now)
        case TaskEvent.failed: counters.runEnded(event.runID, outcome: "failed", at: now)
        case TaskEvent.skipped: counters.runEnded(event.runID, outcome: "skipped", at: now)
        default: break
        }
    }

    /// Dispatches one run: an event, a call to one instance, or a call to each instance.
    private mutating func startRun(_ order: RunOrder) {
        let dispatchedAt = Date()
        // Retries are late on purpose (their fire time is the original one): only first attempts count.
        if order.attempt == 1 {
            let late = max(0, dispatchedAt.timeIntervalSince(order.scheduledAt))
            tasks.jitter.record(milliseconds: late * 1000, failed: false)
            counters.observe(.scheduleJitter(seconds: late))
        }
        let headers = TaskRun(
            taskID: order.taskID, runID: order.runID, scheduledAt: order.scheduledAt, attempt: order.attempt
        ).headers
        switch order.target {
        case .topic(let topic):
            publish(
                topic: topic, payload: Array(order.payload.utf8), source: Self.schedulerSource,
                headersJSON: JSONCoding.encode(headers))
        case .service(let name, let fanOut, let plugin):
            // Rounded down, so that the call's deadline comes no later than the run's: the dispatcher then
            // answers the timeout itself, naming the instance, before the scheduler would time the run out
            // without knowing which instance had it.
            let timeout = Int(max(1, BrokerTasks.milliseconds(order.deadline.timeIntervalSince(dispatchedAt) - 0.001)))
            let options = CallOptions(timeoutMilliseconds: timeout, headers: headers)
            // Needed only to pin instances (`all`, or a plugin filter); a plain `one` run is the dispatcher's choice.
            var candidates: [String] = []
            if fanOut == .all || plugin != nil {
                candidates = dispatcher.readyInstances(of: name).filter { instance in
                    guard let plugin else { return true }
                    guard let registration = registry.session(instance: instance)?.registration else { return false }
                    return registration.name == plugin || registration.type == plugin
                }
            }
            let scope = plugin.map { " of plugin '\($0)'" } ?? ""
            switch fanOut {
            case .one:
                if plugin != nil, candidates.isEmpty {
                    runFailed(order.runID, "no running instance\(scope) offers service '\(name)'")
                    return
                }
                // Without a plugin filter the call may wait in the queue for an instance that is starting.
                enqueue(
                    dispatcher.call(
                        name, body: Array(order.payload.utf8), caller: .task(runID: order.runID, instance: nil),
                        callerName: Self.schedulerSource, options: options, now: Clock.monotonicMilliseconds(),
                        wall: Clock.wallMicroseconds(), only: plugin == nil ? nil : Set(candidates), queueIfUnknown: true))
            case .all:
                guard !candidates.isEmpty else {
                    runFailed(order.runID, "no running instance\(scope) offers service '\(name)'")
                    return
                }
                for instance in candidates {
                    enqueue(
                        dispatcher.call(
                            name, body: Array(order.payload.utf8), caller: .task(runID: order.runID, instance: instance),
                            callerName: Self.schedulerSource, options: options, now: Clock.monotonicMilliseconds(),
                            wall: Clock.wallMicroseconds(), only: [instance], queueIfUnknown: true))
                }
                do throws(TaskError) {
                    enqueue(try tasks.scheduler.runDispatched(order.runID, instances: candidates, now: Date()))
                } catch {
                    // The run ended already (every instance refused at once).
                }
            }
        }
    }

    /// Ends a run that could not be dispatched at all.
    private mutating func runFailed(_ runID: String, _ message: String) {
        do throws(TaskError) {
            enqueue(try tasks.scheduler.runFinished(runID, results: ["broker": .failure(message)], now: Date()))
        } catch {}
    }

    /// An instance's answer to a task run (from the dispatcher).
    mutating func taskAnswered(runID: String, instance: String?, _ answer: ServiceAnswer) {
        let result: InstanceResult
        switch answer {
        case .partial: return
        case .final(let body):
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            result = InstanceResult(.success, message: text.isEmpty ? nil : text)
        case .error(let error) where error.knownCode == .timeout:
            result = .timedOut
        case .error(let error):
            result = .failure(error.message)
        }
        do throws(TaskError) {
            enqueue(
                try tasks.scheduler.instanceFinished(runID, instance: instance ?? "broker", result: result, now: Date()))
        } catch {
            // The run is over (timed out, canceled, replaced): a late answer changes nothing.
        }
    }
}

import Foundation
import PlexusProcess
import PlexusProtocol
import PlexusSupervisor
import PlexusTasks
import PlexusTopology

/// The client command `TASKS` (docs/PROTOCOL.md, section 9).
extension BrokerState {
    /// Definitions longer than this are refused: a task is a few hundred bytes, its payload a message.
    static let maxTaskDefinitionBytes = 256 * 1024

    mutating func answerTasks(_ verb: TaskVerb, _ argument: String?, requestID: [UInt8]) -> ClientReply {
        let changes = verb != .list && verb != .show
        do throws(ProtocolError) {
            // A change is acknowledged only once stored: while the database fails, refuse before
            // changing anything (after trying once more what is pending).
            if changes { try requireWritableStore(verb) }
            if verb == .list { return .ok(requestID: requestID, body: try listTasks(argument ?? "")) }
            let body = try runTaskCommand(verb, argument ?? "")
            if changes { try storeTaskCommand(verb, argument ?? "") }
            return .ok(requestID: requestID, body: [body])
        } catch let error
            where [ErrorCode.unavailable, .notFound, .conflict].contains(where: { $0.rawValue == error.code })
        {
            // Not bad input: the store counts and logs its failures, and 404 and 409 are client errors,
            // counted by the control handler that sends the answer.
            return .error(requestID: requestID, error)
        } catch {
            badInput.record(
                "tasks", error.message, metadata: ["code": "\(error.code)"], now: Clock.monotonicMilliseconds(), logger: logger)
            return .error(requestID: requestID, error)
        }
    }

    /// Throws 503 while the last write to the task database failed and a retry fails too.
    private mutating func requireWritableStore(_ verb: TaskVerb) throws(ProtocolError) {
        guard tasks.store.health.isFailing else { return }
        guard let error = flushTasks(force: true, durable: true) else { return }
        throw unavailable(error, "TASKS \(verb.rawValue) was not carried out")
    }

    /// Makes the command's change durable before the answer: a client told "added" must find the
    /// task after a crash. When the write fails, the answer is 503: an `ADD` is undone; other
    /// changes are in effect but not stored yet (the store retries them), and the message says so.
    private mutating func storeTaskCommand(_ verb: TaskVerb, _ argument: String) throws(ProtocolError) {
        guard let error = flushTasks(force: true, durable: true) else { return }
        guard verb == .add else {
            throw unavailable(
                error,
                "TASKS \(verb.rawValue) is in effect but not stored; it is stored once the database works again "
                    + "(a broker restart before that loses it)")
        }
        // The task was added in this call: take it away again (its pending row becomes a deletion).
        if let id = (try? TaskEntryParser.parse(definition: argument))?.id, tasks.origins[id] == .runtime {
            enqueue((try? tasks.scheduler.remove(id, now: Date())) ?? [])
            tasks.origins[id] = nil
        }
        throw unavailable(error, "TASKS ADD was not carried out")
    }

    /// `STATS`' `task_storage`.
    var taskStorageStats: StatsReply.TaskStorage {
        let health = tasks.store.health
        return StatsReply.TaskStorage(
            database: tasks.store.name, ok: !health.isFailing, writeFailures: health.failures,
            failingSince: health.failingSince.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) },
            lastError: health.lastError?.description, pending: health.pending)
    }

    private mutating func unavailable(_ error: TaskStoreError, _ outcome: String) -> ProtocolError {
        let health = tasks.store.health
        let since = health.failingSince.map { " since \($0.formatted(Date.ISO8601FormatStyle()))" } ?? ""
        let count = "\(health.failures) failed write\(health.failures == 1 ? "" : "s")\(since)"
        return ProtocolError(
            .unavailable,
            "\(error), \(count): \(outcome); "
                + "task commands are refused until the database can be written (STATS task_storage)")
    }

    private mutating func runTaskCommand(_ verb: TaskVerb, _ argument: String) throws(ProtocolError) -> [UInt8] {
        let now = Date()
        switch verb {
        case .list:
            return try listTasks(argument)[0]
        case .show:
            return TaskJSON.encode(try existingReport(argument))
        case .add:
            guard argument.utf8.count <= Self.maxTaskDefinitionBytes else {
                throw .bad("task definition is longer than \(Self.maxTaskDefinitionBytes) bytes")
            }
            let definition: TaskDefinition
            do throws(TopologyError) {
                definition = try TaskEntryParser.parse(definition: argument)
            } catch {
                throw .bad(error.path.isEmpty ? error.message : "\(error.path): \(error.message)")
            }
            let limit = configuration.maxTasks
            if tasks.scheduler.tasks.count >= limit, tasks.scheduler.tasks[definition.id] == nil {
                throw ProtocolError(
                    .conflict,
                    "cannot add task '\(definition.id)': the broker holds \(tasks.scheduler.tasks.count) tasks, its limit "
                        + "(broker.max_tasks \(limit)); remove tasks or raise the limit")
            }
            try taskCommand { scheduler throws(TaskError) in try scheduler.add(definition, now: now) }
            tasks.origins[definition.id] = .runtime
            tasks.touch(definition.id)
            return TaskJSON.encode(try existingReport(definition.id))
        case .remove:
            if tasks.origins[argument] == .topology {
                throw ProtocolError(
                    .conflict, "task '\(argument)' is declared in the topology; remove it there (or pause or cancel it)")
            }
            enqueue(try taskCommand { scheduler throws(TaskError) in try scheduler.remove(argument, now: now) })
            tasks.origins[argument] = nil
            return JSONCoding.encode(["removed": argument])
        case .pause:
            try taskCommand { scheduler throws(TaskError) in try scheduler.pause(argument) }
        case .resume:
            try taskCommand { scheduler throws(TaskError) in try scheduler.resume(argument, now: now) }
        case .cancel:
            enqueue(try taskCommand { scheduler throws(TaskError) in try scheduler.cancel(argument, now: now) })
        case .trigger:
            enqueue(try taskCommand { scheduler throws(TaskError) in try scheduler.trigger(argument, now: now) })
        }
        return TaskJSON.encode(try existingReport(argument))
    }

    /// `TASKS LIST`: one page of the task objects (without history) in id order, and its `PageInfo`
    /// (docs/PROTOCOL.md sections 3 and 9). Only the page's tasks are encoded.
    private mutating func listTasks(_ paging: String) throws(ProtocolError) -> [[UInt8]] {
        let request = try PageRequest.decode(Array(paging.utf8), command: "TASKS LIST")
        // Every id has a task (both come from the scheduler as it is now): `null` is unreachable.
        let ids = tasks.sortedIDs()
        let current = self
        return Page.encode(ids.lazy.map { current.report($0, definition: false) }, request) { report in
            report.map { TaskJSON.encode($0, omitHistory: true) } ?? Array("null".utf8)
        }
    }

    /// Runs a scheduler command, turning its `TaskError` into the protocol error the client sees.
    @discardableResult
    private mutating func taskCommand<T>(_ body: (inout TaskScheduler) throws(TaskError) -> T) throws(ProtocolError) -> T {
        do throws(TaskError) {
            return try body(&tasks.scheduler)
        } catch {
            let code: ErrorCode
            switch error.kind {
            case .unknownTask, .unknownRun: code = .notFound
            case .duplicateTask, .invalidState: code = .conflict
            case .invalidID, .invalidSchedule, .invalidTarget, .invalidPolicy, .invalidLimit, .invalidWindow: code = .badRequest
            }
            throw ProtocolError(code, error.message)
        }
    }

    private func existingReport(_ id: String) throws(ProtocolError) -> TaskReport {
        guard let report = report(id, definition: true) else { throw ProtocolError(.notFound, "no task '\(id)'") }
        return report
    }

    private func report(_ id: String, definition: Bool) -> TaskReport? {
        guard let task = tasks.scheduler.tasks[id], let snapshot = tasks.scheduler.snapshot(id) else { return nil }
        return TaskReport(
            snapshot: snapshot, origin: tasks.origins[id] ?? .runtime, definition: task.definition,
            includeDefinition: definition)
    }
}

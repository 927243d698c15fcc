import Foundation
import PlexusProtocol
import PlexusTasks
import PlexusTopology

/// The client command `TASKS` (docs/PROTOCOL.md, section 9).
extension Broker {
    /// Definitions longer than this are refused: a task is a few hundred bytes, its payload a message.
    static let maxTaskDefinitionBytes = 256 * 1024

    func answerTasks(_ verb: TaskVerb, _ argument: String?, requestID: [UInt8]) -> ClientReply {
        do throws(ProtocolError) {
            let body = try runTaskCommand(verb, argument ?? "")
            // Durable before the answer: a client told "added" must find the task after a crash.
            if verb != .list && verb != .show { flushTasks(force: true, durable: true) }
            return .ok(requestID: requestID, body: [body])
        } catch {
            badInput.record(
                "tasks", error.message, metadata: ["code": "\(error.code)"], now: Clock.monotonicMilliseconds(), logger: logger)
            return .error(requestID: requestID, error)
        }
    }

    private func runTaskCommand(_ verb: TaskVerb, _ argument: String) throws(ProtocolError) -> [UInt8] {
        let now = Date()
        switch verb {
        case .list:
            let reports = tasks.scheduler.snapshots().compactMap { report($0.id, definition: false) }
            return TaskJSON.encode(reports, omitHistory: true)
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
            try taskCommand { scheduler throws(TaskError) in try scheduler.add(definition, now: now) }
            tasks.origins[definition.id] = .runtime
            tasks.touch(definition.id)
            return TaskJSON.encode(try existingReport(definition.id))
        case .remove:
            if tasks.origins[argument] == .topology {
                throw ProtocolError(
                    .conflict, "task '\(argument)' is declared in the topology; remove it there (or pause or cancel it)")
            }
            executeTasks(try taskCommand { scheduler throws(TaskError) in try scheduler.remove(argument, now: now) })
            tasks.origins[argument] = nil
            return JSONCoding.encode(["removed": argument])
        case .pause:
            try taskCommand { scheduler throws(TaskError) in try scheduler.pause(argument) }
        case .resume:
            try taskCommand { scheduler throws(TaskError) in try scheduler.resume(argument, now: now) }
        case .cancel:
            executeTasks(try taskCommand { scheduler throws(TaskError) in try scheduler.cancel(argument, now: now) })
        case .trigger:
            executeTasks(try taskCommand { scheduler throws(TaskError) in try scheduler.trigger(argument, now: now) })
        }
        return TaskJSON.encode(try existingReport(argument))
    }

    /// Runs a scheduler command, turning its `TaskError` into the protocol error the client sees.
    @discardableResult
    private func taskCommand<T>(_ body: (inout TaskScheduler) throws(TaskError) -> T) throws(ProtocolError) -> T {
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

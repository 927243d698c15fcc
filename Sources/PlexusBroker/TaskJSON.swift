import Foundation
import PlexusProtocol
import PlexusTasks

/// `TASKS` answers: task reports (PlexusProtocol's `TaskReport`) as JSON, keys sorted, times as RFC 3339
/// UTC with milliseconds.
enum TaskJSON {
    /// A report; `omitHistory` leaves its runs out (task lists).
    static func encode(_ report: TaskReport, omitHistory: Bool = false) -> [UInt8] {
        var report = report
        if omitHistory { report.history = nil }
        return JSONCoding.encode(report)
    }

    /// The scheduler's own types (task events, definitions); a failure is a programming error worth a clear trap.
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        do { return Array(try encoder.encode(value)) } catch { preconditionFailure("JSON encoding failed: \(error)") }
    }

    /// The encoder for the scheduler's own types, which hold `Date`s.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(TaskReport.timestamp(date))
        }
        return encoder
    }()
}

extension TaskReport {
    /// What `TASKS` answers about a task: its status (`TaskSnapshot`) plus where it came from, its
    /// schedule and target in words, and (with `SHOW` and the changing verbs) its definition.
    init(snapshot: TaskSnapshot, origin: TaskOrigin, definition: TaskDefinition, includeDefinition: Bool) {
        self.init(
            id: snapshot.id, state: snapshot.state.rawValue, origin: origin.rawValue,
            schedule: Self.describe(definition.schedule), target: Self.describe(definition.target),
            runCount: snapshot.runCount, failureCount: snapshot.failureCount,
            nextRun: snapshot.nextRun.map(Self.timestamp), lastRun: snapshot.lastRun.map(Self.timestamp),
            lastError: snapshot.lastError, avgDurationMs: snapshot.avgDurationMs, p99DurationMs: snapshot.p99DurationMs,
            running: snapshot.running,
            pendingRetries: snapshot.pendingRetries.map {
                PendingRetry(scheduledAt: Self.timestamp($0.scheduledAt), attempt: $0.attempt, dueAt: Self.timestamp($0.dueAt))
            },
            history: snapshot.history.map(Run.init),
            definition: includeDefinition ? Self.json(definition) : nil)
    }

    /// The definition in its stored form. Its numbers are range-checked far below 2^53, so the trip
    /// through `JSONValue` keeps them exact.
    private static func json(_ definition: TaskDefinition) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(TaskJSON.encode(definition)))
        } catch {
            preconditionFailure("task definition JSON does not read back: \(error)")
        }
    }

    static func describe(_ schedule: ScheduleSpec) -> String {
        if let cron = schedule.cron { return "cron \(cron) (\(schedule.timeZone ?? "UTC"))" }
        if let every = schedule.every { return "every \(seconds(every))" }
        if let after = schedule.after { return "once, \(seconds(after)) after it was added" }
        if let at = schedule.at { return "once at \(timestamp(at))" }
        return "none"
    }

    static func describe(_ target: TargetSpec) -> String {
        if let topic = target.topic { return "topic \(topic)" }
        let plugin = target.plugin.map { ", plugin \($0)" } ?? ""
        return "service \(target.service ?? "?") (\(target.fanOut ?? "one")\(plugin))"
    }

    /// A duration as the topology writes it, largest units first: `1h`, `1h30m`, `90m` stays `1h30m`,
    /// `10s`, `0.5s`, `2d`.
    static func seconds(_ value: TimeInterval) -> String {
        guard let whole = Int(exactly: value), whole > 0 else { return "\(value)s" }
        let units: [(String, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var rest = whole
        var text = ""
        for (unit, size) in units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}

extension TaskReport.Run {
    init(_ record: RunRecord) {
        self.init(
            runID: record.runID, scheduledAt: TaskReport.timestamp(record.scheduledAt),
            startedAt: TaskReport.timestamp(record.startedAt), finishedAt: TaskReport.timestamp(record.finishedAt),
            attempt: record.attempt, outcome: record.outcome.rawValue, error: record.error,
            instances: record.instances.mapValues { Result(status: $0.status.rawValue, message: $0.message) })
    }
}

import Foundation
import PlexusProtocol
import PlexusTasks
import Yams

/// Reads one scheduled task as people write it, in `topology.yaml`'s `tasks:` section or as the
/// argument of `TASKS ADD`: flat keys, durations such as `30s`, RFC 3339 times, a payload given as
/// text or as structured data.
///
/// ```yaml
/// tasks:
///   nightly-vacuum:
///     cron: "0 3 * * *"
///     time_zone: Europe/Paris
///     service: db.vacuum
///     fan_out: all
///     timeout: 10m
/// ```
///
/// It checks shapes and types; `TaskDefinition.validate` then checks the meaning (cron syntax,
/// ranges, policies), so both sources get the same errors.
public enum TaskEntryParser {
    /// The keys of a task entry (`id` only where the entry is not keyed by its id).
    public static let keys: Set<String> = [
        "cron", "time_zone", "every", "at", "after", "service", "fan_out", "plugin", "topic", "payload", "timeout",
        "retries", "retry_backoff", "retry_backoff_max", "concurrency", "misfire", "starting_deadline", "start_at",
        "end_at", "max_runs",
    ]

    /// Parses a task entry. `fail(key, message)` builds the error for a key path below the entry.
    public static func parse(id: String, entry value: Any, fail: (String, String) -> TopologyError) throws(TopologyError)
        -> TaskDefinition
    {
        guard let entry = value as? [String: Any] else {
            throw fail("", "must be a mapping (a schedule such as `every: 30s` and a target such as `service: name`)")
        }
        for key in entry.keys.sorted() where !keys.contains(key) {
            throw fail(key, "unknown key (expected one of \(keys.sorted().joined(separator: ", ")))")
        }
        func text(_ key: String) throws(TopologyError) -> String? {
            guard let raw = entry[key] else { return nil }
            guard let string = raw as? String else { throw fail(key, "must be text") }
            return string
        }
        func seconds(_ key: String) throws(TopologyError) -> TimeInterval? {
            guard let raw = entry[key] else { return nil }
            switch DurationValue.milliseconds(from: raw, expected: "must be a duration such as 500ms, 30s, 5m or 1h") {
            case .success(let milliseconds): return Double(milliseconds) / 1000
            case .failure(let problem): throw fail(key, problem.message)
            }
        }
        func count(_ key: String) throws(TopologyError) -> Int? {
            guard let raw = entry[key] else { return nil }
            guard let number = raw as? Int else { throw fail(key, "must be a whole number") }
            return number
        }
        func time(_ key: String) throws(TopologyError) -> Date? {
            guard let raw = entry[key] else { return nil }
            // YAML turns an unquoted timestamp into a date by itself.
            if let date = raw as? Date { return date }
            guard let string = raw as? String, let date = Self.date(string) else {
                throw fail(key, "must be an RFC 3339 time such as 2026-12-01T09:30:00Z")
            }
            return date
        }

        let schedule = ScheduleSpec(
            cron: try text("cron"), timeZone: try text("time_zone"), every: try seconds("every"), at: try time("at"),
            after: try seconds("after"))
        let target = TargetSpec(
            service: try text("service"), fanOut: try text("fan_out"), topic: try text("topic"), plugin: try text("plugin"))
        var definition = TaskDefinition(id: id, schedule: schedule, target: target)
        if let payload = entry["payload"] {
            definition.payload = try Self.payload(payload, fail: fail)
        }
        if let timeout = try seconds("timeout") { definition.timeout = timeout }
        if let retries = try count("retries") { definition.retries = retries }
        if let backoff = try seconds("retry_backoff") { definition.retryBackoff = backoff }
        if let backoffMax = try seconds("retry_backoff_max") {
            definition.retryBackoffMax = backoffMax
        } else {
            definition.retryBackoffMax = max(definition.retryBackoffMax, definition.retryBackoff)
        }
        if let concurrency = try text("concurrency") { definition.concurrency = concurrency }
        if let misfire = try text("misfire") { definition.misfire = misfire }
        definition.startingDeadline = try seconds("starting_deadline")
        definition.startAt = try time("start_at")
        definition.endAt = try time("end_at")
        definition.maxRuns = try count("max_runs")
        do throws(TaskError) {
            try definition.validate(now: nil)
        } catch {
            // The validator's sentence starts with "task 'id': "; the path names the task already.
            let prefix = "task '\(id)': "
            let message = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
            throw fail(Self.key(for: error.kind), message)
        }
        return definition
    }

    /// Parses the argument of `TASKS ADD`: a JSON or YAML mapping with an `id` and the keys of a
    /// topology entry. Errors read `id.key: message`.
    public static func parse(definition text: String) throws(TopologyError) -> TaskDefinition {
        func fail(_ path: String, _ message: String) -> TopologyError {
            TopologyError(file: "task", path: path, message: message)
        }
        do throws(YAMLLimitError) {
            try YAMLGuard.check(text, limits: .taskDefinition)
        } catch {
            throw fail("", "refused: \(error.message) (docs/LIMITS.md)")
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw fail("", "not valid JSON or YAML: \(error)")
        }
        guard var entry = document as? [String: Any] else { throw fail("", "must be a JSON object") }
        guard let id = entry.removeValue(forKey: "id") as? String else { throw fail("id", "is required (text)") }
        return try parse(id: id, entry: entry) { key, message in fail(key.isEmpty ? id : "\(id).\(key)", message) }
    }

    /// RFC 3339 with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A payload written as text is sent as is; structured data is sent as its JSON.
    private static func payload(_ value: Any, fail: (String, String) -> TopologyError) throws(TopologyError) -> String {
        if let text = value as? String { return text }
        do {
            let json = try JSONValue(any: value)
            return String(decoding: JSONCoding.encode(json), as: UTF8.self)
        } catch {
            throw fail("payload", "holds a value that is not plain data")
        }
    }

    /// The key that a validation error is about, for the error's path.
    private static func key(for kind: TaskError.Kind) -> String {
        switch kind {
        case .invalidID: "id"
        case .invalidSchedule: "schedule"
        case .invalidTarget: "target"
        case .invalidPolicy, .invalidLimit, .invalidWindow, .duplicateTask, .unknownTask, .unknownRun, .invalidState: ""
        }
    }
}

import Foundation
import PlexusTasks

/// JSON for people and other languages: times as RFC 3339 UTC with milliseconds, keys sorted.
enum TaskJSON {
    static func encoder(omitHistory: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        encoder.userInfo[TaskSnapshot.omitHistoryKey] = omitHistory
        return encoder
    }

    /// Encodes our own model types; a failure is a programming error worth a clear trap.
    static func encode<T: Encodable>(_ value: T, omitHistory: Bool = false) -> [UInt8] {
        do { return Array(try encoder(omitHistory: omitHistory).encode(value)) } catch {
            preconditionFailure("JSON encoding failed: \(error)")
        }
    }
}

/// What `TASKS` answers about a task: its status (`TaskSnapshot`) plus where it came from, its
/// schedule and target in words, and (with `SHOW`) its definition.
struct TaskReport: Encodable {
    var snapshot: TaskSnapshot
    var origin: TaskOrigin
    var definition: TaskDefinition
    var includeDefinition: Bool

    func encode(to encoder: any Encoder) throws {
        try snapshot.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(origin.rawValue, forKey: .origin)
        try container.encode(Self.describe(definition.schedule), forKey: .schedule)
        try container.encode(Self.describe(definition.target), forKey: .target)
        if includeDefinition { try container.encode(definition, forKey: .definition) }
    }

    enum Keys: String, CodingKey { case origin, schedule, target, definition }

    static func describe(_ schedule: ScheduleSpec) -> String {
        if let cron = schedule.cron { return "cron \(cron) (\(schedule.timeZone ?? "UTC"))" }
        if let every = schedule.every { return "every \(seconds(every))" }
        if let after = schedule.after { return "once, \(seconds(after)) after it was added" }
        if let at = schedule.at { return "once at \(at.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))" }
        return "none"
    }

    static func describe(_ target: TargetSpec) -> String {
        if let topic = target.topic { return "topic \(topic)" }
        let plugin = target.plugin.map { ", plugin \($0)" } ?? ""
        return "service \(target.service ?? "?") (\(target.fanOut ?? "one")\(plugin))"
    }

    private static func seconds(_ value: TimeInterval) -> String {
        if let whole = Int(exactly: value) { "\(whole)s" } else { "\(value)s" }
    }
}

import Foundation

/// The persisted form of a task's schedule: exactly one of `cron`, `every`, `at`, `after`.
///
/// It stays a plain record (not a `Schedule`) so that it round-trips through JSON/SQLite
/// unchanged and is validated in one place, `TaskValidator`.
public struct ScheduleSpec: Codable, Sendable, Equatable {
    /// A cron expression (5 or 6 fields, or a macro such as `@every 5m`).
    public var cron: String?
    /// IANA time zone for `cron`; UTC when absent.
    public var timeZone: String?
    /// A fixed interval in seconds (at least 1), measured from when the task was added.
    public var every: TimeInterval?
    /// Fire once at this instant (must be in the future when added).
    public var at: Date?
    /// Fire once, this many seconds after the task was added.
    public var after: TimeInterval?

    /// Creates a spec; prefer the static factories.
    public init(
        cron: String? = nil, timeZone: String? = nil, every: TimeInterval? = nil, at: Date? = nil, after: TimeInterval? = nil
    ) {
        self.cron = cron
        self.timeZone = timeZone
        self.every = every
        self.at = at
        self.after = after
    }

    /// A cron schedule in an IANA time zone.
    public static func cron(_ expression: String, timeZone: String? = nil) -> ScheduleSpec {
        ScheduleSpec(cron: expression, timeZone: timeZone)
    }

    /// Every `seconds`, from when the task is added.
    public static func every(_ seconds: TimeInterval) -> ScheduleSpec { ScheduleSpec(every: seconds) }

    /// Once, at `date`.
    public static func at(_ date: Date) -> ScheduleSpec { ScheduleSpec(at: date) }

    /// Once, `seconds` after the task is added.
    public static func after(_ seconds: TimeInterval) -> ScheduleSpec { ScheduleSpec(after: seconds) }

    enum CodingKeys: String, CodingKey {
        case cron, every, at, after
        case timeZone = "time_zone"
    }
}

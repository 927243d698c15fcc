import Foundation

/// When a scheduled task fires: a cron expression in a time zone, a fixed interval, or once.
///
/// Build one with the static factories, which validate their input, then ask `nextFire(after:)`
/// for the first fire time strictly after an instant. Repeating that with the previous fire time
/// walks the schedule. Active windows and run limits belong to the caller.
///
/// Two forms are relative: `once(after:)` and `interval(every:start: nil)` (which includes
/// `@every`). They are measured from a reference instant, normally when the task was scheduled.
/// Pass it as `reference`, or fix it once with `resolved(against:)` and store the result; without
/// one, the `after` argument serves as the reference.
public struct Schedule: Sendable, Hashable {
    /// The form of a schedule.
    public enum Kind: Sendable, Hashable {
        /// Wall-clock times of a cron expression in a time zone (see `CronExpression.nextFire(after:in:)`
        /// for the DST policy).
        case cron(CronExpression, timeZone: TimeZone)
        /// Every `every`, at `start + k × every` for k = 0, 1, 2, …; from the reference when `start` is nil.
        case interval(every: Duration, start: Date?)
        /// Once, at an absolute instant.
        case onceAt(Date)
        /// Once, `delay` after the reference.
        case onceAfter(Duration)
    }

    /// The form and parameters.
    public let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// A cron expression read in `timeZone`. An `@every` expression becomes
    /// `interval(every:start: nil)`, because it has no wall-clock meaning.
    public static func cron(_ expression: CronExpression, timeZone: TimeZone = .gmt) -> Schedule {
        if let seconds = expression.everySeconds {
            return Schedule(.interval(every: .seconds(seconds), start: nil))
        }
        return Schedule(.cron(expression, timeZone: timeZone))
    }

    /// Parses a cron expression and looks up an IANA time-zone name (`America/New_York`, `UTC`).
    /// - Throws: `ScheduleError` for a bad expression or an unknown time zone.
    public static func cron(_ expression: String, timeZone identifier: String = "UTC") throws(ScheduleError) -> Schedule {
        let zone = try timeZone(named: identifier)
        return cron(try CronExpression(expression), timeZone: zone)
    }

    /// Fires at `start + k × every`, k = 0, 1, 2, …, or from the reference when `start` is nil.
    /// - Throws: `ScheduleError` when `every` is shorter than one second.
    public static func interval(every: Duration, start: Date? = nil) throws(ScheduleError) -> Schedule {
        guard every >= .seconds(1) else {
            throw ScheduleError(.invalidDuration, "interval \(every) is too short; it must be at least 1 second")
        }
        return Schedule(.interval(every: every, start: start))
    }

    /// Fires once, at `date`.
    public static func once(at date: Date) -> Schedule {
        Schedule(.onceAt(date))
    }

    /// Fires once, `delay` after the reference.
    /// - Throws: `ScheduleError` when `delay` is not positive (use `once(at:)` for "now").
    public static func once(after delay: Duration) throws(ScheduleError) -> Schedule {
        guard delay > .zero else {
            throw ScheduleError(.invalidDuration, "once-after delay \(delay) must be positive")
        }
        return Schedule(.onceAfter(delay))
    }

    /// Looks up an IANA time-zone name.
    /// - Throws: `ScheduleError` of kind `unknownTimeZone` naming the bad identifier.
    public static func timeZone(named identifier: String) throws(ScheduleError) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            throw ScheduleError(
                .unknownTimeZone,
                "unknown time zone '\(identifier)' (expected an IANA name such as UTC, Europe/Berlin or America/New_York)")
        }
        return zone
    }

    /// Whether the schedule is measured from a reference instant.
    public var isRelative: Bool {
        switch kind {
        case .interval(_, start: nil), .onceAfter: true
        case .cron, .interval, .onceAt: false
        }
    }

    /// The same schedule with its reference fixed at `reference`: `once(after:)` becomes
    /// `once(at:)` and an interval without start starts at `reference`. Absolute schedules are
    /// returned unchanged.
    public func resolved(against reference: Date) -> Schedule {
        switch kind {
        case .interval(let every, start: nil): Schedule(.interval(every: every, start: reference))
        case .onceAfter(let delay): Schedule(.onceAt(reference + delay.timeInterval))
        case .cron, .interval, .onceAt: self
        }
    }

    /// The first fire time strictly after `date`, or nil if the schedule will not fire again.
    /// Relative schedules use `date` as their reference.
    public func nextFire(after date: Date) -> Date? {
        nextFire(after: date, reference: date)
    }

    /// The first fire time strictly after `date`, measuring relative schedules from `reference`.
    public func nextFire(after date: Date, reference: Date) -> Date? {
        switch resolved(against: reference).kind {
        case .cron(let expression, let zone):
            return expression.nextFire(after: date, in: zone)
        case .interval(let every, let start):
            return Self.nextGridPoint(after: date, start: start ?? reference, step: every.timeInterval)
        case .onceAt(let at):
            return at > date ? at : nil
        case .onceAfter:
            return nil  // unreachable: resolved(against:) turned it into onceAt
        }
    }

    /// Up to `count` successive fire times after `date`. The reference defaults to `date`, and stays
    /// fixed for the whole sequence so that a relative schedule fires once / on one grid.
    public func nextFires(after date: Date, count: Int, reference: Date? = nil) -> [Date] {
        let schedule = resolved(against: reference ?? date)
        var fires: [Date] = []
        var last = date
        while fires.count < count, let next = schedule.nextFire(after: last) {
            fires.append(next)
            last = next
        }
        return fires
    }

    /// The first `start + k × step` (k ≥ 0) strictly after `date`.
    private static func nextGridPoint(after date: Date, start: Date, step: TimeInterval) -> Date? {
        if start > date { return start }
        let elapsed = date.timeIntervalSince(start)
        guard elapsed.isFinite else { return nil }
        var next = start + ((elapsed / step).rounded(.down) + 1) * step
        // Floating-point division can land one step short; the loop runs at most twice.
        while next <= date { next += step }
        return next
    }
}

extension Duration {
    /// The duration in seconds as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

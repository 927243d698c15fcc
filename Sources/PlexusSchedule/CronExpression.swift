import Foundation

/// A parsed cron expression.
///
/// Accepted forms:
/// - 5 fields `minute hour day-of-month month day-of-week`, or 6 fields with a leading `second`.
/// - In each field: `*`, numbers, lists `1,2,5`, ranges `1-5`, steps `*/15`, `10-50/5` and
///   `5/10` (from 5 to the end of the range, every 10).
/// - Month names `JAN`–`DEC` and weekday names `SUN`–`SAT`, in any case, also in ranges (`MON-FRI`;
///   `FRI-SUN` wraps to Sunday).
/// - Day-of-week 0–7, where both 0 and 7 are Sunday.
/// - `?` in day-of-month or day-of-week, meaning the same as `*`.
/// - `L` in day-of-month for the last day of the month, `L-n` for n days before it (`L-1` is the
///   second-to-last day); allowed in lists (`1,15,L`).
/// - Macros `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`, and
///   `@every DURATION` (see `every`).
///
/// Day-of-month and day-of-week follow Vixie cron: when both are restricted (neither is `*` or `?`),
/// a day matches if either matches; otherwise only the restricted one applies.
///
/// Expressions whose date can never occur (`0 0 30 2 *`, `0 0 31 4,6 *`) are rejected when parsed.
/// How wall times map to instants across DST changes is described on `nextFire(after:in:)`.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text the expression was parsed from, trimmed.
    public let source: String
    /// The interval of an `@every` expression, in whole seconds; nil for field-based expressions.
    public let everySeconds: Int?
    /// Whether the expression has a seconds field (6 fields); macros have none.
    public let hasSeconds: Bool
    /// The parsed fields; nil for `@every`.
    let fields: CronFields?

    /// Parses `text`.
    /// - Throws: `ScheduleError` naming the field and the bad token.
    public init(_ text: String) throws(ScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        source = trimmed
        if trimmed.hasPrefix("@") {
            let words = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
            let macro = words[0].lowercased()
            if macro == "@every" {
                guard words.count <= 2 else {
                    throw ScheduleError(
                        .invalidDuration,
                        "@every: unexpected '\(words[2...].joined(separator: " "))' after the duration in \"\(trimmed)\"")
                }
                everySeconds = try DurationParser.seconds(words.count == 2 ? words[1] : "", expression: trimmed)
                hasSeconds = false
                fields = nil
                return
            }
            guard let expansion = Self.macros[macro] else {
                throw ScheduleError(
                    .unknownMacro,
                    "unknown macro '\(words[0])' in \"\(trimmed)\" (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)"
                )
            }
            guard words.count == 1 else {
                throw ScheduleError(.unknownMacro, "macro \(words[0]) takes no arguments in \"\(trimmed)\"")
            }
            everySeconds = nil
            hasSeconds = false
            fields = try Self.parseFields(expansion.split(separator: " ").map(String.init), expression: trimmed)
            return
        }
        let words = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
        guard words.count == 5 || words.count == 6 else {
            throw ScheduleError(
                .fieldCount,
                "cron expression \"\(trimmed)\" has \(words.count) field\(words.count == 1 ? "" : "s"); expected 5 (minute hour day-of-month month day-of-week) or 6 (with a leading second)"
            )
        }
        everySeconds = nil
        hasSeconds = words.count == 6
        fields = try Self.parseFields(hasSeconds ? words : ["0"] + words, expression: trimmed)
    }

    /// The expression's text.
    public var description: String { source }

    /// The first instant strictly after `date` at which the expression fires, reading its fields as
    /// wall-clock time in `timeZone`; nil if there is none within ten years (impossible dates are
    /// rejected at parse time, so in practice only for dates near year 9999).
    ///
    /// Daylight-saving policy:
    /// - Fixed-hour expressions (hour field without `*` or a step, e.g. `30 2 * * *`): a wall time
    ///   skipped by a spring-forward gap fires once, at the instant the gap ends (03:00 new time);
    ///   a wall time repeated by a fall-back overlap fires once, at its first (earlier) occurrence.
    /// - Periodic expressions (hour field `*` or with a step, e.g. `0 * * * *`, `*/15 * * * *`): fire
    ///   at every real instant whose wall time matches, so nothing in a gap and both passes
    ///   through an overlap.
    ///
    /// `@every` expressions return `date` plus the interval (a constant delay; anchor it with
    /// `Schedule` to get a fixed grid).
    public func nextFire(after date: Date, in timeZone: TimeZone = .gmt) -> Date? {
        guard let instant = Self.wholeSeconds(date) else { return nil }
        if let everySeconds {
            return Date(timeIntervalSince1970: TimeInterval(instant + everySeconds))
        }
        guard let fields, let fire = fields.nextFire(after: instant, in: ZoneClock(zone: timeZone)) else {
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(fire))
    }

    /// `date` rounded down to whole Unix seconds, or nil outside the supported years. Rounding down
    /// keeps "strictly after" right for fractional dates: the next whole second is after both.
    static func wholeSeconds(_ date: Date) -> Int? {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        // Roughly years 1 to 9999; outside that the civil arithmetic has no business.
        guard seconds.isFinite, abs(seconds) < 253_402_300_800 else { return nil }
        return Int(seconds)
    }

    private static let macros: [String: String] = [
        "@yearly": "0 0 0 1 1 *",
        "@annually": "0 0 0 1 1 *",
        "@monthly": "0 0 0 1 * *",
        "@weekly": "0 0 0 * * 0",
        "@daily": "0 0 0 * * *",
        "@midnight": "0 0 0 * * *",
        "@hourly": "0 0 * * * *",
    ]

    /// Parses six field texts (seconds first) and checks that the date can occur.
    private static func parseFields(_ words: [String], expression: String) throws(ScheduleError) -> CronFields {
        var parsed: [ParsedField] = []
        for kind in CronFieldKind.allCases {
            parsed.append(try CronFieldParser(kind: kind, text: words[kind.rawValue], expression: expression).parse())
        }
        let dayOfMonth = parsed[CronFieldKind.dayOfMonth.rawValue]
        let dayOfWeek = parsed[CronFieldKind.dayOfWeek.rawValue]
        let hour = parsed[CronFieldKind.hour.rawValue]
        let fields = CronFields(
            seconds: parsed[CronFieldKind.second.rawValue].values,
            minutes: parsed[CronFieldKind.minute.rawValue].values,
            hours: hour.values,
            daysOfMonth: dayOfMonth.values,
            daysBeforeLast: dayOfMonth.daysBeforeLast,
            months: parsed[CronFieldKind.month.rawValue].values,
            weekdays: dayOfWeek.values,
            dayOfMonthRestricted: !dayOfMonth.isUnrestricted,
            dayOfWeekRestricted: !dayOfWeek.isUnrestricted,
            hourIsPeriodic: hour.isPeriodic
        )
        guard fields.canEverFire else {
            let days = words[CronFieldKind.dayOfMonth.rawValue]
            let months = words[CronFieldKind.month.rawValue]
            throw ScheduleError(
                .impossibleDate,
                "cron fields 'day-of-month' and 'month': day \(days) never occurs in month \(months), so \"\(expression)\" can never fire"
            )
        }
        return fields
    }
}

import Foundation
import Testing

@testable import PlexusSchedule

@Suite("Errors name the field and the bad token")
struct ScheduleErrorTests {
    struct BadCase: CustomTestStringConvertible, Sendable {
        let input: String
        let kind: ScheduleError.Kind
        let fragments: [String]
        var testDescription: String { "\"\(input)\"" }
        init(_ input: String, _ kind: ScheduleError.Kind, _ fragments: String...) {
            self.input = input
            self.kind = kind
            self.fragments = fragments
        }
    }

    static let cases: [BadCase] = [
        BadCase("* * * *", .fieldCount, "has 4 fields", "expected 5", "\"* * * *\""),
        BadCase("* * * * * * *", .fieldCount, "has 7 fields"),
        BadCase("", .fieldCount, "has 0 fields"),
        BadCase("x * * * *", .invalidValue, "'minute'", "'x'", "numbers only"),
        BadCase("1x * * * *", .invalidValue, "'minute'", "'1x'"),
        BadCase("1,,2 * * * *", .invalidValue, "'minute'", "empty list element"),
        BadCase("0 0 1- * *", .invalidValue, "'day-of-month'", "missing value"),
        BadCase("? * * * *", .invalidValue, "'minute'", "'?' is only allowed"),
        BadCase("0 0 LW * *", .invalidValue, "'day-of-month'", "'LW'"),
        BadCase("*/x * * * *", .invalidValue, "'minute'", "step 'x'"),
        BadCase("0 24 * * *", .outOfRange, "cron field 'hour': value 24 out of range 0–23 in \"0 24 * * *\""),
        BadCase("60 * * * *", .outOfRange, "'minute'", "value 60", "0–59"),
        BadCase("60 * * * * *", .outOfRange, "'second'", "value 60", "0–59"),
        BadCase("0 0 0 * *", .outOfRange, "'day-of-month'", "value 0", "1–31"),
        BadCase("0 0 32 * *", .outOfRange, "'day-of-month'", "value 32"),
        BadCase("0 0 * 13 *", .outOfRange, "'month'", "value 13", "1–12"),
        BadCase("0 0 * * 8", .outOfRange, "'day-of-week'", "value 8", "0–7"),
        BadCase("0 0 L-31 * *", .outOfRange, "'day-of-month'", "L-31"),
        BadCase("5-1 * * * *", .reversedRange, "'minute'", "5-1", "reversed"),
        BadCase("0 0 * DEC-JAN *", .reversedRange, "'month'", "DEC-JAN"),
        BadCase("*/0 * * * *", .invalidStep, "'minute'", "step 0"),
        BadCase("0 */25 * * *", .invalidStep, "'hour'", "step 25"),
        BadCase("0 0 * FOO *", .unknownName, "'month'", "'FOO'", "JAN"),
        BadCase("0 0 * * FUN", .unknownName, "'day-of-week'", "'FUN'", "SUN"),
        BadCase("0 0 * * MONDAY", .unknownName, "'day-of-week'", "'MONDAY'"),
        BadCase("0 MON * * *", .invalidValue, "'hour'", "'MON'"),
        BadCase("@fortnightly", .unknownMacro, "'@fortnightly'", "@daily"),
        BadCase("@reboot", .unknownMacro, "'@reboot'"),
        BadCase("@daily 5", .unknownMacro, "takes no arguments"),
        BadCase("@every", .invalidDuration, "missing duration"),
        BadCase("@every 0s", .invalidDuration, "'0s'", "zero"),
        BadCase("@every 0h0m", .invalidDuration, "zero"),
        BadCase("@every -5m", .invalidDuration, "'-5m'", "negative"),
        BadCase("@every 500ms", .invalidDuration, "sub-second", "'ms'", "1s"),
        BadCase("@every 5x", .invalidDuration, "unknown unit 'x'"),
        BadCase("@every 5", .invalidDuration, "missing unit after 5"),
        BadCase("@every m", .invalidDuration, "invalid duration 'm'"),
        BadCase("@every 1.5h", .invalidDuration, "fractional", "'1.5h'"),
        BadCase("@every 30m1h", .invalidDuration, "largest first"),
        BadCase("@every 5m5m", .invalidDuration, "once each"),
        BadCase("@every 99999999999999999999d", .invalidDuration, "too long"),
        BadCase("@every 5m now", .invalidDuration, "unexpected 'now'"),
        BadCase("0 0 30 2 *", .impossibleDate, "'day-of-month' and 'month'", "30", "never", "\"0 0 30 2 *\""),
        BadCase("0 0 31 FEB *", .impossibleDate, "never"),
        BadCase("0 0 30,31 2 *", .impossibleDate, "never"),
        BadCase("0 0 31 4,6,9,11 *", .impossibleDate, "never"),
    ]

    @Test("cron expressions", arguments: cases)
    func badExpressions(_ bad: BadCase) {
        let error = #expect(throws: ScheduleError.self) { try CronExpression(bad.input) }
        #expect(error?.kind == bad.kind, "\(error?.message ?? "no error")")
        for fragment in bad.fragments {
            #expect(error?.message.contains(fragment) == true, "\"\(fragment)\" not in: \(error?.message ?? "no error")")
        }
        #expect(error?.description == error?.message)
    }

    @Test(
        "possible combinations near the impossible ones parse",
        arguments: [
            "0 0 29 2 *", "0 0 31 4,5 *", "0 0 30 2 MON", "0 0 L 2 *", "0 0 L-28 2 *", "0 0 31 2 */2",
        ])
    func possibleCombinations(_ text: String) throws {
        _ = try CronExpression(text)
    }

    @Test("unknown time zones")
    func unknownTimeZone() {
        let error = #expect(throws: ScheduleError.self) { try Schedule.cron("0 0 * * *", timeZone: "Mars/Olympus_Mons") }
        #expect(error?.kind == .unknownTimeZone)
        #expect(error?.message.contains("'Mars/Olympus_Mons'") == true)
        #expect(throws: ScheduleError.self) { try Schedule.timeZone(named: "") }
        #expect(throws: Never.self) { try Schedule.timeZone(named: "Europe/Berlin") }
    }

    @Test("bad intervals and delays")
    func badDurations() {
        for every in [Duration.zero, .seconds(-5), .milliseconds(999)] {
            let error = #expect(throws: ScheduleError.self) { try Schedule.interval(every: every) }
            #expect(error?.kind == .invalidDuration)
            #expect(error?.message.contains("at least 1 second") == true)
        }
        for delay in [Duration.zero, .seconds(-1)] {
            let error = #expect(throws: ScheduleError.self) { try Schedule.once(after: delay) }
            #expect(error?.kind == .invalidDuration)
            #expect(error?.message.contains("must be positive") == true)
        }
    }
}

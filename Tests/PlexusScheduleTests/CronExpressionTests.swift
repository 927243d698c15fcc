import Foundation
import Testing

@testable import PlexusSchedule

@Suite("Cron expressions: fire times in UTC")
struct CronExpressionTests {
    static let cases: [FireCase] = [
        // Steps and ranges.
        FireCase(
            "*/15 * * * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-01T00:15:00Z", "2025-01-01T00:30:00Z", "2025-01-01T00:45:00Z", "2025-01-01T01:00:00Z"]),
        FireCase(
            "10-50/20 * * * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-01T00:10:00Z", "2025-01-01T00:30:00Z", "2025-01-01T00:50:00Z", "2025-01-01T01:10:00Z"]),
        FireCase(
            "5/20 * * * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-01T00:05:00Z", "2025-01-01T00:25:00Z", "2025-01-01T00:45:00Z", "2025-01-01T01:05:00Z"]),
        FireCase(
            "0 0 */10 * *", after: "2025-01-01T00:00:00Z",
            [
                "2025-01-11T00:00:00Z", "2025-01-21T00:00:00Z", "2025-01-31T00:00:00Z", "2025-02-01T00:00:00Z",
                "2025-02-11T00:00:00Z",
            ]),
        // Names. 2025-01-03 is a Friday, so MON-FRI resumes on Monday the 6th.
        FireCase(
            "0 9 * * MON-FRI", after: "2025-01-03T10:00:00Z",
            [
                "2025-01-06T09:00:00Z", "2025-01-07T09:00:00Z", "2025-01-08T09:00:00Z", "2025-01-09T09:00:00Z",
                "2025-01-10T09:00:00Z",
            ]),
        FireCase(
            "0 0 1 JAN,JUL *", after: "2025-01-01T00:00:00Z",
            ["2025-07-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z"]),
        FireCase(
            "0 12 ? JAN,jul mon", after: "2025-01-01T00:00:00Z",
            [
                "2025-01-06T12:00:00Z", "2025-01-13T12:00:00Z", "2025-01-20T12:00:00Z", "2025-01-27T12:00:00Z",
                "2025-07-07T12:00:00Z",
            ]),
        FireCase(
            "0 0 * * FRI-SUN", after: "2025-01-01T00:00:00Z",
            ["2025-01-03T00:00:00Z", "2025-01-04T00:00:00Z", "2025-01-05T00:00:00Z", "2025-01-10T00:00:00Z"]),
        // Sunday as 0, 7, a name, with `?`.
        FireCase(
            "0 12 * * 0", after: "2025-01-01T00:00:00Z",
            ["2025-01-05T12:00:00Z", "2025-01-12T12:00:00Z", "2025-01-19T12:00:00Z"]),
        FireCase(
            "0 12 * * 7", after: "2025-01-01T00:00:00Z",
            ["2025-01-05T12:00:00Z", "2025-01-12T12:00:00Z", "2025-01-19T12:00:00Z"]),
        FireCase(
            "0 12 ? * sun", after: "2025-01-01T00:00:00Z",
            ["2025-01-05T12:00:00Z", "2025-01-12T12:00:00Z", "2025-01-19T12:00:00Z"]),
        // Day-of-month OR day-of-week when both are restricted; only the restricted one otherwise.
        FireCase(
            "0 0 13 * 5", after: "2025-01-01T00:00:00Z",
            [
                "2025-01-03T00:00:00Z", "2025-01-10T00:00:00Z", "2025-01-13T00:00:00Z", "2025-01-17T00:00:00Z",
                "2025-01-24T00:00:00Z",
            ]),
        FireCase(
            "0 0 13 * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-13T00:00:00Z", "2025-02-13T00:00:00Z", "2025-03-13T00:00:00Z"]),
        FireCase(
            "0 0 ? * FRI", after: "2025-01-01T00:00:00Z",
            ["2025-01-03T00:00:00Z", "2025-01-10T00:00:00Z", "2025-01-17T00:00:00Z"]),
        // Last day of the month, leap years, months without a 31st.
        FireCase(
            "0 0 L * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-31T00:00:00Z", "2025-02-28T00:00:00Z", "2025-03-31T00:00:00Z", "2025-04-30T00:00:00Z"]),
        FireCase(
            "0 0 L 2 *", after: "2027-03-01T00:00:00Z",
            ["2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z", "2030-02-28T00:00:00Z"]),
        FireCase(
            "0 0 L-1 * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-30T00:00:00Z", "2025-02-27T00:00:00Z", "2025-03-30T00:00:00Z"]),
        FireCase(
            "0 0 1,15,L * *", after: "2025-02-01T00:00:00Z",
            [
                "2025-02-15T00:00:00Z", "2025-02-28T00:00:00Z", "2025-03-01T00:00:00Z", "2025-03-15T00:00:00Z",
                "2025-03-31T00:00:00Z",
            ]),
        FireCase(
            "0 0 29 2 *", after: "2025-01-01T00:00:00Z",
            ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        // 2100 is not a leap year: eight years between February 29ths.
        FireCase("0 0 29 2 *", after: "2096-03-01T00:00:00Z", ["2104-02-29T00:00:00Z"]),
        FireCase(
            "0 0 31 * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-31T00:00:00Z", "2025-03-31T00:00:00Z", "2025-05-31T00:00:00Z", "2025-07-31T00:00:00Z"]),
        FireCase("0 0 31 4,5 *", after: "2025-01-01T00:00:00Z", ["2025-05-31T00:00:00Z", "2026-05-31T00:00:00Z"]),
        // Six fields: a leading seconds field.
        FireCase(
            "*/20 * * * * *", after: "2025-01-01T00:00:00Z",
            ["2025-01-01T00:00:20Z", "2025-01-01T00:00:40Z", "2025-01-01T00:01:00Z"]),
        FireCase("30 0 12 * * *", after: "2025-01-01T00:00:00Z", ["2025-01-01T12:00:30Z", "2025-01-02T12:00:30Z"]),
        FireCase("59 59 23 31 12 *", after: "2025-06-01T00:00:00Z", ["2025-12-31T23:59:59Z", "2026-12-31T23:59:59Z"]),
        // Macros.
        FireCase("@yearly", after: "2025-03-01T00:00:00Z", ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
        FireCase("@annually", after: "2025-03-01T00:00:00Z", ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
        FireCase(
            "@monthly", after: "2025-01-15T00:00:00Z",
            ["2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"]),
        FireCase("@weekly", after: "2025-01-01T00:00:00Z", ["2025-01-05T00:00:00Z", "2025-01-12T00:00:00Z"]),
        FireCase("@daily", after: "2025-01-01T00:00:00Z", ["2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z"]),
        FireCase("@midnight", after: "2025-01-01T12:00:00Z", ["2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z"]),
        FireCase("@HOURLY", after: "2025-01-01T00:00:00Z", ["2025-01-01T01:00:00Z", "2025-01-01T02:00:00Z"]),
        FireCase("@every 1h30m", after: "2025-01-01T00:00:00Z", ["2025-01-01T01:30:00Z", "2025-01-01T03:00:00Z"]),
        // A zone without DST, half-hour offset.
        FireCase(
            "0 9 * * *", in: "Asia/Kolkata", after: "2025-01-01T00:00:00Z",
            ["2025-01-01T09:00:00+05:30", "2025-01-02T09:00:00+05:30"]),
        // Spaces and tabs between fields, and around the expression.
        FireCase("  0\t12  *  * *  ", after: "2025-01-01T00:00:00Z", ["2025-01-01T12:00:00Z"]),
    ]

    @Test("next fire times", arguments: cases)
    func fireTimes(_ fireCase: FireCase) throws {
        try fireCase.check()
    }

    @Test("fire times are strictly after the given instant, also for fractional instants")
    func strictlyAfter() throws {
        let schedule = try Schedule.cron("*/15 * * * *")
        #expect(schedule.nextFire(after: instant("2025-01-01T00:15:00Z")) == instant("2025-01-01T00:30:00Z"))
        let justBefore = instant("2025-01-01T00:15:00Z").addingTimeInterval(-0.5)
        #expect(schedule.nextFire(after: justBefore) == instant("2025-01-01T00:15:00Z"))
        let justAfter = instant("2025-01-01T00:15:00Z").addingTimeInterval(0.25)
        #expect(schedule.nextFire(after: justAfter) == instant("2025-01-01T00:30:00Z"))
    }

    @Test(
        "equivalent spellings parse to the same fields",
        arguments: [
            ("0 0 * * 0", "0 0 * * 7"), ("0 0 * * 0", "0 0 ? * SUN"), ("0 0 * * 1-5", "0 0 * * mon-fri"),
            ("0 0 1 1,7 *", "0 0 1 JAN,Jul *"), ("* * * * *", "0 * * * * *"), ("@daily", "0 0 * * *"),
            ("0 0 * * 5-7", "0 0 * * FRI-SUN"), ("*/1 * * * *", "* * * * *"), ("0 0 ? * *", "0 0 * * ?"),
        ])
    func equivalentSpellings(_ pair: (String, String)) throws {
        #expect(try CronExpression(pair.0).fields == CronExpression(pair.1).fields)
    }

    @Test("expression properties")
    func properties() throws {
        let six = try CronExpression(" */5 * * * * * ")
        #expect(six.hasSeconds)
        #expect(six.source == "*/5 * * * * *")
        #expect(six.description == "*/5 * * * * *")
        #expect(six.everySeconds == nil)
        #expect(try !CronExpression("0 * * * *").hasSeconds)
        #expect(try CronExpression("@every 2d12h").everySeconds == 216_000)
        #expect(try CronExpression("@every 90s").everySeconds == 90)
        #expect(try CronExpression("@every 5m").everySeconds == 300)
        #expect(try CronExpression("@EVERY 1H").everySeconds == 3_600)
    }

    @Test("@every on a bare expression is a constant delay from the given instant")
    func everyIsConstantDelay() throws {
        let expression = try CronExpression("@every 90s")
        let start = instant("2025-01-01T00:00:07Z")
        #expect(expression.nextFire(after: start) == instant("2025-01-01T00:01:37Z"))
    }

    @Test("instants outside years 1–9999 give nil instead of trapping")
    func outOfRangeInstants() throws {
        let expression = try CronExpression("* * * * *")
        #expect(expression.nextFire(after: Date(timeIntervalSince1970: .infinity)) == nil)
        #expect(expression.nextFire(after: Date(timeIntervalSince1970: 1e15)) == nil)
        #expect(expression.nextFire(after: instant("9999-12-31T23:59:00Z")) == nil)
        #expect(expression.nextFire(after: Date.distantFuture) != nil)
        #expect(expression.nextFire(after: Date.distantPast) == Date.distantPast.addingTimeInterval(60))
    }
}

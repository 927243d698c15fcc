import Foundation
import Testing

@testable import PlexusSchedule

/// The DST policy, zone by zone (2025 transitions):
/// - America/New_York: gap 2025-03-09 02:00 EST → 03:00 EDT (07:00Z); overlap 2025-11-02 02:00 EDT → 01:00 EST (06:00Z),
///   so 01:00–01:59 happens twice.
/// - Europe/Berlin: gap 2025-03-30 02:00 CET → 03:00 CEST (01:00Z); overlap 2025-10-26 03:00 CEST → 02:00 CET (01:00Z),
///   so 02:00–02:59 happens twice.
/// - Australia/Sydney: overlap 2025-04-06 03:00 AEDT → 02:00 AEST; gap 2025-10-05 02:00 AEST → 03:00 AEDT.
@Suite("Daylight saving: gaps and overlaps")
struct DaylightSavingTests {
    static let newYorkCases: [FireCase] = [
        // Gap: 02:30 does not exist on 03-09, so the fixed-time job runs when the gap ends, 03:00 EDT.
        FireCase(
            "30 2 * * *", in: "America/New_York", after: "2025-03-08T00:00:00-05:00",
            ["2025-03-08T02:30:00-05:00", "2025-03-09T03:00:00-04:00", "2025-03-10T02:30:00-04:00"]),
        FireCase(
            "30 2 * * *", in: "America/New_York", after: "2025-03-09T01:59:59-05:00",
            ["2025-03-09T03:00:00-04:00", "2025-03-10T02:30:00-04:00"]),
        FireCase(
            "30 2 * * *", in: "America/New_York", after: "2025-03-09T03:00:00-04:00",
            ["2025-03-10T02:30:00-04:00"]),
        // Several skipped times, and a skipped time plus 03:00 itself, still run once at 03:00.
        FireCase(
            "0,30 2-3 * * *", in: "America/New_York", after: "2025-03-09T01:00:00-05:00",
            ["2025-03-09T03:00:00-04:00", "2025-03-09T03:30:00-04:00", "2025-03-10T02:00:00-04:00"]),
        // Overlap: 01:30 happens twice on 11-02; the fixed-time job runs at the first (EDT) one only.
        FireCase(
            "30 1 * * *", in: "America/New_York", after: "2025-11-01T12:00:00-04:00",
            ["2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00"]),
        // Starting inside the second pass of the repeated hour does not run it again.
        FireCase(
            "30 1 * * *", in: "America/New_York", after: "2025-11-02T01:10:00-05:00",
            ["2025-11-03T01:30:00-05:00"]),
        FireCase(
            "*/30 1 * * *", in: "America/New_York", after: "2025-11-02T00:00:00-04:00",
            ["2025-11-02T01:00:00-04:00", "2025-11-02T01:30:00-04:00", "2025-11-03T01:00:00-05:00"]),
        // 02:30 is not repeated in New York (the clock goes 01:59 EST → 02:00 EST once).
        FireCase(
            "30 2 * * *", in: "America/New_York", after: "2025-11-01T12:00:00-04:00",
            ["2025-11-02T02:30:00-05:00", "2025-11-03T02:30:00-05:00"]),
        // Hourly wildcard: every real hour, so 01:00 twice on the fall-back day and no 02:00 in spring.
        FireCase(
            "0 * * * *", in: "America/New_York", after: "2025-11-02T00:30:00-04:00",
            ["2025-11-02T01:00:00-04:00", "2025-11-02T01:00:00-05:00", "2025-11-02T02:00:00-05:00", "2025-11-02T03:00:00-05:00"]),
        FireCase(
            "0 * * * *", in: "America/New_York", after: "2025-03-09T00:30:00-05:00",
            ["2025-03-09T01:00:00-05:00", "2025-03-09T03:00:00-04:00", "2025-03-09T04:00:00-04:00"]),
        FireCase(
            "*/15 * * * *", in: "America/New_York", after: "2025-03-09T01:40:00-05:00",
            ["2025-03-09T01:45:00-05:00", "2025-03-09T03:00:00-04:00", "2025-03-09T03:15:00-04:00"]),
        // An hour step is periodic too: 02:00 is skipped, not moved.
        FireCase(
            "0 */2 * * *", in: "America/New_York", after: "2025-03-09T00:30:00-05:00",
            ["2025-03-09T04:00:00-04:00", "2025-03-09T06:00:00-04:00"]),
    ]

    static let berlinCases: [FireCase] = [
        FireCase(
            "30 2 * * *", in: "Europe/Berlin", after: "2025-03-29T00:00:00+01:00",
            ["2025-03-29T02:30:00+01:00", "2025-03-30T03:00:00+02:00", "2025-03-31T02:30:00+02:00"]),
        FireCase(
            "30 2 * * *", in: "Europe/Berlin", after: "2025-10-25T12:00:00+02:00",
            ["2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00"]),
        FireCase(
            "0 * * * *", in: "Europe/Berlin", after: "2025-10-26T01:30:00+02:00",
            ["2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00", "2025-10-26T03:00:00+01:00"]),
        FireCase(
            "0 * * * *", in: "Europe/Berlin", after: "2025-03-30T01:30:00+01:00",
            ["2025-03-30T03:00:00+02:00", "2025-03-30T04:00:00+02:00"]),
        // Fixed hour with a minute step: the whole skipped hour collapses into one run at 03:00.
        FireCase(
            "*/20 2 * * *", in: "Europe/Berlin", after: "2025-03-30T00:00:00+01:00",
            ["2025-03-30T03:00:00+02:00", "2025-03-31T02:00:00+02:00", "2025-03-31T02:20:00+02:00"]),
    ]

    static let sydneyCases: [FireCase] = [
        FireCase(
            "30 2 * * *", in: "Australia/Sydney", after: "2025-04-05T12:00:00+11:00",
            ["2025-04-06T02:30:00+11:00", "2025-04-07T02:30:00+10:00"]),
        FireCase(
            "30 2 * * *", in: "Australia/Sydney", after: "2025-10-04T12:00:00+10:00",
            ["2025-10-05T03:00:00+11:00", "2025-10-06T02:30:00+11:00"]),
        FireCase(
            "0 * * * *", in: "Australia/Sydney", after: "2025-04-06T01:30:00+11:00",
            ["2025-04-06T02:00:00+11:00", "2025-04-06T02:00:00+10:00", "2025-04-06T03:00:00+10:00"]),
    ]

    @Test("America/New_York", arguments: newYorkCases)
    func newYork(_ fireCase: FireCase) throws { try fireCase.check() }

    @Test("Europe/Berlin", arguments: berlinCases)
    func berlin(_ fireCase: FireCase) throws { try fireCase.check() }

    @Test("Australia/Sydney (southern hemisphere)", arguments: sydneyCases)
    func sydney(_ fireCase: FireCase) throws { try fireCase.check() }

    @Test(
        "a daily fixed-time job runs exactly once on every day of a year with two transitions",
        arguments: ["America/New_York", "Europe/Berlin", "Australia/Sydney"])
    func oncePerDay(_ zoneName: String) throws {
        let schedule = try Schedule.cron("30 2 * * *", timeZone: zoneName)
        let fires = schedule.nextFires(after: instant("2025-01-01T00:00:00Z"), count: 365)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone(zoneName)
        let days = fires.map { calendar.dateComponents([.year, .month, .day], from: $0) }
        #expect(Set(days).count == 365)
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test(
        "an hourly job fires 23, 24 and 25 times on spring, normal and fall days",
        arguments: [
            ("America/New_York", "2025-03-09T00:00:00-05:00", "2025-03-10T00:00:00-04:00", 23),
            ("America/New_York", "2025-06-01T00:00:00-04:00", "2025-06-02T00:00:00-04:00", 24),
            ("America/New_York", "2025-11-02T00:00:00-04:00", "2025-11-03T00:00:00-05:00", 25),
            ("Europe/Berlin", "2025-03-30T00:00:00+01:00", "2025-03-31T00:00:00+02:00", 23),
            ("Europe/Berlin", "2025-10-26T00:00:00+02:00", "2025-10-27T00:00:00+01:00", 25),
        ])
    func hourlyCounts(_ row: (String, String, String, Int)) throws {
        let schedule = try Schedule.cron("0 * * * *", timeZone: row.0)
        // From just before local midnight, so that midnight itself counts.
        let start = instant(row.1).addingTimeInterval(-1)
        let end = instant(row.2)
        let fires = schedule.nextFires(after: start, count: 30).filter { $0 < end }
        #expect(fires.count == row.3)
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 3600 })
    }

    @Test("a whole skipped day (Pacific/Apia, 2011-12-30) runs a fixed-time job once, at the start of the 31st")
    func skippedDay() throws {
        let schedule = try Schedule.cron("30 2 * * *", timeZone: "Pacific/Apia")
        let fires = schedule.nextFires(after: instant("2011-12-29T12:00:00-10:00"), count: 2)
        #expect(fires == [instant("2011-12-31T00:00:00+14:00"), instant("2011-12-31T02:30:00+14:00")])
        let hourly = try Schedule.cron("0 * * * *", timeZone: "Pacific/Apia")
        let next = hourly.nextFires(after: instant("2011-12-29T22:30:00-10:00"), count: 2)
        #expect(next == [instant("2011-12-29T23:00:00-10:00"), instant("2011-12-31T00:00:00+14:00")])
    }
}

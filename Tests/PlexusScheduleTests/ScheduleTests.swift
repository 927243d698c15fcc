import Foundation
import Testing

@testable import PlexusSchedule

@Suite("Schedules: interval, once, relative references")
struct ScheduleTests {
    @Test(
        "interval with a start fires at start + k × every",
        arguments: [
            ("2024-12-31T23:00:00Z", "2025-01-01T00:00:00Z"),  // before the start: the start itself
            ("2025-01-01T00:00:00Z", "2025-01-01T00:01:30Z"),  // at the start: strictly after
            ("2025-01-01T00:02:00Z", "2025-01-01T00:03:00Z"),
            ("2025-01-01T00:03:00Z", "2025-01-01T00:04:30Z"),
            ("2025-01-02T00:00:00Z", "2025-01-02T00:01:30Z"),  // 86 400 s = 960 × 90 s: on the grid, so the next one
        ])
    func intervalWithStart(_ row: (String, String)) throws {
        let schedule = try Schedule.interval(every: .seconds(90), start: instant("2025-01-01T00:00:00Z"))
        #expect(schedule.nextFire(after: instant(row.0)) == instant(row.1))
        #expect(!schedule.isRelative)
    }

    @Test("interval without a start is measured from the reference")
    func intervalWithoutStart() throws {
        let schedule = try Schedule.interval(every: .seconds(600))
        #expect(schedule.isRelative)
        let reference = instant("2025-01-01T00:00:07Z")
        // No reference: the given instant is the reference, so a constant delay.
        #expect(schedule.nextFire(after: reference) == instant("2025-01-01T00:10:07Z"))
        // With a reference, the grid stays put whatever instant is asked about.
        #expect(
            schedule.nextFire(after: instant("2025-01-01T00:25:00Z"), reference: reference)
                == instant("2025-01-01T00:30:07Z"))
        #expect(
            schedule.resolved(against: reference).kind
                == .interval(every: .seconds(600), start: reference))
        #expect(
            schedule.nextFires(after: reference, count: 3)
                == ["2025-01-01T00:10:07Z", "2025-01-01T00:20:07Z", "2025-01-01T00:30:07Z"].map { instant($0) })
    }

    @Test("@every becomes an interval anchored at the reference")
    func everyMacro() throws {
        let schedule = try Schedule.cron("@every 1h30m", timeZone: "Europe/Berlin")
        #expect(schedule.kind == .interval(every: .seconds(5_400), start: nil))
        let reference = instant("2025-01-01T00:00:00Z")
        #expect(
            schedule.nextFire(after: instant("2025-01-01T02:00:00Z"), reference: reference)
                == instant("2025-01-01T03:00:00Z"))
    }

    @Test("fractional interval keeps an exact grid")
    func fractionalInterval() throws {
        let start = instant("2025-01-01T00:00:00Z")
        let schedule = try Schedule.interval(every: .milliseconds(1_500), start: start)
        let fires = schedule.nextFires(after: start, count: 4)
        #expect(fires == [1.5, 3, 4.5, 6].map { start.addingTimeInterval($0) })
    }

    @Test("once at an instant fires only before it")
    func onceAt() {
        let at = instant("2025-06-01T12:00:00Z")
        let schedule = Schedule.once(at: at)
        #expect(schedule.nextFire(after: instant("2025-06-01T11:59:59Z")) == at)
        #expect(schedule.nextFire(after: at) == nil)
        #expect(schedule.nextFire(after: instant("2025-07-01T00:00:00Z")) == nil)
        #expect(schedule.nextFires(after: .distantPast, count: 5) == [at])
    }

    @Test("once after a delay resolves against the reference")
    func onceAfter() throws {
        let schedule = try Schedule.once(after: .seconds(600))
        #expect(schedule.isRelative)
        let reference = instant("2025-06-01T12:00:00Z")
        let due = instant("2025-06-01T12:10:00Z")
        #expect(schedule.nextFire(after: reference) == due)
        #expect(schedule.nextFire(after: instant("2025-06-01T12:05:00Z"), reference: reference) == due)
        #expect(schedule.nextFire(after: due, reference: reference) == nil)
        #expect(schedule.resolved(against: reference).kind == .onceAt(due))
        #expect(!schedule.resolved(against: reference).isRelative)
        // A sequence keeps its reference, so it fires once.
        #expect(schedule.nextFires(after: reference, count: 5) == [due])
    }

    @Test("cron schedules carry their zone, and resolve to themselves")
    func cronSchedule() throws {
        let schedule = try Schedule.cron("0 9 * * *", timeZone: "Europe/Berlin")
        #expect(schedule.kind == .cron(try CronExpression("0 9 * * *"), timeZone: zone("Europe/Berlin")))
        #expect(!schedule.isRelative)
        #expect(schedule.resolved(against: .now) == schedule)
        #expect(schedule.nextFire(after: instant("2025-01-01T00:00:00Z")) == instant("2025-01-01T09:00:00+01:00"))
        #expect(schedule.nextFire(after: instant("2025-07-01T00:00:00Z")) == instant("2025-07-01T09:00:00+02:00"))
        let utc = Schedule.cron(try CronExpression("0 9 * * *"))
        #expect(utc.nextFire(after: instant("2025-01-01T00:00:00Z")) == instant("2025-01-01T09:00:00Z"))
    }

    @Test("nextFires stops when the schedule runs out")
    func nextFiresStops() throws {
        let schedule = try Schedule.cron("0 0 1 1 *")
        #expect(schedule.nextFires(after: instant("9997-06-01T00:00:00Z"), count: 5).count == 2)
        #expect(schedule.nextFires(after: instant("2025-06-01T00:00:00Z"), count: 0).isEmpty)
    }
}

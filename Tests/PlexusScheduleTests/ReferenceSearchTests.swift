import Foundation
import Testing

@testable import PlexusSchedule

/// Compares the field-jumping search with a brute-force walk over real instants that applies the DST
/// policy literally: at each minute, read the local time with `Calendar`; periodic jobs fire when it
/// matches; fixed-hour jobs fire when it matches or when it jumped over a matching time, and never
/// when the clock shows a time it has already shown.
@Suite("Search agrees with a brute-force reference")
struct ReferenceSearchTests {
    /// SplitMix64: a fixed seed per zone keeps failures reproducible.
    struct Random {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }

        mutating func int(in range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
    }

    static let minutes = ["0", "30", "*/15", "0,30", "10-20/5", "45", "*", "59"]
    static let hours = ["*", "*/2", "0", "1", "2", "3", "1-3", "0,2", "2/3", "1,2,3", "23", "22-23"]
    static let daysOfMonth = ["*", "*", "?", "1-15", "L", "*/2", "10-20"]
    static let months = ["*", "*", "*", "3,4,10,11", "MAR-NOV", "SEP-DEC"]
    static let weekdays = ["*", "*", "*", "SUN", "MON-FRI", "0,6", "?"]

    /// Zones with 1-hour DST in both hemispheres, a 30-minute DST (Lord Howe), transitions at local
    /// midnight that move the date backwards (Santiago), and no DST at all.
    static let zoneNames = [
        "UTC", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe",
        "America/Santiago", "Asia/Kolkata", "America/St_Johns",
    ]

    /// The minutes the brute force walks before giving up.
    static let horizonMinutes = 3 * 1440

    @Test("random five-field expressions around transitions", arguments: zoneNames)
    func randomExpressions(zoneName: String) throws {
        let tz = zone(zoneName)
        let clock = ZoneClock(zone: tz)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tz
        var random = Random(state: UInt64(Self.zoneNames.firstIndex(of: zoneName) ?? 0) + 1)

        var centers: [Int] = []
        var cursor = Int(instant("2024-01-01T00:00:00Z").timeIntervalSince1970)
        let stop = Int(instant("2027-01-01T00:00:00Z").timeIntervalSince1970)
        while let transition = clock.nextTransition(after: cursor), transition < stop {
            centers.append(transition)
            cursor = transition
        }
        if centers.isEmpty {
            centers = ["2025-03-09T07:00:00Z", "2025-03-30T01:00:00Z", "2025-10-26T01:00:00Z", "2025-11-02T06:00:00Z"]
                .map { Int(instant($0).timeIntervalSince1970) }
        }

        var compared = 0
        for round in 0..<80 {
            let text = [Self.minutes, Self.hours, Self.daysOfMonth, Self.months, Self.weekdays]
                .map { random.pick($0) }.joined(separator: " ")
            guard let fields = try CronExpression(text).fields else { continue }
            // Mostly within hours of a transition, where the policy matters; some further out.
            let spread = round % 4 == 0 ? 2 * 86_400 : 6 * 3_600
            let start = random.pick(centers) + random.int(in: -spread...spread)
            let fast = fields.nextFire(after: start, in: clock)
            let (slow, searchedUntil) = Self.bruteForce(fields, calendar: calendar, after: start)
            if let slow {
                compared += 1
                #expect(
                    fast == slow, "\"\(text)\" in \(zoneName) after \(start): fast \(String(describing: fast)), reference \(slow)"
                )
            } else {
                #expect(
                    fast.map { $0 > searchedUntil } ?? true,
                    "\"\(text)\" in \(zoneName) after \(start): fast \(String(describing: fast)), reference found nothing before \(searchedUntil)"
                )
            }
        }
        // Most expressions fire within the horizon; the comparison must not be vacuous.
        #expect(compared >= 40)
    }

    @Test("random six-field expressions in UTC, second by second")
    func randomSecondExpressions() throws {
        var random = Random(state: 99)
        let secondChoices = ["*/7", "0", "59", "10-20", "*/15", "5/20", "1,2,3"]
        for _ in 0..<40 {
            let text = "\(random.pick(secondChoices)) \(random.pick(["*", "*/2", "7"])) * * * *"
            guard let fields = try CronExpression(text).fields else { continue }
            let start = 1_735_689_600 + random.int(in: 0...86_400)
            let fast = fields.nextFire(after: start, in: ZoneClock(zone: .gmt))
            var expected: Int?
            for candidate in (start + 1)...(start + 7_200) where fields.matches(CivilTime.fields(wallSeconds: candidate)) {
                expected = candidate
                break
            }
            #expect(fast == expected, "\"\(text)\" after \(start)")
        }
    }

    /// The first minute after `start` at which the policy fires, and the last instant examined.
    static func bruteForce(_ fields: CronFields, calendar: Calendar, after start: Int) -> (Int?, Int) {
        func wall(_ instant: Int) -> Int {
            let c = calendar.dateComponents(
                [.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: TimeInterval(instant)))
            return CivilTime.wallSeconds(
                WallFields(
                    year: c.year!, month: c.month!, day: c.day!,
                    hour: c.hour!, minute: c.minute!, second: 0))
        }
        func matches(_ wall: Int) -> Bool { fields.matches(CivilTime.fields(wallSeconds: wall)) }

        var instant = CivilTime.floorDivide(start, 60) * 60 + 60
        // The latest local time shown in the last three hours (overlaps in these zones are ≤ 1 hour).
        var shown = stride(from: instant - 3 * 3600, to: instant, by: 60).map(wall).max() ?? Int.min
        for _ in 0..<horizonMinutes {
            let now = wall(instant)
            if fields.hourIsPeriodic {
                if matches(now) { return (instant, instant) }
            } else if now > shown {
                if stride(from: shown + 60, through: now, by: 60).contains(where: matches) { return (instant, instant) }
                shown = now
            }
            instant += 60
        }
        return (nil, instant - 60)
    }
}

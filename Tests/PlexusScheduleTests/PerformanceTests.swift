import Foundation
import Testing

@testable import PlexusSchedule

@Suite("Performance: the search jumps by fields")
struct PerformanceTests {
    @Test("10,000 successive fire times of */5 * * * * *", arguments: ["UTC", "America/New_York"])
    func tenThousandFires(zoneName: String) throws {
        let schedule = try Schedule.cron("*/5 * * * * *", timeZone: zoneName)
        // The New York run crosses the 2025-03-09 gap 2 hours in: periodic jobs keep real-time spacing.
        let start = instant("2025-03-09T05:00:00Z")
        let fires = schedule.nextFires(after: start, count: 10_000)
        #expect(fires.count == 10_000)
        #expect(fires.first == start.addingTimeInterval(5))
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 5 })
    }

    @Test(
        "sparse schedules are found without scanning",
        arguments: [
            "0 0 29 2 *", "59 59 23 31 12 *", "0 0 L 2 *", "0 0 13 * 5", "0 12 ? JAN,jul mon",
        ])
    func sparseSchedules(_ text: String) throws {
        let schedule = try Schedule.cron(text, timeZone: "Europe/Berlin")
        let fires = schedule.nextFires(after: instant("2025-01-01T00:00:00Z"), count: 200)
        #expect(fires.count == 200)
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 })
    }
}

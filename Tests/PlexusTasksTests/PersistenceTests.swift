import Foundation
import Testing

@testable import PlexusTasks

@Suite struct PersistenceTests {
    @Test func taskRoundTripsThroughJSON() throws {
        var s = try scheduler(def(schedule: .cron("*/5 * * * *", timeZone: "Europe/Berlin"), retries: 1, maxRuns: 3))
        let run = try #require(s.tick(now: at(300)).started.first)
        _ = try s.runFinished(run.runID, results: ["w": .failure("nope")], now: at(301))
        let data = try JSONEncoder().encode(Array(s.tasks.values))
        let restored = try JSONDecoder().decode([ScheduledTask].self, from: data)
        var copy = TaskScheduler(restoring: restored)
        #expect(copy.snapshots() == s.snapshots())
        #expect(copy.tasks["job"]?.definition == s.tasks["job"]?.definition)
        // The compiled schedule works after decoding.
        #expect(copy.tick(now: at(302)).started.map(\.attempt) == [2])
        #expect(copy.snapshot("job")?.nextRun == at(360))  // t0 is 22:14 UTC, so */5 next fires at 22:20
    }

    @Test func snapshotUsesSnakeCaseKeys() throws {
        var s = try scheduler(def())
        _ = s.tick(now: at(10))
        _ = try s.runFinished("job#1", results: ["w": .success], now: at(11))
        _ = s.tick(now: at(20))
        let json = String(decoding: try JSONEncoder().encode(s.snapshot("job")), as: UTF8.self)
        for key in [
            "\"run_count\"", "\"failure_count\"", "\"next_run\"", "\"last_run\"", "\"avg_duration_ms\"", "\"history\"",
            "\"state\":\"running\"",
        ] {
            #expect(json.contains(key), "\(key)")
        }
    }

    @Test func snapshotKeepsAbsentValuesAsNull() throws {
        let s = try scheduler(def())
        let snapshot = try #require(s.snapshot("job"))
        let json = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        #expect(json.contains("\"last_error\":null"))
        #expect(json.contains("\"p99_duration_ms\":null"))
        #expect(try JSONDecoder().decode(TaskSnapshot.self, from: Data(json.utf8)) == snapshot)
    }

    @Test func definitionDecodesFromSnakeCaseJSON() throws {
        let json =
            #"{"id":"nightly","schedule":{"cron":"0 3 * * *","time_zone":"UTC"},"target":{"service":"db.vacuum","fan_out":"all"},"payload":"","timeout":600,"retries":2,"retry_backoff":30,"retry_backoff_max":600,"concurrency":"replace","misfire":"run_once","max_runs":10}"#
        let definition = try JSONDecoder().decode(TaskDefinition.self, from: Data(json.utf8))
        var s = TaskScheduler()
        try s.add(definition, now: t0)
        #expect(s.tasks["nightly"]?.compiled.misfire == .runOnce)
        #expect(s.tasks["nightly"]?.compiled.target == .service("db.vacuum", fanOut: .all))
    }

    @Test func durationStatistics() {
        var stats = DurationStats()
        #expect(stats.average == nil && stats.p99 == nil)
        for second in 1...100 { stats.add(Double(second)) }
        #expect(stats.average == 50.5)
        #expect(stats.p99 == 99)
        stats.add(1000)
        #expect(stats.recent.count == DurationStats.window)
        #expect(stats.p99 == 100)
    }
}

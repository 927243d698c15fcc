import Foundation
import Testing

@testable import PlexusTasks

@Suite struct MisfireTests {
    /// Every minute; the broker was down from 30 s to 330 s (missing 60…300).
    /// Rows: misfire, starting_deadline, runs started, scheduledAt of that run, skipped events.
    @Test(
        arguments: [
            ("skip", nil, 0, nil, 1),
            ("run_once", nil, 1, 300.0, 0),
            ("run_once", 60.0, 1, 300, 0),
            ("run_once", 10.0, 0, nil, 1),
        ] as [(String, Double?, Int, Double?, Int)])
    func afterDowntime(misfire: String, deadline: Double?, started: Int, scheduledAt: Double?, skipped: Int) throws {
        var s = try scheduler(def(schedule: .cron("* * * * *"), misfire: misfire, deadline: deadline))
        let actions = s.recover(lastSeen: at(30), now: at(330))
        #expect(actions.started.count == started)
        #expect(actions.started.first?.scheduledAt == scheduledAt.map(at))
        #expect(actions.events(TaskEvent.skipped).count == skipped)
        if skipped == 1 {
            #expect(actions.events(TaskEvent.skipped).first?.reason?.contains("missed 5 fire(s)") == true)
        }
        #expect(s.snapshot("job")?.nextRun == at(360))
        // The missed fires are settled: a tick right after does nothing more.
        #expect(s.tick(now: at(331)).started.isEmpty)
    }

    @Test func runsInFlightAtShutdownAreFailedAndRetried() throws {
        var s = try scheduler(def(schedule: .every(100), retries: 1, backoff: 5))
        _ = s.tick(now: at(100))
        let actions = s.recover(lastSeen: at(110), now: at(150))
        let failure = try #require(actions.events(TaskEvent.failed).first)
        #expect(failure.runID == "job#1")
        #expect(failure.retryAt == at(155))
        #expect(s.snapshot("job")?.running.isEmpty == true)
    }

    @Test func nothingMissedNothingDone() throws {
        var s = try scheduler(def(schedule: .every(100)))
        #expect(s.recover(lastSeen: at(10), now: at(50)).isEmpty)
    }
}

import Foundation
import Testing

@testable import PlexusTasks

@Suite struct ConcurrencyTests {
    /// Each row: policy, runs started at the second fire, runs canceled, skipped events, runs in flight afterwards.
    @Test(arguments: [
        ("forbid", 0, 0, 1, ["job#1"]),
        ("replace", 1, 1, 0, ["job#2"]),
        ("allow", 1, 0, 0, ["job#1", "job#2"]),
    ])
    func overlappingFire(policy: String, started: Int, canceled: Int, skipped: Int, running: [String]) throws {
        var s = try scheduler(def(schedule: .every(10), concurrency: policy))
        #expect(s.tick(now: at(10)).started.map(\.runID) == ["job#1"])
        let second = s.tick(now: at(20))
        #expect(second.started.count == started)
        #expect(second.canceled.count == canceled)
        #expect(second.events(TaskEvent.skipped).count == skipped)
        let snap = try #require(s.snapshot("job"))
        #expect(snap.running == running)
        #expect(snap.state == .running)
        #expect(snap.nextRun == at(30))
        if policy == "replace" {
            #expect(second.canceled == ["job#1"])
            #expect(snap.history.last?.outcome == .canceled)
            // Answers for the replaced run are refused.
            #expect(throws: TaskError.self) { try s.runFinished("job#1", results: ["w": .success], now: at(21)) }
        }
        if policy == "forbid" {
            #expect(snap.history.last?.outcome == .skipped)
            #expect(snap.runCount == 1)
        }
    }

    @Test func forbidRunsAgainOnceThePreviousRunEnded() throws {
        var s = try scheduler(def(schedule: .every(10)))
        let first = try #require(s.tick(now: at(10)).started.first)
        _ = try s.runFinished(first.runID, results: ["w": .success], now: at(15))
        #expect(s.tick(now: at(20)).started.count == 1)
    }

    /// A pending retry means the previous run has not reached its final outcome yet.
    @Test(arguments: [("forbid", 0, 1), ("replace", 1, 0), ("allow", 1, 1)])
    func pendingRetryCountsAsStillGoing(policy: String, started: Int, retriesLeft: Int) throws {
        var s = try scheduler(def(schedule: .every(10), retries: 1, backoff: 8, concurrency: policy))
        let first = try #require(s.tick(now: at(10)).started.first)
        _ = try s.runFinished(first.runID, results: ["w": .failure("x")], now: at(15))
        let actions = s.tick(now: at(20))
        #expect(actions.started.count == started)
        #expect(s.snapshot("job")?.pendingRetries.count == retriesLeft)
    }

    @Test func nextWakeupIsTheEarliestFireRetryOrDeadline() throws {
        var s = try scheduler(def("a", schedule: .every(100), timeout: 5), def("b", schedule: .every(30)))
        #expect(s.nextWakeup == at(30))
        _ = s.tick(now: at(30))
        #expect(s.nextWakeup == at(60))  // b's run deadline is 90
        _ = try s.runFinished("b#1", results: ["w": .success], now: at(31))
        _ = s.tick(now: at(60))
        _ = s.tick(now: at(90))
        #expect(s.nextWakeup == at(100))
        _ = s.tick(now: at(100))
        #expect(s.nextWakeup == at(105))  // a's deadline
    }
}

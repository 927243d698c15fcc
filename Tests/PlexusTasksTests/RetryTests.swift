import Foundation
import Testing

@testable import PlexusTasks

@Suite struct RetryTests {
    @Test func retriesWithExponentialBackoffThenFails() throws {
        var s = try scheduler(def(schedule: .after(10), retries: 2, backoff: 5))
        var order = try #require(s.tick(now: at(10)).started.first)
        #expect(order.attempt == 1)

        // Attempt 1 fails at 11: retry after 5 s.
        var actions = try s.runFinished(order.runID, results: ["w": .failure("boom")], now: at(11))
        #expect(actions.events(TaskEvent.failed).first?.retryAt == at(16))
        #expect(s.snapshot("job")?.state == .pending)
        #expect(s.nextWakeup == at(16))
        #expect(s.tick(now: at(15)).started.isEmpty)
        order = try #require(s.tick(now: at(16)).started.first)
        #expect(order.attempt == 2)
        #expect(order.scheduledAt == at(10))

        // Attempt 2 times out at 16 + 60: retry after 10 s.
        actions = s.tick(now: at(76))
        #expect(actions.canceled == [order.runID])
        #expect(actions.events(TaskEvent.failed).first?.retryAt == at(86))
        order = try #require(s.tick(now: at(86)).started.first)
        #expect(order.attempt == 3)

        // Attempt 3 fails: no retries left, the once task fails.
        actions = try s.runFinished(order.runID, results: ["w": .failure("still broken")], now: at(87))
        #expect(actions.events(TaskEvent.failed).first?.retryAt == nil)
        let snap = try #require(s.snapshot("job"))
        #expect(snap.state == .failed)
        #expect(snap.runCount == 1)
        #expect(snap.failureCount == 1)
        #expect(snap.lastError == "w: still broken")
        #expect(snap.history.map(\.outcome) == [.failed, .timedOut, .failed])
        #expect(snap.history.map(\.attempt) == [1, 2, 3])
    }

    @Test(arguments: [(1, 2.0), (2, 4), (3, 8), (4, 10), (10, 10)])
    func backoffDoublesUpToTheCap(attempt: Int, expected: TimeInterval) throws {
        var d = def(backoff: 2)
        d.retryBackoffMax = 10
        let s = try scheduler(d)
        #expect(s.tasks["job"]?.backoff(afterAttempt: attempt) == expected)
    }

    @Test func successAfterRetryKeepsTaskHealthy() throws {
        var s = try scheduler(def(schedule: .after(10), retries: 1, backoff: 1))
        let first = try #require(s.tick(now: at(10)).started.first)
        _ = try s.runFinished(first.runID, results: ["w": .failure("flaky")], now: at(10))
        let second = try #require(s.tick(now: at(11)).started.first)
        _ = try s.runFinished(second.runID, results: ["w": .success], now: at(12))
        let snap = try #require(s.snapshot("job"))
        #expect(snap.state == .completed)
        #expect(snap.failureCount == 0)
        #expect(snap.lastError == "w: flaky")
    }
}

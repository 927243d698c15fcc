import Foundation
import Testing

@testable import PlexusTasks

@Suite struct FanOutTests {
    @Test func allCompletesWhenEveryInstanceAnsweredOrTimedOut() throws {
        var s = try scheduler(def(schedule: .every(100), target: .service("cache.purge", fanOut: "all"), timeout: 30))
        let run = try #require(s.tick(now: at(100)).started.first)
        #expect(run.target == .service("cache.purge", fanOut: .all))
        #expect(run.deadline == at(130))
        #expect(try s.runDispatched(run.runID, instances: ["a", "b", "c"], now: at(100)).isEmpty)
        #expect(try s.instanceFinished(run.runID, instance: "a", result: .success, now: at(101)).isEmpty)
        #expect(try s.instanceFinished(run.runID, instance: "c", result: .failure("disk full"), now: at(102)).isEmpty)
        #expect(s.snapshot("job")?.state == .running)

        // "b" is slow: at the deadline the run ends, b counted as timed out.
        let actions = s.tick(now: at(130))
        #expect(actions.canceled == [run.runID])
        let failed = try #require(actions.events(TaskEvent.failed).first)
        #expect(failed.reason == "b: timed out; c: disk full")
        let record = try #require(s.snapshot("job")?.history.last)
        #expect(record.outcome == .failed)
        #expect(record.instances == ["a": .success, "b": .timedOut, "c": .failure("disk full")])
        #expect(record.duration == 30)
        #expect(s.snapshot("job")?.failureCount == 1)
    }

    @Test func allSucceedsWhenEveryInstanceSucceeded() throws {
        var s = try scheduler(def(schedule: .every(100), target: .service("cache.purge", fanOut: "all")))
        let run = try #require(s.tick(now: at(100)).started.first)
        _ = try s.instanceFinished(run.runID, instance: "a", result: .success, now: at(101))
        _ = try s.runDispatched(run.runID, instances: ["a", "b"], now: at(101))
        let actions = try s.instanceFinished(run.runID, instance: "b", result: .success, now: at(102))
        #expect(actions.events(TaskEvent.completed).count == 1)
        #expect(s.snapshot("job")?.history.last?.instances.count == 2)
    }

    @Test(
        arguments: [
            ([String: InstanceResult](), RunOutcome.failed, "no instance answered"),
            (["a": .success], .succeeded, nil),
            (["a": .timedOut], .timedOut, "a: timed out"),
            (["a": .success, "b": .failure("x")], .failed, "b: x"),
        ] as [([String: InstanceResult], RunOutcome, String?)])
    func aggregation(results: [String: InstanceResult], outcome: RunOutcome, error: String?) {
        let (got, message) = ScheduledTask.aggregate(results)
        #expect(got == outcome)
        #expect(message == error)
    }

    @Test func oneCompletesOnFirstAnswerAndRunFinishedMarksMissingAsTimedOut() throws {
        var s = try scheduler(
            def(schedule: .every(100)), def("fan", schedule: .every(100), target: .service("x.y", fanOut: "all")))
        let runs = s.tick(now: at(100)).started
        #expect(runs.map(\.runID) == ["fan#1", "job#1"])
        #expect(
            try s.instanceFinished("job#1", instance: "w", result: .success, now: at(101)).events(TaskEvent.completed).count == 1)
        _ = try s.runDispatched("fan#1", instances: ["p", "q"], now: at(100))
        let actions = try s.runFinished("fan#1", results: ["p": .success], now: at(103))
        #expect(actions.events(TaskEvent.failed).first?.reason == "q: timed out")
        #expect(throws: TaskError(.unknownRun, "no run 'fan#1' in flight")) {
            try s.runFinished("fan#1", results: [:], now: at(104))
        }
    }
}

import Foundation
import Testing

@testable import PlexusTasks

@Suite struct LifecycleTests {
    @Test func maxRunsCompletesTheTask() throws {
        var s = try scheduler(def(schedule: .every(10), maxRuns: 2))
        for second in [10.0, 20] {
            let run = try #require(s.tick(now: at(second)).started.first)
            _ = try s.runFinished(run.runID, results: ["w": .success], now: at(second + 1))
        }
        let snap = try #require(s.snapshot("job"))
        #expect(snap.state == .completed)
        #expect(snap.runCount == 2)
        #expect(snap.nextRun == nil)
        #expect(s.tick(now: at(30)).isEmpty)
        #expect(throws: TaskError(.invalidState, "cannot trigger task 'job': it is completed")) {
            try s.trigger("job", now: at(31))
        }
    }

    /// Every 30 s with the window 100…200: an interval with a start_at runs on its grid, so it fires
    /// at 100, 130, 160, 190, then completes.
    @Test func activeWindow() throws {
        var s = try scheduler(def(schedule: .every(30), startAt: at(100), endAt: at(200)))
        #expect(s.nextWakeup == at(100))
        var fired: [Date] = []
        while let wake = s.nextWakeup {
            for run in s.tick(now: wake).started {
                fired.append(run.scheduledAt)
                _ = try s.runFinished(run.runID, results: ["w": .success], now: wake)
            }
        }
        #expect(fired == [at(100), at(130), at(160), at(190)])
        #expect(s.snapshot("job")?.state == .completed)
    }

    @Test func fireExactlyAtWindowStartCounts() throws {
        let s = try scheduler(def(schedule: .every(30), startAt: at(90)))
        #expect(s.nextWakeup == at(90))
    }

    @Test func pauseAndResumeDropFiresInThePause() throws {
        var s = try scheduler(def(schedule: .every(10)))
        try s.pause("job")
        #expect(s.snapshot("job")?.state == .paused)
        #expect(s.nextWakeup == nil)
        #expect(s.tick(now: at(30)).isEmpty)
        #expect(throws: TaskError.self) { try s.pause("job") }
        try s.resume("job", now: at(35))
        #expect(s.snapshot("job")?.state == .pending)
        #expect(s.nextWakeup == at(40))
        #expect(s.tick(now: at(40)).started.map(\.scheduledAt) == [at(40)])
        #expect(throws: TaskError(.invalidState, "task 'job' is not paused")) { try s.resume("job", now: at(41)) }
    }

    @Test func pausedTaskStillTimesOutItsRun() throws {
        var s = try scheduler(def(schedule: .every(100), timeout: 5))
        let run = try #require(s.tick(now: at(100)).started.first)
        try s.pause("job")
        #expect(s.nextWakeup == at(105))
        #expect(s.tick(now: at(105)).canceled == [run.runID])
        #expect(s.snapshot("job")?.state == .paused)
    }

    @Test func triggerRunsNowAndRespectsConcurrency() throws {
        var s = try scheduler(def(schedule: .every(100)))
        let actions = try s.trigger("job", now: at(5))
        #expect(actions.started.map(\.scheduledAt) == [at(5)])
        #expect(s.snapshot("job")?.nextRun == at(100))
        let again = try s.trigger("job", now: at(6))
        #expect(again.started.isEmpty)
        #expect(again.events(TaskEvent.skipped).count == 1)
        try s.pause("job")
        _ = try s.runFinished("job#1", results: ["w": .success], now: at(7))
        #expect(try s.trigger("job", now: at(8)).started.count == 1)
    }

    @Test func cancelStopsRunsAndEndsTheTask() throws {
        var s = try scheduler(def(schedule: .every(10), retries: 3))
        let run = try #require(s.tick(now: at(10)).started.first)
        let actions = try s.cancel("job", now: at(11))
        #expect(actions.canceled == [run.runID])
        let snap = try #require(s.snapshot("job"))
        #expect(snap.state == .canceled)
        #expect(snap.running.isEmpty)
        #expect(snap.pendingRetries.isEmpty)
        #expect(s.nextWakeup == nil)
        #expect(s.tick(now: at(100)).isEmpty)
        for command in ["pause", "resume", "cancel", "trigger"] {
            #expect(throws: TaskError.self, "\(command)") {
                switch command {
                case "pause": try s.pause("job")
                case "resume": try s.resume("job", now: at(101))
                case "cancel": _ = try s.cancel("job", now: at(101))
                default: _ = try s.trigger("job", now: at(101))
                }
            }
        }
    }

    @Test func removeCancelsRunsAndForgetsTheTask() throws {
        var s = try scheduler(def(schedule: .every(10)))
        _ = s.tick(now: at(10))
        #expect(try s.remove("job", now: at(11)).canceled == ["job#1"])
        #expect(s.snapshot("job") == nil)
        #expect(throws: TaskError(.unknownTask, "no task 'job'")) { try s.pause("job") }
    }
}

@Suite("Redefinition (topology changes)")
struct RedefinitionTests {
    @Test func changedDefinitionKeepsCountersAndRestartsTheSchedule() throws {
        var s = try scheduler(def(schedule: .every(10), maxRuns: 1))
        let run = try #require(s.tick(now: at(10)).started.first)
        _ = try s.runFinished(run.runID, results: ["w": .success], now: at(11))
        #expect(s.snapshot("job")?.state == .completed)
        #expect(try s.redefine(def(schedule: .every(10), maxRuns: 1), now: at(12)) == false)
        #expect(try s.redefine(def(schedule: .every(20), maxRuns: 3), now: at(12)))
        let snap = try #require(s.snapshot("job"))
        #expect(snap.state == .pending && snap.runCount == 1 && snap.history.count == 1 && snap.nextRun == at(32))
        _ = try s.cancel("job", now: at(13))
        #expect(try s.redefine(def(schedule: .every(30)), now: at(14)))
        #expect(s.snapshot("job")?.state == .canceled && s.snapshot("job")?.nextRun == nil)
        #expect(throws: TaskError.self) { try s.redefine(def("nope", schedule: .every(5)), now: at(15)) }
    }
}

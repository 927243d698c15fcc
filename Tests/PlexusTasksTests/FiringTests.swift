import Foundation
import Testing

@testable import PlexusTasks

@Suite struct FiringTests {
    @Test(arguments: [
        (ScheduleSpec.cron("* * * * *"), [60.0, 120, 180]),
        (.cron("*/30 * * * * *"), [30, 60, 90]),
        (.every(25), [25, 50, 75]),
        (.after(10), [10]),
        (.at(at(100)), [100]),
    ])
    func firesOnSchedule(spec: ScheduleSpec, expected: [Double]) throws {
        var s = try scheduler(def(schedule: spec, concurrency: "allow"))
        var fired: [Double] = []
        var clock = 0.0
        while let wake = s.nextWakeup, wake <= at(200) {
            // Just before the wakeup nothing happens.
            #expect(s.tick(now: wake.addingTimeInterval(-0.5)).started.isEmpty)
            clock = wake.timeIntervalSince(t0)
            let actions = s.tick(now: wake)
            for order in actions.started {
                #expect(order.scheduledAt == wake)
                #expect(order.target == .service("work.run", fanOut: .one))
                fired.append(clock)
                _ = try s.runFinished(order.runID, results: ["w-1": .success], now: wake)
            }
            if fired.count >= expected.count { break }
        }
        #expect(fired == expected)
        #expect(s.snapshot("job")?.runCount == expected.count)
        #expect(s.tasks["job"]?.runtime.history.allSatisfy { $0.outcome == .succeeded } == true)
    }

    @Test func onceCompletesAfterItsRun() throws {
        var s = try scheduler(def(schedule: .after(5)))
        let run = try #require(s.tick(now: at(5)).started.first)
        #expect(s.snapshot("job")?.state == .running)
        let done = try s.runFinished(run.runID, results: ["w-1": .success], now: at(7))
        #expect(done.events(TaskEvent.completed).count == 1)
        let snap = try #require(s.snapshot("job"))
        #expect(snap.state == .completed)
        #expect(snap.nextRun == nil)
        #expect(snap.avgDurationMs == 2000)
        #expect(s.nextWakeup == nil)
    }

    @Test func topicTargetSucceedsOnPublish() throws {
        var s = try scheduler(def(schedule: .every(10), target: .topic("reports.daily")))
        let actions = s.tick(now: at(10))
        #expect(actions.started.map(\.target) == [.topic("reports.daily")])
        #expect(actions.events(TaskEvent.completed).count == 1)
        #expect(s.snapshot("job")?.state == .pending)
    }
}

import Foundation
import Testing

@testable import PlexusTasks

@Suite struct ValidationTests {
    static let bad: [(String, TaskDefinition, TaskError.Kind, String)] = {
        var maxBackoff = def(backoff: 10)
        maxBackoff.retryBackoffMax = 5
        return [
            ("empty id", def(""), .invalidID, "task id is empty"),
            ("bad char", def("a b"), .invalidID, "may only contain"),
            ("hash", def("a#1"), .invalidID, "may only contain"),
            ("long id", def(String(repeating: "x", count: 65)), .invalidID, "longer than 64"),
            ("no schedule", def(schedule: ScheduleSpec()), .invalidSchedule, "exactly one of cron, every, at, after (got 0)"),
            ("two schedules", def(schedule: ScheduleSpec(cron: "* * * * *", every: 5)), .invalidSchedule, "(got 2)"),
            ("bad cron", def(schedule: .cron("0 24 * * *")), .invalidSchedule, "out of range"),
            ("bad zone", def(schedule: .cron("0 1 * * *", timeZone: "Mars/Olympus")), .invalidSchedule, "unknown time zone"),
            (
                "zone without cron", def(schedule: ScheduleSpec(timeZone: "UTC", every: 5)), .invalidSchedule,
                "time_zone only applies"
            ),
            ("short every", def(schedule: .every(0.5)), .invalidSchedule, "at least 1 second"),
            ("zero after", def(schedule: .after(0)), .invalidSchedule, "must be positive"),
            ("past at", def(schedule: .at(at(-1))), .invalidSchedule, "not in the future"),
            ("no target", def(target: TargetSpec()), .invalidTarget, "exactly one of service or topic"),
            ("both targets", def(target: TargetSpec(service: "a.b", topic: "c.d")), .invalidTarget, "exactly one"),
            ("wildcard", def(target: .topic("user.*")), .invalidTarget, "wildcards"),
            ("empty token", def(target: .service("a..b")), .invalidTarget, "non-empty tokens"),
            ("reserved", def(target: .service("plexus.tasks")), .invalidTarget, "reserved"),
            ("mmi", def(target: .service("mmi.service")), .invalidTarget, "reserved"),
            (
                "fan-out on topic", def(target: TargetSpec(fanOut: "all", topic: "a.b")), .invalidTarget,
                "fan_out and plugin only apply"
            ),
            ("unknown fan-out", def(target: .service("a.b", fanOut: "some")), .invalidPolicy, "unknown fan_out 'some'"),
            ("unknown concurrency", def(concurrency: "queue"), .invalidPolicy, "unknown concurrency 'queue'"),
            ("unknown misfire", def(misfire: "all"), .invalidPolicy, "unknown misfire 'all'"),
            ("zero timeout", def(timeout: 0), .invalidLimit, "timeout"),
            ("negative retries", def(retries: -1), .invalidLimit, "retries -1"),
            ("zero backoff", def(backoff: 0), .invalidLimit, "retry_backoff"),
            ("backoff max below backoff", maxBackoff, .invalidLimit, "retry_backoff_max"),
            ("max_runs 0", def(maxRuns: 0), .invalidLimit, "max_runs 0 must be at least 1"),
            ("negative deadline", def(deadline: -1), .invalidLimit, "starting_deadline"),
            ("window reversed", def(startAt: at(100), endAt: at(50)), .invalidWindow, "is not after start_at"),
            ("window over", def(endAt: at(-5)), .invalidWindow, "already past"),
        ]
    }()

    @Test(arguments: bad)
    func rejects(name: String, definition: TaskDefinition, kind: TaskError.Kind, fragment: String) {
        var s = TaskScheduler()
        #expect {
            try s.add(definition, now: t0)
        } throws: { error in
            guard let error = error as? TaskError else { return false }
            return error.kind == kind && error.message.contains(fragment)
        }
        #expect(s.tasks.isEmpty)
    }

    @Test func duplicateID() throws {
        var s = try scheduler(def())
        #expect(throws: TaskError(.duplicateTask, "task 'job' already exists")) { try s.add(def(), now: t0) }
    }

    @Test func unknownTaskAndRun() throws {
        var s = TaskScheduler()
        #expect(throws: TaskError(.unknownTask, "no task 'nope'")) { try s.trigger("nope", now: t0) }
        #expect(throws: TaskError(.unknownRun, "no run 'nope#1' in flight")) {
            try s.runFinished("nope#1", results: [:], now: t0)
        }
    }
}

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
            ("max_runs 0", def(maxRuns: 0), .invalidLimit, "max_runs 0 must be from 1 to 2147483648"),
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

    /// One case per number (and bounded text) of a definition: out of range, the error names the field
    /// and its limit, and nothing traps however large the value.
    static let outOfRange: [(String, TaskDefinition, TaskError.Kind, String)] = {
        let tenYears = TaskValidator.maxDurationSeconds
        let long = String(repeating: "x", count: 300)
        func with(_ change: (inout TaskDefinition) -> Void) -> TaskDefinition {
            var definition = def()
            change(&definition)
            return definition
        }
        return [
            ("every", def(schedule: .every(tenYears + 1)), .invalidSchedule, "every 315360001.0s is longer than 10 years"),
            ("every huge", def(schedule: .every(1e300)), .invalidSchedule, "every 1e+300s is longer than 10 years"),
            ("after", def(schedule: .after(1e300)), .invalidSchedule, "after 1e+300s is longer than 10 years"),
            ("at", def(schedule: .at(Date(timeIntervalSince1970: 1e300))), .invalidSchedule, "at 1e+300s since 1970 is outside"),
            ("timeout", def(timeout: 1e12), .invalidLimit, "timeout 1000000000000.0s is longer than 10 years"),
            ("timeout infinite", def(timeout: .infinity), .invalidLimit, "timeout inf"),
            ("retries", def(retries: 1_001), .invalidLimit, "retries 1001 must be from 0 to 1000"),
            ("retries max", def(retries: .max), .invalidLimit, "retries \(Int.max) must be from 0 to 1000"),
            ("retry_backoff", def(backoff: tenYears * 2), .invalidLimit, "retry_backoff 630720000.0s is longer than 10 years"),
            (
                "retry_backoff_max", with { $0.retryBackoffMax = 1e300 }, .invalidLimit,
                "retry_backoff_max 1e+300s is longer than 10 years"
            ),
            ("starting_deadline", def(deadline: 1e300), .invalidLimit, "starting_deadline 1e+300s is longer than 10 years"),
            ("max_runs", def(maxRuns: (1 << 31) + 1), .invalidLimit, "max_runs 2147483649 must be from 1 to 2147483648"),
            ("max_runs max", def(maxRuns: .max), .invalidLimit, "max_runs \(Int.max) must be from 1"),
            (
                "start_at", def(startAt: Date(timeIntervalSince1970: 1e18)), .invalidWindow,
                "start_at 1e+18s since 1970 is outside"
            ),
            ("end_at", def(endAt: Date(timeIntervalSince1970: -1)), .invalidWindow, "end_at -1.0s since 1970 is outside"),
            ("cron", def(schedule: .cron(long)), .invalidSchedule, "cron 'xxxxx"),
            ("time_zone", def(schedule: .cron("* * * * *", timeZone: long)), .invalidSchedule, "time_zone 'xxx"),
            ("service", def(target: .service(long)), .invalidTarget, "service 'xxx"),
            ("topic", def(target: .topic(long)), .invalidTarget, "topic 'xxx"),
            ("plugin", def(target: .service("a.b", plugin: long)), .invalidTarget, "plugin 'xxx"),
            ("fan_out", def(target: .service("a.b", fanOut: long)), .invalidPolicy, "fan_out 'xxx"),
            ("concurrency", def(concurrency: long), .invalidPolicy, "unknown concurrency 'xxx"),
            ("misfire", def(misfire: long), .invalidPolicy, "unknown misfire 'xxx"),
        ]
    }()

    @Test(arguments: outOfRange)
    func rangeChecked(name: String, definition: TaskDefinition, kind: TaskError.Kind, fragment: String) {
        var s = TaskScheduler()
        #expect {
            try s.add(definition, now: t0)
        } throws: { error in
            guard let error = error as? TaskError else { return false }
            // Long values are quoted shortened: the message stays readable.
            return error.kind == kind && error.message.contains(fragment) && error.message.count < 200
        }
        // The same checks guard a definition restored from a database (no time-dependent checks).
        #expect(throws: TaskError.self) { try definition.validate(now: nil) }
    }

    @Test("the limits themselves are accepted")
    func limitsAccepted() throws {
        let tenYears = TaskValidator.maxDurationSeconds
        var definition = def(
            schedule: .every(tenYears), timeout: tenYears, retries: TaskValidator.maxRetries, backoff: tenYears,
            deadline: tenYears, startAt: Date(timeIntervalSince1970: 0), endAt: Date(timeIntervalSince1970: 253_402_300_799),
            maxRuns: 1 << 31)
        definition.retryBackoffMax = tenYears
        var s = TaskScheduler()
        try s.add(definition, now: t0)
        try s.add(def("once", schedule: .after(tenYears)), now: t0)
        #expect(s.tasks.count == 2)
    }

    @Test("counters restored from a database at their extremes do not trap")
    func extremeRuntime() throws {
        var runtime = TaskRuntime(reference: t0)
        runtime.runCount = .max
        runtime.failureCount = .max
        runtime.runSequence = .max
        runtime.pendingRetries = [PendingRetry(scheduledAt: t0, attempt: .min, dueAt: at(1))]
        let task = try ScheduledTask(restoring: def(retries: 2), runtime: runtime)
        var s = TaskScheduler(restoring: [task])
        let runs = s.tick(now: at(10)).started
        #expect(!runs.isEmpty)
        for run in runs { _ = try s.runFinished(run.runID, results: ["w": .failure("no")], now: at(11)) }
        #expect(s.tasks["job"]?.runtime.runCount == .max && s.tasks["job"]?.runtime.failureCount == .max)

        // A stored instant no date arithmetic could handle makes the row unreadable instead.
        var damaged = TaskRuntime(reference: t0)
        damaged.pendingRetries = [PendingRetry(scheduledAt: Date(timeIntervalSince1970: 1e300), attempt: 2, dueAt: at(1))]
        #expect {
            try ScheduledTask(restoring: def(retries: 2), runtime: damaged)
        } throws: { error in
            (error as? TaskError)?.message.contains("stored pending_retries.scheduled_at 1e+300s") == true
        }
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

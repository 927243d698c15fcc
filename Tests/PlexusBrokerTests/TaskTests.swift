import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

@Suite("Scheduled tasks (live broker and plugins)", .serialized)
struct TaskTests {
    /// `instances` of the test plugin, each handling up to 4 requests at once, plus `tasks`.
    static func topology(instances: Int, tasks: String) -> String {
        """
        plugins:
          svc:
            command: [\(yamlQuoted(Paths.testPlugin))]
            instances: \(instances)
            env: { TEST_CONCURRENCY: "4" }
        tasks:
        \(tasks)
        """
    }

    @Test("a topology task fans out to three instances, waits for the slow one and records each result")
    func fanOut() throws {
        let broker = try TestBroker(
            topology: Self.topology(
                instances: 3,
                tasks: """
                      sweep:
                        every: 1s
                        max_runs: 1
                        service: test.task
                        fan_out: all
                        timeout: 10s
                        payload: { sleep_ms: { svc-2: 1500 }, fail: [svc-3] }
                      stuck:
                        cron: "0 0 1 1 *"
                        service: test.task
                        fan_out: all
                        timeout: 1s
                        payload: { sleep_ms: { svc-1: 5000 } }
                    """))
        defer { broker.stop() }
        let events = try broker.subscriber(["plexus.task.>"])
        try broker.waitForSubscriptions(1)
        try broker.waitForRunning("svc")

        let sweep = try broker.waitForTask("sweep") { $0.state == "failed" }
        #expect(sweep.origin == "topology" && sweep.runCount == 1 && sweep.failureCount == 1)
        let run = try #require(sweep.history?.last)
        #expect(run.runID == "sweep#1" && run.outcome == "failed" && run.attempt == 1)
        #expect(run.instances["svc-1"]?.status == "success" && run.instances["svc-1"]?.message == "svc-1 ran sweep#1 (attempt 1)")
        #expect(run.instances["svc-2"]?.status == "success")
        #expect(run.instances["svc-3"]?.status == "failure" && run.instances["svc-3"]?.message == "svc-3 failed on purpose")
        #expect(run.error == "svc-3: svc-3 failed on purpose")
        // The run waited for the slow instance.
        #expect((run.duration ?? 0) >= 1.4)
        #expect(sweep.lastError == "svc-3: svc-3 failed on purpose")

        // An instance that does not answer in time counts as timed out; the others still count.
        let client = try broker.client()
        _ = try client.tasks(.trigger, "stuck")
        let stuck = try broker.waitForTask("stuck") { $0.history?.isEmpty == false }
        let timedOut = try #require(stuck.history?.last)
        #expect(timedOut.outcome == "timed_out")
        #expect(timedOut.instances["svc-1"]?.status == "timed_out")
        #expect(timedOut.instances["svc-2"]?.status == "success" && timedOut.instances["svc-3"]?.status == "success")
        #expect(stuck.state == "pending" && stuck.failureCount == 1)

        var topics: [String] = []
        while let event = try events.next(timeout: 1) {
            topics.append(event.topic)
            if topics.count >= 4 { break }
        }
        #expect(topics == ["plexus.task.started", "plexus.task.failed", "plexus.task.started", "plexus.task.failed"])
    }

    @Test("forbid skips a fire while the previous run goes on; replace cancels it")
    func concurrencyPolicies() throws {
        let broker = try TestBroker(
            topology: Self.topology(
                instances: 1,
                tasks: """
                      careful:
                        every: 1s
                        concurrency: forbid
                        service: test.task
                        payload: { sleep_ms: { svc-1: 2500 } }
                      eager:
                        every: 1s
                        concurrency: replace
                        service: test.task
                        payload: { sleep_ms: { svc-1: 2500 } }
                    """))
        defer { broker.stop() }
        let careful = try broker.waitForTask("careful") { task in task.history?.contains { $0.outcome == "skipped" } == true }
        let skipped = try #require(careful.history?.first { $0.outcome == "skipped" })
        #expect(skipped.error?.contains("still running (concurrency forbid)") == true)
        let eager = try broker.waitForTask("eager") { task in task.history?.contains { $0.outcome == "canceled" } == true }
        let canceled = try #require(eager.history?.first { $0.outcome == "canceled" })
        #expect(canceled.error?.contains("replaced by the run scheduled at") == true)
        #expect(eager.running.count == 1)
    }

    @Test("tasks added over the CLI: list --json, pause, resume, trigger, cancel and max_runs")
    func commands() throws {
        let broker = try TestBroker(topology: Self.topology(instances: 1, tasks: "  {}"))
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        func plexus(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try runPlexus(["tasks"] + arguments + ["--broker", broker.control])
        }
        let added = try plexus(["add", "yearly", "--cron", "0 0 1 1 *", "--service", "test.task", "--payload", "{}"])
        #expect(added.status == 0 && added.stdout.hasPrefix("added yearly: next run "))
        #expect(try plexus(["add", "twice", "--every", "1s", "--service", "test.task", "--max-runs", "2"]).status == 0)

        let triggered = try plexus(["trigger", "yearly", "--json"])
        #expect(triggered.status == 0)
        let afterTrigger = try broker.waitForTask("yearly") { $0.history?.last?.outcome == "succeeded" }
        #expect(afterTrigger.runCount == 1 && afterTrigger.state == "pending")
        #expect(afterTrigger.history?.last?.instances["svc-1"]?.message == "svc-1 ran yearly#1 (attempt 1)")

        #expect(try plexus(["pause", "yearly"]).stdout.hasPrefix("yearly (runtime): paused"))
        #expect(try plexus(["resume", "yearly"]).stdout.hasPrefix("yearly (runtime): pending"))
        #expect(try plexus(["cancel", "yearly"]).stdout.hasPrefix("yearly (runtime): canceled"))
        let late = try plexus(["trigger", "yearly"])
        #expect(late.status != 0 && late.stderr.contains("cannot trigger task 'yearly': it is canceled"))

        let twice = try broker.waitForTask("twice") { $0.state == "completed" }
        #expect(twice.runCount == 2 && twice.failureCount == 0 && twice.nextRun == nil)

        let listed = try plexus(["list", "--json"])
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(objects.map { $0["id"] as? String } == ["twice", "yearly"])
        for object in objects {
            for key in ["id", "state", "run_count", "failure_count", "next_run"] { #expect(object.keys.contains(key)) }
            #expect(object["history"] == nil)
        }
        #expect(objects.first?["state"] as? String == "completed" && objects.last?["state"] as? String == "canceled")
        #expect(try plexus(["remove", "twice"]).stdout == "removed twice\n")
        #expect(try plexus(["list"]).stdout.contains("twice") == false)
    }

    @Test("a task added at run time, its counters and history survive a restart; misfires catch up once or are skipped")
    func persistenceAndMisfire() throws {
        let directory = try TestDirectory.make()
        let data = directory.appendingPathComponent("data").path
        var broker = try TestBroker(directory: directory, arguments: ["--data", data])
        var client = try broker.client()
        try client.addTask(["id": "catchup", "every": "2s", "topic": "demo.catchup", "misfire": "run_once"])
        try client.addTask(["id": "skipper", "every": "2s", "topic": "demo.skipper"])
        let before = try broker.waitForTask("catchup") { $0.runCount >= 1 }
        broker.stop()

        // The downtime is what is under test: it has to pass in real time, longer than two intervals.
        Thread.sleep(forTimeInterval: 4.5)
        let restartedAt = Date()
        broker = try TestBroker(directory: directory, arguments: ["--data", data])
        defer { broker.stop() }
        client = try broker.client()
        let catchup = try broker.waitForTask("catchup") { task in
            task.history?.contains { Self.started($0, after: restartedAt) } == true
        }
        #expect(catchup.origin == "runtime" && catchup.runCount > before.runCount)
        // The earlier runs are still in the history, and the catch-up belongs to a fire missed in the downtime.
        #expect(catchup.history?.contains { $0.runID == before.history?.last?.runID } == true)
        let caughtUp = try #require(catchup.history?.first { Self.started($0, after: restartedAt) })
        #expect(caughtUp.outcome == "succeeded")
        #expect((TaskReport.date(caughtUp.scheduledAt) ?? .distantFuture) < restartedAt)

        let skipper = try broker.waitForTask("skipper") { task in task.history?.contains { $0.outcome == "skipped" } == true }
        let skip = try #require(skipper.history?.first { $0.outcome == "skipped" })
        #expect(skip.error?.contains("(misfire skip)") == true && skip.error?.contains("missed") == true)
    }

    @Test("topology tasks are reconciled with the database on start and on apply")
    func reconciliation() throws {
        let directory = try TestDirectory.make()
        var broker = try TestBroker(
            topology: "tasks:\n  keep: { every: 1s, topic: demo.keep }\n  drop: { every: 1h, topic: demo.drop }\n",
            directory: directory)
        var client = try broker.client()
        let kept = try broker.waitForTask("keep") { $0.runCount >= 2 }
        _ = try client.tasks(.pause, "keep")
        try client.addTask(["id": "mine", "every": "1h", "topic": "demo.mine"])
        broker.stop()

        // Same database, a new file: `keep` unchanged (still paused, counters and history kept), `drop`
        // gone, `fresh` new; the run-time task stays.
        broker = try TestBroker(
            topology: "tasks:\n  keep: { every: 1s, topic: demo.keep }\n  fresh: { every: 1h, topic: demo.fresh }\n",
            directory: directory)
        defer { broker.stop() }
        client = try broker.client()
        var tasks = try client.tasks(.list, as: [TaskReport].self)
        #expect(tasks.map(\.id) == ["fresh", "keep", "mine"])
        let keep = try #require(tasks.first { $0.id == "keep" })
        #expect(keep.state == "paused" && keep.runCount >= kept.runCount && keep.origin == "topology")
        #expect(tasks.first { $0.id == "mine" }?.origin == "runtime")

        // apply: a changed definition keeps the counters and runs again; a task left out is removed.
        let file = directory.appendingPathComponent("changed.yaml")
        try "tasks:\n  keep: { every: 2s, topic: demo.keep, max_runs: 100 }\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try runPlexus(["apply", file.path, "--broker", broker.control]).status == 0)
        tasks = try client.tasks(.list, as: [TaskReport].self)
        #expect(tasks.map(\.id) == ["keep", "mine"])
        let redefined = try #require(tasks.first { $0.id == "keep" })
        #expect(redefined.state == "paused" && redefined.runCount == keep.runCount)
        _ = try client.tasks(.resume, "keep")
        try broker.waitForTask("keep") { $0.runCount > keep.runCount }
    }

    static func started(_ run: TaskReport.Run, after date: Date) -> Bool {
        (TaskReport.date(run.startedAt) ?? .distantPast) >= date.addingTimeInterval(-0.5)
    }

    @Test("bad task definitions and commands get clear errors; the broker keeps its tasks and counts them")
    func badInput() throws {
        let broker = try TestBroker(
            topology: Self.topology(
                instances: 1,
                tasks: """
                      declared: { cron: "@hourly", topic: demo.hourly }
                    """))
        defer { broker.stop() }
        let client = try broker.client()
        let base: [String: Any] = ["id": "t", "every": "10s", "service": "x.y"]
        let cases: [([String: Any], String)] = [
            (["id": "t", "cron": "61 * * * *", "service": "x.y"], "cron field 'minute': value 61 out of range 0–59"),
            (["id": "t", "cron": "* * * * *", "time_zone": "Mars/Olympus", "service": "x.y"], "Mars/Olympus"),
            (["id": "t", "cron": "@fortnightly", "service": "x.y"], "@fortnightly"),
            (["id": "t", "cron": "* * * *", "service": "x.y"], "fields"),
            (["id": "t", "cron": "* * * * *", "every": "5s", "service": "x.y"], "exactly one of cron, every, at, after"),
            (["id": "t", "every": "10s"], "exactly one of service or topic"),
            (["id": "t", "every": "5 parsecs", "service": "x.y"], "t.every: must be a duration"),
            (["id": "t", "at": "yesterday", "service": "x.y"], "t.at: must be an RFC 3339 time"),
            (["id": "t", "at": "2001-01-01T00:00:00Z", "service": "x.y"], "is not in the future"),
            (base.merging(["service": "plexus.tasks"]) { $1 }, "reserved"),
            (base.merging(["concurrency": "sometimes"]) { $1 }, "unknown concurrency 'sometimes'"),
            (base.merging(["misfire": "later"]) { $1 }, "unknown misfire 'later'"),
            (base.merging(["fan_out": "most"]) { $1 }, "unknown fan_out 'most'"),
            (base.merging(["retries": -1]) { $1 }, "retries -1 must be from 0 to 1000"),
            (base.merging(["retries": 5_000]) { $1 }, "retries 5000 must be from 0 to 1000"),
            (base.merging(["max_runs": 0]) { $1 }, "max_runs 0 must be from 1 to 2147483648"),
            (base.merging(["max_runs": 1 << 40]) { $1 }, "max_runs 1099511627776 must be from 1 to 2147483648"),
            (base.merging(["timeout": "4000d"]) { $1 }, "t.timeout: is out of range: a duration must be from 0 to 10 years"),
            (base.merging(["every": "99999999d"]) { $1 }, "every"),
            (base.merging(["color": "blue"]) { $1 }, "t.color: unknown key"),
            (base.merging(["id": "no spaces"]) { $1 }, "may only contain letters"),
            (["every": "10s", "service": "x.y"], "id: is required"),
        ]
        for (definition, fragment) in cases {
            let error = rejection { try client.addTask(definition) }
            #expect(error?.code == 400, "\(definition)")
            #expect(error?.message.contains(fragment) == true, "\(definition): \(error?.message ?? "no error")")
        }
        #expect(rejection { _ = try client.tasks(.add, "not json {") }?.code == 400)
        try client.addTask(base)
        #expect(rejection { try client.addTask(base) }?.code == 409)
        #expect(rejection { _ = try client.tasks(.show, "nope") }?.code == 404)
        #expect(rejection { _ = try client.tasks(.pause, "nope") }?.message == "no task 'nope'")
        #expect(rejection { _ = try client.tasks(.remove, "declared") }?.code == 409)
        _ = try client.tasks(.pause, "t")
        #expect(rejection { _ = try client.tasks(.pause, "t") }?.code == 409)

        let tasks = try client.tasks(.list, as: [TaskReport].self)
        #expect(tasks.map(\.id) == ["declared", "t"] && tasks.last?.state == "paused")
        #expect(try client.stats().malformed["tasks", default: 0] >= UInt64(cases.count))

        // A bad task in a topology file is reported with its key path, before anything starts.
        let file = broker.directory.appendingPathComponent("bad.yaml")
        try "tasks:\n  nightly: { cron: \"0 25 * * *\", service: db.vacuum }\n".write(to: file, atomically: true, encoding: .utf8)
        let check = try runPlexus(["check", file.path])
        #expect(check.status != 0 && check.stderr.contains("tasks.nightly.schedule: cron field 'hour'"))
    }
}

@Suite("The example mesh's scheduled task (live)", .serialized)
struct ExampleTaskTests {
    @Test("topology.yaml's housekeeping task fans out to every example plugin, Swift and Python")
    func housekeeping() throws {
        // The repository's file, with the plugins' paths made absolute and the schedule every 2 s.
        let text = try String(contentsOf: Paths.root.appendingPathComponent("topology.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "[.build/debug/greeter]", with: "[\(yamlQuoted(Paths.greeter))]")
            .replacingOccurrences(of: "plugins/audit/audit.py", with: Paths.auditPlugin)
            .replacingOccurrences(of: "\"*/10 * * * * *\"", with: "\"*/2 * * * * *\"")
            // The plain web server on a free port, serving this test's directory.
            .replacingOccurrences(of: "7780", with: String(try ProbeTests.freePort()))
            .replacingOccurrences(of: "--directory, docs", with: "--directory, .")
            .replacingOccurrences(
                of: "[python3, -m, http.server",
                with: "[\(Paths.pythonCommand), -m, http.server")
        #expect(text.contains(Paths.greeter) && text.contains(Paths.auditPlugin) && text.contains("*/2 * * * * *"))
        let broker = try TestBroker(topology: text)
        defer { broker.stop() }
        let task = try broker.waitForTask("housekeeping", timeout: 30) { task in
            task.history?.contains { $0.outcome == "succeeded" } == true
        }
        let run = try #require(task.history?.first { $0.outcome == "succeeded" })
        #expect(Set(run.instances.keys) == ["audit-1", "greeter-1"])
        #expect(run.instances["audit-1"]?.message?.hasPrefix("audit: ") == true)
        #expect(run.instances["greeter-1"]?.message?.hasPrefix("greeter: ") == true)
        #expect(task.origin == "topology" && task.nextRun != nil)
    }
}

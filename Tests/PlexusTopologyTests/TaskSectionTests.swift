import Foundation
import PlexusTasks
import PlexusTopology
import Testing

@Suite("topology.yaml tasks: section and TASKS ADD definitions")
struct TaskSectionTests {
    @Test("entries become definitions: durations, times, payload forms, defaults")
    func parsesEntries() throws {
        let topology = try Topology.parse(
            """
            broker: { data: state }
            tasks:
              b-report:
                cron: "30 2 * * 1-5"
                time_zone: Europe/Paris
                service: reports.build
                fan_out: all
                plugin: reports
                payload: { full: true, sizes: [1, 2] }
                timeout: 1m30s
                retries: 3
                retry_backoff: 500ms
                misfire: run_once
                starting_deadline: 2h
                max_runs: 7
              a-warm:
                every: 10
                start_at: 2030-01-01T00:00:00Z
                end_at: "2030-01-02T00:00:00.250Z"
                topic: cache.warm
                payload: hello
                concurrency: replace
            """, baseDirectory: "/srv/mesh")
        #expect(topology.broker.data == "/srv/mesh/state")
        #expect(topology.tasks.map(\.id) == ["a-warm", "b-report"])
        let warm = topology.tasks[0]
        #expect(warm.schedule == .every(10) && warm.target == .topic("cache.warm") && warm.payload == "hello")
        #expect(warm.startAt == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(warm.endAt == Date(timeIntervalSince1970: 1_893_542_400.25))
        #expect(warm.concurrency == "replace" && warm.timeout == 60 && warm.retries == 0)
        let report = topology.tasks[1]
        #expect(report.schedule == .cron("30 2 * * 1-5", timeZone: "Europe/Paris"))
        #expect(report.target == .service("reports.build", fanOut: "all", plugin: "reports"))
        #expect(report.payload == #"{"full":true,"sizes":[1,2]}"#)
        #expect(report.timeout == 90 && report.retries == 3 && report.retryBackoff == 0.5)
        #expect(report.misfire == "run_once" && report.startingDeadline == 7200 && report.maxRuns == 7)
    }

    static let invalid: [(String, String, String, String)] = [
        ("unknown key", "tasks:\n  t: { every: 5s, service: a.b, colour: red }", "tasks.t.colour", "unknown key"),
        ("not a mapping", "tasks:\n  t: 5", "tasks.t", "must be a mapping"),
        ("bad duration", "tasks:\n  t: { every: soon, service: a.b }", "tasks.t.every", "must be a duration"),
        ("bad time", "tasks:\n  t: { at: tomorrow, service: a.b }", "tasks.t.at", "RFC 3339"),
        ("bad cron", "tasks:\n  t: { cron: \"0 25 * * *\", service: a.b }", "tasks.t.schedule", "cron field 'hour'"),
        (
            "bad zone", "tasks:\n  t: { cron: \"@daily\", time_zone: Nowhere/City, service: a.b }", "tasks.t.schedule",
            "Nowhere/City"
        ),
        ("two schedules", "tasks:\n  t: { cron: \"@daily\", every: 5s, service: a.b }", "tasks.t.schedule", "exactly one"),
        ("no target", "tasks:\n  t: { every: 5s }", "tasks.t.target", "exactly one of service or topic"),
        ("reserved", "tasks:\n  t: { every: 5s, topic: plexus.task.x }", "tasks.t.target", "reserved"),
        ("plugin on topic", "tasks:\n  t: { every: 5s, topic: a.b, plugin: x }", "tasks.t.target", "only apply to a service"),
        ("bad plugin", "tasks:\n  t: { every: 5s, service: a.b, plugin: \"a b\" }", "tasks.t.target", "not a plugin name"),
        ("bad policy", "tasks:\n  t: { every: 5s, service: a.b, misfire: never }", "tasks.t", "unknown misfire 'never'"),
        ("bad retries", "tasks:\n  t: { every: 5s, service: a.b, retries: lots }", "tasks.t.retries", "whole number"),
        ("bad id", "tasks:\n  \"a b\": { every: 5s, service: a.b }", "tasks.a b.id", "may only contain"),
        (
            "window", "tasks:\n  t: { every: 5s, service: a.b, start_at: 2030-01-02T00:00:00Z, end_at: 2030-01-01T00:00:00Z }",
            "tasks.t", "is not after start_at"
        ),
        ("section", "tasks: [a, b]", "tasks", "must be a mapping"),
        ("max_tasks zero", "broker: { max_tasks: 0 }", "broker.max_tasks", "from 1 to 1000000"),
        ("max_tasks huge", "broker: { max_tasks: 2000000 }", "broker.max_tasks", "from 1 to 1000000"),
        (
            "more than max_tasks",
            "broker: { max_tasks: 1 }\ntasks:\n  a: { every: 5s, topic: a.b }\n  b: { every: 5s, topic: a.b }",
            "tasks", "declares 2 tasks, more than broker.max_tasks (1)"
        ),
        (
            "retries out of range", "tasks:\n  t: { every: 5s, service: a.b, retries: 1001 }", "tasks.t",
            "retries 1001 must be from 0 to 1000"
        ),
    ]

    @Test("broker.max_tasks is read; absent, the broker's default applies")
    func maxTasks() throws {
        #expect(try Topology.parse("broker: { max_tasks: 250 }").broker.maxTasks == 250)
        #expect(try Topology.parse("broker: { control: \"tcp://127.0.0.1:7700\" }").broker.maxTasks == nil)
        #expect(Topology.BrokerSection.defaultMaxTasks == 10_000)
    }

    @Test("bad entries name the task, the key and the problem", arguments: invalid.indices)
    func rejects(index: Int) {
        let (name, text, path, fragment) = Self.invalid[index]
        let error = #expect(throws: TopologyError.self, "\(name)") { try Topology.parse(text, file: "t.yaml") }
        #expect(error?.path == path, "\(name): \(String(describing: error))")
        #expect(error?.message.contains(fragment) == true, "\(name): \(String(describing: error))")
    }

    @Test("TASKS ADD takes JSON with an id; errors start with the id")
    func parsesDefinitions() throws {
        let definition = try TaskEntryParser.parse(definition: #"{"id": "x", "after": "2s", "service": "a.b", "payload": "p"}"#)
        #expect(definition.id == "x" && definition.schedule == .after(2) && definition.payload == "p")
        #expect(
            #expect(throws: TopologyError.self) { try TaskEntryParser.parse(definition: "[1]") }?.message
                == "must be a JSON object")
        #expect(
            #expect(throws: TopologyError.self) { try TaskEntryParser.parse(definition: #"{"every": "1s"}"#) }?.path == "id")
        let error = #expect(throws: TopologyError.self) {
            try TaskEntryParser.parse(definition: #"{"id": "x", "every": "1s", "service": "a.b", "retries": -2}"#)
        }
        #expect(error?.path == "x" && error?.message == "retries -2 must be from 0 to 1000")
    }

    @Test("the repository's topology.yaml declares the example task")
    func exampleTask() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let topology = try Topology.load(path: root.appendingPathComponent("topology.yaml").path)
        let task = try #require(topology.tasks.first { $0.id == "housekeeping" })
        #expect(task.target == .service("housekeeping", fanOut: "all", plugin: "example"))
        // Every plugin that speaks Plexus is an example plugin; the plain web server is not one.
        #expect(topology.plugins.filter { !$0.plainProcess }.allSatisfy { $0.type == "example" })
        #expect(topology.plugins.contains { $0.plainProcess && $0.health.probe != nil })
    }
}

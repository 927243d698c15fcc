import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// The CLI's one output contract, against a real broker: `--json` everywhere with the protocol's types,
/// tables that fit 100 columns, human durations and times, colour only on request or a terminal, µs
/// latencies, `status NAME` exit codes, `publish --count`, `logs --all/--since/-n`, and the broker's log.
@Suite("CLI output contract (live)", .serialized)
struct OutputContractTests {
    static let topology = """
        plugins:
          app:
            command: [\(Paths.testPlugin)]
          ticker:
            protocol: none
            command: [/bin/sh, -c, "echo ticker up; while true; do echo tick; sleep 0.2; done"]
        tasks:
          hourly:
            every: 1h
            service: test.task
          nightly-report-for-the-operations-team-with-a-long-name:
            cron: "0 3 * * mon,tue,wed,thu,fri"
            time_zone: Europe/Paris
            service: test.task
        """

    static func broker() throws -> TestBroker {
        let broker = try TestBroker(topology: topology)
        _ = try broker.waitForRunning("app")
        _ = try broker.waitForRunning("ticker")
        return broker
    }

    func plexus(_ broker: TestBroker, _ arguments: [String], environment: [String: String] = [:]) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try TestProcess.run(Paths.plexus, arguments + ["--broker", broker.control], environment: environment)
    }

    @Test("every printing command takes --json (and -o json) and prints the protocol's reply types")
    func json() throws {
        let broker = try Self.broker()
        defer { broker.stop() }
        func decode<T: Decodable>(_ type: T.Type, _ arguments: [String]) throws -> T {
            let result = try plexus(broker, arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return try JSONCoding.decode(T.self, from: Array(result.stdout.utf8), what: arguments.joined(separator: " "))
        }
        #expect(try decode([InstanceInfo].self, ["status", "--json"]).count == 2)
        #expect(try decode([InstanceInfo].self, ["status", "app", "-o", "json"]).map(\.name) == ["app"])
        #expect(try decode([InstanceInfo].self, ["plugins", "--json"]).contains { $0.name == "app" })
        #expect(try decode(PingReply.self, ["ping", "--json"]).ready == true)
        #expect(try decode(StatsReply.self, ["stats", "--json"]).eventsIn > 0)
        #expect(try decode([ServiceInfo].self, ["services", "--json"]).contains { $0.name == "test.echo" })
        #expect(try decode([TaskReport].self, ["tasks", "list", "--json"]).count == 2)
        #expect(try decode(TaskReport.self, ["tasks", "show", "hourly", "--json"]).id == "hourly")
        #expect(try decode(ReloadReply.self, ["reload", "app", "--json"]).instances == ["app-1"])
        #expect(try decode(EventLogState.self, ["events", "--json"]).headSeq > 0)
        #expect(try decode([InstanceInfo].self, ["restart", "app", "--json"]).first?.state == .running)
        #expect(try decode(PublishReply.self, ["publish", "demo.x", "hi", "--ack", "--json"]).seq > 0)
        let file = broker.directory.appendingPathComponent("topology.yaml").path
        #expect(try decode(ApplyPlan.self, ["diff", file, "--json"]).changesNothing)
        let check = try TestProcess.run(Paths.plexus, ["check", file, "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        #expect(check.status == 0 && report?["ok"] as? Bool == true && report?["plugins"] as? Int == 2, "\(check)")
        let logs = try plexus(broker, ["logs", "ticker", "-n", "3", "--json"])
        let lines = try logs.stdout.split(separator: "\n").map {
            try JSONCoding.decode(LogLine.self, from: Array($0.utf8), what: "log line")
        }
        #expect(lines.count == 3 && lines.allSatisfy { $0.plugin == "ticker" && $0.instance == "ticker-1" }, "\(logs)")
    }

    @Test("tables fit 100 columns unless -o wide; durations and times are human, in the task's own zone with --absolute")
    func tablesAndTimes() throws {
        let broker = try Self.broker()
        defer { broker.stop() }
        let table = try plexus(broker, ["tasks", "list"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines.map(\.count))")
        #expect(table.stdout.contains("every 1h") && !table.stdout.contains("3600"), "\(table.stdout)")
        #expect(lines.filter { $0.contains(" in ") }.count == 2, "next runs are relative: \(table.stdout)")
        let wide = try plexus(broker, ["tasks", "list", "-o", "wide"])
        #expect(wide.stdout.contains("TARGET") && wide.stdout.contains("(Europe/Paris)"), "\(wide.stdout)")
        let absolute = try plexus(broker, ["tasks", "list", "--absolute", "-o", "wide"])
        // December in Paris is CET: the cron task's next run is shown at 03:00 +01:00, its own time zone.
        #expect(absolute.stdout.contains("03:00:00 +01:00"), "\(absolute.stdout)")
        #expect(absolute.stdout.contains("+00:00"), "the UTC task stays in UTC: \(absolute.stdout)")
        let status = try plexus(broker, ["status"])
        #expect(status.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test("colour only on a terminal or when forced, never with NO_COLOR")
    func colour() throws {
        let broker = try Self.broker()
        defer { broker.stop() }
        let escape = "\u{1B}["
        #expect(try !plexus(broker, ["status"]).stdout.contains(escape))
        #expect(
            try plexus(broker, ["status"], environment: ["PLEXUS_FORCE_COLOR": "1", "NO_COLOR": ""]).stdout.contains(
                escape + "32mrunning"))
        #expect(
            try !plexus(broker, ["status"], environment: ["PLEXUS_FORCE_COLOR": "1", "NO_COLOR": "1"]).stdout.contains(escape))
    }

    @Test("status NAME exits 0 when running, 3 when stopped or unknown")
    func statusExitCode() throws {
        let broker = try Self.broker()
        defer { broker.stop() }
        #expect(try plexus(broker, ["status", "app"]).status == 0)
        #expect(try plexus(broker, ["stop", "app"]).status == 0)
        let stopped = try plexus(broker, ["status", "app"])
        #expect(stopped.status == 3 && stopped.stdout.contains("stopped"), "\(stopped)")
        let unknown = try plexus(broker, ["status", "nope"])
        #expect(unknown.status == 3 && unknown.stderr.contains("no plugin instance named nope"), "\(unknown)")
    }

    @Test("publish --count N sends N events; latency shows at µs precision")
    func publishCountAndLatency() throws {
        let broker = try Self.broker()
        defer { broker.stop() }
        let published = try plexus(broker, ["publish", "demo.count", "x", "--count", "3", "--ack", "--json"])
        let seqs = try published.stdout.split(separator: "\n").map {
            try JSONCoding.decode(PublishReply.self, from: Array($0.utf8), what: "seq").seq
        }
        #expect(seqs.count == 3 && seqs == seqs.sorted() && Set(seqs).count == 3, "\(published)")
        #expect(try plexus(broker, ["call", "test.echo", "hi"]).status == 0)
        let services = try plexus(broker, ["services"])
        let echo = try #require(services.stdout.split(separator: "\n").first { $0.hasPrefix("test.echo ") })
        #expect(echo.contains(/\d+µs|\d+\.\d{3}ms/), "\(echo)")
        let stats = try plexus(broker, ["stats"])
        #expect(stats.stdout.contains("demo.count") && stats.stdout.hasPrefix("events in "), "\(stats.stdout)")
    }

    @Test("logs --all interleaves every plugin; -n and --since bound it; a removed plugin's logs stay readable")
    func logs() throws {
        let broker = try Self.broker()
        defer { broker.stop() }
        // The test plugin logs as it starts; the ticker keeps writing.
        #expect(waitUntil(timeout: 10) { (try? plexus(broker, ["logs", "app"]).stdout.isEmpty) == false })
        let all = try plexus(broker, ["logs", "--all", "--json"])
        let lines = try all.stdout.split(separator: "\n").map {
            try JSONCoding.decode(LogLine.self, from: Array($0.utf8), what: "log line")
        }
        #expect(Set(lines.compactMap(\.plugin)) == ["app", "ticker"], "\(all.stdout.prefix(500))")
        #expect(lines.map(\.seq) == lines.map(\.seq).sorted(), "interleaved in capture order")
        #expect(try plexus(broker, ["logs", "--all", "-n", "2"]).stdout.split(separator: "\n").count == 2)
        #expect(try plexus(broker, ["logs", "ticker", "--since", "1h"]).stdout.contains("ticker up"))
        #expect(try plexus(broker, ["logs", "ticker", "--since", "2099-01-01T00:00:00Z"]).stdout.isEmpty)
        #expect(try plexus(broker, ["logs", "app", "--all"]).status == 64)

        let without = broker.directory.appendingPathComponent("without-ticker.yaml")
        try "plugins:\n  app:\n    command: [\(Paths.testPlugin)]\n".write(to: without, atomically: true, encoding: .utf8)
        let applied = try plexus(broker, ["apply", without.path])
        #expect(applied.status == 0 && applied.stdout.contains("stop: ticker"), "\(applied)")
        let removed = try plexus(broker, ["logs", "ticker"])
        #expect(removed.status == 0 && removed.stdout.contains("ticker up"), "\(removed)")
    }

    @Test("the broker's log passes plugin lines through once, under the instance, without their own timestamp")
    func brokerLog() throws {
        let directory = try TestDirectory.make()
        defer { TestDirectory.remove(directory) }
        let script = directory.appendingPathComponent("stamp.sh")
        try """
        #!/bin/sh
        echo '2026-12-01 18:23:30,067 INFO plexus: hello from python'
        echo '2026-12-01T18:23:31+0000 info plexus.plugin: instance=stamp-1 plugin=stamp reason=a b [PlexusPlugin] hello from swift'
        exec sleep 1000

        """
        .write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let topology = "plugins:\n  stamp:\n    protocol: none\n    command: [\(script.path)]\n"
        for format in ["text", "json"] {
            let broker = try TestBroker(topology: topology, directory: directory, arguments: ["--log-format", format])
            defer { broker.stop() }
            #expect(waitUntil(timeout: 10) { broker.log.contains("hello from python") })
            let line = try #require(broker.log.split(separator: "\n").first { $0.contains("hello from python") })
            #expect(!line.contains("18:23:30"), "the plugin's own timestamp is dropped: \(line)")
            if format == "text" {
                #expect(line.contains(" stamp-1 | INFO plexus: hello from python") && !line.contains("stream="), "\(line)")
                // A Swift plugin's swift-log line: its level and message, then only the metadata the prefix lacks.
                #expect(broker.log.contains(" stamp-1 | info hello from swift reason=a b\n"), "\(broker.log)")
                let ready = try #require(broker.log.split(separator: "\n").first { $0.contains("broker ready") })
                #expect(ready.contains("info   broker ready broker=") && !ready.contains("[PlexusBroker]"), "\(ready)")
            } else {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(
                    object?["instance"] as? String == "stamp-1"
                        && object?["message"] as? String == "INFO plexus: hello from python")
                #expect(
                    broker.log.split(separator: "\n").allSatisfy {
                        (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil
                    },
                    "every line is JSON")
            }
        }
    }

    @Test("status --watch --json prints one array per lifecycle change; top --json one frame per interval")
    func liveViewsAsJSON() throws {
        let broker = try Self.broker()
        defer { broker.stop() }
        let watch = try TestProcess.plexus(["status", "--watch", "--json", "--broker", broker.control], name: "watch")
        defer { watch.stop() }
        func frames() -> [[InstanceInfo]] {
            watch.stdoutLines.compactMap { try? JSONCoding.decode([InstanceInfo].self, from: Array($0.utf8), what: "frame") }
        }
        #expect(waitUntil(timeout: 10) { frames().count >= 1 }, "\(watch.stderr)")
        #expect(try plexus(broker, ["stop", "ticker"]).status == 0)
        #expect(
            waitUntil(timeout: 10) { frames().last?.first { $0.name == "ticker" }?.state == .stopped },
            "\(watch.stdout)\(watch.stderr)")

        let top = try plexus(broker, ["top", "-n", "2", "--interval", "0.2", "--json"])
        #expect(top.status == 0, "\(top.stderr)")
        let objects = top.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(
            objects.count == 2 && objects.allSatisfy { $0["topics"] is [Any] && $0["services"] is [Any] && $0["tasks"] is [Any] })
        let tasks = objects.last?["tasks"] as? [[String: Any]] ?? []
        #expect(Set(tasks.compactMap { $0["task"] as? String }).contains("hourly"), "\(top.stdout)")
    }
}

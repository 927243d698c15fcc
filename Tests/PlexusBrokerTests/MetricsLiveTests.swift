import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

/// The metrics of a real broker with real plugin processes, read through `plexus metrics` (the
/// `METRICS` command, what `GET /metrics` serves).
@Suite("Metrics of a live broker", .serialized)
struct MetricsLiveTests {
    /// The exposition via the CLI.
    func scrape(_ broker: TestBroker) throws -> [Sample] {
        let cli = try runPlexus(["metrics", "--broker", broker.control])
        #expect(cli.status == 0, "\(cli.stderr)")
        return Sample.parse(cli.stdout)
    }

    /// Scrapes until `condition` holds (at most `timeout` seconds); returns the last scrape.
    func scrape(_ broker: TestBroker, timeout: Double = 10, until condition: ([Sample]) -> Bool) throws -> [Sample] {
        let deadline = Date().addingTimeInterval(timeout)
        var samples = try scrape(broker)
        while !condition(samples), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            samples = try scrape(broker)
        }
        return samples
    }

    @Test("events, calls, a task and control requests move their counters; plugins are up with their resources")
    func countersMove() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  svc:
                    command: [\(yamlQuoted(Paths.testPlugin))]
                    config: { fail_flag: /nonexistent }
                tasks:
                  tick: { every: 1s, topic: demo.tick }
                """)
        defer { broker.stop() }
        try broker.waitForRunning("svc")
        let before = try scrape(broker)
        #expect(before.value("plexus_plugin_up", ["plugin": "svc"]) == 1)
        #expect(before.value("plexus_build_info", ["version": PlexusConstants.version]) == 1)

        for n in 0..<5 { _ = try broker.publish("user.created", text: "{\"n\": \(n)}") }
        for n in 0..<3 { _ = try broker.call("test.echo", text: "\(n)") }
        let client = try broker.client()
        #expect(throws: ClientError.self) { _ = try client.call("test.fail", body: []) }

        let after = try scrape(broker) { samples in
            (samples.value("plexus_task_runs_total", ["outcome": "succeeded"]) ?? 0) >= 1
                && (samples.value("plexus_plugin_resident_memory_bytes", ["plugin": "svc"]) ?? 0) > 0
        }
        #expect(after.value("plexus_topic_events_total", ["topic_group": "user"]) == 5)
        #expect((after.value("plexus_events_in_total") ?? 0) >= 5)
        #expect(after.value("plexus_service_requests_total", ["service": "test.echo", "outcome": "ok"]) == 3)
        #expect(after.value("plexus_service_requests_total", ["service": "test.fail", "outcome": "error"]) == 1)
        #expect(after.value("plexus_service_request_duration_seconds_count", ["service": "test.echo"]) == 3)
        let sum = after.value("plexus_service_request_duration_seconds_sum", ["service": "test.echo"]) ?? 0
        #expect(sum > 0 && sum < 3, "three echo calls took \(sum) s")
        #expect(after.value("plexus_service_breaker_state", ["service": "test.echo", "state": "closed"]) == 1)
        #expect((after.value("plexus_task_runs_total", ["outcome": "succeeded"]) ?? 0) >= 1)
        #expect((after.value("plexus_task_schedule_jitter_seconds_count") ?? 0) >= 1)
        #expect((after.value("plexus_control_requests_total", ["command": "CALL"]) ?? 0) >= 4)
        #expect((after.value("plexus_control_requests_total", ["command": "METRICS"]) ?? 0) >= 2)
        #expect((after.value("plexus_broker_loop_lag_seconds_count") ?? 0) >= 1)
        #expect(after.value("plexus_plugins", ["state": "running"]) == 1)
        #expect((after.value("plexus_plugin_threads", ["plugin": "svc"]) ?? 0) >= 1)
        #expect((after.value("plexus_plugin_open_fds", ["plugin": "svc"]) ?? 0) >= 3)
        #expect(after.value("plexus_plugin_cpu_seconds_total", ["plugin": "svc"]) != nil)

        // The same figures in STATUS: the instance's resources.
        let status = try broker.status(of: "svc")
        let resources = try #require(status.first?.resources)
        #expect(resources.rssBytes > 0 && resources.threads >= 1 && resources.openFDs >= 3)

        // A crash and its restart count once for the plugin.
        let oldPID = try #require(status.first?.pid)
        #expect(oldPID > 0 && kill(oldPID, SIGKILL) == 0)
        _ = try broker.waitForInstances("svc") { $0.state == .running && $0.pid != oldPID }
        let restarted = try scrape(broker) { ($0.value("plexus_plugin_restarts_total", ["plugin": "svc"]) ?? 0) >= 1 }
        #expect(restarted.value("plexus_plugin_restarts_total", ["plugin": "svc"]) == 1)
        #expect(restarted.value("plexus_plugin_up", ["plugin": "svc"]) == 1)
    }
}

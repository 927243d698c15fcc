import Foundation
import PlexusProtocol
import Testing

@testable import PlexusBroker

/// One sample line of the Prometheus text format: `name{label="value",…} value`.
struct Sample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double

    /// The samples of an exposition (comment lines skipped). Label values here hold no `,` or `"`.
    static func parse(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }
}

extension [Sample] {
    /// The value of the one sample named `name` with (at least) these labels; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    func named(_ name: String) -> [Sample] { filter { $0.name == name } }
}

@Suite("Broker metrics: exposition, names and label bounds (no sockets)")
struct BrokerMetricsTests {
    static func plugin(_ name: String, running: Int = 1, restarts: [String: Int] = [:]) -> MetricsSnapshot.Plugin {
        MetricsSnapshot.Plugin(name: name, running: running, instances: max(1, running), restarts: restarts, resources: [:])
    }

    @Test("every family is plexus_ prefixed, counters end in _total, histograms in _seconds, build info is 1")
    func names() throws {
        let metrics = BrokerMetrics(version: "9.9.9")
        var snapshot = MetricsSnapshot()
        snapshot.instancesByState = [.running: 2, .failed: 1]
        snapshot.plugins = [Self.plugin("greeter", restarts: ["greeter-1": 2])]
        snapshot.eventsIn = 5
        snapshot.eventsRejected = ["invalid": 1, "denied": 0]
        snapshot.topicGroups = ["user": .init(events: 5, bytes: 50, dropped: 0)]
        snapshot.services = [
            .init(name: "greeter.hello", outcomes: ["ok": 3, "timeout": 1], inFlight: 1, queued: 2, breaker: "open")
        ]
        snapshot.taskRuns = ["succeeded": 4]
        snapshot.controlRequests = ["PING": 7]
        snapshot.clientErrors = ["not_found": 2]
        metrics.apply(snapshot)
        metrics.record([
            .serviceCall(CallTiming(service: "greeter.hello", outcome: .ok, microseconds: 1_250)),
            .taskRun(seconds: 0.5), .scheduleJitter(seconds: 0.002),
        ])
        metrics.recordLoopLag(seconds: 0.003)
        let text = metrics.exposition()
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ") }
        #expect(types.count >= 20)
        for type in types {
            let (name, kind) = (String(type[2]), String(type[3]))
            #expect(name.hasPrefix("plexus_"), "\(name)")
            if kind == "counter" { #expect(name.hasSuffix("_total"), "\(name)") }
            if kind == "histogram" { #expect(name.hasSuffix("_seconds"), "\(name)") }
            if name.hasSuffix("_total") { #expect(kind == "counter", "\(name)") }
        }
        let samples = Sample.parse(text)
        #expect(samples.value("plexus_build_info", ["version": "9.9.9", "swift": BrokerMetrics.swiftVersion]) == 1)
        #expect(samples.value("plexus_plugins", ["state": "running"]) == 2)
        #expect(samples.value("plexus_plugin_up", ["plugin": "greeter"]) == 1)
        #expect(samples.value("plexus_plugin_restarts_total", ["plugin": "greeter"]) == 2)
        #expect(samples.value("plexus_events_in_total") == 5)
        #expect(samples.value("plexus_events_rejected_total", ["reason": "invalid"]) == 1)
        #expect(samples.value("plexus_topic_events_total", ["topic_group": "user"]) == 5)
        #expect(samples.value("plexus_service_requests_total", ["service": "greeter.hello", "outcome": "timeout"]) == 1)
        #expect(samples.value("plexus_service_in_flight", ["service": "greeter.hello"]) == 1)
        #expect(samples.value("plexus_service_queued", ["service": "greeter.hello"]) == 2)
        #expect(samples.value("plexus_service_breaker_state", ["service": "greeter.hello", "state": "open"]) == 1)
        #expect(samples.value("plexus_service_breaker_state", ["service": "greeter.hello", "state": "closed"]) == 0)
        #expect(samples.value("plexus_task_runs_total", ["outcome": "succeeded"]) == 4)
        #expect(samples.value("plexus_control_requests_total", ["command": "PING"]) == 7)
        #expect(samples.value("plexus_client_errors_total", ["error": "not_found"]) == 2)
        // Microsecond resolution: 1.25 ms falls in the 2.5 ms bucket, not the 1 ms one.
        let latency = "plexus_service_request_duration_seconds"
        #expect(samples.value(latency + "_bucket", ["service": "greeter.hello", "le": "0.001"]) == 0)
        #expect(samples.value(latency + "_bucket", ["service": "greeter.hello", "le": "0.0025"]) == 1)
        #expect(samples.value(latency + "_sum", ["service": "greeter.hello"]) == 0.00125)
        #expect(samples.value("plexus_task_run_duration_seconds_count") == 1)
        #expect(samples.value("plexus_task_schedule_jitter_seconds_count") == 1)
        #expect(samples.value("plexus_broker_loop_lag_seconds_count") == 1)
    }

    @Test("topics: at most 50 groups by first token, the rest in _other; the choice is sticky and totals only grow")
    func topicCap() throws {
        let metrics = BrokerMetrics()
        var snapshot = MetricsSnapshot()
        for n in 0..<60 { snapshot.topicGroups[String(format: "g%02d", n)] = .init(events: 1, bytes: 10, dropped: 0) }
        snapshot.topicGroups[LabelCap.other] = .init(events: 100, bytes: 0, dropped: 0)
        metrics.apply(snapshot)
        var samples = Sample.parse(metrics.exposition()).named("plexus_topic_events_total")
        #expect(samples.count == BrokerMetrics.topicGroupLimit + 1)
        // Sorted: g00…g49 have their own series; g50…g59 and the broker's own `(other)` counter go to _other.
        #expect(samples.value("plexus_topic_events_total", ["topic_group": "g49"]) == 1)
        #expect(samples.value("plexus_topic_events_total", ["topic_group": "g50"]) == nil)
        #expect(samples.value("plexus_topic_events_total", ["topic_group": "_other"]) == 110)

        // A new group after the cap goes to _other; the early ones keep their series.
        snapshot.topicGroups["aaa"] = .init(events: 7, bytes: 0, dropped: 0)
        snapshot.topicGroups["g00"]?.events = 3
        metrics.apply(snapshot)
        samples = Sample.parse(metrics.exposition()).named("plexus_topic_events_total")
        #expect(samples.count == BrokerMetrics.topicGroupLimit + 1)
        #expect(samples.value("plexus_topic_events_total", ["topic_group": "aaa"]) == nil)
        #expect(samples.value("plexus_topic_events_total", ["topic_group": "_other"]) == 117)
        #expect(samples.value("plexus_topic_events_total", ["topic_group": "g00"]) == 3)
    }

    @Test("plugins: capped at 100; a plugin that went away loses its gauges; restarts never go down")
    func pluginCapAndChurn() throws {
        let metrics = BrokerMetrics()
        var snapshot = MetricsSnapshot()
        snapshot.plugins = (0..<120).map { Self.plugin(String(format: "p%03d", $0)) }
        snapshot.plugins[0].restarts = ["p000-1": 3, "p000-2": 1]
        metrics.apply(snapshot)
        var samples = Sample.parse(metrics.exposition())
        #expect(samples.named("plexus_plugin_up").count == BrokerMetrics.pluginLimit + 1)
        // The twenty past the cap share `_other`: summed, not overwritten.
        #expect(samples.value("plexus_plugin_up", ["plugin": "_other"]) == 20)
        #expect(samples.value("plexus_plugin_restarts_total", ["plugin": "p000"]) == 4)

        // Instance p000-2 is gone (scaled down) and p000-1 restarted once more; p001 left the topology.
        snapshot.plugins[0].restarts = ["p000-1": 4]
        snapshot.plugins.remove(at: 1)
        metrics.apply(snapshot)
        samples = Sample.parse(metrics.exposition())
        #expect(samples.value("plexus_plugin_restarts_total", ["plugin": "p000"]) == 5)
        #expect(samples.value("plexus_plugin_up", ["plugin": "p001"]) == nil)
    }

    @Test("per-plugin resources: memory, descriptors and threads summed over processes, CPU seconds only grow")
    func resources() throws {
        let metrics = BrokerMetrics()
        var snapshot = MetricsSnapshot()
        var plugin = Self.plugin("svc", running: 2)
        plugin.resources = [
            10: ResourceUsage(rssBytes: 1000, cpuSeconds: 1.5, openFDs: 5, threads: 2, sampledAt: 0),
            11: ResourceUsage(rssBytes: 500, cpuSeconds: 0.5, openFDs: 4, threads: 1, sampledAt: 0),
        ]
        snapshot.plugins = [plugin]
        metrics.apply(snapshot)
        var samples = Sample.parse(metrics.exposition())
        #expect(samples.value("plexus_plugin_resident_memory_bytes", ["plugin": "svc"]) == 1500)
        #expect(samples.value("plexus_plugin_open_fds", ["plugin": "svc"]) == 9)
        #expect(samples.value("plexus_plugin_threads", ["plugin": "svc"]) == 3)
        #expect(samples.value("plexus_plugin_cpu_seconds_total", ["plugin": "svc"]) == 2)
        // Pid 11 exited and a new process, 12, took its place: what 11 used stays counted.
        plugin.resources[11] = nil
        plugin.resources[10]?.cpuSeconds = 2
        plugin.resources[12] = ResourceUsage(rssBytes: 100, cpuSeconds: 0.25, openFDs: 3, threads: 1, sampledAt: 0)
        snapshot.plugins = [plugin]
        metrics.apply(snapshot)
        samples = Sample.parse(metrics.exposition())
        #expect(samples.value("plexus_plugin_cpu_seconds_total", ["plugin": "svc"]) == 2.75)
        #expect(samples.value("plexus_plugin_resident_memory_bytes", ["plugin": "svc"]) == 1100)
    }

    @Test("two brokers' registries are apart")
    func separateRegistries() {
        let first = BrokerMetrics()
        let second = BrokerMetrics()
        var snapshot = MetricsSnapshot()
        snapshot.eventsIn = 3
        first.apply(snapshot)
        #expect(Sample.parse(first.exposition()).value("plexus_events_in_total") == 3)
        #expect(Sample.parse(second.exposition()).value("plexus_events_in_total") == nil)
    }
}

@Suite("Broker metrics from the core's state (no sockets)")
struct BrokerMetricsCoreTests {
    let core = BrokerStateTests()

    @Test("METRICS: calls by outcome, control requests by command, a timed call for the histogram, sessions")
    func snapshotFromCore() throws {
        var state = try core.makeState()
        core.attach(&state, route: "w", instance: "w-1", services: ["svc.echo"])
        let dispatched = core.requests(
            to: "w", in: core.command(&state, .call(service: "svc.echo", body: [1], options: CallOptions())))
        let rid = try #require(dispatched.first?.rid)
        _ = state.control([BrokerStateTests.route("w"), []] + PluginMessage.reply(rid: rid, body: [2]).encode())
        _ = core.command(&state, .call(service: "svc.none", body: [], options: CallOptions()), id: "2")
        _ = state.control([BrokerStateTests.route("client"), [], Array("PLXC01".utf8), Array("NOPE".utf8), Array("3".utf8)])
        let effects = core.command(&state, .metrics, id: "4")
        guard case .metrics(_, let requestID, let snapshot) = try #require(effects.first) else {
            Issue.record("METRICS is answered by the loop: \(effects)")
            return
        }
        #expect(requestID == Array("4".utf8))
        let echo = try #require(snapshot.services.first { $0.name == "svc.echo" })
        #expect(echo.outcomes["ok"] == 1 && echo.outcomes["error"] == 0 && echo.inFlight == 0 && echo.breaker == "closed")
        #expect(snapshot.controlRequests == ["CALL": 2, "METRICS": 1, BrokerCounters.invalidCommand: 1])
        #expect(snapshot.sessions == 1 && snapshot.instancesByState[.running] == 1)
        #expect(snapshot.plugins.map(\.name) == ["worker"] && snapshot.plugins.first?.running == 1)
        let observations = state.takeObservations()
        #expect(observations.count == 1)
        if case .serviceCall(let timing) = observations.first {
            #expect(timing.service == "svc.echo" && timing.outcome == .ok && timing.microseconds >= 0)
        }
        #expect(!state.hasObservations)
    }

    @Test("events: topics grouped by first token, the broker's own (other) counter under _other, rejects by reason")
    func topicGroups() throws {
        var state = try core.makeState()
        for topic in ["user.created", "user.deleted.eu", "order", "plexus.plugin.running"] {
            state.events.statistics.counter(for: topic).record(bytes: 10, seq: 1)
        }
        state.events.statistics.recordDenied()
        let snapshot = state.metricsSnapshot()
        #expect(snapshot.topicGroups["user"]?.events == 2 && snapshot.topicGroups["user"]?.bytes == 20)
        #expect(snapshot.topicGroups["order"]?.events == 1 && snapshot.topicGroups["plexus"]?.events == 1)
        #expect(snapshot.eventsRejected == ["invalid": 0, "denied": 1])
        #expect(BrokerState.topicGroup("a.b.c") == "a" && BrokerState.topicGroup("abc") == "abc")
    }
}

extension BrokerMetricsCoreTests {
    @Test("cost: a snapshot of 10,000 topics and its application stay far below the 1 s tick")
    func snapshotCost() throws {
        var state = try core.makeState()
        for n in 0..<10_000 { state.events.statistics.counter(for: "group\(n % 200).topic\(n)").record(bytes: 1, seq: 1) }
        let metrics = BrokerMetrics()
        let start = Date()
        var snapshots: [MetricsSnapshot] = []
        for _ in 0..<5 { snapshots.append(state.metricsSnapshot()) }
        let taken = Date()
        for snapshot in snapshots { metrics.apply(snapshot) }
        let each = Date().timeIntervalSince(start) / 5
        print(
            "metrics: snapshot \(taken.timeIntervalSince(start) / 5 * 1000) ms, apply \(Date().timeIntervalSince(taken) / 5 * 1000) ms"
        )
        let render = Date()
        let text = metrics.exposition()
        print(
            "metrics: snapshot + apply of 10,000 topics in 200 groups: \(String(format: "%.2f", each * 1000)) ms; "
                + "exposition \(text.utf8.count) bytes in \(String(format: "%.2f", Date().timeIntervalSince(render) * 1000)) ms")
        #expect(Sample.parse(text).named("plexus_topic_events_total").count == BrokerMetrics.topicGroupLimit + 1)
        // Loose, for a loaded CI machine: it catches a blow-up, the printed figure is the measurement.
        #expect(each < 1)
    }
}

extension BrokerMetricsTests {
    @Test("scrapes on two threads while the loop's side offers snapshots and records observations")
    func concurrentScrapes() throws {
        let metrics = BrokerMetrics()
        let rounds = 200
        let loop = Thread {
            for n in 1...rounds {
                var snapshot = MetricsSnapshot()
                snapshot.eventsIn = UInt64(n)
                snapshot.plugins = [Self.plugin("p\(n % 7)")]
                metrics.offer(snapshot)
                metrics.record([.serviceCall(CallTiming(service: "s\(n % 3)", outcome: .ok, microseconds: Int64(n)))])
                metrics.recordLoopLag(seconds: 0)
            }
        }
        let scrapers = (0..<2).map { _ in JoinableThreadForTests { for _ in 0..<50 { _ = metrics.exposition() } } }
        loop.start()
        scrapers.forEach { $0.start() }
        scrapers.forEach { #expect($0.join(timeout: 30)) }
        // The loop's side is done once every observation is in.
        let deadline = Date().addingTimeInterval(30)
        var samples = Sample.parse(metrics.exposition())
        while samples.value("plexus_broker_loop_lag_seconds_count") != Double(rounds), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
            samples = Sample.parse(metrics.exposition())
        }
        #expect(samples.value("plexus_broker_loop_lag_seconds_count") == Double(rounds))
        // The last snapshot was offered before the last lag: the next scrape applies it. A total applied
        // out of order would have counted as a restart and overshot.
        samples = Sample.parse(metrics.exposition())
        #expect(samples.value("plexus_events_in_total") == Double(rounds))
        let calls = ["s0", "s1", "s2"].compactMap {
            samples.value("plexus_service_request_duration_seconds_count", ["service": $0])
        }
        #expect(calls.reduce(0, +) == Double(rounds))
    }
}

/// A thread to join with a deadline (`PlexusTesting.JoinableThread` starts at once; these start together).
final class JoinableThreadForTests: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        Thread { [self] in
            body()
            done.signal()
        }.start()
    }

    func join(timeout: Double) -> Bool { done.wait(timeout: .now() + timeout) == .success }
}

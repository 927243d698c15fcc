import Foundation
import PlexusClient
import PlexusProtocol
import PlexusTesting
import Testing

@Suite("Supervision with real plugin processes", .serialized)
struct SupervisionTests {
    @Test("start-up follows dependencies, shutdown goes in reverse, the mesh announces itself when all run")
    func dependencyOrder() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  base:
                    command: \(testPluginCommand)
                    config: { start_delay: 0.5, stop_delay: 0.3 }
                  middle:
                    command: [\(yamlQuoted(Paths.greeter))]
                    depends_on: [base]
                  last:
                    command: \(testPluginCommand)
                    after: [middle]
                """)
        defer { broker.stop() }
        // Watch the states: a dependent must never be active before what it depends on runs.
        var sawMiddleWaiting = false
        let settled = try waitUntil(timeout: 20, interval: 0.02) {
            let status = try broker.status()
            func state(_ name: String) -> InstanceState? { status.first { $0.name == name }?.state }
            if state("base") != .running {
                #expect(state("middle") == .pending || state("middle") == nil, "middle active before base ran")
                if state("middle") == .pending { sawMiddleWaiting = true }
            }
            if state("middle") != .running { #expect(state("last") == .pending || state("last") == nil) }
            return status.count == 3 && status.allSatisfy { $0.state == .running }
        }
        #expect(settled, "\((try? broker.status()) ?? [])")
        #expect(sawMiddleWaiting, "middle was never seen waiting for base (its start_delay is 0.5 s)")
        #expect(try broker.status(of: "middle").first?.restarts == 0)

        // The mesh is announced again once a restart brings everything back to running.
        let ready = try broker.subscriber(["plexus.mesh.ready"])
        let stopped = try broker.subscriber(["plexus.plugin.stopped"])
        try broker.waitForSubscriptions(2)
        #expect(try runPlexus(["restart", "middle", "--broker", broker.control]).status == 0)
        let announcement = try #require(try ready.next(timeout: 15))
        let plugins = try JSONCoding.decode([String: [String]].self, from: announcement.payload, what: "mesh")["plugins"]
        #expect(plugins == ["base", "middle", "last"])
        _ = try stopped.next(timeout: 5)  // middle's stop during the restart

        let pids = try broker.status().map(\.pid)
        broker.process.signal(SIGTERM)
        var order: [String] = []
        while order.count < 3, let event = try stopped.next(timeout: 15) {
            order.append(try JSONCoding.decode(InstanceInfo.self, from: event.payload, what: "stopped").name)
        }
        #expect(order == ["last", "middle", "base"])
        #expect(broker.process.waitForExit(timeout: 15) == 0)
        #expect(pids.allSatisfy(TestProcess.isGone))
    }

    @Test("a crash-looping plugin ends failed after the intensity limit; its dependents wait, saying why")
    func crashLoop() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  crasher:
                    command: "python3 -c 'import sys; print(\\"boom\\"); sys.exit(3)'"
                    restart: { policy: on-failure, initial: 20ms, max: 100ms, max_restarts: 3, period: 1m }
                  dependent:
                    command: [\(yamlQuoted(Paths.greeter))]
                    depends_on: [crasher]
                """)
        defer { broker.stop() }
        // Its start-up may be over before the broker's events are watched: wait for the state.
        let failed = try broker.waitForInstances("crasher") { $0.state == .failed }[0]
        #expect(failed.restarts == 3)
        #expect(failed.lastExit == "exit 3")
        #expect(failed.reason?.contains("restarted 3 times") == true)
        let dependent = try #require(broker.status(of: "dependent").first)
        #expect(dependent.state == .pending)
        #expect(dependent.reason == "waiting for crasher (failed)")
        let logs = try runPlexus(["logs", "crasher", "--broker", broker.control])
        #expect(logs.stdout.components(separatedBy: "boom").count - 1 == 4)

        // An operator's start resets the budget; it fails again the same way.
        let started = try runPlexus(["start", "crasher", "--broker", broker.control, "--timeout", "10"])
        #expect(started.status != 0 && started.stderr.contains("failed"))
    }

    @Test("SIGKILL of a plugin: back to running after backoff, with the restart and the signal recorded")
    func killedPluginRestarts() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  greeter:
                    command: [\(yamlQuoted(Paths.greeter))]
                    restart: { policy: on-failure, initial: 200ms }
                """)
        defer { broker.stop() }
        let first = try broker.waitForRunning("greeter")[0]
        kill(first.pid, SIGKILL)
        // Crashed, a restart scheduled after the backoff, running again: the documented events, in order.
        let crashed = try broker.waitForPluginEvent("plexus.plugin.crashed", plugin: "greeter")
        #expect(crashed.instance == first.instance && crashed.lastExit == "signal 9")
        try broker.waitForPluginEvent("plexus.plugin.restarting", plugin: "greeter")
        let second = try broker.waitForPluginEvent("plexus.plugin.running", plugin: "greeter") { $0.pid != first.pid }
        #expect(second.restarts == 1)
        #expect(second.lastExit == "signal 9")
        #expect(second.instance == first.instance)
    }

    @Test("a plugin that stops heartbeating is killed and restarted")
    func hungPlugin() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  sleepy:
                    command: \(testPluginCommand)
                    restart: { policy: on-failure, initial: 100ms }
                """)
        defer { broker.stop() }
        let first = try broker.waitForRunning("sleepy")[0]
        kill(first.pid, SIGSTOP)  // hung: alive, silent
        let killed = try broker.waitForPluginEvent("plexus.plugin.crashed", plugin: "sleepy", timeout: 12)
        #expect(killed.instance == first.instance && killed.reason != nil)
        let second = try broker.waitForPluginEvent("plexus.plugin.running", plugin: "sleepy") { $0.pid != first.pid }
        #expect(second.restarts == 1)
        #expect(second.lastExit == "signal 9")
        #expect(waitUntil(timeout: 5) { TestProcess.isGone(first.pid) })
    }

    @Test("a plugin launched through a wrapper script (registering from a child process) is supervised")
    func wrapperScript() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  wrapped:
                    command: [sh, -c, "python3 \\"\(Paths.fixture("test_plugin.py"))\\"; echo wrapper done"]
                """)
        defer { broker.stop() }
        let running = try broker.waitForRunning("wrapped")[0]
        #expect(running.restarts == 0 && running.attached == false)
        #expect(try broker.status().count == 1)  // not also listed as an attached session
        #expect(try runPlexus(["stop", "wrapped", "--broker", broker.control]).status == 0)
        #expect(waitUntil(timeout: 5) { TestProcess.isGone(running.pid) })
    }

    @Test("start_timeout: a plugin that never becomes ready is killed; with policy never it ends failed")
    func startTimeout() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  slow:
                    command: \(testPluginCommand)
                    config: { start_delay: 30 }
                    start_timeout: 1s
                    restart: never
                """)
        defer { broker.stop() }
        let failed = try broker.waitForPluginEvent("plexus.plugin.failed", plugin: "slow", timeout: 10)
        #expect(failed.reason?.contains("start_timeout") == true, "\(failed.reason ?? "")")
        #expect(failed.lastExit == "signal 9")
    }

    @Test("stop escalates: STOP, then SIGTERM, then SIGKILL after stop_timeout each")
    func stopEscalation() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  stubborn:
                    command: \(testPluginCommand)
                    config: { stop_delay: 60, ignore_term: true }
                    stop_timeout: 500ms
                """)
        defer { broker.stop() }
        let running = try broker.waitForRunning("stubborn")[0]
        let started = Date()
        let result = try runPlexus(["stop", "stubborn", "--broker", broker.control, "--timeout", "10"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
        let stopped = try #require(broker.status(of: "stubborn").first)
        #expect(stopped.state == .stopped && stopped.lastExit == "signal 9")
        #expect(TestProcess.isGone(running.pid))
        #expect(broker.log.contains("sent SIGTERM") && broker.log.contains("sent SIGKILL"))
    }

    @Test("upgrade: the new instance runs before the old one stops, and no event is lost in the swap")
    func upgradeLosesNothing() throws {
        let broker = try TestBroker(
            topology: greeterOnlyTopology)
        defer { broker.stop() }
        let old = try broker.waitForRunning("greeter")[0]
        let welcomes = try broker.subscriber(["user.welcome"])
        try broker.waitForSubscriptions(2)

        // Publish acknowledged events the whole time the upgrade runs.
        let stop = Flag()
        let acked = Collected()
        let control = broker.control
        let publisher = JoinableThread {
            guard let client = try? ControlClient(endpoint: control, timeout: 5) else { return }
            var n = 0
            while !stop.isSet {
                n += 1
                if let seq = try? client.publish(
                    PublishRequest(topic: "user.created", payload: Array("{\"name\":\"u\(n)\"}".utf8)))
                {
                    acked.add(seq)
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        #expect(waitUntil(timeout: 5) { acked.count > 20 })
        let upgrade = try runPlexus(["upgrade", "greeter", "--broker", broker.control, "--timeout", "20"])
        #expect(waitUntil(timeout: 5) { acked.count > acked.countAtMark() + 20 })
        stop.set()
        #expect(publisher.join(timeout: 10), "the publisher did not stop")
        #expect(upgrade.status == 0, "\(upgrade.stderr)")

        let new = try #require(broker.status(of: "greeter").first)
        #expect(new.generation == 1 && new.pid != old.pid && new.state == .running)
        #expect(try broker.status(of: "greeter").count == 1)

        var answered = Set<Int>()
        while let event = try welcomes.next(timeout: 2) {
            if let seq = try JSONCoding.decode(JSONValue.self, from: event.payload, what: "welcome")["seq"]?.intValue {
                answered.insert(seq)
            }
        }
        let missing = acked.values.filter { !answered.contains(Int($0)) }
        #expect(missing.isEmpty, "\(missing.count) of \(acked.count) events got no welcome: \(missing.prefix(10))")
    }

    @Test("apply after an edit: config-only change reloads, other changes restart, removed stops, added starts")
    func applyEdit() throws {
        let dir = try TestDirectory.make()
        func topology(greeting: String, workerEnv: String, extra: String) -> String {
            """
            plugins:
              greeter:
                command: [\(yamlQuoted(Paths.greeter))]
                config: { greeting: \(greeting) }
              worker:
                command: \(testPluginCommand)
                env: { MODE: \(workerEnv) }
            \(extra)
            """
        }
        let broker = try TestBroker(
            topology: topology(greeting: "Hello", workerEnv: "a", extra: "  doomed:\n    command: \(testPluginCommand)"),
            directory: dir)
        defer { broker.stop() }
        let greeter = try broker.waitForRunning("greeter")[0]
        let worker = try broker.waitForRunning("worker")[0]
        let doomed = try broker.waitForRunning("doomed")[0]

        let edited = dir.appendingPathComponent("edited.yaml")
        try topology(greeting: "Howdy", workerEnv: "b", extra: "  newcomer:\n    command: \(testPluginCommand)")
            .write(to: edited, atomically: true, encoding: .utf8)
        let result = try runPlexus(["apply", edited.path, "--broker", broker.control])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("start: newcomer"))
        #expect(result.stdout.contains("stop: doomed"))
        #expect(result.stdout.contains("restart: worker"))
        #expect(result.stdout.contains("reload: greeter"))

        #expect(try broker.status(of: "greeter").first?.pid == greeter.pid)  // reloaded, not restarted
        #expect(try broker.status(of: "worker").first.map { $0.pid != worker.pid && $0.state == .running } == true)
        try broker.waitForRunning("newcomer")
        #expect(try broker.status(of: "doomed").isEmpty)
        #expect(waitUntil(timeout: 5) { TestProcess.isGone(doomed.pid) })

        // The greeter now greets with the new config.
        let welcome = try broker.subscriber(["user.welcome"])
        try broker.waitForSubscriptions(3)
        _ = try broker.client().publish(PublishRequest(topic: "user.created", payload: Array(#"{"name":"ada"}"#.utf8)))
        let event = try #require(try welcome.next(timeout: 5))
        #expect(String(decoding: event.payload, as: UTF8.self).contains("Howdy, ada!"))
    }

    @Test("reload re-reads the topology file and SIGHUP applies it, without restarting unchanged plugins")
    func reloadAndHangup() throws {
        let dir = try TestDirectory.make()
        let text = { (greeting: String, extra: String) in
            "plugins:\n  greeter:\n    command: [\(yamlQuoted(Paths.greeter))]\n    config: { greeting: \(greeting) }\n\(extra)"
        }
        let broker = try TestBroker(topology: text("One", ""), directory: dir)
        defer { broker.stop() }
        let greeter = try broker.waitForRunning("greeter")[0]
        let welcome = try broker.subscriber(["user.welcome"])
        try broker.waitForSubscriptions(2)
        func greeting() throws -> String {
            _ = try broker.client().publish(PublishRequest(topic: "user.created", payload: Array(#"{"name":"x"}"#.utf8)))
            return String(decoding: try #require(try welcome.next(timeout: 5)).payload, as: UTF8.self)
        }
        try text("Two", "").write(to: dir.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
        let reload = try runPlexus(["reload", "greeter", "--broker", broker.control])
        #expect(reload.status == 0 && reload.stdout.contains("greeter-1"), "\(reload.stderr)")
        #expect(waitUntil(timeout: 5) { (try? greeting().contains("Two, x")) == true })

        try text("Two", "  extra:\n    command: \(testPluginCommand)\n").write(
            to: dir.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
        broker.process.signal(SIGHUP)
        try broker.waitForRunning("extra")
        #expect(try broker.status(of: "greeter").first?.pid == greeter.pid)
    }

    @Test("no plugin process outlives the broker, even when it is killed with SIGKILL")
    func noOrphans() throws {
        for signal in [SIGTERM, SIGKILL] {
            let broker = try TestBroker(
                topology: """
                    plugins:
                      one:
                        command: \(testPluginCommand)
                        instances: 2
                      two:
                        command: [\(yamlQuoted(Paths.greeter))]
                    """)
            defer { broker.stop() }
            try broker.waitForRunning("one")
            try broker.waitForRunning("two")
            let pids = try broker.status().map(\.pid)
            #expect(pids.count == 3 && pids.allSatisfy { $0 > 0 })
            broker.process.signal(signal)
            #expect(broker.process.waitForExit(timeout: 15) != nil)
            #expect(waitUntil(timeout: 5) { pids.allSatisfy(TestProcess.isGone) }, "signal \(signal): survivors among \(pids)")
        }
    }

    @Test("lifecycle commands on unknown or attached plugins fail clearly; logs are captured")
    func commandErrors() throws {
        let broker = try TestBroker(
            topology: """
                plugins:
                  worker:
                    command: \(testPluginCommand)
                """)
        defer { broker.stop() }
        let attached = try TestProcess(Paths.greeter, [], name: "attached", environment: ["PLEXUS_BROKER": broker.control])
        defer { attached.stop() }
        try broker.waitForPlugin("greeter")
        try broker.waitForRunning("worker")

        let unknown = try runPlexus(["restart", "nosuch", "--broker", broker.control])
        #expect(unknown.status != 0 && unknown.stderr.contains("no plugin named 'nosuch'"))
        let attachedStart = try runPlexus(["upgrade", "greeter", "--broker", broker.control])
        #expect(attachedStart.status != 0 && attachedStart.stderr.contains("attached"), "\(attachedStart.stderr)")
        let status = try runPlexus(["status", "--json", "--broker", broker.control])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
        for key in ["name", "instance", "state", "pid", "restarts", "uptime_s"] {
            #expect(rows.first?[key] != nil, "status lacks \(key)")
        }
        #expect(rows.contains { $0["name"] as? String == "greeter" && $0["attached"] as? Bool == true })

        let logs = try runPlexus(["logs", "worker", "--broker", broker.control])
        #expect(logs.stdout.contains("worker-1 stdout: starting worker-1"), "\(logs.stdout)")
        let noLogs = try runPlexus(["logs", "greeter", "--broker", broker.control])
        #expect(noLogs.status != 0)
    }

    @Test(
        "invalid topologies are refused with their error, by check and by the broker",
        arguments: [
            (
                "plugins:\n  a:\n    command: x\n    depends_on: [b]\n",
                "plugins.a.depends_on: depends on 'b', which is not in the topology"
            ),
            (
                "plugins:\n  a:\n    command: x\n    depends_on: [b]\n  b:\n    command: x\n    after: [a]\n",
                "dependency cycle: a → b → a"
            ),
            ("plugins:\n  a:\n    command: x\n  a:\n    command: y\n", "duplicate"),
            ("plugins:\n  a:\n    command: x\n    start_timeout: soon\n", "plugins.a.start_timeout: must be a positive duration"),
            (
                "plugins:\n  a:\n    command: x\n    restart: { policy: sometimes }\n",
                "plugins.a.restart.policy: must be always, on-failure or never"
            ),
            ("plugins:\n  a:\n    command: x\n    colour: red\n", "plugins.a.colour: unknown key"),
        ])
    func invalidTopologies(text: String, expected: String) throws {
        let dir = try TestDirectory.make()
        let file = dir.appendingPathComponent("bad.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let check = try runPlexus(["check", file.path])
        #expect(check.status != 0)
        #expect(check.stderr.contains(expected), "\(check.stderr)")
        #expect(check.stderr.contains(file.path))
        let broker = try runPlexus([
            "broker", "--topology", file.path, "--control", "tcp://127.0.0.1:*",
            "--events-in", "tcp://127.0.0.1:*", "--events-out", "tcp://127.0.0.1:*",
        ])
        #expect(broker.status != 0 && broker.stderr.contains(expected))
    }
}

/// A flag set by one thread and read by another.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// Values collected by one thread and read by another.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [UInt64] = []
    private var mark = 0
    func add(_ value: UInt64) { lock.withLock { items.append(value) } }
    var values: [UInt64] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }
    /// The count when first called: lets a test wait for more events after a step.
    func countAtMark() -> Int {
        lock.withLock {
            if mark == 0 { mark = items.count }
            return mark
        }
    }
}

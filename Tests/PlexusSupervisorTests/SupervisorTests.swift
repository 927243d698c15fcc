import PlexusProtocol
import PlexusTopology
import Testing

@testable import PlexusSupervisor

/// Drives a `Supervisor` with a fake clock and fake pids: no processes.
struct Harness {
    var supervisor: Supervisor
    var now: Int64 = 0
    var nextPID: Int32 = 100
    /// Every action so far, in order.
    var log: [SupervisorAction] = []

    init(_ yaml: String) throws {
        supervisor = Supervisor(topology: try Topology.parse(yaml, baseDirectory: "/srv"))
    }

    mutating func record(_ actions: [SupervisorAction]) -> [SupervisorAction] {
        log += actions
        return actions
    }

    /// Carries out spawns at once (like the broker does), returning all actions.
    @discardableResult
    mutating func run(_ actions: [SupervisorAction]) -> [SupervisorAction] {
        var all: [SupervisorAction] = []
        var queue = actions
        while !queue.isEmpty {
            let action = queue.removeFirst()
            all.append(action)
            if case .spawn(let id, _) = action {
                nextPID += 1
                queue += supervisor.spawned(id, pid: nextPID, now: now)
            }
        }
        log += all
        return all
    }

    mutating func start() { run(supervisor.start(now: now)) }

    /// The process registers and reports ready.
    mutating func ready(_ id: String, version: String = "1.0.0") {
        let pid = supervisor.instances[id]!.pid!
        _ = supervisor.registered(id, plugin: supervisor.instances[id]!.plugin, pid: pid, version: version, now: now)
        run(supervisor.ready(id, now: now))
    }

    @discardableResult
    mutating func exit(_ id: String, status: Int32) -> [SupervisorAction] {
        run(supervisor.exited(pid: supervisor.instances[id]!.pid!, status: status, now: now))
    }

    @discardableResult
    mutating func advance(_ milliseconds: Int64) -> [SupervisorAction] {
        now += milliseconds
        return run(supervisor.tick(now: now))
    }

    func state(_ id: String) -> InstanceState? { supervisor.instances[id]?.state }
    func spawned(in actions: [SupervisorAction]) -> [String] {
        actions.compactMap { if case .spawn(let id, _) = $0 { id } else { nil } }
    }
    func published(_ topic: String, in actions: [SupervisorAction]) -> [String] {
        actions.compactMap { if case .publish(topic, let id) = $0 { id } else { nil } }
    }
}

@Suite("Supervisor state machine (no processes)")
struct SupervisorTests {
    static let chain = """
        plugins:
          db:
            command: [db]
          api:
            command: [api]
            depends_on: [db@^1.2]
          web:
            command: [web]
            after: [api]
            instances: 2
        """

    @Test("starts dependencies first; dependents wait for READY, with the reason shown")
    func startOrder() throws {
        var h = try Harness(Self.chain)
        h.start()
        #expect(h.spawned(in: h.log) == ["db-1"])
        #expect(h.state("api-1") == .pending)
        #expect(h.supervisor.instances["api-1"]?.reason == "waiting for db")
        #expect(h.supervisor.instances["web-1"]?.reason == "starting after api")
        h.ready("db-1", version: "1.4.0")
        #expect(h.spawned(in: h.log) == ["db-1", "api-1"])
        h.ready("api-1")
        #expect(h.spawned(in: h.log) == ["db-1", "api-1", "web-1", "web-2"])
        h.ready("web-1")
        let last = h.run(h.supervisor.ready("web-2", now: h.now))
        _ = h.supervisor.registered("web-2", plugin: "web", pid: h.supervisor.instances["web-2"]!.pid!, version: "1", now: 0)
        #expect(last.contains(.meshReady(plugins: ["db", "api", "web"])))
    }

    @Test("a dependency at the wrong version keeps its dependent waiting, saying so")
    func versionConstraint() throws {
        var h = try Harness(Self.chain)
        h.start()
        h.ready("db-1", version: "2.0.0")
        #expect(h.state("api-1") == .pending)
        #expect(h.supervisor.instances["api-1"]?.reason == "needs db@^1.2, which runs version 2.0.0")
    }

    @Test("crash: exponential backoff, then failed past max_restarts within the period")
    func crashLoop() throws {
        var h = try Harness(
            """
            plugins:
              x:
                command: [x]
                restart: { policy: on-failure, initial: 100ms, max: 300ms, max_restarts: 3, period: 10s }
            """)
        h.start()
        var delays: [Int64] = []
        for _ in 0..<3 {
            h.exit("x-1", status: 1 << 8)
            #expect(h.state("x-1") == .backoff)
            let deadline = h.supervisor.instances["x-1"]!.deadline!
            delays.append(deadline - h.now)
            #expect(h.spawned(in: h.advance(deadline - h.now - 1)).isEmpty)
            #expect(h.spawned(in: h.advance(1)) == ["x-1"])
        }
        #expect(delays == [100, 200, 300])
        let final = h.exit("x-1", status: 1 << 8)
        #expect(h.state("x-1") == .failed)
        #expect(h.published("plexus.plugin.failed", in: final) == ["x-1"])
        #expect(h.supervisor.instances["x-1"]?.restarts == 3)
        #expect(h.supervisor.instances["x-1"]?.lastExit == "exit 1")
    }

    @Test("exit 77 (the broker refused the key) is denied: failed at once, no restart, whatever the policy")
    func deniedKey() throws {
        var h = try Harness(
            """
            plugins:
              x:
                command: [x]
                restart: { policy: always }
            """)
        h.start()
        let actions = h.exit("x-1", status: CurveEnvironment.deniedExitCode << 8)
        #expect(h.state("x-1") == .failed)
        #expect(h.published("plexus.plugin.failed", in: actions) == ["x-1"])
        #expect(h.supervisor.instances["x-1"]?.lastExit == "denied")
        #expect(h.supervisor.instances["x-1"]?.reason?.hasPrefix("denied:") == true)
        #expect(h.spawned(in: h.advance(60_000)).isEmpty)
        #expect(h.supervisor.instances["x-1"]?.restarts == 0)
    }

    @Test("policies: on-failure leaves a clean exit stopped; never fails on a crash; always restarts a clean exit")
    func policies() throws {
        var h = try Harness(
            """
            plugins:
              a: { command: [a], restart: on-failure }
              b: { command: [b], restart: never }
              c: { command: [c], restart: { policy: always, initial: 0 } }
            """)
        h.start()
        h.exit("a-1", status: 0)
        h.exit("b-1", status: 9)  // killed by signal 9
        h.exit("c-1", status: 0)
        #expect(h.state("a-1") == .stopped)
        #expect(h.state("b-1") == .failed)
        #expect(h.supervisor.instances["b-1"]?.lastExit == "signal 9")
        #expect(h.state("c-1") == .backoff)
        #expect(h.spawned(in: h.advance(0)) == ["c-1"])
    }

    @Test("start_timeout and missed heartbeats kill the process; its exit is a crash with that reason")
    func killReasons() throws {
        var h = try Harness(
            """
            plugins:
              slow: { command: [s], start_timeout: 2s, restart: never }
              hung: { command: [h], restart: { initial: 0 } }
            """)
        h.start()
        h.ready("hung-1")
        let slowPID = h.supervisor.instances["slow-1"]!.pid!
        #expect(h.advance(2_000).contains(.signal(pid: slowPID, signal: 9)))
        h.exit("slow-1", status: 9)
        #expect(h.state("slow-1") == .failed)
        #expect(h.supervisor.instances["slow-1"]?.reason?.contains("start_timeout") == true)

        let hungPID = h.supervisor.instances["hung-1"]!.pid!
        #expect(h.run(h.supervisor.sessionEnded("hung-1", lost: true, now: h.now)).contains(.signal(pid: hungPID, signal: 9)))
        h.exit("hung-1", status: 9)
        #expect(h.state("hung-1") == .backoff)
        #expect(h.supervisor.instances["hung-1"]?.reason?.contains("missed heartbeats") == true)
    }

    @Test("stop escalates: STOP, SIGTERM after stop_timeout, SIGKILL after another")
    func stopEscalation() throws {
        var h = try Harness("plugins:\n  x: { command: [x], stop_timeout: 1s }\n")
        h.start()
        h.ready("x-1")
        let pid = h.supervisor.instances["x-1"]!.pid!
        let stop = h.run(try h.supervisor.stopPlugin("x", now: h.now))
        #expect(stop.contains(.sendStop(instance: "x-1", reason: "stopped by command")))
        #expect(h.advance(1_000).contains(.signal(pid: pid, signal: 15)))
        #expect(h.advance(1_000).contains(.signal(pid: pid, signal: 9)))
        h.exit("x-1", status: 9)
        #expect(h.state("x-1") == .stopped)
        #expect(h.spawned(in: h.advance(60_000)).isEmpty)
    }

    @Test("shutdown stops dependents first: a dependency is asked only after its dependents exited")
    func shutdownOrder() throws {
        var h = try Harness(Self.chain)
        h.start()
        h.ready("db-1", version: "1.2.0")
        h.ready("api-1")
        h.ready("web-1")
        h.ready("web-2")
        let first = h.run(h.supervisor.shutdown(now: h.now))
        #expect(
            first.filter { if case .sendStop = $0 { true } else { false } }
                == [
                    .sendStop(instance: "web-1", reason: "broker shutting down"),
                    .sendStop(instance: "web-2", reason: "broker shutting down"),
                ])
        h.exit("web-1", status: 0)
        #expect(!h.exit("web-2", status: 0).contains(.sendStop(instance: "db-1", reason: "broker shutting down")))
        #expect(h.exit("api-1", status: 0).contains(.sendStop(instance: "db-1", reason: "broker shutting down")))
        // api was told with web gone; db only after api exited.
        #expect(h.log.contains(.sendStop(instance: "api-1", reason: "broker shutting down")))
        #expect(h.log.contains(.sendStop(instance: "db-1", reason: "broker shutting down")))
        let apiStop = h.log.firstIndex(of: .sendStop(instance: "api-1", reason: "broker shutting down"))!
        let dbStop = h.log.firstIndex(of: .sendStop(instance: "db-1", reason: "broker shutting down"))!
        #expect(apiStop < dbStop)
        #expect(!h.supervisor.isShutDown)
        h.exit("db-1", status: 0)
        #expect(h.supervisor.isShutDown)
    }

    @Test("upgrade: the new generation starts; the old one is asked to stop only once the new one is ready")
    func upgrade() throws {
        var h = try Harness("plugins:\n  x: { command: [x] }\n")
        h.start()
        h.ready("x-1")
        let spawned = h.run(try h.supervisor.upgradePlugin("x", now: h.now))
        #expect(h.spawned(in: spawned) == ["x-1-g1"])
        #expect(!spawned.contains { if case .sendStop = $0 { true } else { false } })
        h.ready("x-1-g1")
        #expect(h.log.contains(.sendStop(instance: "x-1", reason: "replaced by x-1-g1")))
        h.exit("x-1", status: 0)
        #expect(h.supervisor.instances["x-1"] == nil)
        #expect(h.state("x-1-g1") == .running)
        #expect(throws: SupervisorError.self) { try h.supervisor.upgradePlugin("nope", now: 0) }
    }

    @Test("conflicts keep a plugin from starting while the other runs")
    func conflicts() throws {
        var h = try Harness(
            """
            plugins:
              a: { command: [a] }
              b: { command: [b], conflicts: [a], enabled: false }
            """)
        h.start()
        h.ready("a-1")
        let error = #expect(throws: SupervisorError.self) { try h.supervisor.startPlugin("b", now: 0) }
        #expect(error?.code == .conflict)
        h.run(try h.supervisor.stopPlugin("a", now: h.now))
        h.exit("a-1", status: 0)
        #expect(h.spawned(in: h.run(try h.supervisor.startPlugin("b", now: h.now))) == ["b-1"])
    }

    @Test("apply: reload for config-only changes, restart for others, stop removed, start added")
    func apply() throws {
        var h = try Harness(
            """
            plugins:
              keep: { command: [k], config: { a: 1 } }
              change: { command: [c] }
              gone: { command: [g] }
            """)
        h.start()
        for id in ["keep-1", "change-1", "gone-1"] { h.ready(id) }
        let new = try Topology.parse(
            """
            plugins:
              keep: { command: [k], config: { a: 2 } }
              change: { command: [c, --fast] }
              added: { command: [n] }
            """, baseDirectory: "/srv")
        let (plan, actions) = h.supervisor.apply(new, now: h.now)
        h.log += actions
        #expect(plan.reload == ["keep"] && plan.restart == ["change"] && plan.start == ["added"] && plan.stop == ["gone"])
        #expect(actions.contains(.reload(instance: "keep-1", config: .object(["a": .number(2)]))))
        #expect(actions.contains(.sendStop(instance: "gone-1", reason: "removed by apply")))
        // The changed plugin hands over as upgrade does: its successor starts while change-1 still runs.
        #expect(!actions.contains { if case .sendStop("change-1", _) = $0 { true } else { false } })
        let spawns = h.run(actions)
        #expect(Set(h.spawned(in: spawns)) == ["added-1", "change-1-g1"])
        if case .spawn(_, let spec) = spawns.first(where: { if case .spawn("change-1-g1", _) = $0 { true } else { false } }) {
            #expect(spec.command == ["c", "--fast"])
        }
        #expect(plan.changes.first { $0.name == "change" }?.fields.contains { $0.hasPrefix("handover: the new") } == true)
        h.exit("gone-1", status: 0)
        #expect(h.supervisor.instances["gone-1"] == nil)
        #expect(h.state("change-1") == .running)
        h.ready("change-1-g1")
        #expect(h.log.contains(.sendStop(instance: "change-1", reason: "replaced by change-1-g1")))
        h.exit("change-1", status: 0)
        #expect(h.supervisor.instances["change-1"] == nil && h.state("change-1-g1") == .running)
    }

    @Test("apply: a changed plugin whose new version does not come up leaves the old one running")
    func applyHandOverFailure() throws {
        var h = try Harness("plugins:\n  app: { command: [a], restart: { policy: never } }\n")
        h.start()
        h.ready("app-1")
        let new = try Topology.parse(
            "plugins:\n  app: { command: [a, --broken], restart: { policy: never } }\n", baseDirectory: "/srv")
        let (_, actions) = h.supervisor.apply(new, now: h.now)
        #expect(h.spawned(in: h.run(actions)) == ["app-1-g1"])
        h.exit("app-1-g1", status: 1)
        #expect(h.state("app-1-g1") == .failed && h.state("app-1") == .running)
    }

    @Test("apply: a plain process stops before its replacement starts (a second copy could not bind its port)")
    func applyPlainProcessStopsFirst() throws {
        var h = try Harness("plugins:\n  web: { command: [w], protocol: none }\n")
        h.start()
        let new = try Topology.parse("plugins:\n  web: { command: [w, --v2], protocol: none }\n", baseDirectory: "/srv")
        let (plan, actions) = h.supervisor.apply(new, now: h.now)
        #expect(h.spawned(in: actions).isEmpty)
        #expect(plan.changes.first?.fields.last?.contains("a plain process") == true, "\(plan.changes)")
    }

    @Test("commands on unknown plugins are 404; on plugins without a command 409")
    func commandErrors() throws {
        var h = try Harness("plugins:\n  configured: { config: { a: 1 } }\n")
        let unknown = #expect(throws: SupervisorError.self) { try h.supervisor.startPlugin("nope", now: 0) }
        #expect(unknown?.code == .notFound && unknown?.message == "no plugin named 'nope' in the topology")
        #expect(
            (#expect(throws: SupervisorError.self) { try h.supervisor.restartPlugin("configured", now: 0) })?.code == .conflict)
        _ = h.supervisor.registered("ext-1", plugin: "ext", pid: 5, version: "1", now: 0)
        let attached = #expect(throws: SupervisorError.self) { try h.supervisor.stopPlugin("ext", now: 0) }
        #expect(attached?.code == .conflict && attached?.message.contains("attached") == true)
    }
}

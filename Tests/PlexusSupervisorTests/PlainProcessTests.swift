import PlexusProtocol
import PlexusTopology
import Testing

@testable import PlexusSupervisor

#if canImport(Glibc)
    import Glibc
#endif

/// `protocol: none`: programs that do not speak Plexus, supervised like supervisord does.
@Suite("Plain processes (protocol: none, no processes)")
struct PlainProcessTests {
    @Test("running once up start_seconds; its dependent starts then; a crash restarts it; stop is SIGTERM at once")
    func startSeconds() throws {
        var h = try Harness(
            """
            plugins:
              web:
                protocol: none
                command: [python3, -m, http.server]
                start_seconds: 2s
                restart: { policy: always, initial: 100ms }
              api:
                command: [api]
                depends_on: [web]
            """)
        h.start()
        #expect(h.spawned(in: h.log) == ["web-1"])
        #expect(h.state("web-1") == .starting)
        h.advance(1_000)
        #expect(h.state("web-1") == .starting && h.state("api-1") == .pending)
        let up = h.advance(1_000)
        #expect(h.state("web-1") == .running)
        #expect(h.published("plexus.plugin.running", in: up) == ["web-1"])
        #expect(h.spawned(in: h.log) == ["web-1", "api-1"])

        h.exit("web-1", status: 9 << 8)  // exit 9: a crash
        #expect(h.state("web-1") == .backoff)
        h.advance(100)
        #expect(h.spawned(in: h.log).filter { $0 == "web-1" }.count == 2)

        h.advance(2_000)
        #expect(h.state("web-1") == .running)
        let pid = try #require(h.supervisor.instances["web-1"]?.pid)
        let stop = h.run(try h.supervisor.stopPlugin("web", now: h.now))
        #expect(stop.contains(.signal(pid: pid, signal: SIGTERM)))
        #expect(!stop.contains { if case .sendStop = $0 { true } else { false } })
    }

    @Test("with a probe it is running when the probe first passes, and killed if it never does within start_timeout")
    func probeReadiness() throws {
        var h = try Harness(
            """
            plugins:
              db:
                protocol: none
                command: [postgres]
                start_timeout: 5s
                health: { probe: { tcp: 5432 } }
            """)
        h.start()
        h.advance(3_000)  // start_seconds does not apply with a probe
        #expect(h.state("db-1") == .starting)
        let passed = h.run(h.supervisor.probePassed("db-1", now: h.now))
        #expect(h.state("db-1") == .running && h.published("plexus.plugin.running", in: passed) == ["db-1"])
        #expect(h.run(h.supervisor.probePassed("db-1", now: h.now)).isEmpty, "a later pass is no second READY")

        var slow = try Harness(
            "plugins:\n  db:\n    protocol: none\n    command: [db]\n    start_timeout: 5s\n    health: { probe: { tcp: 5432 } }\n"
        )
        slow.start()
        let pid = try #require(slow.supervisor.instances["db-1"]?.pid)
        #expect(slow.advance(5_000).contains(.signal(pid: pid, signal: SIGKILL)))
    }

    @Test("topology: protocol none needs a command; health blocks are checked key by key")
    func parsing() throws {
        #expect(throws: TopologyError.self) { try Topology.parse("plugins:\n  x:\n    protocol: none\n") }
        #expect(throws: TopologyError.self) { try Topology.parse("plugins:\n  x:\n    command: [a]\n    protocol: grpc\n") }
        let topology = try Topology.parse(
            """
            plugins:
              x:
                command: [a]
                health:
                  probe: { http: "http://127.0.0.1:8080/health", interval: 2s, timeout: 500ms, failure_threshold: 2, success_threshold: 3, startup_grace: 5s }
                  on_critical: restart
                  for: 10s
            """)
        let health = try #require(topology.plugin("x")?.health)
        #expect(health.onCritical == .restart && health.forMilliseconds == 10_000)
        #expect(
            health.probe
                == ProbeSpec(
                    check: .http(url: "http://127.0.0.1:8080/health"), intervalMilliseconds: 2_000, timeoutMilliseconds: 500,
                    failureThreshold: 2, successThreshold: 3, startupGraceMilliseconds: 5_000))
        let tcp = try Topology.parse("plugins:\n  x:\n    command: [a]\n    health: { probe: { tcp: 'db.local:5432' } }\n")
        #expect(tcp.plugin("x")?.health.probe?.check == .tcp(host: "db.local", port: 5432))
        for (yaml, key) in [
            ("health: { probe: { tcp: 70000 } }", "health.probe.tcp"),
            ("health: { probe: { exec: [a], tcp: 1 } }", "health.probe"),
            ("health: { probe: { http: 'https://x' } }", "health.probe.http"),
            ("health: { on_critical: panic }", "health.on_critical"),
            ("health: { probe: { tcp: 1, failure_threshold: 0 } }", "health.probe.failure_threshold"),
            ("health: { probe: { tcp: 1, interval: 0 } }", "health.probe.interval"),
            ("health: { colour: red }", "health.colour"),
        ] {
            do {
                _ = try Topology.parse("plugins:\n  x:\n    command: [a]\n    \(yaml)\n")
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.path == "plugins.x.\(key)", "\(yaml): \(error)")
            }
        }
    }
}

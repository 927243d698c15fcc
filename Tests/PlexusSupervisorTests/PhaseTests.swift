import Testing

@testable import PlexusSupervisor

/// The instance phase carries what used to be flags beside the state: stop stage and what follows a
/// stop, and why the supervisor killed a process.
@Suite("Supervised instance phases")
struct PhaseTests {
    func phase(_ h: Harness, _ id: String) -> SupervisedInstance.Phase? { h.supervisor.instances[id]?.phase }

    @Test("a stop escalates in its phase: asked, terminated, killed; the exit settles it")
    func stopStages() throws {
        var h = try Harness("plugins:\n  x: { command: [x], stop_timeout: 1s }\n")
        h.start()
        #expect(phase(h, "x-1") == .starting(killed: nil))
        h.ready("x-1")
        #expect(phase(h, "x-1") == .running(killed: nil))
        h.run(try h.supervisor.stopPlugin("x", now: h.now))
        #expect(phase(h, "x-1") == .stopping(stage: .asked, then: .stay))
        #expect(h.state("x-1") == .stopping)
        h.advance(1_000)
        #expect(phase(h, "x-1") == .stopping(stage: .terminated, then: .stay))
        h.advance(1_000)
        #expect(phase(h, "x-1") == .stopping(stage: .killed, then: .stay))
        #expect(h.supervisor.instances["x-1"]?.deadline == nil)
        h.exit("x-1", status: 9)
        #expect(phase(h, "x-1") == .stopped)
    }

    @Test("restart and upgrade say in the phase what follows the stop")
    func afterStop() throws {
        var h = try Harness("plugins:\n  x: { command: [x] }\n")
        h.start()
        h.ready("x-1")
        h.run(try h.supervisor.restartPlugin("x", now: h.now))
        #expect(phase(h, "x-1") == .stopping(stage: .asked, then: .restart))
        #expect(h.spawned(in: h.exit("x-1", status: 0)) == ["x-1"])
        #expect(phase(h, "x-1") == .starting(killed: nil))
        h.ready("x-1")
        h.run(try h.supervisor.upgradePlugin("x", now: h.now))
        h.ready("x-1-g1")
        #expect(phase(h, "x-1") == .stopping(stage: .asked, then: .remove))
        h.exit("x-1", status: 0)
        #expect(h.supervisor.instances["x-1"] == nil)
    }

    @Test("an instance without a session is stopped with SIGTERM straight away")
    func noSession() throws {
        var h = try Harness("plugins:\n  x: { command: [x] }\n")
        h.start()
        let pid = h.supervisor.instances["x-1"]!.pid!
        let actions = h.run(try h.supervisor.stopPlugin("x", now: h.now))
        #expect(actions.contains(.signal(pid: pid, signal: 15)))
        #expect(phase(h, "x-1") == .stopping(stage: .terminated, then: .stay))
    }

    @Test("kills are recorded in the phase, kept across READY, and cleared by the exit")
    func kills() throws {
        var h = try Harness(
            """
            plugins:
              slow: { command: [s], start_timeout: 2s, restart: { initial: 0 } }
              hung: { command: [h], restart: { initial: 0 } }
            """)
        h.start()
        h.ready("hung-1")
        h.advance(2_000)
        #expect(phase(h, "slow-1") == .starting(killed: .startTimeout))
        // READY arriving after the kill was decided does not make the exit a clean one.
        h.ready("slow-1")
        #expect(phase(h, "slow-1") == .running(killed: .startTimeout))
        h.exit("slow-1", status: 0)
        #expect(phase(h, "slow-1") == .backoff)
        #expect(h.supervisor.instances["slow-1"]?.reason?.contains("not ready within start_timeout; killed") == true)

        h.run(h.supervisor.sessionEnded("hung-1", lost: true, now: h.now))
        #expect(phase(h, "hung-1") == .running(killed: .missedHeartbeats))
    }

    @Test("a requested stop after a kill: the exit is a stop, and a later crash is not blamed on the kill")
    func killThenStop() throws {
        var h = try Harness("plugins:\n  x: { command: [x], restart: { initial: 0 } }\n")
        h.start()
        h.ready("x-1")
        h.run(h.supervisor.sessionEnded("x-1", lost: true, now: h.now))
        h.run(try h.supervisor.stopPlugin("x", now: h.now))
        #expect(phase(h, "x-1") == .stopping(stage: .terminated, then: .stay))
        h.exit("x-1", status: 9)
        #expect(phase(h, "x-1") == .stopped)
        h.run(try h.supervisor.startPlugin("x", now: h.now))
        h.ready("x-1")
        h.exit("x-1", status: 1 << 8)
        #expect(h.supervisor.instances["x-1"]?.reason == "restarting in 0 ms after: exited unexpectedly (exit 1)")
    }
}

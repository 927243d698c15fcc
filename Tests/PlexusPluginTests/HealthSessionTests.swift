import PlexusClient
import PlexusProtocol
import Testing

@testable import PlexusPlugin

/// The `HEALTH` messages among `actions`.
func healthSent(_ actions: [PluginSession.Action]) -> [HealthReport] {
    actions.compactMap { if case .send(.health(let report)) = $0 { report } else { nil } }
}

@Suite("Plugin session: when HEALTH goes out (no sockets)")
struct HealthSessionTests {
    static let critical = HealthReport(status: .critical, message: "database unreachable")
    static let warning = HealthReport(status: .warning, message: "slow", checks: ["db": HealthCheck(status: .warning)])

    @Test("nothing before READY; READY sends the report set meanwhile, right after itself")
    func beforeReady() throws {
        var h = try SessionHarness()
        #expect(h.session.healthReported(Self.critical, from: .context).isEmpty)
        _ = h.activate()
        // The runtime heard of the session, but the plugin is still starting: still nothing.
        #expect(h.session.healthReported(Self.critical, from: .context).isEmpty)
        #expect(h.session.ready() == [.send(.ready), .send(.health(Self.critical))])
    }

    @Test("a passing plugin sends nothing; afterwards only changes go out")
    func changesOnly() throws {
        var h = try SessionHarness()
        _ = h.activate()
        #expect(h.session.ready() == [.send(.ready)])
        #expect(h.session.healthReported(HealthReport(status: .passing), from: .hook).isEmpty)
        #expect(healthSent(h.session.healthReported(Self.critical, from: .context)) == [Self.critical])
        #expect(h.session.healthReported(Self.critical, from: .context).isEmpty)
        // A new message is a change, though the status is the same.
        let other = HealthReport(status: .critical, message: "disk full")
        #expect(healthSent(h.session.healthReported(other, from: .context)) == [other])
        let passing = HealthReport(status: .passing)
        #expect(healthSent(h.session.healthReported(passing, from: .context)) == [passing])
        #expect(h.session.healthReported(passing, from: .hook).isEmpty)
    }

    @Test("after every WELCOME a report other than plain passing goes out again after READY")
    func resentAfterWelcome() throws {
        var h = try SessionHarness()
        _ = h.activate()
        _ = h.session.ready()
        #expect(healthSent(h.session.healthReported(Self.warning, from: .hook)) == [Self.warning])
        // The broker goes away; the new session starts passing on the broker's side.
        _ = h.receive(.disconnect(reason: "restart"))
        #expect(h.session.healthReported(Self.critical, from: .context).isEmpty)
        _ = h.advance(1_000)
        _ = h.receive(.welcome(SessionHarness.welcome(broker: "b2")))
        #expect(h.session.healthReported(Self.critical, from: .context).isEmpty, "nothing while probing")
        _ = h.session.eventArrived(SessionHarness.event(h.session.syncTopic))
        let merged = PluginSession.worse(of: Self.warning, Self.critical)
        #expect(h.session.ready() == [.send(.ready), .send(.health(merged))])

        // A WELCOME on a session that is not lost (a re-registration) counts as a new session too.
        _ = h.receive(.welcome(SessionHarness.welcome(broker: "b3")))
        _ = h.session.eventArrived(SessionHarness.event(h.session.syncTopic))
        #expect(h.session.ready() == [.send(.ready), .send(.health(merged))])

        // Back to plain passing: sent once, and not again after the next WELCOME.
        _ = h.session.healthReported(HealthReport(status: .passing), from: .hook)
        #expect(healthSent(h.session.healthReported(HealthReport(status: .passing), from: .context)).count == 1)
        _ = h.receive(.welcome(SessionHarness.welcome(broker: "b4")))
        _ = h.session.eventArrived(SessionHarness.event(h.session.syncTopic))
        #expect(h.session.ready() == [.send(.ready)])
    }

    @Test("READY outside an active session (lost while starting) sends no health; the next READY does")
    func readyAfterLoss() throws {
        var h = try SessionHarness()
        _ = h.activate()
        _ = h.session.healthReported(Self.critical, from: .context)
        _ = h.advance(3_001)  // silence past the liveness window: re-registering
        #expect(h.session.state == .registering)
        #expect(h.session.ready() == [.send(.ready)])
        #expect(h.session.healthReported(Self.critical, from: .context).isEmpty)
        _ = h.activate()
        #expect(h.session.ready() == [.send(.ready), .send(.health(Self.critical))])
    }

    @Test("the report is the worse of the hook's and setHealth's; the default hook never hides setHealth")
    func twoSources() throws {
        var h = try SessionHarness()
        _ = h.activate()
        _ = h.session.ready()
        #expect(healthSent(h.session.healthReported(Self.critical, from: .context)) == [Self.critical])
        // The default hook answers passing every interval: nothing changes.
        #expect(h.session.healthReported(HealthReport(status: .passing), from: .hook).isEmpty)
        #expect(h.session.health == Self.critical)
        let both = h.session.healthReported(Self.warning, from: .hook)
        let merged = HealthReport(
            status: .critical, message: "database unreachable", checks: ["db": HealthCheck(status: .warning)])
        #expect(healthSent(both) == [merged])
        // Equally bad: both messages, checks of one name the worse.
        let a = HealthReport(status: .warning, message: "a", checks: ["x": HealthCheck(status: .critical, message: "down")])
        let b = HealthReport(
            status: .warning, message: "b", checks: ["x": HealthCheck(status: .passing), "y": HealthCheck(status: .passing)])
        let worse = PluginSession.worse(of: a, b)
        #expect(worse.status == .warning && worse.message == "a; b")
        #expect(worse.checks == ["x": HealthCheck(status: .critical, message: "down"), "y": HealthCheck(status: .passing)])
        #expect(PluginSession.worse(of: a, a).message == "a")
    }

    @Test("an invalid report is logged and ignored; the previous one stands")
    func invalid() throws {
        var h = try SessionHarness()
        _ = h.activate()
        _ = h.session.ready()
        _ = h.session.healthReported(Self.critical, from: .context)
        let long = HealthReport(status: .passing, message: String(repeating: "x", count: 1_025))
        let actions = h.session.healthReported(long, from: .context)
        #expect(healthSent(actions).isEmpty)
        #expect(actions.contains { if case .log(.error, _, _) = $0 { true } else { false } })
        #expect(h.session.health == Self.critical)
        let many = HealthReport(
            status: .passing, checks: Dictionary(uniqueKeysWithValues: (0..<65).map { ("c\($0)", HealthCheck(status: .passing)) })
        )
        #expect(healthSent(h.session.healthReported(many, from: .hook)).isEmpty)
        #expect(PluginSession.problem(with: many) != nil && PluginSession.problem(with: Self.warning) == nil)
    }

    @Test("while stopping with a session, health still goes out; after GOODBYE nothing does")
    func stopping() throws {
        var h = try SessionHarness()
        _ = h.activate()
        _ = h.session.ready()
        _ = h.session.stop(reason: "SIGTERM")
        #expect(healthSent(h.session.healthReported(Self.critical, from: .context)) == [Self.critical])
        #expect(h.session.goodbye(reason: "stopped") == [.send(.goodbye(reason: "stopped"))])
        #expect(h.session.healthReported(Self.warning, from: .hook).isEmpty)
    }
}

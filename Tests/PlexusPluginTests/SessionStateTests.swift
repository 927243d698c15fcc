import PlexusClient
import PlexusProtocol
import Testing

@testable import PlexusPlugin

/// Drives a `PluginSession` with a fake clock: no sockets, no broker.
struct SessionHarness {
    var session: PluginSession
    var now: Int64 = 0
    let wall: Int64 = 1_000_000_000

    init(patterns: [String] = ["user.>"], maxReconnectDelay: Int = 5_000) throws {
        session = PluginSession(
            instance: "p-1", patterns: try PatternSet(patterns), maxReconnectDelayMilliseconds: maxReconnectDelay)
    }

    static func welcome(heartbeat: Int = 1_000, liveness: Int = 3, broker: String = "b1") -> Welcome {
        Welcome(
            instance: "p-1", broker: broker, config: .object([:]), heartbeatMilliseconds: heartbeat, liveness: liveness,
            eventsIn: "tcp://127.0.0.1:1", eventsOut: "tcp://127.0.0.1:2")
    }

    static func event(_ topic: String, payload: String = "") -> ReceivedEvent {
        ReceivedEvent(topic: topic, payload: Array(payload.utf8), meta: EventMeta(seq: 1, time: 0, source: "broker"))
    }

    /// A message from the broker, heard now.
    mutating func receive(_ message: BrokerMessage) -> [PluginSession.Action] {
        session.heard(now: now)
        return session.received(message, now: now, wallMicroseconds: wall)
    }

    /// Registers and completes the probe: an active session.
    mutating func activate(_ welcome: Welcome = SessionHarness.welcome()) -> [PluginSession.Action] {
        session.connect(now: now)
        session.sent(now: now)
        _ = receive(.welcome(welcome))
        return session.eventArrived(Self.event(session.syncTopic))
    }

    mutating func advance(_ milliseconds: Int64) -> [PluginSession.Action] {
        now += milliseconds
        return session.duties(now: now)
    }
}

func reports(_ actions: [PluginSession.Action]) -> [SessionLoop.Report] {
    actions.compactMap { if case .report(let report) = $0 { report } else { nil } }
}

@Suite("Plugin session state machine (no sockets)")
struct SessionStateTests {
    @Test("register, WELCOME, probe: events wait until the runtime has heard of the session")
    func registration() throws {
        var h = try SessionHarness()
        #expect(h.session.state == .disconnected)
        #expect(h.session.connect(now: 0) == [.register])
        #expect(h.session.state == .registering)
        let welcome = SessionHarness.welcome()
        let welcomed = h.receive(.welcome(welcome))
        #expect(
            welcomed == [
                .connectEvents(welcome), .log(.info, "registered with the broker", ["broker": "b1"]), .sendProbe,
            ])
        #expect(h.session.state == .probing(welcome, since: 0))
        // An event before the probe comes back is held; the probe itself never reaches the plugin.
        #expect(h.session.eventArrived(SessionHarness.event("user.created", payload: "ada")).isEmpty)
        let done = h.session.eventArrived(SessionHarness.event("plexus.sync.p-1"))
        #expect(
            reports(done) == [.welcomed(welcome, first: true), .event(SessionHarness.event("user.created", payload: "ada"))])
        #expect(h.session.state == .active)
        #expect(
            reports(h.session.eventArrived(SessionHarness.event("user.deleted"))) == [
                .event(SessionHarness.event("user.deleted"))
            ])
        #expect(h.session.eventArrived(SessionHarness.event("order.placed")).isEmpty)
    }

    @Test("the probe is resent every 20 ms and given up after 5 s, reporting ready anyway")
    func probeTimeout() throws {
        var h = try SessionHarness()
        h.session.connect(now: 0)
        _ = h.receive(.welcome(SessionHarness.welcome(heartbeat: 60_000, liveness: 100)))
        #expect(h.session.timeUntilNextDuty(now: 0) == 20)
        #expect(h.advance(19).isEmpty)
        #expect(h.advance(1) == [.sendProbe])
        let late = h.advance(4_980)
        #expect(late.first == .log(.warning, "subscriptions not confirmed within 5 s; reporting ready anyway"))
        #expect(reports(late) == [.welcomed(SessionHarness.welcome(heartbeat: 60_000, liveness: 100), first: true)])
        #expect(h.session.state == .active)
    }

    @Test("heartbeats when idle; silence past the liveness window re-registers at once, with a fresh backoff")
    func liveness() throws {
        var h = try SessionHarness()
        _ = h.activate()
        #expect(h.session.timeUntilNextDuty(now: 0) == 1_000)
        #expect(h.advance(1_000) == [.send(.heartbeat)])
        h.session.sent(now: h.now)
        #expect(h.advance(1_000) == [.send(.heartbeat)])
        h.session.sent(now: h.now)
        let lost = h.advance(1_001)
        #expect(lost == [.log(.warning, "broker silent past the liveness window; reconnecting"), .register])
        #expect(h.session.state == .registering && h.session.retryDelay == 1_000)
    }

    @Test("without a WELCOME, REGISTER is retried with a doubling delay up to the maximum")
    func backoff() throws {
        var h = try SessionHarness(maxReconnectDelay: 3_000)
        h.session.connect(now: 0)
        var retries: [Int64] = [h.session.retryDelay]
        for _ in 0..<3 {
            // The loop wakes at least once per heartbeat interval, but registers only when the delay is over.
            #expect(h.session.timeUntilNextDuty(now: h.now) == min(1_000, h.session.retryDelay))
            #expect(h.advance(h.session.retryDelay - 1).isEmpty)
            #expect(h.advance(1) == [.register])
            retries.append(h.session.retryDelay)
        }
        #expect(retries == [1_000, 2_000, 3_000, 3_000])
    }

    @Test("heartbeat settings from the broker are clamped")
    func clamped() throws {
        var h = try SessionHarness()
        _ = h.activate(SessionHarness.welcome(heartbeat: 1, liveness: 10_000))
        #expect(h.session.heartbeatMilliseconds == 10 && h.session.liveness == 100)
        _ = h.activate(SessionHarness.welcome(heartbeat: Int.max, liveness: -5))
        #expect(h.session.heartbeatMilliseconds == 600_000 && h.session.liveness == 1)
    }

    @Test("after a loss the session re-registers; the runtime hears 'first: false'; events flow meanwhile")
    func reRegistration() throws {
        var h = try SessionHarness()
        _ = h.activate()
        let disconnect = h.receive(.disconnect(reason: "restart"))
        #expect(disconnect == [.log(.info, "broker is going away; will reconnect", ["reason": "restart"])])
        #expect(h.session.state == .disconnected)
        // Events between sessions still reach the plugin: it has started already.
        #expect(reports(h.session.eventArrived(SessionHarness.event("user.x"))) == [.event(SessionHarness.event("user.x"))])
        #expect(h.advance(999).isEmpty)
        #expect(h.advance(1) == [.register])
        let again = SessionHarness.welcome(broker: "b2")
        #expect(h.receive(.welcome(again))[1] == .log(.info, "re-registered with the broker", ["broker": "b2"]))
        #expect(reports(h.session.eventArrived(SessionHarness.event("plexus.sync.p-1"))) == [.welcomed(again, first: false)])
    }

    @Test("an unknown session registers again at once; other errors are only logged")
    func errors() throws {
        var h = try SessionHarness()
        _ = h.activate()
        let unknown = h.receive(.error(ProtocolError(.notRegistered, "who?")))
        #expect(unknown == [.log(.info, "broker does not know this session; registering again")])
        #expect(h.advance(0) == [.register])
        _ = h.activate()
        let other = h.receive(.error(ProtocolError(.badRequest, "bad READY")))
        #expect(other.count == 1 && reports(other).isEmpty && h.session.state == .active)
    }

    @Test("a refused registration is reported once; nothing registers again")
    func rejected() throws {
        var h = try SessionHarness()
        h.session.connect(now: 0)
        let refusal = ProtocolError(.badRequest, "bad name")
        let refused = h.receive(.error(refusal))
        #expect(reports(refused) == [.rejected(refusal)])
        #expect(h.session.state == .stopping(registered: false))
        #expect(reports(h.receive(.error(refusal))).isEmpty)
        #expect(h.advance(60_000).isEmpty)
        #expect(h.session.goodbye(reason: "registration refused").isEmpty)
        #expect(h.session.state == .stopped)
    }

    @Test("STOP is reported once; afterwards no request or event reaches the plugin, heartbeats go on, GOODBYE ends it")
    func stopping() throws {
        var h = try SessionHarness()
        _ = h.activate()
        let meta = RequestMeta(deadline: h.wall + 1, timeoutMilliseconds: 1, headers: [:], caller: "c")
        #expect(reports(h.receive(.request(rid: "r1", service: "s", body: [], meta: meta))).count == 1)
        let stop = h.receive(.stop(reason: nil))
        #expect(reports(stop) == [.stopRequested(reason: "stopped by the broker")])
        #expect(h.session.state == .stopping(registered: true))
        #expect(h.session.stop(reason: "SIGTERM").isEmpty)
        #expect(h.receive(.request(rid: "r2", service: "s", body: [], meta: meta)).isEmpty)
        #expect(h.session.eventArrived(SessionHarness.event("user.x")).isEmpty)
        #expect(h.advance(1_000) == [.send(.heartbeat)])
        #expect(h.session.goodbye(reason: "stopped") == [.send(.goodbye(reason: "stopped"))])
        #expect(h.session.state == .stopped)
        #expect(h.receive(.reload(config: .object([:]))).isEmpty)
    }

    @Test("a request already past its deadline is not started")
    func expiredRequest() throws {
        var h = try SessionHarness()
        _ = h.activate()
        let meta = RequestMeta(deadline: h.wall, timeoutMilliseconds: 0, headers: [:], caller: "c")
        #expect(h.receive(.request(rid: "r", service: "s", body: [], meta: meta)).isEmpty)
        #expect(reports(h.receive(.cancel(rid: "r"))) == [.cancel(rid: "r")])
    }

    @Test("mesh ready reaches the hook; probes never reach a plugin subscribed to everything")
    func sdkTopics() throws {
        var h = try SessionHarness(patterns: [">"])
        _ = h.activate()
        let ready = SessionHarness.event("plexus.mesh.ready", payload: #"{"plugins": ["a", "b"]}"#)
        #expect(reports(h.session.eventArrived(ready)) == [.meshReady(plugins: ["a", "b"]), .event(ready)])
        #expect(h.session.eventArrived(SessionHarness.event("plexus.sync.p-1")).isEmpty)
        var narrow = try SessionHarness(patterns: ["user.*"])
        _ = narrow.activate()
        #expect(reports(narrow.session.eventArrived(ready)) == [.meshReady(plugins: ["a", "b"])])
    }
}

import Foundation
import Logging
import PlexusProcess
import PlexusProtocol
import PlexusTopology
import Synchronization
import Testing

@testable import PlexusBroker

/// The broker's core driven without sockets: frames in, effects out, across components (sessions,
/// dispatcher, scheduler, supervisor).
@Suite("Broker core flows (no sockets)")
struct BrokerStateTests {
    /// Records launches and signals instead of starting processes.
    final class RecordingProcesses: ProcessControl, @unchecked Sendable {
        struct Launch: Equatable {
            var pid: Int32
            var command: [String]
            var instance: String?
        }
        private let recorded = Mutex<(launches: [Launch], signals: [(Int32, Int32)], nextPID: Int32)>(([], [], 1000))

        func launch(_ request: LaunchRequest) throws(ProcessLauncher.LaunchError) -> Int32 {
            recorded.withLock { state in
                state.nextPID += 1
                state.launches.append(
                    Launch(pid: state.nextPID, command: request.command, instance: request.environment["PLEXUS_INSTANCE"]))
                return state.nextPID
            }
        }

        func signal(_ pid: Int32, _ signal: Int32) { recorded.withLock { $0.signals.append((pid, signal)) } }
        func stopWatching() {}
        var launches: [Launch] { recorded.withLock { $0.launches } }
    }

    let processes = RecordingProcesses()

    /// Refuses `STATUS`, calls to `secret.*` and publishing on `secret.*`: what a permission policy will do.
    struct SecretsPolicy: BrokerPolicy {
        func authorize(_ request: PolicyRequest, from peer: PolicyPeer) -> PolicyDecision {
            switch request {
            case .command(.admin(.status)): .deny(ProtocolError(.forbidden, "STATUS is not allowed"))
            case .command(.call(let service)) where service.hasPrefix("secret."):
                .deny(ProtocolError(.forbidden, "no calls to \(service)"))
            case .publish(let topic) where topic.hasPrefix("secret."),
                .command(.publish(let topic)) where topic.hasPrefix("secret."):
                .deny(ProtocolError(.forbidden, "no events on \(topic)"))
            default: .allow
            }
        }
    }

    func makeState(topology yaml: String = "plugins: {}\n", policy: any BrokerPolicy = AllowEverything()) throws -> BrokerState {
        var configuration = BrokerConfiguration(topology: try Topology.parse(yaml, baseDirectory: "/tmp"))
        configuration.heartbeatIntervalMilliseconds = 1000
        let endpoints = BoundEndpoints(
            control: "tcp://127.0.0.1:1", eventsIn: "tcp://127.0.0.1:2", eventsOut: "tcp://127.0.0.1:3")
        return BrokerState(
            configuration: configuration, brokerID: "b-test", endpoints: endpoints,
            tasks: try BrokerTasks(store: try TaskStore(directory: nil)), processes: processes, policy: policy,
            logger: Logger(label: "test"))
    }

    // MARK: Frames in, effects out

    static func route(_ name: String) -> [UInt8] { Array(name.utf8) }

    /// A plugin session: REGISTER then READY from `route`.
    func attach(_ state: inout BrokerState, route: String, instance: String, services: [String]) {
        let registration = Registration(name: "worker", instance: instance, services: services)
        let welcome = state.control([Self.route(route), []] + PluginMessage.register(registration).encode())
        #expect(
            welcome.contains {
                if case .send(_, let frames) = $0 { frames.count > 1 && frames[1] == Array("WELCOME".utf8) } else { false }
            })
        _ = state.control([Self.route(route), []] + PluginMessage.ready.encode())
    }

    /// A client command from `route`; returns the effects.
    func command(_ state: inout BrokerState, from route: String = "client", _ command: ClientCommand, id: String = "1")
        -> [BrokerEffect]
    {
        state.control([Self.route(route), []] + ClientRequest(requestID: Array(id.utf8), command: command).encode())
    }

    /// The broker messages sent to `route`.
    func messages(to route: String, in effects: [BrokerEffect]) -> [BrokerMessage] {
        effects.compactMap { effect in
            switch effect {
            case .send(let envelope, let frames), .sendRequest(let envelope, let frames, _, _):
                guard envelope.routingID == Self.route(route) else { return nil }
                return try? BrokerMessage.decode(frames[...])
            default:
                return nil
            }
        }
    }

    /// The client replies sent to `route`.
    func replies(to route: String, in effects: [BrokerEffect]) -> [ClientReply] {
        effects.compactMap { effect in
            guard case .send(let envelope, let frames) = effect, envelope.routingID == Self.route(route) else { return nil }
            return try? ClientReply.decode(frames[...])
        }
    }

    func requests(to route: String, in effects: [BrokerEffect]) -> [(rid: String, service: String)] {
        messages(to: route, in: effects).compactMap { message in
            if case .request(let rid, let service, _, _) = message { return (rid, service) }
            return nil
        }
    }

    func published(_ topic: String, in effects: [BrokerEffect]) -> [BrokerEvent] {
        effects.compactMap { effect in
            if case .publish(let event) = effect, event.topic == topic { return event }
            return nil
        }
    }

    // MARK: Flows

    @Test("a task run reaches its worker as a REQUEST, and the worker's answer completes the run")
    func taskRunAnswered() throws {
        var state = try makeState()
        _ = state.start()
        attach(&state, route: "w", instance: "w-1", services: ["job.run"])
        let added = command(&state, .tasks(.add, argument: #"{"id": "nightly", "every": "1h", "service": "job.run"}"#))
        guard case .ok? = replies(to: "client", in: added).first else {
            Issue.record("TASKS ADD: \(replies(to: "client", in: added))")
            return
        }
        let triggered = command(&state, .tasks(.trigger, argument: "nightly"), id: "2")
        let request = try #require(requests(to: "w", in: triggered).first, "no REQUEST for the run: \(triggered)")
        #expect(request.service == "job.run")
        #expect(!published("plexus.task.started", in: triggered).isEmpty)

        let answered = state.control(
            [Self.route("w"), []] + PluginMessage.reply(rid: request.rid, body: Array("done".utf8)).encode())
        let completed = try #require(published("plexus.task.completed", in: answered).first, "\(answered)")
        #expect(completed.source == PlexusConstants.brokerSource)
        let shown = command(&state, .tasks(.show, argument: "nightly"), id: "3")
        guard case .ok(_, let body)? = replies(to: "client", in: shown).first,
            let task = try? JSONSerialization.jsonObject(with: Data(body[0])) as? [String: Any]
        else {
            Issue.record("TASKS SHOW: \(shown)")
            return
        }
        #expect(task["run_count"] as? Int == 1 && task["failure_count"] as? Int == 0, "\(task)")
    }

    @Test("an instance that leaves mid-call hands an idempotent call to another, and the caller gets its answer")
    func idempotentFailover() throws {
        var state = try makeState()
        _ = state.start()
        attach(&state, route: "a", instance: "a-1", services: ["svc.x"])
        attach(&state, route: "b", instance: "b-1", services: ["svc.x"])
        let called = command(
            &state, .call(service: "svc.x", body: Array("hi".utf8), options: CallOptions(idempotent: true)), id: "c1")
        let first = requests(to: "a", in: called) + requests(to: "b", in: called)
        #expect(first.count == 1)
        let (firstRoute, otherRoute) = requests(to: "a", in: called).isEmpty ? ("b", "a") : ("a", "b")

        // The instance that has the call says goodbye: the call goes to the other one, not back to the caller.
        let left = state.control([Self.route(firstRoute), []] + PluginMessage.goodbye(reason: "leaving").encode())
        #expect(replies(to: "client", in: left).isEmpty)
        let retried = try #require(requests(to: otherRoute, in: left).first, "\(left)")
        #expect(retried.service == "svc.x")

        let answered = state.control(
            [Self.route(otherRoute), []] + PluginMessage.reply(rid: retried.rid, body: Array("ok".utf8)).encode())
        guard case .ok(let requestID, let body)? = replies(to: "client", in: answered).first else {
            Issue.record("no answer to the caller: \(answered)")
            return
        }
        #expect(requestID == Array("c1".utf8) && body == [Array("ok".utf8)])
    }

    @Test("a supervised plugin that crashes is restarted after its backoff, and STATUS says so")
    func crashThenRestart() throws {
        var state = try makeState(
            topology: """
                plugins:
                  p:
                    command: [/bin/true]
                    restart: { policy: always, initial: 100ms, max: 1s }
                """)
        _ = state.start()
        let first = try #require(processes.launches.first)
        #expect(first.command == ["/bin/true"] && first.instance == "p-1")

        _ = state.input(.process(.exited(pid: first.pid, status: 9)))  // killed by SIGKILL
        #expect(processes.launches.count == 1, "restarted before its backoff")
        let deadlines = state.deadlines(shuttingDown: false)
        let due = try #require(deadlines.supervisor)
        _ = state.timers(deadlines, now: due)
        let second = try #require(processes.launches.dropFirst().first, "not restarted")
        #expect(second.instance == "p-1" && second.pid != first.pid)

        let status = command(&state, .status)
        guard case .ok(_, let body)? = replies(to: "client", in: status).first else {
            Issue.record("STATUS: \(status)")
            return
        }
        let instances = try JSONCoding.decode([InstanceInfo].self, from: body[0], what: "status")
        #expect(instances.first?.restarts == 1 && instances.first?.lastExit == "signal 9" && instances.first?.pid == second.pid)
    }

    @Test("PUBLISH becomes an acknowledged publish for the event path; a reserved source is refused")
    func acknowledgedPublish() throws {
        var state = try makeState()
        let effects = command(&state, .publish(PublishRequest(topic: "user.created", payload: Array("x".utf8))))
        guard case .publishAcknowledged(let event, let envelope, let id)? = effects.first else {
            Issue.record("\(effects)")
            return
        }
        #expect(event.topic == "user.created" && event.source == PlexusConstants.anonymousSource)
        #expect(envelope.routingID == Self.route("client") && id == Array("1".utf8))
        let forged = command(&state, .publish(PublishRequest(topic: "a.b", payload: [], headers: ["source": "plexus.broker"])))
        #expect(replies(to: "client", in: forged).first.map { if case .error = $0 { true } else { false } } == true)
    }

    @Test("every request passes the policy point: a refusal is answered with its error and counted, nothing else happens")
    func policyPoint() throws {
        var state = try makeState(policy: SecretsPolicy())
        _ = state.start()
        attach(&state, route: "w", instance: "w-1", services: ["secret.vault", "open.door"])
        let status = command(&state, .status)
        guard case .error(_, let error)? = replies(to: "client", in: status).first else {
            Issue.record("STATUS was answered: \(status)")
            return
        }
        #expect(error.code == 403 && error.message == "STATUS is not allowed")
        let denied = command(&state, .call(service: "secret.vault", body: [], options: CallOptions()), id: "2")
        #expect(requests(to: "w", in: denied).isEmpty, "a refused call reached the worker")
        #expect(
            replies(to: "client", in: denied).first.map { if case .error(_, let e) = $0 { e.code == 403 } else { false } } == true
        )
        let allowed = command(&state, .call(service: "open.door", body: [], options: CallOptions()), id: "3")
        #expect(requests(to: "w", in: allowed).count == 1)
        let published = command(&state, .publish(PublishRequest(topic: "secret.plans", payload: [])), id: "4")
        #expect(!published.contains { if case .publishAcknowledged = $0 { true } else { false } })
        #expect(!state.mayPublish("secret.plans", from: nil) && state.mayPublish("open.news", from: nil))
        #expect(state.violations.counts == ["admin": 1, "call": 1, "publish": 2])
    }

    @Test("EVENTS, REPLAY and DURABLE go to the event store; SUBSCRIBER reports show in STATS")
    func eventStoreCommands() throws {
        var state = try makeState()
        for (index, command) in [
            ClientCommand.events(lastOf: nil), .events(lastOf: "a.b"), .replay(ReplayRequest(pattern: "a.>", fromSeq: 3)),
            .durable(.list),
        ].enumerated() {
            let effects = self.command(&state, command, id: "\(index)")
            guard case .eventStore(let routed, let envelope, let id)? = effects.first, effects.count == 1 else {
                Issue.record("\(command.name): \(effects)")
                continue
            }
            #expect(routed == command && envelope.routingID == Self.route("client") && id == Array("\(index)".utf8))
        }
        let report = SubscriberReport(id: "s-1", patterns: ["a.>"], received: 5, gapsSeen: 1)
        let answered = command(&state, .subscriber(report), id: "r")
        #expect(replies(to: "client", in: answered).first.map { if case .ok = $0 { true } else { false } } == true)
        let stats = command(&state, .stats, id: "s")
        guard case .ok(_, let body)? = replies(to: "client", in: stats).first else {
            Issue.record("STATS: \(stats)")
            return
        }
        let reply = try JSONCoding.decode(StatsReply.self, from: body[0], what: "stats")
        #expect(reply.subscribers?.map(\.id) == ["s-1"] && reply.subscribers?.first?.gapsSeen == 1)
    }

    @Test("a REQUEST its instance's queue could not take fails the call at once with 503, naming the instance")
    func undeliverableRequest() throws {
        var state = try makeState()
        _ = state.start()
        attach(&state, route: "w", instance: "w-1", services: ["svc.y"])
        let called = command(&state, .call(service: "svc.y", body: [], options: CallOptions()), id: "c")
        let request = try #require(requests(to: "w", in: called).first)
        let failed = state.requestUndeliverable(instance: "w-1", rid: request.rid)
        guard case .error(let id, let error)? = replies(to: "client", in: failed).first else {
            Issue.record("no answer to the caller: \(failed)")
            return
        }
        #expect(id == Array("c".utf8) && error.code == 503 && error.message.contains("w-1"))
    }

    @Test("a critical instance leaves rotation: calls go to the other, all critical is 503, recovery brings it back")
    func criticalHealthIsolates() throws {
        var state = try makeState()
        _ = state.start()
        attach(&state, route: "a", instance: "a-1", services: ["svc.h"])
        attach(&state, route: "b", instance: "b-1", services: ["svc.h"])
        let report = HealthReport(
            status: .warning, message: "slow disk", checks: ["db": HealthCheck(status: .critical, message: "connection refused")])
        let reported = state.control([Self.route("a"), []] + PluginMessage.health(report).encode())
        let event = try #require(published("plexus.plugin.health", in: reported).first, "\(reported)")
        let info = try JSONCoding.decode(InstanceInfo.self, from: event.payload, what: "health event")
        #expect(info.instance == "a-1" && info.health?.status == .critical && info.health?.isolated == true)
        #expect(info.health?.message.contains("db: connection refused") == true)

        for id in 1...4 {
            let called = command(&state, .call(service: "svc.h", body: [], options: CallOptions()), id: "c\(id)")
            #expect(requests(to: "a", in: called).isEmpty, "a critical instance got a call")
            if let request = requests(to: "b", in: called).first {
                _ = state.control([Self.route("b"), []] + PluginMessage.reply(rid: request.rid, body: []).encode())
            }
        }
        _ = state.control(
            [Self.route("b"), []] + PluginMessage.health(HealthReport(status: .critical, message: "full")).encode())
        let refused = command(&state, .call(service: "svc.h", body: [], options: CallOptions()), id: "all")
        guard case .error(_, let error)? = replies(to: "client", in: refused).first else {
            Issue.record("a call to a service whose every instance is critical was not refused: \(refused)")
            return
        }
        #expect(error.code == 503 && error.message.contains("a-1") && error.message.contains("full"))

        let recovered = state.control([Self.route("a"), []] + PluginMessage.health(HealthReport(status: .passing)).encode())
        #expect(!published("plexus.plugin.health", in: recovered).isEmpty)
        let again = command(&state, .call(service: "svc.h", body: [], options: CallOptions()), id: "back")
        #expect(requests(to: "a", in: again).count == 1, "a recovered instance got no call")
        let plugins = command(&state, .plugins, id: "p")
        guard case .ok(_, let body)? = replies(to: "client", in: plugins).first else {
            Issue.record("\(plugins)")
            return
        }
        let listed = try JSONCoding.decode([InstanceInfo].self, from: body[0], what: "plugins")
        #expect(listed.first { $0.instance == "a-1" }?.health?.status == .passing)
        #expect(listed.first { $0.instance == "b-1" }?.health?.isolated == true)
    }
}

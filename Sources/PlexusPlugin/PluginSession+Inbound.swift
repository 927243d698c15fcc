import Logging
import PlexusClient
import PlexusProtocol

/// What the broker's messages and the received events do to the session.
extension PluginSession {
    /// A message from the broker on the session DEALER. `wallMicroseconds` is the current time, for
    /// request deadlines.
    mutating func received(_ message: BrokerMessage, now: Int64, wallMicroseconds: Int64) -> [Action] {
        guard state != .stopped else { return [] }
        switch message {
        case .welcome(let welcome):
            retryDelay = 0
            // A new session: the broker holds `passing` once READY goes out (PluginSession+Health.swift).
            brokerHealth = nil
            // Clamped to the ranges topology.yaml allows, so that no broker can make the product overflow.
            heartbeatMilliseconds = Int64(min(max(10, welcome.heartbeatMilliseconds), 600_000))
            liveness = Int64(min(max(1, welcome.liveness), 100))
            let actions: [Action] = [
                .connectEvents(welcome),
                .log(
                    .info, welcomes > 0 ? "re-registered with the broker" : "registered with the broker",
                    ["broker": "\(welcome.broker)"]),
            ]
            // Stopping: the session is only kept for heartbeats and the GOODBYE; nothing is probed.
            guard !isStopping else {
                state = .stopping(registered: true)
                return actions
            }
            // READY must mean "receives events": first see a probe come back through our own SUB.
            state = .probing(welcome, since: now)
            return actions + probe(now: now)
        case .heartbeat:
            return []
        case .reload(let config):
            return [.log(.info, "broker sent a new config"), .report(.reload(config))]
        case .request(let rid, let service, let body, let meta):
            // A request whose caller already gave up is not started.
            guard meta.deadline > wallMicroseconds, !isStopping else { return [] }
            return [.report(.request(rid: rid, service: service, body: body, meta: meta))]
        case .cancel(let rid):
            return [.report(.cancel(rid: rid))]
        case .stop(let reason):
            return [.log(.info, "broker asked the plugin to stop", ["reason": "\(reason ?? "")"])]
                + stop(reason: reason ?? "stopped by the broker")
        case .disconnect(let reason):
            lose()
            // Give the broker a heartbeat interval to come back before registering again.
            lastAttempt = now
            retryDelay = heartbeatMilliseconds
            return [.log(.info, "broker is going away; will reconnect", ["reason": "\(reason ?? "")"])]
        case .error(let error):
            return brokerError(error)
        }
    }

    private mutating func brokerError(_ error: ProtocolError) -> [Action] {
        if error.knownCode == .notRegistered {
            lose()
            retryDelay = 0
            return [.log(.info, "broker does not know this session; registering again")]
        }
        // 403 before a session: the broker's security refused this name or a service it offers.
        if !isRegistered,
            error.knownCode == .badRequest || error.knownCode == .unsupportedProtocol || error.knownCode == .forbidden
        {
            var actions: [Action] = [.log(.error, "broker refused the registration", ["error": "\(error)"])]
            // Retrying cannot help: the runtime stops the plugin.
            if !isStopping {
                state = .stopping(registered: false)
                heldEvents.removeAll()
                actions.append(.report(.rejected(error)))
            }
            return actions
        }
        return [.log(.warning, "broker reported an error", ["error": "\(error)"])]
    }

    /// An event from the events SUB, decoded.
    mutating func eventArrived(_ event: ReceivedEvent) -> [Action] {
        if event.topic == syncTopic {
            // Probes are the SDK's business: they never reach the plugin, whatever its patterns.
            if case .probing(let welcome, _) = state { return finishWelcome(welcome) }
            return []
        }
        guard !isStopping else { return [] }
        var actions: [Action] = []
        if event.topic == Self.meshReadyTopic,
            let body = try? JSONCoding.decode(MeshReady.self, from: event.payload, what: "mesh")
        {
            actions.append(.report(.meshReady(plugins: body.plugins)))
        }
        guard patterns.matches(event.topic) else { return actions }
        if holdsEvents {
            if heldEvents.count < Self.maxHeldEvents { heldEvents.append(event) }
        } else {
            actions.append(.report(.event(event)))
        }
        return actions
    }

    /// Events wait while a probe is out, and before the runtime heard of any session (a session lost
    /// during its first probe): the plugin's `start()` and `reload()` see none before they run.
    var holdsEvents: Bool {
        if case .probing = state { return true }
        return welcomes == 0
    }

    private struct MeshReady: Decodable {
        var plugins: [String]
    }
}

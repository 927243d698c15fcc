import Logging
import PlexusProtocol

/// Permissions at the policy point (docs/SECURITY.md, "Permissions"): every refusal is a violation,
/// counted (`STATS` `violations`), logged rate-limited, published on `plexus.security.violation`, audited
/// (aggregated) and, when the sender holds a session, reported to it. The connection stays open.
extension BrokerState {
    /// The topic violations are published on.
    static let violationTopic = "plexus.security.violation"

    /// Asks the policy about `request` from `identity` (nil: a peer without one, inside the process or
    /// with CURVE off, which `PermissionPolicy` trusts). Returns nil when allowed, else the error to answer
    /// with, after recording the violation.
    mutating func refusal(_ request: PolicyRequest, from identity: PeerIdentity?, sessionInstance: String? = nil)
        -> ProtocolError?
    {
        let peer = PolicyPeer(identity: identity?.name, instance: identity?.instance ?? sessionInstance)
        guard case .deny(let error) = policy.authorize(request, from: peer) else { return nil }
        violation(request, error: error, identity: identity ?? PeerIdentity(name: "anonymous", instance: sessionInstance))
        return error
    }

    /// Whether `sender` may publish on `topic`, remembered per sender and topic so that the event path
    /// matches patterns once per pair, not once per event. A refusal is recorded as a violation.
    mutating func mayPublish(_ topic: String, from sender: PeerIdentity?) -> Bool {
        let cacheKey = PublishDecisionKey(sender: sender.map { $0.instance ?? $0.name } ?? "", topic: topic)
        if let allowed = publishDecisions[cacheKey] {
            if !allowed { _ = refusal(.publish(topic: topic), from: sender) }
            return allowed
        }
        let allowed = refusal(.publish(topic: topic), from: sender) == nil
        // Bounded: a peer cycling through topics costs a cleared cache, not memory.
        if publishDecisions.count >= Self.maxPublishDecisions { publishDecisions.removeAll(keepingCapacity: true) }
        publishDecisions[cacheKey] = allowed
        return allowed
    }

    static let maxPublishDecisions = 8_192

    /// Records one refusal: in full the first time in a window, then counted until the window closes.
    mutating func violation(_ request: PolicyRequest, error: ProtocolError, identity: PeerIdentity) {
        let actor = ViolationActor(
            name: identity.name, kind: supervisor.topology.plugin(identity.name) != nil ? "plugin" : "client",
            instance: identity.instance, key: identity.key, address: identity.address)
        let key = ViolationLog.Key(verb: request.verb, actor: identity.name, target: request.target)
        guard violations.record(key, actor: actor, message: error.message) else { return }
        logger.warning(
            "\(key.verb) violation: \(actor.kind) \"\(actor.name)\", \(Self.targetNoun(request)) \"\(key.target)\"",
            metadata: ["key": "\(actor.key ?? "-")", "address": "\(actor.address ?? "-")"])
        report(key, actor: actor, message: error.message, count: 1)
        // The plugin learns why, on its session (a PUB or SUB has no reply of its own).
        for route in sessionRoutes(of: identity) {
            sendControl(ControlEnvelope(routingID: route), BrokerMessage.error(error).encode())
        }
    }

    /// Closes the violation window: one line, event and audit record per key that repeated.
    mutating func rollViolations(now: Int64) {
        guard let (repeats, untracked) = violations.roll(now: now) else { return }
        for (key, repeated) in repeats {
            logger.warning(
                "\(repeated.count) more \(key.verb) violations: \(repeated.actor.kind) \"\(key.actor)\", \"\(key.target)\"")
            report(key, actor: repeated.actor, message: repeated.message, count: repeated.count)
        }
        if untracked > 0 {
            logger.warning("\(untracked) more violations on targets past the \(violations.maxKeys) a window itemises")
        }
    }

    private mutating func report(_ key: ViolationLog.Key, actor: ViolationActor, message: String, count: UInt64) {
        var fields: [String: JSONValue] = [
            "verb": .string(key.verb), "actor": .string(actor.name), "kind": .string(actor.kind),
            "target": .string(key.target), "message": .string(message), "count": .number(Double(count)),
        ]
        if let instance = actor.instance { fields["instance"] = .string(instance) }
        if let publicKey = actor.key { fields["key"] = .string(publicKey) }
        if let address = actor.address { fields["address"] = .string(address) }
        publish(
            topic: Self.violationTopic, payload: JSONCoding.encode(JSONValue.object(fields)),
            source: PlexusConstants.brokerSource, headersJSON: nil)
        audit(
            "violation.\(key.verb)", target: key.target,
            actor: AuditActor(name: actor.name, key: actor.key, address: actor.address, via: "control"),
            decision: "denied", result: message, detail: count == 1 ? nil : "\(count) more in the last 10 s",
            durable: false)
    }

    /// The sessions `identity` holds: the instance its key was issued for, else every session under its name.
    private func sessionRoutes(of identity: PeerIdentity) -> [[UInt8]] {
        if let instance = identity.instance { return registry.session(instance: instance).map { [$0.routingID] } ?? [] }
        return registry.sessions.values.filter { $0.registration.name == identity.name }.map(\.routingID)
    }

    private static func targetNoun(_ request: PolicyRequest) -> String {
        switch request {
        case .publish, .command(.publish): "topic"
        case .subscribe: "prefix"
        case .serve, .call, .command(.call): "service"
        case .command(.read), .command(.durableOpen): "pattern"
        case .command(.durable): "durable subscription"
        case .command: "action"
        }
    }
}

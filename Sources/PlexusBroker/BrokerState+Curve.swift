import PlexusProtocol

/// Identity binding (CURVE on, docs/SECURITY.md): what a peer does is checked against the name its key
/// was admitted as. Without CURVE, or for a peer inside the process (no identity), nothing is checked.
extension BrokerState {
    /// Why the current peer may not register `registration`; nil when it may.
    func identityProblem(_ registration: Registration) -> String? {
        guard curve != nil, let peer else { return nil }
        if let instance = peer.instance {
            // A key the broker issued: only the instance it was issued for.
            guard registration.instance == instance else {
                return "this key was issued to instance '\(instance)'; it may not register instance '\(registration.instance)'"
            }
            return nil
        }
        guard registration.name == peer.name else {
            return "this key belongs to '\(peer.name)'; it may not register as '\(registration.name)'"
        }
        return nil
    }

    /// Whether `source` (an event's `source` header) may be sent by a publisher admitted as `name`
    /// (and, for an issued key, as `instance`): its own instance id, its name, or the instance id of a
    /// session registered under its name.
    func sourceAllowed(_ source: String, name: String, instance: String?) -> Bool {
        if let instance { return source == instance }
        if source == name { return true }
        return registry.session(instance: source)?.registration.name == name
    }

    /// The ZAP handler refused a connection: counted (`STATS` `malformed.auth`), logged rate-limited and
    /// audited with the key.
    mutating func authenticationRefused(key: String?, address: String, reason: String) {
        badInput.record(
            "auth", "connection refused: \(reason)", metadata: ["key": "\(key ?? "-")", "address": "\(address)"],
            now: Clock.monotonicMilliseconds(), logger: logger, label: "authentication")
        // A peer that keeps reconnecting is one audit record per key (or address) per window, not one per try.
        guard authAudited.count < 1_024, authAudited.insert(key ?? address).inserted else { return }
        audit(
            "auth", target: address, actor: AuditActor(name: "anonymous", key: key, address: address, via: "control"),
            decision: "denied", result: reason, durable: false)
    }
}

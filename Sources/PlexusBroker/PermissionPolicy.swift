import PlexusProtocol
import PlexusTopology

/// The policy with `security.curve` on: each identity's `permissions:` (a plugin's entry, or a
/// `security.clients` entry), deny by default, deny wins (docs/SECURITY.md, "Permissions").
///
/// A peer without an identity is inside the process (the HTTP API, over `inproc://`, which checks its
/// tokens against the same `Permissions`); the broker's own key (`plexus.broker`) may do everything.
struct PermissionPolicy: BrokerPolicy {
    /// Permissions by identity name.
    let permissions: [String: Permissions]

    /// What a plugin or client without a `permissions:` block gets (`security.default_permissions`, else nothing).
    let fallback: Permissions

    init(topology: Topology?) {
        fallback = topology?.security.defaultPermissions ?? .nothing
        var table: [String: Permissions] = [:]
        for plugin in topology?.plugins ?? [] { table[plugin.name] = plugin.permissions ?? fallback }
        for name in topology?.security.clients.keys.sorted() ?? [] {
            table[name] = topology?.security.clientPermissions[name] ?? fallback
        }
        table[PlexusConstants.brokerSource] = .all
        permissions = table
    }

    /// What `identity` may do. A name the topology does not list (a key admitted otherwise) gets nothing.
    func permissions(of identity: String) -> Permissions { permissions[identity] ?? .nothing }

    func authorize(_ request: PolicyRequest, from peer: PolicyPeer) -> PolicyDecision {
        guard let identity = peer.identity else { return .allow }
        let granted = permissions(of: identity)
        let allowed: Bool
        switch request {
        case .command(.publish(let topic)):
            allowed = granted.publish.permits(topic) || Self.isOwnSyncTopic(topic, peer: peer)
        case .command(let access): allowed = granted.allows(access, identity: identity)
        case .publish(let topic): allowed = granted.publish.permits(topic) || Self.isOwnSyncTopic(topic, peer: peer)
        case .subscribe(let prefix): allowed = granted.subscribe.grants(prefix: prefix) || Self.isImplicit(prefix: prefix)
        case .serve(let service): allowed = granted.serve.permits(service)
        case .call(let service): allowed = granted.call.permits(service)
        }
        if allowed { return .allow }
        return .deny(
            ProtocolError(.forbidden, "permission denied: '\(identity)' may not \(Self.describe(request)) (docs/SECURITY.md)"))
    }

    /// The readiness probe (`plexus.sync.INSTANCE`, docs/PROTOCOL.md section 4) needs no permission: it
    /// carries nothing, and the SDKs use it before they send `READY`. A key issued to an instance may
    /// probe only that instance's topic.
    private static func isOwnSyncTopic(_ topic: String, peer: PolicyPeer) -> Bool {
        guard topic.hasPrefix(syncPrefix) else { return false }
        let instance = topic.dropFirst(syncPrefix.count)
        return !instance.isEmpty && (peer.instance.map { $0 == instance } ?? true)
    }

    /// Subscriptions every identity may hold, because the SDKs make them for every plugin: the readiness
    /// probes, the event heartbeat (gap detection; it carries sequence numbers, not events) and
    /// `plexus.mesh.ready` (the plugin hook of the same name). No broker topic extends the last two.
    private static func isImplicit(prefix: String) -> Bool {
        prefix == EventHeartbeat.topic || prefix == meshReadyTopic
            || (prefix.hasPrefix(syncPrefix) && prefix.count > syncPrefix.count)
    }

    private static let meshReadyTopic = "plexus.mesh.ready"

    private static let syncPrefix = "plexus.sync."

    private static func describe(_ request: PolicyRequest) -> String {
        switch request {
        case .command(let access): "use \(Permissions.describe(access))"
        case .publish(let topic): "publish on '\(topic)'"
        case .subscribe(let prefix):
            "subscribe to the prefix '\(prefix)': ZeroMQ would deliver every topic starting with it, and not all of those are allowed; subscribe to a narrower prefix"
        case .serve(let service): "serve '\(service)'"
        case .call(let service): "call '\(service)'"
        }
    }
}

import PlexusProtocol

/// The one place that decides whether a request is allowed: every client command, plugin session
/// message, service offered or called, event published and subscription asked for passes
/// `BrokerPolicy.authorize` before the broker acts on it.
///
/// Without `security.curve` the broker runs `AllowEverything`; with it, `PermissionPolicy` checks each
/// request against the sender's `permissions:` (docs/SECURITY.md, "Permissions").
protocol BrokerPolicy: Sendable {
    /// Whether `request` from `peer` may go ahead; a refusal carries the error the sender gets.
    func authorize(_ request: PolicyRequest, from peer: PolicyPeer) -> PolicyDecision
}

/// Who sent a request, as far as the broker knows.
struct PolicyPeer: Sendable, Equatable {
    /// The authenticated name (the ZAP `User-Id`); nil for a peer without one (inside the process, or
    /// CURVE off), which the broker trusts as it did before security.
    var identity: String?
    /// The plugin session held by the sender's connection, if any.
    var instance: String?

    init(identity: String? = nil, instance: String? = nil) {
        self.identity = identity
        self.instance = instance
    }
}

/// What is asked.
enum PolicyRequest: Sendable, Equatable {
    /// A client command (`PLXC01`), by what it needs (`CALL` and `PUBLISH` included).
    case command(RequiredAccess)
    /// An event on `events_in`, by topic.
    case publish(topic: String)
    /// A subscription prefix on `events_out`.
    case subscribe(prefix: String)
    /// A service offered (`REGISTER` `services`, a Majordomo worker's `READY`).
    case serve(service: String)
    /// A service called (a Majordomo client's request; client `CALL`s come as `command`).
    case call(service: String)

    /// The verb a refusal is counted and reported under (`STATS` `violations`).
    var verb: String {
        switch self {
        case .command(.publish): "publish"
        case .command(.call): "call"
        case .command(.read), .command(.durableOpen), .command(.durable): "subscribe"
        case .command: "admin"
        case .publish: "publish"
        case .subscribe: "subscribe"
        case .serve: "serve"
        case .call: "call"
        }
    }

    /// What was asked for, as the violation's target.
    var target: String {
        switch self {
        case .command(let access): access.target
        case .publish(let topic): topic
        case .subscribe(let prefix): prefix
        case .serve(let service), .call(let service): service
        }
    }
}

extension RequiredAccess {
    /// The subject of the access: a topic, service, pattern, action or durable name.
    var target: String {
        switch self {
        case .none: ""
        case .admin(let action): action.rawValue
        case .publish(let topic): topic
        case .call(let service): service
        case .read(let pattern): pattern
        case .durable(let name), .durableOpen(let name, _): name
        }
    }
}

/// The policy's answer.
enum PolicyDecision: Sendable, Equatable {
    case allow
    case deny(ProtocolError)
}

/// The policy of a broker without security: everything is allowed.
struct AllowEverything: BrokerPolicy {
    func authorize(_ request: PolicyRequest, from peer: PolicyPeer) -> PolicyDecision { .allow }
}

import PlexusProtocol

/// The one place that decides whether a request is allowed: every client command, plugin session
/// message, service call and event passes `BrokerPolicy.authorize` before the broker acts on it.
///
/// Today the broker runs `AllowEverything`. Permissions (who may publish, subscribe, serve, call or
/// administer what) fill this in without touching the code that carries requests out.
protocol BrokerPolicy: Sendable {
    /// Whether `request` from `peer` may go ahead; a refusal carries the error the sender gets.
    func authorize(_ request: PolicyRequest, from peer: PolicyPeer) -> PolicyDecision
}

/// Who sent a request, as far as the broker knows.
struct PolicyPeer: Sendable, Equatable {
    /// The plugin session held by the sender's connection, if any.
    var instance: String?
    /// The plugin name of that session.
    var plugin: String?
    /// The control connection's routing id (nil for events, which arrive on `events_in`).
    var routingID: [UInt8]?
}

/// What is asked.
enum PolicyRequest: Sendable, Equatable {
    /// A client command (`PLXC01`), `CALL` included.
    case command(String)
    /// A plugin session message (`PLXP01`) by name (`REGISTER`, `READY`, `REPLY`, …).
    case session(String)
    /// A service call, from a client, a plugin or a Majordomo client.
    case call(service: String)
    /// A Majordomo message (client request or worker command).
    case majordomo
    /// An event on `events_in` (or an acknowledged `PUBLISH`), by topic.
    case publish(topic: String)
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

/// The administrative actions a `permissions.admin` list names (docs/SECURITY.md, "Permissions"). Each
/// client command that manages the broker needs one; the same names gate the HTTP API's tokens.
public enum AdminAction: String, Sendable, CaseIterable, Comparable, Codable {
    /// Read the mesh: `STATUS`, `PLUGINS`, `SERVICES`, `STATS`, `EVENTS` (the log's state), `TASKS LIST`/`SHOW`.
    case status
    /// `METRICS`.
    case metrics
    /// `LOGS`: plugins' output.
    case logs
    case start, stop, restart, reload, upgrade
    /// `APPLY`, a dry run included (it shows the topology's secrets' paths and the plan).
    case apply
    /// `SHUTDOWN`.
    case shutdown
    /// The `TASKS` verbs that change tasks: `ADD`, `REMOVE`, `PAUSE`, `RESUME`, `CANCEL`, `TRIGGER`.
    case tasks
    /// `AUDIT`: read the audit log.
    case audit
    /// `DURABLE LIST`/`DELETE`, and `ACK`/`DEAD` on durable subscriptions of other names.
    case durable

    /// What reading needs: a viewer token's actions.
    public static let reads: Set<AdminAction> = [.status, .logs, .metrics, .audit]

    /// The five lifecycle verbs, which `lifecycle` in a permission list stands for.
    public static let lifecycle: [AdminAction] = [.start, .stop, .restart, .reload, .upgrade]

    public static func < (lhs: AdminAction, rhs: AdminAction) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a client command needs from the sender's permissions.
public enum RequiredAccess: Sendable, Equatable {
    /// Nothing: `PING`, `DISCOVER`, `SUBSCRIBER` (a report about the sender's own subscriber).
    case none
    case admin(AdminAction)
    case publish(topic: String)
    case call(service: String)
    /// Reading stored events of a pattern (`REPLAY`, `DURABLE OPEN`, `EVENTS LAST`), as subscribing would.
    case read(pattern: String)
    /// `ACK` and `DEAD` on the durable subscription `name`: its owner's, or `admin: [durable]`.
    case durable(name: String)
    /// `DURABLE OPEN`: the name must be the sender's (or `admin: [durable]`) and the pattern readable.
    case durableOpen(name: String, pattern: String)
}

extension ClientCommand {
    /// What the sender must be allowed for the broker to carry this command out.
    public var requiredAccess: RequiredAccess {
        switch self {
        case .ping, .discover, .subscriber: .none
        case .publish(let event): .publish(topic: event.topic)
        case .call(let service, _, _): .call(service: service)
        case .plugins, .stats, .status, .services: .admin(.status)
        case .events(let lastOf): lastOf.map { .read(pattern: $0) } ?? .admin(.status)
        case .replay(let request): .read(pattern: request.pattern)
        case .durable(.open(let open)): .durableOpen(name: open.name, pattern: open.pattern)
        case .durable(.ack(let name, _)): .durable(name: name)
        case .durable(.dead(let letter, _)): .durable(name: letter.name)
        case .durable(.list), .durable(.delete): .admin(.durable)
        case .lifecycle(let verb, _): .admin(verb.adminAction)
        case .apply: .admin(.apply)
        case .shutdown: .admin(.shutdown)
        case .logs: .admin(.logs)
        case .tasks(.list, _), .tasks(.show, _): .admin(.status)
        case .tasks: .admin(.tasks)
        case .metrics: .admin(.metrics)
        case .audit: .admin(.audit)
        }
    }
}

extension LifecycleVerb {
    /// The permission this verb needs.
    public var adminAction: AdminAction {
        switch self {
        case .start: .start
        case .stop: .stop
        case .restart: .restart
        case .reload: .reload
        case .upgrade: .upgrade
        }
    }
}

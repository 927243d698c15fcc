/// What one identity (a plugin or client of the topology, by name) may do, NATS-style (docs/SECURITY.md,
/// "Permissions"). Enforced by the broker when `security.curve` is on; deny by default.
public struct Permissions: Sendable, Equatable {
    /// Topics it may publish (on `events_in` or with `PUBLISH`).
    public var publish: SubjectRule
    /// Topics it may receive: subscription prefixes, and the patterns of `REPLAY` and durable subscriptions.
    public var subscribe: SubjectRule
    /// Services it may offer (`REGISTER` `services`, Majordomo `READY`).
    public var serve: SubjectRule
    /// Services it may call (`CALL`, a plugin's calls, Majordomo requests).
    public var call: SubjectRule
    /// Administrative commands it may send.
    public var admin: Set<AdminAction>

    public init(
        publish: SubjectRule = .nothing, subscribe: SubjectRule = .nothing, serve: SubjectRule = .nothing,
        call: SubjectRule = .nothing, admin: Set<AdminAction> = []
    ) {
        self.publish = publish
        self.subscribe = subscribe
        self.serve = serve
        self.call = call
        self.admin = admin
    }

    /// Nothing at all: what an identity without a `permissions:` block gets when security is on.
    public static let nothing = Permissions()
    /// Everything (`admin: ["*"]` and `>` for every verb).
    public static let all = Permissions(
        publish: .everything, subscribe: .everything, serve: .everything, call: .everything,
        admin: Set(AdminAction.allCases))

    /// Whether the holder, known as `identity`, may do what `access` needs.
    public func allows(_ access: RequiredAccess, identity: String) -> Bool {
        switch access {
        case .none: true
        case .admin(let action): admin.contains(action)
        case .publish(let topic): publish.permits(topic)
        case .call(let service): call.permits(service)
        case .read(let pattern): mayRead(pattern)
        case .durable(let name): owns(durable: name, identity: identity)
        case .durableOpen(let name, let pattern): owns(durable: name, identity: identity) && mayRead(pattern)
        }
    }

    /// Whether the events of `pattern` may be read (an invalid pattern is left to the command to refuse).
    private func mayRead(_ pattern: String) -> Bool {
        guard let parsed = try? TopicPattern(pattern) else { return true }
        return subscribe.grants(pattern: parsed)
    }

    /// A durable subscription belongs to the identity whose name it is, or starts with followed by `.`,
    /// `-` or `_` (`billing`, `billing.eu`, `billing-2`); `admin: [durable]` manages them all.
    public func owns(durable name: String, identity: String) -> Bool {
        if admin.contains(.durable) || name == identity { return true }
        guard name.hasPrefix(identity), let next = name.dropFirst(identity.count).first else { return false }
        return next == "." || next == "-" || next == "_"
    }

    /// A short sentence naming what `access` needed, for the refusal.
    public static func describe(_ access: RequiredAccess) -> String {
        switch access {
        case .none: "nothing"
        case .admin(let action): "admin action '\(action.rawValue)'"
        case .publish(let topic): "publishing on '\(topic)'"
        case .call(let service): "calling '\(service)'"
        case .read(let pattern): "reading '\(pattern)'"
        case .durable(let name): "the durable subscription '\(name)'"
        case .durableOpen(let name, let pattern): "the durable subscription '\(name)' on '\(pattern)'"
        }
    }
}

/// One line of the broker's audit log (`audit.jsonl` in its data directory, docs/SECURITY.md): who did
/// what to what, whether it was allowed, and how it ended.
public struct AuditRecord: Codable, Sendable, Equatable {
    /// Microseconds since the epoch.
    public var time: Int64
    public var actor: AuditActor
    /// The command or event: `RESTART`, `APPLY`, `TASKS ADD`, `SHUTDOWN`, `register`, `integrity`, `oom`, …
    public var action: String
    /// What it was about: a plugin, an instance, a task id, a topology file; empty when nothing in particular.
    public var target: String
    /// `allowed` or `denied`.
    public var decision: String
    /// `ok`, or the error (`not_found (404): …`).
    public var result: String
    /// More facts, such as the apply plan or the expected and actual digest.
    public var detail: String?

    public init(
        time: Int64, actor: AuditActor, action: String, target: String, decision: String = "allowed",
        result: String = "ok", detail: String? = nil
    ) {
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.decision = decision
        self.result = result
        self.detail = detail
    }
}

/// Who an audit record is about.
public struct AuditActor: Codable, Sendable, Equatable {
    /// The plugin whose session sent the command, `broker` for the broker's own decisions, or
    /// `anonymous` for a client without a session.
    public var name: String
    /// The peer's CURVE public key, once authentication is on.
    public var key: String?
    /// The peer's address, when known.
    public var address: String?
    /// `control` (the ZeroMQ control endpoint, which the CLI uses), `http`, or `broker`.
    public var via: String

    public init(name: String, key: String? = nil, address: String? = nil, via: String) {
        self.name = name
        self.key = key
        self.address = address
        self.via = via
    }

    /// The broker itself (an OOM kill, an integrity failure at launch).
    public static let broker = AuditActor(name: "broker", via: "broker")
}

/// The argument of `AUDIT`: which records to return, newest last.
public struct AuditQuery: Codable, Sendable, Equatable {
    /// Only records at or after this time (µs since the epoch).
    public var since: Int64?
    /// Only records whose actor has this name.
    public var actor: String?
    /// Only records with this action (case-insensitive; `TASKS` matches every `TASKS …`).
    public var action: String?
    /// At most this many (the newest); 1…10,000, default 1,000.
    public var limit: Int?

    public init(since: Int64? = nil, actor: String? = nil, action: String? = nil, limit: Int? = nil) {
        self.since = since
        self.actor = actor
        self.action = action
        self.limit = limit
    }

    /// Whether `record` passes the filters.
    public func matches(_ record: AuditRecord) -> Bool {
        if let since, record.time < since { return false }
        if let actor, record.actor.name != actor { return false }
        if let action {
            let wanted = action.uppercased()
            let actual = record.action.uppercased()
            if actual != wanted && !actual.hasPrefix(wanted + " ") { return false }
        }
        return true
    }
}

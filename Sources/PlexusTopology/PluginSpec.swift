import PlexusProtocol

/// One plugin of a topology, validated: how to launch it, what it depends on, how to supervise it.
public struct PluginSpec: Sendable, Equatable {
    public var name: String
    /// argv; empty for a plugin that is only configured (it attaches by itself).
    public var command: [String]
    public var environment: [String: String]
    /// Working directory (resolved against the topology's directory), or `nil` for that directory.
    public var workingDirectory: String?
    public var type: String
    public var instances: Int
    public var enabled: Bool
    /// Strong dependencies: must exist and be running first.
    public var dependsOn: [Dependency]
    /// Weak dependencies: ordering only, when present.
    public var after: [Dependency]
    /// Plugins that must not run at the same time as this one.
    public var conflicts: [String]
    public var config: JSONValue
    public var restart: RestartPolicy
    public var startTimeoutMilliseconds: Int64
    public var stopTimeoutMilliseconds: Int64
    /// `protocol: none`: a program that does not speak Plexus (docs/PROTOCOL.md section 4, "Plain processes").
    public var plainProcess = false
    /// A plain process counts as running once up this long (without a probe), supervisord's `startsecs`.
    public var startSecondsMilliseconds: Int64 = 1_000
    /// The `health:` block: a probe and what a critical health does.
    public var health = HealthSpec()
    /// `public_key:` / `public_key_file:`: the CURVE key of a plugin started elsewhere (attached), which
    /// may then connect under this name when `security.curve` is on. Supervised instances need none.
    public var publicKey: String?
    /// `sha256:` and `signature:`: the executable (or script) that may run (docs/SECURITY.md).
    public var integrity: IntegrityPin?
    /// The `permissions:` block (enforced with `security.curve`); nil means none: deny by default.
    public var permissions: Permissions?
    /// The `limits:` block.
    public var limits = ResourceLimits()
    /// The `sandbox:` block; nil when the plugin runs unconfined.
    public var sandbox: SandboxSpec?

    /// Whether the broker launches it (it has a command).
    public var isLaunched: Bool { !command.isEmpty }

    public init(
        name: String, command: [String] = [], environment: [String: String] = [:], workingDirectory: String? = nil,
        type: String = "", instances: Int = 1, enabled: Bool = true, dependsOn: [Dependency] = [],
        after: [Dependency] = [], conflicts: [String] = [], config: JSONValue = .object([:]),
        restart: RestartPolicy = RestartPolicy(), startTimeoutMilliseconds: Int64 = 10_000,
        stopTimeoutMilliseconds: Int64 = 5_000
    ) {
        self.name = name
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.type = type
        self.instances = instances
        self.enabled = enabled
        self.dependsOn = dependsOn
        self.after = after
        self.conflicts = conflicts
        self.config = config
        self.restart = restart
        self.startTimeoutMilliseconds = startTimeoutMilliseconds
        self.stopTimeoutMilliseconds = stopTimeoutMilliseconds
    }

    /// Whether two specs differ only in `config` (so a reload, not a restart, applies the change).
    public func differsOnlyInConfig(from other: PluginSpec) -> Bool {
        var copy = other
        copy.config = config
        return copy == self && other.config != config
    }
}

/// A dependency entry: a plugin name or a plugin type, with an optional version constraint.
public struct Dependency: Sendable, Equatable, CustomStringConvertible {
    public enum Target: Sendable, Equatable {
        case plugin(String)
        /// `type:NAME`: every plugin of that type; `type:*`: every plugin that declares a type.
        case type(String)
    }

    public var target: Target
    public var version: VersionConstraint?

    public var description: String {
        let base: String
        switch target {
        case .plugin(let name): base = name
        case .type(let type): base = "type:\(type)"
        }
        return version.map { "\(base)@\($0)" } ?? base
    }

    /// Parses `name`, `name@^1.2`, `type:NAME` or `type:*`.
    public init(parsing text: String) throws(TopologyMessage) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let base = String(parts[0])
        if base.hasPrefix("type:") {
            let type = String(base.dropFirst(5))
            guard !type.isEmpty else { throw TopologyMessage("'\(text)' names no type (use type:NAME or type:*)") }
            target = .type(type)
        } else {
            if let problem = Identifier.validationError(base, what: "dependency") { throw TopologyMessage(problem) }
            target = .plugin(base)
        }
        version = parts.count == 2 ? try VersionConstraint(String(parts[1])) : nil
    }

    public init(target: Target, version: VersionConstraint? = nil) {
        self.target = target
        self.version = version
    }
}

/// How the supervisor restarts a plugin's instances (Erlang/OTP-style intensity limit).
public struct RestartPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Restart whenever the process exits unasked, even with status 0.
        case always
        /// Restart when it exits with a non-zero status, on a signal, after missed heartbeats or a start timeout.
        case onFailure = "on-failure"
        /// Never restart.
        case never
    }

    public var mode: Mode
    public var initialBackoffMilliseconds: Int64
    public var maxBackoffMilliseconds: Int64
    /// More restarts than this within `periodMilliseconds` marks the instance `failed`.
    public var maxRestarts: Int
    public var periodMilliseconds: Int64

    public init(
        mode: Mode = .onFailure, initialBackoffMilliseconds: Int64 = 500, maxBackoffMilliseconds: Int64 = 30_000,
        maxRestarts: Int = 5, periodMilliseconds: Int64 = 60_000
    ) {
        self.mode = mode
        self.initialBackoffMilliseconds = initialBackoffMilliseconds
        self.maxBackoffMilliseconds = maxBackoffMilliseconds
        self.maxRestarts = maxRestarts
        self.periodMilliseconds = periodMilliseconds
    }

    /// The delay before restart number `attempt` (0-based): initial × 2^attempt, capped at the maximum.
    public func backoff(attempt: Int) -> Int64 {
        guard initialBackoffMilliseconds > 0 else { return 0 }
        var delay = initialBackoffMilliseconds
        for _ in 0..<min(attempt, 40) {
            delay *= 2
            if delay >= maxBackoffMilliseconds { return maxBackoffMilliseconds }
        }
        return min(delay, maxBackoffMilliseconds)
    }
}

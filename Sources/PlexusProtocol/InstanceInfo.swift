/// The state of a plugin instance. Attached instances use `starting`, `running` and `stopping`;
/// supervised ones may be in any state (docs/PROTOCOL.md, section 3).
public enum InstanceState: String, Codable, Sendable, CaseIterable {
    /// Supervised, waiting for its dependencies.
    case pending
    /// Spawned or registered, not yet `READY`.
    case starting
    /// Sent `READY`.
    case running
    /// Told to stop, or said goodbye.
    case stopping
    /// Supervised, not running.
    case stopped
    /// Supervised, waiting to be restarted.
    case backoff
    /// Supervised, will not be restarted.
    case failed

    /// Whether an instance in this state may have a live process or session.
    public var isActive: Bool { self == .starting || self == .running || self == .stopping }
}

/// One plugin instance as reported by `PLUGINS` and carried by `plexus.plugin.*` events.
public struct InstanceInfo: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var version: String
    public var instance: String
    public var pid: Int32
    public var state: InstanceState
    public var services: [String]
    public var subscriptions: [String]
    public var language: String
    /// Started outside the broker's supervision.
    public var attached: Bool
    /// Microseconds since the Unix epoch.
    public var registeredAt: Int64
    /// Microseconds since the Unix epoch.
    public var lastHeartbeat: Int64
    public var uptimeSeconds: Double
    /// Why it is in its state (waiting, stopped, lost, failed).
    public var reason: String?
    /// Supervised only: how often the supervisor restarted it.
    public var restarts: Int?
    /// Supervised only: `exit N` or `signal N` of the last exit, empty before the first.
    public var lastExit: String?
    /// Supervised only: 0, then 1, 2, … for each upgrade.
    public var generation: Int?
    /// Its health: the plugin's report and the broker's probe (nil for an instance not running).
    public var health: InstanceHealth?
    /// Supervised and running only: what its process uses, as last sampled (about every 2 s); nil
    /// before the first sample, for attached instances and off Linux. Absent from older brokers' replies.
    public var resources: ResourceUsage?

    public init(
        registration: Registration, state: InstanceState, attached: Bool, registeredAt: Int64,
        lastHeartbeat: Int64, uptimeSeconds: Double, reason: String? = nil, restarts: Int? = nil,
        lastExit: String? = nil, generation: Int? = nil
    ) {
        name = registration.name
        type = registration.type
        version = registration.version
        instance = registration.instance
        pid = registration.pid
        services = registration.services
        subscriptions = registration.subscriptions
        language = registration.language
        self.state = state
        self.attached = attached
        self.registeredAt = registeredAt
        self.lastHeartbeat = lastHeartbeat
        self.uptimeSeconds = uptimeSeconds
        self.reason = reason
        self.restarts = restarts
        self.lastExit = lastExit
        self.generation = generation
    }

    enum CodingKeys: String, CodingKey {
        case name, type, version, instance, pid, state, services, subscriptions, language, attached, reason
        case restarts, generation, health, resources
        case lastExit = "last_exit"
        case registeredAt = "registered_at"
        case lastHeartbeat = "last_heartbeat"
        case uptimeSeconds = "uptime_s"
    }
}

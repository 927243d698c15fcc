/// The state of a plugin instance as the registry reports it.
public enum InstanceState: String, Codable, Sendable, CaseIterable {
    /// Registered, not yet `READY`.
    case starting
    /// Sent `READY`.
    case running
    /// Told to stop, or said goodbye.
    case stopping
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
    /// Why it stopped or was lost, on `plexus.plugin.stopped|lost` events.
    public var reason: String?

    public init(registration: Registration, state: InstanceState, attached: Bool, registeredAt: Int64,
                lastHeartbeat: Int64, uptimeSeconds: Double, reason: String? = nil) {
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
    }

    enum CodingKeys: String, CodingKey {
        case name, type, version, instance, pid, state, services, subscriptions, language, attached, reason
        case registeredAt = "registered_at"
        case lastHeartbeat = "last_heartbeat"
        case uptimeSeconds = "uptime_s"
    }
}

/// The body of a `RELOAD` reply: the instances that were sent their config again.
public struct ReloadReply: Codable, Sendable, Equatable {
    /// Instance ids; empty when no instance was running.
    public var instances: [String]

    public init(instances: [String]) {
        self.instances = instances
    }
}

/// The body of an `APPLY` reply: what moving to the new topology changes, by plugin name.
public struct ApplyPlan: Codable, Sendable, Equatable {
    public var start: [String] = []
    public var stop: [String] = []
    public var restart: [String] = []
    public var reload: [String] = []
    public var unchanged: [String] = []
    /// Changes that apply only after a broker restart, and similar remarks.
    public var notes: [String] = []

    public init() {}

    /// Whether nothing starts, stops, restarts or reloads.
    public var changesNothing: Bool { start.isEmpty && stop.isEmpty && restart.isEmpty && reload.isEmpty }
}

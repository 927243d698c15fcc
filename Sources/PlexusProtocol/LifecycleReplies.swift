/// The body of a `RELOAD` reply: the instances that were sent their config again.
public struct ReloadReply: Codable, Sendable, Equatable {
    /// Instance ids; empty when no instance was running.
    public var instances: [String]

    public init(instances: [String]) {
        self.instances = instances
    }
}

/// The body of a `SHUTDOWN` reply, sent before the broker starts stopping the mesh.
public struct ShutdownReply: Codable, Sendable, Equatable {
    /// The broker that is stopping.
    public var broker: String
    /// Supervised instances with a process, which are stopped in reverse dependency order.
    public var instances: Int

    public init(broker: String, instances: Int) {
        self.broker = broker
        self.instances = instances
    }
}

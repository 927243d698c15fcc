/// The persisted form of what a task runs: a service (with `fan_out` `one` or `all`) or an event topic.
public struct TargetSpec: Codable, Sendable, Equatable {
    /// A service name (topic rules, not `mmi.`/`plexus.`).
    public var service: String?
    /// `one` (default: one instance, the broker picks it) or `all` (every running instance).
    public var fanOut: String?
    /// An event topic to publish the payload on.
    public var topic: String?
    /// With a service: only instances of this plugin (its name or its type) get the run.
    public var plugin: String?

    /// Creates a spec; prefer the static factories.
    public init(service: String? = nil, fanOut: String? = nil, topic: String? = nil, plugin: String? = nil) {
        self.service = service
        self.fanOut = fanOut
        self.topic = topic
        self.plugin = plugin
    }

    /// Calls `name` on one instance, or on every instance when `fanOut` is `"all"`; `plugin` narrows
    /// the instances to one plugin name or type.
    public static func service(_ name: String, fanOut: String? = nil, plugin: String? = nil) -> TargetSpec {
        TargetSpec(service: name, fanOut: fanOut, plugin: plugin)
    }

    /// Publishes the payload on `topic`.
    public static func topic(_ topic: String) -> TargetSpec { TargetSpec(topic: topic) }

    enum CodingKeys: String, CodingKey {
        case service, topic, plugin
        case fanOut = "fan_out"
    }
}

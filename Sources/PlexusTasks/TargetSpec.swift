/// The persisted form of what a task runs: a service (with `fan_out` `one` or `all`) or an event topic.
public struct TargetSpec: Codable, Sendable, Equatable {
    /// A service name (topic rules, not `mmi.`/`plexus.`).
    public var service: String?
    /// `one` (default: one instance, the broker picks it) or `all` (every running instance).
    public var fanOut: String?
    /// An event topic to publish the payload on.
    public var topic: String?

    /// Creates a spec; prefer the static factories.
    public init(service: String? = nil, fanOut: String? = nil, topic: String? = nil) {
        self.service = service
        self.fanOut = fanOut
        self.topic = topic
    }

    /// Calls `name` on one instance, or on every instance when `fanOut` is `"all"`.
    public static func service(_ name: String, fanOut: String? = nil) -> TargetSpec {
        TargetSpec(service: name, fanOut: fanOut)
    }

    /// Publishes the payload on `topic`.
    public static func topic(_ topic: String) -> TargetSpec { TargetSpec(topic: topic) }

    enum CodingKeys: String, CodingKey {
        case service, topic
        case fanOut = "fan_out"
    }
}

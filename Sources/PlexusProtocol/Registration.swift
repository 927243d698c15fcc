/// What a plugin tells the broker in `REGISTER`.
public struct Registration: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var version: String
    /// Unique per process; re-registering the same id replaces the old session (a reconnect).
    public var instance: String
    public var pid: Int32
    /// Services the plugin offers (reserved for service calls).
    public var services: [String]
    /// The patterns it subscribes to, for the registry's information.
    public var subscriptions: [String]
    /// The SDK's language, for operators (`swift`, `python`, …).
    public var language: String
    /// How many service requests one instance handles at once.
    public var concurrency: Int

    public init(
        name: String, type: String = "", version: String = "", instance: String, pid: Int32 = 0,
        services: [String] = [], subscriptions: [String] = [], language: String = "", concurrency: Int = 1
    ) {
        self.name = name
        self.type = type
        self.version = version
        self.instance = instance
        self.pid = pid
        self.services = services
        self.subscriptions = subscriptions
        self.language = language
        self.concurrency = concurrency
    }

    enum CodingKeys: String, CodingKey { case name, type, version, instance, pid, services, subscriptions, language, concurrency }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        instance = try container.decode(String.self, forKey: .instance)
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? ""
        version = try container.decodeIfPresent(String.self, forKey: .version) ?? ""
        pid = try container.decodeIfPresent(Int32.self, forKey: .pid) ?? 0
        services = try container.decodeIfPresent([String].self, forKey: .services) ?? []
        subscriptions = try container.decodeIfPresent([String].self, forKey: .subscriptions) ?? []
        language = try container.decodeIfPresent(String.self, forKey: .language) ?? ""
        concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency) ?? 1
    }

    /// Checks the fields a decoder cannot: identifier syntax and sizes.
    public func validate() throws(ProtocolError) {
        if let problem = Identifier.validationError(name, what: "name") { throw ProtocolError.bad(problem) }
        if let problem = Identifier.validationError(instance, what: "instance") { throw ProtocolError.bad(problem) }
        if type.utf8.count > 128 || version.utf8.count > 128 || language.utf8.count > 64 {
            throw ProtocolError.bad("type, version or language is too long")
        }
        if services.count > 1024 || subscriptions.count > 1024 {
            throw ProtocolError(.tooLarge, "too many services or subscriptions")
        }
        for service in services {
            if let problem = ServiceName.validationError(service) { throw ProtocolError.bad(problem) }
        }
        guard (1...1024).contains(concurrency) else { throw ProtocolError.bad("concurrency must be from 1 to 1024") }
    }
}

/// What the broker answers to a valid `REGISTER`.
public struct Welcome: Codable, Sendable, Equatable {
    public var instance: String
    /// The broker's id for this run; it changes when the broker restarts.
    public var broker: String
    /// The plugin's `config:` block from the topology (an empty object when there is none).
    public var config: JSONValue
    public var heartbeatMilliseconds: Int
    public var liveness: Int
    public var eventsIn: String
    public var eventsOut: String

    public init(
        instance: String, broker: String, config: JSONValue, heartbeatMilliseconds: Int, liveness: Int,
        eventsIn: String, eventsOut: String
    ) {
        self.instance = instance
        self.broker = broker
        self.config = config
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.liveness = liveness
        self.eventsIn = eventsIn
        self.eventsOut = eventsOut
    }

    enum CodingKeys: String, CodingKey {
        case instance, broker, config, liveness
        case heartbeatMilliseconds = "heartbeat_ms"
        case eventsIn = "events_in"
        case eventsOut = "events_out"
    }
}

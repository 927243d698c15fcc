/// What a plugin tells the broker in `REGISTER`.
public struct Registration: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var version: String
    /// Unique per process; re-registering the same id replaces the old session (a reconnect).
    public var instance: String
    /// What the process says its pid is: shown to operators, never trusted (the token proves a
    /// supervised instance's identity).
    public var pid: Int32
    /// Services the plugin offers (reserved for service calls).
    public var services: [String]
    /// The patterns it subscribes to, for the registry's information.
    public var subscriptions: [String]
    /// The SDK's language, for operators (`swift`, `python`, …).
    public var language: String
    /// How many service requests one instance handles at once.
    public var concurrency: Int
    /// The secret the broker gave a process it spawned (`PLEXUS_TOKEN`): a supervised instance id is
    /// accepted only with it. The broker drops it as soon as it has checked it, so it never appears in a
    /// reply, an event or a log.
    public var token: String?

    /// Limits on a registration's fields (docs/LIMITS.md).
    public enum Limits {
        public static let maxServices = 256
        public static let maxSubscriptions = 256
        public static let maxPatternBytes = Topic.maxBytes
        public static let maxVersionBytes = 64
        public static let maxLanguageBytes = 32
        public static let maxTokenBytes = 128
        public static let maxConcurrency = 1024
    }

    /// The largest `REGISTER` frame: room for every field at its limit, decoded only below it.
    public static let maxFrameBytes = 256 * 1024

    public init(
        name: String, type: String = "", version: String = "", instance: String, pid: Int32 = 0,
        services: [String] = [], subscriptions: [String] = [], language: String = "", concurrency: Int = 1,
        token: String? = nil
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
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case name, type, version, instance, pid, services, subscriptions, language, concurrency, token
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        instance = try container.decode(String.self, forKey: .instance)
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? ""
        version = try container.decodeIfPresent(String.self, forKey: .version) ?? ""
        // Numbers are range-checked here, with the field's name, rather than failing as "not JSON".
        pid = Int32(try container.decodeWholeNumber(.pid, in: 0...Int64(Int32.max), what: "REGISTER") ?? 0)
        services = try container.decodeIfPresent([String].self, forKey: .services) ?? []
        subscriptions = try container.decodeIfPresent([String].self, forKey: .subscriptions) ?? []
        language = try container.decodeIfPresent(String.self, forKey: .language) ?? ""
        concurrency = Int(
            try container.decodeWholeNumber(.concurrency, in: 1...Int64(Limits.maxConcurrency), what: "REGISTER") ?? 1)
        token = try container.decodeIfPresent(String.self, forKey: .token)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(version, forKey: .version)
        try container.encode(instance, forKey: .instance)
        try container.encode(pid, forKey: .pid)
        try container.encode(services, forKey: .services)
        try container.encode(subscriptions, forKey: .subscriptions)
        try container.encode(language, forKey: .language)
        try container.encode(concurrency, forKey: .concurrency)
        try container.encodeIfPresent(token, forKey: .token)
    }

    /// Checks the fields a decoder cannot: syntax, sizes and counts. The error names the field.
    public func validate() throws(ProtocolError) {
        func field(_ name: String, _ problem: String) -> ProtocolError { .bad("REGISTER field '\(name)': \(problem)") }
        if let problem = Identifier.validationError(name, what: "name") { throw field("name", problem) }
        if let problem = Identifier.validationError(instance, what: "instance") { throw field("instance", problem) }
        if !type.isEmpty, let problem = Identifier.validationError(type, what: "type") { throw field("type", problem) }
        if let problem = Self.printableProblem(version, maxBytes: Limits.maxVersionBytes) { throw field("version", problem) }
        if let problem = Self.printableProblem(language, maxBytes: Limits.maxLanguageBytes) {
            throw field("language", problem)
        }
        if let token, token.isEmpty || token.utf8.count > Limits.maxTokenBytes {
            throw field("token", "must be 1 to \(Limits.maxTokenBytes) bytes")
        }
        guard (0...Int32.max).contains(pid) else { throw field("pid", "must be from 0 to \(Int32.max)") }
        guard (1...Limits.maxConcurrency).contains(concurrency) else {
            throw field("concurrency", "must be from 1 to \(Limits.maxConcurrency)")
        }
        guard services.count <= Limits.maxServices else {
            throw ProtocolError(
                .tooLarge, "REGISTER field 'services': \(services.count) entries; the limit is \(Limits.maxServices)")
        }
        for (index, service) in services.enumerated() {
            if let problem = ServiceName.validationError(service) { throw field("services[\(index)]", problem) }
        }
        guard subscriptions.count <= Limits.maxSubscriptions else {
            throw ProtocolError(
                .tooLarge,
                "REGISTER field 'subscriptions': \(subscriptions.count) entries; the limit is \(Limits.maxSubscriptions)")
        }
        for (index, pattern) in subscriptions.enumerated() {
            guard pattern.utf8.count <= Limits.maxPatternBytes else {
                throw field("subscriptions[\(index)]", "longer than \(Limits.maxPatternBytes) bytes")
            }
            do throws(ProtocolError) {
                _ = try TopicPattern(pattern)
            } catch {
                throw field("subscriptions[\(index)]", error.message)
            }
        }
    }

    /// Why a free-text field is not short, printable text, or nil.
    private static func printableProblem(_ text: String, maxBytes: Int) -> String? {
        if text.utf8.count > maxBytes { return "longer than \(maxBytes) bytes" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains control characters"
        }
        return nil
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

extension Registration: CustomStringConvertible, CustomDebugStringConvertible {
    /// Never shows the token, so that logging a registration cannot leak it.
    public var description: String {
        "Registration(name: \(name), instance: \(instance), type: \(type), version: \(version), pid: \(pid), "
            + "services: \(services.count), subscriptions: \(subscriptions.count)\(token == nil ? "" : ", token: <redacted>"))"
    }

    public var debugDescription: String { description }
}

import Foundation
import PlexusProtocol
import PlexusTasks
import Yams

/// The parsed `topology.yaml`: the broker's settings and the plugins of the mesh.
///
/// ```yaml
/// broker:
///   control: tcp://127.0.0.1:7700
/// plugins:
///   audit:
///     command: [python3, plugins/audit/audit.py]
///     config: { path: audit.jsonl }
/// ```
/// Unknown keys are errors, never ignored: a typo must not silently change behaviour.
public struct Topology: Sendable, Equatable {
    /// The `broker:` section.
    public struct BrokerSection: Sendable, Equatable {
        public init() {}
        public var control: String?
        public var eventsIn: String?
        public var eventsOut: String?
        public var heartbeatMilliseconds: Int?
        public var liveness: Int?
        /// The broker's data directory (the scheduler's SQLite database lives there), resolved
        /// against the file's directory.
        public var data: String?
        /// The largest event accepted (topic, payload and headers), in bytes.
        public var maxEventBytes: Int?
        /// The memory one subscriber's outbound queue may hold; its depth in events is this divided
        /// by `maxEventBytes`.
        public var subscriberQueueBytes: Int?
        /// The most plugin sessions at once.
        public var maxSessions: Int?
        /// The most scheduled tasks the broker holds (`TASKS ADD` is refused beyond it); the file
        /// itself may declare at most this many.
        public var maxTasks: Int?
        /// `max_tasks` when the file does not say, and the largest value it may say.
        public static let defaultMaxTasks = 10_000
        public static let maxTasksLimit = 1_000_000
        /// The HTTP API's address (`127.0.0.1:7703`, port `*`, or `off`); nil when the file does not say.
        public var http: String?
        /// The HTTP API's bearer tokens, by file or environment variable (`HTTPTokenSpec`).
        public var httpTokens: [HTTPTokenSpec] = []
    }

    /// Settings of one service (`services:` section): queue bound and circuit breaker.
    public struct ServiceSection: Sendable, Equatable {
        public var queueLimit = 100
        public var breakerFailures = 5
        public var breakerCooldownMilliseconds: Int64 = 10_000
    }

    public var broker: BrokerSection
    /// The `events:` section: the event log and the event sockets' queues.
    public var events = EventsSection()
    /// The `security:` section (docs/SECURITY.md).
    public var security = SecuritySection()
    /// Declared services by name: calls to them wait for an instance instead of failing with 404.
    public var services: [String: ServiceSection] = [:]
    /// Scheduled tasks, by id order; checked, not yet scheduled.
    public var tasks: [TaskDefinition] = []
    /// Plugins in the order the file lists them.
    public var plugins: [PluginSpec]
    /// Their dependencies, resolved and checked.
    public var graph: DependencyGraph
    /// The file it was read from (`<string>` when parsed from memory).
    public var file: String
    /// What relative paths in it resolve against: the file's directory.
    public var baseDirectory: String

    /// The plugin named `name`, if any.
    public func plugin(_ name: String) -> PluginSpec? { plugins.first { $0.name == name } }

    static let brokerKeys: Set<String> = [
        "control", "events_in", "events_out", "heartbeat_ms", "liveness", "data", "max_event_bytes",
        "subscriber_queue_bytes", "max_sessions", "max_tasks", "http", "http_tokens",
    ]

    /// The ranges of the broker's limits (docs/LIMITS.md).
    public enum LimitRanges {
        public static let maxEventBytes = 1_024...(16 << 20)
        public static let subscriberQueueBytes = (1 << 20)...(16 << 30)
        public static let maxSessions = 1...1_000_000
    }
    static let pluginKeys: Set<String> = [
        "command", "env", "cwd", "type", "instances", "enabled", "depends_on", "after", "conflicts", "config",
        "restart", "start_timeout", "stop_timeout", "protocol", "start_seconds", "health", "sha256", "signature",
        "limits", "permissions", "public_key", "public_key_file",
        "sandbox",
    ]

    /// Reads and validates a topology file; relative paths in it resolve against its directory.
    public static func load(path: String) throws(TopologyError) -> Topology {
        let text: String
        do {
            // A file over the size limit is refused before it is read into memory.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if size > YAMLLimits.topology.maxBytes {
                throw TopologyError(
                    file: path, path: "",
                    message: "refused: the file has \(size) bytes; the limit is \(YAMLLimits.topology.maxBytes) (docs/LIMITS.md)")
            }
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch let error as TopologyError {
            throw error
        } catch {
            throw TopologyError(file: path, path: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        let directory = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        return try parse(text, file: path, baseDirectory: directory)
    }

    /// Parses and validates topology YAML.
    public static func parse(
        _ text: String, file: String = "<string>",
        baseDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(TopologyError) -> Topology {
        func fail(_ path: String, _ message: String) -> TopologyError {
            TopologyError(file: file, path: path, message: message)
        }
        // Before anything else reads the text: Yams expands aliases without limit.
        do throws(YAMLLimitError) {
            try YAMLGuard.check(text, limits: .topology)
        } catch {
            throw fail("", "refused: \(error.message) (docs/LIMITS.md)")
        }
        // Before YAML parsing: Yams rejects duplicate keys with a message that names no plugin.
        if let duplicate = orderedKeys(of: "plugins", in: text, fallback: []).duplicates.first {
            throw fail("plugins.\(duplicate)", "duplicate plugin name (each plugin is listed once)")
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw fail("", "not valid YAML: \(error)")
        }
        guard let document else {
            return Topology(
                broker: BrokerSection(), plugins: [], graph: try! DependencyGraph(specs: []), file: file,
                baseDirectory: baseDirectory)
        }
        guard let root = document as? [String: Any] else { throw fail("", "the top level must be a mapping") }
        for key in root.keys where !["broker", "events", "plugins", "services", "tasks", "security"].contains(key) {
            throw fail(key, "unknown key (expected broker, events, plugins, security, services or tasks)")
        }
        let security = try root["security"].map { value throws(TopologyError) in
            try SecuritySection.parse(value, baseDirectory: baseDirectory, fail: fail)
        }
        let events = try root["events"].map { value throws(TopologyError) in try EventsSection.parse(value, fail) }
        var services: [String: ServiceSection] = [:]
        if let section = root["services"] {
            guard let section = section as? [String: Any] else {
                throw fail("services", "must be a mapping of service name to settings")
            }
            for (name, value) in section {
                let path = "services.\(name)"
                if let problem = ServiceName.validationError(name) { throw fail(path, problem) }
                services[name] = try serviceSection(value, path: path, fail)
            }
        }

        var broker = BrokerSection()
        if let section = root["broker"] {
            guard let section = section as? [String: Any] else { throw fail("broker", "must be a mapping") }
            for key in section.keys.sorted() where !brokerKeys.contains(key) {
                throw fail("broker.\(key)", "unknown key (expected one of \(brokerKeys.sorted().joined(separator: ", ")))")
            }
            broker.control = try endpoint(section["control"], "broker.control", fail)
            broker.eventsIn = try endpoint(section["events_in"], "broker.events_in", fail)
            broker.eventsOut = try endpoint(section["events_out"], "broker.events_out", fail)
            broker.heartbeatMilliseconds = try wholeNumber(section["heartbeat_ms"], "broker.heartbeat_ms", in: 10...600_000, fail)
            broker.liveness = try wholeNumber(section["liveness"], "broker.liveness", in: 1...100, fail)
            broker.maxSessions = try wholeNumber(
                section["max_sessions"], "broker.max_sessions", in: LimitRanges.maxSessions, fail)
            broker.maxTasks = try wholeNumber(
                section["max_tasks"], "broker.max_tasks", in: 1...BrokerSection.maxTasksLimit, fail)
            for (key, range) in [
                ("max_event_bytes", LimitRanges.maxEventBytes), ("subscriber_queue_bytes", LimitRanges.subscriberQueueBytes),
            ] {
                guard let raw = section[key] else { continue }
                switch ByteSizeValue.bytes(from: raw, in: range) {
                case .success(let bytes):
                    if key == "max_event_bytes" { broker.maxEventBytes = bytes } else { broker.subscriberQueueBytes = bytes }
                case .failure(let problem): throw fail("broker.\(key)", problem.message)
                }
            }
            broker.http = try HTTPTokenSpec.parseAddress(section["http"], fail)
            broker.httpTokens = try HTTPTokenSpec.parseList(section["http_tokens"], baseDirectory: baseDirectory, fail)
            if let data = section["data"] {
                guard let path = data as? String, !path.isEmpty else {
                    throw fail("broker.data", "must be a directory path")
                }
                broker.data = path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
            }
        }

        var tasks: [TaskDefinition] = []
        if let section = root["tasks"], !(section is NSNull) {
            guard let section = section as? [String: Any] else {
                throw fail("tasks", "must be a mapping of task id to its schedule and target")
            }
            for id in section.keys.sorted() {
                let path = "tasks.\(id)"
                tasks.append(
                    try TaskEntryParser.parse(id: id, entry: section[id]!) { key, message in
                        fail(key.isEmpty ? path : "\(path).\(key)", message)
                    })
            }
            let limit = broker.maxTasks ?? BrokerSection.defaultMaxTasks
            if tasks.count > limit {
                throw fail("tasks", "declares \(tasks.count) tasks, more than broker.max_tasks (\(limit))")
            }
        }

        var plugins: [PluginSpec] = []
        if let section = root["plugins"] {
            guard let section = section as? [String: Any] else {
                throw fail("plugins", "must be a mapping of plugin name to settings")
            }
            let written = orderedKeys(of: "plugins", in: text, fallback: section.keys.sorted())
            if let duplicate = written.duplicates.first {
                throw fail("plugins.\(duplicate)", "duplicate plugin name (each plugin is listed once)")
            }
            for name in written.keys {
                guard let value = section[name] else { continue }
                let path = "plugins.\(name)"
                if let problem = Identifier.validationError(name, what: "plugin name") { throw fail(path, problem) }
                guard let entry = value as? [String: Any] else {
                    if value is NSNull { throw fail(path, "is empty (give at least `command:` or `config:`)") }
                    throw fail(path, "must be a mapping")
                }
                for key in entry.keys.sorted() where !pluginKeys.contains(key) {
                    throw fail("\(path).\(key)", "unknown key (expected one of \(pluginKeys.sorted().joined(separator: ", ")))")
                }
                plugins.append(
                    try PluginSpec.parse(name: name, entry: entry, baseDirectory: baseDirectory) { key, message in
                        fail("\(path).\(key)", message)
                    })
            }
        }
        let graph: DependencyGraph
        do {
            graph = try DependencyGraph(specs: plugins)
        } catch {
            throw fail("plugins.\(error.plugin).\(error.key)", error.message)
        }
        var topology = Topology(broker: broker, plugins: plugins, graph: graph, file: file, baseDirectory: baseDirectory)
        topology.services = services
        topology.tasks = tasks
        topology.events = events ?? EventsSection()
        topology.security = security ?? SecuritySection()
        return topology
    }

    private static func serviceSection(_ value: Any, path: String, _ fail: (String, String) -> TopologyError)
        throws(TopologyError) -> ServiceSection
    {
        var section = ServiceSection()
        if value is NSNull { return section }
        guard let map = value as? [String: Any] else { throw fail(path, "must be a mapping (queue, breaker)") }
        for key in map.keys.sorted() where !["queue", "breaker"].contains(key) {
            throw fail("\(path).\(key)", "unknown key (expected queue or breaker)")
        }
        if let limit = try wholeNumber(map["queue"], "\(path).queue", in: 1...1_000_000, fail) {
            section.queueLimit = limit
        }
        if let breaker = map["breaker"] {
            guard let settings = breaker as? [String: Any] else {
                throw fail("\(path).breaker", "must be a mapping (failures, cooldown)")
            }
            for key in settings.keys.sorted() where !["failures", "cooldown"].contains(key) {
                throw fail("\(path).breaker.\(key)", "unknown key (expected failures or cooldown)")
            }
            if let count = try wholeNumber(settings["failures"], "\(path).breaker.failures", in: 1...1_000_000, fail) {
                section.breakerFailures = count
            }
            if let cooldown = settings["cooldown"] {
                let expected = "must be a positive duration such as 500ms or 10s"
                let milliseconds: Int64
                switch DurationValue.milliseconds(from: cooldown, expected: expected) {
                case .success(let parsed) where parsed > 0: milliseconds = parsed
                case .success: throw fail("\(path).breaker.cooldown", expected)
                case .failure(let problem): throw fail("\(path).breaker.cooldown", problem.message)
                }
                section.breakerCooldownMilliseconds = milliseconds
            }
        }
        return section
    }

    /// The `config:` blocks by plugin name, as the broker hands them out.
    public var pluginConfigs: [String: JSONValue] {
        Dictionary(plugins.map { ($0.name, $0.config) }, uniquingKeysWith: { first, _ in first })
    }

    private static func endpoint(_ value: Any?, _ path: String, _ fail: (String, String) -> TopologyError) throws(TopologyError)
        -> String?
    {
        guard let value else { return nil }
        guard let text = value as? String, text.contains("://") else {
            throw fail(path, "must be a ZeroMQ endpoint such as tcp://127.0.0.1:7700")
        }
        return text
    }

    /// A whole number from outside, range-checked (docs/LIMITS.md).
    static func wholeNumber(
        _ value: Any?, _ path: String, in range: ClosedRange<Int>, _ fail: (String, String) -> TopologyError
    ) throws(TopologyError) -> Int? {
        guard let value else { return nil }
        guard let number = value as? Int, range.contains(number) else {
            throw fail(path, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Yams returns mappings unordered (and keeps one of two equal keys); recover the file's order of a
    /// top-level section's keys, so that plugins are listed and started as written, and its duplicates.
    private static func orderedKeys(of section: String, in text: String, fallback: [String]) -> (
        keys: [String], duplicates: [String]
    ) {
        var ordered: [String] = []
        var duplicates: [String] = []
        var seen = Set<String>()
        // Sets, not array look-ups: a large file must not make this quadratic.
        let wanted = Set(fallback)
        var inside = false
        var indent: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let lineIndent = line.count - trimmed.count
            if lineIndent == 0 {
                inside = trimmed.hasPrefix("\(section):")
                continue
            }
            guard inside else { continue }
            if indent == nil { indent = lineIndent }
            if lineIndent == indent, let colon = trimmed.firstIndex(of: ":") {
                let key = trimmed[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                if seen.contains(key) {
                    duplicates.append(key)
                } else if wanted.contains(key) {
                    ordered.append(key)
                }
                seen.insert(key)
            }
        }
        let listed = Set(ordered)
        return (ordered + fallback.filter { !listed.contains($0) }, duplicates)
    }
}

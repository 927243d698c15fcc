import Foundation
import PlexusProtocol
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
        public var control: String?
        public var eventsIn: String?
        public var eventsOut: String?
        public var heartbeatMilliseconds: Int?
        public var liveness: Int?
    }

    /// One entry under `plugins:`.
    public struct PluginEntry: Sendable, Equatable {
        public var name: String
        /// The `config:` mapping handed to the plugin in `WELCOME`.
        public var config: JSONValue
        /// Every key as written, for the parts of the schema the supervisor reads.
        public var raw: [String: JSONValue]
    }

    public var broker: BrokerSection
    /// Plugins in the order the file lists them.
    public var plugins: [PluginEntry]

    static let brokerKeys: Set<String> = ["control", "events_in", "events_out", "heartbeat_ms", "liveness", "data"]
    static let pluginKeys: Set<String> = [
        "command", "env", "cwd", "type", "instances", "enabled", "depends_on", "after", "conflicts", "config",
        "restart", "start_timeout", "stop_timeout",
    ]

    /// Reads and validates a topology file.
    public static func load(path: String) throws(TopologyError) -> Topology {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError(file: path, path: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    /// Parses and validates topology YAML.
    public static func parse(_ text: String, file: String = "<string>") throws(TopologyError) -> Topology {
        func fail(_ path: String, _ message: String) -> TopologyError {
            TopologyError(file: file, path: path, message: message)
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw fail("", "not valid YAML: \(error)")
        }
        guard let document else { return Topology(broker: BrokerSection(), plugins: []) }
        guard let root = document as? [String: Any] else { throw fail("", "the top level must be a mapping") }
        for key in root.keys where !["broker", "plugins", "tasks"].contains(key) {
            throw fail(key, "unknown key (expected broker, plugins or tasks)")
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
            broker.heartbeatMilliseconds = try positiveInt(section["heartbeat_ms"], "broker.heartbeat_ms", fail)
            broker.liveness = try positiveInt(section["liveness"], "broker.liveness", fail)
        }

        var plugins: [PluginEntry] = []
        if let section = root["plugins"] {
            guard let section = section as? [String: Any] else { throw fail("plugins", "must be a mapping of plugin name to settings") }
            for name in orderedKeys(of: "plugins", in: text, fallback: section.keys.sorted()) {
                guard let value = section[name] else { continue }
                let path = "plugins.\(name)"
                if let problem = Identifier.validationError(name, what: "plugin name") { throw fail(path, problem) }
                guard let entry = value as? [String: Any] else { throw fail(path, "must be a mapping") }
                for key in entry.keys.sorted() where !pluginKeys.contains(key) {
                    throw fail("\(path).\(key)", "unknown key (expected one of \(pluginKeys.sorted().joined(separator: ", ")))")
                }
                var config = JSONValue.object([:])
                if let rawConfig = entry["config"] {
                    guard rawConfig is [String: Any] || rawConfig is [AnyHashable: Any] else {
                        throw fail("\(path).config", "must be a mapping")
                    }
                    config = try json(rawConfig, "\(path).config", fail)
                }
                var raw: [String: JSONValue] = [:]
                for (key, member) in entry { raw[key] = try json(member, "\(path).\(key)", fail) }
                plugins.append(PluginEntry(name: name, config: config, raw: raw))
            }
        }
        return Topology(broker: broker, plugins: plugins)
    }

    /// The `config:` blocks by plugin name, as the broker hands them out.
    public var pluginConfigs: [String: JSONValue] {
        Dictionary(plugins.map { ($0.name, $0.config) }, uniquingKeysWith: { first, _ in first })
    }

    private static func endpoint(_ value: Any?, _ path: String, _ fail: (String, String) -> TopologyError) throws(TopologyError) -> String? {
        guard let value else { return nil }
        guard let text = value as? String, text.contains("://") else {
            throw fail(path, "must be a ZeroMQ endpoint such as tcp://127.0.0.1:7700")
        }
        return text
    }

    private static func positiveInt(_ value: Any?, _ path: String, _ fail: (String, String) -> TopologyError) throws(TopologyError) -> Int? {
        guard let value else { return nil }
        guard let number = value as? Int, number > 0 else { throw fail(path, "must be a positive whole number") }
        return number
    }

    private static func json(_ value: Any, _ path: String, _ fail: (String, String) -> TopologyError) throws(TopologyError) -> JSONValue {
        do { return try JSONValue(any: value) } catch { throw fail(path, "holds a value that is not plain data") }
    }

    /// Yams returns mappings unordered; recover the file's order of a top-level section's keys so that
    /// plugins are listed (and, with equal dependencies, started) as written.
    private static func orderedKeys(of section: String, in text: String, fallback: [String]) -> [String] {
        var ordered: [String] = []
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
                if fallback.contains(key), !ordered.contains(key) { ordered.append(key) }
            }
        }
        return ordered + fallback.filter { !ordered.contains($0) }
    }
}

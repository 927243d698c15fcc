import Foundation
import PlexusProtocol

extension PluginSpec {
    /// Builds a spec from a `plugins:` entry as the YAML parser returned it. `fail(key, message)` makes the
    /// error for a key below `plugins.NAME`.
    static func parse(
        name: String, entry: [String: Any], baseDirectory: String,
        fail: (String, String) -> TopologyError
    ) throws(TopologyError) -> PluginSpec {
        var spec = PluginSpec(name: name)
        func message(_ key: String, _ body: () throws(TopologyMessage) -> Void) throws(TopologyError) {
            do { try body() } catch { throw fail(key, error.text) }
        }
        if let value = entry["command"] {
            try message("command") { () throws(TopologyMessage) in
                spec.command = try Self.command(value)
                // A relative program path means "relative to the topology file", wherever the broker runs.
                if let program = spec.command.first, program.contains("/"), !program.hasPrefix("/") {
                    spec.command[0] =
                        URL(fileURLWithPath: program, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true))
                        .standardizedFileURL.path
                }
            }
        }
        if let value = entry["env"] {
            guard let map = value as? [String: Any] else { throw fail("env", "must be a mapping of variable to value") }
            for (key, raw) in map {
                guard let text = Self.scalar(raw) else { throw fail("env.\(key)", "must be a string, number or boolean") }
                spec.environment[key] = text
            }
        }
        if let value = entry["cwd"] {
            guard let text = value as? String, !text.isEmpty else { throw fail("cwd", "must be a directory path") }
            spec.workingDirectory =
                URL(fileURLWithPath: text, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true))
                .standardizedFileURL.path
        }
        if let value = entry["type"] {
            guard let text = value as? String else { throw fail("type", "must be a string") }
            spec.type = text
        }
        if let value = entry["instances"] {
            guard let count = value as? Int, (1...64).contains(count) else {
                throw fail("instances", "must be a whole number from 1 to 64")
            }
            spec.instances = count
        }
        if let value = entry["enabled"] {
            guard let flag = value as? Bool else { throw fail("enabled", "must be true or false") }
            spec.enabled = flag
        }
        for key in ["depends_on", "after"] {
            guard let value = entry[key] else { continue }
            var parsed: [Dependency] = []
            try message(key) { () throws(TopologyMessage) in
                for text in try Self.strings(value) { parsed.append(try Dependency(parsing: text)) }
            }
            if key == "depends_on" { spec.dependsOn = parsed } else { spec.after = parsed }
        }
        if let value = entry["conflicts"] {
            try message("conflicts") { () throws(TopologyMessage) in spec.conflicts = try Self.strings(value) }
        }
        if let value = entry["config"] {
            guard value is [String: Any] else { throw fail("config", "must be a mapping") }
            do { spec.config = try JSONValue(any: value) } catch { throw fail("config", "holds a value that is not plain data") }
        }
        if let value = entry["restart"] {
            spec.restart = try Self.restart(value, fail: fail)
        }
        for key in ["start_timeout", "stop_timeout"] {
            guard let value = entry[key] else { continue }
            let expected = "must be a positive duration such as 500ms, 10s or 1m"
            let milliseconds: Int64
            switch DurationValue.milliseconds(from: value, expected: expected) {
            case .success(let parsed) where parsed > 0: milliseconds = parsed
            case .success: throw fail(key, expected)
            case .failure(let problem): throw fail(key, problem.message)
            }
            if key == "start_timeout" {
                spec.startTimeoutMilliseconds = milliseconds
            } else {
                spec.stopTimeoutMilliseconds = milliseconds
            }
        }
        if let value = entry["protocol"] {
            guard let text = value as? String, ["plexus", "none"].contains(text) else {
                throw fail("protocol", "must be plexus (the default) or none (a program that does not speak Plexus)")
            }
            spec.plainProcess = text == "none"
            if spec.plainProcess, spec.command.isEmpty { throw fail("protocol", "none needs a command to launch") }
        }
        if let value = entry["start_seconds"] {
            spec.startSecondsMilliseconds = try duration(value, "start_seconds", positive: false, fail: fail)
        }
        if let value = entry["health"] {
            spec.health = try Self.health(value, fail: fail)
        }
        spec.integrity = try IntegrityPin.parse(entry, fail: fail)
        spec.publicKey = try CurveKeyText.parsePublicKey(entry, path: "", baseDirectory: baseDirectory, fail: fail)
        if let value = entry["limits"] { spec.limits = try ResourceLimits.parse(value, fail: fail) }
        if let value = entry["sandbox"] { spec.sandbox = try SandboxSpec.parse(value, baseDirectory: baseDirectory, fail: fail) }
        if let value = entry["permissions"] {
            spec.permissions = try PermissionsParser.parse(value, path: "permissions", fail: fail)
        }
        return spec
    }

    private static let restartKeys: Set<String> = ["policy", "initial", "max", "max_restarts", "period"]

    private static func restart(_ value: Any, fail: (String, String) -> TopologyError) throws(TopologyError) -> RestartPolicy {
        var policy = RestartPolicy()
        let map: [String: Any]
        if let text = value as? String {
            map = ["policy": text]
        } else if let given = value as? [String: Any] {
            map = given
        } else {
            throw fail("restart", "must be a policy name or a mapping")
        }
        for key in map.keys.sorted() where !restartKeys.contains(key) {
            throw fail("restart.\(key)", "unknown key (expected one of \(restartKeys.sorted().joined(separator: ", ")))")
        }
        if let raw = map["policy"] {
            guard let text = raw as? String, let mode = RestartPolicy.Mode(rawValue: text) else {
                throw fail("restart.policy", "must be always, on-failure or never")
            }
            policy.mode = mode
        }
        for key in ["initial", "max", "period"] {
            guard let raw = map[key] else { continue }
            let milliseconds: Int64
            switch DurationValue.milliseconds(from: raw, expected: "must be a duration such as 0, 500ms, 10s or 1m") {
            case .success(let parsed): milliseconds = parsed
            case .failure(let problem): throw fail("restart.\(key)", problem.message)
            }
            switch key {
            case "initial": policy.initialBackoffMilliseconds = milliseconds
            case "max": policy.maxBackoffMilliseconds = milliseconds
            default:
                guard milliseconds > 0 else { throw fail("restart.period", "must be longer than 0") }
                policy.periodMilliseconds = milliseconds
            }
        }
        if let raw = map["max_restarts"] {
            guard let count = raw as? Int, (0...1_000_000).contains(count) else {
                throw fail("restart.max_restarts", "must be a whole number from 0 to 1000000")
            }
            policy.maxRestarts = count
        }
        if policy.maxBackoffMilliseconds < policy.initialBackoffMilliseconds {
            throw fail("restart.max", "must not be shorter than restart.initial")
        }
        return policy
    }

    static func scalar(_ value: Any) -> String? {
        switch value {
        case let text as String: text
        case let flag as Bool: flag ? "true" : "false"
        case let number as Int: String(number)
        case let number as Double: String(number)
        default: nil
        }
    }

    static func strings(_ value: Any) throws(TopologyMessage) -> [String] {
        if let text = value as? String { return [text] }
        guard let list = value as? [Any] else { throw TopologyMessage("must be a list of names") }
        var result: [String] = []
        for item in list {
            guard let text = item as? String, !text.isEmpty else { throw TopologyMessage("must be a list of names") }
            result.append(text)
        }
        return result
    }

    /// `command` as an argv list, or a string split like a shell would (spaces, quotes), without a shell.
    static func command(_ value: Any) throws(TopologyMessage) -> [String] {
        if let list = value as? [Any] {
            var argv: [String] = []
            for item in list {
                guard let text = scalar(item) else { throw TopologyMessage("must be a list of strings or one string") }
                argv.append(text)
            }
            guard !argv.isEmpty, !argv[0].isEmpty else { throw TopologyMessage("must not be empty") }
            return argv
        }
        guard let text = value as? String else { throw TopologyMessage("must be a list of strings or one string") }
        var argv: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { argv.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil else { throw TopologyMessage("has an unclosed quote") }
        if inWord { argv.append(current) }
        guard !argv.isEmpty else { throw TopologyMessage("must not be empty") }
        return argv
    }
}

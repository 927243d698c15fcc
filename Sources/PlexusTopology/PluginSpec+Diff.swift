import PlexusProtocol

extension PluginSpec {
    /// What differs from `old`, one line per field, for `APPLY`'s plan and `plexus diff`. Environment
    /// and config values are never shown, only their keys: they often hold secrets.
    public func changedFields(from old: PluginSpec) -> [String] {
        var lines: [String] = []
        func compare<T: Equatable>(_ name: String, _ before: T, _ after: T, _ show: (T) -> String) {
            if before != after { lines.append("\(name): \(show(before)) -> \(show(after))") }
        }
        let list: ([String]) -> String = { "[" + $0.joined(separator: ", ") + "]" }
        compare("command", old.command, command, list)
        compare("enabled", old.enabled, enabled) { "\($0)" }
        compare("instances", old.instances, instances) { "\($0)" }
        compare("type", old.type, type) { $0.isEmpty ? "none" : $0 }
        compare("working_dir", old.workingDirectory, workingDirectory) { $0 ?? "default" }
        if old.environment != environment {
            let keys = Set(old.environment.keys).union(environment.keys).sorted()
            let marks = keys.compactMap { key -> String? in
                switch (old.environment[key], environment[key]) {
                case (nil, _?): "+\(key)"
                case (_?, nil): "-\(key)"
                case (let a?, let b?) where a != b: "~\(key)"
                default: nil
                }
            }
            lines.append("env: " + marks.joined(separator: " "))
        }
        compare("depends_on", old.dependsOn, dependsOn) { list($0.map(\.description)) }
        compare("after", old.after, after) { list($0.map(\.description)) }
        compare("conflicts", old.conflicts, conflicts, list)
        if old.config != config { lines.append("config: " + Self.configChange(old.config, config)) }
        if old.restart != restart { lines.append("restart: policy changed") }
        compare("start_timeout", old.startTimeoutMilliseconds, startTimeoutMilliseconds) { "\($0)ms" }
        compare("stop_timeout", old.stopTimeoutMilliseconds, stopTimeoutMilliseconds) { "\($0)ms" }
        compare("protocol", old.plainProcess, plainProcess) { $0 ? "none" : "plexus" }
        compare("startsecs", old.startSecondsMilliseconds, startSecondsMilliseconds) { "\($0)ms" }
        if old.health != health { lines.append("health: changed") }
        if old.limits != limits { lines.append("limits: changed") }
        if old.sandbox != sandbox { lines.append("sandbox: " + Self.sandboxChange(old.sandbox, sandbox)) }
        // A restart, so that subscriptions the new permissions refuse do not outlive them.
        if old.permissions != permissions { lines.append("permissions: changed") }
        return lines
    }

    /// A sandbox change in words: added, removed, or which of its keys changed.
    private static func sandboxChange(_ old: SandboxSpec?, _ new: SandboxSpec?) -> String {
        guard let old else { return "added" }
        guard let new else { return "removed" }
        var keys: [String] = []
        if old.network != new.network { keys.append("network \(old.network) -> \(new.network)") }
        if old.readOnlyPaths != new.readOnlyPaths { keys.append("read_only_paths") }
        if old.writablePaths != new.writablePaths { keys.append("writable_paths") }
        return keys.joined(separator: ", ")
    }

    /// The top-level keys of a config block that were added (+), removed (-) or changed (~).
    private static func configChange(_ old: JSONValue, _ new: JSONValue) -> String {
        guard case .object(let before) = old, case .object(let after) = new else { return "changed" }
        let keys = Set(before.keys).union(after.keys).sorted()
        let marks = keys.compactMap { key -> String? in
            switch (before[key], after[key]) {
            case (nil, _?): "+\(key)"
            case (_?, nil): "-\(key)"
            case (let a?, let b?) where a != b: "~\(key)"
            default: nil
            }
        }
        return marks.joined(separator: " ")
    }
}

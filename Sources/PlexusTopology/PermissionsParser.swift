import PlexusProtocol

/// Reads a `permissions:` block (a plugin's, or a `security.clients` entry's) into `Permissions`
/// (docs/SECURITY.md, "Permissions").
///
/// Two forms are accepted:
/// - the mapping form, by verb: `publish`, `subscribe`, `serve` and `call` each a list of patterns (the
///   allow list) or `{allow: [...], deny: [...]}`; `admin` a list of action names, `lifecycle` for the five
///   lifecycle verbs, or `"*"`;
/// - the seeds' list of `{resource, actions}`: `event_bus` with `publish`/`subscribe` (and optional
///   `patterns`, default every topic), `services` with `serve`/`call` (optional `patterns`), `admin` with
///   action names, `logger` with `write` (a plugin's output is always logged: accepted, grants nothing).
enum PermissionsParser {
    static let verbs = ["publish", "subscribe", "serve", "call"]
    static let keys = Set(verbs + ["admin"])

    /// Parses `value`; `path` is the block's place (`plugins.x.permissions`) for the errors.
    static func parse(_ value: Any, path: String, fail: (String, String) -> TopologyError) throws(TopologyError)
        -> Permissions
    {
        if let list = value as? [Any] { return try parseResources(list, path: path, fail: fail) }
        guard let map = value as? [String: Any] else {
            throw fail(path, "must be a mapping of publish, subscribe, serve, call and admin, or a list of {resource, actions}")
        }
        for key in map.keys.sorted() where !keys.contains(key) {
            throw fail("\(path).\(key)", "unknown key (expected one of \(keys.sorted().joined(separator: ", ")))")
        }
        var permissions = Permissions.nothing
        for verb in verbs {
            guard let raw = map[verb] else { continue }
            let rule = try subjectRule(raw, path: "\(path).\(verb)", fail: fail)
            switch verb {
            case "publish": permissions.publish = rule
            case "subscribe": permissions.subscribe = rule
            case "serve": permissions.serve = rule
            default: permissions.call = rule
            }
        }
        if let raw = map["admin"] { permissions.admin = try adminActions(raw, path: "\(path).admin", fail: fail) }
        return permissions
    }

    private static func subjectRule(_ value: Any, path: String, fail: (String, String) -> TopologyError)
        throws(TopologyError) -> SubjectRule
    {
        if value is [Any] || value is String { return SubjectRule(allow: try patterns(value, path: path, fail: fail)) }
        guard let map = value as? [String: Any] else {
            throw fail(path, "must be a list of patterns or {allow: [...], deny: [...]}")
        }
        for key in map.keys.sorted() where key != "allow" && key != "deny" {
            throw fail("\(path).\(key)", "unknown key (expected allow or deny)")
        }
        return SubjectRule(
            allow: try map["allow"].map { v throws(TopologyError) in try patterns(v, path: "\(path).allow", fail: fail) } ?? [],
            deny: try map["deny"].map { v throws(TopologyError) in try patterns(v, path: "\(path).deny", fail: fail) } ?? [])
    }

    private static func patterns(_ value: Any, path: String, fail: (String, String) -> TopologyError)
        throws(TopologyError) -> [TopicPattern]
    {
        let items: [Any] = (value as? String).map { [$0] } ?? (value as? [Any] ?? [])
        guard value is String || value is [Any] else { throw fail(path, "must be a list of patterns") }
        var patterns: [TopicPattern] = []
        for (index, item) in items.enumerated() {
            guard let text = item as? String else { throw fail("\(path)[\(index)]", "must be a pattern string") }
            do throws(ProtocolError) {
                patterns.append(try TopicPattern(text))
            } catch {
                throw fail("\(path)[\(index)]", error.message)
            }
        }
        return patterns
    }

    /// A list of admin action names (`*` and `lifecycle` included), as `admin:` and HTTP tokens take it.
    static func adminActions(_ value: Any, path: String, fail: (String, String) -> TopologyError)
        throws(TopologyError) -> Set<AdminAction>
    {
        let items: [Any] = (value as? String).map { [$0] } ?? (value as? [Any] ?? [])
        guard value is String || value is [Any] else { throw fail(path, "must be a list of action names, or \"*\"") }
        var actions = Set<AdminAction>()
        for (index, item) in items.enumerated() {
            guard let name = item as? String else { throw fail("\(path)[\(index)]", "must be an action name") }
            switch name {
            case "*": actions.formUnion(AdminAction.allCases)
            case "lifecycle": actions.formUnion(AdminAction.lifecycle)
            default:
                guard let action = AdminAction(rawValue: name) else {
                    let names = ["*", "lifecycle"] + AdminAction.allCases.map(\.rawValue)
                    throw fail("\(path)[\(index)]", "unknown action '\(name)' (expected one of \(names.joined(separator: ", ")))")
                }
                actions.insert(action)
            }
        }
        return actions
    }

    /// The seeds' form: `- {resource: event_bus, actions: [publish, subscribe]}`.
    private static func parseResources(_ list: [Any], path: String, fail: (String, String) -> TopologyError)
        throws(TopologyError) -> Permissions
    {
        var permissions = Permissions.nothing
        for (index, item) in list.enumerated() {
            let here = "\(path)[\(index)]"
            guard let entry = item as? [String: Any], let resource = entry["resource"] as? String else {
                throw fail(here, "must be {resource: NAME, actions: [...]}")
            }
            for key in entry.keys.sorted() where !["resource", "actions", "patterns"].contains(key) {
                throw fail("\(here).\(key)", "unknown key (expected resource, actions or patterns)")
            }
            guard let actions = entry["actions"] as? [Any], let names = actions as? [String] else {
                throw fail("\(here).actions", "must be a list of action names")
            }
            let granted =
                try entry["patterns"].map { v throws(TopologyError) in
                    try patterns(v, path: "\(here).patterns", fail: fail)
                } ?? [TopicPattern.all]
            let allowed: [String: Set<String>] = [
                "event_bus": ["publish", "subscribe"], "services": ["serve", "call"], "logger": ["write"],
                "admin": Set(["*", "lifecycle"] + AdminAction.allCases.map(\.rawValue)),
            ]
            guard let known = allowed[resource] else {
                throw fail("\(here).resource", "unknown resource '\(resource)' (expected admin, event_bus, logger or services)")
            }
            for name in names where !known.contains(name) {
                throw fail(
                    "\(here).actions", "'\(name)' is not an action of \(resource) (\(known.sorted().joined(separator: ", ")))")
            }
            if resource == "admin" {
                permissions.admin.formUnion(try adminActions(names, path: "\(here).actions", fail: fail))
                continue
            }
            for name in names {
                switch name {
                case "publish": permissions.publish.allow += granted
                case "subscribe": permissions.subscribe.allow += granted
                case "serve": permissions.serve.allow += granted
                case "call": permissions.call.allow += granted
                default: break  // logger.write: output is always captured
                }
            }
        }
        return permissions
    }
}

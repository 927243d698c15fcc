import PlexusProtocol

/// The HTTP API's settings in the `broker:` section (docs/TOPOLOGY.md, docs/HTTP.md):
///
/// ```yaml
/// broker:
///   http: 127.0.0.1:7703          # HOST:PORT, port * for any, or off
///   http_tokens:                  # bearer tokens; never the secret itself in the file
///     - {name: ops, role: admin, file: secrets/admin.token}
///     - {name: dashboard, role: viewer, env: PLEXUS_VIEWER_TOKEN}
/// ```
/// The values are checked for shape here; the HTTP layer parses the address and reads the secrets.
public struct HTTPTokenSpec: Sendable, Equatable {
    /// Where the secret is read from when the broker starts.
    public enum Source: Sendable, Equatable {
        /// A file (resolved against the topology's directory); its content, trimmed, is the token.
        case file(String)
        /// An environment variable of the broker.
        case env(String)
    }

    /// A name for the logs (who made a mutation).
    public var name: String
    /// `admin` or `viewer`.
    public var role: String
    public var source: Source
    /// `admin:`: the admin actions the token may use (the names of `permissions.admin`); nil for its
    /// role's: a viewer's reads (`status`, `logs`, `metrics`, `audit`), an admin's every action.
    public var actions: Set<AdminAction>?

    public init(name: String, role: String, source: Source, actions: Set<AdminAction>? = nil) {
        self.name = name
        self.role = role
        self.source = source
        self.actions = actions
    }

    static let keys: Set<String> = ["name", "role", "file", "env", "admin"]
    /// The roles of the API.
    public static let roles = ["admin", "viewer"]
    /// The most tokens a file may list.
    public static let maxTokens = 100

    /// Parses `broker.http`: an address string, or a YAML boolean (`off`/`false` disables, `on` is the default address).
    static func parseAddress(_ value: Any?, _ fail: (String, String) -> TopologyError) throws(TopologyError) -> String? {
        guard let value else { return nil }
        if let flag = value as? Bool { return flag ? "127.0.0.1:7703" : "off" }
        guard let text = value as? String, !text.isEmpty else {
            throw fail("broker.http", "must be HOST:PORT (127.0.0.1:7703, port * for any) or off")
        }
        return text
    }

    /// Parses `broker.http_tokens`.
    static func parseList(_ value: Any?, baseDirectory: String, _ fail: (String, String) -> TopologyError)
        throws(TopologyError) -> [HTTPTokenSpec]
    {
        guard let value else { return [] }
        guard let list = value as? [Any] else {
            throw fail("broker.http_tokens", "must be a list of {name, role, file | env}")
        }
        guard list.count <= maxTokens else { throw fail("broker.http_tokens", "at most \(maxTokens) tokens") }
        var specs: [HTTPTokenSpec] = []
        for (index, entry) in list.enumerated() {
            let path = "broker.http_tokens[\(index)]"
            guard let map = entry as? [String: Any] else { throw fail(path, "must be a mapping {name, role, file | env}") }
            for key in map.keys.sorted() where !keys.contains(key) {
                throw fail("\(path).\(key)", "unknown key (expected name, role, file, env or admin)")
            }
            guard let role = map["role"] as? String, roles.contains(role) else {
                throw fail("\(path).role", "must be admin or viewer")
            }
            let name = (map["name"] as? String) ?? "\(role)-\(index + 1)"
            if let problem = Identifier.validationError(name, what: "token name") { throw fail("\(path).name", problem) }
            let file = map["file"] as? String
            let env = map["env"] as? String
            let actions = try map["admin"].map { raw throws(TopologyError) in
                try PermissionsParser.adminActions(raw, path: "\(path).admin", fail: fail)
            }
            switch (file, env) {
            case (let file?, nil) where !file.isEmpty:
                let resolved = file.hasPrefix("/") ? file : "\(baseDirectory)/\(file)"
                specs.append(HTTPTokenSpec(name: name, role: role, source: .file(resolved), actions: actions))
            case (nil, let env?) where !env.isEmpty:
                specs.append(HTTPTokenSpec(name: name, role: role, source: .env(env), actions: actions))
            default:
                throw fail(path, "needs exactly one of file (a path) or env (a variable name); never the secret itself")
            }
        }
        return specs
    }
}

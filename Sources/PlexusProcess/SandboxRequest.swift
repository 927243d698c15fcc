/// What one launch's sandbox enforces: the filesystem rules of its Landlock domain and whether it
/// leaves the host's network (docs/SECURITY.md, "Sandbox"). Made by `SandboxPlan`.
public struct SandboxRequest: Sendable, Equatable {
    /// Whether the process keeps the host's network; false puts it in a network namespace of its own.
    public var network: Bool
    /// The paths the process may use; everything else on the filesystem is denied.
    public var rules: [SandboxRule]

    public init(network: Bool, rules: [SandboxRule]) {
        self.network = network
        self.rules = rules
    }
}

/// One path of a sandbox, and everything below it.
public struct SandboxRule: Sendable, Equatable {
    /// How the process may use the path.
    public enum Access: Sendable, Equatable {
        /// Read files, list directories, execute programs.
        case readOnly
        /// Also write, create, remove, rename and truncate.
        case writable
    }

    public var path: String
    public var access: Access
    /// Whether a missing path fails the launch (the topology named it) or is skipped (a default such
    /// as /lib32 that this host may not have).
    public var required: Bool
    /// Where the rule comes from, for error messages: `read_only_paths`, `writable_paths`, `default`.
    public var origin: String

    public init(path: String, access: Access, required: Bool, origin: String) {
        self.path = path
        self.access = access
        self.required = required
        self.origin = origin
    }
}

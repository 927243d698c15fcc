import Foundation

/// A plugin's `sandbox:` block: what its processes may reach (docs/SECURITY.md, "Sandbox").
///
/// ```yaml
/// sandbox: {network: false, read_only_paths: [data/models], writable_paths: [/var/tmp/worker]}
/// ```
///
/// A block, even an empty one, confines the filesystem with Landlock: the process may read (and
/// execute) the broker's default paths, its program, its working directory and `read_only_paths`, and
/// write only below `writable_paths`. `network: false` also puts it in a network namespace of its
/// own, with no interface but a loopback that is down; it reaches the broker over `ipc://`. What the
/// broker cannot enforce on a host refuses the launch (`cannot start: sandbox: …`).
public struct SandboxSpec: Sendable, Equatable {
    /// Whether the process keeps the host's network (default `true`).
    public var network: Bool
    /// Paths (files or directories, with everything below) the process may read and execute; absolute,
    /// relative ones resolved against the topology's directory.
    public var readOnlyPaths: [String]
    /// Paths the process may read, write, create and remove below.
    public var writablePaths: [String]

    public init(network: Bool = true, readOnlyPaths: [String] = [], writablePaths: [String] = []) {
        self.network = network
        self.readOnlyPaths = readOnlyPaths
        self.writablePaths = writablePaths
    }

    static let keys = ["network", "read_only_paths", "writable_paths"]

    /// Parses a `sandbox:` mapping; `fail(key, message)` makes the error for a key below the plugin.
    static func parse(_ value: Any, baseDirectory: String, fail: (String, String) -> TopologyError) throws(TopologyError)
        -> SandboxSpec
    {
        guard let map = value as? [String: Any] else {
            throw fail("sandbox", "must be a mapping such as {network: false, read_only_paths: [...], writable_paths: [...]}")
        }
        var sandbox = SandboxSpec()
        for key in map.keys.sorted() where !keys.contains(key) {
            throw fail("sandbox.\(key)", "unknown key (expected one of \(keys.joined(separator: ", ")))")
        }
        if let raw = map["network"] {
            guard let flag = raw as? Bool else { throw fail("sandbox.network", "must be true or false") }
            sandbox.network = flag
        }
        for key in ["read_only_paths", "writable_paths"] {
            guard let raw = map[key] else { continue }
            let paths = try Self.paths(raw, baseDirectory: baseDirectory) { fail("sandbox.\(key)\($0)", $1) }
            if key == "read_only_paths" { sandbox.readOnlyPaths = paths } else { sandbox.writablePaths = paths }
        }
        return sandbox
    }

    /// A list of path strings (or one), each resolved against `baseDirectory` and standardized. `fail`
    /// gets a suffix (`[2]`) and the message.
    private static func paths(_ raw: Any, baseDirectory: String, fail: (String, String) -> TopologyError)
        throws(TopologyError) -> [String]
    {
        let items: [Any]
        if let text = raw as? String {
            items = [text]
        } else if let list = raw as? [Any] {
            items = list
        } else {
            throw fail("", "must be a list of paths")
        }
        guard items.count <= 256 else { throw fail("", "holds \(items.count) paths; at most 256") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item as? String, !text.isEmpty else {
                throw fail("[\(index)]", "must be a path (a non-empty string)")
            }
            guard !text.utf8.contains(0), text.utf8.count <= 4_096 else {
                throw fail("[\(index)]", "must be a path of at most 4096 bytes without NUL")
            }
            let url = URL(fileURLWithPath: text, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true))
            result.append(url.standardizedFileURL.path)
        }
        return result
    }
}

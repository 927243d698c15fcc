/// The plugins of a topology ordered by their dependencies.
///
/// Strong (`depends_on`) and weak (`after`) entries both order start-up; only strong ones must exist.
/// `type:NAME` expands to every plugin of that type, `type:*` to every plugin that declares a type
/// (never the plugin itself).
public struct DependencyGraph: Sendable, Equatable {
    /// A resolved strong dependency.
    public struct Requirement: Sendable, Equatable {
        public var plugin: String
        public var version: VersionConstraint?
    }

    /// Dependencies first; plugins that do not depend on each other keep the file's order.
    public let order: [String]
    /// Strong dependencies by plugin.
    public let requirements: [String: [Requirement]]
    /// Weak dependencies (that exist) by plugin.
    public let weak: [String: [String]]

    /// Resolves and checks the dependencies of `specs` (in file order).
    /// Throws a message naming the plugin and the problem, or the cycle's path.
    public init(specs: [PluginSpec]) throws(GraphError) {
        let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func expand(_ dependency: Dependency, of plugin: String) -> [String] {
            switch dependency.target {
            case .plugin(let name): return byName[name] == nil ? [] : [name]
            case .type(let type):
                return specs.filter { $0.name != plugin && !$0.type.isEmpty && (type == "*" || $0.type == type) }.map(\.name)
            }
        }
        var requirements: [String: [Requirement]] = [:]
        var weak: [String: [String]] = [:]
        for spec in specs {
            for dependency in spec.dependsOn {
                let targets = expand(dependency, of: spec.name)
                if targets.isEmpty {
                    throw GraphError(
                        plugin: spec.name, key: "depends_on", message: "depends on '\(dependency)', which is not in the topology")
                }
                for target in targets {
                    if spec.enabled, byName[target]?.enabled == false {
                        throw GraphError(
                            plugin: spec.name, key: "depends_on", message: "depends on '\(target)', which is disabled")
                    }
                    requirements[spec.name, default: []].append(Requirement(plugin: target, version: dependency.version))
                }
            }
            for dependency in spec.after {
                weak[spec.name, default: []].append(contentsOf: expand(dependency, of: spec.name))
            }
            for other in spec.conflicts where other != spec.name {
                if spec.enabled, byName[other]?.enabled == true {
                    throw GraphError(
                        plugin: spec.name, key: "conflicts",
                        message: "conflicts with '\(other)', and both are enabled (disable one)")
                }
            }
        }
        self.requirements = requirements
        self.weak = weak
        order = try Self.sort(
            specs.map(\.name),
            edges: { name in
                (requirements[name]?.map(\.plugin) ?? []) + (weak[name] ?? [])
            })
    }

    /// Every plugin that depends on `plugin`, strongly or weakly.
    public func dependents(of plugin: String) -> [String] {
        order.filter { name in
            requirements[name]?.contains { $0.plugin == plugin } == true || weak[name]?.contains(plugin) == true
        }
    }

    /// Depth-first topological sort that reports a cycle as its path.
    private static func sort(_ names: [String], edges: (String) -> [String]) throws(GraphError) -> [String] {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var order: [String] = []
        var path: [String] = []
        func visit(_ name: String) throws(GraphError) {
            if marks[name] == .done { return }
            if marks[name] == .visiting {
                let cycle = path.drop(while: { $0 != name }) + [name]
                throw GraphError(
                    plugin: name, key: "depends_on",
                    message: "dependency cycle: \(cycle.joined(separator: " → "))")
            }
            marks[name] = .visiting
            path.append(name)
            for dependency in edges(name) { try visit(dependency) }
            path.removeLast()
            marks[name] = .done
            order.append(name)
        }
        for name in names { try visit(name) }
        return order
    }
}

/// A dependency problem in one plugin's entry.
public struct GraphError: Error, Sendable, Equatable {
    public var plugin: String
    public var key: String
    public var message: String
}

import PlexusTopology

/// The broker's supervisor: which plugin instances should run, in what order, and what to do when they
/// start, stop, crash or miss heartbeats.
///
/// A value type with no I/O, as the examples we follow keep tricky protocol logic: every input is a
/// method call with the current monotonic time, and every method returns the actions for the broker to
/// carry out (spawn, `STOP`, signal, publish). Tests drive it with a fake clock and no processes.
///
/// Rules, in the terms of `topology.yaml`:
/// - an instance starts once every strong dependency (`depends_on`) is running at a satisfying version,
///   every weak one (`after`) that is wanted has settled (running, failed or stopped), and no plugin it
///   `conflicts` with is active;
/// - stops (shutdown, `STOP`, `APPLY`) go in reverse dependency order: an instance is told to stop once
///   no dependent that is also stopping still has a process;
/// - an unasked exit is a crash: restarted per `restart.policy` with exponential backoff, and marked
///   `failed` past `max_restarts` within `period`.
public struct Supervisor: Sendable {
    public internal(set) var topology: Topology
    /// Supervised instances by instance id.
    public internal(set) var instances: [String: SupervisedInstance] = [:]
    /// Plugins the operator wants running.
    public internal(set) var wanted: Set<String>
    public private(set) var shuttingDown = false
    /// Attached sessions by instance id: their plugin name, version and readiness count for dependencies.
    var attached: [String: (plugin: String, version: String, ready: Bool)] = [:]
    /// Instances waiting for their dependents to stop first, with what to do once stopped.
    var pendingStops: [String: PendingStop] = [:]
    var meshAnnounced = false

    struct PendingStop: Sendable {
        var reason: String
        var then: SupervisedInstance.AfterStop
    }

    public init(topology: Topology) {
        self.topology = topology
        wanted = Set(topology.plugins.filter { $0.enabled && $0.isLaunched }.map(\.name))
        for spec in topology.plugins where spec.isLaunched {
            for slot in 1...spec.instances {
                var instance = SupervisedInstance(plugin: spec.name, slot: slot, generation: 0)
                if !spec.enabled {
                    instance.phase = .stopped
                    instance.reason = "disabled in the topology"
                }
                instances[instance.instanceID] = instance
            }
        }
    }

    // MARK: Queries

    /// Every supervised instance in start order (dependencies first), then slot and generation.
    public var orderedInstances: [SupervisedInstance] {
        let rank = Dictionary(uniqueKeysWithValues: topology.graph.order.enumerated().map { ($1, $0) })
        return instances.values.sorted {
            (rank[$0.plugin] ?? Int.max, $0.slot, $0.generation) < (rank[$1.plugin] ?? Int.max, $1.slot, $1.generation)
        }
    }

    /// The instances of one plugin.
    public func instances(of plugin: String) -> [SupervisedInstance] {
        orderedInstances.filter { $0.plugin == plugin }
    }

    /// Whether an instance id belongs to a supervised instance.
    public func isSupervised(_ instance: String) -> Bool { instances[instance] != nil }

    /// The earliest timer (monotonic ms), for the broker loop's poll timeout.
    public var nextDeadline: Int64? { instances.values.compactMap(\.deadline).min() }

    /// Whether every supervised process has exited (after `shutdown`).
    public var isShutDown: Bool { shuttingDown && instances.values.allSatisfy { !$0.hasProcess } }

    // MARK: Start-up and shutdown

    /// Starts what can start. Call once after creating the supervisor.
    public mutating func start(now: Int64) -> [SupervisorAction] {
        evaluate(now: now)
    }

    /// Stops everything in reverse dependency order.
    public mutating func shutdown(now: Int64) -> [SupervisorAction] {
        shuttingDown = true
        wanted.removeAll()
        for instance in instances.values where instance.state != .stopped || instance.hasProcess {
            pendingStops[instance.instanceID] = PendingStop(reason: "broker shutting down", then: .stay)
        }
        return evaluate(now: now)
    }

    /// The topology entry of a plugin.
    func spec(_ plugin: String) -> PluginSpec? { topology.plugin(plugin) }
}

import Logging
import PlexusProtocol
import PlexusTopology

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    private var attached: [String: (plugin: String, version: String, ready: Bool)] = [:]
    /// Instances waiting for their dependents to stop first, with what to do once stopped.
    private var pendingStops: [String: PendingStop] = [:]
    private var meshAnnounced = false

    struct PendingStop: Sendable {
        var reason: String
        var restartAfter: Bool
        var remove: Bool
    }

    public init(topology: Topology) {
        self.topology = topology
        wanted = Set(topology.plugins.filter { $0.enabled && $0.isLaunched }.map(\.name))
        for spec in topology.plugins where spec.isLaunched {
            for slot in 1...spec.instances {
                var instance = SupervisedInstance(plugin: spec.name, slot: slot, generation: 0)
                if !spec.enabled {
                    instance.state = .stopped
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
            pendingStops[instance.instanceID] = PendingStop(reason: "broker shutting down", restartAfter: false, remove: false)
        }
        return evaluate(now: now)
    }

    // MARK: Process events

    /// The broker spawned the instance's process.
    public mutating func spawned(_ id: String, pid: Int32, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else { return [] }
        instance.pid = pid
        instance.state = .starting
        instance.spawnedAt = now
        instance.runningSince = nil
        instance.reason = nil
        instance.deadline = now + (spec(instance.plugin)?.startTimeoutMilliseconds ?? 10_000)
        instances[id] = instance
        return [
            .publish(topic: "plexus.plugin.starting", instance: id),
            .log(.info, "plugin process started", instance: id),
        ]
    }

    /// The process could not be started (command not found, …): retrying the same command cannot help.
    public mutating func spawnFailed(_ id: String, message: String, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else { return [] }
        instance.state = .failed
        instance.reason = "cannot start: \(message)"
        instance.deadline = nil
        instances[id] = instance
        return [
            .publish(topic: "plexus.plugin.failed", instance: id),
            .log(.error, "plugin cannot start: \(message)", instance: id),
        ] + evaluate(now: now)
    }

    /// A process exited with a `waitpid` status.
    public mutating func exited(pid: Int32, status: Int32, now: Int64) -> [SupervisorAction] {
        guard var instance = instances.values.first(where: { $0.pid == pid }) else { return [] }
        let id = instance.instanceID
        let (text, success) = ExitDescription.describe(status)
        instance.pid = nil
        instance.hasSession = false
        instance.lastExit = text
        instance.deadline = nil
        instance.stopStage = nil
        var actions: [SupervisorAction] = []
        if instance.stopRequested {
            instance.stopRequested = false
            instance.state = .stopped
            instance.reason = shuttingDown ? "broker shut down" : "stopped"
            instances[id] = instance
            actions.append(.publish(topic: "plexus.plugin.stopped", instance: id))
            actions.append(.log(.info, "plugin stopped (\(text))", instance: id, plugin: instance.plugin))
            if instance.removeWhenStopped {
                instances[id] = nil
            } else if instance.restartAfterStop {
                instances[id]?.restartAfterStop = false
                instances[id]?.state = .pending
                instances[id]?.reason = nil
            }
        } else {
            instance.reason = instance.killReason ?? "exited unexpectedly (\(text))"
            let crashed = !success || instance.killReason != nil
            instance.killReason = nil
            instances[id] = instance
            actions.append(.publish(topic: "plexus.plugin.crashed", instance: id))
            actions.append(.log(.warning, "plugin exited: \(instance.reason ?? text)", instance: id))
            actions += afterCrash(id, crashed: crashed, now: now)
        }
        return actions + evaluate(now: now)
    }

    /// Decides between restart, `stopped` and `failed` after an unasked exit.
    private mutating func afterCrash(_ id: String, crashed: Bool, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id], let spec = spec(instance.plugin) else { return [] }
        let policy = spec.restart
        let restart =
            wanted.contains(instance.plugin) && !shuttingDown
            && (policy.mode == .always || (policy.mode == .onFailure && crashed))
        guard restart else {
            instance.state = crashed ? .failed : .stopped
            if policy.mode == .never { instance.reason = "\(instance.reason ?? "exited"); restart policy is never" }
            instances[id] = instance
            return crashed ? [.publish(topic: "plexus.plugin.failed", instance: id)] : []
        }
        // A process that ran for a while earned a fresh backoff: its next crash is a new incident.
        if let since = instance.runningSince, now - since >= max(10_000, policy.maxBackoffMilliseconds) {
            instance.consecutiveFailures = 0
        }
        instance.runningSince = nil
        instance.failureTimes = instance.failureTimes.filter { now - $0 < policy.periodMilliseconds } + [now]
        if instance.failureTimes.count > policy.maxRestarts {
            instance.state = .failed
            instance.reason =
                "restarted \(policy.maxRestarts) times within \(policy.periodMilliseconds / 1000) s; "
                + "giving up (last: \(instance.reason ?? instance.lastExit))"
            instances[id] = instance
            return [
                .publish(topic: "plexus.plugin.failed", instance: id),
                .log(.error, "plugin failed: \(instance.reason ?? "")", instance: id),
            ]
        }
        let delay = policy.backoff(attempt: instance.consecutiveFailures)
        instance.consecutiveFailures += 1
        instance.restarts += 1
        instance.state = .backoff
        instance.deadline = now + delay
        instance.reason = "restarting in \(delay) ms after: \(instance.reason ?? instance.lastExit)"
        instances[id] = instance
        return [.publish(topic: "plexus.plugin.restarting", instance: id)]
    }

    // MARK: Session events (from the broker's registry)

    /// A session registered. Returns the topology's name for it when it is a supervised instance (the
    /// process the broker started for that instance id), or `nil` when it is attached. The topology's name
    /// wins over the one the plugin registers with: one binary may serve under several names.
    public mutating func registered(_ id: String, plugin: String, pid: Int32, version: String, now: Int64) -> String? {
        if var instance = instances[id], instance.hasProcess, pid == 0 || instance.pid == pid {
            instance.hasSession = true
            instance.registeredVersion = version
            instances[id] = instance
            return instance.plugin
        }
        attached[id] = (plugin, version, false)
        return nil
    }

    /// A session sent `READY`.
    public mutating func ready(_ id: String, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else {
            if attached[id] != nil { attached[id]?.ready = true }
            return evaluate(now: now)
        }
        guard instance.hasProcess, !instance.stopRequested else { return [] }
        instance.state = .running
        instance.runningSince = now
        instance.deadline = nil
        instance.reason = nil
        instances[id] = instance
        var actions: [SupervisorAction] = [.publish(topic: "plexus.plugin.running", instance: id)]
        if let old = instance.replaces {
            instances[id]?.replaces = nil
            if instances[old] != nil {
                pendingStops[old] = PendingStop(reason: "replaced by \(id)", restartAfter: false, remove: true)
                actions.append(.log(.info, "upgrade: \(id) is running; stopping \(old)", instance: id))
            }
        }
        return actions + evaluate(now: now)
    }

    /// A session ended: goodbye, or evicted after missing heartbeats (`lost`).
    public mutating func sessionEnded(_ id: String, lost: Bool, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else {
            attached[id] = nil
            return evaluate(now: now)
        }
        instance.hasSession = false
        var actions: [SupervisorAction] = []
        if lost, let pid = instance.pid, !instance.stopRequested {
            // A hung process cannot be asked to stop: kill it; its exit restarts it per policy.
            instance.killReason = "missed heartbeats; killed"
            actions.append(.signal(pid: pid, signal: SIGKILL))
            actions.append(.log(.warning, "plugin missed heartbeats; killing it", instance: id))
        }
        instances[id] = instance
        return actions
    }

    // MARK: Timers

    /// Fires the timers that are due.
    public mutating func tick(now: Int64) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        for id in instances.keys.sorted() {
            guard var instance = instances[id], let deadline = instance.deadline, deadline <= now else { continue }
            instance.deadline = nil
            switch instance.state {
            case .starting:
                if let pid = instance.pid {
                    instance.killReason = "not ready within start_timeout; killed"
                    actions.append(.signal(pid: pid, signal: SIGKILL))
                    actions.append(.log(.warning, "plugin not ready within start_timeout; killing it", instance: id))
                }
            case .stopping:
                guard let pid = instance.pid else { break }
                let timeout = spec(instance.plugin)?.stopTimeoutMilliseconds ?? 5_000
                if instance.stopStage == .asked {
                    instance.stopStage = .terminated
                    instance.deadline = now + timeout
                    actions.append(.signal(pid: pid, signal: SIGTERM))
                    actions.append(.log(.warning, "plugin did not stop within stop_timeout; sent SIGTERM", instance: id))
                } else {
                    instance.stopStage = .killed
                    actions.append(.signal(pid: pid, signal: SIGKILL))
                    actions.append(.log(.warning, "plugin ignored SIGTERM; sent SIGKILL", instance: id))
                }
            case .backoff:
                instance.state = .pending
                instance.reason = nil
            default:
                break
            }
            instances[id] = instance
        }
        return actions + evaluate(now: now)
    }

    // MARK: Evaluation

    /// Starts what may start, stops what may stop, and announces the mesh when all is running.
    mutating func evaluate(now: Int64) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        // Stops: reverse dependency order, each once its stopping dependents are gone.
        for plugin in topology.graph.order.reversed() + orphanPlugins() {
            for instance in instances.values.filter({ $0.plugin == plugin }).sorted(by: { $0.instanceID < $1.instanceID }) {
                guard let stop = pendingStops[instance.instanceID] else { continue }
                if dependentsStillStopping(plugin) { continue }
                pendingStops[instance.instanceID] = nil
                actions += beginStop(instance.instanceID, stop, now: now)
            }
        }
        if !shuttingDown {
            for plugin in topology.graph.order where wanted.contains(plugin) {
                guard let spec = spec(plugin) else { continue }
                let waiting = instances.values.filter {
                    $0.plugin == plugin && $0.state == .pending && pendingStops[$0.instanceID] == nil
                }
                guard !waiting.isEmpty else { continue }
                let blocker = self.blocker(for: spec)
                for instance in waiting.sorted(by: { $0.instanceID < $1.instanceID }) {
                    if let blocker {
                        instances[instance.instanceID]?.reason = blocker
                    } else {
                        instances[instance.instanceID]?.state = .starting
                        instances[instance.instanceID]?.reason = nil
                        actions.append(.spawn(instance: instance.instanceID, spec: spec))
                    }
                }
            }
        }
        let targets = topology.graph.order.filter { wanted.contains($0) }
        let allRunning = !targets.isEmpty && targets.allSatisfy(isRunning)
        if allRunning, !meshAnnounced {
            meshAnnounced = true
            actions.append(.meshReady(plugins: targets))
        } else if !allRunning {
            meshAnnounced = false
        }
        return actions
    }

    /// Plugins with instances but no longer in the topology (removed by `APPLY`).
    private func orphanPlugins() -> [String] {
        Array(Set(instances.values.map(\.plugin)).subtracting(topology.graph.order)).sorted()
    }

    private func dependentsStillStopping(_ plugin: String) -> Bool {
        topology.graph.dependents(of: plugin).contains { dependent in
            instances.values.contains {
                $0.plugin == dependent && $0.hasProcess && (pendingStops[$0.instanceID] != nil || $0.stopRequested)
            }
        }
    }

    /// Queues a stop that `evaluate` carries out once the instance's stopping dependents are gone.
    mutating func requestStop(_ id: String, reason: String, restartAfter: Bool, remove: Bool) {
        pendingStops[id] = PendingStop(reason: reason, restartAfter: restartAfter, remove: remove)
    }

    private mutating func beginStop(_ id: String, _ stop: PendingStop, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else { return [] }
        instance.restartAfterStop = stop.restartAfter
        instance.removeWhenStopped = stop.remove
        guard let pid = instance.pid else {
            // Nothing runs: settle at once.
            instance.deadline = nil
            if stop.remove {
                instances[id] = nil
            } else if stop.restartAfter {
                instance.state = .pending
                instance.reason = nil
                instance.restartAfterStop = false
                instances[id] = instance
            } else {
                instance.state = .stopped
                instance.reason = stop.reason
                instances[id] = instance
            }
            return []
        }
        let timeout = spec(instance.plugin)?.stopTimeoutMilliseconds ?? 5_000
        instance.stopRequested = true
        instance.state = .stopping
        instance.reason = stop.reason
        instance.deadline = now + timeout
        var actions: [SupervisorAction] = [.log(.info, "stopping plugin: \(stop.reason)", instance: id)]
        if instance.hasSession {
            instance.stopStage = .asked
            actions.append(.sendStop(instance: id, reason: stop.reason))
        } else {
            // No session to ask (not registered yet): go straight to SIGTERM.
            instance.stopStage = .terminated
            actions.append(.signal(pid: pid, signal: SIGTERM))
        }
        instances[id] = instance
        return actions
    }

    /// Why `spec` cannot start now, or `nil` when it can.
    private func blocker(for spec: PluginSpec) -> String? {
        for requirement in topology.graph.requirements[spec.name] ?? [] {
            guard isRunning(requirement.plugin) else {
                let failed = instances.values.contains { $0.plugin == requirement.plugin && $0.state == .failed }
                return "waiting for \(requirement.plugin)"
                    + (failed
                        ? " (failed)"
                        : wanted.contains(requirement.plugin) || !isLaunched(requirement.plugin) ? "" : " (stopped)")
            }
            if let constraint = requirement.version, let version = runningVersion(requirement.plugin),
                !constraint.isSatisfied(by: version)
            {
                return "needs \(requirement.plugin)@\(constraint), which runs version \(version)"
            }
        }
        for dependency in topology.graph.weak[spec.name] ?? [] where wanted.contains(dependency) && !isSettled(dependency) {
            return "starting after \(dependency)"
        }
        for other in spec.conflicts where isActive(other) {
            return "conflicts with \(other), which is running"
        }
        return nil
    }

    private func isLaunched(_ plugin: String) -> Bool { spec(plugin)?.isLaunched == true }

    /// Whether a plugin counts as running for its dependents.
    func isRunning(_ plugin: String) -> Bool {
        if isLaunched(plugin) {
            let current = instances.values.filter {
                $0.plugin == plugin && !$0.removeWhenStopped && pendingStops[$0.instanceID]?.remove != true
            }
            return !current.isEmpty && current.allSatisfy { $0.state == .running }
        }
        return attached.values.contains { $0.plugin == plugin && $0.ready }
    }

    private func isSettled(_ plugin: String) -> Bool {
        isRunning(plugin)
            || instances.values.filter { $0.plugin == plugin }.allSatisfy { $0.state == .failed || $0.state == .stopped }
    }

    private func isActive(_ plugin: String) -> Bool {
        instances.values.contains { $0.plugin == plugin && $0.hasProcess } || attached.values.contains { $0.plugin == plugin }
    }

    private func runningVersion(_ plugin: String) -> String? {
        instances.values.first { $0.plugin == plugin && $0.state == .running }?.registeredVersion
            ?? attached.values.first { $0.plugin == plugin && $0.ready }?.version
    }

    func spec(_ plugin: String) -> PluginSpec? { topology.plugin(plugin) }

    // MARK: Commands

    /// Checks that `name` is a plugin the supervisor launches; the error says why not.
    func launchable(_ name: String, for verb: String) throws(SupervisorError) -> PluginSpec {
        guard let spec = spec(name) else {
            if attached.values.contains(where: { $0.plugin == name }) {
                throw SupervisorError.conflict("\(name) is attached (not started by the broker); it has no process to \(verb)")
            }
            throw SupervisorError.notFound("no plugin named '\(name)' in the topology")
        }
        guard spec.isLaunched else {
            throw SupervisorError.conflict("\(name) has no command in the topology; the broker cannot \(verb) it")
        }
        return spec
    }

    /// `START NAME`: want it running; it starts once its dependencies run.
    public mutating func startPlugin(_ name: String, now: Int64) throws(SupervisorError) -> [SupervisorAction] {
        let spec = try launchable(name, for: "start")
        if let other = spec.conflicts.first(where: isActive) {
            throw SupervisorError.conflict("\(name) conflicts with \(other), which is running; stop it first")
        }
        guard !shuttingDown else { throw SupervisorError.unavailable("the broker is shutting down") }
        wanted.insert(name)
        for instance in instances(of: name) where instance.state == .stopped || instance.state == .failed {
            var reset = instance
            reset.state = .pending
            reset.reason = nil
            reset.failureTimes = []
            reset.consecutiveFailures = 0
            instances[instance.instanceID] = reset
            pendingStops[instance.instanceID] = nil
        }
        return evaluate(now: now)
    }

    /// `STOP NAME`: stop its instances and keep them stopped.
    public mutating func stopPlugin(_ name: String, now: Int64) throws(SupervisorError) -> [SupervisorAction] {
        _ = try launchable(name, for: "stop")
        wanted.remove(name)
        for instance in instances(of: name) {
            pendingStops[instance.instanceID] = PendingStop(reason: "stopped by command", restartAfter: false, remove: false)
        }
        return evaluate(now: now)
    }

    /// `RESTART NAME`: stop, then start again with a fresh restart budget.
    public mutating func restartPlugin(_ name: String, now: Int64) throws(SupervisorError) -> [SupervisorAction] {
        _ = try launchable(name, for: "restart")
        guard !shuttingDown else { throw SupervisorError.unavailable("the broker is shutting down") }
        wanted.insert(name)
        for instance in instances(of: name) {
            instances[instance.instanceID]?.failureTimes = []
            instances[instance.instanceID]?.consecutiveFailures = 0
            pendingStops[instance.instanceID] = PendingStop(reason: "restart requested", restartAfter: true, remove: false)
        }
        return evaluate(now: now)
    }

    /// `UPGRADE NAME`: a new generation of each instance; each old one stops once its successor runs.
    public mutating func upgradePlugin(_ name: String, now: Int64) throws(SupervisorError) -> [SupervisorAction] {
        _ = try launchable(name, for: "upgrade")
        let current = instances(of: name).filter { !$0.removeWhenStopped && $0.replaces == nil }
        guard !current.isEmpty, current.allSatisfy({ $0.state == .running }) else {
            throw SupervisorError.conflict("\(name) is not running; use start or restart")
        }
        guard !instances.values.contains(where: { $0.plugin == name && $0.replaces != nil }) else {
            throw SupervisorError.conflict("an upgrade of \(name) is already under way")
        }
        for old in current {
            var successor = SupervisedInstance(plugin: name, slot: old.slot, generation: old.generation + 1)
            successor.replaces = old.instanceID
            instances[successor.instanceID] = successor
        }
        return evaluate(now: now)
    }

    /// `RELOAD NAME` with the config re-read from the topology: the sessions to send it to.
    public mutating func reloadPlugin(_ name: String, config: JSONValue) throws(SupervisorError) -> [SupervisorAction] {
        guard let index = topology.plugins.firstIndex(where: { $0.name == name }) else {
            if attached.values.contains(where: { $0.plugin == name }) {
                return attached.filter { $0.value.plugin == name }.keys.sorted().map { .reload(instance: $0, config: config) }
            }
            throw SupervisorError.notFound("no plugin named '\(name)'")
        }
        topology.plugins[index].config = config
        let supervised = instances(of: name).filter(\.hasSession).map(\.instanceID)
        let others = attached.filter { $0.value.plugin == name }.keys.sorted()
        return (supervised + others).map { .reload(instance: $0, config: config) }
    }
}

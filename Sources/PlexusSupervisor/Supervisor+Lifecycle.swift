import PlexusProtocol
import PlexusTopology

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The operator's commands (`START`, `STOP`, `RESTART`, `UPGRADE`, `RELOAD`) and how a requested stop
/// begins: `STOP` over the session, else SIGTERM.
extension Supervisor {
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
            reset.phase = .pending
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
            pendingStops[instance.instanceID] = PendingStop(reason: "stopped by command", then: .stay)
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
            pendingStops[instance.instanceID] = PendingStop(reason: "restart requested", then: .restart)
        }
        return evaluate(now: now)
    }

    /// `UPGRADE NAME`: a new generation of each instance; each old one stops once its successor runs.
    public mutating func upgradePlugin(_ name: String, now: Int64) throws(SupervisorError) -> [SupervisorAction] {
        _ = try launchable(name, for: "upgrade")
        let current = instances(of: name).filter { $0.phase.afterStop != .remove && $0.replaces == nil }
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

    // MARK: Stopping

    /// Queues a stop that `evaluate` carries out once the instance's stopping dependents are gone.
    mutating func requestStop(_ id: String, reason: String, then: SupervisedInstance.AfterStop) {
        pendingStops[id] = PendingStop(reason: reason, then: then)
    }

    mutating func beginStop(_ id: String, _ stop: PendingStop, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else { return [] }
        guard let pid = instance.pid else {
            // Nothing runs: settle at once.
            instance.deadline = nil
            switch stop.then {
            case .remove:
                instances[id] = nil
            case .restart:
                instance.phase = .pending
                instance.reason = nil
                instances[id] = instance
            case .stay:
                instance.phase = .stopped
                instance.reason = stop.reason
                instances[id] = instance
            }
            return []
        }
        let timeout = spec(instance.plugin)?.stopTimeoutMilliseconds ?? 5_000
        instance.reason = stop.reason
        instance.deadline = now + timeout
        var actions: [SupervisorAction] = [.log(.info, "stopping plugin: \(stop.reason)", instance: id)]
        if instance.hasSession {
            instance.phase = .stopping(stage: .asked, then: stop.then)
            actions.append(.sendStop(instance: id, reason: stop.reason))
        } else {
            // No session to ask (not registered yet): go straight to SIGTERM.
            instance.phase = .stopping(stage: .terminated, then: stop.then)
            actions.append(.signal(pid: pid, signal: SIGTERM))
        }
        instances[id] = instance
        return actions
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Session events from the broker's registry: a supervised process registered, became ready, or its
/// session ended (goodbye, or evicted for missed heartbeats).
extension Supervisor {
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
        guard instance.hasProcess, !instance.isStopping else { return [] }
        // A kill already under way (start timeout) still reports its reason when the process exits.
        instance.phase = .running(killed: instance.phase.killReason)
        instance.runningSince = now
        instance.deadline = nil
        instance.reason = nil
        instances[id] = instance
        var actions: [SupervisorAction] = [.publish(topic: "plexus.plugin.running", instance: id)]
        if let old = instance.replaces {
            instances[id]?.replaces = nil
            if instances[old] != nil {
                pendingStops[old] = PendingStop(reason: "replaced by \(id)", then: .remove)
                actions.append(.log(.info, "upgrade: \(id) is running; stopping \(old)", instance: id))
            }
        }
        return actions + evaluate(now: now)
    }

    /// A plain process's probe passed: the first time, it counts as running (its `READY`).
    public mutating func probePassed(_ id: String, now: Int64) -> [SupervisorAction] {
        guard let instance = instances[id], case .starting(nil) = instance.phase,
            spec(instance.plugin)?.plainProcess == true
        else { return [] }
        return ready(id, now: now) + [.log(.info, "plain process probe passed: running", instance: id)]
    }

    /// Critical too long (`on_critical: restart`): SIGTERM, and the exit counts as a crash whatever its
    /// status, so that the restart policy restarts it with its backoff (a graceful exit 0 included).
    public mutating func unhealthy(_ id: String, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id], let pid = instance.pid, !instance.isStopping else { return [] }
        instance.phase.markKilled(.unhealthy)
        instances[id] = instance
        return [
            .signal(pid: pid, signal: SIGTERM),
            .log(.warning, "plugin critical too long; terminating it to restart", instance: id),
        ]
    }

    /// A session ended: goodbye, or evicted after missing heartbeats (`lost`).
    public mutating func sessionEnded(_ id: String, lost: Bool, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else {
            attached[id] = nil
            return evaluate(now: now)
        }
        instance.hasSession = false
        var actions: [SupervisorAction] = []
        if lost, let pid = instance.pid, !instance.isStopping {
            // A hung process cannot be asked to stop: kill it; its exit restarts it per policy.
            instance.phase.markKilled(.missedHeartbeats)
            actions.append(.signal(pid: pid, signal: SIGKILL))
            actions.append(.log(.warning, "plugin missed heartbeats; killing it", instance: id))
        }
        instances[id] = instance
        return actions
    }
}

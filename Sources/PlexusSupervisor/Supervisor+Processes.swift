import PlexusTopology

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process events (spawned, could not start, exited) and the timers (start timeout, stop escalation,
/// backoff): where crashes become restarts, `backoff` or `failed`.
extension Supervisor {
    // MARK: Process events

    /// The broker spawned the instance's process.
    public mutating func spawned(_ id: String, pid: Int32, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else { return [] }
        instance.pid = pid
        instance.phase = .starting(killed: nil)
        instance.spawnedAt = now
        instance.runningSince = nil
        instance.reason = nil
        let spec = spec(instance.plugin)
        // A plain process (protocol: none) has no READY: it counts as running once up `start_seconds`, or
        // when its probe first passes (`probePassed`), within start_timeout.
        if let spec, spec.plainProcess, spec.health.probe == nil {
            instance.deadline = now + spec.startSecondsMilliseconds
        } else {
            instance.deadline = now + (spec?.startTimeoutMilliseconds ?? 10_000)
        }
        instances[id] = instance
        return [
            .publish(topic: "plexus.plugin.starting", instance: id),
            .log(.info, "plugin process started", instance: id),
        ]
    }

    /// The process could not be started (command not found, …): retrying the same command cannot help.
    public mutating func spawnFailed(_ id: String, message: String, now: Int64) -> [SupervisorAction] {
        guard var instance = instances[id] else { return [] }
        instance.phase = .failed
        instance.reason = "cannot start: \(message)"
        instance.deadline = nil
        instances[id] = instance
        return [
            .publish(topic: "plexus.plugin.failed", instance: id),
            .log(.error, "plugin cannot start: \(message)", instance: id),
        ] + evaluate(now: now)
    }

    /// A process exited with a `waitpid` status. `oomKilled`: its cgroup says the kernel killed it for
    /// memory (its `limits.memory_mb`), reported as the exit `oom`; the restart policy applies as to a crash.
    public mutating func exited(pid: Int32, status: Int32, now: Int64, oomKilled: Bool = false) -> [SupervisorAction] {
        guard var instance = instances.values.first(where: { $0.pid == pid }) else { return [] }
        let id = instance.instanceID
        var (text, success) = ExitDescription.describe(status)
        if oomKilled { (text, success) = ("oom", false) }
        instance.pid = nil
        instance.hasSession = false
        instance.lastExit = text
        instance.deadline = nil
        var actions: [SupervisorAction] = []
        if let then = instance.phase.afterStop {
            instance.phase = .stopped
            instance.reason = shuttingDown ? "broker shut down" : "stopped"
            instances[id] = instance
            // A record that goes now cannot be looked up when the event is published: it travels along.
            actions.append(
                then == .remove
                    ? .publishRemoved(topic: "plexus.plugin.stopped", record: instance)
                    : .publish(topic: "plexus.plugin.stopped", instance: id))
            actions.append(.log(.info, "plugin stopped (\(text))", instance: id, plugin: instance.plugin))
            switch then {
            case .remove:
                instances[id] = nil
            case .restart:
                instances[id]?.phase = .pending
                instances[id]?.reason = nil
            case .stay:
                break
            }
        } else {
            let killed = instance.phase.killReason
            instance.reason = killed?.description ?? "exited unexpectedly (\(text))"
            let crashed = !success || killed != nil
            instance.phase = instance.phase.withoutKill
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
            instance.phase = crashed ? .failed : .stopped
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
            instance.phase = .failed
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
        instance.phase = .backoff
        instance.deadline = now + delay
        instance.reason = "restarting in \(delay) ms after: \(instance.reason ?? instance.lastExit)"
        instances[id] = instance
        return [.publish(topic: "plexus.plugin.restarting", instance: id)]
    }

    // MARK: Timers

    /// Fires the timers that are due.
    public mutating func tick(now: Int64) -> [SupervisorAction] {
        var actions: [SupervisorAction] = []
        for id in instances.keys.sorted() {
            guard var instance = instances[id], let deadline = instance.deadline, deadline <= now else { continue }
            instance.deadline = nil
            switch instance.phase {
            case .starting(let killed):
                if killed == nil, let spec = spec(instance.plugin), spec.plainProcess, spec.health.probe == nil,
                    instance.pid != nil
                {
                    instances[id] = instance
                    actions += ready(id, now: now)
                    actions.append(.log(.info, "plain process up for start_seconds: running", instance: id))
                    continue
                }
                if let pid = instance.pid {
                    instance.phase = .starting(killed: .startTimeout)
                    actions.append(.signal(pid: pid, signal: SIGKILL))
                    actions.append(.log(.warning, "plugin not ready within start_timeout; killing it", instance: id))
                }
            case .stopping(let stage, let then):
                guard let pid = instance.pid else { break }
                let timeout = spec(instance.plugin)?.stopTimeoutMilliseconds ?? 5_000
                if stage == .asked {
                    instance.phase = .stopping(stage: .terminated, then: then)
                    instance.deadline = now + timeout
                    actions.append(.signal(pid: pid, signal: SIGTERM))
                    actions.append(.log(.warning, "plugin did not stop within stop_timeout; sent SIGTERM", instance: id))
                } else {
                    instance.phase = .stopping(stage: .killed, then: then)
                    actions.append(.signal(pid: pid, signal: SIGKILL))
                    actions.append(.log(.warning, "plugin ignored SIGTERM; sent SIGKILL", instance: id))
                }
            case .backoff:
                instance.phase = .pending
                instance.reason = nil
            default:
                break
            }
            instances[id] = instance
        }
        return actions + evaluate(now: now)
    }
}

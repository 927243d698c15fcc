import PlexusTopology

/// Evaluation: what may start (dependencies running at a satisfying version, weak dependencies settled,
/// no conflicting plugin active), what may stop (dependents first), and when the mesh is ready.
extension Supervisor {
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
                        instances[instance.instanceID]?.phase = .starting(killed: nil)
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
                $0.plugin == dependent && $0.hasProcess && (pendingStops[$0.instanceID] != nil || $0.isStopping)
            }
        }
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
                $0.plugin == plugin && $0.phase.afterStop != .remove && pendingStops[$0.instanceID]?.then != .remove
            }
            return !current.isEmpty && current.allSatisfy { $0.state == .running }
        }
        return attached.values.contains { $0.plugin == plugin && $0.ready }
    }

    private func isSettled(_ plugin: String) -> Bool {
        isRunning(plugin)
            || instances.values.filter { $0.plugin == plugin }.allSatisfy { $0.state == .failed || $0.state == .stopped }
    }

    func isActive(_ plugin: String) -> Bool {
        instances.values.contains { $0.plugin == plugin && $0.hasProcess } || attached.values.contains { $0.plugin == plugin }
    }

    private func runningVersion(_ plugin: String) -> String? {
        instances.values.first { $0.plugin == plugin && $0.state == .running }?.registeredVersion
            ?? attached.values.first { $0.plugin == plugin && $0.ready }?.version
    }
}

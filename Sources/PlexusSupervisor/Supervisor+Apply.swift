import PlexusProtocol
import PlexusTopology

extension Supervisor {
    /// Moves the running mesh to `new`: stops removed and disabled plugins (dependents first), restarts
    /// changed ones, reloads config-only changes, starts added and enabled ones (dependencies first).
    public mutating func apply(_ new: Topology, now: Int64) -> (ApplyPlan, [SupervisorAction]) {
        var plan = ApplyPlan()
        var actions: [SupervisorAction] = []
        let old = topology
        if new.broker != old.broker {
            plan.notes.append("the broker section changed; restart the broker to apply it")
        }
        topology = new
        for spec in new.plugins {
            guard let previous = old.plugin(spec.name) else {
                if spec.isLaunched {
                    addInstances(of: spec, from: 1)
                    if spec.enabled {
                        wanted.insert(spec.name); plan.start.append(spec.name)
                        plan.changes.append(PlanChange(kind: "plugin", name: spec.name, action: "start", fields: ["added"]))
                    } else {
                        plan.unchanged.append(spec.name)
                    }
                } else {
                    plan.unchanged.append(spec.name)
                }
                continue
            }
            if previous == spec {
                plan.unchanged.append(spec.name)
                continue
            }
            let fields = spec.changedFields(from: previous)
            func change(_ action: String) {
                plan.changes.append(PlanChange(kind: "plugin", name: spec.name, action: action, fields: fields))
            }
            if spec.differsOnlyInConfig(from: previous) {
                plan.reload.append(spec.name)
                change("reload")
                if let reload = try? reloadPlugin(spec.name, config: spec.config) { actions += reload }
            } else if !spec.enabled || !spec.isLaunched {
                wanted.remove(spec.name)
                requestStop(of: spec.name, reason: "disabled by apply", remove: !spec.isLaunched)
                plan.stop.append(spec.name)
                change("stop")
            } else if !previous.enabled || !previous.isLaunched {
                addInstances(of: spec, from: 1)
                wanted.insert(spec.name)
                for instance in instances(of: spec.name) where instance.state == .stopped || instance.state == .failed {
                    instances[instance.instanceID]?.phase = .pending
                    instances[instance.instanceID]?.reason = nil
                }
                plan.start.append(spec.name)
                change("start")
            } else {
                // Any other change (command, env, instances, dependencies, policy): restart with the new spec,
                // handing over the way `upgrade` does where it can, so that a new version that does not come
                // up leaves the old one serving.
                wanted.insert(spec.name)
                let handOver = canHandOver(spec, from: previous)
                for instance in instances(of: spec.name) {
                    let keep = instance.slot <= spec.instances
                    if keep && handOver {
                        var successor = SupervisedInstance(
                            plugin: spec.name, slot: instance.slot, generation: instance.generation + 1)
                        successor.replaces = instance.instanceID
                        instances[successor.instanceID] = successor
                    } else {
                        requestStop(instance.instanceID, reason: "changed by apply", then: keep ? .restart : .remove)
                    }
                }
                addInstances(of: spec, from: previous.instances + 1)
                plan.restart.append(spec.name)
                plan.changes.append(
                    PlanChange(
                        kind: "plugin", name: spec.name, action: "restart",
                        fields: fields + [
                            handOver
                                ? "handover: the new instances run before the old ones stop"
                                : "handover: none, the old instances stop first (\(handOverObstacle(spec, from: previous) ?? ""))"
                        ]))
            }
        }
        for previous in old.plugins where new.plugin(previous.name) == nil {
            wanted.remove(previous.name)
            requestStop(of: previous.name, reason: "removed by apply", remove: true)
            plan.stop.append(previous.name)
            plan.changes.append(PlanChange(kind: "plugin", name: previous.name, action: "stop", fields: ["removed"]))
        }
        return (plan, actions + evaluate(now: now))
    }

    /// Whether a changed plugin's new instances can start before its old ones stop: it speaks Plexus (a
    /// plain process often binds a fixed port, and a second copy would fail), every instance runs, and no
    /// upgrade is under way.
    private func canHandOver(_ spec: PluginSpec, from previous: PluginSpec) -> Bool {
        handOverObstacle(spec, from: previous) == nil
    }

    /// Why `canHandOver` says no, for the plan; nil when it says yes.
    private func handOverObstacle(_ spec: PluginSpec, from previous: PluginSpec) -> String? {
        if spec.plainProcess || previous.plainProcess { return "a plain process" }
        let current = instances(of: spec.name)
        if current.isEmpty { return "no instance runs" }
        if current.contains(where: { $0.replaces != nil }) { return "an upgrade is under way" }
        if !current.allSatisfy({ $0.state == .running && $0.phase.afterStop != .remove }) { return "not every instance runs" }
        return nil
    }

    private mutating func addInstances(of spec: PluginSpec, from first: Int) {
        guard spec.isLaunched, first <= spec.instances else { return }
        for slot in first...spec.instances where !instances.values.contains(where: { $0.plugin == spec.name && $0.slot == slot })
        {
            let instance = SupervisedInstance(plugin: spec.name, slot: slot, generation: 0)
            instances[instance.instanceID] = instance
        }
    }

    private mutating func requestStop(of plugin: String, reason: String, remove: Bool) {
        for instance in instances.values where instance.plugin == plugin {
            requestStop(instance.instanceID, reason: reason, then: remove ? .remove : .stay)
        }
    }
}

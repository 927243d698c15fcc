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
                // Any other change (command, env, instances, dependencies, policy): restart with the new spec.
                wanted.insert(spec.name)
                for instance in instances(of: spec.name) {
                    let keep = instance.slot <= spec.instances
                    requestStop(instance.instanceID, reason: "changed by apply", then: keep ? .restart : .remove)
                }
                addInstances(of: spec, from: previous.instances + 1)
                plan.restart.append(spec.name)
                change("restart")
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

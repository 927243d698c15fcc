import Foundation
import Logging
import PlexusProcess
import PlexusProtocol
import PlexusSupervisor
import PlexusTopology

/// The broker's side of supervision: carrying out the supervisor's actions, feeding it process and
/// session events, and answering the lifecycle commands.
extension BrokerState {
    // MARK: Actions

    /// Carries out one of the supervisor's decisions; a spawn's outcome (spawned, failed) feeds back at once.
    mutating func apply(_ action: SupervisorAction) {
        switch action {
        case .spawn(let instance, let spec):
            enqueue(spawn(instance, spec))
        case .sendStop(let instance, let reason):
            // A stopping instance finishes its requests and gets no new ones.
            dispatcher.workerDraining(instance)
            if let session = registry.session(instance: instance) {
                sendControl(ControlEnvelope(routingID: session.routingID), BrokerMessage.stop(reason: reason).encode())
            }
        case .signal(let pid, let signal):
            processControl.signal(pid, signal)
        case .publish(let topic, let instance):
            if let supervised = supervisor.instances[instance] {
                publishInfo(topic, supervisedInfo(supervised, now: Clock.monotonicMilliseconds()))
            }
        case .publishRemoved(let topic, let record):
            publishInfo(topic, supervisedInfo(record, now: Clock.monotonicMilliseconds()))
        case .reload(let instance, let config):
            if let session = registry.session(instance: instance) {
                sendControl(ControlEnvelope(routingID: session.routingID), BrokerMessage.reload(config: config).encode())
                logger.info("config reloaded", metadata: session.logMetadata)
            }
        case .meshReady(let plugins):
            logger.info("mesh ready", metadata: ["plugins": "\(plugins.joined(separator: ","))"])
            publish(
                topic: "plexus.mesh.ready", payload: JSONCoding.encode(["plugins": plugins]),
                source: PlexusConstants.brokerSource, headersJSON: nil)
            // The first fires (and the catch-up of missed ones) wait for the plugins that handle them.
            startScheduling()
        case .log(let level, let message, let instance, let plugin):
            var metadata: Logger.Metadata = [:]
            if let instance {
                metadata["instance"] = "\(instance)"
                metadata["plugin"] = "\(plugin ?? supervisor.instances[instance]?.plugin ?? "")"
            }
            logger.log(level: level, "\(message)", metadata: metadata)
        }
    }

    private mutating func spawn(_ instance: String, _ spec: PluginSpec) -> [SupervisorAction] {
        var environment = ProcessInfo.processInfo.environment
        // Keys the broker's own shell holds (an operator's CLI keys) are not the plugin's: the broker
        // gives a supervised process its own, or none when CURVE is off.
        for name in [
            CurveEnvironment.secretKey, CurveEnvironment.publicKey, CurveEnvironment.serverKey, CurveEnvironment.secretKeyFile,
        ] {
            environment[name] = nil
        }
        for (key, value) in spec.environment { environment[key] = value }
        environment[PlexusConstants.brokerEnvironmentVariable] = reachableControlEndpoint
        environment["PLEXUS_INSTANCE"] = instance
        environment["PLEXUS_PLUGIN"] = spec.name
        // A fresh secret per process: REGISTER for this instance id must present it.
        let token = RegistrationToken.generate()
        environment[RegistrationToken.environmentVariable] = token.text
        let now = Clock.monotonicMilliseconds()
        // A fresh CURVE pair per process (CURVE on): admitted as this instance until it exits. The secret
        // goes only into the child's environment, never into a log.
        if curve != nil {
            guard let pair = curve?.issue(instance: instance, plugin: spec.name), let serverKey = curve?.serverPublicKey else {
                return supervisor.spawnFailed(instance, message: "cannot generate a CURVE key pair", now: now)
            }
            environment[CurveEnvironment.secretKey] = pair.secretKey
            environment[CurveEnvironment.publicKey] = pair.publicKey
            environment[CurveEnvironment.serverKey] = serverKey
        }
        var cgroup: CgroupPlacement?
        do {
            var request = try launchRequest(spec, environment: environment)
            cgroup = try placeInCgroup(instance, spec)
            request.cgroupProcsPaths = cgroup?.procsPaths ?? []
            let pid = try processControl.launch(request)
            if let cgroup { cgroups[pid] = cgroup }
            processes[pid] = instance
            registrationTokens[instance] = (pid, token)
            if let probe = spec.health.probe {
                environment[RegistrationToken.environmentVariable] = nil
                probes.schedule(
                    instance: instance, probe: probe,
                    workingDirectory: spec.workingDirectory ?? supervisor.topology.baseDirectory, environment: environment)
            }
            return supervisor.spawned(instance, pid: pid, now: now)
        } catch {
            cgroup?.remove()
            curve?.revoke(instance)
            if error.description.hasPrefix("integrity:") {
                audit("integrity", target: instance, actor: .broker, decision: "denied", result: error.description, durable: true)
            }
            return supervisor.spawnFailed(instance, message: error.description, now: now)
        }
    }

    /// The control endpoint as a plugin on this host can dial it (a wildcard bind becomes loopback).
    var reachableControlEndpoint: String {
        endpoints.control.replacingOccurrences(of: "//0.0.0.0:", with: "//127.0.0.1:")
            .replacingOccurrences(of: "//*:", with: "//127.0.0.1:")
    }

    // MARK: Inputs from other threads

    /// Work handed to the loop by other threads: process output and exits, SIGHUP.
    mutating func handle(_ input: LoopInput) {
        switch input {
        case .process(.output(let pid, let stream, let line)):
            guard let instance = processes[pid] else { return }
            let plugin = supervisor.instances[instance]?.plugin ?? instance
            logs.append(plugin: plugin, instance: instance, stream: stream, line: line, time: Clock.wallMicroseconds())
            logger.info(
                "\(line)", metadata: ["plugin": "\(plugin)", "instance": "\(instance)", "stream": "\(stream.rawValue)"])
        case .process(.exited(let pid, let status)):
            resources[pid] = nil
            if let instance = processes.removeValue(forKey: pid) {
                if registrationTokens[instance]?.pid == pid { registrationTokens[instance] = nil }
                curve?.revoke(instance)
                probes.cancel(instance: instance)
                forgetHealth(instance)
                // The process is gone, so is its session: fail over its requests now, not at eviction.
                servicesLeft(instance)
                if let session = registry.session(instance: instance) { _ = registry.remove(route: session.routingID) }
            }
            let cgroup = cgroups.removeValue(forKey: pid)
            let oomKilled = cgroup?.oomKilled() ?? false
            cgroup?.remove()
            if oomKilled, let instance = supervisor.instances.values.first(where: { $0.pid == pid })?.instanceID {
                audit(
                    "oom", target: instance, actor: .broker, result: "killed by the kernel: over limits.memory_mb", durable: false
                )
            }
            enqueue(supervisor.exited(pid: pid, status: status, now: Clock.monotonicMilliseconds(), oomKilled: oomKilled))
        case .probe(let instance, let check):
            // A verdict about a process that is gone (or replaced) says nothing about the next one.
            guard supervisor.instances[instance]?.pid != nil else { return }
            probeReported(check, instance: instance)
            if check.status == .passing { enqueue(supervisor.probePassed(instance, now: Clock.monotonicMilliseconds())) }
        case .controlReply(let envelope, let frames):
            sendControl(envelope, frames)
        case .resources(let samples):
            resourcesSampled(samples)
        case .authDenied(let key, let address, let reason):
            authenticationRefused(key: key, address: address, reason: reason)
        case .reloadTopologyFile:
            do {
                let plan = try applyTopologyFile()
                logger.info("topology re-read and applied", metadata: ["plan": "\(plan)"])
            } catch {
                logger.error("topology not applied", metadata: ["error": "\(error.message)"])
            }
        }
    }

    // MARK: Session hooks (called from the plugin protocol handlers)

    /// Returns the topology's name for the new session when it is a supervised instance.
    mutating func supervisorRegistered(_ registration: Registration) -> String? {
        supervisor.registered(
            registration.instance, plugin: registration.name, pid: registration.pid,
            version: registration.version, now: Clock.monotonicMilliseconds())
    }

    mutating func supervisorReady(_ instance: String) {
        enqueue(supervisor.ready(instance, now: Clock.monotonicMilliseconds()))
    }

    mutating func supervisorSessionEnded(_ instance: String, lost: Bool) {
        enqueue(supervisor.sessionEnded(instance, lost: lost, now: Clock.monotonicMilliseconds()))
    }

    // MARK: Reports

    mutating func supervisedInfo(_ instance: SupervisedInstance, now: Int64) -> InstanceInfo {
        let session = registry.session(instance: instance.instanceID)
        var registration =
            session?.registration
            ?? Registration(
                name: instance.plugin, type: supervisor.topology.plugin(instance.plugin)?.type ?? "",
                instance: instance.instanceID)
        registration.pid = instance.pid ?? 0
        return withHealth(
            InstanceInfo(
                registration: registration, state: instance.state, attached: false,
                registeredAt: session?.registeredAt ?? 0, lastHeartbeat: session?.lastSeenAt ?? 0,
                uptimeSeconds: instance.runningSince.map { Double(max(0, now - $0)) / 1000 } ?? 0,
                reason: instance.reason, restarts: instance.restarts, lastExit: instance.lastExit,
                generation: instance.generation))
    }

    /// `STATUS`: supervised instances in start order, then attached sessions.
    mutating func status(plugin: String? = nil) -> [InstanceInfo] {
        let now = Clock.monotonicMilliseconds()
        let supervised = supervisor.orderedInstances.filter { plugin == nil || $0.plugin == plugin }
            .map { supervisedInfo($0, now: now) }
        let attached = registry.snapshot(monotonic: now)
            .filter { $0.attached && (plugin == nil || $0.name == plugin) }.map(withHealth)
        return supervised + attached
    }

    mutating func publishInfo(_ topic: String, _ info: InstanceInfo) {
        publish(topic: topic, payload: JSONCoding.encode(info), source: PlexusConstants.brokerSource, headersJSON: nil)
    }

    // MARK: Commands

    mutating func lifecycle(_ verb: LifecycleVerb, _ plugin: String) throws(ProtocolError) -> [[UInt8]] {
        let now = Clock.monotonicMilliseconds()
        switch verb {
        case .start: enqueue(try supervised(supervisor.startPlugin(plugin, now: now)))
        case .stop: enqueue(try supervised(supervisor.stopPlugin(plugin, now: now)))
        case .restart: enqueue(try supervised(supervisor.restartPlugin(plugin, now: now)))
        case .upgrade: enqueue(try supervised(supervisor.upgradePlugin(plugin, now: now)))
        case .reload:
            let actions = try reloadFromFile(plugin)
            enqueue(actions)
            let ids = actions.compactMap { action -> String? in
                if case .reload(let instance, _) = action { return instance }
                return nil
            }
            return [JSONCoding.encode(ReloadReply(instances: ids))]
        }
        // The reply shows the change under way (a spawned process's pid): carry the decisions out first.
        drain()
        return [JSONCoding.encode(status(plugin: plugin))]
    }

    /// `RELOAD NAME`: re-reads the topology file for NAME's config block.
    private mutating func reloadFromFile(_ plugin: String) throws(ProtocolError) -> [SupervisorAction] {
        guard let path = configuration.topologyPath else {
            throw ProtocolError(.conflict, "the broker was started without a topology file to re-read")
        }
        let config: JSONValue
        do {
            guard let entry = try Topology.load(path: path).plugin(plugin) else {
                throw ProtocolError(.notFound, "no plugin named '\(plugin)' in \(path): nothing to reload")
            }
            config = entry.config
        } catch let error as ProtocolError {
            throw error
        } catch {
            throw ProtocolError(.badRequest, "topology not reloaded: \(error)")
        }
        let actions = try supervised(supervisor.reloadPlugin(plugin, config: config))
        if actions.isEmpty, supervisor.topology.plugin(plugin) == nil {
            throw ProtocolError(.notFound, "no plugin named '\(plugin)'")
        }
        return actions
    }

    /// `APPLY`: parses the new topology and moves the mesh to it, or (a dry run) only says how it would.
    mutating func apply(yaml: String, baseDirectory: String?, dryRun: Bool = false) throws(ProtocolError) -> ApplyPlan {
        let new: Topology
        do {
            new = try Topology.parse(yaml, file: "<apply>", baseDirectory: baseDirectory ?? supervisor.topology.baseDirectory)
        } catch {
            throw ProtocolError(.badRequest, "\(error)")
        }
        return try applyTopology(new, dryRun: dryRun)
    }

    /// SIGHUP: re-reads the topology file and applies it.
    mutating func applyTopologyFile() throws(ProtocolError) -> ApplyPlan {
        guard let path = configuration.topologyPath else {
            throw ProtocolError(.conflict, "the broker was started without a topology file")
        }
        let topology: Topology
        do {
            topology = try Topology.load(path: path)
        } catch {
            throw ProtocolError(.badRequest, "\(error)")
        }
        return try applyTopology(topology)
    }

    private mutating func applyTopology(_ new: Topology, dryRun: Bool = false) throws(ProtocolError) -> ApplyPlan {
        let problems = new.launchProblems()
        let sandboxProblems = sandboxProblems(new)
        if dryRun {
            // The supervisor is a value: the plan is worked out on a copy, whose actions are dropped.
            var copy = supervisor
            var (plan, _) = copy.apply(new, now: Clock.monotonicMilliseconds())
            plan.dryRun = true
            plan.problems = (problems + sandboxProblems).map { LaunchProblem(plugin: $0.plugin, problem: $0.problem) }
            addTaskPlan(to: &plan, new)
            return plan
        }
        // Before anything is stopped: a plan that would leave a plugin unlaunchable is refused whole.
        guard problems.isEmpty, sandboxProblems.isEmpty else {
            let lines =
                problems.map { "plugins.\($0.plugin).command: \($0.problem)" }
                + sandboxProblems.map { "plugins.\($0.plugin).\($0.problem)" }
            throw ProtocolError(.badRequest, "not applied, nothing changed: " + lines.joined(separator: "; "))
        }
        let before = supervisor.topology.plugins.map(\.name)
        var (plan, actions) = supervisor.apply(new, now: Clock.monotonicMilliseconds())
        addTaskPlan(to: &plan, new)
        // A removed plugin's captured lines stay readable until newer removals need the room.
        for name in before where new.plugin(name) == nil { logs.retire(plugin: name) }
        for spec in new.plugins { logs.reinstate(plugin: spec.name) }
        enqueue(actions)
        reconcileTasks(with: new, now: Date())
        // New client and plugin keys count from now; the sockets' mechanism is fixed at start.
        curve?.keys.configure(from: new)
        if curve != nil {
            policy = PermissionPolicy(topology: new)
            publishDecisions.removeAll()
        }
        if new.security.curve != (curve != nil) {
            logger.warning("security.curve changed: that takes effect when the broker restarts")
        }
        logger.info(
            "topology applied",
            metadata: [
                "start": "\(plan.start)", "stop": "\(plan.stop)", "restart": "\(plan.restart)", "reload": "\(plan.reload)",
            ])
        return plan
    }

    /// What `reconcileTasks` does with `new`'s tasks: the topology's own tasks are added, updated or
    /// removed; tasks added at run time are left alone unless the file declares the same id.
    private func addTaskPlan(to plan: inout ApplyPlan, _ new: Topology) {
        let declared = Set(new.tasks.map(\.id))
        for definition in new.tasks {
            if let existing = tasks.scheduler.tasks[definition.id] {
                if existing.definition == definition {
                    plan.tasks.unchanged.append(definition.id)
                } else {
                    plan.tasks.update.append(definition.id)
                    plan.changes.append(
                        PlanChange(
                            kind: "task", name: definition.id, action: "update",
                            fields: definition.changedFields(from: existing.definition)))
                }
            } else {
                plan.tasks.add.append(definition.id)
                plan.changes.append(PlanChange(kind: "task", name: definition.id, action: "add", fields: ["added"]))
            }
        }
        for (id, origin) in tasks.origins.sorted(by: { $0.key < $1.key }) where origin == .topology && !declared.contains(id) {
            plan.tasks.remove.append(id)
            plan.changes.append(PlanChange(kind: "task", name: id, action: "remove", fields: ["removed"]))
        }
    }
}

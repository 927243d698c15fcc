import PlexusProtocol
import PlexusTasks

/// The core's figures for the metrics (docs/METRICS.md): read from the tables it keeps anyway, as data.
extension BrokerState {
    /// Everything the Prometheus exposition derives from the core's state, at this moment. Costs one pass
    /// over the topic table (at most `broker.max_tracked_topics` entries) and the instances and services.
    func metricsSnapshot() -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        for state in InstanceState.allCases { snapshot.instancesByState[state] = 0 }
        var plugins: [String: MetricsSnapshot.Plugin] = [:]
        func plugin(_ name: String) -> MetricsSnapshot.Plugin {
            plugins[name] ?? MetricsSnapshot.Plugin(name: name, running: 0, instances: 0, restarts: [:], resources: [:])
        }
        for spec in supervisor.topology.plugins { plugins[spec.name] = plugin(spec.name) }
        for instance in supervisor.instances.values {
            snapshot.instancesByState[instance.state, default: 0] += 1
            var entry = plugin(instance.plugin)
            entry.instances += 1
            if instance.state == .running { entry.running += 1 }
            entry.restarts[instance.instanceID] = instance.restarts
            if let pid = instance.pid, let usage = resources[pid] { entry.resources[pid] = usage }
            plugins[instance.plugin] = entry
        }
        for session in registry.sessions.values where session.attached {
            snapshot.instancesByState[session.state, default: 0] += 1
            var entry = plugin(session.registration.name)
            entry.instances += 1
            if session.state == .running { entry.running += 1 }
            plugins[session.registration.name] = entry
        }
        snapshot.plugins = plugins.keys.sorted().compactMap { plugins[$0] }
        snapshot.sessions = registry.count

        let statistics = events.statistics
        snapshot.eventsIn = statistics.eventsIn
        snapshot.eventsOut = statistics.eventsOut
        snapshot.eventsDropped = statistics.dropped
        snapshot.eventsRejected = ["invalid": badInput.counts["events"] ?? 0, "denied": statistics.denied]
        for counter in statistics.counters.values {
            // In place: no copy of the group's figures per topic.
            snapshot.topicGroups[counter.group, default: MetricsSnapshot.TopicGroup()].add(counter)
        }
        snapshot.subscriptions = statistics.subscriptionCount

        var inFlight: [String: Int] = [:]
        for call in dispatcher.calls.values where call.instance != nil { inFlight[call.service, default: 0] += 1 }
        snapshot.services = dispatcher.services.keys.sorted().compactMap { name in
            guard let service = dispatcher.services[name] else { return nil }
            var outcomes: [String: UInt64] = [:]
            for outcome in CallOutcome.allCases { outcomes[outcome.rawValue] = service.stats.count(of: outcome) }
            return MetricsSnapshot.Service(
                name: name, outcomes: outcomes, inFlight: inFlight[name] ?? 0, queued: service.queue.count,
                breaker: service.breaker.state.rawValue)
        }
        snapshot.taskRuns = counters.taskRuns
        for state in TaskState.allCases { snapshot.tasks[state.rawValue] = 0 }
        for task in tasks.scheduler.tasks.values { snapshot.tasks[task.runtime.state.rawValue, default: 0] += 1 }
        snapshot.controlRequests = counters.controlRequests
        snapshot.badInput = badInput.counts
        snapshot.clientErrors = clientErrors.counts
        snapshot.violations = violations.counts
        snapshot.uptimeSeconds = Double(Clock.monotonicMilliseconds() - startedMonotonic) / 1000
        return snapshot
    }

    /// A topic's group: its first token (`user` for `user.created.eu`); `TopicCounter.group` holds it.
    static func topicGroup(_ topic: String) -> String {
        topic.firstIndex(of: ".").map { String(topic[..<$0]) } ?? topic
    }

    /// Whether observations wait for `takeObservations()`: two checks, cheap enough for every turn of the loop.
    var hasObservations: Bool { !counters.observations.isEmpty || !dispatcher.timings.isEmpty }

    /// Hands over the histogram observations made since the last call (the loop records them).
    mutating func takeObservations() -> [MetricObservation] {
        var taken = counters.takeObservations()
        if !dispatcher.timings.isEmpty { taken += dispatcher.takeTimings().map(MetricObservation.serviceCall) }
        return taken
    }

    // MARK: Resource use

    /// New samples of the supervised processes' resource use (from the sampler thread): kept for the
    /// processes the broker still watches, the others dropped.
    mutating func resourcesSampled(_ samples: [Int32: ResourceUsage]) {
        resources = samples.filter { processes[$0.key] != nil }
    }

    /// The instance's process's last sample, for `STATUS` and `PLUGINS` (supervised instances only).
    func withResources(_ info: InstanceInfo) -> InstanceInfo {
        guard !info.attached, info.pid > 0, processes[info.pid] == info.instance, let usage = resources[info.pid] else {
            return info
        }
        var decorated = info
        decorated.resources = usage
        return decorated
    }
}

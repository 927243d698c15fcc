import Logging
import PlexusProtocol
import PlexusTopology

/// Health (docs/PROTOCOL.md section 4, "Health"): what plugins report and probes find, combined
/// (the worse wins), and what a critical instance gets: out of rotation, restarted, or only reported,
/// by its plugin's `health.on_critical`.
struct HealthRecord: Sendable, Equatable {
    var reported: HealthReport?
    var probe: HealthCheck?
    var health = InstanceHealth()
    /// When the current critical spell began (monotonic ms), for `on_critical: restart`'s `for`.
    var criticalSince: Int64?
    /// A restart was asked for this spell: not asked again.
    var restartRequested = false
}

extension BrokerState {
    /// A plugin's `HEALTH` report.
    mutating func healthReported(_ report: HealthReport, instance: String) {
        updateHealth(instance) { $0.reported = report }
    }

    /// A probe's verdict (nil clears it, when the probe stops).
    mutating func probeReported(_ check: HealthCheck?, instance: String) {
        updateHealth(instance) { $0.probe = check }
    }

    /// The instance's process is gone: its health goes with it (it left rotation with its session).
    mutating func forgetHealth(_ instance: String) {
        healthRecords[instance] = nil
    }

    /// Its session ended: what the plugin reported goes, the probe's verdict (about the process) stays.
    mutating func sessionHealthEnded(_ instance: String) {
        guard let record = healthRecords[instance] else { return }
        guard record.probe != nil else {
            healthRecords[instance] = nil
            return
        }
        healthRecords[instance]?.reported = nil
        var health = record.health
        health.reported = nil
        health.checks = [:]
        health.status = record.probe?.status ?? .passing
        health.message = health.status == .passing ? "" : "probe: \(record.probe?.message ?? "")"
        healthRecords[instance]?.health = health
    }

    /// The instance's health, for instance objects.
    func health(of instance: String) -> InstanceHealth? { healthRecords[instance]?.health }

    /// `info` with its health filled in.
    func withHealth(_ info: InstanceInfo) -> InstanceInfo {
        var decorated = info
        decorated.health = healthRecords[info.instance]?.health ?? (info.state.isActive ? InstanceHealth() : nil)
        // Every report of an instance passes here, so its process's resource use joins it here too.
        return withResources(decorated)
    }

    /// What its plugin's `health:` block says (the defaults for attached plugins and plugins without one).
    func healthSpec(of instance: String) -> HealthSpec {
        let plugin = supervisor.instances[instance]?.plugin ?? registry.session(instance: instance)?.registration.name
        return plugin.flatMap { supervisor.topology.plugin($0)?.health } ?? HealthSpec()
    }

    /// Why the broker is not ready (empty when it is): each enabled supervised instance that is not
    /// running, or is critical. For `PING` now, and the HTTP API's `/readyz` later.
    var readiness: [String] {
        supervisor.orderedInstances.compactMap { instance in
            guard supervisor.topology.plugin(instance.plugin)?.enabled ?? false else { return nil }
            if instance.state != .running {
                return "\(instance.instanceID) is \(instance.state.rawValue)\(instance.reason.map { " (\($0))" } ?? "")"
            }
            if let health = healthRecords[instance.instanceID]?.health, health.status == .critical {
                return "\(instance.instanceID) is critical: \(health.message)"
            }
            return nil
        }
    }

    /// `on_critical: restart`: an instance critical for `health.for` is restarted (SIGTERM; its exit
    /// restarts it with the restart policy's backoff). Called every heartbeat tick.
    mutating func healthTick(now: Int64) {
        for (instance, record) in healthRecords where record.health.status == .critical && !record.restartRequested {
            let spec = healthSpec(of: instance)
            guard spec.onCritical == .restart, let since = record.criticalSince, now - since >= spec.forMilliseconds,
                let pid = supervisor.instances[instance]?.pid
            else { continue }
            healthRecords[instance]?.restartRequested = true
            logger.warning(
                "health: critical for \(Duration.milliseconds(now - since)); restarting the instance (on_critical: restart)",
                metadata: ["instance": "\(instance)", "pid": "\(pid)", "reason": "\(record.health.message)"])
            enqueue(supervisor.unhealthy(instance, now: now))
        }
    }

    private mutating func updateHealth(_ instance: String, _ change: (inout HealthRecord) -> Void) {
        var record = healthRecords[instance] ?? HealthRecord()
        let before = record.health
        change(&record)
        let reportedStatus = record.reported?.effectiveStatus ?? .passing
        let probeStatus = record.probe?.status ?? .passing
        var health = record.health
        health.reported = record.reported?.effectiveStatus
        health.probe = record.probe
        health.checks = record.reported?.checks ?? [:]
        health.status = max(reportedStatus, probeStatus)
        if health.status == .passing {
            health.message = record.reported?.message ?? record.probe?.message ?? ""
        } else if probeStatus > reportedStatus {
            health.message = "probe: \(record.probe?.message ?? "")"
        } else {
            health.message = Self.describe(record.reported)
        }
        let now = Clock.monotonicMilliseconds()
        if health.status != before.status || healthRecords[instance] == nil {
            health.since = Clock.wallMicroseconds()
        }
        if health.status == .critical {
            if record.criticalSince == nil { record.criticalSince = now }
        } else {
            record.criticalSince = nil
            record.restartRequested = false
        }
        let spec = healthSpec(of: instance)
        health.isolated = health.status == .critical && spec.onCritical != .ignore
        record.health = health
        healthRecords[instance] = record
        enqueue(dispatcher.setIsolated(instance, reason: health.isolated ? health.message : nil, now: now))
        guard health.status != before.status || health.isolated != before.isolated else { return }
        let metadata: Logger.Metadata = [
            "instance": "\(instance)", "health": "\(health.status.rawValue)", "was": "\(before.status.rawValue)",
            "reason": "\(health.message)", "isolated": "\(health.isolated)",
        ]
        if health.status == .passing {
            logger.info("health changed", metadata: metadata)
        } else {
            logger.warning("health changed", metadata: metadata)
        }
        publishHealth(instance)
    }

    /// The plugin's message, or its worst check's.
    private static func describe(_ report: HealthReport?) -> String {
        guard let report else { return "" }
        let worst = report.checks.filter { $0.value.status == report.effectiveStatus }.sorted { $0.key < $1.key }
        let parts = (report.message.isEmpty ? [] : [report.message]) + worst.map { "\($0.key): \($0.value.message)" }
        return parts.joined(separator: "; ")
    }

    /// `plexus.plugin.health` with the instance object.
    private mutating func publishHealth(_ instance: String) {
        let now = Clock.monotonicMilliseconds()
        let info: InstanceInfo
        if let supervised = supervisor.instances[instance] {
            info = supervisedInfo(supervised, now: now)
        } else if let session = registry.session(instance: instance) {
            info = session.info(nowMonotonic: now)
        } else {
            return
        }
        publishInfo("plexus.plugin.health", withHealth(info))
    }
}

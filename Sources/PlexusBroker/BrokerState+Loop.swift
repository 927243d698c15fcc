import Foundation
import Logging
import PlexusMajordomo
import PlexusProcess
import PlexusProtocol
import PlexusSupervisor
import PlexusTopology

/// The core's entry points for the loop's own inputs: start, timers, the heartbeat tick, work from other
/// threads, and shutdown.
extension BrokerState {
    /// The times at which the core wants to be woken, read once per turn of the loop (each is a scan).
    struct Deadlines {
        var supervisor: Int64?
        var calls: Int64?
        var tasks: Int64?
        var flush: Int64?

        /// The earliest, or nil.
        var earliest: Int64? { [supervisor, calls, tasks, flush].compactMap { $0 }.min() }
    }

    /// Launches the topology's plugins and restores the scheduled tasks.
    mutating func start() -> [BrokerEffect] {
        // Without CURVE, permissions written ahead of turning it on are a note; with it, an identity
        // that may do nothing is worth a warning.
        let level: Logger.Level = supervisor.topology.security.curve ? .warning : .info
        for warning in supervisor.topology.permissionWarnings { logger.log(level: level, "\(warning)") }
        enqueue(supervisor.start(now: Clock.monotonicMilliseconds()))
        drain()
        restoreTasks()
        return takeEffects()
    }

    /// When the core must next be woken; no task fires while shutting down.
    mutating func deadlines(shuttingDown: Bool) -> Deadlines {
        Deadlines(
            supervisor: supervisor.nextDeadline, calls: dispatcher.nextDeadline,
            tasks: shuttingDown ? nil : tasks.nextWakeup(monotonicNow: Clock.monotonicMilliseconds()), flush: nextTaskFlush)
    }

    /// Runs whatever of `deadlines` is due at `now`: supervision timeouts, call deadlines, task fires, the
    /// task database's write-behind.
    mutating func timers(_ deadlines: Deadlines, now: Int64) -> [BrokerEffect] {
        if let deadline = deadlines.supervisor, deadline <= now { enqueue(supervisor.tick(now: now)) }
        if let deadline = deadlines.calls, deadline <= now { enqueue(dispatcher.tick(now: now)) }
        drain()
        if let deadline = deadlines.tasks, deadline <= now {
            if tasks.started { tickTasks() } else { startScheduling() }
        }
        drain()
        if let deadline = deadlines.flush, deadline <= now { flushTasks() }
        return takeEffects()
    }

    /// Work from other threads (process output and exits, SIGHUP).
    mutating func input(_ input: LoopInput) -> [BrokerEffect] {
        handle(input)
        return takeEffects()
    }

    /// The heartbeat tick: heartbeats out, expired sessions evicted, the bad-input log's window rolled,
    /// the task database told that the broker is alive.
    mutating func heartbeat(now: Int64) -> [BrokerEffect] {
        let heartbeat = BrokerMessage.heartbeat.encode()
        for route in registry.routingIDs {
            if let peer = majordomoWorkers[route] {
                sendMajordomo(route, MajordomoBrokerCommand.heartbeat(peer.dialect))
            } else {
                sendControl(ControlEnvelope(routingID: route), heartbeat)
            }
        }
        for session in registry.evictExpired(monotonic: now, expiryMilliseconds: configuration.expiryMilliseconds) {
            logger.warning("plugin lost: no heartbeat within the liveness window", metadata: session.logMetadata)
            publishLifecycle(
                "plexus.plugin.lost", session: session, reason: "no heartbeat for \(configuration.expiryMilliseconds) ms")
            servicesLeft(session.instance)
            majordomoWorkers[session.routingID] = nil
            supervisorSessionEnded(session.instance, lost: true)
            drain()
        }
        healthTick(now: now)
        badInput.rollWindow(now: now, logger: logger)
        rollViolations(now: now)
        // Also records that the broker is alive, which bounds the downtime that misfire recovery assumes.
        flushTasks(force: true)
        return takeEffects()
    }

    /// Starts stopping supervised plugins; returns the time by which the loop gives up waiting for them
    /// (every plugin's stop_timeout twice, for the SIGTERM stage, plus a margin).
    mutating func beginShutdown() -> (effects: [BrokerEffect], deadline: Int64) {
        // Callers waiting on services get an answer now rather than their timeout.
        enqueue(
            dispatcher.failAll(ProtocolError(.unavailable, "the broker is shutting down"), now: Clock.monotonicMilliseconds()))
        drain()
        let budget = supervisor.topology.plugins.reduce(Int64(2_000)) { $0 + 2 * $1.stopTimeoutMilliseconds }
        logger.info("shutting down", metadata: ["supervised": "\(supervisor.instances.values.filter(\.hasProcess).count)"])
        enqueue(supervisor.shutdown(now: Clock.monotonicMilliseconds()))
        return (takeEffects(), Clock.monotonicMilliseconds() + budget)
    }

    /// The last effects: processes that outlived the shutdown budget are killed, the task database is
    /// closed, and every attached plugin is told that the broker is going away.
    mutating func finish() -> [BrokerEffect] {
        for instance in supervisor.instances.values {
            if let pid = instance.pid {
                logger.error("plugin did not stop in time; killing it", metadata: ["instance": "\(instance.instanceID)"])
                processControl.signal(pid, SIGKILL)
            }
        }
        processControl.stopWatching()
        closeTasks()
        let notice = BrokerMessage.disconnect(reason: "broker shutting down").encode()
        for route in registry.attachedRoutingIDs {
            if let peer = majordomoWorkers[route] {
                sendMajordomo(route, MajordomoBrokerCommand.disconnect(peer.dialect))
            } else {
                sendControl(ControlEnvelope(routingID: route), notice)
            }
        }
        return takeEffects()
    }
}

extension Registry.Session {
    var logMetadata: Logger.Metadata {
        ["plugin": "\(registration.name)", "instance": "\(registration.instance)", "pid": "\(registration.pid)"]
    }
}

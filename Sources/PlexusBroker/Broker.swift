import CSpawn
import Foundation
import Logging
import PlexusMajordomo
import PlexusProcess
import PlexusProtocol
import PlexusSupervisor
import PlexusTopology
import Synchronization
import ZeroMQ

/// The Plexus broker: one poll loop that owns the control ROUTER, the events SUB and XPUB sockets,
/// the registry and the event counters.
///
/// `init` binds every endpoint (so bind errors surface at once); `run()` then serves on the calling
/// thread until `requestStop()` is called from any thread. Everything but `requestStop()` and the
/// immutable properties is touched only by the thread inside `run()`, which is why the class can be
/// `@unchecked Sendable`.
///
/// ```swift
/// let broker = try Broker(configuration: BrokerConfiguration(controlEndpoint: "tcp://127.0.0.1:*"))
/// let thread = Thread { broker.run() }
/// thread.start()
/// // ...
/// broker.requestStop()
/// ```
public final class Broker: @unchecked Sendable {
    /// The endpoints actually bound, ports resolved.
    public let endpoints: BoundEndpoints
    /// A fresh id per broker run, so that plugins can tell a restart.
    public let brokerID: String
    let configuration: BrokerConfiguration
    let logger: Logger

    // Loop-owned state. Only `run()` and the methods it calls touch these.
    let context: ZMQContext
    let control: Socket
    let eventsIn: Socket
    let eventsOut: Socket
    private let waker: Waker
    var registry = Registry()
    var supervisor: Supervisor
    var dispatcher = ServiceDispatcher<BrokerCaller>()
    /// Scheduled tasks and their database.
    var tasks: BrokerTasks
    /// Majordomo workers by routing id.
    var majordomoWorkers: [[UInt8]: MajordomoPeer] = [:]
    var logs = LogBuffer()
    /// Started on first use: a broker without supervised plugins runs no watcher thread.
    var watcher: ProcessWatcher?
    /// Plugin processes by pid, to attribute their output.
    var processes: [Int32: String] = [:]
    /// The registration token of each supervised instance's current process, and that process's pid.
    var registrationTokens: [String: (pid: Int32, token: RegistrationToken)] = [:]
    var statistics: EventStatistics
    var badInput = BadInputLog()
    var sequence: UInt64 = 0
    let metaEncoder = EventMetaEncoder()
    var topicCache = TopicCache()
    /// Frames the event path receives into, allocated once.
    let inbound = (topic: Message(), payload: Message(), headers: Message())
    let startedMonotonic = Clock.monotonicMilliseconds()

    // Shared with other threads.
    private let stopRequested = Atomic<Bool>(false)
    /// Work for the loop from other threads (process events, SIGHUP), handed over under a lock.
    let inbox = Mutex<[LoopInput]>([])
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Binds the broker's endpoints and opens the task database. Throws `ZMQError` when an endpoint
    /// cannot be bound, or the database's error when it cannot be opened.
    public init(configuration: BrokerConfiguration, logger: Logger = Logger(label: "plexus.broker")) throws {
        self.configuration = configuration
        self.logger = logger
        self.statistics = EventStatistics(maxTrackedTopics: configuration.maxTrackedTopics)
        self.supervisor = Supervisor(topology: configuration.topology ?? (try! Topology.parse("")))
        self.dispatcher.declared = (configuration.topology?.services ?? [:]).mapValues {
            ServiceSettings(
                queueLimit: $0.queueLimit, breakerFailures: $0.breakerFailures,
                breakerCooldownMilliseconds: $0.breakerCooldownMilliseconds)
        }
        self.tasks = BrokerTasks(store: try TaskStore(directory: configuration.dataDirectory))
        self.brokerID = "b-" + UUID().uuidString.prefix(8).lowercased()
        context = try ZMQContext(ioThreads: configuration.ioThreads)

        control = try context.socket(.router)
        try control.setRouterMandatory(true)
        // A reconnecting plugin may reuse its routing id; the new connection wins.
        try control.setRouterHandover(true)
        try control.setMaxMessageSize(PlexusConstants.maxMessageBytes)
        let boundControl = try control.bind(configuration.controlEndpoint)

        eventsIn = try context.socket(.sub)
        // A frame past the largest event (plus room for its headers) makes libzmq drop the publisher's
        // connection; events between the two are refused and counted by the loop.
        try eventsIn.setMaxMessageSize(Int64(configuration.maxEventBytes) + 64 * 1024)
        try eventsIn.setReceiveHighWaterMark(configuration.eventQueueDepth)
        try eventsIn.subscribe([])
        let boundIn = try eventsIn.bind(configuration.eventsInEndpoint)

        eventsOut = try context.socket(.xpub)
        try eventsOut.setSendHighWaterMark(configuration.eventQueueDepth)
        try eventsOut.setXPubVerbose(true)
        // Every unsubscription too, so that subscription counts stay exact.
        try eventsOut.setXPubVerboser(true)
        // A full subscriber queue fails the send instead of dropping silently: the loop counts the loss,
        // then sends again lossily so that the other subscribers still get the event.
        try eventsOut.setXPubNoDrop(true)
        let boundOut = try eventsOut.bind(configuration.eventsOutEndpoint)

        waker = try Waker(context: context, name: brokerID)

        endpoints = BoundEndpoints(control: boundControl, eventsIn: boundIn, eventsOut: boundOut)
    }

    /// Asks the loop to stop: supervised plugins are stopped in reverse dependency order, attached plugins
    /// are told `DISCONNECT`, then `run()` returns. Safe to call from any thread, any number of times.
    public func requestStop() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        waker.signal()
    }

    /// Queues work for the loop from another thread.
    func post(_ input: LoopInput) {
        inbox.withLock { $0.append(input) }
        waker.signal()
    }

    /// Re-reads the topology file and applies it (what SIGHUP does). Safe from any thread.
    public func requestTopologyReload() {
        post(.reloadTopologyFile)
    }

    /// Waits until `run()` has returned.
    public func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = finished.withLock { state in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Serves until `requestStop()`. Call it once, on a thread of its own.
    public func run() {
        // Named at the OS level, so that top, perf and gdb show the loop (Foundation's Thread.name does not).
        plexus_set_thread_name("plexus-broker")
        logger.info(
            "broker ready",
            metadata: [
                "broker": "\(brokerID)", "control": "\(endpoints.control)",
                "events_in": "\(endpoints.eventsIn)", "events_out": "\(endpoints.eventsOut)",
            ])
        var poller = Poller()
        let controlIndex = poller.add(control)
        let eventsInIndex = poller.add(eventsIn)
        let eventsOutIndex = poller.add(eventsOut)
        let wakeIndex = poller.add(waker.receiver)
        let interval = Int64(configuration.heartbeatIntervalMilliseconds)
        var nextTick = Clock.monotonicMilliseconds() + interval
        execute(supervisor.start(now: Clock.monotonicMilliseconds()))
        restoreTasks()
        var shutdownDeadline: Int64?

        while true {
            if stopRequested.load(ordering: .acquiring), shutdownDeadline == nil {
                shutdownDeadline = beginShutdown()
            }
            if let deadline = shutdownDeadline, supervisor.isShutDown || Clock.monotonicMilliseconds() >= deadline { break }
            // Each is a scan over instances or calls: once per turn of the loop, not once per use.
            let supervisorDeadline = supervisor.nextDeadline
            let callDeadline = dispatcher.nextDeadline
            let taskDeadline = shutdownDeadline == nil ? tasks.nextWakeup(monotonicNow: Clock.monotonicMilliseconds()) : nil
            let flushDeadline = nextTaskFlush
            let wakeAt = min(
                nextTick, supervisorDeadline ?? nextTick, callDeadline ?? nextTick, shutdownDeadline ?? nextTick,
                taskDeadline ?? nextTick, flushDeadline ?? nextTick)
            let timeout = max(0, wakeAt - Clock.monotonicMilliseconds())
            do {
                try poller.poll(timeoutMilliseconds: Int(timeout))
            } catch {
                logger.critical("poll failed; stopping", metadata: ["error": "\(error)"])
                break
            }
            // Events first: they are the bulk of the traffic and the latency-sensitive path.
            if poller.isReadable(eventsInIndex) { forwardEvents() }
            if poller.isReadable(controlIndex) { serveControl() }
            if poller.isReadable(eventsOutIndex) { readSubscriptions() }
            if poller.isReadable(wakeIndex) {
                // Other threads queue their input before they signal, so the inbox needs looking at only
                // after a wake-up: no lock on the event path.
                waker.drain()
                drainInbox()
            }

            // A deadline set during this turn is at most one turn late: the next poll's timeout is 0 then.
            let now = Clock.monotonicMilliseconds()
            if let deadline = supervisorDeadline, deadline <= now { execute(supervisor.tick(now: now)) }
            if let deadline = callDeadline, deadline <= now { executeDispatch(dispatcher.tick(now: now)) }
            if let deadline = taskDeadline, deadline <= now {
                if tasks.started { tickTasks() } else { startScheduling() }
            }
            if let deadline = flushDeadline, deadline <= now { flushTasks() }
            if now >= nextTick {
                tick(now: now)
                nextTick = now + interval
            }
        }
        shutDown()
        let waiters = finished.withLock { state in
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Heartbeats out, expired sessions evicted.
    private func tick(now: Int64) {
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
        }
        badInput.rollWindow(now: now, logger: logger)
        // Also records that the broker is alive, which bounds the downtime that misfire recovery assumes.
        flushTasks(force: true)
    }

    /// Starts stopping supervised plugins; returns the time by which the loop gives up waiting for them
    /// (every plugin's stop_timeout twice, for the SIGTERM stage, plus a margin).
    private func beginShutdown() -> Int64 {
        // Callers waiting on services get an answer now rather than their timeout.
        executeDispatch(
            dispatcher.failAll(ProtocolError(.unavailable, "the broker is shutting down"), now: Clock.monotonicMilliseconds()))
        let budget = supervisor.topology.plugins.reduce(Int64(2_000)) { $0 + 2 * $1.stopTimeoutMilliseconds }
        logger.info("shutting down", metadata: ["supervised": "\(supervisor.instances.values.filter(\.hasProcess).count)"])
        execute(supervisor.shutdown(now: Clock.monotonicMilliseconds()))
        return Clock.monotonicMilliseconds() + budget
    }

    /// Tells every attached plugin that the broker is going away, kills supervised processes that outlived
    /// the shutdown budget, then closes the sockets.
    private func shutDown() {
        for instance in supervisor.instances.values {
            if let pid = instance.pid {
                logger.error("plugin did not stop in time; killing it", metadata: ["instance": "\(instance.instanceID)"])
                ProcessLauncher.signal(pid, SIGKILL)
            }
        }
        watcher?.stop()
        flushTasks(force: true, durable: true)
        let notice = BrokerMessage.disconnect(reason: "broker shutting down").encode()
        for route in registry.attachedRoutingIDs {
            if let peer = majordomoWorkers[route] {
                sendMajordomo(route, MajordomoBrokerCommand.disconnect(peer.dialect))
            } else {
                sendControl(ControlEnvelope(routingID: route), notice)
            }
        }
        // Give the notices and the last lifecycle events a moment to leave before the sockets close.
        try? control.setLinger(milliseconds: 500)
        try? eventsOut.setLinger(milliseconds: 500)
        logger.info("broker stopped", metadata: ["broker": "\(brokerID)", "sessions": "\(registry.count)"])
        control.close()
        eventsIn.close()
        eventsOut.close()
        waker.close()
    }
}

extension Registry.Session {
    var logMetadata: Logger.Metadata {
        ["plugin": "\(registration.name)", "instance": "\(registration.instance)", "pid": "\(registration.pid)"]
    }
}

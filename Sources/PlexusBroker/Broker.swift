import CSpawn
import Foundation
import Logging
import PlexusClient
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
    /// The same sockets on `ipc://` in the data directory, for plugins sandboxed without network; nil
    /// when they could not be bound (a data directory too long for a unix socket path), which the
    /// broker then refuses for such plugins.
    public var ipcEndpoints: BoundEndpoints? { ipc?.endpoints }
    let ipc: IPCEndpoints?
    /// A fresh id per broker run, so that plugins can tell a restart.
    public let brokerID: String
    /// The control endpoint inside this process (`inproc://`), for `client(timeout:)`.
    public let inprocControlEndpoint: String
    /// This broker's Prometheus metrics (its own registry); `metrics.exposition()` is `GET /metrics`.
    public let metrics = BrokerMetrics()
    let configuration: BrokerConfiguration
    let logger: Logger

    // Loop-owned. Only `run()` and the methods it calls touch these.
    let context: ZMQContext
    let control: Socket
    let eventsIn: Socket
    let eventsOut: Socket
    let waker: Waker
    /// The sequence reservation, the event log and the durable cursors (section 10).
    let store: EventStore
    /// The audit log (`audit.jsonl` in the data directory); written and read on the loop's thread only.
    let audit: AuditLog
    /// Reads the log for `REPLAY` off the loop (nil without a log).
    var replayWorker: ReplayWorker?
    /// Heartbeats on `plexus.events.heartbeat` sent this run.
    var eventHeartbeats: UInt64 = 0
    /// Everything else the loop owns: the broker's core, which decides (docs/ARCHITECTURE.md).
    var state: BrokerState
    /// Frames the event path receives into, allocated once.
    let inbound = (topic: Message(), payload: Message(), headers: Message())
    /// The frame control messages are received into when their sender's identity is read (CURVE on).
    let inboundControl = Message()
    /// The message `readSubscriptions` receives into (its properties carry the subscriber's identity).
    let inboundSubscription = Message()
    /// Reads the supervised processes' resource use from /proc off the loop.
    let resourceSampler: ResourceSampler
    /// The ZAP handler's thread when `security.curve` is on (nil: no authentication, as before).
    let zap: ZAPHandler?
    /// With CURVE: monitors of the three server sockets, for the handshakes the ZAP handler never sees (a
    /// peer without CURVE fails on the mechanism first), so that those refusals are counted too.
    private(set) var handshakeMonitors: [(name: String, monitor: SocketMonitor)] = []
    /// The broker's CURVE public key when `security.curve` is on (in `DISCOVER` and the ready file).
    public let curvePublicKey: String?
    /// Keys for this process's own TCP clients of the broker (the HTTP API's event streams), admitted
    /// as `broker`; nil when `security.curve` is off.
    public let localCurveCredentials: CurveCredentials?

    // Shared with other threads.
    private let stopRequested = Atomic<Bool>(false)
    /// Work for the loop from other threads (process events, SIGHUP), handed over under a lock.
    let inbox = Mutex<[LoopInput]>([])
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Binds the broker's endpoints and opens the task database. Throws `ZMQError` when an endpoint
    /// cannot be bound, or a `TaskStoreError` naming the file when the database is damaged or cannot
    /// be read or written (its `startupMessage` says what to do).
    public init(configuration: BrokerConfiguration, logger: Logger = Logger(label: "plexus.broker")) throws {
        self.configuration = configuration
        self.logger = logger
        let tasks = try BrokerTasks(store: try TaskStore(directory: configuration.dataDirectory, logger: logger))
        context = try ZMQContext(ioThreads: configuration.ioThreads)
        let waker = try Waker(context: context, name: "broker-\(UUID().uuidString.prefix(8))")
        self.waker = waker
        store = try EventStore(configuration: configuration, logger: logger) { waker.signal() }
        audit = AuditLog(directory: configuration.dataDirectory, logger: logger)
        let relay = ProcessEventRelay()
        // Before any socket binds: a CURVE server must never accept a connection no handler judged.
        let curveKeys = try CurveSetup.keys(configuration)
        try CurveSetup.checkExposure(configuration, curve: curveKeys != nil)
        let keyTable = CurveKeyTable()
        if curveKeys != nil {
            keyTable.configure(from: configuration.topology)
            zap = try ZAPHandler(context: context, keys: keyTable) { key, address, reason in
                relay.broker?.post(.authDenied(key: key, address: address, reason: reason))
            }
        } else {
            zap = nil
        }
        curvePublicKey = curveKeys?.publicKey
        if let curveKeys {
            let local = try CurveKeyPair.generate()
            keyTable.admit(local.publicKey, as: CurvePeer(name: PlexusConstants.brokerSource))
            localCurveCredentials = CurveCredentials(serverKey: curveKeys.publicKey, keys: local)
        } else {
            localCurveCredentials = nil
        }
        func secure(_ socket: Socket) throws(ZMQError) {
            guard let curveKeys else { return }
            try socket.setCurveServer(secretKey: curveKeys.secretKey)
            try socket.setZAPDomain(ZAPHandler.domain)
            // Fail-closed: a connection no handler answers is refused, never admitted.
            try socket.setZAPEnforceDomain(true)
        }

        control = try context.socket(.router)
        try secure(control)
        try control.setRouterMandatory(true)
        // A reconnecting plugin may reuse its routing id; the new connection wins.
        try control.setRouterHandover(true)
        try control.setMaxMessageSize(PlexusConstants.maxMessageBytes)
        // Room for a burst to one peer: a thousand tasks firing at once at one worker, plus its other
        // traffic, overflowed libzmq's default of 1,000 messages (docs/LIMITS.md).
        try control.setSendHighWaterMark(Self.controlQueueDepth)
        let boundControl = try control.bind(configuration.controlEndpoint)
        // The same ROUTER inside the process, for other threads (the coming HTTP server, embedders):
        // they send the same commands, so no command has a second implementation.
        let brokerID = "b-" + UUID().uuidString.prefix(8).lowercased()
        inprocControlEndpoint = "inproc://plexus-control-\(brokerID)"
        try control.bind(inprocControlEndpoint)

        eventsIn = try context.socket(.sub)
        try secure(eventsIn)
        // A frame past the largest event (plus room for its headers) makes libzmq drop the publisher's
        // connection; events between the two are refused and counted by the loop.
        try eventsIn.setMaxMessageSize(Int64(configuration.maxEventBytes) + 64 * 1024)
        try eventsIn.setReceiveHighWaterMark(configuration.eventsInQueueDepth)
        try eventsIn.subscribe([])
        let boundIn = try eventsIn.bind(configuration.eventsInEndpoint)

        eventsOut = try context.socket(.xpub)
        try secure(eventsOut)
        try eventsOut.setSendHighWaterMark(configuration.eventsOutQueueDepth)
        try eventsOut.setXPubVerbose(true)
        // Every unsubscription too, so that subscription counts stay exact.
        try eventsOut.setXPubVerboser(true)
        // A full subscriber queue fails the send instead of dropping silently: the loop counts the loss,
        // then sends again lossily so that the other subscribers still get the event.
        try eventsOut.setXPubNoDrop(true)
        // With CURVE, subscriptions are permissions: the loop applies each one the subscriber may hold.
        if curveKeys != nil { try eventsOut.setXPubManual(true) }
        let boundOut = try eventsOut.bind(configuration.eventsOutEndpoint)
        if curveKeys != nil {
            handshakeMonitors = [
                ("control", try SocketMonitor(control, context: context)),
                ("events_in", try SocketMonitor(eventsIn, context: context)),
                ("events_out", try SocketMonitor(eventsOut, context: context)),
            ]
        }

        self.brokerID = brokerID
        endpoints = BoundEndpoints(control: boundControl, eventsIn: boundIn, eventsOut: boundOut)
        ipc = try Self.bindIPC(configuration, brokerID: brokerID, sockets: [control, eventsIn, eventsOut], logger: logger)
        // The watcher reports from its own thread; `post` hands the events to the loop.
        let probes = ScheduledProbes { instance, check in relay.broker?.post(.probe(instance: instance, check: check)) }
        resourceSampler = ResourceSampler { samples in relay.broker?.post(.resources(samples)) }
        var events = EventPathState(
            maxTrackedTopics: configuration.maxTrackedTopics, epoch: store.epoch, firstSeq: store.firstSeqOfRun)
        events.statistics.seed(lastSeqs: store.recoveredTopics)
        state = BrokerState(
            configuration: configuration, brokerID: brokerID, endpoints: endpoints, tasks: tasks,
            processes: SystemProcesses { relay.deliver($0) }, events: events, probes: probes, logger: logger)
        if let curveKeys {
            state.curve = CurveSecurity(serverPublicKey: curveKeys.publicKey, keys: keyTable)
            state.policy = PermissionPolicy(topology: configuration.topology)
        }
        state.ipcEndpoints = ipc?.endpoints
        relay.broker = self
        if let log = store.log {
            replayWorker = ReplayWorker(log: log, epoch: store.epoch) { [weak self] envelope, frames in
                self?.post(.controlReply(envelope, frames))
            }
        }
        state.eventLogState = store.state(headSeq: state.events.sequence)
    }

    /// Binds the control, events_in and events_out sockets a second time on `ipc://` (always, so that
    /// an `APPLY` may add a plugin sandboxed without network). When that fails, a topology that has
    /// such a plugin now fails the start; otherwise the broker warns and runs on TCP alone.
    private static func bindIPC(_ configuration: BrokerConfiguration, brokerID: String, sockets: [Socket], logger: Logger)
        throws -> IPCEndpoints?
    {
        let needed = configuration.topology?.plugins.contains { $0.enabled && $0.sandbox?.network == false } ?? false
        do {
            let ipc = try IPCEndpoints.prepare(dataDirectory: configuration.dataDirectory, brokerID: brokerID)
            let endpoints = [ipc.endpoints.control, ipc.endpoints.eventsIn, ipc.endpoints.eventsOut]
            for (socket, endpoint) in zip(sockets, endpoints) { try socket.bind(endpoint) }
            return ipc
        } catch {
            let message = "cannot bind the ipc:// endpoints for plugins sandboxed without network: \(error)"
            if needed { throw BrokerSecurityError(description: message) }
            logger.warning("\(message); a plugin with sandbox.network: false cannot start")
            return nil
        }
    }

    /// Asks the loop to stop: supervised plugins are stopped in reverse dependency order, attached plugins
    /// are told `DISCONNECT`, then `run()` returns. Safe to call from any thread, any number of times.
    public func requestStop() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        waker.signal()
    }

    /// A client of this broker's control endpoint for another thread of the same process: it speaks the
    /// same protocol as the CLI over `inproc://`, so every command (and `CALL`) goes through the one path
    /// that answers it. Use one client per thread.
    public func client(timeout: Double = 5) throws(ClientError) -> ControlClient {
        try ControlClient(endpoint: inprocControlEndpoint, timeout: timeout, context: context)
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
                "ipc": "\(ipc?.directory ?? "none")",
            ])
        // For a newcomer whose first screen is this log: what to do next, in one line.
        let brokerFlag = endpoints.control == "tcp://127.0.0.1:7700" ? "" : " --broker \(endpoints.control)"
        logger.info(
            "next, in another terminal: plexus status\(brokerFlag), plexus subscribe '>'\(brokerFlag), plexus --help")
        var poller = Poller()
        let controlIndex = poller.add(control)
        let eventsInIndex = poller.add(eventsIn)
        let eventsOutIndex = poller.add(eventsOut)
        let wakeIndex = poller.add(waker.receiver)
        let monitorIndices = handshakeMonitors.map { poller.add($0.monitor.socket) }
        let interval = Int64(configuration.heartbeatIntervalMilliseconds)
        var nextTick = Clock.monotonicMilliseconds() + interval
        execute(state.start())
        var shutdownDeadline: Int64?

        while true {
            if stopRequested.load(ordering: .acquiring) || state.shutdownRequested, shutdownDeadline == nil {
                let (effects, deadline) = state.beginShutdown()
                execute(effects)
                shutdownDeadline = deadline
            }
            if let deadline = shutdownDeadline, state.supervisor.isShutDown || Clock.monotonicMilliseconds() >= deadline { break }
            let deadlines = state.deadlines(shuttingDown: shutdownDeadline != nil)
            let wakeAt = min(nextTick, deadlines.earliest ?? nextTick, shutdownDeadline ?? nextTick)
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
            for (slot, index) in monitorIndices.enumerated() where poller.isReadable(index) { readHandshakes(slot) }
            if poller.isReadable(wakeIndex) {
                // Other threads queue their input before they signal, so the inbox needs looking at only
                // after a wake-up: no lock on the event path.
                waker.drain()
                let inputs = inbox.withLock { list in
                    defer { list.removeAll() }
                    return list
                }
                for input in inputs { execute(state.input(input)) }
            }
            if state.hasObservations { metrics.record(state.takeObservations()) }
            // What this turn stamped goes to the log's writer; publishes it has stored get their answers.
            store.log?.flush()
            if store.hasPendingAcks { answerStoredPublishes() }

            // A deadline set during this turn is at most one turn late: the next poll's timeout is 0 then.
            let now = Clock.monotonicMilliseconds()
            execute(state.timers(deadlines, now: now))
            if now >= nextTick {
                // How late the tick runs is how long the loop was busy (or blocked) past its deadline.
                metrics.recordLoopLag(seconds: Double(now - nextTick) / 1000)
                execute(state.heartbeat(now: now))
                publishEventHeartbeat()
                store.logWriterDrops()
                state.eventLogState = store.state(headSeq: state.events.sequence)
                metrics.offer(state.metricsSnapshot())
                resourceSampler.watch(Set(state.processes.keys))
                nextTick = now + interval
            }
        }
        execute(state.finish())
        state.probes.stop()
        resourceSampler.stop()
        store.log?.flush()
        replayWorker?.stop()
        store.close()
        answerStoredPublishes()
        // Give the notices and the last lifecycle events a moment to leave before the sockets close.
        try? control.setLinger(milliseconds: 500)
        try? eventsOut.setLinger(milliseconds: 500)
        logger.info("broker stopped", metadata: ["broker": "\(brokerID)", "sessions": "\(state.registry.count)"])
        control.close()
        eventsIn.close()
        eventsOut.close()
        waker.close()
        for (_, monitor) in handshakeMonitors { monitor.close() }
        ipc?.remove()
        zap?.stop()
        let waiters = finished.withLock { state in
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Carrying out the core's effects

    /// Messages the control endpoint queues for one peer before it counts further ones as undeliverable.
    static let controlQueueDepth: Int32 = 10_000

    /// Control messages handled per wake-up before the loop looks at the other sockets again.
    static let controlBatch = 256

    /// Reads up to `controlBatch` control messages and hands each to the core.
    func serveControl() {
        for _ in 0..<Self.controlBatch {
            let frames: [[UInt8]]
            var peer: PeerIdentity?
            do {
                if zap != nil {
                    // The sender's identity is a property of its frames: read it from the first one.
                    guard let (received, identity) = try receiveIdentified(maxFrames: PlexusConstants.maxControlFrames + 3)
                    else { return }
                    frames = received
                    peer = identity
                } else {
                    guard
                        let received = try control.receiveMultipart(
                            dontWait: true, maxFrames: PlexusConstants.maxControlFrames + 3)
                    else { return }
                    frames = received
                }
            } catch {
                logger.error("control receive failed", metadata: ["error": "\(error)"])
                return
            }
            execute(state.control(frames, peer: peer))
        }
    }

    /// `receiveMultipart` that also reads the ZAP identity bound to the sender's connection.
    private func receiveIdentified(maxFrames: Int) throws(ZMQError) -> ([[UInt8]], PeerIdentity?)? {
        let message = inboundControl
        guard try control.receive(into: message, dontWait: true) else { return nil }
        // The routing-id frame ROUTER makes up carries no metadata: the peer's own frames do.
        var identity = PeerIdentity(of: message)
        var frames = [message.bytes]
        var more = message.hasMore
        while more {
            try control.receive(into: message)
            if identity == nil { identity = PeerIdentity(of: message) }
            more = message.hasMore
            if frames.count < maxFrames {
                frames.append(message.bytes)
            } else if frames.count == maxFrames {
                frames.append([])
            }
        }
        return (frames, identity)
    }

    /// Carries out the core's effects in order.
    func execute(_ effects: [BrokerEffect]) {
        for effect in effects {
            switch effect {
            case .send(let envelope, let frames):
                sendControl(envelope, frames)
            case .publish(let event):
                publish(event)
            case .publishAcknowledged(let event, let envelope, let requestID):
                publishAcknowledged(event, to: envelope, requestID: requestID)
            case .eventStore(let command, let envelope, let requestID):
                answerEventStore(command, to: envelope, requestID: requestID)
            case .sendRequest(let envelope, let frames, let instance, let rid):
                if !sendControl(envelope, frames) { execute(state.requestUndeliverable(instance: instance, rid: rid)) }
            case .audit(let record, let durable):
                audit.append(record, durable: durable)
            case .auditQuery(let query, let envelope, let requestID):
                sendControl(envelope, ClientReply.ok(requestID: requestID, body: [JSONCoding.encode(audit.read(query))]).encode())
            case .metrics(let envelope, let requestID, let snapshot):
                metrics.offer(snapshot)
                if state.hasObservations { metrics.record(state.takeObservations()) }
                sendControl(envelope, ClientReply.ok(requestID: requestID, body: [Array(metrics.exposition().utf8)]).encode())
            }
        }
    }

    /// Sends to a control peer without ever blocking the loop. A peer that is gone or not reading
    /// (its queue of `controlQueueDepth` messages is full) loses the message: counted under
    /// `malformed.undeliverable` in `STATS` and logged (rate-limited); the caller learns of it from the
    /// result (a service request then fails at once). Returns whether the message was queued.
    @discardableResult
    func sendControl(_ envelope: ControlEnvelope, _ body: [[UInt8]]) -> Bool {
        do {
            if try control.send(multipart: envelope.wrap(body), dontWait: true) { return true }
            state.badInput.record(
                "undeliverable", "a control message was dropped: its peer is not reading (queue full)",
                now: Clock.monotonicMilliseconds(), logger: logger, label: "not delivered")
        } catch {
            // EHOSTUNREACH (ROUTER_MANDATORY): the peer disconnected before its answer.
            state.badInput.record(
                "undeliverable", "a control message was dropped: its peer is gone (\(error))", now: Clock.monotonicMilliseconds(),
                logger: logger, label: "not delivered")
        }
        return false
    }
}

/// Hands the process watcher's events (from its own thread) to the broker's loop. The broker is set
/// right after the core is built, before any process can be started.
private final class ProcessEventRelay: @unchecked Sendable {
    // Also relays the ZAP handler's refusals; both start reporting only after `broker` is set.
    weak var broker: Broker?

    func deliver(_ event: ProcessEvent) {
        broker?.post(.process(event))
    }
}

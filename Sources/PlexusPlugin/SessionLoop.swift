import Foundation
import Logging
import PlexusClient
import PlexusProtocol
import Synchronization
import ZeroMQ

/// The SDK's I/O thread: owns the session DEALER and the events SUB, and reports to the async runtime
/// through a stream. What to do when (register, heartbeats, liveness, reconnect with backoff, the
/// subscription probe, holding events, health reports, stopping) is `PluginSession`'s to decide; the loop polls and
/// carries out its actions.
final class SessionLoop: @unchecked Sendable {
    /// What the loop reports to the runtime.
    enum Report: Sendable, Equatable {
        /// The broker accepted the registration; `first` is false after a reconnect.
        case welcomed(Welcome, first: Bool)
        case event(ReceivedEvent)
        /// Events of the plugin's patterns that the event log could not give (section 10).
        case eventsLost(EventLoss)
        /// The plugin must stop (STOP from the broker, or a signal).
        case stopRequested(reason: String)
        /// The broker refused the registration; retrying cannot help.
        case rejected(ProtocolError)
        /// The broker refused this plugin's CURVE key (the DEALER's monitor saw the handshake fail).
        case keyRefused
        /// The broker sent a new config block (`RELOAD`).
        case reload(JSONValue)
        /// Every enabled plugin of the mesh is running (`plexus.mesh.ready`).
        case meshReady(plugins: [String])
        /// A service request, not yet past its deadline.
        case request(rid: String, service: String, body: [UInt8], meta: RequestMeta)
        /// The broker cancelled a request.
        case cancel(rid: String)
    }

    /// What the runtime asks of the loop.
    enum Command: Sendable {
        /// Send a session message (service answers).
        case message(PluginMessage)
        /// The plugin started (or reloaded): READY, then its health if the broker does not hold it yet.
        case ready
        /// A health report from the `health()` hook or `PluginContext.setHealth`; sent if it changes
        /// what the broker holds.
        case health(HealthReport, from: PluginSession.HealthSource)
        case stop(reason: String)
        case goodbye(reason: String)
    }

    let reports: AsyncStream<Report>
    private let continuation: AsyncStream<Report>.Continuation
    private let commands = Mutex<[Command]>([])
    private let waker: Waker

    // Loop-owned state: only the thread inside `run()` touches these.
    private let registration: Registration
    private let options: PluginOptions
    private let context: PluginContext
    private let zmq: ZMQContext
    private var logger: Logger
    /// The session's state and rules; the loop carries out its actions.
    private var session: PluginSession
    private var dealer: Socket?
    /// The DEALER's handshake monitor when CURVE is on: a refused key shows only there.
    private var dealerMonitor: SocketMonitor?
    /// The CURVE keys of every socket towards the broker (from the environment), nil when off.
    private let curve = CurveCredentials.processDefault
    private var subscriber: Socket?
    private var eventsOut: String?
    /// Gap repair of the events the plugin receives (section 10): every event once and in order per topic.
    private var repair: GapRepair
    /// The control connection for `REPLAY` and `SUBSCRIBER`, apart from the session DEALER: the session
    /// protocol (PLXP01) has no REPLAY, and a replay answer must not wait behind session traffic.
    private var control: ControlClient?
    /// A replay the repair asked for after a delay (the log is a moment behind): when (ms) and what.
    private var delayedReplay: (due: Int64, request: ReplayRequest)?
    private var lastSubscriberReport: Int64 = 0
    static let subscriberReportMilliseconds: Int64 = 5_000

    init(registration: Registration, patterns: PatternSet, options: PluginOptions, context: PluginContext, zmq: ZMQContext) throws
    {
        self.registration = registration
        self.options = options
        self.context = context
        self.zmq = zmq
        self.logger = context.logger
        session = PluginSession(
            instance: registration.instance, patterns: patterns,
            maxReconnectDelayMilliseconds: options.maxReconnectDelayMilliseconds)
        repair = GapRepair(patterns: patterns)
        waker = try Waker(context: zmq, name: "plugin-\(registration.instance)-\(UUID().uuidString.prefix(8))")
        (reports, continuation) = AsyncStream.makeStream(of: Report.self)
    }

    /// Queues a command for the loop; safe from any thread.
    func send(_ command: Command) {
        commands.withLock { $0.append(command) }
        waker.signal()
    }

    // MARK: The loop

    func run() {
        perform(session.connect(now: now()))
        while session.state != .stopped {
            var poller = Poller()
            let wakeIndex = poller.add(waker.receiver)
            let dealerIndex = dealer.map { poller.add($0) }
            let subscriberIndex = subscriber.map { poller.add($0) }
            let monitorIndex = dealerMonitor.map { poller.add($0.socket) }
            var timeout = session.timeUntilNextDuty(now: now())
            if let delayedReplay { timeout = max(0, min(timeout, delayedReplay.due - now())) }
            do {
                try poller.poll(timeoutMilliseconds: Int(timeout))
            } catch {
                logger.error("poll failed", metadata: ["error": "\(error)"])
                break
            }
            if poller.isReadable(wakeIndex) {
                waker.drain()
                runCommands()
            }
            if let monitorIndex, poller.isReadable(monitorIndex), keyRefused() {
                continuation.yield(.keyRefused)
                break
            }
            if let dealerIndex, poller.isReadable(dealerIndex) { readSession() }
            if let subscriberIndex, poller.isReadable(subscriberIndex) { readEvents() }
            if let delayed = delayedReplay, delayed.due <= now() {
                delayedReplay = nil
                replay(delayed.request)
            }
            reportSubscriberIfDue()
            perform(session.duties(now: now()))
        }
        dealerMonitor?.close()
        dealer?.close()
        subscriber?.close()
        control = nil
        context.closePublisher()
        waker.close()
        continuation.finish()
    }

    private func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }

    /// Carries out the session's actions in order.
    private func perform(_ actions: [PluginSession.Action]) {
        for action in actions {
            switch action {
            case .register:
                openSession()
            case .send(let message):
                sendSession(message)
            case .connectEvents(let welcome):
                let eventsIn = EndpointAddress.resolve(welcome.eventsIn, relativeTo: options.controlEndpoint)
                let eventsOut = EndpointAddress.resolve(welcome.eventsOut, relativeTo: options.controlEndpoint)
                do {
                    try context.connectPublisher(to: eventsIn, context: zmq)
                    try connectSubscriber(to: eventsOut)
                } catch {
                    logger.error("cannot connect to the event endpoints", metadata: ["error": "\(error)"])
                }
            case .sendProbe:
                try? context.publish(session.syncTopic, payload: [])
            case .report(.event(let event)):
                // Live events go through the gap repair, which delivers them (and what it replays) in order.
                perform(repair.received(event, now: now()))
            case .report(let report):
                continuation.yield(report)
            case .log(let level, let message, let metadata):
                logger.log(level: level, "\(message)", metadata: metadata)
            }
        }
    }

    /// A fresh DEALER and a REGISTER: after a broker loss, old queued messages must not be replayed.
    private func openSession() {
        dealerMonitor?.close()
        dealerMonitor = nil
        dealer?.close()
        dealer = nil
        do {
            let socket = try zmq.socket(.dealer)
            try socket.setSendHighWaterMark(1_000)
            if let curve, !options.controlEndpoint.hasPrefix("inproc://") {
                try curve.apply(to: socket)
                dealerMonitor = try SocketMonitor(socket, context: zmq)
            }
            try socket.connect(options.controlEndpoint)
            dealer = socket
            sendSession(.register(registration))
        } catch {
            logger.error("cannot open a session", metadata: ["endpoint": "\(options.controlEndpoint)", "error": "\(error)"])
        }
    }

    /// Whether the DEALER's monitor reports that the broker refused the key (reads what is waiting).
    private func keyRefused() -> Bool {
        guard let dealerMonitor else { return false }
        for _ in 0..<64 {
            guard let event = try? dealerMonitor.next(timeoutMilliseconds: 0) else { return false }
            if event.event == SocketMonitor.Event.handshakeFailedAuth { return true }
        }
        return false
    }

    private func sendSession(_ message: PluginMessage) {
        guard let dealer else { return }
        do {
            _ = try dealer.send(multipart: [[]] + message.encode(), dontWait: true)
            session.sent(now: now())
        } catch {
            logger.debug("session send failed", metadata: ["error": "\(error)"])
        }
    }

    private func runCommands() {
        let pending = commands.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
        for command in pending {
            switch command {
            case .message(let message):
                sendSession(message)
            case .ready:
                perform(session.ready())
            case .health(let report, let source):
                perform(session.healthReported(report, from: source))
            case .stop(let reason):
                perform(session.stop(reason: reason))
            case .goodbye(let reason):
                perform(session.goodbye(reason: reason))
                // Let the goodbye leave before the socket closes.
                try? dealer?.setLinger(milliseconds: 1_000)
            }
        }
    }

    private func readSession() {
        while let dealer, let frames = try? dealer.receiveMultipart(dontWait: true, maxFrames: 16) {
            session.heard(now: now())
            guard let (_, body) = ControlEnvelope.split([[]] + frames) else { continue }
            let message: BrokerMessage
            do throws(ProtocolError) {
                message = try BrokerMessage.decode(body)
            } catch {
                logger.warning("bad message from the broker", metadata: ["error": "\(error.message)"])
                continue
            }
            let wall = Int64(Date().timeIntervalSince1970 * 1_000_000)
            perform(session.received(message, now: now(), wallMicroseconds: wall))
        }
    }

    private func connectSubscriber(to endpoint: String) throws {
        guard endpoint != eventsOut || subscriber == nil else { return }
        subscriber?.close()
        subscriber = nil
        let socket = try zmq.socket(.sub)
        try socket.setReceiveHighWaterMark(100_000)
        if let curve, !endpoint.hasPrefix("inproc://") { try curve.apply(to: socket) }
        for prefix in session.patterns.zmqPrefixes { try socket.subscribe(prefix) }
        // The SDK's own subscriptions: the mesh-ready hook, then (last) the probe.
        try socket.subscribe(PluginSession.meshReadyTopic)
        try socket.subscribe(EventHeartbeat.topic)
        try socket.subscribe(session.syncTopic)
        try socket.connect(endpoint)
        subscriber = socket
        eventsOut = endpoint
        repair.resubscribed()
    }

    private func readEvents() {
        for _ in 0..<256 {
            guard let subscriber, let frames = try? subscriber.receiveMultipart(dontWait: true, maxFrames: 8) else { return }
            guard let event = ReceivedEvent.decode(frames) else {
                logger.debug("skipped a malformed event")
                continue
            }
            // The broker's heartbeat is the repair's business, not the plugin's, whatever its patterns.
            if event.topic == EventHeartbeat.topic {
                if !session.holdsEvents { perform(repair.received(event, now: now())) }
                continue
            }
            perform(session.eventArrived(event))
        }
    }

    // MARK: Gap repair

    /// Carries out the repair's actions.
    private func perform(_ actions: [GapRepair.Action]) {
        for action in actions {
            switch action {
            case .deliver(let event):
                continuation.yield(.event(event))
            case .lost(let loss):
                logger.warning(
                    "events lost", metadata: ["first": "\(loss.first)", "last": "\(loss.last)", "reason": "\(loss.reason)"])
                continuation.yield(.eventsLost(loss))
            case .epochChanged(let from, let to):
                logger.notice("the broker's event sequence changed", metadata: ["from": "\(from ?? "")", "to": "\(to)"])
            case .replay(let request, let delay):
                if delay > 0 {
                    delayedReplay = (now() + delay, request)
                } else {
                    replay(request)
                }
            }
        }
    }

    /// One `REPLAY` on the loop thread. It blocks the loop for one batch at most (bounded by the client's
    /// timeout, well inside the session's liveness window); waits between batches go through the poll.
    private func replay(_ request: ReplayRequest) {
        let actions: [GapRepair.Action]
        do {
            actions = repair.replayAnswered(try controlClient().replay(request), now: now())
        } catch .rejected(let error) {
            actions = repair.replayFailed(error, now: now())
        } catch {
            actions = repair.replayFailed(reason: "\(error)", now: now())
        }
        perform(actions)
    }

    private func controlClient() throws(ClientError) -> ControlClient {
        if let control { return control }
        let client = try ControlClient(endpoint: options.controlEndpoint, timeout: 2, context: zmq)
        control = client
        return client
    }

    /// The repair's counts to the broker every 5 s (best effort: `STATS` shows slow subscribers).
    private func reportSubscriberIfDue() {
        let current = now()
        guard eventsOut != nil, current - lastSubscriberReport >= Self.subscriberReportMilliseconds else { return }
        lastSubscriberReport = current
        let counts = repair.counters
        let report = SubscriberReport(
            id: "\(registration.instance)/events", patterns: session.patterns.patterns.map(\.description),
            received: counts.received, delivered: counts.delivered, gapsSeen: counts.gapsSeen,
            gapsRepaired: counts.gapsRepaired, eventsRepaired: counts.eventsRepaired, eventsLost: counts.eventsLost)
        try? controlClient().send(.subscriber(report))
    }
}

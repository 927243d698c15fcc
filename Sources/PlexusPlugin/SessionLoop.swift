import Foundation
import Logging
import PlexusClient
import PlexusProtocol
import Synchronization
import ZeroMQ

/// The SDK's I/O thread: owns the session DEALER and the events SUB, keeps the session alive
/// (heartbeats, liveness, reconnect with backoff) and reports to the async runtime through a stream.
final class SessionLoop: @unchecked Sendable {
    /// What the loop reports to the runtime.
    enum Report: Sendable {
        /// The broker accepted the registration; `first` is false after a reconnect.
        case welcomed(Welcome, first: Bool)
        case event(ReceivedEvent)
        /// The plugin must stop (STOP from the broker, or a signal).
        case stopRequested(reason: String)
        /// The broker refused the registration; retrying cannot help.
        case rejected(ProtocolError)
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
        case ready
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
    private let patterns: PatternSet
    private var logger: Logger
    private var dealer: Socket?
    private var subscriber: Socket?
    private var eventsOut: String?
    private var registered = false
    private var everWelcomed = false
    private var stopReported = false
    private var finished = false
    private var heartbeatMilliseconds = Int64(PlexusConstants.heartbeatIntervalMilliseconds)
    private var liveness = Int64(PlexusConstants.heartbeatLiveness)
    private var lastSent: Int64 = 0
    private var lastHeard: Int64 = 0
    private var lastAttempt: Int64 = 0
    private var retryDelay: Int64 = 0
    /// A WELCOME waiting for the event sockets to be confirmed live (see `confirmSubscriptions`).
    private var pendingWelcome: Welcome?
    /// Events that arrived while the probe was pending: `start()` must see none before it runs.
    private var heldEvents: [ReceivedEvent] = []
    private static let maxHeldEvents = 100_000
    private var syncStarted: Int64 = 0
    private var lastProbe: Int64 = 0
    /// How long to wait for the probe before declaring ready anyway (with a warning).
    private static let syncTimeoutMilliseconds: Int64 = 5_000
    private static let probeIntervalMilliseconds: Int64 = 20

    init(registration: Registration, patterns: PatternSet, options: PluginOptions, context: PluginContext, zmq: ZMQContext) throws
    {
        self.registration = registration
        self.patterns = patterns
        self.options = options
        self.context = context
        self.zmq = zmq
        self.logger = context.logger
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
        openSession()
        while !finished {
            var poller = Poller()
            let wakeIndex = poller.add(waker.receiver)
            let dealerIndex = dealer.map { poller.add($0) }
            let subscriberIndex = subscriber.map { poller.add($0) }
            do {
                try poller.poll(timeoutMilliseconds: Int(timeUntilNextDuty()))
            } catch {
                logger.error("poll failed", metadata: ["error": "\(error)"])
                break
            }
            if poller.isReadable(wakeIndex) {
                waker.drain()
                runCommands()
            }
            if let dealerIndex, poller.isReadable(dealerIndex) { readSession() }
            if let subscriberIndex, poller.isReadable(subscriberIndex) { readEvents() }
            doDuties()
        }
        dealer?.close()
        subscriber?.close()
        context.closePublisher()
        waker.close()
        continuation.finish()
    }

    private func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }

    private func timeUntilNextDuty() -> Int64 {
        let now = now()
        if pendingWelcome != nil { return max(0, min(lastProbe + Self.probeIntervalMilliseconds - now, heartbeatMilliseconds)) }
        if !registered { return max(0, min(lastAttempt + retryDelay - now, heartbeatMilliseconds)) }
        return max(0, min(lastSent + heartbeatMilliseconds - now, lastHeard + heartbeatMilliseconds * liveness - now))
    }

    /// Heartbeats, liveness, registration retries and subscription probes.
    private func doDuties() {
        let now = now()
        if let welcome = pendingWelcome {
            if now - syncStarted >= Self.syncTimeoutMilliseconds {
                logger.warning("subscriptions not confirmed within 5 s; reporting ready anyway")
                finishWelcome(welcome)
            } else if now - lastProbe >= Self.probeIntervalMilliseconds {
                sendProbe()
            }
        }
        if registered {
            if now - lastHeard > heartbeatMilliseconds * liveness {
                logger.warning("broker silent past the liveness window; reconnecting")
                registered = false
                retryDelay = 0
            } else if now - lastSent >= heartbeatMilliseconds {
                sendSession(.heartbeat)
            }
        }
        if !registered && now - lastAttempt >= retryDelay {
            openSession()
        }
    }

    /// A fresh DEALER and a REGISTER: after a broker loss, old queued messages must not be replayed.
    private func openSession() {
        dealer?.close()
        dealer = nil
        lastAttempt = now()
        // Back off: 0, interval, 2×, … up to the maximum, so a long outage costs little.
        retryDelay = min(max(heartbeatMilliseconds, retryDelay * 2), Int64(options.maxReconnectDelayMilliseconds))
        do {
            let socket = try zmq.socket(.dealer)
            try socket.setSendHighWaterMark(1_000)
            try socket.connect(options.controlEndpoint)
            dealer = socket
            sendSession(.register(registration))
        } catch {
            logger.error("cannot open a session", metadata: ["endpoint": "\(options.controlEndpoint)", "error": "\(error)"])
        }
    }

    private func sendSession(_ message: PluginMessage) {
        guard let dealer else { return }
        do {
            _ = try dealer.send(multipart: [[]] + message.encode(), dontWait: true)
            lastSent = now()
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
                sendSession(.ready)
            case .stop(let reason):
                reportStop(reason)
            case .goodbye(let reason):
                if registered { sendSession(.goodbye(reason: reason)) }
                // Let the goodbye leave before the socket closes.
                try? dealer?.setLinger(milliseconds: 1_000)
                finished = true
            }
        }
    }

    private func reportStop(_ reason: String) {
        guard !stopReported else { return }
        stopReported = true
        continuation.yield(.stopRequested(reason: reason))
    }

    private func readSession() {
        while let dealer, let frames = try? dealer.receiveMultipart(dontWait: true, maxFrames: 16) {
            lastHeard = now()
            guard let (_, body) = ControlEnvelope.split([[]] + frames) else { continue }
            let message: BrokerMessage
            do throws(ProtocolError) {
                message = try BrokerMessage.decode(body)
            } catch {
                logger.warning("bad message from the broker", metadata: ["error": "\(error.message)"])
                continue
            }
            handle(message)
        }
    }

    private func handle(_ message: BrokerMessage) {
        switch message {
        case .welcome(let welcome):
            registered = true
            retryDelay = 0
            // Clamped to the ranges topology.yaml allows, so that no broker can make the product overflow.
            heartbeatMilliseconds = Int64(min(max(10, welcome.heartbeatMilliseconds), 600_000))
            liveness = Int64(min(max(1, welcome.liveness), 100))
            let eventsIn = EndpointAddress.resolve(welcome.eventsIn, relativeTo: options.controlEndpoint)
            let eventsOut = EndpointAddress.resolve(welcome.eventsOut, relativeTo: options.controlEndpoint)
            do {
                try context.connectPublisher(to: eventsIn, context: zmq)
                try connectSubscriber(to: eventsOut)
            } catch {
                logger.error("cannot connect to the event endpoints", metadata: ["error": "\(error)"])
            }
            logger.info(
                everWelcomed ? "re-registered with the broker" : "registered with the broker",
                metadata: ["broker": "\(welcome.broker)"])
            // READY must mean "receives events": first see a probe come back through our own SUB.
            pendingWelcome = welcome
            syncStarted = now()
            sendProbe()
        case .heartbeat:
            break
        case .reload(let config):
            logger.info("broker sent a new config")
            continuation.yield(.reload(config))
        case .request(let rid, let service, let body, let meta):
            // A request whose caller already gave up is not started.
            let nowMicroseconds = Int64(Date().timeIntervalSince1970 * 1_000_000)
            if meta.deadline > nowMicroseconds, !stopReported {
                continuation.yield(.request(rid: rid, service: service, body: body, meta: meta))
            }
        case .cancel(let rid):
            continuation.yield(.cancel(rid: rid))
        case .stop(let reason):
            logger.info("broker asked the plugin to stop", metadata: ["reason": "\(reason ?? "")"])
            reportStop(reason ?? "stopped by the broker")
        case .disconnect(let reason):
            logger.info("broker is going away; will reconnect", metadata: ["reason": "\(reason ?? "")"])
            registered = false
            lastAttempt = now()
            retryDelay = heartbeatMilliseconds
        case .error(let error):
            if error.knownCode == .notRegistered {
                logger.info("broker does not know this session; registering again")
                registered = false
                retryDelay = 0
            } else if !registered, error.knownCode == .badRequest || error.knownCode == .unsupportedProtocol {
                logger.error("broker refused the registration", metadata: ["error": "\(error)"])
                if !stopReported {
                    stopReported = true
                    continuation.yield(.rejected(error))
                }
            } else {
                logger.warning("broker reported an error", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The private topic whose round trip proves the event sockets are live. Subscriptions travel in
    /// order on the connection, so once this one works, every earlier one does too.
    private var syncTopic: String { "plexus.sync.\(registration.instance)" }

    private func sendProbe() {
        lastProbe = now()
        try? context.publish(syncTopic, payload: [])
    }

    private func finishWelcome(_ welcome: Welcome) {
        pendingWelcome = nil
        continuation.yield(.welcomed(welcome, first: !everWelcomed))
        everWelcomed = true
        // The runtime handles reports in order: these reach `handle` after `start` (or `reload`) returned.
        for event in heldEvents { continuation.yield(.event(event)) }
        heldEvents.removeAll()
    }

    private func connectSubscriber(to endpoint: String) throws {
        guard endpoint != eventsOut || subscriber == nil else { return }
        subscriber?.close()
        subscriber = nil
        let socket = try zmq.socket(.sub)
        try socket.setReceiveHighWaterMark(100_000)
        for prefix in patterns.zmqPrefixes { try socket.subscribe(prefix) }
        // The SDK's own subscriptions: the mesh-ready hook, then (last) the probe.
        try socket.subscribe(Self.meshReadyTopic)
        try socket.subscribe(syncTopic)
        try socket.connect(endpoint)
        subscriber = socket
        eventsOut = endpoint
    }

    static let meshReadyTopic = "plexus.mesh.ready"

    private struct MeshReady: Decodable {
        var plugins: [String]
    }

    private func readEvents() {
        for _ in 0..<256 {
            guard let subscriber, let frames = try? subscriber.receiveMultipart(dontWait: true, maxFrames: 8) else { return }
            guard let event = ReceivedEvent.decode(frames) else {
                logger.debug("skipped a malformed event")
                continue
            }
            if event.topic == syncTopic {
                if let welcome = pendingWelcome { finishWelcome(welcome) }
                continue
            }
            guard !stopReported else { continue }
            if event.topic == Self.meshReadyTopic,
                let body = try? JSONCoding.decode(MeshReady.self, from: event.payload, what: "mesh")
            {
                continuation.yield(.meshReady(plugins: body.plugins))
            }
            guard patterns.matches(event.topic) else { continue }
            if pendingWelcome != nil {
                if heldEvents.count < Self.maxHeldEvents { heldEvents.append(event) }
            } else {
                continuation.yield(.event(event))
            }
        }
    }
}

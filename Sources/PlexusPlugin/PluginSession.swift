import Foundation
import Logging
import PlexusClient
import PlexusProtocol

/// The plugin's side of its session with the broker, as a value: which state it is in, and what each
/// broker message, event, timer and runtime command does to it. Every method returns the actions for
/// `SessionLoop` to carry out (open a DEALER and register, send, connect the event sockets, publish the
/// probe, report to the runtime, log); the loop owns the sockets, the rules live here and are
/// unit-tested without sockets.
///
/// ```swift
/// var session = PluginSession(instance: "greeter-1", patterns: try PatternSet(["user.>"]))
/// session.connect(now: 0)                           // [.register]: a fresh DEALER sends REGISTER
/// session.received(.welcome(welcome), now: 3, wallMicroseconds: wall)
/// // [.connectEvents(welcome), .log(.info, "registered with the broker", …), .sendProbe]
/// session.eventArrived(probe)                       // [.report(.welcomed(welcome, first: true))]
/// ```
struct PluginSession: Sendable {
    /// Where the session is. States and transitions mirror the Python SDK's.
    enum State: Sendable, Equatable {
        /// No session: REGISTER goes out once the retry delay has passed.
        case disconnected
        /// REGISTER sent on a fresh DEALER; sent again after the retry delay if no WELCOME comes.
        case registering
        /// WELCOME received at `since`; waiting for the probe to come back through our own SUB, so that
        /// READY means "receives events". Events are held meanwhile.
        case probing(Welcome, since: Int64)
        /// Registered, and the runtime knows.
        case active
        /// The runtime was told to stop (STOP, a signal, a refused registration): no request or event
        /// reaches the plugin any more and nothing registers again; heartbeats go on while `registered`,
        /// until the runtime's GOODBYE.
        case stopping(registered: Bool)
        /// GOODBYE sent (when registered): the loop ends.
        case stopped
    }

    /// What the loop does for the session.
    enum Action: Sendable, Equatable {
        /// Close the DEALER, open a fresh one and send REGISTER on it.
        case register
        /// Send a session message.
        case send(PluginMessage)
        /// Connect the event sockets to the WELCOME's endpoints.
        case connectEvents(Welcome)
        /// Publish an empty event on `syncTopic`.
        case sendProbe
        /// Hand a report to the runtime.
        case report(SessionLoop.Report)
        case log(Logger.Level, String, Logger.Metadata = [:])
    }

    static let meshReadyTopic = "plexus.mesh.ready"
    /// How long to wait for the probe before declaring ready anyway (with a warning).
    static let syncTimeoutMilliseconds: Int64 = 5_000
    static let probeIntervalMilliseconds: Int64 = 20
    static let maxHeldEvents = 100_000

    let patterns: PatternSet
    /// The private topic whose round trip proves the event sockets are live. Subscriptions travel in
    /// order on the connection, so once this one works, every earlier one does too.
    let syncTopic: String
    let maxReconnectDelayMilliseconds: Int64

    // Set only by the methods here, in PluginSession+Inbound.swift and in PluginSession+Health.swift.
    var state: State = .disconnected
    var heartbeatMilliseconds = Int64(PlexusConstants.heartbeatIntervalMilliseconds)
    var liveness = Int64(PlexusConstants.heartbeatLiveness)
    /// Back-off between registration attempts: 0, then the heartbeat interval, doubling up to the maximum.
    var retryDelay: Int64 = 0
    /// When the last REGISTER went out (monotonic ms); the next one goes `retryDelay` later.
    var lastAttempt: Int64 = 0
    /// Sessions the runtime was told of: the first one starts the plugin, later ones may reload it.
    var welcomes = 0
    /// Events that arrived while the plugin must not see them yet (`start()` sees none before it runs).
    var heldEvents: [ReceivedEvent] = []
    /// The latest report of the `health()` hook, and of `PluginContext.setHealth`.
    var hookHealth = PluginSession.initialHealth
    var contextHealth = PluginSession.initialHealth
    /// What this session's broker holds: nil until READY went out on it.
    var brokerHealth: HealthReport?
    private var lastSent: Int64 = 0
    private var lastHeard: Int64 = 0
    private var lastProbe: Int64 = 0

    init(instance: String, patterns: PatternSet, maxReconnectDelayMilliseconds: Int = 5_000) {
        self.patterns = patterns
        self.syncTopic = "plexus.sync.\(instance)"
        self.maxReconnectDelayMilliseconds = Int64(maxReconnectDelayMilliseconds)
    }

    /// Whether the broker holds a session for us (so heartbeats and GOODBYE make sense).
    var isRegistered: Bool {
        switch state {
        case .probing, .active: true
        case .stopping(let registered): registered
        case .disconnected, .registering, .stopped: false
        }
    }

    /// Whether the runtime was told to stop.
    var isStopping: Bool {
        switch state {
        case .stopping, .stopped: true
        default: false
        }
    }

    // MARK: I/O the loop reports

    /// A session message went out.
    mutating func sent(now: Int64) { lastSent = now }

    /// Something came from the broker, readable or not.
    mutating func heard(now: Int64) { lastHeard = now }

    // MARK: Registration and timers

    /// Registers on a fresh DEALER, backing off: a long outage costs little.
    @discardableResult
    mutating func connect(now: Int64) -> [Action] {
        lastAttempt = now
        retryDelay = min(max(heartbeatMilliseconds, retryDelay * 2), maxReconnectDelayMilliseconds)
        state = .registering
        return [.register]
    }

    /// How long the loop may sleep before `duties` has something to do.
    func timeUntilNextDuty(now: Int64) -> Int64 {
        switch state {
        case .probing:
            max(0, min(lastProbe + Self.probeIntervalMilliseconds - now, heartbeatMilliseconds))
        case .disconnected, .registering:
            max(0, min(lastAttempt + retryDelay - now, heartbeatMilliseconds))
        case .active, .stopping(registered: true):
            max(0, min(lastSent + heartbeatMilliseconds - now, lastHeard + heartbeatMilliseconds * liveness - now))
        case .stopping(registered: false), .stopped:
            heartbeatMilliseconds
        }
    }

    /// Probes, heartbeats, liveness and registration retries that are due.
    mutating func duties(now: Int64) -> [Action] {
        var actions: [Action] = []
        if case .probing(let welcome, let since) = state {
            if now - since >= Self.syncTimeoutMilliseconds {
                actions.append(.log(.warning, "subscriptions not confirmed within 5 s; reporting ready anyway"))
                actions += finishWelcome(welcome)
            } else if now - lastProbe >= Self.probeIntervalMilliseconds {
                actions += probe(now: now)
            }
        }
        if isRegistered {
            if now - lastHeard > heartbeatMilliseconds * liveness {
                if isStopping {
                    actions.append(.log(.warning, "broker silent past the liveness window; stopping without it"))
                } else {
                    actions.append(.log(.warning, "broker silent past the liveness window; reconnecting"))
                    retryDelay = 0
                }
                lose()
            } else if now - lastSent >= heartbeatMilliseconds {
                actions.append(.send(.heartbeat))
            }
        }
        if state == .disconnected || state == .registering, now - lastAttempt >= retryDelay {
            actions += connect(now: now)
        }
        return actions
    }

    // MARK: Runtime commands

    /// The runtime, or a signal, asks the plugin to stop: reported once.
    mutating func stop(reason: String) -> [Action] {
        guard !isStopping else { return [] }
        state = .stopping(registered: isRegistered)
        heldEvents.removeAll()
        return [.report(.stopRequested(reason: reason))]
    }

    /// The runtime is done: GOODBYE if the broker holds a session, and the loop ends.
    mutating func goodbye(reason: String) -> [Action] {
        let registered = isRegistered
        state = .stopped
        brokerHealth = nil
        return registered ? [.send(.goodbye(reason: reason))] : []
    }

    // MARK: Shared with the inbound handlers

    /// The broker no longer holds our session.
    mutating func lose() {
        brokerHealth = nil
        state = isStopping ? .stopping(registered: false) : .disconnected
    }

    mutating func probe(now: Int64) -> [Action] {
        lastProbe = now
        return [.sendProbe]
    }

    /// The probe came back (or its wait timed out): the runtime hears of the session, then of the
    /// events held meanwhile, in order.
    mutating func finishWelcome(_ welcome: Welcome) -> [Action] {
        state = .active
        let first = welcomes == 0
        welcomes += 1
        var actions: [Action] = [.report(.welcomed(welcome, first: first))]
        actions += heldEvents.map { .report(.event($0)) }
        heldEvents.removeAll()
        return actions
    }
}

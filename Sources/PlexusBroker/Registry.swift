import PlexusProtocol

/// The broker's table of plugin sessions: a value type with no I/O, so its rules are unit-tested
/// without sockets. The broker loop owns the only copy.
///
/// A session is keyed by its instance id and reachable by the ROUTER routing id of its DEALER.
/// Re-registering an instance id from a new connection (a reconnect) moves the session to that
/// connection; one connection holds at most one session.
public struct Registry: Sendable {
    /// One registered plugin instance.
    public struct Session: Sendable, Equatable {
        public var registration: Registration
        public var routingID: [UInt8]
        public var state: InstanceState
        public var attached: Bool
        /// Wall clock, µs since the epoch.
        public var registeredAt: Int64
        public var lastSeenAt: Int64
        /// Monotonic clock, ms: what liveness is judged on.
        var registeredAtMonotonic: Int64
        var lastSeenMonotonic: Int64
        /// A silence allowed to this session instead of the broker's (Majordomo workers heartbeat slower).
        var expiryMilliseconds: Int?

        public var instance: String { registration.instance }

        func info(nowMonotonic: Int64, reason: String? = nil) -> InstanceInfo {
            InstanceInfo(
                registration: registration, state: state, attached: attached, registeredAt: registeredAt,
                lastHeartbeat: lastSeenAt,
                uptimeSeconds: Double(max(0, nowMonotonic - registeredAtMonotonic)) / 1000, reason: reason)
        }
    }

    /// What `register` did.
    public enum RegisterOutcome: Equatable, Sendable {
        /// A new instance.
        case added
        /// A known instance came back (reconnect); its old connection is forgotten.
        case reconnected
        /// The connection held another instance, which this registration ends.
        case replaced(previous: Session)
    }

    private(set) var sessions: [String: Session] = [:]
    private var instanceByRoute: [[UInt8]: String] = [:]

    public init() {}

    /// The number of sessions.
    public var count: Int { sessions.count }

    /// The session reachable through `routingID`, if any.
    public func session(route routingID: [UInt8]) -> Session? {
        instanceByRoute[routingID].flatMap { sessions[$0] }
    }

    /// The session of an instance id, if any.
    public func session(instance: String) -> Session? { sessions[instance] }

    /// Opens or re-opens a session.
    @discardableResult
    public mutating func register(
        _ registration: Registration, routingID: [UInt8], attached: Bool = true,
        wall: Int64, monotonic: Int64, expiryMilliseconds: Int? = nil
    ) -> RegisterOutcome {
        var outcome = RegisterOutcome.added
        if let current = instanceByRoute[routingID], current != registration.instance, let previous = sessions[current] {
            sessions[current] = nil
            outcome = .replaced(previous: previous)
        }
        if let existing = sessions[registration.instance] {
            instanceByRoute[existing.routingID] = nil
            if case .added = outcome { outcome = .reconnected }
        }
        instanceByRoute[routingID] = registration.instance
        sessions[registration.instance] = Session(
            registration: registration, routingID: routingID, state: .starting, attached: attached,
            registeredAt: wall, lastSeenAt: wall, registeredAtMonotonic: monotonic, lastSeenMonotonic: monotonic,
            expiryMilliseconds: expiryMilliseconds)
        return outcome
    }

    /// Records a sign of life from a connection; returns `false` when it holds no session.
    @discardableResult
    public mutating func touch(route routingID: [UInt8], wall: Int64, monotonic: Int64) -> Bool {
        guard let instance = instanceByRoute[routingID] else { return false }
        sessions[instance]?.lastSeenAt = wall
        sessions[instance]?.lastSeenMonotonic = monotonic
        return true
    }

    /// Changes a session's state; returns the updated session.
    @discardableResult
    public mutating func setState(_ state: InstanceState, route routingID: [UInt8]) -> Session? {
        guard let instance = instanceByRoute[routingID] else { return nil }
        sessions[instance]?.state = state
        return sessions[instance]
    }

    /// Ends the session held by a connection.
    public mutating func remove(route routingID: [UInt8]) -> Session? {
        guard let instance = instanceByRoute.removeValue(forKey: routingID) else { return nil }
        return sessions.removeValue(forKey: instance)
    }

    /// Removes and returns the sessions silent for longer than `expiryMilliseconds`, oldest first.
    public mutating func evictExpired(monotonic now: Int64, expiryMilliseconds: Int) -> [Session] {
        let expired = sessions.values
            .filter { now - $0.lastSeenMonotonic > Int64($0.expiryMilliseconds ?? expiryMilliseconds) }
            .sorted { $0.lastSeenMonotonic < $1.lastSeenMonotonic }
        for session in expired {
            sessions[session.instance] = nil
            instanceByRoute[session.routingID] = nil
        }
        return expired
    }

    /// Every session's routing id, for heartbeats.
    public var routingIDs: [[UInt8]] { sessions.values.map(\.routingID) }

    /// The routing ids of attached sessions (not started by the broker), for shutdown notices.
    public var attachedRoutingIDs: [[UInt8]] { sessions.values.filter(\.attached).map(\.routingID) }

    /// The registry as reported by `PLUGINS`, sorted by name then instance.
    public func snapshot(monotonic now: Int64) -> [InstanceInfo] {
        sessions.values
            .sorted { ($0.registration.name, $0.instance) < ($1.registration.name, $1.instance) }
            .map { $0.info(nowMonotonic: now) }
    }
}

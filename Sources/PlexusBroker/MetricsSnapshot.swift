import PlexusProtocol

/// The broker's figures at one moment, as plain data (docs/METRICS.md): what the core already counts,
/// gathered by `BrokerState.metricsSnapshot()` on the loop and turned into Prometheus series by
/// `BrokerMetrics.apply(_:)`, which may run on any thread. Totals here only grow while the broker runs;
/// the labels are raw (plugin, service and topic names), `BrokerMetrics` bounds them.
struct MetricsSnapshot: Sendable, Equatable {
    /// One plugin of the topology, or the name attached sessions registered with.
    struct Plugin: Sendable, Equatable {
        var name: String
        /// Instances running now.
        var running: Int
        /// Instances that exist (supervised slots, attached sessions).
        var instances: Int
        /// Restarts so far, by supervised instance id (ids are keys here, never labels).
        var restarts: [String: Int]
        /// Resource use of its supervised processes, by pid.
        var resources: [Int32: ResourceUsage]
    }

    /// The events counted under topics that start with one token (`user` for `user.created`).
    struct TopicGroup: Sendable, Equatable {
        var events: UInt64 = 0
        var bytes: UInt64 = 0
        var dropped: UInt64 = 0

        mutating func add(_ counter: TopicCounter) {
            events &+= counter.count
            bytes &+= counter.bytes
            dropped &+= counter.dropped
        }
    }

    struct Service: Sendable, Equatable {
        var name: String
        /// Requests by outcome (`CallOutcome` raw values).
        var outcomes: [String: UInt64]
        var inFlight: Int
        var queued: Int
        /// `closed`, `open` or `half-open`.
        var breaker: String
    }

    /// Instances (supervised and attached) by state; every state is present.
    var instancesByState: [InstanceState: Int] = [:]
    var plugins: [Plugin] = []
    var sessions = 0
    var eventsIn: UInt64 = 0
    var eventsOut: UInt64 = 0
    /// Events that a subscriber missed because its queue was full.
    var eventsDropped: UInt64 = 0
    /// Events refused, by reason: `invalid` (malformed, too large, bad headers), `denied` (the policy).
    var eventsRejected: [String: UInt64] = [:]
    /// Topic groups by first token; topics past the broker's topic table are under `_other`.
    var topicGroups: [String: TopicGroup] = [:]
    var subscriptions = 0
    var services: [Service] = []
    var taskRuns: [String: UInt64] = [:]
    /// Scheduled tasks by state (`scheduled`, `paused`, …).
    var tasks: [String: Int] = [:]
    var controlRequests: [String: UInt64] = [:]
    /// Bad input by kind (what `STATS` reports as `malformed`).
    var badInput: [String: UInt64] = [:]
    /// Answers of 404 and 409 by error name (what `STATS` reports as `client_errors`).
    var clientErrors: [String: UInt64] = [:]
    /// Permission refusals by verb (`STATS` `violations`).
    var violations: [String: UInt64] = [:]
    var uptimeSeconds: Double = 0
}

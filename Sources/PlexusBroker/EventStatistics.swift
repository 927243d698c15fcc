import PlexusProtocol

/// Counters of the event bus: per topic, totals, subscriptions and bad input.
///
/// Topics are counted individually up to a limit so that a publisher inventing topics cannot grow the
/// broker's memory without bound; past it they are counted under `(other)`.
struct EventStatistics {
    static let overflowTopic = "(other)"

    let maxTrackedTopics: Int
    private(set) var counters: [String: TopicCounter] = [:]
    private(set) var eventsIn: UInt64 = 0
    private(set) var eventsOut: UInt64 = 0
    private(set) var dropped: UInt64 = 0
    /// Events on `events_in` that the policy refused.
    private(set) var denied: UInt64 = 0
    /// Subscription prefixes with how many subscribers hold each, for at most `maxTrackedTopics` prefixes.
    private(set) var subscriptions: [[UInt8]: Int] = [:]
    /// Subscriptions to prefixes past the table's limit: counted, without their prefix.
    private(set) var untrackedSubscriptions = 0
    /// Every subscription held, one per subscriber and prefix: exact, because the XPUB socket reports
    /// every subscribe and unsubscribe (`ZMQ_XPUB_VERBOSE` and `ZMQ_XPUB_VERBOSER`), disconnects included.
    private(set) var subscriptionCount = 0

    init(maxTrackedTopics: Int) {
        self.maxTrackedTopics = maxTrackedTopics
    }

    /// The counter an event on `topic` counts into (created on first use, `(other)` past the limit).
    mutating func counter(for topic: String) -> TopicCounter {
        if let counter = counters[topic] { return counter }
        let key = counters.count < maxTrackedTopics ? topic : Self.overflowTopic
        if let overflow = counters[key] { return overflow }
        let counter = TopicCounter(isShared: key == Self.overflowTopic, topic: key)
        counters[key] = counter
        return counter
    }

    /// Continues each topic's `prev` from the event log after a restart: counters for the topics the
    /// log knows, with their last seq (as many as the table holds).
    mutating func seed(lastSeqs: [String: UInt64]) {
        for (topic, seq) in lastSeqs.sorted(by: { $0.value > $1.value }) where counters.count < maxTrackedTopics - 1 {
            if counters[topic] == nil { counters[topic] = TopicCounter(lastSeq: seq, topic: topic) }
        }
    }

    mutating func recordAccepted() { eventsIn &+= 1 }
    mutating func recordForwarded() { eventsOut &+= 1 }
    mutating func recordDropped() { dropped &+= 1 }
    mutating func recordDenied() { denied &+= 1 }

    /// Per-topic counters as reported by `STATS`.
    var topics: [String: TopicStats] { counters.mapValues(\.snapshot) }

    /// Applies an XPUB subscription message: first byte 1 (subscribe) or 0 (unsubscribe), then the prefix.
    /// Returns `false` for a message that is neither.
    mutating func applySubscription(_ frame: [UInt8]) -> Bool {
        guard let kind = frame.first, kind <= 1 else { return false }
        let prefix = Array(frame.dropFirst())
        if kind == 1 {
            // Bounded like topics: a flood of distinct prefixes only counts, never grows the table past the limit.
            if subscriptions[prefix] != nil || subscriptions.count < maxTrackedTopics {
                subscriptions[prefix, default: 0] += 1
            } else {
                untrackedSubscriptions += 1
            }
            subscriptionCount += 1
        } else if let count = subscriptions[prefix] {
            subscriptions[prefix] = count > 1 ? count - 1 : nil
            subscriptionCount -= 1
        } else if untrackedSubscriptions > 0 {
            untrackedSubscriptions -= 1
            subscriptionCount -= 1
        }
        return true
    }
}

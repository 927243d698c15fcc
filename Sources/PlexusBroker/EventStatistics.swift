import PlexusProtocol

/// Counters of the event bus: per topic, totals, subscriptions and bad input.
///
/// Topics are counted individually up to a limit so that a publisher inventing topics cannot grow the
/// broker's memory without bound; past it they are counted under `(other)`.
struct EventStatistics {
    static let overflowTopic = "(other)"

    let maxTrackedTopics: Int
    private(set) var topics: [String: TopicStats] = [:]
    private(set) var eventsIn: UInt64 = 0
    private(set) var eventsOut: UInt64 = 0
    private(set) var dropped: UInt64 = 0
    /// Distinct subscription prefixes with how many subscribers hold each.
    private(set) var subscriptions: [[UInt8]: Int] = [:]

    init(maxTrackedTopics: Int) {
        self.maxTrackedTopics = maxTrackedTopics
    }

    mutating func recordAccepted(topic: String, bytes: Int, seq: UInt64) {
        eventsIn &+= 1
        let key = topics[topic] != nil || topics.count < maxTrackedTopics ? topic : Self.overflowTopic
        topics[key, default: TopicStats()].count &+= 1
        topics[key, default: TopicStats()].bytes &+= UInt64(bytes)
        topics[key, default: TopicStats()].lastSeq = seq
    }

    mutating func recordForwarded() { eventsOut &+= 1 }
    mutating func recordDropped() { dropped &+= 1 }

    /// Applies an XPUB subscription message: first byte 1 (subscribe) or 0 (unsubscribe), then the prefix.
    /// Returns `false` for a message that is neither.
    mutating func applySubscription(_ frame: [UInt8]) -> Bool {
        guard let kind = frame.first, kind <= 1 else { return false }
        let prefix = Array(frame.dropFirst())
        if kind == 1 {
            // Bounded like topics: a flood of distinct prefixes only counts, never grows the table past the limit.
            if subscriptions[prefix] != nil || subscriptions.count < maxTrackedTopics {
                subscriptions[prefix, default: 0] += 1
            }
        } else if let count = subscriptions[prefix] {
            subscriptions[prefix] = count > 1 ? count - 1 : nil
        }
        return true
    }
}

import PlexusProtocol

/// The event path's tables: per-topic counters, the topic cache and the sequence number. Part of the
/// core's state (`STATS` reports them), updated by the loop's `forwardEvents` for every event.
struct EventPathState {
    var statistics: EventStatistics
    var topicCache = TopicCache()
    var sequence: UInt64 = 0
    let metaEncoder = EventMetaEncoder()

    init(maxTrackedTopics: Int) {
        statistics = EventStatistics(maxTrackedTopics: maxTrackedTopics)
    }

    /// Assigns the next sequence number and counts the event.
    @inline(__always)
    mutating func stamp(counter: TopicCounter, payloadBytes: Int) -> UInt64 {
        sequence &+= 1
        statistics.recordAccepted()
        counter.record(bytes: payloadBytes, seq: sequence)
        return sequence
    }
}

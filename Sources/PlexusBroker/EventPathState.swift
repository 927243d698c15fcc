import PlexusEventLog
import PlexusProtocol

/// The event path's tables: per-topic counters, the topic cache and the sequence number. Part of the
/// core's state (`STATS` reports them), updated by the loop's `forwardEvents` for every event.
struct EventPathState {
    var statistics: EventStatistics
    var topicCache = TopicCache()
    /// The last seq stamped.
    var sequence: UInt64
    /// Names the sequence (docs/PROTOCOL.md section 10).
    let epoch: String
    let metaEncoder: EventMetaEncoder

    /// `firstSeq` is the first number this run may stamp (above every number used before, section 10).
    init(maxTrackedTopics: Int, epoch: String = SequenceReservation.newEpoch(), firstSeq: UInt64 = 1) {
        statistics = EventStatistics(maxTrackedTopics: maxTrackedTopics)
        self.epoch = epoch
        metaEncoder = EventMetaEncoder(epoch: epoch)
        sequence = firstSeq &- 1
    }

    /// Assigns the next sequence number and counts the event. Returns it with `prev`, the seq of the
    /// topic's previous event (nil for topics counted under `(other)`, whose counter is shared).
    @inline(__always)
    mutating func stamp(counter: TopicCounter, payloadBytes: Int) -> (seq: UInt64, prev: UInt64?) {
        sequence &+= 1
        statistics.recordAccepted()
        let prev = counter.isShared ? nil : counter.lastSeq
        counter.record(bytes: payloadBytes, seq: sequence)
        return (sequence, prev)
    }
}

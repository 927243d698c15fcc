import PlexusProtocol

/// The counters of one topic. A class so that the hot path can hold it (through `TopicCache`) and count
/// an event without a dictionary lookup.
final class TopicCounter {
    var count: UInt64 = 0
    var bytes: UInt64 = 0
    var lastSeq: UInt64 = 0
    /// Events on this topic that at least one subscriber missed because its queue was full.
    var dropped: UInt64 = 0
    /// The `(other)` counter, shared by the topics past the table's limit: its `lastSeq` is no topic's `prev`.
    let isShared: Bool
    /// The topic's first token (`user` for `user.created`), `_other` for the shared counter: the metrics'
    /// topic group, worked out once here rather than on every scrape (docs/METRICS.md).
    let group: String

    init(isShared: Bool = false, lastSeq: UInt64 = 0, topic: String = "") {
        self.isShared = isShared
        self.lastSeq = lastSeq
        group = isShared ? LabelCap.other : BrokerState.topicGroup(topic)
    }

    @inline(__always)
    func record(bytes payloadBytes: Int, seq: UInt64) {
        count &+= 1
        bytes &+= UInt64(payloadBytes)
        lastSeq = seq
    }

    var snapshot: TopicStats { TopicStats(count: count, bytes: bytes, lastSeq: lastSeq, dropped: dropped) }
}

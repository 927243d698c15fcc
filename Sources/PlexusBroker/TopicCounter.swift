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

    init(isShared: Bool = false, lastSeq: UInt64 = 0) {
        self.isShared = isShared
        self.lastSeq = lastSeq
    }

    @inline(__always)
    func record(bytes payloadBytes: Int, seq: UInt64) {
        count &+= 1
        bytes &+= UInt64(payloadBytes)
        lastSeq = seq
    }

    var snapshot: TopicStats { TopicStats(count: count, bytes: bytes, lastSeq: lastSeq, dropped: dropped) }
}

import Dispatch
import Synchronization

/// What the writer publishes for readers, under one lock: the segments with their sizes and indexes,
/// and the sequence numbers written and synced.
struct LogState: Sendable {
    var segments: [Segment] = []
    /// The highest sequence number written to the OS (a gap's last counts: the log covers up to it).
    var lastSeq: UInt64 = 0
    var syncedSeq: UInt64 = 0
    /// The last sequence number of each topic, for `lastEvent(topic:)`; bounded by `EventLogRecovery.maxTopics`.
    var lastSeqPerTopic: [String: UInt64] = [:]
    /// False once a topic was left out of `lastSeqPerTopic` for the bound: a topic missing from it may
    /// then still be in the log.
    var topicsComplete = true

    mutating func noteTopic(_ topic: String, seq: UInt64) {
        if lastSeqPerTopic[topic] != nil || lastSeqPerTopic.count < EventLogRecovery.maxTopics {
            lastSeqPerTopic[topic] = seq
        } else {
            topicsComplete = false
        }
    }
}

/// The hand-over from the producer to the writer thread.
struct WriterQueue: Sendable {
    var batches: [BatchBuffer] = []
    /// Emptied batches the writer gives back, so that the producer does not allocate a fresh megabyte.
    var spare: [BatchBuffer] = []
    var stopping = false
}

/// What the producer, the writer thread and readers share.
final class SharedLog: Sendable {
    let state: Mutex<LogState>
    let queue = Mutex(WriterQueue())
    /// Signalled by `flush` and `close`; the writer waits on it (with a timeout for the sync interval).
    let wake = DispatchSemaphore(value: 0)
    /// Signalled once by the writer thread as it ends.
    let finished = DispatchSemaphore(value: 0)
    /// Bytes handed to the writer and not yet written.
    let queuedBytes = Atomic<Int>(0)
    let droppedByWriter = Atomic<UInt64>(0)

    init(state: LogState) {
        self.state = Mutex(state)
    }
}

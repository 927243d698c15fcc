import Foundation
import Synchronization

/// The durable, crash-safe log the broker appends every stamped event to, and reads back for replay.
///
/// One producer (the broker's loop thread) appends into a batch buffer and hands batches over with
/// `flush()`; a writer thread checksums and writes them to append-only segment files
/// (`<directory>/<20-digit first seq>.log`, format in docs/EVENT_LOG.md). Readers on any thread use
/// their own file descriptors and read only what the writer published.
///
/// ```swift
/// let log = try EventLog(configuration: EventLogConfiguration(directory: "/var/lib/plexus/events"))
/// log.append(StoredEvent(seq: 1, prev: 0, time: now, topic: "orders.created", payload: body, meta: meta))
/// log.flush()
/// let page = log.read(from: 1, to: nil, maxEvents: 100, maxBytes: 1 << 20) { $0.hasPrefix("orders.") }
/// ```
public final class EventLog: @unchecked Sendable {
    // `@unchecked`: the producer state below is touched by the single producer thread only (documented
    // on `append`); everything shared lives in `SharedLog` behind a lock or atomics.

    /// What opening the directory found.
    public let recovery: EventLogRecovery
    let configuration: EventLogConfiguration
    let shared: SharedLog
    private let writer: EventLogWriter
    private let closed = Atomic<Bool>(false)

    // Producer state.
    private var batch = BatchBuffer()
    private var lastAppended: UInt64
    /// Consecutive events refused for the bound, recorded as one gap once the writer has room again.
    private var droppedRun: (gap: EventLogGap, time: Int64)?

    /// A batch is handed to the writer by `append` itself once it passes this size.
    static let batchBytes = 1 << 20
    static let droppedReason = "writer fell behind"

    /// Opens the directory, recovers every segment (checksums verified, torn tail truncated, corrupted
    /// block skipped by resynchronising on the next valid record), starts the writer thread.
    ///
    /// `onWritten(seq, synced)` is called from the writer thread after each round of batches reaches the
    /// OS (`write` returned), with the highest seq written; `synced` is true when it was also fsynced.
    /// With `.always` every batch is fsynced before the call. With `.interval` a later call with
    /// `synced` true follows once the interval's fsync ran.
    public init(
        configuration: EventLogConfiguration, onWritten: @escaping @Sendable (_ seq: UInt64, _ synced: Bool) -> Void = { _, _ in }
    ) throws {
        self.configuration = configuration
        try FileIO.makeDirectory(configuration.directory)
        let (state, recovery) = try EventLogRecoverer.recover(directory: configuration.directory)
        self.recovery = recovery
        lastAppended = state.lastSeq
        shared = SharedLog(state: state)
        writer = EventLogWriter(shared: shared, configuration: configuration, onWritten: onWritten)
        try writer.openLastSegment()
        writer.start()
    }

    deinit { close() }

    /// Queues one event. Single producer: call from one thread only. Cheap: copies the bytes into the
    /// current batch, with no system call and no checksum (the writer thread computes checksums).
    ///
    /// Returns false when the event was not queued: pending bytes would pass `maxPendingBytes` (the log
    /// then records a gap covering it, coalescing consecutive drops into one gap, and counts it in
    /// `droppedByWriter`), the seq is not above the last one appended (the log is ordered by seq), or
    /// the log is closed.
    @discardableResult
    public func append(
        seq: UInt64, prev: UInt64, time: Int64, topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
        meta: UnsafeRawBufferPointer
    ) -> Bool {
        guard seq > lastAppended, !closed.load(ordering: .relaxed) else { return false }
        lastAppended = seq
        let size = RecordFormat.overhead + topic.count + payload.count + meta.count
        if size - RecordFormat.headerSize > RecordFormat.maxBodyBytes || !hasRoom(for: size) {
            drop(seq: seq, time: time)
            return false
        }
        if droppedRun != nil { endDroppedRun() }
        batch.appendRecord(kind: .event, seq: seq, prev: prev, time: time, topic: topic, meta: meta, payload: payload)
        if batch.count >= EventLog.batchBytes { flush() }
        return true
    }

    /// `append(seq:prev:time:topic:payload:meta:)` for a value, with the same semantics.
    public func append(_ event: StoredEvent) -> Bool {
        var topic = event.topic
        return topic.withUTF8 { topic in
            event.payload.withUnsafeBytes { payload in
                event.meta.withUnsafeBytes { meta in
                    append(
                        seq: event.seq, prev: event.prev, time: event.time, topic: UnsafeRawBufferPointer(topic),
                        payload: payload, meta: meta)
                }
            }
        }
    }

    /// Hands the current batch to the writer thread. The loop calls it after each burst; `append`
    /// also calls it once the batch passes about 1 MiB. Producer thread only.
    public func flush() {
        if droppedRun != nil, hasRoom(for: RecordFormat.overhead + EventLog.droppedReason.utf8.count) { endDroppedRun() }
        handOver()
    }

    /// Writes and fsyncs everything queued, stops the writer thread. Idempotent. Call it from the
    /// producer thread, or once the producer stopped.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if droppedRun != nil { endDroppedRun() }
        handOver()
        shared.queue.withLock { $0.stopping = true }
        shared.wake.signal()
        shared.finished.wait()
    }

    /// The state of the log, from any thread.
    public var info: EventLogInfo {
        // Not the whole state: holding a copy of the topic table while the writer changes it would copy it.
        let (segments, lastSeq, syncedSeq) = shared.state.withLock { ($0.segments, $0.lastSeq, $0.syncedSeq) }
        return EventLogInfo(
            firstSeq: segments.lazy.compactMap(\.firstKey).first ?? 0,
            lastSeq: lastSeq,
            events: segments.reduce(0) { $0 + $1.events },
            bytes: segments.reduce(0) { $0 + $1.size },
            oldestTime: segments.lazy.compactMap(\.minTime).first,
            segments: segments.count,
            pendingBytes: shared.queuedBytes.load(ordering: .relaxed),
            droppedByWriter: shared.droppedByWriter.load(ordering: .relaxed),
            gaps: segments.reduce(0) { $0 + $1.gaps },
            syncedSeq: syncedSeq)
    }

    private func hasRoom(for size: Int) -> Bool {
        shared.queuedBytes.load(ordering: .relaxed) + batch.count + size <= configuration.maxPendingBytes
    }

    private func drop(seq: UInt64, time: Int64) {
        shared.droppedByWriter.add(1, ordering: .relaxed)
        if var run = droppedRun {
            run.gap.last = seq
            droppedRun = run
        } else {
            droppedRun = (EventLogGap(first: seq, last: seq, reason: EventLog.droppedReason), time)
        }
    }

    /// Records the dropped run as a gap record. It goes in even past the bound: it is small, and there
    /// is at most one per accepted event.
    private func endDroppedRun() {
        guard let run = droppedRun else { return }
        droppedRun = nil
        batch.appendGap(run.gap, time: run.time)
    }

    private func handOver() {
        guard batch.count > 0 else { return }
        let full = batch
        shared.queuedBytes.add(full.count, ordering: .relaxed)
        let spare = shared.queue.withLock { queue in
            queue.batches.append(full)
            return queue.spare.popLast()
        }
        batch = spare ?? BatchBuffer()
        shared.wake.signal()
    }
}

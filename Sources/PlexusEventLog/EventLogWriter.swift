import Foundation

/// The writer thread: owns the file descriptor of the segment being written, computes checksums,
/// writes each batch with one `write`, fsyncs per policy, rolls segments, applies retention and
/// reports progress through `onWritten`.
final class EventLogWriter: @unchecked Sendable {
    // Everything below is touched by the writer thread only (after `start`), hence `@unchecked`.
    private let shared: SharedLog
    private let configuration: EventLogConfiguration
    private let onWritten: @Sendable (UInt64, Bool) -> Void
    private var fd: Int32 = -1
    private var path = ""
    private var segmentSize: UInt64 = 0
    private var writtenSeq: UInt64
    private var syncedSeq: UInt64
    private var lastSync = ContinuousClock.now
    /// Records of the chunk being written, noted into the segment once the write succeeded.
    private var notes: [(view: RecordFormat.View, offset: UInt64)] = []
    private var topics: [String: UInt64] = [:]
    /// The run of consecutive records on one topic being written: its bytes, its name once made, and
    /// the last seq. Events come in runs (a burst on one topic), so the topic's `String` and its hash
    /// are made once per run instead of once per record; on one core of two that was most of the
    /// writer's time after the checksum.
    private var runBytes: [UInt8] = []
    private var runSeq: UInt64?
    /// A range lost to a failed write, recorded as a gap before the next batch.
    private var lostRange: EventLogGap?

    init(shared: SharedLog, configuration: EventLogConfiguration, onWritten: @escaping @Sendable (UInt64, Bool) -> Void) {
        self.shared = shared
        self.configuration = configuration
        self.onWritten = onWritten
        writtenSeq = shared.state.withLock { $0.lastSeq }
        syncedSeq = writtenSeq
    }

    /// Continues the last segment when it has room (recovery already truncated a torn tail).
    func openLastSegment() throws(EventLogError) {
        guard let last = shared.state.withLock({ $0.segments.last }), last.size < UInt64(configuration.segmentBytes) else {
            return
        }
        fd = try FileIO.openForWriting(last.path)
        path = last.path
        segmentSize = last.size
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "plexus-eventlog"
        thread.start()
    }

    private func run() {
        applyRetention()
        while true {
            _ = shared.wake.wait(timeout: wakeDeadline())
            let (batches, stopping) = shared.queue.withLock { queue in
                let taken = queue.batches
                queue.batches.removeAll(keepingCapacity: true)
                return (taken, queue.stopping)
            }
            for batch in batches {
                write(batch)
                shared.queuedBytes.subtract(batch.count, ordering: .relaxed)
            }
            let syncNow: Bool
            switch configuration.sync {
            case .always: syncNow = true
            case .interval(let milliseconds): syncNow = stopping || lastSync.duration(to: .now) >= .milliseconds(milliseconds)
            }
            let syncing = syncNow && writtenSeq > syncedSeq
            if syncing { sync() }
            if !batches.isEmpty {
                applyRetention()
                onWritten(writtenSeq, syncedSeq == writtenSeq)
                recycle(batches)
            } else if syncing, syncedSeq == writtenSeq {
                // The interval's fsync of what earlier rounds wrote: report that it is now durable.
                onWritten(writtenSeq, true)
            } else {
                applyRetention()  // an idle wake: age retention still runs
            }
            if stopping { break }
        }
        if fd >= 0 { close(fd) }
        shared.finished.signal()
    }

    private func wakeDeadline() -> DispatchTime {
        // Wake at least once a minute, so that age retention runs in an idle log.
        var wait = 60_000
        if case .interval(let milliseconds) = configuration.sync, writtenSeq > syncedSeq { wait = max(1, milliseconds) }
        return .now() + .milliseconds(wait)
    }

    private func recycle(_ batches: [BatchBuffer]) {
        shared.queue.withLock { queue in
            for batch in batches where queue.spare.count < 2 {
                batch.reset()
                queue.spare.append(batch)
            }
        }
    }

    /// Checksums and writes one batch, in chunks that end where a segment rolls.
    private func write(_ batch: BatchBuffer) {
        if let lost = lostRange {
            let gap = BatchBuffer(capacity: 256)
            gap.appendGap(lost, time: 0)
            lostRange = nil
            write(gap)
        }
        let bytes = batch.bytes
        var chunkStart = 0
        var offset = 0
        while offset < bytes.count {
            let record = RecordFormat.trustedView(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if fd < 0 || segmentSize + UInt64(offset - chunkStart) >= UInt64(configuration.segmentBytes) {
                endTopicRun()
                writeChunk(UnsafeRawBufferPointer(rebasing: bytes[chunkStart..<offset]))
                chunkStart = offset
                roll(to: record.firstKey)
            }
            let body = UnsafeRawBufferPointer(rebasing: bytes[offset + RecordFormat.headerSize..<offset + record.size])
            bytes.storeBytes(of: RecordFormat.checksum(body).littleEndian, toByteOffset: offset + 8, as: UInt32.self)
            notes.append((record, segmentSize + UInt64(offset - chunkStart)))
            if record.kind == .event {
                let topic = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(rebasing: bytes[offset...])[record.topic])
                if runSeq == nil || !Self.same(topic, runBytes) {
                    endTopicRun()
                    runBytes.removeAll(keepingCapacity: true)
                    runBytes.append(contentsOf: topic)
                }
                runSeq = record.seq
            }
            offset += record.size
        }
        endTopicRun()
        writeChunk(UnsafeRawBufferPointer(rebasing: bytes[chunkStart..<offset]))
    }

    /// Notes the topic run's last seq in `topics` (for the chunk being written) and ends the run.
    private func endTopicRun() {
        guard let seq = runSeq else { return }
        topics[String(decoding: runBytes, as: UTF8.self)] = seq
        runSeq = nil
    }

    private static func same(_ bytes: UnsafeRawBufferPointer, _ other: [UInt8]) -> Bool {
        guard bytes.count == other.count else { return false }
        guard let base = bytes.baseAddress else { return true }
        return other.withUnsafeBytes { memcmp($0.baseAddress!, base, bytes.count) == 0 }
    }

    /// Writes the records noted since the last chunk and publishes them to readers.
    private func writeChunk(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        defer {
            notes.removeAll(keepingCapacity: true)
            topics.removeAll(keepingCapacity: true)
        }
        guard fd >= 0 else {
            lose(bytes.count)
            return
        }
        do {
            try FileIO.writeAll(fd, bytes, path: path)
        } catch {
            // A partial write would leave a torn record inside the segment: cut it off, and record the
            // chunk's events as lost so that readers see a gap instead of silence.
            _ = ftruncate(fd, off_t(segmentSize))
            lose(bytes.count)
            return
        }
        segmentSize += UInt64(bytes.count)
        let lastKey = notes.last?.view.lastKey ?? writtenSeq
        writtenSeq = max(writtenSeq, lastKey)
        shared.state.withLock { state in
            guard !state.segments.isEmpty else { return }
            let last = state.segments.count - 1
            for note in notes { state.segments[last].note(note.view, at: note.offset) }
            for (topic, seq) in topics { state.noteTopic(topic, seq: seq) }
            state.lastSeq = max(state.lastSeq, lastKey)
        }
    }

    private func lose(_ byteCount: Int) {
        guard let first = notes.first?.view.firstKey, let last = notes.last?.view.lastKey else { return }
        let events = UInt64(notes.count(where: { $0.view.kind == .event }))
        shared.droppedByWriter.add(events, ordering: .relaxed)
        let start = lostRange?.first ?? first
        lostRange = EventLogGap(first: start, last: last, reason: "write failed")
    }

    /// Closes the current segment (fsynced) and starts `<base>.log`.
    private func roll(to base: UInt64) {
        if fd >= 0 {
            sync()
            close(fd)
            fd = -1
        }
        let newPath = Segment.path(base: base, directory: configuration.directory)
        do {
            fd = try FileIO.openForWriting(newPath)
            // The new file's directory entry must survive a power loss like its records.
            try FileIO.syncDirectory(configuration.directory)
        } catch {
            if fd >= 0 { close(fd) }
            fd = -1
            return
        }
        path = newPath
        segmentSize = FileIO.size(fd) ?? 0
        let segment = Segment(base: base, directory: configuration.directory)
        shared.state.withLock { $0.segments.append(segment) }
        applyRetention()
    }

    private func sync() {
        guard fd >= 0 else { return }
        guard (try? FileIO.sync(fd, path: path)) != nil else { return }
        lastSync = .now
        syncedSeq = writtenSeq
        let synced = syncedSeq
        shared.state.withLock { $0.syncedSeq = max($0.syncedSeq, synced) }
    }

    /// Deletes whole oldest segments while any limit is passed; never the segment being written.
    private func applyRetention() {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let oldest = now - min(max(0, configuration.maxAgeMicroseconds), now)
        let removed: [String] = shared.state.withLock { state in
            var events = state.segments.reduce(0) { $0 + $1.events }
            var bytes = state.segments.reduce(0) { $0 + $1.size }
            var removed: [String] = []
            while state.segments.count > 1 {
                let first = state.segments[0]
                // A segment of gap records only holds no event worth keeping: it goes with the old ones.
                let tooOld = (first.maxTime ?? .min) < oldest
                guard events > configuration.maxEvents || bytes > configuration.maxBytes || tooOld else { break }
                events -= first.events
                bytes -= first.size
                removed.append(first.path)
                state.segments.removeFirst()
            }
            return removed
        }
        for path in removed { unlink(path) }
    }
}

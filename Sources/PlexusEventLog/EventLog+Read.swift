/// Reads, from any thread. Each takes a snapshot of the segments under the lock, then reads the files
/// with its own descriptors up to the sizes the writer had published.
extension EventLog {
    /// Reads stored events with seq in `from...to` (`to` nil: up to the last seq written), in seq order,
    /// at most `maxEvents` matching events and about `maxBytes` of them (topic, payload and meta; at
    /// least one event when any matches). `matches(topic)` filters. Every record's checksum is verified
    /// on read; a bad record is reported as a gap, never returned.
    public func read(
        from: UInt64, to: UInt64?, maxEvents: Int, maxBytes: Int, matches: (String) -> Bool
    ) -> EventLogRead {
        let (segments, lastSeq) = shared.state.withLock { ($0.segments, $0.lastSeq) }
        let upper = min(to ?? lastSeq, lastSeq)
        var result = EventLogRead(events: [], gaps: [], scannedTo: upper, reachedEnd: true)
        guard from <= upper else {
            result.scannedTo = from == 0 ? 0 : from - 1
            return result
        }
        guard maxEvents > 0 else {
            result.scannedTo = from == 0 ? 0 : from - 1
            result.reachedEnd = false
            return result
        }
        var bytes = 0
        // The last segment starting at or before `from`; a segment deleted meanwhile is skipped.
        let start = max(0, (segments.lastIndex { $0.base <= from }) ?? 0)
        for position in segments.indices where position >= start {
            let segment = segments[position]
            let endSeq = position + 1 < segments.count ? segments[position + 1].base - 1 : UInt64.max
            var (offset, prevLast) = segment.startOffset(for: from)
            if segment.base > from { (offset, prevLast) = (0, segment.base - 1) }
            guard let scanner = SegmentScanner(path: segment.path, limit: segment.size, from: offset) else { continue }
            while let item = scanner.next(after: prevLast, upTo: endSeq) {
                switch item {
                case .record(let record, _):
                    if record.firstKey > upper { return result }
                    prevLast = record.lastKey
                    if record.lastKey < from { continue }
                    let recordBytes = scanner.recordBytes
                    if record.kind == .gap {
                        let reason = RecordFormat.string(recordBytes, record.payload)
                        append(EventLogGap(first: record.seq, last: record.prev, reason: reason), to: &result, from, upper)
                        continue
                    }
                    let topic = RecordFormat.string(recordBytes, record.topic)
                    guard matches(topic) else { continue }
                    result.events.append(
                        StoredEvent(
                            seq: record.seq, prev: record.prev, time: record.time, topic: topic,
                            payload: Array(recordBytes[record.payload]), meta: Array(recordBytes[record.meta])))
                    bytes += record.topic.count + record.payload.count + record.meta.count
                    if result.events.count >= maxEvents || bytes >= maxBytes {
                        result.scannedTo = record.seq
                        result.reachedEnd = record.seq >= upper
                        return result
                    }
                case .damage(_, _, let nextKey):
                    let lost = nextKey.map { $0 - 1 } ?? (position + 1 < segments.count ? endSeq : segment.lastKey)
                    if lost > prevLast {
                        let gap = EventLogGap(first: prevLast + 1, last: lost, reason: EventLogRecoverer.corruptedReason)
                        append(gap, to: &result, from, upper)
                        prevLast = lost
                    }
                }
            }
        }
        return result
    }

    /// The first seq whose time is at or after `time` (nil if none): seeks by the per-block newest time.
    public func firstSeq(atOrAfter time: Int64) -> UInt64? {
        let segments = shared.state.withLock { $0.segments }
        for segment in segments where (segment.maxTime ?? .min) >= time {
            for block in segment.index.indices where segment.index[block].maxTime >= time {
                var found: UInt64?
                scanBlock(block, of: segment) { record, _ in
                    if record.kind == .event, record.time >= time {
                        found = record.seq
                        return false
                    }
                    return true
                }
                if let found { return found }
            }
        }
        return nil
    }

    /// The seq of the `n`-th last matching event (to start a `last N` read); nil if fewer match (then
    /// start from `info.firstSeq`). Scans index blocks from the newest back until `n` are found.
    public func seqOfLast(_ n: Int, matches: (String) -> Bool) -> UInt64? {
        guard n > 0 else { return nil }
        var remaining = n
        let segments = shared.state.withLock { $0.segments }
        var found: [UInt64] = []
        for segment in segments.reversed() {
            for block in segment.index.indices.reversed() {
                found.removeAll(keepingCapacity: true)
                scanBlock(block, of: segment) { record, bytes in
                    if record.kind == .event, matches(RecordFormat.string(bytes, record.topic)) { found.append(record.seq) }
                    return true
                }
                if found.count >= remaining { return found[found.count - remaining] }
                remaining -= found.count
            }
        }
        return nil
    }

    /// The last stored event on exactly this topic (nil if none held). A lookup in the writer's table of
    /// last seqs; once more than `EventLogRecovery.maxTopics` topics were met, a topic missing from it
    /// is searched backwards from the newest event, which for a topic not held reads the whole log.
    public func lastEvent(topic: String) -> StoredEvent? {
        let (known, complete) = shared.state.withLock { ($0.lastSeqPerTopic[topic], $0.topicsComplete) }
        // A topic's last seq deleted by retention means every older one of it went too.
        let seq = known ?? (complete ? nil : seqOfLast(1) { $0 == topic })
        guard let seq else { return nil }
        return read(from: seq, to: seq, maxEvents: 1, maxBytes: .max) { $0 == topic }.events.first
    }

    /// Calls `body` with each verified record of index block `block` until it returns false.
    private func scanBlock(
        _ block: Int, of segment: Segment, _ body: (RecordFormat.View, UnsafeRawBufferPointer) -> Bool
    ) {
        let entry = segment.index[block]
        let end = block + 1 < segment.index.count ? segment.index[block + 1].offset : segment.size
        guard let scanner = SegmentScanner(path: segment.path, limit: end, from: entry.offset) else { return }
        var prevLast = entry.seq - 1
        while let item = scanner.next(after: prevLast, upTo: .max) {
            guard case .record(let record, _) = item else { continue }
            prevLast = record.lastKey
            if !body(record, scanner.recordBytes) { return }
        }
    }

    private func append(_ gap: EventLogGap, to result: inout EventLogRead, _ from: UInt64, _ upper: UInt64) {
        let first = max(gap.first, from)
        let last = min(gap.last, upper)
        guard first <= last else { return }
        result.gaps.append(EventLogGap(first: first, last: last, reason: gap.reason))
    }
}

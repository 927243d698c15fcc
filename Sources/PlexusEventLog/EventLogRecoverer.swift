import Foundation

/// Recovery at open: scans every segment, verifies every record, resynchronises over damage, truncates
/// a torn tail of the last segment, and rebuilds the in-memory indexes.
enum EventLogRecoverer {
    static let corruptedReason = "corrupted record"

    static func recover(directory: String) throws(EventLogError) -> (LogState, EventLogRecovery) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw EventLogError("list directory", path: directory, detail: error.localizedDescription)
        }
        let bases = names.compactMap(Segment.base(fileName:)).sorted()
        var state = LogState()
        var recovery = EventLogRecovery(records: 0, badRanges: [], discardedBytes: 0, lastSeq: 0, lastSeqPerTopic: [:])
        var prevLast: UInt64 = 0
        for (position, base) in bases.enumerated() {
            let isLast = position == bases.count - 1
            let endSeq = isLast ? UInt64.max : bases[position + 1] - 1
            var segment = Segment(base: base, directory: directory)
            guard let scanner = SegmentScanner(path: segment.path, limit: nil, from: 0) else {
                throw EventLogError.system("open", path: segment.path)
            }
            var last = max(prevLast, base == 0 ? 0 : base - 1)
            var keptSize = scanner.limit
            while let item = scanner.next(after: last, upTo: endSeq) {
                switch item {
                case .record(let record, let offset):
                    segment.note(record, at: offset)
                    last = record.lastKey
                    recovery.records += 1
                    if record.kind == .event {
                        state.noteTopic(RecordFormat.string(scanner.recordBytes, record.topic), seq: record.seq)
                    }
                case .damage(let from, let to, let nextKey):
                    if nextKey == nil, isLast {
                        // A torn write at the end of the log: nothing after it, and its seqs are unknown.
                        guard truncate(segment.path, off_t(from)) == 0 else {
                            throw EventLogError.system("truncate torn tail of", path: segment.path)
                        }
                        recovery.discardedBytes += to - from
                        keptSize = from
                        continue
                    }
                    recovery.discardedBytes += to - from
                    let lost = nextKey.map { $0 - 1 } ?? endSeq
                    if lost > last {
                        recovery.badRanges.append(EventLogGap(first: last + 1, last: lost, reason: corruptedReason))
                        segment.gaps += 1
                        last = lost
                    }
                }
            }
            // Damaged bytes stay in place (readers resynchronise over them as recovery did); only a torn
            // tail is cut off.
            segment.size = keptSize
            prevLast = max(prevLast, segment.lastKey)
            if isLast, segment.size == 0 {
                unlink(segment.path)
                continue
            }
            state.segments.append(segment)
        }
        state.lastSeq = prevLast
        state.syncedSeq = prevLast
        recovery.lastSeq = prevLast
        recovery.lastSeqPerTopic = state.lastSeqPerTopic
        return (state, recovery)
    }
}

import Foundation
import PlexusEventLog

/// Fuzzes the event log's recovery and reads over a damaged segment: the input is written as the only
/// segment file of a directory (one per process, reused), and an `EventLog` opens it.
///
/// The seeds are segments of valid records (seqs 1–20 on topics `fuzz.0`–`fuzz.2`, with a gap record),
/// which libFuzzer mutates; with its comparison tracing it can also learn a checksum and forge a record that verifies, so the check is
/// against the input itself. Invariants:
/// - opening never throws and never traps, whatever the bytes;
/// - every event read is exactly the fields of a record present intact in the input (its header and
///   body found byte for byte), seqs strictly increase, and no event lies inside a gap;
/// - `recovery.records` and `info.events` agree with what a read returns;
/// - paging one event at a time returns the same events;
/// - `lastEvent(topic:)` returns the last event read on that topic.
enum EventLogFuzz {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "plexus-fuzz-eventlog-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // libFuzzer ends the process with exit(): remove the directory then (a trap leaves it, with the input).
        atexit { try? FileManager.default.removeItem(atPath: EventLogFuzz.directory) }
        return path
    }()

    /// Whether the input holds `event` as a record: magic and length, then (past the checksum, which
    /// the reader verified) the body, byte for byte.
    static func isIntact(_ event: StoredEvent, in input: [UInt8]) -> Bool {
        var body: [UInt8] = [1]
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { body += $0 } }
        put(event.seq)
        put(event.prev)
        put(event.time)
        put(UInt32(event.topic.utf8.count))
        put(UInt32(event.meta.count))
        put(UInt32(event.payload.count))
        body += Array(event.topic.utf8) + event.meta + event.payload
        var header = Array("PXEV".utf8)
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { header += $0 }
        let size = 12 + body.count
        guard input.count >= size else { return false }
        for start in 0...(input.count - size)
        where input[start..<start + 8].elementsEqual(header) && input[start + 12..<start + size].elementsEqual(body) {
            return true
        }
        return false
    }

    static func run(_ input: [UInt8]) -> FuzzTarget.Verdict {
        let segment = directory + "/00000000000000000001.log"
        // Plain open and write: FileManager's atomic write would fsync every input.
        let fd = open(segment, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0, input.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == input.count else {
            fatalError("cannot write \(segment)")
        }
        close(fd)
        defer { unlink(segment) }
        var configuration = EventLogConfiguration(directory: directory)
        // Times are near the epoch: age retention must not judge them (one segment is never deleted anyway).
        configuration.maxAgeMicroseconds = .max
        let log: EventLog
        do {
            log = try EventLog(configuration: configuration)
        } catch {
            preconditionFailure("opening a damaged segment threw: \(error)")
        }
        defer { log.close() }

        let all = log.read(from: 0, to: nil, maxEvents: .max, maxBytes: .max) { _ in true }
        precondition(all.reachedEnd, "a full read did not reach the end")
        var previous: UInt64 = 0
        for event in all.events {
            precondition(event.seq > previous, "seqs out of order: \(event.seq) after \(previous)")
            precondition(isIntact(event, in: input), "read an event that is not a record of the input: \(event)")
            previous = event.seq
            precondition(!all.gaps.contains { ($0.first...$0.last).contains(event.seq) }, "event \(event.seq) inside a gap")
        }
        let gapRecords = UInt64(all.gaps.count { !$0.reason.hasPrefix("corrupted") })
        precondition(UInt64(all.events.count) + gapRecords == log.recovery.records, "recovery counted other records than read")
        precondition(log.info.events == UInt64(all.events.count), "info counts other events than read")
        precondition(all.events.last.map { $0.seq <= log.recovery.lastSeq } ?? true, "an event above recovery's lastSeq")

        var paged: [StoredEvent] = []
        var from: UInt64 = 0
        while true {
            let page = log.read(from: from, to: nil, maxEvents: 1, maxBytes: .max) { _ in true }
            paged += page.events
            if page.reachedEnd || page.scannedTo == .max { break }
            from = page.scannedTo + 1
        }
        precondition(paged == all.events, "paging returned other events than one read")
        if let last = all.events.last {
            precondition(log.lastEvent(topic: last.topic) == last, "lastEvent is not the last event read")
        }
        return all.events.isEmpty ? .rejected : .accepted
    }
}

import Foundation
import Testing

@testable import PlexusEventLog

/// A fresh temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "plexus-eventlog-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var events: String { path + "/events" }

    func segmentFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: events)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
    }
}

/// Polls `condition` until it holds or the deadline passes; returns whether it held.
func eventually(within seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(1_000)
    }
    return condition()
}

/// Event times start here, now: the default retention deletes anything older than a week.
let testEpoch = Int64(Date().timeIntervalSince1970 * 1_000_000)

func event(_ seq: UInt64, topic: String? = nil, time: Int64? = nil, size: Int = 64) -> StoredEvent {
    let payload = (0..<size).map { UInt8(truncatingIfNeeded: Int(seq) &* 31 &+ $0) }
    return StoredEvent(
        seq: seq, prev: seq > 1 ? seq - 1 : 0, time: time ?? testEpoch + Int64(seq) * 1_000,
        topic: topic ?? (seq % 2 == 0 ? "orders.even" : "orders.odd"), payload: payload, meta: Array("m\(seq)".utf8))
}

/// Appends events, flushes and waits until the writer published the last one.
func write(_ events: [StoredEvent], to log: EventLog) {
    for event in events { #expect(log.append(event)) }
    log.flush()
    let last = events.last?.seq ?? 0
    #expect(eventually { log.info.lastSeq >= last })
}

func configuration(_ directory: TemporaryDirectory, _ change: (inout EventLogConfiguration) -> Void = { _ in })
    -> EventLogConfiguration
{
    var configuration = EventLogConfiguration(directory: directory.events)
    change(&configuration)
    return configuration
}

func readAll(_ log: EventLog, from: UInt64 = 0) -> EventLogRead {
    log.read(from: from, to: nil, maxEvents: .max, maxBytes: .max) { _ in true }
}

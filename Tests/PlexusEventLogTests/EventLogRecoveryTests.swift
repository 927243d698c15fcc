import Foundation
import Testing

@testable import PlexusEventLog

@Suite("Event log: reopen and recovery")
struct EventLogRecoveryTests {
    @Test("reopen after close: everything there, lastSeq and lastSeqPerTopic right, appends continue")
    func reopen() throws {
        let directory = TemporaryDirectory()
        let events = (1...500).map { event($0, topic: "t\($0 % 7)") }
        do {
            let log = try EventLog(configuration: configuration(directory))
            write(events, to: log)
            log.close()
            log.close()  // idempotent
            #expect(!log.append(event(501)))
        }
        let log = try EventLog(configuration: configuration(directory))
        defer { log.close() }
        #expect(log.recovery.records == 500)
        #expect(log.recovery.lastSeq == 500)
        #expect(log.recovery.badRanges.isEmpty)
        #expect(log.recovery.discardedBytes == 0)
        #expect(log.recovery.lastSeqPerTopic == Dictionary(uniqueKeysWithValues: (494...500).map { ("t\($0 % 7)", UInt64($0)) }))
        #expect(readAll(log).events == events)
        #expect(log.lastEvent(topic: "t3") == events[499])
        #expect(log.lastEvent(topic: "t6") == events[495])
        #expect(!log.append(event(500)))  // not above the last seq
        write([event(501, topic: "t3")], to: log)
        #expect(log.lastEvent(topic: "t3")?.seq == 501)
        #expect(directory.segmentFiles().count == 1)
    }

    @Test("a torn write at the end: earlier records kept, the tail truncated, no error")
    func tornTail() throws {
        let directory = TemporaryDirectory()
        let events = (1...100).map { event($0) }
        do {
            let log = try EventLog(configuration: configuration(directory))
            write(events, to: log)
            log.close()
        }
        let path = directory.events + "/" + directory.segmentFiles()[0]
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64)
        #expect(truncate(path, off_t(size - 10)) == 0)
        let log = try EventLog(configuration: configuration(directory))
        defer { log.close() }
        let recordSize = UInt64(RecordFormat.overhead + events[99].topic.utf8.count + 64 + events[99].meta.count)
        #expect(log.recovery.records == 99)
        #expect(log.recovery.lastSeq == 99)
        #expect(log.recovery.badRanges.isEmpty)
        #expect(log.recovery.discardedBytes == recordSize - 10)
        #expect(readAll(log).events == Array(events.prefix(99)))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 == size - recordSize)
        write([events[99]], to: log)
        #expect(readAll(log).events == events)
    }

    @Test("flipped bytes mid-segment: records before and after kept, the lost seqs a bad range and a gap")
    func corruptedMiddle() throws {
        let directory = TemporaryDirectory()
        let events = (1...3000).map { event($0) }
        do {
            let log = try EventLog(configuration: configuration(directory))
            write(events, to: log)
            log.close()
        }
        let path = directory.events + "/" + directory.segmentFiles()[0]
        var bytes = try #require(FileManager.default.contents(atPath: path))
        let middle = bytes.count / 2
        for index in middle..<middle + 8 { bytes[index] ^= 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: path))

        for round in 0..<2 {  // the damage stays in place: a second open finds the same
            let log = try EventLog(configuration: configuration(directory))
            defer { log.close() }
            let bad = try #require(log.recovery.badRanges.first)
            #expect(log.recovery.badRanges.count == 1, "round \(round)")
            #expect(bad.first > 1000 && bad.last < 2000 && bad.last - bad.first < 3)
            #expect(log.recovery.discardedBytes > 0)
            let lost = bad.first...bad.last
            let kept = events.filter { !lost.contains($0.seq) }
            #expect(log.recovery.records == UInt64(kept.count))
            #expect(log.recovery.lastSeq == 3000)
            let read = readAll(log)
            #expect(read.events == kept)
            #expect(read.gaps == [bad])
            #expect(log.info.gaps == 1)
            // Paging across the damage, starting just before it, meets it the same way.
            let page = log.read(from: bad.first - 1, to: bad.last + 1, maxEvents: .max, maxBytes: .max) { _ in true }
            #expect(page.events.map(\.seq) == [bad.first - 1, bad.last + 1])
            #expect(page.gaps == [bad])
        }
    }

    @Test("a damaged first record of the only segment: its seq is known from the file name")
    func corruptedStart() throws {
        let directory = TemporaryDirectory()
        let events = (10...50).map { event($0) }
        do {
            let log = try EventLog(configuration: configuration(directory))
            write(events, to: log)
            log.close()
        }
        let path = directory.events + "/" + directory.segmentFiles()[0]
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[20] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let log = try EventLog(configuration: configuration(directory))
        defer { log.close() }
        #expect(log.recovery.badRanges == [EventLogGap(first: 10, last: 10, reason: "corrupted record")])
        #expect(readAll(log).events == Array(events.dropFirst()))
    }

    @Test("past maxTopics topics the table stops growing, and lastEvent still finds a topic left out")
    func manyTopics() throws {
        let directory = TemporaryDirectory()
        let count = EventLogRecovery.maxTopics + 10
        let events = (1...count).map { event(UInt64($0), topic: "topic.\($0)", size: 8) }
        do {
            let log = try EventLog(configuration: configuration(directory))
            write(events, to: log)
            #expect(log.lastEvent(topic: "topic.\(count)") == events[count - 1])
            log.close()
        }
        let log = try EventLog(configuration: configuration(directory))
        defer { log.close() }
        #expect(log.recovery.lastSeqPerTopic.count == EventLogRecovery.maxTopics)
        #expect(log.recovery.lastSeqPerTopic["topic.1"] == 1)
        #expect(log.recovery.lastSeqPerTopic["topic.\(count)"] == nil)
        #expect(log.lastEvent(topic: "topic.\(count)") == events[count - 1])
        #expect(log.lastEvent(topic: "topic.0") == nil)
    }
}

import Foundation
import Synchronization
import Testing

@testable import PlexusEventLog

@Suite("Event log: append and read")
struct EventLogReadTests {
    @Test("round trip: every event comes back byte for byte, in order")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(configuration: configuration(directory))
        defer { log.close() }
        let events = (1...3000).map { event($0) }
        write(events, to: log)
        let read = readAll(log)
        #expect(read.events == events)
        #expect(read.gaps.isEmpty)
        #expect(read.reachedEnd)
        #expect(read.scannedTo == 3000)
        let info = log.info
        #expect(info.firstSeq == 1)
        #expect(info.lastSeq == 3000)
        #expect(info.events == 3000)
        #expect(info.segments == 1)
        #expect(info.oldestTime == events[0].time)
    }

    @Test("filtering, maxEvents paging continues from scannedTo, and `to` bounds the range")
    func paging() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(configuration: configuration(directory))
        defer { log.close() }
        // Seqs skip numbers: 2, 4, 6 … 6000.
        let events = (1...3000).map { event($0 * 2, topic: $0 % 3 == 0 ? "a.x" : "b.y") }
        write(events, to: log)
        var collected: [StoredEvent] = []
        var from: UInt64 = 1
        var pages = 0
        while true {
            let page = log.read(from: from, to: nil, maxEvents: 100, maxBytes: .max) { $0.hasPrefix("a.") }
            collected += page.events
            pages += 1
            if page.reachedEnd { break }
            #expect(page.events.count == 100)
            from = page.scannedTo + 1
        }
        #expect(collected == events.filter { $0.topic == "a.x" })
        #expect(pages == 10 || pages == 11)
        let bounded = log.read(from: 101, to: 200, maxEvents: .max, maxBytes: .max) { _ in true }
        #expect(bounded.events.map(\.seq) == Array(stride(from: 102, through: 200, by: 2)))
        #expect(bounded.reachedEnd)
        #expect(bounded.scannedTo == 200)
        let small = log.read(from: 1, to: nil, maxEvents: .max, maxBytes: 500) { _ in true }
        #expect(small.events.count < 10 && !small.events.isEmpty)
        #expect(!small.reachedEnd)
        #expect(log.read(from: 7000, to: nil, maxEvents: 10, maxBytes: .max) { _ in true }.events.isEmpty)
    }

    @Test("firstSeq(atOrAfter:), seqOfLast and lastEvent(topic:)")
    func lookups() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(configuration: configuration(directory))
        defer { log.close() }
        let events = (1...5000).map { event($0, topic: $0 == 4321 ? "rare" : nil, time: Int64($0) * 10) }
        write(events, to: log)
        #expect(log.firstSeq(atOrAfter: 0) == 1)
        #expect(log.firstSeq(atOrAfter: 25_005) == 2501)
        #expect(log.firstSeq(atOrAfter: 50_000) == 5000)
        #expect(log.firstSeq(atOrAfter: 50_001) == nil)
        #expect(log.seqOfLast(1) { _ in true } == 5000)
        #expect(log.seqOfLast(10) { $0 == "orders.even" } == 4982)
        #expect(log.seqOfLast(3000) { _ in true } == 2001)
        #expect(log.seqOfLast(5001) { _ in true } == nil)
        #expect(log.seqOfLast(1) { $0 == "rare" } == 4321)
        #expect(log.lastEvent(topic: "rare") == events[4320])
        #expect(log.lastEvent(topic: "orders.odd") == events[4998])
        #expect(log.lastEvent(topic: "none") == nil)
    }

    @Test("sync always: onWritten reports every batch synced")
    func syncAlways() throws {
        let directory = TemporaryDirectory()
        let reports = ReportLog()
        let log = try EventLog(configuration: configuration(directory) { $0.sync = .always }) { seq, synced in
            reports.add(seq, synced)
        }
        defer { log.close() }
        write((1...10).map { event($0) }, to: log)
        #expect(eventually { reports.all.last?.seq == 10 })
        #expect(reports.all.allSatisfy { $0.synced })
        #expect(log.info.syncedSeq == 10)
    }

    @Test("sync interval: written first, reported synced after the interval")
    func syncInterval() throws {
        let directory = TemporaryDirectory()
        let reports = ReportLog()
        let log = try EventLog(configuration: configuration(directory) { $0.sync = .interval(milliseconds: 50) }) {
            seq, synced in reports.add(seq, synced)
        }
        defer { log.close() }
        write((1...10).map { event($0) }, to: log)
        #expect(eventually { reports.all.contains { $0.seq == 10 && $0.synced } })
        #expect(log.info.syncedSeq == 10)
    }

    @Test("a directory that cannot be created is an error naming it")
    func unwritableDirectory() throws {
        let directory = TemporaryDirectory()
        let file = directory.path + "/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        #expect {
            _ = try EventLog(configuration: EventLogConfiguration(directory: file + "/events"))
        } throws: { error in
            "\(error)".contains(file + "/events")
        }
    }
}

/// The calls of `onWritten`, from the writer thread.
final class ReportLog: Sendable {
    private let reports = Mutex<[(seq: UInt64, synced: Bool)]>([])
    func add(_ seq: UInt64, _ synced: Bool) { reports.withLock { $0.append((seq, synced)) } }
    var all: [(seq: UInt64, synced: Bool)] { reports.withLock { $0 } }
}

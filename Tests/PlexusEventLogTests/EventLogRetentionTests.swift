import Foundation
import Synchronization
import Testing

@testable import PlexusEventLog

@Suite("Event log: retention and the writer's bound")
struct EventLogRetentionTests {
    /// Reads everything and checks it is one contiguous run ending at `last`.
    private func expectContiguous(_ log: EventLog, through last: UInt64) {
        let read = readAll(log)
        let first = read.events.first?.seq ?? 0
        #expect(read.events.map(\.seq) == Array(first...last))
        #expect(first == log.info.firstSeq)
    }

    @Test("maxEvents deletes whole oldest segments")
    func byEvents() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(
            configuration: configuration(directory) {
                $0.segmentBytes = 4096
                $0.maxEvents = 100
            })
        defer { log.close() }
        write((1...1000).map { event($0) }, to: log)
        #expect(eventually { log.info.events <= 100 })
        #expect(log.info.events > 50)
        #expect(log.info.segments == directory.segmentFiles().count)
        expectContiguous(log, through: 1000)
    }

    @Test("maxBytes deletes whole oldest segments")
    func byBytes() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(
            configuration: configuration(directory) {
                $0.segmentBytes = 4096
                $0.maxBytes = 20_000
            })
        defer { log.close() }
        write((1...1000).map { event($0) }, to: log)
        #expect(eventually { log.info.bytes <= 20_000 })
        #expect(log.info.bytes > 12_000)
        #expect(log.info.segments == directory.segmentFiles().count)
        expectContiguous(log, through: 1000)
    }

    @Test("maxAge deletes segments whose newest event is too old, keeps recent ones")
    func byAge() throws {
        let directory = TemporaryDirectory()
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let log = try EventLog(
            configuration: configuration(directory) {
                $0.segmentBytes = 4096
                $0.maxAgeMicroseconds = 3_600_000_000
            })
        defer { log.close() }
        let old = (1...200).map { event($0, time: 1_000 + Int64($0)) }
        let recent = (201...400).map { event($0, time: now + Int64($0)) }
        write(old + recent, to: log)
        #expect(eventually { log.info.firstSeq > 150 })
        let read = readAll(log)
        #expect(Array(read.events.suffix(200)) == recent)
        #expect(log.firstSeq(atOrAfter: now) == 201)
        expectContiguous(log, through: 400)
    }

    @Test("the writer falls behind its bound: append refuses without blocking, the drops are one readable gap")
    func fallsBehind() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(configuration: configuration(directory) { $0.maxPendingBytes = 2000 })
        defer { log.close() }
        let started = Date()
        let accepted = (1...100).map { log.append(event($0)) }
        #expect(Date().timeIntervalSince(started) < 1)
        let acceptedCount = accepted.count { $0 }
        let firstDropped = UInt64(acceptedCount + 1)
        #expect(acceptedCount > 5 && acceptedCount < 20)
        #expect(accepted.prefix(acceptedCount).allSatisfy { $0 } && accepted.dropFirst(acceptedCount).allSatisfy { !$0 })
        #expect(log.info.droppedByWriter == UInt64(100 - acceptedCount))
        log.flush()
        #expect(eventually { log.info.pendingBytes == 0 && log.info.lastSeq >= UInt64(acceptedCount) })
        log.flush()  // the writer has room again (if it had none at the first flush): the drops are one gap
        #expect(eventually { log.info.lastSeq == 100 })
        let read = readAll(log)
        #expect(read.events == (1...UInt64(acceptedCount)).map { event($0) })
        #expect(read.gaps == [EventLogGap(first: firstDropped, last: 100, reason: "writer fell behind")])
        #expect(log.info.gaps == 1)
        // A read inside the gap gets the part of it asked for.
        let inside = log.read(from: firstDropped + 5, to: firstDropped + 10, maxEvents: .max, maxBytes: .max) { _ in true }
        #expect(inside.gaps == [EventLogGap(first: firstDropped + 5, last: firstDropped + 10, reason: "writer fell behind")])
        #expect(inside.events.isEmpty && inside.reachedEnd && inside.scannedTo == firstDropped + 10)
        write([event(101)], to: log)
        #expect(readAll(log).events.last == event(101))
    }

    @Test("a segment deleted under a reader is treated as gone: the read starts from the next one")
    func deletedUnderReader() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(configuration: configuration(directory) { $0.segmentBytes = 4096 })
        defer { log.close() }
        write((1...200).map { event($0) }, to: log)
        let files = directory.segmentFiles()
        #expect(files.count > 2)
        // As retention would between the reader's snapshot and its open.
        #expect(unlink(directory.events + "/" + files[0]) == 0)
        let read = readAll(log)
        let second = try #require(Segment.base(fileName: files[1]))
        #expect(read.events.map(\.seq) == Array(second...200))
        #expect(read.reachedEnd)
    }

    @Test("readers on other threads while the producer appends and retention deletes: ordered, intact events")
    func concurrentReaders() throws {
        let directory = TemporaryDirectory()
        let log = try EventLog(
            configuration: configuration(directory) {
                $0.segmentBytes = 8192
                $0.maxEvents = 2000
            })
        defer { log.close() }
        let done = Atomic<Bool>(false)
        let problems = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<2 {
            Thread.detachNewThread {
                while !done.load(ordering: .relaxed) {
                    let page = log.read(from: log.info.firstSeq, to: nil, maxEvents: 500, maxBytes: .max) { _ in true }
                    var previous: UInt64 = 0
                    for stored in page.events {
                        if stored.seq <= previous || stored != event(stored.seq) { problems.add(1, ordering: .relaxed) }
                        previous = stored.seq
                    }
                    if !page.gaps.isEmpty { problems.add(1, ordering: .relaxed) }
                    reads.add(1, ordering: .relaxed)
                }
                finished.signal()
            }
        }
        for seq in 1...20_000 {
            #expect(log.append(event(UInt64(seq))))
            if seq % 100 == 0 { log.flush() }
        }
        log.flush()
        #expect(eventually { log.info.lastSeq == 20_000 })
        #expect(eventually { reads.load(ordering: .relaxed) > 20 })
        done.store(true, ordering: .relaxed)
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(problems.load(ordering: .relaxed) == 0)
        #expect(log.info.events <= 2000)
    }
}

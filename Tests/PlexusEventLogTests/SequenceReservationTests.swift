import Foundation
import Testing

@testable import PlexusEventLog

@Suite("Sequence reservation")
struct SequenceReservationTests {
    @Test("a restart gives numbers above everything used before, with the same epoch")
    func restart() throws {
        let directory = TemporaryDirectory()
        var used: UInt64 = 0
        let epoch: String
        do {
            var sequence = try SequenceReservation(directory: directory.path, blockSize: 10)
            epoch = sequence.epoch
            var next = try sequence.start(above: 0)
            #expect(next == 1)
            for _ in 0..<25 {
                try sequence.ensure(next)
                used = next
                next += 1
            }
            // No close: a crash right here must not lead to reuse.
        }
        var again = try SequenceReservation(directory: directory.path, blockSize: 10)
        #expect(again.epoch == epoch)
        let first = try again.start(above: 0)
        #expect(first > used)
        var third = try SequenceReservation(directory: directory.path, blockSize: 10)
        #expect(try third.start(above: 1_000) == 1_001)
        let text = try String(contentsOfFile: directory.path + "/sequence.json", encoding: .utf8)
        #expect(text.contains("\"epoch\": \"\(epoch)\""))
    }

    @Test("a new directory gets a new epoch")
    func newEpoch() throws {
        let one = TemporaryDirectory()
        let two = TemporaryDirectory()
        let a = try SequenceReservation(directory: one.path)
        let b = try SequenceReservation(directory: two.path)
        #expect(a.epoch != b.epoch)
        #expect(!a.epoch.isEmpty)
    }
}

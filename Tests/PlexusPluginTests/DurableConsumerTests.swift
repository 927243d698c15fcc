import PlexusClient
import PlexusProtocol
import Testing

@testable import PlexusPlugin

@Suite("Durable consumer decisions")
struct DurableConsumerTests {
    static func event(_ seq: UInt64) -> EventFrames {
        let meta = EventMeta(seq: seq, prev: 0, time: 0, epoch: "e", source: "t")
        return EventFrames(topic: Array("order.a".utf8), payload: Array("\(seq)".utf8), meta: JSONCoding.encode(meta))
    }

    static func answer(_ seqs: [UInt64], scannedTo: UInt64, done: Bool) -> ReplayAnswer {
        ReplayAnswer(
            batch: ReplayBatch(count: seqs.count, scannedTo: scannedTo, done: done, firstSeq: 1, lastSeq: scannedTo, epoch: "e"),
            events: seqs.map(event))
    }

    func opened(acked: UInt64 = 4, maxAttempts: Int = 3) -> DurableConsumer {
        var consumer = DurableConsumer(DurableSubscription(name: "billing", pattern: "order.>", maxAttempts: maxAttempts))
        #expect(consumer.start() == .open(DurableOpen(name: "billing", pattern: "order.>")))
        #expect(
            consumer.opened(DurableCursor(name: "billing", pattern: "order.>", acked: acked))
                == .replay(ReplayRequest(pattern: "order.>", fromSeq: acked + 1), afterMilliseconds: 0))
        return consumer
    }

    @Test func handlesInOrderThenAcksTheBatchThenWaitsForTheDoorbell() {
        var consumer = opened()
        guard case .handle(let first, 1, 0) = consumer.answered(Self.answer([5, 7], scannedTo: 9, done: true)) else {
            Issue.record("expected the first event")
            return
        }
        #expect(first.meta.seq == 5)
        guard case .handle(let second, 1, 0) = consumer.handlerSucceeded() else {
            Issue.record("expected the second event")
            return
        }
        #expect(second.meta.seq == 7)
        #expect(consumer.handlerSucceeded() == .ack(9))
        #expect(consumer.ackDone(9) == .waitForDoorbell)
        #expect(consumer.doorbell() == .replay(ReplayRequest(pattern: "order.>", fromSeq: 10), afterMilliseconds: 0))
    }

    @Test func aBatchThatIsNotDoneAsksForMoreAfterItsAck() {
        var consumer = opened()
        _ = consumer.answered(Self.answer([5], scannedTo: 6, done: false))
        #expect(consumer.handlerSucceeded() == .ack(6))
        #expect(consumer.ackDone(6) == .replay(ReplayRequest(pattern: "order.>", fromSeq: 7), afterMilliseconds: 0))
    }

    @Test func retriesWithDoublingBackoffThenDeadLetters() {
        var consumer = opened(maxAttempts: 3)
        _ = consumer.answered(Self.answer([5], scannedTo: 5, done: true))
        guard case .handle(_, 2, 100) = consumer.handlerFailed("boom") else {
            Issue.record("expected a retry after 100 ms")
            return
        }
        guard case .handle(_, 3, 200) = consumer.handlerFailed("boom") else {
            Issue.record("expected a retry after 200 ms")
            return
        }
        #expect(
            consumer.handlerFailed("boom")
                == .dead(
                    DurableDeadLetter(name: "billing", seq: 5, topic: "order.a", error: "boom", attempts: 3),
                    payload: Array("5".utf8)))
        #expect(consumer.deadLettered() == .ack(5))
    }

    @Test func eventsAtOrBelowTheCursorAreNotHandledAgain() {
        var consumer = opened(acked: 6)
        #expect(consumer.answered(Self.answer([5, 6], scannedTo: 8, done: true)) == .ack(8))
    }

    @Test func truncatedGoesOnFromTheOldestStored() {
        var consumer = opened()
        let error = ProtocolError(.truncated, "old", details: .object(["first_seq": .number(40)]))
        #expect(
            consumer.replayFailed(error, reason: "old").last
                == .replay(ReplayRequest(pattern: "order.>", fromSeq: 40), afterMilliseconds: 0))
        #expect(
            consumer.replayFailed(nil, reason: "timeout").last
                == .replay(ReplayRequest(pattern: "order.>", fromSeq: 5), afterMilliseconds: DurableConsumer.retryMilliseconds))
    }
}

import PlexusClient
import PlexusProtocol
import Testing

@Suite("Gap repair: live events and prev")
struct GapRepairLiveTests {
    func liveRepair(_ patterns: [String] = ["user.>"]) throws -> GapRepair {
        var repair = GapRepair(patterns: try PatternSet(patterns))
        _ = repair.received(Feed.heartbeat(n: 1, head: 10), now: 0)
        return repair
    }

    @Test func deliversInOrderEventsAtOnce() throws {
        var repair = try liveRepair()
        #expect(repair.received(Feed.event("user.a", 11, prev: 3), now: 1).delivered == [11])
        #expect(repair.received(Feed.event("user.a", 12, prev: 11), now: 1).delivered == [12])
        #expect(repair.received(Feed.event("user.b", 13, prev: 0), now: 1).delivered == [13])
        #expect(repair.last == ["user.a": 12, "user.b": 13])
        #expect(repair.counters.delivered == 3)
        #expect(repair.counters.received == 3)
        #expect(repair.counters.gapsSeen == 0)
    }

    @Test func liveOnlyDeliversBeforeAnyHeartbeat() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        #expect(repair.received(Feed.event("user.a", 5, prev: 2), now: 0).delivered == [5])
    }

    @Test func skipsDuplicates() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 5), now: 1)
        #expect(repair.received(Feed.event("user.a", 12, prev: 5), now: 1).isEmpty)
        #expect(repair.received(Feed.event("user.a", 11, prev: 5), now: 1).isEmpty)
        #expect(repair.counters.received == 3)
        #expect(repair.counters.delivered == 1)
    }

    @Test func ignoresTopicsOutsideThePatternsAndNeverDeliversHeartbeats() throws {
        var repair = try liveRepair([">"])
        #expect(repair.received(Feed.heartbeat(n: 2, head: 10), now: 1).isEmpty)
        var narrow = try liveRepair(["user.*"])
        #expect(narrow.received(Feed.event("order.a", 11, prev: 0), now: 1).isEmpty)
        #expect(narrow.counters.received == 0)
    }

    @Test func prevGapAsksForExactlyThatTopicAndRange() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 4), now: 1)
        let actions = repair.received(Feed.event("user.a", 20, prev: 15), now: 2)
        #expect(actions.delivered.isEmpty)
        #expect(actions.replays == [ReplayRequest(pattern: "user.a", fromSeq: 13, toSeq: 19)])
        #expect(repair.isRepairing)
        #expect(repair.counters.gapsSeen == 1)
    }

    @Test func repairedGapDeliversReplayedThenTheEventThenTheBacklog() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 4), now: 1)
        _ = repair.received(Feed.event("user.a", 20, prev: 15), now: 2)
        // Live events wait while the repair is out, whatever their topic.
        #expect(repair.received(Feed.event("user.b", 21, prev: 0), now: 3).isEmpty)
        #expect(repair.received(Feed.event("user.a", 22, prev: 20), now: 3).isEmpty)
        let answer = Feed.answer([Feed.event("user.a", 13, prev: 12), Feed.event("user.a", 15, prev: 13)], scannedTo: 19)
        let actions = repair.replayAnswered(answer, now: 4)
        #expect(actions.delivered == [13, 15, 20, 21, 22])
        #expect(!repair.isRepairing)
        #expect(repair.counters.gapsRepaired == 1)
        #expect(repair.counters.eventsRepaired == 2)
        #expect(repair.counters.eventsLost == 0)
    }

    @Test func firstEventOfATopicWithPrevPastTheStartIsAGap() throws {
        var repair = try liveRepair()
        let actions = repair.received(Feed.event("user.a", 30, prev: 25), now: 1)
        #expect(actions.replays == [ReplayRequest(pattern: "user.a", fromSeq: 11, toSeq: 29)])
        #expect(repair.received(Feed.event("user.c", 31, prev: 7), now: 1).isEmpty)  // waits in the backlog
    }

    @Test func eventsWithoutPrevAreDelivered() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 4), now: 1)
        #expect(repair.received(Feed.event("user.a", 40, prev: nil), now: 1).delivered == [40])
    }

    @Test func answerInSeveralBatchesFollowsNextSeq() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 4), now: 1)
        _ = repair.received(Feed.event("user.a", 100, prev: 90), now: 1)
        let first = repair.replayAnswered(Feed.answer([Feed.event("user.a", 50, prev: 12)], scannedTo: 60, done: false), now: 2)
        #expect(first.delivered == [50])
        #expect(first.replays == [ReplayRequest(pattern: "user.a", fromSeq: 61, toSeq: 99)])
        let second = repair.replayAnswered(Feed.answer([Feed.event("user.a", 90, prev: 50)], scannedTo: 99), now: 3)
        #expect(second.delivered == [90, 100])
    }

    @Test func replayedDuplicatesAreSkipped() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 4), now: 1)
        _ = repair.received(Feed.event("user.a", 20, prev: 15), now: 1)
        let actions = repair.replayAnswered(
            Feed.answer([Feed.event("user.a", 12, prev: 4), Feed.event("user.a", 15, prev: 12)], scannedTo: 19), now: 2)
        #expect(actions.delivered == [15, 20])
    }

    @Test func epochChangeForgetsSeqs() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 4), now: 1)
        let actions = repair.received(Feed.event("user.a", 3, prev: 0, epoch: "e2"), now: 2)
        #expect(actions.first == .epochChanged(from: "e1", to: "e2"))
        #expect(actions.delivered == [3])
        #expect(repair.last == ["user.a": 3])
        #expect(repair.epoch == "e2")
        #expect(repair.start == nil)
    }

    @Test func epochChangeOnAHeartbeatForgetsAndTrustsTheNewHead() throws {
        var repair = try liveRepair()
        _ = repair.received(Feed.event("user.a", 12, prev: 4), now: 1)
        let actions = repair.received(Feed.heartbeat(n: 1, head: 2, epoch: "e2"), now: 2)
        #expect(actions == [.epochChanged(from: "e1", to: "e2")])
        #expect(repair.last.isEmpty)
        #expect(repair.trustedHead == 2)
        #expect(repair.start == 2)
    }
}

@Suite("Gap repair: heartbeats")
struct GapRepairHeartbeatTests {
    @Test func firstHeartbeatOfALiveSubscriberTrustsItsHead() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        #expect(repair.received(Feed.heartbeat(n: 4, head: 10), now: 0).isEmpty)
        #expect(repair.trustedHead == 10)
        #expect(repair.start == 10)
    }

    @Test func consecutiveHeartbeatsWithTheSameDroppedAdvanceTheTrustedHead() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        _ = repair.received(Feed.heartbeat(n: 4, head: 10, dropped: 2), now: 0)
        #expect(repair.received(Feed.heartbeat(n: 5, head: 20, dropped: 2), now: 1).isEmpty)
        #expect(repair.trustedHead == 20)
    }

    @Test func skippedHeartbeatChecksTheTailOfEveryPattern() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>", "order.*"]))
        _ = repair.received(Feed.heartbeat(n: 4, head: 10), now: 0)
        let actions = repair.received(Feed.heartbeat(n: 6, head: 30), now: 1)
        #expect(actions.replays == [ReplayRequest(pattern: "user.>", fromSeq: 11, toSeq: 30)])
        let next = repair.replayAnswered(Feed.answer([Feed.event("user.a", 15, prev: 0)], scannedTo: 30), now: 2)
        #expect(next.delivered == [15])
        #expect(next.replays == [ReplayRequest(pattern: "order.*", fromSeq: 11, toSeq: 30)])
        let last = repair.replayAnswered(Feed.answer([Feed.event("order.x", 16, prev: 0)], scannedTo: 30), now: 3)
        #expect(last.delivered == [16])
        #expect(!repair.isRepairing)
        #expect(repair.trustedHead == 30)
        #expect(repair.counters.gapsSeen == 1)
        #expect(repair.counters.gapsRepaired == 1)
        #expect(repair.counters.eventsRepaired == 2)
    }

    @Test func droppedChangeChecksTheTail() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        _ = repair.received(Feed.heartbeat(n: 4, head: 10, dropped: 0), now: 0)
        let actions = repair.received(Feed.heartbeat(n: 5, head: 12, dropped: 7), now: 1)
        #expect(actions.replays == [ReplayRequest(pattern: "user.>", fromSeq: 11, toSeq: 12)])
        // A tail check that finds nothing missing counts no gap.
        _ = repair.replayAnswered(Feed.answer([], scannedTo: 12), now: 2)
        #expect(repair.counters.gapsSeen == 0)
        #expect(repair.trustedHead == 12)
    }

    @Test func firstHeartbeatAfterResubscribingChecksTheTail() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        _ = repair.received(Feed.heartbeat(n: 4, head: 10), now: 0)
        repair.resubscribed()
        let actions = repair.received(Feed.heartbeat(n: 5, head: 14), now: 1)
        #expect(actions.replays == [ReplayRequest(pattern: "user.>", fromSeq: 11, toSeq: 14)])
    }

    @Test func tailCheckSkipsWhatWasDeliveredLive() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        _ = repair.received(Feed.heartbeat(n: 1, head: 10), now: 0)
        _ = repair.received(Feed.event("user.a", 11, prev: 0), now: 0)
        _ = repair.received(Feed.heartbeat(n: 3, head: 13), now: 1)
        let answer = Feed.answer([Feed.event("user.a", 11, prev: 0), Feed.event("user.b", 13, prev: 0)], scannedTo: 13)
        #expect(repair.replayAnswered(answer, now: 2).delivered == [13])
    }

    @Test func heartbeatsDuringARepairWaitInTheBacklog() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        _ = repair.received(Feed.heartbeat(n: 1, head: 10), now: 0)
        _ = repair.received(Feed.event("user.a", 11, prev: 0), now: 0)
        _ = repair.received(Feed.event("user.a", 14, prev: 12), now: 0)
        #expect(repair.received(Feed.heartbeat(n: 3, head: 20), now: 1).isEmpty)
        let actions = repair.replayAnswered(Feed.answer([Feed.event("user.a", 12, prev: 11)], scannedTo: 13), now: 2)
        #expect(actions.delivered == [12, 14])
        // Then the skipped heartbeat's own tail check.
        #expect(actions.replays == [ReplayRequest(pattern: "user.>", fromSeq: 11, toSeq: 20)])
    }
}

import PlexusClient
import PlexusProtocol
import Testing

@Suite("Gap repair: losses")
struct GapRepairLossTests {
    /// A live subscriber that delivered user.a 12 and now waits for 13…19 before 20.
    func repairing() throws -> GapRepair {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]))
        _ = repair.received(Feed.heartbeat(n: 1, head: 10), now: 0)
        _ = repair.received(Feed.event("user.a", 12, prev: 0), now: 0)
        _ = repair.received(Feed.event("user.a", 20, prev: 15), now: 0)
        return repair
    }

    @Test func batchGapsBecomeLossReports() throws {
        var repair = try repairing()
        let answer = Feed.answer([], scannedTo: 19, gaps: [SeqGap(first: 14, last: 16, reason: "log writer behind")])
        let actions = repair.replayAnswered(answer, now: 1)
        #expect(actions.losses == [EventLoss(topic: "user.a", first: 14, last: 16, reason: "log writer behind")])
        #expect(actions.delivered == [20])
        #expect(repair.counters.gapsSeen == 1)
        #expect(repair.counters.gapsRepaired == 0)
        #expect(repair.counters.eventsLost == 3)
    }

    @Test func batchGapsAreClampedToTheRange() throws {
        var repair = try repairing()
        let answer = Feed.answer([], scannedTo: 19, gaps: [SeqGap(first: 1, last: 40, reason: "cut at recovery")])
        #expect(repair.replayAnswered(answer, now: 1).losses.map { [$0.first, $0.last] } == [[13, 19]])
    }

    @Test func truncatedReportsTheSeqsBeforeTheOldestAndGoesOn() throws {
        var repair = try repairing()
        let error = ProtocolError(
            .truncated, "from_seq 13 is older than the oldest stored",
            details: .object(["first_seq": .number(17), "last_seq": .number(30)]))
        let actions = repair.replayFailed(error, now: 1)
        #expect(actions.losses == [EventLoss(topic: "user.a", first: 13, last: 16, reason: "removed by the log's retention")])
        #expect(actions.replays == [ReplayRequest(pattern: "user.a", fromSeq: 17, toSeq: 19)])
        let rest = repair.replayAnswered(Feed.answer([Feed.event("user.a", 18, prev: 15)], scannedTo: 19), now: 2)
        #expect(rest.delivered == [18, 20])
        #expect(repair.counters.eventsLost == 4)
    }

    @Test func truncatedPastTheRangeLosesItAll() throws {
        var repair = try repairing()
        let error = ProtocolError(.truncated, "old", details: .object(["first_seq": .number(50)]))
        let actions = repair.replayFailed(error, now: 1)
        #expect(actions.losses.map { [$0.first, $0.last] } == [[13, 19]])
        #expect(actions.delivered == [20])
        #expect(!repair.isRepairing)
    }

    @Test func otherRefusalsLoseTheRange() throws {
        var repair = try repairing()
        let actions = repair.replayFailed(ProtocolError(.unavailable, "no event log"), now: 1)
        #expect(actions.losses.count == 1)
        #expect(actions.losses.first?.reason.contains("no event log") == true)
        #expect(actions.delivered == [20])
    }

    @Test func transportFailureLosesTheRangeOnce() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>", "order.>"]))
        _ = repair.received(Feed.heartbeat(n: 1, head: 10), now: 0)
        _ = repair.received(Feed.heartbeat(n: 3, head: 20), now: 0)
        let actions = repair.replayFailed(reason: "no answer", now: 1)
        #expect(actions.losses == [EventLoss(first: 11, last: 20, reason: "replay failed: no answer")])
        #expect(actions.replays.isEmpty)
        #expect(!repair.isRepairing)
        #expect(repair.trustedHead == 20)
    }

    @Test func aLogThatIsBehindIsAskedAgainForFiveSecondsThenReported() throws {
        var repair = try repairing()
        let short = repair.replayAnswered(Feed.answer([Feed.event("user.a", 14, prev: 12)], scannedTo: 14), now: 100)
        guard case .replay(let again, let delay)? = short.last else {
            Issue.record("expected a replay")
            return
        }
        #expect(again == ReplayRequest(pattern: "user.a", fromSeq: 15, toSeq: 19))
        #expect(delay == GapRepair.retryDelayMilliseconds)
        let late = repair.replayAnswered(Feed.answer([], scannedTo: 16), now: 5_001)
        #expect(late.losses == [EventLoss(topic: "user.a", first: 17, last: 19, reason: "not in the event log after 5 s")])
        #expect(late.delivered == [20])
    }

    @Test func lossDescriptionIsOneLine() {
        #expect(EventLoss(topic: "a.b", first: 3, last: 5, reason: "x").description == "lost seqs 3–5 on a.b: x")
        #expect(EventLoss(first: 3, last: 3, reason: "y").description == "lost seq 3: y")
    }
}

@Suite("Gap repair: the replay-then-live handshake")
struct GapRepairHandshakeTests {
    @Test func eventsWaitForTheFirstHeartbeatThenTheReplayThenComeWithoutDuplicates() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]), start: .seq(1))
        #expect(repair.isWaitingForHeartbeat)
        #expect(repair.received(Feed.event("user.a", 9, prev: 5), now: 0).isEmpty)
        let asked = repair.received(Feed.heartbeat(n: 7, head: 10), now: 1)
        #expect(asked.replays == [ReplayRequest(pattern: "user.>", fromSeq: 1, toSeq: 10)])
        #expect(repair.received(Feed.event("user.a", 11, prev: 9), now: 2).isEmpty)
        let stored = [Feed.event("user.a", 2, prev: 0), Feed.event("user.a", 5, prev: 2), Feed.event("user.a", 9, prev: 5)]
        let actions = repair.replayAnswered(Feed.answer(stored, scannedTo: 10), now: 3)
        #expect(actions.delivered == [2, 5, 9, 11])
        #expect(repair.start == 10)
        #expect(repair.trustedHead == 10)
        #expect(repair.counters.eventsRepaired == 0)
        // Heartbeat 8 follows 7: nothing to check.
        #expect(repair.received(Feed.heartbeat(n: 8, head: 11), now: 4).isEmpty)
    }

    @Test func fromTimeAndLastAskThatWay() throws {
        var byTime = GapRepair(patterns: try PatternSet(["a.>"]), start: .time(1_000))
        #expect(
            byTime.received(Feed.heartbeat(n: 1, head: 5), now: 0).replays == [
                ReplayRequest(pattern: "a.>", fromTime: 1_000, toSeq: 5)
            ])
        var byLast = GapRepair(patterns: try PatternSet(["a.>"]), start: .last(3))
        #expect(byLast.received(Feed.heartbeat(n: 1, head: 5), now: 0).replays == [ReplayRequest(pattern: "a.>", last: 3)])
        // The next batch goes on by seq.
        let next = byLast.replayAnswered(Feed.answer([Feed.event("a.b", 2, prev: 0)], scannedTo: 3, done: false), now: 1)
        #expect(next.replays == [ReplayRequest(pattern: "a.>", fromSeq: 4)])
    }

    @Test func liveEventsPastTheHeadWithAGapAreRepairedAfterTheHandshake() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]), start: .seq(1))
        _ = repair.received(Feed.heartbeat(n: 1, head: 10), now: 0)
        _ = repair.received(Feed.event("user.a", 14, prev: 12), now: 0)
        let actions = repair.replayAnswered(Feed.answer([Feed.event("user.a", 8, prev: 0)], scannedTo: 10), now: 1)
        #expect(actions.delivered == [8])
        #expect(actions.replays == [ReplayRequest(pattern: "user.a", fromSeq: 9, toSeq: 13)])
    }

    @Test func withoutHeartbeatTheHandshakeUsesTheLogHead() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]), start: .seq(3))
        let actions = repair.startWithoutHeartbeat(head: 7, now: 0)
        #expect(actions.replays == [ReplayRequest(pattern: "user.>", fromSeq: 3, toSeq: 7)])
        #expect(!repair.isWaitingForHeartbeat)
    }

    @Test func truncatedStartReportsTheRemovedSeqs() throws {
        var repair = GapRepair(patterns: try PatternSet(["user.>"]), start: .seq(1))
        _ = repair.received(Feed.heartbeat(n: 1, head: 10), now: 0)
        let error = ProtocolError(.truncated, "old", details: .object(["first_seq": .number(6)]))
        let actions = repair.replayFailed(error, now: 1)
        #expect(actions.losses == [EventLoss(first: 1, last: 5, reason: "removed by the log's retention")])
        #expect(actions.replays == [ReplayRequest(pattern: "user.>", fromSeq: 6, toSeq: 10)])
    }

    @Test func replayedEventsBuildFromFrames() {
        let event = Feed.event("user.a", 4, prev: 2)
        #expect(ReceivedEvent(Feed.frames(event)) == event)
        #expect(ReceivedEvent(EventFrames(topic: [], payload: [], meta: [])) == nil)
        #expect(event.prev == 2)
        #expect(event.epoch == Feed.epoch)
    }
}

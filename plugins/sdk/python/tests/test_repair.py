"""Gap repair's decisions (plexus.repair, docs/PROTOCOL.md section 10) against a fake event log: no broker."""

import unittest
from typing import Dict, List, Optional, Tuple

from plexus import PlexusError
from plexus.event import Event
from plexus.events_codec import Heartbeat, LogGap, ReplayBatch, ReplayRequest
from plexus.patterns import Pattern
from plexus.repair import REPAIR_PATIENCE_S, GapRepair, Loss, run_repair

EPOCH = "e1"


def ev(topic: str, seq: int, prev: Optional[int], epoch: Optional[str] = EPOCH) -> Event:
    meta = {"seq": seq, "time": seq, "source": "t"}
    if prev is not None:
        meta["prev"] = prev
    if epoch is not None:
        meta["epoch"] = epoch
    return Event(topic, str(seq).encode(), seq, seq, "t", {}, meta, prev, epoch)


class FakeLog:
    """Stored events, with optional holes (gaps), a retention start and a writer that lags behind."""

    def __init__(self, events: List[Event], gaps: Optional[List[Tuple[int, int]]] = None, first_seq: int = 1,
                 stored_to: Optional[int] = None) -> None:
        self.events = sorted(events, key=lambda e: e.seq)
        self.gaps = gaps or []
        self.first_seq = first_seq
        self.stored_to = stored_to if stored_to is not None else max([e.seq for e in events] + [0])
        self.requests: List[ReplayRequest] = []
        self.catch_up_after: Optional[int] = None  # requests after which the writer has everything

    def fetch(self, request: ReplayRequest) -> ReplayBatch:
        self.requests.append(request)
        if self.catch_up_after is not None and len(self.requests) > self.catch_up_after:
            self.stored_to = max(e.seq for e in self.events)
        start = request.from_seq if request.from_seq is not None else self.first_seq
        if request.from_seq is not None and request.from_seq < self.first_seq:
            raise PlexusError(410, "truncated", "older than the oldest", {"first_seq": self.first_seq,
                                                                          "last_seq": self.stored_to})
        end = min(request.to_seq if request.to_seq is not None else self.stored_to, self.stored_to)
        pattern = Pattern(request.pattern)
        held = [e for e in self.events if start <= e.seq <= end and pattern.matches(e.topic)
                and not any(a <= e.seq <= b for a, b in self.gaps)]
        if request.last is not None:
            held = held[-request.last:]
        batch = held[:request.max_events]
        scanned = batch[-1].seq if len(held) > len(batch) else end
        gaps = [LogGap(max(a, start), min(b, scanned), "writer behind") for a, b in self.gaps
                if a <= scanned and b >= start]
        done = scanned >= end
        return ReplayBatch(len(batch), scanned, scanned + 1, done, self.first_seq, self.stored_to, EPOCH, gaps, batch)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class RepairTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()

    def core(self, patterns: List[str] = ["a.>"]) -> GapRepair:  # noqa: B006 - read only
        return GapRepair(patterns, clock=self.clock)

    def feed(self, core: GapRepair, log: FakeLog, *events: Event) -> List[object]:
        out: List[object] = []
        for e in events:
            job = core.on_event(e)
            if job is not None:
                run_repair(job, log.fetch, self.clock, self.clock.sleep)
            out += core.drain()
        return out

    def heartbeat(self, core: GapRepair, log: FakeLog, n: int, head: int, dropped: int = 0,
                  epoch: str = EPOCH) -> List[object]:
        job = core.on_heartbeat(Heartbeat(n, head, 1, dropped, epoch))
        if job is not None:
            run_repair(job, log.fetch, self.clock, self.clock.sleep)
        return core.drain()

    @staticmethod
    def seqs(out: List[object]) -> List[int]:
        return [item.seq for item in out if isinstance(item, Event)]

    @staticmethod
    def losses(out: List[object]) -> List[Loss]:
        return [item for item in out if isinstance(item, Loss)]

    def test_in_order_events_are_delivered_and_duplicates_skipped(self) -> None:
        core, log = self.core(), FakeLog([])
        out = self.feed(core, log, ev("a.x", 1, 0), ev("a.x", 2, 1), ev("a.x", 2, 1), ev("a.x", 1, 0), ev("a.x", 3, 2))
        self.assertEqual(self.seqs(out), [1, 2, 3])
        self.assertEqual(log.requests, [])
        self.assertEqual((core.counts.received, core.counts.delivered, core.duplicates), (5, 3, 2))

    def test_a_prev_gap_replays_exactly_that_topic_over_the_missing_range(self) -> None:
        stored = [ev("a.x", 1, 0), ev("a.y", 2, 0), ev("a.x", 3, 1), ev("a.x", 4, 3), ev("a.x", 5, 4)]
        core, log = self.core(), FakeLog(stored)
        out = self.feed(core, log, ev("a.x", 1, 0), ev("a.x", 5, 4))
        self.assertEqual(self.seqs(out), [1, 3, 4, 5])
        self.assertEqual([(r.pattern, r.from_seq, r.to_seq) for r in log.requests], [("a.x", 2, 4)])
        self.assertEqual((core.counts.gaps_seen, core.counts.gaps_repaired, core.counts.events_repaired,
                          core.counts.events_lost), (1, 1, 2, 0))
        self.assertEqual(core.last["a.x"], 5)

    def test_a_gap_the_log_cannot_fill_is_reported_with_its_range_and_the_event_still_delivered(self) -> None:
        stored = [ev("a.x", 1, 0), ev("a.x", 3, 1), ev("a.x", 4, 3), ev("a.x", 6, 4)]
        core, log = self.core(), FakeLog(stored, gaps=[(4, 4)])
        out = self.feed(core, log, ev("a.x", 1, 0), ev("a.x", 6, 4))
        self.assertEqual(self.seqs(out), [1, 3, 6])
        self.assertEqual(self.losses(out), [Loss(4, 4, "not in the event log: writer behind", "a.x")])
        self.assertEqual((core.counts.gaps_seen, core.counts.gaps_repaired, core.counts.events_lost), (1, 0, 1))
        # The loss comes before the event it precedes.
        self.assertIsInstance(out[2], Loss)

    def test_truncated_reports_the_seqs_before_the_log_and_replays_the_rest(self) -> None:
        stored = [ev("a.x", 1, 0), ev("a.x", 20, 10), ev("a.x", 30, 20)]
        core, log = self.core(), FakeLog(stored[1:], first_seq=15)
        out = self.feed(core, log, ev("a.x", 1, 0), ev("a.x", 30, 20))
        self.assertEqual(self.seqs(out), [1, 20, 30])
        losses = self.losses(out)
        # The prev chain says which seqs of this topic are gone: 2-10 (seq 10 is event 20's predecessor); 11-14,
        # also truncated, held nothing of a.x.
        self.assertEqual([(l.first, l.last) for l in losses], [(2, 10)])
        self.assertIn("truncated", losses[0].reason)
        self.assertEqual([r.from_seq for r in log.requests], [2, 15])

    def test_a_tail_check_from_before_the_log_reports_the_truncated_range(self) -> None:
        core, log = self.core(), FakeLog([ev("a.x", 30, 0)], first_seq=25)
        self.heartbeat(core, log, 1, 10)
        out = self.heartbeat(core, log, 3, 30)
        self.assertEqual(self.seqs(out), [30])
        self.assertEqual([(l.first, l.last, l.topic) for l in self.losses(out)], [(11, 24, None)])

    def test_the_log_writer_behind_is_waited_for_up_to_the_patience(self) -> None:
        stored = [ev("a.x", 1, 0), ev("a.x", 2, 1), ev("a.x", 3, 2)]
        core, log = self.core(), FakeLog(stored, stored_to=1)
        log.catch_up_after = 3
        out = self.feed(core, log, ev("a.x", 1, 0), ev("a.x", 3, 2))
        self.assertEqual(self.seqs(out), [1, 2, 3])
        self.assertEqual(self.losses(out), [])
        self.assertEqual(len(log.requests), 4)

    def test_a_writer_that_never_catches_up_ends_in_a_reported_loss(self) -> None:
        stored = [ev("a.x", 1, 0), ev("a.x", 2, 1), ev("a.x", 3, 2)]
        core, log = self.core(), FakeLog(stored, stored_to=1)
        start = self.clock.now
        out = self.feed(core, log, ev("a.x", 1, 0), ev("a.x", 3, 2))
        self.assertGreaterEqual(self.clock.now - start, REPAIR_PATIENCE_S)
        self.assertEqual(self.seqs(out), [1, 3])
        self.assertEqual([(l.first, l.last, l.topic) for l in self.losses(out)], [(2, 2, "a.x")])

    def test_first_heartbeat_sets_start_and_steady_heartbeats_replay_nothing(self) -> None:
        core, log = self.core(), FakeLog([])
        self.assertEqual(self.heartbeat(core, log, 1, 10), [])
        self.assertEqual((core.start, core.trusted), (10, 10))
        self.assertEqual(self.heartbeat(core, log, 2, 12), [])
        self.assertEqual(core.trusted, 12)
        self.assertEqual(log.requests, [])

    def test_a_skipped_heartbeat_checks_the_tail_over_the_patterns(self) -> None:
        stored = [ev("a.new", 11, 0), ev("b.other", 12, 0), ev("a.new", 13, 11)]
        core, log = self.core(["a.>"]), FakeLog(stored)
        self.heartbeat(core, log, 1, 10)
        out = self.heartbeat(core, log, 3, 13)
        self.assertEqual(self.seqs(out), [11, 13])
        self.assertEqual([(r.pattern, r.from_seq, r.to_seq) for r in log.requests], [("a.>", 11, 13)])
        self.assertEqual(core.trusted, 13)
        self.assertEqual((core.counts.gaps_seen, core.counts.gaps_repaired), (1, 1))
        # The live copies that arrive later are duplicates.
        self.assertEqual(self.feed(core, log, ev("a.new", 13, 11)), [])

    def test_a_change_of_dropped_checks_the_tail_too(self) -> None:
        core, log = self.core(), FakeLog([ev("a.x", 11, 0)])
        self.heartbeat(core, log, 1, 10, dropped=0)
        out = self.heartbeat(core, log, 2, 11, dropped=5)
        self.assertEqual(self.seqs(out), [11])

    def test_the_first_heartbeat_after_resubscribing_checks_the_tail(self) -> None:
        core, log = self.core(), FakeLog([ev("a.x", 11, 0)])
        self.heartbeat(core, log, 1, 10)
        core.resubscribed()
        self.assertEqual(self.seqs(self.heartbeat(core, log, 2, 11)), [11])

    def test_tail_check_reports_log_gaps(self) -> None:
        core, log = self.core(), FakeLog([ev("a.x", 11, 0), ev("a.x", 13, 11)], gaps=[(12, 12)])
        self.heartbeat(core, log, 1, 10)
        out = self.heartbeat(core, log, 5, 13)
        self.assertEqual(self.seqs(out), [11, 13])
        self.assertEqual([(l.first, l.last, l.topic) for l in self.losses(out)], [(12, 12, None)])

    def test_a_new_topic_whose_prev_is_after_start_is_repaired_from_start(self) -> None:
        core, log = self.core(), FakeLog([ev("a.x", 11, 0), ev("a.x", 12, 11)])
        self.heartbeat(core, log, 1, 10)
        out = self.feed(core, log, ev("a.x", 12, 11))
        self.assertEqual(self.seqs(out), [11, 12])
        self.assertEqual([(r.pattern, r.from_seq, r.to_seq) for r in log.requests], [("a.x", 11, 11)])

    def test_a_new_topic_whose_prev_is_before_start_is_in_order(self) -> None:
        core, log = self.core(), FakeLog([])
        self.heartbeat(core, log, 1, 10)
        self.assertEqual(self.seqs(self.feed(core, log, ev("a.x", 12, 5))), [12])
        self.assertEqual(log.requests, [])

    def test_an_epoch_change_forgets_the_seqs_and_says_so(self) -> None:
        core, log = self.core(), FakeLog([])
        self.heartbeat(core, log, 1, 100)
        self.feed(core, log, ev("a.x", 101, 50))
        out = self.feed(core, log, ev("a.x", 3, 2, epoch="e2"))
        self.assertEqual(self.seqs(out), [3])
        self.assertEqual([(l.first, l.last) for l in self.losses(out)], [(0, 0)])
        self.assertEqual((core.epoch, core.last, core.start), ("e2", {"a.x": 3}, None))
        self.assertEqual(log.requests, [])
        # A heartbeat of the new epoch starts trust again.
        self.heartbeat(core, log, 1, 5, epoch="e2")
        self.assertEqual(core.start, 5)

    def test_events_without_prev_are_delivered_unless_duplicates(self) -> None:
        core, log = self.core(), FakeLog([])
        out = self.feed(core, log, ev("a.x", 5, None), ev("a.x", 9, None), ev("a.x", 9, None))
        self.assertEqual(self.seqs(out), [5, 9])

    def test_order_per_topic_with_interleaved_topics_and_gaps(self) -> None:
        stored = [ev("a.x", 1, 0), ev("a.y", 2, 0), ev("a.x", 3, 1), ev("a.y", 4, 2), ev("a.x", 5, 3),
                  ev("a.y", 6, 4)]
        core, log = self.core(), FakeLog(stored)
        out = self.feed(core, log, stored[0], stored[1], stored[4], stored[5], stored[2], stored[3])
        by_topic: Dict[str, List[int]] = {}
        for item in out:
            if isinstance(item, Event):
                by_topic.setdefault(item.topic, []).append(item.seq)
        self.assertEqual(by_topic, {"a.x": [1, 3, 5], "a.y": [2, 4, 6]})
        self.assertEqual(core.counts.delivered, 6)

    def test_topics_outside_the_patterns_pass_through_untracked(self) -> None:
        core, log = self.core(["a.>"]), FakeLog([])
        out = self.feed(core, log, ev("plexus.mesh.ready", 7, 3))
        self.assertEqual(self.seqs(out), [7])
        self.assertEqual((core.last, core.counts.received), ({}, 0))

    def test_a_refused_replay_is_a_reported_loss(self) -> None:
        class NoLog(FakeLog):
            def fetch(self, request: ReplayRequest) -> ReplayBatch:
                raise PlexusError(503, "unavailable", "no event log")

        core, log = self.core(), NoLog([])
        out = self.feed(core, log, ev("a.x", 1, 0), ev("a.x", 4, 3))
        self.assertEqual(self.seqs(out), [1, 4])
        losses = self.losses(out)
        self.assertEqual([(l.first, l.last) for l in losses], [(2, 3)])
        self.assertIn("no event log", losses[0].reason)

    def test_handshake_replays_to_the_heartbeat_head_then_skips_buffered_duplicates(self) -> None:
        stored = [ev("a.x", 1, 0), ev("a.y", 2, 0), ev("a.x", 3, 1), ev("a.x", 4, 3)]
        core, log = self.core(), FakeLog(stored)
        job = core.begin(Heartbeat(7, 3, 1, 0, EPOCH), from_seq=1)
        run_repair(job, log.fetch, self.clock, self.clock.sleep)
        self.assertEqual(self.seqs(core.drain()), [1, 2, 3])
        self.assertEqual(core.start, 3)
        # Buffered live events: 3 is a duplicate of the replay, 4 follows it.
        out = self.feed(core, log, ev("a.x", 3, 1), ev("a.x", 4, 3))
        self.assertEqual(self.seqs(out), [4])
        self.assertEqual([(r.from_seq, r.to_seq) for r in log.requests], [(1, 3)])
        self.assertEqual(core.hb_n, 7)

    def test_handshake_with_last_sends_last_first_then_follows_next_seq(self) -> None:
        stored = [ev("a.x", s, s - 1 if s > 1 else 0) for s in range(1, 11)]
        core, log = GapRepair(["a.>"], clock=self.clock, max_events=2), FakeLog(stored)
        run_repair(core.begin(Heartbeat(1, 10, 1, 0, EPOCH), last=3), log.fetch, self.clock, self.clock.sleep)
        self.assertEqual(log.requests[0].last, 3)
        self.assertIsNone(log.requests[0].to_seq)
        self.assertEqual(self.seqs(core.drain()), [8, 9, 10])

    def test_handshake_over_several_patterns_delivers_each_event_once(self) -> None:
        stored = [ev("a.x", 1, 0), ev("b.y", 2, 0), ev("a.x", 3, 1)]
        core, log = self.core(["a.>", "a.x", "b.*"]), FakeLog(stored)
        run_repair(core.begin(Heartbeat(1, 3, 1, 0, EPOCH)), log.fetch, self.clock, self.clock.sleep)
        self.assertEqual(self.seqs(core.drain()), [1, 3, 2])
        self.assertIsNone(log.requests[0].from_seq)  # none given: from the oldest stored


if __name__ == "__main__":
    unittest.main()

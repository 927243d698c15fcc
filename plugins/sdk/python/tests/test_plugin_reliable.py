"""The plugin runtime's side of reliable events, without a broker: gap repair in the I/O thread's event path
(with a fake replay client), the on_event_loss hook, and a PUB socket that holds events instead of dropping
them (over inproc)."""

import time
import unittest
from typing import Any, List, Tuple
from unittest import mock

import zmq

import plexus.plugin_io
from plexus import PlexusError, Plugin
from plexus.event import Event
from plexus.events_codec import Heartbeat, ReplayBatch, ReplayRequest
from plexus.patterns import Pattern
from plexus.repair import Loss


def ev(topic: str, seq: int, prev: int) -> Event:
    meta = {"seq": seq, "prev": prev, "time": 0, "source": "t", "epoch": "e"}
    return Event(topic, b"", seq, 0, "t", {}, meta, prev, "e")


class FakeReplayer:
    def __init__(self, events: List[Event], error: Any = None) -> None:
        self.events = events
        self.error = error
        self.requests: List[ReplayRequest] = []

    def replay_request(self, request: ReplayRequest) -> ReplayBatch:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        to = request.to_seq or 0
        chosen = [e for e in self.events if (request.from_seq or 0) <= e.seq <= to and Pattern(request.pattern).matches(e.topic)]
        return ReplayBatch(len(chosen), to, to + 1, True, 1, to, "e", [], chosen)

    def close(self) -> None:
        pass


class PluginRepairTest(unittest.TestCase):
    def plugin(self) -> Tuple[Plugin, List[Tuple[int, int, str]]]:
        losses: List[Tuple[int, int, str]] = []

        class P(Plugin):
            def on_event_loss(self, first: int, last: int, reason: str) -> None:
                losses.append((first, last, reason))

        return P("p", subscriptions=["a.>"]), losses

    def test_a_gap_is_repaired_before_the_event_that_revealed_it(self) -> None:
        plugin, losses = self.plugin()
        plugin._replayer = FakeReplayer([ev("a.x", 2, 1)])  # type: ignore[assignment]
        self.assertEqual([e.seq for e in plugin._repaired(ev("a.x", 1, 0))], [1])  # type: ignore[union-attr]
        items = plugin._repaired(ev("a.x", 3, 2))
        self.assertEqual([e.seq for e in items if isinstance(e, Event)], [2, 3])
        self.assertEqual(plugin._repaired(ev("a.x", 3, 2)), [])  # a duplicate
        self.assertEqual(losses, [])

    def test_an_unrepairable_loss_reaches_on_event_loss_in_line_with_the_events(self) -> None:
        plugin, losses = self.plugin()
        plugin._replayer = FakeReplayer([], PlexusError(503, "unavailable", "no event log"))  # type: ignore[assignment]
        plugin._repaired(ev("a.x", 1, 0))
        items = plugin._repaired(ev("a.x", 5, 4))
        self.assertEqual(len(items), 2)
        self.assertFalse(isinstance(items[0], Event))
        items[0]()  # type: ignore[operator]  # what the handler thread runs
        self.assertEqual(losses[0][:2], (2, 4))
        self.assertIn("no event log", losses[0][2])
        self.assertEqual(items[1].seq, 5)  # type: ignore[union-attr]

    def test_heartbeats_are_consumed_and_check_the_tail(self) -> None:
        plugin, _ = self.plugin()
        replayer = FakeReplayer([ev("a.y", 11, 0)])
        plugin._replayer = replayer  # type: ignore[assignment]

        def heartbeat(n: int, head: int) -> Event:
            data = Heartbeat(n, head, 1, 0, "e").encode()
            return Event("plexus.events.heartbeat", data, 0, 0, "plexus.broker", {},
                         {"seq": 0, "time": 0, "source": "plexus.broker"}, 0, "e")

        self.assertEqual(plugin._repaired(heartbeat(1, 10)), [])
        self.assertEqual(plugin._repaired(heartbeat(2, 10)), [])
        self.assertEqual([e.seq for e in plugin._repaired(heartbeat(4, 11))], [11])  # type: ignore[union-attr]
        self.assertEqual([(r.pattern, r.from_seq, r.to_seq) for r in replayer.requests], [("a.>", 11, 11)])

    def test_the_default_hook_logs_a_warning(self) -> None:
        plugin = Plugin("p")
        with self.assertLogs("plexus.p", "WARNING") as logs:
            plugin._event_loss(Loss(3, 4, "not in the event log"))
        self.assertIn("3-4", logs.output[0])


class PublisherTest(unittest.TestCase):
    def test_a_full_pub_queue_holds_events_in_order_and_publish_raises_when_the_outbox_is_full(self) -> None:
        ctx = zmq.Context()
        self.addCleanup(ctx.term)
        plugin = Plugin("p")
        plugin._ctx = ctx
        with mock.patch.object(plexus.plugin_io, "PUB_SNDHWM", 2):
            plugin._connect_events("inproc://in", "inproc://out")
        assert plugin._pub is not None and plugin._sub is not None
        plugin._sub.close(0)
        plugin._sub = None
        reader = ctx.socket(zmq.SUB)
        reader.setsockopt(zmq.RCVHWM, 2)
        reader.setsockopt(zmq.SUBSCRIBE, b"")
        reader.bind("inproc://in")
        time.sleep(0.1)  # the PUB connects to the bound reader
        for i in range(20):
            plugin.publish("a.b", str(i))
        self.assertGreater(len(plugin._pub_outbox), 0, "the queue filled: events wait instead of being dropped")
        with mock.patch.object(plexus.plugin, "PUB_OUTBOX_MAX", len(plugin._pub_outbox)):
            with self.assertRaises(PlexusError) as raised:
                plugin.publish("a.b", "one too many")
        self.assertEqual(raised.exception.code, 503)
        got: List[bytes] = []
        deadline = time.monotonic() + 5
        while len(got) < 20 and time.monotonic() < deadline:
            if reader.poll(50):
                got.append(reader.recv_multipart()[1])
            plugin._flush_pub()
        self.assertEqual(got, [str(i).encode() for i in range(20)])
        self.assertEqual(len(plugin._pub_outbox), 0)
        reader.close(0)
        plugin._pub.close(0)
        plugin._pub = None


if __name__ == "__main__":
    unittest.main()

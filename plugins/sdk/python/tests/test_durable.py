"""DurableConsumer's logic (plexus.durable, docs/PROTOCOL.md section 10) against a fake client: no broker."""

import unittest
from typing import Any, Dict, List, Optional, Tuple

from plexus import PlexusError, Plugin
from plexus.durable import DurableConsumer, Stopped, handle_with_retry
from plexus.event import Event
from plexus.events_codec import DurableCursor, LogGap, ReplayBatch
from plexus.plugin_durable import durable, invoke_on


def ev(topic: str, seq: int) -> Event:
    return Event(topic, f"p{seq}".encode(), seq, seq, "t", {}, {"seq": seq, "time": seq, "source": "t"}, 0, "e")


class FakeClient:
    def __init__(self, events: List[Event], first_seq: int = 1, gaps: Optional[List[Tuple[int, int]]] = None) -> None:
        self.events = events
        self.first_seq = first_seq
        self.gaps = gaps or []
        self.acks: List[int] = []
        self.dead: List[Dict[str, Any]] = []
        self.replays: List[int] = []

    def durable_open(self, name: str, pattern: str, start: Any) -> DurableCursor:
        return DurableCursor(name, pattern, 0, True, "e")

    def replay(self, pattern: str, from_seq: int, max_events: int) -> ReplayBatch:
        self.replays.append(from_seq)
        if from_seq < self.first_seq:
            raise PlexusError(410, "truncated", "gone", {"first_seq": self.first_seq, "last_seq": 99})
        last = max(e.seq for e in self.events)
        chosen = [e for e in self.events if e.seq >= from_seq][:max_events]
        scanned = chosen[-1].seq if len(chosen) == max_events else last
        gaps = [LogGap(a, b, "cut") for a, b in self.gaps if from_seq <= b <= scanned]
        return ReplayBatch(len(chosen), scanned, scanned + 1, scanned >= last, self.first_seq, last, "e", gaps, chosen)

    def durable_ack(self, name: str, seq: int) -> int:
        self.acks.append(seq)
        return seq

    def durable_dead(self, name: str, seq: int, topic: str, error: str, attempts: int, payload: bytes) -> int:
        self.dead.append({"seq": seq, "topic": topic, "error": error, "attempts": attempts, "payload": payload})
        return 1000 + seq

    def close(self) -> None:
        pass


class Consumer(DurableConsumer):
    """No sockets: the fake client, and no doorbell."""

    def _doorbell(self, timeout: float) -> None:
        pass

    def open(self) -> DurableCursor:
        if self.cursor is None:
            self.cursor = self.client.durable_open(self.name, str(self.pattern), self.start)
            self.acked = self.cursor.acked
        return self.cursor


def consumer(client: FakeClient, handler: Any, **kw: Any) -> Consumer:
    c = Consumer("billing", "order.>", handler, backoff=0.001, **kw)
    c.client.close()
    c.client = client  # type: ignore[assignment]
    return c


class RetryTest(unittest.TestCase):
    def test_a_handler_that_recovers_is_retried_with_doubling_backoff(self) -> None:
        calls: List[int] = []
        waits: List[float] = []

        def handler(event: Event) -> None:
            calls.append(event.seq)
            if len(calls) < 3:
                raise RuntimeError("not yet")

        result = handle_with_retry(handler, ev("order.a", 1), 5, 0.1, lambda s: waits.append(s) or False)
        self.assertIsNone(result)
        self.assertEqual((calls, waits), ([1, 1, 1], [0.1, 0.2]))

    def test_a_handler_that_keeps_failing_gives_its_last_error_and_attempts(self) -> None:
        def handler(event: Event) -> None:
            raise ValueError("bad order")

        waits: List[float] = []
        result = handle_with_retry(handler, ev("order.a", 1), 4, 0.1, lambda s: waits.append(s) or False)
        self.assertEqual(result, ("ValueError: bad order", 4))
        self.assertEqual(waits, [0.1, 0.2, 0.4])

    def test_a_long_error_is_cut_to_what_the_broker_takes(self) -> None:
        def handler(event: Event) -> None:
            raise ValueError("é" * 5000)

        result = handle_with_retry(handler, ev("order.a", 1), 1, 0.1, lambda s: False)
        assert result is not None
        self.assertLessEqual(len(result[0].encode("utf-8")), 4096)
        self.assertTrue(result[0].startswith("ValueError: éé") and result[0].endswith("..."))

    def test_stopping_during_the_backoff_raises_stopped(self) -> None:
        def handler(event: Event) -> None:
            raise ValueError("x")

        with self.assertRaises(Stopped):
            handle_with_retry(handler, ev("order.a", 1), 5, 0.1, lambda s: True)


class ConsumerTest(unittest.TestCase):
    def test_events_are_handled_in_seq_order_and_acknowledged_per_batch(self) -> None:
        client = FakeClient([ev("order.a", s) for s in (2, 3, 5, 8, 9)])
        seen: List[int] = []
        c = consumer(client, lambda e: seen.append(e.seq), batch=2)
        for _ in range(5):
            c.poll()
        self.assertEqual(seen, [2, 3, 5, 8, 9])
        self.assertEqual(client.acks, [3, 8, 9])
        self.assertEqual(client.replays[:3], [1, 4, 9])
        self.assertEqual((c.acked, c.handled, c.dead), (9, 5, 0))

    def test_a_failing_handler_sends_the_event_to_the_dead_letters_then_acknowledges(self) -> None:
        client = FakeClient([ev("order.a", 1), ev("order.b", 2)])

        def handler(event: Event) -> None:
            if event.topic == "order.a":
                raise RuntimeError("card declined")

        c = consumer(client, handler, max_attempts=3)
        c.poll()
        self.assertEqual(client.dead, [{"seq": 1, "topic": "order.a", "error": "RuntimeError: card declined",
                                        "attempts": 3, "payload": b"p1"}])
        self.assertEqual((client.acks, c.handled, c.dead), ([2], 1, 1))

    def test_truncated_reports_the_loss_and_goes_on_from_the_log_start(self) -> None:
        client = FakeClient([ev("order.a", 10), ev("order.a", 11)], first_seq=10)
        losses: List[Tuple[int, int, str]] = []
        seen: List[int] = []
        c = consumer(client, lambda e: seen.append(e.seq), on_loss=lambda a, b, r: losses.append((a, b, r)))
        c.poll()
        c.poll()
        self.assertEqual(losses[0][:2], (1, 9))
        self.assertIn("truncated", losses[0][2])
        self.assertEqual((seen, client.acks), ([10, 11], [9, 11]))

    def test_log_gaps_are_reported(self) -> None:
        client = FakeClient([ev("order.a", 1), ev("order.a", 4)], gaps=[(2, 3)])
        losses: List[Tuple[int, int, str]] = []
        c = consumer(client, lambda e: None, on_loss=lambda a, b, r: losses.append((a, b, r)))
        c.poll()
        self.assertEqual([loss[:2] for loss in losses], [(2, 3)])

    def test_an_event_in_hand_when_stopped_is_not_acknowledged(self) -> None:
        client = FakeClient([ev("order.a", 1), ev("order.a", 2)])
        c = consumer(client, lambda e: None)

        def stop_at_two(fn: Any) -> Any:
            if len(client.acks) == 0 and c.handled == 1:
                raise Stopped()
            return fn()

        c.invoke = stop_at_two
        with self.assertRaises(Stopped):
            c.poll()
        self.assertEqual(client.acks, [1])


class PluginDeclarationTest(unittest.TestCase):
    def test_decorated_methods_and_config_entries_become_subscriptions(self) -> None:
        class Billing(Plugin):
            name = "billing"

            @durable("billing", "order.>", max_attempts=3)
            def on_order(self, event: Event) -> None:
                pass

        plugin = Billing()
        specs = plugin._durable_specs({"durable": [{"name": "billing", "pattern": "order.paid"},
                                                   {"name": "audit", "pattern": ">", "start": "all"}]})
        self.assertEqual(specs["billing"]["pattern"], "order.paid")  # the config's pattern wins
        self.assertEqual(specs["billing"]["max_attempts"], 3)
        self.assertEqual(specs["billing"]["handler"], plugin.on_order)
        self.assertEqual((specs["audit"]["handler"], specs["audit"]["start"]), (plugin.on_durable, "all"))

    def test_plugin_durable_decorator_and_bad_declarations(self) -> None:
        plugin = Plugin("p")

        @plugin.durable("orders", "order.*")
        def handle(event: Event) -> None:
            pass

        self.assertEqual(plugin._durable_specs({})["orders"]["handler"], handle)
        with self.assertRaises(ValueError):
            plugin.durable("orders", "order.*", handle)
        with self.assertRaises(TypeError):
            durable("x", ">", retries=3)
        with self.assertRaises(ValueError):
            durable("x", "a.>b")

    def test_invoke_on_hands_the_call_over_and_raises_its_error(self) -> None:
        handed: List[Any] = []
        invoke = invoke_on(lambda work: (handed.append(work), work()), lambda: False)
        invoke(lambda: None)
        with self.assertRaises(KeyError):
            invoke(lambda: {}["x"])
        self.assertEqual(len(handed), 2)
        never = invoke_on(lambda work: None, lambda: True)
        with self.assertRaises(Stopped):
            never(lambda: None)


if __name__ == "__main__":
    unittest.main()

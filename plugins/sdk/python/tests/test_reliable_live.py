"""Reliable events (docs/PROTOCOL.md, section 10) against the real broker: a slow subscriber that repairs its
gaps, a durable consumer killed with SIGKILL and restarted, a handler that keeps failing ends in the dead
letters, and the replay-then-live handshake done with plain pyzmq (no SDK), as an example for other clients.

Every wait has a deadline; every process started here is stopped by its PID.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple
from unittest import mock

import zmq

import plexus.plugin
import plexus.plugin_io
import plexus.reliable
from plexus import DurableConsumer, Event, Plugin, ReliableSubscriber
from tests.harness import SDK_DIR, TIMEOUT, Subscriber, wait_for
from tests.test_broker import BrokerTestCase

#: A broker with an event log (a data directory) and tiny subscriber queues, so that a slow reader loses events.
LOGGED = """\
broker:
  data: data
events:
  high_water_marks: {events_out: 16}
"""

CONSUMER_SCRIPT = """\
import os, sys
sys.path.append({sdk!r})
from plexus import DurableConsumer

out = open(os.environ["TEST_OUT"], "a", buffering=1)

def handle(event):
    out.write(f"{{event.seq}} {{event.topic}}\\n")
    out.flush()
    os.fsync(out.fileno())

consumer = DurableConsumer("killme", "kill.>", handle, broker=os.environ["TEST_BROKER"], idle_wait=0.2)
consumer.open()
out.write("open\\n")
out.flush()
consumer.run()
"""


class ReliableTestCase(BrokerTestCase):
    def logged_broker(self, extra: str = "") -> Any:
        return self.start_broker(LOGGED + extra)

    def publish(self, broker: Any, topic: str, count: int, size: int = 0) -> List[int]:
        client = broker.client()
        return [client.publish(topic, {"n": i, "pad": "x" * size}) for i in range(count)]


class SlowSubscriberTest(ReliableTestCase):
    def test_a_slow_subscriber_gets_every_event_exactly_once_and_in_order(self) -> None:
        broker = self.logged_broker()
        got: List[Event] = []
        losses: List[Tuple[int, int, str]] = []
        # A tiny receive queue too, so that the broker's queue for it fills while it does not read.
        sub = ReliableSubscriber(["slow.>"], got.append, lambda a, b, r: losses.append((a, b, r)),
                                 broker=broker.control, report_interval=0.5)
        self.addCleanup(sub.close)
        with mock.patch.object(plexus.reliable, "SUB_RCVHWM", 16):
            sub.start()
        wait_for(lambda: sub.poll(0.1) >= 0 and sub.core.trusted is not None, what="the first event heartbeat")
        seqs = []
        for topic in ("slow.a", "slow.b"):
            seqs += self.publish(broker, topic, 400, size=32000)  # ~25 MB: more than the socket buffers hold
        expected = sorted(seqs)
        wait_for(lambda: sub.poll(0.2) >= 0 and len(got) >= len(expected), timeout=3 * TIMEOUT,
                 what=f"{len(expected)} events (got {len(got)}, counts {sub.counts})")
        sub.poll(1.5)  # a heartbeat or two more: nothing further may come
        self.assertEqual(losses, [])
        self.assertEqual(sorted(e.seq for e in got), expected, "every event exactly once")
        for topic in ("slow.a", "slow.b"):
            per_topic = [e.seq for e in got if e.topic == topic]
            self.assertEqual(per_topic, sorted(per_topic), f"{topic} in order")
        dropped = broker.client().stats()["dropped"]
        if dropped:
            self.assertGreater(sub.counts.events_repaired, 0, "the broker dropped events: they were repaired")
            self.assertGreater(sub.counts.gaps_repaired, 0)
        print(f"\nslow subscriber: broker dropped {dropped}, counts {sub.counts}", file=sys.stderr)
        reports = wait_for(lambda: broker.client().stats().get("subscribers"), what="SUBSCRIBER report in STATS")
        self.assertTrue(any(str(r.get("id", "")).endswith("/main") for r in
                            (reports.values() if isinstance(reports, dict) else reports)), reports)

    def test_start_from_a_seq_replays_then_goes_live_without_gap_or_duplicate(self) -> None:
        broker = self.logged_broker()
        before = self.publish(broker, "hs.a", 20)
        got: List[Event] = []
        sub = ReliableSubscriber(["hs.>"], got.append, broker=broker.control, from_seq=before[5])
        self.addCleanup(sub.close)
        sub.start()
        after = self.publish(broker, "hs.a", 20)
        wait_for(lambda: sub.poll(0.2) >= 0 and len(got) >= 35, what=f"35 events, got {len(got)}")
        sub.poll(0.5)
        self.assertEqual([e.seq for e in got], before[5:] + after)


DURABLE_PLUGIN = """\
import os, sys
sys.path.append({sdk!r})
from plexus import Plugin

class Durable(Plugin):
    name = "dplug"

    def on_durable(self, event):  # the config's durable entry has no handler of its own
        with open(os.environ["TEST_OUT"], "a") as f:
            f.write(f"{{event.seq}}\\n")

Durable().run()
"""


class PluginRepairTest(ReliableTestCase):
    def test_a_slow_plugin_gets_every_event_exactly_once_and_in_order(self) -> None:
        broker = self.logged_broker()
        got: List[Tuple[str, int]] = []
        losses: List[Tuple[int, int, str]] = []

        class Slow(Plugin):
            name = "slowplugin"
            subscriptions = ["pslow.>"]

            def on_event(self, event: Event) -> None:
                if len(got) < 20:
                    time.sleep(0.02)  # slow at first: the queues in front of it fill and the broker drops
                got.append((event.topic, event.seq))

            def on_event_loss(self, first: int, last: int, reason: str) -> None:
                losses.append((first, last, reason))

        with mock.patch.object(plexus.plugin_io, "SUB_RCVHWM", 16), \
                mock.patch.object(plexus.plugin, "HANDLER_QUEUE_MAX", 4):
            plugin = self.run_plugin(Slow(), broker)
            self.session(broker, plugin.instance)
        wait_for(lambda: plugin._repair.trusted is not None, what="the plugin's first event heartbeat")
        seqs: List[int] = []
        for topic in ("pslow.a", "pslow.b"):
            seqs += self.publish(broker, topic, 400, size=32000)
        wait_for(lambda: len(got) >= len(seqs), timeout=3 * TIMEOUT, what=f"{len(seqs)} events, got {len(got)}")
        time.sleep(1.5)  # a heartbeat more: nothing further may come
        self.assertEqual(losses, [])
        self.assertEqual(sorted(seq for _, seq in got), sorted(seqs), "every event exactly once")
        for topic in ("pslow.a", "pslow.b"):
            per_topic = [seq for t, seq in got if t == topic]
            self.assertEqual(per_topic, sorted(per_topic), f"{topic} in order")
        counts = plugin._repair.counts
        print(f"\nslow plugin: broker dropped {broker.client().stats()['dropped']}, counts {counts}", file=sys.stderr)

    def test_a_supervised_plugin_takes_a_durable_subscription_from_its_config(self) -> None:
        script = self.path("dplug.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(DURABLE_PLUGIN.format(sdk=str(SDK_DIR)))
        out = self.path("dplug.txt")
        broker = self.logged_broker(
            "plugins:\n  dplug:\n"
            f"    command: [{json.dumps(sys.executable)}, {json.dumps(script)}]\n"
            f"    env: {{TEST_OUT: {json.dumps(out)}}}\n"
            "    config: {durable: {name: dplug, pattern: \"dp.>\", start: all}}\n")
        seqs = self.publish(broker, "dp.x", 10)  # before the plugin may be running: start all gets them

        def handled() -> List[int]:
            try:
                with open(out, encoding="utf-8") as f:
                    return [int(line) for line in f.read().split()]
            except FileNotFoundError:
                return []
        wait_for(lambda: set(handled()) >= set(seqs), timeout=2 * TIMEOUT, what=f"{seqs} handled, got {handled()}")
        self.assertEqual(handled()[:len(seqs)], seqs)


class DurableLiveTest(ReliableTestCase):
    def test_a_consumer_killed_with_sigkill_and_restarted_misses_nothing(self) -> None:
        broker = self.logged_broker()
        script = self.path("consumer.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(CONSUMER_SCRIPT.format(sdk=str(SDK_DIR)))
        out = self.path("consumed.txt")
        env = dict(os.environ, TEST_OUT=out, TEST_BROKER=broker.control)

        def start() -> subprocess.Popen:
            log = open(self.path("consumer.log"), "ab")
            proc = subprocess.Popen([sys.executable, script], env=env, stdout=log, stderr=log)
            log.close()
            self.addCleanup(self._kill, proc)
            return proc

        def lines() -> List[str]:
            try:
                with open(out, encoding="utf-8") as f:
                    return f.read().splitlines()
            except FileNotFoundError:
                return []

        first = start()
        wait_for(lambda: "open" in lines(), what="the consumer opened its subscription")
        seqs = self.publish(broker, "kill.a", 30)
        wait_for(lambda: len([l for l in lines() if l != "open"]) >= 5, what="some events handled")
        first.send_signal(signal.SIGKILL)
        first.wait(TIMEOUT)
        seqs += self.publish(broker, "kill.b", 30)  # while no consumer runs
        start()
        wait_for(lambda: {int(l.split()[0]) for l in lines() if l != "open"} >= set(seqs), timeout=2 * TIMEOUT,
                 what="every event handled after the restart")
        handled = [int(l.split()[0]) for l in lines() if l != "open"]
        self.assertEqual(sorted(set(handled)), sorted(seqs))
        # At least once, in seq order within each run (a restart may repeat what was not acknowledged).
        cursor = {d.name: d for d in broker.client().durable_list()}["killme"]
        wait_for(lambda: {d.name: d for d in broker.client().durable_list()}["killme"].acked >= max(seqs),
                 what=f"acked up to {max(seqs)} (now {cursor.acked})")

    def test_a_handler_that_keeps_failing_sends_the_event_to_the_dead_letters(self) -> None:
        broker = self.logged_broker()
        dead = Subscriber(broker, "plexus.deadletter.>")
        self.addCleanup(dead.close)
        attempts: List[int] = []

        def handler(event: Event) -> None:
            attempts.append(event.seq)
            raise RuntimeError("card declined")

        consumer = DurableConsumer("billing", "order.>", handler, broker=broker.control, max_attempts=3,
                                   backoff=0.01, idle_wait=0.2)
        thread = threading.Thread(target=consumer.run, daemon=True)
        thread.start()

        def finish() -> None:
            consumer.stop()
            thread.join(TIMEOUT)
            consumer.close()
            self.assertFalse(thread.is_alive())
        self.addCleanup(finish)
        wait_for(lambda: consumer.cursor is not None, what="DURABLE OPEN")
        seq = broker.client().publish("order.paid", {"id": 7})
        letter = dead.expect(lambda e: e.topic == "plexus.deadletter.billing", what="the dead letter")
        self.assertEqual(letter.json(), {"id": 7})
        self.assertEqual((letter.headers.get("original_topic"), letter.headers.get("original_seq"),
                          letter.headers.get("attempts"), letter.headers.get("durable")),
                         ("order.paid", str(seq), "3", "billing"))
        self.assertIn("card declined", letter.headers.get("error", ""))
        self.assertEqual(attempts, [seq] * 3)
        wait_for(lambda: consumer.acked >= seq, what="the dead event acknowledged")

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(TIMEOUT)


class RawHandshakeTest(ReliableTestCase):
    """The handshake of section 10 with plain pyzmq, as another client would write it (the SDK does the same)."""

    def test_replay_then_live_with_plain_pyzmq(self) -> None:
        broker = self.logged_broker()
        stored = self.publish(broker, "raw.x", 10)  # published before anyone subscribed

        ctx = zmq.Context.instance()
        dealer = ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(broker.control)
        self.addCleanup(dealer.close)

        def request(command: bytes, *args: bytes) -> List[bytes]:
            dealer.send_multipart([b"", b"PLXC01", command, b"rid", *args])
            if not dealer.poll(int(TIMEOUT * 1000)):
                raise AssertionError(f"no answer to {command!r}")
            _, _, status, rid, *body = dealer.recv_multipart()
            self.assertEqual((status, rid), (b"OK", b"rid"), body)
            return body

        # 1. SUB to the pattern's prefix and the heartbeat; read at once into a buffer.
        info = json.loads(request(b"DISCOVER")[0])
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"raw.")
        sub.setsockopt(zmq.SUBSCRIBE, b"plexus.events.heartbeat")
        sub.connect(info["events_out"])
        self.addCleanup(sub.close)
        buffered: List[Tuple[str, Dict[str, Any]]] = []
        # 2. Wait for the first heartbeat: its head is known to be after the subscription took effect.
        head: Optional[int] = None
        deadline = time.monotonic() + TIMEOUT
        while head is None:
            self.assertLess(time.monotonic(), deadline, "no event heartbeat")
            if not sub.poll(100):
                continue
            topic, payload, meta = sub.recv_multipart()
            if topic == b"plexus.events.heartbeat":
                head = json.loads(payload)["head"]
            else:
                buffered.append((topic.decode(), json.loads(meta)))
        live = self.publish(broker, "raw.x", 5)  # published during the replay: buffered live
        # 3. REPLAY from where we want to start, following next_seq until scanned_to >= head.
        delivered: List[int] = []
        last: Dict[str, int] = {}
        from_seq = stored[0]
        for _ in range(100):
            body = request(b"REPLAY", json.dumps({"pattern": "raw.>", "from_seq": from_seq, "to_seq": head}).encode())
            batch = json.loads(body[0])
            for i in range(1, len(body), 3):
                topic, meta = body[i].decode(), json.loads(body[i + 2])
                delivered.append(meta["seq"])
                last[topic] = meta["seq"]
            if batch["scanned_to"] >= head:
                break
            from_seq = batch["next_seq"]
            if batch["done"]:
                time.sleep(0.05)  # the log's writer is a moment behind: ask again
        # 4. Then the buffered live events and the live ones, skipping what the replay gave.
        deadline = time.monotonic() + TIMEOUT
        while len(delivered) < len(stored) + len(live) and time.monotonic() < deadline:
            if sub.poll(100):
                topic, payload, meta = sub.recv_multipart()
                if topic != b"plexus.events.heartbeat":
                    buffered.append((topic.decode(), json.loads(meta)))
            for topic, meta in buffered:
                if meta["seq"] > last.get(topic, 0):
                    delivered.append(meta["seq"])
                    last[topic] = meta["seq"]
            buffered.clear()
        self.assertEqual(delivered, stored + live)


if __name__ == "__main__":
    import unittest
    unittest.main()

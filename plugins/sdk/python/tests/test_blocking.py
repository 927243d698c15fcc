"""Handlers that block for longer than the broker's liveness window (heartbeat 1 s x liveness 3), against the
real broker: the session lives on the SDK's I/O thread, so a blocked event handler, inline service handler or
on_start delays the handlers after it but never the heartbeats. The broker declares nobody lost (no
``plexus.plugin.lost``), keeps the same session (PLUGINS/STATUS: running, same ``registered_at``, a
``last_heartbeat`` that keeps moving while the handler blocks), and the events published meanwhile are all
handled afterwards, in order. An inline handler sees CANCEL while it runs. A full handler queue pauses
reading the SUB socket instead of dropping.

No fixed sleeps: each handler blocks until the test has seen the broker take a heartbeat well past the
liveness window after the block began (BLOCK_S), and every wait has a deadline.
"""

import threading
import time
import unittest
from typing import Any, Dict, List, Optional
from unittest import mock

import plexus.plugin
from plexus import Client, PlexusTimeout, Plugin, Request
from tests.harness import TIMEOUT, BrokerProcess, Subscriber, wait_for
from tests.test_broker import BrokerTestCase

#: How long each handler blocks, at least: well past heartbeat 1 s x liveness 3.
BLOCK_S = 5.0
EVENTS = 20


class BlockingHandlerTest(BrokerTestCase):

    def setUp(self) -> None:
        super().setUp()
        self.broker = self.start_broker()
        info = self.broker.client().discover()
        self.assertEqual((info["heartbeat_ms"], info["liveness"]), (1000, 3))  # what the test is about
        self.lifecycle = Subscriber(self.broker, "plexus.plugin.>", "test.marker")
        self.addCleanup(self.lifecycle.close)

    # -- helpers ----------------------------------------------------------------------------------

    def entry(self, plugin: Plugin) -> Dict[str, Any]:
        """The broker's PLUGINS entry of ``plugin`` (there must be exactly one)."""
        found = [p for p in self.broker.client().plugins() if p["instance"] == plugin.instance]
        self.assertEqual(len(found), 1, f"sessions of {plugin.instance} the broker holds: {found} (lost?)")
        return found[0]

    def block_until_heartbeats_went_on(self, plugin: Plugin, since: float, state: str = "running") -> None:
        """Waits (bounded) until the broker took a heartbeat BLOCK_S after ``since`` (time.time()) from
        ``plugin``'s session, checking on the way that it stays that one session, in ``state``."""
        registered_at = self.entry(plugin)["registered_at"]

        def heartbeat_after_block() -> Optional[Dict[str, Any]]:
            entry = self.entry(plugin)
            self.assertEqual((entry["state"], entry["registered_at"]), (state, registered_at),
                             "the broker lost the session or saw it register again")
            return entry if entry["last_heartbeat"] >= (since + BLOCK_S) * 1_000_000 else None
        wait_for(heartbeat_after_block, timeout=BLOCK_S + TIMEOUT, what="a heartbeat after the block",
                 interval=0.2)
        [status] = [i for i in self.broker.client().status() if i["instance"] == plugin.instance]
        self.assertEqual((status["state"], status["attached"]), (state, True))

    def assert_never_lost(self, plugin: Plugin) -> None:
        """No plexus.plugin.lost came (the marker, published last, is received after anything before it)."""
        self.broker.client().publish("test.marker", b"")
        self.lifecycle.expect(lambda e: e.topic == "test.marker", what="marker")
        lost = [e for e in self.lifecycle.events if e.topic == "plexus.plugin.lost"]
        self.assertEqual(lost, [], f"{plugin.instance} was declared lost")

    def publish_during_block(self) -> List[int]:
        client = self.broker.client()
        return [client.publish("work.item", {"n": n}) for n in range(EVENTS)]

    # -- tests ------------------------------------------------------------------------------------

    def test_event_handler_blocking_longer_than_the_liveness_window(self):
        seen: List[Any] = []
        blocking, release = threading.Event(), threading.Event()
        started: Dict[str, float] = {}

        def on_event(event) -> None:
            seen.append(event.json())
            if event.topic == "work.block":
                started["at"] = time.time()
                blocking.set()
                self.assertTrue(release.wait(BLOCK_S + 2 * TIMEOUT), "the test never released the handler")

        plugin = self.run_plugin(Plugin("blocker", subscriptions=["work.>"], on_event=on_event), self.broker)
        self.session(self.broker, plugin.instance)
        self.broker.client().publish("work.block", {"block": True})
        self.assertTrue(blocking.wait(TIMEOUT), "first event not delivered")
        seqs = self.publish_during_block()
        try:
            self.block_until_heartbeats_went_on(plugin, started["at"])
        finally:
            release.set()
        wait_for(lambda: len(seen) == EVENTS + 1, what="the events published during the block")
        self.assertEqual(seen, [{"block": True}] + [{"n": n} for n in range(EVENTS)])
        self.assertEqual(seqs, sorted(seqs))
        self.assert_never_lost(plugin)

    def test_inline_service_handler_blocking_longer_than_the_liveness_window(self):
        # Pure Python busy work, not a wait: the handler holds the GIL but for the interpreter's switches,
        # which is enough for the I/O thread.
        seen: List[Any] = []
        blocking, release = threading.Event(), threading.Event()
        started: Dict[str, float] = {}

        def block(request: Request) -> str:
            started["at"] = time.time()
            blocking.set()
            deadline = time.monotonic() + BLOCK_S + 2 * TIMEOUT
            while not release.is_set() and time.monotonic() < deadline:
                pass
            return f"blocked {time.time() - started['at']:.1f} s"

        plugin = Plugin("slowsvc", subscriptions=["work.>"], services={"t.block": block},
                        on_event=lambda event: seen.append(event.json()))
        self.assertFalse(plugin.threaded)  # concurrency 1: inline, on the handler thread
        self.run_plugin(plugin, self.broker)
        self.session(self.broker, plugin.instance)
        wait_for(lambda: any(s["name"] == "t.block" and s["instances"] for s in self.broker.client().services()),
                 what="t.block offered")
        caller = Client(self.broker.control, timeout=TIMEOUT)
        self.addCleanup(caller.close)
        answer: Dict[str, Any] = {}
        call = threading.Thread(target=lambda: answer.update(reply=caller.call("t.block", timeout=BLOCK_S + 20)),
                                daemon=True)
        call.start()
        self.assertTrue(blocking.wait(TIMEOUT), "request not delivered")
        self.publish_during_block()
        try:
            self.block_until_heartbeats_went_on(plugin, started["at"])
        finally:
            release.set()
        call.join(TIMEOUT)
        self.assertFalse(call.is_alive(), "the call did not return")
        self.assertTrue(answer["reply"].startswith(b"blocked "), answer)
        wait_for(lambda: len(seen) == EVENTS, what="the events published during the block")
        self.assertEqual(seen, [{"n": n} for n in range(EVENTS)])
        self.assertEqual(self.entry(plugin)["state"], "running")
        self.assert_never_lost(plugin)

    def test_inline_handler_sees_cancel_while_it_runs(self):
        # The I/O thread reads the broker's CANCEL (sent at the caller's deadline) while the handler runs.
        saw_cancel = threading.Event()

        def patient(request: Request) -> str:
            deadline = time.monotonic() + TIMEOUT
            while not request.cancelled and time.monotonic() < deadline:
                time.sleep(0.01)
            if request.cancelled:
                saw_cancel.set()
            return "too late"

        plugin = Plugin("patient", services={"t.patient": patient, "t.ok": lambda r: "ok"})
        self.assertFalse(plugin.threaded)
        self.run_plugin(plugin, self.broker)
        self.session(self.broker, plugin.instance)
        wait_for(lambda: any(s["name"] == "t.patient" and s["instances"] for s in self.broker.client().services()),
                 what="t.patient offered")
        client = self.broker.client()
        with self.assertRaises(PlexusTimeout):
            client.call("t.patient", timeout=0.5)
        self.assertTrue(saw_cancel.wait(TIMEOUT), "the inline handler never saw .cancelled")
        self.assertEqual(client.call("t.ok"), b"ok")  # the handler thread is free again

    def test_on_start_blocking_longer_than_the_liveness_window(self):
        # READY waits for on_start (the broker lists the session as starting), heartbeats do not.
        calls: List[Any] = []
        blocking, release = threading.Event(), threading.Event()
        started: Dict[str, float] = {}

        def on_start(ctx) -> None:
            started["at"] = time.time()
            calls.append("start")
            blocking.set()
            self.assertTrue(release.wait(BLOCK_S + 2 * TIMEOUT), "the test never released on_start")

        plugin = self.run_plugin(Plugin("slowstart", subscriptions=["work.>"], on_start=on_start,
                                        on_event=lambda event: calls.append(event.json())), self.broker)
        self.assertTrue(blocking.wait(TIMEOUT), "on_start not called")
        self.publish_during_block()  # the subscriptions are live (the probe came back before on_start)
        try:
            self.block_until_heartbeats_went_on(plugin, started["at"], state="starting")
        finally:
            release.set()
        self.session(self.broker, plugin.instance)  # READY once on_start returned
        wait_for(lambda: len(calls) == EVENTS + 1, what="the events published during on_start")
        self.assertEqual(calls, ["start"] + [{"n": n} for n in range(EVENTS)])
        self.assert_never_lost(plugin)


class BackPressureTest(BrokerTestCase):
    def test_a_full_handler_queue_pauses_reading_instead_of_dropping(self):
        broker = self.start_broker()
        seen: List[int] = []
        blocking, release = threading.Event(), threading.Event()

        def on_event(event) -> None:
            seen.append(event.json())
            if not blocking.is_set():
                blocking.set()
                self.assertTrue(release.wait(2 * TIMEOUT))

        capacity, count = 8, 300
        with mock.patch.object(plexus.plugin, "HANDLER_QUEUE_MAX", capacity):
            plugin = self.run_plugin(Plugin("pressed", subscriptions=["work.>"], on_event=on_event), broker)
            self.session(broker, plugin.instance)
        client = broker.client()
        client.publish("work.item", -1)
        self.assertTrue(blocking.wait(TIMEOUT))
        for n in range(count):
            client.publish("work.item", n)
        try:
            # The I/O thread fills the queue, then leaves the rest in ZeroMQ (nothing held, nothing dropped).
            handoff = plugin._handoff
            assert handoff is not None
            wait_for(lambda: handoff.events == capacity, what="a full handler queue")
            self.assertEqual(len(plugin._backlog), 0)
            self.assertEqual(self.entry_state(broker, plugin), "running")
        finally:
            release.set()
        wait_for(lambda: len(seen) == count + 1, what="every event")
        self.assertEqual(seen, [-1] + list(range(count)))

    @staticmethod
    def entry_state(broker: BrokerProcess, plugin: Plugin) -> str:
        return next(p["state"] for p in broker.client().plugins() if p["instance"] == plugin.instance)


if __name__ == "__main__":
    unittest.main()

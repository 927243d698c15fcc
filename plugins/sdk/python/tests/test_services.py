"""Services against the real broker (docs/PROTOCOL.md, section 6): Python plugins offering services,
called with Client.call; partial replies; handler errors reaching the caller with their code and message;
deadlines (a request whose deadline passed is never started, an overrunning one is cancelled); concurrency;
draining on stop; supervised instances that die mid-request (idempotent or not); the queue and the breaker.

They are written against the document, not against what some broker build happens to do.
"""

import json
import os
import threading
import time
import unittest
from typing import Any, Callable, Dict, List, Optional

from plexus import Client, PlexusError, PlexusTimeout, Plugin, Request, ServiceError, service
from tests.harness import SDK_DIR, TIMEOUT, BrokerProcess, Subscriber, plugin_entry, wait_for
from tests.test_broker import BrokerTestCase


#: A supervised plugin offering services, started by the broker with python3. ``sup.fragile`` kills its
#: process in the middle of the first request any instance gets (a marker file, $TEST_RECORD, says which
#: was first) and answers every later one.
SERVICE_SCRIPT = '''\
import os, sys
sys.path.append({sdk!r})  # after site-packages: the installed SDK wins when there is one
from plexus import Plugin, service

MARK = os.environ["TEST_RECORD"]


class Svc(Plugin):
    type = "test"

    @service("sup.hello")
    def hello(self, request):
        return {{"hello": request.text, "instance": self.instance}}

    @service("sup.fragile")
    def fragile(self, request):
        try:
            os.close(os.open(MARK, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return {{"instance": self.instance}}
        os._exit(3)  # dies with the request in flight


if __name__ == "__main__":
    Svc(name=os.environ.get("PLEXUS_PLUGIN", "svc")).run()
'''


class Recorder:
    """Thread-safe notes of what handlers did, and how many ran at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: List[str] = []
        self.active = 0
        self.max_active = 0

    def enter(self, what: str) -> None:
        with self.lock:
            self.calls.append(what)
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def leave(self) -> None:
        with self.lock:
            self.active -= 1


class ServicesTest(BrokerTestCase):

    # -- helpers ----------------------------------------------------------------------------------

    def offer(self, broker: BrokerProcess, plugin: Plugin) -> Plugin:
        """Runs ``plugin`` attached and waits until it is running and the broker lists it for each of its
        services, so that calls reach it rather than racing its registration."""
        self.run_plugin(plugin, broker)
        self.session(broker, plugin.instance)
        for name in plugin.services:
            self.wait_offered(broker, name, 1)
        return plugin

    @staticmethod
    def wait_offered(broker: BrokerProcess, name: str, count: int) -> Dict[str, Any]:
        def check() -> Optional[Dict[str, Any]]:
            entry = next((s for s in broker.client().services() if s["name"] == name), None)
            return entry if entry and len(entry.get("instances", [])) >= count else None
        return wait_for(check, what=f"{count} instance(s) offering {name}")

    def client(self, broker: BrokerProcess) -> Client:
        """A Client of its own (each thread that calls needs one: Clients are not thread-safe)."""
        client = Client(broker.control, timeout=TIMEOUT)
        self.addCleanup(client.close)
        return client

    def call_in_thread(self, broker: BrokerProcess, *args: Any, **kwargs: Any) -> Callable[[], Any]:
        """Starts ``Client.call(*args, **kwargs)`` on a thread; returns a function that joins it and
        returns the result or raises what the call raised."""
        client = self.client(broker)
        outcome: Dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["result"] = client.call(*args, **kwargs)
            except BaseException as exc:  # noqa: B902 - handed to the test
                outcome["error"] = exc
        thread = threading.Thread(target=target, daemon=True)
        thread.start()

        def join() -> Any:
            thread.join(TIMEOUT + 5)
            self.assertFalse(thread.is_alive(), "call did not return")
            if "error" in outcome:
                raise outcome["error"]
            return outcome["result"]
        return join

    # -- calling ----------------------------------------------------------------------------------

    def test_call_and_the_kinds_of_answers(self):
        broker = self.start_broker()

        class Svc(Plugin):
            @service("t.echo")
            def echo(self, request):
                return request.body

            @service("t.shout")
            @service("t.shout2")
            def shout(self, request):
                return request.text.upper()

            @service("t.nothing")
            def nothing(self, request):
                return None

            @service("t.describe")
            def describe(self, request):
                return {"service": request.service, "json": request.json(), "headers": request.headers,
                        "deadline": request.deadline, "remaining": request.remaining(),
                        "caller": request.caller, "cancelled": request.cancelled}

        plugin = self.offer(broker, Svc("svc"))
        client = broker.client()
        self.assertEqual(client.call("t.echo", b"\x00\xffraw"), b"\x00\xffraw")
        self.assertEqual(client.call("t.shout", "héllo"), "HÉLLO".encode())
        self.assertEqual(client.call("t.shout2", "x", idempotent=True), b"X")
        self.assertEqual(client.call("t.nothing"), b"")
        before = time.time()
        described = json.loads(client.call("t.describe", {"n": 1}, timeout=7.0, headers={"k": "v"}))
        self.assertEqual(described["service"], "t.describe")
        self.assertEqual(described["json"], {"n": 1})
        self.assertEqual(described["headers"], {"k": "v"})
        self.assertIsInstance(described["caller"], str)
        self.assertFalse(described["cancelled"])
        # The deadline is the caller's timeout from when the broker took the call (same host, same clock).
        self.assertAlmostEqual(described["deadline"], before + 7.0, delta=1.0)
        self.assertTrue(0 < described["remaining"] <= 7.0)
        # The registration lists the services, and the broker's table shows this instance under each.
        [info] = [p for p in client.plugins() if p["instance"] == plugin.instance]
        self.assertEqual(sorted(info["services"]), sorted(plugin.services))
        table = {s["name"]: s for s in client.services()}
        self.assertEqual(table["t.echo"]["breaker"], "closed")
        self.assertEqual([i["instance"] for i in table["t.echo"]["instances"]], [plugin.instance])
        self.assertGreaterEqual(table["t.echo"]["requests"], 1)

    def test_serve_without_a_subclass(self):
        broker = self.start_broker()
        plugin = Plugin("fn", services={"t.a": lambda r: "a"})

        @plugin.serve("t.b")
        def b(request):
            return "b"
        self.offer(broker, plugin)
        self.assertEqual((broker.client().call("t.a"), broker.client().call("t.b")), (b"a", b"b"))

    def test_unknown_service(self):
        broker = self.start_broker()
        with self.assertRaises(PlexusError) as cm:
            broker.client().call("t.nobody", b"")
        self.assertEqual((cm.exception.code, cm.exception.error), (404, "unknown_service"))

    def test_partial_replies(self):
        broker = self.start_broker()

        def stream(request: Request) -> Any:
            for n in range(request.json()["parts"]):
                request.partial({"part": n})
            return {"done": True}

        # The same handler inline (on the SDK thread) and on worker threads (parts posted to the SDK thread).
        for name, threaded in (("inline", False), ("threaded", True)):
            with self.subTest(threaded=threaded):
                plugin = self.offer(broker, Plugin(name, services={f"t.stream.{name}": stream}, threaded=threaded))
                self.assertEqual(plugin.threaded, threaded)
                parts: List[bytes] = []
                result = broker.client().call(f"t.stream.{name}", {"parts": 5}, on_partial=parts.append)
                self.assertEqual([json.loads(p) for p in parts], [{"part": n} for n in range(5)])
                self.assertEqual(json.loads(result), {"done": True})

    # -- failures ---------------------------------------------------------------------------------

    def test_handler_errors_reach_the_caller(self):
        broker = self.start_broker()

        class Svc(Plugin):
            @service("t.refuse")
            def refuse(self, request):
                raise ServiceError(409, "already_done", f"order {request.text} is done")

            @service("t.crash")
            def crash(self, request):
                raise ValueError(f"bad input {request.text}")

        plugin = self.offer(broker, Svc("svc"))
        client = broker.client()
        with self.assertRaises(PlexusError) as cm:
            client.call("t.refuse", "42")
        self.assertEqual((cm.exception.code, cm.exception.error, cm.exception.message),
                         (409, "already_done", "order 42 is done"))
        with self.assertLogs("plexus.service", "ERROR"):  # the traceback stays with the plugin
            with self.assertRaises(PlexusError) as cm:
                client.call("t.crash", "7")
        self.assertEqual((cm.exception.code, cm.exception.error), (500, "handler_failed"))
        self.assertIn("bad input 7", cm.exception.message)
        self.session(broker, plugin.instance)  # a failing handler does not hurt the session

    # -- deadlines --------------------------------------------------------------------------------

    def test_overrunning_request_is_cancelled(self):
        broker = self.start_broker()
        saw_cancel = threading.Event()

        def patient(request: Request) -> str:
            # Works until told to stop: CANCEL reaches a threaded handler while it runs.
            deadline = time.monotonic() + TIMEOUT
            while not request.cancelled and time.monotonic() < deadline:
                time.sleep(0.01)
            if request.cancelled:
                saw_cancel.set()
            return "too late"

        self.offer(broker, Plugin("patient", services={"t.patient": patient, "t.ok": lambda r: "ok"},
                                  threaded=True))
        client = broker.client()
        started = time.monotonic()
        with self.assertRaises(PlexusTimeout) as cm:
            client.call("t.patient", timeout=0.5)
        self.assertEqual((cm.exception.code, cm.exception.error), (504, "timeout"))
        self.assertLess(time.monotonic() - started, 3.0, "the broker answers at the deadline, not the handler")
        self.assertTrue(saw_cancel.wait(TIMEOUT), "the handler never saw .cancelled")
        # The slot is free again (concurrency 1), and the dropped answer did not confuse anybody.
        self.assertEqual(client.call("t.ok"), b"ok")

    def test_request_past_its_deadline_is_not_started(self):
        # Concurrency 2 with inline handlers: the broker hands over the second request at once, but the SDK
        # thread is busy with the first; by the time it could start the second, its deadline has passed.
        # The SDK drops it unstarted, by its own deadline check or because the broker's CANCEL (sent at the
        # deadline) is read first: which one depends on timing, the outcome must not. (The deadline check
        # alone is tested in test_service_dispatch.)
        broker = self.start_broker()
        record = Recorder()
        busy = threading.Event()

        def slow(request: Request) -> str:
            record.enter("slow")
            busy.set()
            time.sleep(1.0)  # well inside the liveness window
            record.leave()
            return "slow done"

        def quick(request: Request) -> str:
            record.enter("quick")
            record.leave()
            return "quick done"

        plugin = Plugin("inline", services={"t.slow": slow, "t.quick": quick}, concurrency=2, threaded=False)
        self.offer(broker, plugin)
        join_slow = self.call_in_thread(broker, "t.slow", timeout=5.0)
        self.assertTrue(busy.wait(TIMEOUT))
        with self.assertRaises(PlexusTimeout):
            self.client(broker).call("t.quick", timeout=0.3)
        self.assertEqual(join_slow(), b"slow done")
        self.assertEqual(self.client(broker).call("t.quick"), b"quick done")  # later ones still run
        self.assertEqual(record.calls, ["slow", "quick"], "the expired request was started")

    def test_request_queued_past_its_deadline_is_never_started(self):
        # Concurrency 1: the broker keeps the second request in its queue and drops it at its deadline.
        broker = self.start_broker()
        record = Recorder()
        busy = threading.Event()

        def slow(request: Request) -> str:
            record.enter(request.text)
            busy.set()
            time.sleep(1.0)
            record.leave()
            return request.text

        self.offer(broker, Plugin("single", services={"t.slow": slow}))
        join_first = self.call_in_thread(broker, "t.slow", "first", timeout=5.0)
        self.assertTrue(busy.wait(TIMEOUT))
        with self.assertRaises(PlexusTimeout):
            self.client(broker).call("t.slow", "second", timeout=0.3)
        self.assertEqual(join_first(), b"first")
        self.assertEqual(self.client(broker).call("t.slow", "third"), b"third")
        self.assertEqual(record.calls, ["first", "third"])

    # -- concurrency ------------------------------------------------------------------------------

    def test_concurrency_runs_requests_in_parallel(self):
        broker = self.start_broker()
        record = Recorder()
        together = threading.Barrier(3, timeout=TIMEOUT)

        def meet(request: Request) -> str:
            record.enter(request.text)
            try:
                together.wait()  # returns only when three handlers run at the same time
            finally:
                record.leave()
            return f"met {request.text}"

        plugin = self.offer(broker, Plugin("wide", services={"t.meet": meet}, concurrency=3))
        self.assertTrue(plugin.threaded)
        joins = [self.call_in_thread(broker, "t.meet", str(n)) for n in range(3)]
        self.assertEqual(sorted(join() for join in joins), [b"met 0", b"met 1", b"met 2"])
        self.assertEqual(record.max_active, 3)

    def test_concurrency_one_runs_requests_one_at_a_time(self):
        broker = self.start_broker()
        record = Recorder()

        def work(request: Request) -> str:
            record.enter(request.text)
            time.sleep(0.2)
            record.leave()
            return request.text

        self.offer(broker, Plugin("narrow", services={"t.work": work}))
        joins = [self.call_in_thread(broker, "t.work", str(n)) for n in range(4)]
        self.assertEqual(sorted(join() for join in joins), [b"0", b"1", b"2", b"3"])
        self.assertEqual((record.max_active, len(record.calls)), (1, 4))

    def test_worker_threads_may_publish(self):
        broker = self.start_broker()
        sub = Subscriber(broker, "t.published")
        self.addCleanup(sub.close)
        holder: Dict[str, Plugin] = {}

        def announce(request: Request) -> str:
            holder["plugin"].publish("t.published", {"from": threading.current_thread().name})
            return "announced"

        holder["plugin"] = self.offer(broker, Plugin("pub", services={"t.announce": announce}, threaded=True))
        self.assertEqual(broker.client().call("t.announce"), b"announced")
        event = sub.expect(lambda e: e.topic == "t.published")
        self.assertEqual(event.source, holder["plugin"].instance)

    # -- stopping ---------------------------------------------------------------------------------

    def test_stop_finishes_requests_in_progress(self):
        # As with events (section 4): told to stop, the plugin takes no new request but finishes the ones
        # in hand, and their callers get the answers, before GOODBYE.
        broker = self.start_broker()
        busy, release = threading.Event(), threading.Event()

        def hold(request: Request) -> str:
            busy.set()
            release.wait(TIMEOUT)
            return "finished"

        plugin = self.offer(broker, Plugin("drainer", services={"t.hold": hold}, threaded=True))
        join = self.call_in_thread(broker, "t.hold", timeout=8.0)
        self.assertTrue(busy.wait(TIMEOUT))
        plugin.stop("test")
        time.sleep(0.2)
        self.assertTrue(plugin.test_thread.is_alive(), "run() returned with a request in progress")
        release.set()
        self.assertEqual(join(), b"finished")
        plugin.test_thread.join(TIMEOUT)
        self.assertFalse(plugin.test_thread.is_alive())
        self.assertFalse(any(p["instance"] == plugin.instance for p in broker.client().plugins()))

    # -- supervised instances ---------------------------------------------------------------------

    def supervised(self, name: str, instances: int) -> BrokerProcess:
        script = os.path.join(self.tmp, "service_plugin.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(SERVICE_SCRIPT.format(sdk=str(SDK_DIR)))
        broker = self.start_mesh(plugin_entry(name, script, self.path("mark"), extra=f"    instances: {instances}"))
        broker.wait_running(name)
        self.wait_offered(broker, "sup.hello", instances)
        return broker

    def test_supervised_plugin_offers_a_service(self):
        broker = self.supervised("svc", 1)
        answer = json.loads(broker.client().call("sup.hello", "Ada"))
        self.assertEqual(answer, {"hello": "Ada", "instance": "svc-1"})

    def test_idempotent_request_survives_its_instance(self):
        broker = self.supervised("svc", 2)
        answer = json.loads(broker.client().call("sup.fragile", timeout=8.0, idempotent=True))
        # The first instance died with the request (restart: never); the broker gave it to the other one.
        self.assertTrue(os.path.exists(self.path("mark")), "no instance died")
        states = {i["instance"]: i["state"] for i in broker.client().status()}
        [dead] = [i for i in ("svc-1", "svc-2") if i != answer["instance"]]
        self.assertEqual(states[answer["instance"]], "running")
        self.assertNotEqual(states[dead], "running")

    def test_other_requests_fail_with_their_instance(self):
        broker = self.supervised("svc", 2)
        with self.assertRaises(PlexusError) as cm:
            broker.client().call("sup.fragile", timeout=8.0)
        self.assertEqual((cm.exception.code, cm.exception.error), (503, "instance_lost"))

    # -- the broker's protections ----------------------------------------------------------------

    def test_queue_full(self):
        broker = self.start_broker("plugins: {}\nservices:\n  t.slow: { queue: 1 }\n")
        busy, release = threading.Event(), threading.Event()

        def slow(request: Request) -> str:
            busy.set()
            release.wait(TIMEOUT)
            return request.text

        self.offer(broker, Plugin("q", services={"t.slow": slow}, threaded=True))
        join_running = self.call_in_thread(broker, "t.slow", "running", timeout=8.0)
        self.assertTrue(busy.wait(TIMEOUT))
        join_queued = self.call_in_thread(broker, "t.slow", "queued", timeout=8.0)
        wait_for(lambda: any(s["name"] == "t.slow" and s["queued"] == 1 for s in broker.client().services()),
                 what="one call queued")
        with self.assertRaises(PlexusError) as cm:
            self.client(broker).call("t.slow", "refused")
        self.assertEqual((cm.exception.code, cm.exception.error), (429, "queue_full"))
        release.set()
        self.assertEqual((join_running(), join_queued()), (b"running", b"queued"))

    def test_circuit_breaker_opens_after_failures(self):
        broker = self.start_broker("plugins: {}\nservices:\n  t.flaky: { breaker: { failures: 2, cooldown: 30s } }\n")
        calls: List[str] = []

        def flaky(request: Request) -> None:
            calls.append(request.text)
            raise RuntimeError("down")

        self.offer(broker, Plugin("flaky", services={"t.flaky": flaky}))
        client = broker.client()
        for n in range(2):
            with self.assertLogs("plexus.service", "ERROR"), self.assertRaises(PlexusError) as cm:
                client.call("t.flaky", str(n))
            self.assertEqual(cm.exception.code, 500)
        with self.assertRaises(PlexusError) as cm:
            client.call("t.flaky", "refused")
        self.assertEqual((cm.exception.code, cm.exception.error), (503, "circuit_open"))
        self.assertEqual(calls, ["0", "1"])  # the refused call never reached the handler
        [entry] = [s for s in client.services() if s["name"] == "t.flaky"]
        self.assertEqual(entry["breaker"], "open")


if __name__ == "__main__":
    unittest.main()

"""Services without a broker (docs/PROTOCOL.md section 6): the Request handlers see, what a handler's return
value or exception becomes, the dispatcher (deadlines, CANCEL, concurrency, inline and threaded handlers),
the plugin's wiring (REGISTER fields, @service, serve(), posting from worker threads), and Client.call's
handling of PARTIAL/OK/ERR replies against a scripted in-process ROUTER socket."""

import json
import math
import queue
import threading
import time
import unittest
from typing import Any, Callable, List

import zmq

from plexus import Client, PlexusError, PlexusTimeout, Plugin, ProtocolError, Request, ServiceError, service
from plexus import protocol as P
from plexus.dispatch import ServiceDispatcher
from plexus.service import MAX_ERROR_MESSAGE, Outcome, run_handler

WAIT = 5.0  # seconds a threaded test waits for a worker before failing


class Clock:
    """A settable wall clock (seconds since the epoch)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def request_args(rid: bytes = b"r1", service_name: str = "t.echo", body: bytes = b"hi", deadline: float = 1010.0,
                 **meta: Any) -> List[bytes]:
    meta = {"deadline": int(deadline * 1_000_000), "timeout_ms": 10_000, "headers": {}, "caller": "test", **meta}
    return [rid, service_name.encode(), body, json.dumps(meta).encode()]


def decoded(frames: List[bytes]):
    """(command, rid, body) of a plugin message, with FAIL bodies parsed."""
    msg = P.decode_control(frames)
    body = msg.args[1]
    return msg.command.decode(), msg.args[0], json.loads(body) if msg.command == P.FAIL else body


class RequestTest(unittest.TestCase):
    def test_accessors(self):
        clock = Clock(100.0)
        request = Request(b"r", "t.x", '{"a": "é"}'.encode(), deadline=102.5, timeout=5.0, headers={"k": "v"},
                          caller="me", clock=clock)
        self.assertEqual((request.text, request.json()), ('{"a": "é"}', {"a": "é"}))
        self.assertEqual(request.remaining(), 2.5)
        clock.now = 200.0
        self.assertEqual(request.remaining(), 0.0)
        self.assertEqual(Request(b"r", "t.x").remaining(), math.inf)
        self.assertFalse(request.cancelled)
        self.assertIn("t.x", repr(request))

    def test_partial(self):
        sent = []
        request = Request(b"r", "t.x", emit=lambda req, body: sent.append(body) or True)
        self.assertTrue(request.partial({"n": 1}))
        self.assertTrue(request.partial("é"))
        self.assertEqual(sent, [b'{"n":1}', "é".encode()])
        request._cancel.set()
        self.assertFalse(request.partial(b"late"))  # dropped: nothing more after CANCEL
        self.assertEqual(len(sent), 2)
        request._done = True
        with self.assertRaises(RuntimeError):
            request.partial(b"after the end")

    def test_partial_too_large(self):
        request = Request(b"r", "t.x", emit=lambda req, body: True)
        with self.assertRaises(ProtocolError):
            request.partial(b"x" * (P.MAX_CONTROL_BYTES + 1))


class RunHandlerTest(unittest.TestCase):
    def run_with(self, fn: Callable[[Request], Any]) -> Outcome:
        return run_handler(fn, Request(b"r", "t.x", b"in"))

    def test_results(self):
        for value, body in ((b"\x00raw", b"\x00raw"), ("é", "é".encode()), ({"a": 1}, b'{"a":1}'), ([1], b"[1]"),
                            (None, b""), (bytearray(b"ba"), b"ba"), (0, b"0")):
            with self.subTest(value=value):
                self.assertEqual(self.run_with(lambda r, v=value: v), Outcome(P.REPLY, body))

    def test_service_error_passes_through(self):
        def fn(request):
            raise ServiceError(409, "already_done", "it is done")
        outcome = self.run_with(fn)
        self.assertEqual(outcome.command, P.FAIL)
        self.assertEqual(json.loads(outcome.body), {"code": 409, "error": "already_done", "message": "it is done"})

    def test_other_exceptions_are_500(self):
        def fn(request):
            raise ValueError("bad input 42")
        with self.assertLogs("plexus.service", "ERROR"):
            outcome = self.run_with(fn)
        self.assertEqual(json.loads(outcome.body), {"code": 500, "error": "handler_failed", "message": "bad input 42"})

    def test_exception_text(self):
        def empty(request):
            raise KeyError
        def long(request):
            raise RuntimeError("x" * 10_000)
        with self.assertLogs("plexus.service", "ERROR"):
            self.assertEqual(json.loads(self.run_with(empty).body)["message"], "KeyError")
            self.assertLessEqual(len(json.loads(self.run_with(long).body)["message"]), MAX_ERROR_MESSAGE + 1)

    def test_unserializable_and_too_large_results(self):
        with self.assertLogs("plexus.service", "ERROR"):
            self.assertEqual(json.loads(self.run_with(lambda r: object()).body)["code"], 500)
            big = self.run_with(lambda r: b"x" * (P.MAX_CONTROL_BYTES + 1))
        self.assertEqual(json.loads(big.body)["error"], "too_large")

    def test_base_exceptions_propagate_and_the_request_is_done(self):
        request = Request(b"r", "t.x")

        def fn(req):
            raise KeyboardInterrupt
        with self.assertRaises(KeyboardInterrupt):
            run_handler(fn, request)
        self.assertTrue(request._done)

    def test_service_error(self):
        err = ServiceError(418, "teapot", "short and stout")
        self.assertIsInstance(err, PlexusError)
        self.assertEqual((err.code, err.error, err.message), (418, "teapot", "short and stout"))
        self.assertEqual(ServiceError().to_dict(), {"code": 500, "error": "handler_failed", "message": ""})
        with self.assertRaises(TypeError):
            ServiceError("418", "teapot")


class InlineDispatcherTest(unittest.TestCase):
    """concurrency 1: handlers run on the calling (SDK) thread."""

    def setUp(self):
        self.clock = Clock()
        self.sent: List[List[bytes]] = []
        self.posted: List[Callable[[], None]] = []
        self.calls: List[Request] = []
        self.d = ServiceDispatcher(self.sent.append, self.posted.append, clock=self.clock)
        self.d.owner = threading.get_ident()
        self.d.serve("t.echo", self.echo)

    def echo(self, request: Request) -> bytes:
        self.calls.append(request)
        return request.body

    def test_request_and_reply(self):
        self.assertFalse(self.d.threaded)
        self.d.on_request(request_args(caller="cli-7", headers={"k": "v"}))
        self.assertEqual(self.sent, [])  # started by start_waiting, not on arrival
        self.assertTrue(self.d.startable())
        self.assertEqual(self.d.start_waiting(), 1)
        self.assertEqual([decoded(f) for f in self.sent], [("REPLY", b"r1", b"hi")])
        [request] = self.calls
        self.assertEqual((request.caller, request.headers, request.deadline, request.remaining()),
                         ("cli-7", {"k": "v"}, 1010.0, 10.0))

    def test_unknown_service(self):
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.on_request(request_args(service_name="t.other"))
        [(command, rid, body)] = [decoded(f) for f in self.sent]
        self.assertEqual((command, rid, body["code"], body["error"]), ("FAIL", b"r1", 404, "unknown_service"))
        self.assertEqual(self.d.start_waiting(), 0)

    def test_malformed_request(self):
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.on_request([b"r1", b"t.echo", b"", b"not json"])
            self.d.on_request([])  # no RID: nobody to answer
        [(command, rid, body)] = [decoded(f) for f in self.sent]
        self.assertEqual((command, rid, body["code"]), ("FAIL", b"r1", 400))

    def test_expired_request_is_not_started(self):
        self.d.on_request(request_args(deadline=999.0))  # passed before it arrived
        self.d.on_request(request_args(rid=b"r2", deadline=1000.0))  # passes the moment it arrives
        with self.assertLogs("plexus.service", "INFO"):
            self.assertEqual(self.d.start_waiting(), 0)
        self.assertEqual((self.calls, self.sent, self.d.not_started), ([], [], 2))  # and nothing is sent

    def test_expires_while_waiting(self):
        self.d.on_request(request_args(deadline=1001.0))
        self.clock.now = 1001.5  # e.g. on_start or another handler took that long
        with self.assertLogs("plexus.service", "INFO"):
            self.d.start_waiting()
        self.assertEqual((self.calls, self.sent), ([], []))

    def test_cancel_before_start(self):
        self.d.on_request(request_args())
        with self.assertLogs("plexus.service", "INFO"):
            self.d.on_cancel([b"r1"])
        self.assertEqual(self.d.start_waiting(), 0)
        self.assertEqual((self.calls, self.sent), ([], []))
        self.d.on_cancel([b"unknown"])  # harmless
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.on_cancel([])

    def test_duplicate_rid_is_ignored(self):
        self.d.on_request(request_args(body=b"first"))
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.on_request(request_args(body=b"second"))
        self.d.start_waiting()
        self.assertEqual([decoded(f) for f in self.sent], [("REPLY", b"r1", b"first")])

    def test_answer_after_the_deadline_is_dropped(self):
        def slow(request):
            self.clock.now = 1011.0  # the handler overran its deadline: the caller got 504
            return b"late"
        self.d.handlers["t.echo"] = slow
        self.d.on_request(request_args())
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.start_waiting()
        self.assertEqual(self.sent, [])

    def test_partials_go_out_at_once_and_in_order(self):
        def stream(request):
            for n in range(3):
                self.assertTrue(request.partial({"n": n}))
                self.assertEqual(len(self.sent), n + 1)  # sent before the handler returns
            return "end"
        self.d.handlers["t.echo"] = stream
        self.d.on_request(request_args())
        self.d.start_waiting()
        self.assertEqual([decoded(f) for f in self.sent],
                         [("PARTIAL", b"r1", b'{"n":0}'), ("PARTIAL", b"r1", b'{"n":1}'),
                          ("PARTIAL", b"r1", b'{"n":2}'), ("REPLY", b"r1", b"end")])
        self.assertEqual(self.posted, [])

    def test_partial_after_the_deadline_is_dropped(self):
        def stream(request):
            self.clock.now = 1010.0
            return request.partial(b"late")
        self.d.handlers["t.echo"] = stream
        self.d.on_request(request_args())
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.start_waiting()
        self.assertEqual(self.sent, [])

    def test_may_continue_stops_after_each_handler(self):
        for n in range(3):
            self.d.on_request(request_args(rid=f"r{n}".encode()))
        self.assertEqual(self.d.start_waiting(lambda: False), 1)
        self.assertEqual(self.d.start_waiting(lambda: True), 2)
        self.assertEqual([decoded(f)[1] for f in self.sent], [b"r0", b"r1", b"r2"])

    def test_stop_accepting(self):
        self.d.on_request(request_args())
        self.assertEqual(self.d.stop_accepting(), 1)
        with self.assertLogs("plexus.service", "INFO"):
            self.d.on_request(request_args(rid=b"r2"))
        self.assertEqual((self.d.start_waiting(), self.sent, self.calls), (0, [], []))

    def test_reset_cancels_everything(self):
        self.d.on_request(request_args())
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.reset("session lost")
        self.assertEqual((self.d.start_waiting(), self.sent), (0, []))

    def test_serve_checks(self):
        with self.assertRaises(ValueError):
            self.d.serve("t.echo", self.echo)
        with self.assertRaises(ProtocolError):
            self.d.serve("plexus.mine", self.echo)
        with self.assertRaises(TypeError):
            self.d.serve("t.y", "not callable")
        self.assertEqual(self.d.names, ["t.echo"])


class ThreadedDispatcherTest(unittest.TestCase):
    """concurrency > 1: handlers on worker threads, answers posted back to the SDK thread (this one)."""

    def setUp(self):
        self.sent: List[List[bytes]] = []
        self.posted: "queue.Queue[Callable[[], None]]" = queue.Queue()
        self.d = ServiceDispatcher(self.sent.append, self.posted.put, concurrency=2)
        self.d.owner = threading.get_ident()
        self.release = threading.Event()
        self.started = queue.Queue()
        self.d.serve("t.block", self.block)

    def block(self, request: Request) -> str:
        self.started.put(request)
        self.assertTrue(self.release.wait(WAIT))
        return f"done {request.rid.decode()}"

    def pump(self, until: Callable[[], bool]) -> None:
        """Runs posted work on this thread, as the plugin's loop does, until ``until()``."""
        deadline = time.monotonic() + WAIT
        while not until():
            self.assertLess(time.monotonic(), deadline, "worker did not post in time")
            try:
                self.posted.get(timeout=0.05)()
            except queue.Empty:
                pass

    def args(self, rid: bytes) -> List[bytes]:
        return request_args(rid=rid, service_name="t.block", deadline=time.time() + 60)

    def test_concurrency_bounds_the_workers(self):
        self.assertTrue(self.d.threaded)
        for rid in (b"a", b"b", b"c"):
            self.d.on_request(self.args(rid))
        self.assertEqual(self.d.start_waiting(), 2)
        first = {self.started.get(timeout=WAIT).rid, self.started.get(timeout=WAIT).rid}
        self.assertEqual((first, self.d.running, self.d.startable()), ({b"a", b"b"}, 2, False))
        self.assertGreater(self.d.latest_deadline(), time.time())
        self.assertEqual(self.sent, [])  # workers never send themselves
        self.release.set()
        self.pump(lambda: len(self.sent) == 2)
        self.assertEqual(sorted(decoded(f)[2] for f in self.sent), [b"done a", b"done b"])
        self.assertTrue(self.d.startable())
        self.assertEqual(self.d.start_waiting(), 1)
        self.pump(lambda: len(self.sent) == 3)
        self.assertEqual(decoded(self.sent[2]), ("REPLY", b"c", b"done c"))

    def test_cancel_while_running(self):
        seen = threading.Event()

        def watch(request):
            deadline = time.monotonic() + WAIT
            while not request.cancelled and time.monotonic() < deadline:
                time.sleep(0.005)
            seen.set()
            return "too late"
        self.d.handlers["t.block"] = watch
        self.d.on_request(self.args(b"a"))
        self.d.start_waiting()
        with self.assertLogs("plexus.service", "INFO"):
            self.d.on_cancel([b"a"])
        self.assertEqual(self.d.running, 0)  # the broker freed the slot
        self.assertTrue(seen.wait(WAIT), "the handler never saw .cancelled")
        self.posted.get(timeout=WAIT)()  # the worker's answer ...
        self.assertEqual(self.sent, [])  # ... is dropped

    def test_partials_from_a_worker_keep_their_order(self):
        def stream(request):
            for n in range(5):
                request.partial(str(n))
            return "end"
        self.d.handlers["t.block"] = stream
        self.d.on_request(self.args(b"a"))
        self.d.start_waiting()
        self.pump(lambda: len(self.sent) == 6)
        self.assertEqual([decoded(f)[::2] for f in self.sent],
                         [("PARTIAL", b"0"), ("PARTIAL", b"1"), ("PARTIAL", b"2"), ("PARTIAL", b"3"),
                          ("PARTIAL", b"4"), ("REPLY", b"end")])

    def test_a_handler_ending_its_thread_still_answers(self):
        def leave(request):
            raise SystemExit(3)
        self.d.handlers["t.block"] = leave
        self.d.on_request(self.args(b"a"))
        self.d.start_waiting()
        self.pump(lambda: bool(self.sent))
        command, _, body = decoded(self.sent[0])
        self.assertEqual((command, body["code"], body["error"]), ("FAIL", 500, "handler_failed"))

    def test_threaded_with_concurrency_one(self):
        d = ServiceDispatcher(self.sent.append, self.posted.put, concurrency=1, threaded=True)
        self.assertTrue(d.threaded)
        self.assertFalse(ServiceDispatcher(self.sent.append, self.posted.put, concurrency=4, threaded=False).threaded)


class SubmittedInlineTest(unittest.TestCase):
    """Inline handlers with ``submit`` (as the plugin wires it): each request is handed to a handler thread,
    one at a time; its outcome comes back to the owner (this thread) through ``post``."""

    def setUp(self):
        self.clock = Clock()
        self.sent: List[List[bytes]] = []
        self.posted: List[Callable[[], None]] = []
        self.submitted: List[Callable[[], None]] = []
        self.calls: List[bytes] = []
        self.d = ServiceDispatcher(self.sent.append, self.posted.append, clock=self.clock,
                                   submit=self.submitted.append)
        self.d.owner = threading.get_ident()
        self.d.serve("t.echo", self.echo)

    def echo(self, request: Request) -> bytes:
        self.calls.append(request.rid)
        request.partial(b"part")
        return request.body

    def on_handler_thread(self) -> None:
        """Runs the oldest submitted function on another thread, as the plugin's handler thread does."""
        thread = threading.Thread(target=self.submitted.pop(0))
        thread.start()
        thread.join(WAIT)
        self.assertFalse(thread.is_alive())

    def run_posted(self) -> None:
        while self.posted:
            self.posted.pop(0)()

    def test_one_at_a_time_and_answered_by_the_owner(self):
        self.d.on_request(request_args(b"r1"))
        self.d.on_request(request_args(b"r2"))
        self.assertEqual(self.d.start_waiting(), 1)
        self.assertEqual((len(self.submitted), self.sent), (1, []))
        self.assertFalse(self.d.startable())  # r2 waits until r1 answered
        self.on_handler_thread()
        self.assertEqual(self.sent, [])  # nothing leaves from the handler thread ...
        self.run_posted()                # ... the owner sends, part before answer
        self.assertEqual([decoded(f)[:2] for f in self.sent], [("PARTIAL", b"r1"), ("REPLY", b"r1")])
        self.assertTrue(self.d.startable())
        self.assertEqual(self.d.start_waiting(), 1)
        self.on_handler_thread()
        self.run_posted()
        self.assertEqual(self.calls, [b"r1", b"r2"])

    def test_cancelled_while_handed_over_is_not_started(self):
        self.d.on_request(request_args(b"r1"))
        self.d.start_waiting()
        with self.assertLogs("plexus.service", "INFO"):
            self.d.on_cancel([b"r1"])
        self.on_handler_thread()
        self.run_posted()
        self.assertEqual((self.calls, self.sent), ([], []))
        self.assertFalse(self.d.startable())
        self.d.on_request(request_args(b"r2"))
        self.assertEqual(self.d.start_waiting(), 1)  # the slot is free again

    def test_deadline_passed_while_handed_over(self):
        # Events queued ahead of it on the handler thread took longer than its deadline.
        self.d.on_request(request_args(b"r1", deadline=1001.0))
        self.d.start_waiting()
        self.clock.now = 1002.0
        self.on_handler_thread()
        with self.assertLogs("plexus.service", "INFO") as logs:
            self.run_posted()
        self.assertIn("not started", logs.output[0])
        self.assertEqual((self.calls, self.sent, self.d.not_started), ([], [], 1))

    def test_a_new_session_does_not_wait_for_the_old_one(self):
        self.d.on_request(request_args(b"r1"))
        self.d.start_waiting()
        with self.assertLogs("plexus.service", "WARNING"):
            self.d.reset("registering again")
        self.d.on_request(request_args(b"r2"))
        self.assertEqual(self.d.start_waiting(), 1)
        self.on_handler_thread()  # r1 (cancelled by the reset: not started)
        self.on_handler_thread()  # r2
        self.run_posted()
        self.assertEqual(self.calls, [b"r2"])
        self.assertEqual([decoded(f)[:2] for f in self.sent], [("PARTIAL", b"r2"), ("REPLY", b"r2")])

    def test_on_the_owner_itself_it_runs_on_the_spot(self):
        d = ServiceDispatcher(self.sent.append, self.posted.append, clock=self.clock, submit=lambda fn: fn())
        d.owner = threading.get_ident()
        d.serve("t.echo", self.echo)
        d.on_request(request_args(b"r1"))
        d.on_request(request_args(b"r2"))
        self.assertEqual(d.start_waiting(), 2)
        self.assertEqual([decoded(f)[:2] for f in self.sent],
                         [("PARTIAL", b"r1"), ("REPLY", b"r1"), ("PARTIAL", b"r2"), ("REPLY", b"r2")])
        self.assertEqual(self.posted, [])


class PluginWiringTest(unittest.TestCase):
    """The Plugin's side of services, fed without sockets."""

    def registered(self, plugin: Plugin) -> dict:
        sent: List[List[bytes]] = []
        plugin._send_frames = sent.append  # type: ignore[assignment]
        plugin._register()
        [frames] = sent
        self.assertEqual(frames[2], P.REGISTER)
        return json.loads(frames[3])

    def test_register_fields(self):
        plugin = Plugin("svc", services={"t.a": lambda r: "a", "t.b": lambda r: "b"}, concurrency=3)
        body = self.registered(plugin)
        self.assertEqual((body["services"], body["concurrency"]), (["t.a", "t.b"], 3))
        self.assertEqual(plugin.services, ["t.a", "t.b"])
        plain = self.registered(Plugin("plain"))
        self.assertEqual(plain["services"], [])
        self.assertNotIn("concurrency", plain)  # registers exactly as before services existed

    def test_decorators(self):
        class Svc(Plugin):
            concurrency = 2

            @service("t.hello")
            @service("t.hi")
            def hello(self, request):
                return "hello " + request.text

        plugin = Svc("svc")
        self.assertEqual(sorted(plugin.services), ["t.hello", "t.hi"])
        self.assertTrue(plugin.threaded)  # concurrency 2: worker threads by default

        @plugin.serve("t.late")
        def late(request):
            return None
        self.assertIs(plugin.serve("t.fn", late), late)
        self.assertEqual(self.registered(plugin)["concurrency"], 2)
        self.assertIn("t.late", self.registered(plugin)["services"])

    def test_subclass_override_without_the_decorator_removes_the_service(self):
        class Base(Plugin):
            @service("t.x")
            def x(self, request):
                return "base"

        class Child(Base):
            def x(self, request):
                return "child"
        self.assertEqual(Base("b").services, ["t.x"])
        self.assertEqual(Child("c").services, [])

    def test_bad_offers(self):
        with self.assertRaises(TypeError):
            Plugin("svc", services=["t.a"])  # names without handlers
        with self.assertRaises(ProtocolError):
            Plugin("svc", services={"mmi.service": print})
        with self.assertRaises(ProtocolError):
            service("a.*")
        with self.assertRaises(ValueError):
            Plugin("svc", services={"t.a": print}).serve("t.a", print)
        with self.assertRaises(ValueError):
            Plugin("svc", concurrency=0)
        self.assertFalse(Plugin("svc", concurrency=1).threaded)
        self.assertTrue(Plugin("svc", concurrency=1, threaded=True).threaded)

    def test_request_and_cancel_through_the_session(self):
        calls = []
        plugin = Plugin("svc", services={"t.echo": lambda r: calls.append(r) or r.body})
        sent: List[List[bytes]] = []
        plugin._services._send = sent.append
        plugin._services.owner = threading.get_ident()
        deadline = time.time() + 60
        plugin._on_control(P.ControlMessage(P.PLUGIN, P.REQUEST, request_args(deadline=deadline)))
        plugin._on_control(P.ControlMessage(P.PLUGIN, P.REQUEST, request_args(rid=b"r2", deadline=deadline)))
        with self.assertLogs("plexus.service", "INFO"):
            plugin._on_control(P.ControlMessage(P.PLUGIN, P.CANCEL, [b"r2"]))
        plugin._services.start_waiting()
        self.assertEqual([decoded(f) for f in sent], [("REPLY", b"r1", b"hi")])
        self.assertEqual(len(calls), 1)

    def test_registering_again_abandons_requests(self):
        plugin = Plugin("svc", services={"t.echo": lambda r: r.body})
        plugin._on_control(P.ControlMessage(P.PLUGIN, P.REQUEST, request_args(deadline=time.time() + 60)))
        with self.assertLogs("plexus.service", "WARNING"):
            self.registered(plugin)
        self.assertFalse(plugin._services.startable())

    def test_publish_from_a_worker_thread_is_posted(self):
        published = []

        class FakePub:
            def send_multipart(self, frames, flags=0):
                published.append(frames)
        plugin = Plugin("svc")
        plugin._pub = FakePub()  # type: ignore[assignment]
        plugin._thread_id = threading.get_ident()
        plugin.publish("a.here", b"1")
        errors = []

        def worker():
            plugin.publish("a.there", b"2")
            for fn in (plugin.publish_ack, plugin.call):
                try:
                    fn("a.b", b"")
                except RuntimeError as exc:
                    errors.append(str(exc))
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(WAIT)
        self.assertEqual([f[0] for f in published], [b"a.here"])  # the worker's is waiting for this thread
        plugin._run_posted()
        self.assertEqual([f[0] for f in published], [b"a.here", b"a.there"])
        self.assertEqual(len(errors), 2)
        self.assertTrue(all("thread running run()" in e for e in errors))


class ScriptedRouter:
    """An in-process ROUTER that answers each request with scripted replies (lists of frames after the
    request id), so that Client.call's reply handling can be tested without a broker."""

    def __init__(self, ctx: zmq.Context, endpoint: str, script: List[List[List[bytes]]]) -> None:
        self.sock = ctx.socket(zmq.ROUTER)
        self.sock.bind(endpoint)
        self.script = script
        self.requests: List[List[bytes]] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        for replies in self.script:
            if not self.sock.poll(int(WAIT * 1000)):
                return
            identity, *frames = self.sock.recv_multipart()
            self.requests.append(frames)
            request_id = frames[3]
            for reply in replies:
                status, *body = reply
                self.sock.send_multipart([identity, b"", b"PLXC01", status, request_id, *body])

    def close(self) -> None:
        self.thread.join(WAIT)
        self.sock.close(0)


class ClientCallTest(unittest.TestCase):
    _n = 0

    def setUp(self):
        self.ctx = zmq.Context()
        ClientCallTest._n += 1
        self.endpoint = f"inproc://call-test-{ClientCallTest._n}"
        self.addCleanup(self.ctx.term)

    def router(self, *script: List[List[bytes]]) -> ScriptedRouter:
        router = ScriptedRouter(self.ctx, self.endpoint, list(script))
        self.addCleanup(router.close)
        return router

    def client(self) -> Client:
        client = Client(self.endpoint, context=self.ctx)
        self.addCleanup(client.close)
        return client

    def test_partials_then_ok(self):
        router = self.router([[b"PARTIAL", b"p1"], [b"PARTIAL", b"p2"], [b"OK", b"final"]])
        parts: List[bytes] = []
        result = self.client().call("t.stream", {"q": 1}, timeout=2.0, headers={"k": "v"}, idempotent=True,
                                    on_partial=parts.append)
        self.assertEqual((result, parts), (b"final", [b"p1", b"p2"]))
        [request] = router.requests
        self.assertEqual(request[:5], [b"", b"PLXC01", b"CALL", request[3], b"t.stream"])
        self.assertEqual(request[5], b'{"q":1}')
        self.assertEqual(json.loads(request[6]), {"timeout_ms": 2000, "headers": {"k": "v"}, "idempotent": True})

    def test_partials_without_a_callback_are_dropped(self):
        self.router([[b"PARTIAL", b"p1"], [b"OK"]])
        self.assertEqual(self.client().call("t.x"), b"")  # an OK without a body is an empty answer

    def test_errors(self):
        self.router([[b"ERR", b'{"code":418,"error":"teapot","message":"short"}']],
                    [[b"PARTIAL", b"p"], [b"ERR", b'{"code":504,"error":"timeout","message":"t.x too slow"}']])
        client = self.client()
        with self.assertRaises(PlexusError) as cm:
            client.call("t.x")
        self.assertEqual((cm.exception.code, cm.exception.error, cm.exception.message), (418, "teapot", "short"))
        with self.assertRaises(PlexusTimeout) as cm:  # the broker's 504 is a TimeoutError too
            client.call("t.x")
        self.assertEqual((cm.exception.code, cm.exception.message), (504, "t.x too slow"))

    def test_failing_callback_abandons_the_call(self):
        self.router([[b"PARTIAL", b"p1"], [b"PARTIAL", b"p2"], [b"OK", b"final"]], [[b"OK", b"next"]])
        client = self.client()

        def boom(body):
            raise RuntimeError("stop streaming")
        with self.assertRaisesRegex(RuntimeError, "stop streaming"):
            client.call("t.x", on_partial=boom)
        self.assertIsNone(client._socket)  # nothing of that call can surface later
        self.assertEqual(client.call("t.x"), b"next")

    def test_partial_to_another_command_is_a_protocol_error(self):
        self.router([[b"PARTIAL", b"p"]])
        with self.assertRaises(ProtocolError):
            self.client().ping()

    def test_services(self):
        table = [{"name": "t.x", "breaker": "closed", "instances": []}]
        router = self.router([[b"OK", json.dumps(table).encode()]])
        self.assertEqual(self.client().services(), table)
        self.assertEqual(router.requests[0][2], b"SERVICES")

    def test_local_validation(self):
        client = self.client()
        for kwargs in ({"timeout": 0}, {"timeout": 601}):
            with self.subTest(**kwargs), self.assertRaises(ValueError):
                client.call("t.x", **kwargs)
        with self.assertRaises(ProtocolError):
            client.call("t.*")


if __name__ == "__main__":
    unittest.main()

"""The socket-free engine that runs a plugin's service requests (docs/PROTOCOL.md, section 6).

The :class:`~plexus.Plugin` feeds it the arguments of ``REQUEST`` and ``CANCEL`` on its I/O thread (the
"owner", which holds the sockets) and gives it two functions: ``send(frames)``, called on the owner only
(ZeroMQ sockets must not be shared between threads), and ``post(fn)``, which any thread may call to have
``fn`` run on the owner soon (a queue plus the plugin's wake-up socket). Handler threads therefore only
compute and post; every frame leaves from the owner. Tests drive it with a list for ``send`` and run the
posted functions themselves.

Two ways to run handlers:

- **inline** (the default when ``concurrency`` is 1): one at a time, in order with the event handlers.
  With ``submit`` (the plugin's), each is handed to the plugin's handler thread, which runs it between
  events while the owner keeps heartbeating and reading ``CANCEL``; the next one is handed over once the
  previous one answered. Without ``submit`` (unit tests), :meth:`ServiceDispatcher.start_waiting` runs it
  on the spot. Simple and safe for plugin state: no handler runs beside another.
- **threaded** (the default when ``concurrency`` > 1): each started request gets its own daemon thread,
  at most ``concurrency`` at a time, which is what the broker sends at most. A cancelled handler that is
  still running no longer counts: the broker has freed its slot and may send the next request.

Rules of the document this enforces: a request whose deadline has passed is not started (and nothing is
sent: the broker has answered its caller with 504); after ``CANCEL`` nothing more is sent for it.
"""

import collections
import functools
import logging
import threading
import time
from typing import Any, Callable, Deque, Dict, List, Optional, Set, Tuple

from . import protocol as P
from .errors import ProtocolError
from .service import Outcome, Request, run_handler
from .service_codec import decode_cancel, decode_request, encode_fail, encode_partial, expired, validate_service

log = logging.getLogger("plexus.service")

ServiceHandler = Callable[[Request], Any]
Send = Callable[[List[bytes]], None]
Post = Callable[[Callable[[], None]], None]
#: Hands a function to the plugin's handler thread (run there in order with the events).
Submit = Callable[[Callable[[], None]], None]


class ServiceDispatcher:
    """Tracks the requests of one plugin session: waiting (received, not started), running (inline on the
    handler thread or on a worker thread) and finished. All methods but :meth:`_emit`, the workers and
    :meth:`_run_submitted` run on the owner (the plugin's I/O thread)."""

    def __init__(self, send: Send, post: Post, concurrency: int = 1, threaded: Optional[bool] = None,
                 clock: Callable[[], float] = time.time, submit: Optional[Submit] = None) -> None:
        self.concurrency = concurrency
        self.threaded = concurrency > 1 if threaded is None else bool(threaded)
        self.handlers: Dict[str, ServiceHandler] = {}
        #: Thread id of the owner (the thread that may send): a PARTIAL or answer produced there is sent at
        #: once, from any other thread posted.
        self.owner: Optional[int] = None
        #: False once the plugin is stopping: requests that arrive are dropped (the broker fails or
        #: re-queues them when the plugin says GOODBYE).
        self.accepting = True
        #: Requests not started because their deadline had passed (for logs and tests).
        self.not_started = 0
        self._send = send
        self._post = post
        self._submit = submit
        self._clock = clock
        self._inline: Optional[Request] = None  # the inline request handed to the handler thread (submit)
        self._known: Dict[bytes, Request] = {}  # received, neither finished nor cancelled
        self._waiting: Deque[Tuple[Request, ServiceHandler]] = collections.deque()
        self._running: Set[bytes] = set()       # on a worker thread, neither finished nor cancelled

    # -- offering ---------------------------------------------------------------------------------

    def serve(self, name: str, handler: ServiceHandler) -> None:
        """Adds a handler. Raises ``ProtocolError`` for an invalid or reserved name and ``ValueError``
        for a name already served (two handlers for one name is a mistake, not an override)."""
        validate_service(name, offering=True)
        if not callable(handler):
            raise TypeError(f"handler of service {name!r} is not callable: {handler!r}")
        if name in self.handlers:
            raise ValueError(f"service {name!r} is already served by {self.handlers[name]!r}")
        self.handlers[name] = handler

    @property
    def names(self) -> List[str]:
        """The services offered, in the order they were added (as sent in ``REGISTER``)."""
        return list(self.handlers)

    # -- from the broker --------------------------------------------------------------------------

    def on_request(self, args: List[bytes]) -> None:
        """A ``REQUEST``: queued to be started by :meth:`start_waiting`. A malformed one is failed
        with 400 when it has a RID; one for a service this plugin does not offer with 404."""
        try:
            frames = decode_request(args, self._clock())
        except ProtocolError as exc:
            rid = bytes(args[0]) if args else b""
            log.warning("malformed REQUEST %r: %s", rid[:64], exc)
            if rid:
                self._send(encode_fail(rid, 400, "bad_request", str(exc)))
            return
        if not self.accepting:
            log.info("stopping: request %r for %s dropped", frames.rid, frames.service)
            return
        if frames.rid in self._known:
            log.warning("ignoring a second REQUEST with RID %r (the first is still in progress)", frames.rid)
            return
        handler = self.handlers.get(frames.service)
        if handler is None:
            log.warning("REQUEST for service %r, which this plugin does not offer", frames.service)
            self._send(encode_fail(frames.rid, 404, "unknown_service",
                                   f"this instance does not offer service '{frames.service}'"))
            return
        request = Request.from_frames(frames, self._emit, self._clock)
        self._known[request.rid] = request
        self._waiting.append((request, handler))

    def on_cancel(self, args: List[bytes]) -> None:
        """A ``CANCEL``: the request is marked cancelled and forgotten; whatever its handler still
        produces is dropped, and if it has not started it never will."""
        try:
            rid = decode_cancel(args)
        except ProtocolError as exc:
            log.warning("ignoring malformed CANCEL: %s", exc)
            return
        request = self._known.pop(rid, None)
        if request is None:
            log.debug("CANCEL for request %r, which is not in progress (finished already?)", rid)
            return
        request._cancel.set()
        self._running.discard(rid)
        log.info("request %r for %s cancelled by the broker", rid, request.service)

    def reset(self, reason: str) -> None:
        """The session is gone (reconnect, re-registration, DISCONNECT): every request of it is
        cancelled, since the broker has failed or re-queued them and their RIDs mean nothing to a new
        session."""
        if self._known:
            log.warning("%s: %d request(s) in progress abandoned", reason, len(self._known))
        for request in self._known.values():
            request._cancel.set()
        self._known.clear()
        self._waiting.clear()
        self._running.clear()
        # One handed to the handler thread finishes there, unanswered; the new session need not wait for it.
        self._inline = None

    def stop_accepting(self) -> int:
        """The plugin is stopping: requests not started yet are dropped (the broker fails or re-queues
        them at GOODBYE), running ones may finish. Returns how many were dropped."""
        self.accepting = False
        dropped = 0
        for request, _ in self._waiting:
            if self._known.pop(request.rid, None) is request:
                dropped += 1
        self._waiting.clear()
        return dropped

    # -- running ----------------------------------------------------------------------------------

    def startable(self) -> bool:
        """True when :meth:`start_waiting` has something to do now."""
        if not self._waiting or not self.accepting:
            return False
        return len(self._running) < self.concurrency if self.threaded else self._inline is None

    @property
    def running(self) -> int:
        """Requests on worker threads that are neither finished nor cancelled."""
        return len(self._running)

    def latest_deadline(self) -> float:
        """The latest deadline of the running requests (seconds since the epoch; 0 when none)."""
        return max((self._known[rid].deadline for rid in self._running if rid in self._known), default=0.0)

    def start_waiting(self, may_continue: Optional[Callable[[], bool]] = None) -> int:
        """Starts waiting requests, oldest first, as far as free slots allow; drops those past their
        deadline unstarted. Inline with ``submit``, hands the oldest to the handler thread (one at a time);
        inline without it, runs them here, asking ``may_continue()`` after each handler. Returns how many
        were started (handed over)."""
        started = 0
        while self._waiting and self.accepting:
            request, handler = self._waiting[0]
            if self._known.get(request.rid) is not request:
                self._waiting.popleft()  # cancelled while waiting
                continue
            now = self._clock()
            if expired(request.deadline, now):
                self._waiting.popleft()
                del self._known[request.rid]
                self.not_started += 1
                log.info("request %r for %s not started: its deadline passed %.0f ms ago", request.rid,
                         request.service, (now - request.deadline) * 1000)
                continue
            if self.threaded and len(self._running) >= self.concurrency:
                break
            if not self.threaded and self._inline is not None:
                break  # the handler thread has one already
            self._waiting.popleft()
            started += 1
            if self.threaded:
                self._start_worker(request, handler)
                continue
            if self._submit is not None:
                self._inline = request  # before submit: it may run (and finish) on the spot
                self._submit(functools.partial(self._run_submitted, request, handler))
                continue
            self._finish(request, run_handler(handler, request))
            if may_continue is not None and not may_continue():
                break
        return started

    def _start_worker(self, request: Request, handler: ServiceHandler) -> None:
        self._running.add(request.rid)
        thread = threading.Thread(target=self._work, args=(request, handler), daemon=True,
                                  name=f"plexus-service-{request.service}")
        thread.start()

    def _work(self, request: Request, handler: ServiceHandler) -> None:
        """A worker thread: runs the handler and posts the outcome to the owner. Even when the
        handler ends the thread (``SystemExit``), the request gets its answer."""
        outcome = Outcome.failure(500, "handler_failed", "the handler did not return")
        try:
            outcome = run_handler(handler, request)
        finally:
            self._post(lambda: self._finish(request, outcome))

    def _run_submitted(self, request: Request, handler: ServiceHandler) -> None:
        """On the handler thread: an inline request, unless it was cancelled or its deadline passed while
        it waited behind other work (then it is not started). The outcome goes back to the owner."""
        outcome: Optional[Outcome] = None
        if not request.cancelled and not expired(request.deadline, self._clock()):
            outcome = run_handler(handler, request)
        self._on_owner(lambda: self._submitted_done(request, outcome))

    def _submitted_done(self, request: Request, outcome: Optional[Outcome]) -> None:
        """On the owner: an inline request came back from the handler thread, answered or not started."""
        if self._inline is request:
            self._inline = None
        if outcome is not None:
            self._finish(request, outcome)
            return
        request._done = True
        if self._known.get(request.rid) is not request:
            return  # cancelled, or its session is gone: nothing to send
        del self._known[request.rid]
        self.not_started += 1
        log.info("request %r for %s not started: its deadline passed %.0f ms ago", request.rid,
                 request.service, (self._clock() - request.deadline) * 1000)

    def _on_owner(self, fn: Callable[[], None]) -> None:
        if threading.get_ident() == self.owner:
            fn()
        else:
            self._post(fn)

    def _finish(self, request: Request, outcome: Outcome) -> None:
        """Sends the final answer, unless the request was cancelled, its session lost, or its deadline
        passed (then the broker has answered the caller with 504 already)."""
        request._done = True
        if self._known.get(request.rid) is not request:
            log.debug("answer to cancelled request %r for %s dropped", request.rid, request.service)
            return
        del self._known[request.rid]
        self._running.discard(request.rid)
        now = self._clock()
        if expired(request.deadline, now):
            log.warning("request %r for %s finished %.0f ms after its deadline; answer dropped (its caller "
                        "got 504)", request.rid, request.service, (now - request.deadline) * 1000)
            return
        self._send(P.encode_plugin(outcome.command, request.rid, outcome.body))

    def _emit(self, request: Request, body: bytes) -> bool:
        """``Request.partial``: sent at once on the owner, posted to it from any other thread."""
        if request.cancelled or expired(request.deadline, self._clock()):
            return False
        if threading.get_ident() == self.owner:
            return self._send_partial(request, body)

        def send() -> None:
            self._send_partial(request, body)
        self._post(send)
        return True

    def _send_partial(self, request: Request, body: bytes) -> bool:
        # Not request._done: a worker's handler may have returned already; its final answer is posted
        # after this part, so the part still belongs before it.
        if self._known.get(request.rid) is not request or expired(request.deadline, self._clock()):
            return False
        self._send(encode_partial(request.rid, body))
        return True

"""The socket side of :class:`~plexus.Plugin`: the I/O thread and its loop (docs/PROTOCOL.md, sections 4-6).

While ``run()`` runs, one background thread, the *I/O thread*, owns every socket of the session: the
DEALER to the control endpoint, the PUB and SUB sockets of the event endpoints, and the reading end of a
wake-up socket pair. A ``zmq.Poller`` watches them. The loop heartbeats, notices a silent broker and
reconnects with backoff, probes the subscriptions (section 4), reads broker messages and events, and sends
what other threads hand it through :meth:`SessionIO._post` (publishes, service answers and parts, the
``READY`` that waits for ``on_start``). It never runs user code: events and hooks go to the *handler
thread* (the one that called ``run()``) through a :class:`~plexus.handoff.HandlerQueue`, so a handler that
blocks delays other handlers but never the session.

Back-pressure instead of loss: when the handler queue is full the loop stops reading the SUB socket (ZeroMQ
keeps what follows, up to ``SUB_RCVHWM``) and resumes when the handler thread has worked it down. Events
are held here (in the backlog, at most ``BACKLOG_MAX``) only while they must wait: before ``on_start`` and
while a probe is out, which must be read past them; beyond that bound the loop stops reading as well.

:class:`SessionIO` is a base of :class:`~plexus.plugin_session.SessionProtocol` (and so of
:class:`~plexus.Plugin`) only; the session protocol it calls (:meth:`_register`, :meth:`_on_control`,
:meth:`_probe_duty`, :meth:`_probe_deadline`, :meth:`_finish_welcome`) is in :mod:`plexus.plugin_session`.
When the plugin stops, it also finishes the requests in progress before ``GOODBYE`` (:meth:`_drain_services`).
"""

import collections
import functools
import logging
import os
import queue
import socket
import threading
import time
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

import zmq

from . import curve as C
from . import protocol as P
from .client import Client
from .dispatch import ServiceDispatcher
from .errors import PlexusError, ProtocolError
from .event import Event
from .events_codec import Heartbeat, is_heartbeat
from .handoff import HandlerQueue, Item, Work
from .patterns import Pattern
from .repair import GapRepair, Loss, Repair, run_repair
from .session import INTERNAL_PREFIXES

log = logging.getLogger("plexus")

Handler = Callable[[Event], Any]

#: Longest backoff between registration attempts (seconds), per section 4.
MAX_BACKOFF = 5.0
#: How long closing sockets may wait to flush GOODBYE and last events, so that exit never hangs (ms).
LINGER_MS = 1000
#: Receive high-water mark of the events SUB socket (messages): what ZeroMQ holds while reading pauses.
SUB_RCVHWM = 100_000
#: Events read from the SUB socket per poll round before timers are looked at again. Large, so that the
#: I/O thread fills the handler queue in one turn of the GIL rather than many.
EVENT_BATCH = 1024
#: Events held before on_start ran or while a probe is out; at this many the loop stops reading SUB.
BACKLOG_MAX = SUB_RCVHWM
#: Send high-water mark of the PUB socket (messages), and how long a blocking send may wait for room (ms).
#: See _connect_events: together with ZMQ_XPUB_NODROP a full queue refuses instead of dropping.
PUB_SNDHWM = 100_000
PUB_SNDTIMEO_MS = 5000
#: Events waiting for room in the PUB socket's queue; beyond this many, publish() raises (503).
PUB_OUTBOX_MAX = 100_000
#: How often the runtime reports its subscriber counts to the broker (SUBSCRIBER, section 10), seconds.
SUBSCRIBER_REPORT_S = 5.0

# Session states.
_WAITING = "waiting"          # no DEALER; open one at _retry_at
_REGISTERING = "registering"  # REGISTER sent, waiting for WELCOME until _retry_at
_ACTIVE = "active"            # welcomed; heartbeating


class SessionIO:
    """Sockets and the I/O thread's loop of :class:`~plexus.Plugin` (see the module documentation)."""

    instance: str
    broker: Optional[str]
    _subs: List[Tuple[Pattern, Handler]]
    _services: ServiceDispatcher
    _sync_topic: Optional[str]
    _pending: Optional[Dict[str, Any]]

    def _init_io(self) -> None:
        """Called by ``Plugin.__init__``: the session state, all of it owned by the I/O thread unless
        said otherwise."""
        self._ctx: Optional["zmq.Context[zmq.Socket[bytes]]"] = None
        self._dealer: Optional["zmq.Socket[bytes]"] = None
        self._dealer_monitor: Optional["zmq.Socket[bytes]"] = None  # handshake failures (CURVE on)
        self._curve: Optional[C.CurveKeys] = None  # read from the environment by _open_session
        self._pub: Optional["zmq.Socket[bytes]"] = None
        self._sub: Optional["zmq.Socket[bytes]"] = None
        self._sub_polled = False   # the SUB socket is in the poller (not while reading pauses)
        self._poller = zmq.Poller()
        # Made and closed by run(); any thread writes a byte to the write end to wake the loop.
        self._wake_r: Optional[socket.socket] = None
        self._wake_w: Optional[socket.socket] = None
        self._endpoints: Tuple[Optional[str], Optional[str]] = (None, None)
        self._state = _WAITING
        self._session = False      # the broker knows us (WELCOME seen on the current DEALER)
        self._started = False      # on_start has been handed to the handler thread (what follows queues behind)
        self._stop_reason: Optional[str] = None    # set by STOP, a signal, stop(): drain
        self._finish_reason: Optional[str] = None  # set by run() once on_stop ran: GOODBYE with it and close
        self._io_error: Optional[BaseException] = None  # what ended the I/O thread's loop, for run() to raise
        self._drained = threading.Event()   # stopping: requests on worker threads are done with
        self._finished = threading.Event()  # run() set _finish_reason
        self._interval = P.HEARTBEAT_INTERVAL_MS / 1000
        self._liveness = P.HEARTBEAT_LIVENESS
        self._backoff = self._interval
        self._backoff_used = self._backoff
        self._retry_at = 0.0
        self._last_recv = 0.0
        self._last_send = 0.0
        self._malformed = 0
        # READY waits for a confirmed probe and for the hooks a WELCOME handed to the handler thread.
        self._ready_due = False
        self._hooks_pending = 0
        # Events (and work queued behind them) that must wait: see the module documentation.
        self._backlog: Deque[Item] = collections.deque()
        self._handoff: Optional[HandlerQueue] = None  # made by run()
        # Work other threads hand to the I/O thread (answers, publish): run by _run_posted().
        self._posted: "queue.SimpleQueue[Work]" = queue.SimpleQueue()
        self._post_signalled = False
        self._thread_id: Optional[int] = None     # the thread running run(): the handler thread
        self._io_thread_id: Optional[int] = None  # the I/O thread, while it runs
        # Gap repair of the subscriptions (section 10), on the I/O thread: the decisions, and the DEALER its
        # REPLAYs and SUBSCRIBER reports use (see _replay_client).
        self._repair = GapRepair([])
        self._replayer: Optional[Client] = None
        self._next_report = 0.0
        # Events the PUB socket had no room for yet, oldest first (see _publish_frames).
        self._pub_outbox: Deque[List[bytes]] = collections.deque()
        self._pub_polled = False

    # -- the session protocol (plexus.plugin_session.SessionProtocol) ---------------------------

    def _register(self) -> None:
        raise NotImplementedError

    def _on_control(self, msg: P.ControlMessage) -> None:
        raise NotImplementedError

    def _probe_duty(self, now: float) -> None:
        raise NotImplementedError

    def _probe_deadline(self) -> float:
        raise NotImplementedError

    def _finish_welcome(self, confirmed: bool) -> None:
        raise NotImplementedError

    def _event_loss(self, loss: Loss) -> None:
        """On the handler thread: the plugin's ``on_event_loss`` hook (plexus.plugin)."""
        raise NotImplementedError

    # -- health (plexus.plugin_health.HealthSupport) ------------------------------------------------

    def _health_tick(self, now: float) -> None:
        """Each turn of the loop: the ``health()`` hook's schedule."""
        raise NotImplementedError

    def _health_deadline(self) -> float:
        """When :meth:`_health_tick` has something to do next (monotonic seconds)."""
        raise NotImplementedError

    def _health_session_lost(self) -> None:
        """The session is gone (a new DEALER, a new REGISTER): no ``HEALTH`` until the next ``READY``."""
        raise NotImplementedError

    # -- threads --------------------------------------------------------------------------------

    def _on_socket_thread(self) -> bool:
        """True on the thread that may use the sockets: the I/O thread while there is one; without one
        (unit tests driving the runtime by hand), the thread named by ``_thread_id``, or any."""
        owner = self._io_thread_id if self._io_thread_id is not None else self._thread_id
        return owner is None or threading.get_ident() == owner

    def _on_sockets(self, fn: Work) -> None:
        """Runs ``fn`` on the socket thread: now when on it, else soon (posted)."""
        if self._on_socket_thread():
            fn()
        else:
            self._post(fn)

    def _post(self, fn: Work) -> None:
        """Runs ``fn`` on the I/O thread soon (from any other thread)."""
        self._posted.put(fn)
        if not self._post_signalled:  # one wake-up for a burst of posts
            self._post_signalled = True
            self._wake()

    def _run_posted(self) -> None:
        self._post_signalled = False  # before draining: a post after this point wakes the loop again
        while True:
            try:
                fn = self._posted.get_nowait()
            except queue.Empty:
                return
            try:
                fn()
            except Exception:
                log.exception("work handed to the I/O thread failed")

    def _to_user(self, work: Work, first: bool = False) -> None:
        """Hands ``work`` to the handler thread, behind the events and work already waiting for it (with
        ``first``, ahead of the held ones: on_start). Without a handler thread (no run(): unit tests), runs
        it now. Once the queue is closed (stopping), the work is dropped."""
        handoff = self._handoff
        if handoff is None:
            work()
        elif self._backlog and not first:
            self._backlog.append(work)
        elif not handoff.put(work):
            log.debug("stopping: work for the handler thread dropped")

    def _wake(self) -> None:
        """Makes the I/O thread's poll return (safe from any thread and from signal handlers)."""
        wake_w = self._wake_w
        if wake_w is not None:
            try:
                wake_w.send(b"\0")
            except OSError:
                pass  # buffer full: a wake-up is already pending; or closed: nobody to wake

    def _drain_wake(self) -> None:
        wake_r = self._wake_r
        if wake_r is None:
            return
        try:
            while wake_r.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    # -- the I/O thread ------------------------------------------------------------------------

    def _io_main(self) -> None:
        """The I/O thread: the session until a stop, then draining, then (once run() asks, after
        on_stop) GOODBYE and close. Never runs user code; what ends its loop unexpectedly (a rejected
        registration) is raised by run()."""
        self._io_thread_id = threading.get_ident()
        self._services.owner = self._io_thread_id
        handoff = self._handoff
        assert handoff is not None
        try:
            self._open_session()
            self._loop()
            discarded = handoff.close()  # no further event or request reaches a handler
            if discarded:
                log.debug("stopping: %d event(s) and request(s) not handed to a handler", discarded)
            if self._finish_reason is None:
                self._drain_services()
        except BaseException as exc:  # noqa: B902 - handed to run()
            self._io_error = exc
        finally:
            handoff.close()
            self._drained.set()
        self._finished.wait()
        try:
            self._shutdown(self._finish_reason or "stopped")
        except Exception:
            log.exception("closing the session failed")

    # -- session messages -----------------------------------------------------------------------

    # -- the loop -------------------------------------------------------------------------------

    def _loop(self) -> None:
        """The I/O thread until a stop is asked for (or run() finishes after an error)."""
        while self._stop_reason is None and self._finish_reason is None:
            now = time.monotonic()
            if self._state == _ACTIVE:
                if now - self._last_recv >= self._interval * self._liveness:
                    # A message may be waiting unread (a long burst of events): read it first.
                    if self._dealer is not None and self._dealer.poll(0, zmq.POLLIN):
                        self._read_control()
                        continue
                    log.warning("no message from the broker for %.1f s; reconnecting",
                                now - self._last_recv)
                    self._open_session()
                    continue
                self._tick()
                if self._pending is not None:
                    self._probe_duty(now)
            elif now >= self._retry_at:
                if self._state == _REGISTERING:
                    log.info("no WELCOME within %.1f s; retrying with a new socket", self._backoff_used)
                self._open_session()

            if self._state == _ACTIVE and now >= self._next_report:
                self._report_subscriber()
            self._health_tick(now)
            self._flush_backlog()
            self._poll_sub(self._wants_events())
            timeout = max(0.0, min(self._next_deadline() - time.monotonic(), 1.0))
            ready = dict(self._poller.poll(int(timeout * 1000) + 1))
            if self._wake_r is not None and self._wake_r.fileno() in ready:
                self._drain_wake()
            if self._pub_outbox and self._pub is not None and self._pub in ready:
                self._flush_pub()
            if self._dealer_monitor is not None and self._dealer_monitor in ready \
                    and C.refused(self._dealer_monitor):
                # Retrying cannot help: the same key gets the same answer. run() exits with DENIED_EXIT.
                raise C.KeyRefused(self._control())
            if self._dealer is not None and self._dealer in ready:
                self._read_control()
            self._run_posted()
            if self._requests_startable():
                self._services.start_waiting()
            if self._sub_polled and self._sub in ready:
                self._read_events()

    def _requests_startable(self) -> bool:
        """Requests start once on_start (and a re-registration's on_reload) returned, until a stop."""
        return (self._started and self._hooks_pending == 0 and self._stop_reason is None
                and self._services.startable())

    def _next_deadline(self) -> float:
        if self._requests_startable():
            return 0.0  # requests wait to be started
        if self._state == _ACTIVE:
            deadline = min(self._last_send + self._interval, self._last_recv + self._interval * self._liveness)
            if self._pending is not None:
                deadline = min(deadline, self._probe_deadline())
            return min(deadline, self._health_deadline())
        return min(self._retry_at, self._health_deadline())

    def _tick(self) -> None:
        """Sends HEARTBEAT when nothing else went to the broker for an interval (section 4)."""
        if self._state == _ACTIVE and time.monotonic() - self._last_send >= self._interval:
            self._send(P.HEARTBEAT)

    def _read_control(self) -> None:
        while self._dealer is not None and self._stop_reason is None:
            try:
                frames = self._dealer.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self._last_recv = time.monotonic()  # any message is a sign of life, even a bad one
            try:
                msg = P.decode_control(frames)
            except ProtocolError as exc:
                log.warning("dropping malformed message from the broker: %s", exc)
                continue
            self._on_control(msg)

    # -- events ---------------------------------------------------------------------------------

    def _wants_events(self) -> bool:
        """Whether to read the SUB socket now: to find a probe that is out (holding the events before it),
        or to fill the handler queue when it has room and nothing is held."""
        if self._sub is None:
            return False
        if self._pending is not None and self._sync_topic is not None:
            return len(self._backlog) < BACKLOG_MAX
        if not self._started or self._backlog or self._handoff is None:
            return False
        return self._handoff.room() > 0

    def _read_events(self) -> None:
        """Reads up to EVENT_BATCH events: into the handler queue as far as it has room (and nothing is
        held), else, while a probe is out, into the backlog. Probes (``plexus.sync.*``) are taken out here
        and never reach a handler."""
        handoff = self._handoff
        assert self._sub is not None and handoff is not None
        room = handoff.room() if self._started and not self._backlog else 0
        batch: List[Item] = []
        for _ in range(EVENT_BATCH):
            direct = len(batch) < room
            if not direct and not (self._pending is not None and len(self._backlog) < BACKLOG_MAX):
                break
            try:
                frames = self._sub.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            try:
                event = Event.from_frames(frames)
            except ProtocolError as exc:
                self._malformed += 1
                # Rate-limited: a broken publisher must not flood the log.
                if self._malformed <= 10 or self._malformed % 1000 == 0:
                    log.warning("dropping malformed event (%d so far): %s", self._malformed, exc)
                continue
            if event.topic.startswith(P.SYNC_PREFIX):
                # Ours confirms the subscriptions; anyone else's (let in by ">" or by our own prefix,
                # e.g. instance "a-1" sees "a-10"'s) is dropped.
                if event.topic == self._sync_topic and self._pending is not None:
                    handoff.put_many(batch)  # the events before the probe go before what it brings
                    batch = []
                    self._finish_welcome(confirmed=True)
                    room = handoff.room() if self._started and not self._backlog else 0
                continue
            delivered = self._repaired(event)
            if direct:
                batch.extend(delivered)
            else:
                self._backlog.extend(delivered)
        handoff.put_many(batch)

    # -- gap repair (section 10) ---------------------------------------------------------------

    def _repaired(self, event: Event) -> List[Item]:
        """What ``event`` (a live event or an event heartbeat) brings for the handler thread, in order: none
        (a duplicate, a heartbeat), itself, or the events a repair found before it, and the losses it could
        not repair (as work that calls ``on_event_loss`` there, in line with the events)."""
        if is_heartbeat(event):
            try:
                job: Optional[Repair] = self._repair.on_heartbeat(Heartbeat.decode(event.data))
            except ProtocolError as exc:
                log.warning("ignoring malformed event heartbeat: %s", exc)
                job = None
        else:
            job = self._repair.on_event(event)
        if job is not None:
            # The repair runs here, on the I/O thread, which owns the SUB socket and so the order of events:
            # nothing after the event that revealed the gap may be handed over before the missing ones. It
            # blocks the loop for the few REPLAY round trips it takes; meanwhile the replay client's on_wait
            # (and _repair_sleep) keep heartbeating the session.
            run_repair(job, self._replay_client().replay_request, sleep=self._repair_sleep)
        return [item if isinstance(item, Event) else functools.partial(self._event_loss, item)
                for item in self._repair.drain()]

    def _replay_client(self) -> Client:
        """The I/O thread's own DEALER for REPLAY and SUBSCRIBER. Not the session's DEALER: its replies
        would have to be told apart from PLXP01 traffic in _read_control, a batch can be thousands of frames,
        and the session DEALER is replaced on every reconnect. Made on first use, in the run's context."""
        if self._replayer is None:
            self._replayer = Client(self._control(), 5.0, self._ctx, on_wait=self._tick)
        return self._replayer

    def _repair_sleep(self, seconds: float) -> None:
        """A repair waiting for the log's writer, on the I/O thread: heartbeats go on."""
        end = time.monotonic() + seconds
        while True:
            self._tick()
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.1))

    def _report_subscriber(self) -> None:
        """SUBSCRIBER every SUBSCRIBER_REPORT_S while there are subscriptions (so STATS shows who is slow)."""
        self._next_report = time.monotonic() + SUBSCRIBER_REPORT_S
        if not self._repair.patterns:
            return
        try:
            self._replay_client().report_subscriber(f"{self.instance}/events", [str(p) for p in self._repair.patterns],
                                                    self._repair.counts, timeout=1.0)
        except PlexusError as exc:
            if exc.code == 405:  # a broker before section 10: do not ask again this run
                self._next_report = float("inf")
            log.debug("SUBSCRIBER report not taken: %s", exc)

    def _flush_backlog(self) -> None:
        """Once on_start is handed over, moves held events (and the work behind them) to the handler
        queue, as far as it has room."""
        handoff = self._handoff
        if not self._started or not self._backlog or handoff is None:
            return
        room = handoff.room()
        moved: List[Item] = []
        while self._backlog:
            if isinstance(self._backlog[0], Event):
                if room <= 0:
                    break
                room -= 1
            moved.append(self._backlog.popleft())
        handoff.put_many(moved)

    def _poll_sub(self, want: bool) -> None:
        """Puts the SUB socket in the poller or takes it out (reading paused: no busy loop)."""
        if self._sub is None or want == self._sub_polled:
            return
        if want:
            self._poller.register(self._sub, zmq.POLLIN)
        else:
            self._poller.unregister(self._sub)
        self._sub_polled = want

    # -- sockets --------------------------------------------------------------------------------

    def _control(self) -> str:
        return self.broker or os.environ.get(P.ENV_BROKER) or P.DEFAULT_CONTROL

    def _open_session(self) -> None:
        """A new DEALER and a REGISTER on it; the next attempt comes after a doubling backoff."""
        assert self._ctx is not None
        self._close_dealer()
        sock = self._ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, LINGER_MS)
        if self._curve is None:
            self._curve = C.from_environment()
        C.apply(sock, self._curve)
        if self._curve is not None:
            self._dealer_monitor = C.monitor(sock)
            self._poller.register(self._dealer_monitor, zmq.POLLIN)
        sock.connect(self._control())
        self._dealer = sock
        self._poller.register(sock, zmq.POLLIN)
        self._register()

    def _send(self, command: bytes, *args: bytes) -> None:
        self._send_frames(P.encode_plugin(command, *args))

    def _send_frames(self, frames: List[bytes]) -> None:
        """Sends a control message on the I/O thread (the only one that may use the DEALER)."""
        if self._dealer is None:
            return
        try:
            self._dealer.send_multipart(frames, zmq.NOBLOCK)
        except zmq.Again:
            # No broker connected, or it does not keep up: a lost HEARTBEAT is harmless, a lost answer not.
            level = logging.DEBUG if frames[2] == P.HEARTBEAT else logging.WARNING
            log.log(level, "control queue full; %s not sent", frames[2].decode("ascii", "replace"))
        self._last_send = time.monotonic()

    def _close_dealer(self) -> None:
        self._services.reset("connection to the broker closed")
        self._health_session_lost()
        if self._dealer_monitor is not None:
            self._poller.unregister(self._dealer_monitor)
            self._dealer_monitor.close(linger=0)
            self._dealer_monitor = None
        if self._dealer is not None:
            self._poller.unregister(self._dealer)
            # LINGER 0: a REGISTER queued for a dead broker must not reach a later one.
            self._dealer.close(linger=0)
            self._dealer = None
        self._session = False
        self._pending = None
        self._ready_due = False

    def _connect_events(self, events_in: str, events_out: str) -> None:
        """Connects PUB/SUB on first WELCOME; moves them when the broker now lives elsewhere."""
        assert self._ctx is not None
        old_in, old_out = self._endpoints
        if self._pub is None:
            self._pub = self._ctx.socket(zmq.PUB)
            self._pub.setsockopt(zmq.LINGER, LINGER_MS)
            # A PUB socket drops what finds its queue full, silently; a publisher must never lose events that
            # way. XPUB_NODROP makes a full queue refuse the send instead (EAGAIN, or a blocking send waits up
            # to SNDTIMEO and then raises), and the high-water mark leaves room for bursts. The I/O thread
            # sends without blocking (a 5 s wait would stop heartbeats) and keeps what did not fit in
            # _pub_outbox until the socket has room; publish() raises once that is full.
            self._pub.setsockopt(zmq.SNDHWM, PUB_SNDHWM)
            self._pub.setsockopt(zmq.XPUB_NODROP, 1)
            self._pub.setsockopt(zmq.SNDTIMEO, PUB_SNDTIMEO_MS)
            C.apply(self._pub, self._curve)
        if self._sub is None:
            self._sub = self._ctx.socket(zmq.SUB)
            self._sub.setsockopt(zmq.LINGER, 0)
            # Room for bursts while reading pauses (same as the Swift SDK); the default 1000 drops early.
            self._sub.setsockopt(zmq.RCVHWM, SUB_RCVHWM)
            C.apply(self._sub, self._curve)
            for pattern, _ in list(self._subs):
                self._sub.setsockopt(zmq.SUBSCRIBE, pattern.prefix)
            # For on_mesh_ready; route() keeps these events from handlers no user pattern matches.
            for prefix in INTERNAL_PREFIXES:
                self._sub.setsockopt(zmq.SUBSCRIBE, prefix)
            # The probe topic last of all (section 4): when it works, so do the ones before it.
            if self._sync_topic is not None:
                self._sub.setsockopt(zmq.SUBSCRIBE, self._sync_topic.encode("utf-8"))
            self._sub_polled = False
        if old_out != events_out:
            self._repair.resubscribed()  # a new connection: its first heartbeat checks the tail
        for sock, old, new in ((self._pub, old_in, events_in), (self._sub, old_out, events_out)):
            if old == new:
                continue
            if old is not None:
                log.info("events endpoint moved: %s -> %s", old, new)
                try:
                    sock.disconnect(old)
                except zmq.ZMQError as exc:
                    log.debug("disconnect %s: %s", old, exc)
            sock.connect(new)
        self._endpoints = (events_in, events_out)

    def _add_prefix(self, prefix: bytes) -> None:
        """A subscription made while running (on the I/O thread)."""
        if self._sub is not None:
            self._sub.setsockopt(zmq.SUBSCRIBE, prefix)

    def _add_subscription(self, pattern: Pattern) -> None:
        """A pattern subscribed (before run(), or on the I/O thread while running): its prefix, and its
        topics' gap repair."""
        if pattern not in self._repair.patterns:
            self._repair.patterns.append(pattern)
        self._add_prefix(pattern.prefix)

    def _publish_frames(self, frames: List[bytes]) -> None:
        """Sends an event on the I/O thread, never dropping it: what finds the PUB queue full waits in
        _pub_outbox (in order) until the poller says there is room."""
        if self._pub is None:
            return
        if not self._pub_outbox:
            try:
                self._pub.send_multipart(frames, zmq.NOBLOCK)
                return
            except zmq.Again:
                log.warning("the PUB socket's queue is full (%d events): holding events until the broker "
                            "takes them", PUB_SNDHWM)
        self._pub_outbox.append(frames)
        if not self._pub_polled:
            self._poller.register(self._pub, zmq.POLLOUT)
            self._pub_polled = True

    def _flush_pub(self) -> None:
        while self._pub_outbox and self._pub is not None:
            try:
                self._pub.send_multipart(self._pub_outbox[0], zmq.NOBLOCK)
            except zmq.Again:
                return
            self._pub_outbox.popleft()
        if self._pub_polled and self._pub is not None:
            self._poller.unregister(self._pub)
        self._pub_polled = False

    def _shutdown(self, reason: str) -> None:
        """On the I/O thread at the end: what other threads handed over (publishes from on_stop, answers),
        GOODBYE (if registered), then every socket closed with a bounded linger, and the context."""
        said_goodbye = False
        try:
            self._run_posted()
            self._flush_pub_blocking()
            said_goodbye = self._session and self._dealer is not None
            if said_goodbye:
                self._send_frames(P.encode_goodbye(reason))
                log.info("said goodbye (%s)", reason)
        finally:
            if self._dealer_monitor is not None:
                # An open monitor socket would keep ctx.term() waiting for ever.
                self._dealer_monitor.close(linger=0)
                self._dealer_monitor = None
            if self._dealer is not None:
                # Let GOODBYE out, but not forever; a REGISTER nobody took is just dropped.
                self._dealer.close(linger=LINGER_MS if said_goodbye else 0)
                self._dealer = None
            if self._replayer is not None:
                self._replayer.close()
                self._replayer = None
            if self._sub is not None:
                self._sub.close()
            if self._pub is not None:
                self._pub.close()  # LINGER_MS lets the last events (from on_stop) out
            self._pub_polled = False
            self._sub = self._pub = None
            self._sub_polled = False
            self._endpoints = (None, None)
            self._poller = zmq.Poller()
            if self._ctx is not None:
                self._ctx.term()
                self._ctx = None
            self._session = False
            self._state = _WAITING

    def _flush_pub_blocking(self) -> None:
        """At the end: events still held for the PUB socket go out with blocking sends (each waits at most
        SNDTIMEO); those that still find no room are counted and logged, not dropped silently."""
        while self._pub_outbox and self._pub is not None:
            try:
                self._pub.send_multipart(self._pub_outbox[0])
            except zmq.Again:
                log.error("stopping: %d event(s) could not be published (the broker took none for %.0f s)",
                          len(self._pub_outbox), PUB_SNDTIMEO_MS / 1000)
                self._pub_outbox.clear()
                return
            self._pub_outbox.popleft()

    # -- stopping (on the I/O thread) --------------------------------------------------------------

    def _drain_services(self) -> None:
        """Stopping, on the I/O thread: requests not started are dropped (the broker fails or re-queues
        them at GOODBYE); those running on worker threads may finish and are answered before GOODBYE, as
        the handler in hand is. Sets ``_drained`` once the worker threads are done with, or waiting for
        them is useless: past their latest deadline, or the session is gone or silent. Meanwhile, and
        until run() asks to finish (after on_stop), it heartbeats, honours CANCEL and sends what the other
        threads hand over (the answer of the inline handler in hand, publishes from on_stop)."""
        dropped = self._services.stop_accepting()
        if dropped:
            log.info("stopping: %d request(s) not started are dropped", dropped)
        self._run_posted()
        if self._services.running:
            log.info("stopping: waiting for %d request(s) in progress", self._services.running)
        waiting = True
        while self._finish_reason is None:
            if waiting and not self._worth_waiting():
                waiting = False
                self._drained.set()
            self._tick()
            left = self._services.latest_deadline() - time.time() if waiting else self._interval
            # A fresh poller each round: not self._poller (unread events on SUB would make it spin), and
            # a DISCONNECT may close the DEALER.
            poller = zmq.Poller()
            if self._wake_r is not None:
                poller.register(self._wake_r.fileno(), zmq.POLLIN)
            if self._dealer is not None:
                poller.register(self._dealer, zmq.POLLIN)
            ready = dict(poller.poll(int(max(0.0, min(left, self._interval)) * 1000) + 1))
            if self._wake_r is not None and self._wake_r.fileno() in ready:
                self._drain_wake()
            if self._dealer is not None and self._dealer in ready:
                self._read_while_draining()
            self._run_posted()

    def _worth_waiting(self) -> bool:
        """Whether requests on worker threads still may be answered (logs why not, when they run)."""
        if not self._services.running:
            return False
        if self._dealer is None or not self._session:
            log.warning("stopping: the session is gone; not waiting for %d request(s)", self._services.running)
            return False
        if self._services.latest_deadline() <= time.time():
            log.warning("stopping: %d request(s) still running past their deadline; not waiting for them",
                        self._services.running)
            return False
        silent = time.monotonic() - self._last_recv
        if silent >= self._interval * self._liveness:
            log.warning("stopping: no message from the broker for %.1f s; not waiting for requests", silent)
            return False
        return True

    def _read_while_draining(self) -> None:
        """Broker messages while stopping: only what concerns the requests in progress matters."""
        while self._dealer is not None:
            try:
                frames = self._dealer.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self._last_recv = time.monotonic()
            try:
                msg = P.decode_control(frames)
            except ProtocolError as exc:
                log.warning("dropping malformed message from the broker: %s", exc)
                continue
            cmd = msg.command
            if msg.header != P.PLUGIN:
                continue
            if cmd == P.CANCEL:
                self._services.on_cancel(msg.args)
            elif cmd == P.REQUEST:
                self._services.on_request(msg.args)  # not accepting any more: dropped
            elif cmd == P.DISCONNECT:
                log.info("broker is going away while we stop")
                self._close_dealer()  # no session, so no GOODBYE either
            elif cmd == P.ERR:
                err = PlexusError.from_body(msg.args[0] if msg.args else None)
                if err.code == 401:  # the broker forgot us: our answers have nowhere to go
                    self._services.reset("not registered")
                    self._session = False
                else:
                    log.warning("broker error: %s", err)

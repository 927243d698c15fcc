"""A subscriber that repairs its gaps: :class:`ReliableSubscriber` (docs/PROTOCOL.md, section 10).

The live path may lose events (a full queue in the broker, a fresh subscription, a restart); every loss is
visible in ``prev`` and the event heartbeat, and the broker's event log fills it. This module is the socket
loop: a SUB socket on ``events_out`` (the patterns' prefixes and ``plexus.events.heartbeat``) and a
:class:`~plexus.Client` for ``REPLAY`` and the ``SUBSCRIBER`` reports. Every decision (deliver, skip, what to
replay, what is lost) is :class:`~plexus.repair.GapRepair`'s, which the plugin runtime shares.

    sub = ReliableSubscriber(["order.>"], handle, on_loss=lambda first, last, reason: ...)
    sub.run()          # until sub.stop() (from any thread) or a signal in the handler

With ``from_seq``, ``from_time`` or ``last`` it starts with the replay-then-live handshake: stored events
first, then live ones, with no gap and no duplicate between them.
"""

import logging
import os
import threading
import time
from typing import Any, Callable, List, Optional, Sequence, Union

import zmq

from . import curve as C
from . import protocol as P
from .client import Client
from .errors import PlexusError, ProtocolError
from .event import Event
from .events_codec import DEFAULT_REPLAY_EVENTS, Heartbeat, SubscriberCounts, is_heartbeat
from .patterns import Pattern
from .repair import GapRepair, Loss, Repair, run_repair

log = logging.getLogger("plexus.reliable")

#: How often a subscriber reports its counts with ``SUBSCRIBER`` (seconds).
REPORT_INTERVAL_S = 5.0
#: How long the handshake waits for the first heartbeat before replaying without one (seconds).
HANDSHAKE_WAIT_S = 5.0
#: Receive high-water mark of the SUB socket: room for bursts while a repair or a slow handler runs.
SUB_RCVHWM = 100_000

EventHandler = Callable[[Event], Any]
LossHandler = Callable[[int, int, str], Any]


class ReliableSubscriber:
    """Delivers every event of ``patterns`` to ``handler`` exactly once and in seq order per topic, repairing
    losses from the broker's event log; what cannot be repaired goes to ``on_loss(first, last, reason)``
    (and the log), never silently.

    ``broker`` is the control endpoint (default ``$PLEXUS_BROKER``, else ``tcp://127.0.0.1:7700``); the
    events endpoint comes from ``DISCOVER``. ``from_seq``/``from_time`` (µs)/``last`` (at most one) start
    with a replay of stored events (the handshake of section 10); without them it starts live. ``name``
    makes the ``SUBSCRIBER`` id ``"<instance or client-PID>/<name>"`` (``subscriber_id`` replaces it).

    Counters: ``counts`` (:class:`~plexus.events_codec.SubscriberCounts`: ``received``, ``delivered``,
    ``gaps_seen``, ``gaps_repaired``, ``events_repaired``, ``events_lost``). Not thread-safe, except
    :meth:`stop`. Use it as a context manager or call :meth:`close`.
    """

    def __init__(self, patterns: Sequence[Union[str, Pattern]], handler: EventHandler,
                 on_loss: Optional[LossHandler] = None, *, broker: Optional[str] = None, name: str = "main",
                 subscriber_id: Optional[str] = None, from_seq: Optional[int] = None,
                 from_time: Optional[int] = None, last: Optional[int] = None,
                 report_interval: float = REPORT_INTERVAL_S, max_events: int = DEFAULT_REPLAY_EVENTS,
                 context: Optional["zmq.Context[Any]"] = None, timeout: float = 5.0) -> None:
        if sum(x is not None for x in (from_seq, from_time, last)) > 1:
            raise ValueError("give at most one of from_seq, from_time and last")
        self.core = GapRepair(patterns, max_events=max_events)
        self.handler = handler
        self.on_loss = on_loss
        self.client = Client(broker, timeout, context)
        self.subscriber_id = subscriber_id or f"{os.environ.get(P.ENV_INSTANCE) or f'client-{os.getpid()}'}/{name}"
        self.report_interval = report_interval
        self._start = (from_seq, from_time, last)
        self._ctx = context or zmq.Context.instance()
        self._sub: Optional["zmq.Socket[bytes]"] = None
        self._stop = threading.Event()
        self._next_report = 0.0
        self._started = False

    @property
    def counts(self) -> SubscriberCounts:
        return self.core.counts

    @property
    def patterns(self) -> List[str]:
        return [str(p) for p in self.core.patterns]

    # -- running -------------------------------------------------------------------------------

    def start(self) -> None:
        """Connects and subscribes; with a start point, runs the handshake (replay, then the live events
        buffered meanwhile). :meth:`poll` and :meth:`run` call it when needed."""
        if self._started:
            return
        info = self.client.discover()
        sub = self._ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.RCVHWM, SUB_RCVHWM)
        for prefix in sorted({p.prefix for p in self.core.patterns}):
            sub.setsockopt(zmq.SUBSCRIBE, prefix)
        sub.setsockopt(zmq.SUBSCRIBE, P.EVENTS_HEARTBEAT.encode("utf-8"))
        C.apply(sub, self.client.curve)
        sub.connect(info["events_out"])
        self._sub = sub
        self._started = True
        self._next_report = time.monotonic() + self.report_interval
        if any(x is not None for x in self._start):
            self._handshake()

    def poll(self, timeout: float = 1.0) -> int:
        """Handles what arrives within ``timeout`` seconds (repairs included); returns how many events were
        delivered."""
        self.start()
        assert self._sub is not None
        delivered = self.core.counts.delivered
        deadline = time.monotonic() + timeout
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or not self._sub.poll(int(left * 1000) + 1, zmq.POLLIN):
                break
            for _ in range(1000):  # then look at the clock again
                try:
                    frames = self._sub.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self._feed(frames)
        self._report_if_due()
        return self.core.counts.delivered - delivered

    def run(self, duration: Optional[float] = None) -> None:
        """Polls until :meth:`stop` (or for ``duration`` seconds)."""
        end = None if duration is None else time.monotonic() + duration
        while not self._stop.is_set() and (end is None or time.monotonic() < end):
            self.poll(0.5 if end is None else max(0.0, min(0.5, end - time.monotonic())))

    def stop(self) -> None:
        """Makes :meth:`run` return (from any thread)."""
        self._stop.set()

    def close(self) -> None:
        """Sends a last report and closes the sockets."""
        if self._started:
            self._report(final=True)
        if self._sub is not None:
            self._sub.close(linger=0)
            self._sub = None
        self.client.close()
        self._started = False

    def __enter__(self) -> "ReliableSubscriber":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the work --------------------------------------------------------------------------------

    def _handshake(self) -> None:
        """Section 10's handshake: buffer live events until the first heartbeat, replay up to its head, then
        the buffer (whose duplicates of the replay the core skips)."""
        assert self._sub is not None
        buffered: List[List[bytes]] = []
        heartbeat: Optional[Heartbeat] = None
        deadline = time.monotonic() + HANDSHAKE_WAIT_S
        while heartbeat is None and time.monotonic() < deadline:
            if not self._sub.poll(int(max(0.0, deadline - time.monotonic()) * 1000) + 1, zmq.POLLIN):
                continue
            frames = self._sub.recv_multipart()
            event = self._decode(frames)
            if event is not None and is_heartbeat(event):
                heartbeat = self._decode_heartbeat(event)
            elif event is not None:
                buffered.append(frames)
        if heartbeat is None:
            log.warning("no event heartbeat within %.0f s (a broker without section 10?): replaying until done "
                        "without knowing where live delivery begins", HANDSHAKE_WAIT_S)
        from_seq, from_time, last = self._start
        self._run(self.core.begin(heartbeat, from_seq, from_time, last))
        for frames in buffered:
            self._feed(frames)

    def _feed(self, frames: List[bytes]) -> None:
        event = self._decode(frames)
        if event is None:
            return
        if is_heartbeat(event):
            heartbeat = self._decode_heartbeat(event)
            job = self.core.on_heartbeat(heartbeat) if heartbeat is not None else None
        else:
            job = self.core.on_event(event)
        if job is not None:
            self._run(job)
        else:
            self._emit()

    def _run(self, job: Repair) -> None:
        run_repair(job, self.client.replay_request)
        self._emit()

    def _emit(self) -> None:
        for item in self.core.drain():
            if isinstance(item, Loss):
                self._loss(item)
            elif self.core.tracks(item.topic):
                try:
                    self.handler(item)
                except Exception:
                    log.exception("handler failed on %s seq=%d", item.topic, item.seq)

    def _loss(self, loss: Loss) -> None:
        if self.on_loss is None:
            return  # GapRepair logged it already
        try:
            self.on_loss(loss.first, loss.last, loss.reason)
        except Exception:
            log.exception("on_loss failed")

    def _decode(self, frames: List[bytes]) -> Optional[Event]:
        try:
            return Event.from_frames(frames)
        except ProtocolError as exc:
            log.warning("dropping malformed event: %s", exc)
            return None

    @staticmethod
    def _decode_heartbeat(event: Event) -> Optional[Heartbeat]:
        try:
            return Heartbeat.decode(event.data)
        except ProtocolError as exc:
            log.warning("ignoring malformed event heartbeat: %s", exc)
            return None

    def _report_if_due(self) -> None:
        if time.monotonic() >= self._next_report:
            self._report()

    def _report(self, final: bool = False) -> None:
        self._next_report = time.monotonic() + self.report_interval
        try:
            self.client.report_subscriber(self.subscriber_id, self.patterns, self.core.counts,
                                          timeout=1.0 if final else None)
        except PlexusError as exc:
            # Reports are for STATS only: an older broker (405) or a busy one must not stop the subscriber.
            log.debug("SUBSCRIBER report not taken: %s", exc)

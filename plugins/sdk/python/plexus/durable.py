"""Durable subscriptions: :class:`DurableConsumer` (docs/PROTOCOL.md, section 10, "Durable subscriptions").

The broker keeps a cursor per subscription name: the highest seq its consumer acknowledged. The consumer
reads with ``REPLAY`` from ``acked + 1`` in seq order (the broker filters by the pattern), hands each event to
the handler, retries a handler that raises with a doubling backoff (100 ms, 200 ms, ...; 5 attempts by
default), then sends the event to ``DURABLE DEAD`` (the broker publishes it on ``plexus.deadletter.NAME``), and
acknowledges after each batch (``ACK`` is cumulative). When a replay is ``done`` it waits for a doorbell on
its SUB socket (a live event of the pattern, or the event heartbeat, about once a second) and asks again: the
live path only says *when* to ask, never *what* was published, so a lost live event costs nothing.

Delivery is at least once: an event handled but not yet acknowledged when the consumer dies is handled again
after a restart. Handlers should be idempotent (e.g. keyed by ``event.seq``).

    consumer = DurableConsumer("billing", "order.>", handle)
    consumer.run()     # until consumer.stop()

Plugins declare durable subscriptions with :func:`durable` or ``Plugin.durable`` (see :mod:`plexus.plugin`).
"""

import logging
import threading
import time
from typing import Any, Callable, Optional, Tuple

import zmq

from . import curve as C
from . import protocol as P
from .client import Client
from .errors import PlexusError
from .event import Event
from .events_codec import DEFAULT_REPLAY_EVENTS, DurableCursor, DurableStart, ReplayBatch, truncated_first_seq
from .patterns import Pattern

log = logging.getLogger("plexus.durable")

#: Handler attempts per event before it goes to the dead letters, and the first retry's delay (doubling).
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_S = 0.1
#: How long a consumer with nothing to read waits for a doorbell before asking again anyway (seconds).
IDLE_WAIT_S = 2.0

DurableHandler = Callable[[Event], Any]
LossHandler = Callable[[int, int, str], Any]
#: Runs the handler call it is given and returns its result or raises what it raised (the plugin runtime
#: runs it on the plugin's handler thread); the default calls it here.
Invoke = Callable[[Callable[[], Any]], Any]


class Stopped(Exception):
    """The consumer was stopped while an event was in hand (it is not acknowledged)."""


def handle_with_retry(handler: DurableHandler, event: Event, max_attempts: int, backoff: float,
                      wait: Callable[[float], bool], invoke: Invoke = lambda fn: fn()) -> Optional[Tuple[str, int]]:
    """Calls ``handler(event)`` (through ``invoke``) until it returns, at most ``max_attempts`` times,
    waiting ``backoff``, then twice as long, ... between attempts with ``wait(seconds)``, which returns True
    when the consumer is stopping (then :class:`Stopped` is raised). Returns None on success, else the last
    error's text and the number of attempts made."""
    delay = backoff
    error = ""
    for attempt in range(1, max_attempts + 1):
        try:
            invoke(lambda: handler(event))
            return None
        except Stopped:
            raise
        except Exception as exc:  # the handler's failure: retried, then dead-lettered
            error = _clip(f"{type(exc).__name__}: {exc}")
            log.warning("durable handler failed on %s seq=%d (attempt %d of %d): %s", event.topic, event.seq,
                        attempt, max_attempts, error)
        if attempt < max_attempts:
            if wait(delay):
                raise Stopped()
            delay *= 2
    return error, max_attempts


#: The broker refuses a ``DURABLE DEAD`` error longer than this (UTF-8 bytes); longer texts are cut.
MAX_ERROR_BYTES = 4096


def _clip(text: str) -> str:
    """``text`` cut to at most MAX_ERROR_BYTES of UTF-8 (on a character boundary)."""
    data = text.encode("utf-8")
    if len(data) <= MAX_ERROR_BYTES:
        return text
    return data[:MAX_ERROR_BYTES - 3].decode("utf-8", "ignore") + "..."


class DurableConsumer:
    """Consumes the durable subscription ``name`` on ``pattern`` (see the module documentation).

    ``start`` applies when the subscription is created: ``"new"`` (from now), ``"all"`` (every stored event)
    or a seq (after it). ``max_attempts`` and ``backoff`` (seconds, doubling) govern retries; ``batch`` is
    the ``REPLAY`` size and how often it acknowledges. ``on_loss(first, last, reason)`` hears of seqs the log
    cannot give (gaps, retention); they are logged too. ``invoke`` runs each handler call (default: here).

    Counters: ``handled`` (events the handler took), ``dead`` (sent to the dead letters), ``acked``.
    """

    def __init__(self, name: str, pattern: str, handler: DurableHandler, *, broker: Optional[str] = None,
                 start: DurableStart = "new", max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 backoff: float = DEFAULT_BACKOFF_S, batch: int = DEFAULT_REPLAY_EVENTS,
                 on_loss: Optional[LossHandler] = None, invoke: Optional[Invoke] = None,
                 context: Optional["zmq.Context[Any]"] = None, timeout: float = 5.0,
                 idle_wait: float = IDLE_WAIT_S) -> None:
        P.validate_name(name, "durable subscription name")
        self.pattern = Pattern(pattern)
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.name = name
        self.handler = handler
        self.start = start
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.batch = batch
        self.on_loss = on_loss
        self.invoke: Invoke = invoke or (lambda fn: fn())
        self.idle_wait = idle_wait
        self.client = Client(broker, timeout, context)
        self._ctx = context or zmq.Context.instance()
        self._sub: Optional["zmq.Socket[bytes]"] = None
        self._stop = threading.Event()
        self.cursor: Optional[DurableCursor] = None
        self.acked = 0
        self.handled = 0
        self.dead = 0

    # -- running -------------------------------------------------------------------------------

    def open(self) -> DurableCursor:
        """``DURABLE OPEN`` (creates the cursor or finds it) and the doorbell SUB. Called by :meth:`poll`."""
        if self.cursor is None:
            self.cursor = self.client.durable_open(self.name, str(self.pattern), self.start)
            self.acked = self.cursor.acked
            log.info("durable %s on %s: acked %d%s", self.name, self.pattern, self.acked,
                     " (created)" if self.cursor.created else "")
        if self._sub is None:
            info = self.client.discover()
            sub = self._ctx.socket(zmq.SUB)
            sub.setsockopt(zmq.LINGER, 0)
            sub.setsockopt(zmq.SUBSCRIBE, self.pattern.prefix)
            sub.setsockopt(zmq.SUBSCRIBE, P.EVENTS_HEARTBEAT.encode("utf-8"))
            C.apply(sub, self.client.curve)
            sub.connect(info["events_out"])
            self._sub = sub
        return self.cursor

    def poll(self, timeout: Optional[float] = None) -> int:
        """One round: a batch from ``acked + 1``, handled and acknowledged; when the replay was ``done``, then
        waits up to ``timeout`` (default ``idle_wait``) for a doorbell. Returns how many events were handled."""
        self.open()
        before = self.handled
        batch = self._fetch()
        if batch is not None:
            self._consume(batch)
        if batch is None or batch.done:
            self._doorbell(self.idle_wait if timeout is None else timeout)
        return self.handled - before

    def run(self) -> None:
        """Polls until :meth:`stop`. A broker that does not answer is retried (with a log line) after a
        pause; what was not acknowledged is handled again then."""
        while not self._stop.is_set():
            try:
                self.poll()
            except Stopped:
                break
            except PlexusError as exc:
                log.warning("durable %s: %s; retrying", self.name, exc)
                self.client.close()
                if exc.code in (404, 409, 400):
                    self.cursor = None  # deleted or changed meanwhile: open it again
                self._stop.wait(1.0)

    def stop(self) -> None:
        """Makes :meth:`run` return (from any thread): the event in hand is not acknowledged."""
        self._stop.set()

    def close(self) -> None:
        if self._sub is not None:
            self._sub.close(linger=0)
            self._sub = None
        self.client.close()

    def __enter__(self) -> "DurableConsumer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the work --------------------------------------------------------------------------------

    def _fetch(self) -> Optional[ReplayBatch]:
        from_seq = self.acked + 1
        try:
            return self.client.replay(str(self.pattern), from_seq=from_seq, max_events=self.batch)
        except PlexusError as exc:
            first_seq = truncated_first_seq(exc.details) if exc.code == 410 else None
            if first_seq is None or first_seq <= from_seq:
                raise
            self._loss(from_seq, first_seq - 1, "truncated: older than the oldest stored event")
            self._ack(first_seq - 1)
            return None

    def _consume(self, batch: ReplayBatch) -> None:
        for gap in batch.gaps:
            if gap.last > self.acked:
                self._loss(max(gap.first, self.acked + 1), gap.last, f"not in the event log: {gap.reason}")
        done_to = self.acked
        try:
            for event in batch.events:
                if event.seq <= self.acked:
                    continue
                failure = handle_with_retry(self.handler, event, self.max_attempts, self.backoff, self._stop.wait,
                                            self.invoke)
                if failure is not None:
                    error, attempts = failure
                    seq = self.client.durable_dead(self.name, event.seq, event.topic, error, attempts, event.data)
                    self.dead += 1
                    log.error("durable %s: %s seq=%d sent to %s%s (seq %d) after %d attempts: %s", self.name,
                              event.topic, event.seq, P.DEADLETTER_PREFIX, self.name, seq, attempts, error)
                else:
                    self.handled += 1
                done_to = event.seq
            # The whole batch is done: what it scanned holds nothing else of the pattern.
            done_to = max(done_to, min(batch.scanned_to, batch.next_seq - 1))
        finally:
            if done_to > self.acked:
                self._ack(done_to)

    def _ack(self, seq: int) -> None:
        self.acked = max(self.acked, self.client.durable_ack(self.name, seq))

    def _doorbell(self, timeout: float) -> None:
        """Waits for anything on the SUB socket (a live event of the pattern or a heartbeat), then drains it:
        only the next REPLAY says what to handle."""
        sub = self._sub
        if sub is None or self._stop.is_set():
            return
        end = time.monotonic() + timeout
        while not self._stop.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return
            if sub.poll(int(min(left, 0.2) * 1000) + 1, zmq.POLLIN):
                break
        while True:
            try:
                sub.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return

    def _loss(self, first: int, last: int, reason: str) -> None:
        log.warning("durable %s: seqs %d-%d lost (%s)", self.name, first, last, reason)
        if self.on_loss is not None:
            try:
                self.on_loss(first, last, reason)
            except Exception:
                log.exception("on_loss failed")


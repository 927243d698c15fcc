"""Gap repair as pure decisions (docs/PROTOCOL.md, section 10, "A subscriber that repairs its gaps").

:class:`GapRepair` decides, for each live event and event heartbeat, whether to deliver it, skip it (a
duplicate) or first repair a loss; a repair is a :class:`Repair` job that says which ``REPLAY`` to send next
and takes the answers (or errors). No sockets and no real clock here: :func:`run_repair` drives a job with a
``fetch`` function (a :class:`~plexus.Client`'s ``replay_request`` in the SDK, a fake in the unit tests), and
the subscribers (:class:`~plexus.reliable.ReliableSubscriber`, the plugin runtime, the CLI) feed it events.

What comes out, in order, is :meth:`GapRepair.drain`: events to hand to the handler (exactly once and in
seq order per topic) and :class:`Loss` reports (seqs the log cannot give: gaps, truncation, no log), which
the subscriber passes to its ``on_loss`` and logs. Nothing is lost silently.

How a loss is found: every event's META ``prev`` names the previous seq on its topic, so a replayed or live
event whose ``prev`` is above the last seq delivered on that topic proves that the seqs in between hold at
least one event we do not have. Heartbeats cover what ``prev`` cannot: topics first seen, topics past the
broker's topic table, and the tail after the last event.
"""

import logging
import time
from typing import Callable, Deque, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import collections

from .errors import PlexusError
from .event import Event
from .events_codec import DEFAULT_REPLAY_EVENTS, Heartbeat, LogGap, ReplayBatch, ReplayRequest, SubscriberCounts, \
    truncated_first_seq
from .patterns import Pattern

log = logging.getLogger("plexus.repair")

#: How long a repair keeps asking while the broker says ``done`` but has not scanned far enough: the log's
#: writer may be a moment behind the live path (section 10).
REPAIR_PATIENCE_S = 5.0
#: Pause between such repeated asks.
REPAIR_RETRY_S = 0.05


class Loss(NamedTuple):
    """Seqs ``first``..``last`` (inclusive) that may hold events the subscriber will never get, and why.
    ``topic`` is the topic the loss was found on, None for a tail check over the patterns (then the range may
    hold seqs of other topics too). ``first`` = ``last`` = 0 for an epoch change (numbers started again)."""

    first: int
    last: int
    reason: str
    topic: Optional[str] = None


Output = Union[Event, Loss]
Fetch = Callable[[ReplayRequest], ReplayBatch]


class GapRepair:
    """The decisions of one subscriber over its ``patterns`` (see the module documentation).

    State: ``last`` (per topic, the last seq delivered), ``start`` (the seq from which the subscriber owes
    itself every event: the first heartbeat's ``head``, or the end of the start-up replay), ``trusted`` (the
    last heartbeat ``head`` up to which everything is known delivered or reported), and the last heartbeat's
    ``n``, ``dropped`` and ``epoch``. ``counts`` are the numbers ``SUBSCRIBER`` reports.

    Events whose topic matches none of the patterns (let in by a prefix, or the SDK's own subscriptions) are
    passed through untracked: the caller routes them.
    """

    def __init__(self, patterns: Sequence[Union[str, Pattern]], clock: Callable[[], float] = time.monotonic,
                 max_events: int = DEFAULT_REPLAY_EVENTS) -> None:
        self.patterns: List[Pattern] = [p if isinstance(p, Pattern) else Pattern(p) for p in patterns]
        self.clock = clock
        self.max_events = max_events
        self.last: Dict[str, int] = {}
        self.start: Optional[int] = None
        self.trusted: Optional[int] = None
        self.epoch: Optional[str] = None
        self.hb_n: Optional[int] = None
        self.hb_dropped: Optional[int] = None
        self.counts = SubscriberCounts()
        self.duplicates = 0
        self._out: Deque[Output] = collections.deque()

    # -- what comes out ------------------------------------------------------------------------

    def drain(self) -> List[Output]:
        """Events to deliver and losses to report, in order, since the last call."""
        items = list(self._out)
        self._out.clear()
        return items

    # -- live input ----------------------------------------------------------------------------

    def tracks(self, topic: str) -> bool:
        """Whether ``topic`` matches one of the patterns (only those are checked for gaps)."""
        return any(p.matches(topic) for p in self.patterns)

    def on_event(self, event: Event) -> Optional["Repair"]:
        """A live event (not a heartbeat: see :meth:`on_heartbeat`). Either it is delivered or skipped now
        (None is returned), or a loss before it was found: the returned repair must run (:func:`run_repair`)
        and delivers it at its end."""
        if not self.tracks(event.topic):
            self._out.append(event)
            return None
        self.counts.received += 1
        self.check_epoch(event.epoch)
        last = self.last.get(event.topic)
        if last is not None and event.seq <= last:
            self.duplicates += 1
            return None
        prev = event.prev
        # In order: prev is what we last delivered (or older); or the topic is new to us and its previous event
        # is from before the seq we owe ourselves; or nothing can be checked (no prev, or no start yet).
        if prev is None or (last is not None and prev <= last) or \
                (last is None and (self.start is None or prev <= self.start)):
            self._deliver(event)
            return None
        base = last if last is not None else self.start
        assert base is not None
        self.counts.gaps_seen += 1
        log.info("gap on %s: seq %d follows %d, last delivered %s; replaying %d-%d", event.topic, event.seq, prev,
                 last, base + 1, event.seq - 1)
        return Repair(self, "gap", [event.topic], base + 1, event.seq - 1, held=event)

    def on_heartbeat(self, heartbeat: Heartbeat) -> Optional["Repair"]:
        """An event heartbeat. Returns the tail check to run when ``n`` skipped, ``dropped`` changed, or it is
        the first since subscribing (with a trusted head already known); else None."""
        self.check_epoch(heartbeat.epoch)
        first_since_subscribing = self.hb_n is None
        skipped = self.hb_n is not None and heartbeat.n != self.hb_n + 1
        dropped = self.hb_dropped is not None and heartbeat.dropped != self.hb_dropped
        self.hb_n, self.hb_dropped = heartbeat.n, heartbeat.dropped
        if self.trusted is None:
            # The first heartbeat we know of: from its head on we owe ourselves every event.
            self.trusted = heartbeat.head
            if self.start is None:
                self.start = heartbeat.head
            return None
        if heartbeat.head <= self.trusted or not (first_since_subscribing or skipped or dropped):
            self.trusted = max(self.trusted, heartbeat.head)
            return None
        why = "first heartbeat since subscribing" if first_since_subscribing else \
            f"heartbeat n {heartbeat.n} skipped" if skipped else f"dropped changed to {heartbeat.dropped}"
        log.debug("tail check (%s): replaying %d-%d", why, self.trusted + 1, heartbeat.head)
        return Repair(self, "tail", [str(p) for p in self.patterns], self.trusted + 1, heartbeat.head)

    def resubscribed(self) -> None:
        """The SUB socket was made again (or reconnected to another endpoint): the next heartbeat is the
        first since subscribing, so it checks the tail."""
        self.hb_n = self.hb_dropped = None

    def check_epoch(self, epoch: Optional[str]) -> bool:
        """Notes the sequence's name; on a change forgets every seq it knew (they may start again) and
        reports it as a loss 0-0 (what was published around the change cannot be told). True on a change."""
        if epoch is None:
            return False
        if self.epoch is None:
            self.epoch = epoch
            return False
        if epoch == self.epoch:
            return False
        reason = f"epoch changed from {self.epoch} to {epoch}: sequence numbers started again"
        log.warning("%s; forgetting %d topic(s)' seqs", reason, len(self.last))
        self.epoch = epoch
        self.last.clear()
        self.start = self.trusted = self.hb_n = self.hb_dropped = None
        self._out.append(Loss(0, 0, reason))
        return True

    # -- the start-up handshake ----------------------------------------------------------------

    def begin(self, heartbeat: Optional[Heartbeat], from_seq: Optional[int] = None,
              from_time: Optional[int] = None, last: Optional[int] = None) -> "Repair":
        """The replay of the replay-then-live handshake (section 10, steps 2-3): from ``from_seq``,
        ``from_time`` or the ``last`` N up to the first heartbeat's ``head`` (until ``done`` without one). At
        its end ``start`` is that head and the buffered live events can be fed to :meth:`on_event`."""
        if heartbeat is not None:
            self.check_epoch(heartbeat.epoch)
            self.hb_n, self.hb_dropped = heartbeat.n, heartbeat.dropped
            self.trusted = heartbeat.head
        job = Repair(self, "start", [str(p) for p in self.patterns], from_seq if from_seq is not None else 0,
                     heartbeat.head if heartbeat is not None else None)
        if from_seq is None:
            # The first request of each pattern starts at from_time, the last N, or (none given) the oldest
            # stored; the following ones go on from next_seq.
            job.first_extra = {"from_time": from_time, "last": last}
            job.use_extra = True
        return job

    # -- for Repair ----------------------------------------------------------------------------

    def _deliver(self, event: Event) -> None:
        self.last[event.topic] = event.seq
        self.counts.delivered += 1
        self._out.append(event)

    def _lose(self, loss: Loss) -> None:
        self.counts.events_lost += max(0, loss.last - loss.first + 1) if loss.first else 0
        log.warning("events lost%s: seqs %d-%d (%s)", f" on {loss.topic}" if loss.topic else "", loss.first,
                    loss.last, loss.reason)
        self._out.append(loss)


class Repair:
    """One replay job: a ``gap`` (exactly one topic, between the last seq delivered and a live event that
    revealed the loss, which it delivers at its end), a ``tail`` check (the patterns, from the last trusted
    head to a heartbeat's head) or the ``start`` of a handshake. Drive it with :func:`run_repair`, or by hand:
    :meth:`next_request`, then :meth:`on_batch` or :meth:`on_error`, until :meth:`next_request` gives None,
    then :meth:`finish`."""

    def __init__(self, core: GapRepair, kind: str, patterns: List[str], from_seq: int, to_seq: Optional[int],
                 held: Optional[Event] = None) -> None:
        self.core = core
        self.kind = kind
        self.patterns = patterns
        self.from_seq = from_seq
        self.to_seq = to_seq
        self.held = held
        self.first_extra: Dict[str, Optional[int]] = {}
        self.use_extra = False
        self.error: Optional[str] = None  # the broker's refusal, as the reason of what stays missing
        self.repaired = 0
        self.lost: List[Tuple[int, int]] = []
        self.gaps: List[LogGap] = []
        self.truncated: List[Tuple[int, int]] = []  # ranges the log no longer holds (410)
        self.reached = from_seq - 1   # the highest seq scanned for the current pattern
        self._index = 0               # the pattern being replayed
        self._cursor = from_seq
        self._first = True
        self._deadline: Optional[float] = None
        self._ready_at = 0.0
        self._finished = False

    # -- driving -------------------------------------------------------------------------------

    def next_request(self, now: float) -> Optional[Tuple[ReplayRequest, float]]:
        """The next ``REPLAY`` and when to send it (monotonic seconds; now or later when waiting for the log's
        writer), or None when the job is over."""
        if self._finished or self._index >= len(self.patterns):
            return None
        if self.to_seq is not None and self._cursor > self.to_seq:
            self._next_pattern()
            return self.next_request(now)
        if self._deadline is None:
            self._deadline = now + REPAIR_PATIENCE_S
        pattern = self.patterns[self._index]
        if self._first and self.use_extra:
            extra = {k: v for k, v in self.first_extra.items() if v is not None}
            request = ReplayRequest(pattern, max_events=self.core.max_events,
                                    to_seq=self.to_seq if "last" not in extra else None, **extra)
        else:
            request = ReplayRequest(pattern, from_seq=self._cursor, to_seq=self.to_seq,
                                    max_events=self.core.max_events)
        return request, self._ready_at

    def on_batch(self, batch: ReplayBatch, now: float) -> None:
        """A batch answering :meth:`next_request`: delivers what is new, notes gaps, moves on."""
        self._first = False
        core = self.core
        for event in batch.events:
            if self.to_seq is not None and event.seq > self.to_seq:
                break
            if not core.tracks(event.topic):
                continue
            last = core.last.get(event.topic)
            if last is not None and event.seq <= last:
                continue
            self._chain(event.topic, last, event.prev)
            core._deliver(event)
            self.repaired += 1
            core.counts.events_repaired += 1
        self.gaps += batch.gaps
        if self.kind != "gap":
            for gap in batch.gaps:  # no prev chain tells which topics they held: report them all
                self._report(gap.first, gap.last, f"not in the event log: {gap.reason}", None)
        self.reached = max(self.reached, batch.scanned_to)
        self._cursor = max(self._cursor, batch.next_seq)
        if self.kind == "gap" and self.held is not None and self.held.prev is not None and \
                core.last.get(self.held.topic, -1) >= self.held.prev:
            self._finished = True  # the held event's predecessor is in: nothing of this topic is missing
            return
        target = self.to_seq
        if target is not None and batch.scanned_to >= target:
            self._next_pattern()
        elif not batch.done:
            self._ready_at = 0.0  # more to read at once
        elif target is None:
            self._next_pattern()  # a handshake without a heartbeat: done is the end
        elif self._deadline is not None and now >= self._deadline:
            self._report(max(self._cursor, self.from_seq), target,
                         f"not in the event log after {REPAIR_PATIENCE_S:g} s (scanned to {batch.scanned_to})",
                         self._topic())
            self._next_pattern()
        else:
            self._ready_at = now + REPAIR_RETRY_S  # the log's writer may be a moment behind: ask again

    def on_error(self, error: PlexusError, now: float) -> None:
        """The broker refused the replay: 410 ``truncated`` reports the seqs before the log's start and goes
        on from there; anything else (503 no log, 405 an older broker, a timeout) reports the whole rest."""
        self._first = False
        end = self.to_seq
        first_seq = truncated_first_seq(error.details) if error.code == 410 else None
        if first_seq is not None and first_seq > self._cursor:
            gone = (self._cursor, first_seq - 1 if end is None else min(first_seq - 1, end))
            self.truncated.append(gone)
            if self.kind != "gap":
                # A gap's loss is told by the prev chain (the range may hold nothing of its topic); a tail check
                # or a start cannot tell, so it reports the whole range.
                self._report(gone[0], gone[1], "truncated: older than the oldest stored event", None)
            self._cursor = first_seq
            return
        log.warning("replay of %s failed: %s", self.patterns[self._index], error)
        self.error = f"cannot replay: {error}"
        if end is not None and self.kind != "gap":
            self._report(self._cursor, end, f"cannot replay: {error}", self._topic())
        self._next_pattern()

    def finish(self) -> None:
        """Ends the job: a gap's held event is delivered (after reporting what is still missing before it); a
        tail check moves the trusted head; the handshake sets ``start``."""
        core = self.core
        self._finished = True
        if self.kind == "gap" and self.held is not None:
            held = self.held
            last = core.last.get(held.topic)
            if held.prev is not None and (last if last is not None else self.from_seq - 1) < held.prev:
                base = (last if last is not None else self.from_seq - 1) + 1
                self._report(base, held.prev, self._reason(base, held.prev), held.topic)
            if last is None or held.seq > last:
                core._deliver(held)
            if not self.lost:
                core.counts.gaps_repaired += 1
        elif self.kind == "tail":
            if self.repaired or self.lost:
                core.counts.gaps_seen += 1
                if not self.lost:
                    core.counts.gaps_repaired += 1
            if self.to_seq is not None:
                core.trusted = max(core.trusted or 0, self.to_seq)
        elif self.kind == "start":
            end = self.to_seq if self.to_seq is not None else self.reached
            core.start = max(end, 0)
            if core.trusted is None:
                core.trusted = core.start

    # -- helpers -------------------------------------------------------------------------------

    def _next_pattern(self) -> None:
        self._index += 1
        self._cursor = self.from_seq
        self._first = True
        self._deadline = None
        self._ready_at = 0.0

    def _topic(self) -> Optional[str]:
        return self.patterns[0] if self.kind == "gap" else None

    def _chain(self, topic: str, last: Optional[int], prev: Optional[int]) -> None:
        """A replayed event whose ``prev`` is above the last seq delivered on its topic: the seqs between are
        missing from the log too (only checked where the topic's last seq is known)."""
        # A topic first seen in a tail check owes us everything after start.
        base = last if last is not None else (self.core.start if self.kind == "tail" else None)
        if prev is None or base is None or prev <= base:
            return
        self._report(base + 1, prev, self._reason(base + 1, prev), topic)

    def _reason(self, first: int, last: int) -> str:
        if self.error is not None:
            return self.error
        for gap in self.gaps:
            if gap.first <= last and gap.last >= first:
                return f"not in the event log: {gap.reason}"
        for a, b in self.truncated:
            if a <= last and b >= first:
                return "truncated: older than the oldest stored event"
        return "not in the event log"

    def _report(self, first: int, last: int, reason: str, topic: Optional[str]) -> None:
        if last < first:
            return
        for a, b in self.lost:
            if a <= first and last <= b:
                return  # already reported (a log gap also found by the prev chain)
        self.lost.append((first, last))
        self.core._lose(Loss(first, last, reason, topic))


def run_repair(job: Repair, fetch: Fetch, clock: Callable[[], float] = time.monotonic,
               sleep: Callable[[float], None] = time.sleep) -> None:
    """Runs ``job`` to its end: each request through ``fetch`` (which raises :class:`PlexusError` for an
    ``ERR``), waiting with ``sleep`` where the job asks to, then :meth:`Repair.finish`. What it delivers and
    reports is in the core's :meth:`GapRepair.drain`."""
    for _ in range(1_000_000):  # bounded: every answer moves the job forward, or its deadline ends it
        step = job.next_request(clock())
        if step is None:
            break
        request, ready_at = step
        delay = ready_at - clock()
        if delay > 0:
            sleep(delay)
        try:
            batch = fetch(request)
        except PlexusError as exc:
            job.on_error(exc, clock())
        else:
            job.on_batch(batch, clock())
    job.finish()

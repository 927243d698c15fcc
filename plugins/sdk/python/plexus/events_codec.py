"""The codec of reliable events (docs/PROTOCOL.md, section 10): the event heartbeat, ``EVENTS``, ``REPLAY``,
``DURABLE`` and ``SUBSCRIBER``, as typed dataclasses.

Pure, like :mod:`plexus.protocol`: no sockets. Encoders return the frames of a ``PLXC01`` request for a
DEALER; decoders take the ``OK`` body frames (after the request id) and raise
:class:`~plexus.errors.ProtocolError` saying what is wrong. Unknown keys in the broker's JSON are kept in
each dataclass's ``raw`` (a newer broker may add some), never refused.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

from . import protocol as P
from .errors import ProtocolError
from .event import Event
from .patterns import Pattern

#: ``REPLAY``'s ``max_events`` range and default (section 10).
MAX_REPLAY_EVENTS = 10_000
DEFAULT_REPLAY_EVENTS = 1000
#: ``REPLAY``'s ``max_bytes`` default and maximum (4 MiB).
MAX_REPLAY_BYTES = 4 * 1024 * 1024
#: ``DURABLE`` verbs.
DURABLE_VERBS = (b"OPEN", b"ACK", b"DEAD", b"LIST", b"DELETE")
U64_MAX = 2**64 - 1
#: A ``SUBSCRIBER`` report lists at most this many patterns.
MAX_REPORT_PATTERNS = 64


# --- small checks --------------------------------------------------------------------------------

def _uint(obj: Dict[str, Any], key: str, what: str, default: Optional[int] = None,
          optional: bool = False) -> Any:
    """``obj[key]`` as an unsigned 64-bit integer; ``default`` (or None with ``optional``) when absent or null."""
    value = obj.get(key)
    if value is None:
        if default is not None or optional:
            return default
        raise ProtocolError(f"{what}: {key!r} is missing")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= U64_MAX:
        raise ProtocolError(f"{what}: {key!r} must be an integer from 0 to {U64_MAX}, got {value!r:.100}")
    return value


def _str(obj: Dict[str, Any], key: str, what: str, optional: bool = False) -> Any:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"{what}: {key!r} must be a string, got {value!r:.100}")
    return value


def _check_count(name: str, value: Optional[int], low: int = 0, high: int = U64_MAX) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")


def _body(body: Sequence[bytes], what: str) -> Dict[str, Any]:
    if not body:
        raise ProtocolError(f"{what} without a body")
    return P.decode_json_object(body[0], what)


# --- the event heartbeat -------------------------------------------------------------------------

@dataclass(frozen=True)
class Heartbeat:
    """The payload of ``plexus.events.heartbeat``: ``n`` counts heartbeats from 1 for each broker run,
    ``head`` is the last seq stamped before it, ``first_seq`` the oldest stored, ``dropped`` the broker's
    running count of events a full subscriber queue missed, ``epoch`` names the sequence."""

    n: int
    head: int
    first_seq: int
    dropped: int
    epoch: Optional[str]

    @classmethod
    def decode(cls, payload: bytes) -> "Heartbeat":
        what = f"{P.EVENTS_HEARTBEAT} payload"
        obj = P.decode_json_object(payload, what)
        return cls(_uint(obj, "n", what), _uint(obj, "head", what), _uint(obj, "first_seq", what, default=0),
                   _uint(obj, "dropped", what, default=0), _str(obj, "epoch", what, optional=True))

    def encode(self) -> bytes:
        return P.encode_json({"n": self.n, "head": self.head, "first_seq": self.first_seq,
                              "dropped": self.dropped, "epoch": self.epoch})


def is_heartbeat(event: Event) -> bool:
    """True for the broker's event heartbeat (its topic, from the broker: a publisher cannot claim the
    source, section 3), which is no event of the sequence and never reaches a handler."""
    return event.topic == P.EVENTS_HEARTBEAT and event.source == P.BROKER_SOURCE


# --- EVENTS ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EventsState:
    """The event log's state (``EVENTS``): ``head_seq`` is the last seq stamped, ``last_seq`` the last
    stored (the writer may be a little behind), ``first_seq`` the oldest stored. ``retention`` and
    ``recovered`` are kept as the broker sent them; ``raw`` is the whole object."""

    enabled: bool
    epoch: Optional[str]
    head_seq: int
    first_seq: int
    last_seq: int
    events: int
    stored_bytes: int  # "bytes"
    oldest_time: Optional[int]
    gaps: int
    dropped_by_writer: int
    synced_seq: int
    sync: Optional[str]
    retention: Dict[str, Any]
    recovered: Dict[str, Any]
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def decode(cls, body: Sequence[bytes]) -> "EventsState":
        what = "EVENTS reply"
        obj = _body(body, what)
        enabled = obj.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ProtocolError(f"{what}: 'enabled' must be a boolean, got {enabled!r:.100}")
        retention = obj.get("retention") or {}
        recovered = obj.get("recovered") or {}
        if not isinstance(retention, dict) or not isinstance(recovered, dict):
            raise ProtocolError(f"{what}: 'retention' and 'recovered' must be objects")
        oldest = obj.get("oldest_time")
        if oldest is not None and (not isinstance(oldest, int) or isinstance(oldest, bool)):
            raise ProtocolError(f"{what}: 'oldest_time' must be an integer or null, got {oldest!r:.100}")
        return cls(enabled, _str(obj, "epoch", what, optional=True), _uint(obj, "head_seq", what, default=0),
                   _uint(obj, "first_seq", what, default=0), _uint(obj, "last_seq", what, default=0),
                   _uint(obj, "events", what, default=0), _uint(obj, "bytes", what, default=0), oldest,
                   _uint(obj, "gaps", what, default=0), _uint(obj, "dropped_by_writer", what, default=0),
                   _uint(obj, "synced_seq", what, default=0), _str(obj, "sync", what, optional=True),
                   retention, recovered, obj)


def encode_events(request_id: bytes) -> P.Frames:
    """``EVENTS``: the log's state."""
    return P.encode_request(P.EVENTS, request_id)


def encode_events_last(request_id: bytes, topic: str) -> P.Frames:
    """``EVENTS LAST TOPIC``: the last stored event of ``topic``."""
    return P.encode_request(P.EVENTS, request_id, b"LAST", P.validate_topic(topic).encode("utf-8"))


def decode_last_event(body: Sequence[bytes]) -> Event:
    """The answer to ``EVENTS LAST``: ``[TOPIC, PAYLOAD, META]``."""
    if len(body) != 3:
        raise ProtocolError(f"EVENTS LAST reply must be [TOPIC, PAYLOAD, META], got {len(body)} frame(s)")
    return Event.from_frames(body)


# --- REPLAY ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplayRequest:
    """A ``REPLAY`` request: ``pattern`` (section 5 syntax, matched whole by the broker) and at most one of
    ``from_seq``, ``from_time`` (µs) or ``last`` (the last N matching; none of them: from the oldest
    stored); optional inclusive ends ``to_seq``/``to_time``; ``max_events`` (1-10,000) and ``max_bytes``
    (up to 4 MiB) bound the batch. Raises ``ValueError`` (``ProtocolError`` for the pattern) when invalid."""

    pattern: str
    from_seq: Optional[int] = None
    from_time: Optional[int] = None
    last: Optional[int] = None
    to_seq: Optional[int] = None
    to_time: Optional[int] = None
    max_events: int = DEFAULT_REPLAY_EVENTS
    max_bytes: Optional[int] = None

    def __post_init__(self) -> None:
        Pattern(self.pattern)
        starts = [name for name in ("from_seq", "from_time", "last") if getattr(self, name) is not None]
        if len(starts) > 1:
            raise ValueError(f"REPLAY takes one of from_seq, from_time and last, got {', '.join(starts)}")
        _check_count("from_seq", self.from_seq)
        _check_count("to_seq", self.to_seq)
        _check_count("last", self.last, 1)
        _check_count("max_events", self.max_events, 1, MAX_REPLAY_EVENTS)
        _check_count("max_bytes", self.max_bytes, 1, MAX_REPLAY_BYTES)
        for name in ("from_time", "to_time"):
            _check_count(name, getattr(self, name), -2**63, 2**63 - 1)

    def to_json(self) -> Dict[str, Any]:
        """The request object; absent fields and defaults are left out (the broker's defaults apply)."""
        obj: Dict[str, Any] = {"pattern": self.pattern}
        for name in ("from_seq", "from_time", "last", "to_seq", "to_time", "max_events", "max_bytes"):
            value = getattr(self, name)
            # Defaults are left out, as the Swift codec does, so that both encode a request alike.
            if value is not None and not (name == "max_events" and value == DEFAULT_REPLAY_EVENTS):
                obj[name] = value
        return obj

    @classmethod
    def from_json(cls, obj: Dict[str, Any]) -> "ReplayRequest":
        return cls(obj["pattern"], obj.get("from_seq"), obj.get("from_time"), obj.get("last"), obj.get("to_seq"),
                   obj.get("to_time"), obj.get("max_events", DEFAULT_REPLAY_EVENTS), obj.get("max_bytes"))


@dataclass(frozen=True)
class LogGap:
    """Stamped seqs ``first``..``last`` (inclusive) that the log does not hold, and why."""

    first: int
    last: int
    reason: str


@dataclass(frozen=True)
class ReplayBatch:
    """One ``REPLAY`` answer: ``events`` in seq order; ``scanned_to`` the last seq the broker looked at
    (ask again from ``next_seq`` to go on); ``done`` when it reached the request's end or the last stored
    seq; ``gaps`` the seqs in the scanned range the log cannot give; ``first_seq``/``last_seq`` the log's
    range; ``epoch`` the sequence's name."""

    count: int
    scanned_to: int
    next_seq: int
    done: bool
    first_seq: int
    last_seq: int
    epoch: Optional[str]
    gaps: List[LogGap]
    events: List[Event]

    @classmethod
    def decode(cls, body: Sequence[bytes]) -> "ReplayBatch":
        what = "REPLAY reply"
        obj = _body(body, what)
        rest = body[1:]
        if len(rest) % 3:
            raise ProtocolError(f"{what}: events must come as TOPIC, PAYLOAD, META triples, got {len(rest)} frame(s)")
        events = [Event.from_frames(rest[i:i + 3]) for i in range(0, len(rest), 3)]
        count = _uint(obj, "count", what, default=len(events))
        if count != len(events):
            raise ProtocolError(f"{what}: 'count' is {count} but {len(events)} event(s) follow")
        done = obj.get("done")
        if not isinstance(done, bool):
            raise ProtocolError(f"{what}: 'done' must be a boolean, got {done!r:.100}")
        raw_gaps = obj.get("gaps") or []
        if not isinstance(raw_gaps, list):
            raise ProtocolError(f"{what}: 'gaps' must be an array, got {raw_gaps!r:.100}")
        gaps = []
        for item in raw_gaps:
            if not isinstance(item, dict):
                raise ProtocolError(f"{what}: a gap must be an object, got {item!r:.100}")
            gaps.append(LogGap(_uint(item, "first", what), _uint(item, "last", what),
                               str(item.get("reason", ""))))
        scanned_to = _uint(obj, "scanned_to", what)
        seqs = [e.seq for e in events]
        if seqs != sorted(seqs):
            raise ProtocolError(f"{what}: events are not in seq order")
        return cls(count, scanned_to, _uint(obj, "next_seq", what, default=scanned_to + 1), done,
                   _uint(obj, "first_seq", what, default=0), _uint(obj, "last_seq", what, default=0),
                   _str(obj, "epoch", what, optional=True), gaps, events)

    def encode_body(self) -> List[bytes]:
        """The ``OK`` body frames (for tests and fakes): the JSON header, then the events' three frames each.
        Events keep their original META bytes' meaning (``meta`` re-encoded)."""
        header = {"count": self.count, "scanned_to": self.scanned_to, "next_seq": self.next_seq, "done": self.done,
                  "first_seq": self.first_seq, "last_seq": self.last_seq, "epoch": self.epoch,
                  "gaps": [{"first": g.first, "last": g.last, "reason": g.reason} for g in self.gaps]}
        frames = [P.encode_json(header)]
        for e in self.events:
            frames += [e.topic.encode("utf-8"), e.data, P.encode_json(e.meta)]
        return frames


def encode_replay(request_id: bytes, request: ReplayRequest) -> P.Frames:
    """``REPLAY`` with its JSON request."""
    return P.encode_request(P.REPLAY, request_id, P.encode_json(request.to_json()))


def truncated_first_seq(details: Optional[Dict[str, Any]]) -> Optional[int]:
    """``details.first_seq`` of a 410 ``truncated`` error (where the log starts now), or None."""
    value = (details or {}).get("first_seq")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


# --- DURABLE --------------------------------------------------------------------------------------

#: ``DURABLE OPEN``'s ``start``: ``"new"`` (at the head, the default), ``"all"`` (before the oldest stored)
#: or a seq (after it).
DurableStart = Union[str, int]


@dataclass(frozen=True)
class DurableCursor:
    """``DURABLE OPEN``'s answer: the subscription's ``name``, ``pattern``, ``acked`` (the highest seq its
    consumer acknowledged), whether it was ``created`` now, and the sequence's ``epoch``."""

    name: str
    pattern: str
    acked: int
    created: bool
    epoch: Optional[str]

    @classmethod
    def decode(cls, body: Sequence[bytes]) -> "DurableCursor":
        what = "DURABLE OPEN reply"
        obj = _body(body, what)
        return cls(_str(obj, "name", what), _str(obj, "pattern", what), _uint(obj, "acked", what),
                   bool(obj.get("created", False)), _str(obj, "epoch", what, optional=True))


@dataclass(frozen=True)
class DurableInfo:
    """One entry of ``DURABLE LIST``: ``name``, ``pattern``, ``acked``, ``lag`` (events stored after
    ``acked``) and ``updated`` (µs, when the cursor last moved; None when unknown)."""

    name: str
    pattern: str
    acked: int
    lag: int
    updated: Optional[int]

    @classmethod
    def decode_list(cls, body: Sequence[bytes]) -> List["DurableInfo"]:
        what = "DURABLE LIST reply"
        if not body:
            raise ProtocolError(f"{what} without a body")
        items = P.decode_json(body[0], what)
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ProtocolError(f"{what}: expected a JSON array of objects")
        return [cls(_str(item, "name", what), _str(item, "pattern", what), _uint(item, "acked", what),
                    _uint(item, "lag", what, default=0), item.get("updated")) for item in items]


@dataclass(frozen=True)
class DeadLetter:
    """What ``DURABLE DEAD`` carries: the event's ``seq`` and ``topic``, the handler's last ``error`` and
    how many ``attempts`` were made; the payload goes in a frame of its own."""

    name: str
    seq: int
    topic: str
    error: str
    attempts: int


def encode_durable_open(request_id: bytes, name: str, pattern: str, start: DurableStart = "new") -> P.Frames:
    """``DURABLE OPEN {"name", "pattern", "start"}``."""
    P.validate_name(name, "durable subscription name")
    Pattern(pattern)
    if not (start in ("new", "all") or (isinstance(start, int) and not isinstance(start, bool) and start >= 0)):
        raise ValueError(f"durable start must be 'new', 'all' or a seq >= 0, got {start!r}")
    return P.encode_request(P.DURABLE, request_id, b"OPEN",
                            P.encode_json({"name": name, "pattern": pattern, "start": start}))


def encode_durable_ack(request_id: bytes, name: str, seq: int) -> P.Frames:
    """``DURABLE ACK {"name", "seq"}``: every event of the pattern up to ``seq`` is done (cumulative)."""
    _check_count("seq", seq)
    return P.encode_request(P.DURABLE, request_id, b"ACK", P.encode_json({"name": name, "seq": seq}))


def encode_durable_dead(request_id: bytes, letter: DeadLetter, payload: bytes) -> P.Frames:
    """``DURABLE DEAD {"name", "seq", "topic", "error", "attempts"}, PAYLOAD``."""
    body = {"name": letter.name, "seq": letter.seq, "topic": letter.topic, "error": letter.error,
            "attempts": letter.attempts}
    return P.encode_request(P.DURABLE, request_id, b"DEAD", P.encode_json(body), bytes(payload))


def encode_durable_list(request_id: bytes) -> P.Frames:
    """``DURABLE LIST``."""
    return P.encode_request(P.DURABLE, request_id, b"LIST")


def encode_durable_delete(request_id: bytes, name: str) -> P.Frames:
    """``DURABLE DELETE {"name"}``."""
    return P.encode_request(P.DURABLE, request_id, b"DELETE", P.encode_json({"name": name}))


def decode_seq_reply(body: Sequence[bytes], key: str, what: str) -> int:
    """``{key: N}`` (``ACK``'s ``acked``, ``DEAD``'s ``seq``)."""
    return int(_uint(_body(body, what), key, what))


# --- SUBSCRIBER -----------------------------------------------------------------------------------

@dataclass
class SubscriberCounts:
    """A subscriber's counts, as ``SUBSCRIBER`` reports them: events ``received`` live, ``delivered`` to
    the handler (live and repaired), ``gaps_seen`` (losses detected), ``gaps_repaired`` (of those, the
    ones the log filled entirely), ``events_repaired`` (delivered from a replay) and ``events_lost`` (seqs
    reported lost: an upper bound of events, since a range may hold other topics' seqs)."""

    received: int = 0
    delivered: int = 0
    gaps_seen: int = 0
    gaps_repaired: int = 0
    events_repaired: int = 0
    events_lost: int = 0

    def report(self, subscriber_id: str, patterns: Sequence[str]) -> Dict[str, Any]:
        """The ``SUBSCRIBER`` report object (the first 64 patterns: the broker takes no more)."""
        return {"id": subscriber_id, "patterns": list(patterns)[:MAX_REPORT_PATTERNS], "received": self.received,
                "delivered": self.delivered, "gaps_seen": self.gaps_seen, "gaps_repaired": self.gaps_repaired,
                "events_repaired": self.events_repaired, "events_lost": self.events_lost}


def encode_subscriber(request_id: bytes, report: Dict[str, Any]) -> P.Frames:
    """``SUBSCRIBER`` with a report object (see :meth:`SubscriberCounts.report`)."""
    if not isinstance(report.get("id"), str) or not report["id"]:
        raise ValueError("a SUBSCRIBER report needs a non-empty 'id'")
    return P.encode_request(P.SUBSCRIBER, request_id, P.encode_json(report))

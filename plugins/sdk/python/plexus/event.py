"""The :class:`Event` delivered to subscription handlers."""

import json
from typing import Any, Dict, Optional, Sequence

from .protocol import decode_event


class Event:
    """One event received from ``events_out``.

    Attributes: ``topic`` (str), ``data`` (bytes, the payload as published), ``seq`` (the broker's
    sequence number), ``time`` (microseconds since the Unix epoch, when the broker accepted it),
    ``source`` (publisher's instance id, ``"anonymous"`` or ``"plexus.broker"``), ``headers`` (dict of
    str, never including ``source``), ``meta`` (the raw META object), ``prev`` (the ``seq`` of the previous
    event on the same topic, 0 for the first; None when the broker did not say: past its topic table, or a
    broker older than docs/PROTOCOL.md section 10) and ``epoch`` (names the sequence; None when absent).
    """

    __slots__ = ("topic", "data", "seq", "time", "source", "headers", "meta", "prev", "epoch")

    def __init__(self, topic: str, data: bytes, seq: int, time: int, source: str,
                 headers: Dict[str, str], meta: Dict[str, Any], prev: Optional[int] = None,
                 epoch: Optional[str] = None) -> None:
        self.topic = topic
        self.data = data
        self.seq = seq
        self.time = time
        self.source = source
        self.headers = headers
        self.meta = meta
        self.prev = prev
        self.epoch = epoch

    @classmethod
    def from_frames(cls, frames: Sequence[bytes]) -> "Event":
        """Decodes ``[TOPIC, PAYLOAD, META]``; raises ``ProtocolError`` when malformed."""
        raw = decode_event(frames)
        meta = raw.meta
        return cls(raw.topic, raw.payload, meta["seq"], meta["time"], meta["source"],
                   dict(meta.get("headers") or {}), meta, meta.get("prev"), meta.get("epoch"))

    @property
    def text(self) -> str:
        """The payload decoded as UTF-8 (raises ``UnicodeDecodeError`` when it is not text)."""
        return self.data.decode("utf-8")

    def json(self) -> Any:
        """The payload parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.data)

    @property
    def timestamp(self) -> float:
        """``time`` in seconds since the epoch, for ``datetime.fromtimestamp``."""
        return self.time / 1_000_000

    def __repr__(self) -> str:
        return (f"Event(topic={self.topic!r}, seq={self.seq}, prev={self.prev}, source={self.source!r}, "
                f"{len(self.data)} bytes)")

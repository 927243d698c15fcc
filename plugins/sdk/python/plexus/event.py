"""The :class:`Event` delivered to subscription handlers."""

import json
from typing import Any, Dict, Sequence

from .protocol import decode_event


class Event:
    """One event received from ``events_out``.

    Attributes: ``topic`` (str), ``data`` (bytes, the payload as published), ``seq`` (the broker's
    sequence number), ``time`` (microseconds since the Unix epoch, when the broker accepted it),
    ``source`` (publisher's instance id, ``"anonymous"`` or ``"plexus.broker"``), ``headers`` (dict of
    str, never including ``source``) and ``meta`` (the raw META object).
    """

    __slots__ = ("topic", "data", "seq", "time", "source", "headers", "meta")

    def __init__(self, topic: str, data: bytes, seq: int, time: int, source: str,
                 headers: Dict[str, str], meta: Dict[str, Any]) -> None:
        self.topic = topic
        self.data = data
        self.seq = seq
        self.time = time
        self.source = source
        self.headers = headers
        self.meta = meta

    @classmethod
    def from_frames(cls, frames: Sequence[bytes]) -> "Event":
        """Decodes ``[TOPIC, PAYLOAD, META]``; raises ``ProtocolError`` when malformed."""
        raw = decode_event(frames)
        meta = raw.meta
        return cls(raw.topic, raw.payload, meta["seq"], meta["time"], meta["source"],
                   dict(meta.get("headers") or {}), meta)

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
        return (f"Event(topic={self.topic!r}, seq={self.seq}, source={self.source!r}, "
                f"{len(self.data)} bytes)")

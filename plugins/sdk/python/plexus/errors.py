"""Exceptions raised by the Plexus SDK."""

import json
from typing import Any, Dict, Optional


class ProtocolError(ValueError):
    """Malformed input: frames, JSON bodies, topics or patterns that break docs/PROTOCOL.md.

    Subclasses ``ValueError`` so that callers validating user input (a topic, a pattern) can catch
    the usual exception type.
    """


class PlexusError(Exception):
    """An error reported by the broker (an ``ERR`` reply), or a local failure of the same shape.

    Attributes mirror the error object of section 7: ``code`` (e.g. 404), ``error`` (e.g.
    ``"not_found"``), ``message`` (human-readable text) and ``details`` (the optional object some codes
    carry, e.g. 410 ``truncated``'s ``{"first_seq": F, "last_seq": L}``; None when absent).
    """

    def __init__(self, code: int, error: str, message: str = "",
                 details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(code, error, message)
        self.code = code
        self.error = error
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return f"{self.error} ({self.code}): {self.message}" if self.message else f"{self.error} ({self.code})"

    def to_dict(self) -> Dict[str, Any]:
        """The error as the JSON object of section 7 (``details`` only when there are some)."""
        obj: Dict[str, Any] = {"code": self.code, "error": self.error, "message": self.message}
        if self.details is not None:
            obj["details"] = self.details
        return obj

    @classmethod
    def from_body(cls, body: Optional[bytes]) -> "PlexusError":
        """Decodes an ``ERR`` body. Never raises: a broken body becomes a 500 ``internal`` error
        whose message says what was wrong, because the caller is already handling a failure."""
        if not body:
            return cls(500, "internal", "ERR reply without an error body")
        try:
            obj = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return cls(500, "internal", f"ERR reply with a non-JSON body: {body[:200]!r}")
        if not isinstance(obj, dict) or not isinstance(obj.get("code"), int) or isinstance(obj.get("code"), bool):
            return cls(500, "internal", f"ERR reply with a malformed error object: {obj!r:.200}")
        details = obj.get("details")
        # details is optional and only informative: a malformed one is dropped rather than failing the error.
        return cls(obj["code"], str(obj.get("error", "error")), str(obj.get("message", "")),
                   details if isinstance(details, dict) else None)


class PlexusTimeout(PlexusError, TimeoutError):
    """No reply arrived in time. Code 504 (``timeout``) as in section 6; also a ``TimeoutError``."""

    def __init__(self, message: str = "no reply from the broker") -> None:
        super().__init__(504, "timeout", message)

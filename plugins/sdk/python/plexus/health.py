"""Health (docs/PROTOCOL.md, section 4, "Health"): the codec of a plugin's ``HEALTH`` report and of the
``health`` of instance objects. Pure: no sockets.

A plugin says how it is with ``[ "", "PLXP01", "HEALTH", JSON ]``::

    {"status": "critical", "message": "database unreachable",
     "checks": {"db": {"status": "critical", "message": "connection refused"}, "cache": {"status": "passing"}}}

``status`` is ``passing``, ``warning`` or ``critical`` (:class:`HealthStatus`); a report is as bad as its worst
check (:attr:`HealthReport.effective_status`). Messages are at most 1,024 bytes of UTF-8, check names 1-64
bytes, at most 64 checks, the frame at most 16 KiB: the broker answers a bad report with ``ERR`` 400 (413
beyond the frame limit) and changes nothing.

The broker shows each instance's health, the worse of its report and its probe, in instance objects
(``PLUGINS``, ``STATUS``, the payload of ``plexus.plugin.health``): :class:`InstanceHealth`,
:func:`instance_health`.
"""

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from . import protocol as P
from .errors import ProtocolError

HEALTH = b"HEALTH"  #: P -> B: JSON report
#: The most bytes of a report's ``message`` and of each check's ``message`` (UTF-8).
MAX_MESSAGE_BYTES = 1024
#: The most bytes of a check's name, and the most checks in a report.
MAX_CHECK_NAME_BYTES = 64
MAX_CHECKS = 64
#: The largest ``HEALTH`` frame the broker takes (413 beyond).
MAX_FRAME_BYTES = 16 * 1024


class HealthStatus(str, enum.Enum):
    """``passing`` < ``warning`` < ``critical``. A ``str``: ``HealthStatus.CRITICAL == "critical"``."""

    PASSING = "passing"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @classmethod
    def of(cls, value: Any, what: str = "status") -> "HealthStatus":
        """``value`` as a status; raises ``ProtocolError`` for anything but the three names."""
        if isinstance(value, HealthStatus):
            return value
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        raise ProtocolError(f"{what} must be 'passing', 'warning' or 'critical', got {value!r:.80}")

    def __str__(self) -> str:
        return self.value


_RANKS = {HealthStatus.PASSING: 0, HealthStatus.WARNING: 1, HealthStatus.CRITICAL: 2}


def worst(*statuses: HealthStatus) -> HealthStatus:
    """The worst of ``statuses`` (``passing`` for none)."""
    return max(statuses, key=lambda s: s.rank, default=HealthStatus.PASSING)


def clip(text: str, limit: int = MAX_MESSAGE_BYTES) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, on a character boundary."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


@dataclass(frozen=True)
class HealthCheck:
    """One named check of a report (``"db": {"status": "critical", "message": "connection refused"}``)."""

    status: HealthStatus
    message: str = ""

    def to_json(self) -> Dict[str, Any]:
        return {"status": self.status.value, "message": self.message}

    @classmethod
    def decode(cls, obj: Any, what: str = "check") -> "HealthCheck":
        """Decodes ``{"status", "message"?}`` (the message defaults to ``""``)."""
        if not isinstance(obj, dict):
            raise ProtocolError(f"{what} must be an object, got {type(obj).__name__}")
        message = obj.get("message", "")
        if not isinstance(message, str):
            raise ProtocolError(f"{what}: 'message' must be a string, got {message!r:.80}")
        return cls(HealthStatus.of(obj.get("status"), f"{what}: 'status'"), message)

    @classmethod
    def of(cls, value: "CheckLike", what: str = "check") -> "HealthCheck":
        """A check from what plugins may write: a :class:`HealthCheck`, a status (``"passing"``), a
        ``(status, message)`` pair, or a ``{"status", "message"}`` dict. Raises ``ProtocolError``."""
        if isinstance(value, HealthCheck):
            return value
        if isinstance(value, str):
            return cls(HealthStatus.of(value, what))
        if isinstance(value, tuple):
            return cls(*_pair(value, what))
        if isinstance(value, Mapping):
            return cls.decode(dict(value), what)
        raise ProtocolError(f"{what} must be a status, a (status, message) pair, a dict or a HealthCheck, "
                            f"not {type(value).__name__}")


CheckLike = Union[HealthCheck, str, Tuple[str, str], Mapping[str, Any]]


@dataclass(frozen=True)
class HealthReport:
    """What a plugin says of itself with ``HEALTH``. Compared by value: the SDK sends a report only when it
    differs from the last one sent in the session."""

    status: HealthStatus = HealthStatus.PASSING
    message: str = ""
    checks: Mapping[str, HealthCheck] = field(default_factory=dict)

    @property
    def effective_status(self) -> HealthStatus:
        """The report's status, or worse when a check is worse (as the broker counts it)."""
        return worst(self.status, *(c.status for c in self.checks.values()))

    def to_json(self) -> Dict[str, Any]:
        """The ``HEALTH`` body (every key written out)."""
        return {"status": self.status.value, "message": self.message,
                "checks": {name: check.to_json() for name, check in self.checks.items()}}

    def validate(self) -> "HealthReport":
        """Checks the limits the broker enforces; returns the report, raises ``ProtocolError``."""
        if not isinstance(self.status, HealthStatus):
            raise ProtocolError(f"health status must be a HealthStatus, got {self.status!r:.80}")
        _check_message(self.message, "health message")
        if len(self.checks) > MAX_CHECKS:
            raise ProtocolError(f"a health report takes at most {MAX_CHECKS} checks, got {len(self.checks)}")
        for name, check in self.checks.items():
            if not isinstance(name, str) or not 1 <= len(name.encode("utf-8", "replace")) <= MAX_CHECK_NAME_BYTES:
                raise ProtocolError(f"health check names must be strings of 1-{MAX_CHECK_NAME_BYTES} bytes, "
                                    f"got {name!r:.80}")
            if not isinstance(check, HealthCheck) or not isinstance(check.status, HealthStatus):
                raise ProtocolError(f"health check {name!r} must be a HealthCheck, got {check!r:.80}")
            _check_message(check.message, f"health check {name!r} message")
        size = len(P.encode_json(self.to_json()))
        if size > MAX_FRAME_BYTES:
            raise ProtocolError(f"health report of {size} bytes; the limit is {MAX_FRAME_BYTES}")
        return self

    def clipped(self) -> "HealthReport":
        """The report with every message cut to the limit (for texts the SDK did not choose: exceptions)."""
        return HealthReport(self.status, clip(self.message),
                            {name: HealthCheck(c.status, clip(c.message)) for name, c in self.checks.items()})

    @classmethod
    def decode(cls, obj: Any, what: str = "HEALTH report") -> "HealthReport":
        """Decodes and validates a report object (``message`` defaults to ``""``, ``checks`` to ``{}``)."""
        if not isinstance(obj, dict):
            raise ProtocolError(f"{what}: expected a JSON object, got {type(obj).__name__}")
        message = obj.get("message", "")
        if not isinstance(message, str):
            raise ProtocolError(f"{what}: 'message' must be a string, got {message!r:.80}")
        checks = obj.get("checks", {})
        if not isinstance(checks, dict):
            raise ProtocolError(f"{what}: 'checks' must be an object, got {type(checks).__name__}")
        return cls(HealthStatus.of(obj.get("status"), f"{what}: 'status'"), message,
                   {str(name): HealthCheck.decode(c, f"{what}: check {name!r}") for name, c in checks.items()}).validate()

    @classmethod
    def of(cls, value: "HealthResult", clip_messages: bool = False) -> "HealthReport":
        """A report from what a ``health()`` hook may return (see :data:`HealthResult`). Raises
        ``ProtocolError`` for anything else, or beyond the limits; with ``clip_messages``, messages too long
        are cut instead."""
        report = cls._of(value)
        return (report.clipped() if clip_messages else report).validate()

    @classmethod
    def _of(cls, value: "HealthResult") -> "HealthReport":
        if value is None:
            return cls()
        if isinstance(value, HealthReport):
            return value
        if isinstance(value, str):
            return cls(HealthStatus.of(value, "health status"))
        if isinstance(value, tuple):
            return cls(*_pair(value, "health"))
        if isinstance(value, Mapping):
            checks = value.get("checks") or {}
            if not isinstance(checks, Mapping):
                raise ProtocolError(f"health 'checks' must map names to checks, got {type(checks).__name__}")
            message = value.get("message", "")
            if not isinstance(message, str):
                raise ProtocolError(f"health 'message' must be a string, got {message!r:.80}")
            # Only checks: the report is as bad as the worst of them.
            status = HealthStatus.of(value["status"], "health status") if "status" in value else HealthStatus.PASSING
            return cls(status, message, {str(name): HealthCheck.of(c, f"health check {name!r}")
                                         for name, c in checks.items()})
        raise ProtocolError("health() must return None, a status, a (status, message) pair, a HealthReport or a "
                            f"dict with 'status', 'message' and 'checks'; got {type(value).__name__}")

    @classmethod
    def combine(cls, reports: Sequence["HealthReport"]) -> "HealthReport":
        """One report from several sources (the ``health()`` hook and ``set_health``): the worst status;
        the messages of the sources that are that bad (joined by ``"; "``); every check (on a name both
        have, the worse one)."""
        if not reports:
            return cls()
        status = worst(*(r.effective_status for r in reports))
        messages = [r.message for r in reports if r.message and r.effective_status == status]
        checks: Dict[str, HealthCheck] = {}
        for report in reports:
            for name, check in report.checks.items():
                if name not in checks or check.status.rank > checks[name].status.rank:
                    checks[name] = check
        return cls(status, clip("; ".join(dict.fromkeys(messages))), checks)


#: What a ``health()`` hook returns: None (passing), a status (``"warning"``, ``HealthStatus.CRITICAL``), a
#: ``(status, message)`` pair, a :class:`HealthReport`, or a dict ``{"status"?, "message"?, "checks"?}``
#: whose checks are statuses, pairs, dicts or :class:`HealthCheck` (without ``status``, the worst check's).
HealthResult = Union[None, str, HealthStatus, Tuple[str, str], HealthReport, Mapping[str, Any]]


def _pair(value: Tuple[Any, ...], what: str) -> Tuple[HealthStatus, str]:
    if len(value) != 2 or not isinstance(value[1], str):
        raise ProtocolError(f"{what} must be a (status, message) pair, got {value!r:.80}")
    return HealthStatus.of(value[0], f"{what} status"), value[1]


def _check_message(message: Any, what: str) -> None:
    if not isinstance(message, str):
        raise ProtocolError(f"{what} must be a string, got {message!r:.80}")
    size = len(message.encode("utf-8", "replace"))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"{what} must be at most {MAX_MESSAGE_BYTES} bytes, got {size}")


def encode_health(report: HealthReport) -> P.Frames:
    """Frames of ``HEALTH`` for the plugin's DEALER; raises ``ProtocolError`` for a report beyond the limits."""
    return P.encode_plugin(HEALTH, P.encode_json(report.validate().to_json()))


def decode_health(args: Sequence[bytes]) -> HealthReport:
    """Decodes the argument frames of ``HEALTH`` (the broker's side; tests and tools use it). Raises
    ``ProtocolError``: :func:`health_error_code` says which code the broker answers."""
    if len(args) != 1:
        raise ProtocolError(f"HEALTH takes one JSON frame, the report; got {len(args)}")
    if len(args[0]) > MAX_FRAME_BYTES:
        raise ProtocolError(f"HEALTH frame of {len(args[0])} bytes; the limit is {MAX_FRAME_BYTES}")
    return HealthReport.decode(P.decode_json(args[0], "HEALTH report"))


def health_error_code(args: Sequence[bytes]) -> int:
    """The code the broker answers a refused ``HEALTH`` with: 413 for a frame beyond 16 KiB, else 400."""
    return 413 if len(args) == 1 and len(args[0]) > MAX_FRAME_BYTES else 400


@dataclass(frozen=True)
class InstanceHealth:
    """The ``health`` of an instance object: the worse of the plugin's report (``reported``, None until it
    sent one) and the broker's probe (``probe``, None without one); ``since`` (µs since the epoch) when
    ``status`` began; ``isolated`` when the instance is out of rotation (critical, ``on_critical`` not
    ``ignore``)."""

    status: HealthStatus = HealthStatus.PASSING
    message: str = ""
    checks: Mapping[str, HealthCheck] = field(default_factory=dict)
    reported: Optional[HealthStatus] = None
    probe: Optional[HealthCheck] = None
    since: int = 0
    isolated: bool = False

    @classmethod
    def decode(cls, obj: Any, what: str = "instance health") -> "InstanceHealth":
        if not isinstance(obj, dict):
            raise ProtocolError(f"{what}: expected an object, got {type(obj).__name__}")
        message = obj.get("message", "")
        checks = obj.get("checks", {})
        since = obj.get("since", 0)
        isolated = obj.get("isolated", False)
        if not isinstance(message, str):
            raise ProtocolError(f"{what}: 'message' must be a string, got {message!r:.80}")
        if not isinstance(checks, dict):
            raise ProtocolError(f"{what}: 'checks' must be an object, got {type(checks).__name__}")
        if not isinstance(since, int) or isinstance(since, bool):
            raise ProtocolError(f"{what}: 'since' must be an integer, got {since!r:.80}")
        if not isinstance(isolated, bool):
            raise ProtocolError(f"{what}: 'isolated' must be a boolean, got {isolated!r:.80}")
        reported = obj.get("reported")
        probe = obj.get("probe")
        return cls(HealthStatus.of(obj.get("status"), f"{what}: 'status'"), message,
                   {str(n): HealthCheck.decode(c, f"{what}: check {n!r}") for n, c in checks.items()},
                   None if reported is None else HealthStatus.of(reported, f"{what}: 'reported'"),
                   None if probe is None else HealthCheck.decode(probe, f"{what}: 'probe'"), since, isolated)


def instance_health(instance: Mapping[str, Any]) -> Optional[InstanceHealth]:
    """The decoded ``health`` of an instance object (from ``Client.plugins()``, ``Client.status()`` or a
    ``plexus.plugin.*`` event), or None when it has none (a stopped instance, a broker before health)."""
    health = instance.get("health")
    return None if health is None else InstanceHealth.decode(health, f"health of {instance.get('instance')!r}")

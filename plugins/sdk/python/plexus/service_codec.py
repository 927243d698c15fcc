"""The frame codec of services (docs/PROTOCOL.md, section 6): pure functions, no sockets.

Plugin side: ``REQUEST``/``CANCEL`` in, ``PARTIAL``/``REPLY``/``FAIL`` out, and the ``services`` and
``concurrency`` fields of ``REGISTER``. Client side: ``CALL`` with its ``OPTIONS`` and the replies to it
(``PARTIAL`` zero or more times, then ``OK`` or ``ERR``). Decoders raise :class:`ProtocolError`.
"""

import math
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

from . import protocol as P
from .errors import ProtocolError

#: The caller's timeout when it names none, and the longest one the broker accepts (section 6).
DEFAULT_CALL_TIMEOUT_S = 5.0
MAX_CALL_TIMEOUT_MS = 600_000
#: Requests one instance handles at once when the registration names no ``concurrency``.
DEFAULT_CONCURRENCY = 1
#: Service names under these prefixes belong to the broker (``mmi.``: Majordomo's service discovery).
RESERVED_SERVICE_PREFIXES = ("mmi.", "plexus.")


# --- names and registration --------------------------------------------------------------------

def validate_service(name: str, offering: bool = False) -> str:
    """Checks a service name: the topic rules (dot-separated tokens, 1-255 UTF-8 bytes, no wildcard).

    With ``offering`` the reserved prefixes ``mmi.`` and ``plexus.`` are refused too: a plugin cannot
    offer them (the broker would refuse the whole registration). A caller may still call such a name;
    the broker decides what it answers. Returns the name; raises ``ProtocolError``.
    """
    P.split_tokens(name, "service name")
    if "*" in name or ">" in name:
        raise ProtocolError(f"invalid service name {name!r}: '*' and '>' are not allowed")
    if offering and name.startswith(RESERVED_SERVICE_PREFIXES):
        raise ProtocolError(f"invalid service name {name!r}: names starting with "
                            f"{' or '.join(RESERVED_SERVICE_PREFIXES)} are reserved")
    return name


def validate_concurrency(value: Any) -> int:
    """``concurrency`` must be an integer >= 1 (the document sets no upper bound)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"concurrency must be an integer >= 1, got {value!r}")
    return value


def registration_fields(services: Sequence[str], concurrency: int) -> Dict[str, Any]:
    """The service fields of a ``REGISTER`` body: ``services`` always, ``concurrency`` only when the
    plugin offers something (a plugin without services registers exactly as before services existed)."""
    fields: Dict[str, Any] = {"services": list(services)}
    if services:
        fields["concurrency"] = validate_concurrency(concurrency)
    return fields


# --- plugin side: REQUEST, CANCEL, PARTIAL, REPLY, FAIL ------------------------------------------

class RequestFrames(NamedTuple):
    """A decoded ``REQUEST``. ``deadline`` is in seconds since the epoch (``math.inf`` when the meta
    names none), ``timeout`` the meta's ``timeout_ms`` in seconds (``None`` when absent)."""

    rid: bytes
    service: str
    body: bytes
    deadline: float
    timeout: Optional[float]
    headers: Dict[str, str]
    caller: str
    meta: Dict[str, Any]


def _int_field(meta: Dict[str, Any], key: str) -> Optional[int]:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"REQUEST meta: {key!r} must be an integer, got {value!r:.100}")
    return value


def decode_request(args: Sequence[bytes], received_at: float) -> RequestFrames:
    """Decodes ``REQUEST`` arguments ``[RID, SERVICE, BODY, META]``.

    ``received_at`` (seconds since the epoch) only matters when the meta has no ``deadline``: then the
    deadline is ``received_at + timeout_ms``, and without either there is none (``math.inf``). The
    document lists all four meta fields; being lenient here costs nothing and keeps a plugin working
    with a broker that leaves one out.
    """
    if len(args) != 4:
        raise ProtocolError(f"REQUEST takes RID, SERVICE, BODY and META, got {len(args)} frame(s)")
    rid, raw_service, body, raw_meta = (bytes(a) for a in args)
    if not rid:
        raise ProtocolError("REQUEST with an empty RID")
    try:
        service = raw_service.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(f"REQUEST service is not valid UTF-8: {raw_service[:64]!r}") from None
    meta = P.decode_json_object(raw_meta, "REQUEST meta") if raw_meta else {}
    deadline_us = _int_field(meta, "deadline")
    timeout_ms = _int_field(meta, "timeout_ms")
    if deadline_us is not None:
        deadline = deadline_us / 1_000_000
    elif timeout_ms is not None:
        deadline = received_at + timeout_ms / 1000
    else:
        deadline = math.inf
    headers = meta.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ProtocolError(f"REQUEST meta: 'headers' must be an object of strings, got {headers!r:.100}")
    caller = meta.get("caller", "")
    if not isinstance(caller, str):
        raise ProtocolError(f"REQUEST meta: 'caller' must be a string, got {caller!r:.100}")
    timeout = timeout_ms / 1000 if timeout_ms is not None else None
    return RequestFrames(rid, service, body, deadline, timeout, dict(headers), caller, meta)


def decode_cancel(args: Sequence[bytes]) -> bytes:
    """The RID of a ``CANCEL``."""
    if not args or not args[0]:
        raise ProtocolError("CANCEL without a RID")
    return bytes(args[0])


def expired(deadline: float, now: float) -> bool:
    """True when ``deadline`` (seconds since the epoch) has passed at ``now``: such a request must not
    be started, and an answer to it is useless (the broker has answered its caller with 504)."""
    return now >= deadline


def check_body(body: bytes, what: str) -> bytes:
    """Refuses a frame the broker could not take: libzmq drops the whole connection of a peer that
    sends a frame over the 16 MiB limit (section 2), which would end the session, not one request."""
    if len(body) > P.MAX_CONTROL_BYTES:
        raise ProtocolError(f"{what} is {len(body)} bytes; a frame may hold at most {P.MAX_CONTROL_BYTES}")
    return body


def error_body(code: int, error: str, message: str = "") -> bytes:
    """The JSON error object of ``FAIL`` (and ``ERR``): ``{"code", "error", "message"}``."""
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(f"error code must be an int, got {code!r}")
    return P.encode_json({"code": code, "error": str(error), "message": str(message)})


def encode_partial(rid: bytes, body: bytes) -> P.Frames:
    """``PARTIAL RID BODY``: one part of a streamed answer."""
    return P.encode_plugin(P.PARTIAL, rid, check_body(body, "PARTIAL body"))


def encode_reply(rid: bytes, body: bytes) -> P.Frames:
    """``REPLY RID BODY``: the final answer."""
    return P.encode_plugin(P.REPLY, rid, check_body(body, "REPLY body"))


def encode_fail(rid: bytes, code: int, error: str, message: str = "") -> P.Frames:
    """``FAIL RID {"code", "error", "message"}``."""
    return P.encode_plugin(P.FAIL, rid, error_body(code, error, message))


# --- client side: CALL -------------------------------------------------------------------------

def timeout_ms(timeout: float) -> int:
    """A caller's timeout in seconds as ``timeout_ms``: rounded up to a whole millisecond (so that a
    tiny timeout does not become 0), 1 ms to 10 min. Raises ``ValueError`` outside that range."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if timeout * 1000 > MAX_CALL_TIMEOUT_MS:  # before ceil(): infinity has no integer
        raise ValueError(f"timeout must be at most {MAX_CALL_TIMEOUT_MS // 1000} s, got {timeout:g}")
    return math.ceil(timeout * 1000)


def call_options(timeout: float = DEFAULT_CALL_TIMEOUT_S, headers: Optional[Dict[str, str]] = None,
                 idempotent: bool = False) -> Dict[str, Any]:
    """The ``OPTIONS`` object of ``CALL``. ``timeout_ms`` is always sent, so that the caller and the
    broker agree on the deadline; ``headers`` and ``idempotent`` only when they say something."""
    options: Dict[str, Any] = {"timeout_ms": timeout_ms(timeout)}
    checked = P.check_headers(headers)
    if checked:
        options["headers"] = checked
    if not isinstance(idempotent, bool):
        raise TypeError(f"idempotent must be a bool, got {idempotent!r}")
    if idempotent:
        options["idempotent"] = True
    return options


def encode_call(request_id: bytes, service: str, data: P.Payload, timeout: float = DEFAULT_CALL_TIMEOUT_S,
                headers: Optional[Dict[str, str]] = None, idempotent: bool = False) -> P.Frames:
    """Frames of ``CALL``: ``["", "PLXC01", "CALL", REQUEST_ID, SERVICE, BODY, OPTIONS]``."""
    options = call_options(timeout, headers, idempotent)
    body = check_body(P.encode_payload(data), "CALL body")
    return P.encode_request(P.CALL, request_id, validate_service(service).encode("utf-8"), body,
                            P.encode_json(options))


class CallReply(NamedTuple):
    """A decoded reply on the client protocol: ``status`` is ``b"OK"``, ``b"ERR"`` or ``b"PARTIAL"``."""

    status: bytes
    request_id: bytes
    body: List[bytes]

    @property
    def partial(self) -> bool:
        return self.status == P.PARTIAL


def decode_call_reply(frames: Sequence[bytes]) -> CallReply:
    """Decodes a ``PLXC01`` reply that may also be ``PARTIAL`` (only ``CALL`` gets those)."""
    msg = P.decode_control(frames, P.MAX_REPLY_FRAMES)
    if msg.header != P.CLIENT:
        raise ProtocolError(f"expected a {P.CLIENT.decode()} reply, got header {msg.header.decode()}")
    if msg.command not in (P.OK, P.ERR, P.PARTIAL):
        raise ProtocolError(f"reply status must be OK, ERR or PARTIAL, got {msg.command[:32]!r}")
    if not msg.args:
        raise ProtocolError("reply without a request id frame")
    return CallReply(msg.command, msg.args[0], msg.args[1:])

"""Constants and the frame codec of the Plexus wire protocol, version 1 (docs/PROTOCOL.md).

The codec of services (section 6) lives in :mod:`plexus.service_codec`; its command names are here.

Everything here is pure: no sockets, so it can be unit-tested without a broker. Decoders raise
:class:`~plexus.errors.ProtocolError` with a message that says what was wrong.
"""

import json
import re
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

from .errors import ProtocolError

# --- constants (section 1, 2, 4) --------------------------------------------------------------

PROTOCOL_VERSION = 1
ENV_BROKER = "PLEXUS_BROKER"
#: Set by the broker for the plugins it supervises: the instance id to register with (section 4).
ENV_INSTANCE = "PLEXUS_INSTANCE"
#: Set by the broker for the plugins it supervises: the plugin's name in the topology (section 4).
ENV_PLUGIN = "PLEXUS_PLUGIN"
#: Set by the broker for the processes it spawns: a secret (64 hex characters) sent back as ``"token"`` in
#: every ``REGISTER`` (section 4). The SDK takes it out of the environment at start-up.
ENV_TOKEN = "PLEXUS_TOKEN"
DEFAULT_CONTROL = "tcp://127.0.0.1:7700"

CLIENT = b"PLXC01"  #: client request/reply header
PLUGIN = b"PLXP01"  #: plugin session header
HEADERS = (CLIENT, PLUGIN)

HEARTBEAT_INTERVAL_MS = 1000
HEARTBEAT_LIVENESS = 3

MAX_FRAMES = 64
#: The 64-frame limit is the broker's, on what it receives. Its answers may hold more: a REPLAY batch is a
#: JSON frame then three frames per event, up to 10,000 events (section 10).
MAX_REPLY_FRAMES = 4 + 1 + 3 * 10_000
MAX_CONTROL_BYTES = 16 * 1024 * 1024
MAX_REQUEST_ID = 255
MAX_TOPIC_BYTES = 255

OK = b"OK"
ERR = b"ERR"

# Plugin session commands (section 4).
REGISTER = b"REGISTER"
WELCOME = b"WELCOME"
READY = b"READY"
HEARTBEAT = b"HEARTBEAT"
GOODBYE = b"GOODBYE"
STOP = b"STOP"
DISCONNECT = b"DISCONNECT"
RELOAD = b"RELOAD"

# Client commands (section 3).
PING = b"PING"
DISCOVER = b"DISCOVER"
PUBLISH = b"PUBLISH"
PLUGINS = b"PLUGINS"
STATS = b"STATS"
STATUS = b"STATUS"
START = b"START"
# STOP and RELOAD are spelled like the plugin session's commands above (same bytes, other header).
RESTART = b"RESTART"
UPGRADE = b"UPGRADE"
APPLY = b"APPLY"        #: client: YAML, BASE_DIR?, OPTIONS? (JSON {"dry_run": bool})
SHUTDOWN = b"SHUTDOWN"  #: client: stops the mesh as SIGTERM does, after answering
LOGS = b"LOGS"

# Services (section 6): the broker's requests to a plugin, the plugin's answers, and the client side.
REQUEST = b"REQUEST"    #: B -> P: RID, SERVICE, BODY, JSON meta
CANCEL = b"CANCEL"      #: B -> P: RID (the caller's deadline passed)
PARTIAL = b"PARTIAL"    #: P -> B: RID, BODY; and a reply status of CALL (zero or more before OK/ERR)
REPLY = b"REPLY"        #: P -> B: RID, BODY (the final answer)
FAIL = b"FAIL"          #: P -> B: RID, JSON error
CALL = b"CALL"          #: client: SERVICE, BODY, OPTIONS?
SERVICES = b"SERVICES"  #: client: the service table

# Scheduled tasks (section 9): the client command; its verbs are LIST, SHOW, ADD, REMOVE, PAUSE, RESUME,
# CANCEL and TRIGGER. Task runs reach plugins as REQUESTs (see plexus.task for their headers).
TASKS = b"TASKS"        #: client: VERB, ARG?

# Reliable events (section 10): the event log's state and last event, replay, durable subscriptions and
# subscriber reports. Their codec is plexus.events_codec.
EVENTS = b"EVENTS"          #: client: ("LAST", TOPIC)?
REPLAY = b"REPLAY"          #: client: JSON request -> JSON batch, then TOPIC, PAYLOAD, META triples
DURABLE = b"DURABLE"        #: client: VERB (OPEN, ACK, DEAD, LIST, DELETE), JSON?, PAYLOAD?
SUBSCRIBER = b"SUBSCRIBER"  #: client: JSON report

# Metrics (docs/METRICS.md): the Prometheus text exposition, what GET /metrics serves.
METRICS = b"METRICS"  #: client: no arguments -> one text frame

# Broker events (section 5).
BROKER_SOURCE = "plexus.broker"  #: the ``source`` of every event the broker publishes itself
MESH_READY = "plexus.mesh.ready"  #: published whenever every enabled supervised plugin is running
#: Topics of the subscription probes (section 4): ``plexus.sync.INSTANCE``. The SDK's business only:
#: events on these topics never reach a plugin's handlers.
SYNC_PREFIX = "plexus.sync."
#: The broker's event heartbeat (section 10), about once a second: ``{"n", "head", "first_seq", "dropped",
#: "epoch"}`` with META ``seq`` 0. Not an event of the sequence; the SDKs' gap repair consumes it.
EVENTS_HEARTBEAT = "plexus.events.heartbeat"
#: Where ``DURABLE DEAD`` publishes a durable subscription's dead letters: ``plexus.deadletter.NAME``.
DEADLETTER_PREFIX = "plexus.deadletter."

# Dot-separated non-empty parts (no leading, trailing or double dot), so plexus.sync.<instance> is a topic.
NAME_RE = re.compile(r"(?=[A-Za-z0-9_.-]{1,128}\Z)[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\Z")
# Commands are case-sensitive ASCII words; anything else (binary, spaces) is a framing error.
COMMAND_RE = re.compile(rb"[\x21-\x7e]{1,64}\Z")

Frames = List[bytes]
Payload = Union[bytes, bytearray, memoryview, str, Any]


# --- validation --------------------------------------------------------------------------------

def validate_name(value: str, what: str = "name") -> str:
    """Checks a plugin ``name`` or ``instance`` id against ``[A-Za-z0-9_.-]{1,128}``."""
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise ProtocolError(f"invalid {what} {value!r}: expected 1-128 characters from [A-Za-z0-9_.-], "
                        "with no leading, trailing or double '.'")
    return value


def split_tokens(text: str, what: str) -> List[str]:
    """Splits a topic or pattern into tokens after the checks both share (section 5): 1-255 UTF-8
    bytes, no ASCII whitespace or control character, no empty token."""
    if not isinstance(text, str):
        raise ProtocolError(f"{what} must be a str, not {type(text).__name__}")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ProtocolError(f"invalid {what} {text!r}: not encodable as UTF-8 ({exc.reason})") from None
    if not 1 <= size <= MAX_TOPIC_BYTES:
        raise ProtocolError(f"invalid {what} {text!r}: must be 1-{MAX_TOPIC_BYTES} bytes of UTF-8, got {size}")
    # The document says "no spaces"; like the Swift codec, refuse every ASCII whitespace and control
    # character (bytes 0-32 and 127), so that both SDKs and the broker agree on what is valid.
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in text):
        raise ProtocolError(f"invalid {what} {text!r}: contains whitespace or a control character")
    tokens = text.split(".")
    if any(tok == "" for tok in tokens):
        raise ProtocolError(f"invalid {what} {text!r}: empty token")
    return tokens


def validate_topic(topic: str) -> str:
    """Checks a topic for publishing: dot-separated tokens, 1-255 UTF-8 bytes, no empty token, no
    ASCII whitespace or control character, no ``*`` or ``>``. Returns the topic; raises ``ProtocolError``."""
    split_tokens(topic, "topic")
    if "*" in topic or ">" in topic:
        raise ProtocolError(f"invalid topic {topic!r}: '*' and '>' are only allowed in subscription patterns")
    return topic


# --- payloads and JSON frames ------------------------------------------------------------------

def encode_payload(data: Payload) -> bytes:
    """Turns a payload into bytes: bytes-like as is, ``str`` as UTF-8, anything else as JSON."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    try:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"payload of type {type(data).__name__} is not bytes, str or JSON-serializable: {exc}") from None


def encode_json(obj: Any) -> bytes:
    """One JSON frame, compact UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode_json(frame: bytes, what: str) -> Any:
    """Decodes one JSON frame; raises ``ProtocolError`` naming ``what`` on bad UTF-8 or JSON."""
    try:
        return json.loads(bytes(frame).decode("utf-8"))
    except UnicodeDecodeError:
        raise ProtocolError(f"{what}: not valid UTF-8") from None
    except ValueError as exc:
        raise ProtocolError(f"{what}: not valid JSON ({exc})") from None


def decode_json_object(frame: bytes, what: str) -> Dict[str, Any]:
    """Decodes a JSON frame that must hold an object."""
    obj = decode_json(frame, what)
    if not isinstance(obj, dict):
        raise ProtocolError(f"{what}: expected a JSON object, got {type(obj).__name__}")
    return obj


def check_headers(headers: Optional[Dict[str, str]]) -> Dict[str, str]:
    """Checks that event headers are a mapping of str to str and returns a plain dict copy."""
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        raise TypeError(f"headers must be a dict of str to str, not {type(headers).__name__}")
    for key, value in headers.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"headers must map str to str; bad entry {key!r}: {value!r}")
    return dict(headers)


# --- control endpoint framing (section 2) ------------------------------------------------------

class ControlMessage(NamedTuple):
    """A decoded control message: header (``b"PLXC01"``/``b"PLXP01"``), command and argument frames."""

    header: bytes
    command: bytes
    args: List[bytes]


def encode_control(header: bytes, command: bytes, *args: bytes) -> Frames:
    """Frames for a DEALER socket: ``["", HEADER, COMMAND, *args]`` (the delimiter is explicit)."""
    frames = [b"", header, command, *args]
    if len(frames) > MAX_FRAMES:
        raise ProtocolError(f"too many frames: {len(frames)} > {MAX_FRAMES}")
    return frames


def decode_control(frames: Sequence[bytes], max_frames: int = MAX_FRAMES) -> ControlMessage:
    """Decodes a message received on a DEALER connected to ``control``.

    Accepts the message with or without the leading empty delimiter (the broker omits it when the
    request omitted it). Raises ``ProtocolError`` for anything else that does not fit section 2, and for
    more than ``max_frames`` frames (replies to a client pass :data:`MAX_REPLY_FRAMES`).
    """
    frames = [bytes(f) for f in frames]
    if len(frames) > max_frames:
        raise ProtocolError(f"too many frames: {len(frames)} > {max_frames}")
    if frames and frames[0] == b"":
        frames = frames[1:]
    if len(frames) < 2:
        raise ProtocolError(f"control message needs a header and a command, got {len(frames)} frame(s)")
    header, command = frames[0], frames[1]
    if header not in HEADERS:
        raise ProtocolError(f"unknown protocol header {header[:32]!r}")
    if not COMMAND_RE.match(command):
        raise ProtocolError(f"invalid command frame {command[:32]!r}")
    return ControlMessage(header, command, frames[2:])


# --- client protocol (section 3) ---------------------------------------------------------------

class Reply(NamedTuple):
    """A decoded ``PLXC01`` reply: ``ok`` is True for ``OK``; ``body`` holds the remaining frames."""

    ok: bool
    request_id: bytes
    body: List[bytes]


def encode_request(command: bytes, request_id: bytes, *args: bytes) -> Frames:
    """Frames of a ``PLXC01`` request for a DEALER: ``["", "PLXC01", COMMAND, REQUEST_ID, *args]``."""
    if len(request_id) > MAX_REQUEST_ID:
        raise ProtocolError(f"request id longer than {MAX_REQUEST_ID} bytes")
    return encode_control(CLIENT, command, request_id, *args)


def decode_reply(frames: Sequence[bytes]) -> Reply:
    """Decodes a ``PLXC01`` reply. An ``ERR`` reply is returned (``ok=False``), not raised, so that
    the caller can first match its request id; :func:`reply_error` turns it into an exception."""
    msg = decode_control(frames, MAX_REPLY_FRAMES)
    if msg.header != CLIENT:
        raise ProtocolError(f"expected a {CLIENT.decode()} reply, got header {msg.header.decode()}")
    if msg.command not in (OK, ERR):
        raise ProtocolError(f"reply status must be OK or ERR, got {msg.command[:32]!r}")
    if not msg.args:
        raise ProtocolError("reply without a request id frame")
    return Reply(msg.command == OK, msg.args[0], msg.args[1:])


def encode_publish(request_id: bytes, topic: str, payload: Payload, headers: Optional[Dict[str, str]] = None) -> Frames:
    """Frames of an acknowledged ``PUBLISH`` request; the HEADERS frame is left out when empty."""
    args = [validate_topic(topic).encode("utf-8"), encode_payload(payload)]
    headers = check_headers(headers)
    if headers:
        args.append(encode_json(headers))
    return encode_request(PUBLISH, request_id, *args)


# --- plugin session (section 4) ----------------------------------------------------------------

def encode_plugin(command: bytes, *args: bytes) -> Frames:
    """Frames of a ``PLXP01`` message for the plugin's DEALER."""
    return encode_control(PLUGIN, command, *args)


def encode_goodbye(reason: Optional[str] = None) -> Frames:
    """``GOODBYE`` with ``{"reason": reason}``, or with no body when ``reason`` is None."""
    return encode_plugin(GOODBYE) if reason is None else encode_plugin(GOODBYE, encode_json({"reason": reason}))


def optional_json_object(args: Sequence[bytes], what: str) -> Dict[str, Any]:
    """The optional ``JSON?`` argument of GOODBYE/STOP/DISCONNECT: absent or empty means ``{}``."""
    if not args or not args[0]:
        return {}
    return decode_json_object(args[0], what)


def decode_welcome(args: Sequence[bytes]) -> Dict[str, Any]:
    """Decodes and checks a ``WELCOME`` body: ``events_in``/``events_out`` must be strings,
    ``heartbeat_ms``/``liveness`` positive integers (defaulted when absent), ``config`` an object."""
    if not args:
        raise ProtocolError("WELCOME without a body")
    body = decode_json_object(args[0], "WELCOME body")
    for key in ("events_in", "events_out"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise ProtocolError(f"WELCOME body: {key!r} must be a non-empty string")
    body.setdefault("heartbeat_ms", HEARTBEAT_INTERVAL_MS)
    body.setdefault("liveness", HEARTBEAT_LIVENESS)
    for key in ("heartbeat_ms", "liveness"):
        value = body[key]
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ProtocolError(f"WELCOME body: {key!r} must be a positive integer, got {value!r}")
    config = body.get("config")
    if config is None:
        body["config"] = {}
    elif not isinstance(config, dict):
        raise ProtocolError(f"WELCOME body: 'config' must be an object, got {type(config).__name__}")
    return body


def decode_reload(args: Sequence[bytes]) -> Dict[str, Any]:
    """Decodes a ``RELOAD`` body ``{"config": {...}}`` and returns the config object.

    The body must be a JSON object. ``config``, when present, must be an object (``null`` is not one); a
    missing ``config`` means ``{}``, as in the Swift codec. A missing or empty body frame is malformed.
    """
    if not args or not args[0]:
        raise ProtocolError("RELOAD without a body")
    body = decode_json_object(args[0], "RELOAD body")
    config = body.get("config", {})
    if not isinstance(config, dict):
        raise ProtocolError(f"RELOAD body: 'config' must be an object, got {type(config).__name__}")
    return config


def sync_topic(instance: str) -> Optional[str]:
    """The probe topic ``plexus.sync.INSTANCE`` of an instance (section 4), or ``None`` when the
    instance id does not make a valid topic (an id with an empty dot-separated token, such as
    ``a..b`` or ``a.``, is a valid id but not a valid topic: such a plugin cannot probe)."""
    topic = SYNC_PREFIX + instance
    try:
        return validate_topic(topic)
    except ProtocolError:
        return None


def encode_logs_args(name: str, since: int, limit: int) -> List[bytes]:
    """Argument frames of ``LOGS``: ``NAME, SINCE, LIMIT`` (decimal)."""
    for what, value in (("since", since), ("limit", limit)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"LOGS {what} must be an integer >= 0, got {value!r}")
    return [name.encode("utf-8"), str(since).encode("ascii"), str(limit).encode("ascii")]


# --- events (section 5) ------------------------------------------------------------------------

def encode_event(topic: str, payload: Payload, headers: Optional[Dict[str, str]] = None) -> Frames:
    """Frames for a PUB socket on ``events_in``: ``[TOPIC, PAYLOAD, HEADERS?]``."""
    frames = [validate_topic(topic).encode("utf-8"), encode_payload(payload)]
    headers = check_headers(headers)
    if headers:
        frames.append(encode_json(headers))
    return frames


class RawEvent(NamedTuple):
    """A decoded ``[TOPIC, PAYLOAD, META]`` event from ``events_out``."""

    topic: str
    payload: bytes
    meta: Dict[str, Any]


def decode_event(frames: Sequence[bytes]) -> RawEvent:
    """Decodes an event from ``events_out`` and checks its META (``seq`` an unsigned and ``time`` a signed
    64-bit integer, ``source`` a string, ``headers`` when present an object of strings; ``prev``, an unsigned
    64-bit integer, and ``epoch``, a string, may be absent: brokers before section 10 do not send them)."""
    if len(frames) != 3:
        raise ProtocolError(f"event must have 3 frames [TOPIC, PAYLOAD, META], got {len(frames)}")
    raw_topic, payload, raw_meta = (bytes(f) for f in frames)
    try:
        topic = raw_topic.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(f"event topic is not valid UTF-8: {raw_topic[:64]!r}") from None
    meta = decode_json_object(raw_meta, "event META")
    # seq counts from 1 (0 is let through, as the Swift codec does); time is µs since the epoch. Both fit in
    # 64 bits, unsigned and signed, as they do in the Swift codec.
    for key, low, high in (("seq", 0, 2**64 - 1), ("time", -2**63, 2**63 - 1)):
        value = meta.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ProtocolError(f"event META: {key!r} must be an integer, got {value!r}")
        if not low <= value <= high:
            raise ProtocolError(f"event META: {key!r} must be from {low} to {high}, got {value}")
    if not isinstance(meta.get("source"), str):
        raise ProtocolError(f"event META: 'source' must be a string, got {meta.get('source')!r}")
    prev = meta.get("prev")
    if prev is not None and (not isinstance(prev, int) or isinstance(prev, bool) or not 0 <= prev <= 2**64 - 1):
        raise ProtocolError(f"event META: 'prev' must be an integer from 0 to {2**64 - 1}, got {prev!r}")
    epoch = meta.get("epoch")
    if epoch is not None and not isinstance(epoch, str):
        raise ProtocolError(f"event META: 'epoch' must be a string, got {epoch!r}")
    headers = meta.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ProtocolError(f"event META: 'headers' must be an object of strings, got {headers!r}")
    return RawEvent(topic, payload, meta)


def decode_mesh_ready(payload: bytes) -> List[str]:
    """Decodes the payload of ``plexus.mesh.ready``, ``{"plugins": [names]}``, into the list of names."""
    body = decode_json_object(payload, f"{MESH_READY} payload")
    plugins = body.get("plugins")
    if not isinstance(plugins, list) or not all(isinstance(name, str) for name in plugins):
        raise ProtocolError(f"{MESH_READY} payload: 'plugins' must be an array of strings, got {plugins!r:.200}")
    return plugins


# --- endpoints ---------------------------------------------------------------------------------

WILDCARD_HOSTS = ("0.0.0.0", "*", "::", "[::]")


def resolve_endpoint(endpoint: str, control: str) -> str:
    """Replaces a wildcard host (``0.0.0.0``, ``*``) in ``endpoint`` by the host of ``control``,
    the endpoint the caller actually reached the broker on (section 1)."""
    scheme, sep, rest = endpoint.partition("://")
    if not sep or scheme not in ("tcp", "udp", "pgm", "epgm"):
        return endpoint  # ipc://, inproc:// have no host.
    host, colon, port = rest.rpartition(":")
    if not colon or host not in WILDCARD_HOSTS:
        return endpoint
    control_host = _host_of(control)
    if not control_host or control_host in WILDCARD_HOSTS:
        control_host = "127.0.0.1"
    return f"{scheme}://{control_host}:{port}"


def _host_of(endpoint: str) -> Optional[str]:
    """The host part of a ``tcp://host:port`` endpoint (brackets kept for IPv6), or None."""
    scheme, sep, rest = endpoint.partition("://")
    if not sep:
        return None
    host, colon, _ = rest.rpartition(":")
    if not colon:
        return None
    # "tcp://eth0;192.168.1.2:5555" names a source interface before ';': keep only the peer.
    return host.split(";")[-1] or None

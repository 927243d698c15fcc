"""CurveZMQ keys for the sockets a plugin or client opens towards the broker (docs/SECURITY.md).

With ``security.curve`` on, the broker admits only known keys. It gives each process it starts a fresh
pair in ``PLEXUS_CURVE_SECRET_KEY`` / ``PLEXUS_CURVE_PUBLIC_KEY`` and its own public key in
``PLEXUS_CURVE_SERVER_KEY``; a plugin started elsewhere sets ``PLEXUS_CURVE_SECRET_KEY_FILE`` (what
``plexus keygen NAME`` writes as ``NAME.key``) and ``PLEXUS_CURVE_SERVER_KEY``. Every socket the SDK opens
(control DEALER, event SUB, event PUB) sets the CURVE client options from these before it connects.

A refused key is not reported by send or receive, only by the socket monitor's
``EVENT_HANDSHAKE_FAILED_AUTH``: :func:`refused` reads it, and the SDK then raises :class:`KeyRefused`
(a plugin exits with :data:`DENIED_EXIT`, which the supervisor reports as ``denied``).
"""

import os
from typing import Any, Mapping, NamedTuple, Optional

import zmq

from .errors import PlexusError

ENV_SECRET_KEY = "PLEXUS_CURVE_SECRET_KEY"
ENV_PUBLIC_KEY = "PLEXUS_CURVE_PUBLIC_KEY"
ENV_SERVER_KEY = "PLEXUS_CURVE_SERVER_KEY"
ENV_SECRET_KEY_FILE = "PLEXUS_CURVE_SECRET_KEY_FILE"
#: The exit status of a plugin whose key the broker refused (the Swift SDK's too).
DENIED_EXIT = 77
DENIED_MESSAGE = "the broker refused this plugin's key"

_Z85 = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")


class KeyRefused(PlexusError):
    """The broker refused this peer's CURVE key (its ZAP handler answered 400)."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(401, "key_refused", f"{DENIED_MESSAGE} ({endpoint})")


class CurveKeys(NamedTuple):
    """This peer's pair and the broker's public key, each 40 Z85 characters."""
    secret: str
    public: str
    server: str


def is_key(text: str) -> bool:
    """Whether ``text`` has the form of a Z85 CURVE key."""
    return len(text) == 40 and all(c in _Z85 for c in text)


def from_environment(env: Optional[Mapping[str, str]] = None) -> Optional[CurveKeys]:
    """The keys from the environment; None when none of the variables is set (CURVE off). Raises
    ``ValueError`` with a clear message for a missing or malformed key."""
    env = os.environ if env is None else env
    secret = env.get(ENV_SECRET_KEY) or None
    secret_file = env.get(ENV_SECRET_KEY_FILE) or None
    server = env.get(ENV_SERVER_KEY) or None
    if secret is None and secret_file is None and server is None:
        return None
    if server is None:
        raise ValueError(f"{ENV_SERVER_KEY} is not set (the broker's public key)")
    if secret is None:
        if secret_file is None:
            raise ValueError(f"{ENV_SECRET_KEY} or {ENV_SECRET_KEY_FILE} is not set")
        try:
            with open(secret_file, encoding="utf-8") as handle:
                secret = handle.read().strip()
        except OSError as exc:
            raise ValueError(f"cannot read the secret key file {secret_file}: {exc}") from exc
    if not is_key(secret) or not is_key(server):
        raise ValueError("CURVE keys must be 40 Z85 characters")
    public = env.get(ENV_PUBLIC_KEY) or zmq.curve_public(secret.encode("ascii")).decode("ascii")
    return CurveKeys(secret, public, server)


def apply(sock: "zmq.Socket[Any]", keys: Optional[CurveKeys]) -> None:
    """Sets the CURVE client options on ``sock`` (before ``connect``); nothing when ``keys`` is None."""
    if keys is None:
        return
    sock.setsockopt(zmq.CURVE_SERVERKEY, keys.server.encode("ascii"))
    sock.setsockopt(zmq.CURVE_PUBLICKEY, keys.public.encode("ascii"))
    sock.setsockopt(zmq.CURVE_SECRETKEY, keys.secret.encode("ascii"))


def monitor(sock: "zmq.Socket[Any]") -> "zmq.Socket[bytes]":
    """A monitor socket that reports ``sock``'s refused handshakes (poll it, then :func:`refused`)."""
    return sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH)


def refused(monitor_socket: "zmq.Socket[bytes]") -> bool:
    """Whether a handshake-failed-auth event is waiting on ``monitor_socket`` (reads what is there)."""
    found = False
    for _ in range(64):
        try:
            frames = monitor_socket.recv_multipart(zmq.NOBLOCK)
        except zmq.Again:
            break
        if len(frames) >= 1 and len(frames[0]) >= 2:
            event = int.from_bytes(frames[0][:2], "little")
            if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                found = True
    return found

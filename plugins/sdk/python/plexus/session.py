"""Decisions of the plugin session that need no socket, kept apart from :mod:`plexus.plugin` so that
they can be unit-tested without a broker: which instance id to register with, the registration token of a
supervised process, and where an incoming event goes (pattern handlers, the mesh-ready hook, or nowhere:
subscription probes never reach a plugin).

Importing this module (which ``import plexus`` does) takes ``$PLEXUS_TOKEN`` out of ``os.environ``, so that
the processes a plugin starts do not inherit it; :func:`claim_token` hands it to the plugin.
"""

import logging
import os
import re
import threading
from typing import Any, Callable, List, Mapping, MutableMapping, NamedTuple, Optional, Sequence, Tuple

from . import protocol as P
from .patterns import Pattern

#: Prefixes the SDK subscribes to for itself, after the user's patterns and before its probe topic
#: ``plexus.sync.INSTANCE`` (which comes last of all, see :mod:`plexus.plugin`). Events that match only
#: these never reach a user handler (see :func:`route`).
INTERNAL_PREFIXES: Tuple[bytes, ...] = (P.MESH_READY.encode("utf-8"), P.EVENTS_HEARTBEAT.encode("utf-8"))

log = logging.getLogger("plexus")

#: What the broker puts in ``$PLEXUS_TOKEN``; anything else is sent all the same (the broker judges), with
#: a warning that does not show it.
TOKEN_RE = re.compile(r"[0-9a-fA-F]{64}\Z")


def select_instance(name: str, explicit: Optional[str] = None,
                    environ: Optional[Mapping[str, str]] = None, pid: Optional[int] = None) -> str:
    """The instance id to register with: ``explicit`` when given (non-empty), else a non-empty
    ``$PLEXUS_INSTANCE``, else ``NAME-PID``. Raises ``ProtocolError`` when the chosen id is invalid.

    A supervised plugin must register with exactly the id the broker put in ``PLEXUS_INSTANCE``: that is
    how the broker ties the session to the process it started. An invalid value there is therefore an
    error, not a reason to fall back to ``NAME-PID`` (the broker would not recognise that session).
    """
    if explicit:
        return P.validate_name(explicit, "instance id")
    env = (os.environ if environ is None else environ).get(P.ENV_INSTANCE, "")
    if env:
        return P.validate_name(env, f"instance id in ${P.ENV_INSTANCE}")
    return P.validate_name(f"{name}-{os.getpid() if pid is None else pid}", "instance id")


class RegistrationToken:
    """The secret the broker gave the process it spawned (``$PLEXUS_TOKEN``), sent back as ``"token"`` in
    ``REGISTER``. Its ``repr``/``str`` never show it: only :meth:`reveal` does, for the ``REGISTER`` body."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "RegistrationToken(<hidden>)"

    __str__ = __repr__


def take_token(environ: MutableMapping[str, str]) -> Optional[RegistrationToken]:
    """Removes ``$PLEXUS_TOKEN`` from ``environ`` and returns it (None when unset or empty)."""
    value = environ.pop(P.ENV_TOKEN, None)
    if not value:
        return None
    if not TOKEN_RE.match(value):
        log.warning("$%s is not 64 hexadecimal characters (%d characters); sending it anyway", P.ENV_TOKEN,
                    len(value))
    return RegistrationToken(value)


_token_lock = threading.Lock()
#: The token taken out of os.environ at import (or later, when set again), until a plugin claims it.
_unclaimed: Optional[RegistrationToken] = take_token(os.environ)


def claim_token(instance: str, environ: Optional[MutableMapping[str, str]] = None) -> Optional[RegistrationToken]:
    """The registration token for a plugin that registers as ``instance``, or None.

    The token the broker gave this process (``$PLEXUS_TOKEN``, taken out of the environment when
    :mod:`plexus` was imported, or now if it has been set since) goes to one plugin only: the first that
    claims it whose ``instance`` is ``$PLEXUS_INSTANCE`` (any, when that is unset), since the broker gave it
    for the instance it started. Later claims get None.
    """
    global _unclaimed
    env = os.environ if environ is None else environ
    with _token_lock:
        fresh = take_token(env)
        if fresh is not None:
            _unclaimed = fresh
        expected = env.get(P.ENV_INSTANCE, "")
        if _unclaimed is None or (expected and instance != expected):
            return None
        token, _unclaimed = _unclaimed, None
        return token


class Route(NamedTuple):
    """Where one event goes: ``mesh_ready`` is True when it is the broker's ``plexus.mesh.ready``
    (for ``on_mesh_ready``); ``handlers`` are the ``(pattern, handler)`` pairs whose pattern matches,
    in subscription order."""

    mesh_ready: bool
    handlers: List[Tuple[Pattern, Callable[..., Any]]]


def route(topic: str, source: str, subscriptions: Sequence[Tuple[Pattern, Callable[..., Any]]]) -> Route:
    """Routes an event by ``topic`` and ``source`` (its META ``source``).

    Subscription probes (``plexus.sync.*``, anyone's) and the event heartbeat go nowhere, even when a user pattern such as ``>``
    matches them: they are the SDKs' business (section 4). Otherwise only the user's patterns select handlers: the SDK's own subscription to ``plexus.mesh.ready`` lets
    that event in, but it reaches a handler only when a user pattern matches it too. The hook fires only
    for events whose source is the broker, so that an ordinary publisher using the topic by mistake does
    not trigger it (the check is not a security boundary: a PUB may claim any ``source`` header).
    """
    if topic.startswith(P.SYNC_PREFIX) or topic == P.EVENTS_HEARTBEAT:
        # The event heartbeat is no event of the sequence (section 10): gap repair consumes it, and a ">"
        # handler that only wants events must not get one every second.
        return Route(False, [])
    handlers = [(pattern, fn) for pattern, fn in subscriptions if pattern.matches(topic)]
    return Route(topic == P.MESH_READY and source == P.BROKER_SOURCE, handlers)

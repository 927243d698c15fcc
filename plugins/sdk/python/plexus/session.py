"""Decisions of the plugin session that need no socket, kept apart from :mod:`plexus.plugin` so that
they can be unit-tested without a broker: which instance id to register with, and where an incoming
event goes (pattern handlers, the mesh-ready hook, or nowhere: subscription probes never reach a plugin).
"""

import os
from typing import Any, Callable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from . import protocol as P
from .patterns import Pattern

#: Prefixes the SDK subscribes to for itself, after the user's patterns and before its probe topic
#: ``plexus.sync.INSTANCE`` (which comes last of all, see :mod:`plexus.plugin`). Events that match only
#: these never reach a user handler (see :func:`route`).
INTERNAL_PREFIXES: Tuple[bytes, ...] = (P.MESH_READY.encode("utf-8"),)


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


class Route(NamedTuple):
    """Where one event goes: ``mesh_ready`` is True when it is the broker's ``plexus.mesh.ready``
    (for ``on_mesh_ready``); ``handlers`` are the ``(pattern, handler)`` pairs whose pattern matches,
    in subscription order."""

    mesh_ready: bool
    handlers: List[Tuple[Pattern, Callable[..., Any]]]


def route(topic: str, source: str, subscriptions: Sequence[Tuple[Pattern, Callable[..., Any]]]) -> Route:
    """Routes an event by ``topic`` and ``source`` (its META ``source``).

    Subscription probes (``plexus.sync.*``, anyone's) go nowhere, even when a user pattern such as ``>``
    matches them: they are the SDKs' business (section 4). Otherwise only the user's patterns select handlers: the SDK's own subscription to ``plexus.mesh.ready`` lets
    that event in, but it reaches a handler only when a user pattern matches it too. The hook fires only
    for events whose source is the broker, so that an ordinary publisher using the topic by mistake does
    not trigger it (the check is not a security boundary: a PUB may claim any ``source`` header).
    """
    if topic.startswith(P.SYNC_PREFIX):
        return Route(False, [])
    handlers = [(pattern, fn) for pattern, fn in subscriptions if pattern.matches(topic)]
    return Route(topic == P.MESH_READY and source == P.BROKER_SOURCE, handlers)

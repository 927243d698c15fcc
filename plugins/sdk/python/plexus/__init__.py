"""Plexus plugin SDK for Python (protocol version 1, docs/PROTOCOL.md).

Needs only pyzmq. The main types:

- :class:`Plugin`: subclass or instantiate, subscribe to patterns, offer services, ``run()``; hooks
  ``on_start``, ``on_event``, ``on_reload``, ``on_mesh_ready``, ``on_stop``.
- :func:`service` / ``Plugin.serve``: offer a service (section 6); handlers get a :class:`Request` and
  may raise :class:`ServiceError`.
- :class:`Event`: what handlers receive (``topic``, ``data``, ``text``, ``json()``, ``seq``, ``time``,
  ``source``, ``headers``).
- :class:`Client`: the ``PLXC01`` request/reply client (PING, DISCOVER, PUBLISH, PLUGINS, STATS, and the
  supervision commands STATUS, START, STOP, RESTART, UPGRADE, RELOAD, APPLY, LOGS; services: CALL,
  SERVICES).
- :class:`PlexusError` (``code``, ``error``, ``message``), :class:`PlexusTimeout`,
  :class:`ProtocolError`.
- :class:`Pattern` / :func:`compile_pattern`: subscription patterns; :func:`validate_topic`.
"""

from .client import Client
from .context import PluginContext
from .errors import PlexusError, PlexusTimeout, ProtocolError
from .event import Event
from .patterns import Pattern, compile_pattern
from .plugin import Plugin, handler
from .service import Request, ServiceError, service
from .protocol import (DEFAULT_CONTROL, ENV_BROKER, ENV_INSTANCE, ENV_PLUGIN, MESH_READY, PROTOCOL_VERSION,
                       SYNC_PREFIX, validate_topic)

__version__ = "1.0.0"

__all__ = [
    "Client", "Event", "Pattern", "PlexusError", "PlexusTimeout", "Plugin", "PluginContext",
    "ProtocolError", "Request", "ServiceError", "compile_pattern", "handler", "service", "validate_topic",
    "DEFAULT_CONTROL", "ENV_BROKER", "ENV_INSTANCE", "ENV_PLUGIN", "MESH_READY", "PROTOCOL_VERSION",
    "SYNC_PREFIX",
]

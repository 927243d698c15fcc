"""Plexus plugin SDK for Python (protocol version 1, docs/PROTOCOL.md).

Needs only pyzmq. The main types:

- :class:`Plugin`: subclass or instantiate, subscribe to patterns, offer services, ``run()``; hooks
  ``on_start``, ``on_event``, ``on_reload``, ``on_mesh_ready``, ``on_stop``, and ``health`` (every
  ``health_interval`` seconds) with ``set_health`` (any time) to report the plugin's health (section 4):
  :class:`HealthStatus`, :class:`HealthReport`, :class:`HealthCheck`; the broker's view of an instance's
  health, in instance objects, is :class:`InstanceHealth` (:func:`instance_health`).
- :func:`service` / ``Plugin.serve``: offer a service (section 6); handlers get a :class:`Request` and
  may raise :class:`ServiceError`.
- :func:`task` / ``Plugin.serve_task``: handle the runs of a scheduled task (section 9), a service whose
  handler gets a :class:`TaskRun` (``task_id``, ``run_id``, ``scheduled_at``, ``attempt``, ``payload``)
  and returns a message or raises to fail the run.
- :class:`Event`: what handlers receive (``topic``, ``data``, ``text``, ``json()``, ``seq``, ``time``,
  ``source``, ``headers``).
- :class:`Client`: the ``PLXC01`` request/reply client (PING, DISCOVER, PUBLISH, PLUGINS, STATS, and the
  supervision commands STATUS, START, STOP, RESTART, UPGRADE, RELOAD, APPLY, LOGS; services: CALL,
  SERVICES; scheduled tasks: TASKS, as ``tasks_list``, ``task_show``, ``task_add``, ``task_remove``,
  ``task_pause``, ``task_resume``, ``task_cancel``, ``task_trigger``).
- Reliable events (section 10): :class:`ReliableSubscriber` (a subscriber that repairs its gaps from the
  broker's event log and reports what it cannot; its decisions are :class:`plexus.repair.GapRepair`'s, which
  plugins use too, with the ``on_event_loss`` hook), :class:`DurableConsumer` (a durable subscription: acks,
  retries, dead letters; in plugins :func:`durable` / ``Plugin.durable``), and the codec types of
  :mod:`plexus.events_codec` (:class:`ReplayBatch`, :class:`Heartbeat`, ...); ``Client.replay``,
  ``replay_all``, ``events_state``, ``last_event``, ``durable_*``, ``report_subscriber``.
- CurveZMQ (``security.curve``): :class:`CurveKeys`, read from the environment by every socket
  (:mod:`plexus.curve`); a refused key raises :class:`KeyRefused` (a plugin exits 77).
- :class:`PlexusError` (``code``, ``error``, ``message``, ``details``), :class:`PlexusTimeout`,
  :class:`ProtocolError`.
- :class:`Pattern` / :func:`compile_pattern`: subscription patterns; :func:`validate_topic`.
"""

from .client import Client
from .durable import DurableConsumer
from .events_codec import (DurableCursor, DurableInfo, EventsState, Heartbeat, LogGap, ReplayBatch, ReplayRequest,
                           SubscriberCounts)
from .context import PluginContext
from .curve import CurveKeys, KeyRefused
from .errors import PlexusError, PlexusTimeout, ProtocolError
from .health import HealthCheck, HealthReport, HealthStatus, InstanceHealth, instance_health
from .event import Event
from .patterns import Pattern, compile_pattern
from .plugin import Plugin, handler
from .plugin_durable import durable
from .reliable import ReliableSubscriber
from .repair import GapRepair, Loss
from .service import Request, ServiceError, service
from .task import TaskRun, task
from .protocol import (DEADLETTER_PREFIX, DEFAULT_CONTROL, ENV_BROKER, ENV_INSTANCE, ENV_PLUGIN, ENV_TOKEN,
                       EVENTS_HEARTBEAT, MESH_READY, PROTOCOL_VERSION, SYNC_PREFIX, validate_topic)

__version__ = "1.0.0"

__all__ = [
    "Client", "Event", "Pattern", "PlexusError", "PlexusTimeout", "Plugin", "PluginContext",
    "ProtocolError", "Request", "ServiceError", "TaskRun", "compile_pattern", "handler", "service", "task",
    "validate_topic",
    "DurableConsumer", "DurableCursor", "DurableInfo", "EventsState", "GapRepair", "Heartbeat", "LogGap", "Loss",
    "ReliableSubscriber", "ReplayBatch", "ReplayRequest", "SubscriberCounts", "durable",
    "DEADLETTER_PREFIX", "DEFAULT_CONTROL", "ENV_BROKER", "ENV_INSTANCE", "ENV_PLUGIN", "ENV_TOKEN",
    "EVENTS_HEARTBEAT", "MESH_READY", "PROTOCOL_VERSION", "SYNC_PREFIX",
    "CurveKeys", "KeyRefused",
    "HealthCheck", "HealthReport", "HealthStatus", "InstanceHealth", "instance_health",
]

"""The plugin runtime: :class:`Plugin` (docs/PROTOCOL.md, sections 4 and 5).

Two threads share the work, so that user code can never starve the session:

- The **I/O thread** (a background thread started by :meth:`Plugin.run`, see :mod:`plexus.plugin_io`) owns
  every socket: it registers, heartbeats, reconnects, runs the probe, reads broker messages and events,
  and sends everything (publishes, service answers, ``READY``, ``GOODBYE``). It never runs user code.
- The **handler thread** is the thread that called :meth:`Plugin.run` (normally the main thread, so that
  signal handling keeps working). It runs the hooks (``on_start``, ``on_reload``, ``on_mesh_ready``,
  ``on_stop``), the event handlers and inline service handlers, one at a time, in the order the I/O thread
  hands them over through a bounded :class:`~plexus.handoff.HandlerQueue`. What they publish or answer is
  handed back to the I/O thread (a queue plus a wake-up socket pair), as threaded service handlers'
  answers are.

A handler that blocks therefore delays the handlers after it, never heartbeats: the broker keeps the
session. When the handler queue is full, the I/O thread stops reading its SUB socket (ZeroMQ holds the
rest) rather than drop events.

``READY`` means "I receive events" (section 4). After each ``WELCOME`` the I/O thread subscribes to its
probe topic ``plexus.sync.INSTANCE`` after every other prefix and publishes an empty event there every
20 ms until one comes back through its SUB socket: only then are the subscriptions known to have reached
the broker (and the PUB socket to be connected). Then ``on_start`` (or, after a re-registration, a changed
config's ``on_reload``) runs on the handler thread, and ``READY`` goes out once it returned. Heartbeats,
``STOP`` and ``RELOAD`` keep working meanwhile.

Services (section 6) are run by a :class:`~plexus.dispatch.ServiceDispatcher`: inline handlers on the
handler thread, between events; threaded ones on worker threads. Neither touches a socket.

The code is split by concern: this module is the public API (:class:`Plugin`, :func:`handler`) and the
handler thread; :mod:`plexus.plugin_session` the session's state machine (registration, ``WELCOME``, the
probe, ``READY``, the broker's commands); :mod:`plexus.plugin_io` the sockets and the I/O thread's loop;
:mod:`plexus.plugin_services` offering and calling services, through the narrow
:class:`~plexus.plugin_services.ServiceHost` that this module implements.
"""

import functools
import logging
import os
import signal
import sys
import socket
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, cast

import zmq

from . import curve as C
from . import protocol as P
from .context import PluginContext
from .errors import PlexusError, ProtocolError
from .event import Event
from .handoff import HandlerQueue, Work
from .patterns import Pattern
from .repair import Loss
# The constants are re-exported: they lived here before the sockets moved to plugin_io.
from .plugin_io import (_ACTIVE, _REGISTERING, _WAITING, BACKLOG_MAX, EVENT_BATCH, LINGER_MS,  # noqa: F401
                        MAX_BACKOFF, PUB_OUTBOX_MAX, SUB_RCVHWM, Handler)
from .plugin_durable import DurableSupport, invoke_on
from .plugin_health import HealthSupport
from .health import HealthResult
from .plugin_services import Offer, ServiceSupport
from .plugin_session import SessionProtocol
from .service import F
# Read by each run() from here, where they always lived (tests and users patch them in this module).
from .plugin_session import PROBE_INTERVAL_S, PROBE_TIMEOUT_S  # noqa: F401
from .service_codec import registration_fields, validate_concurrency
from .session import claim_token, route, select_instance

log = logging.getLogger("plexus")

#: Events the I/O thread may queue for the handler thread; when that many wait, it stops reading the SUB
#: socket until the handler thread has taken half of them.
HANDLER_QUEUE_MAX = 1000
#: How long run() waits for the I/O thread to say GOODBYE and close (it lingers at most LINGER_MS).
JOIN_TIMEOUT_S = 10.0


def handler(pattern: str) -> Callable[[F], F]:
    """Marks a method of a :class:`Plugin` subclass as the handler of ``pattern`` (may be stacked)::

        class Audit(Plugin):
            @handler("user.*")
            def on_user(self, event): ...
    """
    Pattern(pattern)  # fail at class definition, not at run time

    def mark(fn: F) -> F:
        fn.__dict__.setdefault("_plexus_patterns", []).append(pattern)
        return fn
    return mark


class Plugin(ServiceSupport, DurableSupport, HealthSupport, SessionProtocol):
    """A Plexus plugin: subclass it (override the ``on_*`` hooks) or instantiate it and pass hooks.

    ``name`` (``[A-Za-z0-9_.-]{1,128}``), ``type`` and ``version`` describe the plugin; ``instance``
    defaults to ``$PLEXUS_INSTANCE`` when set (the broker sets it for the plugins it starts), else
    ``NAME-PID``. ``subscriptions`` lists patterns whose events go to :meth:`on_event`. ``services`` maps
    service names to handlers (see :meth:`serve`; methods may use :func:`~plexus.service` instead, and
    :func:`~plexus.task` for the handlers of scheduled tasks, which are services too) and
    ``concurrency`` (default 1) is how many requests the broker may hand this instance at once; both are
    sent in ``REGISTER``. ``threaded`` (keyword) runs service handlers on worker threads; by default they do
    when ``concurrency`` > 1 and on the handler thread otherwise. ``broker`` is the control endpoint (default
    ``$PLEXUS_BROKER``, else ``tcp://127.0.0.1:7700``). All but ``instance`` and ``broker`` may also be
    class attributes. The keyword-only ``on_start``/``on_event``/``on_stop``/``on_reload``/
    ``on_mesh_ready``/``health`` replace the hooks of an instance; ``health_interval`` (seconds, default 10,
    also a class attribute) is how often :meth:`health` is called.

    Health (section 4): override :meth:`health` (called every ``health_interval`` seconds on a thread of its
    own) or call :meth:`set_health` from anywhere; the SDK sends ``HEALTH`` when the report changes, and
    again after each new session's ``READY`` while it is not passing. A ``critical`` instance gets no new
    service calls or task runs from the broker (``on_critical: isolate``, the default) until it recovers.

    After :meth:`run` received ``WELCOME``: ``config`` (dict, the current config: updated by ``RELOAD``),
    ``welcome`` (the decoded body of the latest ``WELCOME``).

    Before every ``READY`` (the first one and those after a re-registration) the runtime confirms its
    subscriptions with a probe on ``plexus.sync.INSTANCE`` (see the module documentation); ``on_start``
    runs once that probe came back, so that a plugin that says ``READY`` really receives events.
    """

    name: str = ""
    type: str = ""
    version: str = ""
    subscriptions: Sequence[str] = ()

    def __init__(self, name: Optional[str] = None, type: Optional[str] = None,  # noqa: A002 - protocol's name
                 version: Optional[str] = None, instance: Optional[str] = None,
                 services: Optional[Offer] = None,
                 subscriptions: Optional[Sequence[str]] = None,
                 broker: Optional[str] = None, concurrency: Optional[int] = None, *,
                 threaded: Optional[bool] = None,
                 on_start: Optional[Callable[[PluginContext], Any]] = None,
                 on_event: Optional[Handler] = None,
                 on_stop: Optional[Callable[[], Any]] = None,
                 on_reload: Optional[Callable[[Dict[str, Any]], Any]] = None,
                 on_mesh_ready: Optional[Callable[[List[str]], Any]] = None,
                 health: Optional[Callable[[], HealthResult]] = None,
                 health_interval: Optional[float] = None) -> None:
        self.name = P.validate_name(name if name is not None else self.name, "plugin name")
        self.type = str(type if type is not None else self.type)
        self.version = str(version if version is not None else self.version)
        self.instance = select_instance(self.name, instance)
        # A supervised process's secret for REGISTER (never logged, never in a repr).
        self._token = claim_token(self.instance)
        self.concurrency = validate_concurrency(concurrency if concurrency is not None else self.concurrency)
        self.broker = broker
        self.log = logging.getLogger(f"plexus.{self.name}")
        self.config: Dict[str, Any] = {}
        self.welcome: Dict[str, Any] = {}
        for hook, fn in (("on_start", on_start), ("on_event", on_event), ("on_stop", on_stop),
                         ("on_reload", on_reload), ("on_mesh_ready", on_mesh_ready)):
            if fn is not None:
                setattr(self, hook, fn)

        self._subs = []
        self._context: Optional[PluginContext] = None  # the one on_start got; kept current
        self._init_durable()
        self._init_io()
        self._init_session()
        self._init_health(health, health_interval, self._on_sockets, lambda frames: self._send_frames(frames))
        self._start_done = False  # on_start returned (handler thread); on_stop runs only then
        self._init_services(_PluginServiceHost(self), services if services is not None else self.services,
                            threaded)

        for pattern in (subscriptions if subscriptions is not None else self.subscriptions):
            self.subscribe(pattern)
        for attr, patterns in _marked_methods(self.__class__).items():
            for pattern in patterns:
                self.subscribe(pattern, getattr(self, attr))
        for attr, names in _marked_methods(self.__class__, "_plexus_services").items():
            for service_name in names:
                self.serve(service_name, getattr(self, attr))
        for attr, names in _marked_methods(self.__class__, "_plexus_tasks").items():
            for service_name in names:
                self.serve_task(service_name, getattr(self, attr))
        for attr, declared in _marked_methods(self.__class__, "_plexus_durable").items():
            for mark in declared:
                durable_name, pattern, options = cast(Tuple[str, str, Dict[str, Any]], mark)
                self.durable(durable_name, pattern, getattr(self, attr), **options)

    # -- hooks (override or pass to __init__) ---------------------------------------------------

    def on_start(self, ctx: PluginContext) -> None:
        """Called once, after the first ``WELCOME`` and its subscription probe, before ``READY``;
        ``ctx.config`` holds the configuration. The session heartbeats meanwhile, but ``READY`` waits for
        it (a supervised plugin's ``start_timeout`` bounds it). Events that arrived before it ran are
        handled right after it returns."""

    def on_event(self, event: Event) -> None:
        """Receives events of the patterns subscribed without their own handler."""
        self.log.debug("event %s seq=%d (no handler)", event.topic, event.seq)

    def on_stop(self) -> None:
        """Called once when the plugin stops (broker ``STOP``, signal, :meth:`stop`), before
        ``GOODBYE``. Publishing from here still works."""

    def on_reload(self, config: Dict[str, Any]) -> None:
        """Called with the new config on every ``RELOAD`` from the broker, and when a re-registration
        (after a broker restart) brings a different config. ``self.config`` and the ``PluginContext``'s
        ``config`` already hold it. An exception is logged; the plugin keeps running."""
        self.log.info("new config received; override on_reload() to apply it")

    def on_event_loss(self, first: int, last: int, reason: str) -> None:
        """Called (on the handler thread, in line with the events) when events of this plugin's patterns
        were lost and the broker's event log could not give them back: seqs ``first``..``last`` (a range
        that may also hold other topics' seqs; 0..0 when the sequence's epoch changed) and why. Every other
        loss the runtime repaired by itself (docs/PROTOCOL.md section 10). The default logs a warning."""
        self.log.warning("events lost: seqs %d-%d (%s)", first, last, reason)

    def on_mesh_ready(self, plugins: List[str]) -> None:
        """Called when the broker announces ``plexus.mesh.ready``: every enabled supervised plugin
        (``plugins``, their names; attached ones do not count) is running. May come several times: again
        whenever the mesh is back to all-running. An exception is logged; the plugin keeps running."""

    # -- subscriptions ------------------------------------------------------------------------

    def subscribe(self, pattern: str, handler: Optional[Handler] = None) -> Handler:
        """Delivers events matching ``pattern`` to ``handler`` (default :meth:`on_event`). Works
        before and during :meth:`run`. Returns the handler. Raises ``ProtocolError`` for a bad pattern."""
        compiled = Pattern(pattern)
        fn = handler if handler is not None else (lambda event: self.on_event(event))
        self._subs.append((compiled, fn))
        self._on_sockets(functools.partial(self._add_subscription, compiled))  # the SUB is the I/O thread's
        return handler if handler is not None else self.on_event

    def on(self, pattern: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`subscribe`: ``@plugin.on("user.*")``."""
        def register(fn: Handler) -> Handler:
            self.subscribe(pattern, fn)
            return fn
        return register

    @property
    def patterns(self) -> List[str]:
        """The subscribed patterns, in order (duplicates kept), as sent in ``REGISTER``."""
        return [str(p) for p, _ in self._subs]

    # -- publishing -----------------------------------------------------------------------------

    def publish(self, topic: str, data: P.Payload, headers: Optional[Dict[str, str]] = None) -> None:
        """Fire-and-forget publish on ``events_in``. ``data``: bytes, str (UTF-8) or JSON-serializable.
        Header ``source`` defaults to the instance id. Works from ``on_start`` on, from any thread: the
        event is handed to the I/O thread, which sends it (in the order of the calls of each thread, and
        before any later answer or ``GOODBYE``). Raises ``ProtocolError`` for an invalid topic.

        Never drops an event silently: when the broker does not take events as fast as they are published,
        they wait in the SDK (the socket's queue, then up to ``PUB_OUTBOX_MAX`` more); beyond that this raises
        :class:`PlexusError` 503 and the event is not sent. Use :meth:`publish_ack` to know it is stored."""
        if self._pub is None:
            raise RuntimeError("publish() needs the events endpoint from WELCOME: call it from on_start on")
        h = P.check_headers(headers)
        h.setdefault("source", self.instance)
        frames = P.encode_event(topic, data, h)  # validated here, so that the caller gets the error
        if len(self._pub_outbox) >= PUB_OUTBOX_MAX:  # read without a lock: an estimate is enough here
            raise PlexusError(503, "unavailable", f"cannot publish on {topic}: {len(self._pub_outbox)} events wait "
                                                  "for the broker to take them")
        if self._on_socket_thread():
            self._publish_frames(frames)
            return
        self._post(functools.partial(self._publish_frames, frames))

    def publish_ack(self, topic: str, data: P.Payload, headers: Optional[Dict[str, str]] = None,
                    timeout: float = 5.0) -> int:
        """Acknowledged publish (``PLXC01 PUBLISH`` on a dedicated DEALER): returns the event's seq, once the
        broker stored it in its event log (section 10; a broker without a log answers once it forwarded it).
        Blocks the handler thread up to ``timeout`` seconds (the session keeps heartbeating). Raises
        :class:`PlexusError` on ``ERR`` and :class:`PlexusTimeout` when the broker does not answer. From
        the thread running :meth:`run` only."""
        h = P.check_headers(headers)
        h.setdefault("source", self.instance)
        return self._own_client("publish_ack").publish(topic, data, h, timeout=timeout)

    # -- lifecycle ------------------------------------------------------------------------------

    def stop(self, reason: str = "stopped") -> None:
        """Asks :meth:`run` to finish: the handler in hand returns, then ``on_stop``, ``GOODBYE`` with
        ``reason``, return. Safe from any thread and from signal handlers."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self._wake()

    def run(self, broker: Optional[str] = None, handle_signals: bool = True) -> None:
        """Connects, registers and serves until stopped by the broker (``STOP``), SIGTERM/SIGINT
        (when ``handle_signals`` and on the main thread) or :meth:`stop`. Survives broker restarts.
        The calling thread becomes the handler thread (hooks and handlers run on it); the session runs
        on a background I/O thread. Raises :class:`PlexusError` when the broker rejects the registration
        (code 400), and whatever ``on_start`` raises."""
        if broker:
            self.broker = broker
        self._stop_reason = None
        self._finish_reason = None
        self._io_error = None
        self._drained.clear()
        self._finished.clear()
        self._pending = None
        self._probe_interval_s, self._probe_timeout_s = PROBE_INTERVAL_S, PROBE_TIMEOUT_S
        self._backlog.clear()
        self._started = self._start_done = self._ready_due = False  # on_start runs once per run()
        self._hooks_pending = 0
        self._health_reset()  # the hook's calls start at this run's first READY
        self._thread_id = threading.get_ident()
        self._services.accepting = True
        self._handoff = HandlerQueue(HANDLER_QUEUE_MAX, on_room=self._wake)
        self._ctx = zmq.Context()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._poller = zmq.Poller()
        self._poller.register(self._wake_r.fileno(), zmq.POLLIN)
        io = threading.Thread(target=self._io_main, name=f"plexus-io-{self.name}", daemon=True)
        previous = self._install_signals() if handle_signals else {}
        reason = "stopped"
        try:
            log.info("plugin %s %s starting as %s, broker %s", self.name, self.version,
                     self.instance, self._control())
            topology_name = os.environ.get(P.ENV_PLUGIN)
            if topology_name and topology_name != self.name:
                # The broker ties a supervised session to its process by PLEXUS_INSTANCE and then uses
                # the topology's name (config block, PLUGINS/STATUS), not the registered one.
                log.warning("%s is %r but the plugin registers as %r; the broker will call it %r and send "
                            "the config block of %r", P.ENV_PLUGIN, topology_name, self.name, topology_name,
                            topology_name)
            io.start()
            self._handle()
            # Requests on worker threads finish (or are given up on) before on_stop, as the handler in
            # hand did.
            self._drained.wait()
            if self._io_error is not None:
                if isinstance(self._io_error, PlexusError) and self._io_error.code == 403:
                    # Refused by the broker's security (identity or permissions): restarting cannot help,
                    # so the same status as a refused key, which the supervisor reports as `denied`.
                    log.error("the broker refused this plugin: %s", self._io_error.message)
                    sys.stderr.write(f"plexus: registration refused: {self._io_error.message}\n")
                    raise SystemExit(C.DENIED_EXIT)
                raise self._io_error
            reason = self._stop_reason or reason
        except C.KeyRefused as exc:
            # A distinct exit status: the supervisor reports it as `denied`, not as a crash to restart.
            reason = C.DENIED_MESSAGE
            log.error("%s", exc.message)
            sys.stderr.write(f"plexus: {C.DENIED_MESSAGE}\n")
            raise SystemExit(C.DENIED_EXIT) from exc
        except BaseException as exc:
            reason = self._stop_reason or f"error: {exc!r}"
            raise
        finally:
            # Restored before on_stop, which may install its own (e.g. to ignore SIGTERM while it ends).
            for signum, handler_ in previous.items():
                signal.signal(signum, handler_ if handler_ is not None else signal.SIG_DFL)
            self._finish(reason, io)

    # -- the handler thread ---------------------------------------------------------------------

    def _handle(self) -> None:
        """Runs what the I/O thread hands over, in order, until a stop: once one was asked for (STOP,
        signal, stop()), no further event or request reaches a handler; the one in hand finishes first.
        Raises what ended the I/O thread (a rejected registration), and what on_start raises."""
        handoff = self._handoff
        assert handoff is not None
        while self._stop_reason is None:
            item = handoff.get()
            if item is None or self._stop_reason is not None:
                break
            if isinstance(item, Event):
                self._dispatch(item)
            else:
                item()
        if self._io_error is not None:
            raise self._io_error

    def _dispatch(self, event: Event) -> None:
        target = route(event.topic, event.source, self._subs)
        if target.mesh_ready:
            self._mesh_ready(event)
        for pattern, fn in target.handlers:
            try:
                fn(event)
            except Exception:
                log.exception("handler for %r failed on %s seq=%d", pattern.pattern, event.topic, event.seq)

    def _event_loss(self, loss: Loss) -> None:
        try:
            self.on_event_loss(loss.first, loss.last, loss.reason)
        except Exception:
            log.exception("on_event_loss failed")

    def _mesh_ready(self, event: Event) -> None:
        try:
            plugins = P.decode_mesh_ready(event.data)
        except ProtocolError as exc:
            log.warning("ignoring malformed %s seq=%d: %s", event.topic, event.seq, exc)
            return
        log.info("mesh ready: %d plugin(s) running", len(plugins))
        try:
            self.on_mesh_ready(plugins)
        except Exception:
            log.exception("on_mesh_ready failed")

    def _run_on_start(self, ctx: PluginContext, config: Dict[str, Any]) -> None:
        self.config = config
        self.on_start(ctx)  # an exception ends run() (GOODBYE is sent)
        self._start_done = True
        # Durable subscriptions start once on_start is done; their handler calls come back to this thread.
        hand_over = lambda work: self._post(functools.partial(self._to_user, work))  # noqa: E731
        self._start_durables(config, self._control(), invoke_on(
            hand_over, lambda: self._durable_stop.is_set() or self._stop_reason is not None))

    def _apply_config(self, config: Dict[str, Any]) -> None:
        """Makes ``config`` current (plugin and context), then calls ``on_reload``."""
        self.config = config
        if self._context is not None:
            self._context.config = config
        try:
            self.on_reload(config)
        except Exception:
            log.exception("on_reload failed; the plugin keeps running")

    def _finish(self, reason: str, io: threading.Thread) -> None:
        """The end of run(), on the handler thread: on_stop (once on_start returned), then the I/O thread
        says GOODBYE with ``reason`` and closes the sockets; waits for it, then closes the wake-up pair."""
        try:
            self._stop_durables()
            self._join_durables()  # their handler calls run on this thread: none is waited for any more
            if self._start_done:
                self._start_done = False
                try:
                    self.on_stop()
                except Exception:
                    log.exception("on_stop failed")
        finally:
            self._close_client()  # before the I/O thread ends the context
            if self._handoff is not None:
                self._handoff.close()
            self._finish_reason = reason
            self._finished.set()
            self._wake()
            if io.ident is not None:
                io.join(JOIN_TIMEOUT_S)
                if io.is_alive():
                    log.error("the I/O thread did not finish within %.0f s", JOIN_TIMEOUT_S)
            else:
                self._shutdown(reason)  # it never started: only the context to close
            self._io_thread_id = None
            for sock in (self._wake_r, self._wake_w):
                if sock is not None:
                    sock.close()
            self._wake_r = self._wake_w = None

    # -- what the session asks of the plugin (plexus.plugin_session), on the I/O thread ------------

    def _registration(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {
            "name": self.name, "type": self.type, "version": self.version, "instance": self.instance,
            "pid": os.getpid(), **registration_fields(self._services.names, self.concurrency),
            "subscriptions": self.patterns, "language": "python"}
        if self._token is not None:
            body["token"] = self._token.reveal()
        return body

    def _session_welcomed(self, welcome: Dict[str, Any]) -> None:
        if self._context is not None:
            # The context outlives on_start (plugins keep it): keep it in step with this session.
            self._context.welcome = welcome
            self._context.broker = welcome.get("broker")

    def _session_started(self, welcome: Dict[str, Any]) -> Work:
        self._context = PluginContext(self, welcome)
        return functools.partial(self._run_on_start, self._context, welcome["config"])

    def _session_config(self, config: Dict[str, Any]) -> Work:
        return functools.partial(self._apply_config, config)

    # -- signals ---------------------------------------------------------------------------------

    def _install_signals(self) -> Dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous: Dict[int, Any] = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _on_signal(self, signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if self._stop_reason is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C means "now"
        log.info("%s received; stopping", name)
        self.stop(name)


def _marked_methods(cls: type, marker: str = "_plexus_patterns") -> Dict[str, List[str]]:
    """Methods decorated with :func:`handler` (or, with ``marker="_plexus_services"``, with
    :func:`~plexus.service`; with ``"_plexus_tasks"``, with :func:`~plexus.task`), by attribute name;
    subclasses override bases."""
    found: Dict[str, List[str]] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            patterns = getattr(value, marker, None)
            if patterns:
                found[attr] = list(patterns)
            elif attr in found:
                del found[attr]  # overridden without the decorator
    return found


class _PluginServiceHost:
    """The :class:`~plexus.plugin_services.ServiceHost` of one :class:`Plugin`: the few things its services
    need from the runtime, looked up on the plugin when used (tests replace ``_send_frames``)."""

    __slots__ = ("_plugin",)

    def __init__(self, plugin: Plugin) -> None:
        self._plugin = plugin

    def send(self, frames: List[bytes]) -> None:
        self._plugin._send_frames(frames)

    def post(self, work: Work) -> None:
        self._plugin._post(work)

    def submit(self, work: Work) -> None:
        self._plugin._to_user(work)

    def registered(self) -> bool:
        return self._plugin._dealer is not None

    def handler_thread(self) -> Optional[int]:
        return self._plugin._thread_id

    def control_endpoint(self) -> str:
        return self._plugin._control()

    def context(self) -> "Optional[zmq.Context[zmq.Socket[bytes]]]":
        return self._plugin._ctx

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
"""

import functools
import logging
import os
import signal
import socket
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import zmq

from . import protocol as P
from .context import PluginContext
from .errors import PlexusError, ProtocolError
from .event import Event
from .handoff import HandlerQueue
from .patterns import Pattern
# The constants are re-exported: they lived here before the sockets moved to plugin_io.
from .plugin_io import (_ACTIVE, _REGISTERING, _WAITING, BACKLOG_MAX, EVENT_BATCH, LINGER_MS,  # noqa: F401
                        MAX_BACKOFF, SUB_RCVHWM, Handler)
from .plugin_services import Offer, ServiceSupport
from .service_codec import registration_fields, validate_concurrency
from .session import claim_token, route, select_instance

log = logging.getLogger("plexus")

#: Interval between subscription probes while one has not come back yet (seconds), section 4.
PROBE_INTERVAL_S = 0.02
#: How long to wait for a probe to come back before sending READY anyway, with a warning (seconds).
PROBE_TIMEOUT_S = 5.0
#: Events the I/O thread may queue for the handler thread; when that many wait, it stops reading the SUB
#: socket until the handler thread has taken half of them.
HANDLER_QUEUE_MAX = 1000
#: How long run() waits for the I/O thread to say GOODBYE and close (it lingers at most LINGER_MS).
JOIN_TIMEOUT_S = 10.0


def handler(pattern: str) -> Callable[[Handler], Handler]:
    """Marks a method of a :class:`Plugin` subclass as the handler of ``pattern`` (may be stacked)::

        class Audit(Plugin):
            @handler("user.*")
            def on_user(self, event): ...
    """
    Pattern(pattern)  # fail at class definition, not at run time

    def mark(fn: Handler) -> Handler:
        fn.__dict__.setdefault("_plexus_patterns", []).append(pattern)
        return fn
    return mark


class Plugin(ServiceSupport):
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
    ``on_mesh_ready`` replace the hooks of an instance.

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
                 on_mesh_ready: Optional[Callable[[List[str]], Any]] = None) -> None:
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
        self._init_io()
        self._io_config: Dict[str, Any] = {}  # the I/O thread's idea of the config the handler thread has
        self._start_done = False  # on_start returned (handler thread); on_stop runs only then
        # The probe (section 4): its topic (None when the instance id makes no valid topic), the WELCOME
        # waiting for it to come back, when the wait began and when the last probe went out.
        self._sync_topic = P.sync_topic(self.instance)
        self._pending = None
        self._probe_since = 0.0
        self._probe_last = 0.0
        self._init_services(services if services is not None else self.services, threaded)

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
        self._on_sockets(functools.partial(self._add_prefix, compiled.prefix))  # the SUB is the I/O thread's
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
        before any later answer or ``GOODBYE``). Raises ``ProtocolError`` for an invalid topic."""
        if self._pub is None:
            raise RuntimeError("publish() needs the events endpoint from WELCOME: call it from on_start on")
        h = P.check_headers(headers)
        h.setdefault("source", self.instance)
        frames = P.encode_event(topic, data, h)  # validated here, so that the caller gets the error
        if self._on_socket_thread():
            self._pub.send_multipart(frames, zmq.NOBLOCK)
            return
        self._post(functools.partial(self._publish_frames, frames))

    def publish_ack(self, topic: str, data: P.Payload, headers: Optional[Dict[str, str]] = None,
                    timeout: float = 5.0) -> int:
        """Acknowledged publish (``PLXC01 PUBLISH`` on a dedicated DEALER): returns the event's seq.
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
        self._backlog.clear()
        self._started = self._start_done = self._ready_due = False  # on_start runs once per run()
        self._hooks_pending = 0
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
                raise self._io_error
            reason = self._stop_reason or reason
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
        self._on_sockets(self._hook_done)

    def _reconfigure(self, config: Dict[str, Any]) -> None:
        """A re-registration brought another config: on_reload, then READY may go."""
        self._apply_config(config)
        self._on_sockets(self._hook_done)

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
            if self._start_done:
                self._start_done = False
                try:
                    self.on_stop()
                except Exception:
                    log.exception("on_stop failed")
        finally:
            if self._client is not None:
                self._client.close()  # before the I/O thread ends the context
                self._client = None
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

    # -- the I/O thread -------------------------------------------------------------------------

    def _io_main(self) -> None:
        """The I/O thread: the session until a stop, then draining, then (once run() asks, after
        on_stop) GOODBYE and close. Never runs user code; what ends its loop unexpectedly (a rejected
        registration) is raised by run()."""
        self._io_thread_id = threading.get_ident()
        self._services.owner = self._io_thread_id
        handoff = self._handoff
        assert handoff is not None
        try:
            self._open_session()
            self._loop()
            discarded = handoff.close()  # no further event or request reaches a handler
            if discarded:
                log.debug("stopping: %d event(s) and request(s) not handed to a handler", discarded)
            if self._finish_reason is None:
                self._drain_services()
        except BaseException as exc:  # noqa: B902 - handed to run()
            self._io_error = exc
        finally:
            handoff.close()
            self._drained.set()
        self._finished.wait()
        try:
            self._shutdown(self._finish_reason or "stopped")
        except Exception:
            log.exception("closing the session failed")

    # -- session messages -----------------------------------------------------------------------

    def _on_control(self, msg: P.ControlMessage) -> None:
        if msg.header == P.CLIENT:
            # Only an ERR (e.g. 426 from a broker that does not speak PLXP01) can come this way.
            err = PlexusError.from_body(msg.args[1] if len(msg.args) > 1 else None)
            log.error("broker answered with %s %s: %s", msg.header.decode(), msg.command.decode(), err)
            if err.code == 426:
                raise err
            return
        cmd = msg.command
        if cmd == P.WELCOME:
            self._on_welcome(msg.args)
        elif cmd == P.HEARTBEAT:
            pass
        elif cmd == P.ERR:
            self._on_error(msg.args)
        elif cmd == P.STOP:
            reason = self._reason(msg.args, "STOP")
            log.info("broker asked us to stop%s", f": {reason}" if reason else "")
            self._stop_reason = f"stopped by broker: {reason}" if reason else "stopped by broker"
        elif cmd == P.DISCONNECT:
            reason = self._reason(msg.args, "DISCONNECT")
            log.warning("broker is going away%s; will reconnect", f" ({reason})" if reason else "")
            self._close_dealer()
            self._state = _WAITING
            self._retry_at = time.monotonic() + self._interval
        elif cmd == P.RELOAD:
            self._on_reload(msg.args)
        elif cmd == P.REQUEST:
            self._services.on_request(msg.args)  # started by the loop, once on_start has run
        elif cmd == P.CANCEL:
            self._services.on_cancel(msg.args)
        else:
            # Unknown commands (from a newer broker) must not kill the plugin (section 4).
            log.warning("ignoring command %s, not part of protocol v%d", cmd[:32].decode("ascii", "replace"),
                        P.PROTOCOL_VERSION)

    def _on_welcome(self, args: List[bytes]) -> None:
        try:
            welcome = P.decode_welcome(args)
        except ProtocolError as exc:
            log.error("ignoring malformed WELCOME (will retry): %s", exc)
            return
        if welcome.get("instance") not in (None, self.instance):
            log.warning("WELCOME names instance %r, we are %r", welcome.get("instance"), self.instance)
        control = self._control()
        welcome["events_in"] = P.resolve_endpoint(welcome["events_in"], control)
        welcome["events_out"] = P.resolve_endpoint(welcome["events_out"], control)
        self._interval = welcome["heartbeat_ms"] / 1000
        self._liveness = welcome["liveness"]
        self._connect_events(welcome["events_in"], welcome["events_out"])
        self.welcome = welcome
        self._session = True
        self._state = _ACTIVE
        self._backoff = self._interval
        self._last_recv = time.monotonic()
        log.info("registered as %s with broker %s; confirming subscriptions", self.instance, welcome.get("broker"))
        if self._context is not None:
            # The context outlives on_start (plugins keep it): keep it in step with this session.
            self._context.welcome = welcome
            self._context.broker = welcome.get("broker")
        # READY waits for the probe (section 4); a WELCOME during a probe restarts it for this one.
        self._pending = welcome
        self._probe_since = time.monotonic()
        if self._sync_topic is None:
            log.warning("instance id %r does not make a valid topic %s%s: cannot confirm the subscriptions; "
                        "sending READY at once (events published meanwhile may be missed)",
                        self.instance, P.SYNC_PREFIX, self.instance)
            self._finish_welcome(confirmed=False)
            return
        self._send_probe()

    def _send_probe(self) -> None:
        """Publishes an empty event on our probe topic through the PUB socket."""
        self._probe_last = time.monotonic()
        if self._pub is None or self._sync_topic is None:
            return
        try:
            self._pub.send_multipart(P.encode_event(self._sync_topic, b"", {"source": self.instance}), zmq.NOBLOCK)
        except zmq.Again:
            pass  # PUB drops rather than blocks; the next probe goes out in PROBE_INTERVAL_S

    def _probe_duty(self, now: float) -> None:
        """While a WELCOME waits for its probe: probe again, or give up after PROBE_TIMEOUT_S."""
        if now - self._probe_since >= PROBE_TIMEOUT_S:
            log.warning("subscriptions not confirmed within %.0f s (no probe came back on %s via %s); "
                        "sending READY anyway: events published meanwhile may be missed",
                        PROBE_TIMEOUT_S, self._sync_topic, self._endpoints[1])
            self._finish_welcome(confirmed=False)
        elif now - self._probe_last >= PROBE_INTERVAL_S:
            self._send_probe()

    def _probe_deadline(self) -> float:
        """When the probe duty is next due (monotonic seconds)."""
        return min(self._probe_last + PROBE_INTERVAL_S, self._probe_since + PROBE_TIMEOUT_S)

    def _finish_welcome(self, confirmed: bool) -> None:
        """The pending WELCOME's subscriptions are confirmed (or given up on): on_start the first time,
        else on_reload for a changed config, both on the handler thread; READY once they returned."""
        welcome = self._pending
        if welcome is None:
            return
        self._pending = None
        if confirmed:
            log.info("subscriptions confirmed after %.0f ms", (time.monotonic() - self._probe_since) * 1000)
        config = welcome["config"]
        if not self._started:
            self._started = True
            self._io_config = config
            self._context = PluginContext(self, welcome)
            self._hooks_pending += 1
            # Ahead of the events held meanwhile: they are handled right after on_start.
            self._to_user(functools.partial(self._run_on_start, self._context, config), first=True)
        elif config != self._io_config:
            self._io_config = config
            self._hooks_pending += 1
            self._to_user(functools.partial(self._reconfigure, config))
        self._ready_due = True
        self._send_ready_if_due()

    def _hook_done(self) -> None:
        """A hook a WELCOME handed to the handler thread returned (on the I/O thread)."""
        self._hooks_pending -= 1
        self._send_ready_if_due()

    def _send_ready_if_due(self) -> None:
        """READY for the current session once its probe is done and no on_start/on_reload of a WELCOME
        is still running (a slow on_start delays READY, not heartbeats)."""
        if self._ready_due and self._hooks_pending == 0 and self._session:
            self._ready_due = False
            self._send(P.READY)

    def _on_reload(self, args: List[bytes]) -> None:
        try:
            config = P.decode_reload(args)
        except ProtocolError as exc:
            log.warning("ignoring malformed RELOAD: %s", exc)
            return
        if self._pending is not None:
            # The WELCOME waiting for its probe carries an older config: what follows it must not
            # bring that one back.
            self._pending["config"] = config
        if not self._started:
            log.info("broker sent a new config (RELOAD) before on_start ran; on_start gets it")
            return
        log.info("broker sent a new config (RELOAD)")
        # Applied even when equal to the current one: an operator's explicit reload may mean
        # "re-read your files" (e.g. audit reopens its log after rotation).
        self._io_config = config
        self._to_user(functools.partial(self._apply_config, config))

    def _on_error(self, args: List[bytes]) -> None:
        err = PlexusError.from_body(args[0] if args else None)
        if err.code == 401:
            # The broker does not know this session (it restarted, or evicted us): register again now.
            log.info("broker says we are not registered (%s); registering again", err.message)
            self._register()
        elif err.code == 400 and self._state == _REGISTERING:
            log.error("broker rejected the registration: %s", err)
            raise err
        else:
            log.warning("broker error: %s", err)

    @staticmethod
    def _reason(args: List[bytes], what: str) -> str:
        try:
            return str(P.optional_json_object(args, f"{what} body").get("reason", ""))
        except ProtocolError as exc:
            log.debug("%s", exc)
            return ""

    # -- registration and signals ----------------------------------------------------------------

    def _register(self) -> None:
        # A new session: requests of the old one are the broker's to fail or re-queue (section 6).
        self._services.reset("registering again")
        body = {"name": self.name, "type": self.type, "version": self.version, "instance": self.instance,
                "pid": os.getpid(), **registration_fields(self._services.names, self.concurrency),
                "subscriptions": self.patterns, "language": "python"}
        if self._token is not None:
            body["token"] = self._token.reveal()
        self._send(P.REGISTER, P.encode_json(body))
        self._session = False
        self._pending = None  # a probe belongs to one WELCOME; the next WELCOME starts its own
        self._ready_due = False
        self._state = _REGISTERING
        self._backoff_used = self._backoff
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)

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

"""The plugin runtime: :class:`Plugin` (docs/PROTOCOL.md, sections 4 and 5).

One thread does everything: a ``zmq.Poller`` watches the session DEALER, the events SUB socket and a
wake-up socket pair (for signals and :meth:`Plugin.stop` from other threads). Handlers run on that thread
and may publish directly, because ZeroMQ sockets must not be shared between threads.

``READY`` means "I receive events" (section 4). After each ``WELCOME`` the runtime subscribes to its probe
topic ``plexus.sync.INSTANCE`` after every other prefix and publishes an empty event there every 20 ms
until one comes back through its SUB socket: only then are the subscriptions known to have reached the
broker (and the PUB socket to be connected), and ``on_start`` (or the config comparison of a
re-registration) and ``READY`` follow. Heartbeats, ``STOP`` and ``RELOAD`` keep working meanwhile.

Services (section 6) are run by a :class:`~plexus.dispatch.ServiceDispatcher`. Inline handlers run on this
thread too; threaded ones run on worker threads, which never touch a socket: they hand their answers (and
``publish`` calls) to this thread through a queue and the wake-up socket pair.
"""

import collections
import logging
import os
import signal
import socket
import threading
import time
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple

import zmq

from . import protocol as P
from .client import Client
from .context import PluginContext
from .errors import PlexusError, ProtocolError
from .event import Event
from .patterns import Pattern
from .plugin_services import Offer, ServiceSupport
from .service_codec import registration_fields, validate_concurrency
from .session import INTERNAL_PREFIXES, route, select_instance

log = logging.getLogger("plexus")

Handler = Callable[[Event], Any]

#: Longest backoff between registration attempts (seconds), per section 4.
MAX_BACKOFF = 5.0
#: How long closing sockets may wait to flush GOODBYE and last events, so that exit never hangs (ms).
LINGER_MS = 1000
#: Receive high-water mark of the events SUB socket (messages).
SUB_RCVHWM = 100_000
#: Events handled per poll round before timers are looked at again.
EVENT_BATCH = 256
#: Longest time events are handled without looking for a waiting broker message such as STOP (s).
#: Time-based rather than per event: the look costs about 2 µs, a sizeable share of a trivial handler.
CONTROL_CHECK_S = 0.01
#: Interval between subscription probes while one has not come back yet (seconds), section 4.
PROBE_INTERVAL_S = 0.02
#: How long to wait for a probe to come back before sending READY anyway, with a warning (seconds).
PROBE_TIMEOUT_S = 5.0
#: Events received before on_start ran (while the first probe is under way) are held, then handled once
#: on_start returned; beyond this many, further ones are dropped (counted and logged).
BACKLOG_MAX = SUB_RCVHWM

# Session states.
_WAITING = "waiting"          # no DEALER; open one at _retry_at
_REGISTERING = "registering"  # REGISTER sent, waiting for WELCOME until _retry_at
_ACTIVE = "active"            # welcomed; heartbeating


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
    when ``concurrency`` > 1 and run on the SDK thread otherwise. ``broker`` is the control endpoint (default
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
        self.concurrency = validate_concurrency(concurrency if concurrency is not None else self.concurrency)
        self.broker = broker
        self.log = logging.getLogger(f"plexus.{self.name}")
        self.config: Dict[str, Any] = {}
        self.welcome: Dict[str, Any] = {}
        for hook, fn in (("on_start", on_start), ("on_event", on_event), ("on_stop", on_stop),
                         ("on_reload", on_reload), ("on_mesh_ready", on_mesh_ready)):
            if fn is not None:
                setattr(self, hook, fn)

        self._subs: List[Tuple[Pattern, Handler]] = []
        self._context: Optional[PluginContext] = None  # the one on_start got; kept current
        self._ctx: Optional[zmq.Context] = None
        self._dealer: Optional[zmq.Socket] = None
        self._pub: Optional[zmq.Socket] = None
        self._sub: Optional[zmq.Socket] = None
        self._client: Optional[Client] = None
        self._poller = zmq.Poller()
        self._wake_r: Optional[socket.socket] = None
        self._wake_w: Optional[socket.socket] = None
        self._endpoints: Tuple[Optional[str], Optional[str]] = (None, None)
        self._state = _WAITING
        self._session = False      # the broker knows us (WELCOME seen on the current DEALER)
        self._started = False      # on_start completed
        self._stop_reason: Optional[str] = None
        self._interval = P.HEARTBEAT_INTERVAL_MS / 1000
        self._liveness = P.HEARTBEAT_LIVENESS
        self._backoff = self._interval
        self._backoff_used = self._backoff
        self._retry_at = 0.0
        self._last_recv = 0.0
        self._last_send = 0.0
        self._malformed = 0
        # The probe (section 4): its topic (None when the instance id makes no valid topic), the WELCOME
        # waiting for it to come back, when the wait began and when the last probe went out.
        self._sync_topic = P.sync_topic(self.instance)
        self._pending: Optional[Dict[str, Any]] = None
        self._probe_since = 0.0
        self._probe_last = 0.0
        # Events that arrived before on_start ran, handled after it (bounded by BACKLOG_MAX).
        self._backlog: Deque[Event] = collections.deque()
        self._backlog_dropped = 0
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
        ``ctx.config`` holds the configuration. Keep it short: the broker's liveness window runs
        meanwhile. Events that arrived before it ran are handled right after it returns."""

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
        if self._sub is not None:
            self._sub.setsockopt(zmq.SUBSCRIBE, compiled.prefix)
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
        Header ``source`` defaults to the instance id. Works from ``on_start`` on. Called from another
        thread than the one running :meth:`run` (a threaded service handler), the event is handed to that
        thread, which sends it. Raises ``ProtocolError`` for an invalid topic."""
        if self._pub is None:
            raise RuntimeError("publish() needs the events endpoint from WELCOME: call it from on_start on")
        h = P.check_headers(headers)
        h.setdefault("source", self.instance)
        frames = P.encode_event(topic, data, h)  # validated here, so that the caller gets the error
        if self._thread_id is not None and threading.get_ident() != self._thread_id:
            # A worker thread (a threaded service handler): the PUB socket belongs to the SDK thread.
            self._post(lambda: self._publish_frames(frames))
            return
        self._pub.send_multipart(frames, zmq.NOBLOCK)

    def _publish_frames(self, frames: List[bytes]) -> None:
        if self._pub is not None:
            self._pub.send_multipart(frames, zmq.NOBLOCK)

    def publish_ack(self, topic: str, data: P.Payload, headers: Optional[Dict[str, str]] = None,
                    timeout: float = 5.0) -> int:
        """Acknowledged publish (``PLXC01 PUBLISH`` on a dedicated DEALER): returns the event's seq.
        Blocks up to ``timeout`` seconds while still heartbeating. Raises :class:`PlexusError` on
        ``ERR`` and :class:`PlexusTimeout` when the broker does not answer."""
        h = P.check_headers(headers)
        h.setdefault("source", self.instance)
        return self._own_client("publish_ack").publish(topic, data, h, timeout=timeout)

    # -- lifecycle ------------------------------------------------------------------------------

    def stop(self, reason: str = "stopped") -> None:
        """Asks :meth:`run` to finish: ``on_stop``, ``GOODBYE`` with ``reason``, return. Safe from
        any thread and from signal handlers."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self._wake()

    def _wake(self) -> None:
        """Makes the SDK thread's poll return (safe from any thread and from signal handlers)."""
        wake_w = self._wake_w
        if wake_w is not None:
            try:
                wake_w.send(b"\0")
            except OSError:
                pass  # buffer full: a wake-up is already pending; or closed: nobody to wake

    def run(self, broker: Optional[str] = None, handle_signals: bool = True) -> None:
        """Connects, registers and serves until stopped by the broker (``STOP``), SIGTERM/SIGINT
        (when ``handle_signals`` and on the main thread) or :meth:`stop`. Survives broker restarts.
        Raises :class:`PlexusError` when the broker rejects the registration (code 400), and whatever
        ``on_start`` raises."""
        if broker:
            self.broker = broker
        self._stop_reason = None
        self._pending = None
        self._backlog.clear()
        self._backlog_dropped = 0
        self._thread_id = threading.get_ident()
        self._services.owner = self._thread_id
        self._services.accepting = True
        self._ctx = zmq.Context()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._poller.register(self._wake_r.fileno(), zmq.POLLIN)
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
            self._open_session()
            self._loop()
            self._drain_services()
            reason = self._stop_reason or reason
        except BaseException as exc:
            reason = self._stop_reason or f"error: {exc!r}"
            raise
        finally:
            for signum, handler_ in previous.items():
                signal.signal(signum, handler_ if handler_ is not None else signal.SIG_DFL)
            self._shutdown(reason)

    # -- the loop -------------------------------------------------------------------------------

    def _loop(self) -> None:
        while self._stop_reason is None:
            now = time.monotonic()
            if self._state == _ACTIVE:
                if now - self._last_recv >= self._interval * self._liveness:
                    # Messages may be waiting unread after a long burst of events: read them first.
                    if self._dealer is not None and self._dealer.poll(0, zmq.POLLIN):
                        self._read_control()
                        continue
                    log.warning("no message from the broker for %.1f s; reconnecting",
                                now - self._last_recv)
                    self._open_session()
                    continue
                self._tick()
                if self._pending is not None:
                    self._probe_duty(now)
            elif now >= self._retry_at:
                if self._state == _REGISTERING:
                    log.info("no WELCOME within %.1f s; retrying with a new socket", self._backoff_used)
                self._open_session()

            timeout = max(0.0, min(self._next_deadline() - time.monotonic(), 1.0))
            ready = dict(self._poller.poll(int(timeout * 1000) + 1))
            if self._wake_r is not None and self._wake_r.fileno() in ready:
                self._drain_wake()
            if self._dealer is not None and self._dealer in ready:
                self._read_control()
            self._run_posted()
            if self._started and self._stop_reason is None and self._services.startable():
                self._services.start_waiting(self._may_continue)
            if self._sub is not None and (self._sub in ready or (self._started and self._backlog)):
                self._read_events()

    def _next_deadline(self) -> float:
        if self._started and (self._backlog or self._services.startable()):
            return 0.0  # held events or requests wait to be handled
        if self._state == _ACTIVE:
            deadline = min(self._last_send + self._interval, self._last_recv + self._interval * self._liveness)
            if self._pending is not None:
                deadline = min(deadline, self._probe_last + PROBE_INTERVAL_S, self._probe_since + PROBE_TIMEOUT_S)
            return deadline
        return self._retry_at

    def _tick(self) -> None:
        """Sends HEARTBEAT when nothing else went to the broker for an interval (section 4)."""
        if self._state == _ACTIVE and time.monotonic() - self._last_send >= self._interval:
            self._send(P.HEARTBEAT)

    def _read_control(self) -> None:
        while self._dealer is not None and self._stop_reason is None:
            try:
                frames = self._dealer.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self._last_recv = time.monotonic()  # any message is a sign of life, even a bad one
            try:
                msg = P.decode_control(frames)
            except ProtocolError as exc:
                log.warning("dropping malformed message from the broker: %s", exc)
                continue
            self._on_control(msg)

    def _read_events(self) -> None:
        """Handles up to EVENT_BATCH events: first those held from before on_start, then those waiting
        on the SUB socket. Probes (``plexus.sync.*``) are taken out here and never reach a handler.
        Drains on stop: once a stop was asked for (STOP, signal, stop()), no further event reaches a
        handler; the one in hand finishes first."""
        assert self._sub is not None
        checked = time.monotonic()  # the loop has just polled the DEALER
        for _ in range(EVENT_BATCH):
            if self._stop_reason is not None:
                return
            now = time.monotonic()
            if now - checked >= CONTROL_CHECK_S:
                if self._control_pending():
                    return  # e.g. a STOP: the loop reads it before the next event is handled
                self._run_posted()  # answers of worker threads need not wait for the whole batch
                checked = now
            if self._started and self._backlog:
                event = self._backlog.popleft()
            else:
                try:
                    frames = self._sub.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    return
                try:
                    event = Event.from_frames(frames)
                except ProtocolError as exc:
                    self._malformed += 1
                    # Rate-limited: a broken publisher must not flood the log.
                    if self._malformed <= 10 or self._malformed % 1000 == 0:
                        log.warning("dropping malformed event (%d so far): %s", self._malformed, exc)
                    continue
                if event.topic.startswith(P.SYNC_PREFIX):
                    # Ours confirms the subscriptions; anyone else's (let in by ">" or by our own
                    # prefix, e.g. instance "a-1" sees "a-10"'s) is dropped.
                    if event.topic == self._sync_topic and self._pending is not None:
                        self._finish_welcome(confirmed=True)
                    continue
                if not self._started:
                    self._hold(event)
                    continue
            self._dispatch(event)
            self._tick()

    def _hold(self, event: Event) -> None:
        """Keeps an event that came before on_start ran, for after it."""
        if len(self._backlog) < BACKLOG_MAX:
            self._backlog.append(event)
            return
        self._backlog_dropped += 1
        if self._backlog_dropped == 1:
            log.warning("more than %d events arrived before on_start ran; dropping the rest until it has",
                        BACKLOG_MAX)

    def _control_pending(self) -> bool:
        """True when a message from the broker waits unread, so that a STOP is not queued behind a
        whole batch of slow handlers."""
        return self._dealer is not None and bool(self._dealer.getsockopt(zmq.EVENTS) & zmq.POLLIN)

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

    def _finish_welcome(self, confirmed: bool) -> None:
        """The pending WELCOME's subscriptions are confirmed (or given up on): on_start the first time,
        else apply a changed config; then READY."""
        welcome = self._pending
        if welcome is None:
            return
        self._pending = None
        if confirmed:
            log.info("subscriptions confirmed after %.0f ms", (time.monotonic() - self._probe_since) * 1000)
        if not self._started:
            self.config = welcome["config"]
            self._context = PluginContext(self, welcome)
            self.on_start(self._context)  # an exception ends run() (GOODBYE is sent)
            self._started = True
            if self._backlog_dropped:
                log.warning("%d event(s) that arrived before on_start were dropped", self._backlog_dropped)
                self._backlog_dropped = 0
        elif welcome["config"] != self.config:
            self._apply_config(welcome["config"])
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
        self._apply_config(config)

    def _apply_config(self, config: Dict[str, Any]) -> None:
        """Makes ``config`` current (plugin and context), then calls ``on_reload``."""
        self.config = config
        if self._context is not None:
            self._context.config = config
        try:
            self.on_reload(config)
        except Exception:
            log.exception("on_reload failed; the plugin keeps running")

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

    # -- sockets --------------------------------------------------------------------------------

    def _control(self) -> str:
        return self.broker or os.environ.get(P.ENV_BROKER) or P.DEFAULT_CONTROL

    def _open_session(self) -> None:
        """A new DEALER and a REGISTER on it; the next attempt comes after a doubling backoff."""
        assert self._ctx is not None
        self._close_dealer()
        sock = self._ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, LINGER_MS)
        sock.connect(self._control())
        self._dealer = sock
        self._poller.register(sock, zmq.POLLIN)
        self._register()

    def _register(self) -> None:
        # A new session: requests of the old one are the broker's to fail or re-queue (section 6).
        self._services.reset("registering again")
        body = {"name": self.name, "type": self.type, "version": self.version, "instance": self.instance,
                "pid": os.getpid(), **registration_fields(self._services.names, self.concurrency),
                "subscriptions": self.patterns, "language": "python"}
        self._send(P.REGISTER, P.encode_json(body))
        self._session = False
        self._pending = None  # a probe belongs to one WELCOME; the next WELCOME starts its own
        self._state = _REGISTERING
        self._backoff_used = self._backoff
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)

    def _send(self, command: bytes, *args: bytes) -> None:
        self._send_frames(P.encode_plugin(command, *args))

    def _send_frames(self, frames: List[bytes]) -> None:
        """Sends a control message on the SDK thread (the only one that may use the DEALER)."""
        if self._dealer is None:
            return
        try:
            self._dealer.send_multipart(frames, zmq.NOBLOCK)
        except zmq.Again:
            # No broker connected, or it does not keep up: a lost HEARTBEAT is harmless, a lost answer not.
            level = logging.DEBUG if frames[2] == P.HEARTBEAT else logging.WARNING
            log.log(level, "control queue full; %s not sent", frames[2].decode("ascii", "replace"))
        self._last_send = time.monotonic()

    def _close_dealer(self) -> None:
        self._services.reset("connection to the broker closed")
        if self._dealer is not None:
            self._poller.unregister(self._dealer)
            # LINGER 0: a REGISTER queued for a dead broker must not reach a later one.
            self._dealer.close(linger=0)
            self._dealer = None
        self._session = False
        self._pending = None

    def _connect_events(self, events_in: str, events_out: str) -> None:
        """Connects PUB/SUB on first WELCOME; moves them when the broker now lives elsewhere."""
        assert self._ctx is not None
        old_in, old_out = self._endpoints
        if self._pub is None:
            self._pub = self._ctx.socket(zmq.PUB)
            self._pub.setsockopt(zmq.LINGER, LINGER_MS)
        if self._sub is None:
            self._sub = self._ctx.socket(zmq.SUB)
            self._sub.setsockopt(zmq.LINGER, 0)
            # Room for bursts while a handler is busy (same as the Swift SDK); the default 1000 drops early.
            self._sub.setsockopt(zmq.RCVHWM, SUB_RCVHWM)
            for pattern, _ in self._subs:
                self._sub.setsockopt(zmq.SUBSCRIBE, pattern.prefix)
            # For on_mesh_ready; route() keeps these events from handlers no user pattern matches.
            for prefix in INTERNAL_PREFIXES:
                self._sub.setsockopt(zmq.SUBSCRIBE, prefix)
            # The probe topic last of all (section 4): when it works, so do the ones before it.
            if self._sync_topic is not None:
                self._sub.setsockopt(zmq.SUBSCRIBE, self._sync_topic.encode("utf-8"))
            self._poller.register(self._sub, zmq.POLLIN)
        for sock, old, new in ((self._pub, old_in, events_in), (self._sub, old_out, events_out)):
            if old == new:
                continue
            if old is not None:
                log.info("events endpoint moved: %s -> %s", old, new)
                try:
                    sock.disconnect(old)
                except zmq.ZMQError as exc:
                    log.debug("disconnect %s: %s", old, exc)
            sock.connect(new)
        self._endpoints = (events_in, events_out)

    def _drain_wake(self) -> None:
        assert self._wake_r is not None
        try:
            while self._wake_r.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _install_signals(self) -> Dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _on_signal(self, signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if self._stop_reason is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C means "now"
        log.info("%s received; stopping", name)
        self.stop(name)

    def _shutdown(self, reason: str) -> None:
        """on_stop (if started), GOODBYE (if registered), then close everything with bounded linger."""
        said_goodbye = False
        try:
            # Publishes handed over by worker threads go out before on_stop and GOODBYE.
            self._run_posted()
            if self._started:
                self._started = False
                try:
                    self.on_stop()
                except Exception:
                    log.exception("on_stop failed")
            said_goodbye = self._session and self._dealer is not None
            if said_goodbye:
                self._send(P.GOODBYE, P.encode_json({"reason": reason}))
                log.info("said goodbye (%s)", reason)
        finally:
            if self._client is not None:
                self._client.close()
                self._client = None
            if self._dealer is not None:
                self._poller.unregister(self._dealer)
                # Let GOODBYE out, but not forever; a REGISTER nobody took is just dropped.
                self._dealer.close(linger=LINGER_MS if said_goodbye else 0)
                self._dealer = None
            if self._sub is not None:
                self._poller.unregister(self._sub)
                self._sub.close()
            if self._pub is not None:
                self._pub.close()  # LINGER_MS lets the last events (from on_stop) out
            self._sub = self._pub = None
            self._endpoints = (None, None)
            if self._wake_r is not None:
                self._poller.unregister(self._wake_r.fileno())
                self._wake_r.close()
                self._wake_r = None
            if self._wake_w is not None:
                self._wake_w.close()
                self._wake_w = None
            if self._ctx is not None:
                self._ctx.term()
                self._ctx = None
            self._session = False
            self._state = _WAITING


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

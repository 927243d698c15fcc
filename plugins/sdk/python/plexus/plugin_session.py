"""The plugin session's state machine (docs/PROTOCOL.md, section 4): what :class:`~plexus.Plugin` does with
each ``PLXP01`` message, on the I/O thread.

- **Registration.** :meth:`SessionProtocol._register` sends ``REGISTER`` (the body comes from the plugin,
  :meth:`~SessionProtocol._registration`) and arms the retry with a doubling backoff; ``ERR`` 401 means
  "register again", ``ERR`` 400 while registering ends ``run()``.
- **WELCOME and the probe.** A ``WELCOME`` connects the event sockets, then the session confirms its
  subscriptions: it publishes an empty event on ``plexus.sync.INSTANCE`` every ``PROBE_INTERVAL_S`` until
  one comes back through its SUB socket (the loop in :mod:`plexus.plugin_io` sees it and calls
  :meth:`~SessionProtocol._finish_welcome`), or gives up after ``PROBE_TIMEOUT_S`` with a warning.
- **READY** goes out once the probe is done and the hook that the WELCOME handed to the handler thread
  (``on_start`` the first time, ``on_reload`` for a changed config after a re-registration) returned.
  Then ``HEALTH``, when the plugin is not passing (the new session starts from ``passing``; see
  :mod:`plexus.plugin_health`).
- **STOP, DISCONNECT, RELOAD, REQUEST, CANCEL**: a stop to drain, a reconnect after one interval, a new
  config for the handler thread, and requests for the service dispatcher.

What runs on the handler thread is the plugin's business: the session asks for it through
:meth:`~SessionProtocol._session_started` and :meth:`~SessionProtocol._session_config`, and learns each
``WELCOME`` to the plugin through :meth:`~SessionProtocol._session_welcomed`. The sockets and the loop are
:class:`~plexus.plugin_io.SessionIO`'s.
"""

import logging
import time
from typing import Any, Dict, List

import zmq

from . import protocol as P
from .errors import PlexusError, ProtocolError
from .handoff import Work
from .plugin_io import _ACTIVE, _REGISTERING, _WAITING, MAX_BACKOFF, SessionIO

log = logging.getLogger("plexus")

#: Interval between subscription probes while one has not come back yet (seconds), section 4.
PROBE_INTERVAL_S = 0.02
#: How long to wait for a probe to come back before sending READY anyway, with a warning (seconds).
PROBE_TIMEOUT_S = 5.0


class SessionProtocol(SessionIO):
    """The ``PLXP01`` session of :class:`~plexus.Plugin` (see the module documentation), on the I/O thread."""

    def _init_session(self) -> None:
        """Called by ``Plugin.__init__`` after ``_init_io``: the probe's state and the config the handler
        thread has."""
        self._io_config: Dict[str, Any] = {}  # the I/O thread's idea of the config the handler thread has
        # The probe (section 4): its topic (None when the instance id makes no valid topic), the WELCOME
        # waiting for it to come back, when the wait began and when the last probe went out.
        self._sync_topic = P.sync_topic(self.instance)
        self._pending = None
        self._probe_since = 0.0
        self._probe_last = 0.0
        # Set again by each run() (from plexus.plugin, where they can be patched).
        self._probe_interval_s = PROBE_INTERVAL_S
        self._probe_timeout_s = PROBE_TIMEOUT_S

    # -- the plugin's side (plexus.plugin.Plugin) ------------------------------------------------

    def _registration(self) -> Dict[str, Any]:
        """The ``REGISTER`` body."""
        raise NotImplementedError

    def _session_welcomed(self, welcome: Dict[str, Any]) -> None:
        """Each ``WELCOME`` (decoded, endpoints resolved), on the I/O thread."""
        raise NotImplementedError

    def _session_started(self, welcome: Dict[str, Any]) -> Work:
        """The first ``WELCOME`` of a ``run()`` is confirmed: the work that runs ``on_start`` on the handler
        thread. ``READY`` waits until it returned; what it raises ends ``run()``."""
        raise NotImplementedError

    def _session_config(self, config: Dict[str, Any]) -> Work:
        """A new config (``RELOAD``, or a re-registration's changed config): the work that applies it on
        the handler thread (``on_reload``)."""
        raise NotImplementedError

    def _health_session_ready(self) -> None:
        """``READY`` went out: ``HEALTH`` is due again when the plugin is not passing
        (plexus.plugin_health)."""
        raise NotImplementedError

    # -- messages ---------------------------------------------------------------------------------

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
        self._session_welcomed(welcome)
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
            pass  # PUB drops rather than blocks; the next probe goes out after the probe interval

    def _probe_duty(self, now: float) -> None:
        """While a WELCOME waits for its probe: probe again, or give up after PROBE_TIMEOUT_S."""
        if now - self._probe_since >= self._probe_timeout_s:
            log.warning("subscriptions not confirmed within %.0f s (no probe came back on %s via %s); "
                        "sending READY anyway: events published meanwhile may be missed",
                        self._probe_timeout_s, self._sync_topic, self._endpoints[1])
            self._finish_welcome(confirmed=False)
        elif now - self._probe_last >= self._probe_interval_s:
            self._send_probe()

    def _probe_deadline(self) -> float:
        """When the probe duty is next due (monotonic seconds)."""
        return min(self._probe_last + self._probe_interval_s, self._probe_since + self._probe_timeout_s)

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
            # Ahead of the events held meanwhile: they are handled right after on_start.
            self._hand_hook(self._session_started(welcome), first=True)
        elif config != self._io_config:
            self._io_config = config
            self._hand_hook(self._session_config(config))
        self._ready_due = True
        self._send_ready_if_due()

    def _hand_hook(self, hook: Work, first: bool = False) -> None:
        """Hands a WELCOME's hook to the handler thread; READY waits until it returned (an exception, which
        only on_start lets through, ends run() instead)."""
        self._hooks_pending += 1

        def run_then_ready() -> None:
            hook()
            self._on_sockets(self._hook_done)

        self._to_user(run_then_ready, first=first)

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
            self._health_session_ready()  # a new session holds "passing": tell it otherwise if need be

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
        self._to_user(self._session_config(config))

    def _on_error(self, args: List[bytes]) -> None:
        err = PlexusError.from_body(args[0] if args else None)
        if err.code == 401:
            # The broker does not know this session (it restarted, or evicted us): register again now.
            log.info("broker says we are not registered (%s); registering again", err.message)
            self._register()
        elif err.code in (400, 403) and self._state == _REGISTERING:
            # 403: the key may not register this name, or offer one of these services (permissions).
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

    # -- registration -----------------------------------------------------------------------------

    def _register(self) -> None:
        # A new session: requests of the old one are the broker's to fail or re-queue (section 6).
        self._services.reset("registering again")
        self._health_session_lost()
        self._send(P.REGISTER, P.encode_json(self._registration()))
        self._session = False
        self._pending = None  # a probe belongs to one WELCOME; the next WELCOME starts its own
        self._ready_due = False
        self._state = _REGISTERING
        self._backoff_used = self._backoff
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)


"""The service side of :class:`~plexus.Plugin` (docs/PROTOCOL.md, section 6), kept apart so that
``plugin.py`` stays readable: offering services (:meth:`ServiceSupport.serve`), calling them from a plugin
(:meth:`ServiceSupport.call`), and finishing the requests in progress when the plugin stops. Task handlers
(:meth:`ServiceSupport.serve_task`) are services whose handler is wrapped by
:func:`~plexus.task.task_handler`.

:class:`ServiceSupport` builds on :class:`~plexus.plugin_io.SessionIO` (the sockets and the I/O thread) and
is a base of :class:`~plexus.Plugin` only. Its dispatcher hands inline requests to the handler thread
(``submit``), starts threaded ones on worker threads, and sends every answer from the I/O thread.
"""

import logging
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import zmq

from . import protocol as P
from .client import Client
from .dispatch import ServiceDispatcher, ServiceHandler
from .errors import PlexusError, ProtocolError
from .plugin_io import SessionIO
from .service_codec import DEFAULT_CALL_TIMEOUT_S
from .task import TaskHandler, task_handler

log = logging.getLogger("plexus")

Offer = Union[Mapping[str, ServiceHandler], Sequence[str]]


class ServiceSupport(SessionIO):
    """Services for :class:`~plexus.Plugin` (see the module documentation)."""

    services: Offer = ()
    concurrency: int = 1
    threaded: Optional[bool] = None
    _client: Optional[Client]

    def _init_services(self, offered: Optional[Offer], threaded: Optional[bool]) -> None:
        """Called by ``Plugin.__init__`` once ``concurrency`` is set and the session state exists: the
        dispatcher, and the services given to the constructor (or as a class attribute)."""
        # _send_frames is looked up when called: tests replace it on the instance.
        self._services = ServiceDispatcher(lambda frames: self._send_frames(frames), self._post, self.concurrency,
                                           threaded if threaded is not None else self.threaded,
                                           submit=self._to_user)
        self.threaded = self._services.threaded
        self._client = None
        if offered and not isinstance(offered, Mapping):
            raise TypeError("services must map service names to handlers, {name: handler}; "
                            "or use serve() or the @service decorator")
        self.services: List[str] = []
        for name, fn in dict(offered if isinstance(offered, Mapping) else {}).items():
            self.serve(name, fn)

    def serve(self, name: str, handler: Optional[ServiceHandler] = None) -> Any:
        """Offers service ``name``, answered by ``handler(request)`` (see :class:`~plexus.Request`),
        which returns the answer (bytes, str, JSON-serializable, or None for an empty body) or raises
        :class:`~plexus.ServiceError`. Without ``handler`` it is a decorator: ``@plugin.serve("x.y")``.
        Returns the handler.

        Call it before :meth:`run`: the broker learns the services from ``REGISTER``, so one added later
        is only offered from the next registration (a reconnect). Raises ``ProtocolError`` for an
        invalid or reserved name (``mmi.``, ``plexus.``) and ``ValueError`` for a name already served.
        """
        if handler is None:
            def register(fn: ServiceHandler) -> ServiceHandler:
                self.serve(name, fn)
                return fn
            return register
        self._services.serve(name, handler)
        self.services = self._services.names
        if self._dealer is not None:
            log.warning("service %s added after registering: the broker learns of it at the next registration",
                        name)
        return handler

    def serve_task(self, name: str, handler: Optional[TaskHandler] = None) -> Any:
        """Offers service ``name`` as a scheduled task's target (docs/PROTOCOL.md, section 9): each run
        calls ``handler(run)`` with a :class:`~plexus.TaskRun`; it returns ``None`` or a message, or raises
        to fail the run (``FAIL 500 task_failed`` with the exception's text, or the
        :class:`~plexus.ServiceError` raised). Without ``handler`` it is a decorator:
        ``@plugin.serve_task("x.y")``. Returns the handler. Otherwise as :meth:`serve`."""
        if handler is None:
            def register(fn: TaskHandler) -> TaskHandler:
                self.serve_task(name, fn)
                return fn
            return register
        if not callable(handler):
            raise TypeError(f"handler of task service {name!r} is not callable: {handler!r}")
        self.serve(name, task_handler(handler))
        return handler

    def call(self, service: str, data: P.Payload = b"", timeout: float = DEFAULT_CALL_TIMEOUT_S,
             headers: Optional[Dict[str, str]] = None, idempotent: bool = False,
             on_partial: Optional[Callable[[bytes], Any]] = None) -> bytes:
        """Calls a service through the broker (``CALL``, see :meth:`Client.call`) on the plugin's own
        DEALER. Blocks the handler thread (the session keeps heartbeating on the I/O thread): no other
        event or inline request is handled meanwhile, so a plugin cannot call an inline service it offers
        itself this way (the request waits for the handler thread and the call times out); a threaded one
        works. Call it from the thread running :meth:`run`."""
        return self._own_client("call").call(service, data, timeout, headers, idempotent, on_partial)

    def _own_client(self, what: str) -> Client:
        """The plugin's Client for acknowledged publishing and calls, made on first use."""
        if self._thread_id is not None and threading.get_ident() != self._thread_id:
            raise RuntimeError(f"{what}() uses the plugin's sockets and must be called from the thread running "
                               "run(); a worker thread should use its own plexus.Client")
        if self._client is None:
            # Used on the handler thread only; heartbeats are the I/O thread's, so no on_wait.
            self._client = Client(self._control(), 5.0, self._ctx or zmq.Context.instance())
        return self._client

    # -- stopping (on the I/O thread) --------------------------------------------------------------

    def _drain_services(self) -> None:
        """Stopping, on the I/O thread: requests not started are dropped (the broker fails or re-queues
        them at GOODBYE); those running on worker threads may finish and are answered before GOODBYE, as
        the handler in hand is. Sets ``_drained`` once the worker threads are done with, or waiting for
        them is useless: past their latest deadline, or the session is gone or silent. Meanwhile, and
        until run() asks to finish (after on_stop), it heartbeats, honours CANCEL and sends what the other
        threads hand over (the answer of the inline handler in hand, publishes from on_stop)."""
        dropped = self._services.stop_accepting()
        if dropped:
            log.info("stopping: %d request(s) not started are dropped", dropped)
        self._run_posted()
        if self._services.running:
            log.info("stopping: waiting for %d request(s) in progress", self._services.running)
        waiting = True
        while self._finish_reason is None:
            if waiting and not self._worth_waiting():
                waiting = False
                self._drained.set()
            self._tick()
            left = self._services.latest_deadline() - time.time() if waiting else self._interval
            # A fresh poller each round: not self._poller (unread events on SUB would make it spin), and
            # a DISCONNECT may close the DEALER.
            poller = zmq.Poller()
            if self._wake_r is not None:
                poller.register(self._wake_r.fileno(), zmq.POLLIN)
            if self._dealer is not None:
                poller.register(self._dealer, zmq.POLLIN)
            ready = dict(poller.poll(int(max(0.0, min(left, self._interval)) * 1000) + 1))
            if self._wake_r is not None and self._wake_r.fileno() in ready:
                self._drain_wake()
            if self._dealer is not None and self._dealer in ready:
                self._read_while_draining()
            self._run_posted()

    def _worth_waiting(self) -> bool:
        """Whether requests on worker threads still may be answered (logs why not, when they run)."""
        if not self._services.running:
            return False
        if self._dealer is None or not self._session:
            log.warning("stopping: the session is gone; not waiting for %d request(s)", self._services.running)
            return False
        if self._services.latest_deadline() <= time.time():
            log.warning("stopping: %d request(s) still running past their deadline; not waiting for them",
                        self._services.running)
            return False
        silent = time.monotonic() - self._last_recv
        if silent >= self._interval * self._liveness:
            log.warning("stopping: no message from the broker for %.1f s; not waiting for requests", silent)
            return False
        return True

    def _read_while_draining(self) -> None:
        """Broker messages while stopping: only what concerns the requests in progress matters."""
        while self._dealer is not None:
            try:
                frames = self._dealer.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self._last_recv = time.monotonic()
            try:
                msg = P.decode_control(frames)
            except ProtocolError as exc:
                log.warning("dropping malformed message from the broker: %s", exc)
                continue
            cmd = msg.command
            if msg.header != P.PLUGIN:
                continue
            if cmd == P.CANCEL:
                self._services.on_cancel(msg.args)
            elif cmd == P.REQUEST:
                self._services.on_request(msg.args)  # not accepting any more: dropped
            elif cmd == P.DISCONNECT:
                log.info("broker is going away while we stop")
                self._close_dealer()  # no session, so no GOODBYE either
            elif cmd == P.ERR:
                err = PlexusError.from_body(msg.args[0] if msg.args else None)
                if err.code == 401:  # the broker forgot us: our answers have nowhere to go
                    self._services.reset("not registered")
                    self._session = False
                else:
                    log.warning("broker error: %s", err)

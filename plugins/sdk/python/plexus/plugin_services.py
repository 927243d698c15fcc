"""The service side of :class:`~plexus.Plugin` (docs/PROTOCOL.md, section 6), kept apart so that
``plugin.py`` stays readable: offering services (:meth:`ServiceSupport.serve`), calling them from a plugin
(:meth:`ServiceSupport.call`), handing work from worker threads to the SDK thread, and finishing the
requests in progress when the plugin stops. Task handlers (:meth:`ServiceSupport.serve_task`) are services
whose handler is wrapped by :func:`~plexus.task.task_handler`.

:class:`ServiceSupport` is a mixin of :class:`~plexus.Plugin` only: it uses the plugin's session state
(``_dealer``, ``_session``, ``_last_recv``, ``_interval``, ``_liveness``, ``_stop_reason``, ``_wake_r``,
``_ctx``, ``_client``) and methods (``_tick``, ``_wake``, ``_drain_wake``, ``_control``,
``_control_pending``, ``_close_dealer``, ``_send_frames``).
"""

import logging
import queue
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import zmq

from . import protocol as P
from .client import Client
from .dispatch import ServiceDispatcher, ServiceHandler
from .errors import PlexusError, ProtocolError
from .service_codec import DEFAULT_CALL_TIMEOUT_S
from .task import TaskHandler, task_handler

log = logging.getLogger("plexus")

Offer = Union[Mapping[str, ServiceHandler], Sequence[str]]


class ServiceSupport:
    """Services for :class:`~plexus.Plugin` (see the module documentation)."""

    services: Offer = ()
    concurrency: int = 1
    threaded: Optional[bool] = None

    def _init_services(self, offered: Optional[Offer], threaded: Optional[bool]) -> None:
        """Called by ``Plugin.__init__`` once ``concurrency`` is set: the dispatcher, and the services
        given to the constructor (or as a class attribute)."""
        # Work other threads hand to the SDK thread (service answers, publish): run by _run_posted().
        self._posted: "queue.SimpleQueue[Callable[[], None]]" = queue.SimpleQueue()
        self._thread_id: Optional[int] = None  # the thread running run()
        self._services = ServiceDispatcher(self._send_frames, self._post, self.concurrency,
                                           threaded if threaded is not None else self.threaded)
        self.threaded = self._services.threaded
        if offered and not isinstance(offered, Mapping):
            raise TypeError("services must map service names to handlers, {name: handler}; "
                            "or use serve() or the @service decorator")
        self.services: List[str] = []
        for name, fn in dict(offered or {}).items():
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
        DEALER, heartbeating while it waits. Blocks the SDK thread: no event, request or ``CANCEL`` is
        read meanwhile, so a plugin cannot call a service it offers itself this way (the request waits
        for the SDK thread and the call times out). Call it from the thread running :meth:`run`."""
        return self._own_client("call").call(service, data, timeout, headers, idempotent, on_partial)

    def _own_client(self, what: str) -> Client:
        """The plugin's Client for acknowledged publishing and calls, made on first use."""
        if self._thread_id is not None and threading.get_ident() != self._thread_id:
            raise RuntimeError(f"{what}() uses the plugin's sockets and must be called from the thread running "
                               "run(); a worker thread should use its own plexus.Client")
        if self._client is None:
            self._client = Client(self._control(), 5.0, self._ctx or zmq.Context.instance(), on_wait=self._tick)
        return self._client

    # -- worker threads -> SDK thread ---------------------------------------------------------

    def _post(self, fn: Callable[[], None]) -> None:
        """Runs ``fn`` on the SDK thread soon (from a worker thread)."""
        self._posted.put(fn)
        self._wake()

    def _run_posted(self) -> None:
        while True:
            try:
                fn = self._posted.get_nowait()
            except queue.Empty:
                return
            try:
                fn()
            except Exception:
                log.exception("work handed to the SDK thread failed")

    # -- the loop's part ----------------------------------------------------------------------

    def _may_continue(self) -> bool:
        """Between two inline service handlers: heartbeat, and let the loop read a waiting broker
        message (a CANCEL of the next request, a STOP) before starting another."""
        self._tick()
        return self._stop_reason is None and not self._control_pending()

    def _drain_services(self) -> None:
        """Stopping: requests not started are dropped (the broker fails or re-queues them at GOODBYE);
        those running on worker threads may finish and are answered before GOODBYE, as the event in hand
        is. Waits no longer than their latest deadline (after it answers are useless) and only while the
        session lasts; meanwhile it heartbeats and honours CANCEL. Inline handlers have finished already."""
        dropped = self._services.stop_accepting()
        if dropped:
            log.info("stopping: %d request(s) not started are dropped", dropped)
        self._run_posted()
        if not self._services.running:
            return
        log.info("stopping: waiting for %d request(s) in progress", self._services.running)
        poller = zmq.Poller()  # not self._poller: unread events on SUB would make it spin
        if self._wake_r is not None:
            poller.register(self._wake_r.fileno(), zmq.POLLIN)
        if self._dealer is not None:
            poller.register(self._dealer, zmq.POLLIN)
        while self._services.running and self._dealer is not None and self._session:
            left = self._services.latest_deadline() - time.time()
            if left <= 0:
                log.warning("stopping: %d request(s) still running past their deadline; not waiting for them",
                            self._services.running)
                return
            silent = time.monotonic() - self._last_recv
            if silent >= self._interval * self._liveness:
                log.warning("stopping: no message from the broker for %.1f s; not waiting for requests", silent)
                return
            self._tick()
            ready = dict(poller.poll(int(min(left, self._interval) * 1000) + 1))
            if self._wake_r is not None and self._wake_r.fileno() in ready:
                self._drain_wake()
            if self._dealer in ready:
                self._read_while_draining()
            self._run_posted()

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

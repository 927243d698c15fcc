"""The service side of :class:`~plexus.Plugin` (docs/PROTOCOL.md, section 6), kept apart so that
``plugin.py`` stays readable: offering services (:meth:`ServiceSupport.serve`) and calling them from a
plugin (:meth:`ServiceSupport.call`). Task handlers (:meth:`ServiceSupport.serve_task`) are services whose
handler is wrapped by :func:`~plexus.task.task_handler`.

:class:`ServiceSupport` is a base of :class:`~plexus.Plugin` that knows nothing of the plugin's internals:
what it needs from the runtime is the :class:`ServiceHost` passed to :meth:`ServiceSupport._init_services`.
Its dispatcher hands inline requests to the handler thread (``submit``), starts threaded ones on worker
threads, and sends every answer from the I/O thread (``post``, then ``send``). Finishing the requests in
progress when the plugin stops is the I/O thread's, in :mod:`plexus.plugin_io`.
"""

import logging
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Sequence, Union

import zmq

from . import protocol as P
from .client import Client
from .dispatch import ServiceDispatcher, ServiceHandler
from .handoff import Work
from .service_codec import DEFAULT_CALL_TIMEOUT_S
from .task import TaskHandler, task_handler


log = logging.getLogger("plexus")

Offer = Union[Mapping[str, ServiceHandler], Sequence[str]]


class ServiceHost(Protocol):
    """What :class:`ServiceSupport` needs from the plugin runtime, and all it may use of it."""

    def send(self, frames: List[bytes]) -> None:
        """Sends a control message (``PLXP01`` frames) on the session's DEALER; on the I/O thread only."""

    def post(self, work: Work) -> None:
        """Runs ``work`` on the I/O thread soon (from any thread)."""

    def submit(self, work: Work) -> None:
        """Hands ``work`` to the handler thread, behind the events waiting for it."""

    def registered(self) -> bool:
        """Whether a session is open, or being opened, with the broker (its DEALER exists)."""

    def handler_thread(self) -> Optional[int]:
        """The thread running ``run()`` (None before it), which alone may use the plugin's own Client."""

    def control_endpoint(self) -> str:
        """The broker's control endpoint."""

    def context(self) -> "Optional[zmq.Context[zmq.Socket[bytes]]]":
        """The ZeroMQ context of the current run, if one is going on."""


class ServiceSupport:
    """Services for :class:`~plexus.Plugin` (see the module documentation)."""

    services: Offer = ()
    concurrency: int = 1
    threaded: Optional[bool] = None
    _services: ServiceDispatcher
    _service_host: ServiceHost
    _client: Optional[Client]

    def _init_services(self, host: ServiceHost, offered: Optional[Offer], threaded: Optional[bool]) -> None:
        """Called by ``Plugin.__init__`` once ``concurrency`` is set: the dispatcher, working through
        ``host``, and the services given to the constructor (or as a class attribute)."""
        self._service_host = host
        self._services = ServiceDispatcher(host.send, host.post, self.concurrency,
                                           threaded if threaded is not None else self.threaded,
                                           submit=host.submit)
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
        if self._service_host.registered():
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
        owner = self._service_host.handler_thread()
        if owner is not None and threading.get_ident() != owner:
            raise RuntimeError(f"{what}() uses the plugin's sockets and must be called from the thread running "
                               "run(); a worker thread should use its own plexus.Client")
        if self._client is None:
            # Used on the handler thread only; heartbeats are the I/O thread's, so no on_wait.
            self._client = Client(self._service_host.control_endpoint(), 5.0,
                                  self._service_host.context() or zmq.Context.instance())
        return self._client

    def _close_client(self) -> None:
        """Closes the plugin's own Client, if one was made (at the end of run(), before the context)."""
        if self._client is not None:
            self._client.close()
            self._client = None

"""What a service handler sees and raises (docs/PROTOCOL.md, section 6): :class:`Request`,
:class:`ServiceError` and the :func:`service` decorator; and :func:`run_handler`, which turns what a handler
returned or raised into the final ``REPLY`` or ``FAIL`` (pure apart from calling the handler)."""

import json
import logging
import math
import threading
import time
from typing import Any, Callable, Dict, NamedTuple, Optional, TypeVar

from . import protocol as P
from .errors import PlexusError, ProtocolError
from .service_codec import RequestFrames, check_body, error_body, validate_service

log = logging.getLogger("plexus.service")

#: What the marking decorators (:func:`service`, :func:`~plexus.task`, :func:`~plexus.handler`) take and
#: return unchanged: a function or method, whose type they keep for type checkers.
F = TypeVar("F", bound=Callable[..., Any])

#: Longest exception text sent to a caller in a ``FAIL`` message (characters); the full traceback
#: is logged by the plugin.
MAX_ERROR_MESSAGE = 2000

#: ``emit(request, body) -> bool`` sends one ``PARTIAL`` (or queues it for the plugin's I/O thread).
Emit = Callable[["Request", bytes], bool]


class ServiceError(PlexusError):
    """Raise it from a service handler to fail the request with your own error: the caller gets
    ``PlexusError(code, error, message)`` exactly as given (``FAIL`` is passed on as is). Any other
    exception becomes ``500 handler_failed`` with the exception's text."""

    def __init__(self, code: int = 500, error: str = "handler_failed", message: str = "") -> None:
        if not isinstance(code, int) or isinstance(code, bool):
            raise TypeError(f"ServiceError code must be an int, got {code!r}")
        super().__init__(code, str(error), str(message))


def service(name: str) -> Callable[[F], F]:
    """Marks a method of a :class:`~plexus.Plugin` subclass as the handler of service ``name``
    (stackable: one method may serve several names)::

        class Greeter(Plugin):
            @service("greeter.hello")
            def hello(self, request):
                return f"Hello, {request.text}"
    """
    validate_service(name, offering=True)  # fail at class definition, not at registration

    def mark(fn: F) -> F:
        fn.__dict__.setdefault("_plexus_services", []).append(name)
        return fn
    return mark


class Request:
    """One service request, as a handler receives it.

    Attributes: ``service`` (str), ``body`` (bytes), ``headers`` (dict of str, from the caller),
    ``deadline`` (seconds since the epoch; ``math.inf`` when the broker sent none), ``timeout`` (the
    meta's ``timeout_ms`` in seconds, or None: use ``deadline``/``remaining()``, which are exact, rather
    than this, whose meaning the document leaves open), ``caller`` (who called, as the broker names it), ``rid``
    (the broker's id of the request, bytes) and ``meta`` (the raw meta object).

    ``cancelled`` becomes True when the broker sends ``CANCEL`` (the caller's deadline passed) or the
    session to the broker is lost; from then on nothing more is sent for this request, so a handler may
    stop early. The plugin's I/O thread reads ``CANCEL`` while any handler runs, inline ones (on the
    handler thread, the default) included.
    """

    __slots__ = ("rid", "service", "body", "headers", "deadline", "timeout", "caller", "meta",
                 "_cancel", "_emit", "_clock", "_done")

    def __init__(self, rid: bytes, service: str, body: bytes = b"", deadline: float = math.inf,
                 timeout: Optional[float] = None, headers: Optional[Dict[str, str]] = None, caller: str = "",
                 meta: Optional[Dict[str, Any]] = None, emit: Optional[Emit] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.rid = rid
        self.service = service
        self.body = body
        self.deadline = deadline
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.caller = caller
        self.meta = dict(meta or {})
        self._cancel = threading.Event()  # set on the I/O thread, read on any
        self._emit = emit
        self._clock = clock
        self._done = False

    @classmethod
    def from_frames(cls, frames: RequestFrames, emit: Optional[Emit] = None,
                    clock: Callable[[], float] = time.time) -> "Request":
        return cls(frames.rid, frames.service, frames.body, frames.deadline, frames.timeout, frames.headers,
                   frames.caller, frames.meta, emit, clock)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (raises ``UnicodeDecodeError`` when it is not text)."""
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.body)

    def remaining(self) -> float:
        """Seconds left until the deadline (0.0 once it passed; ``math.inf`` without a deadline)."""
        return max(0.0, self.deadline - self._clock())

    @property
    def cancelled(self) -> bool:
        """True once the broker cancelled the request (or the session was lost): stop working on it."""
        return self._cancel.is_set()

    def partial(self, data: P.Payload) -> bool:
        """Sends one part of a streamed answer (``PARTIAL``) before the handler returns the final one.
        ``data`` is bytes, str or JSON-serializable, like a return value. Returns False when the part was
        dropped because the request is cancelled or past its deadline (a handler may stop then).
        Raises ``RuntimeError`` once the handler has returned."""
        if self._done:
            raise RuntimeError("partial() after the handler returned: the final answer has been sent")
        body = check_body(P.encode_payload(data), "PARTIAL body")
        if self.cancelled or self._emit is None:
            return False
        return self._emit(self, body)

    def __repr__(self) -> str:
        return (f"Request(service={self.service!r}, rid={self.rid!r}, caller={self.caller!r}, "
                f"{len(self.body)} bytes)")


class Outcome(NamedTuple):
    """The final answer to a request: ``command`` is ``REPLY`` or ``FAIL``, ``body`` its body frame."""

    command: bytes
    body: bytes

    @classmethod
    def failure(cls, code: int, error: str, message: str = "") -> "Outcome":
        return cls(P.FAIL, error_body(code, error, message))


def exception_text(exc: BaseException) -> str:
    """What the caller learns about an unexpected exception: its text (its type when it has none)."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= MAX_ERROR_MESSAGE else text[:MAX_ERROR_MESSAGE] + "…"


def result_body(value: Any) -> bytes:
    """A handler's return value as the ``REPLY`` body: bytes as is, str as UTF-8, ``None`` as an
    empty body, anything else as JSON (``TypeError`` when it is not serializable)."""
    return b"" if value is None else P.encode_payload(value)


def run_handler(fn: Callable[[Request], Any], request: Request) -> Outcome:
    """Calls ``fn(request)`` and returns the final answer: ``REPLY`` with the encoded result, ``FAIL``
    with the ``ServiceError``'s code/error/message, or ``FAIL 500 handler_failed`` with the text of any
    other exception (logged with its traceback). A result too large for a frame becomes ``413
    too_large``. ``BaseException``s that are not ``Exception``s (``KeyboardInterrupt``, ``SystemExit``)
    propagate. Marks the request done, so that a late ``partial()`` fails loudly."""
    try:
        value = fn(request)
    except ServiceError as exc:
        log.info("service %s: handler failed the request with %s", request.service, exc)
        return Outcome.failure(exc.code, exc.error, exc.message)
    except Exception as exc:
        log.exception("service %s: handler raised", request.service)
        return Outcome.failure(500, "handler_failed", exception_text(exc))
    finally:
        request._done = True
    try:
        return Outcome(P.REPLY, check_body(result_body(value), "reply"))
    except TypeError as exc:
        log.error("service %s: %s", request.service, exc)
        return Outcome.failure(500, "handler_failed", str(exc))
    except ProtocolError as exc:
        log.error("service %s: %s", request.service, exc)
        return Outcome.failure(413, "too_large", str(exc))

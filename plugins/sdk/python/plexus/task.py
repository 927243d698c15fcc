"""Scheduled tasks on the plugin side (docs/PROTOCOL.md, section 9).

The broker runs a task whose target is a service as an ordinary service ``REQUEST``: the body is the
task's payload and the meta's headers say which task, run, fire time and attempt it is. The plugin answers
``REPLY`` (success; the body is an optional message the broker records) or ``FAIL`` (failure: the message
is recorded as that instance's failure). So a task handler is a service handler with a friendlier
argument and a fixed way of answering:

- :class:`TaskRun`: what a task handler receives, read from the request's headers;
- :func:`task`: marks a method of a :class:`~plexus.Plugin` subclass as the handler of a task service;
- :func:`task_handler`: turns ``fn(run)`` into a service handler ``handler(request)`` (used by the
  decorator and by ``Plugin.serve_task``).

Example::

    class Janitor(Plugin):
        @task("janitor.sweep")
        def sweep(self, run):
            removed = clean_up(run.json().get("older_than", "7d"))
            return f"{removed} files removed"          # recorded as the run's message
"""

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Optional

from .service import F, Request, ServiceError, exception_text, result_body
from .service_codec import check_body, validate_service

log = logging.getLogger("plexus.task")

#: Header carrying the task id (e.g. ``housekeeping``).
TASK_ID_HEADER = "plexus-task-id"
#: Header carrying the run id, ``<task id>#<n>`` (e.g. ``housekeeping#12``).
RUN_ID_HEADER = "plexus-run-id"
#: Header carrying the fire time the run belongs to: integer µs since the Unix epoch, in decimal.
SCHEDULED_AT_HEADER = "plexus-scheduled-at"
#: Header carrying the attempt: ``1`` for the first, ``2`` for the first retry, ...
ATTEMPT_HEADER = "plexus-attempt"
#: The error of the ``FAIL`` a task handler's exception becomes (code 500).
TASK_FAILED = "task_failed"
#: The broker keeps this many characters of a run's message (longer ones are truncated there).
MAX_TASK_MESSAGE = 200

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DECIMAL = re.compile(r"[0-9]{1,19}\Z")  # ASCII digits only: int() would also take "+1", " 1", "1_0"

TaskHandler = Callable[["TaskRun"], Any]


def task(name: str) -> Callable[[F], F]:
    """Marks a method of a :class:`~plexus.Plugin` subclass as the handler of the task service ``name``:
    the plugin offers ``name`` as a service (listed in ``REGISTER``) and calls the method with a
    :class:`TaskRun` for every run the broker sends::

        class Audit(Plugin):
            @task("housekeeping")
            def housekeeping(self, run):
                return "audit: 42 events written"

    The method returns ``None`` or a message (str; bytes are sent as is, anything else as JSON), which the
    broker records as the run's success message. Any exception fails the run: ``FAIL 500 task_failed``
    with the exception's text (a :class:`~plexus.ServiceError` keeps its own code and error). Stackable,
    like :func:`~plexus.service`; the method itself is returned unchanged.
    """
    validate_service(name, offering=True)  # fail at class definition, not at registration

    def mark(fn: F) -> F:
        fn.__dict__.setdefault("_plexus_tasks", []).append(name)
        return fn
    return mark


class TaskRun:
    """One run of a scheduled task, as a task handler receives it.

    Attributes:

    - ``task_id`` (str, or None when the request carried no task headers, e.g. a plain ``CALL``),
    - ``run_id`` (``"<task id>#<n>"``, or None likewise),
    - ``scheduled_at`` (aware UTC ``datetime``: the fire time this run belongs to, which is not when it
      started: a retry or a run after downtime starts later) and ``scheduled_at_us`` (the same in µs since
      the epoch); the time the request was received when the header is missing,
    - ``attempt`` (1 for the first attempt, 2 for the first retry, ...; 1 when missing),
    - ``payload`` (bytes: the task's payload, the request body), ``text``, ``json()``,
    - ``request``: the underlying :class:`~plexus.Request` (``headers``, ``deadline``, ``meta``, ...);
      :meth:`remaining` and :attr:`cancelled` are shortcuts to it.

    A header that is present but malformed is logged and treated as missing: the handler still runs.
    """

    __slots__ = ("request", "task_id", "run_id", "scheduled_at", "scheduled_at_us", "attempt")

    def __init__(self, request: Request, task_id: Optional[str] = None, run_id: Optional[str] = None,
                 scheduled_at_us: Optional[int] = None, attempt: int = 1) -> None:
        self.request = request
        self.task_id = task_id
        self.run_id = run_id
        if scheduled_at_us is None:
            scheduled_at_us = round(request._clock() * 1_000_000)
        self.scheduled_at_us = scheduled_at_us
        self.scheduled_at = _EPOCH + timedelta(microseconds=scheduled_at_us)
        self.attempt = attempt

    @classmethod
    def from_request(cls, request: Request) -> "TaskRun":
        """Reads the task headers of ``request`` (see the class documentation for missing ones)."""
        headers = request.headers
        return cls(request, _text_header(headers, TASK_ID_HEADER), _text_header(headers, RUN_ID_HEADER),
                   _scheduled_at_header(headers), _attempt_header(headers))

    @property
    def scheduled(self) -> bool:
        """True when the broker's scheduler sent this run (the request carried a task id)."""
        return self.task_id is not None

    @property
    def payload(self) -> bytes:
        """The task's payload (the request body)."""
        return self.request.body

    @property
    def text(self) -> str:
        """The payload decoded as UTF-8 (raises ``UnicodeDecodeError`` when it is not text)."""
        return self.request.text

    def json(self) -> Any:
        """The payload parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return self.request.json()

    def remaining(self) -> float:
        """Seconds left until the run's deadline (the task's ``timeout``); see :meth:`Request.remaining`."""
        return self.request.remaining()

    @property
    def cancelled(self) -> bool:
        """True once the broker cancelled the run (timed out or replaced) or the session was lost."""
        return self.request.cancelled

    def __repr__(self) -> str:
        return (f"TaskRun(task_id={self.task_id!r}, run_id={self.run_id!r}, "
                f"scheduled_at={self.scheduled_at.isoformat()}, attempt={self.attempt}, "
                f"{len(self.payload)} bytes)")


def task_handler(fn: TaskHandler) -> Callable[[Request], bytes]:
    """Wraps ``fn(run)`` as a service handler: the request becomes a :class:`TaskRun`; what ``fn`` returns
    becomes the ``REPLY`` body (``None`` empty, str as UTF-8, bytes as is, anything else as JSON); any
    exception but a :class:`~plexus.ServiceError` becomes ``ServiceError(500, "task_failed", text)``, which
    the dispatcher answers with ``FAIL``. A return value that cannot be sent fails the run the same way."""
    def handle(request: Request) -> bytes:
        run = TaskRun.from_request(request)
        try:
            return check_body(result_body(fn(run)), "task message")
        except ServiceError:
            raise
        except Exception as exc:
            log.exception("task %s run %s (service %s, attempt %d) failed", run.task_id, run.run_id,
                          request.service, run.attempt)
            raise ServiceError(500, TASK_FAILED, exception_text(exc)) from exc
    handle.__wrapped__ = fn  # type: ignore[attr-defined]
    handle.__name__ = getattr(fn, "__name__", "task_handler")
    handle.__doc__ = getattr(fn, "__doc__", None)
    return handle


# -- header parsing ---------------------------------------------------------------------------------

def _text_header(headers: Dict[str, str], key: str) -> Optional[str]:
    value = headers.get(key)
    return value if value else None


def _scheduled_at_header(headers: Dict[str, str]) -> Optional[int]:
    """The fire time in µs, or None when missing or not a decimal integer datetime can hold."""
    value = headers.get(SCHEDULED_AT_HEADER)
    if value is None:
        return None
    if _DECIMAL.match(value):
        us = int(value)
        try:
            _EPOCH + timedelta(microseconds=us)
            return us
        except OverflowError:
            pass
    log.warning("ignoring malformed %s header %r: expected µs since the epoch", SCHEDULED_AT_HEADER, value[:64])
    return None


def _attempt_header(headers: Dict[str, str]) -> int:
    """The attempt number (>= 1), 1 when missing or malformed."""
    value = headers.get(ATTEMPT_HEADER)
    if value is None:
        return 1
    if _DECIMAL.match(value) and int(value) >= 1:
        return int(value)
    log.warning("ignoring malformed %s header %r: expected an integer >= 1", ATTEMPT_HEADER, value[:64])
    return 1

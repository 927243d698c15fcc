"""The health side of :class:`~plexus.Plugin` (docs/PROTOCOL.md, section 4, "Health").

Three parts, the first two free of sockets and threads of their own so that they can be unit-tested:

- :class:`HealthState` holds what the plugin says, from two sources: the latest result of its
  ``health()`` hook and what it last said with ``set_health()``; the report is the two combined (the worse
  wins, :meth:`~plexus.health.HealthReport.combine`). It also remembers what the current session was told,
  so that ``HEALTH`` goes out only when the report changed; a new session (each ``WELCOME``, after its
  ``READY``) starts from ``passing``, as the broker's does, so that a plugin that is not passing says so
  again at once.
- :class:`HealthMonitor` calls the hook every ``health_interval`` seconds. The I/O thread's loop drives it
  (:meth:`HealthMonitor.tick`, with its own clock) and a call runs on a short-lived thread of its own, not
  on the I/O thread (which must heartbeat) nor on the handler thread (which must handle events): a hook
  that blocks on I/O delays nothing else. One call at a time: while one is out no other starts, and once it
  has been out for an interval the hook counts as ``critical`` ("health() has not returned ...") until it
  returns. A hook that raises counts as ``critical`` with the exception as message.
- :class:`HealthSupport`, a base of :class:`~plexus.Plugin`: the public ``health()`` hook and
  ``set_health()``, and the few calls the session makes (:meth:`~HealthSupport._health_session_ready`,
  :meth:`~HealthSupport._health_session_lost`, :meth:`~HealthSupport._health_tick`).
"""

import logging
import math
import threading
import time
from typing import Callable, List, Mapping, Optional

from .errors import ProtocolError
from .handoff import Work
from .health import (CheckLike, HealthCheck, HealthReport, HealthResult, HealthStatus, clip, encode_health)

log = logging.getLogger("plexus")

#: How often the SDK calls ``health()`` by default (seconds): ``Plugin.health_interval``.
DEFAULT_HEALTH_INTERVAL_S = 10.0

#: What a new session starts from, on both sides.
BASELINE = HealthReport()


class HealthState:
    """The plugin's health from its two sources, and what the current session was told (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hook = BASELINE    # the hook's latest result
        self._manual = BASELINE  # what set_health() last said
        self._sent: Optional[HealthReport] = None  # None: no session ready to be told anything

    def set_hook(self, report: HealthReport) -> None:
        with self._lock:
            self._hook = report

    def set_manual(self, report: HealthReport) -> None:
        with self._lock:
            self._manual = report

    @property
    def current(self) -> HealthReport:
        """The report the plugin stands by now."""
        with self._lock:
            return self._combined()

    def _combined(self) -> HealthReport:
        return HealthReport.combine([self._hook, self._manual])

    def session_ready(self) -> None:
        """A session sent ``READY``: the broker holds ``passing`` for it."""
        with self._lock:
            self._sent = BASELINE

    def session_lost(self) -> None:
        """No session (registering, reconnecting): nothing is due until the next ``READY``."""
        with self._lock:
            self._sent = None

    def due(self) -> Optional[HealthReport]:
        """The report to send now, if the session's is out of date (then it counts as sent), else None."""
        with self._lock:
            if self._sent is None:
                return None
            report = self._combined()
            if report == self._sent:
                return None
            self._sent = report
            return report


class HealthMonitor:
    """Calls a ``health()`` hook every ``interval`` seconds (see the module documentation).

    ``start_call(job)`` runs ``job`` on a thread other than the caller's (the plugin starts a daemon thread;
    tests run it by hand). ``on_change()`` is called, from whichever thread, when the hook's result was
    recorded in ``state``.
    """

    def __init__(self, hook: Optional[Callable[[], HealthResult]], interval: float, state: HealthState,
                 start_call: Callable[[Work], None], on_change: Callable[[], None]) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0 \
                or not math.isfinite(interval):
            raise ValueError(f"health_interval must be a positive number of seconds, got {interval!r}")
        self.hook = hook
        self.interval = float(interval)
        self._state = state
        self._start_call = start_call
        self._on_change = on_change
        self._lock = threading.Lock()
        self._next_due: Optional[float] = None  # None: not started (before the first READY of a run)
        self._running = False    # a call is out
        self._started_at = 0.0
        self._overdue = False    # the call out has been counted as critical
        self.calls = 0           # calls started (for tests and logs)

    def start(self, now: float) -> None:
        """From the first ``READY`` of a run on: the first call is due at once."""
        with self._lock:
            if self._next_due is None:
                self._next_due = now

    def reset(self) -> None:
        """A new run: no call until its first ``READY`` (a call still out finishes and is recorded)."""
        with self._lock:
            self._next_due = None

    def deadline(self) -> float:
        """When :meth:`tick` has something to do next (monotonic seconds; ``inf`` for never)."""
        with self._lock:
            if self.hook is None or self._next_due is None:
                return math.inf
            if self._running:
                return math.inf if self._overdue else self._started_at + self.interval
            return self._next_due

    def tick(self, now: float) -> None:
        """Starts the call that is due, or counts the one out as critical once it is an interval old."""
        hung: Optional[HealthReport] = None
        launch = False
        with self._lock:
            if self.hook is None or self._next_due is None:
                return
            if self._running:
                if not self._overdue and now - self._started_at >= self.interval:
                    self._overdue = True
                    hung = HealthReport(HealthStatus.CRITICAL,
                                        f"health() has not returned within {self.interval:g} s")
            elif now >= self._next_due:
                self._running, self._overdue, self._started_at = True, False, now
                self._next_due = now + self.interval
                self.calls += 1
                launch = True
        if hung is not None:
            log.warning("health() has not returned within %g s: reporting critical until it does", self.interval)
            self._record(hung)
        if launch:
            try:
                self._start_call(self._call)
            except Exception as exc:  # e.g. no thread can be started
                with self._lock:
                    self._running = False
                self._record(_failure("could not call health()", exc))

    def _call(self) -> None:
        """One call of the hook, on the health thread."""
        hook = self.hook
        assert hook is not None
        try:
            result = hook()
        except Exception as exc:
            log.warning("health() raised %r: reporting critical", exc)
            report = _failure("health() raised", exc)
        else:
            try:
                report = HealthReport.of(result, clip_messages=True)  # a long error text is cut, not refused
            except ProtocolError as exc:
                log.warning("health() returned an invalid report: %s", exc)
                report = HealthReport(HealthStatus.CRITICAL, clip(f"health() returned an invalid report: {exc}"))
        with self._lock:
            self._running = self._overdue = False
        self._record(report)

    def _record(self, report: HealthReport) -> None:
        self._state.set_hook(report)
        self._on_change()


def _failure(what: str, exc: BaseException) -> HealthReport:
    return HealthReport(HealthStatus.CRITICAL, clip(f"{what} {type(exc).__name__}: {exc}"))


def make_report(status: "HealthStatus | str", message: str = "",
                checks: Optional[Mapping[str, CheckLike]] = None) -> HealthReport:
    """The report of ``set_health(status, message, checks)``; raises ``ProtocolError`` (a ``ValueError``)
    for an unknown status or a report beyond the limits."""
    if not isinstance(message, str):
        raise ProtocolError(f"health message must be a string, got {type(message).__name__}")
    return HealthReport(HealthStatus.of(status, "health status"), message,
                        {str(name): HealthCheck.of(check, f"health check {name!r}")
                         for name, check in (checks or {}).items()}).validate()


class HealthSupport:
    """Health for :class:`~plexus.Plugin` (see the module documentation)."""

    name: str
    #: Seconds between two calls of :meth:`health` (a class attribute, or the ``health_interval`` keyword).
    health_interval: float = DEFAULT_HEALTH_INTERVAL_S

    def _init_health(self, hook: Optional[Callable[[], HealthResult]], interval: Optional[float],
                     on_sockets: Callable[[Work], None], send: Callable[[List[bytes]], None]) -> None:
        """Called by ``Plugin.__init__``: the hook is called only when there is one (passed, or
        :meth:`health` overridden). ``on_sockets(work)`` runs ``work`` on the I/O thread (now when on it),
        ``send(frames)`` sends a control message there."""
        self._health_on_sockets = on_sockets
        self._health_send = send
        if hook is not None:
            self.health = hook  # type: ignore[method-assign]
        if interval is not None:
            self.health_interval = interval
        overridden = hook is not None or type(self).health is not HealthSupport.health
        self._health_state = HealthState()
        self._health_monitor = HealthMonitor((lambda: self.health()) if overridden else None,
                                             self.health_interval, self._health_state, self._start_health_call,
                                             self._health_changed)

    # -- the public API ------------------------------------------------------------------------

    def health(self) -> HealthResult:
        """Override to report the plugin's health: the SDK calls it every ``health_interval`` seconds (10 by
        default) from the first ``READY`` on, on a thread of its own (it may block on I/O; it may run while
        a handler does), and sends ``HEALTH`` when the answer changed. Return one of:

        - ``None`` or ``"passing"``: all is well; ``"warning"``: degraded (still given work);
          ``"critical"``: cannot work (the broker stops sending it calls and task runs);
        - ``("critical", "database unreachable")``: a status and why;
        - a :class:`~plexus.health.HealthReport`;
        - a dict ``{"status": ..., "message": ..., "checks": {"db": ("critical", "refused"), "cache":
          "passing"}}``: without ``status``, the report is as bad as its worst check.

        A hook that raises counts as ``critical`` with the exception as message; one that has not returned
        after an interval counts as ``critical`` until it returns. What :meth:`set_health` said is combined
        with the hook's answer: the worse wins. Not overridden, it is never called."""
        return None

    def set_health(self, status: "HealthStatus | str", message: str = "",
                   checks: Optional[Mapping[str, CheckLike]] = None) -> None:
        """Reports the plugin's health now, from any thread, before or during :meth:`run`: ``status`` is
        ``"passing"``, ``"warning"`` or ``"critical"``, ``message`` says why (at most 1,024 bytes),
        ``checks`` maps names to statuses, ``(status, message)`` pairs or
        :class:`~plexus.health.HealthCheck`. It holds until the next call (``set_health("passing")`` takes
        it back) and is combined with :meth:`health`'s answer, the worse winning. ``HEALTH`` goes out when
        that changes the report, and again on each new session while it is not passing. Raises
        ``ValueError`` (:class:`~plexus.ProtocolError`) for an unknown status or a report beyond the limits."""
        self._health_state.set_manual(make_report(status, message, checks))
        self._health_changed()

    @property
    def health_report(self) -> HealthReport:
        """The report the plugin stands by now (what the broker has, or is about to get)."""
        return self._health_state.current

    # -- the session's calls, on the I/O thread ---------------------------------------------------

    def _health_session_ready(self) -> None:
        """``READY`` went out: the broker holds ``passing`` for this session. The hook's calls start (at the
        first one of a run) and a report that is not passing goes out again."""
        self._health_state.session_ready()
        self._health_monitor.start(time.monotonic())
        self._flush_health()

    def _health_session_lost(self) -> None:
        self._health_state.session_lost()

    def _health_tick(self, now: float) -> None:
        self._health_monitor.tick(now)

    def _health_deadline(self) -> float:
        return self._health_monitor.deadline()

    def _health_reset(self) -> None:
        """A new run()."""
        self._health_monitor.reset()
        self._health_state.session_lost()

    # -- internals ------------------------------------------------------------------------------

    def _health_changed(self) -> None:
        """From any thread: the I/O thread sends the report if the session's is out of date."""
        self._health_on_sockets(self._flush_health)

    def _flush_health(self) -> None:
        report = self._health_state.due()
        if report is None:
            return
        level = logging.INFO if report.effective_status is HealthStatus.PASSING else logging.WARNING
        log.log(level, "health: %s%s", report.effective_status.value, f" ({report.message})" if report.message else "")
        self._health_send(encode_health(report))

    def _start_health_call(self, job: Work) -> None:
        threading.Thread(target=job, name=f"plexus-health-{self.name}", daemon=True).start()


"""Durable subscriptions of a :class:`~plexus.Plugin` (docs/PROTOCOL.md, section 10), kept apart from
``plugin.py`` like the services are: declaring them (:func:`durable` on methods, ``Plugin.durable``, or the
plugin's ``config: {durable: ...}``) and running one :class:`~plexus.durable.DurableConsumer` per
subscription once ``on_start`` returned.

Threading: each consumer runs on a thread of its own with its own ZeroMQ context and sockets (a DEALER for
``DURABLE``/``REPLAY``, a SUB for the doorbell), so that its blocking requests never hold up the session's I/O
thread. Its handler calls are handed to the plugin's handler thread, like every event handler, so that no
handler runs beside another; the consumer thread waits for each (and for the retries' backoff) and stops
waiting when the plugin stops, leaving that event unacknowledged (at least once).

Config form (a supervised plugin's ``config:`` block in topology.yaml), one object or a list::

    config:
      durable: {name: billing, pattern: "order.>", start: all, max_attempts: 5}

The events go to the handler declared for that ``name`` (with :func:`durable` or ``Plugin.durable``; the
config's ``pattern`` and options then replace the declared ones), else to ``Plugin.on_durable``.
"""

import logging
import threading
from typing import Any, Callable, Dict, List, Optional

import zmq

from .durable import DEFAULT_BACKOFF_S, DEFAULT_MAX_ATTEMPTS, DurableConsumer, DurableHandler, Stopped
from .event import Event
from .patterns import Pattern
from .protocol import validate_name
from .service import F

log = logging.getLogger("plexus")

#: How long stopping waits for each consumer thread (seconds).
DURABLE_JOIN_S = 5.0
#: Options a durable subscription takes (decorator keywords and config keys besides name and pattern).
OPTIONS = ("start", "max_attempts", "backoff", "batch")


def durable(name: str, pattern: str, **options: Any) -> Callable[[F], F]:
    """Marks a method of a :class:`~plexus.Plugin` subclass as the handler of the durable subscription
    ``name`` on ``pattern`` (options: ``start``, ``max_attempts``, ``backoff``, ``batch``, as
    :class:`~plexus.durable.DurableConsumer`)::

        class Billing(Plugin):
            @durable("billing", "order.>")
            def on_order(self, event): ...
    """
    _check(name, pattern, options)

    def mark(fn: F) -> F:
        fn.__dict__.setdefault("_plexus_durable", []).append((name, pattern, dict(options)))
        return fn
    return mark


def _check(name: str, pattern: str, options: Dict[str, Any]) -> None:
    validate_name(name, "durable subscription name")
    Pattern(pattern)
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise TypeError(f"unknown durable option(s) {', '.join(sorted(unknown))}; known: {', '.join(OPTIONS)}")


class DurableSupport:
    """Durable subscriptions for :class:`~plexus.Plugin` (see the module documentation)."""

    _durables: Dict[str, Dict[str, Any]]
    _consumers: List[DurableConsumer]
    _consumer_threads: List[threading.Thread]
    _durable_stop: threading.Event
    log: logging.Logger

    def _init_durable(self) -> None:
        self._durables = {}
        self._consumers = []
        self._consumer_threads = []
        self._durable_stop = threading.Event()

    def durable(self, name: str, pattern: str, handler: Optional[DurableHandler] = None, **options: Any) -> Any:
        """Declares the durable subscription ``name`` on ``pattern``: from ``on_start`` on, every event of the
        pattern reaches ``handler(event)`` at least once, in seq order, surviving restarts of the plugin and
        of the broker; a handler that keeps raising sends the event to ``plexus.deadletter.NAME``. Without
        ``handler`` it is a decorator: ``@plugin.durable("billing", "order.>")``. Call it before :meth:`run`."""
        _check(name, pattern, options)
        if handler is None:
            def register(fn: DurableHandler) -> DurableHandler:
                self.durable(name, pattern, fn, **options)
                return fn
            return register
        if name in self._durables:
            raise ValueError(f"durable subscription {name!r} is declared twice")
        self._durables[name] = {"pattern": pattern, "handler": handler, **options}
        return handler

    def on_durable(self, event: Event) -> None:
        """Receives the events of durable subscriptions declared in the config without a handler of their
        own. Raise to have the event retried (and dead-lettered after the last attempt)."""
        self.log.warning("durable event %s seq=%d has no handler; override on_durable()", event.topic, event.seq)

    # -- the runtime -----------------------------------------------------------------------------

    def _durable_specs(self, config: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
        """The declared subscriptions, with the config's ``durable`` entries merged in (config wins)."""
        specs = {name: dict(spec) for name, spec in self._durables.items()}
        entries = config.get("durable") or []
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or \
                    not isinstance(entry.get("pattern"), str):
                self.log.error("ignoring config durable entry %r: needs a name and a pattern", entry)
                continue
            options = {k: v for k, v in entry.items() if k in OPTIONS}
            try:
                _check(entry["name"], entry["pattern"], options)
            except (ValueError, TypeError) as exc:
                self.log.error("ignoring config durable entry %r: %s", entry, exc)
                continue
            spec = specs.setdefault(entry["name"], {"handler": self.on_durable})
            spec.update(options, pattern=entry["pattern"])
        return specs

    def _start_durables(self, config: Dict[str, Any], control: str, invoke: Callable[[Callable[[], Any]], Any]) -> None:
        """Once on_start returned: one consumer thread per subscription."""
        self._durable_stop.clear()
        for name, spec in self._durable_specs(config).items():
            consumer = DurableConsumer(
                name, spec["pattern"], spec["handler"], broker=control, start=spec.get("start", "new"),
                max_attempts=int(spec.get("max_attempts", DEFAULT_MAX_ATTEMPTS)),
                backoff=float(spec.get("backoff", DEFAULT_BACKOFF_S)), batch=int(spec.get("batch", 1000)),
                invoke=invoke, context=zmq.Context())  # on_loss: the consumer logs losses itself
            thread = threading.Thread(target=self._consume, args=(consumer,), name=f"plexus-durable-{name}",
                                      daemon=True)
            self._consumers.append(consumer)
            self._consumer_threads.append(thread)
            thread.start()

    @staticmethod
    def _consume(consumer: DurableConsumer) -> None:
        ctx = consumer._ctx
        try:
            consumer.run()
        except Exception:
            log.exception("durable %s ended", consumer.name)
        finally:
            consumer.close()
            ctx.term()

    def _stop_durables(self) -> None:
        self._durable_stop.set()
        for consumer in self._consumers:
            consumer.stop()

    def _join_durables(self) -> None:
        for thread in self._consumer_threads:
            thread.join(DURABLE_JOIN_S)
            if thread.is_alive():
                log.error("durable consumer thread %s did not stop within %.0f s", thread.name, DURABLE_JOIN_S)
        self._consumers = []
        self._consumer_threads = []


class _Box:
    """The result of one handler call handed to the handler thread."""

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: Optional[BaseException] = None


def invoke_on(hand_over: Callable[[Callable[[], None]], None], stopping: Callable[[], bool]) -> Callable[[Callable[[], Any]], Any]:
    """An ``invoke`` for :class:`~plexus.durable.DurableConsumer` that runs each call through ``hand_over``
    (onto the plugin's handler thread) and waits for it, raising what it raised; :class:`Stopped` when
    ``stopping()`` becomes true before it ran."""
    def invoke(fn: Callable[[], Any]) -> Any:
        box = _Box()

        def work() -> None:
            try:
                fn()
            except BaseException as exc:  # noqa: B902 - handed back to the consumer thread
                box.error = exc
            finally:
                box.done.set()

        hand_over(work)
        while not box.done.wait(0.1):
            if stopping():
                raise Stopped()
        if box.error is not None:
            raise box.error
        return None
    return invoke

"""The queue from the SDK's I/O thread to the handler thread (see :mod:`plexus.plugin`).

The I/O thread owns the sockets and keeps the session alive; user code runs on the thread that called
``Plugin.run()``. Everything that thread is to do comes through one :class:`HandlerQueue`, oldest first:
events (:class:`~plexus.Event`) and other work (callables: ``on_start``, ``on_reload``, inline service
requests). Only events count against the capacity: the protocol bounds the rest (one ``on_start``, one
config per ``WELCOME`` or ``RELOAD``, one inline request at a time), so work is never refused.

When ``capacity`` events are queued the I/O thread stops reading its SUB socket instead of dropping any
(ZeroMQ keeps the rest, up to the socket's high-water mark). Once the handler thread has taken the queue
down to half, it calls ``on_room()`` (the plugin wakes the I/O thread with it) and reading resumes.

No sockets here: it is unit-tested on its own.
"""

import collections
import threading
from typing import Callable, Deque, Iterable, Optional, Union

from .event import Event

Work = Callable[[], None]
Item = Union[Event, Work]


class HandlerQueue:
    """A FIFO of events and work from one producer (the I/O thread) to one consumer (the handler thread).

    ``get()`` blocks until there is an item, or returns ``None`` once :meth:`close` was called (whatever was
    still queued is discarded: a stopping plugin hands no further event to a handler).
    """

    def __init__(self, capacity: int, on_room: Callable[[], None] = lambda: None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._resume_at = capacity // 2
        self._on_room = on_room
        self._items: Deque[Item] = collections.deque()
        self._events = 0
        self._producer_waits = False  # room() found the queue full: call on_room() when there is room
        self._closed = False
        self._cond = threading.Condition(threading.Lock())

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def events(self) -> int:
        """How many events are queued."""
        return self._events

    def __len__(self) -> int:
        return len(self._items)

    def room(self) -> int:
        """How many more events may be queued now. When none, ``on_room()`` is called once the handler
        thread has taken the queue down to half its capacity."""
        with self._cond:
            free = self.capacity - self._events
            if free <= 0:
                self._producer_waits = True
                return 0
            return free

    def put(self, work: Work) -> bool:
        """Queues work (not counted against the capacity). False when the queue is closed (dropped)."""
        with self._cond:
            if self._closed:
                return False
            self._items.append(work)
            self._cond.notify()
            return True

    def put_many(self, items: Iterable[Item]) -> int:
        """Queues events and work in order; the caller keeps the events within :meth:`room`. Returns how
        many were queued (none once closed)."""
        batch = list(items)
        if not batch:
            return 0
        events = sum(1 for item in batch if isinstance(item, Event))
        with self._cond:
            if self._closed:
                return 0
            self._items.extend(batch)
            self._events += events
            self._cond.notify()
        return len(batch)

    def get(self) -> Optional[Item]:
        """The oldest item, waiting for one as long as it takes; ``None`` once closed."""
        resume = False
        with self._cond:
            while not self._items and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            item = self._items.popleft()
            if isinstance(item, Event):
                self._events -= 1
                if self._producer_waits and self._events <= self._resume_at:
                    self._producer_waits = False
                    resume = True
        if resume:
            self._on_room()
        return item

    def close(self) -> int:
        """From now on :meth:`get` returns ``None`` (at once, also in a thread waiting in it) and nothing
        more is queued. Returns how many items were discarded."""
        with self._cond:
            discarded = len(self._items)
            self._closed = True
            self._items.clear()
            self._events = 0
            self._cond.notify_all()
        return discarded

"""Knowing when the events SUB socket is really connected, from ZeroMQ's socket monitor.

Why: a SUB that has just connected misses what is published before its subscriptions reach the broker
(ZeroMQ's "slow joiner"). The broker publishes ``plexus.mesh.ready`` as soon as the last plugin sends
``READY``, so a plugin that sends ``READY`` right after connecting usually misses the very event its
``READY`` triggered. Waiting (briefly, bounded) for the SUB's handshake before ``READY`` closes most of
that gap: ZeroMQ sends the subscriptions right after the handshake.
"""

import logging
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

log = logging.getLogger("plexus")

# libzmq before 4.3 has no handshake event; "connected" (TCP only) is the best it can tell.
_UP = zmq.EVENT_HANDSHAKE_SUCCEEDED if zmq.zmq_version_info() >= (4, 3) else zmq.EVENT_CONNECTED
_EVENTS = _UP | zmq.EVENT_DISCONNECTED


class LinkWatch:
    """Follows the connection state of one connecting socket.

    ``up`` is True after a handshake succeeded and until a disconnect. ``monitor`` is the PAIR socket
    carrying the events: poll it and call :meth:`read` when readable (unread events would pile up),
    and call :meth:`close` before the socket closes (the context cannot terminate otherwise).
    """

    def __init__(self, sock: zmq.Socket) -> None:
        self._sock = sock
        self.monitor: zmq.Socket = sock.get_monitor_socket(_EVENTS)
        self.up = False

    def reset(self) -> None:
        """Call after connecting to a new endpoint: the state of the old connection no longer counts."""
        self.up = False

    def read(self) -> None:
        """Applies every pending monitor event, without blocking."""
        while self.monitor.poll(0, zmq.POLLIN):
            event = recv_monitor_message(self.monitor)["event"]
            if event == _UP:
                self.up = True
            elif event == zmq.EVENT_DISCONNECTED:
                self.up = False

    def wait(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds for the connection to be up; returns whether it is."""
        deadline = time.monotonic() + timeout
        self.read()
        while not self.up:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.monitor.poll(int(remaining * 1000) + 1, zmq.POLLIN):
                break
            self.read()
        return self.up

    def close(self) -> None:
        try:
            self._sock.disable_monitor()
        except zmq.ZMQError as exc:  # the socket is already closing; nothing left to monitor
            log.debug("disable_monitor: %s", exc)
        self.monitor.close(linger=0)

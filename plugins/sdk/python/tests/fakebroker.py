"""A scripted stand-in for the broker, for loopback tests of the plugin runtime (no Swift build needed).

It binds the three endpoints of section 1 on random loopback ports and lets a test drive the session by
hand: receive what the plugin sent, send WELCOME/RELOAD/STOP, publish stamped events. All sockets live
on the test's thread; the plugin runs ``run()`` on its own thread.
"""

import json
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import zmq

from plexus import Plugin
from plexus import protocol as P

TIMEOUT = 5.0  # seconds; generous, so that a slow CI machine does not fail the tests


class FakeBroker:
    def __init__(self) -> None:
        self.ctx = zmq.Context()
        self.control = self.ctx.socket(zmq.ROUTER)
        self.events_in = self.ctx.socket(zmq.SUB)
        self.events_in.setsockopt(zmq.SUBSCRIBE, b"")
        self.events_out = self.ctx.socket(zmq.XPUB)
        ports = [s.bind_to_random_port("tcp://127.0.0.1") for s in (self.control, self.events_in, self.events_out)]
        self.endpoint, self.in_ep, self.out_ep = (f"tcp://127.0.0.1:{p}" for p in ports)
        self.peer: Optional[bytes] = None
        self.seq = 0
        self.subscriptions: List[bytes] = []

    def close(self) -> None:
        for sock in (self.control, self.events_in, self.events_out):
            sock.close(linger=0)
        self.ctx.term()

    # -- control ------------------------------------------------------------------------------

    def expect(self, command: bytes, timeout: float = TIMEOUT) -> List[bytes]:
        """Waits for ``command`` from the plugin (skipping heartbeats, which it answers) and returns
        its argument frames."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.control.poll(50):
                continue
            peer, *frames = self.control.recv_multipart()
            msg = P.decode_control(frames)
            self.peer = peer
            if msg.command == P.HEARTBEAT:
                self.send(P.HEARTBEAT)
                continue
            if msg.command == command:
                return msg.args
            raise AssertionError(f"expected {command!r} from the plugin, got {msg.command!r}")
        raise AssertionError(f"no {command!r} from the plugin within {timeout} s")

    def send(self, command: bytes, *args: bytes) -> None:
        assert self.peer is not None, "the plugin has not spoken yet"
        self.control.send_multipart([self.peer, *P.encode_plugin(command, *args)])

    def welcome(self, config: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Takes the REGISTER, answers WELCOME, waits for READY; returns the registration."""
        registration = json.loads(self.expect(P.REGISTER)[0])
        self.send(P.WELCOME, P.encode_json({
            "instance": registration["instance"], "broker": "b-test", "config": config or {},
            "heartbeat_ms": 1000, "liveness": 3, "events_in": self.in_ep, "events_out": self.out_ep}))
        self.expect(P.READY)
        return registration

    # -- events -------------------------------------------------------------------------------

    def await_subscriptions(self, *prefixes: bytes, timeout: float = TIMEOUT) -> None:
        """Waits until the plugin's SUB has subscribed to every prefix, so that nothing published
        afterwards is lost to the slow-joiner effect."""
        deadline = time.monotonic() + timeout
        while not all(p in self.subscriptions for p in prefixes):
            if time.monotonic() > deadline:
                raise AssertionError(f"subscriptions {self.subscriptions} lack some of {prefixes}")
            if self.events_out.poll(50):
                frame = self.events_out.recv()
                if frame[:1] == b"\x01":
                    self.subscriptions.append(frame[1:])

    def publish(self, topic: str, payload: Any, source: str = P.BROKER_SOURCE) -> int:
        self.seq += 1
        meta = {"seq": self.seq, "time": int(time.time() * 1_000_000), "source": source}
        self.events_out.send_multipart([topic.encode(), P.encode_payload(payload), P.encode_json(meta)])
        return self.seq


def start(plugin: Plugin) -> Tuple[threading.Thread, List[BaseException]]:
    """Runs ``plugin.run()`` on a daemon thread; exceptions it raises land in the returned list."""
    errors: List[BaseException] = []

    def target() -> None:
        try:
            plugin.run(handle_signals=False)
        except BaseException as exc:  # noqa: B902 - reported to the test
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"plugin-{plugin.name}", daemon=True)
    thread.start()
    return thread, errors


def wait_for(predicate: Any, timeout: float = TIMEOUT) -> None:
    """Polls ``predicate()`` until it is true; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)

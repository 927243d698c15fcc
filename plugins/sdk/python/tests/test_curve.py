"""CurveZMQ against a real broker with ``security.curve`` on (docs/SECURITY.md): a raw pyzmq client with the
right key is answered, one with a wrong key and one without a key get nothing (only a monitor event) and the
broker counts the refusals; the SDK's Client raises KeyRefused instead of timing out; a supervised Python
plugin gets its keys from the broker's environment and registers, receives and publishes unchanged."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from typing import List, Optional

import zmq

from plexus import Client, CurveKeys, KeyRefused
from plexus import curve as C
from plexus import protocol as P
from tests.harness import TIMEOUT, BrokerProcess, wait_for
from tests.harness import curve_keypair as keypair

PLUGIN = textwrap.dedent("""\
    import sys
    from plexus import Plugin

    plugin = Plugin("pyrelay", version="1.0.0")

    @plugin.on("curve.in")
    def relay(event):
        plugin.publish("curve.out", event.data)

    plugin.run()
    """)


class CurveBroker(unittest.TestCase):
    """One broker with CURVE on, the client ``tester`` known, the plugin ``pyrelay`` supervised."""

    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="plexus-curve-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.server_public, server_secret = keypair()
        self.tester_public, self.tester_secret = keypair()
        with open(os.path.join(self.tmp, "broker.key"), "w", encoding="utf-8") as f:
            f.write(server_secret + "\n")
        script = os.path.join(self.tmp, "pyrelay.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(PLUGIN)
        topology = os.path.join(self.tmp, "topology.yaml")
        with open(topology, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(f"""\
                security:
                  curve: true
                  secret_key_file: broker.key
                  clients:
                    tester: {{public_key: "{self.tester_public}"}}
                  # These tests are about authentication: every known identity may do everything.
                  default_permissions: {{publish: [">"], subscribe: [">"], serve: [">"], call: [">"], admin: ["*"]}}
                plugins:
                  pyrelay:
                    command: [{json.dumps(sys.executable)}, {json.dumps(script)}]
                """))
        self.broker = BrokerProcess(self.tmp, topology)
        self.addCleanup(self.broker.stop)
        self.broker.start()
        self.keys = CurveKeys(self.tester_secret, self.tester_public, self.server_public)
        self.client = Client(self.broker.control, timeout=5.0, curve=self.keys)
        self.addCleanup(self.client.close)
        self.ctx = zmq.Context()
        self.addCleanup(self.ctx.destroy, 0)

    def raw_dealer(self, keys: Optional[CurveKeys]) -> "zmq.Socket[bytes]":
        sock = self.ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        C.apply(sock, keys)
        self.addCleanup(sock.close, 0)
        return sock

    def ping(self, sock: "zmq.Socket[bytes]", timeout: float) -> Optional[List[bytes]]:
        sock.send_multipart(P.encode_request(P.PING, b"1"))
        if not sock.poll(int(timeout * 1000), zmq.POLLIN):
            return None
        return sock.recv_multipart()

    def test_ready_file_and_discover_carry_the_broker_key(self) -> None:
        self.assertEqual(self.broker.endpoints.get("curve_public_key"), self.server_public)
        self.assertEqual(self.client.discover().get("curve_public_key"), self.server_public)

    def test_right_key_is_answered(self) -> None:
        sock = self.raw_dealer(self.keys)
        sock.connect(self.broker.control)
        reply = self.ping(sock, TIMEOUT)
        self.assertIsNotNone(reply, "no answer to PING with a known key")
        assert reply is not None
        self.assertIn(P.CLIENT, reply)
        self.assertIn(P.OK, reply)

    def test_wrong_key_gets_only_a_monitor_event(self) -> None:
        public, secret = keypair()
        stranger = CurveKeys(secret, public, self.server_public)
        sock = self.raw_dealer(stranger)
        monitor = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        self.addCleanup(monitor.close, 0)
        sock.connect(self.broker.control)
        self.assertIsNone(self.ping(sock, 1.0))
        self.assertTrue(monitor.poll(int(TIMEOUT * 1000)), "no handshake event")
        frames = monitor.recv_multipart()
        self.assertEqual(int.from_bytes(frames[0][:2], "little"), zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        self.assertEqual(int.from_bytes(frames[0][2:6], "little"), 400)
        # The SDK's Client says so at once instead of timing out.
        refused = Client(self.broker.control, timeout=5.0, curve=stranger)
        self.addCleanup(refused.close)
        started = time.monotonic()
        with self.assertRaises(KeyRefused):
            refused.ping()
        self.assertLess(time.monotonic() - started, 4.0)
        counted = wait_for(lambda: self.client.stats()["malformed"].get("auth") or None, what="auth counted")
        self.assertGreaterEqual(counted, 2)

    def test_attached_plugin_with_unknown_key_exits_77(self) -> None:
        public, secret = keypair()
        env = dict(os.environ, PLEXUS_BROKER=self.broker.control, PLEXUS_CURVE_SECRET_KEY=secret,
                   PLEXUS_CURVE_SERVER_KEY=self.server_public)
        env.pop("PLEXUS_INSTANCE", None)
        started = time.monotonic()
        proc = subprocess.run([sys.executable, os.path.join(self.tmp, "pyrelay.py")], env=env, cwd=self.tmp,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT * 2)
        self.assertEqual(proc.returncode, C.DENIED_EXIT, proc.stderr.decode(errors="replace")[-2000:])
        self.assertIn(C.DENIED_MESSAGE, proc.stderr.decode(errors="replace"))
        self.assertLess(time.monotonic() - started, TIMEOUT, "the plugin took long to exit")

    def test_no_key_gets_nothing(self) -> None:
        sock = self.raw_dealer(None)
        sock.connect(self.broker.control)
        self.assertIsNone(self.ping(sock, 1.5))

    def test_supervised_python_plugin_registers_receives_and_publishes(self) -> None:
        instance = wait_for(
            lambda: next((i for i in self.client.status() if i["name"] == "pyrelay" and i["state"] == "running"),
                         None), what="pyrelay running")
        sub = self.ctx.socket(zmq.SUB)
        self.addCleanup(sub.close, 0)
        sub.setsockopt(zmq.LINGER, 0)
        C.apply(sub, self.keys)
        sub.setsockopt(zmq.SUBSCRIBE, b"curve.out")
        sub.connect(self.client.discover()["events_out"])
        received = None
        deadline = time.monotonic() + TIMEOUT
        while received is None and time.monotonic() < deadline:
            self.client.publish("curve.in", b"hello")
            if sub.poll(200, zmq.POLLIN):
                received = sub.recv_multipart()
        self.assertIsNotNone(received, "no curve.out from the supervised plugin")
        assert received is not None
        self.assertEqual(received[1], b"hello")
        self.assertEqual(json.loads(received[2])["source"], instance["instance"])


if __name__ == "__main__":
    unittest.main()

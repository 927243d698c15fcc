"""Permissions against a real broker with ``security.curve`` (docs/SECURITY.md, "Permissions"), from raw pyzmq
sockets: a SUB whose prefix the permissions cover receives, one whose prefix reaches further is never applied
(``ZMQ_XPUB_MANUAL``); a PUB's refused topic reaches nobody; a refused command is answered ``ERR`` 403 on an
open connection; each violation is counted in ``STATS``, published on ``plexus.security.violation`` and
audited."""

import json
import os
import shutil
import tempfile
import textwrap
import time
import unittest
from typing import Any, Dict, List, Optional

import zmq

from plexus import Client, CurveKeys, PlexusError
from plexus import curve as C
from plexus import protocol as P
from tests.harness import TIMEOUT, BrokerProcess, wait_for
from tests.harness import curve_keypair as keypair

VIOLATION_TOPIC = b"plexus.security.violation"


class PermissionsBroker(unittest.TestCase):
    """A broker with CURVE: ``admin`` may watch everything, ``reader`` has narrow permissions."""

    def setUp(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="plexus-perm-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        server_public, server_secret = keypair()
        admin_public, admin_secret = keypair()
        reader_public, reader_secret = keypair()
        with open(os.path.join(self.tmp, "broker.key"), "w", encoding="utf-8") as f:
            f.write(server_secret + "\n")
        topology = os.path.join(self.tmp, "topology.yaml")
        with open(topology, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(f"""\
                security:
                  curve: true
                  secret_key_file: broker.key
                  clients:
                    admin:
                      public_key: "{admin_public}"
                      permissions: {{admin: ["*"], publish: [">"], subscribe: [">"], call: [">"]}}
                    reader:
                      public_key: "{reader_public}"
                      permissions:
                        - {{resource: admin, actions: [status]}}
                        - {{resource: event_bus, actions: [subscribe], patterns: ["sensors.*.temperature"]}}
                        - {{resource: event_bus, actions: [publish], patterns: ["sensors.hall.>"]}}
                plugins: {{}}
                """))
        self.broker = BrokerProcess(self.tmp, topology)
        self.addCleanup(self.broker.stop)
        self.broker.start()
        self.admin_keys = CurveKeys(admin_secret, admin_public, server_public)
        self.reader_keys = CurveKeys(reader_secret, reader_public, server_public)
        self.admin = Client(self.broker.control, timeout=5.0, curve=self.admin_keys)
        self.addCleanup(self.admin.close)
        self.ctx = zmq.Context()
        self.addCleanup(self.ctx.destroy, 0)
        self.violations = self.sub(self.admin_keys, VIOLATION_TOPIC)
        # Live before any test makes a violation, so that none is missed (a SUB joins asynchronously).
        wait_for(lambda: self.admin.stats()["subscriptions"] >= 1 or None, what="the violation subscription")

    def socket(self, kind: int, keys: CurveKeys) -> "zmq.Socket[bytes]":
        sock = self.ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        C.apply(sock, keys)
        self.addCleanup(sock.close, 0)
        return sock

    def sub(self, keys: CurveKeys, prefix: bytes) -> "zmq.Socket[bytes]":
        sock = self.socket(zmq.SUB, keys)
        sock.setsockopt(zmq.SUBSCRIBE, prefix)
        sock.connect(self.broker.endpoints["events_out"])
        return sock

    @staticmethod
    def receive(sock: "zmq.Socket[bytes]", timeout: float) -> Optional[List[bytes]]:
        if not sock.poll(int(timeout * 1000), zmq.POLLIN):
            return None
        return sock.recv_multipart()

    def violation(self, verb: str, target: str) -> Dict[str, Any]:
        """The next violation event about ``verb`` on ``target``."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            frames = self.receive(self.violations, deadline - time.monotonic())
            if frames is None:
                break
            event: Dict[str, Any] = json.loads(frames[1])
            if event.get("verb") == verb and event.get("target") == target:
                return event
        self.fail(f"no {verb} violation on {target!r}: {self.broker.log_tail()}")

    def test_subscriptions_are_applied_only_where_the_permissions_cover_them(self) -> None:
        exact = self.sub(self.reader_keys, b"sensors.kitchen.temperature")
        wide = self.sub(self.reader_keys, b"sensors.")
        self.violation("subscribe", "sensors.")

        def delivered() -> Optional[List[bytes]]:
            self.admin.publish("sensors.kitchen.humidity", b"60")
            self.admin.publish("sensors.kitchen.temperature", b"21")
            return self.receive(exact, 0.05)

        frames = wait_for(delivered, what="an event on the covered prefix")
        self.assertEqual(frames[0], b"sensors.kitchen.temperature")
        # The refused prefix was never applied: nothing at all arrives on it.
        self.assertIsNone(self.receive(wide, 0.3))
        self.assertEqual(self.admin.stats()["violations"]["subscribe"], 1)
        records = json.loads(wait_for(lambda: next((f for f in self.admin.request(b"AUDIT")
                                                      if b"violation.subscribe" in f), None),
                                      what="the audit record"))
        self.assertTrue(any(r["action"] == "violation.subscribe" and r["actor"]["name"] == "reader" for r in records))

    def test_a_refused_topic_reaches_nobody(self) -> None:
        everything = self.sub(self.admin_keys, b"sensors.")
        pub = self.socket(zmq.PUB, self.reader_keys)
        pub.setsockopt(zmq.SNDHWM, 0)
        pub.connect(self.broker.endpoints["events_in"])

        def allowed() -> Optional[List[bytes]]:
            pub.send_multipart([b"sensors.hall.temperature", b"19"])
            return self.receive(everything, 0.05)

        first = wait_for(allowed, what="the allowed event")
        self.assertEqual(first[0], b"sensors.hall.temperature")
        self.assertEqual(json.loads(first[2])["source"], "reader")
        pub.send_multipart([b"sensors.kitchen.temperature", b"22"])
        pub.send_multipart([b"sensors.hall.done", b""])
        event = self.violation("publish", "sensors.kitchen.temperature")
        self.assertEqual(event["actor"], "reader")
        self.assertEqual(event["key"], self.reader_keys.public)
        seen = []
        for _ in range(50):
            frames = self.receive(everything, TIMEOUT)
            self.assertIsNotNone(frames, "the event after the refused one did not arrive")
            assert frames is not None
            seen.append(frames[0])
            if frames[0] == b"sensors.hall.done":
                break
        self.assertNotIn(b"sensors.kitchen.temperature", seen)
        with open(self.broker.log_path, encoding="utf-8", errors="replace") as f:
            self.assertIn('publish violation: client "reader", topic "sensors.kitchen.temperature"', f.read())

    def test_a_refused_command_is_answered_403_and_the_connection_stays(self) -> None:
        dealer = self.socket(zmq.DEALER, self.reader_keys)
        dealer.connect(self.broker.control)
        dealer.send_multipart(P.encode_request(P.RESTART, b"1", b"web"))
        reply = self.receive(dealer, TIMEOUT)
        assert reply is not None, "no answer to RESTART"
        self.assertIn(P.ERR, reply)
        error = json.loads(reply[-1])
        self.assertEqual(error["code"], 403)
        self.assertIn("admin action 'restart'", error["message"])
        dealer.send_multipart(P.encode_request(P.STATUS, b"2"))
        status = self.receive(dealer, TIMEOUT)
        assert status is not None, "no answer to STATUS after the refusal"
        self.assertIn(P.OK, status)
        self.assertEqual(self.violation("admin", "restart")["kind"], "client")
        # The SDK's Client raises the broker's error.
        reader = Client(self.broker.control, timeout=5.0, curve=self.reader_keys)
        self.addCleanup(reader.close)
        with self.assertRaises(PlexusError) as raised:
            reader.publish("user.created", b"{}")
        self.assertEqual(raised.exception.code, 403)


if __name__ == "__main__":
    unittest.main()

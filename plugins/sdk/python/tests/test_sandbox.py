"""The broker's ``ipc://`` endpoints from the Python SDK (docs/SECURITY.md, "Sandbox"): ``DISCOVER``
names them, and a ``Client`` that reached the broker over ipc gets the ipc event endpoints, as a plugin
sandboxed without network needs."""

import unittest

from plexus import Client
from tests.harness import BrokerProcess, TempDir, broker_binary


class IPCDiscoverTest(unittest.TestCase):
    def test_a_client_over_ipc_gets_the_ipc_event_endpoints(self) -> None:
        broker_binary()
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        broker = BrokerProcess(tmp.path)
        self.addCleanup(broker.stop)
        broker.start()
        over_tcp = broker.client().discover()
        ipc = over_tcp["ipc"]
        self.assertTrue(ipc["control"].startswith("ipc://") and ipc["control"].endswith("/control.sock"), ipc)
        self.assertTrue(over_tcp["events_out"].startswith("tcp://"), over_tcp)
        client = Client(ipc["control"], timeout=5.0)
        self.addCleanup(client.close)
        self.assertEqual(client.ping()["broker"], over_tcp["broker"])
        over_ipc = client.discover()
        self.assertEqual((over_ipc["events_in"], over_ipc["events_out"]), (ipc["events_in"], ipc["events_out"]))


if __name__ == "__main__":
    unittest.main()

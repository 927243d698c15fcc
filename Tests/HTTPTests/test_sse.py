"""GET /api/v1/events/stream: live events as SSE with id = seq, resume with Last-Event-ID (header or
query) from the event log without a gap or a duplicate, heartbeats, and typed plugin events."""

import json
import unittest
from typing import Dict, List

from .support import HTTPBroker, SSEReader, TIMEOUT, problem


def data(events: List[Dict[str, str]]) -> List[Dict[str, object]]:
    return [json.loads(e["data"]) for e in events]


class StreamTest(unittest.TestCase):
    http: HTTPBroker

    @classmethod
    def setUpClass(cls) -> None:
        cls.http = HTTPBroker(plugins=["streamer"])
        cls.http.start()
        cls.http.wait_state("streamer", "running")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.http.stop()

    def stream(self, **params: str) -> object:
        return self.http.get("/api/v1/events/stream", params=params, stream=True, timeout=(5, 5))

    def publish(self, topic: str, payload: object) -> int:
        reply = self.http.post("/api/v1/events", json={"topic": topic, "payload": payload})
        self.assertEqual(reply.status_code, 200, reply.text)
        seq: int = reply.json()["seq"]
        return seq

    def test_live_events_and_heartbeat(self) -> None:
        with self.http.get("/api/v1/events/stream", params={"pattern": "live.>", "system": "false"}, stream=True,
                           timeout=(5, 5)) as response:
            reader = SSEReader(response)
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.headers["Content-Type"].startswith("text/event-stream"))
            reader.next(1, keep=lambda e: e.get("comment") == "connected")
            # The SUB's subscription takes a moment to reach the broker: publish until one arrives.
            seqs = [self.publish("live.a", {"n": 0})]

            def keep(event: Dict[str, str]) -> bool:
                if "data" in event:
                    return True
                seqs.append(self.publish("live.a", {"n": 0}))
                return False
            first = reader.next(1, keep=keep)
            got = json.loads(first[0]["data"])
            self.assertIn(got["seq"], seqs)
            self.assertEqual(first[0]["id"], str(got["seq"]))
            self.assertNotIn("event", first[0])
            heartbeat = reader.next(1, timeout=5, keep=lambda e: e.get("comment") == "heartbeat")
            self.assertEqual(heartbeat[0]["comment"], "heartbeat")

    def test_resume_with_last_event_id_has_no_gap_or_duplicate(self) -> None:
        seqs = [self.publish("resume.t", {"n": n}) for n in range(6)]
        # The client saw up to seqs[1]; it reconnects with Last-Event-ID and must get seqs[2:], once each.
        with self.http.get("/api/v1/events/stream", params={"pattern": "resume.>", "system": "false"},
                           headers={"Last-Event-ID": str(seqs[1])}, stream=True, timeout=(5, 5)) as response:
            reader = SSEReader(response)
            events = reader.next(4, timeout=TIMEOUT, keep=lambda e: "data" in e)
            self.assertEqual([int(e["id"]) for e in events], seqs[2:])
            later = self.publish("resume.t", {"n": 6})
            more = reader.next(1, keep=lambda e: "data" in e)
            self.assertEqual(int(more[0]["id"]), later)
        # The query form (EventSource cannot set the header on its first connect).
        with self.http.get("/api/v1/events/stream", params={"pattern": "resume.>", "system": "false",
                                                            "last_event_id": str(seqs[4])},
                           stream=True, timeout=(5, 5)) as response:
            reader = SSEReader(response)
            events = reader.next(2, keep=lambda e: "data" in e)
            self.assertEqual([int(e["id"]) for e in events], [seqs[5], later])

    def test_plugin_state_changes_are_typed_events(self) -> None:
        with self.http.get("/api/v1/events/stream", params={"pattern": "nothing.>"}, stream=True,
                           timeout=(5, 5)) as response:
            reader = SSEReader(response)
            reader.next(1, keep=lambda e: e.get("comment") == "connected")
            # Restart until a plugin event arrives (the subscription may not be in place for the first).
            self.http.post("/api/v1/plugins/streamer/restart")
            events = reader.next(1, timeout=20, keep=lambda e: e.get("event") == "plugin")
            body = json.loads(events[0]["data"])
            self.assertTrue(body["topic"].startswith("plexus.plugin."))
        self.http.wait_state("streamer", "running")

    def test_bad_stream_parameters(self) -> None:
        problem(self.http.get("/api/v1/events/stream", params={"pattern": "a..b"}), 400)
        problem(self.http.get("/api/v1/events/stream", headers={"Last-Event-ID": "abc"}), 400)


class OverflowTest(unittest.TestCase):
    def test_a_slow_client_is_told_of_its_overflow(self) -> None:
        http = HTTPBroker(extra_args=["--http-stream-queue", "4"])
        http.start()
        try:
            with http.get("/api/v1/events/stream", params={"pattern": "flood.>", "system": "false"}, stream=True,
                          timeout=(5, 30)) as response:
                reader = SSEReader(response)
                reader.next(1, keep=lambda e: e.get("comment") == "connected")
                # The client reads nothing while 20 MB go by: the socket's buffers fill, then its queue.
                payload = "x" * 100_000
                for n in range(200):
                    self.assertEqual(http.post("/api/v1/events", json={"topic": "flood.a", "payload": payload}).status_code,
                                     200)
                overflow = reader.next(1, timeout=60, keep=lambda e: e.get("event") == "overflow")
                counts = json.loads(overflow[0]["data"])
                self.assertGreater(counts["dropped"], 0)
            self.assertIn("SSE client too slow", http.broker.log_tail(200))
            metrics = http.get("/metrics").text
            self.assertRegex(metrics, r"plexus_http_sse_dropped_total [1-9]")
        finally:
            http.stop()


if __name__ == "__main__":
    unittest.main()

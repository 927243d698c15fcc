"""Every /api/v1 route against a live broker with one supervised test plugin: lists and paging,
lifecycle, logs, topology, topics, events, replay, services, tasks, and problem+json errors."""

import json
import unittest
from typing import Any, Dict, List

from .support import HTTPBroker, SSEReader, problem, wait_for


class APITest(unittest.TestCase):
    http: HTTPBroker

    @classmethod
    def setUpClass(cls) -> None:
        cls.http = HTTPBroker(plugins=["worker", "helper"])
        cls.http.start()
        cls.http.wait_state("worker", "running")
        cls.http.wait_state("helper", "running")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.http.stop()

    def test_health(self) -> None:
        self.assertEqual(self.http.get("/healthz").json()["status"], "ok")
        ready = self.http.get("/readyz")
        self.assertEqual(ready.status_code, 200, ready.text)
        self.assertTrue(ready.json()["ready"])

    def test_overview(self) -> None:
        body = self.http.get("/api/v1/broker").json()
        self.assertTrue(body["ping"]["pong"])
        self.assertIn("events_in", body["stats"])
        self.assertEqual(body["stats"]["topics"], {})
        self.assertTrue(body["discover"]["control"].startswith("tcp://"))
        self.assertEqual(sum(body["plugins_by_state"].values()), 2)

    def test_plugins_list_paging_sort_filter(self) -> None:
        # STATUS's order: the topology's.
        body = self.http.get("/api/v1/plugins").json()
        names = [i["name"] for i in body["items"]]
        self.assertEqual(names, ["worker", "helper"])
        self.assertEqual(body["page"]["total"], 2)
        page = self.http.get("/api/v1/plugins", params={"limit": 1, "offset": 1}).json()
        self.assertEqual([i["name"] for i in page["items"]], ["helper"])
        self.assertEqual(page["page"]["offset"], 1)
        self.assertIsNone(page["page"].get("next_offset"))
        first = self.http.get("/api/v1/plugins", params={"limit": 1}).json()
        self.assertEqual(first["page"]["next_offset"], 1)
        desc = self.http.get("/api/v1/plugins", params={"sort": "-name"}).json()
        self.assertEqual([i["name"] for i in desc["items"]], ["worker", "helper"])
        filtered = self.http.get("/api/v1/plugins", params={"name": "WORK"}).json()
        self.assertEqual([i["name"] for i in filtered["items"]], ["worker"])
        self.assertEqual(filtered["page"]["total"], 1)

    def test_bad_query_parameters_are_400_problems(self) -> None:
        for params in ({"limit": "abc"}, {"limit": 0}, {"limit": 10001}, {"offset": -1}, {"sort": "colour"}):
            with self.subTest(params=params):
                body = problem(self.http.get("/api/v1/plugins", params=params), 400)
                self.assertEqual(body["error"], "bad_request")

    def test_plugin_detail_and_unknown(self) -> None:
        body = self.http.get("/api/v1/plugins/worker").json()
        self.assertEqual(body["name"], "worker")
        self.assertEqual(body["instances"][0]["state"], "running")
        self.assertIsInstance(body.get("config", {}), dict)
        problem(self.http.get("/api/v1/plugins/nope"), 404)

    def test_lifecycle_restart_counts(self) -> None:
        before = self.http.get("/api/v1/plugins/helper").json()["instances"][0]
        reply = self.http.post("/api/v1/plugins/helper/restart")
        self.assertEqual(reply.status_code, 200, reply.text)
        self.assertIsInstance(reply.json(), list)
        wait_for(lambda: self.http.get("/api/v1/plugins/helper").json()["instances"][0]["pid"] != before["pid"]
                 and self.http.get("/api/v1/plugins/helper").json()["instances"][0]["state"] == "running",
                 20, "helper restarted")
        body = problem(self.http.post("/api/v1/plugins/nope/restart"), 404)
        self.assertEqual(body["code"], 404)
        self.assertIn("nope", body["detail"])

    def test_stop_and_start(self) -> None:
        self.assertEqual(self.http.post("/api/v1/plugins/helper/stop").status_code, 200)
        self.http.wait_state("helper", "stopped")
        self.assertEqual(self.http.post("/api/v1/plugins/helper/start").status_code, 200)
        self.http.wait_state("helper", "running")
        reload = self.http.post("/api/v1/plugins/helper/reload")
        self.assertEqual(reload.status_code, 200, reload.text)
        self.assertIn("instances", reload.json())

    def test_logs(self) -> None:
        body = self.http.get("/api/v1/plugins/worker/logs", params={"tail": 5}).json()
        self.assertLessEqual(len(body["lines"]), 5)
        self.assertIn("next", body)
        problem(self.http.get("/api/v1/plugins/worker/logs", params={"tail": -1}), 400)

    def test_logs_follow_streams_sse(self) -> None:
        with self.http.get("/api/v1/plugins/worker/logs", params={"follow": "1", "tail": 0},
                           stream=True, timeout=(5, 5)) as response:
            reader = SSEReader(response)
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.headers["Content-Type"].startswith("text/event-stream"))
            # The restart makes the SDK log; its lines arrive as `event: log`.
            self.http.post("/api/v1/plugins/worker/restart")
            events = reader.next(1, 20, keep=lambda e: e.get("event") == "log")
            line = json.loads(events[0]["data"])
            self.assertEqual(events[0]["id"], str(line["seq"]))
        self.http.wait_state("worker", "running")

    def test_topology(self) -> None:
        body = self.http.get("/api/v1/topology").json()
        self.assertEqual(body["path"], self.http.topology)
        self.assertIn("worker", body["yaml"])
        raw = self.http.get("/api/v1/topology", params={"format": "yaml"})
        self.assertTrue(raw.headers["Content-Type"].startswith("application/yaml"))
        with open(self.http.topology, encoding="utf-8") as f:
            same = f.read()
        plan = self.http.post("/api/v1/topology/apply", data=same, headers={"Content-Type": "application/yaml"})
        self.assertEqual(plan.status_code, 200, plan.text)
        self.assertEqual(sorted(plan.json()["unchanged"]), ["helper", "worker"])
        # A dry run answers the plan for a topology without helper, and stops nothing.
        without = same.split("  helper:")[0]
        dry = self.http.post("/api/v1/topology/apply", params={"dry_run": "true"}, data=without)
        self.assertEqual(dry.status_code, 200, dry.text)
        self.assertEqual(dry.json()["stop"], ["helper"])
        self.assertEqual(self.http.get("/api/v1/plugins/helper").json()["instances"][0]["state"], "running")
        problem(self.http.post("/api/v1/topology/apply", data="plugins: [1, 2"), 400)
        problem(self.http.post("/api/v1/topology/apply", data=""), 400)

    def test_publish_topics_log_replay_last(self) -> None:
        seqs = []
        for n in range(3):
            reply = self.http.post("/api/v1/events", json={"topic": f"api.topic{n}", "payload": {"n": n}})
            self.assertEqual(reply.status_code, 200, reply.text)
            seqs.append(reply.json()["seq"])
        text = self.http.post("/api/v1/events", json={"topic": "api.text", "payload": "hello", "headers": {"k": "v"}})
        last = self.http.get("/api/v1/events/last/api.text").json()
        self.assertEqual((last["payload"], last["payload_encoding"], last["headers"]["k"]), ("hello", "text", "v"))
        self.assertEqual(last["seq"], text.json()["seq"])
        problem(self.http.get("/api/v1/events/last/api.never"), 404)

        topics = self.http.get("/api/v1/topics", params={"name": "api.topic"}).json()
        self.assertEqual([t["topic"] for t in topics["items"]], ["api.topic0", "api.topic1", "api.topic2"])
        self.assertEqual(topics["items"][0]["count"], 1)
        by_seq = self.http.get("/api/v1/topics", params={"name": "api.topic", "sort": "-last_seq", "limit": 2}).json()
        self.assertEqual([t["topic"] for t in by_seq["items"]], ["api.topic2", "api.topic1"])
        self.assertEqual(by_seq["page"]["total"], 3)
        paged = self.http.get("/api/v1/topics", params={"limit": 1}).json()
        self.assertEqual(len(paged["items"]), 1)

        log = self.http.get("/api/v1/events/log").json()
        self.assertGreaterEqual(log["head_seq"], seqs[-1])
        replay = self.http.get("/api/v1/events/replay", params={"pattern": "api.>", "from_seq": seqs[0]}).json()
        self.assertEqual([e["seq"] for e in replay["events"]][:3], seqs)
        self.assertEqual(replay["events"][1]["payload"], {"n": 1})
        problem(self.http.get("/api/v1/events/replay"), 400)
        problem(self.http.get("/api/v1/events/replay", params={"pattern": ">", "from_seq": 1, "last": 2}), 400)

    def test_publish_errors(self) -> None:
        problem(self.http.post("/api/v1/events", data="{"), 400)
        problem(self.http.post("/api/v1/events", json={"payload": 1}), 400)
        problem(self.http.post("/api/v1/events", json={"topic": "bad topic with spaces"}), 400)
        big = self.http.post("/api/v1/events", data=b"x" * (2 << 20))
        problem(big, 413)

    def test_services(self) -> None:
        body = self.http.get("/api/v1/services").json()
        self.assertIn("items", body)
        missing = problem(self.http.post("/api/v1/services/no.such/call", data=b"{}"), 404)
        self.assertEqual(missing["code"], 404)
        problem(self.http.post("/api/v1/services/no.such/call", params={"timeout_ms": 0}), 400)

    def test_tasks(self) -> None:
        created = self.http.post("/api/v1/tasks", json={"id": "api-t1", "every": "1h", "topic": "api.tick"})
        self.assertEqual(created.status_code, 201, created.text)
        self.assertEqual(created.json()["id"], "api-t1")
        problem(self.http.post("/api/v1/tasks", json={"id": "api-t1", "every": "1h", "topic": "api.tick"}), 409)
        bad = problem(self.http.post("/api/v1/tasks", json={"id": "api-bad", "cron": "61 * * * *", "topic": "x"}), 400)
        self.assertIn("61", bad["detail"])
        listed = self.http.get("/api/v1/tasks").json()
        self.assertIn("api-t1", [t["id"] for t in listed["items"]])
        self.assertEqual(self.http.post("/api/v1/tasks/api-t1/trigger").status_code, 200)
        wait_for(lambda: self.http.get("/api/v1/tasks/api-t1").json()["history"], 10, "a run in the history")
        self.assertEqual(self.http.post("/api/v1/tasks/api-t1/pause").json()["state"], "paused")
        problem(self.http.post("/api/v1/tasks/api-t1/pause"), 409)
        self.assertNotEqual(self.http.post("/api/v1/tasks/api-t1/resume").json()["state"], "paused")
        self.assertEqual(self.http.post("/api/v1/tasks/api-t1/cancel").json()["state"], "canceled")
        self.assertEqual(self.http.delete("/api/v1/tasks/api-t1").json(), {"removed": "api-t1"})
        problem(self.http.get("/api/v1/tasks/api-t1"), 404)
        problem(self.http.delete("/api/v1/tasks/api-t1"), 404)

    def test_unknown_route_and_method(self) -> None:
        problem(self.http.get("/api/v1/nothing"), 404)
        response = self.http.get("/api/v1/events")
        self.assertGreaterEqual(response.status_code, 400)
        self.assertTrue(response.headers["Content-Type"].startswith("application/problem+json"))

    def test_head_and_method_not_allowed(self) -> None:
        head = self.http.session.head(self.http.url + "/api/v1/plugins", timeout=10)
        self.assertEqual(head.status_code, 200)
        self.assertEqual(head.content, b"")
        self.assertEqual(self.http.session.head(self.http.url + "/", timeout=10).status_code, 200)
        wrong = self.http.delete("/api/v1/plugins")
        problem(wrong, 405)
        self.assertEqual(wrong.headers["Allow"], "GET")

    def test_console_and_openapi(self) -> None:
        index = self.http.get("/")
        self.assertEqual(index.status_code, 200)
        self.assertTrue(index.headers["Content-Type"].startswith("text/html"))
        problem(self.http.get("/console/no-such-file.js"), 404)
        doc: Dict[str, Any] = self.http.get("/api/v1/openapi.json").json()
        self.assertEqual(doc["openapi"], "3.1.0")
        paths: List[str] = list(doc["paths"])
        for path in ("/api/v1/plugins", "/api/v1/events/stream", "/exts", "/scheduler/status", "/metrics"):
            self.assertIn(path, paths)


if __name__ == "__main__":
    unittest.main()

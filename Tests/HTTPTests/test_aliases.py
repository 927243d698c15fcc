"""The seeds' routes (NCore's /exts, the distributed-service framework's /plugins and /scheduler) with
their response shapes, through the same commands as /api/v1."""

import unittest

from .support import HTTPBroker, problem, wait_for


class AliasTest(unittest.TestCase):
    http: HTTPBroker

    @classmethod
    def setUpClass(cls) -> None:
        cls.http = HTTPBroker(plugins=["greeter"])
        cls.http.start()
        cls.http.wait_state("greeter", "running")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.http.stop()

    def test_exts(self) -> None:
        body = self.http.get("/exts").json()
        self.assertEqual([e["name"] for e in body["extensions"]], ["greeter"])
        self.assertEqual(body["extensions"][0]["state"], "loaded")
        unload = self.http.post("/exts/unload", json={"name": "greeter"})
        self.assertEqual(unload.status_code, 200, unload.text)
        self.assertEqual(unload.json()["action"], "unload")
        self.http.wait_state("greeter", "stopped")
        self.assertEqual(self.http.post("/exts/load", params={"name": "greeter"}).status_code, 200)
        self.http.wait_state("greeter", "running")
        self.assertEqual(self.http.post("/exts/reload", json={"name": "greeter"}).status_code, 200)
        problem(self.http.post("/exts/load", json={"name": "nope"}), 404)
        problem(self.http.post("/exts/load", data="{}"), 400)

    def test_plugins_status_and_restart(self) -> None:
        body = self.http.get("/plugins/status").json()
        self.assertEqual((body["code"], body["message"]), (200, "success"))
        self.assertEqual(body["data"]["plugins"][0]["name"], "greeter")
        pid = body["data"]["plugins"][0]["pid"]
        restarted = self.http.post("/plugins/greeter/restart").json()
        self.assertEqual(restarted["data"]["name"], "greeter")
        wait_for(lambda: [i for i in self.http.wait_state("greeter", "running") if i["pid"] != pid], 20, "new pid")

    def test_events_test(self) -> None:
        body = self.http.post("/plugins/events/test").json()
        self.assertEqual(body["data"]["topic"], "events.test")
        custom = self.http.post("/plugins/events/test", json={"topic": "seed.test", "payload": {"a": 1}}).json()
        self.assertGreater(custom["data"]["seq"], body["data"]["seq"])

    def test_scheduler(self) -> None:
        created = self.http.post("/scheduler/tasks", json={
            "id": "seed-task", "name": "my task", "description": "from the seed",
            "schedule": {"type": "interval", "interval": "30s", "max_runs": 10}})
        self.assertEqual(created.status_code, 201, created.text)
        self.assertEqual(created.json()["data"]["task"]["id"], "seed-task")
        listed = self.http.get("/scheduler/tasks").json()
        self.assertIn("seed-task", [t["id"] for t in listed["data"]["tasks"]])
        one = self.http.get("/scheduler/tasks/seed-task").json()
        self.assertEqual(one["data"]["task"]["definition"]["target"], {"topic": "scheduler.seed-task"})
        self.assertEqual(self.http.post("/scheduler/tasks/seed-task/pause").json()["data"]["task"]["state"], "paused")
        self.assertNotEqual(self.http.post("/scheduler/tasks/seed-task/resume").json()["data"]["task"]["state"], "paused")
        self.assertEqual(self.http.post("/scheduler/tasks/seed-task/cancel").json()["data"]["task"]["state"], "canceled")
        status = self.http.get("/scheduler/status").json()["data"]
        self.assertTrue(status["running"])
        self.assertGreaterEqual(status["task_count"], 1)
        problem(self.http.post("/scheduler/tasks", json={"id": "x", "schedule": {"type": "weekly"}}), 400)
        problem(self.http.get("/scheduler/tasks/none"), 404)


if __name__ == "__main__":
    unittest.main()

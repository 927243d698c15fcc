"""Scheduled tasks against the real broker (docs/PROTOCOL.md, section 9): a Python plugin's @task handler run
by the broker's scheduler (the headers it sees, what the broker records of its success or failure, the
plexus.task.* events), the Client's TASKS helpers (add, show, list, pause, resume, trigger, cancel, remove
and their errors), a task declared in the topology, and the audit example's housekeeping task.

Every wait has a deadline and polls TASKS SHOW or the bus; nothing sleeps for a fixed time.
"""

import json
import re
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

from plexus import PlexusError, Plugin, ServiceError, TaskRun, task
from plexus.protocol import BROKER_SOURCE
from tests.harness import REPO, TIMEOUT, BrokerProcess, Subscriber, wait_for
from tests.test_broker import BrokerTestCase

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Runs:
    """What task handlers saw, as plain values (thread-safe: handlers run on the plugin's thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: List[Dict[str, Any]] = []

    def note(self, run: TaskRun) -> None:
        with self.lock:
            self.seen.append({"task_id": run.task_id, "run_id": run.run_id, "attempt": run.attempt,
                              "scheduled_at": run.scheduled_at, "scheduled_at_us": run.scheduled_at_us,
                              "payload": run.payload, "caller": run.request.caller, "remaining": run.remaining(),
                              "received": time.time(), "service": run.request.service})

    def of(self, task_id: Optional[str]) -> List[Dict[str, Any]]:
        with self.lock:
            return [r for r in self.seen if r["task_id"] == task_id]


class TasksTest(BrokerTestCase):

    # -- helpers ----------------------------------------------------------------------------------

    def offer(self, broker: BrokerProcess, plugin: Plugin) -> Plugin:
        """Runs ``plugin`` attached and waits until the broker lists it for each of its services, so that
        the first run reaches it rather than racing its registration."""
        self.run_plugin(plugin, broker)
        self.session(broker, plugin.instance)
        for name in plugin.services:
            wait_for(lambda: any(s["name"] == name and s.get("instances") for s in broker.client().services()),
                     what=f"{name} offered")
        return plugin

    def wait_task(self, broker: BrokerProcess, task_id: str, predicate: Any, what: str,
                  timeout: float = TIMEOUT) -> Dict[str, Any]:
        """Polls TASKS SHOW until ``predicate(task)``; the failure message shows the last task object."""
        last: Dict[str, Any] = {}

        def check() -> Optional[Dict[str, Any]]:
            nonlocal last
            last = broker.client().task_show(task_id)
            return last if predicate(last) else None
        try:
            return wait_for(check, timeout, what, interval=0.05)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; task: {json.dumps(last, indent=1)}\nbroker log:\n{broker.log_tail()}") \
                from None

    def ticker(self, runs: Runs) -> Plugin:
        class Ticker(Plugin):
            @task("py.tick")
            def tick(self, run: TaskRun) -> str:
                runs.note(run)
                return f"tick {run.run_id}"

            @task("py.fail")
            def fail(self, run: TaskRun) -> None:
                runs.note(run)
                raise RuntimeError(f"disk on fire (attempt {run.attempt})")

            @task("py.refuse")
            def refuse(self, run: TaskRun) -> None:
                raise ServiceError(503, "busy", "come back later")

        return Ticker("ticker")

    # -- runs ---------------------------------------------------------------------------------------

    def test_runs_reach_the_handler_with_the_task_headers(self):
        broker = self.start_broker()
        events = Subscriber(broker, "plexus.task.>")
        self.addCleanup(events.close)
        runs = Runs()
        plugin = self.offer(broker, self.ticker(runs))
        client = broker.client()
        self.assertIn("py.tick", [p for p in client.plugins() if p["instance"] == plugin.instance][0]["services"])

        before = time.time()
        added = client.task_add({"id": "py-tick", "every": "1s", "service": "py.tick", "payload": "hi",
                                 "max_runs": 2})
        self.assertEqual((added["id"], added["origin"]), ("py-tick", "runtime"))
        self.assertIn(added["state"], ("pending", "running"))
        self.assertIn("py.tick", added["target"])

        shown = self.wait_task(broker, "py-tick", lambda t: t["state"] == "completed" and t["run_count"] == 2,
                               "py-tick completed after 2 runs")
        after = time.time()
        first, second = runs.of("py-tick")[:2]
        self.assertEqual((first["run_id"], first["attempt"], first["payload"], first["service"]),
                         ("py-tick#1", 1, b"hi", "py.tick"))
        self.assertEqual((second["run_id"], second["attempt"]), ("py-tick#2", 1))
        self.assertEqual(len(runs.of("py-tick")), 2, "max_runs 2: no third run")
        for run in (first, second):
            scheduled = run["scheduled_at"]
            self.assertEqual(scheduled.tzinfo, timezone.utc)
            self.assertEqual(scheduled, EPOCH + timedelta(microseconds=run["scheduled_at_us"]))
            # The fire time is now-ish: after the task was added (give or take clock rounding), at most a couple
            # of seconds before the handler saw it.
            self.assertTrue(before - 2 <= scheduled.timestamp() <= after, (before, scheduled, after))
            self.assertLessEqual(abs(run["received"] - scheduled.timestamp()), 2.0)
            self.assertGreater(run["remaining"], 0)
        self.assertGreater(second["scheduled_at"], first["scheduled_at"])

        # What the broker recorded: two successes with this instance's message.
        self.assertEqual((shown["failure_count"], shown["last_error"], shown["running"]), (0, None, []))
        self.assertEqual([h["run_id"] for h in shown["history"]], ["py-tick#1", "py-tick#2"])
        for record in shown["history"]:
            self.assertEqual(record["outcome"], "succeeded")
            self.assertEqual(record["instances"][plugin.instance],
                             {"status": "success", "message": f"tick {record['run_id']}"})
        listed = {t["id"]: t for t in client.tasks_list()}
        self.assertEqual(listed["py-tick"]["state"], "completed")
        self.assertNotIn("history", listed["py-tick"])

        # plexus.task.started/completed, from the broker, about these runs.
        for topic in ("plexus.task.started", "plexus.task.completed"):
            event = events.expect(lambda e: e.topic == topic and e.json().get("run_id") == "py-tick#1",
                                  what=f"{topic} of py-tick#1")
            self.assertEqual(event.source, BROKER_SOURCE)
            self.assertEqual(event.json()["task_id"], "py-tick")

        # Called as a plain service, the handler still works: no task headers.
        self.assertEqual(client.call("py.tick", "direct"), b"tick None")
        [direct] = runs.of(None)
        self.assertEqual((direct["run_id"], direct["attempt"], direct["payload"]), (None, 1, b"direct"))
        self.assertLessEqual(abs(direct["scheduled_at"].timestamp() - direct["received"]), 1.0)

    def test_a_failing_handler_fails_the_run(self):
        broker = self.start_broker()
        events = Subscriber(broker, "plexus.task.failed")
        self.addCleanup(events.close)
        runs = Runs()
        plugin = self.offer(broker, self.ticker(runs))
        client = broker.client()
        client.task_add({"id": "py-fail", "every": "1s", "service": "py.fail", "max_runs": 1})
        shown = self.wait_task(broker, "py-fail",
                               lambda t: t["failure_count"] >= 1 and t["history"] and not t["running"],
                               "py-fail failed once")
        message = "disk on fire (attempt 1)"
        self.assertIn(message, shown["last_error"] or "")
        last = shown["history"][-1]
        self.assertEqual((last["run_id"], last["attempt"], last["outcome"]), ("py-fail#1", 1, "failed"))
        self.assertEqual(last["instances"][plugin.instance], {"status": "failure", "message": message})
        self.assertEqual(runs.of("py-fail")[0]["run_id"], "py-fail#1")
        event = events.expect(lambda e: e.json().get("run_id") == "py-fail#1", what="plexus.task.failed")
        self.assertEqual(event.json()["task_id"], "py-fail")

        # A ServiceError's message is recorded the same way (its own code and error go to the broker).
        client.task_add({"id": "py-refuse", "every": "1s", "service": "py.refuse", "max_runs": 1})
        shown = self.wait_task(broker, "py-refuse", lambda t: t["failure_count"] >= 1 and t["history"],
                               "py-refuse failed once")
        self.assertEqual(shown["history"][-1]["instances"][plugin.instance],
                         {"status": "failure", "message": "come back later"})

    def test_a_retry_arrives_as_the_next_attempt(self):
        broker = self.start_broker()
        runs = Runs()

        class Flaky(Plugin):
            @task("py.flaky")
            def flaky(self, run: TaskRun) -> str:
                runs.note(run)
                if run.attempt == 1:
                    raise RuntimeError("first attempt fails")
                return f"ok on attempt {run.attempt}"

        plugin = self.offer(broker, Flaky("flaky"))
        client = broker.client()
        client.task_add({"id": "py-flaky", "every": "1h", "service": "py.flaky", "retries": 1,
                         "retry_backoff": "100ms"})
        client.task_trigger("py-flaky")
        shown = self.wait_task(broker, "py-flaky",
                               lambda t: len(t["history"]) >= 2 and not t["running"] and not t["pending_retries"],
                               "py-flaky retried")
        first, second = runs.of("py-flaky")
        self.assertEqual((first["attempt"], second["attempt"]), (1, 2))
        self.assertEqual(second["scheduled_at"], first["scheduled_at"])  # the same fire
        # (The run id of a retry is not pinned: the draft leaves open whether it keeps "#1".)
        self.assertTrue(second["run_id"].startswith("py-flaky#"), second["run_id"])
        failed, succeeded = shown["history"][-2:]
        self.assertEqual((failed["attempt"], failed["outcome"]), (1, "failed"))
        self.assertEqual(failed["instances"][plugin.instance], {"status": "failure", "message": "first attempt fails"})
        self.assertEqual((succeeded["attempt"], succeeded["outcome"]), (2, "succeeded"))
        self.assertEqual(succeeded["instances"][plugin.instance]["message"], "ok on attempt 2")

    def test_a_run_past_its_timeout_is_cancelled(self):
        broker = self.start_broker()
        outcome: Dict[str, Any] = {}
        finished = threading.Event()

        class Slow(Plugin):
            threaded = True  # on a worker thread, so that the SDK thread reads the broker's CANCEL

            @task("py.slow")
            def slow(self, run: TaskRun) -> str:
                wait_for(lambda: run.cancelled, TIMEOUT, "CANCEL of the run")
                outcome.update(cancelled=run.cancelled, remaining=run.remaining())
                finished.set()
                return "too late"  # dropped: nothing is sent after CANCEL

        plugin = self.offer(broker, Slow("slow"))
        client = broker.client()
        client.task_add({"id": "py-slow", "every": "1h", "service": "py.slow", "timeout": "300ms"})
        client.task_trigger("py-slow")
        shown = self.wait_task(broker, "py-slow", lambda t: t["history"] and not t["running"], "py-slow timed out")
        self.assertTrue(finished.wait(TIMEOUT), "the handler never saw the CANCEL")
        self.assertTrue(outcome["cancelled"])
        self.assertLess(outcome["remaining"], 0.3)  # cancelled at (about) the deadline the timeout set
        last = shown["history"][-1]
        self.assertEqual(last["outcome"], "timed_out")
        self.assertEqual(last["instances"][plugin.instance]["status"], "timed_out")

    # -- managing tasks ---------------------------------------------------------------------------------

    def test_pause_resume_trigger_cancel_remove(self):
        broker = self.start_broker()
        runs = Runs()
        self.offer(broker, self.ticker(runs))
        client = broker.client()
        added = client.task_add({"id": "py-hourly", "every": "1h", "service": "py.tick", "payload": {"n": 1}})
        self.assertEqual(added["state"], "pending")
        self.assertIsNotNone(added["next_run"])
        # SHOW adds the definition (its shape is the broker's: not pinned here beyond the id).
        self.assertEqual(client.task_show("py-hourly")["definition"]["id"], "py-hourly")

        self.assertEqual(client.task_pause("py-hourly")["state"], "paused")
        with self.assertRaises(PlexusError) as cm:
            client.task_pause("py-hourly")
        self.assertEqual(cm.exception.code, 409)
        self.assertEqual(client.task_resume("py-hourly")["state"], "pending")

        client.task_trigger("py-hourly")
        self.wait_task(broker, "py-hourly", lambda t: t["run_count"] == 1 and not t["running"], "triggered run")
        [run] = runs.of("py-hourly")
        self.assertEqual((run["run_id"], run["attempt"], json.loads(run["payload"])), ("py-hourly#1", 1, {"n": 1}))

        self.assertEqual(client.task_cancel("py-hourly")["state"], "canceled")
        with self.assertRaises(PlexusError) as cm:
            client.task_resume("py-hourly")
        self.assertEqual(cm.exception.code, 409)
        self.assertEqual(client.task_remove("py-hourly"), {"removed": "py-hourly"})
        self.assertNotIn("py-hourly", [t["id"] for t in client.tasks_list()])
        with self.assertRaises(PlexusError) as cm:
            client.task_show("py-hourly")
        self.assertEqual(cm.exception.code, 404)

    def test_errors(self):
        broker = self.start_broker()
        client = broker.client()
        with self.assertRaises(PlexusError) as cm:
            client.task_add({"id": "bad-cron", "cron": "61 * * * *", "service": "py.tick"})
        self.assertEqual(cm.exception.code, 400)
        self.assertIn("cron", cm.exception.message)
        for definition in ({"id": "no-schedule", "service": "py.tick"},
                           {"id": "two-schedules", "every": "1s", "after": "1s", "service": "py.tick"},
                           {"id": "no-target", "every": "1s"},
                           {"id": "bad-every", "every": "soon", "service": "py.tick"}):
            with self.subTest(definition=definition):
                with self.assertRaises(PlexusError) as cm:
                    client.task_add(definition)
                self.assertEqual(cm.exception.code, 400, cm.exception)
        client.task_add("id: dup\nevery: 1h\nservice: py.tick\n")  # YAML text works too
        with self.assertRaises(PlexusError) as cm:
            client.task_add({"id": "dup", "every": "1h", "service": "py.tick"})
        self.assertEqual(cm.exception.code, 409)
        for fn in (client.task_show, client.task_remove, client.task_pause, client.task_resume,
                   client.task_cancel, client.task_trigger):
            with self.subTest(verb=fn.__name__):
                with self.assertRaises(PlexusError) as cm:
                    fn("nope")
                self.assertEqual(cm.exception.code, 404)

    # -- topology tasks and the audit example -----------------------------------------------------------

    def test_audit_housekeeping_declared_in_the_topology(self):
        path = self.path("audit.jsonl")
        broker = self.start_broker(
            "plugins:\n"
            "  audit:\n"
            f"    command: [python3, {json.dumps(str(REPO / 'plugins' / 'audit' / 'audit.py'))}]\n"
            f"    config: {{path: {json.dumps(path)}}}\n"
            "tasks:\n"
            "  housekeeping:\n"
            "    every: 1h\n"
            "    service: housekeeping\n")
        [instance] = broker.wait_running("audit")
        client = broker.client()
        wait_for(lambda: any(s["name"] == "housekeeping" and s.get("instances") for s in client.services()),
                 what="housekeeping offered")
        shown = client.task_show("housekeeping")
        self.assertEqual((shown["origin"], shown["state"]), ("topology", "pending"))
        with self.assertRaises(PlexusError) as cm:
            client.task_remove("housekeeping")
        self.assertEqual(cm.exception.code, 409)

        client.publish("work.audited", {"id": 1})
        client.task_trigger("housekeeping")
        shown = self.wait_task(broker, "housekeeping", lambda t: t["run_count"] >= 1 and not t["running"],
                               "housekeeping ran")
        [result] = shown["history"][-1]["instances"].values()
        self.assertEqual(result["status"], "success", shown)
        self.assertEqual(list(shown["history"][-1]["instances"]), [instance["instance"]])
        match = re.fullmatch(r"audit: (\d+) events written \((\d+) since start\)", result["message"])
        self.assertIsNotNone(match, result["message"])
        # Everything audited before the run was flushed to the file.
        with open(path, encoding="utf-8") as f:
            self.assertGreaterEqual(len(f.read().splitlines()), int(match.group(1)))


if __name__ == "__main__":
    unittest.main()

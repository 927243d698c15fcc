"""Scheduled tasks without a broker (docs/PROTOCOL.md section 9): the TaskRun a handler sees, read from a
service request's headers (missing and malformed ones included); what a task handler's return value or
exception becomes (REPLY, FAIL 500 task_failed, a ServiceError's own error); the plugin's wiring (@task,
serve_task, REGISTER's services); and the Client's TASKS frames against a scripted in-process ROUTER."""

import importlib.util
import json
import os
import tempfile
import threading
import unittest
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, List
from unittest import mock

import zmq

from plexus import Client, Event, PlexusError, Plugin, PluginContext, ProtocolError, Request, ServiceError, TaskRun, service, task
from plexus import protocol as P
from plexus.dispatch import ServiceDispatcher
from plexus.service import run_handler
from plexus.task import (ATTEMPT_HEADER, RUN_ID_HEADER, SCHEDULED_AT_HEADER, TASK_FAILED, TASK_ID_HEADER,
                         task_handler)
from tests.test_service_dispatch import Clock, ScriptedRouter, decoded, request_args

AUDIT = Path(__file__).resolve().parents[3] / "audit" / "audit.py"
#: 2024-05-01T12:00:00.123456Z in µs since the epoch.
FIRE_US = 1_714_564_800_123_456
FIRE = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def task_headers(task_id: str = "backup", n: int = 3, scheduled_at: Any = FIRE_US, attempt: Any = 2) -> dict:
    return {TASK_ID_HEADER: task_id, RUN_ID_HEADER: f"{task_id}#{n}", SCHEDULED_AT_HEADER: str(scheduled_at),
            ATTEMPT_HEADER: str(attempt)}


def task_request(headers: dict, body: bytes = b'{"full":true}', clock: Callable[[], float] = Clock()) -> Request:
    return Request(b"r1", "db.backup", body, deadline=1010.0, headers=headers, caller="plexus.scheduler",
                   clock=clock)


class TaskRunTest(unittest.TestCase):
    def test_headers_of_a_scheduled_run(self):
        request = task_request(task_headers())
        run = TaskRun.from_request(request)
        self.assertTrue(run.scheduled)
        self.assertEqual((run.task_id, run.run_id, run.attempt), ("backup", "backup#3", 2))
        self.assertEqual((run.scheduled_at_us, run.scheduled_at), (FIRE_US, FIRE))
        self.assertEqual(run.scheduled_at.utcoffset().total_seconds(), 0)  # aware, UTC
        self.assertEqual((run.payload, run.text, run.json()), (b'{"full":true}', '{"full":true}', {"full": True}))
        self.assertIs(run.request, request)
        self.assertEqual(run.remaining(), 10.0)
        self.assertFalse(run.cancelled)
        request._cancel.set()
        self.assertTrue(run.cancelled)
        self.assertIn("backup#3", repr(run))

    def test_epoch_and_far_future(self):
        self.assertEqual(TaskRun.from_request(task_request(task_headers(scheduled_at=0))).scheduled_at,
                         datetime(1970, 1, 1, tzinfo=timezone.utc))
        run = TaskRun.from_request(task_request(task_headers(scheduled_at=253_402_300_799_999_999)))
        self.assertEqual(run.scheduled_at, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc))

    def test_a_plain_service_call(self):
        """Called through CALL rather than by the scheduler: no task headers, still a usable run."""
        run = TaskRun.from_request(task_request({"k": "v"}, clock=Clock(1000.5)))
        self.assertFalse(run.scheduled)
        self.assertEqual((run.task_id, run.run_id, run.attempt), (None, None, 1))
        self.assertEqual(run.scheduled_at_us, 1_000_500_000)
        self.assertEqual(run.scheduled_at, datetime(1970, 1, 1, 0, 16, 40, 500000, tzinfo=timezone.utc))
        # With the real clock: now.
        before = datetime.now(timezone.utc)
        run = TaskRun.from_request(Request(b"r", "t.x"))
        self.assertTrue(before <= run.scheduled_at <= datetime.now(timezone.utc))
        self.assertEqual(TaskRun.from_request(task_request({TASK_ID_HEADER: ""})).task_id, None)

    def test_malformed_headers_count_as_missing(self):
        for scheduled_at in ("", "soon", "-5", "+5", " 5", "1_000", "1.5", "١٢٣", "9" * 19, "9" * 40):
            with self.subTest(scheduled_at=scheduled_at):
                with self.assertLogs("plexus.task", "WARNING"):
                    run = TaskRun.from_request(task_request(task_headers(scheduled_at=scheduled_at),
                                                            clock=Clock(1000.0)))
                self.assertEqual(run.scheduled_at_us, 1_000_000_000)
                self.assertEqual((run.task_id, run.attempt), ("backup", 2))  # the other headers still count
        for attempt in ("", "0", "-1", "two", "1.0", "٣"):
            with self.subTest(attempt=attempt):
                with self.assertLogs("plexus.task", "WARNING"):
                    run = TaskRun.from_request(task_request(task_headers(attempt=attempt)))
                self.assertEqual((run.attempt, run.scheduled_at), (1, FIRE))


class TaskHandlerTest(unittest.TestCase):
    """What a task handler's result or exception becomes, through the same run_handler services use."""

    def outcome(self, fn: Callable[[TaskRun], Any]) -> tuple:
        """(command, body) of the answer, with a FAIL body parsed."""
        result = run_handler(task_handler(fn), task_request(task_headers()))
        return result.command.decode(), json.loads(result.body) if result.command == P.FAIL else result.body

    def test_success_messages(self):
        self.assertEqual(self.outcome(lambda run: None), ("REPLY", b""))
        self.assertEqual(self.outcome(lambda run: f"{run.run_id}: 3 files, é"),
                         ("REPLY", "backup#3: 3 files, é".encode()))
        self.assertEqual(self.outcome(lambda run: b"raw"), ("REPLY", b"raw"))
        self.assertEqual(self.outcome(lambda run: {"files": 3}), ("REPLY", b'{"files":3}'))

    def test_exceptions_fail_the_run(self):
        def boom(run: TaskRun) -> None:
            raise RuntimeError(f"disk full on attempt {run.attempt}")
        with self.assertLogs("plexus.task", "ERROR") as logs:
            self.assertEqual(self.outcome(boom), ("FAIL", {"code": 500, "error": TASK_FAILED,
                                                           "message": "disk full on attempt 2"}))
        self.assertIn("backup#3", logs.output[0])
        self.assertIn("Traceback", logs.output[0])
        with self.assertLogs("plexus.task", "ERROR"):
            self.assertEqual(self.outcome(lambda run: 1 / 0)[1]["message"], "division by zero")

        def silent(run: TaskRun) -> None:
            raise KeyError()
        with self.assertLogs("plexus.task", "ERROR"):  # no text: its type
            self.assertEqual(self.outcome(silent)[1]["message"], "KeyError")

    def test_service_error_keeps_its_code(self):
        def busy(run: TaskRun) -> None:
            raise ServiceError(503, "busy", "try later")
        self.assertEqual(self.outcome(busy), ("FAIL", {"code": 503, "error": "busy", "message": "try later"}))

    def test_unsendable_result_fails_the_run(self):
        with self.assertLogs("plexus.task", "ERROR"):
            command, body = self.outcome(lambda run: object())
        self.assertEqual((command, body["code"], body["error"]), ("FAIL", 500, TASK_FAILED))

    def test_base_exceptions_propagate(self):
        def interrupted(run: TaskRun) -> None:
            raise KeyboardInterrupt
        with self.assertRaises(KeyboardInterrupt):
            run_handler(task_handler(interrupted), task_request(task_headers()))

    def test_wrapper_keeps_the_function(self):
        def sweep(run: TaskRun) -> str:
            """Sweeps."""
            return "ok"
        wrapped = task_handler(sweep)
        self.assertEqual((wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__), ("sweep", "Sweeps.", sweep))


class TaskWiringTest(unittest.TestCase):
    """@task and serve_task on a Plugin, and a REQUEST carrying task headers through the dispatcher."""

    def test_decorator_offers_the_service(self):
        class Janitor(Plugin):
            @service("t.plain")
            def plain(self, request):
                return "plain"

            @task("janitor.sweep")
            @task("janitor.sweep2")
            def sweep(self, run):
                return f"swept {run.task_id}"

        plugin = Janitor("janitor")
        self.assertEqual(sorted(plugin.services), ["janitor.sweep", "janitor.sweep2", "t.plain"])
        sent: List[List[bytes]] = []
        plugin._send_frames = sent.append  # type: ignore[assignment]
        plugin._register()
        self.assertEqual(sorted(json.loads(sent[0][3])["services"]), sorted(plugin.services))
        # The method is left as it is: callable with a TaskRun directly (handy in a plugin's own tests).
        self.assertEqual(plugin.sweep(TaskRun.from_request(task_request(task_headers()))), "swept backup")

    def test_override_without_the_decorator_removes_the_task(self):
        class Base(Plugin):
            @task("t.x")
            def x(self, run):
                return "base"

        class Child(Base):
            def x(self, run):
                return "child"
        self.assertEqual((Base("b").services, Child("c").services), (["t.x"], []))

    def test_serve_task(self):
        plugin = Plugin("fn")
        seen: List[TaskRun] = []

        @plugin.serve_task("t.a")
        def a(run):
            seen.append(run)
            return "a done"
        self.assertIs(plugin.serve_task("t.b", a), a)
        self.assertEqual(plugin.services, ["t.a", "t.b"])
        with self.assertRaises(ValueError):
            plugin.serve_task("t.a", a)
        with self.assertRaises(ProtocolError):
            plugin.serve_task("plexus.mine", a)
        with self.assertRaises(ProtocolError):
            task("a.>")
        with self.assertRaises(TypeError):
            plugin.serve_task("t.c", "not callable")  # type: ignore[arg-type]

    def test_a_task_request_through_the_dispatcher(self):
        seen: List[TaskRun] = []

        def tick(run: TaskRun) -> str:
            seen.append(run)
            if run.attempt > 1:
                raise RuntimeError("still broken")
            return f"tick {run.run_id}"

        sent: List[List[bytes]] = []
        d = ServiceDispatcher(sent.append, lambda fn: fn(), clock=Clock())
        d.owner = threading.get_ident()
        d.serve("py.tick", task_handler(tick))
        d.on_request(request_args(service_name="py.tick", body=b"hi", caller="plexus.scheduler",
                                  headers=task_headers("tick", 1, FIRE_US, 1)))
        d.on_request(request_args(rid=b"r2", service_name="py.tick", body=b"hi",
                                  headers=task_headers("tick", 1, FIRE_US, 2)))
        with self.assertLogs("plexus.task", "ERROR"):
            self.assertEqual(d.start_waiting(), 2)
        first, second = [decoded(f) for f in sent]
        self.assertEqual(first, ("REPLY", b"r1", b"tick tick#1"))
        self.assertEqual(second, ("FAIL", b"r2", {"code": 500, "error": TASK_FAILED, "message": "still broken"}))
        self.assertEqual([(r.task_id, r.attempt, r.payload, r.request.caller) for r in seen],
                         [("tick", 1, b"hi", "plexus.scheduler"), ("tick", 2, b"hi", "test")])
        self.assertEqual(seen[0].scheduled_at, FIRE)


class AuditHousekeepingTest(unittest.TestCase):
    """The audit example's housekeeping task, called as the dispatcher would, on a temporary file."""

    def test_counts_and_fsyncs(self):
        spec = importlib.util.spec_from_file_location("audit_example", AUDIT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory() as tmp:
            audit = module.Audit(instance="audit-test")
            self.assertEqual(audit.services, ["housekeeping"])
            with self.assertLogs("plexus.audit", "INFO"):
                audit.on_start(PluginContext(audit, {"config": {"path": os.path.join(tmp, "a.jsonl")}}))
            handler = audit._services.handlers["housekeeping"]
            for n in range(3):
                audit.on_event(Event("work.done", b"%d" % n, n + 1, 0, "me", {}, {}))
            # A routine run logs at debug level (issue 14: a quiet log).
            with mock.patch.object(module.os, "fsync", wraps=os.fsync) as fsync, \
                    self.assertLogs("plexus.audit", "DEBUG"):
                self.assertEqual(handler(task_request(task_headers("housekeeping"))),
                                 b"audit: 3 events written (3 since start)")
                fsync.assert_called_once_with(audit.file.fileno())
                audit.on_event(Event("work.done", b"x", 4, 0, "me", {}, {}))
                self.assertEqual(handler(task_request({})), b"audit: 1 events written (4 since start)")
            audit.on_stop()  # closes the file
            with open(os.path.join(tmp, "a.jsonl"), encoding="utf-8") as f:
                self.assertEqual(len(f.read().splitlines()), 4)


class ClientTasksTest(unittest.TestCase):
    """The TASKS frames each helper sends, and how replies come back."""

    _n = 0

    def setUp(self):
        self.ctx = zmq.Context()
        ClientTasksTest._n += 1
        self.endpoint = f"inproc://tasks-test-{ClientTasksTest._n}"
        self.addCleanup(self.ctx.term)

    def test_verbs(self):
        task_obj = b'{"id":"t1","state":"pending"}'
        router = ScriptedRouter(self.ctx, self.endpoint, [[[b"OK", b'[{"id":"t1"}]']]] +
                                [[[b"OK", task_obj]]] * 7)
        self.addCleanup(router.close)
        client = Client(self.endpoint, context=self.ctx)
        self.addCleanup(client.close)
        self.assertEqual(client.tasks_list(), [{"id": "t1"}])
        definition = {"id": "t1", "every": "30s", "service": "db.backup", "payload": "{\"full\":true}"}
        self.assertEqual(client.task_add(definition), {"id": "t1", "state": "pending"})
        for fn in (client.task_show, client.task_remove, client.task_pause, client.task_resume,
                   client.task_cancel, client.task_trigger):
            self.assertEqual(fn("t1"), {"id": "t1", "state": "pending"})
        verbs = [r[4:] for r in router.requests]
        self.assertEqual([r[2] for r in router.requests], [b"TASKS"] * 8)
        self.assertEqual(verbs[0], [b"LIST"])
        self.assertEqual(verbs[1][0], b"ADD")
        self.assertEqual(json.loads(verbs[1][1]), definition)
        self.assertEqual(verbs[2:], [[b"SHOW", b"t1"], [b"REMOVE", b"t1"], [b"PAUSE", b"t1"], [b"RESUME", b"t1"],
                                     [b"CANCEL", b"t1"], [b"TRIGGER", b"t1"]])

    def test_yaml_text_and_errors(self):
        router = ScriptedRouter(self.ctx, self.endpoint, [
            [[b"ERR", b'{"code":400,"error":"bad_request","message":"cron: minute 61 out of range"}']],
            [[b"ERR", b'{"code":404,"error":"not_found","message":"no task \'nope\'"}']],
            [[b"OK", b"[1, 2"]],
        ])
        self.addCleanup(router.close)
        client = Client(self.endpoint, context=self.ctx)
        self.addCleanup(client.close)
        with self.assertRaises(PlexusError) as cm:
            client.task_add("id: t2\ncron: 61 * * * *\nservice: x.y\n")
        self.assertEqual((cm.exception.code, cm.exception.message), (400, "cron: minute 61 out of range"))
        self.assertEqual(router.requests[0][4:], [b"ADD", b"id: t2\ncron: 61 * * * *\nservice: x.y\n"])
        with self.assertRaises(PlexusError) as cm:
            client.task_show("nope")
        self.assertEqual(cm.exception.code, 404)
        with self.assertRaises(ProtocolError):
            client.tasks_list()


if __name__ == "__main__":
    unittest.main()

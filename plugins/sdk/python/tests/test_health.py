"""Health without a broker (docs/PROTOCOL.md, section 4, "Health"): the codec of HEALTH and of instance
objects' ``health``; the hook's schedule (:class:`~plexus.plugin_health.HealthMonitor`, driven by hand with
its own clock and a fake thread starter); change detection (:class:`~plexus.plugin_health.HealthState`);
and a :class:`~plexus.Plugin` whose control messages are captured instead of sent. The live tests against
the real broker are in tests/test_health_live.py.
"""

import json
import threading
import unittest
from typing import Any, Callable, List, Optional

from plexus import HealthCheck, HealthReport, HealthStatus, InstanceHealth, Plugin, ProtocolError, instance_health
from plexus import protocol as P
from plexus.health import HEALTH, MAX_FRAME_BYTES, clip, decode_health, encode_health, health_error_code, worst
from plexus.handoff import Work
from plexus.plugin_health import HealthMonitor, HealthState

CRITICAL, WARNING, PASSING = HealthStatus.CRITICAL, HealthStatus.WARNING, HealthStatus.PASSING


class StatusTest(unittest.TestCase):
    def test_order_and_names(self) -> None:
        self.assertEqual(worst(PASSING, CRITICAL, WARNING), CRITICAL)
        self.assertEqual(worst(), PASSING)
        self.assertEqual(HealthStatus.of("warning"), WARNING)
        self.assertEqual(CRITICAL, "critical")  # a str
        for bad in ("sick", "", None, 2, "CRITICAL"):
            with self.subTest(bad=bad), self.assertRaises(ProtocolError):
                HealthStatus.of(bad)


class ReportCodecTest(unittest.TestCase):
    def test_round_trip(self) -> None:
        report = HealthReport(CRITICAL, "database unreachable",
                              {"db": HealthCheck(CRITICAL, "connection refused"), "cache": HealthCheck(PASSING)})
        frames = encode_health(report)
        self.assertEqual(frames[:3], [b"", P.PLUGIN, HEALTH])
        self.assertEqual(json.loads(frames[3]), {
            "status": "critical", "message": "database unreachable",
            "checks": {"db": {"status": "critical", "message": "connection refused"},
                       "cache": {"status": "passing", "message": ""}}})
        self.assertEqual(decode_health(frames[3:]), report)

    def test_defaults(self) -> None:
        self.assertEqual(decode_health([b'{"status":"warning"}']), HealthReport(WARNING))
        self.assertEqual(decode_health([b'{"status":"passing","checks":{"a":{"status":"critical"}}}']).effective_status,
                         CRITICAL)  # as bad as its worst check

    def test_limits(self) -> None:
        cases = {
            "unknown status": {"status": "sick"},
            "no status": {"message": "x"},
            "message too long": {"status": "warning", "message": "x" * 1025},
            "check message too long": {"status": "warning", "checks": {"a": {"status": "passing", "message": "é" * 513}}},
            "65 checks": {"status": "passing", "checks": {f"c{n}": {"status": "passing"} for n in range(65)}},
            "empty check name": {"status": "passing", "checks": {"": {"status": "passing"}}},
            "check name of 65 bytes": {"status": "passing", "checks": {"n" * 65: {"status": "passing"}}},
            "check not an object": {"status": "passing", "checks": {"a": "passing"}},
            "checks an array": {"status": "passing", "checks": []},
            "message not a string": {"status": "passing", "message": 3},
        }
        for name, body in cases.items():
            with self.subTest(name), self.assertRaises(ProtocolError):
                decode_health([P.encode_json(body)])
        self.assertEqual(decode_health([P.encode_json({"status": "passing", "message": "x" * 1024})]).message, "x" * 1024)
        for args in ([], [b"{}", b"{}"], [b"not json"], [b"[]"]):
            with self.subTest(args=args), self.assertRaises(ProtocolError):
                decode_health(args)

    def test_frame_limit_is_413(self) -> None:
        # 64 checks with long messages are within each limit but not within 16 KiB.
        big = HealthReport(WARNING, "", {f"check-{n}": HealthCheck(WARNING, "m" * 1000) for n in range(64)})
        with self.assertRaises(ProtocolError):
            encode_health(big)
        args = [P.encode_json(big.to_json())]
        self.assertGreater(len(args[0]), MAX_FRAME_BYTES)
        self.assertEqual(health_error_code(args), 413)
        self.assertEqual(health_error_code([b'{"status":"sick"}']), 400)
        with self.assertRaises(ProtocolError):
            decode_health(args)

    def test_clip_keeps_whole_characters(self) -> None:
        self.assertEqual(clip("é" * 600), "é" * 512)
        self.assertEqual(clip("abc"), "abc")


class HookResultTest(unittest.TestCase):
    """What a health() hook may return, and what each means."""

    def test_accepted_forms(self) -> None:
        db = HealthCheck(CRITICAL, "refused")
        cases: List[Any] = [
            (None, HealthReport()),
            ("passing", HealthReport()),
            (WARNING, HealthReport(WARNING)),
            (("critical", "db down"), HealthReport(CRITICAL, "db down")),
            (HealthReport(WARNING, "slow"), HealthReport(WARNING, "slow")),
            ({"status": "warning", "message": "m"}, HealthReport(WARNING, "m")),
            ({"checks": {"db": ("critical", "refused"), "cache": "passing", "x": {"status": "warning"},
                         "y": db}},
             HealthReport(PASSING, "", {"db": db, "cache": HealthCheck(PASSING), "x": HealthCheck(WARNING), "y": db})),
        ]
        for value, expected in cases:
            with self.subTest(value=value):
                self.assertEqual(HealthReport.of(value), expected)
        self.assertEqual(HealthReport.of({"checks": {"db": ("critical", "refused")}}).effective_status, CRITICAL)

    def test_refused_forms(self) -> None:
        for value in (3, ["critical"], ("critical",), ("critical", 3), "sick", {"status": "sick"},
                      {"checks": ["db"]}, {"checks": {"db": 1}}, ("warning", "x" * 2000)):
            with self.subTest(value=value), self.assertRaises(ProtocolError):
                HealthReport.of(value)  # type: ignore[arg-type]
        self.assertEqual(HealthReport.of(("warning", "x" * 2000), clip_messages=True).message, "x" * 1024)

    def test_combine(self) -> None:
        hook = HealthReport(WARNING, "slow", {"db": HealthCheck(WARNING, "slow")})
        manual = HealthReport(CRITICAL, "maintenance", {"db": HealthCheck(CRITICAL, "down"), "q": HealthCheck(PASSING)})
        self.assertEqual(HealthReport.combine([hook, manual]),
                         HealthReport(CRITICAL, "maintenance", {"db": HealthCheck(CRITICAL, "down"),
                                                                "q": HealthCheck(PASSING)}))
        self.assertEqual(HealthReport.combine([HealthReport(WARNING, "a"), HealthReport(WARNING, "b")]).message, "a; b")
        self.assertEqual(HealthReport.combine([HealthReport(), HealthReport()]), HealthReport())


class InstanceHealthTest(unittest.TestCase):
    def test_full(self) -> None:
        obj = {"instance": "db-1", "state": "running", "health": {
            "status": "critical", "message": "database unreachable",
            "checks": {"db": {"status": "critical", "message": "refused"}}, "reported": "critical",
            "probe": {"status": "passing", "message": "tcp 5432 accepted"}, "since": 1732200000123456,
            "isolated": True}}
        self.assertEqual(instance_health(obj), InstanceHealth(
            CRITICAL, "database unreachable", {"db": HealthCheck(CRITICAL, "refused")}, CRITICAL,
            HealthCheck(PASSING, "tcp 5432 accepted"), 1732200000123456, True))

    def test_minimal_and_absent(self) -> None:
        # A session that never reported and has no probe: no "reported", no "probe".
        health = instance_health({"health": {"status": "passing", "message": "", "checks": {}, "since": 5,
                                             "isolated": False}})
        self.assertEqual(health, InstanceHealth(PASSING, since=5))
        self.assertIsNone(instance_health({"instance": "gone-1"}))
        for bad in ({"status": "sick"}, {"status": "passing", "isolated": "yes"}, {"status": "passing", "since": 1.5},
                    {"status": "passing", "probe": {"status": "x"}}, []):
            with self.subTest(bad=bad), self.assertRaises(ProtocolError):
                InstanceHealth.decode(bad)


class StateTest(unittest.TestCase):
    """Change detection: what is due, per session."""

    def test_nothing_is_due_without_a_ready_session(self) -> None:
        state = HealthState()
        state.set_manual(HealthReport(CRITICAL, "x"))
        self.assertIsNone(state.due())
        state.session_ready()
        self.assertEqual(state.due(), HealthReport(CRITICAL, "x"))
        self.assertIsNone(state.due())  # once

    def test_sent_only_on_change(self) -> None:
        state = HealthState()
        state.session_ready()
        self.assertIsNone(state.due())  # passing: the new session holds it already
        state.set_hook(HealthReport(WARNING, "slow"))
        self.assertEqual(state.due(), HealthReport(WARNING, "slow"))
        state.set_hook(HealthReport(WARNING, "slow"))
        self.assertIsNone(state.due())
        state.set_hook(HealthReport(WARNING, "slower"))  # the message changed: the report did
        self.assertEqual(state.due(), HealthReport(WARNING, "slower"))
        state.set_hook(HealthReport())
        self.assertEqual(state.due(), HealthReport())  # recovery is news too

    def test_a_new_session_is_told_again_unless_passing(self) -> None:
        state = HealthState()
        state.session_ready()
        state.set_manual(HealthReport(CRITICAL, "down"))
        self.assertEqual(state.due(), HealthReport(CRITICAL, "down"))
        state.session_lost()
        self.assertIsNone(state.due())
        state.session_ready()
        self.assertEqual(state.due(), HealthReport(CRITICAL, "down"))
        state.set_manual(HealthReport())
        self.assertEqual(state.due(), HealthReport())
        state.session_lost()
        state.session_ready()
        self.assertIsNone(state.due())  # passing: nothing to say to the new session


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0


class MonitorTest(unittest.TestCase):
    """The hook's schedule, driven by hand: tick() with a fake time, calls collected instead of started."""

    def make(self, hook: Optional[Callable[[], Any]], interval: float = 10.0) -> HealthMonitor:
        self.state = HealthState()
        self.state.session_ready()
        self.jobs: List[Work] = []
        self.changes = 0

        def changed() -> None:
            self.changes += 1
        return HealthMonitor(hook, interval, self.state, self.jobs.append, changed)

    def test_calls_every_interval_from_start(self) -> None:
        monitor = self.make(lambda: "passing")
        monitor.tick(0.0)
        self.assertEqual(self.jobs, [])  # not before the first READY
        self.assertEqual(monitor.deadline(), float("inf"))
        monitor.start(100.0)
        self.assertEqual(monitor.deadline(), 100.0)
        monitor.tick(100.0)
        self.assertEqual(len(self.jobs), 1)
        self.jobs.pop()()
        self.assertEqual(monitor.deadline(), 110.0)
        monitor.tick(109.9)
        self.assertEqual(self.jobs, [])
        monitor.tick(110.0)
        self.assertEqual(len(self.jobs), 1)
        monitor.start(200.0)  # later READYs (new sessions) do not reset the schedule
        self.assertEqual(monitor.calls, 2)

    def test_one_call_at_a_time_and_a_hung_hook_is_critical(self) -> None:
        monitor = self.make(lambda: ("warning", "slow"))
        monitor.start(0.0)
        monitor.tick(0.0)
        [job] = self.jobs
        self.assertEqual(monitor.deadline(), 10.0)  # when it counts as hung
        monitor.tick(5.0)
        monitor.tick(9.0)
        self.assertEqual(len(self.jobs), 1)  # no second call while one is out
        self.assertEqual(self.changes, 0)
        monitor.tick(10.0)
        self.assertEqual(self.state.current.status, CRITICAL)
        self.assertIn("has not returned within 10 s", self.state.current.message)
        self.assertEqual(self.changes, 1)
        monitor.tick(30.0)
        self.assertEqual((len(self.jobs), self.changes), (1, 1))  # counted once, still no second call
        self.assertEqual(monitor.deadline(), float("inf"))
        job()  # it returns at last
        self.assertEqual(self.state.current, HealthReport(WARNING, "slow"))
        self.assertEqual(self.changes, 2)
        monitor.tick(30.0)  # overdue: called again at once
        self.assertEqual(len(self.jobs), 2)

    def test_a_hook_that_raises_is_critical_with_the_exception(self) -> None:
        def hook() -> None:
            raise ConnectionError("db refused")
        monitor = self.make(hook)
        monitor.start(0.0)
        monitor.tick(0.0)
        with self.assertLogs("plexus", "WARNING"):
            self.jobs.pop()()
        self.assertEqual(self.state.current,
                         HealthReport(CRITICAL, "health() raised ConnectionError: db refused"))

    def test_an_invalid_result_is_critical(self) -> None:
        monitor = self.make(lambda: 42)
        monitor.start(0.0)
        monitor.tick(0.0)
        with self.assertLogs("plexus", "WARNING"):
            self.jobs.pop()()
        self.assertEqual(self.state.current.status, CRITICAL)
        self.assertIn("invalid report", self.state.current.message)

    def test_a_long_message_is_cut(self) -> None:
        monitor = self.make(lambda: ("critical", "e" * 5000))
        monitor.start(0.0)
        monitor.tick(0.0)
        self.jobs.pop()()
        self.assertEqual(self.state.current, HealthReport(CRITICAL, "e" * 1024))

    def test_no_hook_no_calls(self) -> None:
        monitor = self.make(None)
        monitor.start(0.0)
        monitor.tick(0.0)
        monitor.tick(100.0)
        self.assertEqual((self.jobs, monitor.deadline()), ([], float("inf")))

    def test_the_interval_is_checked(self) -> None:
        for bad in (0, -1, float("nan"), float("inf"), "10", True):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                HealthMonitor(None, bad, HealthState(), lambda job: None, lambda: None)  # type: ignore[arg-type]


class PluginHealthTest(unittest.TestCase):
    """A Plugin without sockets: its control messages are captured, the session's steps done by hand."""

    def plugin(self, **kwargs: Any) -> Plugin:
        plugin = Plugin("hp", instance="hp-1", **kwargs)
        self.sent: List[List[bytes]] = []
        plugin._send_frames = self.sent.append  # type: ignore[method-assign]
        return plugin

    def ready(self, plugin: Plugin) -> None:
        """What the session does once a WELCOME's probe and hooks are done."""
        plugin._session = True
        plugin._ready_due = True
        plugin._send_ready_if_due()

    def health_sent(self) -> List[Any]:
        return [json.loads(f[3]) for f in self.sent if f[2] == HEALTH]

    def test_set_health_before_ready_goes_out_after_it(self) -> None:
        plugin = self.plugin()
        plugin.set_health("critical", "db down", {"db": ("critical", "refused")})
        self.assertEqual(self.sent, [])  # no session yet
        self.assertEqual(plugin.health_report.status, CRITICAL)
        with self.assertLogs("plexus", "WARNING"):
            self.ready(plugin)
        self.assertEqual([f[2] for f in self.sent], [P.READY, HEALTH])  # READY first, then HEALTH
        self.assertEqual(self.health_sent(), [{"status": "critical", "message": "db down",
                                               "checks": {"db": {"status": "critical", "message": "refused"}}}])

    def test_only_changes_then_again_after_every_welcome(self) -> None:
        plugin = self.plugin()
        self.ready(plugin)
        plugin.set_health("passing")
        self.assertEqual(self.health_sent(), [])  # nothing new
        with self.assertLogs("plexus", "WARNING"):
            plugin.set_health("warning", "slow")
        plugin.set_health("warning", "slow")
        self.assertEqual(len(self.health_sent()), 1)
        plugin._register()  # reconnect: a new session
        self.sent.clear()
        plugin.set_health("critical", "down")
        self.assertEqual(self.sent, [])  # not before its READY
        with self.assertLogs("plexus", "WARNING"):
            self.ready(plugin)
        self.assertEqual(self.health_sent(), [{"status": "critical", "message": "down", "checks": {}}])
        plugin.set_health("passing")
        plugin._register()
        self.ready(plugin)
        self.assertEqual(self.health_sent()[-1]["status"], "passing")  # the recovery, before the re-register
        self.assertEqual([f[2] for f in self.sent][-2:], [P.REGISTER, P.READY])  # passing: no HEALTH after READY

    def test_set_health_refuses_bad_reports(self) -> None:
        plugin = self.plugin()
        for args in (("sick",), ("warning", "x" * 1025), ("warning", "", {"": "passing"}), ("warning", 3)):
            with self.subTest(args=args), self.assertRaises(ValueError):
                plugin.set_health(*args)  # type: ignore[arg-type]
        self.assertEqual(plugin.health_report, HealthReport())

    def test_hook_by_subclass_or_keyword(self) -> None:
        class Sub(Plugin):
            health_interval = 0.5

            def health(self) -> Any:
                return "warning"
        sub = Sub("hs", instance="hs-1")
        self.assertIsNotNone(sub._health_monitor.hook)
        self.assertEqual(sub._health_monitor.interval, 0.5)
        self.assertIsNone(Plugin("hn", instance="hn-1")._health_monitor.hook)  # the default is never called
        kw = Plugin("hk", instance="hk-1", health=lambda: "critical", health_interval=2)
        self.assertEqual((kw.health(), kw._health_monitor.interval), ("critical", 2.0))
        with self.assertRaises(ValueError):
            Plugin("hb", instance="hb-1", health_interval=0)

    def test_the_hook_runs_on_a_thread_of_its_own(self) -> None:
        threads: List[str] = []
        done = threading.Event()

        def hook() -> Any:
            threads.append(threading.current_thread().name)
            done.set()
            return "warning", "hook says so"
        plugin = self.plugin(health=hook)
        self.ready(plugin)
        with self.assertLogs("plexus", "WARNING"):
            plugin._health_tick(plugin._health_monitor.deadline())
            self.assertTrue(done.wait(5))
            for _ in range(500):  # the result is recorded right after the hook returns
                if plugin.health_report.status is WARNING:
                    break
                threading.Event().wait(0.01)
        self.assertEqual(threads, ["plexus-health-hp"])
        self.assertEqual(plugin.health_report, HealthReport(WARNING, "hook says so"))
        self.assertEqual(self.health_sent(), [{"status": "warning", "message": "hook says so", "checks": {}}])

    def test_hook_and_set_health_combine(self) -> None:
        plugin = self.plugin(health=lambda: ("warning", "slow"))
        plugin._health_state.set_hook(HealthReport(WARNING, "slow"))
        plugin.set_health("critical", "maintenance")
        self.assertEqual(plugin.health_report, HealthReport(CRITICAL, "maintenance"))
        plugin.set_health("passing")
        self.assertEqual(plugin.health_report, HealthReport(WARNING, "slow"))


if __name__ == "__main__":
    unittest.main()

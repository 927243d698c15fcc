"""Health against the real broker (docs/PROTOCOL.md, section 4, "Health"; the broker binary, see
tests/harness.py): a critical instance leaves rotation (its calls go to the other instance) and comes back
when it recovers, with ``isolated`` and ``plexus.plugin.health`` to show it; a service whose every instance
is critical answers 503 naming why; a supervised plugin's ``health()`` hook is called every
``health_interval`` and a hook that hangs does not cost the session its heartbeats.

Every wait has a deadline; the broker (and the plugins it supervises) are stopped by PID.
"""

import json
import os
import time
import unittest
from typing import Any, List, Optional

from plexus import HealthStatus, InstanceHealth, PlexusError, Plugin, instance_health
from tests.harness import SDK_DIR, TIMEOUT, BrokerProcess, Subscriber, wait_for
from tests.test_broker import BrokerTestCase

#: A supervised plugin whose health() hook reads flag files: $TEST_FLAG present means critical, $TEST_HANG
#: present makes the hook block until it is gone. health_interval comes from $TEST_INTERVAL.
HOOK_SCRIPT = '''\
import os, sys, time
sys.path.append({sdk!r})  # after site-packages: the installed SDK wins when there is one
from plexus import Plugin, service

FLAG, HANG = os.environ["TEST_FLAG"], os.environ["TEST_HANG"]


class Checked(Plugin):
    type = "test"
    health_interval = float(os.environ["TEST_INTERVAL"])

    def health(self):
        while os.path.exists(HANG):
            time.sleep(0.05)
        if os.path.exists(FLAG):
            return "critical", "flag file present"
        return "passing"

    @service("chk.who")
    def who(self, request):
        return {{"instance": self.instance}}


if __name__ == "__main__":
    Checked(name=os.environ.get("PLEXUS_PLUGIN", "chk")).run()
'''


def who(plugin: Plugin) -> Any:
    return lambda request: {"instance": plugin.instance}


class HealthLiveTest(BrokerTestCase):

    def offer_two(self, broker: BrokerProcess, service: str) -> List[Plugin]:
        """Two attached instances of one plugin offering ``service``, each answering with its instance id."""
        plugins = []
        for suffix in ("a", "b"):
            plugin = Plugin("hw", instance=f"hw-{suffix}")
            plugin.serve(service, who(plugin))
            self.run_plugin(plugin, broker)
            plugins.append(plugin)
        for plugin in plugins:
            self.session(broker, plugin.instance)
        wait_for(lambda: any(s["name"] == service and len(s["instances"]) == 2 for s in broker.client().services()),
                 what=f"two instances offering {service}")
        return plugins

    @staticmethod
    def health_of(broker: BrokerProcess, instance: str) -> Optional[InstanceHealth]:
        found = next((i for i in broker.client().plugins() if i["instance"] == instance), None)
        return None if found is None else instance_health(found)

    def wait_health(self, broker: BrokerProcess, instance: str, status: HealthStatus,
                    timeout: float = TIMEOUT) -> InstanceHealth:
        def check() -> Optional[InstanceHealth]:
            health = self.health_of(broker, instance)
            return health if health is not None and health.status is status else None
        try:
            return wait_for(check, timeout, f"{instance} {status.value}", interval=0.02)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; health: {self.health_of(broker, instance)}\n{broker.log_tail()}") from None

    @staticmethod
    def answered_by(broker: BrokerProcess, service: str, calls: int) -> List[str]:
        return [json.loads(broker.client().call(service, timeout=5.0))["instance"] for _ in range(calls)]

    def test_a_critical_instance_leaves_rotation_and_comes_back(self) -> None:
        broker = self.start_broker("plugins: {}\n")
        events = Subscriber(broker, "plexus.plugin.health")
        self.addCleanup(events.close)
        a, b = self.offer_two(broker, "hw.who")
        self.assertEqual(set(self.answered_by(broker, "hw.who", 6)), {"hw-a", "hw-b"})  # both in rotation
        before = self.health_of(broker, "hw-a")
        assert before is not None
        # Nothing reported yet: passing, no "reported".
        self.assertEqual((before.status, before.reported, before.isolated), (HealthStatus.PASSING, None, False))

        with self.assertLogs("plexus", "WARNING"):
            a.set_health("critical", "database unreachable", {"db": ("critical", "connection refused")})
            health = self.wait_health(broker, "hw-a", HealthStatus.CRITICAL)
        self.assertTrue(health.isolated)
        self.assertEqual(health.reported, HealthStatus.CRITICAL)
        self.assertIn("database unreachable", health.message)
        self.assertEqual(health.checks["db"].message, "connection refused")
        event = events.expect(lambda e: e.json()["instance"] == "hw-a" and e.json()["health"]["status"] == "critical",
                              what="plexus.plugin.health for hw-a critical")
        self.assertEqual(event.source, "plexus.broker")
        self.assertTrue(event.json()["health"]["isolated"])
        self.assertEqual(self.answered_by(broker, "hw.who", 6), ["hw-b"] * 6)  # no call for the critical one
        other = self.health_of(broker, "hw-b")
        self.assertTrue(other is not None and not other.isolated, other)

        a.set_health("passing")
        health = self.wait_health(broker, "hw-a", HealthStatus.PASSING)
        self.assertFalse(health.isolated)
        events.expect(lambda e: e.json()["instance"] == "hw-a" and e.json()["health"]["status"] == "passing",
                      what="plexus.plugin.health for hw-a passing again")
        self.assertIn("hw-a", self.answered_by(broker, "hw.who", 6))  # back in rotation

    def test_every_instance_critical_answers_503_with_the_reason(self) -> None:
        broker = self.start_broker("plugins: {}\n")
        a, b = self.offer_two(broker, "hw.all")
        with self.assertLogs("plexus", "WARNING"):
            a.set_health("critical", "disk full")
            b.set_health("critical", "no upstream")
            for instance in ("hw-a", "hw-b"):
                self.wait_health(broker, instance, HealthStatus.CRITICAL)
        with self.assertRaises(PlexusError) as cm:
            broker.client().call("hw.all", timeout=5.0)
        self.assertEqual((cm.exception.code, cm.exception.error), (503, "unavailable"))
        self.assertIn("disk full", cm.exception.message)
        self.assertIn("no upstream", cm.exception.message)
        # One recovers: calls are answered again, by it.
        b.set_health("passing")
        self.wait_health(broker, "hw-b", HealthStatus.PASSING)
        self.assertEqual(self.answered_by(broker, "hw.all", 2), ["hw-b", "hw-b"])

    def supervised_hook(self, interval: float) -> BrokerProcess:
        script = self.path("checked.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(HOOK_SCRIPT.format(sdk=str(SDK_DIR)))
        env = {"TEST_FLAG": self.path("critical.flag"), "TEST_HANG": self.path("hang.flag"),
               "TEST_INTERVAL": str(interval)}
        broker = self.start_broker("plugins:\n  chk:\n"
                                   f"    command: [python3, {json.dumps(script)}]\n"
                                   f"    env: {json.dumps(env)}\n"
                                   "    start_timeout: 20s\n    stop_timeout: 10s\n    restart: never\n")
        broker.wait_running("chk")
        return broker

    def status_health(self, broker: BrokerProcess) -> Optional[InstanceHealth]:
        [info] = broker.instances("chk")
        return instance_health(info)

    def wait_status_health(self, broker: BrokerProcess, predicate: Any, timeout: float, what: str) -> InstanceHealth:
        def check() -> Optional[InstanceHealth]:
            health = self.status_health(broker)
            return health if health is not None and predicate(health) else None
        try:
            return wait_for(check, timeout, what, interval=0.02)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; health: {self.status_health(broker)}\n{broker.log_tail()}") from None

    def test_the_health_hook_is_picked_up_within_the_interval(self) -> None:
        interval = 0.5
        broker = self.supervised_hook(interval)
        # The hook has been passing since READY: nothing to report (a session starts passing).
        health = self.status_health(broker)
        self.assertTrue(health is not None and health.status is HealthStatus.PASSING and health.reported is None, health)
        self.assertEqual(json.loads(broker.client().call("chk.who"))["instance"], "chk-1")

        open(self.path("critical.flag"), "w").close()
        began = time.monotonic()
        # Within one interval, plus room for a loaded machine to schedule the call and the broker.
        health = self.wait_status_health(broker, lambda h: h.status is HealthStatus.CRITICAL, interval + 1.5,
                                         "critical within the interval")
        self.assertLess(time.monotonic() - began, interval + 1.5)
        self.assertEqual(health.message, "flag file present")
        self.assertTrue(health.isolated)
        with self.assertRaises(PlexusError) as cm:
            broker.client().call("chk.who")
        self.assertEqual(cm.exception.code, 503)

        os.unlink(self.path("critical.flag"))
        self.wait_status_health(broker, lambda h: h.status is HealthStatus.PASSING and not h.isolated,
                                interval + 1.5, "passing again within the interval")
        self.assertEqual(json.loads(broker.client().call("chk.who"))["instance"], "chk-1")

    def test_a_hook_that_hangs_costs_no_heartbeat(self) -> None:
        interval = 0.5
        broker = self.supervised_hook(interval)
        open(self.path("hang.flag"), "w").close()
        health = self.wait_status_health(broker, lambda h: h.status is HealthStatus.CRITICAL, interval * 2 + 1.5,
                                         "a hung hook counts as critical")
        self.assertIn("has not returned", health.message)
        # Through the liveness window (3 s) and beyond, the session stays: heartbeats went on.
        end = time.monotonic() + 3.5
        while time.monotonic() < end:
            [info] = broker.instances("chk")
            self.assertEqual((info["state"], info.get("restarts", 0)), ("running", 0), info)
            time.sleep(0.1)
        os.unlink(self.path("hang.flag"))
        self.wait_status_health(broker, lambda h: h.status is HealthStatus.PASSING, interval * 2 + 1.5,
                                "passing once the hook returns")


if __name__ == "__main__":
    unittest.main()

"""The plugin runtime against a scripted fake broker on loopback TCP: RELOAD, the mesh-ready hook and
draining on STOP/stop(). Needs pyzmq only (no Swift broker); each test takes well under a second."""

import json
import os
import threading
import time
import unittest
from unittest import mock

from plexus import Plugin
from plexus import protocol as P
from tests.fakebroker import FakeBroker, start, wait_for


class LoopbackTest(unittest.TestCase):
    def setUp(self):
        self.broker = FakeBroker()
        self.addCleanup(self.broker.close)
        self.calls = []  # (hook, argument) in the order the plugin made them

    def run_plugin(self, plugin, config=None):
        plugin.broker = self.broker.endpoint
        self.thread, self.errors = start(plugin)
        self.addCleanup(self.finish, plugin)
        self.registration = self.broker.welcome(config)
        return plugin

    def finish(self, plugin):
        plugin.stop("test over")
        self.thread.join(5)
        self.assertFalse(self.thread.is_alive(), "run() did not return")
        self.assertEqual(self.errors, [])

    def stop_by_broker(self):
        self.broker.send(P.STOP, P.encode_json({"reason": "test"}))
        goodbye = json.loads(self.broker.expect(P.GOODBYE)[0])
        self.thread.join(5)
        self.assertFalse(self.thread.is_alive())
        return goodbye


class ReloadTest(LoopbackTest):
    def plugin(self, **kwargs):
        return Plugin("reloader", on_start=lambda ctx: self.calls.append(("start", ctx)),
                      on_reload=lambda config: self.calls.append(("reload", config)), **kwargs)

    def test_reload_updates_config_and_calls_the_hook(self):
        plugin = self.run_plugin(self.plugin(), {"path": "a"})
        ctx = self.calls[0][1]
        self.broker.send(P.RELOAD, P.encode_json({"config": {"path": "b"}}))
        wait_for(lambda: len(self.calls) == 2)
        self.assertEqual(self.calls[1], ("reload", {"path": "b"}))
        self.assertEqual(plugin.config, {"path": "b"})
        self.assertEqual(ctx.config, {"path": "b"})  # the context on_start kept is current too
        # An explicit RELOAD with an unchanged config still reaches the hook (e.g. "reopen files").
        self.broker.send(P.RELOAD, P.encode_json({"config": {"path": "b"}}))
        wait_for(lambda: len(self.calls) == 3)
        self.assertEqual(self.stop_by_broker(), {"reason": "stopped by broker: test"})

    def test_malformed_reload_is_ignored(self):
        plugin = self.run_plugin(self.plugin(), {"path": "a"})
        with self.assertLogs("plexus", "WARNING") as logs:
            for args in ([], [b"not json"], [b'{"config":[1]}'], [b"{}"]):
                self.broker.send(P.RELOAD, *args)
            self.broker.send(P.RELOAD, P.encode_json({"config": {"path": "c"}}))
            wait_for(lambda: len(self.calls) == 2)
        self.assertEqual(sum("ignoring malformed RELOAD" in line for line in logs.output), 4)
        self.assertEqual(self.calls[1], ("reload", {"path": "c"}))
        self.assertEqual(plugin.config, {"path": "c"})

    def test_failing_hook_keeps_the_plugin_running(self):
        def boom(config):
            self.calls.append(("reload", config))
            raise RuntimeError("cannot apply")
        self.run_plugin(Plugin("reloader", on_reload=boom))
        with self.assertLogs("plexus", "ERROR") as logs:
            self.broker.send(P.RELOAD, P.encode_json({"config": {"n": 1}}))
            self.broker.send(P.RELOAD, P.encode_json({"config": {"n": 2}}))
            wait_for(lambda: len(self.calls) == 2)
        self.assertEqual(len(logs.output), 2)
        self.assertTrue(self.thread.is_alive())

    def test_changed_config_at_re_registration(self):
        plugin = self.run_plugin(self.plugin(), {"path": "a"})
        ctx = self.calls[0][1]
        self.broker.send(P.ERR, P.encode_json({"code": 401, "error": "not_registered", "message": "who?"}))
        self.broker.welcome({"path": "b"})  # as after a broker restart with a changed topology
        self.assertEqual(self.calls[1:], [("reload", {"path": "b"})])
        self.assertEqual((plugin.config, ctx.config), ({"path": "b"}, {"path": "b"}))
        self.broker.send(P.ERR, P.encode_json({"code": 401, "error": "not_registered", "message": "who?"}))
        self.broker.welcome({"path": "b"})  # unchanged: no reload
        self.assertEqual(len(self.calls), 2)

    def test_registers_with_plexus_instance(self):
        with mock.patch.dict(os.environ, {"PLEXUS_INSTANCE": "reloader-7-g1"}):
            plugin = self.plugin()
        self.run_plugin(plugin)
        self.assertEqual(self.registration["instance"], "reloader-7-g1")


class MeshReadyTest(LoopbackTest):
    def plugin(self, *patterns):
        return Plugin("meshy", subscriptions=patterns,
                      on_event=lambda event: self.calls.append(("event", event.topic)),
                      on_mesh_ready=lambda plugins: self.calls.append(("mesh", plugins)))

    def test_hook_without_a_matching_pattern(self):
        self.run_plugin(self.plugin("user.*"))
        self.broker.await_subscriptions(b"user.", b"plexus.mesh.ready")
        self.broker.publish("plexus.mesh.ready", {"plugins": ["meshy", "greeter"]})
        self.broker.publish("plexus.mesh.ready", {"plugins": ["x"]}, source="anonymous")  # not the broker
        with self.assertLogs("plexus", "WARNING") as logs:
            self.broker.publish("plexus.mesh.ready", b"garbage")  # malformed: logged, skipped
            self.broker.publish("user.created", {"id": 1})
            wait_for(lambda: len(self.calls) == 2)
            time.sleep(0.1)  # nothing else may arrive
        self.assertIn("ignoring malformed plexus.mesh.ready", logs.output[0])
        self.assertEqual(self.calls, [("mesh", ["meshy", "greeter"]), ("event", "user.created")])

    def test_hook_and_handler_with_a_matching_pattern(self):
        self.run_plugin(self.plugin(">"))
        self.broker.await_subscriptions(b"", b"plexus.mesh.ready")
        self.broker.publish("plexus.mesh.ready", {"plugins": ["meshy"]})
        wait_for(lambda: len(self.calls) == 2)
        self.assertEqual(self.calls, [("mesh", ["meshy"]), ("event", "plexus.mesh.ready")])

    def test_mesh_ready_triggered_by_our_own_ready(self):
        # The broker publishes as soon as READY comes, without waiting for our SUB (slow joiner):
        # the SDK waits for the SUB's connection before READY, so the event is not lost.
        plugin = self.plugin("user.*")
        plugin.broker = self.broker.endpoint
        self.thread, self.errors = start(plugin)
        self.addCleanup(self.finish, plugin)
        self.broker.welcome()
        self.broker.publish("plexus.mesh.ready", {"plugins": ["meshy"]})
        wait_for(lambda: self.calls == [("mesh", ["meshy"])])


class DrainTest(LoopbackTest):
    """Section 4: told to stop, a plugin takes no new work but finishes the event in hand."""

    def plugin(self):
        self.busy = threading.Event()
        self.release = threading.Event()

        def on_event(event):
            self.calls.append(("event", event.seq))
            if len(self.calls) == 1:
                self.busy.set()
                self.release.wait(5)
        return Plugin("drainer", subscriptions=["work.>"], on_event=on_event,
                      on_stop=lambda: self.calls.append(("stop", None)))

    def publish_work(self):
        self.broker.await_subscriptions(b"work.")
        for _ in range(5):
            self.broker.publish("work.item", b"x", source="producer")
        self.assertTrue(self.busy.wait(5), "first event not delivered")

    def test_stop_from_broker(self):
        self.run_plugin(self.plugin())
        self.publish_work()
        self.broker.send(P.STOP)  # arrives while the first handler runs
        time.sleep(0.2)           # ... and is queued on the DEALER before it returns
        self.release.set()
        self.stop_by_broker()
        self.assertEqual(self.calls, [("event", 1), ("stop", None)])

    def test_stop_method(self):  # what SIGTERM/SIGINT do too
        plugin = self.run_plugin(self.plugin())
        self.publish_work()
        plugin.stop("SIGTERM")
        self.release.set()
        self.assertEqual(json.loads(self.broker.expect(P.GOODBYE)[0]), {"reason": "SIGTERM"})
        self.thread.join(5)
        self.assertEqual(self.calls, [("event", 1), ("stop", None)])


if __name__ == "__main__":
    unittest.main()

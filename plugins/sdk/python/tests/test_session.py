"""Pure pieces of the plugin session (docs/PROTOCOL.md sections 4 and 5): instance id selection, the probe
topic, RELOAD and plexus.mesh.ready decoding, event routing, and what the runtime does with a malformed
RELOAD (which the real broker never sends, so tests/test_broker.py cannot show it). No broker, no sockets."""

import os
import unittest
from unittest import mock

from plexus import Pattern, Plugin, ProtocolError
from plexus import protocol as P
from plexus.session import INTERNAL_PREFIXES, route, select_instance


class InstanceTest(unittest.TestCase):
    def test_name_pid_without_environment(self):
        self.assertEqual(select_instance("audit", environ={}, pid=42), "audit-42")

    def test_environment_is_the_default(self):
        self.assertEqual(select_instance("audit", environ={"PLEXUS_INSTANCE": "audit-1-g2"}, pid=42), "audit-1-g2")

    def test_empty_environment_is_ignored(self):
        self.assertEqual(select_instance("audit", environ={"PLEXUS_INSTANCE": ""}, pid=42), "audit-42")

    def test_explicit_argument_wins(self):
        env = {"PLEXUS_INSTANCE": "audit-1"}
        self.assertEqual(select_instance("audit", "mine", environ=env), "mine")
        # An empty argument means "not given", as before PLEXUS_INSTANCE existed.
        self.assertEqual(select_instance("audit", "", environ=env), "audit-1")

    def test_invalid_ids_are_refused(self):
        # The broker ties the session to the process by this id: falling back to NAME-PID would hide it.
        with self.assertRaisesRegex(ProtocolError, "PLEXUS_INSTANCE"):
            select_instance("audit", environ={"PLEXUS_INSTANCE": "audit 1"})
        with self.assertRaises(ProtocolError):
            select_instance("audit", "a/b", environ={})

    def test_plugin_uses_the_environment(self):
        with mock.patch.dict(os.environ, {"PLEXUS_INSTANCE": "pyx-3"}):
            self.assertEqual(Plugin("pyx").instance, "pyx-3")
            self.assertEqual(Plugin("pyx", instance="pyx-x").instance, "pyx-x")
        with mock.patch.dict(os.environ, {"PLEXUS_INSTANCE": ""}):
            self.assertEqual(Plugin("pyx").instance, f"pyx-{os.getpid()}")


class ReloadBodyTest(unittest.TestCase):
    def test_config(self):
        self.assertEqual(P.decode_reload([b'{"config":{"path":"/tmp/a","n":[1]}}']), {"path": "/tmp/a", "n": [1]})
        self.assertEqual(P.decode_reload([b'{"config":{},"extra":1}']), {})

    def test_missing_config_means_empty(self):
        self.assertEqual(P.decode_reload([b"{}"]), {})
        self.assertEqual(P.decode_reload([b'{"other":1}']), {})

    def test_malformed(self):
        for args in ([], [b""], [b"not json"], [b"\xff"], [b"[]"], [b'"x"'], [b'{"config":null}'],
                     [b'{"config":[1]}'], [b'{"config":"x"}'], [b'{"config":1}']):
            with self.subTest(args=args), self.assertRaises(ProtocolError):
                P.decode_reload(args)


class ReloadHandlingTest(unittest.TestCase):
    """The runtime's reaction to RELOAD messages, fed in without sockets."""

    def setUp(self):
        self.calls = []
        self.plugin = Plugin("reloader", on_reload=self.calls.append)
        self.plugin._started = True  # as after on_start
        self.plugin.config = {"path": "a"}

    def reload(self, *args):
        self.plugin._on_control(P.ControlMessage(P.PLUGIN, P.RELOAD, list(args)))

    def test_malformed_reload_is_logged_and_ignored(self):
        with self.assertLogs("plexus", "WARNING") as logs:
            for args in ([], [b""], [b"not json"], [b'{"config":[1]}'], [b'{"config":null}']):
                self.reload(*args)
        self.assertEqual(len(logs.output), 5)
        self.assertTrue(all("ignoring malformed RELOAD" in line for line in logs.output))
        self.assertEqual((self.calls, self.plugin.config), ([], {"path": "a"}))

    def test_missing_config_reloads_an_empty_one(self):
        self.reload(b"{}")
        self.assertEqual((self.calls, self.plugin.config), ([{}], {}))

    def test_failing_hook_is_logged(self):
        def boom(config):
            raise RuntimeError("cannot apply")
        self.plugin.on_reload = boom
        with self.assertLogs("plexus", "ERROR") as logs:
            self.reload(b'{"config":{"n":1}}')
        self.assertIn("on_reload failed", logs.output[0])
        self.assertEqual(self.plugin.config, {"n": 1})

    def test_reload_while_a_welcome_waits_for_its_probe(self):
        # The WELCOME's config is older than the RELOAD's: READY must not bring it back.
        self.plugin._pending = {"config": {"path": "old"}}
        self.reload(b'{"config":{"path":"new"}}')
        self.assertEqual(self.calls, [{"path": "new"}])
        self.assertEqual(self.plugin._pending["config"], {"path": "new"})

    def test_reload_before_on_start_goes_to_on_start(self):
        self.plugin._started = False
        self.plugin._pending = {"config": {"path": "old"}}
        self.reload(b'{"config":{"path":"new"}}')
        self.assertEqual(self.calls, [])
        self.assertEqual(self.plugin._pending["config"], {"path": "new"})


class SyncTopicTest(unittest.TestCase):
    def test_topic(self):
        self.assertEqual(P.sync_topic("audit-1"), "plexus.sync.audit-1")
        self.assertEqual(P.sync_topic("a.b-1_x"), "plexus.sync.a.b-1_x")
        self.assertEqual(Plugin("pyx", instance="pyx-9")._sync_topic, "plexus.sync.pyx-9")

    def test_ids_with_empty_parts_are_refused(self):
        # Ids have no empty dot-separated part, so that every id makes a valid probe topic.
        for instance in ("a..b", "a.", ".a"):
            with self.subTest(instance=instance):
                with self.assertRaises(ProtocolError):
                    P.validate_name(instance)
                self.assertIsNone(P.sync_topic(instance))


class MeshReadyPayloadTest(unittest.TestCase):
    def test_plugins(self):
        self.assertEqual(P.decode_mesh_ready(b'{"plugins":["audit","greeter"]}'), ["audit", "greeter"])
        self.assertEqual(P.decode_mesh_ready(b'{"plugins":[]}'), [])

    def test_malformed(self):
        for payload in (b"", b"x", b"[]", b"{}", b'{"plugins":"audit"}', b'{"plugins":[1]}'):
            with self.subTest(payload=payload), self.assertRaises(ProtocolError):
                P.decode_mesh_ready(payload)


def subs(*patterns):
    return [(Pattern(p), p) for p in patterns]  # the "handler" is the pattern text, for readable asserts


class RouteTest(unittest.TestCase):
    def test_mesh_ready_reaches_only_the_hook_without_a_matching_pattern(self):
        target = route("plexus.mesh.ready", "plexus.broker", subs("user.*", "plexus.plugin.>"))
        self.assertTrue(target.mesh_ready)
        self.assertEqual(target.handlers, [])

    def test_mesh_ready_also_reaches_matching_patterns(self):
        target = route("plexus.mesh.ready", "plexus.broker", subs(">", "user.*", "plexus.*.ready", "plexus.>"))
        self.assertTrue(target.mesh_ready)
        self.assertEqual([fn for _, fn in target.handlers], [">", "plexus.*.ready", "plexus.>"])

    def test_mesh_ready_from_someone_else_is_an_ordinary_event(self):
        for source in ("anonymous", "greeter-1", ""):
            with self.subTest(source=source):
                target = route("plexus.mesh.ready", source, subs(">"))
                self.assertFalse(target.mesh_ready)
                self.assertEqual(len(target.handlers), 1)

    def test_probes_reach_nobody(self):
        for topic in ("plexus.sync.me-1", "plexus.sync.other-2", "plexus.sync.x.y"):
            with self.subTest(topic=topic):
                self.assertEqual(route(topic, "me-1", subs(">", "plexus.>", "plexus.sync.*")), (False, []))
        # Only the exact prefix "plexus.sync." is the SDK's.
        self.assertEqual(len(route("plexus.syncx", "a", subs(">")).handlers), 1)

    def test_topics_let_in_by_the_internal_prefix_only(self):
        # "plexus.mesh.ready" as a ZeroMQ prefix also lets these through: nobody gets them.
        for topic in ("plexus.mesh.ready.x", "plexus.mesh.readyish"):
            with self.subTest(topic=topic):
                self.assertEqual(route(topic, "plexus.broker", subs("user.*")), (False, []))

    def test_ordinary_events(self):
        target = route("user.created", "greeter-1", subs("user.*", "user.created", "order.*", "user.>"))
        self.assertFalse(target.mesh_ready)
        self.assertEqual([fn for _, fn in target.handlers], ["user.*", "user.created", "user.>"])

    def test_internal_prefixes_are_the_mesh_ready_topic_and_the_event_heartbeat(self):
        self.assertEqual(INTERNAL_PREFIXES, (b"plexus.mesh.ready", b"plexus.events.heartbeat"))

    def test_the_event_heartbeat_reaches_no_handler(self):
        target = route("plexus.events.heartbeat", "plexus.broker", subs(">", "plexus.>"))
        self.assertEqual((target.mesh_ready, target.handlers), (False, []))


if __name__ == "__main__":
    unittest.main()

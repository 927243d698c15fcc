"""Pure pieces of the plugin session (docs/PROTOCOL.md sections 4 and 5): instance id selection,
RELOAD and plexus.mesh.ready decoding, event routing. No broker, no sockets."""

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

    def test_malformed(self):
        for args in ([], [b""], [b"not json"], [b"\xff"], [b"[]"], [b"{}"], [b'{"config":null}'],
                     [b'{"config":[1]}'], [b'{"config":"x"}']):
            with self.subTest(args=args), self.assertRaises(ProtocolError):
                P.decode_reload(args)


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

    def test_topics_let_in_by_the_internal_prefix_only(self):
        # "plexus.mesh.ready" as a ZeroMQ prefix also lets these through: nobody gets them.
        for topic in ("plexus.mesh.ready.x", "plexus.mesh.readyish"):
            with self.subTest(topic=topic):
                self.assertEqual(route(topic, "plexus.broker", subs("user.*")), (False, []))

    def test_ordinary_events(self):
        target = route("user.created", "greeter-1", subs("user.*", "user.created", "order.*", "user.>"))
        self.assertFalse(target.mesh_ready)
        self.assertEqual([fn for _, fn in target.handlers], ["user.*", "user.created", "user.>"])

    def test_internal_prefix_is_the_mesh_ready_topic(self):
        self.assertEqual(INTERNAL_PREFIXES, (b"plexus.mesh.ready",))


if __name__ == "__main__":
    unittest.main()

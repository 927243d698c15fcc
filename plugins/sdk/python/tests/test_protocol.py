"""Frame encoding and decoding, docs/PROTOCOL.md sections 2-6. No broker needed."""

import json
import unittest

from plexus import Event, PlexusError, PlexusTimeout, ProtocolError, validate_topic
from plexus import protocol as P


class TopicTest(unittest.TestCase):
    def test_valid(self):
        # Non-ASCII characters, even U+00A0, are allowed: only bytes 0-32 and 127 are refused.
        for topic in ["user.created", "a", "a.b.c", "x" * 255, "événement.créé", "a-b_c.d:e", "a\u00a0b"]:
            with self.subTest(topic=topic):
                self.assertEqual(validate_topic(topic), topic)

    def test_invalid(self):
        for topic in ["", ".", "a.", ".a", "a..b", "a b", "a.*", "a.>", "a*b", ">", "x" * 256,
                      "é" * 128, b"a.b", None, "a\nb", "a\x00b", "a\x7fb"]:
            with self.subTest(topic=topic):
                with self.assertRaises(ProtocolError):
                    validate_topic(topic)

    def test_names(self):
        self.assertEqual(P.validate_name("audit-1234"), "audit-1234")
        for bad in ["", "a b", "a/b", "x" * 129, "ü"]:
            with self.subTest(name=bad), self.assertRaises(ProtocolError):
                P.validate_name(bad)


class PayloadTest(unittest.TestCase):
    def test_payload_kinds(self):
        self.assertEqual(P.encode_payload(b"\x00\xff"), b"\x00\xff")
        self.assertEqual(P.encode_payload(bytearray(b"ab")), b"ab")
        self.assertEqual(P.encode_payload("héllo"), "héllo".encode("utf-8"))
        self.assertEqual(json.loads(P.encode_payload({"a": [1, "é"]})), {"a": [1, "é"]})
        self.assertEqual(P.encode_payload([1, 2]), b"[1,2]")

    def test_unserializable_payload(self):
        with self.assertRaises(TypeError):
            P.encode_payload(object())


class ControlFramingTest(unittest.TestCase):
    def test_plugin_message_has_explicit_delimiter(self):
        self.assertEqual(P.encode_plugin(P.READY), [b"", b"PLXP01", b"READY"])
        self.assertEqual(P.encode_plugin(P.REGISTER, b"{}"), [b"", b"PLXP01", b"REGISTER", b"{}"])

    def test_decode_with_and_without_delimiter(self):
        for frames in ([b"", b"PLXP01", b"WELCOME", b"{}"], [b"PLXP01", b"WELCOME", b"{}"]):
            msg = P.decode_control(frames)
            self.assertEqual((msg.header, msg.command, msg.args), (b"PLXP01", b"WELCOME", [b"{}"]))

    def test_malformed_control(self):
        for frames in ([], [b""], [b"", b"PLXP01"], [b"", b"XYZ01", b"PING"], [b"", b"MDPC01", b"X"],
                       [b"", b"PLXP01", b""], [b"", b"PLXP01", b"HEART BEAT"], [b"", b"PLXP01", b"\xff"],
                       [b"", b"PLXC01", b"OK"] + [b"x"] * 62):
            with self.subTest(frames=frames[:4]):
                with self.assertRaises(ProtocolError):
                    P.decode_control(frames)

    def test_too_many_frames_to_send(self):
        with self.assertRaises(ProtocolError):
            P.encode_plugin(P.HEARTBEAT, *([b"x"] * 62))


class ClientProtocolTest(unittest.TestCase):
    def test_request(self):
        self.assertEqual(P.encode_request(P.PING, b"7"), [b"", b"PLXC01", b"PING", b"7"])
        with self.assertRaises(ProtocolError):
            P.encode_request(P.PING, b"x" * 256)

    def test_publish_request(self):
        frames = P.encode_publish(b"1", "user.created", {"id": 1}, {"k": "v"})
        self.assertEqual(frames[:5], [b"", b"PLXC01", b"PUBLISH", b"1", b"user.created"])
        self.assertEqual(json.loads(frames[5]), {"id": 1})
        self.assertEqual(json.loads(frames[6]), {"k": "v"})
        self.assertEqual(len(P.encode_publish(b"1", "a", b"x")), 6)  # no HEADERS frame
        with self.assertRaises(ProtocolError):
            P.encode_publish(b"1", "a.*", b"x")
        with self.assertRaises(TypeError):
            P.encode_publish(b"1", "a", b"x", {"k": 1})

    def test_ok_reply(self):
        reply = P.decode_reply([b"", b"PLXC01", b"OK", b"9", b'{"seq":3}'])
        self.assertTrue(reply.ok)
        self.assertEqual(reply.request_id, b"9")
        self.assertEqual(reply.body, [b'{"seq":3}'])

    def test_err_reply(self):
        body = b'{"code":404,"error":"not_found","message":"no such plugin"}'
        reply = P.decode_reply([b"", b"PLXC01", b"ERR", b"", body])
        self.assertFalse(reply.ok)
        err = PlexusError.from_body(reply.body[0])
        self.assertEqual((err.code, err.error, err.message), (404, "not_found", "no such plugin"))
        self.assertIn("not_found (404)", str(err))

    def test_malformed_replies(self):
        for frames in ([b"", b"PLXC01", b"MAYBE", b"1"], [b"", b"PLXC01", b"OK"],
                       [b"", b"PLXP01", b"OK", b"1"], [b"", b"garbage"]):
            with self.subTest(frames=frames):
                with self.assertRaises(ProtocolError):
                    P.decode_reply(frames)

    def test_broken_error_bodies_still_give_an_error(self):
        for body in (None, b"", b"not json", b"[1]", b'{"code":"x"}', b"\xff"):
            with self.subTest(body=body):
                err = PlexusError.from_body(body)
                self.assertEqual(err.code, 500)
                self.assertEqual(err.error, "internal")

    def test_timeout_error(self):
        err = PlexusTimeout("late")
        self.assertIsInstance(err, PlexusError)
        self.assertIsInstance(err, TimeoutError)
        self.assertEqual((err.code, err.error), (504, "timeout"))


class PluginSessionTest(unittest.TestCase):
    WELCOME = {"instance": "audit-1", "broker": "b-1", "config": {"path": "/tmp/a"}, "heartbeat_ms": 500,
               "liveness": 4, "events_in": "tcp://127.0.0.1:7701", "events_out": "tcp://127.0.0.1:7702"}

    def test_welcome(self):
        body = P.decode_welcome([json.dumps(self.WELCOME).encode()])
        self.assertEqual(body["config"], {"path": "/tmp/a"})
        self.assertEqual((body["heartbeat_ms"], body["liveness"]), (500, 4))

    def test_welcome_defaults(self):
        minimal = {"events_in": "tcp://h:1", "events_out": "tcp://h:2"}
        body = P.decode_welcome([json.dumps(minimal).encode()])
        self.assertEqual((body["config"], body["heartbeat_ms"], body["liveness"]), ({}, 1000, 3))

    def test_malformed_welcome(self):
        bad = [
            [],
            [b"not json"],
            [b"\xff\xfe"],
            [b"[]"],
            [json.dumps({**self.WELCOME, "events_in": None}).encode()],
            [json.dumps({k: v for k, v in self.WELCOME.items() if k != "events_out"}).encode()],
            [json.dumps({**self.WELCOME, "heartbeat_ms": 0}).encode()],
            [json.dumps({**self.WELCOME, "liveness": "3"}).encode()],
            [json.dumps({**self.WELCOME, "config": [1]}).encode()],
        ]
        for args in bad:
            with self.subTest(args=args):
                with self.assertRaises(ProtocolError):
                    P.decode_welcome(args)

    def test_optional_reason(self):
        self.assertEqual(P.optional_json_object([], "STOP"), {})
        self.assertEqual(P.optional_json_object([b""], "STOP"), {})
        self.assertEqual(P.optional_json_object([b'{"reason":"x"}'], "STOP"), {"reason": "x"})
        with self.assertRaises(ProtocolError):
            P.optional_json_object([b'"x"'], "STOP")


class EventTest(unittest.TestCase):
    META = {"seq": 42, "time": 1732200000123456, "source": "greeter-4242", "headers": {"k": "v"}}

    def test_encode_event(self):
        self.assertEqual(P.encode_event("a.b", "x"), [b"a.b", b"x"])
        frames = P.encode_event("a.b", {"n": 1}, {"source": "me"})
        self.assertEqual(frames[:2], [b"a.b", b'{"n":1}'])
        self.assertEqual(json.loads(frames[2]), {"source": "me"})
        with self.assertRaises(ProtocolError):
            P.encode_event("a.>", b"")

    def test_decode_event(self):
        event = Event.from_frames([b"user.created", b'{"id":7}', json.dumps(self.META).encode()])
        self.assertEqual(event.topic, "user.created")
        self.assertEqual(event.data, b'{"id":7}')
        self.assertEqual(event.text, '{"id":7}')
        self.assertEqual(event.json(), {"id": 7})
        self.assertEqual((event.seq, event.time, event.source), (42, 1732200000123456, "greeter-4242"))
        self.assertEqual(event.headers, {"k": "v"})
        self.assertAlmostEqual(event.timestamp, 1732200000.123456)

    def test_headers_are_optional(self):
        meta = {"seq": 1, "time": 2, "source": "anonymous"}
        event = Event.from_frames([b"a", b"\xff", json.dumps(meta).encode()])
        self.assertEqual(event.headers, {})
        with self.assertRaises(UnicodeDecodeError):
            event.text

    def test_malformed_events(self):
        meta = json.dumps(self.META).encode()
        bad = [
            [b"a", b"x"],
            [b"a", b"x", meta, b"extra"],
            [b"\xff", b"x", meta],
            [b"a", b"x", b"not json"],
            [b"a", b"x", b"[]"],
            [b"a", b"x", json.dumps({**self.META, "seq": "1"}).encode()],
            [b"a", b"x", json.dumps({**self.META, "seq": True}).encode()],
            [b"a", b"x", json.dumps({k: v for k, v in self.META.items() if k != "time"}).encode()],
            [b"a", b"x", json.dumps({**self.META, "source": None}).encode()],
            [b"a", b"x", json.dumps({**self.META, "headers": {"k": 1}}).encode()],
        ]
        for frames in bad:
            with self.subTest(frames=frames):
                with self.assertRaises(ProtocolError):
                    Event.from_frames(frames)


class EndpointTest(unittest.TestCase):
    def test_wildcard_host_is_replaced_by_control_host(self):
        self.assertEqual(P.resolve_endpoint("tcp://0.0.0.0:7701", "tcp://10.1.2.3:7700"), "tcp://10.1.2.3:7701")
        self.assertEqual(P.resolve_endpoint("tcp://*:7701", "tcp://broker.lan:7700"), "tcp://broker.lan:7701")

    def test_other_endpoints_unchanged(self):
        self.assertEqual(P.resolve_endpoint("tcp://127.0.0.1:7701", "tcp://10.1.2.3:7700"), "tcp://127.0.0.1:7701")
        self.assertEqual(P.resolve_endpoint("ipc:///tmp/x", "tcp://10.1.2.3:7700"), "ipc:///tmp/x")

    def test_wildcard_control_falls_back_to_loopback(self):
        self.assertEqual(P.resolve_endpoint("tcp://0.0.0.0:7701", "tcp://0.0.0.0:7700"), "tcp://127.0.0.1:7701")


if __name__ == "__main__":
    unittest.main()

"""The shared test vectors of ``Tests/Fixtures/vectors`` (their format is described in the files), checked with
the Python SDK; ``Tests/PlexusProtocolTests/VectorTests.swift`` checks the same vectors with the Swift codec.

The SDK is a client and a plugin, so it encodes what clients and plugins send (client requests, through
:class:`~plexus.Client` itself; plugin messages; published events) and decodes what they receive (client
replies, broker messages, delivered events). It may produce a vector's ``frames`` or any of its
``alternatives``: JSON frames are compared as JSON.
"""

import json
import unittest
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from unittest import mock

from plexus import Client, Event, Pattern, PlexusError, Plugin, ProtocolError, validate_topic
from plexus import protocol as P
from plexus import service_codec as S
from plexus.events_codec import Heartbeat, ReplayBatch, SubscriberCounts
from plexus.health import HealthReport, decode_health, encode_health, health_error_code
from plexus.session import RegistrationToken

VECTORS = Path(__file__).resolve().parents[4] / "Tests" / "Fixtures" / "vectors"

Spec = Any  # a frame as the vectors write it: str, {"hex": ...} or {"json": ...}


def load(name: str) -> Dict[str, Any]:
    with open(VECTORS / name, encoding="utf-8") as f:
        data: Dict[str, Any] = json.load(f)
    return data


def frame(spec: Spec) -> bytes:
    """The bytes of one frame."""
    if isinstance(spec, str):
        return spec.encode("utf-8")
    if isinstance(spec, dict) and "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if isinstance(spec, dict) and "json" in spec:
        return json.dumps(spec["json"], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raise AssertionError(f"not a frame: {spec!r}")


def frame_matches(actual: bytes, spec: Spec) -> bool:
    if isinstance(spec, dict) and "json" in spec:
        try:
            return bool(json.loads(actual.decode("utf-8")) == spec["json"])
        except ValueError:
            return False
    return bytes(actual) == frame(spec)


def encodings(vector: Dict[str, Any]) -> List[List[Spec]]:
    """A vector's ``frames`` and its alternatives."""
    return [vector["frames"], *vector.get("alternatives", [])]


def matches_any(actual: Sequence[bytes], vector: Dict[str, Any]) -> bool:
    return any(len(spec) == len(actual) and all(frame_matches(a, s) for a, s in zip(actual, spec))
               for spec in encodings(vector))


def encodes(vector: Dict[str, Any]) -> bool:
    return not str(vector.get("note", "")).startswith("decode only")


def without_delimiter(frames: Sequence[bytes]) -> List[bytes]:
    """What a DEALER sends, less the empty delimiter frame the vectors leave out."""
    assert frames[0] == b"", frames
    return list(frames[1:])


class CapturingClient(Client):
    """A Client that sends nothing: it records the frames of each request and answers with a canned body."""

    def __init__(self, request_id: bytes) -> None:
        super().__init__("tcp://127.0.0.1:1")
        self.request_id = request_id
        self.sent: List[List[bytes]] = []

    def _new_id(self) -> bytes:
        return self.request_id

    def _exchange(self, frames: List[bytes], request_id: bytes, timeout: Optional[float],
                  on_partial: Any = None, call: bool = False) -> List[bytes]:
        self.sent.append(list(frames))
        command = frames[2]
        if command == P.PUBLISH:
            return [b'{"seq":1}']
        if command in (P.PLUGINS, P.STATUS, P.SERVICES, P.START, P.STOP, P.RESTART, P.UPGRADE) or (
                command in (P.TASKS, P.DURABLE) and frames[4] == b"LIST"):
            return [b"[]"]
        if command == P.EVENTS and len(frames) > 4:
            return [b"a.b", b"", b'{"seq":1,"time":0,"source":"x"}']
        if command == P.REPLAY:
            return [b'{"count":0,"scanned_to":0,"next_seq":1,"done":true}']
        if command == P.DURABLE:
            verb = frames[4]
            if verb == b"OPEN":
                return [b'{"name":"n","pattern":">","acked":0,"created":true}']
            return [b'{"acked":1}' if verb == b"ACK" else b'{"seq":1}' if verb == b"DEAD" else b"{}"]
        return [b"{}"]


def send_as_client(m: Dict[str, Any]) -> Optional[List[bytes]]:
    """The frames the SDK's Client sends for the request ``m`` (a vector's meaning), or None when the Client
    has no way to send it (it never sends a PAGE frame)."""
    if "page" in m:
        return None
    client = CapturingClient(frame(m["request_id"]))
    command = m["command"]
    if command == "PING":
        client.ping()
    elif command == "DISCOVER":
        client.discover()
    elif command == "PUBLISH":
        client.publish(m["topic"], frame(m["payload"]), m["headers"] or None)
    elif command in ("PLUGINS", "STATUS", "STATS", "SERVICES", "METRICS"):
        getattr(client, command.lower())()
    elif command in ("START", "STOP", "RESTART", "RELOAD", "UPGRADE"):
        getattr(client, command.lower())(m["plugin"])
    elif command == "APPLY":
        client.apply(m["yaml"], m["base_dir"], m.get("dry_run", False))
    elif command == "SHUTDOWN":
        client.shutdown()
    elif command == "LOGS":
        client.logs(m["plugin"], m["since"], m["limit"])
    elif command == "CALL":
        options = m["options"]
        client.call(m["service"], frame(m["body"]), timeout=options["timeout_ms"] / 1000,
                    headers=options["headers"] or None, idempotent=options["idempotent"])
    elif command == "EVENTS":
        if m["last_of"] is None:
            client.events_state()
        else:
            client.last_event(m["last_of"])
    elif command == "REPLAY":
        r = m["replay"]
        client.replay(r["pattern"], r.get("from_seq"), r.get("from_time"), r.get("last"), r.get("to_seq"),
                      r.get("to_time"), r.get("max_events", 1000), r.get("max_bytes"))
    elif command == "DURABLE":
        verb, body = m["verb"], m["body"] or {}
        if verb == "OPEN":
            client.durable_open(body["name"], body["pattern"], body.get("start", "new"))
        elif verb == "ACK":
            client.durable_ack(body["name"], body["seq"])
        elif verb == "DEAD":
            client.durable_dead(body["name"], body["seq"], body["topic"], body["error"], body["attempts"],
                                frame(m["payload"]))
        elif verb == "LIST":
            client.durable_list()
        else:
            client.durable_delete(body["name"])
    elif command == "SUBSCRIBER":
        r = m["report"]
        counts = SubscriberCounts(r["received"], r["delivered"], r["gaps_seen"], r["gaps_repaired"],
                                  r["events_repaired"], r["events_lost"])
        client.report_subscriber(r["id"], r["patterns"], counts)
    elif command == "TASKS":
        verb, argument = m["verb"], m["argument"]
        if verb == "LIST":
            if argument is None:
                client.tasks_list()
            else:
                page = json.loads(argument)
                client.tasks_list(offset=page.get("offset"), limit=page.get("limit"))
        elif verb == "ADD":
            client.task_add(argument)
        else:
            getattr(client, f"task_{verb.lower()}")(argument)
    else:
        raise AssertionError(f"no Client method for {command}")
    assert len(client.sent) == 1, client.sent
    return without_delimiter(client.sent[0])


def send_as_plugin(m: Dict[str, Any]) -> List[bytes]:
    """The frames the SDK sends for the plugin message ``m``."""
    command = m["command"]
    if command == "REGISTER":
        r = m["registration"]
        services = {name: (lambda request: None) for name in r.get("services", [])}
        plugin = Plugin(r["name"], r.get("type", ""), r.get("version", ""), instance=r["instance"],
                        services=services, subscriptions=r.get("subscriptions", []),
                        concurrency=r.get("concurrency", 1))
        plugin._token = RegistrationToken(r["token"]) if "token" in r else None
        sent: List[List[bytes]] = []
        plugin._send_frames = sent.append  # type: ignore[method-assign]
        with mock.patch("os.getpid", return_value=r.get("pid", 0)):
            plugin._register()
        assert len(sent) == 1, sent
        return without_delimiter(sent[0])
    if command == "READY":
        return without_delimiter(P.encode_plugin(P.READY))
    if command == "HEARTBEAT":
        return without_delimiter(P.encode_plugin(P.HEARTBEAT))
    if command == "GOODBYE":
        return without_delimiter(P.encode_goodbye(m["reason"]))
    if command == "PARTIAL":
        return without_delimiter(S.encode_partial(frame(m["rid"]), frame(m["body"])))
    if command == "REPLY":
        return without_delimiter(S.encode_reply(frame(m["rid"]), frame(m["body"])))
    if command == "FAIL":
        e = m["error"]
        return without_delimiter(S.encode_fail(frame(m["rid"]), e["code"], e["error"], e["message"]))
    if command == "HEALTH":
        return without_delimiter(encode_health(HealthReport.decode(m["report"])))
    raise AssertionError(f"the SDK does not send {command}")


def decode_broker_message(frames: Sequence[bytes]) -> Dict[str, Any]:
    """A broker message decoded with the SDK's decoders, as a vector's meaning."""
    msg = P.decode_control(frames)
    if msg.header != P.PLUGIN:
        raise ProtocolError(f"not {P.PLUGIN!r}")
    command = msg.command.decode("ascii")
    if msg.command == P.WELCOME:
        return {"command": command, "welcome": P.decode_welcome(msg.args)}
    if msg.command in (P.STOP, P.DISCONNECT):
        return {"command": command, "reason": P.optional_json_object(msg.args, command).get("reason")}
    if msg.command == P.RELOAD:
        return {"command": command, "config": P.decode_reload(msg.args)}
    if msg.command == P.REQUEST:
        r = S.decode_request(msg.args, received_at=0.0)
        assert r.deadline == r.meta["deadline"] / 1_000_000 and r.timeout == r.meta["timeout_ms"] / 1000, r
        assert r.headers == r.meta["headers"] and r.caller == r.meta["caller"], r
        return {"command": command, "rid": r.rid, "service": r.service, "body": r.body, "meta": r.meta}
    if msg.command == P.CANCEL:
        return {"command": command, "rid": S.decode_cancel(msg.args)}
    if msg.command == P.ERR:
        return {"command": command, "error": PlexusError.from_body(msg.args[0] if msg.args else None).to_dict()}
    if msg.command == P.HEARTBEAT:
        return {"command": command}
    raise AssertionError(f"no decoder for {command}")


def as_bytes_meaning(m: Dict[str, Any], keys: Tuple[str, ...]) -> Dict[str, Any]:
    """``m`` with the frame-valued ``keys`` turned into bytes, to compare with decoded values."""
    return {k: (frame(v) if k in keys else v) for k, v in m.items()}


class CodecVectorTest(unittest.TestCase):
    codec = load("codec.json")

    def encodings(self, section: str) -> List[Tuple[Dict[str, Any], List[Spec]]]:
        """Every vector of ``section`` with each of its encodings."""
        return [(vector, spec) for vector in self.codec[section] for spec in encodings(vector)]

    def test_client_requests_as_the_client_sends_them(self) -> None:
        sent = 0
        for vector in self.codec["client_requests"]:
            with self.subTest(vector=vector["name"]):
                frames = send_as_client(vector["decoded"])
                if frames is not None:
                    sent += 1
                    self.assertTrue(matches_any(frames, vector), frames)
        self.assertGreater(sent, 25)

    def test_client_replies_decode(self) -> None:
        for vector, spec in self.encodings("client_replies"):
            with self.subTest(vector=vector["name"], frames=spec):
                m = vector["decoded"]
                frames = [frame(s) for s in spec]
                reply = S.decode_call_reply(frames)
                self.assertEqual(reply.status.decode(), m["status"])
                self.assertEqual(reply.request_id, frame(m["request_id"]))
                if m["status"] == "ERR":
                    self.assertEqual(PlexusError.from_body(reply.body[0]).to_dict(), m["error"])
                else:
                    self.assertEqual(len(reply.body), len(m["body"]))
                    self.assertTrue(all(frame_matches(b, s) for b, s in zip(reply.body, m["body"])), reply.body)
                if m["status"] != "PARTIAL":  # decode_reply is for the commands that get no PARTIAL
                    self.assertEqual(P.decode_reply(frames).ok, m["status"] == "OK")

    def test_replay_batches_decode(self) -> None:
        for vector in self.codec["client_replies"]:
            if not vector["name"].startswith("OK of REPLAY"):
                continue
            with self.subTest(vector=vector["name"]):
                reply = P.decode_reply([frame(s) for s in vector["frames"]])
                batch = ReplayBatch.decode(reply.body)
                header = vector["frames"][3]["json"]
                self.assertEqual((batch.count, batch.scanned_to, batch.next_seq, batch.done, batch.epoch),
                                 (header["count"], header["scanned_to"], header["next_seq"], header["done"],
                                  header["epoch"]))
                self.assertEqual([(g.first, g.last, g.reason) for g in batch.gaps],
                                 [(g["first"], g["last"], g["reason"]) for g in header["gaps"]])
                self.assertEqual(len(batch.events), header["count"])

    def test_plugin_messages_as_the_plugin_sends_them(self) -> None:
        for vector in self.codec["plugin_messages"]:
            with self.subTest(vector=vector["name"]):
                if encodes(vector):
                    frames = send_as_plugin(vector["decoded"])
                    self.assertTrue(matches_any(frames, vector), frames)

    def test_health_reports_decode(self) -> None:
        # The SDK sends HEALTH; it also decodes it (with the broker's limits), so that what it sends can be
        # checked and tools can read a report.
        seen = 0
        for vector, spec in self.encodings("plugin_messages"):
            if vector["decoded"]["command"] != "HEALTH":
                continue
            seen += 1
            with self.subTest(vector=vector["name"], frames=spec):
                msg = P.decode_control([frame(s) for s in spec])
                self.assertEqual(decode_health(msg.args).to_json(), vector["decoded"]["report"])
        self.assertGreaterEqual(seen, 3)

    def test_invalid_health_reports_are_refused(self) -> None:
        vectors = [v for v in self.codec["invalid"]["plugin_messages"] if v["frames"][1:2] == ["HEALTH"]]
        self.assertTrue(vectors)
        for vector in vectors:
            with self.subTest(vector=vector["name"]), self.assertRaises(ProtocolError):
                args = P.decode_control([frame(s) for s in vector["frames"]]).args
                self.assertEqual(health_error_code(args), vector["code"])
                decode_health(args)

    def test_broker_messages_decode(self) -> None:
        for vector, spec in self.encodings("broker_messages"):
            with self.subTest(vector=vector["name"], frames=spec):
                expected = as_bytes_meaning(vector["decoded"], ("rid", "body"))
                self.assertEqual(decode_broker_message([frame(s) for s in spec]), expected)

    def test_events_in_as_published(self) -> None:
        for vector in self.codec["events_in"]:
            with self.subTest(vector=vector["name"]):
                m = vector["decoded"]
                if encodes(vector):
                    self.assertTrue(matches_any(P.encode_event(m["topic"], frame(m["payload"]), m["headers"]), vector))

    def test_events_out_decode(self) -> None:
        for vector, spec in self.encodings("events_out"):
            with self.subTest(vector=vector["name"], frames=spec):
                m = vector["decoded"]
                event = Event.from_frames([frame(s) for s in spec])
                self.assertEqual((event.topic, event.data, event.seq, event.time, event.source, event.headers),
                                 (m["topic"], frame(m["payload"]), m["seq"], m["time"], m["source"], m["headers"]))
                # Absent prev and epoch (brokers before section 10) decode as None.
                self.assertEqual((event.prev, event.epoch), (m.get("prev"), m.get("epoch")))
                if "heartbeat" in m:
                    h = m["heartbeat"]
                    self.assertEqual(Heartbeat.decode(event.data),
                                     Heartbeat(h["n"], h["head"], h["first_seq"], h["dropped"], h["epoch"]))

    def test_invalid_broker_messages_are_refused(self) -> None:
        for vector in self.codec["invalid"]["broker_messages"]:
            with self.subTest(vector=vector["name"]), self.assertRaises(ProtocolError):
                decode_broker_message([frame(s) for s in vector["frames"]])

    def test_invalid_client_replies_are_refused(self) -> None:
        for vector in self.codec["invalid"]["client_replies"]:
            with self.subTest(vector=vector["name"]), self.assertRaises(ProtocolError):
                S.decode_call_reply([frame(s) for s in vector["frames"]])

    def test_invalid_events_out_are_refused(self) -> None:
        for vector in self.codec["invalid"]["events_out"]:
            with self.subTest(vector=vector["name"]), self.assertRaises(ProtocolError):
                Event.from_frames([frame(s) for s in vector["frames"]])

    def test_invalid_topics_of_events_in_are_refused(self) -> None:
        # The SDK publishes events rather than decoding them: it refuses to encode a bad topic. Headers are a
        # dict of str here, so the vectors' malformed header frames cannot be expressed.
        for vector in self.codec["invalid"]["events_in"]:
            if vector["name"].startswith("headers"):
                continue
            with self.subTest(vector=vector["name"]), self.assertRaises((ProtocolError, UnicodeDecodeError)):
                P.encode_event(frame(vector["frames"][0]).decode("utf-8"), frame(vector["frames"][1]))

    def test_invalid_control_messages_are_refused(self) -> None:
        # What the SDK's framing checks itself (a DEALER's view): too many frames, an unknown header, no command.
        for vector in self.codec["invalid"]["control"]:
            with self.subTest(vector=vector["name"]), self.assertRaises(ProtocolError):
                P.decode_control([frame(s) for s in vector["frames"]])


class PatternVectorTest(unittest.TestCase):
    table = load("patterns.json")

    def test_topics(self) -> None:
        for topic in self.table["topics"]["valid"]:
            with self.subTest(topic=topic):
                self.assertEqual(validate_topic(topic), topic)
        for topic in self.table["topics"]["invalid"]:
            with self.subTest(topic=topic), self.assertRaises(ProtocolError):
                validate_topic(topic)

    def test_patterns_and_prefixes(self) -> None:
        for entry in self.table["patterns"]["valid"]:
            with self.subTest(pattern=entry["pattern"]):
                self.assertEqual(Pattern(entry["pattern"]).prefix, entry["prefix"].encode("utf-8"))
        for text in self.table["patterns"]["invalid"]:
            with self.subTest(pattern=text), self.assertRaises(ProtocolError):
                Pattern(text)

    def test_matches(self) -> None:
        for entry in self.table["matches"]:
            pattern = Pattern(entry["pattern"])
            for topic in entry["match"]:
                with self.subTest(pattern=str(pattern), topic=topic):
                    self.assertTrue(pattern.matches(topic))
                    self.assertTrue(topic.encode("utf-8").startswith(pattern.prefix))  # ZeroMQ lets it through
            for topic in entry["no_match"]:
                with self.subTest(pattern=str(pattern), topic=topic):
                    self.assertFalse(pattern.matches(topic))

    def test_names(self) -> None:
        for name in self.table["names"]["valid"]:
            with self.subTest(name=name):
                self.assertEqual(P.validate_name(name), name)
        for name in self.table["names"]["invalid"]:
            with self.subTest(name=name), self.assertRaises(ProtocolError):
                P.validate_name(name)

    def test_service_names(self) -> None:
        names = self.table["service_names"]
        for name in names["valid"]:
            with self.subTest(name=name):
                self.assertEqual(S.validate_service(name, offering=True), name)
        for name in names["invalid"] + names["reserved"]:
            with self.subTest(name=name), self.assertRaises(ProtocolError):
                S.validate_service(name, offering=True)


if __name__ == "__main__":
    unittest.main()

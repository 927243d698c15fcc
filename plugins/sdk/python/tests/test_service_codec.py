"""The frames of services, docs/PROTOCOL.md section 6: REQUEST, CANCEL, PARTIAL, REPLY, FAIL, the
registration fields, CALL and its OPTIONS, and the replies to CALL. Pure: no broker, no sockets."""

import json
import math
import unittest

from plexus import ProtocolError
from plexus import protocol as P
from plexus import service_codec as S

META = {"deadline": 1_732_200_005_000_000, "timeout_ms": 5000, "headers": {"k": "v"}, "caller": "cli-1"}


def request_args(rid=b"r1", service=b"greeter.hello", body=b"Ada", meta=None):
    return [rid, service, body, json.dumps(META if meta is None else meta).encode()]


class ServiceNameTest(unittest.TestCase):
    def test_valid(self):
        for name in ("greeter.hello", "a", "a-b_c.d", "mmi", "plexus", "é.x"):
            with self.subTest(name=name):
                self.assertEqual(S.validate_service(name, offering=True), name)

    def test_topic_rules(self):
        for name in ("", "a..b", ".a", "a.", "a b", "a.*", "a.>", "*", ">", "x" * 256, None, b"a"):
            with self.subTest(name=name), self.assertRaises(ProtocolError):
                S.validate_service(name)

    def test_reserved_prefixes_only_for_offering(self):
        # The broker owns mmi.* and plexus.*: a plugin cannot offer them, a caller may ask (the broker answers).
        for name in ("mmi.service", "plexus.stats"):
            with self.subTest(name=name):
                with self.assertRaisesRegex(ProtocolError, "reserved"):
                    S.validate_service(name, offering=True)
                self.assertEqual(S.validate_service(name), name)


class RegistrationTest(unittest.TestCase):
    def test_fields(self):
        self.assertEqual(S.registration_fields(["a.b", "c"], 4), {"services": ["a.b", "c"], "concurrency": 4})

    def test_no_services_registers_as_before(self):
        self.assertEqual(S.registration_fields([], 1), {"services": []})

    def test_concurrency(self):
        self.assertEqual(S.validate_concurrency(1), 1)
        for bad in (0, -1, 1.5, "2", True, None):
            with self.subTest(value=bad), self.assertRaises(ValueError):
                S.validate_concurrency(bad)


class RequestFrameTest(unittest.TestCase):
    def test_decode(self):
        frames = S.decode_request(request_args(), received_at=0.0)
        self.assertEqual((frames.rid, frames.service, frames.body), (b"r1", "greeter.hello", b"Ada"))
        self.assertEqual(frames.deadline, 1_732_200_005.0)
        self.assertEqual(frames.timeout, 5.0)
        self.assertEqual((frames.headers, frames.caller), ({"k": "v"}, "cli-1"))
        self.assertEqual(frames.meta, META)

    def test_deadline_is_microseconds(self):
        frames = S.decode_request(request_args(meta={"deadline": 1_500_000}), received_at=0.0)
        self.assertEqual(frames.deadline, 1.5)

    def test_lenient_meta(self):
        # Without a deadline, timeout_ms counts from receipt; without either there is none.
        self.assertEqual(S.decode_request(request_args(meta={"timeout_ms": 250}), received_at=100.0).deadline, 100.25)
        bare = S.decode_request(request_args(meta={}), received_at=100.0)
        self.assertEqual((bare.deadline, bare.timeout, bare.headers, bare.caller), (math.inf, None, {}, ""))
        self.assertEqual(S.decode_request([b"r", b"s", b"", b""], received_at=1.0).deadline, math.inf)

    def test_empty_body(self):
        self.assertEqual(S.decode_request(request_args(body=b""), 0.0).body, b"")

    def test_malformed(self):
        bad = [
            [],
            [b"r1", b"s", b"body"],
            request_args() + [b"extra"],
            request_args(rid=b""),
            request_args(service=b"\xff"),
            [b"r1", b"s", b"", b"not json"],
            [b"r1", b"s", b"", b"[1]"],
            request_args(meta={**META, "deadline": "soon"}),
            request_args(meta={**META, "deadline": True}),
            request_args(meta={**META, "deadline": 1.5}),
            request_args(meta={**META, "timeout_ms": "5"}),
            request_args(meta={**META, "headers": {"k": 1}}),
            request_args(meta={**META, "headers": ["k"]}),
            request_args(meta={**META, "caller": 7}),
        ]
        for args in bad:
            with self.subTest(args=args), self.assertRaises(ProtocolError):
                S.decode_request(args, 0.0)

    def test_cancel(self):
        self.assertEqual(S.decode_cancel([b"r9"]), b"r9")
        for args in ([], [b""]):
            with self.subTest(args=args), self.assertRaises(ProtocolError):
                S.decode_cancel(args)

    def test_expired(self):
        self.assertFalse(S.expired(10.0, 9.999))
        self.assertTrue(S.expired(10.0, 10.0))  # at the deadline the broker has answered already
        self.assertTrue(S.expired(10.0, 11.0))
        self.assertFalse(S.expired(math.inf, 1e12))


class AnswerFrameTest(unittest.TestCase):
    def test_partial_reply_fail(self):
        self.assertEqual(S.encode_partial(b"r1", b"part"), [b"", b"PLXP01", b"PARTIAL", b"r1", b"part"])
        self.assertEqual(S.encode_reply(b"r1", b""), [b"", b"PLXP01", b"REPLY", b"r1", b""])
        frames = S.encode_fail(b"r1", 409, "conflict", "already done")
        self.assertEqual(frames[:4], [b"", b"PLXP01", b"FAIL", b"r1"])
        self.assertEqual(json.loads(frames[4]), {"code": 409, "error": "conflict", "message": "already done"})

    def test_error_code_must_be_an_int(self):
        for code in ("500", 5.0, True):
            with self.subTest(code=code), self.assertRaises(TypeError):
                S.error_body(code, "x")

    def test_frames_over_the_limit_are_refused(self):
        # libzmq would drop the whole connection (section 2), ending the session rather than one request.
        big = b"x" * (P.MAX_CONTROL_BYTES + 1)
        for encode in (S.encode_partial, S.encode_reply):
            with self.subTest(encode=encode.__name__), self.assertRaisesRegex(ProtocolError, "at most"):
                encode(b"r1", big)
        self.assertEqual(len(S.check_body(big[:-1], "x")), P.MAX_CONTROL_BYTES)


class CallFrameTest(unittest.TestCase):
    def test_encode_call(self):
        frames = S.encode_call(b"7", "greeter.hello", {"name": "Ada"}, 2.5, {"k": "v"}, True)
        self.assertEqual(frames[:6], [b"", b"PLXC01", b"CALL", b"7", b"greeter.hello", b'{"name":"Ada"}'])
        self.assertEqual(json.loads(frames[6]), {"timeout_ms": 2500, "headers": {"k": "v"}, "idempotent": True})

    def test_defaults_still_name_the_timeout(self):
        frames = S.encode_call(b"1", "a.b", b"raw")
        self.assertEqual(frames[5], b"raw")
        self.assertEqual(json.loads(frames[6]), {"timeout_ms": 5000})
        self.assertEqual(S.encode_call(b"1", "a.b", "é")[5], "é".encode())

    def test_timeout_ms(self):
        self.assertEqual(S.timeout_ms(0.0001), 1)  # rounded up, never 0
        self.assertEqual(S.timeout_ms(1.0004), 1001)
        self.assertEqual(S.timeout_ms(600), 600_000)
        for bad in (0, -1, 600.001, float("nan"), float("inf"), "5", True, None):
            with self.subTest(timeout=bad), self.assertRaises(ValueError):
                S.timeout_ms(bad)

    def test_bad_arguments(self):
        with self.assertRaises(ProtocolError):
            S.encode_call(b"1", "a.*", b"")
        with self.assertRaises(TypeError):
            S.encode_call(b"1", "a", b"", headers={"k": 1})
        with self.assertRaises(TypeError):
            S.encode_call(b"1", "a", b"", idempotent="yes")
        with self.assertRaises(TypeError):
            S.encode_call(b"1", "a", object())
        with self.assertRaises(ProtocolError):
            S.encode_call(b"1", "a", b"x" * (P.MAX_CONTROL_BYTES + 1))

    def test_replies(self):
        partial = S.decode_call_reply([b"", b"PLXC01", b"PARTIAL", b"7", b"part"])
        self.assertTrue(partial.partial)
        self.assertEqual((partial.request_id, partial.body), (b"7", [b"part"]))
        ok = S.decode_call_reply([b"PLXC01", b"OK", b"7", b"done"])
        self.assertEqual((ok.status, ok.partial, ok.body), (b"OK", False, [b"done"]))
        err = S.decode_call_reply([b"", b"PLXC01", b"ERR", b"7", b'{"code":504,"error":"timeout"}'])
        self.assertEqual(err.status, b"ERR")

    def test_malformed_replies(self):
        for frames in ([b"", b"PLXC01", b"MAYBE", b"1"], [b"", b"PLXC01", b"PARTIAL"],
                       [b"", b"PLXP01", b"PARTIAL", b"1"]):
            with self.subTest(frames=frames), self.assertRaises(ProtocolError):
                S.decode_call_reply(frames)

    def test_ordinary_replies_stay_strict(self):
        # Only CALL gets PARTIAL: the decoder of the other commands refuses it.
        with self.assertRaises(ProtocolError):
            P.decode_reply([b"", b"PLXC01", b"PARTIAL", b"1", b"x"])


if __name__ == "__main__":
    unittest.main()

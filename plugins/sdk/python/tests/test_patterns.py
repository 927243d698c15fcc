"""Pattern -> (ZeroMQ prefix, client-side matcher), docs/PROTOCOL.md section 5 "Patterns"."""

import unittest

from plexus import Pattern, ProtocolError, compile_pattern


class PrefixTest(unittest.TestCase):
    def test_table_of_the_protocol_document(self):
        for pattern, prefix in [
            ("user.created", b"user.created"),
            ("user.*", b"user."),
            ("user.>", b"user."),
            ("*.created", b""),
            (">", b""),
            ("*", b""),
            ("a.b.*.d", b"a.b."),
            ("a.*.>", b"a."),
            ("café.*", "café.".encode("utf-8")),
        ]:
            with self.subTest(pattern=pattern):
                self.assertEqual(compile_pattern(pattern)[0], prefix)


class MatchTest(unittest.TestCase):
    def check(self, pattern, matching, not_matching):
        _, matches = compile_pattern(pattern)
        for topic in matching:
            self.assertTrue(matches(topic), f"{pattern!r} should match {topic!r}")
        for topic in not_matching:
            self.assertFalse(matches(topic), f"{pattern!r} should not match {topic!r}")

    def test_exact(self):
        self.check("user.created", ["user.created"], ["user.created.x", "user.createdx", "user", "x.user.created"])

    def test_star_is_exactly_one_token(self):
        self.check("user.*", ["user.created", "user.x"], ["user", "user.a.b", "users.a", "other.created"])

    def test_rest_is_one_or_more_tokens(self):
        self.check("user.>", ["user.created", "user.a.b", "user.a.b.c"], ["user", "users.a", "x.user.a"])

    def test_leading_star(self):
        self.check("*.created", ["user.created", "x.created"], ["created", "a.b.created", "user.deleted"])

    def test_everything(self):
        self.check(">", ["a", "a.b", "plexus.plugin.running"], [])

    def test_single_star(self):
        self.check("*", ["a", "user"], ["a.b"])

    def test_star_then_rest(self):
        self.check("a.*.>", ["a.b.c", "a.b.c.d"], ["a.b", "a", "b.c.d"])

    def test_middle_star(self):
        self.check("a.*.c", ["a.b.c", "a.x.c"], ["a.b.d", "a.b.c.d", "a.c"])


class InvalidPatternTest(unittest.TestCase):
    def test_invalid_patterns_raise(self):
        for bad in ["", ".", "a.", ".a", "a..b", "a b", "a.>.b", ">.a", "us*", "a.b>", "*x.y",
                    "a\tb", "x" * 256, 42, None, "\udc80"]:
            with self.subTest(pattern=bad):
                with self.assertRaises(ProtocolError):
                    Pattern(bad)

    def test_protocol_error_is_a_value_error(self):
        with self.assertRaises(ValueError):
            Pattern("a..b")

    def test_length_counts_utf8_bytes(self):
        Pattern("x" * 255)
        with self.assertRaises(ProtocolError):
            Pattern("é" * 128)  # 256 bytes

    def test_pattern_object(self):
        p = Pattern("user.*")
        self.assertEqual(str(p), "user.*")
        self.assertEqual(p, Pattern("user.*"))
        self.assertTrue(p("user.x"))


if __name__ == "__main__":
    unittest.main()

"""Subscription patterns (docs/PROTOCOL.md, section 5 "Patterns").

A pattern is a topic whose tokens may be ``*`` (exactly one token) or, as the last token, ``>`` (one or
more tokens). ZeroMQ filters by byte prefix only, so each pattern yields the literal prefix to give
``ZMQ_SUBSCRIBE`` and a matcher that does the token-wise check on what the prefix let through.
"""

from typing import Callable, List, Tuple

from .errors import ProtocolError
from .protocol import split_tokens

ONE = "*"
REST = ">"


class Pattern:
    """A compiled subscription pattern.

    ``prefix`` is the bytes to subscribe to; ``matches(topic)`` is the client-side check. ``str(p)``
    gives the pattern back. Raises ``ProtocolError`` for invalid patterns: the topic rules of section 5,
    plus ``*``/``>`` only as whole tokens and ``>`` only last.
    """

    __slots__ = ("pattern", "prefix", "_tokens", "_exact")

    def __init__(self, pattern: str) -> None:
        tokens = split_tokens(pattern, "pattern")
        for i, tok in enumerate(tokens):
            if tok in (ONE, REST):
                if tok == REST and i != len(tokens) - 1:
                    raise ProtocolError(f"invalid pattern {pattern!r}: '>' may only be the last token")
            elif "*" in tok or ">" in tok:
                # "us*" would never match anything (topics cannot contain '*'): refuse it loudly.
                raise ProtocolError(f"invalid pattern {pattern!r}: '*' and '>' must be whole tokens")
        self.pattern = pattern
        self._tokens: List[str] = tokens
        self._exact = ONE not in tokens and REST not in tokens
        self.prefix = _prefix(tokens)

    def matches(self, topic: str) -> bool:
        """True when ``topic`` (a published topic, without wildcards) matches this pattern."""
        if self._exact:
            return topic == self.pattern
        topic_tokens = topic.split(".")
        for i, tok in enumerate(self._tokens):
            if tok == REST:
                return len(topic_tokens) > i  # at least one more token
            if i >= len(topic_tokens):
                return False
            if tok != ONE and tok != topic_tokens[i]:
                return False
        return len(topic_tokens) == len(self._tokens)

    __call__ = matches

    def __str__(self) -> str:
        return self.pattern

    def __repr__(self) -> str:
        return f"Pattern({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)


def _prefix(tokens: List[str]) -> bytes:
    """The literal tokens before the first wildcard, with their trailing dot (the whole pattern when
    there is no wildcard)."""
    literal: List[str] = []
    for tok in tokens:
        if tok in (ONE, REST):
            return "".join(t + "." for t in literal).encode("utf-8")
        literal.append(tok)
    return ".".join(literal).encode("utf-8")


def compile_pattern(pattern: str) -> Tuple[bytes, Callable[[str], bool]]:
    """Returns ``(prefix, matcher)`` for ``pattern``: the ``ZMQ_SUBSCRIBE`` prefix and a function
    telling whether a topic that passed the prefix really matches."""
    p = Pattern(pattern)
    return p.prefix, p.matches

"""A small Cypher lexer: just enough to tell code from strings and comments.

The guard and the dialect translator both work on these tokens, so a keyword
inside a string literal (``'DELETE'``) or a comment is never mistaken for code,
and a keyword hidden in a comment cannot slip past either. Every character of
the input belongs to exactly one token, so ``"".join(t.text for t in tokens)``
gives the input back.

Where the engines could read the text differently the lexer picks the reading
that exposes *more* code (a ``//`` comment ends at any line break, including
U+2028), so an ambiguity can only cause a refusal, never a bypass.

>>> [(t.kind, t.text) for t in tokenize("RETURN 'a;b' // x") if t.kind != "ws"]
[('ident', 'RETURN'), ('string', "'a;b'"), ('comment', '// x')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graphinv.errors import QueryRefused

__all__ = ["Token", "tokenize", "significant", "match_close", "KEYWORDS"]

#: Reserved words that can start or join clauses; an identifier token with one
#: of these names (case-insensitive) is a keyword, not a variable.
KEYWORDS = frozenset("""
ALL AND AS ASC ASCENDING BY CALL CASE CONTAINS COUNT DESC DESCENDING DISTINCT ELSE END
ENDS EXISTS FALSE IN IS LIMIT MATCH NOT NULL OPTIONAL OR ORDER RETURN SKIP STARTS THEN
TRUE UNION UNWIND WHEN WHERE WITH XOR YIELD
""".split())

# Everything str.splitlines() treats as a line break.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_PUNCT2 = ("..", "<>", "<=", ">=", "=~", "->", "<-", "+=", "::", "!=")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+|0[oO][0-7]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_IDENT = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class Token:
    """One lexeme: ``kind`` is ws, comment, string, ident, qident (backticked),
    number, param or punct; ``line`` is 1-based."""

    kind: str
    text: str
    start: int
    line: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def upper(self) -> str:
        """Identifier text in upper case (keywords compare case-insensitively)."""
        return self.text.upper() if self.kind == "ident" else ""

    @property
    def name(self) -> str:
        """An identifier's or parameter's name, backticks removed."""
        text = self.text[1:] if self.kind == "param" else self.text
        if text.startswith("`"):
            return text[1:-1].replace("``", "`")
        return text

    def is_kw(self, *words: str) -> bool:
        return self.kind == "ident" and self.text.upper() in words

    def is_punct(self, *texts: str) -> bool:
        return self.kind == "punct" and self.text in texts


def _refuse(what: str, line: int) -> QueryRefused:
    return QueryRefused(f"cannot read the query: {what}", value=f"line {line}",
                        hint="close every string, comment and backtick name")


def _quoted_end(text: str, i: int, quote: str) -> int:
    """Index just past the closing quote of a string starting at ``i``, or -1."""
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == quote:
            return j + 1
        j += 1
    return -1


def _backtick_end(text: str, i: int) -> int:
    j = i + 1
    n = len(text)
    while j < n:
        if text[j] == "`":
            if j + 1 < n and text[j + 1] == "`":
                j += 2
                continue
            return j + 1
        j += 1
    return -1


def tokenize(text: str) -> list[Token]:
    """Split Cypher into tokens; raises :class:`QueryRefused` on an unterminated
    string, block comment or backtick name.

    >>> [t.text for t in tokenize("MATCH (n)-[*1..3]-(m)") if t.kind != "ws"]
    ['MATCH', '(', 'n', ')', '-', '[', '*', '1', '..', '3', ']', '-', '(', 'm', ')']
    >>> tokenize("RETURN 'open")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graphinv.errors.QueryRefused: cannot read the query: unterminated string — line 1 — ...
    """
    tokens: list[Token] = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        start = i
        if c.isspace():
            while i < n and text[i].isspace():
                i += 1
            kind = "ws"
        elif text.startswith("//", i):
            while i < n and text[i] not in _LINE_BREAKS:
                i += 1
            kind = "comment"
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise _refuse("unterminated /* comment", line)
            i = j + 2
            kind = "comment"
        elif c in "'\"":
            i = _quoted_end(text, i, c)
            if i < 0:
                raise _refuse("unterminated string", line)
            kind = "string"
        elif c == "`":
            i = _backtick_end(text, i)
            if i < 0:
                raise _refuse("unterminated `name`", line)
            kind = "qident"
        elif c == "$":
            i += 1
            if i < n and text[i] == "`":
                i = _backtick_end(text, i)
                if i < 0:
                    raise _refuse("unterminated `name`", line)
            else:
                m = _IDENT.match(text, i) or re.compile(r"\d+").match(text, i)
                if m:
                    i = m.end()
            kind = "param"
        elif c.isdigit():
            m = _NUMBER.match(text, i)
            i = m.end() if m else i + 1
            kind = "number"
        else:
            m = _IDENT.match(text, i)
            if m:
                i = m.end()
                kind = "ident"
            else:
                i += 2 if text[i:i + 2] in _PUNCT2 else 1
                kind = "punct"
        chunk = text[start:i]
        tokens.append(Token(kind, chunk, start, line))
        line += len(_BREAK.findall(chunk))
    return tokens


def significant(tokens: Sequence[Token]) -> list[Token]:
    """Tokens without whitespace and comments."""
    return [t for t in tokens if t.kind not in ("ws", "comment")]


def match_close(toks: Sequence[Token], open_idx: int) -> int:
    """Index of the bracket closing ``toks[open_idx]`` (``(``, ``[`` or ``{``), or -1.

    >>> toks = significant(tokenize("f(a, [1, (2)])"))
    >>> match_close(toks, 1)
    11
    """
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    for j in range(open_idx, len(toks)):
        t = toks[j]
        if t.kind != "punct":
            continue
        if t.text in pairs:
            stack.append(pairs[t.text])
        elif t.text in (")", "]", "}"):
            if not stack or stack[-1] != t.text:
                return -1
            stack.pop()
            if not stack:
                return j
    return -1

"""A small Cypher lexer: just enough to tell code from strings and comments.

The guard and the dialect translator both work on these tokens, so a keyword
inside a string literal (``'DELETE'``) or a comment is never mistaken for code,
and a keyword hidden in a comment cannot slip past either. Every character of
the input belongs to exactly one token, so ``"".join(t.text for t in tokens)``
gives the input back.

Where the engines could read the text differently the lexer picks the reading
that exposes *more* code (a ``//`` comment ends at any line break, including
U+2028), so an ambiguity can only cause a refusal, never a bypass.

Neo4j decodes ``\\uXXXX`` escapes in the whole text *before* it splits it into
tokens (strings, comments and names alike), while LadybugDB decodes them only
inside strings. :func:`unicode_escapes` finds them exactly as Neo4j does and
:func:`check_escapes` refuses every one that could make the two readings
differ; :func:`decode_escapes` gives the text the server tokenizes.

>>> [(t.kind, t.text) for t in tokenize("RETURN 'a;b' // x") if t.kind != "ws"]
[('ident', 'RETURN'), ('string', "'a;b'"), ('comment', '// x')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graphinv.errors import QueryRefused

__all__ = ["Token", "tokenize", "significant", "match_close", "KEYWORDS", "Escape",
           "unicode_escapes", "decode_escapes", "check_escapes"]

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


@dataclass(frozen=True)
class Escape:
    """One ``\\uXXXX`` escape: where it stands in the text and the character it means."""

    start: int
    char: str

    @property
    def end(self) -> int:
        return self.start + 6


_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
# Characters that decide where strings, names and comments start or end.
_STRUCTURAL = "'\"`\\/*" + _LINE_BREAKS


def _line_of(text: str, pos: int) -> int:
    return 1 + len(_BREAK.findall(text[:pos]))


def unicode_escapes(text: str) -> list[Escape]:
    r"""Every ``\uXXXX`` escape of ``text``, read as Neo4j 5.26 reads it.

    Found by experiment on a real server: a backslash starts an escape when an
    even number of backslashes stands right before it (``\\u0041`` is a
    backslash and ``u0041``); exactly four hex digits must follow one ``u``
    (``\uu0041`` and ``C:\users`` are syntax errors there, even in comments);
    a backslash an escape produces never starts another escape. Raises
    :class:`QueryRefused` where Neo4j reports a syntax error.

    >>> [(e.start, e.char) for e in unicode_escapes(r"RETURN '\u0041\\u0042'")]
    [(8, 'A')]
    """
    out: list[Escape] = []
    i, n = 0, len(text)
    while True:
        i = text.find("\\", i)
        if i < 0:
            return out
        run = i
        while run < n and text[run] == "\\":
            run += 1
        last = run - 1  # only the last backslash of a run can be followed by "u"
        if (last - i) % 2 == 0 and run < n and text[run] == "u":
            if not _HEX4.fullmatch(text, run + 1, run + 5):
                raise QueryRefused(
                    "cannot read the query: \\u must start a Unicode escape \\uXXXX",
                    value=f"{text[last:last + 6]!r} at line {_line_of(text, last)}",
                    hint="Neo4j reads \\u as an escape everywhere, comments included: "
                         "write \\\\u in a string, or the character itself")
            out.append(Escape(last, chr(int(text[run + 1:run + 5], 16))))
            i = run + 5
        else:
            i = run


def decode_escapes(text: str) -> str:
    r"""``text`` with its Unicode escapes decoded: what Neo4j tokenizes.

    >>> decode_escapes(r"RETURN 1 // \u000a, 2")
    'RETURN 1 // \n, 2'
    """
    parts: list[str] = []
    pos = 0
    for esc in unicode_escapes(text):
        parts += [text[pos:esc.start], esc.char]
        pos = esc.end
    parts.append(text[pos:])
    return "".join(parts)


def check_escapes(text: str) -> list[Token]:
    r"""Tokens of ``text`` once the Unicode escapes that could be read two ways
    are refused. They are the tokens of the text as written, with its positions;
    Neo4j's reading (escapes decoded first) is compared with them and gives the
    same tokens but for the contents of string literals.

    An escape is allowed only inside a string literal and only for a character
    that plays no part in splitting the text (no quote, backtick, backslash,
    ``/``, ``*`` or line break): anywhere else Neo4j (which decodes first) and
    LadybugDB or this lexer (which do not) would see different code.

    >>> [t.kind for t in check_escapes(r"RETURN '\u00e9' AS x") if t.kind != "ws"]
    ['ident', 'string', 'ident', 'ident']
    >>> check_escapes(r"WITH '\u0027 AS x LOAD CSV FROM 'f' //' AS x RETURN x")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graphinv.errors.QueryRefused: query refused: a Unicode escape spells ... \u0027 at line 1 — ...
    """
    escapes = unicode_escapes(text)
    tokens = tokenize(text)
    if not escapes:
        return tokens
    for esc in escapes:
        where = f"{text[esc.start:esc.end]} at line {_line_of(text, esc.start)}"
        if esc.char in _STRUCTURAL:
            raise QueryRefused(
                "query refused: a Unicode escape spells a quote, backtick, backslash, "
                "comment mark or line break", value=where,
                hint="write the character itself (a quote inside a string as \\')")
        tok = next(t for t in tokens if t.start <= esc.start < t.end)
        if tok.kind != "string" or esc.end > tok.end:
            raise QueryRefused("query refused: Unicode escapes are allowed only inside "
                               "string literals", value=where,
                               hint="write names, keywords and comments without \\u escapes")
    decoded = tokenize(decode_escapes(text))
    same = len(decoded) == len(tokens) and all(
        a.kind == b.kind and (a.kind == "string" or a.text == b.text)
        for a, b in zip(tokens, decoded, strict=True))
    if not same:  # cannot happen after the checks above; refuse rather than trust them
        raise QueryRefused("query refused: the query reads differently once its Unicode "
                           "escapes are decoded", value=f"line {_line_of(text, escapes[0].start)}",
                           hint="write the characters themselves instead of \\u escapes")
    return tokens


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

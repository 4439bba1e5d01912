"""Refuse anything but one bounded, read-only query — before it reaches a store.

This is the lexical half of the safety net (hardening items 3–4); the other
half is the planner check (``EXPLAIN`` → read-only, see
:func:`graphinv.querylib.runner.run_query`) and read transactions. The guard
works on :mod:`graphinv.querylib.lexer` tokens, so ``'DELETE'`` inside a string
is data, and ``/* */`` or ``//`` comments can neither hide nor smuggle a clause.

Refused, with the rule, the word and its line:

* write clauses: CREATE, MERGE, SET, DELETE, DETACH, REMOVE, FOREACH, DROP,
  INSERT; file and database access: LOAD (CSV), COPY, EXPORT, IMPORT, INSTALL,
  ATTACH; administration (ALTER, GRANT, …, transaction control); ``USE``;
* ``CALL {…} IN TRANSACTIONS``;
* procedures outside :data:`ALLOWED_PROCEDURES` and namespaced functions
  outside :data:`ALLOWED_FUNCTION_NAMESPACES` (so ``apoc.*``, ``dbms.*``,
  ``gds.*`` never run);
* several ``;``-separated statements (one trailing ``;`` is fine);
* ``EXPLAIN``/``PROFILE``/``CYPHER`` prefixes and anything that does not start
  like a read query;
* variable-length paths without an upper bound or longer than :data:`MAX_HOPS`;
* ``{{`` (never Cypher): a label group (:mod:`graphinv.querylib.groups`) left
  unexpanded;
* ``\\uXXXX`` escapes outside string literals or spelling a quote, backtick,
  backslash, comment mark or line break: Neo4j decodes them before it reads the
  text, so ``'\\u0027 … LOAD CSV … //'`` is one string here but code there
  (:func:`graphinv.querylib.lexer.check_escapes`; issue #16 item 1).

>>> check_query("MATCH (s:Shop) WHERE s.name = 'DELETE me' RETURN s.key").params
frozenset()
>>> check_query("MATCH (s:Shop {key: $shop}) RETURN s.name;").cypher
'MATCH (s:Shop {key: $shop}) RETURN s.name'
>>> check_query("MATCH (n) /* */ DETACH DELETE n")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphinv.errors.QueryRefused: query refused: it writes to the graph — DETACH at line 1 — ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graphinv.errors import QueryRefused
from graphinv.querylib.lexer import Token, check_escapes, match_close, significant

__all__ = [
    "CheckedQuery",
    "check_query",
    "ALLOWED_PROCEDURES",
    "ALLOWED_FUNCTION_NAMESPACES",
    "MAX_HOPS",
    "PATH_MODES",
]

#: Longest variable-length path a query may ask for (performance and safety).
MAX_HOPS = 10

#: Procedures a query may ``CALL`` (compared case-insensitively). Neo4j schema
#: introspection, and the embedded store's catalog table functions.
ALLOWED_PROCEDURES = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties",
    "show_tables", "table_info", "db_version",
})

#: Namespaces of built-in functions (``date.truncate(...)``, ``point.distance``);
#: every other ``ns.fn(...)`` — ``apoc.``, ``gds.``, ``dbms.``, plugins — is refused.
ALLOWED_FUNCTION_NAMESPACES = frozenset({
    "date", "datetime", "localdatetime", "localtime", "time", "duration", "point",
    "vector.similarity",
})

_WRITES = frozenset({"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "FOREACH",
                     "DROP", "INSERT"})
_FILES = frozenset({"LOAD", "COPY", "EXPORT", "IMPORT", "INSTALL", "ATTACH"})
_ADMIN = frozenset({"ALTER", "GRANT", "REVOKE", "DENY", "RENAME", "TERMINATE", "CHECKPOINT",
                    "BEGIN", "COMMIT", "ROLLBACK"})
_STARTS = frozenset({"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL"})
#: LadybugDB's path-mode words that may follow ``*`` in ``-[* TRAIL 1..3]-``.
PATH_MODES = frozenset({"SHORTEST", "ALL", "TRAIL", "ACYCLIC", "WSHORTEST"})


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard: its text (trailing ``;`` removed) and the
    ``$parameters`` it uses."""

    cypher: str
    params: frozenset[str]


def _refuse(reason: str, tok: Token | None, hint: str) -> QueryRefused:
    where = f"{tok.text} at line {tok.line}" if tok is not None else None
    return QueryRefused(f"query refused: {reason}", value=where, hint=hint)


def check_query(cypher: str) -> CheckedQuery:
    """Return the checked query or raise :class:`QueryRefused` naming the rule.

    The rules run on tokens that :func:`check_escapes` has shown to be the same
    for the text as written and as Neo4j reads it (Unicode escapes decoded).
    """
    sig = significant(check_escapes(cypher))
    if sig and sig[-1].is_punct(";"):
        cypher = cypher[: sig[-1].start] + cypher[sig[-1].end:]
        sig = sig[:-1]
    if not sig:
        raise QueryRefused("query refused: the query is empty", hint="write one MATCH … RETURN")
    params: set[str] = set()
    for i, tok in enumerate(sig):
        prev = sig[i - 1] if i else None
        if tok.is_punct(";"):
            raise _refuse("several statements", tok,
                          "run one statement per query (no ';' between statements)")
        if tok.kind == "param":
            if tok.text == "$":
                raise _refuse("dynamic labels or types ($(...)) are not supported", tok,
                              "write the label in the query; pass only values as $parameters")
            params.add(tok.name)
            continue
        if tok.is_punct("{") and prev is not None and prev.is_punct("{"):
            raise _refuse("a label group ({{ … }}) that was not expanded", prev,
                          "label groups are written out when a query file is read; "
                          "'{{' is never Cypher")
        if tok.is_punct("["):
            _check_path_bounds(sig, i)
        elif tok.is_punct(")"):
            _check_group_quantifier(sig, i)
        if tok.kind not in ("ident", "qident"):
            continue
        if prev is not None and prev.is_punct("."):
            continue  # a property name such as n.set, or part of a dotted name
        if tok.kind == "ident":
            _check_word(sig, i)
        _check_namespaced_call(sig, i)
    _check_start(sig[0])
    return CheckedQuery(cypher=cypher, params=frozenset(params))


def _check_start(first: Token) -> None:
    word = first.upper
    if word in ("EXPLAIN", "PROFILE", "CYPHER"):
        raise _refuse(f"{word} prefixes are not allowed", first,
                      "graphinv plans and runs the query itself; remove the prefix")
    if word in _STARTS:
        return
    if word in _WRITES:
        raise _refuse("it writes to the graph", first, "saved and ad-hoc queries only read")
    raise _refuse("not a read query", first,
                  "start with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL")


def _check_word(sig: Sequence[Token], i: int) -> None:
    tok = sig[i]
    word = tok.upper
    if word in _WRITES:
        raise _refuse("it writes to the graph", tok,
                      "saved and ad-hoc queries only read; use graphinv ingest to change data")
    if word in _FILES:
        what = "LOAD CSV reads files and URLs" if word == "LOAD" else "it touches files"
        raise _refuse(what, tok, "queries read the graph only")
    if word in _ADMIN:
        raise _refuse("administration and transaction commands are not allowed", tok,
                      "queries read the graph only")
    if word == "USE":
        raise _refuse("USE clauses are not allowed", tok,
                      "choose the database with --database / GRAPHINV_NEO4J_DATABASE")
    if word == "TRANSACTIONS":
        raise _refuse("CALL {…} IN TRANSACTIONS is not allowed", tok,
                      "queries run in one read transaction")
    if word == "CALL":
        _check_call(sig, i)


def _check_namespaced_call(sig: Sequence[Token], i: int) -> None:
    """``ns.fn(...)`` (or a backticked `` `ns.fn`(...) ``) outside CALL is a function."""
    if i > 0 and sig[i - 1].is_kw("CALL"):
        return
    name, end = _dotted_name(sig, i)
    if "." in name and end < len(sig) and sig[end].is_punct("("):
        _check_function(name, sig[i])


def _dotted_name(sig: Sequence[Token], i: int) -> tuple[str, int]:
    """``a.b.c`` starting at ``i``: the joined name and the index after it."""
    parts = [sig[i].name]
    j = i + 1
    while (j + 1 < len(sig) and sig[j].is_punct(".")
           and sig[j + 1].kind in ("ident", "qident")):
        parts.append(sig[j + 1].name)
        j += 2
    return ".".join(parts), j


def _check_function(name: str, tok: Token) -> None:
    ns = name.rsplit(".", 1)[0].lower()
    if ns in ALLOWED_FUNCTION_NAMESPACES:
        return
    raise _refuse(f"function {name}() is outside the allowlist", tok,
                  "plugin functions (apoc.*, gds.*, dbms.*, …) are not allowed; allowed "
                  "namespaces: " + ", ".join(sorted(ALLOWED_FUNCTION_NAMESPACES)))


def _check_call(sig: Sequence[Token], i: int) -> None:
    nxt = sig[i + 1] if i + 1 < len(sig) else None
    if nxt is None:
        raise _refuse("CALL without a procedure", sig[i], "write CALL db.labels() …")
    if nxt.is_punct("{", "("):
        return  # a subquery; its clauses are checked like any others
    if nxt.kind not in ("ident", "qident"):
        raise _refuse("CALL of something that is not a procedure", nxt,
                      "allowed procedures: " + ", ".join(sorted(ALLOWED_PROCEDURES)))
    name, end = _dotted_name(sig, i + 1)
    if name.lower() in ALLOWED_PROCEDURES and end < len(sig) and sig[end].is_punct("("):
        return
    raise _refuse(f"procedure {name} is outside the allowlist", nxt,
                  "allowed procedures: " + ", ".join(sorted(ALLOWED_PROCEDURES)))


def _check_path_bounds(sig: Sequence[Token], i: int) -> None:
    """A ``-[...]-`` relationship pattern with ``*`` needs an upper bound ≤ MAX_HOPS;
    so does a quantifier ``{m,n}`` after it."""
    prev = sig[i - 1] if i else None
    if prev is None or not prev.is_punct("-", "<-"):
        return
    close = match_close(sig, i)
    if close < 0:
        return  # the engine reports the syntax error
    for j in range(i + 1, close):
        if sig[j].is_punct("*"):
            _check_range(sig, j + 1, close, sig[j])
            break
    k = close + 1
    if k < len(sig) and sig[k].is_punct("-", "->"):
        k += 1
        if k < len(sig) and sig[k].is_punct("+", "*"):
            raise _refuse("unbounded quantified path", sig[k],
                          f"give an upper bound, e.g. {{1,{MAX_HOPS // 2}}}")
        if k < len(sig) and sig[k].is_punct("{"):
            _check_quantifier(sig, k)


def _check_group_quantifier(sig: Sequence[Token], close: int) -> None:
    """``((a)-[:X]->(b)){1,3}`` or ``(...)+``: a quantified path pattern needs a bound."""
    k = close + 1
    if k >= len(sig) or not sig[k].is_punct("{", "+", "*"):
        return
    if sig[k].is_punct("{"):
        _check_quantifier(sig, k)
        return
    depth, j = 0, close
    while j >= 0:
        if sig[j].is_punct(")"):
            depth += 1
        elif sig[j].is_punct("("):
            depth -= 1
            if depth == 0:
                break
        j -= 1
    inner = sig[j + 1:close]
    is_path = any(t.is_punct("->", "<-") or (t.is_punct("-") and n.is_punct("[", "-"))
                  for t, n in zip(inner, inner[1:], strict=False))
    if is_path:
        raise _refuse("unbounded quantified path", sig[k],
                      f"give an upper bound, e.g. {{1,{MAX_HOPS // 2}}}")


def _check_range(sig: Sequence[Token], j: int, close: int, star: Token) -> None:
    while j < close and sig[j].upper in PATH_MODES:
        j += 1
    lo = hi = None
    if j < close and sig[j].kind == "number":
        lo = sig[j]
        j += 1
    if j < close and sig[j].is_punct(".."):
        j += 1
        if j < close and sig[j].kind == "number":
            hi = sig[j]
    elif lo is not None:
        hi = lo  # *3 means exactly three hops
    _bound(hi, star)


def _check_quantifier(sig: Sequence[Token], k: int) -> None:
    close = match_close(sig, k)
    inner = sig[k + 1:close] if close > 0 else []
    if not inner or not all(t.kind == "number" or t.is_punct(",") for t in inner):
        return
    hi: Token | None
    if any(t.is_punct(",") for t in inner):
        hi = inner[-1] if inner[-1].kind == "number" else None
    else:
        hi = inner[0]
    _bound(hi, sig[k])


def _bound(hi: Token | None, at: Token) -> None:
    if hi is None:
        raise _refuse("variable-length path without an upper bound", at,
                      f"give one, e.g. -[*1..4]- (at most {MAX_HOPS} hops)")
    try:
        value = int(hi.text, 0)
    except ValueError:
        value = MAX_HOPS + 1
    if value > MAX_HOPS:
        raise _refuse(f"path longer than {MAX_HOPS} hops", hi,
                      f"use at most {MAX_HOPS} hops; anchor the query on a shop or identifier")

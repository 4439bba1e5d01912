"""Run a saved or ad-hoc query safely: guard, parameters, dialect, plan, timeout.

Order of the checks (the first three happen before the store sees anything):

1. :func:`graphinv.querylib.params.bind_params` — typed, bounded parameters;
   path bounds given as parameters (``-[*1..$hops]-``) are written in
   (:mod:`graphinv.querylib.bounds`);
2. :func:`graphinv.querylib.guard.check_query` — lexical refusal of writes,
   file access, plugins, several statements, unbounded paths;
3. backend fit (``requires: neo4j``) and translation for the embedded store;
4. ``store.explain`` + :func:`graphinv.querylib.plancheck.check_plan` — the
   planner must agree the query only reads, and no operator of its plan may load
   a file or URL or call a procedure or function outside the allowlists;
5. ``store.run_read`` — a read transaction; one ``timeout`` bounds steps 4 and 5
   together, and at most ``limit + 1`` rows are fetched (the ``LIMIT`` is also
   written into the query, into every branch of a ``UNION``).

>>> from graphinv.querylib.header import parse_query_text
>>> q = parse_query_text("// name: x\\n// description: d\\n// param: n int = 2\\n"
...                      "UNWIND range(1, $n) AS i RETURN i", "x.cypher")
>>> p = prepare_query(q, {"n": "3"}, backend="embedded", limit=10, from_text=True)
>>> p.params, p.cypher.splitlines()[-1]
({'n': 3}, 'LIMIT 11')
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from graphinv.errors import QueryError, QueryTimeout
from graphinv.querylib.bounds import inline_path_bounds
from graphinv.querylib.guard import check_query
from graphinv.querylib.header import SavedQuery
from graphinv.querylib.lexer import Token, significant, tokenize
from graphinv.querylib.params import bind_params, embedded_type
from graphinv.querylib.plancheck import check_plan
from graphinv.querylib.translate import to_embedded
from graphinv.store.base import Store

__all__ = ["PreparedQuery", "QueryRun", "prepare_query", "run_query", "DEFAULT_TIMEOUT",
           "DEFAULT_LIMIT", "plain_value"]

#: Seconds a query may run before the store stops it.
DEFAULT_TIMEOUT = 60.0
#: Rows returned unless the caller asks for another limit.
DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class PreparedQuery:
    """What will be sent to the store."""

    query: SavedQuery
    backend: str
    cypher: str
    params: dict[str, Any]
    limit: int | None


@dataclass
class QueryRun:
    """The result of a run: columns, rows (plain values) and how it went."""

    name: str
    backend: str
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    elapsed: float = 0.0
    cypher: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


def prepare_query(query: SavedQuery, params: Mapping[str, Any] | None = None, *,
                  backend: str, limit: int | None = DEFAULT_LIMIT,
                  from_text: bool = False) -> PreparedQuery:
    """Check, bind and translate ``query`` for ``backend`` without touching a store."""
    if not query.runs_on(backend):
        other = query.requires or "another store"
        raise QueryError(
            f"query {query.name!r} needs the {other} store", value=f"current store: {backend}",
            hint=("run it against Neo4j with --store bolt://HOST:7687" if other == "neo4j"
                  else "run it with --store embedded"),
        )
    values = bind_params(query.params, params or {}, from_text=from_text)
    checked = check_query(inline_path_bounds(query.text, values))
    values = {k: v for k, v in values.items() if k in checked.params}
    if limit is not None and limit < 0:
        raise QueryError("the row limit cannot be negative", value=limit, hint="use --limit 0 "
                         "for no limit")
    limit = limit or None
    cypher = checked.cypher
    if limit is not None:
        cypher = with_limit(cypher, limit + 1)
    if backend == "embedded":
        casts = {p.name: embedded_type(p.type) for p in query.params
                 if p.name in values and (values[p.name] is None or values[p.name] == [])}
        cypher = to_embedded(cypher, casts)
        check_query(cypher)  # the translation must pass the same guard
    return PreparedQuery(query=query, backend=backend, cypher=cypher, params=values,
                         limit=limit)


def run_query(store: Store, query: SavedQuery, params: Mapping[str, Any] | None = None, *,
              limit: int | None = DEFAULT_LIMIT, timeout: float | None = DEFAULT_TIMEOUT,
              from_text: bool = False) -> QueryRun:
    """Run ``query`` read-only on ``store``; see the module doc for the checks.

    Raises :class:`QueryRefused`, :class:`graphinv.errors.ParameterError`,
    :class:`graphinv.errors.QueryTimeout` or :class:`QueryError`.
    """
    if timeout is not None and timeout <= 0:
        raise QueryError("the timeout must be positive", value=timeout,
                         hint="e.g. --timeout 30")
    prep = prepare_query(query, params, backend=store.backend, limit=limit,
                         from_text=from_text)
    t0 = time.monotonic()
    check_plan(store.explain(prep.cypher, prep.params, timeout=timeout))
    left = None if timeout is None else timeout - (time.monotonic() - t0)
    if left is not None and left <= 0:
        raise QueryTimeout("query stopped at its timeout", value=f"{timeout:g} s",
                           hint="narrow the query or raise --timeout")
    t1 = time.monotonic()
    res = store.run_read(prep.cypher, prep.params, timeout=left,
                         max_rows=None if prep.limit is None else prep.limit + 1)
    elapsed = time.monotonic() - t1
    rows = [[plain_value(v) for v in r] for r in res.rows]
    if query.sort_lists:
        idx = [i for i, c in enumerate(res.columns) if c in query.sort_lists]
        for r in rows:
            for i in idx:
                if isinstance(r[i], list):
                    r[i] = sorted(r[i], key=_sort_key)
    if query.sort_rows:
        idx = [res.columns.index(c) for c in query.sort_rows if c in res.columns]
        rows.sort(key=lambda r: [_sort_key(r[i]) for i in idx])
    truncated = prep.limit is not None and len(rows) > prep.limit
    if truncated:
        rows = rows[: prep.limit]
    return QueryRun(name=query.name, backend=store.backend, columns=list(res.columns),
                    rows=rows, truncated=truncated, elapsed=elapsed, cypher=prep.cypher,
                    params=prep.params)


def with_limit(cypher: str, n: int) -> str:
    """Append ``LIMIT n`` when the final RETURN has none; with ``UNION``, to every
    branch whose RETURN has none.

    A ``UNION`` (without ALL) branch also gets ``DISTINCT``: the union drops
    duplicates anyway, and without it a branch's first ``n`` rows could all be one
    row, hiding that the result was cut.

    >>> with_limit("MATCH (s:Shop) RETURN s.key AS k ORDER BY k", 5)
    'MATCH (s:Shop) RETURN s.key AS k ORDER BY k\\nLIMIT 5'
    >>> with_limit("MATCH (s:Shop) RETURN s.key AS k LIMIT 3", 5)
    'MATCH (s:Shop) RETURN s.key AS k LIMIT 3'
    >>> print(with_limit("MATCH (a:Shop) RETURN a.k AS k UNION MATCH (b) RETURN b.k AS k", 5))
    MATCH (a:Shop) RETURN DISTINCT a.k AS k
    LIMIT 5
    UNION MATCH (b) RETURN DISTINCT b.k AS k
    LIMIT 5
    """
    sig = significant(tokenize(cypher))
    depth = 0
    unions: list[int] = []
    distinct = False
    for i, t in enumerate(sig):
        if t.is_punct("(", "[", "{"):
            depth += 1
        elif t.is_punct(")", "]", "}"):
            depth -= 1
        elif depth == 0 and t.is_kw("UNION"):
            unions.append(i)
            distinct = distinct or not (i + 1 < len(sig) and sig[i + 1].is_kw("ALL"))
    if not unions:
        return _branch_limit(cypher, sig, n, distinct=False)
    out: list[str] = []
    pos, lo = 0, 0
    for u in [*unions, len(sig)]:
        end = sig[u].start if u < len(sig) else len(cypher)
        limited = _branch_limit(cypher[pos:end], sig[lo:u], n, distinct=distinct, offset=pos)
        # a newline after LIMIT too, so a // comment it follows cannot swallow the UNION
        out.append(limited + "\n" if u < len(sig) and limited != cypher[pos:end] else limited)
        pos, lo = end, u + 1
    return "".join(out)


def _branch_limit(text: str, sig: list[Token], n: int, *, distinct: bool,
                  offset: int = 0) -> str:
    """``text`` (the query or one UNION branch, starting at ``offset`` of the query;
    ``sig`` its tokens) with ``LIMIT n`` after its last top-level RETURN if that
    has none."""
    depth = 0
    last_return = -1
    for i, t in enumerate(sig):
        if t.is_punct("(", "[", "{"):
            depth += 1
        elif t.is_punct(")", "]", "}"):
            depth -= 1
        elif depth == 0 and t.is_kw("RETURN"):
            last_return = i
    if last_return < 0:
        return text
    depth = 0
    for t in sig[last_return:]:
        if t.is_punct("(", "[", "{"):
            depth += 1
        elif t.is_punct(")", "]", "}"):
            depth -= 1
        elif depth == 0 and t.is_kw("LIMIT"):
            return text
    if distinct and not (last_return + 1 < len(sig) and sig[last_return + 1].is_kw("DISTINCT")):
        cut = sig[last_return].end - offset
        text = f"{text[:cut]} DISTINCT{text[cut:]}"
    return f"{text.rstrip()}\nLIMIT {int(n)}"


def plain_value(v: Any) -> Any:
    """Store values as plain JSON-able Python: the embedded store's integer sums
    come back as ``Decimal``; dates become ISO text.

    >>> plain_value([Decimal("3"), Decimal("0.5")])
    [3, 0.5]
    """
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, list):
        return [plain_value(x) for x in v]
    if isinstance(v, dict):
        return {k: plain_value(x) for k, x in v.items()}
    if isinstance(v, (_dt.date, _dt.datetime, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return v.total_seconds()
    return v


def _sort_key(v: Any) -> tuple[int, Any]:
    """Total order over mixed values: nulls first, numbers by value, lists item by item."""
    if v is None:
        return (0, 0)
    if isinstance(v, bool):
        return (1, int(v))
    if isinstance(v, (int, float)):
        return (2, v)
    if isinstance(v, (list, tuple)):
        return (4, [_sort_key(x) for x in v])
    return (3, str(v))

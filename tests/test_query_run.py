"""Running queries safely on real stores: refusal before anything runs, the plan
check behind the lexical guard, timeouts, row limits, values."""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from graphinv.errors import ParameterError, QueryError, QueryRefused, QueryTimeout
from graphinv.querylib import parse_query_text, prepare_query, run_query
from graphinv.querylib import runner as runner_mod
from graphinv.querylib.runner import plain_value, with_limit
from graphinv.store import QueryResult, Store
from graphinv.store.base import QueryPlan
from tests.query_fixture import build_query_fixture


def _q(body: str, params: str = "", name: str = "t") -> Any:
    head = f"// name: {name}\n// description: test query\n{params}"
    return parse_query_text(head + body, f"{name}.cypher")


class SpyStore:
    """Records every call; a refused query must never reach it."""

    backend = "embedded"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def explain(self, cypher: str, params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> QueryPlan:
        self.calls.append("explain")
        return QueryPlan(read_only=True)

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        self.calls.append("run")
        return QueryResult(columns=["x"], rows=[[Decimal("2")]])


@pytest.mark.parametrize("body", [
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) RETURN n; MATCH (m) DELETE m",
    "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r",
    "CALL apoc.help('x')",
    "MATCH (a)-[*]-(b) RETURN b",
])
def test_refused_before_the_store_is_called(body: str) -> None:
    spy = SpyStore()
    with pytest.raises(QueryRefused):
        run_query(spy, _q(body), {})  # type: ignore[arg-type]
    assert spy.calls == []


def test_bad_parameters_never_reach_the_store() -> None:
    spy = SpyStore()
    q = _q("MATCH (s:Shop {key: $shop}) RETURN s.key AS k", "// param: shop str\n")
    with pytest.raises(ParameterError, match="missing parameter 'shop'"):
        run_query(spy, q, {})  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="too long"):
        run_query(spy, q, {"shop": "x" * 10_001})  # type: ignore[arg-type]
    assert spy.calls == []


def test_checks_then_plan_then_run_and_values_are_plain() -> None:
    spy = SpyStore()
    res = run_query(spy, _q("RETURN 2 AS x"), {})  # type: ignore[arg-type]
    assert spy.calls == ["explain", "run"]
    assert res.rows == [[2]] and type(res.rows[0][0]) is int


def test_plan_check_refuses_writes_that_slip_past_the_guard(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: with the lexical guard switched off, EXPLAIN still
    refuses a write on both stores and nothing changes."""
    build_query_fixture(store)
    before = store.counts()
    monkeypatch.setattr(runner_mod, "check_query", _no_guard)
    for body in ("MATCH (s:Shop) SET s.name = 'pwned' RETURN count(s) AS c",
                 "MATCH (s:Shop {key: 'taobao:tb-1001'}) DETACH DELETE s",
                 "CREATE (n:Shop {key: 'evil'}) RETURN n.key AS k"):
        with pytest.raises(QueryRefused, match="planner says it writes"):
            run_query(store, _q(body), {})
    assert store.counts() == before
    names = store.run_read("MATCH (s:Shop) WHERE s.name = 'pwned' RETURN count(s) AS c").rows
    assert names == [[0]]


def _no_guard(cypher: str) -> Any:
    from graphinv.querylib.guard import CheckedQuery
    from graphinv.querylib.lexer import significant, tokenize

    params = {t.name for t in significant(tokenize(cypher)) if t.kind == "param"}
    return CheckedQuery(cypher=cypher, params=frozenset(params))


def test_runaway_query_stops_at_its_timeout(store: Store) -> None:
    build_query_fixture(store)
    q = _q("MATCH (a), (b), (c), (d), (e), (f)\n"
           "WHERE a.key + b.key + c.key + d.key + e.key + f.key = 'no such key'\n"
           "RETURN count(*) AS n")
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout, match="timeout"):
        run_query(store, q, {}, timeout=1.0)
    assert time.monotonic() - t0 < 30
    # the store still answers afterwards
    assert run_query(store, _q("MATCH (s:Shop) RETURN count(s) AS n"), {}).rows == [[9]]


def test_limit_truncates_and_says_so(store: Store) -> None:
    build_query_fixture(store)
    q = _q("MATCH (s:Shop) RETURN s.key AS k ORDER BY k")
    res = run_query(store, q, {}, limit=3)
    assert res.truncated and [r[0] for r in res.rows] == [
        "aliexpress:kicks-factory", "amazon:a1luxe", "amazon:home-goods-us"]
    res = run_query(store, q, {}, limit=0)
    assert not res.truncated and len(res.rows) == 9
    res = run_query(store, q, {}, limit=9)
    assert not res.truncated and len(res.rows) == 9
    union = _q("MATCH (s:Shop) RETURN s.key AS k UNION ALL MATCH (p:Phone) RETURN p.key AS k")
    res = run_query(store, union, {}, limit=4)
    assert res.truncated and len(res.rows) == 4


def test_values_stay_values(store: Store) -> None:
    """An injection-looking parameter is only ever compared, never run."""
    build_query_fixture(store)
    before = store.counts()
    q = _q("MATCH (s:Shop) WHERE s.name = $name RETURN count(s) AS n", "// param: name str\n")
    evil = "x'}) MATCH (n) DETACH DELETE n //"
    assert run_query(store, q, {"name": evil}).rows == [[0]]
    assert store.counts() == before


def test_null_and_empty_list_params_work_on_both_stores(store: Store) -> None:
    build_query_fixture(store)
    q = _q("MATCH (s:Shop) WHERE ($p IS NULL OR s.platform = $p) AND (size($ks) = 0 OR "
           "s.key IN $ks) RETURN count(s) AS n",
           "// param: p str = null -- platform\n// param: ks list[str] = []\n")
    assert run_query(store, q, {}).rows == [[9]]
    assert run_query(store, q, {"p": "ebay"}).rows == [[3]]
    assert run_query(store, q, {"ks": ["ebay:fresh-kicks", "nope"]}).rows == [[1]]


def test_query_errors_are_query_errors(store: Store) -> None:
    with pytest.raises(QueryError):
        run_query(store, _q("MATCH (s:Shop) RETURN s.key AS k ORDER BY"), {})
    with pytest.raises(QueryError, match="timeout must be positive"):
        run_query(store, _q("RETURN 1 AS a"), {}, timeout=0)


def test_prepare_translates_for_embedded_only() -> None:
    q = _q("MATCH (a:Shop)-[r*1..2]-(b) RETURN type(r[0]) AS t, labels(b)[0] AS k")
    emb = prepare_query(q, {}, backend="embedded", limit=None)
    neo = prepare_query(q, {}, backend="neo4j", limit=None)
    assert "TRAIL 1..2" in emb.cypher and "label(b)" in emb.cypher
    assert neo.cypher == q.text


def test_with_limit_and_plain_values() -> None:
    assert with_limit("RETURN 1 AS a // note", 5) == "RETURN 1 AS a // note\nLIMIT 5"
    assert with_limit("CALL db.labels() YIELD label", 5) == "CALL db.labels() YIELD label"
    assert with_limit("MATCH (s) WITH s LIMIT 2 RETURN s.key AS k", 5).endswith("LIMIT 5")
    assert with_limit("MATCH (s) CALL { MATCH (x) RETURN x LIMIT 1 } RETURN s", 5).endswith(
        "LIMIT 5")
    assert plain_value({"a": [Decimal("1.5"), Decimal("7")]}) == {"a": [1.5, 7]}

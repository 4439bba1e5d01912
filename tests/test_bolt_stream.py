"""Neo4j reads in pages: every row once, in the server's order, with a fallback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import exceptions as nx

from graphinv.store import Store, bolt

pytestmark = pytest.mark.neo4j


def _fill(store: Store, n: int) -> None:
    store.merge_nodes("Phone", [{"key": f"+1{i:010d}", "raw": f"r{i}", "country": "US"}
                                for i in range(n)])
    store.merge_nodes("Shop", [{"key": f"s{i}"} for i in range(n)])
    store.merge_rels("USES_PHONE", "Shop", "Phone",
                     [{"src": f"s{i}", "dst": f"+1{(i * 7) % n:010d}"} for i in range(n)])


def _plain(store: Store, cypher: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.run_read(cypher).rows]


def _refuse_collect(store: Store, monkeypatch: pytest.MonkeyPatch, code: str) -> list[str]:
    """Make the server refuse every query that collects rows (as when they do not fit its
    transaction memory); return the refused queries."""
    real = store._session  # type: ignore[attr-defined]
    refused: list[str] = []

    class _Session:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __enter__(self) -> _Session:
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.close()

        def run(self, cypher: str, *a: Any, **kw: Any) -> Iterator[Any]:
            if "collect(" in cypher:
                refused.append(cypher)
                raise nx.Neo4jError._hydrate_neo4j(code=code, message="too big")
            return self.inner.run(cypher, *a, **kw)

    monkeypatch.setattr(store, "_session", lambda read=False: _Session(real(read)))
    return refused


def test_pages_hold_every_row_in_scan_order(neo4j_store: Store,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(neo4j_store, 23)
    monkeypatch.setattr(bolt, "_PAGE", 5)  # 23 rows -> pages of 5, 5, 5, 5, 3
    nodes = list(neo4j_store.stream_nodes("Phone", ["country", "raws"]))
    assert nodes == _plain(neo4j_store, "MATCH (n:Phone) RETURN n.key, n.country, n.raws")
    assert len(nodes) == 23 and all(type(r) is tuple for r in nodes)
    rels = list(neo4j_store.stream_rels("USES_PHONE", ["ev_count"]))
    assert rels == _plain(neo4j_store, "MATCH (a)-[r:USES_PHONE]->(b) "
                                       "RETURN labels(a)[0], a.key, labels(b)[0], b.key, "
                                       "r.ev_count")
    assert len(rels) == 23
    assert list(neo4j_store.stream_nodes("Email", [])) == []


def test_rows_too_big_to_collect_are_streamed_one_by_one(
        neo4j_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(neo4j_store, 7)
    want = list(neo4j_store.stream_nodes("Phone", ["raws"]))
    refused = _refuse_collect(neo4j_store, monkeypatch,
                              "Neo.TransientError.General.MemoryPoolOutOfMemoryError")
    assert list(neo4j_store.stream_nodes("Phone", ["raws"])) == want
    assert len(refused) == 1 and len(want) == 7


def test_link_pages_carry_node_handles_in_pages(neo4j_store: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(neo4j_store, 23)
    monkeypatch.setattr(bolt, "_PAGE", 5)
    handles = {h: ("Shop", k) for h, k in neo4j_store.stream_handles("Shop", [])}
    handles.update({h: ("Phone", k) for h, k in neo4j_store.stream_handles("Phone", [])})
    assert len(handles) == 46 and all(type(h) is int for h in handles)
    pages = list(neo4j_store.stream_link_pages("USES_PHONE"))
    assert [len(src) for src, _ in pages] == [5, 5, 5, 5, 3]
    links = [(*handles[a], *handles[b]) for src, dst in pages
             for a, b in zip(src, dst, strict=True)]
    assert links == list(neo4j_store.stream_rels("USES_PHONE"))
    assert list(neo4j_store.stream_link_pages("USES_EMAIL")) == []


def test_link_pages_too_big_to_collect_are_streamed_one_by_one(
        neo4j_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(neo4j_store, 7)
    monkeypatch.setattr(bolt, "_PAGE", 3)
    want = [(list(s), list(d)) for s, d in neo4j_store.stream_link_pages("USES_PHONE")]
    refused = _refuse_collect(neo4j_store, monkeypatch,
                              "Neo.TransientError.General.TransactionMemoryLimit")
    got = [(list(s), list(d)) for s, d in neo4j_store.stream_link_pages("USES_PHONE")]
    assert got == want and [len(s) for s, _ in got] == [3, 3, 1] and len(refused) == 1


def test_schema_indexes_exist_and_serve_the_lookups(neo4j_store: Store) -> None:
    """Every lookup declared in ``schema.INDEXES`` has its index, and the queries that
    rely on one seek it instead of scanning (the plan says so)."""
    from graphinv import schema

    st = neo4j_store.status()
    want = {f"index {t}.{p}" for t, p in schema.INDEXES}
    assert want <= set(st.schema_items) and st.schema_ok
    neo4j_store._run_auto("CALL db.awaitIndexes(60)")  # type: ignore[attr-defined]
    with neo4j_store._session() as s:  # type: ignore[attr-defined]
        plan = s.run("EXPLAIN MATCH (h:Phone|Email) WHERE h.hub = true RETURN h").consume().plan
        shop = s.run("EXPLAIN MATCH (n:Shop) WHERE n.first_run IN $r RETURN n",
                     r=["a"]).consume().plan

    def ops(p: Any) -> list[str]:
        return [p["operatorType"].split("@")[0], *(o for c in p.get("children", [])
                                                    for o in ops(c))]

    assert ops(plan).count("NodeIndexSeek") == 2 and "NodeByLabelScan" not in ops(plan)
    assert "NodeIndexSeek" in ops(shop)

"""Bulk blocks: deferred loads end in exactly the graph that writing at once gives."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphinv import schema
from graphinv.config import StoreConfig
from graphinv.ingest.pipeline import IngestOptions, ingest_paths
from graphinv.store import Store, open_store, staging
from graphinv.store.embedded import EmbeddedStore
from tests.graph_digest import graph_digest

EXAMPLES = Path(__file__).parent.parent / "examples" / "data"


def _full(store: Store) -> dict[str, Any]:
    """Every node and relationship with every property, evidence order included."""
    out: dict[str, Any] = {}
    for label in schema.NODE_KINDS:
        props = [p for p, _ in schema.node_props(label) if p != "key"]
        out[label] = sorted(store.stream_nodes(label, props), key=repr)
    for rel in schema.REL_TYPES:
        props = [p for p, _ in schema.rel_props(rel)]
        out[rel] = sorted(store.stream_rels(rel, props), key=repr)
    return out


def _calls(seed: int) -> Iterator[tuple[str, Any]]:
    """Writes shaped like ingest's: big and small batches, keys and pairs that come
    back in later batches with new spellings and new evidence."""
    rnd = random.Random(seed)
    phones = [f"+8613{n:09d}" for n in range(2500)]
    line = 0
    for batch, size in enumerate([1500, 40, 1800, 1200, 30, 2000]):
        shops, ph_rows, links = [], [], []
        for _ in range(size):
            line += 1
            shop = f"ebay:s{rnd.randrange(6000)}"
            phone = rnd.choice(phones)
            shops.append({"key": shop, "raw": shop.upper(), "run": "r1",
                          "seen": f"2024-0{1 + batch}-1{rnd.randrange(10)}",
                          "issue_list": ["odd"] if rnd.random() < 0.05 else []})
            ph_rows.append({"key": phone, "raw": f"{phone} #{batch}", "run": "r1",
                            "issue_list": []})
            links.append({"src": shop, "dst": phone, "ek": f"sha:{line}",
                          "ej": f'{{"line": {line}}}', "run": "r1"})
            if rnd.random() < 0.1:  # the same link asserted twice by one record
                links.append(dict(links[-1]))
        yield "nodes", ("Shop", shops)
        yield "nodes", ("Phone", ph_rows)
        yield "rels", ("USES_PHONE", "Shop", "Phone", links)


def _replay(store: Store, seed: int) -> None:
    for kind, args in _calls(seed):
        if kind == "nodes":
            store.merge_nodes(*args)
        else:
            store.merge_rels(*args)


@pytest.fixture
def second_store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(StoreConfig.from_values(store="embedded", data_dir=tmp_path / "other"))
    try:
        yield st
    finally:
        st.close()


@pytest.mark.parametrize(("flush_rows", "keep"), [(10**9, 20_000), (2500, 20_000), (10**9, 50)])
def test_bulk_block_equals_writing_at_once(store: Store, second_store: Store,
                                           flush_rows: int, keep: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    _replay(second_store, seed=7)
    want = _full(second_store)
    assert want["USES_PHONE"] and any(len(r[5]) > 1 for r in want["USES_PHONE"])  # ev_keys
    if isinstance(store, EmbeddedStore):
        store.stage_flush_rows = flush_rows  # 2500: several loads inside the block
        monkeypatch.setattr(staging._Spill, "_KEEP", keep)  # 50: waiting rows go to disk
    with store.bulk():
        _replay(store, seed=7)
    assert _full(store) == want


def test_bulk_block_defers_and_an_error_discards(embedded_store: Store) -> None:
    assert isinstance(embedded_store, EmbeddedStore)
    calls = list(_calls(seed=3))[:3]
    with pytest.raises(RuntimeError), embedded_store.bulk():
        for kind, args in calls:
            getattr(embedded_store, "merge_" + kind)(*args)
        # Deferred: the big batches are staged, not in the tables yet.
        assert embedded_store.counts()[1]["USES_PHONE"] == 0
        staged = list(embedded_store._staging.dir.iterdir())  # type: ignore[union-attr]
        assert staged
        raise RuntimeError("stop")
    assert not any(p.exists() for p in staged)
    nodes, rels = embedded_store.counts()
    assert rels["USES_PHONE"] == 0
    # Rows of small batches were written at once (they are idempotent replays anyway).
    assert nodes["Shop"] < 1500


def test_ingest_in_bulk_equals_ingest_without(tmp_path: Path, embedded_store: Store,
                                              second_store: Store,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    files = [EXAMPLES / "listings.csv"]
    opts = {"batch_rows": 1100, "flags": [EXAMPLES / "flags.csv"], "worker": False}
    bulk = ingest_paths(embedded_store, files, IngestOptions(data_dir=tmp_path / "a", **opts))
    monkeypatch.setattr(EmbeddedStore, "bulk", Store.bulk)
    at_once = ingest_paths(second_store, files, IngestOptions(data_dir=tmp_path / "b", **opts))
    assert graph_digest(embedded_store) == graph_digest(second_store)
    assert (bulk.nodes_new, bulk.links_new, bulk.evidence_new, bulk.same_as) == \
        (at_once.nodes_new, at_once.links_new, at_once.evidence_new, at_once.same_as)
    assert bulk.loaded > 2000 and bulk.same_as > 0


def test_no_query_result_is_left_open(embedded_store: Store) -> None:
    """The connection keeps every result until it is closed or collected, and an open
    result of a write made the next big COPY wait forever (seen at 425k rows): every
    store call closes what it opened, without waiting for the garbage collector."""
    assert isinstance(embedded_store, EmbeddedStore)
    st = embedded_store
    st.merge_nodes("IngestRun", [{"key": "r1", "status": "running"}])
    st.merge_nodes("Shop", [{"key": "ebay:s1", "raw": "S1"}])
    st.merge_nodes("Phone", [{"key": "+1", "raw": "+1"}])
    st.merge_rels("USES_PHONE", "Shop", "Phone",
                  [{"src": "ebay:s1", "dst": "+1", "ek": "a:1", "ej": "{}", "run": "r1"}])
    st.set_node_props("Shop", [{"key": "ebay:s1", "risk": 0.5}], ["risk"])
    st.existing_keys("Shop", ["ebay:s1", "ebay:s2"])
    list(st.stream_nodes("Shop", ["risk"]))
    list(st.stream_rels("USES_PHONE", ["ev_count"]))
    st.run_read("MATCH (n:Shop) RETURN count(n)")
    st.counts()
    with st.bulk():
        _replay(st, seed=1)
    still_open = [r for r in st._conn._query_results if not r.is_closed]
    assert still_open == []


def test_parts_left_by_a_killed_run_are_removed(embedded_store: Store) -> None:
    assert isinstance(embedded_store, EmbeddedStore)
    stale = embedded_store.config.data_dir / "staging-killed"
    stale.mkdir()
    (stale / "000001-Shop.parquet").write_bytes(b"x")
    with embedded_store.bulk():
        assert not stale.exists()
    assert not list(embedded_store.config.data_dir.glob("staging-*"))


def test_reingest_of_an_unchanged_file_writes_nothing_but_its_run(
        tmp_path: Path, embedded_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #23 item 2: a file whose rows are all in the store costs a lookup per row,
    not a MERGE. Every node row, link evidence, flag and SAME_AS link of
    the second run is already held, so no statement writes a row (only the run record)
    and the store ends exactly as it was, evidence order included."""
    assert isinstance(embedded_store, EmbeddedStore)
    files = [EXAMPLES / "listings.csv", EXAMPLES / "bad_rows.csv"]
    opts = IngestOptions(data_dir=tmp_path / "a", flags=[EXAMPLES / "flags.csv"],
                         worker=False)
    first = ingest_paths(embedded_store, files, opts)
    want = {k: v for k, v in _full(embedded_store).items() if k != "IngestRun"}
    assert first.same_as > 0 and first.flags_loaded > 0
    written: list[tuple[str, int]] = []
    real_exec, real_copy = EmbeddedStore._exec, EmbeddedStore._exec_copy

    def spy_exec(self: EmbeddedStore, cypher: str, params: Any = None, **kw: Any) -> Any:
        if kw.get("write") and "IngestRun" not in cypher:
            written.append((cypher.splitlines()[1], len((params or {}).get("rows", ()))))
        return real_exec(self, cypher, params, **kw)

    def spy_copy(self: EmbeddedStore, stmt: str, table: Any) -> None:
        written.append((stmt, table.num_rows))
        real_copy(self, stmt, table)

    monkeypatch.setattr(EmbeddedStore, "_exec", spy_exec)
    monkeypatch.setattr(EmbeddedStore, "_exec_copy", spy_copy)
    monkeypatch.setattr(EmbeddedStore, "_copy_parts", lambda self, *a: written.append(a))
    again = ingest_paths(embedded_store, files, opts)
    assert (again.read, again.loaded, again.rejected) == \
        (first.read, first.loaded, first.rejected)
    assert again.read == again.loaded + again.rejected and again.loaded > 3000
    assert sum(again.nodes_new.values()) == sum(again.links_new.values()) == 0
    assert sum(again.evidence_new.values()) == 0 and again.same_as == 0
    assert written == []
    assert {k: v for k, v in _full(embedded_store).items() if k != "IngestRun"} == want

"""One contract, two backends: every test here runs on embedded and on real Neo4j."""

from __future__ import annotations

import json

import pytest

from graphinv import schema
from graphinv.errors import SchemaError
from graphinv.store import Store, evidence_entry


def _ev(line: int, raw: str, run: str = "r1") -> dict[str, str]:
    k, j = evidence_entry(source="test", file="a.csv", line=line, run=run, at="2026-01-01",
                          raw=raw, sha="f" * 64)
    return {"ek": k, "ej": j}


def _seed(store: Store) -> None:
    store.merge_nodes("Shop", [
        {"key": "taobao:s1", "shop_id": "S1", "name": "Shop One", "platform": "taobao",
         "raw": "S1", "run": "r1", "seen": "2025-01-02"},
        {"key": "ebay:s2", "shop_id": "s2", "name": "Shop Two", "platform": "ebay",
         "raw": "s2", "run": "r1", "seen": "2025-03-04"},
    ])
    store.merge_nodes("Phone", [{"key": "+8613800138000", "raw": "+86 138 0013 8000",
                                 "country": "CN", "valid": True}])
    store.merge_rels("USES_PHONE", "Shop", "Phone", [
        {"src": "taobao:s1", "dst": "+8613800138000", **_ev(2, "+86 138 0013 8000")},
        {"src": "ebay:s2", "dst": "+8613800138000", **_ev(3, "0086 13800138000")},
    ])


def test_schema_is_created(store: Store) -> None:
    st = store.status()
    assert st.reachable and st.schema_ok, st.missing
    assert set(st.nodes) == set(schema.ALL_KINDS)
    assert set(st.relationships) == set(schema.REL_TYPES)


def test_merge_is_idempotent_and_counts_created(store: Store) -> None:
    _seed(store)
    nodes, rels = store.counts()
    assert nodes["Shop"] == 2 and nodes["Phone"] == 1 and rels["USES_PHONE"] == 2
    # Replaying the exact same batches creates nothing and adds no evidence.
    created = store.merge_nodes("Shop", [{"key": "taobao:s1", "shop_id": "S1", "raw": "S1"}])
    assert created == 0
    created = store.merge_rels("USES_PHONE", "Shop", "Phone", [
        {"src": "taobao:s1", "dst": "+8613800138000", **_ev(2, "+86 138 0013 8000", run="r2")},
    ])
    assert created == 0
    assert store.counts() == (nodes, rels)
    ev = list(store.stream_rels("USES_PHONE", ["ev_keys", "ev_count"]))
    assert sorted(r[5] for r in ev) == [1, 1]


def test_second_source_adds_evidence_not_links(store: Store) -> None:
    _seed(store)
    store.merge_rels("USES_PHONE", "Shop", "Phone", [
        {"src": "taobao:s1", "dst": "+8613800138000", **_ev(9, "+86-138-0013-8000")},
    ])
    rows = {r[1]: r for r in store.stream_rels("USES_PHONE", ["ev_count", "ev"])}
    assert rows["taobao:s1"][4] == 2
    raws = sorted(json.loads(e)["raw"] for e in rows["taobao:s1"][5])
    assert raws == ["+86 138 0013 8000", "+86-138-0013-8000"]
    assert store.counts()[1]["USES_PHONE"] == 2


def test_first_value_wins_lists_accumulate_flags_stick(store: Store) -> None:
    _seed(store)
    store.merge_nodes("Shop", [
        {"key": "taobao:s1", "name": "Renamed", "raw": "s1 ", "seen": "2024-12-31",
         "issue_list": ["zero_width"],
         "flag": json.dumps({"flag": "takedown", "reason": "x", "date": "2025-05-01"})},
    ])
    store.merge_nodes("Shop", [{"key": "taobao:s1", "flagged": False}])
    got = store.get_nodes("Shop", ["taobao:s1"])["taobao:s1"]
    assert got["name"] == "Shop One"
    assert got["raws"] == ["S1", "s1 "]
    assert got["issues"] == ["zero_width"]
    assert got["flagged"] is True
    assert len(got["flags"]) == 1
    assert got["first_seen"] == "2024-12-31" and got["last_seen"] == "2025-01-02"


def test_duplicate_keys_in_one_batch_merge_into_one_node(store: Store) -> None:
    store.merge_nodes("Email", [
        {"key": "a@x.com", "raw": "A@X.COM", "domain": "x.com"},
        {"key": "a@x.com", "raw": " a@x.com "},
    ])
    got = store.get_nodes("Email", ["a@x.com"])["a@x.com"]
    assert got["raws"] == ["A@X.COM", " a@x.com "]
    assert store.counts()[0]["Email"] == 1


def test_stream_and_write_back(store: Store) -> None:
    _seed(store)
    shops = sorted(store.stream_nodes("Shop", ["shop_id", "platform"]))
    assert shops == [("ebay:s2", "s2", "ebay"), ("taobao:s1", "S1", "taobao")]
    rels = sorted(store.stream_rels("USES_PHONE"))
    assert rels == [("Shop", "ebay:s2", "Phone", "+8613800138000"),
                    ("Shop", "taobao:s1", "Phone", "+8613800138000")]
    store.set_node_props("Shop", [{"key": "taobao:s1", "cluster_id": "G-1", "risk": 0.5}],
                         ["cluster_id", "risk"])
    res = store.run_read("MATCH (s:Shop) WHERE s.cluster_id = $c RETURN s.key AS k, s.risk AS r",
                         {"c": "G-1"})
    assert res.columns == ["k", "r"] and res.rows == [["taobao:s1", 0.5]]
    store.clear_node_props("Shop", ["cluster_id", "risk"])
    res = store.run_read("MATCH (s:Shop) WHERE s.cluster_id IS NOT NULL RETURN count(s) AS c")
    assert res.rows == [[0]]


def test_handles_and_link_pages_name_the_same_graph(store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """What the projection reads (handles, link pages) is what stream_nodes/stream_rels
    say, page by page."""
    from graphinv.store import base

    _seed(store)
    monkeypatch.setattr(base, "_LINK_PAGE", 1)
    rows = sorted(store.stream_handles("Shop", ["shop_id", "platform"]), key=lambda r: r[1])
    assert [r[1:] for r in rows] == sorted(store.stream_nodes("Shop", ["shop_id", "platform"]))
    names = {r[0]: schema.node_id("Shop", r[1]) for r in rows}
    names.update({h: schema.node_id("Phone", k) for h, k in store.stream_handles("Phone", [])})
    assert len(names) == 3
    if store.handles_are_node_ids:
        assert all(h == n for h, n in names.items())
    pages = list(store.stream_link_pages("USES_PHONE"))
    got = sorted((names[a], names[b]) for src, dst in pages
                 for a, b in zip(src, dst, strict=True))
    assert got == sorted((schema.node_id(a, b), schema.node_id(c, d))
                         for a, b, c, d in store.stream_rels("USES_PHONE"))
    assert len(got) == 2


def test_same_as_carries_score_and_method(store: Store) -> None:
    store.merge_nodes("Address", [{"key": "CN:a"}, {"key": "CN:b"}])
    store.merge_rels("SAME_AS", "Address", "Address",
                     [{"src": "CN:a", "dst": "CN:b", "score": 0.93, "method": "fuzzy"}])
    assert list(store.stream_rels("SAME_AS", ["score", "method"])) == [
        ("Address", "CN:a", "Address", "CN:b", 0.93, "fuzzy")]


def test_injection_values_are_data(store: Store) -> None:
    evil = "x'}) DETACH DELETE n //"
    _seed(store)
    before = store.counts()
    store.merge_nodes("Seller", [{"key": evil, "name": evil, "raw": evil}])
    nodes, rels = store.counts()
    assert nodes["Seller"] == 1 and nodes["Shop"] == before[0]["Shop"]
    assert rels == before[1]
    assert store.get_nodes("Seller", [evil])[evil]["name"] == evil


@pytest.mark.parametrize("label", ["Shop`) DETACH DELETE n //", "Shop Name", "shop", "\u0060"])
def test_labels_outside_allowlist_refused(store: Store, label: str) -> None:
    with pytest.raises(SchemaError):
        store.merge_nodes(label, [{"key": "x"}])
    with pytest.raises(SchemaError):
        list(store.stream_nodes(label, []))


def test_unknown_property_refused(store: Store) -> None:
    with pytest.raises(SchemaError):
        store.set_node_props("Shop", [{"key": "x", "bogus": 1}], ["bogus"])


def test_explain_read_only(store: Store) -> None:
    assert store.explain_is_read_only("MATCH (n:Shop) RETURN n.key")
    assert not store.explain_is_read_only("MATCH (n:Shop) SET n.name = 'x'")
    assert not store.explain_is_read_only("MERGE (n:Shop {key: 'x'})")


def test_reset_empties(store: Store) -> None:
    _seed(store)
    store.reset()
    nodes, rels = store.counts()
    assert sum(nodes.values()) == 0 and sum(rels.values()) == 0
    assert store.status().schema_ok


def test_bulk_batches_behave_like_small_ones(store: Store) -> None:
    """Batches above the embedded bulk-load threshold (COPY) keep MERGE semantics."""
    n = 1500
    store.merge_nodes("Phone", [{"key": f"+1{i:010d}", "raw": f"raw{i}"} for i in range(0, n, 2)])
    rows = [{"key": f"+1{i:010d}", "raw": f"other{i}", "valid": True} for i in range(n)]
    rows += [{"key": "+10000000001", "raw": "dup-in-batch"}]
    assert store.merge_nodes("Phone", rows) == n // 2
    got = store.get_nodes("Phone", ["+10000000000", "+10000000001"])
    assert got["+10000000000"]["raws"] == ["raw0", "other0"]
    assert got["+10000000001"]["raws"] == ["other1", "dup-in-batch"]
    assert got["+10000000001"]["valid"] is True and got["+10000000001"]["flagged"] is False
    store.merge_nodes("Shop", [{"key": f"s{i}"} for i in range(n)])
    first = [{"src": f"s{i}", "dst": f"+1{i:010d}", **_ev(i, "r")} for i in range(0, n, 3)]
    store.merge_rels("USES_PHONE", "Shop", "Phone", first)
    rels = [{"src": f"s{i}", "dst": f"+1{i:010d}", **_ev(i, "r")} for i in range(n)]
    rels += [{"src": "s1", "dst": "+10000000001", **_ev(99999, "again")}]
    assert store.merge_rels("USES_PHONE", "Shop", "Phone", rels) == n - len(first)
    ev = {r[1]: r[4] for r in store.stream_rels("USES_PHONE", ["ev_count"])}
    assert len(ev) == n and ev["s0"] == 1 and ev["s1"] == 2
    assert sum(ev.values()) == n + 1


def test_run_read_refuses_writes_and_returns_plain_numbers(store: Store) -> None:
    _seed(store)
    before = store.counts()
    with pytest.raises(Exception):  # noqa: B017 - each engine names the refusal its own way
        store.run_read("CREATE (:Shop {key: 'sneaky'})")
    assert store.counts() == before
    res = store.run_read("MATCH (s:Shop) RETURN sum(size(s.raws)) AS n, count(s) AS c")
    assert res.rows == [[2, 2]] and all(type(v) is int for v in res.rows[0])


def test_new_and_existing_nodes_merge_alike(store: Store) -> None:
    """One batch (the node is created from the combined row) and the same rows one by
    one (created, then merged into) give the same node."""
    rows = [
        {"key": "+8613800000001", "raw": "a", "country": "CN", "seen": "2025-02-01",
         "issue_list": ["x"], "run": "r1"},
        {"key": "+8613800000001", "raw": "b", "country": "HK", "seen": "2024-01-01",
         "issue_list": ["y", "x"],
         "flag": json.dumps({"flag": "takedown", "date": "2025-03-01"}), "run": "r2"},
        {"key": "+8613800000001", "raw": "a", "seen": "2025-06-01"},
    ]
    other = [dict(r, key="+8613800000002") for r in rows]
    assert store.merge_nodes("Phone", rows) == 1
    for r in other:
        store.merge_nodes("Phone", [r])
    got = store.get_nodes("Phone", ["+8613800000001", "+8613800000002"])
    one, each = got["+8613800000001"], got["+8613800000002"]
    assert one["raws"] == ["a", "b"] and one["issues"] == ["x", "y"]
    assert one["country"] == "CN" and one["flagged"] is True and len(one["flags"]) == 1
    assert (one["first_seen"], one["last_seen"], one["first_run"]) == (
        "2024-01-01", "2025-06-01", "r1")
    assert {k: v for k, v in each.items() if k != "key"} == {
        k: v for k, v in one.items() if k != "key"}


def test_new_and_existing_links_keep_evidence_alike(store: Store) -> None:
    """Evidence on a link made in one call equals the same evidence added call by call;
    a repeated key is stored once either way."""
    store.merge_nodes("Shop", [{"key": "s1"}, {"key": "s2"}])
    store.merge_nodes("Email", [{"key": "a@x.com"}])
    evs = [_ev(1, "A"), _ev(2, "B"), _ev(1, "A")]
    store.merge_rels("USES_EMAIL", "Shop", "Email",
                     [{"src": "s1", "dst": "a@x.com", "run": "r1", **e} for e in evs])
    for e in evs:
        store.merge_rels("USES_EMAIL", "Shop", "Email",
                         [{"src": "s2", "dst": "a@x.com", "run": "r1", **e}])
    got = {r[1]: r[4:] for r in store.stream_rels(
        "USES_EMAIL", ["ev_keys", "ev", "ev_count", "first_run"])}
    assert got["s1"] == got["s2"]
    keys, ev, count, first_run = got["s1"]
    assert len(keys) == len(ev) == count == 2 and first_run == "r1"
    assert sorted(json.loads(e)["raw"] for e in ev) == ["A", "B"]

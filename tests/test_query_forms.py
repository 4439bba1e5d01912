"""Saved queries rewritten for speed give the rows of their plain form.

``hubs``, ``leads``, ``reappearance``, ``shared-contacts`` and ``supplier-reach`` were
rewritten to stay under 2 s at 1M rows
(BENCHMARKS.md). Their plain forms below — one MATCH stream, filters at the end — are
the reference semantics; both forms run on both stores over a graph built for the
corner cases: a shop that reaches a hub directly and through its seller, a hub reached
only through a seller, a shop without a cluster, a hub with no shop, links through hubs
and through a seller, a taken-down shop whose identifier comes back later.

``hubs`` reads the counts ``graphinv clusters`` writes when it marks a hub, so for it the
hubs are marked by a real clustering run (with a hubs file), and the plain form counts
live right after it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graphinv.analysis import ClusterOptions, run_clusters
from graphinv.querylib import QueryLibrary, run_query
from graphinv.querylib.header import parse_query_text
from graphinv.store import Store

PLAIN = {
    "hubs": """
MATCH (h:PaymentAccount|Phone|Email|Address|Supplier)
WHERE h.hub
MATCH (h)<-[]-(x)
OPTIONAL MATCH (x)-[:OPERATES]->(v:Shop)
WITH h, CASE WHEN v IS NULL THEN x.key ELSE v.key END AS shop,
     CASE WHEN v IS NULL THEN x.platform ELSE v.platform END AS platform,
     CASE WHEN v IS NULL THEN x.cluster_id ELSE v.cluster_id END AS cluster
WHERE platform IS NOT NULL
WITH h, count(DISTINCT shop) AS shops, count(DISTINCT platform) AS n_platforms,
     collect(DISTINCT platform) AS platforms, collect(DISTINCT cluster) AS clusters
WHERE shops >= $min_shops
RETURN labels(h)[0] AS kind, h.key AS hub, h.hub_reason AS reason, shops AS shops,
       n_platforms AS n_platforms, platforms AS platforms, clusters AS clusters
ORDER BY shops DESC, kind, hub""",
    "shared-contacts": """
MATCH (c:Phone|Email)<-[:USES_PHONE|USES_EMAIL]-(x)
WHERE $include_hubs OR NOT coalesce(c.hub, false)
OPTIONAL MATCH (x)-[:OPERATES]->(v:Shop)
WITH c, CASE WHEN v IS NULL THEN x.key ELSE v.key END AS shop,
     CASE WHEN v IS NULL THEN x.platform ELSE v.platform END AS platform
WHERE platform IS NOT NULL
WITH c, count(DISTINCT platform) AS n_platforms, collect(DISTINCT platform) AS platforms,
     collect(DISTINCT shop) AS shops
WHERE n_platforms >= $min_platforms
RETURN labels(c)[0] AS kind, c.key AS contact, n_platforms AS n_platforms,
       platforms AS platforms, shops AS shops
ORDER BY n_platforms DESC, kind, contact""",
    "supplier-reach": """
MATCH (sup:Supplier)<-[:SOURCES_FROM]-(x)
OPTIONAL MATCH (x)-[:OPERATES]->(v:Shop)
WITH sup, CASE WHEN v IS NULL THEN x.key ELSE v.key END AS shop,
     CASE WHEN v IS NULL THEN x.platform ELSE v.platform END AS platform
WHERE platform IS NOT NULL
WITH sup, count(DISTINCT shop) AS n_shops, count(DISTINCT platform) AS n_platforms,
     collect(DISTINCT platform) AS platforms, collect(DISTINCT shop) AS shops
WHERE n_shops >= $min_shops AND n_platforms >= $min_platforms
RETURN sup.key AS supplier, sup.name AS name, n_shops AS n_shops, n_platforms AS n_platforms,
       platforms AS platforms, shops AS shops
ORDER BY n_shops DESC, n_platforms DESC, supplier""",
    "leads": """
MATCH (f:Shop)
WHERE f.flagged AND ($shop = '' OR f.key = $shop)
MATCH (f)-[]-(x)-[]-(s:Shop)
WHERE s.key <> f.key AND NOT coalesce(s.flagged, false)
  AND ($include_hubs OR NOT coalesce(x.hub, false))
WITH f, s, count(DISTINCT x) AS links, collect(DISTINCT labels(x)[0] + ':' + x.key) AS via
RETURN f.key AS flagged_shop, s.key AS lead, s.name AS name, s.platform AS platform,
       s.country AS country, links AS links, via AS via
ORDER BY flagged_shop, links DESC, lead""",
    "reappearance": """
MATCH (t:Shop)
WHERE t.flagged AND any(f IN t.flags WHERE f CONTAINS '"takedown"')
MATCH (t)-[]->(i)<-[]-(n:Shop)
WHERE n.key <> t.key AND n.first_seen > coalesce(t.last_seen, t.first_seen)
  AND ($include_hubs OR NOT coalesce(i.hub, false))
RETURN t.key AS taken_down, t.last_seen AS last_seen, labels(i)[0] AS kind,
       i.key AS identifier, n.key AS new_shop, n.platform AS platform,
       n.first_seen AS first_seen, coalesce(n.flagged, false) AS new_shop_flagged
ORDER BY taken_down, new_shop, kind, identifier""",
}

TAKEDOWN = json.dumps({"kind": "takedown", "at": "2024-02-01"})


def _shop(key: str, platform: str, seen: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "shop_id": key, "name": key.upper(), "platform": platform,
            "country": "CN", "seen": seen, **extra}


def _graph(st: Store) -> None:
    st.merge_nodes("Shop", [
        _shop("a", "ebay", "2024-01-01", flag=TAKEDOWN),
        _shop("a", "ebay", "2024-02-01"),  # last seen
        _shop("b", "amazon", "2023-05-01"),
        _shop("c", "taobao", "2024-04-01"),
        _shop("d", "ebay", "2024-01-10", flag=json.dumps({"kind": "test-buy"})),
        _shop("e", "shopee", "2024-03-01"),
        _shop("f", "temu", "2024-05-01"),
    ])
    st.merge_nodes("Seller", [{"key": "s1", "name": "S1"}, {"key": "s2", "name": "S2"}])
    st.merge_nodes("Phone", [{"key": "+1"}, {"key": "+2"}])
    st.merge_nodes("PaymentAccount", [{"key": "pay:hub"}, {"key": "pay:x"}])
    st.merge_nodes("Email", [{"key": "m@x"}])
    st.merge_nodes("Address", [{"key": "CN:warehouse"}])
    st.merge_nodes("Supplier", [{"key": "factory"}])
    for label, key in (("Phone", "+1"), ("PaymentAccount", "pay:hub"),
                       ("Address", "CN:warehouse")):
        st.set_node_props(label, [{"key": key, "hub": True, "hub_reason": f"{key} wide"}],
                          ["hub", "hub_reason"])
    st.set_node_props("Shop", [{"key": "a", "cluster_id": "G-1"},
                               {"key": "b", "cluster_id": "G-1"},
                               {"key": "d", "cluster_id": "G-2"},
                               {"key": "e", "cluster_id": "G-1"}], ["cluster_id"])
    st.merge_rels("OPERATES", "Seller", "Shop", [
        {"src": "s1", "dst": "b"}, {"src": "s1", "dst": "c"}, {"src": "s2", "dst": "e"},
        {"src": "s2", "dst": "a"}])
    st.merge_rels("USES_PHONE", "Shop", "Phone", [
        {"src": "a", "dst": "+1"}, {"src": "b", "dst": "+1"}, {"src": "d", "dst": "+2"},
        {"src": "c", "dst": "+2"}, {"src": "f", "dst": "+1"}])
    st.merge_rels("USES_PHONE", "Seller", "Phone", [{"src": "s1", "dst": "+1"}])
    st.merge_rels("PAID_VIA", "Seller", "PaymentAccount", [{"src": "s2", "dst": "pay:hub"}])
    st.merge_rels("PAID_VIA", "Shop", "PaymentAccount", [
        {"src": "a", "dst": "pay:x"}, {"src": "f", "dst": "pay:x"}])
    st.merge_rels("USES_EMAIL", "Shop", "Email", [
        {"src": "a", "dst": "m@x"}, {"src": "e", "dst": "m@x"}, {"src": "b", "dst": "m@x"}])
    st.merge_rels("LOCATED_AT", "Supplier", "Address", [{"src": "factory",
                                                         "dst": "CN:warehouse"}])
    # a supplier used by a shop, by its seller (so the shop counts once) and by a shop
    # of another seller; one reached only through a seller; one with a single shop
    st.merge_nodes("Supplier", [{"key": "mill"}, {"key": "solo"}])
    st.merge_rels("SOURCES_FROM", "Shop", "Supplier", [
        {"src": "b", "dst": "factory"}, {"src": "e", "dst": "factory"},
        {"src": "d", "dst": "solo"}])
    st.merge_rels("SOURCES_FROM", "Seller", "Supplier", [
        {"src": "s1", "dst": "factory"}, {"src": "s2", "dst": "mill"}])
    # contacts: one shared by a seller and one of its shops, one on a single platform
    st.merge_nodes("Email", [{"key": "one@x"}])
    st.merge_rels("USES_EMAIL", "Seller", "Email", [{"src": "s2", "dst": "m@x"}])
    st.merge_rels("USES_EMAIL", "Shop", "Email", [
        {"src": "a", "dst": "one@x"}, {"src": "d", "dst": "one@x"}])


def _rows(st: Store, q: Any, params: dict[str, Any]) -> list[list[Any]]:
    return run_query(st, q, params, limit=None).rows


@pytest.mark.parametrize(("name", "params"), [
    ("hubs", {}), ("hubs", {"min_shops": 3}),
    ("shared-contacts", {}), ("shared-contacts", {"include_hubs": True}),
    ("shared-contacts", {"min_platforms": 3}),
    ("supplier-reach", {}), ("supplier-reach", {"min_shops": 1, "min_platforms": 1}),
    ("supplier-reach", {"min_shops": 3}),
    ("leads", {}), ("leads", {"include_hubs": True}), ("leads", {"shop": "d"}),
    ("reappearance", {}), ("reappearance", {"include_hubs": True}),
])
def test_fast_form_gives_the_plain_forms_rows(store: Store, name: str, tmp_path: Path,
                                              params: dict[str, Any]) -> None:
    _graph(store)
    if name == "hubs":
        hubs = tmp_path / "hubs.txt"
        hubs.write_text("Phone:+1\nPaymentAccount:pay:hub\nAddress:CN:warehouse\n"
                        "PaymentAccount:pay:x\n", encoding="utf-8")
        run_clusters(store, ClusterOptions(hubs_file=hubs))
    saved = QueryLibrary.discover().get(name)
    lines = saved.text.splitlines()[: saved.body_line - 1]
    header = "\n".join(line for line in lines if not line.startswith("// example"))
    plain = parse_query_text(header + PLAIN[name], f"{name}.cypher")
    got, want = _rows(store, saved, params), _rows(store, plain, params)
    assert got == want
    assert got, "the graph should give rows for every case"


CHANGES_PLAIN = """
MATCH (n)
WHERE n.first_run > $since OR ($include_run AND n.first_run = $since)
RETURN n.first_run AS run, 'node' AS change, labels(n)[0] AS kind, n.key AS key,
       coalesce(n.display, n.name, n.key) AS detail
UNION ALL
MATCH (a)-[r]->(b)
WHERE r.first_run > $since OR ($include_run AND r.first_run = $since)
RETURN r.first_run AS run, 'link' AS change, type(r) AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail"""

_RUNS = ("20250101T000000Z-aaaaaa", "20250201T000000Z-bbbbbb", "20250301T000000Z-cccccc")


def _three_runs(st: Store) -> None:
    st.merge_nodes("IngestRun", [{"key": r} for r in _RUNS])
    for i, run in enumerate(_RUNS):
        st.merge_nodes("Shop", [{"key": f"s{i}{j}", "shop_id": f"s{i}{j}", "run": run,
                                 "platform": "ebay"} for j in range(3)])
        st.merge_nodes("Phone", [{"key": f"+{i}", "run": run}])
        st.merge_nodes("Supplier", [{"key": f"factory{i}", "run": run}])
        st.merge_rels("USES_PHONE", "Shop", "Phone",
                      [{"src": f"s{i}{j}", "dst": f"+{i}", "run": run} for j in range(3)])
        st.merge_rels("SOURCES_FROM", "Shop", "Supplier",
                      [{"src": f"s{i}0", "dst": f"factory{i}", "run": run}])
    # a later run links old nodes: the link is new, its ends are not
    st.merge_rels("USES_PHONE", "Shop", "Phone", [{"src": "s00", "dst": "+2", "run": _RUNS[2]}])


def test_changes_since_parts_cover_every_kind_and_link_type() -> None:
    """One part per node kind and evidence link type: a kind added to the schema and
    not to the query would silently drop out of it."""
    import re

    from graphinv import schema

    text = QueryLibrary.discover().get("changes-since").text
    assert set(re.findall(r"MATCH \(n:(\w+)\)", text)) == set(schema.NODE_KINDS)
    assert set(re.findall(r"-\[r:(\w+)\]->", text)) == {
        n for n, r in schema.REL_TYPES.items() if r.evidence}


@pytest.mark.parametrize(("since", "include_run"), [
    (_RUNS[0], False), (_RUNS[0], True), (_RUNS[1], False), (_RUNS[2], False),
    ("20240101T000000Z-000000", False),
])
def test_changes_since_lists_what_the_plain_scan_finds(store: Store, since: str,
                                                      include_run: bool) -> None:
    _three_runs(store)
    saved = QueryLibrary.discover().get("changes-since")
    lines = saved.text.splitlines()[: saved.body_line - 1]
    header = "\n".join(line for line in lines
                       if not line.startswith(("// example", "// param: max_rows")))
    plain = parse_query_text(header + CHANGES_PLAIN, "changes-since.cypher")
    params = {"since": since, "include_run": include_run}
    got, want = _rows(store, saved, params), _rows(store, plain, params)
    assert sorted(got) == sorted(want)
    assert len(got) == len(want) > 0 or since == _RUNS[2]
    # grouped by kind (nodes first), then oldest run first, then key
    kinds = [(r[1], r[2]) for r in got]
    assert kinds == sorted(kinds, key=lambda k: (k[0] == "link", k[1]))
    assert got == sorted(got, key=lambda r: (r[1] == "link", r[2], r[0], r[3]))
    # at most max_rows per kind
    capped = _rows(store, saved, {**params, "max_rows": 1})
    assert len(capped) == len({(r[1], r[2]) for r in got})


def test_a_hub_that_is_no_longer_one_loses_its_usage(store: Store, tmp_path: Path) -> None:
    """The usage counts go with the hub mark: a later run that does not mark the
    identifier clears both (and ``hubs`` no longer lists it)."""
    _graph(store)
    hubs = tmp_path / "hubs.txt"
    hubs.write_text("PaymentAccount:pay:x\n", encoding="utf-8")
    run_clusters(store, ClusterOptions(hubs_file=hubs))
    cypher = ("MATCH (h:PaymentAccount) WHERE h.key = 'pay:x' "
              "RETURN h.hub AS hub, h.hub_shops AS shops, h.hub_platforms AS platforms")
    assert store.run_read(cypher).rows == [[True, 2, ["ebay", "temu"]]]
    hubs.write_text("Phone:+1\n", encoding="utf-8")
    run_clusters(store, ClusterOptions(hubs_file=hubs))
    assert store.run_read(cypher).rows == [[None, None, None]]
    saved = QueryLibrary.discover().get("hubs")
    assert [r[1] for r in _rows(store, saved, {})] == ["+1"]

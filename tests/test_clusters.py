"""graphinv.analysis on small hand-built graphs: exact clusters, hubs, risk, history,
explanations, evaluation. Graphs are written through the store contract."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from graphinv.analysis import history, report
from graphinv.analysis.engine import EngineOptions, NetworkxEngine
from graphinv.analysis.evaluate import evaluate_labels, evaluate_store
from graphinv.analysis.explain import Explainer
from graphinv.analysis.pipeline import ClusterOptions, run_clusters
from graphinv.analysis.projection import project
from graphinv.analysis.weighting import build_evidence, family_key, specificity
from graphinv.errors import InputError, UsageError
from graphinv.store import Store
from tests.clusters_support import FIXTURES, build, load_spec, shop_sets

GANG = ["aliexpress:g2", "aliexpress:g5", "ebay:g3", "ebay:g4", "taobao:g1"]
WAREHOUSE = ["Address:CN:50 518000 huaqiang north road shenzhen",
             "Address:CN:50 huaqiang north rd shenzhen",
             "Address:CN:50 huaqiangbei shenzhen no"]


def _chain(store: Store, **extra: Any) -> dict[str, Any]:
    spec = load_spec("chain_and_hub.json")
    spec.update(extra)
    return build(store, spec)


# -- clusters and hubs ---------------------------------------------------------------------


def test_chain_gang_found_and_warehouse_is_a_hub(embedded_store: Store) -> None:
    _chain(embedded_store)
    result = run_clusters(embedded_store, ClusterOptions())
    assert shop_sets(result) == [GANG]
    (c,) = result.clusters
    assert c["cluster_id"] == "G-0001"
    assert c["platforms"] == ["aliexpress", "ebay", "taobao"]
    assert c["countries"] == ["CN", "HK"]
    assert c["payment_providers"] == ["payoneer"]
    assert c["shops"] == 5 and c["sellers"] == 4
    tops = {t["id"]: t["shops"] for t in c["top_identifiers"]}
    assert tops["Phone:+8613800138000"] == 2
    assert tops["Email:kingbag@163.com"] == 2
    assert "Seller:CN:wang trading" in tops
    # The warehouse (3 spellings, 31 shops) is one hub, with its reason, and not a member.
    (hub,) = result.hubs
    assert sorted(hub["spellings"]) == WAREHOUSE
    assert hub["shops"] == 31
    # 30, not 31: legit L3 shares the small factory with G1, so it is not unrelated to G3.
    assert "31 shops" in hub["reason"] and "30 unrelated groups" in hub["reason"]
    assert "written 3 ways" in hub["reason"]
    assert not set(WAREHOUSE) & set(c["members"])
    # Written back so Cypher can use it.
    res = embedded_store.run_read(
        "MATCH (s:Shop) WHERE s.cluster_id = 'G-0001' RETURN s.key ORDER BY s.key")
    assert [r[0] for r in res.rows] == GANG
    res = embedded_store.run_read(
        "MATCH (a:Address) WHERE a.hub = true RETURN a.key, a.hub_reason ORDER BY a.key")
    assert [f"Address:{r[0]}" for r in res.rows] == WAREHOUSE
    assert all("unrelated groups" in r[1] for r in res.rows)
    assert set(result.timings) >= {"projection", "weighting", "components", "communities",
                                   "risk", "write-back"}


def test_hub_only_data_yields_no_gang(embedded_store: Store) -> None:
    build(embedded_store, load_spec("hubs_only.json"))
    result = run_clusters(embedded_store, ClusterOptions())
    assert result.clusters == []
    kinds = sorted({h["kind"] for h in result.hubs})
    assert kinds == ["Address", "PaymentAccount", "Supplier"]
    # The aggregator's second spelling (10 shops, never joined by resolution) is a hub too.
    ids = {h["id"] for h in result.hubs}
    assert "PaymentAccount:pingpong:GLOBALCOLLECTION8800120034560019" in ids


def _aggregator_spec() -> dict[str, Any]:
    """Four unrelated shops share one small payment aggregator account and nothing else
    (too few to tell from a gang's account: only a hubs file can say so)."""
    return {"shops": [], "links": [], "legit": {
        "count": 4, "prefix": "p", "platforms": ["amazon", "ebay"],
        "links": [["PAID_VIA", "PaymentAccount", ["payoneer:55007702"], ["Payoneer 5500-7702"]]],
    }}


def test_allowlist_file_marks_known_hubs(embedded_store: Store, tmp_path: Path) -> None:
    build(embedded_store, _aggregator_spec())
    assert len(run_clusters(embedded_store, ClusterOptions(write=False)).clusters) == 1
    hubs = tmp_path / "hubs.txt"
    hubs.write_text("# known aggregators\nPaymentAccount: Payoneer 5500-7702\n"
                    "Phone:+10000000000\n", encoding="utf-8")
    result = run_clusters(embedded_store, ClusterOptions(hubs_file=hubs))
    assert result.clusters == []
    (hub,) = result.hubs
    assert hub["id"] == "PaymentAccount:payoneer:55007702"
    assert hub["reason"] == "listed as a known hub in hubs.txt:2"
    assert result.unmatched_hubs == ["hubs.txt:3: Phone:+10000000000"]


def test_allowlist_accepts_node_ids_and_country_less_addresses(embedded_store: Store,
                                                               tmp_path: Path) -> None:
    _chain(embedded_store)
    hubs = tmp_path / "hubs.txt"
    hubs.write_text("Address: 50 Huaqiang North Road, Shenzhen\n"
                    "PaymentAccount:payoneer:77001234\n", encoding="utf-8")
    result = run_clusters(embedded_store, ClusterOptions(hubs_file=hubs))
    assert result.unmatched_hubs == []
    ids = {h["id"]: h["reason"] for h in result.hubs}
    assert ids["PaymentAccount:payoneer:77001234"] == "listed as a known hub in hubs.txt:2"
    # Without the payment link the chain breaks in two.
    assert shop_sets(result) == [["aliexpress:g2", "ebay:g3", "taobao:g1"],
                                 ["aliexpress:g5", "ebay:g4"]]


def _two_gangs_with_weak_ties() -> dict[str, Any]:
    """Two strong cores tied by two shared suppliers (weak, but adding up), and a third
    core tied to the second by many suppliers: community detection has to decide."""
    links = []
    shops = []
    for gang, n in (("a", 6), ("b", 5), ("c", 4)):
        for i in range(n):
            key = f"ebay:{gang}{i}"
            shops.append({"key": key, "shop_id": f"{gang.upper()}{i}", "platform":
                          ["ebay", "temu"][i % 2], "country": "CN"})
            links.append(["USES_PHONE", key, "Phone", f"+86130{ord(gang)}{i // 2:04d}", "p"])
            if i:
                links.append(["USES_EMAIL", key, "Email", f"{gang}{i}@x.com", "e"])
                links.append(["USES_EMAIL", f"ebay:{gang}{i - 1}", "Email", f"{gang}{i}@x.com",
                              "e"])
    for k in range(2):
        links.append(["SOURCES_FROM", "ebay:a0", "Supplier", f"ab factory {k}", "f"])
        links.append(["SOURCES_FROM", "ebay:b0", "Supplier", f"ab factory {k}", "f"])
    for k in range(4):
        links.append(["SOURCES_FROM", f"ebay:b{k}", "Supplier", f"bc factory {k}", "f"])
        links.append(["SOURCES_FROM", f"ebay:c{k}", "Supplier", f"bc factory {k}", "f"])
    return {"shops": shops, "links": links}


def test_weak_ties_go_to_community_detection_deterministically(embedded_store: Store) -> None:
    build(embedded_store, _two_gangs_with_weak_ties())
    ev = build_evidence(project(embedded_store))
    first = NetworkxEngine().partition(ev, EngineOptions(seed=3))
    assert first.split_components == 1
    for _ in range(3):
        again = NetworkxEngine().partition(ev, EngineOptions(seed=3))
        assert again.clusters == first.clusters
    a = run_clusters(embedded_store, ClusterOptions(engine=EngineOptions(seed=3), write=False))
    b = run_clusters(embedded_store, ClusterOptions(engine=EngineOptions(seed=3), write=False))
    assert shop_sets(a) == shop_sets(b)
    assert [c["members"] for c in a.clusters] == [c["members"] for c in b.clusters]
    # Strong cores are never cut: every gang stays whole.
    for gang in ("a", "b", "c"):
        owners = {i for i, s in enumerate(shop_sets(a)) for k in s if k.startswith(f"ebay:{gang}")}
        assert len(owners) == 1


# -- risk and leads ------------------------------------------------------------------------


def _risk_spec() -> dict[str, Any]:
    flag = [{"flag": "takedown", "date": "2024-06-01"}]
    shops = [
        {"key": "ebay:f1", "shop_id": "F1", "platform": "ebay", "country": "CN", "flags": flag,
         "seen": "2024-01-01"},
        {"key": "ebay:n1", "shop_id": "N1", "platform": "ebay", "country": "CN",
         "seen": "2024-02-01"},
        {"key": "temu:n2", "shop_id": "N2", "platform": "temu", "country": "CN",
         "seen": "2024-03-01"},
        {"key": "temu:n3", "shop_id": "N3", "platform": "temu", "country": "CN",
         "seen": "2024-03-05"},
        {"key": "wish:x1", "shop_id": "X1", "platform": "wish", "country": "US",
         "seen": "2024-01-01"},
        {"key": "wish:x2", "shop_id": "X2", "platform": "wish", "country": "US",
         "seen": "2024-01-01"},
    ]
    links = [
        ["USES_PHONE", "ebay:f1", "Phone", "+8613711110001", "137 1111 0001"],
        ["USES_PHONE", "ebay:n1", "Phone", "+8613711110001", "137-1111-0001"],
        ["USES_EMAIL", "ebay:n1", "Email", "n@x.com", "n@x.com"],
        ["USES_EMAIL", "temu:n2", "Email", "n@x.com", "N@X.COM"],
        ["PAID_VIA", "temu:n2", "PaymentAccount", "alipay:2088000000000001", "2088000000000001"],
        ["PAID_VIA", "temu:n3", "PaymentAccount", "alipay:2088000000000001", "2088 0000 0000 0001"],
        ["USES_PHONE", "wish:x1", "Phone", "+12125550100", "212 555 0100"],
        ["USES_PHONE", "wish:x2", "Phone", "+12125550100", "(212) 555-0100"],
    ]
    return {"shops": shops, "links": links}


def test_risk_orders_clusters_and_entities_and_lists_leads(embedded_store: Store) -> None:
    build(embedded_store, _risk_spec())
    result = run_clusters(embedded_store, ClusterOptions(lead_min=0.1))
    first, second = result.clusters
    assert first["risk"] == 1.0 and first["flagged_shops"] == 1
    assert second["risk"] == 0.0 and second["flagged_shops"] == 0
    assert shop_sets(result) == [["ebay:f1", "ebay:n1", "temu:n2", "temu:n3"],
                                 ["wish:x1", "wish:x2"]]
    risk = {m["id"]: m["risk"] for m in result.members}
    assert risk["Shop:ebay:f1"] > risk["Shop:ebay:n1"] > risk["Shop:temu:n2"] \
        > risk["Shop:temu:n3"] > 0
    assert risk["Shop:wish:x1"] == 0.0
    # The shop sharing the flagged shop's phone is a lead; the far end of the chain is not.
    leads = [x["id"] for x in result.leads]
    assert leads[0] == "Shop:ebay:n1"
    assert "Shop:temu:n3" not in leads
    assert first["leads"][0] == "Shop:ebay:n1"
    res = embedded_store.run_read("MATCH (p:Phone) WHERE p.key = '+8613711110001' RETURN p.risk")
    assert res.rows[0][0] > 0


def test_reappeared_when_flagged_identifier_shows_up_in_a_newer_shop(
        embedded_store: Store) -> None:
    spec = _risk_spec()
    build(embedded_store, spec)
    result = run_clusters(embedded_store, ClusterOptions())
    # N1 shares F1's phone but was first seen before the takedown: not a reappearance.
    assert result.clusters[0]["reappeared"] is False
    build(embedded_store, {"shops": [
        {"key": "shopee:r1", "shop_id": "R1", "platform": "shopee", "country": "MY",
         "seen": "2024-09-15"}],
        "links": [["USES_PHONE", "shopee:r1", "Phone", "+8613711110001", "+86 137 1111 0001"]]})
    result = run_clusters(embedded_store, ClusterOptions())
    top = result.clusters[0]
    assert top["reappeared"] is True and top["cluster_id"] == "G-0001"
    (event,) = [e for e in result.events if e["event"] == "reappeared"]
    assert event == {"event": "reappeared", "cluster": "G-0001", "shops": ["Shop:shopee:r1"],
                     "via": ["Phone:+8613711110001"], "flagged": ["Shop:ebay:f1"]}


# -- stable ids and history ----------------------------------------------------------------


def _history_spec() -> dict[str, Any]:
    shops = [{"key": f"ebay:{k}", "shop_id": k.upper(), "platform": "ebay", "country": "CN"}
             for k in ("a1", "a2", "a3", "a4", "b1", "b2", "c1", "c2")]
    links = [
        ["USES_PHONE", "ebay:a1", "Phone", "+8613000000001", "1"],
        ["USES_PHONE", "ebay:a2", "Phone", "+8613000000001", "1"],
        ["LOCATED_AT", "ebay:a2", "Address", "CN:8 dock road shenzhen", "8 Dock Road"],
        ["LOCATED_AT", "ebay:a3", "Address", "CN:8 dock road shenzhen", "8 Dock Rd"],
        # a3-a4 by a second address: one address alone never joins two groups of shops
        ["LOCATED_AT", "ebay:a3", "Address", "CN:9 pier road shenzhen", "9 Pier Road"],
        ["LOCATED_AT", "ebay:a4", "Address", "CN:9 pier road shenzhen", "9 Pier Rd"],
        ["USES_EMAIL", "ebay:b1", "Email", "b@x.com", "b@x.com"],
        ["USES_EMAIL", "ebay:b2", "Email", "b@x.com", "b@x.com"],
        ["USES_EMAIL", "ebay:c1", "Email", "c@x.com", "c@x.com"],
        ["USES_EMAIL", "ebay:c2", "Email", "c@x.com", "c@x.com"],
    ]
    return {"shops": shops, "links": links}


def test_stable_ids_with_split_and_merge(embedded_store: Store) -> None:
    build(embedded_store, _history_spec())
    one = run_clusters(embedded_store, ClusterOptions())
    ids1 = {tuple(s): c["cluster_id"] for s, c in zip(
        [sorted(m[5:] for m in c["members"] if m.startswith("Shop:")) for c in one.clusters],
        one.clusters, strict=True)}
    a_id = ids1[("ebay:a1", "ebay:a2", "ebay:a3", "ebay:a4")]
    b_id = ids1[("ebay:b1", "ebay:b2")]
    c_id = ids1[("ebay:c1", "ebay:c2")]
    assert sorted(ids1.values()) == ["G-0001", "G-0002", "G-0003"]
    # Same data, same ids, no events but none either for continued clusters.
    again = run_clusters(embedded_store, ClusterOptions())
    assert {c["cluster_id"] for c in again.clusters} == set(ids1.values())
    assert again.events == []
    # The dock address becomes a consolidation warehouse (40 more shops): A splits;
    # a new shop shares B's e-mail and C's... e-mail: B and C merge.
    build(embedded_store, {"shops": [{"key": "ebay:m1", "shop_id": "M1", "platform": "ebay",
                                      "country": "CN"}],
                           "links": [["USES_EMAIL", "ebay:m1", "Email", "b@x.com", "b"],
                                     ["USES_EMAIL", "ebay:m1", "Email", "c@x.com", "c"]],
                           "legit": {"count": 40, "prefix": "w", "links": [
                               ["LOCATED_AT", "Address", ["CN:8 dock road shenzhen"],
                                ["8 Dock Road"]]]}})
    three = run_clusters(embedded_store, ClusterOptions())
    by_members = {tuple(sorted(m[5:] for m in c["members"] if m.startswith("Shop:"))):
                  c["cluster_id"] for c in three.clusters}
    assert sorted(by_members) == [("ebay:a1", "ebay:a2"), ("ebay:a3", "ebay:a4"),
                                  ("ebay:b1", "ebay:b2", "ebay:c1", "ebay:c2", "ebay:m1")]
    halves = [by_members[("ebay:a1", "ebay:a2")], by_members[("ebay:a3", "ebay:a4")]]
    assert a_id in halves and "G-0004" in halves
    merged = by_members[("ebay:b1", "ebay:b2", "ebay:c1", "ebay:c2", "ebay:m1")]
    assert merged == min(b_id, c_id)
    events = sorted((e["event"], e["cluster"]) for e in three.events)
    assert events == [("merge", merged), ("split", a_id)]
    split = next(e for e in three.events if e["event"] == "split")
    assert split["into"] == sorted(halves)
    merge = next(e for e in three.events if e["event"] == "merge")
    assert merge["from"] == sorted([b_id, c_id])
    runs = history.list_runs(embedded_store)
    assert len(runs) == 3 and [r["clusters"] for r in runs] == [3, 3, 3]
    assert runs[-1]["events"] == three.events
    # Ids are never reused: the next fresh id continues after G-0004.
    prev = history.load_previous(embedded_store)
    assert prev is not None and prev.next_id == 5


def test_assign_ids_prefers_largest_overlap() -> None:
    ids, events = history.assign_ids([["x", "y", "z"], ["w"]],
                                     {"G-0002": ["x"], "G-0005": ["y", "z", "w"]}, 6)
    assert ids == ["G-0005", "G-0006"]
    assert sorted(e["event"] for e in events) == ["merge", "split"]


# -- explanations --------------------------------------------------------------------------


def test_explain_pair_gives_chain_with_spellings_and_file_lines(embedded_store: Store) -> None:
    _chain(embedded_store)
    run_clusters(embedded_store, ClusterOptions())
    ex = Explainer.load(embedded_store)
    data = ex.pair("G1", "g3")
    assert data["a"] == "Shop:taobao:g1" and data["b"] == "Shop:ebay:g3"
    best = data["chains"][0]
    path = [best["steps"][0]["from"]["id"]] + [s["to"]["id"] for s in best["steps"]]
    assert path == ["Shop:taobao:g1", "Phone:+8613800138000", "Shop:aliexpress:g2",
                    "Email:kingbag@163.com", "Shop:ebay:g3"]
    phone = best["steps"][0]
    assert phone["type"] == "USES_PHONE"
    assert sorted(phone["to"]["raws"]) == ["+86 138 0013 8000", "0086 138-0013-8000"]
    # each record names its ingest run too (chain of custody, issue #22 item 7)
    assert phone["evidence"] == [{"source": "test", "file": "listings.csv", "line": 2,
                                  "raw": "+86 138 0013 8000", "run": "r1"}]
    assert best["steps"][1]["evidence"][0]["line"] == 3
    # The hub is never walked through (G3 and a legit shop at the warehouse)...
    assert ex.pair("g3", "L0")["chains"] == []
    # ...unless asked.
    via = ex.pair("g3", "L0", via_hubs=True)["chains"][0]
    assert any(s["to"]["hub"] or s["from"]["hub"] for s in via["steps"])


def test_explain_resolves_raw_values_and_reports_unknown(embedded_store: Store) -> None:
    _chain(embedded_store)
    run_clusters(embedded_store, ClusterOptions())
    ex = Explainer.load(embedded_store)
    assert ex.proj.ids[ex.resolve("+86 138 0013 8000")] == "Phone:+8613800138000"
    assert ex.proj.ids[ex.resolve("Email: KingBag@163.com")] == "Email:kingbag@163.com"
    assert ex.proj.ids[ex.resolve("Seller:CN:wang trading")] == "Seller:CN:wang trading"
    assert ex.proj.ids[ex.resolve("ebay:g4")] == "Shop:ebay:g4"
    with pytest.raises(InputError):
        ex.resolve("nobody@nowhere.example")
    with pytest.raises(UsageError):
        ex.pair("G1", "G1")


def test_explain_cluster_summarizes_bonds(embedded_store: Store) -> None:
    _chain(embedded_store)
    run_clusters(embedded_store, ClusterOptions())
    data = Explainer.load(embedded_store).cluster("G-0001")
    assert data["shops"] == 5 and data["pieces"] == 1
    assert len(data["bonds"]) == 4  # a spanning chain over 5 shops
    vias = sorted(b["via"]["id"] for b in data["bonds"])
    assert "Phone:+8613800138000" in vias and "PaymentAccount:payoneer:77001234" in vias
    assert all(b["evidence"] for b in data["bonds"])
    assert [h["id"] for h in data["hubs_ignored"]][0] in WAREHOUSE
    assert data["summary"].startswith("G-0001: 5 shops on 3 platform(s) in 2 country(ies)")
    with pytest.raises(InputError):
        Explainer.load(embedded_store).cluster("G-9999")


# -- evaluation ----------------------------------------------------------------------------


def test_evaluate_labels_against_hand_computed_values() -> None:
    truth = {"a": "g1", "b": "g1", "c": "g1", "d": "g2", "e": "g2", "f": None, "g": None}
    pred = {"a": "C1", "b": "C1", "c": "C2", "d": "C2", "e": "C2", "f": "C2", "g": None}
    ev = evaluate_labels(truth, pred)
    # true pairs: ab ac bc de = 4; predicted: ab, cd ce cf de df ef = 7; correct: ab, de = 2
    assert (ev.true_pairs, ev.predicted_pairs, ev.correct_pairs) == (4, 7, 2)
    assert ev.precision == round(2 / 7, 6) and ev.recall == 0.5
    assert ev.f1 == round(2 * (2 / 7) * 0.5 / (2 / 7 + 0.5), 6)
    # ARI = (2 - 4*7/21) / ((4+7)/2 - 4*7/21)
    assert ev.ari == round((2 - 28 / 21) / (5.5 - 28 / 21), 6)
    # g1 ~ C1: Jaccard 2/3; g2 ~ C2: 2/4 (the bar is >= 0.5)
    assert ev.groups_recovered == 2 and ev.unrecovered == []
    assert ev.largest_impure == {"cluster_id": "C2", "shops": 4,
                                 "composition": {"g2": 2, "g1": 1, "legit": 1}}
    perfect = evaluate_labels(truth, {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y"})
    assert (perfect.f1, perfect.ari, perfect.largest_impure) == (1.0, 1.0, None)


def test_evaluate_store_matches_shop_ids_and_platforms(embedded_store: Store,
                                                       tmp_path: Path) -> None:
    _chain(embedded_store)
    with pytest.raises(UsageError):
        evaluate_store(embedded_store, FIXTURES / "chain_truth.csv")
    run_clusters(embedded_store, ClusterOptions())
    ev = evaluate_store(embedded_store, FIXTURES / "chain_truth.csv")
    assert ev.unmatched_rows == 1 and "NOPE" in ev.unmatched_examples[0]
    assert (ev.precision, ev.recall, ev.f1, ev.ari) == (1.0, 1.0, 1.0, 1.0)
    assert ev.shops == 35 and ev.groups_recovered == 1


# -- units -----------------------------------------------------------------------------------


def test_specificity_and_family_keys() -> None:
    assert specificity(1) == specificity(2) == 1.0
    assert specificity(20) == pytest.approx(0.5)
    assert family_key("PaymentAccount", "worldfirst:IBANGB64WFST60161331926819") == \
        family_key("PaymentAccount", "worldfirst:GB64WFST60161331926819")
    assert family_key("PaymentAccount", "paypal:a@b.com") is None
    assert family_key("Phone", "+8613800138000") is None


def test_report_shapes_follow_the_render_contract(embedded_store: Store) -> None:
    _chain(embedded_store)
    result = run_clusters(embedded_store, ClusterOptions(details=True))
    (c,) = result.clusters
    assert set(c) == {"cluster_id", "shops", "sellers", "platforms", "countries",
                      "payment_providers", "suppliers", "flagged_shops", "risk", "reappeared",
                      "leads", "key_entities", "top_identifiers", "members",
                      "gang_likeness", "reasons", "features"}
    assert set(c["key_entities"][0]) == {"id", "kind", "label", "centrality"}
    page = report.cluster_graph(result, "G-0001")
    assert page["report"] is c
    node_keys = {"id", "kind", "label", "key", "raws", "platform", "country", "flagged", "flags",
                 "lead", "hub", "hub_reason", "centrality", "risk", "shop_id", "url",
                 "first_seen", "last_seen",  # the timeline (issue #22 item 5)
                 "first_run"}  # the runs behind the cluster's provenance stamp
    assert all(set(n) == node_keys for n in page["nodes"])
    ids = {n["id"] for n in page["nodes"]}
    assert set(c["members"]) <= ids and WAREHOUSE[1] in ids
    hub_node = next(n for n in page["nodes"] if n["id"] == WAREHOUSE[1])
    assert hub_node["hub"] and "unrelated" in hub_node["hub_reason"]
    edge = next(e for e in page["edges"] if e["target"] == "Phone:+8613800138000"
                and e["source"] == "Shop:taobao:g1")
    assert edge["type"] == "USES_PHONE" and edge["weight"] == 1.0
    assert edge["evidence"] == [{"source": "test", "file": "listings.csv", "line": 2,
                                 "raw": "+86 138 0013 8000", "run": "r1"}]
    assert any(e["type"] == "SAME_AS" for e in page["edges"]) is False  # one spelling only here
    ov = report.overview(result)
    assert ov["clusters"] == result.clusters and isinstance(ov["ties"], list)
    json.dumps(page, allow_nan=False)
    with pytest.raises(UsageError):
        report.cluster_graph(result, "G-0404")
    assert report.member_rows(result)[0][2] == "G-0001"


# -- both backends ---------------------------------------------------------------------------


def test_same_clusters_on_both_backends(store: Store) -> None:
    _chain(store)
    build(store, _risk_spec())
    result = run_clusters(store, ClusterOptions(engine=EngineOptions(seed=11)))
    got = [(c["cluster_id"], c["shops"], c["risk"], c["platforms"], c["members"][:3],
            [t["id"] for t in c["top_identifiers"]]) for c in result.clusters]
    assert shop_sets(result) == sorted([GANG, ["ebay:f1", "ebay:n1", "temu:n2", "temu:n3"],
                                        ["wish:x1", "wish:x2"]])
    # Ids in flag-risk order; the listing by gang-likeness (flag risk included).
    assert [g[0] for g in got] == ["G-0001", "G-0003", "G-0002"]
    scores = [c["gang_likeness"] for c in result.clusters]
    assert scores == sorted(scores, reverse=True)
    by_id = {g[0]: g for g in got}
    assert by_id["G-0001"][1:4] == (4, 1.0, ["ebay", "temu"])
    assert by_id["G-0002"][1] == 5 and by_id["G-0002"][3] == ["aliexpress", "ebay", "taobao"]
    assert [h["id"] for h in result.hubs] == [WAREHOUSE[1]]
    assert [x["id"] for x in result.leads][:1] == ["Shop:ebay:n1"]
    res = store.run_read("MATCH (s:Shop) WHERE s.cluster_id IS NOT NULL "
                         "RETURN s.cluster_id, count(s) ORDER BY s.cluster_id")
    assert res.rows == [["G-0001", 4], ["G-0002", 5], ["G-0003", 2]]
    data = Explainer.load(store).pair("G1", "g3")
    assert [s["type"] for s in data["chains"][0]["steps"]] == ["USES_PHONE", "USES_PHONE",
                                                               "USES_EMAIL", "USES_EMAIL"]


def test_engine_seam_accepts_another_engine(embedded_store: Store) -> None:
    class Recording:
        name = "recording"

        def __init__(self) -> None:
            self.inner = NetworkxEngine()
            self.calls: list[str] = []

        def partition(self, ev: Any, options: EngineOptions) -> Any:
            self.calls.append("partition")
            return self.inner.partition(ev, options)

        def rank(self, ev: Any, seeds: Any, options: EngineOptions) -> dict[int, float]:
            self.calls.append("rank")
            return self.inner.rank(ev, seeds, options)

    _chain(embedded_store)
    engine = Recording()
    result = run_clusters(embedded_store, ClusterOptions(write=False), engine=engine)
    assert engine.calls == ["partition", "rank"]
    assert result.engine == "recording" and shop_sets(result) == [GANG]


def test_engines_are_registered_by_name_and_recorded_with_the_run(
        embedded_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphinv.analysis import engine as engine_mod
    from graphinv.analysis.pipeline import last_run_results

    calls: list[tuple[str, int]] = []

    class Counting(NetworkxEngine):
        name = "counting"

        def partition(self, ev: Any, options: EngineOptions) -> Any:
            calls.append(("partition", options.seed))
            return super().partition(ev, options)

        def rank(self, ev: Any, seeds: Any, options: EngineOptions) -> dict[int, float]:
            calls.append(("rank", options.seed))
            return super().rank(ev, seeds, options)

    builtin = engine_mod.engine_names()  # networkx and any engine module (ARCHITECTURE.md)
    assert "networkx" in builtin
    monkeypatch.setattr(engine_mod, "_ENGINES", dict(engine_mod._ENGINES))
    engine_mod.register_engine("counting", Counting)
    assert engine_mod.engine_names() == sorted([*builtin, "counting"])
    with pytest.raises(UsageError, match="already registered"):
        engine_mod.register_engine("counting", Counting)
    with pytest.raises(UsageError, match="unknown clustering engine"):
        run_clusters(embedded_store, ClusterOptions(engine_name="nope"))
    _chain(embedded_store)
    opts = ClusterOptions(engine=EngineOptions(seed=7), engine_name="counting")
    result = run_clusters(embedded_store, opts)
    assert calls == [("partition", 7), ("rank", 7)] and result.engine == "counting"
    (run,) = history.list_runs(embedded_store)
    assert "seed" not in run["params"]
    assert run["params"]["engine"] == {"name": "counting", **dataclasses.asdict(opts.engine)}
    assert ClusterOptions.from_params(run["params"]) == opts
    calls.clear()
    again = last_run_results(embedded_store)  # the view ranks with the recorded engine
    assert calls == [("rank", 7)] and again.engine == "counting"
    assert shop_sets(again) == shop_sets(result) == [GANG]
    assert [c["cluster_id"] for c in again.clusters] == [c["cluster_id"] for c in
                                                        result.clusters]


def test_runs_recorded_before_the_engine_name_read_back_with_their_seed() -> None:
    # Older records kept a top-level seed (the one the run used) next to engine.seed 42.
    old = {"min_shops": 2, "min_platforms": 1, "min_countries": 1, "seed": 7,
           "hubs_file": None, "lead_min": 0.1, "weights": {"strong_min": 0.3},
           "engine": {"seed": 42, "resolution": 1.0, "gone_option": 3}, "next_id": 5}
    opts = ClusterOptions.from_params(old)
    assert opts.engine_name == "networkx" and opts.seed == opts.engine.seed == 7
    assert opts.min_countries == 1 and opts.weights.strong_min == 0.3
    assert "seed" not in opts.as_params() and opts.as_params()["engine"]["seed"] == 7

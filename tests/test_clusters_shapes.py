"""Issue #19 on small committed graphs: clusters are held together by evidence, not by
hubs, and never by a chain of single medium ties. Each runs on both stores."""

from __future__ import annotations

from typing import Any

from graphinv.analysis.pipeline import ClusterOptions, run_clusters
from graphinv.store import Store
from tests.clusters_support import build, load_spec, shop_sets


def _shops(spec: dict[str, Any], *prefixes: str) -> list[str]:
    return sorted(s["key"] for s in spec["shops"]
                  if s["shop_id"].rstrip("0123456789") in {p.upper() for p in prefixes})


def _tie_vias(result: Any) -> dict[frozenset[str], list[str]]:
    """Ties between clusters, keyed by the two clusters' shop-id prefixes."""
    prefix = {}
    for c in result.clusters:
        names = {m.partition(":")[2].partition(":")[2].rstrip("0123456789")
                 for m in c["members"] if m.startswith("Shop:")}
        prefix[c["cluster_id"]] = "".join(sorted(names))
    return {frozenset((prefix[t["source"]], prefix[t["target"]])): t["via"]
            for t in result.ties}


def test_chain_of_small_gangs_is_split_and_kept_related(store: Store) -> None:
    spec = build(store, load_spec("chain_of_groups.json"))
    result = run_clusters(store, ClusterOptions(write=False))
    assert shop_sets(result) == sorted([_shops(spec, p) for p in "abcdehi"]
                                       + [_shops(spec, "f", "g")])
    assert len(_tie_vias(result)[frozenset("hi")]) == 2  # two addresses, one kind
    vias = _tie_vias(result)
    assert vias[frozenset("ab")] == ["Seller:HK:lee ka shing"]
    assert vias[frozenset("bc")] == ["Supplier:ningbo lucky toys"]
    assert vias[frozenset("cd")] == ["Address:CN:1203 8 dock road room shenzhen"]
    assert vias[frozenset("de")] == ["Seller:HK:wong siu ming"]
    assert frozenset("ac") not in vias and frozenset("ae") not in vias
    # Nothing here is a service: the chain is split by the rule, not by hub marks.
    assert result.hubs == []


def test_person_at_the_centre_of_many_gangs_glues_none(store: Store) -> None:
    spec = build(store, load_spec("person_at_centre.json"))
    result = run_clusters(store, ClusterOptions(write=False))
    assert shop_sets(result) == sorted(_shops(spec, p) for p in "pqrs")
    assert result.hubs == []
    vias = _tie_vias(result)
    assert len(vias) == 6  # every pair of the four gangs
    assert all(v == ["Seller:HK:chan tai man"] for v in vias.values())
    assert "Shop:temu:x1" not in {m["id"] for m in result.members}


def test_gangs_sharing_small_services_stay_apart(store: Store) -> None:
    spec = build(store, load_spec("gangs_share_services.json"))
    result = run_clusters(store, ClusterOptions(write=False))
    assert shop_sets(result) == sorted([_shops(spec, "u"), _shops(spec, "v")])
    hubs = {h["id"]: h["reason"] for h in result.hubs}
    assert sorted(hubs) == ["Address:CN:2 518000 88 building jinhai road room shenzhen",
                            "PaymentAccount:payoneer:90017788"]
    assert hubs["Address:CN:2 518000 88 building jinhai road room shenzhen"].startswith(
        "shared by 15 shops: 6 of one group and 9 others")
    assert hubs["PaymentAccount:payoneer:90017788"].startswith(
        "shared by 12 shops: 5 of one group and 7 others")

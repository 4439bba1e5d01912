"""Synthetic, seeded cluster graphs that follow the analysis → render contract.

For benchmarks and tests: a gang of shops run by a few sellers, linked by
shared phones, e-mails, payment accounts, addresses and suppliers, with one
hub address per thousand nodes, flagged shops and leads — the shape real
clusters have (many fans of single-use identifiers around a shared core).

>>> g = synthetic_cluster(100, seed=3)
>>> len(g["nodes"]), g["report"]["cluster_id"]
(100, 'G-SYN')
>>> g == synthetic_cluster(100, seed=3)
True
>>> site = synthetic_site([30, 20], seed=1)
>>> sorted(site["graphs"]), len(site["overview_edges"])
(['G-0001', 'G-0002'], 1)
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from graphinv.schema import node_id, rel_type_for

__all__ = ["synthetic_cluster", "synthetic_site", "NASTY_LABELS"]

#: Labels that have broken HTML views before; used by tests and the demo gang.
NASTY_LABELS = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert('x')</script>",
    'Replica <a href="javascript:alert(1)">shop</a>',
    "evil\u202egnp.exe",
    "深圳市名牌精品贸易有限公司",
    "=HYPERLINK(\"http://x\",\"click\")",
    "\u2028line\u2029sep & <b>bold</b>",
)

_PLATFORMS = ("amazon", "aliexpress", "shopee", "ebay", "temu", "lazada")
_COUNTRIES = ("CN", "HK", "SG", "MY", "TR", "AE", "US")
_KIND_MIX = (("Phone", 0.25), ("Email", 0.3), ("PaymentAccount", 0.2), ("Address", 0.15),
             ("Supplier", 0.1))
_PROVIDERS = ("payoneer", "pingpong", "lianlian", "paypal", "alipay")


def _kind(rng: random.Random) -> str:
    x = rng.random()
    for kind, share in _KIND_MIX:
        if x < share:
            return kind
        x -= share
    return "Supplier"


def _identifier(kind: str, i: int, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """(key, label, extra props) for identifier number ``i``."""
    if kind == "Phone":
        key = f"+86138{i:07d}"
        return key, f"+86 138 {i:07d}", {"country": "CN"}
    if kind == "Email":
        key = f"sales{i}@mail{i % 17}.example"
        return key, key.upper() if i % 5 == 0 else key, {}
    if kind == "PaymentAccount":
        prov = _PROVIDERS[i % len(_PROVIDERS)]
        return f"{prov}:{1000000 + i}", f"{prov} {1000000 + i}", {}
    if kind == "Address":
        cc = rng.choice(_COUNTRIES)
        return (f"{cc}:{i} industrial rd", f"No.{i} Industrial Rd, Unit {i % 40}",
                {"country": cc})
    cc = rng.choice(_COUNTRIES)
    return f"factory {i}", f"Factory {i} Trading Co., Ltd.", {"country": cc}


def _node(kind: str, key: str, label: str, **extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": node_id(kind, key), "kind": kind, "label": label, "key": key,
        "raws": [label], "platform": None, "country": None, "flagged": False,
        "flags": [], "lead": False, "hub": False, "hub_reason": None,
        "centrality": 0.0, "risk": None, "shop_id": None, "url": None,
    }
    node.update(extra)
    return node


def synthetic_cluster(
    n_nodes: int,
    *,
    seed: int = 0,
    cluster_id: str = "G-SYN",
    nasty: bool = False,
) -> dict[str, Any]:
    """A connected cluster graph dict of exactly ``n_nodes`` nodes (at least 3).

    About 45 % shops, 5 % sellers, 50 % identifiers; each shop links to one
    already-shared identifier (so the gang is connected) plus a few of its
    own. ``nasty=True`` puts :data:`NASTY_LABELS` on some shops.
    """
    rng = random.Random(seed)
    n_nodes = max(3, int(n_nodes))
    n_sellers = max(1, n_nodes // 20)
    n_shops = max(1, int(n_nodes * 0.45))
    n_hubs = n_nodes // 1000
    n_ident = n_nodes - n_sellers - n_shops - n_hubs
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    line = 0

    def link(src: dict[str, Any], dst: dict[str, Any], rel: str | None = None) -> None:
        nonlocal line
        line += 1
        rel = rel or rel_type_for(src["kind"], dst["kind"])
        edges.append({
            "source": src["id"], "target": dst["id"], "type": rel,
            "weight": 1.0 if rel == "OPERATES" else round(0.25 + 0.75 * rng.random(), 2),
            "evidence": [{"source": "listings", "file": f"listings-{seed}.csv", "line": line,
                          "raw": f"{src['label']} | {dst['label']}"}],
        })

    sellers = []
    for i in range(n_sellers):
        cc = rng.choice(_COUNTRIES)
        sellers.append(_node("Seller", f"{cc.lower()}:seller {i}", f"Seller {i} Ltd",
                             country=cc))
    shops = []
    for i in range(n_shops):
        plat = rng.choice(_PLATFORMS)
        label = f"Shop {i} Official Store"
        if nasty and i < len(NASTY_LABELS):
            label = NASTY_LABELS[i]
        shops.append(_node("Shop", f"{plat}:s{i}", label, platform=plat,
                           country=rng.choice(_COUNTRIES), shop_id=f"S{i}",
                           url=f"https://{plat}.example/shop/S{i}"))
    idents = []
    for i in range(n_ident):
        kind = _kind(rng)
        key, label, extra = _identifier(kind, i, rng)
        idents.append(_node(kind, key, label, **extra))
    hubs = [
        _node("Address", f"HK:hub {h} consolidation warehouse",
              f"Consolidation warehouse {h}, Kwai Chung", country="HK", hub=True,
              hub_reason=f"shared by {max(1, n_shops // 10)} shops of many sellers; "
              "down-weighted as a consolidation warehouse")
        for h in range(n_hubs)
    ]
    nodes = sellers + shops + idents + hubs

    for i, shop in enumerate(shops):
        link(sellers[i % n_sellers] if i < n_sellers else rng.choice(sellers), shop)
    shared: list[dict[str, Any]] = []
    ident_iter = iter(idents)
    for i, shop in enumerate(shops):
        if shared:
            # Preferential attachment: popular identifiers get more shops.
            target = shared[int(len(shared) * rng.random() ** 2)]
            link(shop, target)
        ident = next(ident_iter, None)
        if ident is not None:
            link(shop, ident)
            if rng.random() < 0.5 or not shared:
                shared.append(ident)
        if i == 0 and ident is None:
            break
    for ident in ident_iter:  # leftovers: one more fan identifier each
        link(rng.choice(shops), ident)
    for hub in hubs:
        for shop in rng.sample(shops, max(1, n_shops // 10)):
            link(shop, hub, "LOCATED_AT")
    # SAME_AS pair between two addresses, if any
    addresses = [n for n in idents if n["kind"] == "Address" and not n["hub"]]
    if len(addresses) >= 2:
        edges.append({"source": addresses[0]["id"], "target": addresses[1]["id"],
                      "type": "SAME_AS", "weight": 0.9, "evidence": []})

    degree: Counter[str] = Counter()
    for e in edges:
        degree[e["source"]] += 1
        degree[e["target"]] += 1
    top = max(degree.values())
    for n in nodes:
        n["centrality"] = round(degree[n["id"]] / top, 4)
    for shop in rng.sample(shops, max(1, n_shops // 20)):
        shop["flagged"] = True
        shop["flags"] = [{"flag": "takedown", "reason": "counterfeit goods confirmed",
                          "date": "2024-03-01", "source": "takedowns.csv"}]
    ranked = sorted(idents, key=lambda n: (-degree[n["id"]], n["id"]))
    leads = [n["id"] for n in ranked[:3]]
    for n in ranked[:3]:
        n["lead"] = True
    risk = round(min(1.0, 0.2 + 0.1 * sum(s["flagged"] for s in shops)), 3)
    for n in nodes:
        n["risk"] = risk
    report = _report(cluster_id, nodes, edges, degree, leads, risk)
    return {"report": report, "nodes": nodes, "edges": edges}


def _report(cluster_id: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
            degree: Counter[str], leads: list[str], risk: float) -> dict[str, Any]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for n in nodes:
        by_kind.setdefault(n["kind"], []).append(n)
    shops = by_kind.get("Shop", [])
    shop_count: Counter[str] = Counter()
    for e in edges:
        if e["source"].startswith("Shop:") and e["type"] != "OPERATES":
            shop_count[e["target"]] += 1
    ranked = sorted(nodes, key=lambda n: (-n["centrality"], n["id"]))
    by_id = {n["id"]: n for n in nodes}
    return {
        "cluster_id": cluster_id,
        "shops": len(shops),
        "sellers": len(by_kind.get("Seller", [])),
        "platforms": sorted({s["platform"] for s in shops if s["platform"]}),
        "countries": sorted({n["country"] for n in nodes if n.get("country")}),
        "payment_providers": sorted({n["key"].split(":")[0]
                                     for n in by_kind.get("PaymentAccount", [])}),
        "suppliers": sorted(n["label"] for n in by_kind.get("Supplier", []))[:10],
        "flagged_shops": sum(1 for s in shops if s["flagged"]),
        "risk": risk,
        "reappeared": any(s["flagged"] for s in shops) and len(shops) > 5,
        "leads": leads,
        "key_entities": [{"id": n["id"], "kind": n["kind"], "label": n["label"],
                          "centrality": n["centrality"]} for n in ranked[:5]],
        "top_identifiers": [{"id": i, "kind": by_id[i]["kind"], "label": by_id[i]["label"],
                             "shops": c} for i, c in shop_count.most_common(5)],
        "members": [n["id"] for n in nodes],
    }


def synthetic_site(sizes: list[int], *, seed: int = 0, nasty: bool = False) -> dict[str, Any]:
    """Reports, graphs and overview edges for several synthetic clusters.

    Returns ``{"reports": [...], "graphs": {cluster_id: graph}, "overview_edges": [...]}``
    — the three arguments of :func:`graphinv.render.html.write_site`.
    """
    graphs: dict[str, dict[str, Any]] = {}
    for i, n in enumerate(sizes):
        cid = f"G-{i + 1:04d}"
        graphs[cid] = synthetic_cluster(n, seed=seed + i, cluster_id=cid, nasty=nasty and i == 0)
    reports = [g["report"] for g in graphs.values()]
    ids = list(graphs)
    overview: list[dict[str, Any]] = []
    for a, b in zip(ids, ids[1:], strict=False):
        if len(overview) < max(1, len(ids) // 2):
            via = graphs[b]["nodes"][-1]["id"]
            overview.append({"source": a, "target": b, "weight": 0.25, "via": [via]})
    return {"reports": reports, "graphs": graphs, "overview_edges": overview}

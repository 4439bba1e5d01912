"""Cluster reports and cluster graphs, as plain JSON-able dicts.

The shapes are the "Analysis → render contract" of docs/ARCHITECTURE.md:
:func:`describe_clusters` builds the cluster reports (also the rows of
``graphinv clusters --format json``), :func:`cluster_graph` one cluster page and
:func:`overview` the index page (reports plus weak/hub ties between clusters).

>>> report_columns()[:4]
['cluster_id', 'shops', 'sellers', 'platforms']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

from graphinv.analysis.projection import KINDS, LINK_RELS, Projection
from graphinv.analysis.weighting import Evidence
from graphinv.errors import UsageError

if TYPE_CHECKING:
    from graphinv.analysis.pipeline import ClusterResult

__all__ = [
    "assign_groups",
    "describe_clusters",
    "wanted_labels",
    "fill_labels",
    "hub_reports",
    "hub_usage",
    "cluster_ties",
    "cluster_graph",
    "overview",
    "member_rows",
    "report_columns",
    "report_rows",
    "lead_rows",
    "LEAD_COLUMNS",
    "KEY_ENTITIES",
    "TOP_IDENTIFIERS",
]

KEY_ENTITIES = 5
TOP_IDENTIFIERS = 10
_BETWEENNESS_MAX_NODES = 150
_TIE_MAX_CLUSTERS = 10



def assign_groups(ev: Evidence, clusters: Sequence[Sequence[int]]) -> dict[int, int]:
    """Each non-hub group touching clustered shops -> the cluster holding most of them
    (ties to the earlier cluster)."""
    counts: dict[int, dict[int, int]] = {}
    for i, shops in enumerate(clusters):
        for s in shops:
            for g in ev.groups_of_shop(s):
                if ev.hub[g]:
                    continue
                c = counts.setdefault(g, {})
                c[i] = c.get(i, 0) + 1
    return {g: min(c, key=lambda i: (-c[i], i)) for g, c in counts.items()}


def _centrality(ev: Evidence, shops: Sequence[int], shared: Mapping[int, int]) -> dict[int, float]:
    """Centrality of shop nodes and group representatives inside one cluster.

    Betweenness on the shop–identifier graph of the cluster (identifiers shared
    by at least two of its shops), or weighted degree for big clusters.
    Keys are node indices.
    """
    graph = nx.Graph()
    graph.add_nodes_from(ev.shops[s] for s in shops)
    wanted = set(shops)
    for g in sorted(shared):
        rep = ev.group_nodes[g][0]
        for s in ev.shops_of(g):
            if s in wanted:
                graph.add_edge(rep, ev.shops[s], weight=ev.weight[g])
    if graph.number_of_nodes() <= _BETWEENNESS_MAX_NODES:
        cent = nx.betweenness_centrality(graph, normalized=True)
    else:
        deg = dict(graph.degree(weight="weight"))
        top = max(deg.values(), default=0.0) or 1.0
        cent = {v: d / top for v, d in deg.items()}
    return {v: round(c, 6) for v, c in cent.items()}


def describe_clusters(
    ev: Evidence,
    clusters: Sequence[Sequence[int]],
    group_cluster: Mapping[int, int],
    *,
    flagged: set[int],
) -> tuple[list[dict[str, Any]], list[dict[int, float]]]:
    """Facts of each cluster (no id, risk, leads or reappeared yet) and the
    centrality of its nodes (by node index).

    Labels are left as None and suppliers as node ids: fill them with
    :func:`fill_labels` once the display texts are fetched.
    """
    proj = ev.proj
    members_of: list[list[int]] = [[] for _ in clusters]
    for g, i in group_cluster.items():
        members_of[i].extend(ev.group_nodes[g])
    out = []
    cents = []
    for i, shops in enumerate(clusters):
        shared: dict[int, int] = {}
        touching: set[int] = set()
        for s in shops:
            for g in ev.groups_of_shop(s):
                if ev.hub[g]:
                    continue
                touching.add(g)
                shared[g] = shared.get(g, 0) + 1
        shop_nodes = [ev.shops[s] for s in shops]
        platforms = sorted({p for p in (proj.platform[n] for n in shop_nodes) if p})
        countries = {c for c in (proj.country[n] for n in shop_nodes) if c}
        providers: set[str] = set()
        suppliers: set[str] = set()
        sellers = 0
        for g in touching:
            kind = ev.group_kind[g]
            if kind == "Seller":
                sellers += 1
            if kind in ("Seller", "Address"):
                countries.update(c for c in (proj.country[n] for n in ev.group_nodes[g]) if c)
            elif kind == "PaymentAccount":
                providers.update(proj.provider[n] for n in ev.group_nodes[g]
                                 if n in proj.provider)
            elif kind == "Supplier":
                suppliers.add(ev.rep(g))
        multi = {g: c for g, c in shared.items() if c >= 2}
        cent = _centrality(ev, shops, multi)
        cents.append(cent)
        key_entities = [
            {"id": proj.ids[v], "kind": proj.kind_of(v), "label": None, "centrality": c}
            for v, c in sorted(cent.items(), key=lambda kv: (-kv[1], proj.ids[kv[0]]))
            [:KEY_ENTITIES]
        ]
        top = sorted(multi, key=lambda g: (-multi[g], -ev.weight[g], ev.rep(g)))
        top_identifiers = [
            {"id": ev.rep(g), "kind": ev.group_kind[g], "label": None,
             "shops": multi[g]}
            for g in top[:TOP_IDENTIFIERS]
        ]
        members = shop_nodes + members_of[i]
        out.append({
            "cluster_id": None,
            "shops": len(shops),
            "sellers": sellers,
            "platforms": platforms,
            "countries": sorted(countries),
            "payment_providers": sorted(providers),
            "suppliers": sorted(suppliers),
            "flagged_shops": sum(1 for n in shop_nodes if n in flagged),
            "risk": 0.0,
            "reappeared": False,
            "leads": [],
            "key_entities": key_entities,
            "top_identifiers": top_identifiers,
            "members": sorted(proj.ids[n] for n in members),
        })
    return out, cents


def wanted_labels(reports: Sequence[Mapping[str, Any]]) -> set[str]:
    """Node ids whose display text the reports need."""
    out: set[str] = set()
    for r in reports:
        out.update(e["id"] for e in r["key_entities"])
        out.update(t["id"] for t in r["top_identifiers"])
        out.update(r["suppliers"])
    return out


def fill_labels(reports: Sequence[dict[str, Any]], labels: Mapping[str, str]) -> None:
    """Put display texts into reports built by :func:`describe_clusters`."""
    def text(nid: str) -> str:
        return labels.get(nid) or nid.partition(":")[2]

    for r in reports:
        for e in r["key_entities"]:
            e["label"] = text(e["id"])
        for t in r["top_identifiers"]:
            t["label"] = text(t["id"])
        r["suppliers"] = sorted({text(x) for x in r["suppliers"]})


def hub_reports(ev: Evidence, labels: Mapping[str, str] | None = None
                ) -> list[dict[str, Any]]:
    """Every hub with its reason, biggest first."""
    proj = ev.proj
    out: list[dict[str, Any]] = []
    for g in range(ev.n_groups):
        if not ev.hub[g]:
            continue
        nodes = ev.group_nodes[g]
        out.append({
            "id": ev.rep(g),
            "kind": ev.group_kind[g],
            "label": (labels or {}).get(ev.rep(g)) or proj.key_of(nodes[0]),
            "shops": ev.size(g),
            "spellings": [proj.ids[n] for n in nodes],
            "reason": ev.hub_reason.get(g, ""),
        })
    out.sort(key=lambda h: (-h["shops"], h["id"]))
    return out


def hub_usage(proj: Projection, hubs: Sequence[int],
              cluster_of: Mapping[int, str]) -> dict[int, tuple[int, list[str], list[str]]]:
    """How widely each hub node is used: ``node -> (shops, platforms, cluster ids)``.

    A shop uses a hub when it links to it, or when one of its sellers does (the
    ``hubs`` saved query reads these counts; ``cluster_of`` maps shop nodes to
    their cluster ids). Lists are sorted; a hub nobody uses counts 0.

    >>> p = Projection()
    >>> a = p.add_node("Shop", "ebay:a", platform="ebay")
    >>> b = p.add_node("Shop", "etsy:b", platform="etsy")
    >>> s, ph = p.add_node("Seller", "x"), p.add_node("Phone", "+1")
    >>> for rel, src, dst in (("USES_PHONE", a, ph), ("USES_PHONE", s, ph), ("OPERATES", s, b)):
    ...     p.add_link(rel, src, dst)
    >>> hub_usage(p, [ph], {b: "C1"})[ph]
    (2, ['ebay', 'etsy'], ['C1'])
    """
    wanted = set(hubs)
    shops: dict[int, set[int]] = {h: set() for h in wanted}
    via: dict[int, list[int]] = {}  # seller -> the hubs it links to
    kinds = proj.kinds
    shop, seller = KINDS.index("Shop"), KINDS.index("Seller")
    for a, b in zip(proj.src, proj.dst, strict=True):
        if b in wanted:
            if kinds[a] == shop:
                shops[b].add(a)
            elif kinds[a] == seller:
                via.setdefault(a, []).append(b)
    if via:
        operates = LINK_RELS.index("OPERATES")
        for a, b, r in zip(proj.src, proj.dst, proj.rel, strict=True):
            if r == operates and a in via:
                for h in via[a]:
                    shops[h].add(b)
    out: dict[int, tuple[int, list[str], list[str]]] = {}
    for h, used in shops.items():
        platforms = {p for p in (proj.platform[s] for s in used) if p}
        clusters = {c for c in (cluster_of.get(s) for s in used) if c}
        out[h] = (len(used), sorted(platforms), sorted(clusters))
    return out


def cluster_ties(ev: Evidence, clusters: Sequence[Sequence[int]],
                 ids: Sequence[str]) -> list[dict[str, Any]]:
    """Evidence shared between clusters (the overview's edges): weak ties, hubs, and the
    single medium ties (one officer, one address) that do not join two groups of shops."""
    cluster_of = {s: i for i, shops in enumerate(clusters) for s in shops}
    acc: dict[tuple[int, int], list[Any]] = {}
    candidates = sorted({g for s in cluster_of for g in ev.groups_of_shop(s)
                         if ev.size(g) >= 2})
    for g in candidates:
        touched = sorted({cluster_of[s] for s in ev.shops_of(g) if s in cluster_of})
        if len(touched) < 2 or len(touched) > _TIE_MAX_CLUSTERS:
            continue
        w = ev.base_weight[g] if ev.hub[g] else ev.weight[g]
        for x in range(len(touched)):
            for y in range(x + 1, len(touched)):
                slot = acc.setdefault((touched[x], touched[y]), [0.0, []])
                slot[0] += w
                slot[1].append(ev.rep(g))
    out = [{"source": ids[a], "target": ids[b], "weight": round(w, 6), "via": sorted(via)[:5]}
           for (a, b), (w, via) in acc.items()]
    out.sort(key=lambda t: (t["source"], t["target"]))
    return out


def cluster_graph(result: ClusterResult, cluster_id: str) -> dict[str, Any]:
    """The nodes and edges of one cluster page (``{"report", "nodes", "edges"}``).

    Needs a result computed with ``details=True`` (``graphinv clusters --html``).
    """
    graphs = result.graphs
    if graphs is None:
        raise UsageError("cluster graphs were not computed", value=cluster_id,
                         hint="run the clustering with details=True (graphinv clusters --html)")
    if cluster_id not in graphs:
        raise UsageError("no such cluster in this run", value=cluster_id,
                         hint="see `graphinv clusters` for the cluster ids")
    return graphs[cluster_id]


def overview(result: ClusterResult) -> dict[str, Any]:
    """The index page: every cluster report and the ties between clusters."""
    return {"clusters": result.clusters, "ties": result.ties, "hubs": result.hubs}


def member_rows(result: ClusterResult) -> list[list[Any]]:
    """One row per shop in a cluster: shop_id (as in the input), platform, cluster_id, risk."""
    return [[m["shop_id"], m["platform"], m["cluster_id"], m["risk"]] for m in result.members]


def report_columns() -> list[str]:
    """Columns of the flat (table/CSV) cluster listing."""
    return ["cluster_id", "shops", "sellers", "platforms", "countries", "payment_providers",
            "suppliers", "flagged_shops", "risk", "gang_likeness", "reappeared", "leads",
            "key_entities", "top_identifiers"]


def report_rows(reports: Sequence[Mapping[str, Any]], *,
                for_table: bool = False) -> list[list[Any]]:
    """Flat rows (columns of :func:`report_columns`): lists kept for CSV (joined with
    ``; `` by the writer), shortened for a terminal table (``for_table``)."""
    rows = []
    for r in reports:
        tops = [f"{t['label']} ({t['shops']})" for t in r["top_identifiers"]]
        keys = [e["label"] for e in r["key_entities"]]
        if for_table:
            rows.append([
                r["cluster_id"], r["shops"], r["sellers"],
                f"{len(r['platforms'])}: {', '.join(r['platforms'])}",
                f"{len(r['countries'])}: {', '.join(r['countries'])}" if r["countries"]
                else "unknown",
                r["payment_providers"], len(r["suppliers"]), r["flagged_shops"], r["risk"],
                r.get("gang_likeness"), "yes" if r["reappeared"] else "", len(r["leads"]),
                keys[:2], tops[:3],
            ])
        else:
            rows.append([
                r["cluster_id"], r["shops"], r["sellers"], r["platforms"], r["countries"],
                r["payment_providers"], r["suppliers"], r["flagged_shops"], r["risk"],
                r.get("gang_likeness"), r["reappeared"], r["leads"], keys, tops,
            ])
    return rows


#: Columns of ``graphinv clusters --leads``.
LEAD_COLUMNS = ["cluster_id", "shops", "platforms", "countries", "gang_likeness", "risk",
                "reasons"]


def lead_rows(reports: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], list[Any]]]:
    """Clusters without a flagged shop, most gang-like first: ``(report, flat row)``;
    clusters an analyst decided ``not-a-gang`` are left out.

    >>> reps = [{"cluster_id": "G-0001", "shops": 3, "platforms": ["ebay"], "countries": [],
    ...          "flagged_shops": 0, "gang_likeness": 0.2, "risk": 0.0, "reasons": []},
    ...         {"cluster_id": "G-0002", "shops": 4, "platforms": ["ebay", "etsy"],
    ...          "countries": ["CN"], "flagged_shops": 0, "gang_likeness": 0.9, "risk": 0.0,
    ...          "reasons": [{"feature": "seller_identities", "value": 0.5,
    ...                       "contribution": 2.0}]},
    ...         {"cluster_id": "G-0003", "shops": 2, "platforms": [], "countries": [],
    ...          "flagged_shops": 1, "gang_likeness": 0.99, "risk": 1.0, "reasons": []}]
    >>> [row for _, row in lead_rows(reps)][0]
    ['G-0002', 4, 2, 1, 0.9, 0.0, 'seller_identities 0.50 (+2.00)']
    >>> [r["cluster_id"] for r, _ in lead_rows(reps)]
    ['G-0002', 'G-0001']
    """
    unflagged = [r for r in reports if not r["flagged_shops"]
                 and (r.get("decision") or {}).get("decision") != "not-a-gang"]
    unflagged.sort(key=lambda r: (-r.get("gang_likeness", 0.0), -r["shops"], r["cluster_id"]))
    return [(r, [r["cluster_id"], r["shops"], len(r["platforms"]), len(r["countries"]),
                 r.get("gang_likeness", 0.0), r["risk"],
                 "; ".join(f"{x['feature']} {x['value']:.2f} (+{x['contribution']:.2f})"
                           for x in r.get("reasons", []))])
            for r in unflagged]

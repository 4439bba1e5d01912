"""Keep big clusters usable: collapse hubs, group single-use identifiers.

Above ``max_nodes`` (default 1,500; vis-network stays smooth below that with
software rendering) the drawn graph is reduced in steps, stopping as soon as
it fits:

1. hubs keep only their few most important links (leads, flagged shops,
   key entities first); the rest are counted on the hub;
2. identifiers linked to a single node link nothing: they are folded into
   that node (listed in its tooltip, counted on its label as "+3");
3. other single-link nodes (shops hanging off one identifier) are grouped
   per (neighbour, kind) into one group node ("140 Shop");
4. the lowest-centrality nodes are left out.

Leads, flagged shops, hubs and key entities are never grouped or left out.
The returned ``note`` says exactly what was done and how to see everything.

>>> from graphinv.render.model import prepare_graph
>>> shops = [f"Shop:x:{i}" for i in range(3000)]  # 3,000 shops on one phone
>>> g = prepare_graph({"nodes": [{"id": "Phone:+1", "kind": "Phone"}]
...                    + [{"id": s, "kind": "Shop"} for s in shops],
...                    "edges": [{"source": s, "target": "Phone:+1", "type": "USES_PHONE"}
...                              for s in shops]})
>>> r = reduce_graph(g.nodes, g.edges, max_nodes=1500, cluster_id="G-SYN")
>>> len(r.nodes) <= 1500, r.reduced, "--max-nodes 0" in r.note
(True, True, True)
>>> reduce_graph(g.nodes, g.edges, max_nodes=0).reduced
False
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphinv.schema import IDENTIFIER_KINDS

__all__ = ["Reduced", "reduce_graph", "HUB_LINKS_KEPT", "DEFAULT_MAX_NODES"]

DEFAULT_MAX_NODES = 1500
#: Links a collapsed hub keeps (the most important ones).
HUB_LINKS_KEPT = 12
#: Members listed in a group node's tooltip.
GROUP_LISTED = 25
#: Folded single-use identifiers listed in their owner's tooltip.
FOLDED_LISTED = 10


@dataclass
class Reduced:
    """The graph as drawn.

    Group nodes have ``group_of`` (member descriptions) and ``count``; nodes that
    absorbed single-use identifiers have ``folded`` (descriptions) and ``folded_count``.
    """

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    reduced: bool = False
    note: str = ""
    hidden_links: dict[str, int] = field(default_factory=dict)
    omitted: int = 0


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _hub_rank(rank: dict[str, tuple[bool, float, str]], hub: str,
              e: dict[str, Any]) -> tuple[bool, float, str]:
    return rank[e["target"] if e["source"] == hub else e["source"]]


def _degree(edges: Iterable[dict[str, Any]]) -> dict[str, int]:
    deg: dict[str, int] = defaultdict(int)
    for e in edges:
        deg[e["source"]] += 1
        deg[e["target"]] += 1
    return deg


def _single_links(edges: list[dict[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Nodes with exactly one link → (their neighbour, that edge)."""
    deg = _degree(edges)
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for e in edges:
        for a, b in ((e["source"], e["target"]), (e["target"], e["source"])):
            if deg[a] == 1 and deg[b] > 1:
                out[a] = (b, e)
    return out


def _fold(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    protected: set[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """Fold single-link identifiers into their neighbour. Returns nodes, edges, folded."""
    single = _single_links(edges)
    kinds = set(IDENTIFIER_KINDS)
    folded: dict[str, list[dict[str, Any]]] = defaultdict(list)
    gone: set[str] = set()
    for n in nodes:
        nid = n["id"]
        if nid in single and nid not in protected and n["kind"] in kinds \
                and not n.get("group_of"):
            folded[single[nid][0]].append(n)
            gone.add(nid)
    if not gone:
        return nodes, edges, 0
    out = []
    for n in nodes:
        if n["id"] in gone:
            continue
        extra = folded.get(n["id"])
        if extra:
            n = dict(n)
            listed = list(n.get("folded") or [])
            for m in extra:
                if len(listed) < FOLDED_LISTED:
                    key = f" [{m['key']}]" if m.get("key") and m["key"] != m["label"] else ""
                    listed.append(f"{m['kind']}: {m['label']}{key}")
            n["folded"] = listed
            n["folded_count"] = int(n.get("folded_count") or 0) + len(extra)
        out.append(n)
    kept = [e for e in edges if e["source"] not in gone and e["target"] not in gone]
    return out, kept, len(gone)


def _group(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    protected: set[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, int]:
    """Group single-link nodes per (neighbour, kind). Returns nodes, edges, grouped, groups."""
    neighbour = _single_links(edges)
    buckets: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for n in nodes:
        nid = n["id"]
        if nid in protected or nid not in neighbour or n.get("group_of"):
            continue
        other = neighbour[nid][0]
        buckets[(other, n["kind"])].append(n)
    gone: set[str] = set()
    new_nodes: list[dict[str, Any]] = []
    new_edges: list[dict[str, Any]] = []
    existing = {n["id"] for n in nodes}
    grouped = groups = 0
    for (other, kind), members in buckets.items():
        if len(members) < 2:
            continue
        gid = f"group:{kind}:{other}"
        while gid in existing:
            gid += "'"
        existing.add(gid)
        ids = [m["id"] for m in members]
        gone.update(ids)
        grouped += len(members)
        groups += 1
        member_edges = [neighbour[i][1] for i in ids]
        types = sorted({e["type"] for e in member_edges})
        new_nodes.append({
            "id": gid, "kind": kind, "label": f"{len(members)} {kind}",
            "key": "", "raws": [], "platform": None, "country": None,
            "flagged": False, "flags": [], "lead": False, "hub": False, "hub_reason": None,
            "centrality": max(m["centrality"] for m in members), "risk": None,
            "shop_id": None, "url": None, "count": len(members),
            "group_of": [f"{m['label']} ({m['id']})" for m in members[:GROUP_LISTED]],
        })
        new_edges.append({
            "source": other, "target": gid, "type": "/".join(types),
            "weight": max(e["weight"] for e in member_edges),
            "evidence": [ev for e in member_edges[:3] for ev in e["evidence"][:1]],
            "count": len(members),
        })
    kept_nodes = [n for n in nodes if n["id"] not in gone] + new_nodes
    kept_edges = [e for e in edges if e["source"] not in gone and e["target"] not in gone]
    return kept_nodes, kept_edges + new_edges, grouped, groups


def reduce_graph(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    cluster_id: str = "",
    key_entities: Iterable[str] = (),
) -> Reduced:
    """The graph to draw for a cluster, reduced to at most ``max_nodes`` if needed.

    ``max_nodes <= 0`` draws everything. Input lists are not modified.
    """
    total = len(nodes)
    if max_nodes <= 0 or total <= max_nodes:
        return Reduced(list(nodes), list(edges))
    protected = {n["id"] for n in nodes if n["lead"] or n["flagged"] or n["hub"]}
    protected.update(key_entities)
    steps: list[str] = []
    hidden: dict[str, int] = {}

    # 1. Hubs keep their most important links only.
    hubs = {n["id"] for n in nodes if n["hub"]}
    if hubs:
        rank = {n["id"]: (n["id"] not in protected, -n["centrality"], n["id"]) for n in nodes}
        by_hub: dict[str, list[dict[str, Any]]] = defaultdict(list)
        rest: list[dict[str, Any]] = []
        for e in edges:
            h = e["source"] if e["source"] in hubs else e["target"] if e["target"] in hubs else None
            (by_hub[h] if h is not None else rest).append(e)
        for h, hub_edges in by_hub.items():
            hub_edges.sort(key=functools.partial(_hub_rank, rank, h))
            rest.extend(hub_edges[:HUB_LINKS_KEPT])
            if len(hub_edges) > HUB_LINKS_KEPT:
                hidden[h] = len(hub_edges) - HUB_LINKS_KEPT
        edges = rest
        if hidden:
            steps.append(f"{_plural(len(hidden), 'hub')} drawn with only their "
                         f"{HUB_LINKS_KEPT} most important links "
                         f"({_plural(sum(hidden.values()), 'link')} not drawn)")
    nodes = list(nodes)
    # 2. Fold single-use identifiers into the node that uses them.
    if len(nodes) > max_nodes:
        nodes, edges, folded = _fold(nodes, edges, protected)
        if folded:
            steps.append(f"{_plural(folded, 'single-use identifier')} folded into the node "
                         "using it (listed in its tooltip, counted as +N on its label)")
    # 3. Group the remaining single-link nodes per neighbour and kind.
    if len(nodes) > max_nodes:
        nodes, edges, grouped, groups = _group(nodes, edges, protected)
        if grouped:
            steps.append(f"{_plural(grouped, 'single-link node')} grouped into "
                         f"{_plural(groups, 'group node')}")
    # 4. Leave out the least central nodes.
    omitted = 0
    if len(nodes) > max_nodes:
        order = sorted(nodes, key=lambda n: (n["id"] not in protected, -n["centrality"],
                                             n["id"]))
        keep = {n["id"] for n in order[:max_nodes]}
        omitted = len(nodes) - len(keep)
        nodes = [n for n in nodes if n["id"] in keep]
        edges = [e for e in edges if e["source"] in keep and e["target"] in keep]
        steps.append(f"{_plural(omitted, 'low-centrality node')} left out")
    how = (f"graphinv view --cluster {cluster_id} --max-nodes 0" if cluster_id
           else "graphinv view --max-nodes 0")
    note = (f"This cluster has {_plural(total, 'node')}; to keep the page responsive "
            f"(limit {max_nodes:,}): " + "; ".join(steps) + ". Every node and link is in "
            "the JSON, GraphML, GEXF and CSV exports; to draw them all: " + how + ".")
    return Reduced(nodes, edges, True, note, hidden, omitted)

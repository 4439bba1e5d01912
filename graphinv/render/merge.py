"""One node per real-world entity: spellings joined by SAME_AS drawn as one node.

Ingest links near-duplicate addresses and suppliers (``"12 Harbour Rd"`` and
``"12 Harbor Road"``) with SAME_AS instead of merging them, so that both spellings
stay in the store as evidence. An investigator reading the picture needs the
opposite: one warehouse is one node. :func:`merge_same_as` folds every SAME_AS
component into one node that lists each spelling (``aliases``: id, label, raw
values, sources) and takes over their links; parallel links that result are
joined with their evidence kept. Nothing is lost: the spellings and the SAME_AS
links are in ``aliases``, and the counts say how many nodes were joined.

Every node also gets ``sources``: the input sources and files of the evidence on
its links, so a shop seen in several sources shows them all.

>>> nodes = [{"id": "Address:a", "label": "12 Harbour Rd", "raws": ["12 Harbour Rd"]},
...          {"id": "Address:b", "label": "12 Harbor Road", "raws": []},
...          {"id": "Shop:x:1", "label": "s1", "raws": []},
...          {"id": "Shop:x:2", "label": "s2", "raws": []}]
>>> edges = [{"source": "Address:a", "target": "Address:b", "type": "SAME_AS",
...           "weight": 1.0, "evidence": []},
...          {"source": "Shop:x:1", "target": "Address:a", "type": "LOCATED_AT",
...           "weight": 1.0, "evidence": [{"source": "listings", "file": "l.csv"}]},
...          {"source": "Shop:x:2", "target": "Address:b", "type": "LOCATED_AT",
...           "weight": 1.0, "evidence": []}]
>>> m = merge_same_as(nodes, edges)
>>> [n["id"] for n in m.nodes], m.joined
(['Address:a', 'Shop:x:1', 'Shop:x:2'], 1)
>>> [a["label"] for a in m.nodes[0]["aliases"]], sorted(e["target"] for e in m.edges)
(['12 Harbour Rd', '12 Harbor Road'], ['Address:a', 'Address:a'])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Merged", "merge_same_as", "SAME_AS"]

SAME_AS = "SAME_AS"


@dataclass
class Merged:
    """Nodes and edges after the merge; ``joined``: nodes folded into another one;
    ``rep``: old node id -> the id of the node that now stands for it."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    joined: int
    rep: dict[str, str]


def _find(parent: dict[str, str], x: str) -> str:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _sources(edges: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, dict[str, None]] = defaultdict(dict)
    for e in edges:
        for ev in e.get("evidence") or ():
            where = " ".join(x for x in (ev.get("source", ""), ev.get("file", "")) if x)
            if where:
                out[e["source"]][where] = None
                out[e["target"]][where] = None
    return {k: list(v) for k, v in out.items()}


def merge_same_as(nodes: Sequence[dict[str, Any]], edges: Sequence[dict[str, Any]]) -> Merged:
    """Fold SAME_AS components into one node each (see the module docstring).

    The node that stands for a component is its member with the most other links
    (ties: the smallest id), so a lead or a key entity keeps its id in most cases;
    every other id maps to it through ``rep``.
    """
    ids = {n["id"] for n in nodes}
    parent = {i: i for i in ids}
    degree: dict[str, int] = defaultdict(int)
    for e in edges:
        if e["type"] == SAME_AS:
            if e["source"] in ids and e["target"] in ids:
                a, b = _find(parent, e["source"]), _find(parent, e["target"])
                if a != b:
                    parent[max(a, b)] = min(a, b)
        else:
            degree[e["source"]] += 1
            degree[e["target"]] += 1
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in nodes:
        groups[_find(parent, n["id"])].append(n)
    rep: dict[str, str] = {}
    for members in groups.values():
        head = min(members, key=lambda n: (-degree[n["id"]], n["id"]))
        for n in members:
            rep[n["id"]] = head["id"]
    sources = _sources(edges)
    out_nodes = []
    for n in nodes:
        if rep[n["id"]] != n["id"]:
            continue
        members = sorted(groups[_find(parent, n["id"])], key=lambda m: m["id"] != n["id"])
        merged = dict(n)
        merged["sources"] = list(dict.fromkeys(
            s for m in members for s in sources.get(m["id"], [])))
        if len(members) > 1:
            merged["aliases"] = [{"id": m["id"], "label": m.get("label", ""),
                                  "raws": list(m.get("raws") or []),
                                  "sources": sources.get(m["id"], [])} for m in members]
            merged["raws"] = list(dict.fromkeys(r for m in members for r in m.get("raws") or []))
            _union_flags(merged, members)
        out_nodes.append(merged)
    out_edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in edges:
        s, t = rep.get(e["source"], e["source"]), rep.get(e["target"], e["target"])
        if e["type"] == SAME_AS and s == t:
            continue  # the link that joined them: listed in the node's aliases
        key = (s, t, e["type"])
        if key in out_edges:
            kept = out_edges[key]
            kept["evidence"] = kept["evidence"] + [x for x in e["evidence"]
                                                   if x not in kept["evidence"]]
            kept["weight"] = max(kept["weight"], e["weight"])
        else:
            out_edges[key] = dict(e, source=s, target=t)
    return Merged(out_nodes, list(out_edges.values()), len(nodes) - len(out_nodes), rep)


def _union_flags(merged: dict[str, Any], members: Sequence[Mapping[str, Any]]) -> None:
    flags: list[Any] = []
    for m in members:
        flags += [f for f in m.get("flags") or [] if f not in flags]
    merged["flags"] = flags
    for k in ("flagged", "lead", "hub"):
        merged[k] = any(bool(m.get(k)) for m in members)
    if merged.get("hub") and not merged.get("hub_reason"):
        merged["hub_reason"] = next((m.get("hub_reason") for m in members
                                     if m.get("hub_reason")), None)
    for k in ("centrality", "risk"):
        vals = [m[k] for m in members if m.get(k) is not None]
        if vals:
            merged[k] = max(vals)

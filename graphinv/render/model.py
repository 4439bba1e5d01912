"""Clean the analysis → render contract dicts before anything is drawn.

Input is whatever analysis (or a fixture file) produced; output has every
field present with the declared type, strings cleaned (:func:`safe.text`),
numbers finite or None, node ids unique (duplicates merged: first wins,
flags/raws unioned) and edges only between known nodes. What was fixed is
listed in ``problems`` and shown on the page, never silently dropped.

>>> g = prepare_graph({"nodes": [{"id": "Shop:a", "kind": "Shop", "label": None},
...                              {"id": "Shop:a", "kind": "Shop", "label": 7}],
...                    "edges": [{"source": "Shop:a", "target": "Phone:x"}]})
>>> [n["label"] for n in g.nodes], g.edges, g.problems
(['a'], [], ['1 duplicate node id merged', '1 edge to a node not in the cluster dropped'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphinv.render.merge import merge_same_as
from graphinv.render.safe import flag_dicts, number, text
from graphinv.schema import split_node_id

__all__ = ["Graph", "prepare_graph", "prepare_report", "as_int"]


@dataclass
class Graph:
    """One cluster, cleaned: ``report``, ``nodes``, ``edges`` and what was fixed."""

    report: dict[str, Any]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    #: Nodes folded into another one because SAME_AS joins them (render.merge).
    joined: int = 0


def as_int(value: Any) -> int:
    """An int from anything (junk and NaN → 0).

    >>> as_int("12"), as_int(3.7), as_int(None), as_int(float("nan"))
    (12, 3, 0, 0)
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    f = number(value)
    return int(f) if f is not None else 0


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, int, float)):
        value = [value]
    if not isinstance(value, Iterable) or isinstance(value, Mapping):
        return [text(value)] if text(value) else []
    return [t for t in (text(v) for v in value) if t]


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def _entities(value: Any, count_field: str) -> list[dict[str, Any]]:
    out = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, Mapping):
            item = {"id": item}
        eid = text(item.get("id"))
        kind = text(item.get("kind")) or split_node_id(eid)[0]
        row: dict[str, Any] = {"id": eid, "kind": kind,
                               "label": text(item.get("label")) or split_node_id(eid)[1] or eid}
        row[count_field] = (number(item.get(count_field), 0.0) if count_field == "centrality"
                            else as_int(item.get(count_field)))
        out.append(row)
    return out


def prepare_report(report: Mapping[str, Any] | None, cluster_id: Any = None) -> dict[str, Any]:
    """A cluster report with every contract field present and typed."""
    r = report if isinstance(report, Mapping) else {}
    cid = text(r.get("cluster_id")) or text(cluster_id) or "unnamed"
    return {
        "cluster_id": cid,
        "shops": as_int(r.get("shops")),
        "sellers": as_int(r.get("sellers")),
        "platforms": _texts(r.get("platforms")),
        "countries": _texts(r.get("countries")),
        "payment_providers": _texts(r.get("payment_providers")),
        "suppliers": _texts(r.get("suppliers")),
        "flagged_shops": as_int(r.get("flagged_shops")),
        "risk": number(r.get("risk")),
        "reappeared": _bool(r.get("reappeared")),
        "leads": _texts(r.get("leads")),
        "key_entities": _entities(r.get("key_entities"), "centrality"),
        "top_identifiers": _entities(r.get("top_identifiers"), "shops"),
        "members": _texts(r.get("members")),
        "gang_likeness": number(r.get("gang_likeness")),
        "reasons": _reasons(r.get("reasons")),
    }


def _reasons(value: Any) -> list[str]:
    """Gang-likeness reasons as one line each: ``feature value (+contribution)``."""
    out = []
    for x in value if isinstance(value, list) else []:
        if isinstance(x, str):  # already prepared (a report is prepared more than once)
            out.append(text(x))
        elif isinstance(x, Mapping):
            v, c = number(x.get("value"), 0.0) or 0.0, number(x.get("contribution"), 0.0) or 0.0
            why = text(x.get("provenance"))
            out.append(f"{text(x.get('feature'))} {v:.2f} (+{c:.2f})"
                       + (f": {why}" if why else ""))
    return out


def _node(raw: Mapping[str, Any], leads: set[str]) -> dict[str, Any]:
    nid = text(raw.get("id"))
    kind_from_id, key_from_id = split_node_id(nid)
    kind = text(raw.get("kind")) or kind_from_id or "Unknown"
    key = text(raw.get("key")) or key_from_id
    label = text(raw.get("label")) or text(raw.get("display")) or key or nid
    return {
        "id": nid,
        "kind": kind,
        "label": label,
        "key": key,
        "raws": _texts(raw.get("raws")),
        "platform": text(raw.get("platform")) or None,
        "country": text(raw.get("country")) or None,
        "flagged": _bool(raw.get("flagged")),
        "flags": flag_dicts(raw.get("flags")),
        "lead": _bool(raw.get("lead")) or nid in leads,
        "hub": _bool(raw.get("hub")),
        "hub_reason": text(raw.get("hub_reason")) or None,
        "centrality": number(raw.get("centrality"), 0.0),
        "risk": number(raw.get("risk")),
        "shop_id": text(raw.get("shop_id")) or None,
        "url": text(raw.get("url")) or None,
        "first_seen": text(raw.get("first_seen")) or None,
        "last_seen": text(raw.get("last_seen")) or None,
    }


def _evidence(value: Any) -> list[dict[str, str]]:
    out = []
    for ev in value if isinstance(value, list) else ([] if value is None else [value]):
        if isinstance(ev, str):
            ev = {"raw": ev}
        if isinstance(ev, Mapping):
            out.append({k: text(ev.get(k)) for k in ("source", "file", "line", "raw", "run")})
    return out


def prepare_graph(graph: Mapping[str, Any], report: Mapping[str, Any] | None = None,
                  cluster_id: Any = None) -> Graph:
    """Clean one cluster graph dict (see the module docstring)."""
    rep = prepare_report(report if report is not None else graph.get("report"), cluster_id)
    leads = set(rep["leads"])
    problems: list[str] = []
    nodes: dict[str, dict[str, Any]] = {}
    dupes = missing_id = 0
    for raw in graph.get("nodes") or []:
        if not isinstance(raw, Mapping):
            missing_id += 1
            continue
        n = _node(raw, leads)
        if not n["id"]:
            missing_id += 1
            continue
        if n["id"] in nodes:
            dupes += 1
            first = nodes[n["id"]]
            first["raws"] = list(dict.fromkeys(first["raws"] + n["raws"]))
            first["flags"] = first["flags"] + [f for f in n["flags"] if f not in first["flags"]]
            first["flagged"] = first["flagged"] or n["flagged"]
            continue
        nodes[n["id"]] = n
    if dupes:
        problems.append(f"{dupes} duplicate node id{'s' if dupes > 1 else ''} merged")
    if missing_id:
        problems.append(f"{missing_id} node record{'s' if missing_id > 1 else ''} "
                        "without an id skipped")
    edges = []
    dangling = 0
    for raw in graph.get("edges") or []:
        if not isinstance(raw, Mapping):
            dangling += 1
            continue
        s, t = text(raw.get("source")), text(raw.get("target"))
        if s not in nodes or t not in nodes:
            dangling += 1
            continue
        edges.append({"source": s, "target": t, "type": text(raw.get("type")) or "LINK",
                      "weight": number(raw.get("weight"), 1.0),
                      "evidence": _evidence(raw.get("evidence"))})
    if dangling:
        problems.append(f"{dangling} edge{'s' if dangling > 1 else ''} to a node not in the "
                        "cluster dropped")
    merged = merge_same_as(list(nodes.values()), edges)
    if merged.joined:
        _follow(rep, merged.rep)
    return Graph(rep, merged.nodes, merged.edges, problems, merged.joined)


def _follow(rep: dict[str, Any], moved: Mapping[str, str]) -> None:
    """Point the report's node references at the nodes that now stand for them."""
    rep["leads"] = list(dict.fromkeys(moved.get(x, x) for x in rep["leads"]))
    for field_name in ("key_entities", "top_identifiers"):
        seen: set[str] = set()
        kept = []
        for ent in rep[field_name]:
            ent["id"] = moved.get(ent["id"], ent["id"])
            if ent["id"] not in seen:
                seen.add(ent["id"])
                kept.append(ent)
        rep[field_name] = kept

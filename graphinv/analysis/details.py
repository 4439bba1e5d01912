"""Fetch display text, node properties and relationship evidence for a few nodes.

The projection carries ids only; reports, cluster pages and explanations need
the human side (display names, raw spellings, flags, source records) for a
bounded set of nodes. These helpers read it in batches, one query per label
or relationship type and batch, never one round trip per node; nodes are looked
up by key (``UNWIND $keys AS k MATCH (n {key: k})``: an index lookup on both
stores, where ``WHERE n.key IN $keys`` scans the label on the embedded one).

>>> parse_evidence(['{"source": "listings", "file": "a.csv", "line": 3, "raw": "x"}'])
[{'source': 'listings', 'file': 'a.csv', 'line': 3, 'raw': 'x', 'run': None}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from graphinv import schema
from graphinv.analysis.projection import flag_records
from graphinv.store.base import Store

__all__ = [
    "fetch_displays",
    "fetch_nodes",
    "fetch_evidence",
    "parse_evidence",
    "node_view",
]

_BATCH = 2_000


def _by_label(node_ids: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for nid in sorted(set(node_ids)):
        label, key = schema.split_node_id(nid)
        if label in schema.NODE_KINDS:
            out.setdefault(label, []).append(key)
    return out


def fetch_displays(store: Store, node_ids: Iterable[str]) -> dict[str, str]:
    """``node id -> display`` (the key when a node has no display text)."""
    out: dict[str, str] = {}
    for label, keys in _by_label(node_ids).items():
        for i in range(0, len(keys), _BATCH):
            chunk = keys[i:i + _BATCH]
            for key, node in store.read_nodes(label, chunk, ["display"]).items():
                out[schema.node_id(label, key)] = node["display"] or key
    return out


def fetch_nodes(store: Store, node_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Full property maps by node id."""
    out: dict[str, dict[str, Any]] = {}
    for label, keys in _by_label(node_ids).items():
        for i in range(0, len(keys), _BATCH):
            for key, node in store.get_nodes(label, keys[i:i + _BATCH]).items():
                out[schema.node_id(label, key)] = node
    return out


def parse_evidence(ev: Iterable[str] | None) -> list[dict[str, Any]]:
    """Provenance records (``source, file, line, raw``) from a relationship's ``ev``."""
    out = []
    for item in ev or ():
        try:
            rec = json.loads(item) if isinstance(item, str) else item
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.append({k: rec.get(k) for k in ("source", "file", "line", "raw", "run")})
    return out


def fetch_evidence(store: Store, links: Iterable[tuple[str, str, str]]
                   ) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Evidence of links given as ``(rel_type, src node id, dst node id)``."""
    wanted: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    for rel, src, dst in set(links):
        sl, sk = schema.split_node_id(src)
        dl, dk = schema.split_node_id(dst)
        slot = wanted.setdefault((rel, sl, dl), {})
        slot.setdefault(sk, set()).add(dk)
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for (rel, sl, dl), pairs in wanted.items():
        evidence = schema.REL_TYPES[schema.check_rel_type(rel)].evidence
        srcs = sorted(pairs)
        for i in range(0, len(srcs), _BATCH):
            chunk = srcs[i:i + _BATCH]
            for ak, bk, ev in store.read_rels(rel, sl, dl, chunk,
                                              ["ev" if evidence else "method"]):
                if bk in pairs.get(ak, ()):
                    key = (rel, schema.node_id(sl, ak), schema.node_id(dl, bk))
                    out[key] = parse_evidence(ev) if evidence else []
    return out


def node_view(nid: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """The human side of one node: label, key, raws, platform, country, flags..."""
    label, key = schema.split_node_id(nid)
    return {
        "id": nid,
        "kind": label,
        "label": props.get("display") or props.get("name") or key,
        "key": key,
        "raws": list(props.get("raws") or []),
        "platform": props.get("platform"),
        "country": props.get("country"),
        "flagged": bool(props.get("flagged")),
        "flags": flag_records(props.get("flags")),
        "shop_id": props.get("shop_id"),
        "url": props.get("url"),
        "first_seen": props.get("first_seen"),
        "last_seen": props.get("last_seen"),
        # The ingest run that created the node (its display text came from that run's
        # files): with the evidence runs, the runs behind a cluster's provenance stamp.
        "first_run": props.get("first_run"),
    }

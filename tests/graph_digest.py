"""A content hash of the whole graph, to prove two runs ended in the same graph.

Run ids and wall-clock times differ between runs by design, so they are left out;
everything else (keys, properties, relationships, evidence keys, raw values) counts.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from graphinv import schema
from graphinv.store import Store

_VOLATILE_NODE = {"first_run"}
_VOLATILE_REL = {"first_run", "ev"}


def graph_digest(store: Store) -> dict[str, Any]:
    """Counts per kind plus one sha256 over the sorted content."""
    h = hashlib.sha256()
    counts: dict[str, int] = {}
    for label in schema.NODE_KINDS:
        props = [p for p, _ in schema.node_props(label)
                 if p != "key" and p not in _VOLATILE_NODE]
        rows = sorted(_norm(r) for r in store.stream_nodes(label, props))
        counts[label] = len(rows)
        for r in rows:
            h.update(json.dumps([label, r], sort_keys=True, default=str).encode())
    evidence = 0
    for rel in schema.REL_TYPES:
        props = [p for p, _ in schema.rel_props(rel) if p not in _VOLATILE_REL]
        rows = sorted(_norm(r) for r in store.stream_rels(rel, props))
        counts[rel] = len(rows)
        if "ev_count" in props:
            evidence += sum(r[4 + props.index("ev_count")] or 0 for r in rows)
        for r in rows:
            h.update(json.dumps([rel, r], sort_keys=True, default=str).encode())
    counts["evidence"] = evidence
    return {"counts": counts, "sha256": h.hexdigest()}


def _norm(row: tuple[Any, ...]) -> list[Any]:
    out = []
    for v in row:
        if isinstance(v, list):
            v = sorted(v, key=str)
        out.append(v)
    return out

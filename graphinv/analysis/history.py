"""Stable cluster ids across runs, and the history of splits and merges.

Every ``graphinv clusters`` run is stored as a ``ClusterRun`` node: ``created``
(UTC ISO time), ``params`` (JSON, including the next free id number),
``clusters`` (JSON: cluster id -> member shop keys) and ``events`` (JSON list).

New clusters inherit ids from the previous run by overlap of member shops:
the (new, old) pairs with the largest overlap are matched first, each id at
most once. Unmatched new clusters get fresh ids (never reused). An old cluster
whose shops now sit in several clusters is a *split*; a new cluster holding
shops of several old clusters is a *merge*.

>>> ids, events = assign_ids([["a", "b"], ["c", "d"]], {"G-0007": ["a", "b", "c", "d"]}, 8)
>>> ids
['G-0007', 'G-0008']
>>> [e["event"] for e in events]
['split']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphinv.store.base import Store

__all__ = [
    "PreviousRun",
    "format_id",
    "parse_id",
    "assign_ids",
    "load_previous",
    "record_run",
    "list_runs",
    "new_run_key",
]

_PREFIX = "G-"


def format_id(n: int) -> str:
    """The id of cluster number ``n``.

    >>> format_id(12)
    'G-0012'
    """
    return f"{_PREFIX}{n:04d}"


def parse_id(cid: str) -> int | None:
    """Number of a cluster id, or None if it is not one of ours."""
    if not cid.startswith(_PREFIX):
        return None
    tail = cid[len(_PREFIX):]
    return int(tail) if tail.isdigit() else None


@dataclass
class PreviousRun:
    """The latest recorded run."""

    key: str
    created: str
    clusters: dict[str, list[str]] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def next_id(self) -> int:
        n = self.params.get("next_id")
        if isinstance(n, int) and n > 0:
            return n
        nums = [parse_id(c) for c in self.clusters]
        return max((x for x in nums if x is not None), default=0) + 1


def _loads(text: Any, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def load_previous(store: Store) -> PreviousRun | None:
    """The most recent ``ClusterRun`` (by ``created``), or None."""
    runs = sorted((r for r in store.stream_nodes("ClusterRun", ["created"]) if r[1]),
                  key=lambda r: (r[1], r[0]))
    if not runs:
        return None
    key, created = runs[-1][0], runs[-1][1]
    props = store.read_nodes("ClusterRun", [key], ["clusters", "params"]).get(key, {})
    clusters = _loads(props.get("clusters"), {})
    params = _loads(props.get("params"), {})
    return PreviousRun(key=key, created=created,
                       clusters=clusters if isinstance(clusters, dict) else {},
                       params=params if isinstance(params, dict) else {})


def assign_ids(new: Sequence[Sequence[str]], old: Mapping[str, Sequence[str]],
               next_id: int) -> tuple[list[str], list[dict[str, Any]]]:
    """Ids for ``new`` clusters (lists of shop keys, in report order) and the events.

    Returns ``(ids, events)``; ids of unmatched clusters start at ``next_id`` in
    the order of ``new``.
    """
    owner: dict[str, str] = {}
    for cid, shops in old.items():
        for s in shops:
            owner[s] = cid
    overlap: list[dict[str, int]] = []
    for shops in new:
        counts: dict[str, int] = {}
        for s in shops:
            o = owner.get(s)
            if o is not None:
                counts[o] = counts.get(o, 0) + 1
        overlap.append(counts)
    cand = sorted(((-cnt, oid, i) for i, counts in enumerate(overlap)
                   for oid, cnt in counts.items()))
    ids: list[str | None] = [None] * len(new)
    taken: set[str] = set()
    for _neg, oid, i in cand:
        if ids[i] is None and oid not in taken:
            ids[i] = oid
            taken.add(oid)
    events: list[dict[str, Any]] = []
    nxt = next_id
    final: list[str] = []
    for got in ids:
        if got is None:
            got = format_id(nxt)
            nxt += 1
        final.append(got)
    into: dict[str, list[str]] = {}
    for i, counts in enumerate(overlap):
        for oid in counts:
            into.setdefault(oid, []).append(final[i])
    for oid in sorted(old):
        parts = sorted(into.get(oid, []))
        if len(parts) >= 2:
            events.append({"event": "split", "cluster": oid, "into": parts})
        elif not parts:
            events.append({"event": "dissolved", "cluster": oid})
    for i, counts in enumerate(overlap):
        if len(counts) >= 2:
            events.append({"event": "merge", "cluster": final[i], "from": sorted(counts)})
        elif not counts:
            events.append({"event": "new", "cluster": final[i], "shops": len(new[i])})
    return final, events


def new_run_key(now: datetime | None = None) -> tuple[str, str]:
    """``(key, created)`` for a new run; keys sort like their creation times."""
    now = now or datetime.now(UTC)
    created = now.isoformat(timespec="microseconds")
    return "run-" + now.strftime("%Y%m%dT%H%M%S%f"), created


def record_run(store: Store, *, key: str, created: str, params: Mapping[str, Any],
               clusters: Mapping[str, Sequence[str]], events: Sequence[Mapping[str, Any]]) -> None:
    """Store one run as a ``ClusterRun`` node."""
    store.merge_nodes("ClusterRun", [{
        "key": key,
        "created": created,
        "params": json.dumps(dict(params), sort_keys=True, ensure_ascii=False),
        "clusters": json.dumps({k: list(v) for k, v in clusters.items()}, ensure_ascii=False),
        "events": json.dumps(list(events), ensure_ascii=False),
    }])


def list_runs(store: Store) -> list[dict[str, Any]]:
    """Every recorded run, oldest first: key, created, params, cluster count, events."""
    rows = sorted(store.stream_nodes("ClusterRun", ["created", "params", "events"]),
                  key=lambda r: (r[1] or "", r[0]))
    out = []
    for key, created, params, events in rows:
        p = _loads(params, {})
        out.append({
            "run": key,
            "created": created,
            "clusters": p.get("clusters", None) if isinstance(p, dict) else None,
            "params": p,
            "events": _loads(events, []),
        })
    return out

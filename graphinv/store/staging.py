"""Rows on their way into the embedded store: bulk-load staging (Parquet parts, spilled
rows), row folding and the Arrow column types of the schema's properties.
"""

from __future__ import annotations

import pickle
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv.errors import (
    StoreError,
)


def _ddl_type(t: str) -> str:
    return t


def _arrow_types() -> dict[str, Any]:
    import pyarrow as pa

    return {"STRING": pa.string, "BOOLEAN": pa.bool_, "DOUBLE": pa.float64, "INT64": pa.int64,
            "STRING[]": lambda: pa.list_(pa.string())}


class _LazyArrow(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        self.update(_arrow_types())
        return dict.__getitem__(self, key)


_ARROW: Any = _LazyArrow()


# How a freshly created node's managed properties derive from a shaped row
# (the same result the MERGE statement gives on create).
_DERIVED: dict[str, Any] = {
    "raws": lambda r: r["raws"][: schema.RAWS_CAP],
    "issues": lambda r: r["issue_list"],
    "flags": lambda r: r["flag_list"],
    "flagged": lambda r: bool(r["flagged"]),
    "first_run": lambda r: r["run"],
    "first_seen": lambda r: r["seen_min"],
    "last_seen": lambda r: r["seen_max"],
    "cluster_id": lambda r: None,
    "risk": lambda r: None,
    "cluster_risk": lambda r: None,
    "hub": lambda r: None,
    "hub_reason": lambda r: None,
    "hub_shops": lambda r: None,
    "hub_platforms": lambda r: None,
    "hub_clusters": lambda r: None,
}


#: Rows per statement of the embedded store (UNWIND batches).
_BATCH = 5_000

RelTarget = tuple[str, str, str]


class _Spill:
    """Rows waiting for a bulk load, in order; all but the last few thousand on disk
    (at 1M input rows they were gigabytes of Python dicts)."""

    _KEEP = 20_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self.buf: list[Any] = []
        self.spilled = 0

    def extend(self, rows: Iterable[Any]) -> None:
        self.buf.extend(rows)
        if len(self.buf) >= self._KEEP:
            try:
                with open(self.path, "ab") as fh:
                    pickle.dump(self.buf, fh, protocol=pickle.HIGHEST_PROTOCOL)
            except OSError as exc:
                raise StoreError("cannot stage rows for the bulk load", value=str(self.path),
                                 hint=f"check free space in the data directory ({exc})") from exc
            self.spilled += 1
            self.buf = []

    def batches(self) -> Iterator[list[Any]]:
        """The rows in arrival order, a batch at a time."""
        if self.spilled:
            with open(self.path, "rb") as fh:
                for _ in range(self.spilled):
                    yield pickle.load(fh)
        if self.buf:
            yield self.buf


@dataclass
class _Staging:
    """What a bulk block has deferred: Parquet parts of new nodes and relationships
    (one COPY per table when the block ends) and rows for keys already staged (merged
    after the COPY, in arrival order). Keys are remembered by ``hash()`` to keep
    memory small: a collision only sends a row down the slower MERGE path."""

    dir: Path
    node_keys: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    pairs: dict[RelTarget, set[int]] = field(default_factory=lambda: defaultdict(set))
    node_parts: dict[str, list[Path]] = field(default_factory=lambda: defaultdict(list))
    rel_parts: dict[RelTarget, list[Path]] = field(default_factory=lambda: defaultdict(list))
    pending_nodes: dict[str, _Spill] = field(default_factory=dict)
    pending_rels: dict[RelTarget, _Spill] = field(default_factory=dict)
    rows: int = 0
    parts: int = 0

    def part(self, name: str) -> Path:
        self.parts += 1
        return self.dir / f"{self.parts:06d}-{name}.parquet"

    def pending_node(self, label: str) -> _Spill:
        if label not in self.pending_nodes:
            self.pending_nodes[label] = _Spill(self.dir / f"pending-{label}.pickle")
        return self.pending_nodes[label]

    def pending_rel(self, target: RelTarget) -> _Spill:
        if target not in self.pending_rels:
            self.pending_rels[target] = _Spill(self.dir / f"pending-{'-'.join(target)}.pickle")
        return self.pending_rels[target]


def _file_literal(path: Path) -> str:
    r"""A file path as a Cypher string literal that COPY reads as that one file.

    COPY takes no parameter for its source files, and it expands each name as a glob:
    a data directory like ``/home/o'brien/[case 1]`` broke the statement or matched
    nothing (or, worse, other files). Glob characters become one-character classes,
    then the literal is escaped for Cypher.

    >>> print(_file_literal(Path("/d/o'brien/[a]*/x\\y.parquet")))
    '/d/o\'brien/[[]a[]][*]/x\\y.parquet'
    """
    text = re.sub(r"([\[\]*?])", r"[\1]", str(path))
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pair_option(rel: schema.RelType, target: RelTarget) -> str:
    """COPY needs the endpoint tables of a relationship table with several pairs."""
    if len(rel.sources) * len(rel.targets) > 1:
        return f" (from='{target[1]}', to='{target[2]}')"
    return ""


def _combine(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Shaped node rows with the same key folded into one, in order: the same node
    as MERGEing them one after the other (first value wins, lists gain what is new,
    raws up to the cap, dates widen)."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        cur = out.get(r["key"])
        if cur is None:
            out[r["key"]] = {k: list(v) if isinstance(v, list) else v for k, v in r.items()}
            continue
        for k, v in r.items():
            if k in ("raws", "issue_list", "flag_list"):
                merged = list(dict.fromkeys(cur[k] + list(v or ())))
                cur[k] = merged[:schema.RAWS_CAP] if k == "raws" else merged
            elif k == "flagged":
                cur[k] = bool(cur[k]) or bool(v)
            elif k == "seen_min":
                cur[k] = v if cur[k] is None or (v is not None and v < cur[k]) else cur[k]
            elif k == "seen_max":
                cur[k] = v if cur[k] is None or (v is not None and v > cur[k]) else cur[k]
            elif k not in ("key", "run") and cur.get(k) is None:
                cur[k] = v
    return list(out.values())


def _adds_to(row: dict[str, Any], have: Sequence[Any], props: list[str]) -> bool:
    """Would MERGEing ``row`` change a node that holds ``have`` (see ``_changing``)?"""
    raws, issues, flags, flagged, first, last = have[:6]
    raws = raws or []
    if len(raws) < schema.RAWS_CAP and not set(row["raws"]) <= set(raws):
        return True
    if not set(row["issue_list"]) <= set(issues or ()):
        return True
    if not set(row["flag_list"]) <= set(flags or ()):
        return True
    if row["flagged"] and not flagged:
        return True
    lo, hi = row["seen_min"], row["seen_max"]
    if lo is not None and (first is None or lo < first):
        return True
    if hi is not None and (last is None or hi > last):
        return True
    return any(row.get(p) is not None and v is None
               for p, v in zip(props, have[6:], strict=True))


def _plain_column(values: list[Any]) -> list[Any]:
    if values and isinstance(values[0], Decimal):
        return [_plain(v) for v in values]
    return values


def _plain(v: Any) -> Any:
    """Nodes/relationships come back as dicts with internal ids: drop those."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if k not in ("_id", "_src", "_dst")}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, Decimal):
        # sum() comes back as Decimal; Neo4j gives int/float for the same query.
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _node_table(label: str, rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    cols: dict[str, Any] = {}
    meta = label in schema.META_KINDS
    for prop, ptype in schema.node_props(label):
        if meta or prop not in _DERIVED:
            values = [r.get(prop) for r in rows]
        else:
            values = [_DERIVED[prop](r) for r in rows]
        cols[prop] = pa.array(values, type=_ARROW[ptype]())
    return pa.table(cols)


def _rel_table(rel: schema.RelType, rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    cols: dict[str, Any] = {
        "from": pa.array([r["from"] for r in rows], type=pa.string()),
        "to": pa.array([r["to"] for r in rows], type=pa.string()),
    }
    for prop, ptype in schema.rel_props(rel.name):
        if prop == "ev_count":
            values: list[Any] = [len(r["ev_keys"]) for r in rows]
        else:
            values = [r.get(prop) for r in rows]
        cols[prop] = pa.array(values, type=_ARROW[ptype]())
    return pa.table(cols)

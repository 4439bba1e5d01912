"""Pre-normalized rows: what graphinv's ingest hands to the store, captured once.

The baselines must write *the same* nodes and relationships as graphinv, so the
rows come from graphinv itself: :func:`record` runs ``ingest_paths`` against a
:class:`RecordingStore` that writes nothing and appends every ``merge_nodes`` /
``merge_rels`` call (rows shaped as the real stores shape them) to a pickle file.
The baselines then replay that file with the timer on. Near-duplicate resolution
(SAME_AS) is not recorded: it needs a real store, and it is graphinv's own work.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv.store.base import QueryPlan, QueryResult, Store, StoreStatus
from graphinv.store.statements import rel_waves, shape_node_rows

__all__ = ["RecordingStore", "record", "read_ops", "Op"]

#: ``("node", label, rows)`` or ``("rel", rel_type, src_label, dst_label, rows)``.
Op = tuple[Any, ...]


class RecordingStore(Store):
    """A store that only records the graph writes it is asked for (no meta kinds)."""

    backend = "recording"
    location = "memory"

    def __init__(self, out: Path) -> None:
        self._fh = open(out, "wb")  # noqa: SIM115 - closed in close()
        self.ops = 0
        self.node_rows = 0
        self.rel_rows = 0

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def _dump(self, op: Op) -> None:
        pickle.dump(op, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.ops += 1

    def ensure_schema(self) -> None:
        return None

    def status(self) -> StoreStatus:
        return StoreStatus(backend=self.backend, location=self.location, reachable=True)

    def reset(self) -> None:
        return None

    def merge_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        if label in schema.META_KINDS:
            return 0
        shaped = shape_node_rows(label, rows)
        self.node_rows += len(shaped)
        self._dump(("node", label, shaped))
        return len(shaped)

    def merge_rels(self, rel_type: str, src_label: str, dst_label: str,
                   rows: Sequence[Mapping[str, Any]]) -> int:
        flat = [r for wave in rel_waves(rows) for r in wave]
        self.rel_rows += len(flat)
        self._dump(("rel", rel_type, src_label, dst_label, flat))
        return len(flat)

    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        # The post-load URL-shop merge reads shops back (stream_nodes is empty here), so
        # it never asks to delete; if it ever did, the replayed baselines would write a
        # graph graphinv does not, so refuse rather than record a wrong op stream.
        if keys:
            raise RuntimeError(f"RecordingStore cannot replay deletes ({label}: {len(keys)})")
        return 0

    def set_node_props(self, label: str, rows: Sequence[Mapping[str, Any]],
                       props: Sequence[str]) -> None:
        return None

    def clear_node_props(self, label: str, props: Sequence[str]) -> None:
        return None

    def stream_nodes(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        return iter(())

    def stream_rels(self, rel_type: str, props: Sequence[str] = ()) -> Iterator[tuple[Any, ...]]:
        return iter(())

    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        return set()

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        return QueryResult(columns=["n"], rows=[[0]])

    def explain(self, cypher: str, params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> QueryPlan:
        return QueryPlan(read_only=True)


def record(listings: Path, flags: Path, out: Path, work: Path) -> dict[str, Any]:
    """Run graphinv's extraction over the data set once; write the ops to ``out``."""
    from graphinv.ingest.pipeline import IngestOptions, ingest_paths

    tmp = out.with_suffix(".tmp")
    store = RecordingStore(tmp)
    try:
        rep = ingest_paths(store, [listings], IngestOptions(
            data_dir=work, flags=[flags], resolve=False, source="bench-prenormalize"))
    finally:
        store.close()
    tmp.replace(out)
    return {"records": rep.read, "loaded": rep.loaded, "ops": store.ops,
            "node_rows": store.node_rows, "rel_rows": store.rel_rows,
            "normalize_s": rep.seconds.get("normalize")}


def read_ops(path: Path) -> Iterator[Op]:
    """The recorded ops, in the order graphinv issued them."""
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return

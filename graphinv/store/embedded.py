"""The embedded default store: LadybugDB (maintained fork of Kùzu), on disk, in process.

No server to run: the database is one file under the data directory with a WAL
next to it. Tables are generated from :mod:`graphinv.schema` (LadybugDB needs a
typed schema up front). One process at a time may open it read-write; a second
gets a clear error instead of a silent read-only view.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import re
import shlex
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from graphinv import schema
from graphinv.config import StoreConfig
from graphinv.errors import (
    GraphinvError,
    QueryError,
    QueryTimeout,
    StoreDamaged,
    StoreError,
    StoreUnavailable,
)
from graphinv.store.base import PlanOperator, QueryPlan, QueryResult, Store, StoreStatus
from graphinv.store.statements import (
    NODE_ROW_EXTRAS,
    merge_nodes_statement,
    merge_rels_statement,
    rel_waves,
    set_props_statement,
    shape_node_rows,
)

__all__ = ["EmbeddedStore", "engine_abandoned", "repair"]

_BATCH = 5_000
# Below this many rows a COPY's fixed cost (~0.1 s) exceeds UNWIND-MERGE's.
_COPY_MIN = 1_000
_CHECKPOINT_BYTES = 256 << 20
#: A bulk block loads what it has staged once it holds this many rows (bounds disk and
#: the rows waiting to be merged; each load costs more as the tables grow).
_STAGE_FLUSH_ROWS = 40_000_000
# Plan operators that change data; EXPLAIN output is a drawn plan, not a type flag.
_WRITE_OPERATORS = re.compile(
    r"\b(INSERT|SET_PROPERTY|SET_NODE_PROPERTY|SET_REL_PROPERTY|DELETE_NODE|DELETE_REL|"
    r"DELETE|MERGE|CREATE_NODE|CREATE_REL|COPY|DROP|ALTER|CREATE_TABLE|CREATE_TYPE|"
    r"STANDALONE_CALL|TRANSACTION|EXPORT|IMPORT|INSTALL|LOAD_EXTENSION|ATTACH|DETACH)",
)
# The drawn plan: each operator's box starts with ``NAME[id]``; table functions
# (LOAD FROM's READ_CSV…, CALL show_tables()) name themselves in ``Function: X``.
_PLAN_BOX = re.compile(r"│\s*([A-Z][A-Z_]*)\[\d+\]\s*│")
_PLAN_FUNCTION = re.compile(r"Function:\s*([A-Za-z_]\w*)")
# How often a bounded statement checks its deadline and the process's memory, and how
# long a stopped statement gets to wind down before the store gives up on it.
_POLL_S = 0.05
_GRACE_S = 1.0
#: Memory a query may add to the process beyond the buffer pool (RSS), in MB.
QUERY_EXTRA_MEMORY_MB = 1024

_T = TypeVar("_T")


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


class EmbeddedStore(Store):
    """A LadybugDB database at ``config.embedded_path``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with EmbeddedStore(StoreConfig.from_values(data_dir=d)) as st:
    ...     st.merge_nodes("Phone", [{"key": "+8613800138000", "raw": "+86 138 0013 8000"}])
    1
    """

    backend = "embedded"

    def __init__(self, config: StoreConfig, *, read_only: bool = False) -> None:
        import ladybug

        self.config = config
        self.location = str(config.embedded_path)
        self._closed = True  # until the engine is open
        self._broken = False
        self._lock_fd: int | None = None
        self._key = os.path.realpath(config.embedded_path)
        # Read-only needs an existing store; a missing one is created (empty) as before.
        self.read_only = read_only and config.embedded_path.exists()
        if not self.read_only:
            try:
                config.data_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(
                    "cannot create the data directory", value=str(config.data_dir),
                    hint=f"choose a writable --data-dir ({exc.strerror})",
                ) from exc
        self._claim()
        try:
            # The default checkpoints after almost every bulk COPY, which tripled
            # load time here; the WAL keeps every commit durable in between.
            self._db = ladybug.Database(str(config.embedded_path), read_only=self.read_only,
                                        checkpoint_threshold=_CHECKPOINT_BYTES,
                                        buffer_pool_size=config.buffer_mb << 20)
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as exc:
            self._release()
            raise _open_error(self.location, str(exc)) from exc
        self._closed = False
        # Set when a stopped query could not be interrupted (LadybugDB evaluates a
        # call such as range(1, 2000000000) in one piece): its thread still uses the
        # connection, so the store refuses further work and close() leaves the native
        # handles to the end of the process.
        self._stuck = False
        #: Memory (MB) a bounded query may add to the process before it is stopped.
        self.query_memory_mb = config.buffer_mb + QUERY_EXTRA_MEMORY_MB
        self._staging: _Staging | None = None
        self.stage_flush_rows = _STAGE_FLUSH_ROWS
        self._threads = os.cpu_count() or 1  # LadybugDB's default per query
        if not self.read_only:
            self.ensure_schema()

    # -- lifecycle -------------------------------------------------------
    def _claim(self) -> None:
        """Keep readers and writers of one store apart (see :func:`_reader_lock`)."""
        mine = _IN_PROCESS.setdefault(self._key, [])
        if mine and (self.read_only or "ro" in mine):
            # POSIX locks belong to the process: a reader here would drop the writer's lock.
            raise StoreUnavailable(
                "the embedded store is already open in this process", value=self.location,
                hint="close the other store object first")
        if self.read_only:
            self._lock_fd = _reader_lock(self.config.embedded_path)
        mine.append("ro" if self.read_only else "rw")

    def _release(self) -> None:
        mine = _IN_PROCESS.get(self._key, [])
        with contextlib.suppress(ValueError):
            mine.remove("ro" if self.read_only else "rw")
        if not mine:
            _IN_PROCESS.pop(self._key, None)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def close(self) -> None:
        """Checkpoint (the log into the database file) and close.

        Raises :class:`StoreError` when the checkpoint fails (e.g. disk full): the
        committed data stays in the log and the next open recovers it.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if not self.read_only and not self._broken and not self._stuck:
                self._checkpoint()
        finally:
            if not self._broken and not self._stuck:
                self._conn.close()
                self._db.close()
            self._release()

    def __exit__(self, *exc_info: object) -> None:
        exc = exc_info[1] if len(exc_info) > 1 else None
        if not isinstance(exc, BaseException):
            self.close()
            return
        try:
            self.close()
        except StoreError as err:  # keep the first error; say what else failed
            exc.add_note(f"Also: {err}")

    def _checkpoint(self) -> None:
        wal = _wal_size(self.config.embedded_path)
        if wal <= 0:
            return
        # Checkpointing copies the logged pages into the database file (via a shadow file).
        try:
            self._check_space(2 * wal)
        except StoreError:
            self._leave_open()  # closing would checkpoint anyway, on a disk with no room
            raise
        try:
            _close(self._conn.execute("CHECKPOINT"))
        except RuntimeError as exc:
            self._engine_failed(exc, None)
            raise StoreError("cannot checkpoint the embedded store",
                             value=_first_line(exc),
                             hint="free disk space and run `graphinv status`: the committed "
                             "data stays in the write-ahead log") from exc

    def _leave_open(self) -> None:
        """Never close this engine: after a failed write LadybugDB aborts the process
        when it closes (exit 134). The CLI ends the process with ``os._exit``."""
        self._broken = True
        _ABANDONED.append(self)

    def _check_space(self, extra: int = 0) -> None:
        need = (self.config.min_free_mb << 20) + extra
        if need <= 0:
            return
        try:
            st = os.statvfs(self.config.data_dir)
        except OSError:
            return
        free = st.f_bavail * st.f_frsize
        if free < need:
            raise StoreError(
                "not enough free disk space for the embedded store",
                value=f"{self.config.data_dir} ({free / 2**20:.1f} MiB free)",
                hint=f"free at least {(need - free) / 2**20:.0f} MiB more (graphinv stops "
                f"while {self.config.min_free_mb} MiB are left: GRAPHINV_MIN_FREE_MB), then "
                "rerun the same command — what was written so far is kept")

    def _before_write(self, extra: int = 0) -> int:
        """Refuse a write that cannot end well; return the log's size to rewind to."""
        if self.read_only:
            raise StoreError("the embedded store is open read-only", value=self.location,
                             hint="use a command that writes (ingest, clusters)")
        if self._broken:
            raise StoreError("the embedded store stopped after a failed write",
                             value=self.location, hint="rerun the command")
        self._check_space(extra)
        return _wal_size(self.config.embedded_path)

    def _engine_failed(self, exc: RuntimeError, wal_before: int | None) -> None:
        """Turn an engine I/O failure (disk full, file-size limit) into a clear error.

        The failed statement left part of a page at the end of the log; reopening then
        fails for good ("WAL file is corrupted"). Every statement commits on its own, so
        cutting the log back to its size before the statement keeps every earlier
        commit and drops only the failed one.
        """
        msg = str(exc)
        if "IO exception" not in msg and "No space left" not in msg:
            return
        if "committed successfully" in msg:
            # Only the checkpoint after a commit failed: the engine recovers it on open.
            raise StoreError("the embedded store could not checkpoint after a write",
                             value=_first_line(exc),
                             hint="free disk space, then rerun the same command (committed "
                             "data is kept and recovered)") from exc
        self._leave_open()
        wal = _wal_path(self.config.embedded_path)
        # No log before the statement (-1): an empty one opens like none.
        keep = max(wal_before, 0) if wal_before is not None else None
        if keep is not None and _wal_size(self.config.embedded_path) > keep:
            with contextlib.suppress(OSError):
                os.truncate(wal, keep)
        raise StoreError("a write to the embedded store failed", value=_first_line(exc),
                         hint="free disk space (or raise the file-size limit), then rerun "
                         "the same command: the failed write was undone, earlier ones "
                         "are kept") from exc

    def _exec(self, cypher: str, params: Mapping[str, Any] | None = None, *,
              keep: bool = False, write: bool = False) -> Any:
        """Run one statement; its result is closed unless ``keep`` (then the caller
        closes it). The connection holds every result until it is closed, and an
        open result of a write made a later COPY hang for good (LadybugDB 0.22).
        A ``write`` is refused below the free-space margin (see :meth:`_engine_failed`)."""
        if self._stuck:
            raise StoreError("the embedded store is still busy with a query it could not stop",
                             value=self.location,
                             hint="start graphinv again (the stopped query ends with it)")
        wal = self._before_write() if write else None
        try:
            res = self._conn.execute(cypher, dict(params or {}))
        except RuntimeError as exc:
            if write:
                self._engine_failed(exc, wal)
            msg = str(exc)
            if "interrupted" in msg.lower() or "timeout" in msg.lower():
                raise QueryTimeout("query stopped at its timeout", value=msg.splitlines()[0],
                                   hint="narrow the query or raise --timeout") from exc
            raise StoreError("embedded store query failed", value=msg.splitlines()[0]
                             if msg else type(exc).__name__) from exc
        if keep:
            return res
        _close(res)
        return None

    def _rows(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[list[Any]]:
        res = self._exec(cypher, params, keep=True)
        try:
            out = []
            while res.has_next():
                out.append(res.get_next())
            return out
        finally:
            _close(res)

    def _tables(self) -> dict[str, str]:
        return {r[1]: r[2] for r in self._rows("CALL show_tables() RETURN *")}

    def ensure_schema(self) -> None:
        tables = self._tables()
        for label in schema.ALL_KINDS:
            if label in tables:
                self._add_missing_columns(label, schema.node_props(label))
                continue
            cols = ", ".join(f"{p} {_ddl_type(t)}" for p, t in schema.node_props(label))
            self._exec(f"CREATE NODE TABLE IF NOT EXISTS {label}({cols}, PRIMARY KEY(key))",
                       write=True)
        for rel in schema.REL_TYPES.values():
            if rel.name in tables:
                continue
            pairs = ", ".join(f"FROM {s} TO {t}" for s in rel.sources for t in rel.targets)
            cols = "".join(f", {p} {_ddl_type(t)}" for p, t in schema.rel_props(rel.name))
            self._exec(f"CREATE REL TABLE IF NOT EXISTS {rel.name}({pairs}{cols})", write=True)

    def _add_missing_columns(self, table: str, props: Sequence[tuple[str, str]]) -> None:
        """Bring a store made by an older graphinv up to the schema (new columns only)."""
        have = {r[1] for r in self._rows(f"CALL table_info('{table}') RETURN *")}
        for prop, ptype in props:
            if prop not in have:
                self._exec(f"ALTER TABLE {table} ADD {prop} {_ddl_type(ptype)}", write=True)

    def status(self) -> StoreStatus:
        tables = self._tables()
        want = list(schema.ALL_KINDS) + list(schema.REL_TYPES)
        st = StoreStatus(
            backend=self.backend,
            location=self.location,
            reachable=True,
            version=_version(),
            schema_items=[f"table {t}" for t in want if t in tables],
            missing=[f"table {t}" for t in want if t not in tables],
        )
        st.schema_ok = not st.missing
        # A read-only open does not create tables: a missing one holds nothing.
        for label in schema.ALL_KINDS:
            st.nodes[label] = int(self._rows(f"MATCH (n:{label}) RETURN count(n)")[0][0]) \
                if label in tables else 0
        for rel in schema.REL_TYPES:
            st.relationships[rel] = int(self._rows(
                f"MATCH ()-[r:{rel}]->() RETURN count(r)")[0][0]) if rel in tables else 0
        return st

    def reset(self) -> None:
        # Relationships first: DETACH DELETE over every table at once is slower.
        for rel in schema.REL_TYPES:
            self._exec(f"MATCH ()-[r:{rel}]->() DELETE r", write=True)
        for label in schema.ALL_KINDS:
            self._exec(f"MATCH (n:{label}) DELETE n", write=True)

    # -- writes ----------------------------------------------------------
    def _count(self, pattern: str) -> int:
        return int(self._rows(f"MATCH {pattern} RETURN count(*)")[0][0])

    def merge_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """New keys are bulk-loaded with COPY (an Arrow table); keys that already
        exist go through the same UNWIND-MERGE as Neo4j. Passing rows as Cypher
        parameters costs ~65 µs per row here, COPY ~10 µs."""
        shaped = shape_node_rows(label, rows)
        if not shaped:
            return 0
        st = self._staging
        if st is not None and label not in schema.META_KINDS:
            staged = st.node_keys[label]
            later = [r for r in shaped if hash(r["key"]) in staged]
            if later:
                st.pending_node(label).extend(later)
                st.rows += len(later)
                shaped = [r for r in shaped if hash(r["key"]) not in staged]
        if len(shaped) < _COPY_MIN:
            before = self._count(f"(n:{label})")
            self._merge_node_rows(label, shaped)
            self._flush_if_full()
            return self._count(f"(n:{label})") - before
        existing = self.existing_keys(label, [r["key"] for r in shaped])
        fresh = [r for r in shaped if r["key"] not in existing]
        self._merge_node_rows(label, [r for r in shaped if r["key"] in existing])
        if fresh:
            table = self._node_table(label, fresh)
            if st is not None and label not in schema.META_KINDS:
                self._stage(st, st.node_parts[label], label, table)
                st.node_keys[label].update(hash(r["key"]) for r in fresh)
            else:
                self._exec_copy(f"COPY {label} FROM table", table)
        self._flush_if_full()
        return len(fresh)

    def _merge_node_rows(self, label: str, old: list[dict[str, Any]]) -> None:
        if old:
            stmt = merge_nodes_statement(label, "ladybug")
            for i in range(0, len(old), _BATCH):
                self._exec(stmt, {"rows": old[i:i + _BATCH]}, write=True)

    def _node_table(self, label: str, rows: list[dict[str, Any]]) -> Any:
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

    def _exec_copy(self, stmt: str, table: Any) -> None:
        # LadybugDB finds the Arrow table by its variable name in the calling frame.
        _copy_source = table  # noqa: F841
        # The log takes about what the rows take in memory, and more for small tables.
        wal = self._before_write(2 * table.nbytes)
        try:
            with self._one_thread():
                _close(self._conn.execute(stmt.replace(" FROM table", " FROM _copy_source")))
        except RuntimeError as exc:
            self._engine_failed(exc, wal)
            raise StoreError("embedded bulk load failed", value=str(exc).splitlines()[0]) from exc

    @contextlib.contextmanager
    def _one_thread(self) -> Iterator[None]:
        """Run a COPY on one thread. Multi-threaded COPYs of a few hundred thousand
        rows sometimes never returned (every thread waiting, no CPU: LadybugDB 0.22;
        3 of 17 trials from Parquet parts); on one thread 8 of 8 finished, ~40% slower."""
        self._conn.set_max_threads_for_exec(1)
        try:
            yield
        finally:
            self._conn.set_max_threads_for_exec(self._threads)

    def merge_rels(self, rel_type: str, src_label: str, dst_label: str,
                   rows: Sequence[Mapping[str, Any]]) -> int:
        stmt = merge_rels_statement(rel_type, src_label, dst_label, "ladybug")
        rel = schema.REL_TYPES[rel_type]
        target = (rel_type, src_label, dst_label)
        st = self._staging
        if st is not None:
            # Rows of pairs already deferred wait for them, in arrival order.
            staged = st.pairs[target]
            later = [r for r in rows if hash((r["src"], r["dst"])) in staged]
            if later or len(rows) < _COPY_MIN:
                if len(rows) >= _COPY_MIN:
                    rows = [r for r in rows if hash((r["src"], r["dst"])) not in staged]
                else:
                    later = list(rows)
                    rows = []
                st.pending_rel(target).extend(later)
                staged.update(hash((r["src"], r["dst"])) for r in later)
                st.rows += len(later)
            if not rows:
                self._flush_if_full()
                return 0
        if len(rows) < _COPY_MIN:
            pattern = f"(:{src_label})-[r:{rel_type}]->(:{dst_label})"
            before = self._count(pattern)
            for wave in rel_waves(rows):
                for i in range(0, len(wave), _BATCH):
                    self._exec(stmt, {"rows": wave[i:i + _BATCH]}, write=True)
            return self._count(pattern) - before
        srcs = sorted({r["src"] for r in rows})
        existing = self._existing_pairs(rel_type, src_label, dst_label, srcs)
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        old: list[Mapping[str, Any]] = []
        for r in rows:
            pair = (r["src"], r["dst"])
            if pair in existing:
                old.append(r)
                continue
            g = grouped.get(pair)
            if g is None:
                grouped[pair] = g = {"from": r["src"], "to": r["dst"], "ev_keys": [], "ev": [],
                                     "first_run": r.get("run"), "score": r.get("score"),
                                     "method": r.get("method")}
            ek = r.get("ek")
            if ek is not None and ek not in g["ev_keys"]:
                g["ev_keys"].append(ek)
                g["ev"].append(r.get("ej"))
        if grouped:
            table = self._rel_table(rel, list(grouped.values()))
            if st is not None:
                self._stage(st, st.rel_parts[target], rel_type, table)
                st.pairs[target].update(hash(p) for p in grouped)
            else:
                self._exec_copy(f"COPY {rel.name} FROM table{_pair_option(rel, target)}",
                                table)
        if st is not None and old:
            # After the deferred COPY, so that evidence keeps its arrival order.
            st.pending_rel(target).extend(old)
            st.pairs[target].update(hash((r["src"], r["dst"])) for r in old)
            st.rows += len(old)
            old = []
        for wave in rel_waves(old):
            for i in range(0, len(wave), _BATCH):
                self._exec(stmt, {"rows": wave[i:i + _BATCH]}, write=True)
        self._flush_if_full()
        return len(grouped)

    def _existing_pairs(self, rel_type: str, src: str, dst: str,
                        srcs: list[str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for i in range(0, len(srcs), _BATCH):
            # UNWIND + key lookup uses the primary-key index; `a.key IN $keys`
            # scans the whole table once per key (minutes at 100k rows).
            got = self._rows(
                f"UNWIND $keys AS k MATCH (a:{src} {{key: k}})-[r:{rel_type}]->(b:{dst}) "
                "RETURN a.key, b.key",
                {"keys": srcs[i:i + _BATCH]},
            )
            found.update((a, b) for a, b in got)
        return found

    def _rel_table(self, rel: schema.RelType, rows: list[dict[str, Any]]) -> Any:
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

    # -- bulk blocks -------------------------------------------------------
    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Defer new nodes and relationships to Parquet parts and load each table
        with one COPY when the block ends (or holds ``_STAGE_FLUSH_ROWS`` rows).

        A COPY into a non-empty relationship table costs time in proportion to
        the rows already there (measured: a 20k-row COPY took 0.33 s into an
        empty table and 1.76 s into one holding 580k rows), so loading a big
        file batch by batch is quadratic; one COPY per table is not.
        """
        if self._staging is not None:  # nested: the outer block loads
            yield
            return
        # Parts left by a process that was killed: this one holds the database lock,
        # so no other process can still be using them.
        for stale in self.config.data_dir.glob("staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
        root = Path(tempfile.mkdtemp(prefix="staging-", dir=self.config.data_dir))
        self._staging = _Staging(dir=root)
        try:
            yield
            self.flush()
        finally:
            self._staging = None
            shutil.rmtree(root, ignore_errors=True)

    def flush(self) -> None:
        """Load what the current bulk block has staged (no-op outside one)."""
        st = self._staging
        if st is None or not st.rows and not st.parts:
            return
        self._staging = None  # the writes below go straight to the tables
        try:
            for label in schema.ALL_KINDS:
                if st.node_parts.get(label):
                    self._copy_parts(label, st.node_parts[label], "")
            for target, parts in st.rel_parts.items():
                rel = schema.REL_TYPES[target[0]]
                self._copy_parts(rel.name, parts, _pair_option(rel, target))
            for label, spill in st.pending_nodes.items():
                for batch in spill.batches():
                    self._merge_node_rows(label, self._changing(label, _combine(batch)))
            for (rel_type, src, dst), spill in st.pending_rels.items():
                for batch in spill.batches():
                    self.merge_rels(rel_type, src, dst, batch)
        finally:
            self._staging = _Staging(dir=st.dir)
            for p in st.dir.iterdir():
                p.unlink(missing_ok=True)

    def _changing(self, label: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows whose MERGE would change their node. Most rows waiting for a bulk
        load repeat a spelling already loaded (a warehouse in thousands of rows), and a
        MERGE costs ~65 µs a row here against ~2 µs to compare."""
        if not rows:
            return rows
        props = [p for p in rows[0] if p != "key" and p not in NODE_ROW_EXTRAS]
        cols = ["raws", "issues", "flags", "flagged", "first_seen", "last_seen", *props]
        have: dict[str, list[Any]] = {}
        keys = [r["key"] for r in rows]
        ret = ", ".join(f"n.{c}" for c in cols)
        for i in range(0, len(keys), _BATCH):
            for rec in self._rows(f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) "
                                  f"RETURN n.key, {ret}", {"keys": keys[i:i + _BATCH]}):
                have[rec[0]] = rec[1:]
        return [r for r in rows if r["key"] not in have
                or _adds_to(r, have[r["key"]], props)]

    def _stage(self, st: _Staging, parts: list[Path], name: str, table: Any) -> None:
        import pyarrow.parquet as pq

        path = st.part(name)
        try:
            pq.write_table(table, path, compression="snappy")
        except OSError as exc:
            raise StoreError("cannot stage rows for the bulk load", value=str(path),
                             hint=f"check free space in the data directory ({exc})") from exc
        parts.append(path)
        st.rows += table.num_rows

    def _flush_if_full(self) -> None:
        st = self._staging
        if st is not None and st.rows >= self.stage_flush_rows:
            self.flush()

    def _copy_parts(self, table: str, parts: list[Path], option: str) -> None:
        files = ", ".join(_file_literal(p) for p in parts)
        # Parquet is compressed: the log and the tables take several times its size.
        wal = self._before_write(4 * sum(p.stat().st_size for p in parts))
        try:
            with self._one_thread():
                _close(self._conn.execute(f"COPY {table} FROM [{files}]{option}"))
        except RuntimeError as exc:
            self._engine_failed(exc, wal)
            raise StoreError("embedded bulk load failed",
                             value=str(exc).splitlines()[0]) from exc

    def set_node_props(self, label: str, rows: Sequence[Mapping[str, Any]],
                       props: Sequence[str]) -> None:
        stmt = set_props_statement(label, props, "ladybug")
        shaped = [{"key": r["key"], **{p: r.get(p) for p in props}} for r in rows]
        for i in range(0, len(shaped), _BATCH):
            self._exec(stmt, {"rows": shaped[i:i + _BATCH]}, write=True)

    def clear_node_props(self, label: str, props: Sequence[str]) -> None:
        schema.check_label(label)
        for p in props:
            schema.check_property(label, p)
            self._exec(f"MATCH (n:{label}) WHERE n.{p} IS NOT NULL SET n.{p} = NULL", write=True)

    # -- reads -----------------------------------------------------------
    def stream_nodes(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        schema.check_label(label)
        for p in props:
            schema.check_property(label, p)
        cols = ", ".join(["n.key"] + [f"n.{p}" for p in props])
        return self._stream(f"MATCH (n:{label}) RETURN {cols}")

    def stream_rels(self, rel_type: str, props: Sequence[str] = ()) -> Iterator[tuple[Any, ...]]:
        schema.check_rel_type(rel_type)
        for p in props:
            schema.check_property(rel_type, p)
        extra = "".join(f", r.{p}" for p in props)
        return self._stream(
            f"MATCH (a)-[r:{rel_type}]->(b) RETURN label(a), a.key, label(b), b.key{extra}"
        )

    def _stream(self, cypher: str) -> Iterator[tuple[Any, ...]]:
        """Rows in Arrow record batches: ~2x faster than fetching tuple by tuple."""
        res = self._exec(cypher, keep=True)
        try:
            if not res.has_next():
                return
            table = res.get_as_arrow(65_536)
        finally:
            _close(res)
        for batch in table.to_batches():
            cols = [_plain_column(c.to_pylist()) for c in batch.columns]
            yield from zip(*cols, strict=True)

    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        schema.check_label(label)
        keys = list(keys)
        found: set[str] = set()
        for i in range(0, len(keys), _BATCH):
            found.update(
                r[0] for r in self._rows(
                    f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) RETURN n.key",
                    {"keys": keys[i:i + _BATCH]},
                )
            )
        return found

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        return self._bounded(lambda: self._read(cypher, params, max_rows), timeout)

    def _read(self, cypher: str, params: Mapping[str, Any] | None,
              max_rows: int | None) -> QueryResult:
        # A read-only transaction makes the engine itself refuse writes, on top of
        # the query guard and the plan check.
        self._exec("BEGIN TRANSACTION READ ONLY")
        try:
            res = self._exec(cypher, params, keep=True)
            try:
                columns = list(res.get_column_names())
                rows: list[list[Any]] = []
                while (max_rows is None or len(rows) < max_rows) and res.has_next():
                    rows.append([_plain(v) for v in res.get_next()])
            finally:
                _close(res)
            self._exec("COMMIT")
            return QueryResult(columns=columns, rows=rows)
        except BaseException:
            try:
                _close(self._conn.execute("ROLLBACK"))
            except RuntimeError:
                pass  # the engine already ended the failed transaction
            raise

    def explain(self, cypher: str, params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> QueryPlan:
        # Planning is bounded like running: the binder folds constant expressions, so
        # EXPLAIN RETURN size(range(1, 2000000000)) builds the whole list.
        try:
            plan = self._bounded(lambda: self._rows("EXPLAIN " + cypher, params), timeout)
        except QueryTimeout:
            raise
        except StoreError as exc:
            if self._stuck:
                raise
            raise QueryError("query does not compile on the embedded store",
                             value=exc.value, hint="check the Cypher dialect") from exc
        text = "\n".join(str(c) for r in plan for c in r)
        names = [m.group(1) for m in _PLAN_BOX.finditer(text)]
        ops = [PlanOperator(n) for n in names if n != "TABLE_FUNCTION_CALL"]
        calls = [m.group(1).upper() for m in _PLAN_FUNCTION.finditer(text)]
        # a table function whose name the drawing does not show counts as unknown
        calls += [""] * (names.count("TABLE_FUNCTION_CALL") - len(calls))
        ops += [PlanOperator("TABLE_FUNCTION_CALL", c) for c in calls]
        return QueryPlan(read_only=_WRITE_OPERATORS.search(text) is None, operators=ops)

    def _bounded(self, work: Callable[[], _T], timeout: float | None) -> _T:
        """Run ``work`` (engine calls) stopped at ``timeout`` seconds or when the
        process grows by more than :attr:`query_memory_mb`.

        The engine's own query timeout only covers operators that check it, and
        ``Connection.interrupt()`` does not stop a function evaluated in one piece
        (``range(1, 2000000000)`` took 20 s and GBs either way); so the work runs in
        a thread and the caller gets control back at the deadline whatever the
        engine does. A thread that does not end after an interrupt marks the store
        stuck (see ``__init__``).
        """
        if not timeout:
            return work()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = work()
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc

        self._conn.set_query_timeout(max(1, int(timeout * 1000)))
        worker = threading.Thread(target=run, name="graphinv-embedded-query", daemon=True)
        base = _rss_mb()
        deadline = time.monotonic() + timeout
        stop: GraphinvError | None = None
        try:
            worker.start()
            while worker.is_alive():
                worker.join(_POLL_S)
                if not worker.is_alive():
                    break
                if time.monotonic() >= deadline:
                    stop = QueryTimeout("query stopped at its timeout", value=f"{timeout:g} s",
                                        hint="narrow the query or raise --timeout")
                elif base is not None and (_rss_mb() or 0) - base > self.query_memory_mb:
                    stop = QueryError("query stopped: it needed too much memory",
                                      value=f"more than {self.query_memory_mb} MB",
                                      hint="narrow the query (fewer rows, smaller lists)")
                if stop is not None:
                    break
        except BaseException:  # Ctrl-C while waiting: stop the engine too
            self._abandon(worker)
            raise
        if stop is not None:
            self._abandon(worker)
            raise stop
        if not self._stuck:
            self._conn.set_query_timeout(0)
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _abandon(self, worker: threading.Thread) -> None:
        self._conn.interrupt()
        worker.join(_GRACE_S)
        if worker.is_alive():
            self._stuck = True
        else:
            self._conn.set_query_timeout(0)


def _rss_mb() -> int | None:
    """The process's resident memory in MB (Linux), or None where it is unknown."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
    except (OSError, ValueError, IndexError):
        return None


#: Stores open in this process by database path: "rw"/"ro" per open object.
_IN_PROCESS: dict[str, list[str]] = {}
#: Engines left open on purpose after a failed write (see ``EmbeddedStore._leave_open``).
_ABANDONED: list[EmbeddedStore] = []


def engine_abandoned() -> bool:
    """True when an embedded engine failed a write in this process: it must not be closed
    (LadybugDB then aborts the process), so the process should end with ``os._exit``."""
    return bool(_ABANDONED)


def _wal_path(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def _wal_size(db: Path) -> int:
    """Size of the write-ahead log, -1 when there is none."""
    try:
        return os.path.getsize(_wal_path(db))
    except OSError:
        return -1


def _first_line(exc: BaseException) -> str:
    msg = str(exc)
    return msg.splitlines()[0] if msg else type(exc).__name__


def _reader_lock(db: Path) -> int:
    """A shared lock on the database file for a read-only open.

    LadybugDB holds an exclusive POSIX lock on the file while a process has it open
    for writing, but a read-only open takes none: reading during an ingest was
    allowed, and a writer could start under a reader. This lock is refused while a
    writer holds the file, and makes a writer that starts later get the engine's
    clear lock error. Returns the descriptor that holds it.
    """
    try:
        fd = os.open(db, os.O_RDONLY)
    except OSError as exc:
        raise StoreUnavailable("cannot open the embedded store", value=str(db),
                               hint=f"check the data directory ({exc.strerror})") from exc
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        raise StoreUnavailable(
            "the embedded store is being written by another process", value=str(db),
            hint="wait until that ingest or clusters run ends, then retry (a read while "
            "it writes could see half-written results)") from exc
    return fd


def _open_error(location: str, msg: str) -> StoreUnavailable:
    first = msg.splitlines()[0] if msg else "unknown error"
    if "lock" in msg.lower():
        return StoreUnavailable(
            "cannot open the embedded store", value=location,
            hint="close the other graphinv process using it, or use another --data-dir")
    if "No space left" in msg:
        return StoreUnavailable(
            "cannot open the embedded store: the disk is full", value=location,
            hint=f"free disk space and retry; committed data is kept ({first})")
    if "wal" in msg.lower():
        wal = _wal_path(Path(location))
        return StoreDamaged(
            "the embedded store's write-ahead log is torn (a write stopped part-way, "
            "e.g. on a full disk)", value=f"{wal} ({first})",
            hint=f"free disk space if it is full, then run `graphinv --data-dir "
            f"{shlex.quote(str(Path(location).parent))} repair`: it moves the torn log "
            "aside, opens the last checkpoint and lists the ingest runs to rerun")
    return StoreUnavailable("cannot open the embedded store", value=location,
                            hint=f"check the data directory ({msg})")


def repair(config: StoreConfig) -> Path | None:
    """Move a torn write-ahead log aside so the store opens at its last checkpoint.

    Returns where the log went (``graph.lbug.wal.torn-<time>``, never deleted), or
    None when the store opens as it is (nothing to repair). What the log held since
    the last checkpoint is lost from the store: the caller reports which ingest runs
    to rerun. Raises :class:`StoreDamaged` when the store still does not open (the
    log is then put back) and :class:`StoreUnavailable` when another process holds it.
    """
    import datetime as _dt

    db = config.embedded_path
    if not db.exists():
        raise StoreUnavailable("no embedded store to repair", value=str(db),
                               hint="check --data-dir")
    try:
        EmbeddedStore(config).close()
        return None
    except StoreDamaged:
        pass
    wal = _wal_path(db)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = wal.with_name(f"{wal.name}.torn-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = wal.with_name(f"{wal.name}.torn-{stamp}-{n}")
    os.replace(wal, aside)
    try:
        EmbeddedStore(config).close()
    except StoreError:
        os.replace(aside, wal)  # not the log's fault: leave everything as it was
        raise
    return aside


def _close(res: Any) -> None:
    for r in res if isinstance(res, list) else [res]:
        r.close()


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


def _version() -> str:
    try:
        import ladybug

        return f"LadybugDB {getattr(ladybug, '__version__', '?')}"
    except Exception:  # pragma: no cover - import already succeeded in __init__
        return "LadybugDB"

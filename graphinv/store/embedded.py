"""The embedded default store: LadybugDB (maintained fork of Kùzu), on disk, in process.

No server to run: the database is one file under the data directory with a WAL
next to it. Tables are generated from :mod:`graphinv.schema` (LadybugDB needs a
typed schema up front). One process at a time may open it read-write; a second
gets a clear error instead of a silent read-only view.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from graphinv import schema
from graphinv.config import StoreConfig
from graphinv.errors import (
    QueryTimeout,
    StoreError,
    StoreUnavailable,
)
from graphinv.store.base import Store, StoreStatus
from graphinv.store.embedded_bulk import BulkBlocks
from graphinv.store.embedded_files import (
    _close,
    _first_line,
    _open_error,
    _reader_lock,
    _version,
    _wal_path,
    _wal_size,
)
from graphinv.store.embedded_read import BoundedReads
from graphinv.store.staging import (
    _BATCH,
    _ddl_type,
    _node_table,
    _pair_option,
    _rel_table,
    _Staging,
)
from graphinv.store.statements import (
    merge_nodes_statement,
    merge_rels_statement,
    rel_waves,
    set_props_statement,
    shape_node_rows,
)

__all__ = ["EmbeddedStore", "engine_abandoned"]

# Below this many rows a COPY's fixed cost (~0.1 s) exceeds UNWIND-MERGE's.
_COPY_MIN = 1_000
_CHECKPOINT_BYTES = 256 << 20
#: A bulk block loads what it has staged once it holds this many rows (bounds disk and
#: the rows waiting to be merged; each load costs more as the tables grow).
_STAGE_FLUSH_ROWS = 40_000_000
#: Memory a query may add to the process beyond the buffer pool (RSS), in MB.
QUERY_EXTRA_MEMORY_MB = 1024

_T = TypeVar("_T")


class EmbeddedStore(BulkBlocks, BoundedReads, Store):
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

    @classmethod
    def open(cls, config: StoreConfig, *, create: bool = True,
             read_only: bool = False) -> EmbeddedStore:
        """Without ``create`` a data directory holding no store is an error (see
        :func:`graphinv.store.open_store`), not a new empty store."""
        if not create and not config.embedded_path.exists():
            raise StoreUnavailable(
                "no graphinv store in this data directory", value=str(config.data_dir),
                hint="check --data-dir / GRAPHINV_DATA_DIR (or cd to where you ingested); "
                "`graphinv ingest FILES` or `graphinv demo` creates a store")
        return cls(config, read_only=read_only)

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
            self._merge_node_rows(label, shaped if label in schema.META_KINDS
                                  else self._changing(label, shaped))
            self._flush_if_full()
            return self._count(f"(n:{label})") - before
        # A row of a node already stored is MERGEd only when it adds to the node: a
        # re-ingested file costs a key lookup per row, not a write (20x faster at 10k).
        if label in schema.META_KINDS:
            existing = self.existing_keys(label, [r["key"] for r in shaped])
            fresh = [r for r in shaped if r["key"] not in existing]
            changing = [r for r in shaped if r["key"] in existing]
        else:
            fresh, changing = self._split_nodes(label, shaped)
        self._merge_node_rows(label, changing)
        if fresh:
            table = _node_table(label, fresh)
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
            have = self._existing_pairs(rel_type, src_label, dst_label,
                                        sorted({r["src"] for r in rows}), rel=rel)
            rows = [r for r in rows if not _holds(have.get((r["src"], r["dst"])), r, rel)]
            for wave in rel_waves(rows):
                for i in range(0, len(wave), _BATCH):
                    self._exec(stmt, {"rows": wave[i:i + _BATCH]}, write=True)
            return self._count(pattern) - before
        srcs = sorted({r["src"] for r in rows})
        existing = self._existing_pairs(rel_type, src_label, dst_label, srcs, rel=rel)
        grouped: dict[tuple[str, str], dict[str, Any]] = {}
        old: list[Mapping[str, Any]] = []
        for r in rows:
            pair = (r["src"], r["dst"])
            stored = existing.get(pair)
            if stored is not None:
                if not _holds(stored, r, rel):
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
            table = _rel_table(rel, list(grouped.values()))
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

    def _existing_pairs(self, rel_type: str, src: str, dst: str, srcs: list[str], *,
                        rel: schema.RelType | None = None,
                        ) -> dict[tuple[str, str], Any]:
        """The stored links of ``srcs``: (src key, dst key) -> what :func:`_holds`
        compares (with ``rel``: the evidence keys, or the link's own properties)."""
        found: dict[tuple[str, str], Any] = {}
        own = [] if rel is None else ["ev_keys"] if rel.evidence else [p for p, _ in rel.props]
        ret = "".join(f", r.{p}" for p in own)
        for i in range(0, len(srcs), _BATCH):
            # UNWIND + key lookup uses the primary-key index; `a.key IN $keys`
            # scans the whole table once per key (minutes at 100k rows).
            got = self._rows(
                f"UNWIND $keys AS k MATCH (a:{src} {{key: k}})-[r:{rel_type}]->(b:{dst}) "
                f"RETURN a.key, b.key{ret}",
                {"keys": srcs[i:i + _BATCH]},
            )
            for row in got:
                found[(row[0], row[1])] = (
                    frozenset(row[2] or ()) if rel is not None and rel.evidence
                    else tuple(row[2:]))
        return found

    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        schema.check_label(label)
        before = self._count(f"(n:{label})")
        for i in range(0, len(keys), _BATCH):
            self._exec(f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) DETACH DELETE n",
                       {"keys": list(keys[i:i + _BATCH])}, write=True)
        return before - self._count(f"(n:{label})")

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


#: Stores open in this process by database path: "rw"/"ro" per open object.
_IN_PROCESS: dict[str, list[str]] = {}
#: Engines left open on purpose after a failed write (see ``EmbeddedStore._leave_open``).
_ABANDONED: list[EmbeddedStore] = []


def _holds(stored: Any, row: Mapping[str, Any], rel: schema.RelType) -> bool:
    """Does the stored link (``stored`` from ``_existing_pairs``, None: no link) already
    hold what MERGEing ``row`` would write? Then the row costs a lookup, not a write: a
    re-ingested file's evidence is found by its key (checksum + line) and left as it is,
    a re-run resolution's SAME_AS by its score and method.

    >>> ev = schema.REL_TYPES["USES_PHONE"]
    >>> _holds(frozenset({"f:2"}), {"ek": "f:2"}, ev), _holds(frozenset(), {"ek": "f:2"}, ev)
    (True, False)
    >>> same = schema.REL_TYPES["SAME_AS"]
    >>> _holds((0.95, "token_set"), {"score": 0.95, "method": "token_set"}, same)
    True
    """
    if stored is None:
        return False
    if rel.evidence:
        return row.get("ek") is not None and row["ek"] in stored
    return tuple(stored) == tuple(row.get(p) for p, _ in rel.props)


def engine_abandoned() -> bool:
    """True when an embedded engine failed a write in this process: it must not be closed
    (LadybugDB then aborts the process), so the process should end with ``os._exit``."""
    return bool(_ABANDONED)


"""Reads on the embedded store: streams, key lookups, bounded queries, plan checks.

A mixin of :class:`graphinv.store.embedded.EmbeddedStore`. The engine's own query
timeout only covers operators that check it, so ``run_read`` and ``explain`` run in a
thread that the caller stops at the deadline or when the process grows too much.
"""


from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from graphinv import schema
from graphinv.errors import (
    GraphinvError,
    QueryError,
    QueryTimeout,
    StoreError,
)
from graphinv.store.base import PlanOperator, QueryPlan, QueryResult
from graphinv.store.embedded_files import (
    _close,
    _rss_mb,
)
from graphinv.store.staging import (
    _BATCH,
    _plain,
    _plain_column,
)

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

_T = TypeVar("_T")


class BoundedReads:
    """The reads of the embedded store: streams, key lookups, ``run_read`` and ``explain``."""

    _conn: Any
    _stuck: bool
    query_memory_mb: int

    if TYPE_CHECKING:
        def _exec(self, cypher: str, params: Mapping[str, Any] | None = None, *,
                  keep: bool = False, write: bool = False) -> Any: ...

        def _rows(self, cypher: str,
                  params: Mapping[str, Any] | None = None) -> list[list[Any]]: ...

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

    # Handles are LadybugDB's internal ids, one integer ``table << 40 | offset`` each:
    # reading the links as two integer columns (no label or key read, no string built
    # per link end) and mapping them to node indexes with a vectorized lookup is what
    # keeps the projection of millions of links cheap. Good while the store is not
    # written (see :meth:`graphinv.store.base.Store.stream_handles`).
    handles_are_node_ids = False

    def stream_handles(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        schema.check_label(label)
        for p in props:
            schema.check_property(label, p)
        cols = ", ".join(["ID(n)", "n.key"] + [f"n.{p}" for p in props])
        for batch in self._arrow_batches(f"MATCH (n:{label}) RETURN {cols}"):
            handles = _handles(batch.column(0)).tolist()
            rest = [_plain_column(c.to_pylist()) for c in batch.columns[1:]]
            yield from zip(handles, *rest, strict=True)

    def stream_link_pages(self, rel_type: str) -> Iterator[tuple[Any, Any]]:
        # Pages are numpy integer arrays (sequences of handles).
        schema.check_rel_type(rel_type)
        for batch in self._arrow_batches(f"MATCH (a)-[r:{rel_type}]->(b) RETURN ID(a), ID(b)"):
            yield _handles(batch.column(0)), _handles(batch.column(1))

    def _arrow_batches(self, cypher: str) -> Iterator[Any]:
        res = self._exec(cypher, keep=True)
        try:
            if not res.has_next():
                return
            table = res.get_as_arrow(65_536)
        finally:
            _close(res)
        yield from table.to_batches()

    def _stream(self, cypher: str) -> Iterator[tuple[Any, ...]]:
        """Rows in Arrow record batches: ~2x faster than fetching tuple by tuple."""
        for batch in self._arrow_batches(cypher):
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


def _handles(ids: Any) -> np.ndarray:
    """LadybugDB internal ids (``struct<offset, table>``) as integers ``table << 40 | offset``."""
    offset = ids.field("offset").to_numpy(zero_copy_only=False).astype(np.int64)
    table = ids.field("table").to_numpy(zero_copy_only=False).astype(np.int64)
    return (table << 40) | offset

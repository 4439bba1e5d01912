"""The Neo4j store, over Bolt with the official driver.

Writes are batched ``UNWIND $rows … MERGE`` in managed write transactions
(retried by the driver on transient errors, so every statement is idempotent).
A batch too big for the server's transaction memory is halved down to one row;
a commit whose outcome is unknown (``IncompleteCommit``) is replayed, which is
safe because MERGE and the evidence keys make replays no-ops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import neo4j
from neo4j import exceptions as nx

from graphinv import schema
from graphinv.config import StoreConfig
from graphinv.errors import (
    QueryError,
    QueryTimeout,
    StoreAuthError,
    StoreError,
    StoreUnavailable,
)
from graphinv.store.base import PlanOperator, QueryPlan, QueryResult, Store, StoreStatus
from graphinv.store.statements import (
    merge_nodes_statement,
    merge_rels_statement,
    rel_waves,
    set_props_statement,
    shape_node_rows,
)

__all__ = ["Neo4jStore", "BatchRejected"]

# The driver logs connection failures itself; graphinv reports them as errors,
# so keep the driver's records out of the terminal unless a handler is configured.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

_BATCH = 10_000
#: Rows per record when streaming nodes and relationships (see ``Neo4jStore._stream``).
_PAGE = 20_000
_REPLAYS = 5
_MEMORY_CODES = ("TransactionMemoryLimit", "MemoryPoolOutOfMemoryError", "OutOfMemory")
#: What the driver raises when the server or the connection is gone.
_CONNECTION_LOST = (nx.ServiceUnavailable, nx.SessionExpired)


class BatchRejected(StoreError):
    """One row still fails alone after halving (too big for the server's memory)."""

    def __init__(self, row: Mapping[str, Any], reason: str) -> None:
        super().__init__("row rejected by Neo4j", value=reason,
                         hint="raise db.memory.transaction.max or shorten the row")
        self.row = row


class _TooBig(Exception):
    pass


def _constraint_name(label: str) -> str:
    return f"graphinv_{label.lower()}_key"


def _index_name(target: str, prop: str) -> str:
    return f"graphinv_{target.lower()}_{prop}"


class Neo4jStore(Store):
    """A Neo4j 5.x database reached over Bolt.

    Raises :class:`StoreUnavailable` (naming the URI) when nothing answers and
    :class:`StoreAuthError` when the credentials are refused.
    """

    backend = "neo4j"
    refuses_single_rows = True

    def __init__(self, config: StoreConfig, *, on_reject: Callable[[Mapping[str, Any], str],
                 None] | None = None) -> None:
        self.config = config
        self.location = config.store
        self.on_reject = on_reject
        auth = (config.user or "neo4j", config.password or "") if config.password else None
        hint_store = ("start Neo4j there, or set GRAPHINV_STORE / --store "
                      "(use 'embedded' for the built-in store)")
        try:
            self._driver = neo4j.GraphDatabase.driver(
                config.store,
                auth=auth,
                connection_timeout=config.connect_timeout,
                max_transaction_retry_time=15.0,
                connection_acquisition_timeout=config.connect_timeout + 2,
            )
        except (ValueError, nx.ConfigurationError) as exc:
            raise StoreUnavailable("invalid Neo4j URI", value=config.store, hint=str(exc)) from exc
        try:
            self._driver.verify_connectivity()
        except nx.AuthError as exc:
            self._driver.close()
            raise StoreAuthError(
                "Neo4j refused the credentials", value=f"user {config.user or 'neo4j'!r} at "
                f"{config.store}", hint="set GRAPHINV_NEO4J_USER and GRAPHINV_NEO4J_PASSWORD",
            ) from exc
        except (nx.ServiceUnavailable, nx.SessionExpired, OSError, nx.DriverError) as exc:
            self._driver.close()
            raise StoreUnavailable(
                "cannot reach Neo4j at " + config.store, value=_short(exc), hint=hint_store
            ) from exc
        self.ensure_schema()

    def close(self) -> None:
        self._driver.close()

    def _session(self, read: bool = False) -> neo4j.Session:
        return self._driver.session(
            database=self.config.database,
            default_access_mode=neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS,
        )

    def _lost(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable("lost connection to Neo4j at " + self.location,
                                value=_short(exc), hint="check the server and rerun")

    def _run_auto(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        try:
            with self._session() as s:
                return list(s.run(cypher, dict(params or {})))
        except _CONNECTION_LOST as exc:
            raise self._lost(exc) from exc
        except nx.Neo4jError as exc:
            raise StoreError("Neo4j query failed", value=_short(exc)) from exc

    # -- schema ----------------------------------------------------------
    def ensure_schema(self) -> None:
        for label in schema.ALL_KINDS:
            self._run_auto(
                f"CREATE CONSTRAINT {_constraint_name(label)} IF NOT EXISTS "
                f"FOR (n:{label}) REQUIRE n.key IS UNIQUE"
            )
        # Indexes fill in the background: opening a big database never waits for them.
        for target, prop in schema.INDEXES:
            schema.check_property(target, prop)
            pattern = (f"()-[x:{target}]-()" if target in schema.REL_TYPES
                       else f"(x:{target})")
            self._run_auto(f"CREATE INDEX {_index_name(target, prop)} IF NOT EXISTS "
                           f"FOR {pattern} ON (x.{prop})")

    def wait_for_indexes(self, timeout: float = 300.0) -> None:
        try:
            self._run_auto("CALL db.awaitIndexes($t)", {"t": max(1, int(timeout))})
        except StoreError as exc:
            raise StoreError("Neo4j indexes are not ready", value=exc.value,
                             hint="wait, or see SHOW INDEXES for a failed one") from exc

    def status(self) -> StoreStatus:
        comps = self._run_auto("CALL dbms.components() YIELD name, versions, edition "
                               "RETURN name, versions[0] AS v, edition")
        version = ", ".join(f"{r['name']} {r['v']} {r['edition']}" for r in comps)
        names = {r["name"] for r in self._run_auto("SHOW CONSTRAINTS YIELD name RETURN name")}
        names |= {r["name"] for r in self._run_auto("SHOW INDEXES YIELD name RETURN name")}
        want = {_constraint_name(label): f"unique {label}.key" for label in schema.ALL_KINDS}
        want.update({_index_name(t, p): f"index {t}.{p}" for t, p in schema.INDEXES})
        st = StoreStatus(
            backend=self.backend, location=self.location, reachable=True, version=version,
            schema_items=[item for n, item in want.items() if n in names],
            missing=[item for n, item in want.items() if n not in names],
        )
        st.schema_ok = not st.missing
        for label in schema.ALL_KINDS:
            st.nodes[label] = self._run_auto(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]
        for rel in schema.REL_TYPES:
            st.relationships[rel] = self._run_auto(
                f"MATCH ()-[r:{rel}]->() RETURN count(r) AS c")[0]["c"]
        return st

    def reset(self) -> None:
        # IN TRANSACTIONS only runs in an auto-commit transaction; batches keep
        # the delete within transaction memory on big graphs.
        self._run_batched("MATCH (n) CALL { WITH n DETACH DELETE n } "
                          "IN TRANSACTIONS OF {rows} ROWS", 5000)

    def _run_batched(self, template: str, rows: int) -> None:
        """Run an ``IN TRANSACTIONS OF {rows} ROWS`` statement; on a transaction memory
        error (db.memory.transaction.max) run it again with batches ten times smaller.
        Safe: the inner transactions that committed are done, the rest is redone."""
        while True:
            try:
                self._run_auto(template.replace("{rows}", str(rows)))
                return
            except StoreError as exc:
                code = getattr(exc.__cause__, "code", None) or ""
                if rows <= 1 or not any(c in code for c in _MEMORY_CODES):
                    raise
                rows = max(1, rows // 10)

    # -- writes ----------------------------------------------------------
    def _write(self, stmt: str, rows: list[dict[str, Any]]) -> None:
        """Write ``rows`` in batches; halve on memory errors; replay unknown commits."""
        stack = [rows[i:i + _BATCH] for i in range(0, len(rows), _BATCH)][::-1]
        while stack:
            batch = stack.pop()
            try:
                self._write_batch(stmt, batch)
            except _TooBig as exc:
                if len(batch) == 1:
                    reason = f"too big for one transaction ({exc})"
                    if self.on_reject is None:
                        raise BatchRejected(batch[0], reason) from exc
                    self.on_reject(batch[0], reason)
                    continue
                half = len(batch) // 2
                stack.append(batch[half:])
                stack.append(batch[:half])

    def _write_batch(self, stmt: str, batch: list[dict[str, Any]]) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            try:
                tx.run(stmt, rows=batch).consume()
            except nx.TransientError as exc:
                if any(c in (exc.code or "") for c in _MEMORY_CODES):
                    raise _TooBig(exc.code) from exc
                raise

        for attempt in range(_REPLAYS):
            try:
                with self._session() as s:
                    s.execute_write(work)
                return
            except nx.IncompleteCommit:
                # Outcome unknown and the driver does not retry: replaying is
                # safe because every statement is an idempotent MERGE.
                time.sleep(0.2 * (attempt + 1))
            except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
                # execute_write already retried these for max_transaction_retry_time:
                # replaying here too would multiply that wait (minutes, not seconds).
                raise StoreUnavailable(
                    "lost connection to Neo4j at " + self.location, value=_short(exc),
                    hint="check the server, then rerun the same command: it resumes",
                ) from exc
            except nx.Neo4jError as exc:
                if exc.code and any(c in exc.code for c in _MEMORY_CODES):
                    raise _TooBig(exc.code) from exc
                raise StoreError("Neo4j write failed", value=_short(exc)) from exc
        raise StoreUnavailable("Neo4j commit outcome unknown after replays",
                               value=self.location, hint="rerun the same command: it resumes")

    def _count(self, pattern: str) -> int:
        return int(self._run_auto(f"MATCH {pattern} RETURN count(*) AS c")[0]["c"])

    def merge_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        shaped = shape_node_rows(label, rows)
        if not shaped:
            return 0
        before = self._count(f"(n:{label})")
        self._write(merge_nodes_statement(label, "neo4j"), shaped)
        return self._count(f"(n:{label})") - before

    def merge_rels(self, rel_type: str, src_label: str, dst_label: str,
                   rows: Sequence[Mapping[str, Any]]) -> int:
        stmt = merge_rels_statement(rel_type, src_label, dst_label, "neo4j")
        # Type-only counts come from Neo4j's count store in O(1); with labels on
        # both ends the planner scans every relationship of the type per batch.
        pattern = f"()-[r:{rel_type}]->()"
        before = self._count(pattern)
        for wave in rel_waves(rows):
            self._write(stmt, wave)
        return self._count(pattern) - before

    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        schema.check_label(label)
        before = self._count(f"(n:{label})")
        self._write(f"UNWIND $rows AS row MATCH (n:{label} {{key: row.key}}) DETACH DELETE n",
                    [{"key": k} for k in keys])
        return before - self._count(f"(n:{label})")

    def set_node_props(self, label: str, rows: Sequence[Mapping[str, Any]],
                       props: Sequence[str]) -> None:
        stmt = set_props_statement(label, props, "neo4j")
        self._write(stmt, [{"key": r["key"], **{p: r.get(p) for p in props}} for r in rows])

    def clear_node_props(self, label: str, props: Sequence[str]) -> None:
        schema.check_label(label)
        for p in props:
            schema.check_property(label, p)
            self._run_batched(
                f"MATCH (n:{label}) WHERE n.{p} IS NOT NULL "
                f"CALL {{ WITH n SET n.{p} = null }} IN TRANSACTIONS OF {{rows}} ROWS", 10000
            )

    # -- reads -----------------------------------------------------------
    def _paged(self, bulk: str, plain: str,
               regroup: Callable[[list[neo4j.Record]], list[Any]]) -> Iterator[list[Any]]:
        """Yield the values of each record of ``bulk``, a query returning one record per
        page of rows.

        One Bolt record per row costs the driver ~30 µs in Python (a message, two
        socket reads, a ``Record``) — 33 s for the ~950k rows of a 100k-row
        projection — against well under 1 µs per row inside a page. If the server
        cannot hold the collected rows in its transaction memory, ``plain`` (one
        record per row) is streamed instead and ``regroup`` turns each run of
        :data:`_PAGE` records into the same values (only if nothing was yielded yet).
        """
        yielded = False
        try:
            with self._session(read=True) as s:
                for rec in s.run(bulk):
                    yielded = True
                    yield rec.values()
            return
        except _CONNECTION_LOST as exc:
            raise self._lost(exc) from exc
        except nx.Neo4jError as exc:
            if yielded or not any(c in (exc.code or "") for c in _MEMORY_CODES):
                raise StoreError("Neo4j query failed", value=_short(exc)) from exc
        try:
            with self._driver.session(database=self.config.database,
                                      default_access_mode=neo4j.READ_ACCESS,
                                      fetch_size=_PAGE) as s:
                chunk: list[neo4j.Record] = []
                for rec in s.run(plain):
                    chunk.append(rec)
                    if len(chunk) >= _PAGE:
                        yield regroup(chunk)
                        chunk = []
                if chunk:
                    yield regroup(chunk)
        except _CONNECTION_LOST as exc:
            raise self._lost(exc) from exc
        except nx.Neo4jError as exc:
            raise StoreError("Neo4j query failed", value=_short(exc)) from exc

    def _stream(self, match: str, cols: str) -> Iterator[tuple[Any, ...]]:
        """Yield ``(cols...)`` for every row of ``match`` in one pass, in pages."""
        bulk = (f"{match} WITH collect([{cols}]) AS rows "
                f"UNWIND range(0, size(rows) - 1, {_PAGE}) AS i "
                f"RETURN rows[i..i + {_PAGE}] AS page")
        for (page,) in self._paged(bulk, f"{match} RETURN {cols}",
                                   lambda recs: [[tuple(r) for r in recs]]):
            yield from map(tuple, page)

    def _stream_label(self, label: str, props: Sequence[str],
                      first: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """``(*first, key, *props)`` for every node of ``label``."""
        schema.check_label(label)
        for p in props:
            schema.check_property(label, p)
        cols = ", ".join([*first, "n.key"] + [f"n.{p}" for p in props])
        return self._stream(f"MATCH (n:{label})", cols)

    def stream_nodes(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        return self._stream_label(label, props, ())

    def stream_rels(self, rel_type: str, props: Sequence[str] = ()) -> Iterator[tuple[Any, ...]]:
        schema.check_rel_type(rel_type)
        for p in props:
            schema.check_property(rel_type, p)
        extra = "".join(f", r.{p}" for p in props)
        return self._stream(f"MATCH (a)-[r:{rel_type}]->(b)",
                            f"labels(a)[0], a.key, labels(b)[0], b.key{extra}")

    # Handles are Neo4j's internal node ids. ``id()`` is deprecated in favour of
    # ``elementId()``, but an element id is a ~40-byte string against 1-5 bytes for the
    # integer, and the links then need no property or label read at all (reading the 4.5M
    # links of the 1M-row bench took 12 s with labels and keys, 1.2-2 s with ids).
    # Internal ids are reused only after a node is deleted, and graphinv deletes nodes
    # only in ``reset``: a handle is good for one projection, never to be stored.
    handles_are_node_ids = False

    def stream_handles(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        return self._stream_label(label, props, ("id(n)",))

    def stream_link_pages(self, rel_type: str) -> Iterator[tuple[Sequence[Any], Sequence[Any]]]:
        schema.check_rel_type(rel_type)
        match = f"MATCH (a)-[r:{rel_type}]->(b)"
        bulk = (f"{match} WITH collect(id(a)) AS src, collect(id(b)) AS dst "
                f"UNWIND range(0, size(src) - 1, {_PAGE}) AS i "
                f"RETURN src[i..i + {_PAGE}], dst[i..i + {_PAGE}]")
        for page in self._paged(bulk, f"{match} RETURN id(a), id(b)",
                                lambda recs: [[r[0] for r in recs], [r[1] for r in recs]]):
            if page[0]:  # no links: one empty page
                yield page[0], page[1]

    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        schema.check_label(label)
        rows = self._run_auto(f"MATCH (n:{label}) WHERE n.key IN $keys RETURN n.key AS k",
                              {"keys": list(keys)})
        return {r["k"] for r in rows}

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        q = neo4j.Query(cypher, timeout=timeout)
        try:
            with self._session(read=True) as s:
                res = s.run(q, dict(params or {}))
                columns = list(res.keys())
                rows: list[list[Any]] = []
                for rec in res:  # closing the session discards the rest on the server
                    if max_rows is not None and len(rows) >= max_rows:
                        break
                    rows.append([_plain(v) for v in rec.values()])
            return QueryResult(columns=columns, rows=rows)
        except nx.ClientError as exc:
            code = exc.code or ""
            if "TransactionTimedOut" in code or "Timeout" in code:
                raise QueryTimeout("query stopped at its timeout", value=f"{timeout} s",
                                   hint="narrow the query or raise --timeout") from exc
            if "ForbiddenDueToTransactionType" in code or "AccessMode" in code:
                raise QueryError("query tried to write in a read-only transaction",
                                 value=_short(exc)) from exc
            raise QueryError("Neo4j rejected the query", value=_short(exc)) from exc
        except nx.TransientError as exc:
            if "Terminated" in (exc.code or "") or "Timeout" in (exc.code or ""):
                raise QueryTimeout("query stopped at its timeout", value=f"{timeout} s",
                                   hint="narrow the query or raise --timeout") from exc
            raise QueryError("Neo4j query failed", value=_short(exc)) from exc
        except _CONNECTION_LOST as exc:
            raise self._lost(exc) from exc

    def explain(self, cypher: str, params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> QueryPlan:
        try:
            with self._session(read=True) as s:
                summary = s.run(neo4j.Query("EXPLAIN " + cypher, timeout=timeout),
                                dict(params or {})).consume()
        except _CONNECTION_LOST as exc:
            raise self._lost(exc) from exc
        except nx.Neo4jError as exc:
            if "Timeout" in (exc.code or "") or "Terminated" in (exc.code or ""):
                raise QueryTimeout("query stopped at its timeout", value=f"{timeout} s",
                                   hint="narrow the query or raise --timeout") from exc
            raise QueryError("query does not compile", value=_short(exc)) from exc
        ops: list[PlanOperator] = []
        _plan_operators(summary.plan or {}, ops)
        return QueryPlan(read_only=summary.query_type == "r", operators=ops)


def _plan_operators(node: Mapping[str, Any], out: list[PlanOperator]) -> None:
    """Flatten the plan tree; ``LoadCSV@neo4j`` → ``LoadCSV``."""
    name = str(node.get("operatorType") or "?").split("@", 1)[0]
    args = node.get("args") or node.get("arguments") or {}
    out.append(PlanOperator(name, str(args.get("Details") or "")))
    for child in node.get("children") or ():
        _plan_operators(child, out)


def _plain(v: Any) -> Any:
    """Driver graph types → plain dicts/lists (stable across backends)."""
    if isinstance(v, neo4j.graph.Node):
        return dict(v.items())
    if isinstance(v, neo4j.graph.Relationship):
        return dict(v.items())
    if isinstance(v, neo4j.graph.Path):
        return {"nodes": [dict(n.items()) for n in v.nodes],
                "relationships": [dict(r.items()) for r in v.relationships]}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if hasattr(v, "iso_format"):
        return v.iso_format()
    return v


def _short(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(msg).splitlines()[0][:300]

"""The store contract: one interface, two backends (Neo4j and embedded LadybugDB).

Nodes are addressed by ``(label, key)``; labels, relationship types and
properties come only from :mod:`graphinv.schema`. Writes are idempotent MERGEs so
a replayed batch (retry, crash, rerun) changes nothing.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any, ClassVar

from graphinv import schema
from graphinv.config import StoreConfig
from graphinv.errors import SchemaError

__all__ = [
    "Store",
    "QueryResult",
    "QueryPlan",
    "PlanOperator",
    "StoreStatus",
    "NodeRow",
    "RelRow",
    "RejectHook",
    "evidence_entry",
    "evidence_frame",
    "evidence_key",
    "evidence_raw",
]

_LINK_PAGE = 65_536

#: A node to merge: must hold ``key``; other keys are schema properties.
NodeRow = Mapping[str, Any]
#: A relationship to merge: ``src``, ``dst`` (keys), optional ``ev_key``/``ev``
#: (one provenance record), ``run``, and for SAME_AS ``score``/``method``.
RelRow = Mapping[str, Any]
#: Told about one row a store refused on its own, and why (see :meth:`Store.rejecting`).
RejectHook = Callable[[Mapping[str, Any], str], None]


@dataclass
class QueryResult:
    """Columns and rows of a read query (values are plain Python types)."""

    columns: list[str]
    rows: list[list[Any]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, r, strict=False)) for r in self.rows]


@dataclass(frozen=True)
class PlanOperator:
    """One operator of an ``EXPLAIN`` plan: its type (``LoadCSV``, ``ProcedureCall``,
    ``TABLE_FUNCTION_CALL``, …) and the engine's details text (the procedure's
    signature, the table function's name, the expressions it evaluates)."""

    name: str
    details: str = ""


@dataclass
class QueryPlan:
    """What the engine's planner says about a query, before it runs: whether it
    only reads, and every operator of the plan tree (flattened)."""

    read_only: bool
    operators: list[PlanOperator] = field(default_factory=list)


@dataclass
class StoreStatus:
    """What ``graphinv status`` shows."""

    backend: str
    location: str
    reachable: bool
    version: str = ""
    schema_ok: bool = False
    schema_items: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "location": self.location,
            "reachable": self.reachable,
            "version": self.version,
            "schema_ok": self.schema_ok,
            "schema_items": self.schema_items,
            "missing": self.missing,
            "nodes": self.nodes,
            "relationships": self.relationships,
        }


def evidence_entry(
    *, source: str, file: str, line: int, run: str, at: str, raw: str | None, sha: str
) -> tuple[str, str]:
    """One provenance record as ``(ev_key, ev_json)``.

    The key depends only on the input file's content and the line, so the same
    record ingested twice (rerun, resume, second path to the same file) is
    stored once.

    >>> k, j = evidence_entry(source="s", file="a.csv", line=3, run="r1", at="t",
    ...                       raw="+86 138", sha="0123456789abcdef99")
    >>> k
    '0123456789abcdef:3'
    >>> import json; json.loads(j)["raw"]
    '+86 138'
    """
    head, tail = evidence_frame(source=source, file=file, line=line, run=run, at=at)
    return evidence_key(sha, line), head + evidence_raw(raw) + tail


def evidence_key(sha: str, line: int) -> str:
    """The idempotency key of one input record: file content hash and line."""
    return f"{sha[:16]}:{line}"


def evidence_frame(*, source: str, file: str, line: int, run: str, at: str) -> tuple[str, str]:
    """The JSON of an evidence record before and after its ``raw`` value.

    Equal to ``json.dumps(record, ensure_ascii=False, sort_keys=True)``; ingest builds
    it once per input record and puts each link's raw value in between.
    """
    head = (f'{{"at": {encode_basestring(at)}, "file": {encode_basestring(file)}, '
            f'"line": {line}, "raw": ')
    tail = f', "run": {encode_basestring(run)}, "source": {encode_basestring(source)}}}'
    return head, tail


def evidence_raw(raw: str | None) -> str:
    """A raw value as it stands between :func:`evidence_frame`'s two halves."""
    return "null" if raw is None else encode_basestring(raw)


class Store(ABC):
    """A graph store. Use as a context manager; see :func:`graphinv.store.open_store`."""

    backend: str = ""
    location: str = ""
    #: True when the store was opened for reading only (an embedded store may then lack
    #: tables a writer adds on first use, e.g. for kinds newer than the store).
    read_only: bool = False
    #: True when the store may refuse one row of a write batch on its own (Neo4j: a row
    #: too big for one transaction) and reports it to :attr:`on_reject` instead of failing
    #: the batch; callers then keep what they need to name that row in a rejects file.
    refuses_single_rows: ClassVar[bool] = False
    #: Where such a refused row goes (None: the write fails); see :meth:`rejecting`.
    on_reject: RejectHook | None = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- lifecycle -------------------------------------------------------
    @classmethod
    def open(cls, config: StoreConfig, *, create: bool = True,
             read_only: bool = False) -> Store:
        """Open a store of this class (see :func:`graphinv.store.open_store`); by default
        ``cls(config)``, for a store without its own idea of ``create``/``read_only``."""
        return cls(config)  # type: ignore[call-arg]

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create constraints (Neo4j) or tables (embedded) if missing."""

    @abstractmethod
    def status(self) -> StoreStatus: ...

    @abstractmethod
    def reset(self) -> None:
        """Delete every node and relationship (the schema stays)."""

    # -- writes ----------------------------------------------------------
    @abstractmethod
    def merge_nodes(self, label: str, rows: Sequence[NodeRow]) -> int:
        """MERGE nodes by key. First non-null value of a property wins; ``raws``
        and ``issues`` and ``flags`` accumulate distinct entries; ``flagged`` is
        sticky. Rows may carry ``raw`` (one spelling), ``issue_list`` and
        ``flag`` (one JSON flag record). Returns how many nodes were created.
        """

    @abstractmethod
    def merge_rels(self, rel_type: str, src_label: str, dst_label: str,
                   rows: Sequence[RelRow]) -> int:
        """MERGE relationships between existing nodes and append provenance.
        Returns how many relationships were created."""

    @abstractmethod
    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        """Delete the nodes of ``label`` among ``keys`` with their relationships (a shop
        merged into another, once its links moved). Returns how many were deleted."""

    @abstractmethod
    def set_node_props(self, label: str, rows: Sequence[Mapping[str, Any]],
                       props: Sequence[str]) -> None:
        """Write analysis results (e.g. ``cluster_id``, ``risk``) onto nodes by key."""

    @abstractmethod
    def clear_node_props(self, label: str, props: Sequence[str]) -> None:
        """Set ``props`` to null on every node of ``label``."""

    # -- reads -----------------------------------------------------------
    @abstractmethod
    def stream_nodes(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """Yield ``(key, *props)`` for every node of ``label`` in one pass."""

    @abstractmethod
    def stream_rels(self, rel_type: str,
                    props: Sequence[str] = ()) -> Iterator[tuple[Any, ...]]:
        """Yield ``(src_label, src_key, dst_label, dst_key, *props)`` in one pass."""

    def wait_for_indexes(self, timeout: float = 300.0) -> None:
        """Block until the store's secondary indexes are ready (they fill in the
        background after being created on a big database). Nothing to wait for here."""
        return None

    #: True when :meth:`stream_handles` hands out the node ids ``Label:key`` themselves
    #: (then a reader needs no second index from handles to nodes).
    handles_are_node_ids: ClassVar[bool] = True

    def stream_handles(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """Yield ``(handle, key, *props)`` for every node of ``label``.

        A handle names the node in :meth:`stream_link_pages` and is only good while the
        store is not written. Here it is the node id; a backend may use something cheaper
        to send (Neo4j: its internal integer id).
        """
        for row in self.stream_nodes(label, props):
            yield (schema.node_id(label, row[0]), *row)

    def stream_link_pages(self, rel_type: str) -> Iterator[tuple[Sequence[Any], Sequence[Any]]]:
        """Yield the links of ``rel_type`` as pages of two aligned columns: source
        handles and target handles (see :meth:`stream_handles`)."""
        src: list[str] = []
        dst: list[str] = []
        for sl, sk, dl, dk, *_ in self.stream_rels(rel_type):
            src.append(sl + ":" + sk)
            dst.append(dl + ":" + dk)
            if len(src) >= _LINK_PAGE:
                yield src, dst
                src, dst = [], []
        if src:
            yield src, dst

    @abstractmethod
    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` already exist as ``label`` nodes."""

    @abstractmethod
    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        """Run a read-only query (values only as parameters), stopped at ``timeout``
        seconds; at most ``max_rows`` rows are fetched (the rest never leave the engine)."""

    @abstractmethod
    def explain(self, cypher: str, params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> QueryPlan:
        """Plan ``cypher`` without running it (``EXPLAIN``), stopped at ``timeout``
        seconds like a query: the planner may evaluate constant expressions."""

    def explain_is_read_only(self, cypher: str,
                             params: Mapping[str, Any] | None = None) -> bool:
        """Ask the engine's planner whether ``cypher`` only reads."""
        return self.explain(cypher, params).read_only

    def bulk(self) -> contextlib.AbstractContextManager[None]:
        """A block of writes the store may defer and load in bulk when it ends.

        Inside, reads need not see the block's writes yet; an exception inside
        discards what was deferred (writes are idempotent replays, so rerunning
        the same input writes it again). The default writes at once.
        """
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def rejecting(self, hook: RejectHook) -> Iterator[None]:
        """Inside the block, rows the store refuses alone go to ``hook``."""
        old = self.on_reject
        self.on_reject = hook
        try:
            yield
        finally:
            self.on_reject = old

    # -- conveniences shared by both backends ----------------------------
    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Node counts per label and relationship counts per type."""
        st = self.status()
        return st.nodes, st.relationships

    def get_nodes(self, label: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Full property maps of some nodes of ``label``, by key."""
        return self.read_nodes(label, keys, [p for p, _ in schema.node_props(label)
                                             if p != "key"])

    def read_nodes(self, label: str, keys: Sequence[str],
                   props: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``key -> {"key", *props}`` of the nodes of ``label`` among ``keys`` (missing
        keys are left out). Labels and properties come from the schema only."""
        schema.check_label(label)
        names = ["key", *(p for p in props if p != "key")]
        known = {p for p, _ in schema.node_props(label)}
        for p in names:
            if p not in known:
                raise SchemaError(f"unknown property of {label}", value=p,
                                         hint="use a property declared in graphinv/schema.py")
        res = self.run_read(
            f"UNWIND $keys AS k MATCH (n:{label} {{key: k}}) RETURN "
            + ", ".join(f"n.{p}" for p in names),
            {"keys": list(keys)},
        )
        return {r[0]: dict(zip(names, r, strict=True)) for r in res.rows}

    def read_rels(self, rel_type: str, src_label: str, dst_label: str,
                  src_keys: Sequence[str], props: Sequence[str]) -> list[tuple[Any, ...]]:
        """``(src key, dst key, *props)`` of the ``rel_type`` links from the ``src_label``
        nodes among ``src_keys`` to ``dst_label`` nodes."""
        schema.check_rel_type(rel_type)
        schema.check_label(src_label)
        schema.check_label(dst_label)
        known = {p for p, _ in schema.rel_props(rel_type)}
        for p in props:
            if p not in known:
                raise SchemaError(f"unknown property of {rel_type}", value=p,
                                         hint="use a property declared in graphinv/schema.py")
        cols = "".join(f", r.{p}" for p in props)
        res = self.run_read(
            f"UNWIND $keys AS k MATCH (a:{src_label} {{key: k}})-[r:{rel_type}]->"
            f"(b:{dst_label}) RETURN a.key, b.key{cols}",
            {"keys": list(src_keys)},
        )
        return [tuple(r) for r in res.rows]

"""First load of an empty Neo4j database through ``neo4j-admin database import full``.

``graphinv ingest --bulk`` runs the normal ingest, but the new nodes and relationships
of its bulk block go to an :class:`~graphinv.store.import_csv.ImportWriter` instead of
being MERGEd row by row over Bolt (1,345 rows/s at 1M rows). When the block ends:

* a **graphinv-managed local server** (one ``scripts/neo4j start`` runs: its
  ``<home>/run/state.json`` names this URI, the running process, the jars and the Java
  it uses) is stopped, the import runs with those jars, the server starts again on the
  same port, and the constraints and indexes are built (:class:`BulkImportStore`); the
  rest of the run (flags, near-duplicate resolution, the run record) goes through Bolt
  as always;
* **any other server** is left alone: :class:`CaptureStore` writes the CSVs and the run
  prints the exact ``neo4j-admin`` command and what to do next.

Either way the database must hold no graph data (only graphinv's own run records, which
the import carries over): :func:`check_empty` refuses anything else. Later loads MERGE.

>>> parse_local_port("bolt://127.0.0.1:7687"), parse_local_port("neo4j://db.example:7687")
(7687, None)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from graphinv import schema
from graphinv.config import StoreConfig
from graphinv.errors import StoreError
from graphinv.store.base import QueryPlan, QueryResult, Store, StoreStatus
from graphinv.store.import_csv import ImportFiles, ImportWriter

__all__ = ["ManagedServer", "find_managed_server", "check_empty", "BulkImportStore",
           "CaptureStore", "import_command", "parse_local_port", "DEFAULT_SERVER_HOME"]

#: Where ``scripts/neo4j`` keeps its server when no ``--home`` is given.
DEFAULT_SERVER_HOME = Path("~/.cache/graphinv/neo4j-5.26/server")
_MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_CLASS = "org.neo4j.cli.AdminTool"
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
#: JVM flags Neo4j's own launcher passes (see scripts/neo4j_server.py).
_JVM_FLAGS = ["--add-opens=java.base/java.nio=ALL-UNNAMED",
              "--add-opens=java.base/java.io=ALL-UNNAMED",
              "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
              "--enable-native-access=ALL-UNNAMED"]
_LEFTOVER_BATCH = 1_000


def parse_local_port(uri: str) -> int | None:
    """The port of a Bolt URI on this machine's loopback, else None."""
    m = re.fullmatch(r"(?:bolt|neo4j)://([^/:]+|\[[^\]]+\]):(\d+)/?", uri.strip())
    if not m or m.group(1).lower() not in _LOCAL_HOSTS:
        return None
    return int(m.group(2))


@dataclass(frozen=True)
class ManagedServer:
    """A Neo4j server started by ``scripts/neo4j`` (read from its ``state.json``)."""

    home: Path
    port: int
    pid: int
    script: Path
    cache: Path
    lib: Path
    java: str
    heap: str
    pagecache: str

    def stop(self, log: Path) -> None:
        self._script(["stop"], log)

    def start(self, log: Path) -> None:
        self._script(["start", "--port", str(self.port), "--keep-data"], log)

    def _script(self, args: list[str], log: Path) -> None:
        env = dict(os.environ, GRAPHINV_NEO4J_HEAP=self.heap,
                   GRAPHINV_NEO4J_PAGECACHE=self.pagecache, GRAPHINV_JAVA=self.java)
        cmd = [sys.executable, str(self.script), *args, "--home", str(self.home),
               "--cache", str(self.cache)]
        with open(log, "ab") as fh:
            fh.write(("$ " + shlex.join(cmd) + "\n").encode())
            fh.flush()
            rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=fh, stderr=fh,
                                env=env).returncode
        if rc != 0:
            raise StoreError(f"could not {args[0]} the local Neo4j server", value=_tail(log),
                             hint=f"see {log}; start it again with `scripts/neo4j start "
                             f"--home {self.home} --port {self.port} --keep-data`")

    def run_import(self, files: ImportFiles, database: str, log: Path) -> None:
        """Run the import with the server's jars (the server must be stopped)."""
        conf = files.dir / "conf"
        conf.mkdir(exist_ok=True)
        extra = files.dir / "import.conf"
        extra.write_text(f"server.directories.data={self.home / 'data'}\n"
                         f"server.directories.logs={self.home / 'logs'}\n", encoding="utf-8")
        cmd = import_command(files, database, java=self.java, lib=self.lib, heap=self.heap,
                             config=extra)
        env = dict(os.environ, NEO4J_HOME=str(self.home), NEO4J_CONF=str(conf))
        with open(log, "ab") as fh:
            fh.write(("$ " + shlex.join(cmd) + "\n").encode())
            fh.flush()
            rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=fh, stderr=fh,
                                env=env, cwd=files.dir).returncode
        if rc != 0 or "IMPORT DONE" not in log.read_text(errors="replace"):
            raise StoreError("neo4j-admin database import failed", value=_tail(log),
                             hint=f"see {log} and {files.dir / 'import.report'}")


def import_command(files: ImportFiles, database: str = "neo4j", *, java: str | None = None,
                   lib: Path | None = None, heap: str = "1g",
                   config: Path | None = None) -> list[str]:
    """The import command: ``java ... AdminTool`` with the given jars, else ``neo4j-admin``
    (a server's own installation)."""
    args = files.arguments(database)
    if config is not None:
        args.append(f"--additional-config={config}")
    if java is None or lib is None:
        return ["neo4j-admin", *args]
    return [java, f"-Xmx{heap}", *_JVM_FLAGS, "-cp", f"{lib}/*", _ADMIN_CLASS, *args]


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return str(path)
    useful = [ln for ln in text if ln.strip() and not set(ln.strip()) <= set(". %∆0123456789msa[]")]
    return " | ".join((useful or text)[-lines:])[:500]


def find_managed_server(uri: str, home: Path | None = None) -> ManagedServer | None:
    """The graphinv-managed server answering ``uri``, or None.

    Looks in ``home`` (``--neo4j-home``), else ``$GRAPHINV_NEO4J_SERVER_HOME``, else
    ``scripts/neo4j``'s default home; the server is graphinv's when that home's
    ``run/state.json`` records this port on loopback, its process is alive and is
    Neo4j's server for that home, and the state names the jars and Java it runs with.
    """
    port = parse_local_port(uri)
    if port is None:
        return None
    if home is None:
        env = os.environ.get("GRAPHINV_NEO4J_SERVER_HOME")
        cache = os.environ.get("GRAPHINV_NEO4J_HOME")
        home = Path(env) if env else (Path(cache) / "server" if cache else DEFAULT_SERVER_HOME)
    home = home.expanduser().resolve()
    try:
        state = json.loads((home / "run" / "state.json").read_text())
        if int(state["port"]) != port or Path(state["home"]).resolve() != home:
            return None
        pid = int(state["pid"])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        server = ManagedServer(
            home=home, port=port, pid=pid, script=Path(state["script"]),
            cache=Path(state["cache"]), lib=Path(state["lib"]), java=str(state["java"]),
            heap=str(state["heap"]), pagecache=str(state["pagecache"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if _MAIN_CLASS.encode() not in cmdline or f"--home-dir={home}".encode() not in cmdline:
        return None
    if not server.script.is_file() or not server.lib.is_dir():
        return None
    return server


def _graph_contents(store: Store) -> tuple[int, int]:
    """Nodes that are not graphinv run records, and relationships, in the database."""
    meta = list(schema.META_KINDS)
    nodes = store.run_read("MATCH (n) WHERE NOT any(l IN labels(n) WHERE l IN $meta) "
                           "RETURN count(n)", {"meta": meta}).rows[0][0]
    rels = store.run_read("MATCH ()-[r]->() RETURN count(r)").rows[0][0]
    return int(nodes or 0), int(rels or 0)


def check_empty(store: Store) -> None:
    """Refuse a database holding anything but graphinv's run records: the import
    replaces the whole database."""
    nodes, rels = _graph_contents(store)
    if nodes or rels:
        raise StoreError(
            "--bulk loads only an empty Neo4j database (the import replaces it)",
            value=f"{store.location} holds {nodes} nodes and {rels} relationships",
            hint="run the same command without --bulk (MERGE adds to the graph), or point "
                 "--store at an empty database")


def _meta_rows(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every run record in the database, to carry over into the import."""
    out: dict[str, list[dict[str, Any]]] = {}
    for label in schema.META_KINDS:
        props = [p for p, _ in schema.node_props(label)]
        rows = [dict(zip(props, r, strict=True)) for r in store.stream_nodes(label, props[1:])]
        if rows:
            out[label] = rows
    return out


class _Delegate(Store):
    """A store that passes every call to ``inner`` (subclasses take some over)."""

    inner: Store

    def close(self) -> None:
        self.inner.close()

    def ensure_schema(self) -> None:
        self.inner.ensure_schema()

    def status(self) -> StoreStatus:
        return self.inner.status()

    def reset(self) -> None:
        self.inner.reset()

    def merge_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        return self.inner.merge_nodes(label, rows)

    def merge_rels(self, rel_type: str, src_label: str, dst_label: str,
                   rows: Sequence[Mapping[str, Any]]) -> int:
        return self.inner.merge_rels(rel_type, src_label, dst_label, rows)

    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        return self.inner.delete_nodes(label, keys)

    def set_node_props(self, label: str, rows: Sequence[Mapping[str, Any]],
                       props: Sequence[str]) -> None:
        self.inner.set_node_props(label, rows, props)

    def clear_node_props(self, label: str, props: Sequence[str]) -> None:
        self.inner.clear_node_props(label, props)

    def stream_nodes(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        return self.inner.stream_nodes(label, props)

    def stream_rels(self, rel_type: str, props: Sequence[str] = ()) -> Iterator[tuple[Any, ...]]:
        return self.inner.stream_rels(rel_type, props)

    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        return self.inner.existing_keys(label, keys)

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        return self.inner.run_read(cypher, params, timeout, max_rows)

    def explain(self, cypher: str, params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> QueryPlan:
        return self.inner.explain(cypher, params, timeout)

    def wait_for_indexes(self, timeout: float = 300.0) -> None:
        self.inner.wait_for_indexes(timeout)


class BulkImportStore(_Delegate):
    """A Neo4j store whose bulk block loads through the offline importer (local server).

    Outside the bulk block it is the Neo4j store it wraps. ``seconds`` records where the
    time of the load went (``csv``, ``stop``, ``import``, ``start``, ``schema``, ...).
    """

    backend = "neo4j"
    #: The importer refuses no single row (Neo4j over Bolt may refuse one too big for a
    #: transaction; nothing goes over Bolt here).
    refuses_single_rows: ClassVar[bool] = False

    def __init__(self, inner: Store, config: StoreConfig, server: ManagedServer,
                 work_dir: Path) -> None:
        self.inner = inner
        self.config = config
        self.location = inner.location
        self.server = server
        self.work_dir = work_dir
        self._writer: ImportWriter | None = None
        self.seconds: dict[str, float] = {}
        self.imported: ImportFiles | None = None

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        if self._writer is not None:
            yield
            return
        self.work_dir.mkdir(parents=True, exist_ok=True)
        writer = ImportWriter(Path(tempfile.mkdtemp(prefix="import-", dir=self.work_dir)))
        self._writer = writer
        keep = False
        try:
            yield
            self._writer = None
            keep = True  # a failed import leaves its files and log for a look
            self._load(writer)
            keep = False
        finally:
            self._writer = None
            if not keep:
                writer.discard()

    def merge_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        if self._writer is None or label in schema.META_KINDS:
            return self.inner.merge_nodes(label, rows)
        self._writer.add_nodes(label, rows)
        return 0  # counted after the load (store counts), like every deferred write

    def merge_rels(self, rel_type: str, src_label: str, dst_label: str,
                   rows: Sequence[Mapping[str, Any]]) -> int:
        if self._writer is None:
            return self.inner.merge_rels(rel_type, src_label, dst_label, rows)
        self._writer.add_rels(rel_type, src_label, dst_label, rows)
        return 0

    def _timed(self, name: str, t0: float) -> float:
        now = time.perf_counter()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - t0, 3)
        return now

    def _load(self, writer: ImportWriter) -> None:
        t = time.perf_counter()
        files = writer.finish()
        if not files.nodes and not files.relationships:
            return
        check_empty(self.inner)  # again: someone may have written meanwhile
        for label, rows in _meta_rows(self.inner).items():
            writer.add_records(label, rows)
        t = self._timed("csv", t)
        log = files.dir / "import.log"
        database = self.config.database or "neo4j"
        self.inner.close()
        self.server.stop(log)
        t = self._timed("stop", t)
        failed: BaseException | None = None
        try:
            self.server.run_import(files, database, log)
        except BaseException as exc:
            failed = exc
        t = self._timed("import", t)
        self.server.start(log)  # also after a failed import: leave the server running
        t = self._timed("start", t)
        from graphinv.store.bolt import Neo4jStore

        self.inner = Neo4jStore(self.config)  # creates the constraints and indexes
        t = self._timed("schema", t)
        if failed is not None:
            raise failed
        self._finish(files)
        self.inner.wait_for_indexes()
        self._timed("indexes", t)
        self.imported = files

    def _finish(self, files: ImportFiles) -> None:
        """What the importer cannot write: values it would not read back exactly (through
        Bolt, with their folded values) and empty lists."""
        run = getattr(self.inner, "_run_auto")  # noqa: B009 - the wrapped Neo4j store's
        for label, rows in files.leftover_nodes.items():
            schema.check_label(label)
            for i in range(0, len(rows), _LEFTOVER_BATCH):
                run(f"UNWIND $rows AS row CREATE (n:{label}) SET n = row",
                    {"rows": rows[i:i + _LEFTOVER_BATCH]})
        for (rel_type, src, dst), rows in files.leftover_rels.items():
            schema.check_rel_type(rel_type)
            schema.check_label(src)
            schema.check_label(dst)
            for i in range(0, len(rows), _LEFTOVER_BATCH):
                batch = [{"src": r["src"], "dst": r["dst"],
                          "props": {k: v for k, v in r.items() if k not in ("src", "dst")}}
                         for r in rows[i:i + _LEFTOVER_BATCH]]
                run(f"UNWIND $rows AS row MATCH (a:{src} {{key: row.src}}) "
                    f"MATCH (b:{dst} {{key: row.dst}}) CREATE (a)-[r:{rel_type}]->(b) "
                    "SET r = row.props", {"rows": batch})
        batched = getattr(self.inner, "_run_batched")  # noqa: B009
        for target, props in sorted(files.empty_lists.items()):
            for p in sorted(props):
                schema.check_property(target, p)
            sets = ", ".join(f"x.{p} = coalesce(x.{p}, [])" for p in sorted(props))
            cond = " OR ".join(f"x.{p} IS NULL" for p in sorted(props))
            pattern = f"()-[x:{target}]->()" if target in schema.REL_TYPES else f"(x:{target})"
            batched(f"MATCH {pattern} WHERE {cond} CALL {{ WITH x SET {sets} }} "
                    "IN TRANSACTIONS OF {rows} ROWS", 20_000)


@dataclass
class _CaptureState:
    #: Run records by label and key, as MERGEd so far.
    meta: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


class CaptureStore(Store):
    """No database: everything ingest writes goes to import files (remote servers).

    Reads answer from what was taken so far: ``existing_keys`` (flags mark only nodes
    the records made), ``counts`` and the evidence totals the run report needs (after
    the bulk block, from the folded files). Near-duplicate resolution needs a database:
    run ingest with ``resolve=False``.
    """

    backend = "neo4j"
    refuses_single_rows: ClassVar[bool] = False

    def __init__(self, location: str, work_dir: Path) -> None:
        self.location = location
        work_dir.mkdir(parents=True, exist_ok=True)
        self.writer = ImportWriter(Path(tempfile.mkdtemp(prefix="import-", dir=work_dir)))
        self._state = _CaptureState()
        self._in_bulk = False
        self._after: list[tuple[str, list[dict[str, Any]]]] = []

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        self._in_bulk = True
        try:
            yield
        finally:
            self._in_bulk = False

    def close(self) -> None:
        self.files()

    def files(self) -> ImportFiles:
        """Fold and write everything taken (once); run records last, as they stand."""
        files = self.writer.finish()
        for label, rows in self._state.meta.items():
            self.writer.add_records(label, list(rows.values()))
        self._state.meta = {}
        return files

    def ensure_schema(self) -> None:
        return None

    def status(self) -> StoreStatus:
        st = StoreStatus(backend=self.backend, location=self.location, reachable=True)
        done = self.writer.finished
        for label in schema.ALL_KINDS:
            st.nodes[label] = (done.nodes.get(label, 0) if done else 0) + \
                len(self._state.meta.get(label, {}))
        for rel in schema.REL_TYPES:
            st.relationships[rel] = done.relationships.get(rel, 0) if done else 0
        return st

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        if self.writer.rows and not self._in_bulk:
            self.writer.finish()  # the end of the run: its counts come from the fold
        st = self.status()
        return st.nodes, st.relationships

    def reset(self) -> None:
        raise StoreError("a bulk import capture cannot be reset", value=self.location)

    def merge_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        if label in schema.META_KINDS:
            mine = self._state.meta.setdefault(label, {})
            for r in rows:
                cur = mine.setdefault(r["key"], {"key": r["key"]})
                # Run records MERGE as `n.p = coalesce(row.p, n.p)`.
                cur.update({p: v for p, v in r.items() if v is not None})
            return len(rows)
        self.writer.add_nodes(label, rows)
        return 0

    def merge_rels(self, rel_type: str, src_label: str, dst_label: str,
                   rows: Sequence[Mapping[str, Any]]) -> int:
        self.writer.add_rels(rel_type, src_label, dst_label, rows)
        return 0

    def delete_nodes(self, label: str, keys: Sequence[str]) -> int:
        # Only merging URL-only shops deletes, and it reads the database first: here it
        # finds nothing (see stream_nodes) and runs with the next ingest into it.
        raise StoreError("a bulk import capture deletes nothing", value=label)

    def set_node_props(self, label: str, rows: Sequence[Mapping[str, Any]],
                       props: Sequence[str]) -> None:
        raise StoreError("a bulk import capture holds no analysis", value=label)

    def clear_node_props(self, label: str, props: Sequence[str]) -> None:
        return None

    def stream_nodes(self, label: str, props: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        # What the database held before the run (ingest's shop-URL index reads it): it
        # was checked empty. What this run wrote, ingest keeps track of itself.
        return iter(())

    def stream_rels(self, rel_type: str, props: Sequence[str] = ()) -> Iterator[tuple[Any, ...]]:
        return iter(())

    def existing_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        return self.writer.has_keys(label, keys)

    _EVIDENCE = re.compile(r"MATCH \(\)-\[r:(\w+)\]->\(\) RETURN sum\(r\.ev_count\) AS n")

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        # The one query ingest's report makes: evidence per relationship type.
        m = self._EVIDENCE.fullmatch(cypher.strip())
        if m is None:
            raise StoreError("a bulk import capture answers no queries", value=cypher[:80])
        done = self.writer.finished
        return QueryResult(columns=["n"], rows=[[done.evidence.get(m.group(1), 0)
                                                if done else 0]])

    def explain(self, cypher: str, params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> QueryPlan:
        raise StoreError("a bulk import capture answers no queries", value=cypher[:80])

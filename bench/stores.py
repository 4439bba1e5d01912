"""Stores for the benchmark: fresh embedded databases and a dedicated Neo4j server.

Embedded stores live under ``bench/.cache/stores/embedded-<size>/`` and persist between
stages (ingest fills one, clusters and queries read it). Neo4j: the URI in
``GRAPHINV_BENCH_NEO4J_URI`` if set, else a server of our own started with
``scripts/neo4j_server.py`` in ``bench/.cache/neo4j-home`` on a free port, stopped at the end.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import BENCH_DIR, CACHE_DIR
from bench.sizes import size_label

__all__ = ["ENV_URI", "Neo4jServer", "embedded_dir", "open_bench_store", "fresh_embedded",
           "reset_neo4j", "store_version", "neo4j_auth", "read_marker", "write_marker",
           "neo4j_marker", "neo4j_markers", "store_counts"]

#: Use this Neo4j instead of starting one (it is reset between sizes!).
ENV_URI = "GRAPHINV_BENCH_NEO4J_URI"
_SERVER_SCRIPT = BENCH_DIR.parent / "scripts" / "neo4j_server.py"


def embedded_dir(size: int, cache: Path | None = None, tag: str = "") -> Path:
    """Data directory of the embedded store for one size (``tag`` for baselines)."""
    return (cache or CACHE_DIR) / "stores" / f"embedded{tag}-{size_label(size)}"


def fresh_embedded(path: Path) -> Path:
    """Remove any previous database at ``path`` and return it."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


_MARKER = "bench-store.json"


def _marker_file(path: Path) -> Path:
    return path if path.suffix == ".json" else path / _MARKER


def write_marker(path: Path, *, run: Any, clustered: bool, **extra: Any) -> None:
    """Note which run filled a kept store and whether it was clustered (``--reuse-stores``
    trusts only stores that carry this note). ``path``: an embedded store's folder, or a
    Neo4j note (:func:`neo4j_marker`; ``extra`` holds its counts)."""
    note = _marker_file(path)
    if path.suffix == ".json":  # a Neo4j note: its folder may be new; a store's is not made
        note.parent.mkdir(parents=True, exist_ok=True)
    if note.parent.is_dir():
        note.write_text(json.dumps({"run": run, "clustered": clustered, **extra}),
                        encoding="utf-8")


def read_marker(path: Path) -> dict[str, Any] | None:
    """The note :func:`write_marker` left, or None (no store, or no note)."""
    try:
        return dict(json.loads(_marker_file(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def neo4j_marker(size: int, cache: Path | None = None) -> Path:
    """Where a kept Neo4j database is described. The server holds one size at a time, so
    the note lives in the cache (not in the database) and names the counts it had."""
    return (cache or CACHE_DIR) / "stores" / f"neo4j-{size_label(size)}.json"


def neo4j_markers(cache: Path | None = None) -> list[Path]:
    """Every Neo4j note in the cache (all of them go stale when the database is reset)."""
    return sorted(((cache or CACHE_DIR) / "stores").glob("neo4j-*.json"))


def store_counts(spec: dict[str, Any]) -> dict[str, int]:
    """Nodes per label and links per type: a kept Neo4j database is trusted only while
    these still match what its note recorded."""
    with open_bench_store(spec) as st:
        status = st.status()
    return {**{f"node:{k}": int(v) for k, v in sorted(status.nodes.items())},
            **{f"rel:{k}": int(v) for k, v in sorted(status.relationships.items())}}


def open_bench_store(spec: dict[str, Any]) -> Any:
    """Open the store a task names: ``{"store": "embedded", "data_dir": ...}`` or
    ``{"store": "neo4j", "uri": ...}``."""
    from graphinv.config import StoreConfig
    from graphinv.store import open_store

    if spec["store"] == "embedded":
        return open_store(StoreConfig.from_values(store="embedded", data_dir=spec["data_dir"]))
    return open_store(StoreConfig.from_values(store=spec["uri"], data_dir=spec["data_dir"]))


def reset_neo4j(uri: str) -> None:
    """Empty the Neo4j database (graph and constraints stay)."""
    import neo4j

    with neo4j.GraphDatabase.driver(uri, auth=neo4j_auth()) as drv, drv.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def neo4j_auth() -> tuple[str, str] | None:
    """Credentials from ``GRAPHINV_NEO4J_USER``/``_PASSWORD`` (none: auth off)."""
    pw = os.environ.get("GRAPHINV_NEO4J_PASSWORD")
    return (os.environ.get("GRAPHINV_NEO4J_USER", "neo4j"), pw) if pw else None


def store_version(spec: dict[str, Any]) -> str:
    """The version string ``graphinv status`` shows for a store."""
    with open_bench_store(spec) as st:
        return str(st.status().version)


def _server_module() -> ModuleType:
    mod_spec = importlib.util.spec_from_file_location("graphinv_neo4j_server", _SERVER_SCRIPT)
    if mod_spec is None or mod_spec.loader is None:
        raise RuntimeError(f"cannot load {_SERVER_SCRIPT}")
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    return mod


class Neo4jServer:
    """The Neo4j the run uses: from the environment, or started (and later stopped) here."""

    def __init__(self, cache: Path | None = None, heap: str | None = None,
                 pagecache: str | None = None) -> None:
        self.home = (cache or CACHE_DIR) / "neo4j-home"
        self.heap = heap or os.environ.get("GRAPHINV_NEO4J_HEAP", "2g")
        self.pagecache = pagecache or os.environ.get("GRAPHINV_NEO4J_PAGECACHE", "1g")
        self.uri: str | None = None
        self.pid: int | None = None
        self.started = False
        self._mod: ModuleType | None = None

    @property
    def external(self) -> bool:
        return bool(os.environ.get(ENV_URI))

    def start(self, *, keep_data: bool = False) -> str:
        """Start the server (or take the one in the environment). ``keep_data`` opens the
        database an earlier run left instead of wiping it."""
        env_uri = os.environ.get(ENV_URI)
        if env_uri:
            self.uri = env_uri
            return env_uri
        mod = self._mod = _server_module()
        self.pid, self.uri = mod.start_server(home=self.home, port=None, keep_data=keep_data,
                                              heap=self.heap, pagecache=self.pagecache)
        self.started = True
        return self.uri

    def settings(self) -> dict[str, Any]:
        if not self.started:
            return {"source": ENV_URI}
        return {"source": "scripts/neo4j_server.py", "heap": self.heap,
                "pagecache": self.pagecache, "pid": self.pid}

    def refresh(self) -> None:
        """Read the pid back from the server's state (``ingest --bulk`` restarts it)."""
        state = (self._mod or _server_module()).server_status(home=self.home)
        if state:
            self.pid = int(state["pid"])

    def stop(self) -> None:
        if self.started:
            (self._mod or _server_module()).stop_server(home=self.home)
            self.started = False

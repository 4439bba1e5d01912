"""Ingest stage: graphinv's ``ingest_paths`` and its bare baselines, on the same rows.

* graphinv: listings + flags into a fresh store, near-duplicate resolution on;
  ``report.seconds`` gives the normalize / write / resolve split (the rest of
  ``total`` is bookkeeping: checksums, counts before and after, the run record).
* Neo4j baseline: the pre-normalized rows (:mod:`bench.prenorm`) replayed with the bare
  driver as ``UNWIND $rows … MERGE`` in write transactions of 10,000 rows, on the same
  uniqueness constraints. No provenance de-duplication, no list merging: the cheapest
  honest load of the same nodes and relationships.
* Embedded baseline: the same rows, de-duplicated outside the timer, loaded into the
  same LadybugDB tables with one ``COPY`` per node table and relationship pair.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.prenorm import read_ops, record

__all__ = ["prenormalize_task", "ingest_task", "ingest_bulk_task", "neo4j_baseline_task",
           "embedded_baseline_task", "BATCH"]

#: Rows per transaction for the bare-driver baseline (graphinv's Neo4j batch size).
BATCH = 10_000


def prenormalize_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run graphinv's extraction once (untimed for the baselines); write the ops file."""
    t0 = time.perf_counter()
    out = record(Path(task["listings"]), Path(task["flags"]), Path(task["out"]),
                 Path(task["work"]))
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def ingest_task(task: dict[str, Any]) -> dict[str, Any]:
    """graphinv ingest of listings + flags into the (already empty) store."""
    from bench.stores import open_bench_store
    from graphinv.ingest.pipeline import IngestOptions, ingest_paths

    listings, flags = Path(task["listings"]), Path(task["flags"])
    with open_bench_store(task) as st:
        version = st.status().version if task.get("version") else None
        rep = ingest_paths(st, [listings], IngestOptions(
            data_dir=Path(task["data_dir"]), flags=[flags], source=task.get("source")))
    rows = next(f.read for f in rep.files if f.role == "records")
    sec = dict(rep.seconds)
    sec["other"] = round(sec["total"] - sec.get("normalize", 0) - sec.get("write", 0)
                         - sec.get("resolve", 0), 3)
    return {"rows": rows, "loaded": rep.loaded, "rejected": rep.rejected,
            "seconds": sec, "rows_per_s": round(rows / sec["total"], 1),
            "nodes_new": rep.nodes_new, "links_new": rep.links_new,
            "same_as": rep.same_as, "store_version": version}


def ingest_bulk_task(task: dict[str, Any]) -> dict[str, Any]:
    """``graphinv ingest --bulk`` of listings + flags into the (empty) Neo4j database of the
    server in ``task["home"]``: the import CSVs, neo4j-admin's import (the server stopped
    and started again), constraints and indexes, then flags and resolution over Bolt."""
    from bench.stores import open_bench_store
    from graphinv.config import StoreConfig
    from graphinv.ingest.pipeline import IngestOptions, ingest_paths
    from graphinv.store.neo4j_import import BulkImportStore, check_empty, find_managed_server

    listings, flags = Path(task["listings"]), Path(task["flags"])
    server = find_managed_server(task["uri"], Path(task["home"]))
    if server is None:
        raise RuntimeError(f"no graphinv-managed Neo4j server in {task['home']} at "
                           f"{task['uri']}")
    data_dir = Path(task["data_dir"])
    st = open_bench_store(task)
    check_empty(st)
    loader = BulkImportStore(st, StoreConfig.from_values(store=task["uri"], data_dir=data_dir),
                             server, data_dir / "bulk")
    try:
        rep = ingest_paths(loader, [listings], IngestOptions(
            data_dir=data_dir, flags=[flags], source=task.get("source")))
    finally:
        loader.close()
    rows = next(f.read for f in rep.files if f.role == "records")
    sec = dict(rep.seconds)
    sec.update({f"bulk_{k}": v for k, v in loader.seconds.items()})
    return {"rows": rows, "loaded": rep.loaded, "rejected": rep.rejected,
            "seconds": sec, "rows_per_s": round(rows / sec["total"], 1),
            "nodes_new": rep.nodes_new, "links_new": rep.links_new,
            "same_as": rep.same_as}


# -- Neo4j bare-driver baseline ----------------------------------------------------------

_NODE_STMT = ("UNWIND $rows AS row MERGE (n:{label} {{key: row.key}}) "
              "ON CREATE SET n += row.props")
_REL_STMT = ("UNWIND $rows AS row MATCH (a:{src} {{key: row.src}}) "
             "MATCH (b:{dst} {{key: row.dst}}) MERGE (a)-[r:{rel}]->(b) "
             "ON CREATE SET r.ev_keys = [row.ek], r.ev = [row.ej], r.ev_count = 1, "
             "r.first_run = row.run "
             "ON MATCH SET r.ev_keys = r.ev_keys + row.ek, r.ev = r.ev + row.ej, "
             "r.ev_count = r.ev_count + 1")
_SAME_STMT = ("UNWIND $rows AS row MATCH (a:{src} {{key: row.src}}) "
              "MATCH (b:{dst} {{key: row.dst}}) MERGE (a)-[r:{rel}]->(b) "
              "SET r.score = row.score, r.method = row.method")


def _bare_node_props(row: dict[str, Any]) -> dict[str, Any]:
    """A shaped row as a flat property map (what a plain loader would SET on create)."""
    props = {k: v for k, v in row.items()
             if k not in ("key", "issue_list", "flag_list", "run", "seen_min", "seen_max",
                          "raws", "flagged") and v is not None}
    props.update(raws=row.get("raws") or [], issues=row.get("issue_list") or [],
                 flags=row.get("flag_list") or [], flagged=bool(row.get("flagged")))
    for src, dst in (("run", "first_run"), ("seen_min", "first_seen"),
                     ("seen_max", "last_seen")):
        if row.get(src) is not None:
            props[dst] = row[src]
    return props


def _run_batch(tx: Any, stmt: str, rows: list[dict[str, Any]]) -> None:
    tx.run(stmt, rows=rows).consume()


def neo4j_baseline_task(task: dict[str, Any]) -> dict[str, Any]:
    """Replay the ops file with the bare driver into the (already empty) database."""
    import neo4j

    from bench.stores import neo4j_auth
    from graphinv import schema

    ops = Path(task["ops"])
    with neo4j.GraphDatabase.driver(task["uri"], auth=neo4j_auth()) as drv:
        with drv.session() as s:  # same constraints as graphinv, created outside the timer
            for label in schema.ALL_KINDS:
                s.run(f"CREATE CONSTRAINT graphinv_{label.lower()}_key IF NOT EXISTS "
                      f"FOR (n:{label}) REQUIRE n.key IS UNIQUE").consume()
        node_rows = rel_rows = 0
        t_nodes = t_rels = 0.0
        with drv.session() as s:
            for op in read_ops(ops):
                if op[0] == "node":
                    _, label, rows = op
                    stmt = _NODE_STMT.format(label=label)
                    payload = [{"key": r["key"], "props": _bare_node_props(r)} for r in rows]
                    node_rows += len(payload)
                else:
                    _, rel, src, dst, rows = op
                    stmt = (_SAME_STMT if rel == "SAME_AS" else _REL_STMT).format(
                        rel=rel, src=src, dst=dst)
                    payload = rows
                    rel_rows += len(payload)
                t0 = time.perf_counter()
                for i in range(0, len(payload), BATCH):
                    chunk = payload[i:i + BATCH]
                    s.execute_write(_run_batch, stmt, chunk)
                dt = time.perf_counter() - t0
                if op[0] == "node":
                    t_nodes += dt
                else:
                    t_rels += dt
    return {"node_rows": node_rows, "rel_rows": rel_rows,
            "seconds": {"nodes": round(t_nodes, 3), "rels": round(t_rels, 3),
                        "total": round(t_nodes + t_rels, 3)}}


# -- Embedded bare-COPY baseline ---------------------------------------------------------

_DERIVE = {"issues": "issue_list", "flags": "flag_list", "first_run": "run",
           "first_seen": "seen_min", "last_seen": "seen_max"}


def _dedupe(ops: Path, parts: Path) -> tuple[dict[str, list[Path]],
                                              dict[tuple[str, str, str], list[Path]]]:
    """First row per node key and per relationship pair, written as Parquet parts per op
    (1M rows of Arrow tables held in memory took 5.4 GB next to the sets of seen keys)."""
    import pyarrow.parquet as pq

    nodes: dict[str, list[Path]] = {}
    rels: dict[tuple[str, str, str], list[Path]] = {}
    count = 0

    def part(table: Any, name: str) -> Path:
        nonlocal count
        count += 1
        path = parts / f"{count:06d}-{name}.parquet"
        pq.write_table(table, path, compression="snappy")
        return path

    seen_keys: dict[str, set[str]] = {}
    seen_pairs: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
    for op in read_ops(ops):
        if op[0] == "node":
            keys = seen_keys.setdefault(op[1], set())
            fresh = []
            for r in op[2]:
                if r["key"] not in keys:
                    keys.add(r["key"])
                    fresh.append(r)
            if fresh:
                nodes.setdefault(op[1], []).append(part(_node_table(op[1], fresh), op[1]))
        else:
            key = (op[1], op[2], op[3])
            pairs = seen_pairs.setdefault(key, set())
            groups: dict[tuple[str, str], dict[str, Any]] = {}
            for r in op[4]:
                pair = (r["src"], r["dst"])
                if pair in pairs and pair not in groups:
                    continue  # already loaded from an earlier batch (rare: repeated rows)
                pairs.add(pair)
                g = groups.get(pair)
                if g is None:
                    groups[pair] = g = {"ev_keys": [], "ev": [], "first_run": r.get("run"),
                                        "score": r.get("score"), "method": r.get("method")}
                if r.get("ek") is not None:
                    g["ev_keys"].append(r["ek"])
                    g["ev"].append(r.get("ej"))
            if groups:
                rels.setdefault(key, []).append(part(_rel_table(op[1], groups), op[1]))
    return nodes, rels


def _arrow_type(pa: Any, t: str) -> Any:
    return {"STRING": pa.string(), "BOOLEAN": pa.bool_(), "DOUBLE": pa.float64(),
            "INT64": pa.int64(), "STRING[]": pa.list_(pa.string())}[t]


def _node_table(label: str, rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    from graphinv import schema

    cols = {}
    for prop, ptype in schema.node_props(label):
        src = _DERIVE.get(prop, prop)
        if prop == "raws":
            values: list[Any] = [r["raws"][: schema.RAWS_CAP] for r in rows]
        elif prop == "flagged":
            values = [bool(r.get("flagged")) for r in rows]
        else:
            values = [r.get(src) for r in rows]
        cols[prop] = pa.array(values, type=_arrow_type(pa, ptype))
    return pa.table(cols)


def _rel_table(rel: str, pairs: dict[tuple[str, str], Any]) -> Any:
    import pyarrow as pa

    from graphinv import schema

    items = list(pairs.items())
    cols = {"from": pa.array([a for (a, _), _ in items], type=pa.string()),
            "to": pa.array([b for (_, b), _ in items], type=pa.string())}
    for prop, ptype in schema.rel_props(rel):
        if prop == "ev_count":
            values: list[Any] = [len(g["ev_keys"]) for _, g in items]
        else:
            values = [g.get(prop) for _, g in items]
        cols[prop] = pa.array(values, type=_arrow_type(pa, ptype))
    return pa.table(cols)


def embedded_baseline_task(task: dict[str, Any]) -> dict[str, Any]:
    """COPY the de-duplicated rows into fresh LadybugDB tables (the tables graphinv makes):
    one COPY per table from Parquet parts written outside the timer, on one thread, as
    graphinv's bulk load does (multi-threaded COPYs of a few hundred thousand rows
    sometimes never returned in LadybugDB 0.22)."""
    import shutil
    import tempfile

    import ladybug

    from bench.stores import open_bench_store
    from graphinv import schema

    data_dir = Path(task["data_dir"])
    with open_bench_store({"store": "embedded", "data_dir": str(data_dir)}):
        pass  # creates the same tables (primary keys) as graphinv, outside the timer
    parts = Path(tempfile.mkdtemp(prefix="baseline-parts-", dir=data_dir))
    try:
        nodes, rels = _dedupe(Path(task["ops"]), parts)
        db = ladybug.Database(str(data_dir / "graph.lbug"))
        conn = ladybug.Connection(db)
        conn.set_max_threads_for_exec(1)
        try:
            t0 = time.perf_counter()
            for label in schema.NODE_KINDS:
                if nodes.get(label):
                    _copy(conn, label, nodes[label], "")
            t1 = time.perf_counter()
            for (rel, src, dst), files in sorted(rels.items()):
                kind = schema.REL_TYPES[rel]
                pairs = (f" (from='{src}', to='{dst}')"
                         if len(kind.sources) * len(kind.targets) > 1 else "")
                _copy(conn, rel, files, pairs)
            t2 = time.perf_counter()
        finally:
            conn.close()
            db.close()
        node_rows, rel_rows = _rows(nodes.values()), _rows(rels.values())
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return {"node_rows": node_rows, "rel_rows": rel_rows,
            "copies": len(nodes) + len(rels),
            "seconds": {"nodes": round(t1 - t0, 3), "rels": round(t2 - t1, 3),
                        "total": round(t2 - t0, 3)}}


def _rows(groups: Any) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for files in groups for p in files)


def _copy(conn: Any, table: str, files: list[Path], option: str) -> None:
    names = ", ".join(f"'{p}'" for p in files)
    conn.execute(f"COPY {table} FROM [{names}]{option}").close()

"""Cypher write statements generated from the schema, per dialect.

Both engines speak Cypher but differ in list functions (Neo4j: ``x IN l``,
``l + [x]``; LadybugDB: ``list_contains``, ``list_append``), so the statements
are generated here from one template. Labels, types and properties are
interpolated only after :mod:`graphinv.schema` has allowed them; every value
travels as a ``$parameter``.

Rows are pre-shaped by :func:`shape_node_rows` and :func:`rel_waves` so that a
batch never holds the same key (or the same relationship) twice: LadybugDB's
MERGE inside one UNWIND does not see rows created earlier in the same batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

from graphinv import schema

__all__ = [
    "Dialect",
    "merge_nodes_statement",
    "merge_rels_statement",
    "set_props_statement",
    "shape_node_rows",
    "rel_waves",
    "NODE_ROW_EXTRAS",
    "ShapedRows",
]

Dialect = Literal["neo4j", "ladybug"]

#: Keys of a shaped node row besides ``key`` and the label's own properties.
NODE_ROW_EXTRAS = ("raws", "issue_list", "flag_list", "flagged", "run", "seen_min", "seen_max")

# Properties whose first non-null value wins on MERGE.
_MANAGED = {"key", "raws", "issues", "flags", "flagged", "first_run", "first_seen", "last_seen",
            "cluster_id", "risk", "cluster_risk", "hub", "hub_reason", "hub_shops",
            "hub_platforms", "hub_clusters"}


def _val(dialect: Dialect, expr: str, ptype: str) -> str:
    """A parameter value typed for the engine: LadybugDB infers STRING for all-null
    columns of a batch and then refuses to store them in a BOOLEAN/DOUBLE column."""
    if dialect == "neo4j" or ptype == "STRING":
        return expr
    return f"CAST({expr} AS {ptype})"


def _fn(dialect: Dialect) -> tuple[str, str]:
    if dialect == "neo4j":
        return "{x} IN {l}", "{l} + [{x}]"
    return "list_contains({l}, {x})", "list_append({l}, {x})"


def _union(dialect: Dialect, target: str, extra: str, cap: int | None = None) -> str:
    """``target`` plus the distinct items of ``extra`` not already in it."""
    if dialect == "neo4j":
        expr = f"{target} + [x IN coalesce({extra}, []) WHERE NOT x IN {target}]"
        return f"({expr})[0..{cap}]" if cap else expr
    expr = f"list_distinct(list_concat({target}, CAST(coalesce({extra}, []) AS STRING[])))"
    return f"list_slice({expr}, 1, {cap})" if cap else expr


def merge_nodes_statement(label: str, dialect: Dialect) -> str:
    """UNWIND-MERGE for one label: first value wins, lists accumulate."""
    schema.check_label(label)
    meta = label in schema.META_KINDS
    types = dict(schema.node_props(label))
    props = [p for p in types if p not in _MANAGED]
    sets = [f"n.{p} = coalesce(n.{p}, {_val(dialect, 'row.' + p, types[p])})" for p in props]
    if meta:
        return (
            "UNWIND $rows AS row\n"
            f"MERGE (n:{label} {{key: row.key}})\n"
            + ("SET " + ", ".join(f"n.{p} = coalesce(row.{p}, n.{p})" for p in props) + "\n")
            + "RETURN count(n)"
        )
    empty = "[]" if dialect == "neo4j" else "CAST([] AS STRING[])"
    sets += [
        f"n.raws = {_union(dialect, 'n.raws', 'row.raws', schema.RAWS_CAP)}",
        f"n.issues = {_union(dialect, 'n.issues', 'row.issue_list')}",
        f"n.flags = {_union(dialect, 'n.flags', 'row.flag_list')}",
        "n.flagged = coalesce(n.flagged, false) OR coalesce("
        + _val(dialect, "row.flagged", "BOOLEAN") + ", false)",
        "n.first_seen = CASE WHEN row.seen_min IS NOT NULL AND "
        "(n.first_seen IS NULL OR row.seen_min < n.first_seen) "
        "THEN row.seen_min ELSE n.first_seen END",
        "n.last_seen = CASE WHEN row.seen_max IS NOT NULL AND "
        "(n.last_seen IS NULL OR row.seen_max > n.last_seen) "
        "THEN row.seen_max ELSE n.last_seen END",
    ]
    return (
        "UNWIND $rows AS row\n"
        f"MERGE (n:{label} {{key: row.key}})\n"
        f"ON CREATE SET n.raws = {empty}, n.issues = {empty}, n.flags = {empty}, "
        "n.flagged = false, n.first_run = row.run\n"
        "SET " + ",\n    ".join(sets) + "\n"
        "RETURN count(n)"
    )


def merge_rels_statement(rel_type: str, src: str, dst: str, dialect: Dialect) -> str:
    """UNWIND-MATCH-MATCH-MERGE for one relationship type and endpoint pair.

    Two separate MATCH clauses: one combined MATCH ran ~200x slower on LadybugDB.
    """
    rel = schema.REL_TYPES[schema.check_rel_type(rel_type)]
    schema.check_label(src)
    schema.check_label(dst)
    if src not in rel.sources or dst not in rel.targets:
        raise schema.SchemaError(
            f"{rel_type} cannot link these kinds", value=f"{src} -> {dst}",
            hint=f"allowed: {'|'.join(rel.sources)} -> {'|'.join(rel.targets)}",
        )
    head = (
        "UNWIND $rows AS row\n"
        f"MATCH (a:{src} {{key: row.src}})\n"
        f"MATCH (b:{dst} {{key: row.dst}})\n"
        f"MERGE (a)-[r:{rel_type}]->(b)\n"
    )
    if not rel.evidence:
        own = ", ".join(f"r.{p} = {_val(dialect, 'row.' + p, t)}" for p, t in rel.props)
        return head + "SET " + own + "\nRETURN count(r)"
    contains, append = _fn(dialect)
    empty = "[]" if dialect == "neo4j" else "CAST([] AS STRING[])"
    fresh = contains.format(x="row.ek", l="r.ev_keys")
    return (
        head
        + f"ON CREATE SET r.ev_keys = {empty}, r.ev = {empty}, r.ev_count = 0, "
        "r.first_run = row.run\n"
        f"WITH r, row, row.ek IS NOT NULL AND NOT coalesce({fresh}, false) AS fresh\n"
        "SET r.ev = CASE WHEN fresh THEN "
        + append.format(l="r.ev", x="row.ej") + " ELSE r.ev END,\n"
        "    r.ev_keys = CASE WHEN fresh THEN "
        + append.format(l="r.ev_keys", x="row.ek") + " ELSE r.ev_keys END,\n"
        "    r.ev_count = CASE WHEN fresh THEN r.ev_count + 1 ELSE r.ev_count END\n"
        "RETURN count(r)"
    )


def set_props_statement(label: str, props: Sequence[str], dialect: Dialect) -> str:
    """Write analysis results onto nodes by key."""
    schema.check_label(label)
    for p in props:
        schema.check_property(label, p)
    types = dict(schema.node_props(label))
    sets = ", ".join(f"n.{p} = {_val(dialect, 'row.' + p, types[p])}" for p in props)
    return f"UNWIND $rows AS row\nMATCH (n:{label} {{key: row.key}})\nSET {sets}\nRETURN count(n)"


class ShapedRows(list[dict[str, Any]]):
    """Node rows :func:`shape_node_rows` has already combined and padded.

    Ingest shapes each batch where it is extracted (possibly another process),
    so the store does not walk the rows a second time.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # One constructor call on unpickling instead of an append per row (3 s -> 0.7 s
        # for a 50k-record chunk sent by the ingest worker).
        return ShapedRows, (list(self),)


def shape_node_rows(label: str, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Combine rows with the same key and pad every row to one shape.

    Input rows may carry ``raw`` (one spelling), ``issue_list``, ``flag`` (one
    JSON record) or ``flag_list``, ``seen`` (ISO date), ``run``.
    :class:`ShapedRows` pass through as they are.

    >>> rows = shape_node_rows("Phone", [{"key": "+1", "raw": "a"}, {"key": "+1", "raw": "b"}])
    >>> [(r["key"], r["raws"]) for r in rows]
    [('+1', ['a', 'b'])]
    >>> shape_node_rows("Phone", ShapedRows(rows)) is not rows
    True
    """
    if isinstance(rows, ShapedRows):
        return rows
    props = [p for p, _ in schema.node_props(label) if p not in _MANAGED]
    meta = label in schema.META_KINDS
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = row["key"]
        cur = out.get(key)
        if cur is None:
            cur = {"key": key, **{p: None for p in props}}
            if not meta:
                cur.update(raws=[], issue_list=[], flag_list=[], flagged=False, run=None,
                           seen_min=None, seen_max=None)
            out[key] = cur
        for p in props:
            v = row.get(p)
            if cur[p] is None and v is not None and v != "":
                cur[p] = v
        if meta:
            continue
        raw = row.get("raw")
        if raw and raw not in cur["raws"] and len(cur["raws"]) < schema.RAWS_CAP:
            cur["raws"].append(raw)
        for i in row.get("issue_list") or ():
            if i not in cur["issue_list"]:
                cur["issue_list"].append(i)
        flags = list(row.get("flag_list") or ())
        if row.get("flag"):
            flags.append(row["flag"])
        for f in flags:
            if f not in cur["flag_list"]:
                cur["flag_list"].append(f)
        if flags or row.get("flagged"):
            cur["flagged"] = True
        if cur["run"] is None:
            cur["run"] = row.get("run")
        seen = row.get("seen")
        if seen:
            if cur["seen_min"] is None or seen < cur["seen_min"]:
                cur["seen_min"] = seen
            if cur["seen_max"] is None or seen > cur["seen_max"]:
                cur["seen_max"] = seen
    return list(out.values())


def rel_waves(rows: Iterable[Mapping[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Split relationship rows so no wave holds the same (src, dst) twice.

    Rows are padded to ``src, dst, ek, ej, run, score, method``. Exact duplicate
    evidence (same pair and ``ek``) is dropped here already.
    """
    waves: list[list[dict[str, Any]]] = []
    seen: list[set[tuple[Any, Any]]] = []
    dup: set[tuple[Any, Any, Any]] = set()
    for row in rows:
        pair = (row["src"], row["dst"])
        ek = row.get("ek")
        if ek is not None:
            if (pair[0], pair[1], ek) in dup:
                continue
            dup.add((pair[0], pair[1], ek))
        shaped = {
            "src": row["src"], "dst": row["dst"], "ek": ek, "ej": row.get("ej"),
            "run": row.get("run"), "score": row.get("score"), "method": row.get("method"),
        }
        for i, keys in enumerate(seen):
            if pair not in keys:
                keys.add(pair)
                waves[i].append(shaped)
                break
        else:
            seen.append({pair})
            waves.append([shaped])
    yield from waves

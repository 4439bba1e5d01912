"""Import files for ``neo4j-admin database import full``: the graph a run of MERGEs builds,
written as CSV (one header file and a few part files per node label and per relationship).

:class:`ImportWriter` takes node and relationship rows in batches, exactly as the store's
``merge_nodes`` / ``merge_rels`` receive them (from ingest, or from any front end that
builds the same rows), spills them to disk by key hash and, in :meth:`ImportWriter.finish`,
folds every key's rows in arrival order the way the MERGE statements would (first value
wins, lists gain what is new, raws up to the cap, dates widen, evidence appended once per
evidence key) — the fold of :mod:`graphinv.store.staging` the embedded bulk load uses.

What the CSV importer cannot carry exactly is not forced into it: a node or relationship
whose list holds the array delimiter or an empty string is created afterwards through Bolt
with its folded values (:attr:`ImportFiles.leftover_nodes` / ``leftover_rels``, with the
relationships touching such a node), and empty lists — which the importer stores as no
property, where MERGE stores ``[]`` — are set afterwards (:attr:`ImportFiles.empty_lists`).

>>> import tempfile, pathlib, csv
>>> w = ImportWriter(pathlib.Path(tempfile.mkdtemp()))
>>> w.add_nodes("Phone", [{"key": "+1", "raw": "a", "run": "r1"}])
>>> w.add_nodes("Phone", [{"key": "+1", "raw": "b", "run": "r2"}])
>>> w.add_nodes("Shop", [{"key": "S1", "run": "r1"}])
>>> w.add_rels("USES_PHONE", "Shop", "Phone", [{"src": "S1", "dst": "+1", "ek": "f:2",
...                                             "ej": "{}", "run": "r1"}])
>>> files = w.finish()
>>> files.nodes["Phone"], files.relationships["USES_PHONE"]
(1, 1)
>>> head, part = files.node_files["Phone"]
>>> row = next(csv.reader(part.open(encoding="utf-8")))
>>> row[:3], row[3]
(['+1', '', 'a\\x1fb'], '')
>>> sorted(files.empty_lists["Phone"])
['flags', 'issues']
"""

from __future__ import annotations

import pickle
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from graphinv import schema
from graphinv.errors import StoreError
from graphinv.store.staging import _DERIVED, _combine
from graphinv.store.statements import rel_waves, shape_node_rows

__all__ = ["ImportWriter", "ImportFiles", "ARRAY_DELIMITER", "import_arguments"]

#: Separates the items of a list in one CSV field (``--array-delimiter``). A control
#: character no normalized value holds; a value that does hold it goes through Bolt.
ARRAY_DELIMITER = "\x1f"

#: Spill files per label / relationship target: a key's rows all land in one bucket, so
#: folding a bucket at a time bounds memory (1M input rows: ~5M nodes).
_BUCKETS = 16
#: Rows kept in memory per bucket before they are appended to its spill file.
_SPILL_ROWS = 4_000

_CSV_TYPE = {"STRING": "string", "STRING[]": "string[]", "BOOLEAN": "boolean",
             "DOUBLE": "double", "INT64": "long"}

RelTarget = tuple[str, str, str]


@dataclass
class ImportFiles:
    """What :meth:`ImportWriter.finish` wrote, and what must follow the import."""

    dir: Path
    #: label -> [header file, part files...] (``--nodes=Label=h.csv,p1.csv,...``).
    node_files: dict[str, list[Path]] = field(default_factory=dict)
    #: relationship type -> [header, parts...] per endpoint pair (one id space per label).
    rel_files: dict[RelTarget, list[Path]] = field(default_factory=dict)
    #: Rows written to the CSVs, per label / relationship type.
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    #: Evidence records per relationship type (sum of ``ev_count``).
    evidence: dict[str, int] = field(default_factory=dict)
    #: Folded rows the CSVs cannot carry exactly: created through Bolt after the import.
    leftover_nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    leftover_rels: dict[RelTarget, list[dict[str, Any]]] = field(default_factory=dict)
    #: label or relationship type -> list properties some written row holds empty
    #: (the importer stores no property for an empty list; MERGE stores ``[]``).
    empty_lists: dict[str, set[str]] = field(default_factory=dict)

    def arguments(self, database: str = "neo4j") -> list[str]:
        """The ``neo4j-admin database import full`` arguments, file paths absolute."""
        return import_arguments(self, database)


def import_arguments(files: ImportFiles, database: str = "neo4j") -> list[str]:
    """Arguments after ``neo4j-admin``: ``database import full DB --nodes=...``."""
    args = ["database", "import", "full", database, "--overwrite-destination=true",
            "--id-type=string", "--array-delimiter=\\u001F", "--multiline-fields=true",
            "--skip-bad-relationships=false", "--skip-duplicate-nodes=false",
            "--ignore-empty-strings=false", "--trim-strings=false",
            f"--report-file={files.dir / 'import.report'}"]
    for label, paths in files.node_files.items():
        args.append(f"--nodes={label}=" + ",".join(str(p) for p in paths))
    for (rel_type, _src, _dst), paths in files.rel_files.items():
        args.append(f"--relationships={rel_type}=" + ",".join(str(p) for p in paths))
    return args


class _Buckets:
    """Rows of one label or relationship target, spilled to ``_BUCKETS`` files by key."""

    def __init__(self, dir: Path, name: str) -> None:
        self.paths = [dir / f"spill-{name}-{i:02d}.pickle" for i in range(_BUCKETS)]
        self.buf: list[list[Any]] = [[] for _ in range(_BUCKETS)]
        self.rows = 0

    def add(self, bucket: int, row: Any) -> None:
        buf = self.buf[bucket]
        buf.append(row)
        self.rows += 1
        if len(buf) >= _SPILL_ROWS:
            self._spill(bucket)

    def _spill(self, bucket: int) -> None:
        try:
            with open(self.paths[bucket], "ab") as fh:
                pickle.dump(self.buf[bucket], fh, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as exc:
            raise StoreError("cannot stage rows for the bulk import",
                             value=str(self.paths[bucket]),
                             hint=f"check free space in the data directory ({exc})") from exc
        self.buf[bucket] = []

    def bucket(self, i: int) -> Iterator[Any]:
        """Bucket ``i``'s rows in arrival order."""
        if self.paths[i].exists():
            with open(self.paths[i], "rb") as fh:
                while True:
                    try:
                        yield from pickle.load(fh)
                    except EOFError:
                        break
        yield from self.buf[i]


def _field(v: Any) -> str:
    """One CSV field: null empty and unquoted (no property), everything else quoted."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        v = ARRAY_DELIMITER.join(v)
    return '"' + str(v).replace('"', '""') + '"'


def _carries(values: Iterable[Any]) -> bool:
    """Can the importer read these values back exactly? List items must not hold the
    array delimiter (they would split) nor be empty (they would vanish); strings must
    not hold a NUL (the reader's end-of-data mark)."""
    for v in values:
        if isinstance(v, list):
            for item in v:
                if not isinstance(item, str) or not item or ARRAY_DELIMITER in item \
                        or "\x00" in item:
                    return False
        elif isinstance(v, str) and "\x00" in v:
            return False
    return True


class ImportWriter:
    """Collect rows, fold them like MERGE, write the import CSVs (see the module docs).

    Feed it with :meth:`add_nodes` (all node rows of a label: raw rows as ingest makes
    them, or rows shaped by :func:`graphinv.store.statements.shape_node_rows`) and
    :meth:`add_rels` (relationship rows: ``src``, ``dst``, ``ek``, ``ej``, ``run``,
    ``score``, ``method``), in the order a MERGE run would write them; nodes before the
    relationships that use them. Then :meth:`finish` once.
    """

    def __init__(self, dir: Path) -> None:
        self.dir = dir
        dir.mkdir(parents=True, exist_ok=True)
        self._nodes: dict[str, _Buckets] = {}
        self._rels: dict[RelTarget, _Buckets] = {}
        self.finished: ImportFiles | None = None

    @property
    def rows(self) -> int:
        """Rows taken so far (nodes and relationships)."""
        return sum(b.rows for b in self._nodes.values()) + \
            sum(b.rows for b in self._rels.values())

    def add_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Take a batch of node rows of ``label`` (a graph kind, not a meta kind)."""
        schema.check_label(label)
        if label in schema.META_KINDS:
            raise StoreError("meta records do not go into the bulk import", value=label,
                             hint="write them through the store")
        self._check_open()
        b = self._nodes.get(label)
        if b is None:
            b = self._nodes[label] = _Buckets(self.dir, label)
        for r in shape_node_rows(label, rows):
            b.add(hash(r["key"]) % _BUCKETS, r)

    def add_rels(self, rel_type: str, src_label: str, dst_label: str,
                 rows: Sequence[Mapping[str, Any]]) -> None:
        """Take a batch of relationship rows of one type and endpoint pair."""
        rel = schema.REL_TYPES[schema.check_rel_type(rel_type)]
        schema.check_label(src_label)
        schema.check_label(dst_label)
        if src_label not in rel.sources or dst_label not in rel.targets:
            raise schema.SchemaError(f"{rel_type} cannot link these kinds",
                                     value=f"{src_label} -> {dst_label}")
        self._check_open()
        target = (rel_type, src_label, dst_label)
        b = self._rels.get(target)
        if b is None:
            b = self._rels[target] = _Buckets(self.dir, "-".join(target))
        # rel_waves pads the rows and drops exact repeats (same pair and evidence key),
        # as the MERGE path does; the fold below keeps arrival order per pair.
        for wave in rel_waves(rows):
            for r in wave:
                b.add(hash((r["src"], r["dst"])) % _BUCKETS, r)

    def _check_open(self) -> None:
        if self.finished is not None:
            raise StoreError("the bulk import files are already written", value=str(self.dir),
                             hint="use a new ImportWriter")

    def has_keys(self, label: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` some node row of ``label`` taken so far holds."""
        wanted: dict[int, set[str]] = defaultdict(set)
        for k in keys:
            wanted[hash(k) % _BUCKETS].add(k)
        b = self._nodes.get(label)
        found: set[str] = set()
        if b is None:
            return found
        for i, ks in wanted.items():
            found.update(r["key"] for r in b.bucket(i) if r["key"] in ks)
        return found

    # -- writing -----------------------------------------------------------
    def finish(self) -> ImportFiles:
        """Fold every key's rows and write the CSV files (once)."""
        if self.finished is not None:
            return self.finished
        out = ImportFiles(dir=self.dir)
        left: dict[str, set[str]] = {}
        for label in schema.NODE_KINDS:
            if label in self._nodes:
                left[label] = self._write_nodes(out, label, self._nodes[label])
        for target, b in self._rels.items():
            self._write_rels(out, target, b, left)
        for p in self.dir.glob("spill-*.pickle"):
            p.unlink(missing_ok=True)
        self.finished = out
        return out

    def _write_nodes(self, out: ImportFiles, label: str, b: _Buckets) -> set[str]:
        props = schema.node_props(label)
        header = [f"key:ID({label})"] + [f"{p}:{_CSV_TYPE[t]}" for p, t in props if p != "key"]
        lists = [p for p, t in props if t == "STRING[]"]
        paths = [self._header(f"nodes-{label}", header)]
        leftovers: list[dict[str, Any]] = []
        empty: set[str] = set()
        n = 0
        part = self.dir / f"nodes-{label}.csv"
        with open(part, "w", encoding="utf-8", newline="") as fh:
            for i in range(_BUCKETS):
                for r in _combine(list(b.bucket(i))):
                    values = {p: (_DERIVED[p](r) if p in _DERIVED else r.get(p))
                              for p, _ in props}
                    if not _carries(values.values()):
                        leftovers.append(values)
                        continue
                    empty.update(p for p in lists if values[p] == [])
                    _write_row(fh, [values[p] for p, _ in props])
                    n += 1
        paths.append(part)
        out.node_files[label] = paths
        out.nodes[label] = n + len(leftovers)
        if leftovers:
            out.leftover_nodes[label] = leftovers
        if empty:
            out.empty_lists[label] = empty
        return {v["key"] for v in leftovers}

    def _write_rels(self, out: ImportFiles, target: RelTarget, b: _Buckets,
                    left: dict[str, set[str]]) -> None:
        rel_type, src, dst = target
        rel = schema.REL_TYPES[rel_type]
        props = schema.rel_props(rel_type)
        header = [f":START_ID({src})", f":END_ID({dst})"] + \
            [f"{p}:{_CSV_TYPE[t]}" for p, t in props]
        lists = [p for p, t in props if t == "STRING[]"]
        name = "-".join(target)
        paths = [self._header(f"rels-{name}", header)]
        part = self.dir / f"rels-{name}.csv"
        left_src, left_dst = left.get(src, set()), left.get(dst, set())
        leftovers: list[dict[str, Any]] = []
        empty: set[str] = set()
        n = evidence = 0
        with open(part, "w", encoding="utf-8", newline="") as fh:
            for i in range(_BUCKETS):
                for values in _fold_rels(rel, b.bucket(i)):
                    evidence += values.get("ev_count") or 0
                    if values["src"] in left_src or values["dst"] in left_dst \
                            or not _carries(values.values()):
                        leftovers.append(values)
                        continue
                    empty.update(p for p in lists if values.get(p) == [])
                    _write_row(fh, [values["src"], values["dst"],
                                    *(values.get(p) for p, _ in props)])
                    n += 1
        paths.append(part)
        out.rel_files[target] = paths
        out.relationships[rel_type] = out.relationships.get(rel_type, 0) + n + len(leftovers)
        if rel.evidence:
            out.evidence[rel_type] = out.evidence.get(rel_type, 0) + evidence
        if leftovers:
            out.leftover_rels[target] = leftovers
        if empty:
            out.empty_lists.setdefault(rel_type, set()).update(empty)

    def add_records(self, label: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add graphinv's run records (a meta kind: ``IngestRun``...) to the written files,
        each row as it stands (one per key); after :meth:`finish`, before the import."""
        if label not in schema.META_KINDS:
            raise StoreError("only run records are added as they stand", value=label,
                             hint="add graph nodes with add_nodes")
        out = self.finish()
        props = schema.node_props(label)
        header = [f"key:ID({label})"] + [f"{p}:{_CSV_TYPE[t]}" for p, t in props if p != "key"]
        part = self.dir / f"nodes-{label}.csv"
        with open(part, "a", encoding="utf-8", newline="") as fh:
            for r in rows:
                _write_row(fh, [r.get(p) for p, _ in props])
        out.node_files.setdefault(label, [self._header(f"nodes-{label}", header), part])
        out.nodes[label] = out.nodes.get(label, 0) + len(rows)

    @property
    def node_labels(self) -> set[str]:
        """Labels some node row was taken for."""
        return set(self._nodes)

    def _header(self, name: str, columns: list[str]) -> Path:
        path = self.dir / f"{name}.header.csv"
        path.write_text(",".join(columns) + "\n", encoding="utf-8")
        return path

    def discard(self) -> None:
        """Remove every file this writer made (its directory)."""
        shutil.rmtree(self.dir, ignore_errors=True)


def _write_row(fh: TextIO, values: list[Any]) -> None:
    fh.write(",".join(_field(v) for v in values) + "\n")


def _fold_rels(rel: schema.RelType, rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """One folded row per endpoint pair, as the MERGE statement leaves it: the first
    row's run, each new evidence key appended once in arrival order (rows without one add
    no evidence); a relationship without evidence takes each row's own properties."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    own = [p for p, _ in rel.props]
    for r in rows:
        pair = (r["src"], r["dst"])
        cur = pairs.get(pair)
        if cur is None:
            cur = pairs[pair] = {"src": pair[0], "dst": pair[1]}
            if rel.evidence:
                cur.update(ev_keys=[], ev=[], ev_count=0, first_run=r.get("run"), _seen=set())
        if rel.evidence:
            ek = r.get("ek")
            if ek is not None and ek not in cur["_seen"]:
                cur["_seen"].add(ek)
                cur["ev_keys"].append(ek)
                cur["ev"].append(r.get("ej"))
                cur["ev_count"] += 1
        else:
            cur.update({p: r.get(p) for p in own})
    for cur in pairs.values():
        cur.pop("_seen", None)
        yield cur

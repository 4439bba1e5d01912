"""The provenance stamp every page and export carries: when, by which graphinv, from
which store, which cluster run with which options, and which input files (name,
sha256, rows) the ingest runs behind it read — the chain of custody of an exhibit.

>>> s = make_stamp(store="/data/case.lbug", run_id="run-7", options={"min_shops": 2},
...                inputs=[{"file": "listings.csv", "sha256": "ab" * 32, "rows": 120,
...                         "run": "ingest-1"}], generated_at="2026-01-02T03:04:05Z")
>>> stamp_lines(s)[0].startswith("generated 2026-01-02T03:04:05Z by graphinv ")
True
>>> stamp_lines(s)[3]
'input listings.csv · sha256 abababababab… · 120 rows read by ingest run ingest-1'

A cluster's page, dossier and exports list only the ingest runs behind the cluster
(:func:`cluster_stamp`): the runs that created its nodes or recorded its links' evidence.

>>> two = make_stamp(store="/data/case.lbug", inputs=[
...     {"file": "a.csv", "sha256": "aa", "rows": 2, "run": "r1"},
...     {"file": "b.csv", "sha256": "bb", "rows": 3, "run": "r2"}])
>>> g = {"nodes": [{"id": "Shop:x:1", "first_run": "r2"}], "edges": [
...      {"evidence": [{"file": "b.csv", "line": 2, "run": "r2"}]}]}
>>> [i["file"] for i in cluster_stamp(two, g)["inputs"]]
['b.csv']
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphinv.errors import OutputError
from graphinv.render.safe import line

#: A CSV's stamp goes beside it, ``members.csv`` -> ``members.provenance.json``: comment
#: lines in the CSV would break Excel/LibreOffice headers and pandas (``comment="#"``
#: cuts any cell holding a ``#``), so the table stays a plain table.
SIDECAR_SUFFIX = ".provenance.json"
_SIDECAR_KIND = "graphinv provenance of a CSV file"

__all__ = ["SIDECAR_SUFFIX", "cluster_stamp", "make_stamp", "runs_behind", "sidecar_path",
           "sidecar_text", "stamp_lines", "write_sidecar"]


def make_stamp(*, store: str | None = None, run_id: str | None = None,
               run_created: str | None = None, options: Mapping[str, Any] | None = None,
               inputs: Sequence[Mapping[str, Any]] | None = None,
               generated_at: str | None = None) -> dict[str, Any]:
    """A plain JSON-able provenance dict (``generated_at`` defaults to now, UTC)."""
    from graphinv import __version__

    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "generated_at": generated_at or now,
        "graphinv_version": __version__,
        "store": store,
        "cluster_run": run_id,
        "cluster_run_created": run_created,
        "options": dict(options or {}),
        "inputs": [dict(i) for i in inputs or []],
    }


def stamp_lines(stamp: Mapping[str, Any] | None) -> list[str]:
    """The stamp as short one-line texts for a page footer or a dossier."""
    if not stamp:
        return []
    out = [f"generated {line(stamp.get('generated_at'))} by graphinv "
           f"{line(stamp.get('graphinv_version'))}",
           "store " + (line(stamp.get("store"), 200) or "— (results file)"),
           "cluster run " + (line(stamp.get("cluster_run"), 80) or "—")
           + (f" of {line(stamp['cluster_run_created'], 40)}"
              if stamp.get("cluster_run_created") else "")
           + (" · options " + line(json.dumps(stamp["options"], sort_keys=True,
                                              default=str), 400)
              if stamp.get("options") else "")]
    for i in stamp.get("inputs") or []:
        rows = i.get("rows")
        out.append(f"input {line(i.get('file'), 120)} · sha256 "
                   f"{line(i.get('sha256'), 13) or '—'} · "
                   + (f"{rows} rows read by ingest run " if rows is not None else
                      "read by ingest run ") + line(i.get("run"), 60)
                   + (f" ({i['run_rows']} rows in that run, all files)"
                      if i.get("run_rows") is not None else ""))
    if not stamp.get("inputs"):
        out.append("input files: none recorded")
    if stamp.get("runs_note"):
        out.append(line(stamp["runs_note"], 400))
    return out


def _flag_sources(graph: Mapping[str, Any]) -> set[str]:
    """The ``source`` of every flag on the graph's nodes (dicts or JSON text)."""
    out: set[str] = set()
    for n in graph.get("nodes") or []:
        flags = n.get("flags") if isinstance(n, Mapping) else None
        for f in flags if isinstance(flags, list) else []:
            if isinstance(f, str):
                try:
                    f = json.loads(f)
                except ValueError:
                    continue
            if isinstance(f, Mapping) and f.get("source"):
                out.add(str(f["source"]))
    return out


def runs_behind(graph: Mapping[str, Any]) -> tuple[set[str], int]:
    """The ingest runs a cluster graph names — nodes' ``first_run``, evidence records'
    ``run`` — and how many nodes and evidence records name none. (Flags name no run:
    :func:`cluster_stamp` finds their files by the flags' ``source``.)"""
    runs: set[str] = set()
    unnamed = 0
    for n in graph.get("nodes") or []:
        run = n.get("first_run") if isinstance(n, Mapping) else None
        if run:
            runs.add(str(run))
        else:
            unnamed += 1
    for e in graph.get("edges") or []:
        evidence = e.get("evidence") if isinstance(e, Mapping) else None
        for ev in evidence if isinstance(evidence, list) else []:
            run = ev.get("run") if isinstance(ev, Mapping) else None
            if run:
                runs.add(str(run))
            else:
                unnamed += 1
    return runs, unnamed


def cluster_stamp(stamp: Mapping[str, Any], graph: Mapping[str, Any]) -> dict[str, Any]:
    """``stamp`` narrowed to the ingest runs behind one cluster (:func:`runs_behind`).

    Only a store's stamp is narrowed (its inputs are the store's ingest runs; a results
    file's stamp names that file). When a node or evidence record names no run (a store
    written before runs were recorded), no run can be left out: all stay listed and the
    stamp says why. The stamp says, too, of a run named by the cluster without files.
    """
    out = dict(stamp)
    if not stamp.get("store"):
        return out
    runs, unnamed = runs_behind(graph)
    inputs = [dict(i) for i in stamp.get("inputs") or []]
    if unnamed or not runs:
        out["runs_note"] = (f"{unnamed} node(s) or evidence record(s) of this cluster name "
                            "no ingest run: every ingest run of the store is listed")
        return out
    # A flags file creates no node or evidence: it is behind the cluster when a flag on
    # one of its nodes names it (its file name, or its run's --source) — a same-named
    # flags file of another run is listed too rather than none.
    sources = _flag_sources(graph)

    def flagged_here(i: Mapping[str, Any]) -> bool:
        return i.get("role") == "flags" and (i.get("file") in sources
                                              or i.get("source") in sources)

    kept = [i for i in inputs if str(i.get("run")) in runs or flagged_here(i)]
    runs |= {str(i.get("run")) for i in kept}
    out["inputs"] = kept
    out["cluster_ingest_runs"] = sorted(runs)
    store_runs = {str(i.get("run")) for i in inputs}
    note = (f"ingest runs behind this cluster: {len(runs)} of {len(store_runs | runs)} "
            "in the store")
    lost = sorted(runs - store_runs)
    if lost:
        note += "; without a record of their input files: " + ", ".join(lost[:5]) + (
            f" (+{len(lost) - 5} more)" if len(lost) > 5 else "")
    out["runs_note"] = note
    return out


def sidecar_path(csv_path: str | Path) -> Path:
    """Where the stamp of a CSV file goes.

    >>> sidecar_path("out/cluster-G-1-members.csv").as_posix()
    'out/cluster-G-1-members.provenance.json'
    >>> sidecar_path("leads.txt").name
    'leads.txt.provenance.json'
    """
    p = Path(csv_path)
    if p.suffix.lower() == ".csv":
        return p.with_name(p.stem + SIDECAR_SUFFIX)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def sidecar_text(csv_name: str, csv_text: str, stamp: Mapping[str, Any]) -> str:
    """The sidecar JSON: which CSV it describes (name, SHA-256 of its bytes, data rows)
    and the stamp, as data and as the lines a page shows.

    >>> doc = json.loads(sidecar_text("m.csv", 'id\\n"x\\ny"\\n', make_stamp()))
    >>> doc["describes"]["file"], doc["describes"]["rows"], len(doc["describes"]["sha256"])
    ('m.csv', 1, 64)
    >>> doc = json.loads(sidecar_text("c.json", '[{"id": 1}, {"id": 2}]', make_stamp()))
    >>> doc["describes"]["rows"]
    2
    """
    data = csv_text.encode("utf-8")
    if csv_name.lower().endswith(".json"):
        # A JSON export (a list of records, or one document) is stamped the same way.
        try:
            parsed = json.loads(csv_text) if csv_text.strip() else []
        except ValueError:
            parsed = None
        rows = len(parsed) if isinstance(parsed, list) else 1
    else:
        # Records, not lines: a quoted cell may hold a newline.
        rows = max(sum(1 for _ in csv.reader(io.StringIO(csv_text, newline=""))) - 1, 0)
    doc = {"kind": _SIDECAR_KIND,
           "describes": {"file": csv_name, "sha256": hashlib.sha256(data).hexdigest(),
                         "bytes": len(data), "rows": rows},
           "provenance": dict(stamp), "stamp": stamp_lines(stamp)}
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n"


def write_sidecar(csv_path: str | Path, csv_text: str, stamp: Mapping[str, Any], *,
                  check_only: bool = False) -> Path:
    """Write the stamp beside a CSV a user named (``--out``); an existing file there is
    replaced only when it is a graphinv sidecar (never a file graphinv did not write).
    ``check_only`` refuses before anything is written, without writing."""
    from graphinv.util.tabular import write_text_atomic

    target = sidecar_path(csv_path)
    if target.exists() or target.is_symlink():
        try:
            ours = json.loads(target.read_text(encoding="utf-8")).get("kind") == _SIDECAR_KIND
        except (OSError, ValueError, AttributeError):
            ours = False
        if not ours or target.is_symlink() or not target.is_file():
            raise OutputError("the provenance file beside the CSV exists and graphinv did "
                              "not write it", value=str(target),
                              hint="move it away or choose another --out name")
    if check_only:
        return target
    return write_text_atomic(target, sidecar_text(Path(csv_path).name, csv_text, stamp))

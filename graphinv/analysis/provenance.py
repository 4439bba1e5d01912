"""The input files behind the graph: every recorded ingest run's files with their
sha256 and rows, for the provenance stamp of pages, exports and dossiers.

Rows are per file when a run read one file; a run over several files records only
its total, given as ``run_rows`` (never shared out as a guess).

>>> _files_of("run-1", '[{"path": "in/a.csv", "sha256": "ff"}]', '{"read": 12}')
[{'file': 'a.csv', 'path': 'in/a.csv', 'sha256': 'ff', 'rows': 12, 'run': 'run-1'}]
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

from graphinv.store.base import Store

__all__ = ["ingest_inputs"]


def _load(value: Any, default: Any) -> Any:
    if not isinstance(value, str):
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def _files_of(run: str, files: Any, counts: Any) -> list[dict[str, Any]]:
    listed = [f for f in _load(files, []) if isinstance(f, dict)]
    read = _load(counts, {}).get("read")
    out = []
    for f in listed:
        path = str(f.get("path") or "")
        row: dict[str, Any] = {"file": PurePath(path).name or path, "path": path,
                               "sha256": f.get("sha256"),
                               "rows": read if len(listed) == 1 else None, "run": run}
        if len(listed) > 1:
            row["run_rows"] = read
        out.append(row)
    return out


def ingest_inputs(store: Store) -> list[dict[str, Any]]:
    """Every input file of every recorded ingest run, oldest run first."""
    rows = list(store.stream_nodes("IngestRun", ["started", "files", "counts"]))
    out: list[dict[str, Any]] = []
    for key, _started, files, counts in sorted(rows, key=lambda r: (str(r[1]), str(r[0]))):
        out += _files_of(str(key), files, counts)
    return out

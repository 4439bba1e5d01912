"""The input files behind the graph: every recorded ingest run's files with their
sha256 and rows, for the provenance stamp of pages, exports and dossiers.

Rows are per file when a run read one file; a run over several files records only
its total, given as ``run_rows`` (never shared out as a guess).

Each file says its role, ``records`` or ``flags`` (a flags file of the run's
``--flags``, given as a file or a folder), and the run's ``source`` name: flags create
no node and no evidence, so a cluster finds the flags files behind its flags by the
``source`` its flag records carry (the file name, or the run's ``--source``).

>>> _files_of("run-1", '[{"path": "in/a.csv", "sha256": "ff"}]', '{"read": 12}')
[{'file': 'a.csv', 'path': 'in/a.csv', 'sha256': 'ff', 'rows': 12, 'run': 'run-1', \
'role': 'records', 'source': None}]
>>> [f["role"] for f in _files_of("r", '[{"path": "a.csv"}, {"path": "fl/t.csv"}]', "{}",
...                               '{"flags": ["fl"]}', "case-7")]
['records', 'flags']
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


def _is_flags(path: str, given: list[str]) -> bool:
    """``path`` is one of the run's ``--flags`` files, or inside a ``--flags`` folder."""
    p = PurePath(path)
    return any(p == PurePath(g) or PurePath(g) in p.parents for g in given if g)


def _files_of(run: str, files: Any, counts: Any, settings: Any = None,
              source: Any = None) -> list[dict[str, Any]]:
    listed = [f for f in _load(files, []) if isinstance(f, dict)]
    read = (_load(counts, {}) or {}).get("read")
    flags = (_load(settings, {}) or {}).get("flags") or []
    flags = [str(x) for x in flags] if isinstance(flags, list) else []
    out = []
    for f in listed:
        path = str(f.get("path") or "")
        row: dict[str, Any] = {"file": PurePath(path).name or path, "path": path,
                               "sha256": f.get("sha256"),
                               "rows": read if len(listed) == 1 else None, "run": run,
                               "role": "flags" if _is_flags(path, flags) else "records",
                               "source": str(source) if source else None}
        if len(listed) > 1:
            row["run_rows"] = read
        out.append(row)
    return out


def ingest_inputs(store: Store) -> list[dict[str, Any]]:
    """Every input file of every recorded ingest run, oldest run first."""
    rows = list(store.stream_nodes("IngestRun", ["started", "files", "counts", "settings",
                                                 "source"]))
    out: list[dict[str, Any]] = []
    for key, _started, files, counts, settings, source in sorted(
            rows, key=lambda r: (str(r[1]), str(r[0]))):
        out += _files_of(str(key), files, counts, settings, source)
    return out

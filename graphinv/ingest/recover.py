"""After ``graphinv repair``: which ingest runs the store lost and must be rerun.

Every ingest leaves a checkpoint ``<data-dir>/runs/<run>.json`` (files, status) and an
``IngestRun`` node in the store. A repaired embedded store is back at its last
checkpoint, so a run whose node is missing or not complete there lost writes. Its
checkpoint is marked ``interrupted`` so that rerunning the same command resumes it under
the same run id (ingest is idempotent: what survived is not duplicated).

>>> import tempfile, pathlib
>>> from graphinv.config import StoreConfig
>>> from graphinv.store import open_store
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "runs").mkdir()
>>> _ = (d / "runs" / "r1.json").write_text('{"run_id": "r1", "status": "complete", '
...                                         '"files": ["a.csv"], "flags": []}')
>>> with open_store(StoreConfig.from_values(data_dir=d)) as st:
...     [(r.run_id, r.was, r.in_store) for r in runs_to_rerun(st, d)]
[('r1', 'complete', 'missing')]
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphinv.store.base import Store

__all__ = ["RerunRun", "runs_to_rerun"]


@dataclass
class RerunRun:
    """An ingest run to rerun: its checkpoint said ``was``, the store ``in_store``."""

    run_id: str
    started: str
    was: str
    in_store: str
    files: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def runs_to_rerun(store: Store, data_dir: Path) -> list[RerunRun]:
    """Ingest runs of ``data_dir`` the store does not hold as complete, oldest first;
    their checkpoints are marked ``interrupted`` (so a rerun resumes them)."""
    from graphinv.util.tabular import write_text_atomic

    runs_dir = data_dir / "runs"
    if not runs_dir.is_dir():
        return []
    res = store.run_read("MATCH (r:IngestRun) RETURN r.key, r.status")
    stored = {str(k): str(s or "") for k, s in res.rows}
    out = []
    for p in sorted(runs_dir.glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        run_id = str(data.get("run_id") or p.stem)
        was = str(data.get("status") or "unknown")
        have = stored.get(run_id, "missing")
        if was == "complete" and have == "complete":
            continue
        out.append(RerunRun(run_id=run_id, started=str(data.get("started") or ""), was=was,
                            in_store=have, files=list(data.get("files") or []),
                            flags=list(data.get("flags") or [])))
        if was != "interrupted":
            data["status"] = "interrupted"
            data["repaired"] = True
            write_text_atomic(p, json.dumps(data, indent=1))
    return out

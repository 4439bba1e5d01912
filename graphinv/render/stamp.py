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
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from graphinv.render.safe import line

__all__ = ["make_stamp", "stamp_lines"]


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
    return out

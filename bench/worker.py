"""Child-process entry point: ``python -m bench.worker TASK.json RESULT.json``.

Runs one task (see :data:`TASKS`), then writes its result with the child's peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.machine import peak_rss_mb

__all__ = ["TASKS", "main"]


def _tasks() -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    from bench import clusters, ingest, queries, view

    return {
        "prenormalize": ingest.prenormalize_task,
        "ingest": ingest.ingest_task,
        "ingest-bulk": ingest.ingest_bulk_task,
        "ingest-baseline-neo4j": ingest.neo4j_baseline_task,
        "ingest-baseline-embedded": ingest.embedded_baseline_task,
        "clusters": clusters.clusters_task,
        "clusters-baseline": clusters.baseline_task,
        "queries": queries.queries_task,
        "view": view.view_task,
    }


#: Task kinds, resolved lazily (each imports only what it needs).
TASKS = ("prenormalize", "ingest", "ingest-bulk", "ingest-baseline-neo4j",
         "ingest-baseline-embedded", "clusters", "clusters-baseline", "queries", "view")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    task_path, result_path = Path(args[0]), Path(args[1])
    task = json.loads(task_path.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    try:
        result = _tasks()[task["kind"]](task)
        result.setdefault("status", "ok")
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which goes on
        result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:2000],
                  "traceback": traceback.format_exc()[-4000:]}
    result["child_wall_s"] = round(time.perf_counter() - t0, 3)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)  # this process's CPU only
    result["peak_rss_mb"] = peak_rss_mb()
    # Ingest reads big files in a worker process (graphinv.ingest.worker): its CPU and
    # peak memory are reported apart (the two run at the same time).
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["children_cpu_s"] = round(kids.ru_utime + kids.ru_stime, 3)
    result["children_peak_rss_mb"] = round(kids.ru_maxrss / 1024, 1)
    result_path.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

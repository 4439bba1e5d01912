"""graphinv benchmarks: ingest, clusters, view and saved queries, each next to a baseline.

Run ``python -m bench --help``. Every stage runs in its own subprocess (so its peak RSS
is its own), data comes from the seeded examples generator (cached under
``bench/.cache/``), and results go to ``bench/results/`` as JSON plus a markdown table
(the markdown is what BENCHMARKS.md quotes).

Modules: :mod:`bench.sizes` (size labels), :mod:`bench.data` (data sets),
:mod:`bench.prenorm` (pre-normalized rows for the baselines), :mod:`bench.stores`
(stores and the Neo4j server),
:mod:`bench.ingest`, :mod:`bench.clusters`, :mod:`bench.queries`, :mod:`bench.view`
(the stages), :mod:`bench.child` (subprocess runner), :mod:`bench.worker` (the child's
entry point), :mod:`bench.machine` (machine facts), :mod:`bench.report` (markdown),
:mod:`bench.cli` (the command line).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BENCH_DIR", "CACHE_DIR", "RESULTS_DIR", "STAGES", "STORES"]

#: The ``bench/`` folder.
BENCH_DIR = Path(__file__).resolve().parent
#: Generated data, pre-normalized rows, embedded stores and the Neo4j home (gitignored).
CACHE_DIR = BENCH_DIR / ".cache"
#: Default output folder for JSON and markdown results (gitignored).
RESULTS_DIR = BENCH_DIR / "results"
#: Stage names accepted by ``--stages``, in the order they run.
STAGES = ("ingest", "clusters", "view", "queries")
#: Store names accepted by ``--store``.
STORES = ("embedded", "neo4j")

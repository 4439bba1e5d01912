"""Analysis: project the store into integer arrays, weigh the evidence, find the
gangs (components, then Louvain where needed), score risk, keep cluster ids
stable across runs, explain links and evaluate against ground truth.

Entry point: :func:`graphinv.analysis.pipeline.run_clusters`. Imports here are
lazy so ``graphinv --help`` stays instant.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_clusters", "last_run_results", "ClusterOptions", "ClusterResult",
           "cluster_graph", "overview"]


def __getattr__(name: str) -> Any:
    if name in ("run_clusters", "last_run_results", "ClusterOptions", "ClusterResult"):
        from graphinv.analysis import pipeline

        return getattr(pipeline, name)
    if name in ("cluster_graph", "overview"):
        from graphinv.analysis import report

        return getattr(report, name)
    raise AttributeError(name)

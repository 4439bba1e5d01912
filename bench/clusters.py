"""Projection + clusters stage: ``run_clusters`` per stage, and a plain networkx baseline.

graphinv: :func:`graphinv.analysis.pipeline.run_clusters` with default options (write-back
on, as ``graphinv clusters`` does); ``ClusterResult.timings`` gives the stages.

Baseline: stream the same shop/seller–identifier relationships from the store, build one
``networkx.Graph`` of them and run ``connected_components`` — the obvious way to find
linked sellers without graphinv. Its time (streaming + building + components) is
compared with graphinv's projection + components, and with graphinv's whole run.
"""

from __future__ import annotations

import time
from typing import Any

from bench.stores import open_bench_store

__all__ = ["clusters_task", "baseline_task"]


def clusters_task(task: dict[str, Any]) -> dict[str, Any]:
    """One ``run_clusters`` on the store; stage timings and the run's stats."""
    from graphinv.analysis.pipeline import ClusterOptions, run_clusters

    with open_bench_store(task) as st:
        st.wait_for_indexes()  # untimed: as a database that has been open a while
        t0 = time.perf_counter()
        res = run_clusters(st, ClusterOptions())
        total = time.perf_counter() - t0
    sizes = sorted((c["shops"] for c in res.clusters), reverse=True)
    return {"seconds": {**res.timings, "total": round(total, 3)}, "stats": res.stats,
            "largest_clusters": sizes[:5], "engine": res.engine}


def baseline_task(task: dict[str, Any]) -> dict[str, Any]:
    """networkx ``connected_components`` over the streamed link graph."""
    import networkx as nx

    from graphinv.analysis.projection import LINK_RELS

    with open_bench_store(task) as st:
        t0 = time.perf_counter()
        g = nx.Graph()
        for rel in LINK_RELS:
            g.add_edges_from((f"{sl}:{sk}", f"{dl}:{dk}")
                             for sl, sk, dl, dk in st.stream_rels(rel))
        t1 = time.perf_counter()
        comps = list(nx.connected_components(g))
        t2 = time.perf_counter()
    return {"seconds": {"build": round(t1 - t0, 3), "components": round(t2 - t1, 3),
                        "total": round(t2 - t0, 3)},
            "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
            "components": len(comps), "largest_component": max(map(len, comps), default=0)}

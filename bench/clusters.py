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
from pathlib import Path
from typing import Any

from bench.stores import open_bench_store

__all__ = ["clusters_task", "baseline_task", "quality"]


def clusters_task(task: dict[str, Any]) -> dict[str, Any]:
    """One ``run_clusters`` on the store; stage timings and the run's stats."""
    from graphinv.analysis.pipeline import ClusterOptions, run_clusters

    with open_bench_store(task) as st:
        st.wait_for_indexes()  # untimed: as a database that has been open a while
        t0 = time.perf_counter()
        res = run_clusters(st, ClusterOptions())
        total = time.perf_counter() - t0
    sizes = sorted((c["shops"] for c in res.clusters), reverse=True)
    out = {"seconds": {**res.timings, "total": round(total, 3)}, "stats": res.stats,
           "largest_clusters": sizes[:5], "engine": res.engine}
    if task.get("truth"):  # after the clock: quality is not part of the time
        out["quality"] = quality(res.members, Path(task["truth"]))
    return out


def quality(members: list[dict[str, Any]], truth_path: Path) -> dict[str, Any]:
    """F1, ARI, the purity of the 10 largest clusters and the impure clusters of a run,
    against a generator truth (shop_id, platform, gang_id); shops outside any cluster
    (or group) are on their own. See tests/test_bench_smoke.py for an example.
    """
    from graphinv.analysis.evaluate import evaluate_labels, read_truth

    truth = {(r.shop_id, r.platform): r.group for r in read_truth(truth_path)}
    predicted = {(m["shop_id"], m["platform"]): m["cluster_id"] for m in members}
    ev = evaluate_labels(truth, predicted)  # type: ignore[arg-type]
    by_cluster: dict[str, list[str]] = {}
    for key, cid in predicted.items():
        if key in truth:  # planted bad rows are not in the truth
            by_cluster.setdefault(cid, []).append(truth[key] or "legit")
    ranked = sorted(by_cluster.values(), key=len, reverse=True)
    purity = [round(max(map(labels.count, set(labels))) / len(labels), 4)
              for labels in ranked[:10]]
    impure = sum(1 for labels in ranked if len(set(labels)) > 1 or "legit" in labels)
    return {"precision": ev.precision, "recall": ev.recall, "f1": ev.f1, "ari": ev.ari,
            "largest": len(ranked[0]) if ranked else 0, "purity_top10": purity,
            "impure": impure, "clusters": len(ranked),
            "groups_recovered": ev.groups_recovered, "truth_groups": ev.truth_groups}


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

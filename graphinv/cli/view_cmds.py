"""``graphinv view``: the offline HTML network view of the clusters in the store."""

from __future__ import annotations

import dataclasses
import json
import webbrowser
from pathlib import Path
from typing import Annotated, Any

import typer

from graphinv.cli.common import app, handle_errors, open_configured_store, out_console
from graphinv.errors import GraphinvError, InputError, UsageError

__all__ = ["view", "results_from_store", "results_from_file"]

Site = tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]]]


def _options_from(params: dict[str, Any]) -> Any:
    """ClusterOptions of the recorded run (unknown or stale keys ignored)."""
    from graphinv.analysis.pipeline import ClusterOptions

    kw: dict[str, Any] = {}
    for f in dataclasses.fields(ClusterOptions):
        if f.name not in params or f.name in ("write", "details"):
            continue
        value = params[f.name]
        if f.name == "hubs_file":
            value = Path(value) if value and Path(value).exists() else None
        elif isinstance(value, dict):
            default = getattr(ClusterOptions(), f.name)
            try:
                value = type(default)(**{k: v for k, v in value.items()
                                         if k in {x.name for x in dataclasses.fields(default)}})
            except TypeError:
                continue
        kw[f.name] = value
    return ClusterOptions(**{**kw, "write": False, "details": True})


def results_from_store(store: Any) -> Site:
    """Reports, cluster graphs and ties of the latest clustering run in ``store``.

    The run's parameters are read from its ``ClusterRun`` record, the graphs are
    recomputed read-only (nothing is written) and the cluster ids mapped onto
    the recorded ones.
    """
    from graphinv.analysis import history
    from graphinv.analysis.pipeline import run_clusters
    from graphinv.schema import split_node_id

    previous = history.load_previous(store)
    if previous is None:
        raise GraphinvError("no clustering run in the store", value=store.location,
                            hint="run `graphinv clusters` first")
    result = run_clusters(store, _options_from(previous.params))
    shops: dict[str, list[str]] = {r["cluster_id"]: [] for r in result.clusters}
    for m in result.members:
        shops.setdefault(m["cluster_id"], []).append(split_node_id(m["id"])[1])
    order = [r["cluster_id"] for r in result.clusters]
    ids, _events = history.assign_ids([shops[c] for c in order], previous.clusters,
                                      previous.next_id)
    rename = dict(zip(order, ids, strict=True))
    for r in result.clusters:
        r["cluster_id"] = rename[r["cluster_id"]]
    graphs = {rename.get(cid, cid): g for cid, g in (result.graphs or {}).items()}
    ties = [dict(t, source=rename.get(t["source"], t["source"]),
                 target=rename.get(t["target"], t["target"])) for t in result.ties]
    return result.clusters, graphs, ties


def results_from_file(path: Path) -> Site:
    """A site from a JSON file ``{"reports": [...], "graphs": {...}, "overview_edges": [...]}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise InputError("cannot read the cluster results file", value=str(path),
                         hint=f"give a JSON file with reports, graphs, overview_edges ({why})"
                         ) from None
    shape = '{"reports": [{...}], "graphs": {"ID": {"nodes": [{...}], "edges": [{...}]}}, ' \
        '"overview_edges": [{...}]}'
    if not isinstance(data, dict):
        raise InputError("not a cluster results file", value=f"{path}: a JSON "
                         f"{type(data).__name__}", hint=f"expected {shape}")
    reports = data.get("reports") or []
    graphs = data.get("graphs") or {}
    ties = data.get("overview_edges") or []
    problem = _shape_problem(reports, graphs, ties)
    if problem:
        raise InputError("not a cluster results file", value=f"{path}: {problem}",
                         hint=f"expected {shape}")
    return list(reports), graphs, ties


def _shape_problem(reports: Any, graphs: Any, ties: Any) -> str | None:
    """What is wrong with the shape of a results file (the renderer trusts it)."""
    if not isinstance(reports, list) or not all(isinstance(r, dict) for r in reports):
        return '"reports" must be a list of objects'
    if not isinstance(ties, list) or not all(isinstance(t, dict) for t in ties):
        return '"overview_edges" must be a list of objects'
    if not isinstance(graphs, dict):
        return '"graphs" must map cluster ids to graphs'
    for cid, g in graphs.items():
        if not isinstance(g, dict):
            return f"graph {cid[:80]!r} is not an object"
        for part in ("nodes", "edges"):
            items = g.get(part) or []
            if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
                return f'"{part}" of graph {cid[:80]!r} must be a list of objects'
    return None


@app.command()
def view(
    ctx: typer.Context,
    cluster: Annotated[list[str] | None, typer.Option(
        "--cluster", "-c", help="Write the page of this cluster; repeatable "
        "(default: the --top highest-risk clusters).")] = None,
    out: Annotated[Path, typer.Option(
        "--out", "-o", help="Directory for index.html, cluster pages and exports.",
    )] = Path("graphinv-view"),
    open_page: Annotated[bool, typer.Option(
        "--open", help="Open the index page in the default browser.")] = False,
    max_nodes: Annotated[int, typer.Option(
        "--max-nodes", min=0, help="Above this many nodes, collapse hubs and group leaf "
        "identifiers; 0 draws everything.")] = 1500,
    top: Annotated[int, typer.Option(
        "--top", min=0, help="Without --cluster: pages for this many highest-risk "
        "clusters (0 = all). The index always lists every cluster.")] = 100,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="Render cluster results from this JSON file instead of the store "
        '({"reports", "graphs", "overview_edges"}).')] = None,
) -> None:
    """Write the offline HTML view: an index of every cluster and one page per cluster.

    Pages work without network access (everything inlined), show names as text
    whatever they contain, and come with JSON, GraphML, GEXF and CSV exports.

    Example: graphinv view --cluster G-0001 --out gang --open
    """
    from graphinv.render.html import write_site
    from graphinv.render.outdir import check_output_dir, publish

    with handle_errors():
        check_output_dir(out, "view")  # before any work: refuses /, $HOME, a user's folder
        if input_file is not None:
            reports, graphs, ties = results_from_file(input_file)
        else:
            with open_configured_store(ctx, read_only=True) as store:
                reports, graphs, ties = results_from_store(store)
        known = [str(r.get("cluster_id")) for r in reports] + [str(c) for c in graphs]
        if cluster:
            from graphinv.querylib.entities import cluster_id

            cluster = [cluster_id(c) for c in cluster]  # ids are case-insensitive
            missing = [c for c in cluster if c not in graphs]
            if missing:
                raise UsageError("no such cluster", value=", ".join(missing),
                                 hint="known: " + (", ".join(list(dict.fromkeys(known))[:10])
                                                   or "none — run `graphinv clusters`"))
            wanted = list(dict.fromkeys(cluster))
        else:
            order = [c for c in dict.fromkeys(known) if c in graphs]
            wanted = order if top == 0 else order[:top]
        chosen = {c: graphs[c] for c in wanted}
        index = publish(out, "view", lambda stage: write_site(reports, chosen, ties, stage,
                                                               max_nodes=max_nodes))
    left = len(set(graphs) - set(wanted))
    out_console.print(f"Wrote {len(wanted)} cluster page(s) with exports"
                      + (f" ({left} more clusters listed on the index; use --cluster or "
                         "--top 0 for their pages)" if left else "") + ".")
    out_console.print(f"Open {index}")
    if open_page:
        webbrowser.open(index.resolve().as_uri())

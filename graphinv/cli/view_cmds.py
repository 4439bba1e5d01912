"""``graphinv view``: the offline HTML network view of the clusters in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from graphinv.cli.common import (
    app,
    handle_errors,
    open_configured_store,
    open_in_browser,
    out_console,
    store_stamp,
)
from graphinv.render.reduce import DEFAULT_MAX_NODES

__all__ = ["view"]


@app.command()
def view(
    ctx: typer.Context,
    cluster: Annotated[list[str] | None, typer.Option(
        "--cluster", "-c", help="Write the page of this cluster; repeatable "
        "(default: the --limit highest-risk clusters).")] = None,
    out: Annotated[Path, typer.Option(
        "--out-dir", help="Directory for index.html, cluster pages and exports.",
    )] = Path("graphinv-view"),
    out_old: Annotated[Path | None, typer.Option(
        "--out", "-o", hidden=True, help="Old name of --out-dir.")] = None,
    open_page: Annotated[bool, typer.Option(
        "--open", help="Open the index page in the default browser.")] = False,
    max_nodes: Annotated[int, typer.Option(
        "--max-nodes", min=0, help="Above this many nodes, collapse hubs and group leaf "
        "identifiers; 0 draws everything.")] = DEFAULT_MAX_NODES,
    top: Annotated[int, typer.Option(
        "--limit", min=0, help="Without --cluster: pages for this many highest-risk "
        "clusters (0 = all). The index always lists every cluster.")] = 100,
    top_old: Annotated[int | None, typer.Option(
        "--top", min=0, hidden=True, help="Old name of --limit.")] = None,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="Render cluster results from this JSON file instead of the store "
        '({"reports", "graphs", "overview_edges"}).')] = None,
) -> None:
    """Write the offline HTML view of the last `graphinv clusters` run: an index of
    every cluster and one page per cluster (the run's cluster ids and members).

    Pages work without network access (scripts and style in OUT/assets, shared by the
    pages: move the whole folder, not single pages), show names as text
    whatever they contain, and come with JSON, GraphML, GEXF and CSV exports.

    Example: graphinv view --cluster G-0001 --out-dir gang --open
    """
    out = out_old or out  # --out/-o: the old name, kept working for scripts
    top = top_old if top_old is not None else top
    from graphinv.render.outdir import check_output_dir
    from graphinv.render.view import ViewSite, read_site_file, write_view

    with handle_errors():
        check_output_dir(out, "view")  # before any work: refuses /, $HOME, a user's folder
        if input_file is not None:
            site = read_site_file(input_file)
        else:
            from graphinv.analysis.pipeline import last_run_results

            with open_configured_store(ctx, read_only=True) as store:
                result = last_run_results(store)
                stamp = store_stamp(store, result)
            site = ViewSite(result.clusters, result.graphs or {}, result.ties, stamp)
        if cluster:
            from graphinv.querylib.entities import cluster_id

            cluster = [cluster_id(c) for c in cluster]  # ids are case-insensitive
        written = write_view(site, out, wanted=cluster, top=top, max_nodes=max_nodes)
    left = written.left
    out_console.print(f"Wrote {len(written.pages)} cluster page(s) with exports"
                      + (f" ({left} more clusters listed on the index; use --cluster or "
                         "--limit 0 for their pages)" if left else "") + ".")
    out_console.print(f"Open {written.index}")
    if open_page:
        open_in_browser(written.index)


@app.command("report")
def report(
    ctx: typer.Context,
    cluster: Annotated[str, typer.Argument(help="Cluster id of the last `graphinv clusters` "
                                           "run, e.g. G-0001.")],
    out: Annotated[Path | None, typer.Option(
        "--out-dir", help="Directory for the dossier (default: "
        "graphinv-report-CLUSTER).")] = None,
    out_old: Annotated[Path | None, typer.Option(
        "--out", "-o", hidden=True, help="Another name of --out-dir.")] = None,
    pdf: Annotated[bool, typer.Option(
        "--pdf", help="Also print it to PDF through headless Chromium.")] = False,
) -> None:
    """Write the case dossier of one cluster: a printable, self-contained HTML file
    (summary with risk and why, a picture of the graph, every shop, every link with its
    evidence as written, the input files with their SHA-256 — chain of custody — and a
    timeline), and with --pdf a PDF of it.

    Example: graphinv report G-0001 --out-dir case-G-0001 --pdf
    """
    from graphinv.analysis.pipeline import last_run_results
    from graphinv.querylib.entities import cluster_id
    from graphinv.render.dossier import write_dossier
    from graphinv.render.outdir import check_output_dir, publish
    from graphinv.render.safe import safe_filename
    from graphinv.render.stamp import cluster_stamp

    out = out or out_old  # --out/-o: as the issue names it, like `view`
    cid = cluster_id(cluster)
    stem = safe_filename(cid)
    out = out or Path(f"graphinv-report-{stem}")
    with handle_errors():
        check_output_dir(out, "report")  # before any work: refuses /, $HOME, a user's folder
        with open_configured_store(ctx, read_only=True) as store:
            result = last_run_results(store)
            rep = result.cluster(cid)
            stamp = store_stamp(store, result)
        graph = dict((result.graphs or {}).get(cid) or {})
        graph["report"] = rep
        stamp = cluster_stamp(stamp, graph)  # the ingest runs behind this cluster only
        reasons = _dossier_reasons(rep, result.params)
        written = publish(out, "report", lambda stage: write_dossier(
            graph, stage, stem, provenance=stamp, reasons=reasons, pdf=pdf))
    out_console.print(f"Wrote the dossier of cluster {cid}: {out / written.html.name}"
                      + (f" and {out / written.pdf.name}" if written.pdf else ""))


def _dossier_reasons(rep: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """The cluster's gang-likeness reasons, then the analyst decisions on its shops
    ("linked by analyst decision on ..."), one line each."""
    from graphinv.analysis.decisions import from_params
    from graphinv.render.model import prepare_report

    out: list[str] = list(prepare_report(rep)["reasons"])
    members = set(rep.get("members") or [])
    for d in from_params(params):
        if d.decision in ("same", "not-same") and {d.a, d.b} & members:
            how = "linked" if d.decision == "same" else "kept apart"
            out.append(f"{d.a} and {d.b} {how} by {d.provenance}")
    return out

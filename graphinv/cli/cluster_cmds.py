"""Cluster commands: clusters (+ history, hubs), explain, evaluate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from graphinv.cli.common import (
    FormatOption,
    OutputFormat,
    app,
    check_csv_out,
    emit_table,
    err_console,
    fail,
    handle_errors,
    open_configured_store,
    out_console,
    store_stamp,
    write_csv_file,
)
from graphinv.config import DEFAULT_ENGINE, DEFAULT_SEED

clusters_app = typer.Typer(
    name="clusters",
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(clusters_app)


@contextmanager
def _progress() -> Iterator[Callable[[str, str], None]]:
    """Stage spinners on stderr (only on a terminal)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True,
                  disable=not err_console.is_terminal) as prog:
        tasks: dict[str, Any] = {}

        def report(stage: str, state: str) -> None:
            if state == "start":
                tasks[stage] = prog.add_task(stage, total=1)
            elif stage in tasks:
                prog.update(tasks[stage], completed=1, visible=False)

        yield report


@clusters_app.callback(invoke_without_command=True)
def clusters(
    ctx: typer.Context,
    min_shops: Annotated[int, typer.Option(
        "--min-shops", min=2, help="Report clusters with at least this many shops.")] = 2,
    min_platforms: Annotated[int, typer.Option(
        "--min-platforms", min=1, help="... on at least this many platforms.")] = 1,
    min_countries: Annotated[int, typer.Option(
        "--min-countries", min=0, help="... in at least this many known countries (0: "
        "also clusters whose shops have no country).")] = 0,
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of community detection (same seed, same clusters).")
    ] = DEFAULT_SEED,
    engine: Annotated[str, typer.Option(
        "--engine", help="Clustering engine, by registered name (recorded with the run; "
        "`graphinv view` ranks with it too).")] = DEFAULT_ENGINE,
    hubs: Annotated[Path | None, typer.Option(
        "--hubs", help="Known hubs, one per line: node id ('PaymentAccount:payoneer:123'), "
        "'Kind: raw value' or a raw value.")] = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the listing to this file instead of stdout.")] = None,
    members: Annotated[Path | None, typer.Option(
        "--members", help="Write one CSV row per clustered shop: shop_id, platform, "
        "cluster_id, risk.")] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write the offline HTML view into this directory.")] = None,
    limit: Annotated[int, typer.Option(
        "--limit", min=0, help="Show at most this many clusters, and changes since the "
        "previous run, in the table (0 = all).")] = 50,
    wide: Annotated[bool, typer.Option(
        "--wide", help="Every column (sellers, payment, suppliers, reappeared, leads, key "
        "entities, top identifiers); needs about 200 columns.")] = False,
    leads: Annotated[bool, typer.Option(
        "--leads", help="List only the clusters with no flagged shop, most gang-like first, "
        "with the reasons (leads: gangs not caught yet).")] = False,
    decisions: Annotated[Path | None, typer.Option(
        "--decisions", help="CSV of analyst decisions (decision,a,b,who,when,why: same, "
        "not-same, hub, not-hub, not-a-gang, confirmed) to import into the store (see "
        "`graphinv decide`); kept for later runs.")] = None,
) -> None:
    """Find gangs: shops tied by shared identifiers, hubs down-weighted, risk-ranked.

    Writes cluster_id, risk, hub and hub_reason back to the store and records the
    run, so cluster ids stay stable across runs (see `graphinv clusters history`).
    The table is compact (fits 80 columns); details: --wide, `graphinv clusters show
    ID` or --format json.

    Example: graphinv clusters --min-platforms 2 --members members.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    from graphinv.analysis import report
    from graphinv.analysis.engine import EngineOptions, get_engine
    from graphinv.analysis.pipeline import ClusterOptions, run_clusters
    from graphinv.util.tabular import to_csv

    if hubs is not None and not hubs.is_file():
        raise fail(f"hubs file not found — {hubs} — give a text file, one hub per line", 2)
    if decisions is not None and not decisions.is_file():
        raise fail(f"decisions file not found — {decisions} — give a CSV with "
                   "decision,a,b,who,when,why", 2)
    opts = ClusterOptions(decisions_file=decisions, min_shops=min_shops,
                          min_platforms=min_platforms,
                          min_countries=min_countries, engine=EngineOptions(seed=seed),
                          engine_name=engine, hubs_file=hubs, details=html is not None)
    with handle_errors():
        get_engine(engine)  # an unknown name is a usage error before the store opens
        check_csv_out(members)  # a provenance file graphinv did not write: before the run
        check_csv_out(out, fmt)
        if html is not None:
            from graphinv.render.outdir import check_output_dir

            check_output_dir(html, "view")  # before the run, not after it
        with open_configured_store(ctx) as store, _progress() as progress:
            result = run_clusters(store, opts, progress=progress)
            stamp = store_stamp(store, result)  # beside the CSV files, on the pages
        for d in result.decisions.get("unmatched", []):
            err_console.print(f"Warning: analyst decision names nothing in this run: "
                              f"{d['decision']} {d['a']} {d['b'] or ''}".rstrip(), markup=False)
        for d in result.decisions.get("conflicts", []):
            err_console.print(f"Warning: analyst decision not applied, it would join entities "
                              f"decided not-same: {d['decision']} {d['a']} {d['b']}",
                              markup=False)
        if decisions is not None:
            new = result.decisions.get("imported", [])
            had = result.decisions.get("already", [])
            err_console.print(f"Decisions file {decisions}: {len(new)} decision(s) stored"
                              + (f", {len(had)} already in the store" if had else "")
                              + (f" ({sum(1 for d in had if d['revoked'])} of them revoked, "
                                 "not applied)" if any(d["revoked"] for d in had) else "")
                              + ".", markup=False)
        for line in result.unmatched_hubs:
            err_console.print(f"Warning: hubs file entry matches nothing in the store: {line}",
                              markup=False)
        if members is not None:
            write_csv_file(members, to_csv(["shop_id", "platform", "cluster_id", "risk"],
                                           report.member_rows(result)), stamp)
        if html is not None:
            from graphinv.render import write_site
            from graphinv.render.outdir import publish

            site = publish(html, "view", lambda stage: write_site(result, stage,
                                                                  provenance=stamp))
            err_console.print(f"HTML view written to {site}", markup=False)
        cols = report.report_columns()
        if leads:
            rows = report.lead_rows(result.clusters)
            emit_table(report.LEAD_COLUMNS, [r[1] for r in rows], fmt, out=out,
                       title="Leads: unflagged clusters, most gang-like first",
                       json_data=[r[0] for r in rows], stamp=stamp)
        elif fmt is OutputFormat.table and out is None:
            _print_clusters(result, limit, wide=wide)
        else:
            emit_table(cols, report.report_rows(result.clusters), fmt, out=out,
                       json_data=result.clusters, stamp=stamp)
        if out is not None:
            err_console.print(f"{len(result.clusters)} clusters written to {out}", markup=False)
        timing = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
        err_console.print(f"{result.stats.get('clusters', 0)} clusters, "
                          f"{result.stats.get('clustered_shops', 0)} of "
                          f"{result.stats.get('shops', 0)} shops, {len(result.hubs)} hubs "
                          f"down-weighted, {len(result.leads)} leads ({timing})", markup=False)


def _print_clusters(result: Any, limit: int, *, wide: bool = False) -> None:
    from graphinv.analysis import report

    shown = result.clusters[:limit] if limit else result.clusters
    if not result.clusters:
        out_console.print(f"No clusters found among {result.stats.get('shops', 0)} shops "
                          f"({len(result.hubs)} hubs ignored).", markup=False)
    else:
        title = "Clusters, most gang-like first (gang: flag risk included)"
        if len(shown) < len(result.clusters):
            title += f" (first {len(shown)} of {len(result.clusters)}; --limit 0 for all)"
        if wide:
            cols = ["cluster", "shops", "sellers", "platforms", "countries", "payment",
                    "suppliers", "flagged", "risk", "gang", "reappeared", "leads",
                    "key entities", "top identifiers (shops)"]
            emit_table(cols, report.report_rows(shown, for_table=True), OutputFormat.table,
                       title=title)
        else:
            _compact_table(shown, title)
            out_console.print("Details: graphinv clusters show ID, or --wide.", markup=False)
    if result.hubs:
        hubs = result.hubs[:limit] if limit else result.hubs
        title = "Hubs"
        if len(hubs) < len(result.hubs):
            title += (f" (first {len(hubs)} of {len(result.hubs)}; --limit 0 or "
                      "`graphinv clusters hubs` for all)")
        if wide:
            rows = [[h["id"], h["kind"], h["shops"], h["reason"]] for h in hubs]
            emit_table(["hub", "kind", "shops", "why it is a hub (never links gangs)"], rows,
                       OutputFormat.table, title=title)
        else:  # the id names the kind: three columns leave the reason room at 80 columns
            rows = [[h["id"], h["shops"], h["reason"]] for h in hubs]
            emit_table(["hub", "shops", "why it is a hub (never links gangs)"], rows,
                       OutputFormat.table, title=title)
    changes = [e for e in result.events if e["event"] != "new"]
    if changes:
        title = "Changes since the previous run"
        if limit and len(changes) > limit:
            title += f" (first {limit} of {len(changes)}; --limit 0 for all)"
            changes = changes[:limit]
        emit_table(["event", "cluster", "details"], [_event_row(e) for e in changes],
                   OutputFormat.table, title=title)


def _compact_table(reports: list[dict[str, Any]], title: str) -> None:
    """One line per cluster that fits an 80-column terminal: counts, and the strongest
    shared identifier cut to the space left (whole values: --wide or clusters show)."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("cluster", "shops", "platforms", "countries", "gang", "flagged"):
        table.add_column(name, no_wrap=True, min_width=max(len(name), 6),
                         justify="left" if name == "cluster" else "right")
    # What the six count columns and the borders leave on this terminal (≥ 12).
    room = max(12, out_console.width - 64)
    table.add_column("top identifier (shops)", no_wrap=True, overflow="ellipsis",
                     max_width=room)
    for r in reports:
        tops = r.get("top_identifiers") or []
        top = f"{tops[0]['label']} ({tops[0]['shops']})" if tops else ""
        table.add_row(str(r["cluster_id"]), str(r["shops"]), str(len(r["platforms"])),
                      str(len(r["countries"])) if r["countries"] else "unknown",
                      f"{r.get('gang_likeness', 0.0):.2f}", str(r["flagged_shops"]),
                      _plain(top))
    out_console.print(table)


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _event_row(e: dict[str, Any]) -> list[Any]:
    kind = e.get("event", "")
    if kind == "split":
        detail = "into " + ", ".join(e.get("into", []))
    elif kind == "merge":
        detail = "from " + ", ".join(e.get("from", []))
    elif kind == "reappeared":
        detail = (f"new shops {', '.join(e.get('shops', [])[:3])} use "
                  f"{', '.join(e.get('via', [])[:3])} of flagged "
                  f"{', '.join(e.get('flagged', [])[:3])}")
    elif kind == "new":
        detail = f"{e.get('shops', '')} shops"
    else:
        detail = ""
    return [kind, e.get("cluster", ""), detail]


@clusters_app.command("show")
def clusters_show(
    ctx: typer.Context,
    cluster: Annotated[str, typer.Argument(
        help="Cluster id from the last `graphinv clusters` run (any case: g-0001).")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show one cluster of the last run in full: reach, risk, leads, key entities, members.

    The run's members as recorded; reach, risk and leads built read-only with the run's
    recorded engine and settings (nothing is written).

    Example: graphinv clusters show G-0001
    """
    from graphinv.analysis.pipeline import last_run_results
    from graphinv.errors import UsageError
    from graphinv.querylib.entities import cluster_id
    from graphinv.schema import split_node_id

    cid = cluster_id(cluster)
    with handle_errors():
        with open_configured_store(ctx, read_only=True) as store:
            result = last_run_results(store, details=False)
        rep = next((r for r in result.clusters if r.get("cluster_id") == cid), None)
        if rep is None:
            known = ", ".join(sorted(r["cluster_id"] for r in result.clusters)[:10]) or "none"
            raise UsageError("no such cluster in the last run", value=cluster,
                             hint=f"known: {known}")
    rep = {**rep, "members": sorted(split_node_id(m["id"])[1] for m in result.members
                                    if m["cluster_id"] == cid)}
    if fmt is not OutputFormat.table:
        emit_table(list(rep), [list(rep.values())], fmt, json_data=rep)
        return
    rows = [[k, _detail(v)] for k, v in rep.items()]
    emit_table(["field", "value"], rows, OutputFormat.table, title=f"Cluster {cid}")


def _detail(v: Any) -> str:
    """A report value as text: lists of dicts by their label and shop count."""
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, list):
        parts = []
        for x in v:
            if isinstance(x, dict) and "feature" in x:
                parts.append(f"{x['feature']} {x['value']:.2f} (+{x['contribution']:.2f})")
            elif isinstance(x, dict):
                label = x.get("label") or x.get("id") or x.get("shop") or x
                parts.append(f"{label} ({x['shops']})" if "shops" in x else str(label))
            else:
                parts.append(str(x))
        return ", ".join(parts)
    if isinstance(v, dict):
        return ", ".join(f"{k}: {x}" for k, x in v.items())
    return "" if v is None else str(v)


@clusters_app.command("history")
def clusters_history(
    ctx: typer.Context,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
    last: Annotated[int, typer.Option("--limit", min=0,
                                      help="Only the last N runs (0 = all).")] = 0,
    last_old: Annotated[int | None, typer.Option(
        "--last", min=0, hidden=True, help="Old name of --limit.")] = None,
    changes: Annotated[bool, typer.Option(
        "--changes", help="Only splits, merges, dissolutions and reappearances.")] = False,
) -> None:
    """Show past clustering runs and their splits, merges and reappearances.

    Example: graphinv clusters history --limit 2 --changes
    """
    last = last_old if last_old is not None else last  # --last: the old name
    from graphinv.analysis.history import list_runs

    with handle_errors():
        with open_configured_store(ctx) as store:
            runs = list_runs(store)
            stamp = store_stamp(store)
        if last:
            runs = runs[-last:]
        if changes:
            runs = [{**r, "events": [e for e in r["events"] if e.get("event") != "new"]}
                    for r in runs]
        rows = [[r["run"], r["created"], r["clusters"], e.get("event"), e.get("cluster"),
                 _event_row(e)[2]] for r in runs for e in (r["events"] or [{}])]
        if fmt is OutputFormat.table and out is None and not runs:
            out_console.print("No clustering runs yet: run `graphinv clusters`.", markup=False)
            return
        emit_table(["run", "created", "clusters", "event", "cluster", "details"], rows, fmt,
                   out=out, title="Clustering runs", json_data=runs, stamp=stamp)


@clusters_app.command("hubs")
def clusters_hubs(
    ctx: typer.Context,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List the hubs found by the last run, with the reason each one was down-weighted
    and how widely it was used (the saved query `hubs`).

    Example: graphinv clusters hubs --format csv
    """
    from graphinv.querylib import QueryLibrary, run_query

    with handle_errors():
        query = QueryLibrary.builtin().get("hubs")
        with open_configured_store(ctx) as store:
            run = run_query(store, query, limit=0)
        emit_table(run.columns, run.rows, fmt, title="Hubs", json_data=run.records())


class ExplainFormat(StrEnum):
    """Output formats of explain: its chains are nested, so no CSV."""

    table = "table"
    json = "json"


@app.command()
def explain(
    ctx: typer.Context,
    a: Annotated[str | None, typer.Argument(
        help="A shop (shop_id or key), seller or identifier (node id or raw value).")] = None,
    b: Annotated[str | None, typer.Argument(help="The other entity.")] = None,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", "-c", help="Explain why this cluster holds together instead.")] = None,
    paths: Annotated[int, typer.Option("--limit", min=1, max=20,
                                       help="How many chains to show.")] = 3,
    paths_old: Annotated[int | None, typer.Option(
        "--paths", min=1, max=20, hidden=True, help="Old name of --limit.")] = None,
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, max=20,
                                          help="Longest chain, in links.")] = 8,
    via_hubs: Annotated[bool, typer.Option(
        "--via-hubs", help="Also walk through hubs (weak evidence).")] = False,
    fmt: Annotated[ExplainFormat, typer.Option(
        "--format", "-f", help="table for people, json for machines (chains do not fit "
        "CSV).")] = ExplainFormat.table,
) -> None:
    """Show the shortest evidence chains between two entities, with source records.

    Each step names the shared identifier, its raw spellings and the file:line
    records that assert it.

    Example: graphinv explain S123 'Phone: +86 138 0013 8000'
    Example: graphinv explain --cluster G-0001
    """
    if cluster is None and (a is None or b is None):
        raise fail("give two entities (graphinv explain A B) or --cluster ID", 2)
    if cluster is not None and a is not None:
        raise fail("give either two entities or --cluster, not both", 2)
    paths = paths_old if paths_old is not None else paths  # --paths: the old name
    from graphinv.analysis.explain import Explainer

    with handle_errors():
        with open_configured_store(ctx, read_only=True) as store:
            ex = Explainer.load(store)
            if cluster is not None:
                from graphinv.querylib.entities import cluster_id

                data = ex.cluster(cluster_id(cluster))  # ids are case-insensitive
            else:
                assert a is not None and b is not None
                data = ex.pair(a, b, max_paths=paths, max_hops=max_hops, via_hubs=via_hubs)
    if fmt is ExplainFormat.json:
        emit_table([], [], OutputFormat.json, json_data=data)
        return
    if cluster is not None:
        _print_cluster_explanation(data)
    else:
        _print_chains(data, max_hops, via_hubs)


def _node_text(n: dict[str, Any]) -> str:
    text = f"{n['kind']} {n['label']}"
    if n.get("platform"):
        text += f" [{n['platform']}]"
    if n.get("hub"):
        text += " (hub)"
    return text


def _evidence_text(records: list[dict[str, Any]], limit: int = 4) -> str:
    parts = [f"{r.get('file')}:{r.get('line')} {r.get('raw')!r}" for r in records[:limit]]
    if len(records) > limit:
        parts.append(f"+{len(records) - limit} more")
    return "; ".join(parts) if parts else "(no source record)"


def _print_chains(data: dict[str, Any], max_hops: int, via_hubs: bool) -> None:
    p = out_console.print
    if not data["chains"]:
        p(f"No evidence chain between {data['a']} and {data['b']} within {max_hops} links"
          + ("" if via_hubs else " (hubs are not walked through; try --via-hubs)") + ".",
          markup=False)
        return
    for i, chain in enumerate(data["chains"], start=1):
        p(f"Chain {i}: {chain['hops']} links, cost {chain['cost']}", markup=False)
        for step in chain["steps"]:
            src, dst = step["from"], step["to"]
            ident = dst if dst["kind"] not in ("Shop",) and step["type"] != "OPERATES" else src
            p(f"  {_node_text(src)} —{step['type']}— {_node_text(dst)}", markup=False)
            if ident.get("raws"):
                p(f"      spellings: {', '.join(repr(r) for r in ident['raws'][:6])}",
                  markup=False)
            p(f"      source: {_evidence_text(step['evidence'])}", markup=False)


def _print_cluster_explanation(data: dict[str, Any]) -> None:
    p = out_console.print
    p(data["summary"], markup=False)
    rows = [[i["id"], i["kind"], i["label"], i["shops"], i["weight"], i["strength"]]
            for i in data["identifiers"]]
    emit_table(["identifier", "kind", "label", "shops", "weight", "strength"], rows,
               OutputFormat.table, title="Shared identifiers")
    bond_rows = [[f"{b['a']['shop_id']} [{b['a']['platform']}]",
                  f"{b['via']['kind']} {b['via']['label']}",
                  f"{b['b']['shop_id']} [{b['b']['platform']}]",
                  _evidence_text(b["evidence"], 2)] for b in data["bonds"]]
    emit_table(["shop", "shares", "with shop", "source records"], bond_rows,
               OutputFormat.table, title="Strongest chain of bonds")
    if data["hubs_ignored"]:
        emit_table(["hub", "shops here", "why ignored"],
                   [[h["id"], h["shops"], h["reason"]] for h in data["hubs_ignored"]],
                   OutputFormat.table, title="Hubs (not evidence of a gang)")
    if data.get("decisions"):
        emit_table(["decision", "a", "b", "recorded"],
                   [[d["decision"], d["a"], d["b"] or "", d["provenance"]]
                    for d in data["decisions"]], OutputFormat.table, title="Analyst decisions")


@app.command()
def evaluate(
    ctx: typer.Context,
    truth: Annotated[Path, typer.Option(
        "--truth", help="CSV with shop_id, platform (optional), gang_id (empty = legit).")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Score the current clusters against a ground truth: pairwise P/R/F1, ARI, groups found.

    Example: graphinv evaluate --truth examples/data/truth.csv
    """
    if not truth.is_file():
        raise fail(f"truth file not found — {truth} — give a CSV with shop_id,gang_id", 2)
    from graphinv.analysis.evaluate import evaluate_store

    with handle_errors():
        with open_configured_store(ctx) as store:
            ev = evaluate_store(store, truth)
    data = ev.as_dict()
    impure = ev.largest_impure
    rows: list[list[Any]] = [
        ["shops evaluated", ev.shops],
        ["truth groups", ev.truth_groups],
        ["clusters", ev.clusters],
        ["pairwise precision", ev.precision],
        ["pairwise recall", ev.recall],
        ["pairwise F1", ev.f1],
        ["adjusted Rand index", ev.ari],
        ["groups recovered (Jaccard >= 0.5)", f"{ev.groups_recovered} of {ev.truth_groups}"],
        ["largest impure cluster", (f"{impure['cluster_id']}: {impure['shops']} shops "
                                    f"{impure['composition']}") if impure else "none"],
        ["truth rows not found in the store", ev.unmatched_rows],
    ]
    rk = ev.ranking
    if rk:
        def num(x: Any) -> str:
            return "n/a (one class only)" if x is None else f"{x:.3f}"

        rows += [
            ["ranked clusters (gang / legit operator)",
             f"{rk['clusters']} ({rk['gang_clusters']} / {rk['legit_clusters']})"],
            ["unflagged clusters (gang / legit operator)",
             f"{rk['unflagged_gang_clusters']} / {rk['unflagged_legit_clusters']}"],
            ["ROC AUC gang vs legit: gang_likeness / flag risk",
             f"{num(rk['auc'])} / {num(rk['risk_auc'])}"],
            ["ROC AUC among unflagged: gang_likeness / flag risk",
             f"{num(rk['auc_unflagged'])} / {num(rk['risk_auc_unflagged'])}"],
            [f"precision of the top {rk['top_k']}: gang_likeness / flag risk",
             f"{num(rk['top_precision'])} / {num(rk['risk_top_precision'])}"],
            [f"precision of the top {rk['top_k']} unflagged: gang_likeness / flag risk",
             f"{num(rk['unflagged_top_precision'])} / "
             f"{num(rk['risk_unflagged_top_precision'])}"],
        ]
    emit_table(["metric", "value"], rows, fmt, title="Evaluation", json_data=data)

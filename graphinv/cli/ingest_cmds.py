"""``graphinv ingest``: load files into the store."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from graphinv.cli.common import (
    FormatOption,
    OutputFormat,
    app,
    check_interrupted,
    emit_table,
    err_console,
    fail,
    get_state,
    handle_errors,
    open_configured_store,
    out_console,
)


def _count_lines(paths: list[Path]) -> int:
    total = 0
    for p in paths:
        with open(p, "rb") as fh:
            while chunk := fh.read(1 << 20):
                total += chunk.count(b"\n")
    return max(total, 1)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        help="CSV/TSV, JSON Lines or JSON files of shop records, or directories of them "
        "(none: load only --flags).", show_default=False)] = None,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", "-m", help="TOML/YAML mapping of columns to fields (default: built-in "
        "column names).")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", "-s", help="Name of the source recorded in every evidence record "
        "(default: each file's own name, e.g. listings.csv, wherever it is run from).")] = None,
    flags: Annotated[list[Path] | None, typer.Option(
        "--flags", help="Flags file (takedowns, test purchases, complaints); repeatable.")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Validate and report; write nothing to the store.")] = False,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Stop at the first bad row (before writing anything).")] = False,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="Force the input encoding (default: detect; e.g. gb18030).")] = None,
    no_resolve: Annotated[bool, typer.Option(
        "--no-resolve", help="Skip fuzzy near-duplicate resolution (SAME_AS).")] = False,
    batch_rows: Annotated[int, typer.Option(
        "--batch-rows", min=1, help="Rows per write batch.")] = 20_000,
    worker: Annotated[bool | None, typer.Option(
        "--worker/--no-worker", help="Read and normalize in a second process while this one "
        "writes (default: for files of 4 MiB and more on 2+ CPUs; env "
        "GRAPHINV_INGEST_WORKER=0 turns it off).", show_default=False)] = None,
    country: Annotated[str | None, typer.Option(
        "--country", help="Country (ISO code or name) of rows without one: phones written "
        "without +/00 and addresses are read with it (default: the mapping's "
        "[options] default_country).")] = None,
    day_first: Annotated[bool, typer.Option(
        "--day-first", help="Read NN/NN/YYYY dates as day/month/year.")] = False,
    month_first: Annotated[bool, typer.Option(
        "--month-first", help="Read NN/NN/YYYY dates as month/day/year.")] = False,
    bulk: Annotated[bool, typer.Option(
        "--bulk", help="First load of an EMPTY Neo4j database through neo4j-admin "
        "database import (several times faster than MERGE): a server started by "
        "scripts/neo4j is stopped, loaded and started again; for any other server the "
        "import files and the exact command are written instead. Later loads: without "
        "--bulk.")] = False,
    neo4j_home: Annotated[Path | None, typer.Option(
        "--neo4j-home", help="With --bulk: the home of the server scripts/neo4j started "
        "(its --home; default: $GRAPHINV_NEO4J_SERVER_HOME, else scripts/neo4j's "
        "default).")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load shop/seller records into the graph: normalize, resolve, keep provenance.

    Every row is loaded or written to <data-dir>/rejects/<run>.csv with file, line and
    reason; the summary reconciles read = loaded + rejected. Rerunning the same files
    changes nothing; a run interrupted at any point resumes when rerun.

    Flags files (takedowns, test purchases, complaints) go after --flags, with or
    without record files; given as records they are refused.

    Example: graphinv ingest examples/data/listings.csv --flags examples/data/flags.csv
    Example: graphinv ingest --flags takedowns.csv
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from graphinv.ingest.pipeline import IngestOptions, check_inputs, ingest_paths

    state = get_state(ctx)
    paths = list(paths or [])
    if not paths and not flags:
        raise fail("nothing to ingest — no files given — name record files and/or "
                   "--flags FILE", 2)
    if day_first and month_first:
        raise fail("--day-first and --month-first exclude each other — both given — "
                   "pass the one that matches your files", 2)
    date_order = "day-first" if day_first else "month-first" if month_first else None
    if bulk and dry_run:
        raise fail("--bulk and --dry-run exclude each other — both given — validate with "
                   "--dry-run first, then load with --bulk", 2)
    if neo4j_home is not None and not bulk:
        raise fail("--neo4j-home goes with --bulk — given alone — add --bulk or drop it", 2)
    if country is not None:
        from graphinv.types import NORMALIZERS

        if NORMALIZERS["country"](country).key is None:
            raise fail(f"unknown country — {country!r} — pass an ISO code (CN, US) or an "
                       "English country name", 2)
    with handle_errors():
        cfg = state.config()
        if bulk and cfg.backend != "neo4j":
            raise fail("--bulk loads a Neo4j database — the store is embedded — the "
                       "embedded store loads new data in bulk already: drop --bulk", 2)
        opts = IngestOptions(
            data_dir=cfg.data_dir, source=source, mapping=mapping, flags=list(flags or []),
            dry_run=dry_run, strict=strict, encoding=encoding, resolve=not no_resolve,
            batch_rows=batch_rows, worker=worker, default_country=country,
            date_order=date_order,
        )
        from graphinv.ingest.read import discover

        check_inputs(paths, opts)  # before a store is created for inputs that cannot load
        mine = (cfg.data_dir,)
        files = discover(paths, exclude=mine) + (discover(list(flags), exclude=mine)
                                                 if flags else [])
        total = _count_lines(files)
        show = fmt is OutputFormat.table and err_console.is_terminal
        with Progress(
            TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=err_console, disable=not show, transient=True,
        ) as bar:
            task = bar.add_task("rows", total=total, rate="-")

            def tick(n: int) -> None:
                check_interrupted()  # between batches: a Ctrl-C that got lost stops here
                bar.advance(task, n)
                t = bar.tasks[0]
                if t.elapsed:
                    bar.update(task, rate=f"{t.completed / t.elapsed:,.0f}")

            plan = None
            if dry_run:
                report = ingest_paths(None, paths, opts, progress=tick)
            elif bulk:
                report, plan = _bulk_ingest(ctx, cfg, paths, opts, tick, neo4j_home)
            else:
                with open_configured_store(ctx, create=True) as store:
                    report = ingest_paths(store, paths, opts, progress=tick)
    _print_report(report, fmt)
    if plan is not None:
        _print_plan(plan, fmt)
    if not report.reconciled:  # pragma: no cover - a bug, never bad data
        raise fail(f"counts do not reconcile — read {report.read} != loaded "
                   f"{report.loaded} + rejected {report.rejected} — please report this bug")


def _bulk_ingest(ctx: typer.Context, cfg: Any, paths: list[Path], opts: Any, tick: Any,
                 neo4j_home: Path | None) -> tuple[Any, Any]:
    """``--bulk``: load through neo4j-admin's importer (a graphinv-managed local server),
    or write the import files and the command (any other server). Returns the report
    and, when nothing was imported, the import files to print."""
    import dataclasses

    from graphinv.ingest.pipeline import ingest_paths
    from graphinv.store.neo4j_import import (
        BulkImportStore,
        CaptureStore,
        check_empty,
        find_managed_server,
    )

    work = cfg.data_dir / "bulk"
    store = open_configured_store(ctx, create=True)
    try:
        check_empty(store)
        server = find_managed_server(cfg.store, neo4j_home)
        if server is not None:
            loader = BulkImportStore(store, cfg, server, work)
            try:
                report = ingest_paths(loader, paths, opts, progress=tick)
            finally:
                loader.close()
            report.seconds.update({f"bulk_{k}": v for k, v in loader.seconds.items()})
            return report, None
    finally:
        store.close()
    # Not ours to stop: capture everything into import files; resolution needs the data
    # in a database, so it runs with the next ingest there (said in the next steps).
    capture = CaptureStore(cfg.store, work)
    report = ingest_paths(capture, paths, dataclasses.replace(opts, resolve=False),
                          progress=tick)
    return report, (capture.files(), cfg)


def _print_plan(plan: Any, fmt: OutputFormat) -> None:
    """The import files and the exact command for a server graphinv does not manage."""
    import shlex

    from graphinv.store.neo4j_import import import_command

    files, cfg = plan
    cmd = shlex.join(import_command(files, cfg.database or "neo4j"))
    nodes = sum(files.nodes.values())
    rels = sum(files.relationships.values())
    leftovers = sum(map(len, files.leftover_nodes.values())) + \
        sum(map(len, files.leftover_rels.values()))
    steps = [
        f"Nothing was imported: {cfg.store} is not a Neo4j server graphinv started "
        "(scripts/neo4j), so graphinv does not stop it.",
        f"Import files: {files.dir} ({nodes} nodes, {rels} relationships).",
        "Next steps:",
        "  1. Copy that directory to the Neo4j machine (or fix the paths in the command).",
        "  2. Stop the Neo4j server (Community edition cannot stop one database); the "
        "import replaces the database.",
        f"  3. Run there: {cmd}",
        "  4. Start the server; the next graphinv command creates the constraints and "
        "indexes.",
        "  5. Near-duplicate resolution (SAME_AS) did not run, nor the merging of "
        "URL-only shops into the shops their id names: both need the data in the "
        "database; the next `graphinv ingest` into it runs them.",
    ]
    if files.empty_lists or leftovers:
        steps.append(f"  Not in the files: {leftovers} values the importer would not read "
                     "back exactly, and empty lists (the importer writes no property for "
                     "them, MERGE writes []); load with a graphinv-managed server, or "
                     "without --bulk, where this matters.")
    # The command is also in a file next to the CSVs; printed unwrapped (copy and paste).
    (files.dir / "import-command.txt").write_text(cmd + "\n", encoding="utf-8")
    console = out_console if fmt is OutputFormat.table else err_console
    console.print("\n".join(steps), markup=False, highlight=False, soft_wrap=True)


_LOOKS_LIKE = {"phone": "phone numbers", "email": "e-mail addresses", "shop_url": "URLs",
               "payment_account": "payment accounts"}


def _warn_unmapped(report: Any) -> None:
    """A column whose values look like identifiers but feed nothing (stderr, any format)."""
    import json

    for f in report.files:
        for col, name in getattr(f, "unmapped_hints", {}).items():
            line = f"{name} = {json.dumps(col, ensure_ascii=False)}"
            err_console.print(
                f"Warning: column {col!r} in {f.path} looks like "
                f"{_LOOKS_LIKE.get(name, name)} but was not loaded — map it with the line "
                f"`{line}` under [fields] in a --mapping file", markup=False)


def _print_report(report: Any, fmt: OutputFormat) -> None:
    if fmt is not OutputFormat.table:
        _warn_unmapped(report)
        rows = [[f.path, f.role, f.encoding, f.read, f.loaded, f.rejected] for f in report.files]
        emit_table(["file", "role", "encoding", "read", "loaded", "rejected"], rows, fmt,
                   json_data=report.as_dict())
        return
    mode = " (dry run: nothing written)" if report.dry_run else ""
    resumed = " — resumed an interrupted run" if report.resumed else ""
    out_console.print(f"Run {report.run_id}{mode}{resumed}")
    rows = [[f.path, f.role, f.encoding or "", f.read, f.loaded, f.rejected]
            for f in report.files]
    rows.append(["total", "", "", report.read, report.loaded, report.rejected])
    emit_table(["file", "role", "encoding", "read", "loaded", "rejected"], rows, fmt,
               title="Rows")
    if not report.dry_run:
        keys = sorted(set(report.nodes_new) | set(report.links_new))
        trows = [[k, report.nodes_new.get(k, ""), report.links_new.get(k, ""),
                  report.evidence_new.get(k, "")] for k in keys]
        emit_table(["kind", "new nodes", "new links", "new evidence"], trows, fmt,
                   title="Graph changes")
        out_console.print(f"Resolved near-duplicates: {report.same_as} new SAME_AS links; "
                          f"flags loaded: {report.flags_loaded}"
                          + (f"; flags matching no node: {report.flags_unmatched} (rejected, "
                             "no node created)" if report.flags_unmatched else ""))
    if report.skipped:
        kinds = Counter(s["what"] for s in report.skipped)
        out_console.print(f"Skipped {len(report.skipped)} entries of the input directories "
                          "(not read): " + ", ".join(f"{k} ×{n}" for k, n in kinds.most_common()),
                          markup=False)
        for s in report.skipped[:5]:
            out_console.print(f"  {s['path']}: {s['what']}", markup=False)
    urls = report.url_shops or {}
    if urls.get("merged") or urls.get("conflicts"):
        out_console.print(f"Shops known only by URL: {urls.get('merged', 0)} merged into the "
                          "shop their id names (same shop URL); "
                          f"{urls.get('conflicts', 0)} left apart (their URL belongs to shops "
                          "with different ids: listed in the conflicts file)", markup=False)
    if report.conflicts:
        out_console.print(f"Conflicts (same shop id, different name/seller; or a URL of "
                          f"shops with different ids): {report.conflicts} → "
                          f"{report.conflicts_path}")
    if report.ignored:
        out_console.print("Ignored values (never nodes): " + _ignored_text(report.ignored),
                          markup=False)
    if report.masked and any(report.masked.values()):
        m = report.masked
        out_console.print(f"Masked values: {m['linked']} linked to the one full identifier "
                          f"they fit, {m['ambiguous']} fit several and {m['no_match']} none "
                          f"(not linked), {m['too_little']} show too little, "
                          f"{m.get('common', 0)} are shown by many shops (not linked)",
                          markup=False)
    for f in report.files:
        if f.unmapped:
            out_console.print(f"Ignored columns of {f.path} (not loaded): "
                              + ", ".join(f.unmapped), markup=False)
        for h in f.hints:
            out_console.print(f"Hint: {f.path}: {h}", markup=False)
    if report.issues:
        top = ", ".join(f"{k} ×{v}" for k, v in list(report.issues.items())[:6])
        out_console.print(f"Flagged values (kept, marked): {top}")
    if report.rejected:
        out_console.print(f"Rejected rows: {report.rejected} → {report.rejects_path}")
        for s in report.reject_samples[:5]:
            out_console.print(f"  {s['file']}:{s['line']}: {s['reason']}", markup=False)
    out_console.print(f"read {report.read} = loaded {report.loaded} + rejected "
                      f"{report.rejected}  ({report.seconds.get('total', 0):.1f} s)")
    _warn_unmapped(report)


_REASONS = {"placeholder": "placeholders", "too_vague": "too vague",
            "mangled": "mangled encoding (only '?')", "masked": "masked (partial evidence)"}


def _ignored_text(ignored: dict[str, int]) -> str:
    """``placeholder: Email`` counts as ``placeholders: Email 12, Address 3; too vague: ...``."""
    by_reason: dict[str, list[str]] = {}
    for k, n in ignored.items():
        reason, _, label = k.partition(": ")
        by_reason.setdefault(reason, []).append(f"{label} {n}")
    return "; ".join(f"{_REASONS.get(r, r)}: {', '.join(v)}" for r, v in by_reason.items())

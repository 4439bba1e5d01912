"""``graphinv query``: list, show and run saved (or ad-hoc) Cypher queries."""

from __future__ import annotations

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
    get_state,
    handle_errors,
    open_configured_store,
    out_console,
    store_stamp,
)

query_app = typer.Typer(
    name="query",
    help="Saved Cypher queries: a named, typed, read-only library (list, show, run).\n\n"
    "Example: graphinv query run top-clusters -p top=5",
    no_args_is_help=True,
)
app.add_typer(query_app, name="query")

QueriesOption = Annotated[list[Path] | None, typer.Option(
    "--queries", envvar=None, metavar="DIR",
    help="Extra folder of .cypher queries, searched before the built-in ones (repeatable; "
    "also GRAPHINV_QUERIES, separated like PATH).",
)]


def _library(queries: list[Path] | None) -> Any:
    from graphinv.querylib import QueryLibrary

    lib = QueryLibrary.discover(queries or [])
    for err in lib.errors:
        err_console.print(f"Warning: skipped a broken query file — {err}", markup=False)
    return lib


@query_app.command("list")
def list_queries(
    tag: Annotated[str | None, typer.Option("--tag", "-t", help="Only queries with this tag.")]
    = None,
    search: Annotated[str | None, typer.Option(
        "--search", help="Only queries whose name, description, tags or parameters "
        "contain this text.")] = None,
    queries: QueriesOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List saved queries: name, description, parameters.

    Example: graphinv query list --tag leads
    """
    with handle_errors():
        lib = _library(queries)
        found = lib.find(tag=tag, search=search)
    rows = [[q.name, q.description, "\n".join(p.describe() for p in q.params),
             ", ".join(q.tags), q.requires or "both"] for q in found]
    data = [{"name": q.name, "description": q.description, "tags": list(q.tags),
             "requires": q.requires, "path": q.path,
             "params": [{"name": p.name, "type": p.type,
                         "default": None if p.required else p.default,
                         "required": p.required, "help": p.help,
                         "min": p.minimum, "max": p.maximum} for p in q.params]}
            for q in found]
    if not found and fmt is OutputFormat.table:
        err_console.print("No saved query matches."
                          + (f" Tags: {', '.join(lib.tags())}." if lib.tags() else ""))
        return
    emit_table(["name", "description", "params", "tags", "stores"], rows, fmt,
               title="Saved queries", json_data=data)


@query_app.command("show")
def show_query(
    name: Annotated[str, typer.Argument(help="Query name (see `graphinv query list`).")],
    embedded: Annotated[bool, typer.Option(
        "--embedded", help="Show the Cypher as translated for the embedded store.")] = False,
    queries: QueriesOption = None,
) -> None:
    """Show a saved query: its parameters and its Cypher, highlighted.

    Example: graphinv query show shop-neighbourhood --embedded
    """
    from rich.syntax import Syntax

    with handle_errors():
        q = _library(queries).get(name)
        text = q.text
        if embedded:
            from graphinv.querylib import check_query, to_embedded
            from graphinv.querylib.bounds import default_bounds, inline_path_bounds

            bounds = default_bounds(q.text, q.params)
            text = to_embedded(check_query(inline_path_bounds(q.text, bounds)).cypher)
            if bounds:
                text = "// path bounds shown with " + ", ".join(
                    f"{k}={v}" for k, v in sorted(bounds.items())) + "\n" + text
    out_console.print(f"[bold]{q.name}[/] — {_esc(q.description)}", markup=True)
    out_console.print(f"File: {q.path}", markup=False)
    if q.tags:
        out_console.print("Tags: " + ", ".join(q.tags), markup=False)
    out_console.print("Stores: " + (q.requires or "embedded and neo4j"), markup=False)
    for p in q.params:
        out_console.print(f"  -p {p.describe()}" + (f"  — {p.help}" if p.help else ""),
                          markup=False)
    for ex in q.examples:
        out_console.print(f"Example: graphinv query run {q.name} {ex}", markup=False)
    out_console.print(Syntax(text, "cypher", line_numbers=True, word_wrap=True,
                             theme="ansi_dark"))


@query_app.command("run")
def run_saved_query(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(
        help="Saved query name; or use --file for an ad-hoc query.")] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", help="Run an ad-hoc .cypher file (same safety checks; undeclared "
        "$parameters are strings).")] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", metavar="KEY=VALUE",
        help="A parameter value (repeatable; repeat a list[str] parameter or give a JSON "
        "array).")] = None,
    fmt: FormatOption = OutputFormat.table,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the rows to this file (csv or json; cells that a "
        "spreadsheet would run are neutralized).")] = None,
    limit: Annotated[int, typer.Option(
        "--limit", min=0, help="Return at most this many rows (0 = all).")] = 1000,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, max=3600, help="Stop the query after this many seconds.")]
    = 60.0,
    queries: QueriesOption = None,
) -> None:
    """Run a saved query read-only, with typed parameters, a row limit and a timeout.

    Writes, LOAD CSV, procedure calls outside an allowlist, USE, several statements and
    unbounded paths are refused before anything runs. Exit 2 for bad parameters, 1 for
    refused, failed or timed-out queries.

    Shop, identifier and cluster parameters (shop, from, to, key, hub, cluster) take what
    you would type: a shop_id or platform:shop_id in any case, a raw phone/e-mail/account
    or 'Kind: value', a cluster id in any case. They are normalized like ingest and must
    match something in the store (exit 1 if not).

    Example: graphinv query run leads -p shop=amazon:A1LUXE --format csv --out leads.csv
    """
    if (name is None) == (file is None):
        raise fail("give a saved query NAME or --file PATH (not both)", code=2)
    if out is not None and fmt is OutputFormat.table:
        fmt = OutputFormat.csv if out.suffix.lower() == ".csv" else OutputFormat.json
    with handle_errors():
        from graphinv.querylib import load_query_file, parse_assignments, prepare_query
        from graphinv.querylib.entities import resolve_entity_params
        from graphinv.querylib.runner import run_query

        q = load_query_file(file, saved=False) if file else _library(queries).get(name or "")
        given = parse_assignments(param or [])
        backend = get_state(ctx).config().backend
        # Refuse unsafe queries and bad parameters before touching the store.
        prepare_query(q, given, backend=backend, limit=limit, from_text=True)
        check_csv_out(out, fmt)
        with open_configured_store(ctx, read_only=True) as store:
            given, resolved = resolve_entity_params(store, given)
            for r in resolved:
                err_console.print(f"Parameter {r.name}: {r.given!r} is {r.key}", markup=False)
            result = run_query(store, q, given, limit=limit, timeout=timeout,
                               from_text=True)
            stamp = store_stamp(store, options={"query": q.name, "params": given}) \
                if out is not None else None
    title = f"{q.name} ({len(result.rows)} row{'s' if len(result.rows) != 1 else ''}, " \
            f"{result.elapsed:.2f} s)"
    with handle_errors():  # the CSV's provenance file may be refused (not graphinv's)
        emit_table(result.columns, result.rows, fmt, title=title, out=out, stamp=stamp)
    if out is not None:
        err_console.print(f"Wrote {len(result.rows)} rows to {out}", markup=False)
    if result.truncated:
        err_console.print(f"Showing the first {limit} rows; raise --limit (0 for all).",
                          markup=False)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)

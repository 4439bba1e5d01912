"""Store commands: status, reset, schema."""

from __future__ import annotations

from typing import Annotated

import typer

from graphinv.cli.common import (
    FormatOption,
    OutputFormat,
    app,
    emit_table,
    fail,
    get_state,
    handle_errors,
    open_configured_store,
    out_console,
)


@app.command()
def status(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Show which store is in use, whether it answers, its schema and counts.

    Example: graphinv status --format json
    """
    with handle_errors():
        cfg = get_state(ctx).config()
        with open_configured_store(ctx, read_only=True) as store:
            st = store.status()
    if fmt is not OutputFormat.table:
        rows = [["node", k, v] for k, v in st.nodes.items()]
        rows += [["relationship", k, v] for k, v in st.relationships.items()]
        emit_table(["kind", "name", "count"], rows, fmt, json_data=st.as_dict())
        return
    out_console.print(f"Store: {cfg.describe()}")
    out_console.print(f"Reachable: yes ({st.version})")
    schema_txt = "complete" if st.schema_ok else "missing " + ", ".join(st.missing)
    out_console.print(f"Schema: {schema_txt} ({len(st.schema_items)} items)")
    rows = [["node", k, v] for k, v in st.nodes.items()]
    rows += [["relationship", k, v] for k, v in st.relationships.items()]
    emit_table(["kind", "name", "count"], rows, fmt, title="Counts")


@app.command()
def reset(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", help="Really delete everything.")] = False,
) -> None:
    """Empty the store: every node and relationship (constraints stay).

    Analyst decisions are saved first to decisions-<UTC time>.csv in the data
    directory (read it back with `graphinv clusters --decisions FILE`).
    Refuses without --yes. Example: graphinv reset --yes
    """
    from graphinv.analysis.decision_log import export_before_reset

    if not yes:
        raise fail("refusing to empty the store — add --yes to confirm", code=2)
    with handle_errors():
        cfg = get_state(ctx).config()
        with open_configured_store(ctx) as store:
            saved, count = export_before_reset(store, cfg.data_dir)
            store.reset()
            location = store.location
    if saved is not None:
        out_console.print(f"Saved {count} analyst decision(s) to {saved} (restore them with "
                          f"`graphinv clusters --decisions {saved}`).", markup=False)
    out_console.print(f"Emptied {location}.")


@app.command("schema")
def show_schema(fmt: FormatOption = OutputFormat.table) -> None:
    """List node kinds and relationship types with their properties.

    Example: graphinv schema --format json
    """
    from graphinv import schema

    items = schema.describe()
    cols = ["kind", "name", "description", "details"]
    rows = []
    for it in items:
        if it["kind"] == "node":
            detail = f"key: {it['key']}; strength {it['strength']}"
        else:
            detail = f"{'|'.join(it['from'])} -> {'|'.join(it['to'])}"  # type: ignore[arg-type]
        if it["indexed"]:
            detail += f"; indexed: {', '.join(it['indexed'])}"  # type: ignore[arg-type]
        rows.append([it["kind"], it["name"], it["description"], detail])
    emit_table(cols, rows, fmt, title="graphinv schema", json_data=items)


@app.command()
def repair(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Reopen an embedded store whose write-ahead log was torn (e.g. by a full disk).

    Moves the torn log aside (graph.lbug.wal.torn-<time>, never deleted), opens the
    store at its last checkpoint and lists the ingest runs whose writes were lost:
    rerun each with the same files and options (it resumes under the same run id). Does nothing
    when the store opens as it is.

    Example: graphinv --data-dir case-data repair
    """
    from graphinv.errors import UsageError
    from graphinv.ingest.recover import runs_to_rerun
    from graphinv.store.embedded_repair import repair as repair_store

    with handle_errors():
        cfg = get_state(ctx).config()
        if cfg.backend != "embedded":
            raise UsageError("repair is for the embedded store", value=cfg.store,
                             hint="Neo4j recovers its own transaction log on restart")
        moved = repair_store(cfg)
        rerun = []
        if moved is not None:
            with open_configured_store(ctx) as store:
                rerun = runs_to_rerun(store, cfg.data_dir)
    if fmt is not OutputFormat.table:
        rows = [[r.run_id, r.started, r.was, r.in_store, " ".join(r.files + r.flags)]
                for r in rerun]
        emit_table(["run", "started", "was", "in_store", "files"], rows, fmt,
                   json_data={"moved_wal": str(moved) if moved else None,
                              "rerun": [r.as_dict() for r in rerun]})
        return
    if moved is None:
        out_console.print("The store opens cleanly: nothing to repair.")
        return
    out_console.print(f"Moved the torn write-ahead log aside: {moved}", markup=False)
    out_console.print("Opened the store at its last checkpoint; writes logged after it are "
                      "not in the store.", markup=False)
    if not rerun:
        out_console.print("Every recorded ingest run is complete in the store: nothing to "
                          "rerun (rerun `graphinv clusters` if you ran it since).")
        return
    out_console.print(f"Ingest runs to rerun ({len(rerun)}): run each again with the same "
                      "files and options; it resumes under the same run id.", markup=False)
    for r in rerun:
        flags = "".join(f" --flags {f}" for f in r.flags)
        out_console.print(f"  {r.run_id} (started {r.started}; checkpoint: {r.was}, store: "
                          f"{r.in_store}): graphinv ingest {' '.join(r.files)}{flags}",
                          markup=False)
    out_console.print("Then rerun `graphinv clusters` if you ran it since.", markup=False)

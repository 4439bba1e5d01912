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
        with open_configured_store(ctx) as store:
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

    Refuses without --yes. Example: graphinv reset --yes
    """
    if not yes:
        raise fail("refusing to empty the store — add --yes to confirm", code=2)
    with handle_errors():
        with open_configured_store(ctx) as store:
            store.reset()
            location = store.location
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

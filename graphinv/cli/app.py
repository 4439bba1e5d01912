"""The ``graphinv`` command: global options and the list of command modules."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from graphinv import __version__
from graphinv.cli.common import app, get_state
from graphinv.storekinds import spellings

__all__ = ["app", "main"]

# Each module registers its commands on ``app`` when imported.
_COMMAND_MODULES = (
    "graphinv.cli.store_cmds",
    "graphinv.cli.ingest_cmds",
    "graphinv.cli.demo_cmds",
    "graphinv.cli.cluster_cmds",
    "graphinv.cli.decide_cmds",
    "graphinv.cli.view_cmds",
    "graphinv.cli.query_cmds",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"graphinv {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Option(
        "--store", envvar="GRAPHINV_STORE", show_envvar=True,
        help=f"Which store: {spellings()}.",
    )] = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", envvar="GRAPHINV_DATA_DIR", show_envvar=True,
        help="Data directory of the embedded store, rejects and run logs "
        "[default: ./graphinv-data].",
    )] = None,
    database: Annotated[str | None, typer.Option(
        "--database", envvar="GRAPHINV_NEO4J_DATABASE", help="Neo4j database name.",
    )] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.",
    )] = False,
) -> None:
    """graphinv: find the gangs behind counterfeit shops across platforms and borders.

    Neo4j credentials come from GRAPHINV_NEO4J_USER and GRAPHINV_NEO4J_PASSWORD.

    Example: graphinv demo --out-dir demo-out
    """
    st = get_state(ctx)
    st.store, st.data_dir, st.database = store, data_dir, database


for _m in _COMMAND_MODULES:
    try:
        importlib.import_module(_m)
    except ModuleNotFoundError as _exc:  # a command module still being written
        if _exc.name != _m:
            raise


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C outside a command body
        _end_if_engine_abandoned(130)
        raise SystemExit(130) from None
    except SystemExit as exc:
        _end_if_engine_abandoned(exc.code)
        raise


def _end_if_engine_abandoned(code: object) -> None:
    """After a failed write the embedded engine aborts the process when it is closed or
    collected (exit 134, after the error was printed): end the process here instead,
    with the command's own exit code."""
    from graphinv.store import engine_abandoned

    if engine_abandoned():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) and code else 1)

"""What every command shares: the Typer app, store options, error handling, output.

The library raises :class:`graphinv.errors.GraphinvError`; only this package
prints and chooses exit codes (1 bad data / unreachable store, 2 usage, 130 Ctrl-C).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from typer.core import TyperGroup

from graphinv.errors import GraphinvError
from graphinv.render.safe import terminal

__all__ = [
    "app",
    "State",
    "OutputFormat",
    "FormatOption",
    "err_console",
    "out_console",
    "handle_errors",
    "get_state",
    "open_configured_store",
    "emit_table",
    "fail",
    "check_interrupted",
    "open_in_browser",
    "check_csv_out",
    "store_stamp",
    "write_csv_file",
]

#: Options of the ``graphinv`` group that users also type after the command
#: (``graphinv status --data-dir D``): they are moved in front of it before parsing.
GLOBAL_OPTIONS = ("--store", "--data-dir", "--database")


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Global options moved before the command, wherever they were typed.

    >>> hoist_global_options(["status", "--data-dir", "d", "-f", "json"])
    ['--data-dir', 'd', 'status', '-f', 'json']
    >>> hoist_global_options(["query", "run", "q", "--store=bolt://h:7687", "--", "--store"])
    ['--store=bolt://h:7687', 'query', 'run', 'q', '--', '--store']
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        tok = args[i]
        if tok == "--":  # everything after is an argument, never an option
            rest.extend(args[i:])
            break
        if tok in GLOBAL_OPTIONS:  # with its value (missing: the group says so)
            front += args[i:i + 2]
            i += 2
            continue
        if "=" in tok and tok.split("=", 1)[0] in GLOBAL_OPTIONS:
            front.append(tok)
        else:
            rest.append(tok)
        i += 1
    return front + rest


class _RootGroup(TyperGroup):
    """The ``graphinv`` group: accepts the global options after the command too."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        cut = args.index("--") if "--" in args else len(args)
        if cut and args[cut - 1] in GLOBAL_OPTIONS:
            ctx.fail(f"Option '{args[cut - 1]}' requires an argument.")
        return super().parse_args(ctx, hoist_global_options(args))


app = typer.Typer(
    cls=_RootGroup,
    name="graphinv",
    help="Investigate counterfeit-selling networks: ingest traces, find the gangs behind "
    "many shops, explain the links, render them.\n\n"
    "Example: graphinv demo --out-dir demo-out --open",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

class _TerminalSafeConsole(Console):
    """A rich console that shows control characters in printed text instead of
    sending them: shop names, file names and error values are untrusted, and an
    ESC or C1 byte in one would drive the terminal (issue #16 item 6).

    Strings are cleaned when rich turns them into text (so tables measure what is
    shown); every other renderable is cleaned segment by segment on the way out.
    Rich's own styling is added after that step and its cursor moves are control
    segments, so only the text itself changes.
    """

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Any:
        return super().render_str(terminal(text), *args, **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # private in rich, but the one place every print passes through
        return super()._render_buffer(
            seg if seg.control else Segment(terminal(seg.text), seg.style) for seg in buffer)


err_console: Console = _TerminalSafeConsole(stderr=True, soft_wrap=True, highlight=False,
                                            emoji=False)
out_console: Console = _TerminalSafeConsole(soft_wrap=True, highlight=False, emoji=False)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people, json or csv for machines."),
]


@dataclass
class State:
    """Global options, set by the app callback."""

    store: str | None = None
    data_dir: Path | None = None
    database: str | None = None

    def config(self) -> Any:
        from graphinv.config import StoreConfig

        return StoreConfig.from_values(store=self.store, data_dir=self.data_dir,
                                       database=self.database)


def get_state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``Error: …`` to stderr and return the Exit to raise."""
    err_console.print(f"[bold red]Error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


_interrupted = False


def _on_sigint(signum: int, frame: Any) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def check_interrupted() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed but its exception was lost — Python
    ignores exceptions raised while a ``__del__`` runs, and the Neo4j driver has some."""
    if _interrupted:
        raise KeyboardInterrupt


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Turn library errors into ``Error: what — value — fix`` and exit codes.

    Ctrl-C exits 130 (click would otherwise say "Aborted!" and exit 1), even when it
    lands where Python would swallow it (see :func:`check_interrupted`).
    """
    global _interrupted
    _interrupted = False
    previous: Any = None
    if threading.current_thread() is threading.main_thread():
        current = signal.getsignal(signal.SIGINT)
        if current is signal.default_int_handler:  # leave custom or ignored SIGINT alone
            previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        try:
            yield
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        check_interrupted()
    except (Exception, KeyboardInterrupt) as exc:
        # After Ctrl-C, whatever surfaces (KeyboardInterrupt, or a driver error raised
        # while it cleans up the interrupted connection) means "interrupted".
        if _interrupted or isinstance(exc, KeyboardInterrupt):
            err_console.print("Interrupted: stopped on Ctrl-C (the store stays consistent: "
                              "rerun the same command to resume).")
            _print_notes(exc)
            raise typer.Exit(130) from None
        if isinstance(exc, GraphinvError):
            err = fail(_escape(str(exc)), exc.exit_code)
            _print_notes(exc)
            raise err from None
        raise


def _print_notes(exc: BaseException) -> None:
    """Where a long command stopped (added by the library as exception notes)."""
    for note in getattr(exc, "__notes__", ()):
        err_console.print(str(note), markup=False, highlight=False)


def open_in_browser(page: Path) -> None:
    """Open ``page`` in the default browser; where there is none (a server, a container)
    say so and print the path instead of failing or staying silent."""
    import webbrowser

    uri = page.resolve().as_uri()
    try:
        opened = webbrowser.open(uri)
    except webbrowser.Error:
        opened = False
    if not opened:
        err_console.print(f"No browser found here: open {page.resolve()} in one "
                          f"({uri}).", markup=False)


def open_configured_store(ctx: typer.Context, *, create: bool = False,
                          read_only: bool = False) -> Any:
    """Open the store chosen by ``--store``/``GRAPHINV_STORE`` (call inside handle_errors).

    Only commands that load data pass ``create=True``; every other command fails
    (exit 1, naming the directory) on a data directory that holds no store. Commands
    that only read pass ``read_only`` (an archived read-only data directory can be
    read; a read during another process's ingest is refused clearly).
    """
    from graphinv.store import open_store

    return open_store(get_state(ctx).config(), create=create, read_only=read_only)


def store_stamp(store: Any, result: Any = None, *,
                options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The provenance stamp of output read from ``store`` (call with the store open):
    the store, the cluster run of ``result`` (a ClusterResult) or ``options``, and
    every ingest run's input files."""
    from graphinv.analysis.provenance import ingest_inputs
    from graphinv.render.stamp import make_stamp

    return make_stamp(store=store.location, run_id=getattr(result, "run_key", None),
                      run_created=getattr(result, "created", None),
                      options=options if options is not None else getattr(result, "params", None),
                      inputs=ingest_inputs(store))


def check_csv_out(out: Path | None, fmt: OutputFormat = OutputFormat.csv) -> None:
    """Before any work: refuse a CSV ``out`` whose provenance file beside it exists and
    is not a graphinv sidecar (it would be overwritten)."""
    from graphinv.render.stamp import write_sidecar

    if out is not None and fmt in (OutputFormat.csv, OutputFormat.json):
        write_sidecar(out, "", {}, check_only=True)


def write_csv_file(out: Path, text: str, stamp: Mapping[str, Any] | None) -> None:
    """Write CSV ``text`` to ``out`` and, with a ``stamp``, its provenance beside it
    (``NAME.provenance.json``; refused before anything is written when a file there is
    not a graphinv sidecar)."""
    from graphinv.render.stamp import write_sidecar
    from graphinv.util.tabular import write_text_atomic

    if stamp is not None:
        write_sidecar(out, text, stamp, check_only=True)
    write_text_atomic(out, text)
    if stamp is not None:
        write_sidecar(out, text, stamp)


def emit_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    out: Path | None = None,
    json_data: Any = None,
    stamp: Mapping[str, Any] | None = None,
) -> None:
    """Print (or write to ``out``) rows as a rich table, JSON or CSV. A CSV or JSON file
    written to ``out`` gets ``stamp`` (provenance) beside it (:func:`write_csv_file`)."""
    from graphinv.util.tabular import to_csv, to_json, write_text_atomic

    if fmt is OutputFormat.table and out is None:
        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column(str(c), overflow="fold")
        for r in rows:
            table.add_row(*[_cell(v) for v in r])
        out_console.print(table)
        return
    if fmt is OutputFormat.csv:
        text = to_csv(columns, rows)
    else:
        data = json_data if json_data is not None else [
            dict(zip(columns, r, strict=False)) for r in rows
        ]
        text = to_json(data) + "\n"
    if out is not None and fmt in (OutputFormat.csv, OutputFormat.json):
        write_csv_file(out, text, stamp)
    elif out is not None:
        write_text_atomic(out, text)
    else:
        # CSV/JSON for a program keep every byte; on a terminal they are shown safely.
        sys.stdout.write(terminal(text) if sys.stdout.isatty() else text)
        sys.stdout.flush()


def _cell(v: Any) -> str:
    from rich.markup import escape

    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, (list, tuple)):
        return escape(", ".join(str(x) for x in v))
    return escape(str(v))

"""``graphinv decide``: record, list, revoke and export analyst decisions.

The decisions are ``Decision`` nodes in the store (graphinv.analysis.decision_log); the
next ``graphinv clusters`` run applies them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from graphinv.cli.common import (
    FormatOption,
    OutputFormat,
    app,
    emit_table,
    fail,
    handle_errors,
    open_configured_store,
    out_console,
)

decide_app = typer.Typer(
    name="decide",
    no_args_is_help=True,
    help="Record analyst decisions (same / not-same, hub / not-hub, not-a-gang / confirmed) "
    "with who and why; the next `graphinv clusters` run applies them. Example: graphinv "
    "decide not-same Shop:ebay:123 Shop:ebay:456 --by ana --why 'different owners (KYC)'",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(decide_app)

By = Annotated[str, typer.Option("--by", help="Who decides (recorded with the decision).")]
Why = Annotated[str, typer.Option("--why", help="Why: the evidence behind the decision.")]
Entity = Annotated[str, typer.Argument(
    help="Node id Kind:key (Shop:ebay:123, Seller:CN:wang trading, Phone:+8613800138000).")]
Ident = Annotated[str, typer.Argument(
    help="Identifier node id (Phone:+86..., Email:..., PaymentAccount:..., Address:..., "
    "Supplier:..., Seller:...).")]
Cluster = Annotated[str, typer.Argument(help="Cluster id of the last run (G-0007).")]


def _record(ctx: typer.Context, decision: str, a: str, b: str | None, by: str,
            why: str) -> None:
    from graphinv.analysis import decision_log

    with handle_errors():
        with open_configured_store(ctx) as store:
            x, new = decision_log.decide(store, decision, a, b, who=by, why=why)
    d = x.decision
    what = f"{d.decision} {d.a}" + (f" {d.b}" if d.b else "")
    if new:
        out_console.print(f"Recorded {x.key}: {what} — {d.provenance}. The next "
                          "`graphinv clusters` run applies it.", markup=False)
    else:
        out_console.print(f"Already recorded as {x.key}: {what} — {d.provenance}.",
                          markup=False)


@decide_app.command("same")
def same(ctx: typer.Context, a: Entity, b: Entity, by: By, why: Why) -> None:
    """Two shops, sellers or identifiers of one kind are the same: link them.

    Example: graphinv decide same Shop:ebay:1 Shop:amazon:9 --by ana --why 'same bank'
    """
    _record(ctx, "same", a, b, by, why)


@decide_app.command("not-same")
def not_same(ctx: typer.Context, a: Entity, b: Entity, by: By, why: Why) -> None:
    """Two entities of one kind are not the same: keep them apart (overrides resolution).

    Example: graphinv decide not-same "Address:CN:1 a rd" "Address:CN:1 a road" --by ana
    --why 'two buildings'
    """
    _record(ctx, "not-same", a, b, by, why)


@decide_app.command("hub")
def hub(ctx: typer.Context, ident: Ident, by: By, why: Why) -> None:
    """An identifier is a hub (a forwarder, an aggregator): it never links shops.

    Example: graphinv decide hub Email:info@forwarder.com --by ana --why 'forwarder'
    """
    _record(ctx, "hub", ident, None, by, why)


@decide_app.command("not-hub")
def not_hub(ctx: typer.Context, ident: Ident, by: By, why: Why) -> None:
    """An identifier is evidence even if the hub test marks it.

    Example: graphinv decide not-hub Phone:+8613800138000 --by ana --why 'one gang'
    """
    _record(ctx, "not-hub", ident, None, by, why)


@decide_app.command("not-a-gang")
def not_a_gang(ctx: typer.Context, cluster: Cluster, by: By, why: Why) -> None:
    """A cluster is not a gang (gang-likeness 0, left out of --leads).

    Example: graphinv decide not-a-gang G-0007 --by ana --why 'licensed reseller'
    """
    _record(ctx, "not-a-gang", cluster, None, by, why)


@decide_app.command("confirmed")
def confirmed(ctx: typer.Context, cluster: Cluster, by: By, why: Why) -> None:
    """A cluster is a confirmed gang (gang-likeness 1).

    Example: graphinv decide confirmed G-0007 --by ana --why 'test purchase 4411'
    """
    _record(ctx, "confirmed", cluster, None, by, why)


def _rows(logged: list[Any]) -> list[list[Any]]:
    return [[x.key, x.decision.decision, x.decision.a, x.decision.b or "", x.decision.who,
             x.decision.when, x.decision.why, x.source,
             f"revoked {x.revoked} by {x.revoked_by}: {x.revoked_why}" if x.revoked else ""]
            for x in logged]


@decide_app.command("list")
def list_decisions(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Revoked decisions too.")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The decisions in the store, oldest first (revoked ones with --all).

    Example: graphinv decide list --all --format csv
    """
    from graphinv.analysis import decision_log

    with handle_errors():
        with open_configured_store(ctx, read_only=True) as store:
            logged = decision_log.load(store, include_revoked=all_)
    emit_table(["id", "decision", "a", "b", "who", "when", "why", "source", "revoked"],
               _rows(logged), fmt, title="Analyst decisions",
               json_data=[x.as_dict() for x in logged])
    if fmt is OutputFormat.table and not logged:
        out_console.print("No analyst decisions" + ("." if all_ else " in force (--all shows "
                                                          "revoked ones)."))


@decide_app.command("undo")
def undo(ctx: typer.Context,
         decision_id: Annotated[str, typer.Argument(help="Decision id (D-0003).")],
         by: By, why: Why) -> None:
    """Revoke a decision: it stays recorded (who, when, why) and stops applying.

    Example: graphinv decide undo D-0003 --by bo --why 'owner changed in 2026'
    """
    from graphinv.analysis import decision_log

    with handle_errors():
        with open_configured_store(ctx) as store:
            x = decision_log.revoke(store, decision_id, who=by, why=why)
    out_console.print(f"Revoked {x.key} ({x.decision.decision} {x.decision.a}"
                      + (f" {x.decision.b}" if x.decision.b else "")
                      + f") on {x.revoked} by {x.revoked_by}: {x.revoked_why}. The next "
                      "`graphinv clusters` run no longer applies it.", markup=False)


@decide_app.command("export")
def export(ctx: typer.Context,
           out: Annotated[Path, typer.Argument(help="New CSV file to write.")]) -> None:
    """Write every decision (revoked ones too) to a new CSV that `graphinv clusters
    --decisions` reads back.

    Example: graphinv decide export decisions-backup.csv
    """
    from graphinv.analysis import decision_log
    from graphinv.util.tabular import write_text_atomic

    if out.exists():
        raise fail(f"file exists — {out} — give a new file name (graphinv never "
                   "overwrites a file it did not create)", 2)
    with handle_errors():
        with open_configured_store(ctx, read_only=True) as store:
            logged = decision_log.load(store, include_revoked=True)
        write_text_atomic(out, decision_log.export_rows(logged))
    out_console.print(f"Wrote {len(logged)} decision(s) to {out}.", markup=False)

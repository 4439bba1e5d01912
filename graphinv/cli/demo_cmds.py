"""``graphinv demo``: the one-command first run on the bundled sample."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from graphinv.cli.common import (
    app,
    err_console,
    fail,
    handle_errors,
    open_in_browser,
    out_console,
    store_stamp,
)
from graphinv.config import DEFAULT_SEED


def sample_dir() -> Path:
    """The bundled sample: ``graphinv/demo_data`` in an installed wheel, else the
    checkout's ``examples/data``."""
    from graphinv.util.resources import shipped_dir

    found = shipped_dir("demo_data", "examples/data")
    return found if found is not None else Path("examples/data")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(
        "--out-dir", help="Directory for the demo store, HTML view and exports.")] = Path(
        "graphinv-demo"),
    out_old: Annotated[Path | None, typer.Option(
        "--out", "-o", hidden=True, help="Old name of --out-dir.")] = None,
    sample: Annotated[Path | None, typer.Option(
        "--sample", help="Directory holding listings.csv and flags.csv "
        "[default: the bundled examples/data].")] = None,
    open_browser: Annotated[bool, typer.Option(
        "--open", help="Open the index page in a browser when done.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Community-detection seed.")
                    ] = DEFAULT_SEED,
) -> None:
    """Ingest the bundled sample into a fresh embedded store, find the gangs, write the view.

    Everything goes under --out-dir (a fresh store in OUT/data, the HTML view in OUT/view).
    OUT must be new, empty, or an earlier demo's: graphinv never deletes or overwrites a
    file it did not write.
    No server needed. Example: graphinv demo --out-dir demo-out --open
    """
    out = out_old or out  # --out/-o: the old name, kept working for scripts
    from graphinv.analysis.engine import EngineOptions
    from graphinv.analysis.pipeline import ClusterOptions, run_clusters
    from graphinv.config import StoreConfig
    from graphinv.ingest.pipeline import IngestOptions, ingest_paths
    from graphinv.render import write_site
    from graphinv.render.outdir import finish_demo_dir, publish, start_demo_dir
    from graphinv.store import open_store

    src = sample or sample_dir()
    listings, flags = src / "listings.csv", src / "flags.csv"
    if not listings.is_file():
        raise fail(f"sample data not found — {listings} — pass --sample DIR or regenerate it "
                   "with: python examples/generate.py --rows 3000 --seed 7 --out examples/data")
    view_dir = out / "view"
    with handle_errors():
        # A fresh store, without deleting anything graphinv did not write (the old
        # rmtree of OUT/data took a user's proj/data/my_listings.csv with it).
        data_dir = start_demo_dir(out)
        err_console.print(f"Ingesting {listings} into a fresh embedded store at {data_dir} …",
                          markup=False)
        try:
            with open_store(StoreConfig.from_values(store="embedded",
                                                    data_dir=data_dir)) as store:
                rep = ingest_paths(store, [listings], IngestOptions(
                    data_dir=data_dir, source="graphinv-demo",
                    flags=[flags] if flags.is_file() else []))
                err_console.print("Finding clusters …", markup=False)
                result = run_clusters(store, ClusterOptions(engine=EngineOptions(seed=seed),
                                                            details=True))
                stamp = store_stamp(store, result)  # the pages' provenance
        except BaseException:
            # OUT/data was empty when this run began: what is in it now is this run's,
            # recorded so that the next demo may remove it (Ctrl-C, a failure).
            finish_demo_dir(out, status="interrupted")
            raise
        finish_demo_dir(out)
        index = publish(view_dir, "view", lambda stage: write_site(result, stage,
                                                                   provenance=stamp))
    gangs = result.clusters
    platforms = {p for c in gangs for p in c.get("platforms", [])}
    countries = {p for c in gangs for p in c.get("countries", [])}
    multi = sum(1 for c in gangs if len(c.get("platforms", [])) > 1)
    out_console.print(
        f"Ingested {rep.read} rows: {rep.loaded} loaded, {rep.rejected} rejected "
        f"(see {rep.rejects_path}).", markup=False)
    out_console.print(
        f"Found {len(gangs)} gangs covering {result.stats.get('clustered_shops', 0)} of "
        f"{result.stats.get('shops', 0)} shops; {multi} span several platforms; together "
        f"they reach {len(platforms)} platforms and {len(countries)} countries. "
        f"{len(result.hubs)} hubs (warehouses, payment aggregators, factories) were "
        f"down-weighted; {len(result.leads)} unflagged shops are leads.", markup=False)
    if gangs:
        top = gangs[0]
        out_console.print(
            f"Top cluster {top['cluster_id']}: {top['shops']} shops on "
            f"{', '.join(top.get('platforms', []))} in {', '.join(top.get('countries', []))}, "
            f"risk {top.get('risk', 0):.2f}, {top.get('flagged_shops', 0)} flagged.",
            markup=False)
    # Absolute and quoted: the next steps work from any directory, whatever the path holds.
    env = f"GRAPHINV_DATA_DIR={shlex.quote(str(data_dir.resolve()))}"
    first = gangs[0]["cluster_id"] if gangs else "G-0001"
    out_console.print("\nNext:", markup=False)
    out_console.print(f"  open {shlex.quote(str(index.resolve()))}", markup=False)
    out_console.print(f"  {env} graphinv clusters --limit 10", markup=False)
    out_console.print(f"  {env} graphinv explain --cluster {first}", markup=False)
    out_console.print(f"  {env} graphinv query run top-clusters", markup=False)
    out_console.print(f"  {env} graphinv query run shared-payment-accounts", markup=False)
    out_console.print(f"  {env} graphinv query run hubs", markup=False)
    truth = shlex.quote(str((src / "truth.csv").resolve()))
    out_console.print(f"  {env} graphinv evaluate --truth {truth}", markup=False)
    if open_browser:
        open_in_browser(index)

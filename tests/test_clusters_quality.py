"""Quality bar on the examples generator's data (planted gangs and hub traps),
through the CLI end to end: generate → graphinv ingest → graphinv clusters →
graphinv evaluate. Seeded, so the numbers are reproducible."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.store import open_store
from tests.examples_support import load_generator

ROWS = 3000
SEED = 7

pytestmark = pytest.mark.slow


def _generator() -> ModuleType:
    return load_generator()


def _ingest(runner: CliRunner, args: list[str], data: Path) -> None:
    res = runner.invoke(app, [*args, "ingest", str(data / "listings.csv"),
                              "--flags", str(data / "flags.csv")])
    assert res.exit_code == 0, (res.output, res.exception)


def test_planted_gangs_are_recovered_and_hubs_never_glue(runner: CliRunner,
                                                         tmp_path: Path) -> None:
    data = tmp_path / "gen"
    counts = _generator().generate(data, rows=ROWS, seed=SEED, extras=False)
    args = ["--data-dir", str(tmp_path / "store")]
    _ingest(runner, args, data)
    res = runner.invoke(app, [*args, "clusters", "--format", "json", "--seed", "1"])
    assert res.exit_code == 0, (res.output, res.exception)
    clusters = json.loads(res.stdout)
    with open_store(StoreConfig.from_values(data_dir=tmp_path / "store")) as st:
        n_shops = st.counts()[0]["Shop"]
        hub_raws: set[str] = set()
        for label in ("PaymentAccount", "Address", "Supplier"):
            for _key, raws, hub in st.stream_nodes(label, ["raws", "hub"]):
                if hub:
                    hub_raws.update(r.strip() for r in raws or ())
    assert len(clusters) >= counts["gangs"] * 0.8
    assert max(c["shops"] for c in clusters) <= 0.05 * n_shops

    res = runner.invoke(app, [*args, "evaluate", "--truth", str(data / "truth.csv"),
                              "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    ev = json.loads(res.stdout)
    assert ev["f1"] >= 0.90, ev
    assert ev["ari"] >= 0.90, ev
    assert ev["groups_recovered"] >= 0.9 * ev["truth_groups"], ev

    # Hub traps: (almost) every listing row that used a hub spelling points at a node
    # marked as a hub, whichever way the hub was written.
    total: dict[str, int] = {}
    covered: dict[str, int] = {}
    with (data / "hubs.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            n = int(row["rows"])
            total[row["hub_id"]] = total.get(row["hub_id"], 0) + n
            if row["spelling"].strip() in hub_raws:
                covered[row["hub_id"]] = covered.get(row["hub_id"], 0) + n
    coverage = {h: covered.get(h, 0) / n for h, n in total.items()}
    assert all(v >= 0.8 for v in coverage.values()), coverage
    assert all(v >= 0.95 for h, v in coverage.items() if not h.startswith("SUP")), coverage


def test_hub_traps_alone_make_no_gang(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "gen"
    _generator().generate(data, rows=600, seed=SEED, gang_fraction=0.0, bad_rows=0,
                          extras=False)
    args = ["--data-dir", str(tmp_path / "store")]
    _ingest(runner, args, data)
    res = runner.invoke(app, [*args, "clusters", "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    assert json.loads(res.stdout) == []

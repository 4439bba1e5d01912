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
    assert all(v >= 0.8 for v in coverage.values()), sorted(coverage.items())
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


# -- issue #19: the realistic shapes (examples/shapes.py), two sizes ----------------------
# Seeds the algorithm was not tuned on (it was tuned on seed 101 at 5k and 50k).
SHAPES_RUNS = {"5k": (5_000, 7), "20k": (20_000, 2027)}


@pytest.fixture(scope="module", params=sorted(SHAPES_RUNS))
def shapes_run(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Generate with shapes, ingest and cluster through the CLI once per size."""
    rows, seed = SHAPES_RUNS[request.param]
    tmp = tmp_path_factory.mktemp(f"shapes{request.param}")
    data = tmp / "gen"
    counts = _generator().generate(data, rows=rows, seed=seed, extras=False, shapes=True)
    runner = CliRunner()
    args = ["--data-dir", str(tmp / "store")]
    _ingest(runner, args, data)
    res = runner.invoke(app, [*args, "clusters", "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    res = runner.invoke(app, [*args, "evaluate", "--truth", str(data / "truth.csv"),
                              "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    return {"data": data, "args": args, "counts": counts, "eval": json.loads(res.stdout)}


def _cluster_labels(args: list[str], data: Path) -> tuple[dict[str, list[str]], set[str]]:
    """Truth group (or "legit") of every clustered shop, by cluster; and the hub raws."""
    truth = {}
    with (data / "truth.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            truth[(row["shop_id"], row["platform"])] = row["gang_id"] or "legit"
    clusters: dict[str, list[str]] = {}
    hub_raws: set[str] = set()
    with open_store(StoreConfig.from_values(data_dir=Path(args[1]))) as st:
        for _key, shop_id, platform, cid in st.stream_nodes(
                "Shop", ["shop_id", "platform", "cluster_id"]):
            if cid and (shop_id, platform) in truth:  # planted bad rows are not in truth
                clusters.setdefault(cid, []).append(truth[(shop_id, platform)])
        for label in ("PaymentAccount", "Address"):
            for _key, raws, hub in st.stream_nodes(label, ["raws", "hub"]):
                if hub:
                    hub_raws.update(r.strip() for r in raws or ())
    return clusters, hub_raws


def test_shapes_quality_holds_as_the_data_grows(shapes_run: dict[str, object]) -> None:
    ev = shapes_run["eval"]
    assert isinstance(ev, dict)
    assert ev["unmatched_rows"] == 0, ev
    assert ev["f1"] >= 0.95, ev
    assert ev["ari"] >= 0.95, ev
    args, data = shapes_run["args"], shapes_run["data"]
    assert isinstance(args, list) and isinstance(data, Path)
    clusters, _ = _cluster_labels(args, data)
    ranked = sorted(clusters.values(), key=len, reverse=True)
    purity = [max(labels.count(x) for x in set(labels)) / len(labels) for labels in ranked[:10]]
    assert purity[0] >= 0.95, purity
    assert min(purity) >= 0.95, purity


def test_shapes_small_hubs_are_found(shapes_run: dict[str, object]) -> None:
    """The rows that name a small forwarder or aggregator point at a node marked as a hub,
    at both sizes (sized for the data, not by a fixed count). Some spellings are never
    joined by resolution and stay one-shop nodes that tie nothing: hence 85 %, not 100 %."""
    args, data = shapes_run["args"], shapes_run["data"]
    assert isinstance(args, list) and isinstance(data, Path)
    _, hub_raws = _cluster_labels(args, data)
    total: dict[str, int] = {}
    covered: dict[str, int] = {}
    with (data / "hubs.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["kind"] not in ("forwarder", "aggregator"):
                continue
            n = int(row["rows"])
            total[row["hub_id"]] = total.get(row["hub_id"], 0) + n
            if row["spelling"].strip() in hub_raws:
                covered[row["hub_id"]] = covered.get(row["hub_id"], 0) + n
    assert len(total) >= 35, sorted(total)  # of 25 forwarders and 15 aggregators
    coverage = {h: round(covered.get(h, 0) / n, 3) for h, n in sorted(total.items())}
    assert sum(covered.values()) >= 0.85 * sum(total.values()), coverage

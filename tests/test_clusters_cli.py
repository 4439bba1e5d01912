"""CLI: graphinv clusters (+ history, hubs), explain, evaluate — outputs and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.store import open_store
from tests.clusters_support import FIXTURES, build, load_spec


def _build(args: list[str], spec_name: str = "chain_and_hub.json") -> None:
    store = args[args.index("--store") + 1] if "--store" in args else "embedded"
    data_dir = args[args.index("--data-dir") + 1]
    with open_store(StoreConfig.from_values(store=store, data_dir=data_dir)) as st:
        build(st, load_spec(spec_name))


@pytest.fixture
def emb_args(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "cli-data")]


def _ok(runner: CliRunner, args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, (res.output, res.exception)
    return res.stdout


def test_clusters_outputs_on_both_stores(runner: CliRunner, store_args: list[str],
                                         tmp_path: Path) -> None:
    _build(store_args)
    members = tmp_path / "members.csv"
    out = _ok(runner, [*store_args, "clusters", "--members", str(members)])
    assert "G-0001" in out and "Hubs" in out and "unrelated groups" in out
    rows = list(csv.reader(members.open(encoding="utf-8")))
    assert rows[0] == ["shop_id", "platform", "cluster_id", "risk"]
    assert sorted(r[0] for r in rows[1:]) == ["G1", "G2", "G4", "G5", "g3"]  # as in the input
    assert {r[2] for r in rows[1:]} == {"G-0001"}
    data = json.loads(_ok(runner, [*store_args, "clusters", "--format", "json"]))
    assert [c["cluster_id"] for c in data] == ["G-0001"]
    assert data[0]["shops"] == 5 and data[0]["platforms"] == ["aliexpress", "ebay", "taobao"]
    text = _ok(runner, [*store_args, "clusters", "--format", "csv"])
    table = list(csv.DictReader(io.StringIO(text)))
    assert table[0]["cluster_id"] == "G-0001" and table[0]["shops"] == "5"
    assert table[0]["platforms"] == "aliexpress; ebay; taobao"


def test_clusters_out_file_history_and_hubs(runner: CliRunner, emb_args: list[str],
                                            tmp_path: Path) -> None:
    _build(emb_args)
    out = tmp_path / "clusters.json"
    res = runner.invoke(app, [*emb_args, "clusters", "--format", "json", "--out", str(out)])
    assert res.exit_code == 0 and res.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))[0]["cluster_id"] == "G-0001"
    _ok(runner, [*emb_args, "clusters", "--min-platforms", "4"])
    runs = json.loads(_ok(runner, [*emb_args, "clusters", "history", "--format", "json"]))
    assert [r["clusters"] for r in runs] == [1, 0]
    assert runs[0]["events"] == [{"event": "new", "cluster": "G-0001", "shops": 5}]
    assert runs[1]["events"] == [{"event": "dissolved", "cluster": "G-0001"}]
    assert runs[1]["params"]["min_platforms"] == 4
    table = _ok(runner, [*emb_args, "clusters", "history"])
    assert "dissolved" in table and "G-0001" in table
    last = json.loads(_ok(runner, [*emb_args, "clusters", "history", "--last", "1",
                                   "--changes", "-f", "json"]))
    assert [r["events"] for r in last] == [[{"event": "dissolved", "cluster": "G-0001"}]]
    hubs = json.loads(_ok(runner, [*emb_args, "clusters", "hubs", "--format", "json"]))
    assert sorted((h["kind"], h["hub"]) for h in hubs) == [
        ("Address", "CN:50 518000 huaqiang north road shenzhen"),
        ("Address", "CN:50 huaqiang north rd shenzhen"),
        ("Address", "CN:50 huaqiangbei shenzhen no")]
    assert [h["shops"] for h in hubs] == [11, 10, 10]  # the saved query's order
    assert all("unrelated groups" in h["reason"] for h in hubs)


def test_clusters_with_hubs_file_and_empty_result(runner: CliRunner, emb_args: list[str],
                                                  tmp_path: Path) -> None:
    _build(emb_args, "hubs_only.json")
    out = _ok(runner, [*emb_args, "clusters"])
    assert "No clusters found among 40 shops" in out
    hubs = tmp_path / "hubs.txt"
    hubs.write_text("Phone: +1 555 000 0000\n", encoding="utf-8")
    res = runner.invoke(app, [*emb_args, "clusters", "--hubs", str(hubs)])
    assert res.exit_code == 0
    assert "hubs file entry matches nothing" in res.stderr


def test_clusters_usage_errors(runner: CliRunner, emb_args: list[str], tmp_path: Path) -> None:
    res = runner.invoke(app, [*emb_args, "clusters", "--min-shops", "1"])
    assert res.exit_code == 2
    res = runner.invoke(app, [*emb_args, "clusters", "--hubs", str(tmp_path / "nope.txt")])
    assert res.exit_code == 2 and "hubs file not found" in res.stderr
    res = runner.invoke(app, ["--store", "bolt://127.0.0.1:1", "clusters"])
    assert res.exit_code == 1 and "Error:" in res.stderr


def test_clusters_html_view(runner: CliRunner, emb_args: list[str], tmp_path: Path) -> None:
    _build(emb_args)
    site = tmp_path / "site"
    res = runner.invoke(app, [*emb_args, "clusters", "--html", str(site), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert (site / "index.html").is_file()
    assert "HTML view written" in res.stderr


def test_explain_commands(runner: CliRunner, emb_args: list[str]) -> None:
    _build(emb_args)
    _ok(runner, [*emb_args, "clusters"])
    out = _ok(runner, [*emb_args, "explain", "G1", "g3"])
    assert "Chain 1: 4 links" in out
    assert "listings.csv:2 '+86 138 0013 8000'" in out
    assert "spellings: '+86 138 0013 8000', '0086 138-0013-8000'" in out
    data = json.loads(_ok(runner, [*emb_args, "explain", "G1", "Phone:+8613800138000",
                                   "--format", "json"]))
    assert data["chains"][0]["hops"] == 1
    out = _ok(runner, [*emb_args, "explain", "--cluster", "G-0001"])
    assert out.startswith("G-0001: 5 shops on 3 platform(s)")
    assert "Strongest chain of bonds" in out and "Hubs (not evidence of a gang)" in out
    data = json.loads(_ok(runner, [*emb_args, "explain", "--cluster", "G-0001", "-f", "json"]))
    assert len(data["bonds"]) == 4
    out = _ok(runner, [*emb_args, "explain", "g3", "L0"])
    assert "No evidence chain" in out and "--via-hubs" in out
    assert runner.invoke(app, [*emb_args, "explain", "G1"]).exit_code == 2
    assert runner.invoke(app, [*emb_args, "explain", "G1", "g3", "-f", "csv"]).exit_code == 2
    assert runner.invoke(app, [*emb_args, "explain", "G1", "G2", "--cluster", "G-0001"]
                         ).exit_code == 2
    res = runner.invoke(app, [*emb_args, "explain", "G1", "nobody@nowhere.example"])
    assert res.exit_code == 1 and "no shop, seller or identifier matches" in res.stderr
    res = runner.invoke(app, [*emb_args, "explain", "--cluster", "G-0404"])
    assert res.exit_code == 1


def test_evaluate_command(runner: CliRunner, emb_args: list[str], tmp_path: Path) -> None:
    _build(emb_args)
    truth = FIXTURES / "chain_truth.csv"
    res = runner.invoke(app, [*emb_args, "evaluate", "--truth", str(truth)])
    assert res.exit_code == 2 and "graphinv clusters" in res.stderr
    _ok(runner, [*emb_args, "clusters"])
    out = _ok(runner, [*emb_args, "evaluate", "--truth", str(truth)])
    assert "pairwise F1" in out and "adjusted Rand index" in out
    data = json.loads(_ok(runner, [*emb_args, "evaluate", "--truth", str(truth), "-f", "json"]))
    assert data["f1"] == 1.0 and data["ari"] == 1.0 and data["groups_recovered"] == 1
    assert data["unmatched_rows"] == 1
    res = runner.invoke(app, [*emb_args, "evaluate", "--truth", str(tmp_path / "x.csv")])
    assert res.exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("id,gang\n1,a\n", encoding="utf-8")
    res = runner.invoke(app, [*emb_args, "evaluate", "--truth", str(bad)])
    assert res.exit_code == 2 and "shop_id" in res.stderr


def test_every_cluster_command_has_help(runner: CliRunner) -> None:
    for cmd in (["clusters"], ["clusters", "history"], ["clusters", "hubs"], ["explain"],
                ["evaluate"]):
        res = runner.invoke(app, [*cmd, "--help"])
        assert res.exit_code == 0 and "Example:" in res.stdout


def test_view_renders_the_clusters_the_store_holds(runner: CliRunner, store_args: list[str],
                                                   tmp_path: Path) -> None:
    # Shops ingested after `graphinv clusters` (here one sharing the gang's phone) belong
    # to no cluster until the next run: the view shows the run's ids and members, the ones
    # `clusters` printed and the store holds, not a recomputation.
    _build(store_args)
    listed = json.loads(_ok(runner, [*store_args, "clusters", "--format", "json"]))
    late = {"shops": [{"key": "taobao:g9", "shop_id": "G9", "platform": "taobao",
                       "country": "CN", "seen": "2024-09-01"}],
            "links": [["USES_PHONE", "taobao:g9", "Phone", "+8613800138000",
                       "+86 138 0013 8000", 90]]}
    store = store_args[store_args.index("--store") + 1] if "--store" in store_args \
        else "embedded"
    config = StoreConfig.from_values(store=store,
                                     data_dir=store_args[store_args.index("--data-dir") + 1])
    with open_store(config) as st:
        build(st, late)
        stored: dict[str, list[str]] = {}
        for key, cid in st.stream_nodes("Shop", ["cluster_id"]):
            if cid:
                stored.setdefault(cid, []).append(key)
    out = tmp_path / "view"
    _ok(runner, [*store_args, "view", "--top", "0", "--out", str(out)])
    index = json.loads((out / "clusters.json").read_text(encoding="utf-8"))
    assert [c["cluster_id"] for c in index] == [c["cluster_id"] for c in listed] == ["G-0001"]
    page = json.loads((out / "cluster-G-0001.json").read_text(encoding="utf-8"))
    shown = sorted(n["id"].partition(":")[2] for n in page["nodes"] if n["kind"] == "Shop")
    expected = ["aliexpress:g2", "aliexpress:g5", "ebay:g3", "ebay:g4", "taobao:g1"]
    assert shown == sorted(m.partition(":")[2] for m in listed[0]["members"]
                           if m.startswith("Shop:")) == expected
    assert sorted(page["report"]["members"]) == sorted(listed[0]["members"])
    assert {k: sorted(v) for k, v in stored.items()} == {"G-0001": expected}


def test_clusters_engine_option_and_recorded_seed(runner: CliRunner, emb_args: list[str]) -> None:
    _build(emb_args)
    res = runner.invoke(app, [*emb_args, "clusters", "--engine", "nope"])
    assert res.exit_code == 2
    assert "unknown clustering engine — nope — use one of: networkx" in res.stderr
    _ok(runner, [*emb_args, "clusters", "--engine", "networkx", "--seed", "7"])
    (run,) = json.loads(_ok(runner, [*emb_args, "clusters", "history", "--format", "json"]))
    assert "seed" not in run["params"]
    assert run["params"]["engine"]["name"] == "networkx" and run["params"]["engine"]["seed"] == 7

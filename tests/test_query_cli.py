"""``graphinv query list | show | run`` end to end, on both stores."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.store import open_store
from tests.query_fixture import build_query_fixture

Q = Path(__file__).parent / "fixtures" / "queries"


def _filled(store_args: list[str]) -> list[str]:
    """Put the fixture graph into the store the CLI options select."""
    uri = store_args[store_args.index("--store") + 1] if "--store" in store_args else None
    data = store_args[store_args.index("--data-dir") + 1]
    st = open_store(StoreConfig.from_values(store=uri, data_dir=data))
    try:
        build_query_fixture(st)
        st.merge_nodes("Seller", [
            {"key": "xx:evil1", "name": '=HYPERLINK("http://evil.example","click")'},
            {"key": "xx:evil2", "name": "+cmd|' /C calc'!A0"},
            {"key": "xx:evil3", "name": "@SUM(1+1)"},
            {"key": "xx:evil4", "name": "-2+3"},
        ])
    finally:
        st.close()
    return store_args


@pytest.fixture
def emb_args(tmp_path: Path) -> list[str]:
    return _filled(["--data-dir", str(tmp_path / "cli-data")])


def test_list_shows_names_descriptions_params(runner: CliRunner) -> None:
    res = runner.invoke(app, ["query", "list"])
    assert res.exit_code == 0, res.output
    for name in ("shared-payment-accounts", "evidence-path", "reappearance", "db-labels"):
        assert name in res.stdout
    assert "min_platforms: int 2..50 = 2" in res.stdout
    res = runner.invoke(app, ["query", "list", "--tag", "leads", "--format", "json"])
    data = json.loads(res.stdout)
    assert [d["name"] for d in data] == ["leads", "reappearance"]
    assert data[0]["params"][0] == {"name": "shop", "type": "str", "default": "",
                                    "required": False, "help": data[0]["params"][0]["help"],
                                    "min": None, "max": None}
    res = runner.invoke(app, ["query", "list", "--search", "nothing-like-this"])
    assert res.exit_code == 0 and "No saved query matches" in res.stderr


def test_list_with_extra_folders(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    res = runner.invoke(app, ["query", "list", "--queries", str(Q / "extra"), "-f", "csv"])
    assert res.exit_code == 0
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert ["shops-per-platform"] == [r[0] for r in rows if r[0] == "shops-per-platform"]
    monkeypatch.setenv("GRAPHINV_QUERIES", os.pathsep.join([str(Q / "extra"), str(Q / "broken")]))
    res = runner.invoke(app, ["query", "list", "--search", "custom"])
    assert res.exit_code == 0
    assert "shops-per-platform" in res.stdout and "top-clusters" in res.stdout
    assert "skipped a broken query file" in res.stderr and "bad-type.cypher:3" in res.stderr
    res = runner.invoke(app, ["query", "list", "--queries", "/no/such/dir"])
    assert res.exit_code == 2 and "queries folder not found" in res.stderr


def test_show_prints_highlighted_cypher(runner: CliRunner) -> None:
    res = runner.invoke(app, ["query", "show", "evidence-path"])
    assert res.exit_code == 0, res.output
    assert "allShortestPaths" in res.stdout and "-p from: str (required)" in res.stdout
    assert "Example: graphinv query run evidence-path -p from=" in res.stdout
    res = runner.invoke(app, ["query", "show", "evidence-path", "--embedded"])
    assert "ALL SHORTEST 1..8 (_r, x | WHERE" in res.stdout
    res = runner.invoke(app, ["query", "show", "shop-neighbourhood", "--embedded"],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "// path bounds shown with hops=2" in res.stdout
    assert "-[* TRAIL 1..2 (_r, x | WHERE NOT (NOT $through_hubs" in res.stdout
    res = runner.invoke(app, ["query", "show", "evidence-pat"])
    assert res.exit_code == 2 and "did you mean evidence-path" in res.stderr


def test_run_formats_on_both_stores(runner: CliRunner, store_args: list[str]) -> None:
    args = _filled(store_args)
    res = runner.invoke(app, [*args, "query", "run", "reappearance"])
    assert res.exit_code == 0, res.output
    assert "ebay:fresh-kicks" in res.stdout and "reappearance (2 rows" in res.stdout
    res = runner.invoke(app, [*args, "query", "run", "leads", "-p", "shop=amazon:a1luxe",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    assert [(r["lead"], r["links"]) for r in json.loads(res.stdout)] == [
        ("ebay:luxe-bags-eu", 3), ("taobao:tb-1001", 2)]
    res = runner.invoke(app, [*args, "query", "run", "shared-contacts", "-p", "min_platforms=3",
                              "-f", "csv"])
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ["kind", "contact", "n_platforms", "platforms", "shops"]
    assert rows[1][:3] == ["Phone", "+85291234567", "3"]
    assert rows[1][3] == "aliexpress; ebay; shopee"


def test_run_writes_neutralized_csv(runner: CliRunner, emb_args: list[str],
                                    tmp_path: Path) -> None:
    out = tmp_path / "out" / "sellers.csv"
    res = runner.invoke(app, [*emb_args, "query", "run", "--file",
                              str(Q / "adhoc" / "injection-names.cypher"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"Wrote 9 rows to {out}" in res.stderr
    names = {r["seller"]: r["name"] for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert names["xx:evil1"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert names["xx:evil2"].startswith("'+cmd")
    assert names["xx:evil3"] == "'@SUM(1+1)"
    assert names["xx:evil4"] == "'-2+3"
    assert names["cn:zhang wei"] == "Zhang Wei"
    jout = tmp_path / "sellers.json"
    res = runner.invoke(app, [*emb_args, "query", "run", "--file",
                              str(Q / "adhoc" / "injection-names.cypher"), "--out", str(jout)])
    assert json.loads(jout.read_text(encoding="utf-8"))[-1]["name"] == "-2+3"


def test_run_adhoc_file_with_params_and_limit(runner: CliRunner, emb_args: list[str]) -> None:
    path = str(Q / "adhoc" / "shops-on-platform.cypher")
    res = runner.invoke(app, [*emb_args, "query", "run", "--file", path, "-p", "platform=ebay",
                              "-f", "csv", "--limit", "1"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["shop,name", "ebay:fresh-kicks,Fresh Kicks"]
    assert "Showing the first 1 rows; raise --limit" in res.stderr
    res = runner.invoke(app, [*emb_args, "query", "run", "--file", path])
    assert res.exit_code == 2 and "missing parameter 'platform'" in res.stderr


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["query", "run", "shop-neighbourhood"], 2, "missing parameter 'shop'"),
    (["query", "run", "shop-neighbourhood", "-p", "shop=x", "-p", "hops=9"], 2,
     "parameter 'hops' is out of range — 9 — expected int from 1 to 4"),
    (["query", "run", "shop-neighbourhood", "-p", "shop=x", "-p", "depth=2"], 2,
     "unknown parameter 'depth'"),
    (["query", "run", "shop-neighbourhood", "-p", "shop"], 2, "must look like name=value"),
    (["query", "run", "top-clusters", "-p", "top=ten"], 2, "parameter 'top' is not an integer"),
    (["query", "run", "no-such-query"], 2, "no saved query by that name"),
    (["query", "run"], 2, "give a saved query NAME or --file PATH"),
    (["query", "run", "leads", "--file", "x.cypher"], 2, "not both"),
    (["query", "run", "--file", str(Q / "adhoc" / "sneaky-delete.cypher")], 1,
     "query refused: it writes to the graph — DETACH at line 3"),
    (["query", "run", "--file", str(Q / "broken" / "bad-type.cypher")], 2,
     "unknown type 'integer'"),
    (["query", "run", "db-labels"], 1, "needs the neo4j store"),
    (["query", "run", "--file", "/no/such.cypher"], 1, "cannot read the query file"),
])
def test_run_errors_and_exit_codes(runner: CliRunner, emb_args: list[str], argv: list[str],
                                   code: int, message: str) -> None:
    res = runner.invoke(app, [*emb_args, *argv])
    assert res.exit_code == code, res.output
    assert message in res.stderr, res.stderr


def test_refusal_happens_before_the_store_opens(runner: CliRunner, tmp_path: Path) -> None:
    """An unreachable store is never contacted for a refused query or bad params."""
    bad = ["--store", "bolt://127.0.0.1:1"]
    res = runner.invoke(app, [*bad, "query", "run", "--file",
                              str(Q / "adhoc" / "sneaky-delete.cypher")])
    assert res.exit_code == 1 and "query refused" in res.stderr
    res = runner.invoke(app, [*bad, "query", "run", "find-shops"])
    assert res.exit_code == 2 and "missing parameter 'text'" in res.stderr


def test_run_times_out_cleanly(runner: CliRunner, store_args: list[str], tmp_path: Path) -> None:
    args = _filled(store_args)
    slow = tmp_path / "slow.cypher"
    slow.write_text("MATCH (a), (b), (c), (d), (e), (f)\n"
                    "WHERE a.key + b.key + c.key + d.key + e.key + f.key = $k\n"
                    "RETURN count(*) AS n\n", encoding="utf-8")
    res = runner.invoke(app, [*args, "query", "run", "--file", str(slow), "-p", "k=x",
                              "--timeout", "1"])
    assert res.exit_code == 1, res.output
    assert "query stopped at its timeout" in res.stderr

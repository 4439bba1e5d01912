"""Issue #21 item 4: analyst decisions override the automatic run, are recorded with
provenance and carried over to later runs (cluster ids stay stable)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.analysis.pipeline import ClusterOptions, last_run_results, run_clusters
from graphinv.cli.app import app
from graphinv.errors import InputError
from graphinv.store import Store
from tests.clusters_support import build, load_spec, shop_sets

GANG = ["aliexpress:g2", "aliexpress:g5", "ebay:g3", "ebay:g4", "taobao:g1"]
EMAIL = "Email:kingbag@163.com"  # G2-G3: the only tie between {G1, G2} and {G3, G4, G5}
WAREHOUSE = "Address:CN:50 huaqiang north rd shenzhen"


def _file(tmp_path: Path, *rows: str, name: str = "decisions.csv") -> Path:
    p = tmp_path / name
    p.write_text("decision,a,b,who,when,why\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_hub_decision_splits_and_is_kept_by_later_runs(store: Store, tmp_path: Path) -> None:
    build(store, load_spec("chain_and_hub.json"))
    first = run_clusters(store, ClusterOptions())
    assert shop_sets(first) == [GANG]
    dec = _file(tmp_path, f"hub,{EMAIL},,ana,2026-12-01,shared mailbox of a reseller")
    second = run_clusters(store, ClusterOptions(decisions_file=dec))
    assert shop_sets(second) == [["aliexpress:g2", "taobao:g1"],
                                 ["aliexpress:g5", "ebay:g3", "ebay:g4"]]
    hubs = {h["id"]: h["reason"] for h in second.hubs}
    assert hubs[EMAIL] == ("analyst decision on 2026-12-01 by ana: "
                           "shared mailbox of a reseller")
    # The larger part keeps the old id; the decision is recorded with the run.
    ids = {c["cluster_id"]: c["shops"] for c in second.clusters}
    assert ids == {"G-0001": 3, "G-0002": 2}
    assert second.params["decisions"] == [{"decision": "hub", "a": EMAIL, "b": None,
                                           "who": "ana", "when": "2026-12-01",
                                           "why": "shared mailbox of a reseller"}]
    # A later run without the file keeps the decision (it is in the run record).
    third = run_clusters(store, ClusterOptions())
    assert shop_sets(third) == shop_sets(second)
    assert [c["cluster_id"] for c in third.clusters] == [c["cluster_id"]
                                                         for c in second.clusters]
    # A later opposite decision on the same identifier replaces it.
    undo = _file(tmp_path, f"not-hub,{EMAIL},,bo,2026-12-02,checked: one gang's mailbox",
                 name="undo.csv")
    fourth = run_clusters(store, ClusterOptions(decisions_file=undo))
    assert shop_sets(fourth) == [GANG]
    assert [d["decision"] for d in fourth.params["decisions"]] == ["not-hub"]


def test_cluster_decisions_set_gang_likeness_and_leave_the_leads(store: Store,
                                                                  tmp_path: Path) -> None:
    build(store, load_spec("chain_and_hub.json"))
    run_clusters(store, ClusterOptions())
    dec = _file(tmp_path, "not-a-gang,g-0001,,ana,2026-12-01,licensed reseller (contract 17)")
    result = run_clusters(store, ClusterOptions(decisions_file=dec))
    (c,) = result.clusters
    assert c["cluster_id"] == "G-0001" and c["gang_likeness"] == 0.0
    assert c["decision"] == {"decision": "not-a-gang", "provenance":
                             "analyst decision on 2026-12-01 by ana: "
                             "licensed reseller (contract 17)"}
    assert c["reasons"][0]["feature"] == "analyst_decision"
    # Read back as the view and `clusters show` do: the decision still applies.
    (again,) = last_run_results(store, details=False).clusters
    assert again["gang_likeness"] == 0.0 and again["decision"] == c["decision"]


def test_same_and_not_same(embedded_store: Store, tmp_path: Path) -> None:
    build(embedded_store, load_spec("chain_and_hub.json"))
    run_clusters(embedded_store, ClusterOptions())
    dec = _file(tmp_path,
                "same,Shop:taobao:g1,Shop:amazon:l0,ana,2026-12-01,same bank statement",
                "not-same,Shop:taobao:g1,Shop:aliexpress:g5,ana,2026-12-01,other owner")
    result = run_clusters(embedded_store, ClusterOptions(decisions_file=dec))
    assert shop_sets(result) == [["aliexpress:g2", "amazon:l0", "ebay:g3", "ebay:g4",
                                  "taobao:g1"]]
    assert result.clusters[0]["cluster_id"] == "G-0001"
    assert [d["decision"] for d in result.decisions["applied"]] == ["same", "not-same"]
    assert result.decisions["unmatched"] == []


def test_bad_decisions_are_errors_naming_the_line(tmp_path: Path, runner: CliRunner) -> None:
    from graphinv.analysis.decisions import read_decisions

    bad = _file(tmp_path, "hub,Phone:+1,,ana,2026-12-01,x", "merge,Shop:a:1,Shop:a:2,ana,d,y")
    with pytest.raises(InputError, match="decisions.csv:3"):
        read_decisions(bad)
    with pytest.raises(InputError, match="no why"):
        read_decisions(_file(tmp_path, "hub,Phone:+1,,ana,2026-12-01,"))
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "st"), "clusters",
                              "--decisions", str(tmp_path / "missing.csv")])
    assert res.exit_code == 2 and "decisions file not found" in res.output


def test_explain_shows_the_decisions(runner: CliRunner, tmp_path: Path) -> None:
    from graphinv.config import StoreConfig
    from graphinv.store import open_store

    args = ["--data-dir", str(tmp_path / "st")]
    with open_store(StoreConfig.from_values(data_dir=tmp_path / "st")) as st:
        build(st, load_spec("chain_and_hub.json"))
    dec = _file(tmp_path,
                "same,Shop:taobao:g1,Shop:amazon:l0,ana,2026-12-01,same bank statement")
    res = runner.invoke(app, [*args, "clusters", "--decisions", str(dec)])
    assert res.exit_code == 0, (res.output, res.exception)
    res = runner.invoke(app, [*args, "explain", "--cluster", "G-0001", "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    import json

    data = json.loads(res.stdout)
    assert data["decisions"] == [{"decision": "same", "a": "Shop:taobao:g1",
                                  "b": "Shop:amazon:l0", "provenance":
                                  "analyst decision on 2026-12-01 by ana: same bank statement",
                                  "id": "D-0001"}]
    assert ("Shop:taobao:g1 and Shop:amazon:l0 linked by analyst decision on 2026-12-01"
            in data["summary"])
    res = runner.invoke(app, [*args, "explain", "--cluster", "G-0001"])
    assert res.exit_code == 0 and "Analyst decisions" in res.stdout


def test_view_page_shows_gang_likeness_reasons_and_decision(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    from graphinv.config import StoreConfig
    from graphinv.store import open_store

    args = ["--data-dir", str(tmp_path / "st")]
    with open_store(StoreConfig.from_values(data_dir=tmp_path / "st")) as st:
        build(st, load_spec("chain_and_hub.json"))
    dec = _file(tmp_path, "confirmed,G-0001,,ana,2026-12-01,test purchase 4411 fake")
    res = runner.invoke(app, [*args, "clusters", "--decisions", str(dec),
                              "--html", str(tmp_path / "site")])
    assert res.exit_code == 0, (res.output, res.exception)
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html")
             if "Gang-likeness" in p.read_text(encoding="utf-8")]
    assert len(pages) == 1
    assert ("analyst_decision 1.00 (+1.00): analyst decision on 2026-12-01 by ana: "
            "test purchase 4411 fake") in pages[0]


def test_dossier_shows_reasons_and_decisions(runner: CliRunner, tmp_path: Path) -> None:
    from graphinv.config import StoreConfig
    from graphinv.store import open_store

    args = ["--data-dir", str(tmp_path / "st")]
    with open_store(StoreConfig.from_values(data_dir=tmp_path / "st")) as st:
        build(st, load_spec("chain_and_hub.json"))
    dec = _file(tmp_path,
                "same,Shop:taobao:g1,Shop:amazon:l0,ana,2026-12-01,same bank statement",
                "confirmed,G-0001,,bo,2026-12-02,test purchase 4411 fake")
    res = runner.invoke(app, [*args, "clusters", "--decisions", str(dec)])
    assert res.exit_code == 0, (res.output, res.exception)
    res = runner.invoke(app, [*args, "report", "G-0001", "--out-dir", str(tmp_path / "rep")])
    assert res.exit_code == 0, (res.output, res.exception)
    (page,) = [p.read_text(encoding="utf-8") for p in (tmp_path / "rep").glob("*.html")]
    assert ("Shop:taobao:g1 and Shop:amazon:l0 linked by analyst decision on 2026-12-01 "
            "by ana: same bank statement") in page
    assert ("analyst_decision 1.00 (+1.00): analyst decision on 2026-12-02 by bo: "
            "test purchase 4411 fake") in page

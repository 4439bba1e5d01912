"""Issue #21 item 4: analyst decisions are first-class data — ``Decision`` nodes in the
store (both stores), recorded by ``graphinv decide`` with who / when / why, revoked but
never deleted, applied by the next ``graphinv clusters`` run, kept across re-ingest and
saved to a file before ``graphinv reset``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from graphinv.analysis import decision_log as log
from graphinv.analysis.pipeline import ClusterOptions, run_clusters
from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.store import Store, open_store
from tests.clusters_support import build, load_spec, shop_sets

GANG = ["aliexpress:g2", "aliexpress:g5", "ebay:g3", "ebay:g4", "taobao:g1"]
EMAIL = "Email:kingbag@163.com"  # G2-G3: the only tie between {G1, G2} and {G3, G4, G5}

# Two shops tied only by two spellings of one address (resolved SAME_AS), two shops
# with a phone each.
SPELLINGS = {
    "shops": [
        {"key": "taobao:a1", "shop_id": "A1", "platform": "taobao", "country": "CN"},
        {"key": "ebay:a2", "shop_id": "A2", "platform": "ebay", "country": "CN"},
        {"key": "ebay:p1", "shop_id": "P1", "platform": "ebay", "country": "CN"},
        {"key": "amazon:p2", "shop_id": "P2", "platform": "amazon", "country": "CN"},
    ],
    "links": [
        ["LOCATED_AT", "taobao:a1", "Address", "CN:1 a rd x", "1 A Rd X", 2],
        ["LOCATED_AT", "ebay:a2", "Address", "CN:1 a road x", "1 A Road X", 3],
        ["USES_PHONE", "ebay:p1", "Phone", "+8613800000001", "138 0000 0001", 4],
        ["USES_PHONE", "amazon:p2", "Phone", "+8613800000002", "138 0000 0002", 5],
    ],
    "same_as": [["Address", "CN:1 a rd x", "CN:1 a road x"]],
}


def test_decisions_are_nodes_that_change_the_next_run_until_revoked(store: Store) -> None:
    spec = load_spec("chain_and_hub.json")
    build(store, spec)
    assert shop_sets(run_clusters(store, ClusterOptions())) == [GANG]
    x, new = log.decide(store, "hub", EMAIL, who="ana", why="a reseller's shared mailbox")
    assert new and x.key == "D-0001" and x.source == "decide"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", x.decision.when)  # UTC now
    split = [["aliexpress:g2", "taobao:g1"], ["aliexpress:g5", "ebay:g3", "ebay:g4"]]
    second = run_clusters(store, ClusterOptions())
    assert shop_sets(second) == split
    assert {h["id"]: h["reason"] for h in second.hubs}[EMAIL] == x.decision.provenance
    # The decision is a node of the store, not only part of a run record.
    (row,) = store.read_nodes("Decision", ["D-0001"], ["decision", "a", "decided_by",
                                                       "reason", "revoked"]).values()
    assert row == {"key": "D-0001", "decision": "hub", "a": EMAIL, "decided_by": "ana",
                   "reason": "a reseller's shared mailbox", "revoked": None}
    # Re-ingesting the same data keeps it.
    build(store, spec)
    assert shop_sets(run_clusters(store, ClusterOptions())) == split
    # Revoked: recorded, no longer applied.
    gone = log.revoke(store, "d-0001", who="bo", why="checked: the gang's own mailbox")
    assert gone.revoked_by == "bo"
    assert shop_sets(run_clusters(store, ClusterOptions())) == [GANG]
    assert log.load(store) == []
    (kept,) = log.load(store, include_revoked=True)
    assert (kept.key, kept.decision, kept.revoked_why) == (
        "D-0001", x.decision, "checked: the gang's own mailbox")


def test_same_and_not_same_for_sellers_and_identifiers(store: Store) -> None:
    build(store, SPELLINGS)
    assert shop_sets(run_clusters(store, ClusterOptions())) == [["ebay:a2", "taobao:a1"]]
    # not-same overrides automatic resolution; same joins two phones (any spelling).
    log.decide(store, "not-same", "Address:CN:1 a rd x", "Address:CN:1 a road x",
               who="ana", why="two buildings on one street")
    x, _ = log.decide(store, "same", "Phone:+86 138 0000 0001", "Phone:+8613800000002",
                      who="ana", why="one owner (bank statement)")
    assert (x.decision.a, x.decision.b) == ("Phone:+8613800000001", "Phone:+8613800000002")
    result = run_clusters(store, ClusterOptions())
    assert shop_sets(result) == [["amazon:p2", "ebay:p1"]]
    assert [d["decision"] for d in result.decisions["applied"]] == ["same", "not-same"]


def test_same_sellers_joins_their_shops(store: Store) -> None:
    build(store, load_spec("chain_and_hub.json"))
    run_clusters(store, ClusterOptions())
    log.decide(store, "same", "Seller:CN:wang trading", "Seller:CN:l legit seller 7",
               who="ana", why="same company register entry")
    assert shop_sets(run_clusters(store, ClusterOptions())) == [sorted([*GANG, "ebay:l7"])]


def _open(args: list[str]) -> Store:
    if "--store" in args:
        return open_store(StoreConfig.from_values(store=args[args.index("--store") + 1]))
    return open_store(StoreConfig.from_values(data_dir=Path(args[args.index("--data-dir") + 1])))


def _invoke(runner: CliRunner, args: list[str], *more: str) -> Any:
    return runner.invoke(app, [*args, *more])


def test_cli_decide_errors_and_exit_codes(store_args: list[str], runner: CliRunner) -> None:
    with _open(store_args) as st:
        build(st, load_spec("chain_and_hub.json"))
    assert _invoke(runner, store_args, "clusters").exit_code == 0
    bad = [
        (["same", "Shop:taobao:g1", "Shop:nowhere:1"],
         "Error: no such Shop in the store — Shop:nowhere:1 — give the id as"),
        (["same", "Shop:taobao:g1", "Phone:+8613800138000"],
         "Error: 'same' needs two entities of one kind — Shop:taobao:g1 / "
         "Phone:+8613800138000 — two shops"),
        (["not-same", "Shop:taobao:g1", "Shop:taobao:g1"],
         "Error: 'not-same' names one entity twice — Shop:taobao:g1 — give two"),
        (["hub", "Shop:taobao:g1"], "Error: not an identifier id — Shop:taobao:g1 — give a "
         "node id Kind:key"),
        (["not-hub", "+8613800138000"], "Error: not an identifier id — +8613800138000 —"),
        (["confirmed", "G-0099"], "Error: no such cluster in the last clustering run — "
         "G-0099 — see `graphinv clusters`"),
        (["undo", "D-0042"], "Error: no such decision — D-0042 — see `graphinv decide list"),
    ]
    for words, message in bad:
        res = _invoke(runner, store_args, "decide", *words, "--by", "ana", "--why", "x")
        assert res.exit_code == 1, (words, res.output)
        assert message in " ".join(res.stderr.split()), (words, res.stderr)
    # Who and why are required: a usage error.
    res = _invoke(runner, store_args, "decide", "hub", EMAIL, "--by", "ana")
    assert res.exit_code == 2
    res = _invoke(runner, store_args, "decide", "hub", EMAIL, "--by", " ", "--why", "x")
    assert res.exit_code == 2 and "needs who and why" in res.stderr
    # Nothing was recorded by the refused commands.
    res = _invoke(runner, store_args, "decide", "list", "--all", "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout) == []


def test_cli_decide_list_explain_undo(store_args: list[str], runner: CliRunner) -> None:
    with _open(store_args) as st:
        build(st, load_spec("chain_and_hub.json"))
    assert _invoke(runner, store_args, "clusters").exit_code == 0
    res = _invoke(runner, store_args, "decide", "not-a-gang", "g-0001", "--by", "ana",
                  "--why", "licensed reseller (contract 17)")
    assert res.exit_code == 0, res.output
    assert "Recorded D-0001: not-a-gang G-0001" in res.stdout
    res = _invoke(runner, store_args, "decide", "same", "Shop:taobao:g1", "Shop:amazon:l0",
                  "--by", "bo", "--why", "same bank statement")
    assert res.exit_code == 0 and "Recorded D-0002" in res.stdout
    res = _invoke(runner, store_args, "clusters", "--format", "json")
    assert res.exit_code == 0, res.output
    (c,) = json.loads(res.stdout)
    assert c["cluster_id"] == "G-0001" and c["gang_likeness"] == 0.0
    assert "amazon:l0" in " ".join(c["members"])
    assert c["decision"]["provenance"].endswith("by ana: licensed reseller (contract 17)")
    res = _invoke(runner, store_args, "explain", "--cluster", "G-0001", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [(d["id"], d["decision"]) for d in data["decisions"]] == [
        ("D-0001", "not-a-gang"), ("D-0002", "same")]
    assert "Shop:taobao:g1 and Shop:amazon:l0 linked by analyst decision on " in data["summary"]
    res = _invoke(runner, store_args, "decide", "undo", "D-0002", "--by", "cy",
                  "--why", "statement was forged")
    assert res.exit_code == 0 and "Revoked D-0002" in res.stdout
    res = _invoke(runner, store_args, "decide", "list", "--format", "json")
    assert [d["id"] for d in json.loads(res.stdout)] == ["D-0001"]
    res = _invoke(runner, store_args, "decide", "list", "--all", "--format", "json")
    (_, undone) = json.loads(res.stdout)
    assert (undone["id"], undone["revoked_by"], undone["revoked_why"]) == (
        "D-0002", "cy", "statement was forged")
    res = _invoke(runner, store_args, "clusters", "--format", "json")
    (c,) = json.loads(res.stdout)
    assert "Shop:amazon:l0" not in c["members"] and c["gang_likeness"] == 0.0
    res = _invoke(runner, store_args, "decide", "undo", "D-0002", "--by", "cy", "--why", "y")
    assert res.exit_code == 1 and "decision already revoked — D-0002" in res.stderr


def test_reset_saves_decisions_and_the_file_restores_them(store_args: list[str],
                                                           runner: CliRunner,
                                                           tmp_path: Path) -> None:
    spec = load_spec("chain_and_hub.json")
    with _open(store_args) as st:
        build(st, spec)
    assert _invoke(runner, store_args, "clusters").exit_code == 0
    for words in (["hub", EMAIL], ["not-a-gang", "G-0002"],
                  ["same", "Shop:taobao:g1", "Shop:amazon:l0"]):
        if words[0] == "not-a-gang":
            assert _invoke(runner, store_args, "clusters").exit_code == 0
        res = _invoke(runner, store_args, "decide", *words, "--by", "ana", "--why", "seen")
        assert res.exit_code == 0, res.output
    assert _invoke(runner, store_args, "decide", "undo", "D-0003", "--by", "bo",
                   "--why", "wrong shop").exit_code == 0
    res = _invoke(runner, store_args, "reset", "--yes")
    assert res.exit_code == 0, res.output
    (saved,) = (tmp_path / "cli-data").glob("decisions-*.csv")
    assert f"Saved 3 analyst decision(s) to {saved}" in " ".join(res.stdout.split())
    with _open(store_args) as st:
        assert log.load(st, include_revoked=True) == []
        build(st, spec)
    # After re-ingest the file restores all three, the revoked one as revoked; the cluster
    # decision follows its shops (ids restart after a reset).
    res = _invoke(runner, store_args, "clusters", "--decisions", str(saved), "--format", "json")
    assert res.exit_code == 0, res.output
    clusters = json.loads(res.stdout)
    assert sorted(c["shops"] for c in clusters) == [2, 3]
    small = next(c for c in clusters if c["shops"] == 2)
    big = next(c for c in clusters if c["shops"] == 3)
    assert [m for m in small["members"] if m.startswith("Shop:")] == [
        "Shop:aliexpress:g2", "Shop:taobao:g1"]  # G-0002 before the reset
    assert small["decision"]["decision"] == "not-a-gang" and small["gang_likeness"] == 0.0
    assert "decision" not in big
    with _open(store_args) as st:
        restored = log.load(st, include_revoked=True)
    assert [(x.decision.decision, x.source, bool(x.revoked)) for x in restored] == [
        ("hub", f"{saved.name}:2", False), ("not-a-gang", f"{saved.name}:3", False),
        ("same", f"{saved.name}:4", True)]
    # The same file again adds nothing (a revoked decision stays revoked).
    res = _invoke(runner, store_args, "clusters", "--decisions", str(saved))
    assert res.exit_code == 0
    with _open(store_args) as st:
        assert len(log.load(st, include_revoked=True)) == 3
    # Export never overwrites a file.
    res = _invoke(runner, store_args, "decide", "export", str(saved))
    assert res.exit_code == 2 and "file exists" in res.stderr


def test_a_store_from_before_decisions_reads_as_holding_none(tmp_path: Path,
                                                             runner: CliRunner) -> None:
    """An embedded store written by an older graphinv has no Decision table; read-only
    commands (its tables are only added by a writer) see no decision, a writer adds it."""
    data = tmp_path / "old"
    with open_store(StoreConfig.from_values(data_dir=data)) as st:
        build(st, load_spec("chain_and_hub.json"))
        st._exec("DROP TABLE Decision")  # type: ignore[attr-defined]
    args = ["--data-dir", str(data)]
    res = runner.invoke(app, [*args, "decide", "list", "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout) == [], res.output
    res = runner.invoke(app, [*args, "decide", "hub", EMAIL, "--by", "ana", "--why", "x"])
    assert res.exit_code == 0 and "Recorded D-0001" in res.stdout, res.output


def test_a_cluster_decision_from_a_file_keeps_the_cluster_shops(embedded_store: Store,
                                                                tmp_path: Path) -> None:
    """Imported with the shops the named cluster had in the last run, so it follows them
    (not the id) in later runs."""
    build(embedded_store, load_spec("chain_and_hub.json"))
    run_clusters(embedded_store, ClusterOptions())
    dec = tmp_path / "decisions.csv"
    dec.write_text("decision,a,b,who,when,why\n"
                   "confirmed,g-0001,,ana,2026-12-01,test purchase 4411\n", encoding="utf-8")
    result = run_clusters(embedded_store, ClusterOptions(decisions_file=dec))
    (x,) = log.load(embedded_store)
    assert (x.source, x.members) == ("decisions.csv:2", tuple(GANG))
    assert result.params["decisions"][0]["cluster"] == "G-0001"
    assert result.decisions["imported"][0]["id"] == "D-0001"

"""Smoke test of the benchmark suite (``python -m bench``) at a tiny size.

Runs every stage once so the suite never rots; asserts that the JSON results hold every
stage with sane positive numbers. No timing assertions: these machines are shared.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main
from bench.report import check_targets, merge_results, render_markdown, scaling_exponent
from bench.sizes import parse_size, size_label

ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "results"
    rc = main(["--out", str(out), "--cache", str(tmp_path / "cache"), "--repeat", "1",
               *args])
    files = sorted(out.glob("bench-*.json"))
    assert len(files) == 1, files
    doc: dict[str, Any] = json.loads(files[0].read_text(encoding="utf-8"))
    failed = [(r["stage"], r["kind"], r.get("error")) for r in doc["runs"]
              if r["status"] != "ok"]
    assert rc == 0 and not failed, failed
    md = files[0].with_suffix(".md").read_text(encoding="utf-8")
    for heading in ("### Machine", "### Ingest", "### Projection + clusters", "### View",
                    "### Saved queries", "### Targets"):
        assert heading in md
    return doc


def _runs(doc: dict[str, Any], stage: str, kind: str = "graphinv") -> list[dict[str, Any]]:
    return [r for r in doc["runs"] if r["stage"] == stage and r["kind"] == kind]


def _check_store_stages(doc: dict[str, Any], store: str, rows: int) -> None:
    (ing,) = [r for r in _runs(doc, "ingest") if r["store"] == store]
    assert ing["rows"] >= rows and ing["loaded"] > 0
    assert ing["rows_per_s"] > 0 and ing["seconds"]["total"] > 0
    assert ing["seconds"]["write"] > 0 and ing["seconds"]["normalize"] > 0
    assert ing["peak_rss_mb"] > 0
    assert ing["nodes_new"]["Shop"] > 0 and ing["links_new"]["OPERATES"] > 0
    (base,) = [r for r in _runs(doc, "ingest", "baseline") if r["store"] == store]
    assert base["seconds"]["total"] > 0 and base["node_rows"] > 0 and base["rel_rows"] > 0

    (cl,) = [r for r in _runs(doc, "clusters") if r["store"] == store]
    for stage in ("projection", "weighting", "components", "communities", "risk", "report",
                  "write-back"):
        assert cl["seconds"][stage] >= 0
    assert cl["seconds"]["total"] > 0 and cl["peak_rss_mb"] > 0
    assert cl["stats"]["shops"] > 0 and cl["stats"]["clusters"] > 0
    (nxb,) = [r for r in _runs(doc, "clusters", "baseline") if r["store"] == store]
    assert nxb["seconds"]["total"] > 0 and nxb["components"] > 0 and nxb["edges"] > 0

    (qs,) = [r for r in _runs(doc, "queries") if r["store"] == store]
    assert len(qs["queries"]) >= 10
    for q in qs["queries"]:
        if q["status"].startswith("n/a"):
            continue
        assert q["status"] == "ok", q
        assert q["median_s"] > 0 and q["cold_s"] > 0 and q["rows"] >= 0
    assert {"cluster", "shop", "key", "since"} <= set(qs["values"])


@pytest.mark.slow
def test_bench_embedded_tiny(tmp_path: Path) -> None:
    doc = _run(tmp_path, "--size", "2k", "--store", "embedded", "--view-sizes", "50",
               "--no-browser")
    assert doc["meta"]["machine"]["cores"] >= 1
    _check_store_stages(doc, "embedded", 2000)
    (view,) = _runs(doc, "view")
    (row,) = view["rows"]
    assert row["nodes"] == 50 and row["render_s"] > 0 and row["html_kb"] > 0


@pytest.mark.slow
def test_bench_reuses_a_kept_store_only_when_asked(tmp_path: Path) -> None:
    """``--keep-stores`` leaves a clustered store; ``--reuse-stores`` times the queries on
    it without loading it again, and says so in the results."""
    common = ["--size", "500", "--store", "embedded", "--stages", "queries", "--no-baseline"]
    first = _run(tmp_path / "a", *common, "--keep-stores")
    assert "reused_stores" not in first["meta"]
    store = tmp_path / "a" / "cache" / "stores" / "embedded-500"
    assert json.loads((store / "bench-store.json").read_text()) == {
        "run": first["meta"]["started"], "clustered": True}
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "cache").symlink_to(tmp_path / "a" / "cache")
    second = _run(tmp_path / "b", *common, "--reuse-stores")
    assert second["meta"]["reused_stores"] == {
        "embedded-500": {"run": first["meta"]["started"], "clustered": True}}
    md = next((tmp_path / "b" / "results").glob("bench-*.md")).read_text(encoding="utf-8")
    assert "| reused store | embedded-500, filled by the run started" in md
    (qs,) = _runs(second, "queries")
    assert [q["query"] for q in qs["queries"]] == [q["query"] for q in
                                                   _runs(first, "queries")[0]["queries"]]
    # without the flag the kept store is loaded afresh
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "cache").symlink_to(tmp_path / "a" / "cache")
    third = _run(tmp_path / "c", *common, "--keep-stores")
    assert "reused_stores" not in third["meta"]
    assert json.loads((store / "bench-store.json").read_text())["run"] == \
        third["meta"]["started"] != first["meta"]["started"]


@pytest.mark.neo4j
@pytest.mark.slow
def test_bench_neo4j_tiny(tmp_path: Path, neo4j_uri: str,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHINV_BENCH_NEO4J_URI", neo4j_uri)
    doc = _run(tmp_path, "--size", "500", "--store", "neo4j", "--no-warmup",
               "--stages", "ingest,clusters,queries")
    assert doc["meta"]["neo4j_server"]["source"] == "GRAPHINV_BENCH_NEO4J_URI"
    _check_store_stages(doc, "neo4j", 500)
    assert "neo4j" in doc["meta"]["store_versions"]


@pytest.mark.neo4j
@pytest.mark.slow
def test_bench_reuses_a_kept_neo4j_database_while_its_counts_match(
        tmp_path: Path, neo4j_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Neo4j database a ``--keep-stores`` run left is reused (not reset) while the
    counts in its note still match; a database that changed since is loaded again."""
    monkeypatch.setenv("GRAPHINV_BENCH_NEO4J_URI", neo4j_uri)
    common = ["--size", "500", "--store", "neo4j", "--stages", "queries", "--no-baseline"]
    first = _run(tmp_path / "a", *common, "--keep-stores")
    note_path = tmp_path / "a" / "cache" / "stores" / "neo4j-500.json"
    note = json.loads(note_path.read_text(encoding="utf-8"))
    assert note["run"] == first["meta"]["started"] and note["clustered"] is True
    assert note["counts"]["node:Shop"] > 0 and note["counts"]["rel:OPERATES"] > 0

    second = _run(tmp_path / "b", *common, "--cache", str(tmp_path / "a" / "cache"),
                  "--reuse-stores", "--keep-stores")
    assert second["meta"]["reused_stores"] == {
        "neo4j-500": {"run": first["meta"]["started"], "clustered": True}}
    assert json.loads(note_path.read_text(encoding="utf-8"))["run"] == first["meta"]["started"]

    note["counts"]["node:Shop"] += 1  # as if someone had written to the database since
    note_path.write_text(json.dumps(note), encoding="utf-8")
    third = _run(tmp_path / "c", *common, "--cache", str(tmp_path / "a" / "cache"),
                 "--reuse-stores")
    assert "reused_stores" not in third["meta"]
    assert not note_path.exists()  # no --keep-stores: the note goes


def test_sizes_and_scaling() -> None:
    assert [parse_size(s) for s in ("2k", "10k", "100k", "1m", "1M", "2500")] == [
        2_000, 10_000, 100_000, 1_000_000, 1_000_000, 2_500]
    with pytest.raises(ValueError):
        parse_size("ten")
    assert size_label(1_000_000) == "1m" and size_label(2_000) == "2k"
    assert scaling_exponent([(10_000, 2.0), (100_000, 200.0)]) == [("10k→100k", 2.0)]


def test_report_merges_and_renders_without_numbers() -> None:
    a = {"meta": {"started": "a"}, "runs": [
        {"stage": "ingest", "store": "embedded", "size": 10, "kind": "graphinv",
         "status": "timeout", "error": "killed"}]}
    b = {"meta": {"started": "b"}, "runs": []}
    md = render_markdown(merge_results([a, b]))
    assert "timeout" in md and "not run at 1M" in md


def test_targets_are_judged_per_store() -> None:
    """A pass on one store must not hide a miss on the other."""
    def clusters(store: str, total: float) -> dict[str, Any]:
        return {"stage": "clusters", "store": store, "size": 1_000_000, "kind": "graphinv",
                "status": "ok", "seconds": {"total": total}, "peak_rss_mb": 2048}

    def queries(store: str, times: list[float]) -> dict[str, Any]:
        return {"stage": "queries", "store": store, "size": 1_000_000, "kind": "graphinv",
                "status": "ok", "queries": [{"query": f"q{i}", "status": "ok",
                                             "median_s": t} for i, t in enumerate(times)]}

    doc = {"meta": {}, "runs": [clusters("embedded", 84.0), clusters("neo4j", 139.0),
                                queries("embedded", [0.5, 1.9]),
                                queries("neo4j", [0.5, 6.4, 2.5])]}
    got = {t: (m, v) for t, m, v in check_targets(doc)}
    assert got["clusters on 1M shops ≤ 120 s (embedded)"] == ("84.0 s", "PASS")
    assert got["clusters on 1M shops ≤ 120 s (neo4j)"] == ("139.0 s", "FAIL")
    assert got["every saved query ≤ 2 s at 1M rows (embedded)"] == (
        "worst 1.90 s; 0 of 2 over 2 s or failed", "PASS")
    assert got["every saved query ≤ 2 s at 1M rows (neo4j)"] == (
        "worst 6.40 s; 2 of 3 over 2 s or failed", "FAIL")


def test_a_new_query_with_its_own_required_parameter_runs_with_its_example(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A saved query is its .cypher file, its golden rows and a docs line (ARCHITECTURE.md):
    the bench fills a required parameter no rule picks from the query's example line
    instead of reporting an error (which failed the smoke runs above)."""
    from bench.queries import queries_task
    from graphinv.config import StoreConfig
    from graphinv.store import open_store

    extra = tmp_path / "queries"
    extra.mkdir()
    (extra / "shops-on-site.cypher").write_text(
        "// name: shops-on-site\n// description: Shops of one site.\n"
        "// param: site str -- Site code\n// param: n int 1..10 -- How many\n"
        "// example: -p site=ebay.de -p n=3\n"
        "MATCH (s:Shop) WHERE s.site = $site RETURN s.key AS shop ORDER BY shop LIMIT $n\n",
        encoding="utf-8")
    monkeypatch.setenv("GRAPHINV_QUERIES", str(extra))
    data = tmp_path / "store"
    st = open_store(StoreConfig.from_values(store="embedded", data_dir=data))
    st.merge_nodes("Shop", [{"key": "ebay:s1", "shop_id": "s1", "site": "ebay.de"},
                            {"key": "ebay:s2", "shop_id": "s2", "site": "ebay.com"}])
    st.close()
    out = queries_task({"store": "embedded", "data_dir": str(data), "repeat": 1})
    (row,) = [q for q in out["queries"] if q["query"] == "shops-on-site"]
    assert row["status"] == "ok", row
    assert row["params"] == {"site": "ebay.de", "n": "3"} and row["rows"] == 1
    assert row["from_example"] == ["site", "n"]


def test_help() -> None:
    res = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "--size" in res.stdout and "--stages" in res.stdout


def test_quality_scores_a_run_against_the_truth(tmp_path: Path) -> None:
    from bench.clusters import quality
    from bench.report import render_markdown

    truth = tmp_path / "truth.csv"
    truth.write_text("shop_id,platform,gang_id\nA,ebay,G1\nB,ebay,G1\nC,ebay,\nD,ebay,G2\n"
                     "E,ebay,G2\n", encoding="utf-8")
    members = [{"shop_id": s, "platform": "ebay", "cluster_id": c}
               for s, c in (("A", "C1"), ("B", "C1"), ("C", "C1"), ("D", "C2"), ("E", "C2"),
                            ("Z", "C2"))]  # Z: a planted bad row, not in the truth
    q = quality(members, truth)
    # pairs put together: AB, AC, BC, DE (Z is not scored); true pairs AB, DE
    assert (q["precision"], q["recall"], q["largest"], q["impure"]) == (0.5, 1.0, 3, 1)
    assert q["purity_top10"] == [0.6667, 1.0] and q["clusters"] == 2
    doc = {"meta": {}, "runs": [{"stage": "clusters", "store": "embedded", "size": 5,
                                 "kind": "graphinv", "status": "ok", "stats": {"shops": 5},
                                 "seconds": {"total": 1.5}, "quality": q}]}
    md = render_markdown(doc)
    assert "| embedded | 5 | 0.500 | 1.000 | 0.667 |" in md and "| 1 of 2 |" in md

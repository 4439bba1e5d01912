"""``graphinv ingest --bulk``: a first Neo4j load through ``neo4j-admin database import``.

The equivalence test loads the same files with MERGE (the session's Neo4j server) and
with ``--bulk`` into a throw-away server started here through scripts/neo4j_server.py
(graphinv stops it, imports, starts it again), then compares both graphs property by
property — every node, every relationship, list order included — and the run reports
and rejects files. Run ids and timestamps differ between two runs by design and are
replaced by placeholders before comparing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graphinv import schema
from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.store import open_store
from graphinv.store.import_csv import ARRAY_DELIMITER, ImportWriter
from graphinv.store.neo4j_import import find_managed_server
from tests.conftest import FIXTURES
from tests.neo4j_fixtures import load_server_module

BULK = FIXTURES / "ingest" / "bulk"
# Small on purpose: the server's stop, import and start take most of the test's time.
RECORDS = [BULK / "records.csv"]
FLAGS = [BULK / "flags.csv"]


def _flag_args() -> list[str]:
    return [a for f in FLAGS for a in ("--flags", str(f))]


@pytest.fixture(scope="module")
def managed(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server graphinv manages (scripts/neo4j_server.py, its own home), stopped after."""
    srv = load_server_module()
    home = tmp_path_factory.mktemp("neo4j-bulk-home")
    _pid, uri = srv.start_server(home=home)
    try:
        yield uri, home
    finally:
        srv.stop_server(home=home)


def _run_id_free(text: str, run: str, at: str) -> str:
    return text.replace(run, "<run>").replace(at, "<at>")


def _dump(uri: str, run: str, at: str) -> dict[str, Any]:
    """Every node and relationship with all its properties (lists in stored order)."""
    out: dict[str, Any] = {}
    with open_store(StoreConfig.from_values(store=uri)) as st:
        for label in schema.ALL_KINDS:
            res = st.run_read(f"MATCH (n:{label}) RETURN n.key, properties(n)")
            for key, props in res.rows:
                if label in schema.META_KINDS:
                    props = {p: v for p, v in props.items()
                             if p not in ("key", "started", "finished")}
                    key = "<run>" if key == run else key
                out[f"{label}:{key}"] = json.loads(_run_id_free(json.dumps(props, sort_keys=True),
                                                                run, at))
        res = st.run_read("MATCH (a)-[r]->(b) RETURN labels(a)[0], a.key, type(r), "
                          "labels(b)[0], b.key, properties(r)")
        for sl, sk, t, dl, dk, props in res.rows:
            name = f"{sl}:{sk}-{t}->{dl}:{dk}"
            assert name not in out, f"two {t} links between the same nodes: {name}"
            out[name] = json.loads(_run_id_free(json.dumps(props, sort_keys=True), run, at))
    return out


def _ingest(runner: CliRunner, args: list[str]) -> dict[str, Any]:
    res = runner.invoke(app, [*args, "--format", "json"])
    assert res.exit_code == 0, res.output
    report: dict[str, Any] = json.loads(res.stdout[res.stdout.index("{"):
                                                   res.stdout.rindex("}") + 1])
    return report


_SAME = ("read", "loaded", "rejected", "nodes_new", "links_new", "evidence_new",
         "flags_loaded", "flags_unmatched", "same_as", "conflicts", "issues", "ignored",
         "masked", "reject_samples", "resumed", "status")


def _rejects(report: dict[str, Any]) -> str:
    return Path(report["rejects_path"]).read_text(encoding="utf-8")


@pytest.mark.neo4j
def test_bulk_load_equals_merge_load(neo4j_uri: str, managed: tuple[str, Path],
                                     tmp_path: Path) -> None:
    runner = CliRunner()
    with open_store(StoreConfig.from_values(store=neo4j_uri)) as st:
        st.reset()
        st.run_read("MATCH (n) RETURN count(n)")
    merge = _ingest(runner, ["--store", neo4j_uri, "--data-dir", str(tmp_path / "m"),
                             "ingest", *map(str, RECORDS), *_flag_args()])
    uri, home = managed
    bulk = _ingest(runner, ["--store", uri, "--data-dir", str(tmp_path / "b"), "ingest",
                            "--bulk", "--neo4j-home", str(home), *map(str, RECORDS),
                            *_flag_args()])
    # The bulk run really went through the importer (its timings are in the report).
    assert bulk["seconds"]["bulk_import"] > 0 and bulk["seconds"]["bulk_start"] > 0
    for key in _SAME:
        assert bulk[key] == merge[key], key
    assert merge["rejected"] > 0 and merge["flags_unmatched"] == 2 and merge["same_as"] > 0
    assert _rejects(bulk) == _rejects(merge)
    print("bulk load seconds:", {k: v for k, v in bulk["seconds"].items()})
    merged = _dump(neo4j_uri, merge["run_id"], merge["started"])
    loaded = _dump(uri, bulk["run_id"], bulk["started"])
    assert sorted(loaded) == sorted(merged)
    diff = [k for k in merged if merged[k] != loaded[k]]
    assert not diff, [(k, merged[k], loaded[k]) for k in diff[:3]]
    # The fixture reaches the paths that do not go through the CSV files: a value holding
    # the array delimiter (created through Bolt) and empty lists (set after the import).
    assert any(ARRAY_DELIMITER in r for k, p in loaded.items() if k.startswith("Supplier:")
               for r in p.get("raws", []))
    assert any(p.get("issues") == [] for k, p in loaded.items() if k.startswith("Phone:"))

    # A second --bulk into the now loaded database is refused and changes nothing.
    res = runner.invoke(app, ["--store", uri, "--data-dir", str(tmp_path / "b"), "ingest",
                              "--bulk", "--neo4j-home", str(home), str(RECORDS[0])])
    assert res.exit_code == 1, res.output
    assert "Error: --bulk loads only an empty Neo4j database" in res.stderr
    assert "without --bulk" in res.stderr
    assert _dump(uri, bulk["run_id"], bulk["started"]) == loaded


@pytest.mark.neo4j
def test_bulk_on_a_server_graphinv_does_not_manage_writes_files_and_command(
        neo4j_uri: str, tmp_path: Path) -> None:
    runner = CliRunner()
    with open_store(StoreConfig.from_values(store=neo4j_uri)) as st:
        st.reset()
    merge = _ingest(runner, ["--store", "embedded", "--data-dir", str(tmp_path / "e"),
                             "ingest", "--no-resolve", *map(str, RECORDS), *_flag_args()])
    res = runner.invoke(app, ["--store", neo4j_uri, "--data-dir", str(tmp_path / "b"),
                              "ingest", "--bulk", "--neo4j-home", str(tmp_path / "nohome"),
                              *map(str, RECORDS), *_flag_args(), "--format", "json"])
    assert res.exit_code == 0, res.output
    bulk = json.loads(res.stdout[res.stdout.index("{"):res.stdout.rindex("}") + 1])
    steps = res.stderr
    assert "Nothing was imported" in steps
    cmd = next(ln for ln in steps.splitlines() if "neo4j-admin database import full" in ln)
    assert "--nodes=Shop=" in cmd and "--relationships=USES_PHONE=" in cmd
    files = [Path(p) for a in cmd.split() if a.startswith(("--nodes=", "--relationships="))
             for p in a.split("=", 2)[2].split(",")]
    assert files and all(p.is_file() for p in files)
    assert "Near-duplicate resolution (SAME_AS) did not run" in steps
    assert (files[0].parent / "import-command.txt").read_text(encoding="utf-8").strip() in cmd
    # Nothing was written to that server.
    with open_store(StoreConfig.from_values(store=neo4j_uri)) as st:
        assert st.run_read("MATCH (n) RETURN count(n)").rows[0][0] == 0
    # The run's counts and rejects are the MERGE path's (without resolution there too).
    for key in _SAME:
        assert bulk[key] == merge[key], key
    assert _rejects(bulk) == _rejects(merge)
    shop_rows = sum(1 for p in files if p.name == "nodes-Shop.csv"
                    for _ in csv.reader(p.open(encoding="utf-8", newline="")))
    assert shop_rows == merge["nodes_new"]["Shop"]


def test_bulk_refuses_embedded_and_dry_run(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", "--bulk",
                              str(RECORDS[0])])
    assert res.exit_code == 2
    assert "Error: --bulk loads a Neo4j database" in res.stderr
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", "--bulk",
                              "--dry-run", str(RECORDS[0])])
    assert res.exit_code == 2
    assert "--bulk and --dry-run exclude each other" in res.stderr
    assert not (tmp_path / "d" / "graph.lbug").exists()


def test_import_writer_folds_like_merge(tmp_path: Path) -> None:
    w = ImportWriter(tmp_path / "imp")
    w.add_nodes("Supplier", [{"key": "acme", "name": None, "raw": "ACME", "run": "r1",
                              "seen": "2024-02-01"}])
    w.add_nodes("Supplier", [{"key": "acme", "name": "Acme Ltd", "raw": "Acme",
                              "issue_list": ["x"], "run": "r2", "seen": "2023-01-01"},
                             {"key": "bad", "raw": "a" + ARRAY_DELIMITER + "b", "run": "r1"}])
    w.add_nodes("Shop", [{"key": "S1", "raw": "S1", "run": "r1"}])
    w.add_rels("SOURCES_FROM", "Shop", "Supplier", [
        {"src": "S1", "dst": "acme", "ek": "f:2", "ej": "e2", "run": "r1"},
        {"src": "S1", "dst": "acme", "ek": "f:2", "ej": "e2", "run": "r1"},
        {"src": "S1", "dst": "bad", "ek": "f:3", "ej": "e3", "run": "r1"}])
    w.add_rels("SOURCES_FROM", "Shop", "Supplier", [
        {"src": "S1", "dst": "acme", "ek": "f:9", "ej": "e9", "run": "r2"}])
    files = w.finish()
    head, part = files.node_files["Supplier"]
    cols = [c.split(":")[0] for c in head.read_text().strip().split(",")]
    rows = [dict(zip(cols, r, strict=True)) for r in csv.reader(part.open(encoding="utf-8"))]
    assert [r["key"] for r in rows] == ["acme"]
    acme = rows[0]
    assert (acme["name"], acme["raws"], acme["issues"], acme["first_run"], acme["first_seen"],
            acme["last_seen"]) == ("Acme Ltd", "ACME\x1fAcme", "x", "r1", "2023-01-01",
                                   "2024-02-01")
    # The value the importer would split goes through Bolt, with its link.
    assert [n["key"] for n in files.leftover_nodes["Supplier"]] == ["bad"]
    assert [(r["src"], r["dst"]) for r in files.leftover_rels[
        ("SOURCES_FROM", "Shop", "Supplier")]] == [("S1", "bad")]
    head, part = files.rel_files[("SOURCES_FROM", "Shop", "Supplier")]
    (rel,) = list(csv.reader(part.open(encoding="utf-8")))
    assert rel == ["S1", "acme", "f:2\x1ff:9", "e2\x1fe9", "2", "r1"]
    assert files.nodes == {"Supplier": 2, "Shop": 1}
    assert files.relationships == {"SOURCES_FROM": 2} and files.evidence == {"SOURCES_FROM": 3}
    args = files.arguments("neo4j")
    assert args[:4] == ["database", "import", "full", "neo4j"]
    assert any(a.startswith("--relationships=SOURCES_FROM=") for a in args)


def test_find_managed_server_only_for_a_live_local_server_of_that_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True)
    state = {"pid": 1, "port": 7999, "home": str(home), "script": __file__,
             "cache": str(tmp_path), "lib": str(tmp_path), "java": "java", "heap": "1g",
             "pagecache": "256m", "uri": "bolt://127.0.0.1:7999"}
    (home / "run" / "state.json").write_text(json.dumps(state))
    # pid 1 is not Neo4j's server for this home: not managed.
    assert find_managed_server("bolt://127.0.0.1:7999", home) is None
    assert find_managed_server("bolt://db.example.org:7999", home) is None
    assert find_managed_server("bolt://127.0.0.1:7999", tmp_path / "elsewhere") is None

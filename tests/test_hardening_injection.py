"""Hardening items 1-10: injection and the HTML view.

Here: item 1 (hostile values are data, never Cypher), item 2 (labels, types and property
keys only from the schema's allowlist), item 10 (CSV/JSON output cannot run in a
spreadsheet), plus what the query tests do not show on a real Neo4j for item 3 (the plan
check alone lets ``LOAD CSV`` read files). Items 3-9 are covered by the saved-query
(tests/test_query_*.py) and view (tests/test_render.py, tests/test_browser.py) suites;
docs/hardening-map.md lists them and :func:`test_hardening_map_is_complete` keeps that
table honest.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from graphinv import schema
from graphinv.cli.app import app
from graphinv.errors import GraphinvError, MappingError, QueryRefused, SchemaError
from graphinv.ingest.mapping import load_mapping
from graphinv.ingest.pipeline import IngestOptions, ingest_paths
from graphinv.querylib import parse_query_text, run_query
from graphinv.store import Store
from graphinv.util.tabular import neutralize, to_csv, to_json
from tests.graph_digest import graph_digest

ROOT = Path(__file__).resolve().parent.parent
FX = Path(__file__).parent / "fixtures" / "ingest"
HEADER = ["shop_id", "shop_name", "shop_url", "platform", "seller_name", "seller_country",
          "address", "phone", "email", "payment_account", "supplier"]

#: Strings that would change the graph if they were ever spliced into Cypher.
PAYLOADS = [
    "x'}) DETACH DELETE n //",
    '"}) MATCH (n) DETACH DELETE n //',
    "`) DETACH DELETE n //",
    "\\u0027}) MATCH (n) DETACH DELETE n //",
    "' OR 1=1 WITH n MATCH (m) DETACH DELETE m //",
    "}]->(x) DELETE x //",
    "; MATCH (n) DETACH DELETE n;",
    "$rows}) DETACH DELETE n //",
    "CALL dbms.killQueries(['q-1'])",
    "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r",
    "x\\'}) SET n.pwned = true //",
]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _snapshot(store: Store) -> dict[str, Any]:
    """Every node (all properties but the run id) and relationship, by identity."""
    nodes = {}
    for label in schema.NODE_KINDS:
        props = [p for p, _ in schema.node_props(label) if p not in ("key", "first_run")]
        for row in store.stream_nodes(label, props):
            nodes[(label, row[0])] = row[1:]
    rels = {}
    for rel in schema.REL_TYPES:
        props = [p for p, _ in schema.rel_props(rel)]
        for row in store.stream_rels(rel, props):
            rels[(rel, *row[:4])] = row[4:]
    return {"nodes": nodes, "rels": rels}


@pytest.fixture
def statements(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every Cypher text the store sends to its engine (values travel separately)."""
    seen: list[str] = []
    if store.backend == "embedded":
        # Its two doors to the engine (COPY finds its Arrow table in the caller's frame,
        # so the connection itself is not wrapped).
        for name in ("_exec", "_exec_copy"):
            real = getattr(store, name)

            def spy(query: Any, *a: Any, _real: Callable[..., Any] = real, **k: Any) -> Any:
                seen.append(str(query))
                return _real(query, *a, **k)
            monkeypatch.setattr(store, name, spy)
    else:
        import neo4j

        for cls in (neo4j.Session, neo4j.ManagedTransaction):
            real_run = cls.run

            def run(self: Any, query: Any, *a: Any, _real: Callable[..., Any] = real_run,
                    **k: Any) -> Any:
                seen.append(getattr(query, "text", query))
                return _real(self, query, *a, **k)
            monkeypatch.setattr(cls, "run", run)
    yield seen


# -- 1. Hostile values are stored verbatim; nothing else changes ------------------------------

def test_hostile_values_stored_verbatim_and_nothing_else_changes(
        store: Store, statements: list[str], tmp_path: Path) -> None:
    """Item 1: injection strings in every field of a listing are stored as they are; the
    rest of the graph is untouched; no value ever appears in the Cypher text sent to the
    engine (values travel as ``$parameters``)."""
    ingest_paths(store, [FX / "flat_utf8.csv"], IngestOptions(data_dir=tmp_path / "d"))
    before = _snapshot(store)
    rows = [[f"H{i}", p, p, "eBay", p, "CN", p, p, p, p, p] for i, p in enumerate(PAYLOADS)]
    path = _write_csv(tmp_path / "hostile.csv", HEADER, rows)
    statements.clear()
    rep = ingest_paths(store, [path], IngestOptions(data_dir=tmp_path / "d", resolve=False))
    assert rep.reconciled and rep.rejected == 0
    after = _snapshot(store)
    # Everything that was there is still there, unchanged.
    assert {k: after["nodes"].get(k) for k in before["nodes"]} == before["nodes"]
    assert {k: after["rels"].get(k) for k in before["rels"]} == before["rels"]
    shops = {k[1]: v for k, v in after["nodes"].items() if k[0] == "Shop"}
    names = {f"ebay:h{i}": p for i, p in enumerate(PAYLOADS)}
    name_col = [p for p, _ in schema.node_props("Shop") if p not in ("key", "first_run")]
    for key, payload in names.items():
        assert shops[key][name_col.index("name")] == payload
        assert shops[key][name_col.index("url")] is None  # not http(s)
    seller_col = [p for p, _ in schema.node_props("Seller") if p not in ("key", "first_run")]
    # Seller keys drop punctuation (company names), so payloads differing only in
    # punctuation share one seller: each is kept verbatim as its name or a raw spelling.
    sellers = {v[seller_col.index("name")] for k, v in after["nodes"].items()
               if k[0] == "Seller"}
    sellers |= {r for k, v in after["nodes"].items() if k[0] == "Seller"
                for r in v[seller_col.index("raws")] or ()}
    assert set(PAYLOADS) <= sellers
    assert statements, "the spy saw no statement"
    for text in statements:
        for payload in PAYLOADS:
            assert payload not in text, (payload, text)


def test_hostile_keys_and_values_through_the_store_api(store: Store) -> None:
    """Item 1 at the store contract: keys and values are parameters all the way down."""
    before = graph_digest(store)
    rows = [{"key": p, "shop_id": p, "name": p, "raw": p, "run": "r"} for p in PAYLOADS]
    assert store.merge_nodes("Shop", rows) == len(PAYLOADS)
    got = store.get_nodes("Shop", PAYLOADS)
    assert {k: v["name"] for k, v in got.items()} == {p: p for p in PAYLOADS}
    assert store.existing_keys("Shop", PAYLOADS) == set(PAYLOADS)
    res = store.run_read("MATCH (s:Shop) WHERE s.key = $k RETURN s.name AS n",
                         {"k": PAYLOADS[0]})
    assert res.rows == [[PAYLOADS[0]]]
    counts = graph_digest(store)["counts"]
    assert counts["Shop"] == before["counts"]["Shop"] + len(PAYLOADS)
    assert sum(counts.values()) == sum(before["counts"].values()) + len(PAYLOADS)


# -- 2. Labels, types and property keys only from the allowlist -------------------------------

BAD_IDENTIFIERS = [
    "Shop`) DETACH DELETE n //", "Shop`", "`Shop`", "Shop\u0060", "Shop)", "Sh op", "Shop ",
    "shop", "Shop:Seller", "Shop{key:'x'}", "\\u0060", "", "IngestRun`) MATCH (m) DELETE m",
    "USES_PHONE]->() DELETE r //", "key`) DETACH DELETE n //", "n.key", "__proto__",
]


@pytest.mark.parametrize("bad", BAD_IDENTIFIERS)
def test_schema_allowlist_refuses_identifiers(bad: str) -> None:
    """Item 2: a label, relationship type or property not in the schema is refused."""
    with pytest.raises(SchemaError):
        schema.check_label(bad)
    with pytest.raises(SchemaError):
        schema.check_rel_type(bad)
    with pytest.raises(SchemaError):
        schema.check_property("Shop", bad)
    with pytest.raises(SchemaError):
        schema.check_property("USES_PHONE", bad)


def test_store_refuses_unknown_identifiers_before_running_anything(
        store: Store, statements: list[str]) -> None:
    """Item 2 at the store contract, on both engines: refused before any statement runs."""
    bad = "Shop`) DETACH DELETE n //"
    store.merge_nodes("Shop", [{"key": "k1", "name": "one"}])
    before = graph_digest(store)
    statements.clear()
    calls: list[Callable[[], Any]] = [
        lambda: store.merge_nodes(bad, [{"key": "x"}]),
        lambda: store.merge_rels(bad, "Shop", "Phone", [{"src": "k1", "dst": "p"}]),
        lambda: store.merge_rels("USES_PHONE", bad, "Phone", [{"src": "k1", "dst": "p"}]),
        lambda: store.merge_rels("USES_PHONE", "Shop", "Email", [{"src": "k1", "dst": "p"}]),
        lambda: store.set_node_props("Shop", [{"key": "k1", bad: 1}], [bad]),
        lambda: store.clear_node_props("Shop", [bad]),
        lambda: store.clear_node_props(bad, ["name"]),
        lambda: list(store.stream_nodes("Shop", [bad])),
        lambda: list(store.stream_nodes(bad, [])),
        lambda: list(store.stream_rels(bad)),
        lambda: list(store.stream_rels("USES_PHONE", [bad])),
        lambda: store.existing_keys(bad, ["k1"]),
        lambda: store.get_nodes(bad, ["k1"]),
    ]
    for call in calls:
        with pytest.raises(SchemaError):
            call()
    assert statements == []
    # Unknown keys in a row are ignored, never turned into properties.
    store.merge_nodes("Shop", [{"key": "k1", bad: "x", "evil": "y"}])
    assert graph_digest(store) == before


def test_mapping_field_names_come_from_the_allowlist(tmp_path: Path) -> None:
    """Item 2: a mapping may only name known fields, sections and options."""
    for text, word in [
        ('[fields]\n"shop_id`) DETACH DELETE n //" = "Store No."\n', "unknown field"),
        ('[fields]\nshop_id = "id"\n[fields.phone]\ncolumn = "p"\nlabel = "Admin"\n',
         "unknown key in field spec"),
        ('[fields]\nshop_id = "id"\n[options]\nlink_identifiers_to = "Admin`)"\n',
         "bad option value"),
        ('[fields]\nshop_id = "id"\n[labels]\nShop = "Admin"\n', "unknown mapping section"),
    ]:
        path = tmp_path / "m.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(MappingError, match=re.escape(word)):
            load_mapping(path)


def test_hostile_column_names_never_become_labels_or_properties(
        store: Store, tmp_path: Path) -> None:
    """Item 2 on data: odd column names and JSON keys are left unmapped; platforms are
    property values. The graph only holds the schema's labels, types and properties."""
    header = ["shop_id", "`) DETACH DELETE n //", "labels", "Shop`", "a b", "phone", "platform"]
    rows = [["C1", "x", "Admin", "y", "z", "+1 212 555 0100", "ebay`) DETACH DELETE n //"]]
    path = _write_csv(tmp_path / "cols.csv", header, rows)
    jpath = tmp_path / "keys.jsonl"
    jpath.write_text(json.dumps({"shop_id": "J1", "`) SET n:Admin //": "x", "key": "evil",
                                 "platform": "Shop:Admin"}) + "\n", encoding="utf-8")
    rep = ingest_paths(store, [path, jpath], IngestOptions(data_dir=tmp_path / "d"))
    assert rep.reconciled and rep.loaded == 2
    assert "`) DETACH DELETE n //" in rep.files[0].unmapped
    shops = {r[0]: r[1] for r in store.stream_nodes("Shop", ["platform"])}
    assert set(shops) == {"ebay-detach-delete-n:c1", "shop-admin:j1"}
    if store.backend == "neo4j":
        labels = {r[0] for r in store.run_read(
            "MATCH (n) UNWIND labels(n) AS l RETURN DISTINCT l").rows}
        keys = {r[0] for r in store.run_read(
            "MATCH (n) UNWIND keys(n) AS k RETURN DISTINCT k").rows}
        types = {r[0] for r in store.run_read(
            "MATCH ()-[r]->() RETURN DISTINCT type(r)").rows}
        assert labels <= set(schema.ALL_KINDS)
        assert types <= set(schema.REL_TYPES)
        allowed = {p for lbl in schema.ALL_KINDS for p, _ in schema.node_props(lbl)}
        assert keys <= allowed


# -- 3 (the part the query suite leaves to us): the plan check alone is not enough ------------

@pytest.mark.neo4j
def test_load_csv_passes_the_plan_check_so_it_is_refused_by_name(neo4j_store: Store) -> None:
    """Item 3 on a real Neo4j: ``EXPLAIN`` calls ``LOAD CSV`` read-only (it can read any
    file the server can), so only the explicit refusal stops it — before the store is
    touched at all."""
    q = "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row"
    assert neo4j_store.explain_is_read_only(q) is True

    calls: list[str] = []

    class Spy:
        backend = neo4j_store.backend

        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(neo4j_store, name)

    saved = parse_query_text("// name: t\n// description: d\n" + q, "t.cypher")
    with pytest.raises(QueryRefused, match="LOAD CSV"):
        run_query(Spy(), saved, {})  # type: ignore[arg-type]
    assert calls == []


@pytest.mark.parametrize("cypher", [
    "CREATE (n:Shop {key: 'evil'}) RETURN n.key",
    "MERGE (n:Shop {key: 'evil'}) RETURN n.key",
    "MATCH (n:Shop) SET n.name = 'pwned' RETURN count(n)",
    "MATCH (n) DETACH DELETE n",
])
def test_read_path_refuses_writes_on_both_engines(store: Store, tmp_path: Path,
                                                  cypher: str) -> None:
    """Item 3, defence in depth below the guard and the plan check: the store's read path
    runs in a read-only transaction, so the engine itself refuses a write."""
    ingest_paths(store, [FX / "flat_utf8.csv"], IngestOptions(data_dir=tmp_path / "d"))
    before = graph_digest(store)
    with pytest.raises(GraphinvError, match="(?i)read"):
        store.run_read(cypher)
    assert graph_digest(store) == before


# -- 10. CSV and JSON output cannot run in a spreadsheet --------------------------------------

DANGER = ["=HYPERLINK(\"http://evil/\",\"x\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
          "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\n=1+1"]


@pytest.mark.parametrize("cell", DANGER)
def test_dangerous_cells_neutralized(cell: str) -> None:
    """Item 10: quoting alone does not help (a spreadsheet unquotes, then evaluates)."""
    assert neutralize(cell).startswith("'")
    header, row = csv.reader(io.StringIO(to_csv(["c"], [[cell]]), newline=""))
    assert row == ["'" + cell]
    assert neutralize("-12.5") == "-12.5" and neutralize("+86") == "+86"


def test_rejects_and_cli_csv_output_are_neutralized(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 10 on graphinv's own outputs: the rejects file and ``ingest -f csv``."""
    rows = [[c.replace("\n", " ").replace("\r", " "), "x", "extra"] for c in DANGER[:5]]
    monkeypatch.chdir(tmp_path)
    src = _write_csv(Path("=HYPERLINK(1).csv"), ["shop_id", "phone"], rows)
    res = CliRunner().invoke(app, ["--data-dir", "d", "ingest", str(src), "-f", "csv"])
    assert res.exit_code == 0, res.output
    out = list(csv.reader(res.stdout.splitlines()))
    assert out[1][0] == "'=HYPERLINK(1).csv"
    rep_path = next((tmp_path / "d" / "rejects").glob("*.csv"))
    rejects = list(csv.DictReader(rep_path.read_text(encoding="utf-8").splitlines()))
    assert len(rejects) == 5
    for r in rejects:
        for v in r.values():
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), v


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.recursive(st.one_of(st.floats(), st.text(max_size=5), st.integers(), st.none()),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=3), inner,
                                                            max_size=3)), max_leaves=10))
def test_json_output_is_strict(value: Any) -> None:
    """Item 10: JSON never holds NaN or Infinity (``allow_nan=False``, non-finite → null)."""
    text = to_json({"v": value})

    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")
    back = json.loads(text, parse_constant=refuse)
    if isinstance(value, float) and not math.isfinite(value):
        assert back["v"] is None


def test_ingest_json_report_is_strict(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest",
                                   str(FX / "bad_rows.csv"), "-f", "json"])
    assert res.exit_code == 0
    rep = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(c))
    assert rep["reconciled"]


# -- The map from the 28 cases to their tests ---------------------------------------------------

def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and n.name.startswith("test_")}


def test_hardening_map_is_complete() -> None:
    """docs/hardening-map.md names at least one existing test for each of the 28 cases."""
    text = (ROOT / "docs" / "hardening-map.md").read_text(encoding="utf-8")
    cases: dict[int, list[str]] = {}
    for line in text.splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|", line)
        if m:
            cases[int(m.group(1))] = re.findall(r"`(tests/[\w/]+\.py::[\w\[\]\-.]+)`", line)
    assert sorted(cases) == list(range(1, 29))
    functions: dict[Path, set[str]] = {}
    for case, ids in cases.items():
        assert ids, f"case {case} has no test"
        for node in ids:
            file, name = node.split("::")
            path = ROOT / file
            assert path.is_file(), node
            funcs = functions.setdefault(path, _test_functions(path))
            assert name.split("[")[0] in funcs, node

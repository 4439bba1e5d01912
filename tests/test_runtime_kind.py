"""A node kind added to the schema and nowhere else goes all the way through (issue #17).

tests/runtime_kind.py registers a throw-away ``Website`` kind (normalizer ``url``, input
field ``website``, relationship ``HAS_WEBSITE``) with ``graphinv.schema.register`` in a
fresh process, then ingests tests/fixtures/runtime_kind/listings.csv, reads the store,
projects, clusters, renders and lists the schema. Nothing else in graphinv knows the
kind: every list of kinds, fields, tables, constraints and links comes from the schema.
Before issue #17 the kind lists in ingest (batches, mapping, extract) were hand-written:
a kind missing there was silently never written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphinv import schema
from graphinv.errors import SchemaError
from graphinv.types import NORMALIZERS

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "tests" / "fixtures" / "runtime_kind" / "listings.csv"
SHARED = "https://fake-brand-outlet.com/"


def _drop_website_from_neo4j(uri: str) -> None:
    """The kind exists in that one test: its nodes, constraint and indexes go with it."""
    import neo4j

    # the test server runs without authentication (scripts/neo4j)
    with neo4j.GraphDatabase.driver(uri, auth=None) as drv, drv.session() as s:
        s.run("MATCH (n:Website) DETACH DELETE n").consume()
        ours = "any(x IN labelsOrTypes WHERE x IN ['Website', 'HAS_WEBSITE'])"
        found = [("CONSTRAINT", r["name"]) for r in s.run(
            f"SHOW CONSTRAINTS YIELD name, labelsOrTypes WHERE {ours} RETURN name")]
        found += [("INDEX", r["name"]) for r in s.run(
            "SHOW INDEXES YIELD name, labelsOrTypes, owningConstraint "
            f"WHERE owningConstraint IS NULL AND {ours} RETURN name")]
        for kind, name in found:
            s.run(f"DROP {kind} `{name}` IF EXISTS").consume()


def _runtime_kind(mode: list[str], store_args: list[str],
                  tmp_path: Path) -> Iterator[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "tests.runtime_kind", *mode, str(tmp_path),
                           str(CSV), *store_args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    try:
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        if "--store" in store_args:
            _drop_website_from_neo4j(store_args[store_args.index("--store") + 1])


@pytest.fixture
def website_run(store_args: list[str], tmp_path: Path) -> Iterator[dict[str, object]]:
    yield from _runtime_kind([], store_args, tmp_path)


@pytest.fixture
def website_queries(store_args: list[str], tmp_path: Path) -> Iterator[dict[str, object]]:
    yield from _runtime_kind(["queries"], store_args, tmp_path)


def test_a_kind_declared_only_in_the_schema_is_ingested_stored_projected_rendered_listed(
        website_run: dict[str, object]) -> None:
    out = website_run
    assert out["exit_codes"] == [["schema", 0], ["ingest", 0], ["clusters", 0], ["view", 0]]
    assert out["schema"] == ["HAS_WEBSITE", "Website"]  # graphinv schema lists both
    # two spellings of one site are one node; its host is the declared property
    assert out["nodes"] == [[SHARED, "fake-brand-outlet.com"],
                            ["https://other.example.org/shop", "other.example.org"]]
    assert out["rels"] == [["Shop", "amazon:s2", "Website", SHARED],
                           ["Shop", "ebay:s1", "Website", SHARED],
                           ["Shop", "etsy:s3", "Website", "https://other.example.org/shop"]]
    assert out["projected"] == [f"Website:{SHARED}", "Website:https://other.example.org/shop"]
    assert out["projected_links"] == [["Shop:amazon:s2", f"Website:{SHARED}"],
                                      ["Shop:ebay:s1", f"Website:{SHARED}"],
                                      ["Shop:etsy:s3", "Website:https://other.example.org/shop"]]
    # the shared website ties the two shops on two platforms into one cluster...
    assert out["clusters"] == [["Shop:amazon:s2", "Shop:ebay:s1", f"Website:{SHARED}"]]
    # ...whose page draws it
    pages = out["pages"]
    assert isinstance(pages, dict) and list(pages) == ["cluster-G-0001.html"]
    assert pages["cluster-G-0001.html"] > 0


def test_a_kind_declared_only_in_the_schema_is_in_the_saved_queries(
        website_queries: dict[str, object]) -> None:
    """``hubs``, ``hub-users`` and ``identifier-users`` cover every identifier kind, and
    ``changes-since`` every node kind and evidence link type, through label groups the
    schema fills in (graphinv/querylib/groups.py): no .cypher file names ``Website``.
    Before, each listed the kinds by hand and left a new one out."""
    out = website_queries
    assert out["exit_codes"] == [["ingest", 0], ["clusters", 0], ["ingest-runs", 0],
                                 ["hubs", 0], ["hub-users", 0], ["identifier-users", 0],
                                 ["changes-since", 0]]
    # the shared website, marked a hub by `clusters --hubs`, with the shops that used it
    assert out["hubs"] == [["Website", SHARED, 2, ["amazon", "ebay"]]]
    assert out["hub_users"] == [["Website", SHARED, "amazon:s2", "HAS_WEBSITE"],
                                ["Website", SHARED, "ebay:s1", "HAS_WEBSITE"]]
    assert out["identifier_users"] == [["Website", "amazon:s2", "HAS_WEBSITE", 1],
                                       ["Website", "ebay:s1", "HAS_WEBSITE", 1]]
    other = "https://other.example.org/shop"
    assert out["changes"] == [
        ["node", "Phone", "+8613800138000", "+86 138 0013 8000"],
        ["node", "Shop", "amazon:s2", "Outlet Two"],
        ["node", "Shop", "ebay:s1", "Outlet One"],
        ["node", "Shop", "etsy:s3", "Unrelated"],
        ["node", "Website", SHARED, "https://www.fake-brand-outlet.com/"],
        ["node", "Website", other, other],
        ["link", "HAS_WEBSITE", f"Shop:amazon:s2 -> Website:{SHARED}", "1 evidence record(s)"],
        ["link", "HAS_WEBSITE", f"Shop:ebay:s1 -> Website:{SHARED}", "1 evidence record(s)"],
        ["link", "HAS_WEBSITE", f"Shop:etsy:s3 -> Website:{other}", "1 evidence record(s)"],
        ["link", "USES_PHONE", "Shop:etsy:s3 -> Phone:+8613800138000", "1 evidence record(s)"],
    ]
    for path in (ROOT / "queries").glob("*.cypher"):
        assert "Website" not in path.read_text(encoding="utf-8"), path.name


def test_register_refuses_once_graphinv_modules_are_imported() -> None:
    import graphinv.ingest.mapping  # noqa: F401  (copies the identifier fields)
    from tests.runtime_kind import HAS_WEBSITE, WEBSITE

    with pytest.raises(SchemaError, match="after graphinv modules were imported"):
        schema.register(WEBSITE, [HAS_WEBSITE])
    assert "Website" not in schema.ALL_KINDS and "HAS_WEBSITE" not in schema.REL_TYPES


@pytest.mark.parametrize(("kwargs", "rels", "match"), [
    ({"label": "Shop"}, [], "already declared"),
    ({"label": "web site"}, [], "bad node label"),
    ({"label": "Website", "field": "phone"}, [], "duplicate input field"),
    ({"label": "Website"}, [schema.RelType("USES_PHONE", "", ("Shop",), ("Website",))],
     "duplicate relationship"),
    ({"label": "Website"}, [schema.RelType("HAS_X", "", ("Shop",), ("Nowhere",))],
     "unknown kinds"),
])
def test_register_refuses_bad_declarations(kwargs: dict[str, str],
                                           rels: list[schema.RelType], match: str) -> None:
    kind = schema.NodeKind(**{"description": "", "normalizer": "url", **kwargs})
    with pytest.raises(SchemaError, match=match):
        schema.register(kind, rels)


def test_schema_declarations_are_consistent() -> None:
    for k in schema.ALL_KINDS.values():
        assert k.normalizer in NORMALIZERS, k.label
    fields = [k.field for k in schema.NODE_KINDS.values() if k.field]
    assert len(fields) == len(set(fields))
    assert set(schema.IDENTIFIER_FIELDS.values()) == set(schema.IDENTIFIER_KINDS)
    assert schema.RESOLVABLE_KINDS == ("Address", "Supplier")

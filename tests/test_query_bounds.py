"""Path bounds given as parameters (``-[*1..$hops]-``): found, checked, written in."""

from __future__ import annotations

import pytest

from graphinv.errors import ParameterError, QueryError, QueryRefused
from graphinv.querylib.bounds import default_bounds, inline_path_bounds, path_bound_params
from graphinv.querylib.header import HeaderError, parse_query_text
from graphinv.querylib.runner import prepare_query
from graphinv.store import Store

HEAD = "// name: q\n// description: d\n// param: hops int 1..4 = 2 -- hops\n"


@pytest.mark.parametrize(("cypher", "names"), [
    ("MATCH p = (s)-[*1..$hops]-(n) RETURN n", {"hops"}),
    ("MATCH (s)<-[:X|Y* TRAIL $lo..$hi]-(n) RETURN n", {"lo", "hi"}),
    ("MATCH (s)-[*$n]->(m) RETURN m", {"n"}),
    ("MATCH (s)-[r:X {w: $w}]-(m) RETURN m", set()),
    ("MATCH (s) WHERE size([x IN $l WHERE x > 1]) > 0 RETURN s", set()),
    ("RETURN '-[*1..$hops]-' AS text", set()),
])
def test_bound_params_are_found(cypher: str, names: set[str]) -> None:
    assert path_bound_params(cypher) == names


def test_only_bounds_are_written_in() -> None:
    got = inline_path_bounds("MATCH p = (s)-[*1..$hops]-(n) WHERE length(p) = $hops "
                             "RETURN n", {"hops": 3})
    assert got == "MATCH p = (s)-[*1..3]-(n) WHERE length(p) = $hops RETURN n"


@pytest.mark.parametrize("value", ["2", 2.0, True, -1, None])
def test_a_bound_must_be_a_non_negative_int(value: object) -> None:
    with pytest.raises(QueryError, match="path bound"):
        inline_path_bounds("MATCH (s)-[*1..$hops]-(n) RETURN n", {"hops": value})


@pytest.mark.parametrize("decl", ["hops str = \"2\"", "hops int = 2", "hops int 1..50 = 2",
                                  "hops float 1..4 = 2", "hops int -1..4 = 2"])
def test_a_bound_param_must_be_a_bounded_int(decl: str) -> None:
    text = f"// name: q\n// description: d\n// param: {decl} -- hops\n" \
           "MATCH p = (s)-[*1..$hops]-(n) RETURN n"
    with pytest.raises(HeaderError, match=r"\$hops is a path bound"):
        parse_query_text(text, "q.cypher")


def test_ad_hoc_bounds_are_typed_as_hop_counts() -> None:
    q = parse_query_text("MATCH p = (s:Shop {key: $k})-[*1..$hops]-(n) RETURN n", "x.cypher",
                         saved=False)
    spec = {p.name: p for p in q.params}
    assert (spec["hops"].type, spec["hops"].maximum, spec["k"].type) == ("int", 10, "str")
    prep = prepare_query(q, {"k": "a", "hops": "3"}, backend="neo4j", from_text=True)
    assert "-[*1..3]-" in prep.cypher and prep.params == {"k": "a"}


@pytest.mark.parametrize("backend", ["neo4j", "embedded"])
def test_prepared_text_has_the_bound_and_passes_the_guard(backend: str) -> None:
    q = parse_query_text(HEAD + "MATCH p = (s:Shop)-[*1..$hops]-(n) RETURN n.key AS k",
                         "q.cypher")
    prep = prepare_query(q, {"hops": 3}, backend=backend)
    assert ("-[*1..3]-" if backend == "neo4j" else "-[* TRAIL 1..3]-") in prep.cypher
    assert "hops" not in prep.params
    assert default_bounds(q.text, q.params) == {"hops": 2}


def test_the_guard_still_caps_an_inlined_bound() -> None:
    q = parse_query_text("MATCH p = (s)-[*1..$hops]-(n) RETURN n", "x.cypher", saved=False)
    with pytest.raises(ParameterError):  # above the declared 0..10
        prepare_query(q, {"hops": 11}, backend="neo4j")
    q = parse_query_text("// name: q\n// description: d\n// param: hops int 0..10 = 2 -- h\n"
                         "MATCH p = (s)-[*5..$hops]-(n) RETURN n", "q.cypher")
    assert "-[*5..10]-" in prepare_query(q, {"hops": 10}, backend="neo4j").cypher
    with pytest.raises(QueryRefused):
        prepare_query(parse_query_text("MATCH p = (s)-[*1..20]-(n) RETURN n", "x.cypher",
                                       saved=False), {}, backend="neo4j")


def test_bound_from_a_parameter_gives_the_rows_of_a_literal_bound(store: Store) -> None:
    from graphinv.querylib.runner import run_query

    store.merge_nodes("Shop", [{"key": k} for k in ("a", "b", "c")])
    store.merge_nodes("Phone", [{"key": "+1"}, {"key": "+2"}])
    store.merge_rels("USES_PHONE", "Shop", "Phone", [
        {"src": "a", "dst": "+1"}, {"src": "b", "dst": "+1"}, {"src": "b", "dst": "+2"},
        {"src": "c", "dst": "+2"}])
    q = parse_query_text(HEAD.replace("= 2", "= 1") + "MATCH (s:Shop {key: 'a'}) "
                         "MATCH p = (s)-[*1..$hops]-(n) "
                         "RETURN n.key AS k, min(length(p)) AS d ORDER BY d, k", "q.cypher")
    got = {h: run_query(store, q, {"hops": h}).rows for h in (1, 2, 4)}
    assert got[1] == [["+1", 1]]
    assert got[2] == [["+1", 1], ["b", 2]]
    assert got[4] == [["+1", 1], ["b", 2], ["+2", 3], ["c", 4]]

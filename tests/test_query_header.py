"""Saved-query headers: fields, params, and errors that name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphinv.querylib.header import HeaderError, load_query_file, parse_query_text
from graphinv.querylib.params import REQUIRED

GOOD = """\
// name: demo
// description: Shops on one platform,
//   with a continued description.
// tags: explore, shop
// tags: demo
// param: platform str -- Platform code, e.g. ebay
// param: hops int 1..4 = 2 -- How far
// param: ratio float 0..1 = 0.5
// param: keys list[str] = ["a", "b -- c"] -- Keys to keep
// param: strict bool = false
// param: note str = null -- Optional note
// example: -p platform=ebay
// requires: neo4j
// sort-lists: keys
// sort-rows: shop
MATCH (s:Shop {platform: $platform})
WHERE $hops > 0 AND $ratio < 1 AND s.key IN $keys AND $strict = false AND $note IS NULL
RETURN s.key AS shop
"""


def test_full_header_is_parsed() -> None:
    q = parse_query_text(GOOD, "queries/demo.cypher")
    assert q.name == "demo"
    assert q.description == "Shops on one platform, with a continued description."
    assert q.tags == ("explore", "shop", "demo")
    assert q.examples == ("-p platform=ebay",)
    assert q.requires == "neo4j" and not q.portable and q.runs_on("neo4j")
    assert q.sort_lists == ("keys",) and q.sort_rows == ("shop",)
    assert q.body_line == 16 and q.body.startswith("MATCH (s:Shop")
    p = {s.name: s for s in q.params}
    assert p["platform"].type == "str" and p["platform"].default is REQUIRED
    assert p["platform"].help == "Platform code, e.g. ebay"
    assert (p["hops"].minimum, p["hops"].maximum, p["hops"].default) == (1, 4, 2)
    assert (p["ratio"].minimum, p["ratio"].maximum, p["ratio"].default) == (0.0, 1.0, 0.5)
    assert p["keys"].default == ["a", "b -- c"] and p["keys"].help == "Keys to keep"
    assert p["strict"].default is False and p["note"].default is None
    assert q.used_params == {"platform", "hops", "ratio", "keys", "strict", "note"}


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("// description: x\nRETURN 1 AS a", 1, "missing 'name'"),
    ("// name: demo\nRETURN 1 AS a", 1, "missing 'description'"),
    ("// name: other\n// description: x\nRETURN 1 AS a", 1, "differs from the file name"),
    ("// name: Demo_1\n// description: x\nRETURN 1 AS a", 1, "invalid query name"),
    ("// name: demo\n// description: x\n// colour: red\nRETURN 1 AS a", 3,
     "unknown header field 'colour'"),
    ("// name: demo\n// description: x\n// just some words\nRETURN 1 AS a", 3,
     "not 'field: value'"),
    ("// name: demo\n// name: demo\n// description: x\nRETURN 1 AS a", 2, "given twice"),
    ("// name: demo\n// description: x\n// param: n integer = 2\nRETURN $n AS a", 3,
     "unknown type 'integer'"),
    ("// name: demo\n// description: x\n// param: n int = \"two\"\nRETURN $n AS a", 3,
     "default of 'n' does not fit"),
    ("// name: demo\n// description: x\n// param: n int 1..3 = 5\nRETURN $n AS a", 3,
     "default of 'n' does not fit"),
    ("// name: demo\n// description: x\n// param: n int = two\nRETURN $n AS a", 3,
     "not a JSON literal"),
    ("// name: demo\n// description: x\n// param: s str 1..3\nRETURN $s AS a", 3,
     "range only applies"),
    ("// name: demo\n// description: x\n// param: n int = 2 help\nRETURN $n AS a", 3,
     "unexpected text"),
    ("// name: demo\n// description: x\n// param: n int\n// param: n int\nRETURN $n AS a", 4,
     "declared twice"),
    ("// name: demo\n// description: x\n// param: n int\nRETURN 1 AS a", 3,
     "declared but not used"),
    ("// name: demo\n// description: x\nMATCH (s:Shop)\nRETURN $shop AS a", 4,
     "$shop is used but not declared"),
    ("// name: demo\n// description: x\n// requires: oracle\nRETURN 1 AS a", 3,
     "unknown backend"),
    ("// name: demo\n// description: x\n", 3, "no query after the header"),
    ("// name: demo\n// description: x\nRETURN 'open\n", 3, "unterminated string"),
])
def test_header_errors_name_file_and_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(HeaderError) as err:
        parse_query_text(text, "queries/demo.cypher")
    assert err.value.path == "queries/demo.cypher"
    assert err.value.line == line, str(err.value)
    assert problem in str(err.value)
    assert f"queries/demo.cypher:{line}" in str(err.value)
    assert err.value.exit_code == 2


def test_adhoc_file_without_header_gets_string_params(fixtures_dir: Path) -> None:
    q = load_query_file(fixtures_dir / "queries" / "adhoc" / "shops-on-platform.cypher",
                        saved=False)
    assert q.name == "shops-on-platform" and q.description == "ad-hoc query"
    assert [(p.name, p.type, p.required) for p in q.params] == [("platform", "str", True)]


@pytest.mark.parametrize("text", ["MATCH (s:Shop {key: $k})\nRETURN s.key AS k",
                                  "MATCH (s:Shop {key: $k}) RETURN s.key AS k",
                                  "// my notes: not a header\nMATCH (s:Shop {key: $k}) "
                                  "RETURN s.key AS k"])
def test_adhoc_text_keeps_its_first_line(text: str) -> None:
    """A one-line ad-hoc query used to be read as an empty header."""
    q = parse_query_text(text, "x.cypher", saved=False)
    assert [(p.name, p.type) for p in q.params] == [("k", "str")]


def test_broken_fixture_file_reports_its_line(fixtures_dir: Path) -> None:
    path = fixtures_dir / "queries" / "broken" / "bad-type.cypher"
    with pytest.raises(HeaderError) as err:
        load_query_file(path)
    assert err.value.line == 3 and err.value.path == str(path)


def test_non_utf8_and_huge_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "latin.cypher"
    bad.write_bytes(b"// name: latin\n// description: caf\xe9\nRETURN 1 AS a\n")
    with pytest.raises(HeaderError, match="not UTF-8") as err:
        load_query_file(bad)
    assert err.value.line == 2
    big = tmp_path / "big.cypher"
    big.write_text("// name: big\n// description: x\nRETURN 1 AS a\n" + "//" * 200_000)
    with pytest.raises(HeaderError, match="larger than"):
        load_query_file(big)


def test_every_builtin_query_parses() -> None:
    from graphinv.querylib import QueryLibrary

    lib = QueryLibrary.discover()
    assert lib.errors == []
    assert len(lib.names()) >= 12
    for q in lib.queries.values():
        assert q.description and q.tags, q.name

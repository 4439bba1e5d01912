"""Label groups in query files: written out from the schema, nothing else (issue #17).

``{{ identifier }}`` after ``:`` becomes the schema's identifier kinds as ``A|B|C``;
``{{ each node }}`` writes its UNION ALL part once per node kind. The expansion runs when
a file is read (saved or ad-hoc), before the guard, the translation and the plan check;
only names from the schema's allowlists come out of it, and only in a label or type
position. Anything else in ``{{ … }}`` is an error with the file's line, and the guard
refuses a ``{{`` that reaches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graphinv import schema
from graphinv.errors import QueryRefused
from graphinv.querylib import QueryLibrary, check_query, load_query_file, parse_query_text
from graphinv.querylib.groups import GroupError, expand_groups, group_members
from graphinv.querylib.header import HeaderError
from graphinv.querylib.runner import prepare_query
from graphinv.querylib.translate import to_embedded

IDENT = "PaymentAccount|Phone|Email|Address|Supplier"


def test_identifier_group_is_the_schema_list() -> None:
    assert group_members("identifier") == schema.IDENTIFIER_KINDS
    assert "|".join(schema.IDENTIFIER_KINDS) == IDENT
    assert group_members("node") == tuple(schema.NODE_KINDS)
    assert set(group_members("evidence-link")) == {
        n for n, r in schema.REL_TYPES.items() if r.evidence}
    assert group_members("actor") == ("Seller", "Shop")


@pytest.mark.parametrize(("text", "want"), [
    ("MATCH (h:{{ identifier }}) RETURN h", f"MATCH (h:{IDENT}) RETURN h"),
    ("MATCH (h:{{identifier}} {key: $k}) RETURN h", f"MATCH (h:{IDENT} {{key: $k}}) RETURN h"),
    ("MATCH (h) WHERE h:{{ actor }} RETURN h", "MATCH (h) WHERE h:Seller|Shop RETURN h"),
    ("MATCH (a)-[r:{{ evidence-link }}]->(b) RETURN r",
     "MATCH (a)-[r:OPERATES|LOCATED_AT|PAID_VIA|USES_PHONE|USES_EMAIL|SOURCES_FROM]->(b) "
     "RETURN r"),
    # strings and comments are data: nothing in them is expanded
    ("RETURN '{{ identifier }}' AS s // {{ node }}",
     "RETURN '{{ identifier }}' AS s // {{ node }}"),
    ("MATCH (s:Shop) RETURN s", "MATCH (s:Shop) RETURN s"),
])
def test_alternation(text: str, want: str) -> None:
    assert expand_groups(text) == want


def test_each_writes_one_union_all_part_per_member_in_name_order() -> None:
    text = ("// per kind\nMATCH (n:{{ each actor }}) WHERE n.x = $x\n"
            "RETURN n.key AS k ORDER BY k LIMIT 2\n"
            "UNION ALL\nMATCH (m:IngestRun) RETURN m.key AS k\n")
    assert expand_groups(text) == (
        "// per kind\nMATCH (n:Seller) WHERE n.x = $x\nRETURN n.key AS k ORDER BY k LIMIT 2"
        "\nUNION ALL\n"
        "MATCH (n:Shop) WHERE n.x = $x\nRETURN n.key AS k ORDER BY k LIMIT 2\n"
        "UNION ALL\nMATCH (m:IngestRun) RETURN m.key AS k\n")
    parts = expand_groups("MATCH (a)-[r:{{ each evidence-link }}]->(b) RETURN type(r) AS t")
    assert parts.split("\nUNION ALL\n") == [
        f"MATCH (a)-[r:{t}]->(b) RETURN type(r) AS t"
        for t in sorted(n for n, r in schema.REL_TYPES.items() if r.evidence)]


@pytest.mark.parametrize(("text", "match"), [
    ("MATCH (h:{{ identifiers }}) RETURN h", "unknown label group 'identifiers'"),
    ("MATCH (h:{{ Identifier }}) RETURN h", "unreadable label group"),
    # not after ':' — a value, a RETURN expression, a property map
    ("MATCH (h {key: {{ identifier }}}) RETURN h", "outside a label"),
    ("RETURN {{ identifier }} AS x", "outside a label"),
    ("MATCH (h) RETURN h {.key, k: {{ node }}}", "outside a label"),
    # the wrong kind of name for the place
    ("MATCH (h:{{ evidence-link }}) RETURN h", "holds relationship types"),
    ("MATCH (a)-[r:{{ identifier }}]->(b) RETURN r", "holds node labels"),
    ("MATCH (n:{{ each node }})-[r:{{ each evidence-link }}]->(b) RETURN n",
     "two different"),
    ("MATCH (n:{{ each node }}) RETURN n.key AS k UNION MATCH (m:Shop) RETURN m.key AS k",
     "joined by UNION"),
    ("MATCH (s:Shop) WHERE EXISTS { MATCH (s)--(n:{{ each node }}) } RETURN s",
     "inside a subquery"),
    # text that would smuggle code through a group is not a group
    ("MATCH (h:{{ identifier`) DETACH DELETE h //` }}) RETURN h", "unreadable label group"),
    ("MATCH (h:{{ each\nidentifier }}) RETURN h", "unreadable label group"),
    ("MATCH (h:{{ identifier }}`) DETACH DELETE h //`) RETURN h", ""),
])
def test_misused_groups_are_errors(text: str, match: str) -> None:
    if not match:  # expands, and the backtick name after it is the guard's business
        out = expand_groups(text)
        assert out.startswith(f"MATCH (h:{IDENT}`)")
        return
    with pytest.raises(GroupError, match=match):
        expand_groups(text)


def test_the_guard_refuses_a_group_left_in_the_query() -> None:
    with pytest.raises(QueryRefused, match="label group"):
        check_query("MATCH (h:{{ identifier }}) RETURN h")
    with pytest.raises(QueryRefused, match="label group"):
        check_query("MATCH (h:{ {identifier} }) RETURN h")


def test_a_file_error_names_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "x.cypher"
    path.write_text("// name: x\n// description: d\n\nMATCH (h)\n"
                    "WHERE h:{{ phone }}\nRETURN h.key AS k\n", encoding="utf-8")
    with pytest.raises(HeaderError, match="unknown label group") as err:
        load_query_file(path)
    assert err.value.line == 5


def test_a_saved_query_runs_its_expanded_text_on_both_dialects() -> None:
    q = parse_query_text("// name: x\n// description: d\n// param: key str\n"
                         "MATCH (i:{{ identifier }} {key: $key})<-[r]-(u)\n"
                         "RETURN labels(i)[0] AS kind, u.key AS user\n", "x.cypher")
    assert q.source is not None and "{{ identifier }}" in q.source
    assert q.body.splitlines()[0] == f"MATCH (i:{IDENT} {{key: $key}})<-[r]-(u)"
    assert q.used_params == {"key"}
    neo = prepare_query(q, {"key": "x"}, backend="neo4j", limit=None)
    emb = prepare_query(q, {"key": "x"}, backend="embedded", limit=None)
    assert f"(i:{IDENT} {{key: $key}})" in neo.cypher
    assert f"(i:{IDENT} {{key: $key}})" in emb.cypher and "label(i) AS kind" in emb.cypher


def test_an_adhoc_file_gets_only_schema_labels(tmp_path: Path) -> None:
    """``query run --file`` text is expanded like a saved file: the group gives exactly
    the schema's labels, so it offers nothing a user could not type — and nothing more."""
    path = tmp_path / "mine.cypher"
    path.write_text("MATCH (h:{{ identifier }}) WHERE h.key = $k RETURN h.key AS k\n",
                    encoding="utf-8")
    q = load_query_file(path, saved=False)
    cypher = prepare_query(q, {"k": "x"}, backend="neo4j", limit=None).cypher
    assert cypher == f"MATCH (h:{IDENT}) WHERE h.key = $k RETURN h.key AS k\n"
    path.write_text("MATCH (h:{{ identifier }}|`Shop`) DETACH DELETE h\n", encoding="utf-8")
    with pytest.raises(QueryRefused, match="writes to the graph"):
        prepare_query(load_query_file(path, saved=False), {}, backend="neo4j")


def test_the_builtin_queries_name_no_identifier_kind_by_hand() -> None:
    """The four queries over every kind use groups; a new kind needs no edit of them."""
    lib = QueryLibrary.builtin()
    for name in ("hubs", "hub-users", "identifier-users"):
        q = lib.get(name)
        assert q.source is not None and "{{ identifier }}" in q.source
        for kind in schema.IDENTIFIER_KINDS:
            assert kind not in q.source, (name, kind)
    changes = lib.get("changes-since")
    assert changes.source is not None
    for name in [*schema.NODE_KINDS, *schema.REL_TYPES]:
        assert name not in changes.source, name
    assert "{{ each node }}" in changes.source
    assert "{{ each evidence-link }}" in changes.source
    # what runs passes the guard and translates on both stores
    for q in (lib.get(n) for n in ("hubs", "hub-users", "identifier-users", "changes-since")):
        check_query(to_embedded(check_query(q.text).cypher))

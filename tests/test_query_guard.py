"""The lexical guard: every unsafe class refused before a query reaches a store,
and keywords inside strings or comments neither refuse nor hide anything."""

from __future__ import annotations

import pytest

from graphinv.errors import QueryRefused
from graphinv.querylib.guard import check_query
from graphinv.querylib.lexer import tokenize

REFUSED = [
    # write clauses, in any case, anywhere
    ("CREATE (n:Shop {key: 'x'})", "writes"),
    ("MATCH (n:Shop) MERGE (m:Shop {key: n.key})", "writes"),
    ("MATCH (n:Shop) SET n.name = 'x' RETURN n", "writes"),
    ("MATCH (n:Shop) set n.name = 'x'", "writes"),
    ("MATCH (n) DELETE n", "writes"),
    ("MATCH (n) DeTaCh DeLeTe n", "writes"),
    ("MATCH (n:Shop) REMOVE n.name", "writes"),
    ("MATCH (n:Shop) FOREACH (x IN [1] | SET n.risk = x)", "writes"),
    ("DROP INDEX shop_key", "writes"),
    ("MATCH (n) INSERT (:Shop {key: 'x'})", "writes"),
    ("MATCH (n) CALL { WITH n DELETE n } RETURN 1", "writes"),
    ("OPTIONAL MATCH (n) WITH n CREATE (m:Shop)", "writes"),
    # keywords hidden behind comments and strings are still seen
    ("MATCH (n) /* a comment */ DETACH DELETE n", "writes"),
    ("MATCH (n) // a comment\nDETACH DELETE n", "writes"),
    ("MATCH (n) // comment ends at U+2028\u2028DETACH DELETE n", "writes"),
    ("MATCH (n) WHERE n.name = 'it''s' DELETE n", "writes"),
    ("MATCH (n) WHERE n.name = 'a\\'b' DELETE n", "writes"),
    ("MATCH (n) WHERE n.name = \"/*\" DELETE n //*/", "writes"),
    ("MATCH (n)/**/DELETE/**/n", "writes"),
    # files and databases
    ("LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", "LOAD CSV"),
    ("MATCH (n) LOAD CSV FROM 'https://x/y.csv' AS r RETURN r", "LOAD CSV"),
    ("COPY Shop FROM 'shops.csv'", "files"),
    ("INSTALL json", "files"),
    ("ATTACH 'other.lbug' AS other", "files"),
    ("EXPORT DATABASE '/tmp/x'", "files"),
    ("ALTER TABLE Shop ADD x STRING", "administration"),
    ("BEGIN TRANSACTION", "administration"),
    ("GRANT ROLE admin TO bob", "administration"),
    ("SHOW DATABASES", "not a read query"),
    ("USE system MATCH (n) RETURN n", "USE"),
    ("MATCH (n) CALL { USE neo4j MATCH (m) RETURN m } RETURN n", "USE"),
    # batched transactions
    ("MATCH (n) CALL { WITH n RETURN n.key AS k } IN TRANSACTIONS OF 10 ROWS RETURN k",
     "IN TRANSACTIONS"),
    ("MATCH (n) CALL (n) { RETURN n.key AS k } IN CONCURRENT TRANSACTIONS RETURN k",
     "IN TRANSACTIONS"),
    # procedures and plugin functions outside the allowlist
    ("CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})", "allowlist"),
    ("CALL dbms.killQueries(['q-1'])", "allowlist"),
    ("CALL gds.graph.project('g', 'Shop', '*')", "allowlist"),
    ("CALL db.createLabel('X')", "allowlist"),
    ("CALL `apoc`.`help`('x')", "allowlist"),
    ("CALL threads = 4", "allowlist"),
    ("CALL create_fts_index('Shop', 'idx', ['name'])", "allowlist"),
    ("RETURN apoc.coll.sort([3, 1]) AS x", "allowlist"),
    ("MATCH (n) RETURN apoc.text.join(['a'], ',') AS x", "allowlist"),
    ("RETURN `apoc.coll.sort`([3, 1]) AS x", "allowlist"),
    ("RETURN gds.util.asNode(1) AS x", "allowlist"),
    ("RETURN dbms.components() AS x", "allowlist"),
    # several statements
    ("MATCH (n) RETURN n; MATCH (m) DETACH DELETE m", "several statements"),
    ("RETURN 1 AS a; RETURN 2 AS b", "several statements"),
    ("RETURN 1 AS a;;", "several statements"),
    # prefixes and non-queries
    ("EXPLAIN MATCH (n) RETURN n", "prefixes"),
    ("PROFILE MATCH (n) RETURN n", "prefixes"),
    ("CYPHER runtime=slotted MATCH (n) RETURN n", "prefixes"),
    ("", "empty"),
    ("// only a comment", "empty"),
    # unbounded or too long paths
    ("MATCH p = (a:Shop)-[*]-(b) RETURN p", "upper bound"),
    ("MATCH p = (a:Shop)-[:PAID_VIA*2..]->(b) RETURN p", "upper bound"),
    ("MATCH p = shortestPath((a:Shop)-[*]-(b:Shop)) RETURN p", "upper bound"),
    ("MATCH (a:Shop)<-[r*1..11]-(b) RETURN b", "longer than 10"),
    ("MATCH ((a)-[:PAID_VIA]->(b)){1,} RETURN a", "upper bound"),
    ("MATCH ((a)-[:PAID_VIA]->(b))+ RETURN a", "unbounded quantified"),
    ("MATCH (a)-[:PAID_VIA]->+(b) RETURN a", "unbounded quantified"),
    ("MATCH (a:Shop)-[* SHORTEST]-(b) RETURN b", "upper bound"),
    # dynamic labels
    ("MATCH (n:$($label)) RETURN n", "dynamic labels"),
    # unreadable text
    ("MATCH (n) WHERE n.name = 'open RETURN n", "unterminated string"),
    ("MATCH (n) /* open RETURN n", "unterminated /* comment"),
    ("MATCH (`open) RETURN 1", "unterminated `name`"),
]


@pytest.mark.parametrize(("cypher", "rule"), REFUSED)
def test_unsafe_queries_are_refused(cypher: str, rule: str) -> None:
    with pytest.raises(QueryRefused) as err:
        check_query(cypher)
    assert rule in str(err.value), str(err.value)


ALLOWED = [
    ("MATCH (s:Shop) WHERE s.name = 'DELETE' RETURN s.key AS k", set()),
    ("MATCH (s:Shop) WHERE s.name = \"CREATE (n); MATCH (m) DETACH DELETE m\" RETURN s.key AS k",
     set()),
    ("MATCH (s:Shop) // SET s.name = 'x'\nRETURN s.key AS k", set()),
    ("MATCH (s:Shop) /* DELETE s; DROP */ RETURN s.key AS k", set()),
    ("MATCH (s:Shop {key: $shop}) RETURN s.set AS set_prop, s.`delete` AS d", {"shop"}),
    ("MATCH (s:Shop) RETURN s.key AS `CREATE`", set()),
    ("RETURN 1 AS x;", set()),
    ("RETURN 1 AS x ; // trailing", set()),
    ("CALL db.labels() YIELD label RETURN label", set()),
    ("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType", set()),
    ("CALL db.schema.visualization()", set()),
    ("CALL show_tables() RETURN *", set()),
    ("MATCH (a:Shop) CALL { WITH a MATCH (a)-->(i) RETURN count(i) AS c } RETURN c", set()),
    ("RETURN date.truncate('month', date('2025-05-17')) AS d, point.distance(point({x: 0, "
     "y: 0}), point({x: 3, y: 4})) AS p", set()),
    ("MATCH p = shortestPath((a:Shop)-[*..6]-(b:Shop)) RETURN p", set()),
    ("MATCH (a:Shop)-[:PAID_VIA*3]-(b) RETURN b", set()),
    ("MATCH (a:Shop)-[r* TRAIL 1..4]-(b) RETURN b", set()),
    ("MATCH ((a)-[:PAID_VIA]->(b)){1,5} RETURN a", set()),
    ("MATCH (s:Shop) RETURN count(s) * 2 AS x, (1 - (2)) * 3 AS y", set()),
    ("UNWIND $keys AS k MATCH (s:Shop {key: k}) RETURN s.key AS k, $`odd name` AS o",
     {"keys", "odd name"}),
    ("WITH 1 AS x RETURN x", set()),
    ("MATCH (s:Shop) RETURN s.key AS k UNION MATCH (p:Phone) RETURN p.key AS k", set()),
]


@pytest.mark.parametrize(("cypher", "params"), ALLOWED)
def test_read_queries_pass_with_their_params(cypher: str, params: set[str]) -> None:
    assert check_query(cypher).params == params


def test_trailing_semicolon_is_removed() -> None:
    assert check_query("RETURN 1 AS x ; // done").cypher == "RETURN 1 AS x  // done"


def test_refusal_names_word_and_line() -> None:
    with pytest.raises(QueryRefused) as err:
        check_query("MATCH (s:Shop)\nWHERE s.name = 'x'\n  DETACH DELETE s")
    assert err.value.value == "DETACH at line 3"


def test_lexer_round_trips_text() -> None:
    text = "MATCH (s:Shop {key: $k})\r\n// c\u2028/* b */ WHERE s.n = 'a\\'b' RETURN `x``y` AS z"
    assert "".join(t.text for t in tokenize(text)) == text

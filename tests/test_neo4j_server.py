"""The Neo4j server the tests get is a real Neo4j 5.26 Community DBMS."""

from __future__ import annotations

import uuid

import pytest
from neo4j import GraphDatabase

pytestmark = pytest.mark.neo4j


def test_server_is_neo4j_5_26_community(neo4j_uri: str) -> None:
    with GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        driver.verify_connectivity()
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
        )
    kernel = [r for r in records if r["name"] == "Neo4j Kernel"]
    assert kernel, records
    assert kernel[0]["versions"][0].startswith("5.26"), kernel[0]["versions"]
    assert kernel[0]["edition"] == "community"


def test_write_and_read_back(neo4j_uri: str) -> None:
    tag = f"t-{uuid.uuid4().hex}"
    with GraphDatabase.driver(neo4j_uri, auth=None) as driver:
        try:
            driver.execute_query(
                "CREATE (:GraphinvSmoke {tag: $tag})-[:LINKS]->(:GraphinvSmoke {tag: $tag})",
                tag=tag,
            )
            records, _, _ = driver.execute_query(
                "MATCH (a:GraphinvSmoke {tag: $tag})-[r:LINKS]->(b:GraphinvSmoke {tag: $tag}) "
                "RETURN count(r) AS n",
                tag=tag,
            )
            assert records[0]["n"] == 1
        finally:
            driver.execute_query("MATCH (n:GraphinvSmoke {tag: $tag}) DETACH DELETE n", tag=tag)

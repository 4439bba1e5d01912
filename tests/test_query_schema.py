"""The saved queries (queries/*.cypher) use only labels and relationship types the schema declares.

Labels and types are read from the Cypher tokens (strings and comments never count):
an identifier after ``:`` — or after ``|`` in an alternation — outside a property map is
a label, or a relationship type inside ``[...]``. The text checked is the one that runs:
label groups (``{{ identifier }}``, ``{{ each node }}``) written out from the schema.
Queries over "every identifier kind" or "every kind" must cover exactly the schema's;
they do through the groups, so a kind added to ``graphinv/schema.py`` needs no edit of
them (issue #17; tests/test_runtime_kind.py runs them with a kind added at runtime).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graphinv import schema
from graphinv.querylib import load_query_file
from graphinv.querylib.lexer import significant, tokenize

QUERIES = sorted((Path(__file__).resolve().parent.parent / "queries").glob("*.cypher"))


def labels_and_types(cypher: str) -> tuple[list[str], list[str]]:
    """(labels, relationship types) written in ``cypher``, in order of appearance.

    >>> labels_and_types("MATCH (s:Shop {key: x})-[:USES_PHONE|USES_EMAIL]->(c) "
    ...                  "WHERE c:Phone RETURN 'Email:x' // :Nope")
    (['Shop', 'Phone'], ['USES_PHONE', 'USES_EMAIL'])
    """
    toks = significant(tokenize(cypher))
    labels: list[str] = []
    types: list[str] = []
    opened: list[str] = []
    skip_to = 0
    for i, t in enumerate(toks):
        if t.is_punct("(", "[", "{"):
            opened.append(t.text)
        elif t.is_punct(")", "]", "}") and opened:
            opened.pop()
        if i < skip_to or "{" in opened or not t.is_punct(":"):
            continue
        into = types if opened and opened[-1] == "[" else labels
        j = i + 1
        while j < len(toks) and toks[j].kind in ("ident", "qident"):
            into.append(toks[j].name)
            # alternation: A|B or the older A|:B
            if j + 1 < len(toks) and toks[j + 1].is_punct("|"):
                j += 2
                if j < len(toks) and toks[j].is_punct(":"):
                    j += 1
                continue
            break
        skip_to = j
    return labels, types


def _runs(path: Path) -> str:
    """The query as it runs: header and body, label groups written out."""
    return load_query_file(path).text


def test_the_query_folder_is_found_and_read() -> None:
    assert len(QUERIES) >= 10 and any(q.stem == "hubs" for q in QUERIES)
    seen = [labels_and_types(_runs(q)) for q in QUERIES]
    assert {lb for labels, _ in seen for lb in labels} >= set(schema.NODE_KINDS)
    assert {t for _, types in seen for t in types} >= {"OPERATES", "PAID_VIA", "USES_PHONE"}


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_saved_query_labels_are_in_the_schema(path: Path) -> None:
    labels, types = labels_and_types(_runs(path))
    assert set(labels) <= set(schema.ALL_KINDS), set(labels) - set(schema.ALL_KINDS)
    assert set(types) <= set(schema.REL_TYPES), set(types) - set(schema.REL_TYPES)


@pytest.mark.parametrize("name", ["hubs", "hub-users", "identifier-users"])
def test_queries_over_every_identifier_kind_list_them_all(name: str) -> None:
    labels, _ = labels_and_types(_runs(QUERIES[0].parent / f"{name}.cypher"))
    assert sorted(set(labels) & set(schema.NODE_KINDS)) == sorted(schema.IDENTIFIER_KINDS)


def test_changes_since_covers_every_kind_and_evidence_link() -> None:
    labels, types = labels_and_types(_runs(QUERIES[0].parent / "changes-since.cypher"))
    assert sorted(set(labels) - {"IngestRun"}) == sorted(schema.NODE_KINDS)
    assert sorted(set(types)) == sorted(n for n, r in schema.REL_TYPES.items() if r.evidence)


@pytest.mark.parametrize(("cypher", "labels", "types"), [
    ("MATCH (a:Shop|Seller)-[r:OPERATES|:PAID_VIA]-(b) RETURN a",
     ["Shop", "Seller"], ["OPERATES", "PAID_VIA"]),
    ("MATCH (a {key: b.key}) WHERE a:`Phone` RETURN a", ["Phone"], []),
    ("RETURN 'x:Shop' AS s, x::STRING", [], []),  # strings; '::' is not ':'
    ("MATCH (w:Website)-[:HAS_WEBSITE]-(s) RETURN s", ["Website"], ["HAS_WEBSITE"]),
])
def test_label_reader(cypher: str, labels: list[str], types: list[str]) -> None:
    assert labels_and_types(cypher) == (labels, types)


def test_an_unknown_label_would_fail() -> None:
    labels, types = labels_and_types("MATCH (w:Website)-[:HAS_WEBSITE]-(s:Shop) RETURN s")
    assert not set(labels) <= set(schema.ALL_KINDS)
    assert not set(types) <= set(schema.REL_TYPES)

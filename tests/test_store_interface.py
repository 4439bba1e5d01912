"""The store interface declares what analysis and ingest use: no raw Cypher from
analysis, no store hook reached by ``hasattr``; the declared reads behave alike on
both stores."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from graphinv.errors import SchemaError
from graphinv.store import Store
from tests.test_store_contract import _seed

PKG = Path(__file__).resolve().parents[1] / "graphinv"


def _calls(folder: str) -> list[tuple[str, int, ast.Call]]:
    out = []
    for path in sorted((PKG / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                out.append((f"{path.relative_to(PKG.parent)}", node.lineno, node))
    return out


def _receiver(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        return f.value.id
    return None


def test_analysis_sends_no_cypher_to_the_store() -> None:
    raw = [f"{where}:{line}" for where, line, call in _calls("analysis")
           if isinstance(call.func, ast.Attribute) and call.func.attr == "run_read"]
    assert raw == []


@pytest.mark.parametrize("folder", ["analysis", "ingest", "cli", "querylib", "render"])
def test_no_store_hook_is_reached_by_hasattr(folder: str) -> None:
    probes = [f"{where}:{line}" for where, line, call in _calls(folder)
              if isinstance(call.func, ast.Name) and call.func.id in ("hasattr", "getattr",
                                                                       "setattr")
              and call.args and isinstance(call.args[0], ast.Name)
              and call.args[0].id in ("store", "st")]
    assert probes == []


@pytest.mark.parametrize("folder", ["analysis", "ingest"])
def test_every_store_method_used_is_declared(folder: str) -> None:
    used = {call.func.attr for _w, _l, call in _calls(folder)
            if _receiver(call) in ("store", "st") and isinstance(call.func, ast.Attribute)}
    assert used and sorted(m for m in used if not hasattr(Store, m)) == []


def test_read_nodes_and_read_rels(store: Store) -> None:
    _seed(store)
    got = store.read_nodes("Shop", ["taobao:s1", "nope:x"], ["shop_id", "platform"])
    assert got == {"taobao:s1": {"key": "taobao:s1", "shop_id": "S1", "platform": "taobao"}}
    rels = sorted(store.read_rels("USES_PHONE", "Shop", "Phone", ["taobao:s1", "ebay:s2"],
                                  ["ev_count"]))
    assert rels == [("ebay:s2", "+8613800138000", 1), ("taobao:s1", "+8613800138000", 1)]
    (row,) = store.read_rels("USES_PHONE", "Shop", "Phone", ["ebay:s2"], ["ev"])
    assert [json.loads(e)["raw"] for e in row[2]] == ["0086 13800138000"]
    with pytest.raises(SchemaError):
        store.read_nodes("Shop", ["taobao:s1"], ["name} RETURN 1 //"])
    with pytest.raises(SchemaError):
        store.read_rels("USES_PHONE", "Shop", "Phone", ["x"], ["score"])


def test_rejecting_sets_the_hook_for_the_block_only(store: Store) -> None:
    seen: list[str] = []
    assert store.on_reject is None
    with store.rejecting(lambda row, why: seen.append(why)):
        assert store.on_reject is not None
        store.on_reject({}, "too big")
    assert store.on_reject is None and seen == ["too big"]
    assert store.refuses_single_rows is (store.backend == "neo4j")

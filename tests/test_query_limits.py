"""Issue #16 item 5: ``--timeout`` and ``--limit`` bound what a query costs.

On the embedded store the plan check ran without a timeout and LadybugDB folds
``range(1, 2000000000)`` into one uninterruptible call (6 GB in 9 s under
``--timeout 2``); UNION queries pulled every row into Python before the limit.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from graphinv.config import StoreConfig
from graphinv.errors import QueryError
from graphinv.querylib import parse_query_text, run_query
from graphinv.store import QueryResult, Store, open_store
from tests.query_fixture import build_query_fixture

HUGE = "RETURN size(range(1, 2000000000)) AS n"


def _saved(body: str) -> Any:
    return parse_query_text("// name: t\n// description: d\n" + body, "t.cypher")


def test_uncancellable_query_stops_at_the_timeout_via_the_cli(tmp_path: Path) -> None:
    """The CLI in its own process (the engine's call cannot be stopped, and ends with
    the process): a clean timeout error and exit 1 instead of running on for GBs."""
    query = tmp_path / "huge.cypher"
    query.write_text(HUGE + "\n", encoding="utf-8")
    open_store(StoreConfig.from_values(data_dir=tmp_path / "d")).close()  # an empty store
    script = ("import sys; from graphinv.cli.app import main; sys.argv = ['graphinv'] + "
              "sys.argv[1:]; main()")
    proc = subprocess.run(
        [sys.executable, "-c", script, "--data-dir", str(tmp_path / "d"), "query", "run",
         "--file", str(query), "--timeout", "2"],
        capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "query stopped at its timeout — 2 s" in proc.stderr
    assert "2000000000" not in proc.stdout


def test_memory_cap_stops_a_query(embedded_store: Store) -> None:
    """A query that grows the process past the store's memory allowance is stopped
    even when its timeout is far away."""
    embedded_store.query_memory_mb = 64  # type: ignore[attr-defined]
    with pytest.raises(QueryError, match="needed too much memory — more than 64 MB"):
        run_query(embedded_store, _saved("RETURN size(range(1, 40000000)) AS n"), {},
                  timeout=600)


class RowSpy:
    """Wraps a store; records what each run_read asked for and got from the engine."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.backend = store.backend
        self.reads: list[tuple[str, int | None, int]] = []

    def explain(self, *a: Any, **k: Any) -> Any:
        return self.store.explain(*a, **k)

    def explain_is_read_only(self, *a: Any, **k: Any) -> Any:
        return self.store.explain_is_read_only(*a, **k)

    def run_read(self, cypher: str, params: Mapping[str, Any] | None = None,
                 timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        extra = {} if max_rows is None else {"max_rows": max_rows}
        res = self.store.run_read(cypher, params, timeout=timeout, **extra)
        self.reads.append((cypher, max_rows, len(res.rows)))
        return res


def test_union_limit_is_pushed_into_every_branch(store: Store) -> None:
    build_query_fixture(store)
    body = ("MATCH (s:Shop) RETURN s.key AS k UNION ALL MATCH (v:Seller) RETURN v.key AS k "
            "UNION ALL MATCH (s:Shop) RETURN s.key AS k")
    full = run_query(store, _saved(body), {}, limit=None)
    assert len(full.rows) > 20 and not full.truncated
    spy = RowSpy(store)
    res = run_query(spy, _saved(body), {}, limit=2)  # type: ignore[arg-type]
    assert res.truncated and len(res.rows) == 2
    ((cypher, max_rows, fetched),) = spy.reads
    assert max_rows == 3 and fetched == 3
    assert cypher.count("LIMIT 3") == 3
    # the engine itself returns at most 3 rows per branch
    assert len(store.run_read(cypher).rows) <= 9


def test_union_limit_keeps_distinct_results_and_tells_when_cut(store: Store) -> None:
    """UNION drops duplicates, so each branch is cut after 3 *distinct* rows: the
    first three platforms of a branch are never one platform thrice."""
    build_query_fixture(store)
    body = ("MATCH (s:Shop) RETURN s.platform AS k UNION "
            "MATCH (s:Shop) RETURN s.platform AS k")
    full = sorted(r[0] for r in run_query(store, _saved(body), {}, limit=None).rows)
    assert len(full) == len(set(full)) > 3
    cut = run_query(store, _saved(body), {}, limit=3)
    assert cut.truncated and len(cut.rows) == 3 and {r[0] for r in cut.rows} <= set(full)
    whole = run_query(store, _saved(body), {}, limit=len(full))
    assert not whole.truncated and sorted(r[0] for r in whole.rows) == full

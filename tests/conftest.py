"""Shared fixtures: stores on both backends, fixture paths, a CLI runner.

The ``store`` and ``store_args`` fixtures are parametrized over every registered store
kind (:data:`graphinv.storekinds.STORE_KINDS`): the embedded store and a real Neo4j
(``neo4j`` marker). The Neo4j server comes from ``tests.neo4j_fixtures``
(``GRAPHINV_TEST_NEO4J_URI``); with ``GRAPHINV_REQUIRE_NEO4J=1`` a missing server
fails the tests instead of skipping them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.config import StoreConfig
from graphinv.store import Store, open_store
from graphinv.storekinds import STORE_KINDS

pytest_plugins = ["tests.neo4j_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may pick up the developer's store settings or write into the CWD."""
    for var in ("GRAPHINV_STORE", "GRAPHINV_DATA_DIR", "GRAPHINV_NEO4J_USER",
                "GRAPHINV_NEO4J_PASSWORD", "GRAPHINV_NEO4J_DATABASE", "GRAPHINV_QUERIES",
                "GRAPHINV_EMBEDDED_BUFFER_MB", "GRAPHINV_INGEST_WORKER", "GRAPHINV_MIN_FREE_MB"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GRAPHINV_DATA_DIR", str(tmp_path / "graphinv-data"))
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(StoreConfig.from_values(store="embedded", data_dir=tmp_path / "emb"))
    try:
        yield st
    finally:
        st.close()


@pytest.fixture
def neo4j_store(neo4j_uri: str) -> Iterator[Store]:
    st = open_store(StoreConfig.from_values(store=neo4j_uri))
    st.reset()
    try:
        yield st
    finally:
        st.close()


#: Marks of a backend's tests (the Neo4j ones need the server: see tests.neo4j_fixtures).
_BACKEND_MARKS = {"neo4j": [pytest.mark.neo4j]}
#: One parameter per registered store kind: a new kind runs the store tests once its
#: ``<name>_store`` and ``<name>_store_args`` fixtures are here (without them they error).
_BACKENDS = [pytest.param(name, marks=_BACKEND_MARKS.get(name, [])) for name in STORE_KINDS]


@pytest.fixture(params=_BACKENDS)
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on every backend (contract tests)."""
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


@pytest.fixture
def embedded_store_args(tmp_path: Path) -> list[str]:
    # Read commands refuse a data directory without a store: create the empty one.
    open_store(StoreConfig.from_values(store="embedded", data_dir=tmp_path / "cli-data")).close()
    return ["--data-dir", str(tmp_path / "cli-data")]


@pytest.fixture
def neo4j_store_args(neo4j_uri: str, tmp_path: Path) -> list[str]:
    st = open_store(StoreConfig.from_values(store=neo4j_uri))
    st.reset()
    st.close()
    return ["--store", neo4j_uri, "--data-dir", str(tmp_path / "cli-data")]


@pytest.fixture(params=_BACKENDS)
def store_args(request: pytest.FixtureRequest) -> list[str]:
    """Global CLI options selecting a fresh (existing, empty) store on each backend."""
    return request.getfixturevalue(f"{request.param}_store_args")  # type: ignore[no-any-return]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


"""Pytest plugin: a real Neo4j server for tests marked ``@pytest.mark.neo4j``.

Load it with ``pytest_plugins = ["tests.neo4j_fixtures"]`` (tests/conftest.py) or
``-p tests.neo4j_fixtures``.

``neo4j_uri`` (session fixture) gives the Bolt URI of the server:

* ``GRAPHINV_TEST_NEO4J_URI`` if set (scripts/test starts a server and sets it);
* else, with ``GRAPHINV_TEST_START_NEO4J=1``, a server started here through
  scripts/neo4j_server.py in a temporary home and stopped at session end;
* else the test is skipped, or fails when ``GRAPHINV_REQUIRE_NEO4J=1`` (CI).

The terminal summary reports ``Neo4j tests executed: N (skipped: M)``; with
``GRAPHINV_REQUIRE_NEO4J=1`` a skipped neo4j-marked test makes the session fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

URI_ENV = "GRAPHINV_TEST_NEO4J_URI"
START_ENV = "GRAPHINV_TEST_START_NEO4J"
REQUIRE_ENV = "GRAPHINV_REQUIRE_NEO4J"
MARKER = "neo4j"

SERVER_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j_server.py"


def _require() -> bool:
    return os.environ.get(REQUIRE_ENV, "") == "1"


@dataclass
class _Neo4jStats:
    executed: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    errors: set[str] = field(default_factory=set)


_STATS_KEY = pytest.StashKey[_Neo4jStats]()


def _stats(config: pytest.Config) -> _Neo4jStats:
    stats = config.stash.get(_STATS_KEY, None)
    if stats is None:
        stats = config.stash[_STATS_KEY] = _Neo4jStats()
    return stats


def load_server_module() -> ModuleType:
    """Import scripts/neo4j_server.py (not a package) as ``graphinv_neo4j_server``."""
    name = "graphinv_neo4j_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SERVER_SCRIPT)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {SERVER_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """Bolt URI of a real Neo4j 5.26 server (see the module docstring)."""
    uri = os.environ.get(URI_ENV, "").strip()
    if uri:
        yield uri
        return
    if os.environ.get(START_ENV, "") == "1":
        server = load_server_module()
        home = tempfile.mkdtemp(prefix="graphinv-neo4j-test-")
        try:
            _pid, uri = server.start_server(home=home)
        except Exception as exc:
            shutil.rmtree(home, ignore_errors=True)
            pytest.fail(f"could not start Neo4j via {SERVER_SCRIPT}: {exc}", pytrace=False)
        try:
            yield uri
        finally:
            server.stop_server(home=home)
            shutil.rmtree(home, ignore_errors=True)
        return
    msg = (
        f"no Neo4j server: set {URI_ENV}=bolt://127.0.0.1:PORT, or {START_ENV}=1 to start "
        "one (scripts/neo4j_server.py), or run scripts/test"
    )
    if _require():
        pytest.fail(f"{REQUIRE_ENV}=1 but {msg}", pytrace=False)
    pytest.skip(msg)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if MARKER not in report.keywords:
        return
    config = _CONFIG.get("config")
    if config is None:
        return
    stats = _stats(config)
    nodeid = report.nodeid
    if report.when == "call":
        if report.skipped and not hasattr(report, "wasxfail"):
            stats.skipped.add(nodeid)
        else:
            stats.executed.add(nodeid)
    elif report.skipped:
        stats.skipped.add(nodeid)
    elif report.failed and report.when == "setup":
        stats.errors.add(nodeid)


# pytest_runtest_logreport has no config argument; remember it here.
_CONFIG: dict[str, pytest.Config] = {}


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG["config"] = config
    _stats(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CONFIG.get("config") is config:
        del _CONFIG["config"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stats = _stats(session.config)
    if (
        _require()
        and stats.skipped
        and session.exitstatus
        in (
            pytest.ExitCode.OK,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        )
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    stats = _stats(config)
    line = f"Neo4j tests executed: {len(stats.executed)} (skipped: {len(stats.skipped)})"
    if stats.errors:
        line += f" (setup errors: {len(stats.errors)})"
    terminalreporter.write_sep("-", "neo4j")
    terminalreporter.write_line(line)
    if _require() and stats.skipped:
        terminalreporter.write_line(
            f"{REQUIRE_ENV}=1: {len(stats.skipped)} neo4j test(s) were skipped -> failing the run",
            red=True,
        )
        for nodeid in sorted(stats.skipped)[:20]:
            terminalreporter.write_line(f"  skipped: {nodeid}")

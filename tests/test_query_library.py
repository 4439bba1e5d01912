"""Finding queries: built-ins, extra folders (--queries, GRAPHINV_QUERIES), search."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphinv.errors import ConfigError
from graphinv.querylib.header import HeaderError
from graphinv.querylib.library import QueryLibrary, UnknownQuery, builtin_dirs


@pytest.fixture
def qdir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "queries"


def test_builtin_folder_is_found_from_the_checkout() -> None:
    dirs = builtin_dirs()
    assert any(d.name == "queries" and (d / "leads.cypher").is_file() for d in dirs)


def test_extra_folder_adds_and_shadows(qdir: Path) -> None:
    lib = QueryLibrary.discover([qdir / "extra"], env={})
    assert "shops-per-platform" in lib.names() and "leads" in lib.names()
    assert lib.get("top-clusters").path == str(qdir / "extra" / "top-clusters.cypher")
    kept, hidden = lib.shadowed[0]
    assert kept.endswith("extra/top-clusters.cypher") and hidden.endswith(
        "queries/top-clusters.cypher")
    plain = QueryLibrary.discover(env={})
    assert plain.get("top-clusters").path.endswith(os.path.join("queries", "top-clusters.cypher"))
    assert "shops-per-platform" not in plain.names()


def test_env_var_lists_folders_like_path(qdir: Path) -> None:
    env = {"GRAPHINV_QUERIES": os.pathsep.join([str(qdir / "extra"), "", str(qdir / "broken")])}
    lib = QueryLibrary.discover(env=env)
    assert "shops-per-platform" in lib.names()
    assert [Path(e.path).name for e in lib.errors] == ["bad-type.cypher"]
    # --queries folders come before the environment's
    assert lib.dirs[:2] == [qdir / "extra", qdir / "broken"]


def test_broken_file_does_not_hide_the_others(qdir: Path) -> None:
    lib = QueryLibrary.discover([qdir / "broken"], env={})
    assert len(lib.names()) >= 12
    with pytest.raises(HeaderError) as err:
        lib.get("bad-type")
    assert err.value.line == 3


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="queries folder not found") as err:
        QueryLibrary.discover([tmp_path / "nope"], env={})
    assert err.value.exit_code == 2


def test_unknown_name_suggests_close_ones() -> None:
    lib = QueryLibrary.discover(env={})
    with pytest.raises(UnknownQuery, match="did you mean leads") as err:
        lib.get("lead")
    assert err.value.exit_code == 2


def test_find_by_tag_and_text() -> None:
    lib = QueryLibrary.discover(env={})
    assert [q.name for q in lib.find(tag="LEADS")] == ["leads", "reappearance"]
    assert [q.name for q in lib.find(search="SUPPLIER")] == ["identifier-users", "supplier-reach"]
    assert [q.name for q in lib.find(search="through_hubs")] == [
        "evidence-path", "shop-neighbourhood"]
    assert [q.name for q in lib.find(tag="hubs", search="who")] == ["hub-users"]
    assert lib.find(search="no such words") == []
    assert "cross-platform" in lib.tags()


def test_portable_and_neo4j_only_queries() -> None:
    lib = QueryLibrary.discover(env={})
    assert [q.name for q in lib.find() if not q.portable] == ["db-labels"]

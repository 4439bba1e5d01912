"""Store kinds come from one registry (issue #17: adding a store touches at most 3 files).

A throw-away store registered at runtime (a subclass of the embedded store under a new
name) is reachable through ``--store NAME`` with no other edit: config accepts the
spelling, ``open_store`` opens its class, ``status`` describes it, and the "unknown store"
error lists it among the spellings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.errors import ConfigError
from graphinv.store import open_store
from graphinv.store.embedded import EmbeddedStore
from graphinv.storekinds import (
    STORE_KINDS,
    StoreKind,
    kind_of,
    register_store_kind,
    spellings,
)

FX = Path(__file__).parent / "fixtures" / "ingest"


class ScratchStore(EmbeddedStore):
    """The embedded store under another name; records every open."""

    backend = "scratch"
    opened: ClassVar[list[tuple[str, bool, bool]]] = []

    @classmethod
    def open(cls, config: StoreConfig, *, create: bool = True,
             read_only: bool = False) -> EmbeddedStore:
        cls.opened.append((config.store, create, read_only))
        return super().open(config, create=create, read_only=read_only)


SCRATCH = StoreKind("scratch", f"{__name__}:ScratchStore", names=("scratch",),
                    spelling="'scratch' (a throw-away test store)",
                    describe="scratch (test copy at {embedded_path})")


@pytest.fixture
def scratch_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[StoreKind]:
    """Register the scratch kind for one test (removed again afterwards)."""
    monkeypatch.setitem(STORE_KINDS, "scratch", SCRATCH)
    ScratchStore.opened.clear()
    yield SCRATCH
    ScratchStore.opened.clear()


def test_a_store_registered_at_runtime_works_through_the_cli(
        scratch_kind: StoreKind, tmp_path: Path) -> None:
    runner, data = CliRunner(), tmp_path / "d"
    base = ["--store", "scratch", "--data-dir", str(data)]
    res = runner.invoke(app, [*base, "ingest", str(FX / "flat_utf8.csv")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*base, "status", "-f", "json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert got["backend"] == "scratch" and got["nodes"]["Shop"] == 3
    res = runner.invoke(app, [*base, "status"])
    assert res.exit_code == 0, res.output
    assert f"Store: scratch (test copy at {data / 'graph.lbug'})" in res.output
    res = runner.invoke(app, [*base, "clusters"])
    assert res.exit_code == 0, res.output
    # Every command went through the registered class, with the usual create/read-only.
    assert [o[0] for o in ScratchStore.opened] == ["scratch"] * len(ScratchStore.opened)
    assert ("scratch", True, False) in ScratchStore.opened  # ingest creates
    assert ("scratch", False, True) in ScratchStore.opened  # status reads only


def test_a_registered_store_keeps_the_usual_refusals(scratch_kind: StoreKind,
                                                     tmp_path: Path) -> None:
    # A read command on a data directory without a store fails (exit 1) and creates nothing.
    res = CliRunner().invoke(app, ["--store", "scratch", "--data-dir", str(tmp_path / "none"),
                                   "status"])
    assert res.exit_code == 1 and "no graphinv store in this data directory" in res.output
    assert not (tmp_path / "none").exists()


def test_unknown_store_error_lists_every_registered_spelling(scratch_kind: StoreKind) -> None:
    res = CliRunner().invoke(app, ["--store", "mysql://x", "status"])
    assert res.exit_code == 2, res.output
    assert "Error: unknown store — mysql://x — use 'embedded'" in res.output
    assert "'scratch' (a throw-away test store)" in res.output
    assert "bolt://127.0.0.1:7687" in res.output and "GRAPHINV_STORE" in res.output


def test_an_unregistered_name_is_unknown(tmp_path: Path) -> None:
    assert "scratch" not in STORE_KINDS  # the fixture did not leak
    with pytest.raises(ConfigError, match="unknown store — scratch — use "):
        StoreConfig.from_values(store="scratch", data_dir=tmp_path)
    res = CliRunner().invoke(app, ["--store", "scratch", "--data-dir", str(tmp_path), "status"])
    assert res.exit_code == 2 and "unknown store — scratch" in res.output
    assert "'scratch'" not in spellings()


@pytest.mark.parametrize(("value", "kind"), [
    ("embedded", "embedded"), ("bolt://h:7687", "neo4j"), ("BOLT+S://h", "neo4j"),
    ("neo4j+ssc://h:7687", "neo4j"),
])
def test_kind_of_picks_the_kind(value: str, kind: str) -> None:
    assert kind_of(value).name == kind
    assert StoreConfig.from_values(store=value).backend == kind


@pytest.mark.parametrize("value", ["Embedded", "neo4j+xyz://h", "mysql://x", "bolt", "h:7687"])
def test_kind_of_refuses_other_spellings(value: str) -> None:
    with pytest.raises(ConfigError, match="unknown store"):
        kind_of(value)


def test_a_name_registers_once(scratch_kind: StoreKind) -> None:
    with pytest.raises(ValueError, match="'scratch' is already registered"):
        register_store_kind(scratch_kind)


def test_open_store_opens_the_registered_class(scratch_kind: StoreKind,
                                               tmp_path: Path) -> None:
    with open_store(StoreConfig.from_values(store="scratch", data_dir=tmp_path)) as st:
        assert type(st) is ScratchStore and st.backend == "scratch"
    with open_store(StoreConfig.from_values(data_dir=tmp_path / "e")) as st:
        assert type(st) is EmbeddedStore


def test_cli_help_lists_the_registered_spellings() -> None:
    res = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "400"})
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    for kind in STORE_KINDS.values():
        assert " ".join(kind.spelling.split()) in text

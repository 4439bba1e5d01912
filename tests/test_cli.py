"""The CLI: every command has help, exit codes follow the house rules."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from graphinv import __version__
from graphinv.cli.app import app

FX = Path(__file__).parent / "fixtures" / "ingest"


def _all_command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    out: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        out.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():  # groups have sub-commands
            walk(sub, [*path, name])

    walk(root, [])
    return out


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "graphinv")
def test_every_command_has_help(runner: CliRunner, path: list[str]) -> None:
    res = runner.invoke(app, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.output
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"


def test_version(runner: CliRunner) -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"graphinv {__version__}"


def test_status_on_both_stores(runner: CliRunner, store_args: list[str]) -> None:
    res = runner.invoke(app, [*store_args, "status", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["reachable"] and data["schema_ok"]
    assert data["backend"] in ("embedded", "neo4j")
    assert set(data["nodes"]) >= {"Shop", "Seller", "Phone"}


def test_status_table(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest", str(FX / "flat_utf8.csv")])
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "status"])
    assert res.exit_code == 0 and "embedded" in res.output and "Shop" in res.output


def test_unreachable_neo4j_fails_fast_and_clearly(runner: CliRunner) -> None:
    t0 = time.monotonic()
    res = runner.invoke(app, ["--store", "bolt://127.0.0.1:1", "status"])
    assert time.monotonic() - t0 < 10
    assert res.exit_code == 1
    assert "Error: cannot reach Neo4j at bolt://127.0.0.1:1" in res.output
    assert "GRAPHINV_STORE" in res.output


def test_unknown_store_is_usage_error(runner: CliRunner) -> None:
    res = runner.invoke(app, ["--store", "mysql://x", "status"])
    assert res.exit_code == 2 and "unknown store" in res.output


def test_usage_error_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(app, ["status", "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_reset_needs_yes(runner: CliRunner, store_args: list[str]) -> None:
    res = runner.invoke(app, [*store_args, "ingest", str(FX / "flat_utf8.csv")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*store_args, "reset"])
    assert res.exit_code == 2 and "--yes" in res.output
    res = runner.invoke(app, [*store_args, "status", "-f", "json"])
    assert json.loads(res.output)["nodes"]["Shop"] == 3
    res = runner.invoke(app, [*store_args, "reset", "--yes"])
    assert res.exit_code == 0
    res = runner.invoke(app, [*store_args, "status", "-f", "json"])
    assert json.loads(res.output)["nodes"]["Shop"] == 0


def test_schema_command(runner: CliRunner) -> None:
    res = runner.invoke(app, ["schema", "-f", "json"])
    assert res.exit_code == 0
    items = {d["name"]: d for d in json.loads(res.output)}
    assert {"Shop", "PaymentAccount", "SAME_AS", "OPERATES"} <= set(items)
    assert items["Shop"]["indexed"] == ["key", "cluster_id", "flagged", "first_run"]
    assert items["USES_PHONE"]["indexed"] == ["first_run"] and items["SAME_AS"]["indexed"] == []
    table = runner.invoke(app, ["schema"], terminal_width=250)
    assert table.exit_code == 0 and "indexed: key, hub, first_run" in table.output


def test_ingest_cli_reports_and_reconciles(runner: CliRunner, store_args: list[str]) -> None:
    res = runner.invoke(app, [*store_args, "ingest", str(FX / "bad_rows.csv"), "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["reconciled"] and data["read"] == 10 and data["rejected"] == 5
    assert Path(data["rejects_path"]).is_file()


def test_ingest_cli_table(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest",
                              str(FX / "flat_utf8.csv"), "--flags", str(FX / "flags.csv")])
    assert res.exit_code == 0, res.output
    assert "read 5 = loaded 4 + rejected 1" in res.output


def test_ingest_cli_errors(runner: CliRunner, tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path / "d")]
    res = runner.invoke(app, [*d, "ingest", str(tmp_path / "missing.csv")])
    assert res.exit_code == 1 and "does not exist" in res.output
    res = runner.invoke(app, [*d, "ingest", str(FX / "bad_rows.csv"), "--strict"])
    assert res.exit_code == 1 and "bad_rows.csv:3" in res.output
    res = runner.invoke(app, [*d, "ingest", str(FX / "custom_layout.csv"),
                              "--mapping", str(FX / "bad_mapping.toml")])
    assert res.exit_code == 1 and "fields.telephone" in res.output
    res = runner.invoke(app, [*d, "ingest", str(FX / "empty.csv")])
    assert res.exit_code == 1 and "empty file" in res.output
    res = runner.invoke(app, [*d, "ingest", str(FX / "flat_utf8.csv"), "--dry-run"])
    assert res.exit_code == 0 and "dry run" in res.output


def test_ctrl_c_exits_130(runner: CliRunner, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    import graphinv.ingest.pipeline as pipeline

    def boom(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "ingest_paths", boom)
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest",
                              str(FX / "flat_utf8.csv")])
    assert res.exit_code == 130 and "Interrupted" in res.output


def test_wrong_password_has_its_own_message(runner: CliRunner,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver's AuthError (what a real server answers to a bad password) maps to
    its own message naming the user and the environment variables to set."""
    import neo4j
    from neo4j.exceptions import AuthError

    class _Driver:
        def verify_connectivity(self) -> None:
            raise AuthError("The client is unauthorized due to authentication failure.")

        def close(self) -> None:
            pass

    monkeypatch.setattr(neo4j.GraphDatabase, "driver", lambda *a, **k: _Driver())
    monkeypatch.setenv("GRAPHINV_NEO4J_USER", "analyst")
    monkeypatch.setenv("GRAPHINV_NEO4J_PASSWORD", "wrong")
    res = runner.invoke(app, ["--store", "bolt://127.0.0.1:7687", "status"])
    assert res.exit_code == 1
    assert "Error: Neo4j refused the credentials" in res.output
    assert "'analyst'" in res.output and "GRAPHINV_NEO4J_PASSWORD" in res.output


def test_embedded_buffer_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphinv.config import StoreConfig

    assert 256 <= StoreConfig.from_values().buffer_mb <= 4096  # bounded by default
    monkeypatch.setenv("GRAPHINV_EMBEDDED_BUFFER_MB", "512")
    assert StoreConfig.from_values().buffer_mb == 512
    res = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest",
                                   str(FX / "flat_utf8.csv")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "status"])
    assert res.exit_code == 0, res.output
    monkeypatch.setenv("GRAPHINV_EMBEDDED_BUFFER_MB", "lots")
    res = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "status"])
    assert res.exit_code == 2
    assert "GRAPHINV_EMBEDDED_BUFFER_MB" in res.output and "lots" in res.output

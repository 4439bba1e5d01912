"""The shell experience (issue #20): what a user types at the prompt works, fails
clearly, or says what it ignored — never a silent empty answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app

FX = Path(__file__).parent / "fixtures" / "ingest"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "data"


# -- item 4: a data directory without a store is an error, not an empty store ----

@pytest.mark.parametrize("command", [
    ["status"],
    ["clusters"],
    ["clusters", "history"],
    ["clusters", "hubs"],
    ["view", "--out", "VIEW"],
    ["query", "run", "top-clusters"],
    ["explain", "--cluster", "G-0001"],
    ["evaluate", "--truth", str(EXAMPLES / "truth.csv")],
    ["reset", "--yes"],
], ids=lambda c: " ".join(c[:2]))
def test_read_commands_refuse_a_data_dir_without_a_store(
        runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "graphinv-dta"
    command = [str(tmp_path / "view") if c == "VIEW" else c for c in command]
    res = runner.invoke(app, ["--data-dir", str(typo), *command])
    assert res.exit_code == 1, res.output
    assert "Error: no graphinv store in this data directory" in res.output
    assert str(typo) in res.output.replace("\n", "")
    assert not typo.exists()  # nothing created on the way


def test_ingest_creates_the_store_that_read_commands_then_use(runner: CliRunner,
                                                              tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path / "d")]
    res = runner.invoke(app, [*d, "ingest", "--dry-run", str(FX / "flat_utf8.csv")])
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, [*d, "status"]).exit_code == 1  # a dry run creates nothing
    assert runner.invoke(app, [*d, "ingest", str(FX / "flat_utf8.csv")]).exit_code == 0
    res = runner.invoke(app, [*d, "status"])
    assert res.exit_code == 0, res.output

"""graphinv demo: the README's first command, end to end on the bundled sample."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from graphinv.cli.app import app


def test_demo_end_to_end(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    m = re.search(r"Ingested (\d+) rows: (\d+) loaded, (\d+) rejected", res.output)
    assert m and int(m.group(1)) == int(m.group(2)) + int(m.group(3))
    assert int(m.group(3)) >= 1  # the sample plants bad rows on purpose
    m = re.search(r"Found (\d+) gangs covering (\d+) of (\d+) shops", res.output)
    assert m and int(m.group(1)) == 10  # the sample plants 10 gangs
    index = out / "view" / "index.html"
    assert index.is_file()
    html = index.read_text(encoding="utf-8")
    assert "G-0001" in html and "https://cdn" not in html
    assert "graphinv explain --cluster" in res.output
    # A second run starts from a fresh store and finds the same gangs.
    again = runner.invoke(app, ["demo", "--out", str(out)])
    assert again.exit_code == 0
    assert re.search(r"Found (\d+) gangs", again.output).group(1) == "10"  # type: ignore[union-attr]


def test_demo_missing_sample_is_clear(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), "--sample",
                              str(tmp_path / "nowhere")])
    assert res.exit_code == 1 and "sample data not found" in res.output


def test_saved_query_risk_matches_cluster_report(runner: CliRunner, tmp_path: Path) -> None:
    """`query run top-clusters` reads the cluster risk that `clusters` wrote back."""
    import json

    out = tmp_path / "demo"
    assert runner.invoke(app, ["demo", "--out", str(out)]).exit_code == 0
    data = ["--data-dir", str(out / "data")]
    res = runner.invoke(app, [*data, "clusters", "-f", "json"])
    assert res.exit_code == 0, res.output
    report = {c["cluster_id"]: round(c["risk"], 6) for c in json.loads(res.stdout)}
    res = runner.invoke(app, [*data, "query", "run", "top-clusters", "-p", "top=100",
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert {r["cluster"]: round(r["risk"], 6) for r in rows} == report

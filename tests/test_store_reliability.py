"""Store reliability (issue #16): odd data-directory paths, run locks, read-only
commands, disk full and a torn write-ahead log.

Faults that make the engine fail (a full disk, a file-size limit) run ``graphinv`` in a
child process: the engine cannot be made to fail inside the test process safely.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.store import open_store


def _listings(path: Path, rows: int, seed: int = 16) -> Path:
    """A seeded listings file; above 1,000 rows the embedded store bulk-loads with COPY."""
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["shop_id", "platform", "shop_name", "seller_name", "phone"])
        for i in range(rows):
            w.writerow([f"S{i:05d}", rnd.choice(["ebay", "amazon"]), f"Shop {i}",
                        f"seller{i % 97}", f"+1 212 555 {rnd.randrange(10_000):04d}"])
    return path


# -- item 7: a data directory with ', \ or [...] in its path ---------------------------
@pytest.mark.parametrize("name", ["o'brien", "back\\slash", "case[12]", "st*r?"])
def test_bulk_ingest_into_a_data_dir_with_quote_backslash_or_glob_chars(
        tmp_path: Path, runner: CliRunner, name: str) -> None:
    src = _listings(tmp_path / "listings.csv", 1_500)
    data = tmp_path / name / "case"
    res = runner.invoke(app, ["--data-dir", str(data), "ingest", str(src), "--no-resolve",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    with open_store(StoreConfig.from_values(data_dir=data)) as st:
        nodes, rels = st.counts()
    assert nodes["Shop"] == 1_500
    assert rels["OPERATES"] == 1_500

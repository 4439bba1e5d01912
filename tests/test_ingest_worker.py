"""Big files are read and extracted in a worker process: same graph, same report, same errors."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graphinv.errors import InputError
from graphinv.ingest import batches
from graphinv.ingest.pipeline import IngestOptions, IngestReport, ingest_paths
from graphinv.store import Store
from tests.graph_digest import graph_digest

FX = Path(__file__).parent / "fixtures" / "ingest"
FILES = ["flat_utf8.csv", "bad_rows.csv", "records.jsonl", "near_dups.csv", "flat_gb18030.csv"]


def _run(store: Store | None, data: Path, files: list[Path], **kw: Any) -> IngestReport:
    return ingest_paths(store, files, IngestOptions(data_dir=data, batch_rows=3, **kw))


def _rejects(rep: IngestReport) -> list[tuple[str, str, str]]:
    if not rep.rejects_path:
        return []
    with open(rep.rejects_path, encoding="utf-8", newline="") as fh:
        return [(r["file"], r["line"], r["reason"]) for r in csv.DictReader(fh)]


def _summary(rep: IngestReport) -> dict[str, Any]:
    return {"counts": (rep.read, rep.loaded, rep.rejected), "nodes": rep.nodes_new,
            "links": rep.links_new, "evidence": rep.evidence_new, "issues": rep.issues,
            "conflicts": rep.conflicts, "same_as": rep.same_as,
            "files": [(f.path, f.encoding, f.read, f.loaded, f.rejected, f.mapping, f.unmapped)
                      for f in rep.files],
            "rejects": _rejects(rep)}


def _both_ways(store: Store, tmp_path: Path, files: list[Path],
               **kw: Any) -> IngestReport:
    """Ingest in-process, then with the worker: same graph and same report."""
    inproc = _run(store, tmp_path / "a", files, worker=False, **kw)
    want = graph_digest(store)
    store.reset()
    worker = _run(store, tmp_path / "b", files, worker=True, **kw)
    assert graph_digest(store) == want
    assert _summary(worker) == _summary(inproc)
    return worker


def test_worker_and_in_process_build_the_same_graph(store: Store, tmp_path: Path) -> None:
    worker = _both_ways(store, tmp_path, [FX / f for f in FILES], flags=[FX / "flags.csv"])
    assert worker.rejected > 0 and worker.reconciled


def test_worker_with_a_mapping_file(store: Store, tmp_path: Path) -> None:
    worker = _both_ways(store, tmp_path, [FX / "custom_layout.csv"],
                        mapping=FX / "custom_mapping.toml")
    assert worker.source == "partner-export" and worker.loaded > 0


IDENT = Path(__file__).parent / "fixtures" / "identity"


@pytest.mark.parametrize("runs", ["one_run", "two_runs"])
def test_worker_url_only_rows_join_shops_of_earlier_files_and_runs(
        store: Store, tmp_path: Path, runs: str) -> None:
    """URL-only rows read in the worker join the shop an earlier file (or the store) gave
    by id and URL while they are read, as in-process: nothing left to merge afterwards."""
    files = [IDENT / "scrape_urls.csv", IDENT / "testbuy_urls.csv"]
    got = []
    for worker in (False, True):
        store.reset()
        data = tmp_path / f"worker-{worker}"
        if runs == "one_run":
            rep = _run(store, data, files, worker=worker)
        else:
            _run(store, data, files[:1], worker=worker)
            rep = _run(store, data, files[1:], worker=worker)
        assert rep.url_shops == {"merged": 0, "conflicts": 0}
        shops = {k for (k,) in store.stream_nodes("Shop", [])}
        assert shops == {"aliexpress:s-ali-01", "taobao:tb-88", "etsy:redmaplecrafts"}
        got.append(graph_digest(store))
    assert got[0] == got[1]


def test_worker_errors_reach_the_caller_unchanged(tmp_path: Path) -> None:
    with pytest.raises(InputError) as inproc:
        _run(None, tmp_path / "a", [FX / "unknown_layout.csv"], dry_run=True, worker=False)
    with pytest.raises(InputError) as worker:
        _run(None, tmp_path / "b", [FX / "unknown_layout.csv"], dry_run=True, worker=True)
    assert str(worker.value) == str(inproc.value)
    assert "no recognizable columns" in str(worker.value)


def test_a_dead_worker_is_an_error_not_a_hang() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import os, sys; os.kill(os.getpid(), 9)"],
                            stdout=subprocess.PIPE)
    with pytest.raises(InputError) as err:
        batches._next_message(proc.stdout, proc)
    assert "the reading worker stopped" in str(err.value) and "-9" in str(err.value)
    assert proc.stdout is not None
    proc.stdout.close()


@pytest.mark.parametrize("sent", [b"\x00" * 3, b"\x00" * 8, b"\x00" * 7 + b"\x03abc"])
def test_a_worker_whose_pipe_breaks_is_stopped_not_waited_for(sent: bytes) -> None:
    """Seen at 1M rows: the reader gave up on the stream and then waited for a worker
    that was itself blocked writing to it. A broken stream now kills the worker."""
    proc = subprocess.Popen(
        [sys.executable, "-c", f"import os, time; os.write(1, {sent!r}); os.close(1); "
         "time.sleep(120)"], stdout=subprocess.PIPE)
    with pytest.raises(InputError) as err:
        batches._next_message(proc.stdout, proc)
    assert "the reading worker stopped" in str(err.value)
    assert proc.returncode is not None  # killed, not waited for two minutes
    assert proc.stdout is not None
    proc.stdout.close()


def test_big_files_use_the_worker_unless_turned_off(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from graphinv.ingest.read import file_info

    info = file_info(FX / "flat_utf8.csv")
    ctx = batches.ChunkContext(source="s", run_id="r", at="t")
    assert not batches._use_worker(info, ctx, None)  # small file
    monkeypatch.setattr(batches, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(batches.os, "cpu_count", lambda: 2)
    assert batches._use_worker(info, ctx, None)
    ctx.parallel = False
    assert not batches._use_worker(info, ctx, None)
    monkeypatch.setenv("GRAPHINV_INGEST_WORKER", "0")
    from graphinv.ingest import pipeline

    assert pipeline._worker_setting(IngestOptions()) is False


def test_cli_worker_flag_gives_the_same_report(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from graphinv.cli.app import app

    outs = []
    for flag in ("--worker", "--no-worker"):
        res = CliRunner().invoke(app, ["--data-dir", str(tmp_path / flag), "ingest",
                                       str(FX / "bad_rows.csv"), flag, "--format", "json"])
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        outs.append({k: out[k] for k in ("read", "loaded", "rejected", "nodes_new",
                                         "links_new", "issues", "reconciled")})
    assert outs[0] == outs[1]
    assert outs[0]["reconciled"] and outs[0]["rejected"] > 0

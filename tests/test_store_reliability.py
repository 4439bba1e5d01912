"""Store reliability (issue #16): odd data-directory paths, run locks, read-only
commands, disk full and a torn write-ahead log.

Faults that make the engine fail (a full disk, a file-size limit) run ``graphinv`` in a
child process: the engine cannot be made to fail inside the test process safely.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.store import open_store
from tests.hardening_support import CLI, cli_env, start_cli, wait_for_checkpoint

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _graphinv(args: list[str], *, env: dict[str, str] | None = None, fsize: int | None = None,
              user: int | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``graphinv ARGS`` in a child process, optionally under a file-size limit
    (``RLIMIT_FSIZE``: writes past it fail with EFBIG, as on a full disk; Python ignores
    SIGXFSZ) or as another user."""
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if user is not None:
            os.setgid(user)
            os.setuid(user)

    full_env = {**cli_env(), "GRAPHINV_INGEST_WORKER": "0", **(env or {})}
    if fsize is not None:  # a .pyc cut at the limit would break every later run
        full_env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=full_env,
                          cwd=ROOT, timeout=timeout, preexec_fn=limit)


def _counts(data: Path) -> tuple[dict[str, int], dict[str, int]]:
    with open_store(StoreConfig.from_values(data_dir=data)) as st:
        return st.counts()


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


# -- item 2: disk full, a torn write-ahead log, checkpoint at close ---------------------
def test_engine_write_failure_exits_1_and_the_store_reopens_and_resumes(tmp_path: Path) -> None:
    """A write that fails inside the engine (file-size limit: EFBIG, like ENOSPC) used to
    abort the process (exit 134) and leave half a page in graph.lbug.wal: the store never
    opened again. Now: exit 1 with the path, the log is cut back to the last commit."""
    src = _listings(tmp_path / "listings.csv", 300)
    data = tmp_path / "data"
    # Margin 0: the engine itself hits the limit (the free-space check cannot see it).
    res = _graphinv(["--data-dir", str(data), "ingest", str(src)],
                    env={"GRAPHINV_MIN_FREE_MB": "0"}, fsize=1 << 20)
    assert res.returncode == 1, (res.returncode, res.stderr[-2000:])
    assert "Error: a write to the embedded store failed" in res.stderr
    assert "graph.lbug.wal" in res.stderr
    assert "terminate called" not in res.stderr
    st = _graphinv(["--data-dir", str(data), "status", "--format", "json"])
    assert st.returncode == 0, st.stderr[-2000:]
    again = _graphinv(["--data-dir", str(data), "ingest", str(src), "--format", "json"])
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["resumed"] is True
    clean = tmp_path / "clean"
    assert _graphinv(["--data-dir", str(clean), "ingest", str(src)]).returncode == 0
    assert _counts(data) == _counts(clean)


def test_clusters_write_back_failure_exits_1_and_leaves_no_torn_log(tmp_path: Path) -> None:
    """The clusters write-back is another engine write: under a 64 KiB file-size limit
    its log cannot grow, it used to abort (exit 134) and leave a torn log behind."""
    data = tmp_path / "data"
    res = _graphinv(["--data-dir", str(data), "ingest", str(EXAMPLES / "data" / "listings.csv")])
    assert res.returncode == 0, res.stderr[-2000:]
    assert not (data / "graph.lbug.wal").exists()  # closed cleanly: all checkpointed
    res = _graphinv(["--data-dir", str(data), "clusters"], env={"GRAPHINV_MIN_FREE_MB": "0"},
                    fsize=64 << 10)
    assert res.returncode == 1, (res.returncode, res.stderr[-2000:])
    assert "Error: a write to the embedded store failed" in res.stderr
    assert "terminate called" not in res.stderr
    st = _graphinv(["--data-dir", str(data), "status"])
    assert st.returncode == 0, st.stderr[-2000:]
    again = _graphinv(["--data-dir", str(data), "clusters", "--format", "json"])
    assert again.returncode == 0, again.stderr[-2000:]


def test_below_the_free_space_margin_writes_stop_before_the_engine_writes(
        tmp_path: Path) -> None:
    src = _listings(tmp_path / "listings.csv", 300)
    data = tmp_path / "data"
    huge = str(1 << 40)  # MiB: no disk has that much free
    res = _graphinv(["--data-dir", str(data), "ingest", str(src)],
                    env={"GRAPHINV_MIN_FREE_MB": huge})
    assert res.returncode == 1, res.stderr[-2000:]
    assert "Error: not enough free disk space for the embedded store — " + str(data) \
        in res.stderr
    assert "GRAPHINV_MIN_FREE_MB" in res.stderr
    # Nothing torn: the store opens, and the rerun with room loads everything.
    again = _graphinv(["--data-dir", str(data), "ingest", str(src), "--format", "json"])
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(again.stdout)["loaded"] == 300
    assert _counts(data)[0]["Shop"] == 300


@pytest.fixture
def small_tmpfs() -> Iterator[Path]:
    """A 32 MiB tmpfs (needs root to mount; skipped elsewhere)."""
    where = Path(tempfile.mkdtemp(prefix="graphinv-tmpfs-"))
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)
        where.rmdir()


def test_a_filling_disk_stops_the_ingest_cleanly_during_writes(
        tmp_path: Path, small_tmpfs: Path) -> None:
    """On a real small file system: the ingest starts (enough room), the check between
    writes stops it with exit 1 while there is still room to close, the store opens."""
    src = _listings(tmp_path / "listings.csv", 6_000)
    data = small_tmpfs / "data"
    res = _graphinv(["--data-dir", str(data), "ingest", str(src), "--no-resolve"],
                    env={"GRAPHINV_MIN_FREE_MB": "28"})
    assert res.returncode == 1, (res.returncode, res.stderr[-2000:])
    assert "Error: not enough free disk space for the embedded store — " + str(data) \
        in res.stderr
    assert "Stopped in" in res.stderr  # it had started writing
    assert not (data / "graph.lbug.wal").exists() or \
        _graphinv(["--data-dir", str(data), "status"]).returncode == 0
    st = _graphinv(["--data-dir", str(data), "status", "--format", "json"])
    assert st.returncode == 0, st.stderr[-2000:]


_TEAR = """
import os, pathlib, sys
from graphinv.config import StoreConfig
from graphinv.ingest.pipeline import IngestOptions, ingest_paths
from graphinv.store import open_store
data, src = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
st = open_store(StoreConfig.from_values(data_dir=data))
rep = ingest_paths(st, [src], IngestOptions(data_dir=data))
print(rep.run_id, rep.status, flush=True)
os._exit(0)  # like a crash: the run is only in the write-ahead log
"""


def _write_then_crash(data: Path, src: Path) -> str:
    res = subprocess.run([sys.executable, "-c", _TEAR, str(data), str(src)],
                         capture_output=True, text=True, env=cli_env(), cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    run_id, status = res.stdout.split()
    assert status == "complete"
    return run_id


def test_a_torn_wal_is_refused_with_the_repair_hint_and_repair_recovers(
        tmp_path: Path, runner: CliRunner) -> None:
    first = _listings(tmp_path / "first.csv", 150, seed=1)
    second = _listings(tmp_path / "second.csv", 250, seed=2)
    with open(second, encoding="utf-8") as fh:  # other shop ids than the first file
        rows = fh.read().replace("\nS0", "\nT0")
    second.write_text(rows, encoding="utf-8")
    data = tmp_path / "data"
    res = runner.invoke(app, ["--data-dir", str(data), "ingest", str(first)])
    assert res.exit_code == 0, res.output
    lost_run = _write_then_crash(data, second)
    wal = data / "graph.lbug.wal"
    size = wal.stat().st_size
    os.truncate(wal, size - 2_000)  # half a page at the end, as a failed write leaves it
    res = runner.invoke(app, ["--data-dir", str(data), "status"])
    assert res.exit_code == 1
    assert "write-ahead log is torn" in res.output
    assert f"graphinv --data-dir {data} repair" in res.output
    res = runner.invoke(app, ["--data-dir", str(data), "repair", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    moved = Path(out["moved_wal"])
    assert moved.parent == data and moved.name.startswith("graph.lbug.wal.torn-")
    assert moved.stat().st_size == size - 2_000  # kept, never deleted
    assert [(r["run_id"], r["was"], r["in_store"], r["files"]) for r in out["rerun"]] == \
        [(lost_run, "complete", "missing", [str(second)])]
    assert _counts(data)[0]["Shop"] == 150  # the last checkpoint: the first file only
    res = runner.invoke(app, ["--data-dir", str(data), "repair"])
    assert res.exit_code == 0 and "nothing to repair" in res.output
    res = runner.invoke(app, ["--data-dir", str(data), "ingest", str(second), "--format",
                              "json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["run_id"] == lost_run and rep["resumed"] is True
    assert _counts(data)[0]["Shop"] == 400


_CLOSE_FULL = """
import os, pathlib, sys, types
from graphinv.config import StoreConfig
from graphinv.errors import StoreError
from graphinv.store import open_store
try:
    from graphinv.store import engine_abandoned
except ImportError:  # graphinv before issue #16: no such thing
    def engine_abandoned(): return False
data = pathlib.Path(sys.argv[1])
st = open_store(StoreConfig.from_values(data_dir=data))
st.merge_nodes("Phone", [{"key": f"+1212555{i:04d}", "raw": str(i)} for i in range(50)])
os.statvfs = lambda path: types.SimpleNamespace(f_bavail=0, f_frsize=4096)  # disk now full
try:
    st.close()
except StoreError as exc:
    print("Error:", exc, flush=True)
    os._exit(3 if engine_abandoned() else 4)
print("closed", flush=True)
"""


def test_no_room_to_checkpoint_at_close_is_an_error_and_loses_nothing(tmp_path: Path) -> None:
    """Closing checkpoints the log into the database file; with no room for it the close
    used to pass silently (exit 0). Now it raises (the CLI exits 1), and the committed
    writes stay in the log for the next open."""
    data = tmp_path / "data"
    res = subprocess.run([sys.executable, "-c", _CLOSE_FULL, str(data)], capture_output=True,
                         text=True, env=cli_env(), cwd=ROOT, timeout=300)
    assert res.returncode == 3, (res.returncode, res.stdout, res.stderr[-2000:])
    assert "not enough free disk space" in res.stdout
    assert _counts(data)[0]["Phone"] == 50


# -- item 8: two ingests sharing a data directory ------------------------------------------
@pytest.mark.neo4j
def test_a_second_ingest_on_a_busy_data_dir_is_refused_neo4j(tmp_path: Path,
                                                             neo4j_uri: str) -> None:
    st = open_store(StoreConfig.from_values(store=neo4j_uri))
    st.reset()
    st.close()
    src = _listings(tmp_path / "listings.csv", 1_500)
    data = tmp_path / "data"
    args = ["--store", neo4j_uri, "--data-dir", str(data), "ingest", str(src),
            "--batch-rows", "100", "--no-resolve"]
    first = start_cli(args, tmp_path / "logs")
    try:
        assert wait_for_checkpoint(first, data, 100)
        first.pause()  # still running, holding its lock
        second = _graphinv(args)
        assert second.returncode == 1, second.stdout + second.stderr
        assert "Error: another ingest is running on this data directory — " + str(data) \
            in second.stderr
    finally:
        first.resume()
    done = first.wait(300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "read 1500 = loaded 1500 + rejected 0" in done.stdout
    assert not list((data / "rejects").glob("*.tmp")) if (data / "rejects").exists() else True


# -- item 14: read-only commands ----------------------------------------------------------
def _ingested(tmp: Path, rows: int = 120) -> Path:
    data = tmp / "data"
    src = _listings(tmp / "listings.csv", rows)
    res = _graphinv(["--data-dir", str(data), "ingest", str(src), "--no-resolve"])
    assert res.returncode == 0, res.stderr[-2000:]
    return data


def _snapshot(d: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(d)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(d.rglob("*"))}


_READS = [["status", "--format", "json"],
          ["query", "run", "ingest-runs", "--format", "json"],
          ["explain", "S00001", "S00002", "--format", "json"]]


@contextlib.contextmanager
def _read_only(d: Path) -> Iterator[Path]:
    """``d`` as an archived case: a read-only bind mount as root (root ignores permission
    bits), read-only permission bits otherwise."""
    if os.geteuid() != 0:
        for p in [d, *d.rglob("*")]:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield d
        finally:
            for p in [d, *d.rglob("*")]:
                p.chmod(stat.S_IRWXU)
        return
    ro = d.with_name(d.name + "-ro")
    ro.mkdir()
    subprocess.run(["mount", "--bind", str(d), str(ro)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], check=True)
        with pytest.raises(OSError):
            (ro / "probe").write_text("x")
        yield ro
    finally:
        subprocess.run(["umount", str(ro)], check=False)
        ro.rmdir()


def test_read_commands_work_on_a_read_only_data_dir(tmp_path: Path) -> None:
    data = _ingested(tmp_path)
    res = _graphinv(["--data-dir", str(data), "clusters"])
    assert res.returncode == 0, res.stderr[-2000:]
    with _read_only(data) as archived:
        before = _snapshot(archived)
        for args in [*_READS, ["view", "--out", str(tmp_path / "view")]]:
            res = _graphinv(["--data-dir", str(archived), *args])
            assert res.returncode == 0, (args, res.stderr[-2000:])
        assert (tmp_path / "view" / "index.html").is_file()
        st = json.loads(_graphinv(["--data-dir", str(archived), *_READS[0]]).stdout)
        assert st["nodes"]["Shop"] == 120
        assert _snapshot(archived) == before


_HOLD = """
import pathlib, sys, time
from graphinv.config import StoreConfig
from graphinv.store import open_store
st = open_store(StoreConfig.from_values(data_dir=pathlib.Path(sys.argv[1])))
print("open", flush=True)
sys.stdin.readline()
st.close()
"""


def test_reading_while_another_process_writes_is_refused_clearly(
        tmp_path: Path, runner: CliRunner) -> None:
    data = _ingested(tmp_path)
    writer = subprocess.Popen([sys.executable, "-c", _HOLD, str(data)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        for args in [*_READS, ["view", "--out", str(tmp_path / "view")]]:
            res = runner.invoke(app, ["--data-dir", str(data), *args])
            assert res.exit_code == 1, (args, res.output)
            assert "Error: the embedded store is being written by another process — " \
                in res.output
    finally:
        assert writer.stdin is not None
        writer.stdin.write("\n")
        writer.stdin.flush()
        writer.wait(60)
    assert writer.returncode == 0
    res = runner.invoke(app, ["--data-dir", str(data), "status"])
    assert res.exit_code == 0, res.output


def test_a_writer_cannot_start_under_a_reader(tmp_path: Path) -> None:
    """A read-only open holds a shared lock: an ingest that starts meanwhile gets the
    engine's lock error instead of writing under the reader."""
    data = _ingested(tmp_path)
    src = _listings(tmp_path / "more.csv", 10, seed=3)
    with open_store(StoreConfig.from_values(data_dir=data), read_only=True) as st:
        res = _graphinv(["--data-dir", str(data), "ingest", str(src)])
        assert st.counts()[0]["Shop"] == 120
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Error: cannot open the embedded store" in res.stderr

"""Helpers for the hardening suite (tests/test_hardening_*.py, tests/test_fuzz_readers.py).

* :func:`cli` / :func:`start_cli`: run ``graphinv`` in a real child process (what kill -9,
  Ctrl-C and two concurrent writers need), with a clean environment and a hard timeout.
* :func:`generated` : a small data set from ``examples/generate.py`` (seeded).
* :class:`DedicatedNeo4j`: a Neo4j 5.26 server owned by one test module, so that tests
  can ``kill -9`` and restart it without touching the session's shared server.
* :func:`wait_for_checkpoint`: block until an ingest has written at least N records.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from graphinv.ingest.pipeline import IngestOptions, IngestReport, ingest_paths
from graphinv.store import Store
from tests.examples_support import load_generator
from tests.neo4j_fixtures import REQUIRE_ENV, load_server_module

ROOT = Path(__file__).resolve().parent.parent

#: ``graphinv`` as a child process. SIGINT is reset to Python's default handler so a
#: Ctrl-C test also works when the test runner was started with SIGINT ignored.

#: The listing header the input-hardening tests write their small files with.
HEADER = "shop_id,shop_name,platform,seller_name,seller_country,phone,email,shop_url,supplier"


def ingest_reconciled(store: Store | None, tmp: Path, *paths: Path, **kw: Any) -> IngestReport:
    """Ingest ``paths`` into ``store`` (data dir under ``tmp``); every row must reconcile."""
    rep = ingest_paths(store, list(paths), IngestOptions(data_dir=tmp / "data", **kw))
    assert rep.reconciled, (rep.read, rep.loaded, rep.rejected)
    return rep


def rejects_of(rep: IngestReport) -> list[dict[str, str]]:
    """The rows of the run's rejects file ([] when nothing was rejected)."""
    if not rep.rejects_path:
        return []
    text = Path(rep.rejects_path).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(keepends=True)))

CLI = [sys.executable, "-c",
       "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
       "from graphinv.cli.app import main; main()"]

_ENV_DROP = ("GRAPHINV_STORE", "GRAPHINV_DATA_DIR", "GRAPHINV_NEO4J_USER",
             "GRAPHINV_NEO4J_PASSWORD", "GRAPHINV_NEO4J_DATABASE", "GRAPHINV_QUERIES")


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROP}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "200"
    return env


@dataclass
class Done:
    """A finished child process: exit code and its output."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Child:
    """A running ``graphinv`` child whose output goes to files (no pipe deadlocks)."""

    def __init__(self, args: Sequence[str], logdir: Path) -> None:
        logdir.mkdir(parents=True, exist_ok=True)
        n = len(list(logdir.glob("*.out")))
        self._out = logdir / f"{n:03d}.out"
        self._err = logdir / f"{n:03d}.err"
        self.t0 = time.monotonic()
        with open(self._out, "wb") as out, open(self._err, "wb") as err:
            self.proc = subprocess.Popen([*CLI, *args], stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, env=cli_env(), cwd=ROOT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)

    def pause(self) -> None:
        """SIGSTOP: frozen in place, holding whatever it holds (locks, connections)."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGCONT)

    def interrupt(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGINT)

    def wait(self, timeout: float) -> Done:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            self.proc.wait(timeout=30)
            raise AssertionError(f"graphinv did not finish within {timeout:.0f} s:\n"
                                 + self._read()[1][-3000:]) from None
        out, err = self._read()
        return Done(rc, out, err, time.monotonic() - self.t0)

    def _read(self) -> tuple[str, str]:
        return (self._out.read_text(encoding="utf-8", errors="replace"),
                self._err.read_text(encoding="utf-8", errors="replace"))


def start_cli(args: Sequence[str], logdir: Path) -> Child:
    return Child([str(a) for a in args], logdir)


def cli(args: Sequence[str], logdir: Path, timeout: float = 180) -> Done:
    """Run ``graphinv ARGS`` to the end in a child process."""
    return start_cli(args, logdir).wait(timeout)


def checkpoints(data_dir: Path) -> list[dict[str, Any]]:
    out = []
    for p in sorted((data_dir / "runs").glob("*.json")):
        with contextlib.suppress(OSError, ValueError):
            out.append(json.loads(p.read_text(encoding="utf-8")))
    return out


def wait_for_checkpoint(child: Child, data_dir: Path, rows: int, timeout: float = 120) -> bool:
    """Wait until the ingest's checkpoint says ``rows_done >= rows`` (``rows=0``: the run
    has started writing). False if the child ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for c in checkpoints(data_dir):
            if c.get("status") == "running" and int(c.get("rows_done") or 0) >= rows:
                return True
        if not child.running():
            return False
        time.sleep(0.02)
    raise AssertionError(f"no checkpoint with {rows} rows after {timeout:.0f} s")


# -- data ---------------------------------------------------------------------------------

def _generator() -> ModuleType:
    return load_generator()


@dataclass(frozen=True)
class DataSet:
    listings: Path
    flags: Path
    manifest: Path
    rows: int


def generated(out: Path, rows: int, seed: int) -> DataSet:
    """``examples/generate.py`` output (listings with planted bad rows, flags)."""
    counts = _generator().generate(out, rows=rows, seed=seed, extras=False)
    paths = counts["paths"]
    return DataSet(Path(paths["listings"]), Path(paths["flags"]), Path(paths["bad_rows"]),
                   rows)


# -- a Neo4j server of our own -------------------------------------------------------------

def _require() -> bool:
    return os.environ.get(REQUIRE_ENV, "") == "1"


def unavailable(msg: str) -> None:
    """Skip, or fail when ``GRAPHINV_REQUIRE_NEO4J=1`` (CI)."""
    if _require():
        pytest.fail(f"{REQUIRE_ENV}=1 but {msg}", pytrace=False)
    pytest.skip(msg)


class DedicatedNeo4j:
    """A Neo4j server in ``home`` that tests may kill -9 and restart on the same port.

    ``settings`` are extra ``-c key=value`` server settings (e.g. a transaction memory cap).
    """

    def __init__(self, home: Path, settings: dict[str, str] | None = None) -> None:
        self.home = home
        self.settings = dict(settings or {})
        self.port: int | None = None
        self.uri = ""
        self.pid: int | None = None
        self._srv = load_server_module()

    def available(self) -> str | None:
        """None if a server can start here, else why not."""
        try:
            self._srv.find_java()
        except Exception as exc:  # noqa: BLE001 - any reason is a reason
            return str(exc)
        if self._srv.cached_version() is None and not _which("mvn"):
            return "no cached Neo4j jars and no Maven to fetch them"
        return None

    def start(self, *, keep_data: bool = False) -> str:
        srv = self._srv
        orig: Callable[..., list[str]] = getattr(srv, "server_command")  # noqa: B009
        extra = [a for k, v in self.settings.items() for a in ("-c", f"{k}={v}")]

        def command(*a: Any, **k: Any) -> list[str]:
            return [*orig(*a, **k), *extra]

        setattr(srv, "server_command", command)  # noqa: B010 - scripts/ is not a package
        try:
            self.pid, self.uri = srv.start_server(self.home, self.port, keep_data=keep_data,
                                                  heap="768m", pagecache="64m")
        finally:
            setattr(srv, "server_command", orig)  # noqa: B010
        self.port = int(self.uri.rsplit(":", 1)[1])
        return self.uri

    def kill9(self) -> None:
        """SIGKILL the java process (a crash, not a shutdown) and wait until it is gone."""
        assert self.pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self._srv._is_alive(self.pid):
            time.sleep(0.05)
        self._srv._reap(self.pid)

    def stop(self) -> None:
        self._srv.stop_server(self.home)


def _which(cmd: str) -> str | None:
    import shutil

    return shutil.which(cmd)


@contextlib.contextmanager
def dedicated_neo4j(home: Path, settings: dict[str, str] | None = None
                    ) -> Iterator[DedicatedNeo4j]:
    server = DedicatedNeo4j(home, settings)
    why = server.available()
    if why:
        unavailable(f"cannot start a dedicated Neo4j: {why}")
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"dedicated Neo4j did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()

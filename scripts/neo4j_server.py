#!/usr/bin/env python3
"""Run a real Neo4j 5.26 LTS Community server on loopback, without Docker.

The server jars come from Maven Central (``scripts/neo4j-pom.xml`` resolved with
``mvn dependency:copy-dependencies``) and are cached in
``${GRAPHINV_NEO4J_HOME:-~/.cache/graphinv/neo4j-5.26}/lib``.  The server itself is
``org.neo4j.server.CommunityEntryPoint`` started in console mode, detached, with Bolt
on ``127.0.0.1:<port>``, no auth, no HTTP.

CLI::

    python scripts/neo4j_server.py resolve
    python scripts/neo4j_server.py start [--port N] [--home DIR] [--keep-data]
    python scripts/neo4j_server.py status [--home DIR]
    python scripts/neo4j_server.py stop [--home DIR]

``start`` prints the Bolt URI (``bolt://127.0.0.1:PORT``) as its last stdout line.

Library use (stdlib only)::

    pid, uri = start_server(home="/tmp/some-dir")
    ...
    stop_server(home="/tmp/some-dir")

Environment:
    GRAPHINV_NEO4J_HOME       jar cache directory (default ~/.cache/graphinv/neo4j-5.26)
    GRAPHINV_NEO4J_VERSION    force one Neo4j version (default: 5.26.31, then lower 5.26.x)
    GRAPHINV_NEO4J_HEAP       JVM max heap (default 1g)
    GRAPHINV_NEO4J_PAGECACHE  page cache size (default 256m)
    GRAPHINV_JAVA             java executable (default: $JAVA_HOME/bin/java, then PATH)
    GRAPHINV_NEO4J_START_TIMEOUT  seconds to wait for Bolt on start (default 180)
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

SCRIPTS_DIR = Path(__file__).resolve().parent
POM = SCRIPTS_DIR / "neo4j-pom.xml"

PREFERRED_VERSION = "5.26.31"
# Tried in this order when the preferred version does not resolve.
FALLBACK_VERSIONS = [f"5.26.{n}" for n in range(30, -1, -1)]

MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
MARKER = ".graphinv-complete"
STATE_NAME = "state.json"
CONSOLE_LOG = "console.log"

DEFAULT_START_TIMEOUT = float(os.environ.get("GRAPHINV_NEO4J_START_TIMEOUT", "180"))
DEFAULT_STOP_TIMEOUT = 60.0
MAVEN_ATTEMPTS = 4

# The JVM options Neo4j's own launcher passes that matter here (see its jdk.custom.options).
JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]

# Processes started by this interpreter, so that they can be reaped (no zombies).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class Neo4jServerError(RuntimeError):
    """Resolving, starting or stopping the server failed."""


def _log(msg: str) -> None:
    print(f"[neo4j] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- paths


def cache_dir(cache: str | os.PathLike[str] | None = None) -> Path:
    """The jar cache: ``--cache``, else $GRAPHINV_NEO4J_HOME, else ~/.cache/graphinv/..."""
    if cache is not None:
        return Path(cache).expanduser().resolve()
    env = os.environ.get("GRAPHINV_NEO4J_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return (Path.home() / ".cache" / "graphinv" / "neo4j-5.26").resolve()


def lib_dir(cache: str | os.PathLike[str] | None = None) -> Path:
    return cache_dir(cache) / "lib"


def default_home(cache: str | os.PathLike[str] | None = None) -> Path:
    """Server home (data, logs, run state) when ``--home`` is not given."""
    return cache_dir(cache) / "server"


def _home(home: str | os.PathLike[str] | None, cache: str | os.PathLike[str] | None) -> Path:
    return Path(home).expanduser().resolve() if home is not None else default_home(cache)


def state_file(home: str | os.PathLike[str] | None = None, cache: Any = None) -> Path:
    return _home(home, cache) / "run" / STATE_NAME


# --------------------------------------------------------------------------- resolve


def cached_version(cache: str | os.PathLike[str] | None = None) -> str | None:
    """The Neo4j version whose jars are completely in the cache, or None."""
    lib = lib_dir(cache)
    try:
        marker = json.loads((lib / MARKER).read_text())
    except (OSError, ValueError):
        return None
    jars = marker.get("jars") or []
    if not jars or not all((lib / name).is_file() for name in jars):
        return None
    version = marker.get("version")
    return version if isinstance(version, str) else None


def _candidate_versions() -> list[str]:
    forced = os.environ.get("GRAPHINV_NEO4J_VERSION")
    if forced:
        return [forced]
    return [PREFERRED_VERSION] + [v for v in FALLBACK_VERSIONS if v != PREFERRED_VERSION]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_NOT_FOUND = re.compile(
    r"Could not find artifact org\.neo4j|org\.neo4j[\w.:-]* was not found in", re.IGNORECASE
)
_TRANSIENT = re.compile(
    r"status code: (429|5\d\d)|Too Many Requests|timed out|Connection reset|"
    r"Could not transfer|Connect to \S+ failed|Remote host terminated|Unknown host",
    re.IGNORECASE,
)


_BOILERPLATE = ("re-run maven", "to see the full stack trace", "for more information", "[help ")


def _error_lines(output: str, limit: int = 6) -> str:
    lines = [
        ln
        for ln in output.splitlines()
        if ln.startswith("[ERROR]")
        and ln[7:].strip()
        and not ln[7:].strip().lower().startswith(_BOILERPLATE)
    ]
    return "\n".join((lines or output.strip().splitlines())[:limit])


def _run_maven(version: str, out: Path, *, force_update: bool) -> tuple[int, str]:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jServerError("Maven (mvn) not found; install it, e.g. `apt-get install maven`")
    cmd = [mvn, "-B", "-q", "-Dstyle.color=never"]
    if force_update:
        cmd.append("-U")
    cmd += [
        "-f",
        str(POM),
        f"-Dneo4j.version={version}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={out}",
    ]
    proc = subprocess.run(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    return proc.returncode, re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout.decode(errors="replace"))


def resolve(cache: str | os.PathLike[str] | None = None, *, force: bool = False) -> str:
    """Make sure the server jars are in ``<cache>/lib``; return the Neo4j version.

    Skips Maven when the marker file says the cache is complete.  Retries Maven on
    transient failures (Central answers 429 under bursts); moves to the next lower
    5.26 patch only when the artifact really does not exist.
    """
    lib = lib_dir(cache)
    forced = os.environ.get("GRAPHINV_NEO4J_VERSION")
    have = cached_version(cache)
    if have and not force and (not forced or forced == have):
        return have
    with _locked(cache_dir(cache) / ".resolve.lock"):
        have = cached_version(cache)  # another process may have finished meanwhile
        if have and not force and (not forced or forced == have):
            return have
        errors: list[str] = []
        for version in _candidate_versions():
            for attempt in range(1, MAVEN_ATTEMPTS + 1):
                partial = Path(tempfile.mkdtemp(prefix="lib.partial.", dir=lib.parent))
                try:
                    _log(f"resolving Neo4j {version} from Maven Central (attempt {attempt})")
                    t0 = time.monotonic()
                    rc, output = _run_maven(version, partial, force_update=attempt > 1)
                    jars = sorted(p.name for p in partial.glob("*.jar"))
                    if rc == 0 and any(j.startswith(f"neo4j-{version}") for j in jars):
                        (partial / MARKER).write_text(
                            json.dumps({"version": version, "jars": jars}, indent=1) + "\n"
                        )
                        if lib.exists():
                            shutil.rmtree(lib)
                        partial.rename(lib)
                        _log(
                            f"resolved Neo4j {version}: {len(jars)} jars "
                            f"in {time.monotonic() - t0:.1f}s -> {lib}"
                        )
                        return version
                finally:
                    if partial.exists():
                        shutil.rmtree(partial, ignore_errors=True)
                tail = _error_lines(output)
                errors.append(f"{version} attempt {attempt}: rc={rc}\n{tail}")
                if _NOT_FOUND.search(output) and not _TRANSIENT.search(output):
                    _log(f"Neo4j {version} is not on Maven Central; trying an older patch")
                    break
                if attempt < MAVEN_ATTEMPTS:
                    delay = 10 * attempt
                    _log(f"Maven failed (rc={rc}); retrying in {delay}s:\n{tail}")
                    time.sleep(delay)
            else:
                # Every attempt failed transiently: a lower patch will not help.
                break
        raise Neo4jServerError("could not resolve Neo4j jars:\n" + "\n---\n".join(errors[-3:]))


# --------------------------------------------------------------------------- java


def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run(
            [java, "-version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30
        ).stdout.decode(errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def find_java() -> str:
    """A Java 17 or 21 runtime (what Neo4j 5.26 supports)."""
    candidates: list[str] = []
    if os.environ.get("GRAPHINV_JAVA"):
        candidates.append(os.environ["GRAPHINV_JAVA"])
    if os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(on_path)
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        for d in sorted(jvm_root.iterdir()):
            if re.search(r"(^|-)(17|21)(-|$|\.)", d.name):
                candidates.append(str(d / "bin" / "java"))
    seen: set[str] = set()
    for java in candidates:
        if java in seen or not os.access(java, os.X_OK):
            continue
        seen.add(java)
        if _java_major(java) in (17, 21):
            return java
    raise Neo4jServerError(
        "no Java 17 or 21 runtime found (Neo4j 5.26 needs one); "
        "install one, e.g. `apt-get install openjdk-17-jre-headless`, or set GRAPHINV_JAVA"
    )


# --------------------------------------------------------------------------- processes


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_open(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _is_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        return MAIN_CLASS.encode() in cmdline  # guard against a reused pid
    except (OSError, IndexError):
        return True


def _read_state(home: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((home / "run" / STATE_NAME).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _clear_state(home: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (home / "run" / STATE_NAME).unlink()


def _log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _driver_ready(uri: str) -> bool | None:
    """True/False if the neo4j driver is importable and (not) connected, None if absent."""
    try:
        from neo4j import GraphDatabase  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        with GraphDatabase.driver(uri, auth=None, connection_timeout=5.0) as driver:
            driver.verify_connectivity()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False


def _terminate(pid: int, timeout: float) -> None:
    if not _is_alive(pid):
        _reap(pid)
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_alive(pid):
            _reap(pid)
            return
        time.sleep(0.2)
    _log(f"pid {pid} still alive after {timeout:.0f}s; sending SIGKILL")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _is_alive(pid):
        time.sleep(0.1)
    _reap(pid)


def _reap(pid: int) -> None:
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


def server_command(
    java: str, lib: Path, home: Path, port: int, *, heap: str, pagecache: str
) -> list[str]:
    settings = {
        "server.bolt.listen_address": f"127.0.0.1:{port}",
        "server.bolt.advertised_address": f"127.0.0.1:{port}",
        "dbms.security.auth_enabled": "false",
        "server.http.enabled": "false",
        "server.https.enabled": "false",
        "server.directories.data": str(home / "data"),
        "server.directories.logs": str(home / "logs"),
        "server.directories.run": str(home / "run"),
        "server.logs.debug.enabled": "false",
        "server.memory.pagecache.size": pagecache,
        "dbms.usage_report.enabled": "false",
        # A disposable test/bench server: keep only the latest transaction log instead
        # of two days of them (a few 100k-row loads left 2.6 GB of logs otherwise).
        "db.tx_log.rotation.retention_policy": "keep_none",
        # Internal settings: shut Bolt down in well under a second instead of ~10 s.
        # Strict validation is off so that a patch release lacking them still boots.
        "server.config.strict_validation.enabled": "false",
        "internal.dbms.bolt.netty_server_shutdown_quiet_period": "0",
        "internal.dbms.bolt.netty_server_shutdown_timeout": "2",
        "internal.server.bolt.thread_pool_shutdown_wait_time": "2s",
        "internal.server.bolt.connection_shutdown_wait_time": "2s",
    }
    # The whole heap up front (-Xms = -Xmx): G1 otherwise starts near 400 MB with a
    # 250 MB young generation. Replaying a 10k-row ingest's batches (heap 1g, 2 busy
    # cores): 59 young GCs / 5 s of pauses without, 38 / 3 s with -Xms (one run each).
    cmd = [java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, "-cp", f"{lib}/*", MAIN_CLASS]
    cmd += [f"--home-dir={home}", "--console-mode"]
    for key, value in settings.items():
        cmd += ["-c", f"{key}={value}"]
    return cmd


def start_server(
    home: str | os.PathLike[str] | None = None,
    port: int | None = None,
    *,
    cache: str | os.PathLike[str] | None = None,
    keep_data: bool = False,
    timeout: float = DEFAULT_START_TIMEOUT,
    heap: str | None = None,
    pagecache: str | None = None,
) -> tuple[int, str]:
    """Start a detached Neo4j server; return ``(pid, "bolt://127.0.0.1:PORT")``.

    Waits until Bolt answers (TCP, then the Python driver when importable).  If a
    server recorded in ``<home>/run/state.json`` is still running it is reused.
    """
    home_dir = _home(home, cache)
    state = _read_state(home_dir)
    if state and _is_alive(int(state["pid"])):
        _log(f"already running (pid {state['pid']}) at {state['uri']}")
        return int(state["pid"]), str(state["uri"])
    _clear_state(home_dir)

    version = resolve(cache)
    java = find_java()
    if port is None:
        port = free_port()
    elif _port_open(port):
        raise Neo4jServerError(f"port {port} on 127.0.0.1 is already in use")

    if not keep_data and (home_dir / "data").exists():
        shutil.rmtree(home_dir / "data")
    for sub in ("data", "logs", "run"):
        (home_dir / sub).mkdir(parents=True, exist_ok=True)
    log_path = home_dir / "logs" / CONSOLE_LOG
    uri = f"bolt://127.0.0.1:{port}"
    cmd = server_command(
        java,
        lib_dir(cache),
        home_dir,
        port,
        heap=heap or os.environ.get("GRAPHINV_NEO4J_HEAP", "1g"),
        pagecache=pagecache or os.environ.get("GRAPHINV_NEO4J_PAGECACHE", "256m"),
    )

    t0 = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=home_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # detached: survives the caller, not its Ctrl-C
            close_fds=True,
        )
    _CHILDREN[proc.pid] = proc
    state = {
        "pid": proc.pid,
        "uri": uri,
        "port": port,
        "home": str(home_dir),
        "version": version,
        "log": str(log_path),
        "started_at": time.time(),
        # What `graphinv ingest --bulk` needs to stop this server, run neo4j-admin's
        # import with the same jars and Java, and start it again on the same port.
        "script": str(Path(__file__).resolve()),
        "cache": str(cache_dir(cache)),
        "lib": str(lib_dir(cache)),
        "java": java,
        "heap": cmd[1][len("-Xms"):],
        "pagecache": pagecache or os.environ.get("GRAPHINV_NEO4J_PAGECACHE", "256m"),
    }
    (home_dir / "run" / STATE_NAME).write_text(json.dumps(state, indent=1) + "\n")

    deadline = t0 + timeout
    try:
        while True:
            if not _is_alive(proc.pid):
                raise Neo4jServerError(
                    f"Neo4j exited during startup (rc={proc.poll()}); log {log_path}:\n"
                    + _log_tail(log_path)
                )
            if _port_open(port) and _driver_ready(uri) is not False:
                break
            if time.monotonic() > deadline:
                raise Neo4jServerError(
                    f"Neo4j did not answer on {uri} within {timeout:.0f}s; log {log_path}:\n"
                    + _log_tail(log_path)
                )
            time.sleep(0.25)
    except BaseException:
        _terminate(proc.pid, 10)
        _clear_state(home_dir)
        raise
    _log(f"Neo4j {version} up on {uri} (pid {proc.pid}) in {time.monotonic() - t0:.1f}s")
    return proc.pid, uri


def stop_server(
    home: str | os.PathLike[str] | None = None,
    *,
    cache: str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_STOP_TIMEOUT,
) -> bool:
    """Stop the server recorded in ``<home>/run/state.json``; True if one was running."""
    home_dir = _home(home, cache)
    state = _read_state(home_dir)
    if not state:
        return False
    pid = int(state["pid"])
    was_alive = _is_alive(pid)
    if was_alive:
        t0 = time.monotonic()
        _terminate(pid, timeout)
        _log(f"stopped Neo4j pid {pid} in {time.monotonic() - t0:.1f}s")
    _clear_state(home_dir)
    return was_alive


def server_status(
    home: str | os.PathLike[str] | None = None, *, cache: str | os.PathLike[str] | None = None
) -> dict[str, Any] | None:
    """The state of the running server in ``home`` (pid, uri, ...), or None."""
    home_dir = _home(home, cache)
    state = _read_state(home_dir)
    if not state:
        return None
    if not _is_alive(int(state["pid"])):
        _clear_state(home_dir)
        return None
    state["bolt_answers"] = _port_open(int(state["port"]))
    return state


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="neo4j_server.py", description="Run a local Neo4j 5.26 Community server."
    )
    parser.add_argument("command", choices=["start", "stop", "status", "resolve"])
    parser.add_argument("--port", type=int, help="Bolt port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--home", help="server home: data, logs, run state")
    parser.add_argument("--cache", help="jar cache (default: $GRAPHINV_NEO4J_HOME or ~/.cache)")
    parser.add_argument("--keep-data", action="store_true", help="reuse <home>/data on start")
    parser.add_argument("--timeout", type=float, help="start/stop timeout in seconds")
    args = parser.parse_args(argv)

    try:
        if args.command == "resolve":
            version = resolve(args.cache)
            print(f"Neo4j {version} jars in {lib_dir(args.cache)}")
            return 0
        if args.command == "start":
            pid, uri = start_server(
                args.home,
                args.port,
                cache=args.cache,
                keep_data=args.keep_data,
                timeout=args.timeout or DEFAULT_START_TIMEOUT,
            )
            print(f"pid {pid}")
            print(uri)
            return 0
        if args.command == "stop":
            stopped = stop_server(
                args.home, cache=args.cache, timeout=args.timeout or DEFAULT_STOP_TIMEOUT
            )
            print("stopped" if stopped else "not running")
            return 0
        state = server_status(args.home, cache=args.cache)
        if state is None:
            print("not running")
            return 3
        print(f"running pid {state['pid']} Neo4j {state.get('version')} home {state['home']}")
        print(state["uri"])
        return 0
    except Neo4jServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

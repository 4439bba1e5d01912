"""Facts about the machine and software a run was measured on."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

__all__ = ["machine_info", "load_average", "peak_rss_mb", "rss_mb_of", "git_state"]


def _meminfo_gb() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_state() -> dict[str, Any]:
    """The commit measured and the files under graphinv/ changed since it (others may be
    editing the tree while a benchmark runs)."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = [line[3:] for line in git("status", "--porcelain", "--", "graphinv").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "graphinv_changed": dirty}


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (empty where unavailable)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    """Cores, RAM, CPU model, OS, Python and library versions, load average now."""
    return {
        "cores": os.cpu_count(),
        "ram_gb": _meminfo_gb(),
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "ladybug": _version("ladybug"),
        "neo4j_driver": _version("neo4j"),
        "neo4j_rust_ext": _version("neo4j-rust-ext"),
        "networkx": _version("networkx"),
        "pyarrow": _version("pyarrow"),
        "pyvis": _version("pyvis"),
        "load_avg": load_average(),
        "git": git_state(),
    }


def _status_kb(pid: int | str, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb() -> float | None:
    """This process's peak resident set (VmHWM), in MB; ru_maxrss where /proc is absent."""
    kb = _status_kb("self", "VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024, 1)


def rss_mb_of(pid: int) -> dict[str, float | None]:
    """Current and peak resident set of another process (e.g. the Neo4j server), in MB."""
    now, peak = _status_kb(pid, "VmRSS"), _status_kb(pid, "VmHWM")
    return {"rss_mb": None if now is None else round(now / 1024, 1),
            "peak_rss_mb": None if peak is None else round(peak / 1024, 1)}

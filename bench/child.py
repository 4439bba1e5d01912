"""Run one measurement in a fresh Python subprocess (:mod:`bench.worker`).

Each stage gets its own interpreter, so its peak RSS (VmHWM, read by the child just
before it exits) is its own and stages do not warm each other's caches. A child that
outlives ``timeout`` is killed with its process group and reported as ``timeout``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import BENCH_DIR

__all__ = ["run_child"]

_ROOT = BENCH_DIR.parent


def run_child(task: dict[str, Any], *, timeout: float | None = None,
              log: Path | None = None) -> dict[str, Any]:
    """Run ``task`` in ``python -m bench.worker``; return its result dict.

    The result always has ``status`` (``ok``, ``error``, ``timeout``) and
    ``elapsed_s`` (wall time of the whole child, startup included).
    """
    with tempfile.TemporaryDirectory(prefix="graphinv-bench-task-") as tmp:
        task_path = Path(tmp) / "task.json"
        result_path = Path(tmp) / "result.json"
        task_path.write_text(json.dumps(task), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        cmd = [sys.executable, "-m", "bench.worker", str(task_path), str(result_path)]
        out = open(log, "a", encoding="utf-8") if log else None  # noqa: SIM115
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=_ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=out or subprocess.DEVNULL,
                                stderr=out or subprocess.PIPE, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return {"status": "timeout", "elapsed_s": round(time.perf_counter() - t0, 2),
                    "error": f"killed after {timeout:.0f} s"}
        finally:
            if out:
                out.close()
        elapsed = round(time.perf_counter() - t0, 2)
        if result_path.exists():
            result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
        else:
            tail = (err or b"").decode(errors="replace").strip().splitlines()[-5:]
            result = {"status": "error",
                      "error": f"worker exited {proc.returncode}: " + " | ".join(tail)}
        result["elapsed_s"] = elapsed
        return result


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the child we started (and anything it started), SIGTERM then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue

"""The files an ingest run keeps beside the store: the rejects file (every refused row with
file, line and reason), resume checkpoints and the one-ingest-per-data-dir lock.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from graphinv.errors import OutputError, StoreUnavailable


class _Rejects:
    """Rejects CSV written next to the data; temp file renamed at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.samples: list[dict[str, Any]] = []
        self._fh: Any = None
        self._w: Any = None

    def add(self, file: str, line: int, reason: str, raw: str) -> None:
        from graphinv.util.tabular import neutralize

        if self._fh is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path.with_suffix(".csv.tmp"), "w", encoding="utf-8",
                                newline="")
            except OSError as exc:
                raise OutputError("cannot write the rejects file", value=str(self.path),
                                  hint=f"check --data-dir ({exc.strerror})") from exc
            self._w = csv.writer(self._fh)
            self._w.writerow(["file", "line", "reason", "raw"])
        try:
            self._w.writerow([neutralize(file), line, neutralize(reason), neutralize(raw)])
        except OSError as exc:
            raise OutputError("cannot write the rejects file", value=str(self.path),
                              hint=f"check free space and permissions ({exc.strerror})") from exc
        self.count += 1
        if len(self.samples) < 20:
            self.samples.append({"file": file, "line": line, "reason": reason})

    def close(self) -> str | None:
        """Publish the complete rejects file under its final name."""
        if self._fh is None:
            return None
        tmp = self.path.with_suffix(".csv.tmp")
        try:
            self._fh.close()
            os.replace(tmp, self.path)
        except OSError as exc:
            self.discard()
            raise OutputError("cannot write the rejects file", value=str(self.path),
                              hint=f"check free space and permissions ({exc.strerror})") from exc
        return str(self.path)

    def discard(self) -> None:
        """A run that did not finish leaves no rejects file that looks complete
        (the rerun writes it again)."""
        if self._fh is None:
            return
        with contextlib.suppress(OSError):
            self._fh.close()
        with contextlib.suppress(OSError):
            self.path.with_suffix(".csv.tmp").unlink()
        self._fh = None


class _Checkpoint:
    """Where a run is, so a rerun of the same inputs resumes under the same run id."""

    def __init__(self, runs_dir: Path, fingerprint: str, files: Iterable[str] = (),
                 flags: Iterable[str] = ()) -> None:
        self.dir = runs_dir
        self.fingerprint = fingerprint
        # What to rerun when a repaired store lost this run's writes (graphinv repair).
        self.files = list(files)
        self.flags = list(flags)

    def find_unfinished(self) -> dict[str, Any] | None:
        if not self.dir.is_dir():
            return None
        for p in sorted(self.dir.glob("*.json"), reverse=True):
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if data.get("fingerprint") == self.fingerprint:
                return data if data.get("status") != "complete" else None
        return None

    def save(self, run_id: str, **state: Any) -> None:
        from graphinv.util.tabular import write_text_atomic

        payload = {"run_id": run_id, "fingerprint": self.fingerprint, "files": self.files,
                   "flags": self.flags, **state}
        write_text_atomic(self.dir / f"{run_id}.json", json.dumps(payload, indent=1))


@contextlib.contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory's run lock: one ingest at a time per data directory.

    Without it two identical ingests (Neo4j: nothing else stops them) found each
    other's unfinished checkpoint, ran as one run and shared a rejects temp file.
    The lock is ``<data-dir>/ingest.lock``, an empty file (``flock``: released when the
    process ends, even on ``kill -9``).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with run_lock(d):
    ...     with run_lock(d):
    ...         pass
    Traceback (most recent call last):
    graphinv.errors.StoreUnavailable: another ingest is running on this data directory — ...
    """
    import fcntl

    path = data_dir / "ingest.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError("cannot write output", value=str(path),
                          hint=f"choose a writable --data-dir ({exc.strerror})") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise StoreUnavailable(
                "another ingest is running on this data directory", value=str(data_dir),
                hint="wait for it to finish (or stop it and rerun to resume); give "
                "concurrent ingests their own --data-dir") from exc
        yield
    finally:
        os.close(fd)

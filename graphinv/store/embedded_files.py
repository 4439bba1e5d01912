"""The embedded store's files and process: write-ahead log, reader lock, open errors,
memory use.
"""

from __future__ import annotations

import fcntl
import os
import shlex
from pathlib import Path
from typing import Any

from graphinv.errors import (
    StoreDamaged,
    StoreUnavailable,
)


def _rss_mb() -> int | None:
    """The process's resident memory in MB (Linux), or None where it is unknown."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
    except (OSError, ValueError, IndexError):
        return None


def _wal_path(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def _wal_size(db: Path) -> int:
    """Size of the write-ahead log, -1 when there is none."""
    try:
        return os.path.getsize(_wal_path(db))
    except OSError:
        return -1


def _first_line(exc: BaseException) -> str:
    msg = str(exc)
    return msg.splitlines()[0] if msg else type(exc).__name__


def _reader_lock(db: Path) -> int:
    """A shared lock on the database file for a read-only open.

    LadybugDB holds an exclusive POSIX lock on the file while a process has it open
    for writing, but a read-only open takes none: reading during an ingest was
    allowed, and a writer could start under a reader. This lock is refused while a
    writer holds the file, and makes a writer that starts later get the engine's
    clear lock error. Returns the descriptor that holds it.
    """
    try:
        fd = os.open(db, os.O_RDONLY)
    except OSError as exc:
        raise StoreUnavailable("cannot open the embedded store", value=str(db),
                               hint=f"check the data directory ({exc.strerror})") from exc
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        raise StoreUnavailable(
            "the embedded store is being written by another process", value=str(db),
            hint="wait until that ingest or clusters run ends, then retry (a read while "
            "it writes could see half-written results)") from exc
    return fd


def _open_error(location: str, msg: str) -> StoreUnavailable:
    first = msg.splitlines()[0] if msg else "unknown error"
    if "lock" in msg.lower():
        return StoreUnavailable(
            "cannot open the embedded store", value=location,
            hint="close the other graphinv process using it, or use another --data-dir")
    if "No space left" in msg:
        return StoreUnavailable(
            "cannot open the embedded store: the disk is full", value=location,
            hint=f"free disk space and retry; committed data is kept ({first})")
    if "wal" in msg.lower():
        wal = _wal_path(Path(location))
        return StoreDamaged(
            "the embedded store's write-ahead log is torn (a write stopped part-way, "
            "e.g. on a full disk)", value=f"{wal} ({first})",
            hint=f"free disk space if it is full, then run `graphinv --data-dir "
            f"{shlex.quote(str(Path(location).parent))} repair`: it moves the torn log "
            "aside, opens the last checkpoint and lists the ingest runs to rerun")
    return StoreUnavailable("cannot open the embedded store", value=location,
                            hint=f"check the data directory ({msg})")


def _close(res: Any) -> None:
    for r in res if isinstance(res, list) else [res]:
        r.close()


def _version() -> str:
    try:
        import ladybug

        return f"LadybugDB {getattr(ladybug, '__version__', '?')}"
    except Exception:  # pragma: no cover - import already succeeded in __init__
        return "LadybugDB"

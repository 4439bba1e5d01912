"""Repairing an embedded store that no longer opens after a crash (``graphinv repair``)."""

from __future__ import annotations

import os
from pathlib import Path

from graphinv.config import StoreConfig
from graphinv.errors import StoreDamaged, StoreError, StoreUnavailable
from graphinv.store.embedded import EmbeddedStore
from graphinv.store.embedded_files import _wal_path

__all__ = ["repair"]


def repair(config: StoreConfig) -> Path | None:
    """Move a torn write-ahead log aside so the store opens at its last checkpoint.

    Returns where the log went (``graph.lbug.wal.torn-<time>``, never deleted), or
    None when the store opens as it is (nothing to repair). What the log held since
    the last checkpoint is lost from the store: the caller reports which ingest runs
    to rerun. Raises :class:`StoreDamaged` when the store still does not open (the
    log is then put back) and :class:`StoreUnavailable` when another process holds it.
    """
    import datetime as _dt

    db = config.embedded_path
    if not db.exists():
        raise StoreUnavailable("no embedded store to repair", value=str(db),
                               hint="check --data-dir")
    try:
        EmbeddedStore(config).close()
        return None
    except StoreDamaged:
        pass
    wal = _wal_path(db)
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = wal.with_name(f"{wal.name}.torn-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = wal.with_name(f"{wal.name}.torn-{stamp}-{n}")
    try:
        os.replace(wal, aside)
    except OSError as exc:
        raise StoreUnavailable("cannot move the torn write-ahead log aside", value=str(wal),
                               hint=f"make the data directory writable ({exc.strerror})") \
            from exc
    try:
        EmbeddedStore(config).close()
    except StoreError:
        os.replace(aside, wal)  # not the log's fault: leave everything as it was
        raise
    return aside



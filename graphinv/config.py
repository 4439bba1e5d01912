"""Where the graph lives: store selection from options and environment.

``--store`` / ``GRAPHINV_STORE`` names one of the kinds of store registered in
:mod:`graphinv.storekinds`: ``embedded`` (the default: an on-disk LadybugDB under
``--data-dir`` / ``GRAPHINV_DATA_DIR``) or a Neo4j URI.

>>> StoreConfig.from_values(store="bolt://127.0.0.1:7687").backend
'neo4j'
>>> StoreConfig.from_values().backend
'embedded'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from graphinv.errors import ConfigError
from graphinv.storekinds import DEFAULT_STORE, kind_of

__all__ = ["StoreConfig", "DEFAULT_DATA_DIR", "DEFAULT_SEED", "DEFAULT_ENGINE"]

DEFAULT_DATA_DIR = "graphinv-data"
#: Seed of community detection: the one default, used by the CLI options, the
#: engine options and the recorded runs (this module is light, so ``--help`` stays fast).
DEFAULT_SEED = 42
#: Name of the clustering engine used unless ``--engine`` names another
#: (see :func:`graphinv.analysis.engine.get_engine`).
DEFAULT_ENGINE = "networkx"


@dataclass(frozen=True)
class StoreConfig:
    """Resolved store settings; build with :meth:`from_values`."""

    store: str
    data_dir: Path
    user: str | None = None
    password: str | None = None
    database: str | None = None
    connect_timeout: float = 8.0
    #: LadybugDB page cache in MiB (``GRAPHINV_EMBEDDED_BUFFER_MB``): by default a quarter
    #: of the machine's memory up to 4 GiB; ``0`` leaves LadybugDB's own default (~80% of
    #: memory: a 1M-row store grew a query process to 12 GB with it).
    buffer_mb: int = 4096
    #: Free disk space (MiB) the embedded store keeps under its data directory
    #: (``GRAPHINV_MIN_FREE_MB``): a write that would go below it stops with a clear error
    #: while there is still room to close cleanly (an engine write that hits a full disk
    #: tears its log). ``0`` checks only the space a bulk load or checkpoint needs.
    min_free_mb: int = 64

    @property
    def backend(self) -> str:
        """The name of the registered store kind ``store`` selects (``Store.backend``)."""
        return kind_of(self.store).name

    @property
    def embedded_path(self) -> Path:
        """The LadybugDB database file inside the data directory."""
        return self.data_dir / "graph.lbug"

    @classmethod
    def from_values(
        cls,
        store: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
    ) -> StoreConfig:
        """Combine explicit values with ``GRAPHINV_*`` environment variables."""
        env = os.environ
        store = (store or env.get("GRAPHINV_STORE") or DEFAULT_STORE).strip()
        data = Path(data_dir or env.get("GRAPHINV_DATA_DIR") or DEFAULT_DATA_DIR)
        kind_of(store)  # an unknown spelling is a ConfigError (exit 2) before any work
        return cls(
            store=store,
            data_dir=data,
            buffer_mb=_buffer_mb(env.get("GRAPHINV_EMBEDDED_BUFFER_MB")),
            min_free_mb=_min_free_mb(env.get("GRAPHINV_MIN_FREE_MB")),
            user=user if user is not None else env.get("GRAPHINV_NEO4J_USER"),
            password=password if password is not None else env.get("GRAPHINV_NEO4J_PASSWORD"),
            database=database or env.get("GRAPHINV_NEO4J_DATABASE") or None,
        )

    def describe(self) -> str:
        """Human description without secrets (the store kind's ``describe``)."""
        kind = kind_of(self.store)
        return kind.describe.format(
            name=kind.name, store=self.store, embedded_path=self.embedded_path,
            database=f", database {self.database}" if self.database else "")


def _buffer_mb(raw: str | None) -> int:
    if raw is None or not raw.strip():
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
        except (ValueError, OSError, AttributeError):
            total = 16384
        return max(256, min(4096, total // 4))
    try:
        mb = int(raw.strip())
    except ValueError:
        mb = -1
    if mb != 0 and mb < 64:
        raise ConfigError("bad GRAPHINV_EMBEDDED_BUFFER_MB", value=raw,
                          hint="a whole number of MiB, at least 64 (0: LadybugDB's default)")
    return mb


def _min_free_mb(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return 64
    try:
        mb = int(raw.strip())
    except ValueError:
        mb = -1
    if mb < 0:
        raise ConfigError("bad GRAPHINV_MIN_FREE_MB", value=raw,
                          hint="a whole number of MiB, 0 or more (default 64)")
    return mb

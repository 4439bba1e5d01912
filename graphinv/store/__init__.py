"""Graph stores: the only package that imports ``neo4j`` or ``ladybug``.

>>> from graphinv.config import StoreConfig
>>> import tempfile
>>> st = open_store(StoreConfig.from_values(data_dir=tempfile.mkdtemp()))
>>> st.backend
'embedded'
>>> st.close()
"""

from __future__ import annotations

import sys

from graphinv.config import StoreConfig
from graphinv.errors import StoreUnavailable
from graphinv.store.base import QueryResult, Store, StoreStatus, evidence_entry

__all__ = ["open_store", "Store", "StoreStatus", "QueryResult", "evidence_entry",
           "engine_abandoned"]


def open_store(config: StoreConfig, *, create: bool = True,
               read_only: bool = False) -> Store:
    """Open the configured store; raises a :class:`graphinv.errors.StoreError` subclass.

    With ``create=False`` an embedded data directory that holds no store is an error
    instead of a new empty store: a mistyped ``--data-dir`` must not look like a store
    with nothing in it (only ``ingest`` and ``demo`` create stores).

    ``read_only`` opens an existing embedded store without writing to it (an archived,
    read-only case directory works) and refuses while another process writes it.
    Neo4j ignores it (read commands run read-only transactions there anyway).
    """
    if config.backend == "embedded":
        if not create and not config.embedded_path.exists():
            raise StoreUnavailable(
                "no graphinv store in this data directory", value=str(config.data_dir),
                hint="check --data-dir / GRAPHINV_DATA_DIR (or cd to where you ingested); "
                "`graphinv ingest FILES` or `graphinv demo` creates a store")
        from graphinv.store.embedded import EmbeddedStore

        return EmbeddedStore(config, read_only=read_only)
    from graphinv.store.bolt import Neo4jStore

    return Neo4jStore(config)


def engine_abandoned() -> bool:
    """True when an embedded engine in this process failed a write and was left open:
    closing it would abort the process, so end it with ``os._exit`` (the CLI does)."""
    mod = sys.modules.get("graphinv.store.embedded")
    return bool(mod is not None and mod.engine_abandoned())

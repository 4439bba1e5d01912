"""Graph stores: the only package that imports ``neo4j`` or ``ladybug``.

>>> from graphinv.config import StoreConfig
>>> import tempfile
>>> st = open_store(StoreConfig.from_values(data_dir=tempfile.mkdtemp()))
>>> st.backend
'embedded'
>>> st.close()
"""

from __future__ import annotations

from graphinv.config import StoreConfig
from graphinv.errors import StoreUnavailable
from graphinv.store.base import QueryResult, Store, StoreStatus, evidence_entry

__all__ = ["open_store", "Store", "StoreStatus", "QueryResult", "evidence_entry"]


def open_store(config: StoreConfig, *, create: bool = True) -> Store:
    """Open the configured store; raises a :class:`graphinv.errors.StoreError` subclass.

    With ``create=False`` an embedded data directory that holds no store is an error
    instead of a new empty store: a mistyped ``--data-dir`` must not look like a store
    with nothing in it (only ``ingest`` and ``demo`` create stores).
    """
    if config.backend == "embedded":
        if not create and not config.embedded_path.exists():
            raise StoreUnavailable(
                "no graphinv store in this data directory", value=str(config.data_dir),
                hint="check --data-dir / GRAPHINV_DATA_DIR (or cd to where you ingested); "
                "`graphinv ingest FILES` or `graphinv demo` creates a store")
        from graphinv.store.embedded import EmbeddedStore

        return EmbeddedStore(config)
    from graphinv.store.bolt import Neo4jStore

    return Neo4jStore(config)

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
from graphinv.store.base import QueryResult, Store, StoreStatus, evidence_entry

__all__ = ["open_store", "Store", "StoreStatus", "QueryResult", "evidence_entry"]


def open_store(config: StoreConfig) -> Store:
    """Open the configured store; raises a :class:`graphinv.errors.StoreError` subclass."""
    if config.backend == "embedded":
        from graphinv.store.embedded import EmbeddedStore

        return EmbeddedStore(config)
    from graphinv.store.bolt import Neo4jStore

    return Neo4jStore(config)

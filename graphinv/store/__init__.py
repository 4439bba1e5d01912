"""Graph stores: the only package that imports ``neo4j`` or ``ladybug``.

>>> from graphinv.config import StoreConfig
>>> import tempfile
>>> st = open_store(StoreConfig.from_values(data_dir=tempfile.mkdtemp()))
>>> st.backend
'embedded'
>>> st.close()
"""

from __future__ import annotations

import importlib
import sys

from graphinv.config import StoreConfig
from graphinv.store.base import QueryResult, Store, StoreStatus, evidence_entry
from graphinv.storekinds import kind_of

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

    The class comes from the store kind ``config.store`` names
    (:mod:`graphinv.storekinds`), imported here on first use.
    """
    module, _, name = kind_of(config.store).store_class.partition(":")
    cls: type[Store] = getattr(importlib.import_module(module), name)
    return cls.open(config, create=create, read_only=read_only)


def engine_abandoned() -> bool:
    """True when an embedded engine in this process failed a write and was left open:
    closing it would abort the process, so end it with ``os._exit`` (the CLI does)."""
    mod = sys.modules.get("graphinv.store.embedded")
    return bool(mod is not None and mod.engine_abandoned())

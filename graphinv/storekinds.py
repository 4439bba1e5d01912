"""The kinds of store ``--store`` can name: the one registry of store spellings.

:class:`graphinv.config.StoreConfig` checks a spelling against it, the CLI builds the
``--store`` help and the "unknown store" error from it, and
:func:`graphinv.store.open_store` opens the class it names. Declarations only: a class is
named by its dotted path and imported when a store is opened, so ``graphinv --help``
loads no database driver, and this module (like ``config`` and ``schema``) imports no
other layer.

>>> kind_of("bolt://127.0.0.1:7687").name
'neo4j'
>>> kind_of("embedded").store_class
'graphinv.store.embedded:EmbeddedStore'
>>> kind_of("mysql://x")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphinv.errors.ConfigError: unknown store — mysql://x — use 'embedded' ... or a Neo4j URI ...
"""

from __future__ import annotations

from dataclasses import dataclass

from graphinv.errors import ConfigError

__all__ = ["StoreKind", "STORE_KINDS", "DEFAULT_STORE", "NEO4J_SCHEMES", "register_store_kind",
           "kind_of", "spellings"]

#: ``--store`` when neither the option nor ``GRAPHINV_STORE`` is given.
DEFAULT_STORE = "embedded"
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


@dataclass(frozen=True)
class StoreKind:
    """One kind of store and the ``--store`` values that select it.

    ``name`` is the class's ``Store.backend``. ``store_class`` is ``"module:Class"``, a
    :class:`graphinv.store.Store` subclass opened through its ``open`` classmethod.
    A value selects the kind when it is one of ``names`` or a URI with one of
    ``schemes`` (``scheme://…``). ``spelling`` says how to write it (``--help`` and the
    error for an unknown store); ``describe`` is the ``status`` line, a format string
    over ``name``, ``store`` (the value given), ``embedded_path`` and ``database``
    (``", database X"`` or empty).
    """

    name: str
    store_class: str
    spelling: str
    names: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    describe: str = "{name} ({store}{database})"

    def matches(self, store: str) -> bool:
        """True when the ``--store`` value ``store`` names this kind."""
        if store in self.names:
            return True
        scheme = store.split("://", 1)[0].lower() if "://" in store else None
        return scheme is not None and scheme in self.schemes


#: name -> kind, in the order ``--help`` lists them. Add a store with one entry here.
STORE_KINDS: dict[str, StoreKind] = {}


def register_store_kind(kind: StoreKind) -> StoreKind:
    """Add ``kind`` (a name already registered is refused: two classes for one name would
    make ``--store`` ambiguous)."""
    if kind.name in STORE_KINDS:
        raise ValueError(f"store kind {kind.name!r} is already registered")
    STORE_KINDS[kind.name] = kind
    return kind


register_store_kind(StoreKind(
    "embedded", "graphinv.store.embedded:EmbeddedStore", names=("embedded",),
    spelling="'embedded' (the default: LadybugDB under --data-dir, no server)",
    describe="embedded (LadybugDB at {embedded_path})"))
register_store_kind(StoreKind(
    "neo4j", "graphinv.store.bolt:Neo4jStore", schemes=NEO4J_SCHEMES,
    spelling="a Neo4j URI such as bolt://127.0.0.1:7687 (bolt://, neo4j://, +s and +ssc "
    "variants)"))


def spellings() -> str:
    """Every registered spelling, for ``--help`` and errors."""
    said = [k.spelling for k in STORE_KINDS.values()]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " or " + said[-1]


def kind_of(store: str) -> StoreKind:
    """The kind the ``--store`` value ``store`` names; a :class:`ConfigError` (exit 2) when
    none does."""
    for kind in STORE_KINDS.values():
        if kind.matches(store):
            return kind
    raise ConfigError("unknown store", value=store,
                      hint=f"use {spellings()} (--store or GRAPHINV_STORE)")

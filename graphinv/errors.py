"""One exception family for everything graphinv raises on purpose.

Every error carries three parts so the CLI can print
``Error: what failed — offending value — how to fix`` without guessing.

>>> str(StoreUnavailable("cannot reach Neo4j", value="bolt://127.0.0.1:1",
...     hint="start it or set GRAPHINV_STORE"))
'cannot reach Neo4j — bolt://127.0.0.1:1 — start it or set GRAPHINV_STORE'
"""

from __future__ import annotations

__all__ = [
    "GraphinvError",
    "UsageError",
    "ConfigError",
    "StoreError",
    "StoreUnavailable",
    "StoreAuthError",
    "StoreDamaged",
    "SchemaError",
    "InputError",
    "MappingError",
    "QueryError",
    "QueryRefused",
    "QueryTimeout",
    "ParameterError",
    "OutputError",
]


class GraphinvError(Exception):
    """Root of every error graphinv raises deliberately.

    ``exit_code`` is what the CLI exits with: 1 for bad data or an unreachable
    store, 2 for usage errors.
    """

    exit_code = 1

    def __init__(self, message: str, *, value: object = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.hint = hint

    def __str__(self) -> str:
        parts = [self.message]
        if self.value is not None:
            parts.append(str(self.value))
        if self.hint:
            parts.append(self.hint)
        return " — ".join(parts)


class UsageError(GraphinvError):
    """The command line or an option value is wrong."""

    exit_code = 2


class ConfigError(UsageError):
    """Configuration (store URI, environment variable, file) is invalid."""


class StoreError(GraphinvError):
    """The graph store failed."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or opened."""


class StoreDamaged(StoreUnavailable):
    """The store's files are damaged (a torn write-ahead log): ``graphinv repair``."""


class StoreAuthError(StoreError):
    """The store refused the credentials."""


class SchemaError(GraphinvError):
    """A label, relationship type or property is not in the schema's allowlist."""


class InputError(GraphinvError):
    """An input file cannot be read at all (row-level problems become rejects)."""


class MappingError(InputError):
    """A mapping file is invalid: bad data like any input file (exit 1)."""


class QueryError(GraphinvError):
    """A saved or ad-hoc query is invalid or failed."""


class QueryRefused(QueryError):
    """A query was refused before running (writes, LOAD CSV, procedures...)."""


class QueryTimeout(QueryError):
    """A query ran past its timeout and was stopped."""


class ParameterError(UsageError):
    """A query parameter is missing, unknown, mistyped or too large."""


class OutputError(GraphinvError):
    """An output file or directory cannot be written."""

"""Finding saved queries: the built-in folder plus extra folders.

Search order, first match wins (like ``PATH``): folders given with
``--queries DIR``, then ``GRAPHINV_QUERIES`` (``os.pathsep``-separated), then
the built-in ``queries/`` folder (next to the ``graphinv`` package in a
checkout, or ``graphinv/queries`` in an installed wheel). A query shadowed by
an earlier folder is remembered, and a file that fails to parse does not hide
the others: it is kept in :attr:`QueryLibrary.errors`.

>>> lib = QueryLibrary.discover()
>>> "shop-neighbourhood" in lib.names()
True
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphinv.errors import ConfigError, QueryError
from graphinv.querylib.header import HeaderError, SavedQuery, load_query_file

__all__ = ["QueryLibrary", "UnknownQuery", "builtin_dirs", "extra_dirs_from_env", "ENV_VAR"]

ENV_VAR = "GRAPHINV_QUERIES"


class UnknownQuery(QueryError):
    """No saved query has that name (a usage error: exit 2)."""

    exit_code = 2


def builtin_dirs() -> list[Path]:
    """The folder holding graphinv's own queries: ``graphinv/queries`` in an installed
    wheel (copied there at build time), else ``queries/`` of the source checkout."""
    from graphinv.util.resources import shipped_dir

    found = shipped_dir("queries", "queries")
    return [found] if found is not None else []


def extra_dirs_from_env(env: Mapping[str, str] | None = None) -> list[Path]:
    """Folders listed in ``GRAPHINV_QUERIES``.

    >>> extra_dirs_from_env({"GRAPHINV_QUERIES": os.pathsep.join(["a", "", "b"])})
    [PosixPath('a'), PosixPath('b')]
    """
    value = (os.environ if env is None else env).get(ENV_VAR, "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


@dataclass
class QueryLibrary:
    """Queries by name from an ordered list of folders."""

    dirs: list[Path]
    queries: dict[str, SavedQuery] = field(default_factory=dict)
    errors: list[HeaderError] = field(default_factory=list)
    shadowed: list[tuple[str, str]] = field(default_factory=list)  # (kept path, hidden path)

    @classmethod
    def discover(cls, extra: Iterable[str | os.PathLike[str]] = (), *,
                 env: Mapping[str, str] | None = None) -> QueryLibrary:
        """Library over ``extra`` folders, ``GRAPHINV_QUERIES`` and the built-ins.

        An extra folder that does not exist is a :class:`ConfigError` (exit 2).
        """
        user = [Path(d) for d in extra] + extra_dirs_from_env(env)
        for d in user:
            if not d.is_dir():
                raise ConfigError("queries folder not found", value=str(d),
                                  hint=f"check --queries / {ENV_VAR}")
        lib = cls(dirs=user + [d for d in builtin_dirs() if d not in user])
        lib.load()
        return lib

    @classmethod
    def builtin(cls) -> QueryLibrary:
        """Library over graphinv's own queries only (commands that run a saved query
        by name must not pick up a user's query of the same name)."""
        lib = cls(dirs=builtin_dirs())
        lib.load()
        return lib

    def load(self) -> None:
        self.queries.clear()
        self.errors.clear()
        self.shadowed.clear()
        broken: set[str] = set()
        for d in self.dirs:
            for path in sorted(d.glob("*.cypher")):
                name = path.stem
                if name in self.queries or name in broken:
                    kept = self.queries[name].path if name in self.queries else "(broken)"
                    self.shadowed.append((kept, str(path)))
                    continue
                try:
                    self.queries[name] = load_query_file(path)
                except HeaderError as exc:
                    self.errors.append(exc)
                    broken.add(name)

    def names(self) -> list[str]:
        return sorted(self.queries)

    def get(self, name: str) -> SavedQuery:
        """The query called ``name``; a broken file raises its :class:`HeaderError`."""
        if name in self.queries:
            return self.queries[name]
        for err in self.errors:
            if Path(err.path).stem == name:
                raise err
        close = difflib.get_close_matches(name, self.names(), n=3)
        hint = ("did you mean " + ", ".join(close) + "?") if close else (
            "see `graphinv query list`")
        raise UnknownQuery("no saved query by that name", value=name, hint=hint)

    def find(self, *, tag: str | None = None, search: str | None = None) -> list[SavedQuery]:
        """Queries with ``tag`` (exact, case-insensitive) whose name, description,
        tags or parameter names contain ``search`` (case-insensitive)."""
        out: list[SavedQuery] = []
        for name in self.names():
            q = self.queries[name]
            if tag and tag.lower() not in (t.lower() for t in q.tags):
                continue
            if search and not _matches(q, search.lower()):
                continue
            out.append(q)
        return out

    def tags(self) -> list[str]:
        return sorted({t for q in self.queries.values() for t in q.tags})


def _matches(q: SavedQuery, needle: str) -> bool:
    hay: Sequence[str] = (q.name, q.description, *q.tags, *(p.name for p in q.params),
                          *(p.help for p in q.params))
    return any(needle in h.lower() for h in hay)

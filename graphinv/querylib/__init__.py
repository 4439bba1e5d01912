"""Saved Cypher queries: a named, typed, safe query library.

A query is a ``.cypher`` file with a header (:mod:`.header`); its parameters are
typed and validated (:mod:`.params`); it is refused before it runs if it could
write, read files, call plugins or run unbounded (:mod:`.guard`); it is
translated for the embedded store where the dialects differ (:mod:`.translate`);
the library finds queries in the built-in folder and extra folders
(:mod:`.library`); :func:`run_query` puts it all together.
"""

from __future__ import annotations

from graphinv.querylib.guard import CheckedQuery, check_query
from graphinv.querylib.header import HeaderError, SavedQuery, load_query_file, parse_query_text
from graphinv.querylib.library import QueryLibrary, builtin_dirs, extra_dirs_from_env
from graphinv.querylib.params import ParamSpec, bind_params, parse_assignments
from graphinv.querylib.runner import QueryRun, prepare_query, run_query
from graphinv.querylib.translate import TranslationError, to_embedded

__all__ = [
    "CheckedQuery",
    "check_query",
    "HeaderError",
    "SavedQuery",
    "load_query_file",
    "parse_query_text",
    "QueryLibrary",
    "builtin_dirs",
    "extra_dirs_from_env",
    "ParamSpec",
    "bind_params",
    "parse_assignments",
    "QueryRun",
    "prepare_query",
    "run_query",
    "TranslationError",
    "to_embedded",
]

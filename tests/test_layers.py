"""Import layers: graphinv's packages import only downwards (issue #17).

Every module under ``graphinv/`` is parsed and ALL its imports are collected: top-level
ones, imports inside functions (they hide a dependency but are one all the same) and
imports under ``if TYPE_CHECKING:``. Each import must be allowed by :data:`ALLOWED`.

Layers, low to high (a package may import its own modules and the ones it lists)::

    graphinv (root: __version__), errors, _collector
    storekinds                           the registry of --store spellings (declarations)
    config, schema                       declarations; no behaviour of other layers
    types, util                          value types (normalizers), tabular/CSV helpers
    store                                the only code talking to Neo4j / LadybugDB
    ingest | querylib | analysis         peers: each reads or writes through store,
                                         none imports another (no sideways imports)
    render                               plain dicts in, HTML/exports out: no store,
                                         no ingest, no analysis
    cli                                  wires everything; nothing imports it

Data flows files → ingest → store → analysis → render; imports point the other way
round only where the lower layer is a service (ingest and analysis both *use* store).

Third-party packages that belong to one layer stay there: ``neo4j`` and ``ladybug``
in store, ``pyvis`` in render, ``typer`` and ``rich`` in cli.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import graphinv

PKG = Path(graphinv.__file__).parent

_BASE = {"graphinv", "errors", "_collector"}
_DECL = _BASE | {"storekinds", "config", "schema"}
_GROUND = _DECL | {"types", "util"}

#: component -> components it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "graphinv": set(),
    "errors": set(),
    "_collector": set(),
    "storekinds": {"graphinv", "errors"},
    "config": {"graphinv", "errors", "storekinds"},
    "schema": {"graphinv", "errors"},
    "types": _BASE,
    "util": _BASE,
    "store": _GROUND,
    "ingest": _GROUND | {"store"},
    "querylib": _GROUND | {"store"},
    "analysis": _GROUND | {"store"},
    "render": _GROUND,
    "cli": _GROUND | {"store", "ingest", "querylib", "analysis", "render"},
}

#: third-party top-level package -> the only component that may import it.
THIRD_PARTY_HOME = {"neo4j": "store", "ladybug": "store", "pyvis": "render",
                    "typer": "cli", "rich": "cli"}


def module_name(path: Path) -> str:
    """``graphinv/ingest/extract.py`` -> ``graphinv.ingest.extract``."""
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    base = PKG / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(modname: str, source: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``source``, however deeply nested.

    ``from graphinv import schema`` names the submodule ``graphinv.schema``; relative
    imports are resolved against ``modname``.
    """
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = modname.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.append((node.lineno, sub if target.startswith("graphinv")
                            and _is_module(sub) else target))
    return out


def component(dotted: str) -> str:
    """``graphinv.ingest.extract`` -> ``ingest``; ``graphinv`` -> ``graphinv``."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def violations(modname: str, source: str, *, is_package: bool = False) -> list[str]:
    """Every import of ``source`` (module ``modname``) that the layer contract forbids."""
    me = component(modname)
    if me not in ALLOWED:
        return [f"{modname}: package {me!r} has no layer; add it to ALLOWED in "
                "tests/test_layers.py"]
    bad = []
    for line, target in dict.fromkeys(imports_of(modname, source, is_package=is_package)):
        top = target.split(".")[0]
        if top == "graphinv":
            other = component(target)
            if other != me and other not in ALLOWED[me]:
                bad.append(f"{modname}:{line} imports {target} ({me} may not import {other})")
        elif top in THIRD_PARTY_HOME and THIRD_PARTY_HOME[top] != me:
            bad.append(f"{modname}:{line} imports {target} (only {THIRD_PARTY_HOME[top]} may)")
    return bad


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_import_in_graphinv_follows_the_layers() -> None:
    found = [v for p in _modules()
             for v in violations(module_name(p), p.read_text(encoding="utf-8"),
                                 is_package=p.name == "__init__.py")]
    assert found == []


def test_the_walk_sees_every_package() -> None:
    comps = {component(module_name(p)) for p in _modules()}
    assert {"types", "util", "store", "ingest", "analysis", "render", "cli"} <= comps
    assert comps <= set(ALLOWED), comps - set(ALLOWED)


@pytest.mark.parametrize(("modname", "source", "why"), [
    ("graphinv.analysis.weighting",
     "def f():\n    from graphinv.ingest.normalize import NORMALIZERS\n", "may not import ingest"),
    ("graphinv.ingest.pipeline",
     "def f():\n    from graphinv.render.tabular import neutralize\n", "may not import render"),
    ("graphinv.types.phone", "from graphinv import schema\n", "may not import schema"),
    ("graphinv.types.phone", "from ..store import base\n", "may not import store"),
    ("graphinv.render.html", "import graphinv.analysis.pipeline as p\n", "may not import analysis"),
    ("graphinv.ingest.resolve", "from graphinv.analysis import projection\n",
     "may not import analysis"),
    ("graphinv.store.bolt", "from graphinv.cli.common import fail\n", "may not import cli"),
    ("graphinv.analysis.x", "if TYPE_CHECKING:\n    import pyvis\n", "only render may"),
    ("graphinv.ingest.read", "def f():\n    import neo4j\n", "only store may"),
    ("graphinv.newpkg.mod", "", "has no layer"),
])
def test_forbidden_imports_are_caught(modname: str, source: str, why: str) -> None:
    found = violations(modname, source)
    assert len(found) == 1 and why in found[0], found


@pytest.mark.parametrize(("modname", "source"), [
    ("graphinv.analysis.weighting", "from graphinv.types import match_key\n"),
    ("graphinv.ingest.pipeline", "from graphinv.util.tabular import neutralize\n"),
    ("graphinv.ingest.extract", "from graphinv import schema\nfrom . import mapping\n"),
    ("graphinv.cli.app", "def f():\n    from graphinv.render import html\n"),
    ("graphinv.store.bolt", "import neo4j\nfrom graphinv.store.base import Store\n"),
])
def test_allowed_imports_pass(modname: str, source: str) -> None:
    assert violations(modname, source) == []


def test_relative_imports_resolve() -> None:
    assert imports_of("graphinv.ingest.extract", "from ..store import base\n") == [
        (1, "graphinv.store.base")]
    assert imports_of("graphinv.types", "from . import phone\n", is_package=True) == [
        (1, "graphinv.types.phone")]


#: Small modules (issue #17): split a module by concern before it passes this.
MAX_MODULE_LINES = 600


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {module_name(p): len(p.read_text(encoding="utf-8").splitlines())
             for p in _modules()}
    assert {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES} == {}

"""The short examples in graphinv's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import graphinv

MODULES = sorted(m.name for m in pkgutil.walk_packages(graphinv.__path__, "graphinv."))


def test_every_module_is_listed() -> None:
    assert "graphinv._collector" in MODULES and "graphinv.analysis.projection" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0

"""The examples generator for tests: examples/ is not a package, so load it by path once."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

GENERATOR = Path(__file__).resolve().parent.parent / "examples" / "generate.py"
_NAME = "graphinv_examples_generate"


def load_generator() -> ModuleType:
    """examples/generate.py as a module (cached in sys.modules)."""
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    spec = importlib.util.spec_from_file_location(_NAME, GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    return module

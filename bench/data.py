"""Benchmark data sets from the seeded examples generator, cached by size and seed.

``dataset(10_000)`` returns the folder holding ``listings.csv`` and ``flags.csv``
(generated once, then reused). The generator's ``rows`` is the number of distinct
shops; ``listings.csv`` has 13 planted bad rows on top (rejected or flagged by ingest).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import BENCH_DIR, CACHE_DIR
from bench.sizes import size_label

__all__ = ["dataset", "dataset_files", "DEFAULT_SEED"]

DEFAULT_SEED = 1
_GENERATOR = BENCH_DIR.parent / "examples" / "generate.py"
_MARKER = "bench-dataset.json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("graphinv_examples_generate", _GENERATOR)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the generator at {_GENERATOR}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def dataset(rows: int, seed: int = DEFAULT_SEED, cache: Path | None = None,
            shapes: bool = False) -> Path:
    """The cached data set folder for ``rows`` shops, generated on first use
    (``shapes``: with the realistic infrastructure of examples/shapes.py and its truth)."""
    tag = "-shapes" if shapes else ""
    base = (cache or CACHE_DIR) / "data" / f"{size_label(rows)}-seed{seed}{tag}"
    marker = base / _MARKER
    if marker.exists():
        return base
    if base.exists():
        shutil.rmtree(base)
    counts: dict[str, Any] = _generator().generate(base, rows=rows, seed=seed, extras=False,
                                                   shapes=shapes)
    counts.pop("bad", None)
    marker.write_text(json.dumps(counts, indent=1, default=str), encoding="utf-8")
    return base


def dataset_files(folder: Path) -> tuple[Path, Path]:
    """``(listings.csv, flags.csv)`` of a data set folder."""
    return folder / "listings.csv", folder / "flags.csv"

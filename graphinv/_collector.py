"""Pausing Python's cyclic garbage collector around bulk work.

Building millions of small acyclic objects (rows, ids, index entries) triggers the
cyclic collector again and again, and each full pass rescans everything built so far:
the cost grows with the square of the data. Nothing built in that work forms a cycle,
so pausing the collector loses nothing; reference counting still frees what is dropped.

>>> import gc
>>> with collector_paused():
...     gc.isenabled()
False
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block; restore its previous state."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

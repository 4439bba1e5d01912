"""Files graphinv ships besides its code: the saved queries and the demo sample.

A built wheel carries them inside the package (``graphinv/queries``,
``graphinv/demo_data``; ``setup.py`` copies them at build time); a source checkout
keeps them at the top level (``queries/``, ``examples/data``).

>>> shipped_dir("queries", "queries").name
'queries'
>>> shipped_dir("nothing-here", "nothing/here") is None
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["shipped_dir"]

_PKG = Path(__file__).resolve().parents[1]  # graphinv/


def shipped_dir(in_package: str, in_checkout: str) -> Path | None:
    """``graphinv/<in_package>`` if the package carries it, else ``<in_checkout>`` of the
    source checkout around the package (only where a ``pyproject.toml`` says it is one:
    an installed graphinv never reads a stray folder next to site-packages)."""
    inside = _PKG / in_package
    if inside.is_dir():
        return inside
    root = _PKG.parent
    outside = root / in_checkout
    if (root / "pyproject.toml").is_file() and outside.is_dir():
        return outside
    return None

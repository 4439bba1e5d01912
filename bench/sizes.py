"""Size labels: ``2k``, ``10k``, ``100k``, ``1m`` or plain integers.

>>> parse_size("10k"), parse_size("1m"), parse_size("2500")
(10000, 1000000, 2500)
>>> size_label(100_000), size_label(1_000_000), size_label(2500)
('100k', '1m', '2500')
"""

from __future__ import annotations

import argparse

__all__ = ["parse_size", "parse_sizes", "size_label"]

_UNITS = {"k": 1_000, "m": 1_000_000}


def parse_size(text: str) -> int:
    """A positive row count from ``10k``/``1m``/``1M``/``2000``; ValueError otherwise."""
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = 1
    if t and t[-1] in _UNITS:
        mult = _UNITS[t[-1]]
        t = t[:-1]
    try:
        value = float(t) * mult
    except ValueError:
        raise ValueError(f"not a size: {text!r} (use e.g. 2k, 10k, 100k, 1m or 5000)") from None
    if value < 1 or value != int(value):
        raise ValueError(f"size must be a positive whole number of rows: {text!r}")
    return int(value)


def parse_sizes(values: list[str]) -> list[int]:
    """Sizes from repeated and/or comma-separated ``--size`` values, sorted, unique."""
    out: set[int] = set()
    for v in values:
        for part in v.split(","):
            if part.strip():
                try:
                    out.add(parse_size(part))
                except ValueError as exc:
                    raise argparse.ArgumentTypeError(str(exc)) from None
    return sorted(out)


def size_label(n: int) -> str:
    """The short label of a size (``1m``, ``100k``) or the plain number."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)

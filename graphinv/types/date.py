"""Dates as investigators' files write them -> ISO ``YYYY-MM-DD`` (time parts dropped).

Read without any setting: ISO (``2025-02-12``, ``2025-02-12T10:00:00Z``),
``2025/02/12``, ``2025.02.12``, ``12.02.2025`` (dots: day first, as everywhere dots
are used), ``2025年2月12日``, and epoch seconds (``1739318400``; 13 digits: milliseconds).
``NN/NN/YYYY`` and ``NN-NN-YYYY`` are ambiguous (``03/04/2025``): read when one side
is above 12, otherwise only with ``order`` = ``day-first`` or ``month-first``
(``--day-first`` / ``--month-first``, or ``[options] date_order`` in a mapping).

>>> parse_date("12.02.2025"), parse_date("2025年2月12日"), parse_date("1739318400")
(('2025-02-12', None), ('2025-02-12', None), ('2025-02-12', None))
>>> parse_date("03/04/2025")
(None, 'ambiguous')
>>> parse_date("03/04/2025", "month-first"), parse_date("25/04/2025")
(('2025-03-04', None), ('2025-04-25', None))
>>> parse_date("spring 2025")
(None, 'unreadable')
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import Any

from graphinv.types._base import Normalized, _as_str

__all__ = ["DATE_ORDERS", "display", "key", "normalize", "normalize_date", "parse_date"]

DATE_ORDERS = ("day-first", "month-first")

_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日)?(?![\d])")
_DOT_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
_NN_NN_YYYY = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?!\d)")
_EPOCH = re.compile(r"(\d{9,10}|\d{13})(?:\.\d+)?")


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return _dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(raw: str | None, order: str | None = None) -> tuple[str | None, str | None]:
    """``(iso date, None)`` or ``(None, problem)``; problem is ``ambiguous`` or ``unreadable``.

    Empty input gives ``(None, None)``.
    """
    if raw is None:
        return None, None
    s = unicodedata.normalize("NFKC", str(raw)).strip()
    if not s:
        return None, None
    m = _YMD.match(s)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        iso = _iso(y, mo, d)
        return (iso, None) if iso else (None, "unreadable")
    m = _DOT_DMY.match(s)
    if m:
        d, mo, y = (int(x) for x in m.groups())
        iso = _iso(y, mo, d)
        return (iso, None) if iso else (None, "unreadable")
    m = _NN_NN_YYYY.match(s)
    if m:
        a, b, y = (int(x) for x in m.groups())
        if order not in DATE_ORDERS:
            if a > 12 >= b:
                order = "day-first"
            elif b > 12 >= a:
                order = "month-first"
            elif a == b:
                order = "day-first"  # 05/05/2025 reads the same both ways
            else:
                return None, "ambiguous"
        d, mo = (a, b) if order == "day-first" else (b, a)
        iso = _iso(y, mo, d)
        return (iso, None) if iso else (None, "unreadable")
    m = _EPOCH.fullmatch(s)
    if m:
        secs = int(m.group(1))
        if len(m.group(1)) == 13:
            secs //= 1000
        if 0 < secs < 4_102_444_800:  # before 2100
            return _dt.datetime.fromtimestamp(secs, _dt.UTC).date().isoformat(), None
    return None, "unreadable"


def normalize_date(raw: str, order: str | None = None, **context: Any) -> Normalized:
    """A date value: key from :func:`parse_date`, display the trimmed raw.

    A problem becomes the issue ``ambiguous_date`` or ``unreadable_date`` (no key).

    Examples
    --------
    >>> r = normalize_date(" 2024.03.07 ")
    >>> r.key, r.display, r.issues
    ('2024-03-07', '2024.03.07', ())
    >>> normalize_date("03/04/2025").issues
    ('ambiguous_date',)
    """
    s = _as_str(raw)
    iso, problem = parse_date(s, order)
    return Normalized(iso, s.strip(), (f"{problem}_date",) if problem else ())


#: This kind's normalizer under the name every value type uses.
normalize = normalize_date


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``order`` as :func:`parse_date`.

    Examples
    --------
    >>> key("2025/2/12"), key("03/04/2025", order="day-first")
    ('2025-02-12', '2025-04-03')
    """
    return normalize_date(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display(" 2025-02-12 ")
    '2025-02-12'
    """
    return normalize_date(raw).display

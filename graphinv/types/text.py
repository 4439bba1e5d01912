"""Free text: the generic normalizer (key = :func:`graphinv.types.text_key`).
"""

from __future__ import annotations

from typing import Any

from graphinv.types._base import Normalized, _make, _normalizer, _run
from graphinv.types._text import _text_key

__all__ = ["display", "key", "normalize", "normalize_text"]


def _text_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    key = _text_key(s, issues)
    return _make(key or None, s.strip(), issues)


_TEXT = _normalizer(_text_impl)


def normalize_text(raw: str, **context: Any) -> Normalized:
    """Generic text normalizer (key = :func:`text_key`).

    Examples
    --------
    >>> r = normalize_text(" Ｔｏｐ① ")
    >>> r.key, r.display
    ('top1', 'Ｔｏｐ①')
    >>> normalize_text("   ").key is None
    True
    """
    return _run(*_TEXT, raw, None)


#: This kind's normalizer under the name every value type uses.
normalize = normalize_text


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key(" Ｔｏｐ① ")
    'top1'
    """
    return normalize_text(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display(" Ｔｏｐ① ")
    'Ｔｏｐ①'
    """
    return normalize_text(raw).display

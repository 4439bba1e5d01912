"""Seller and shop names (person or trade names).
"""

from __future__ import annotations

from typing import Any

from graphinv.types._base import Normalized, _run
from graphinv.types.text import _TEXT

__all__ = ["display", "key", "normalize", "normalize_name"]


def normalize_name(raw: str, **context: Any) -> Normalized:
    """Seller or shop name: :func:`text_key`, with :func:`inspect_text` issues.

    Examples
    --------
    >>> normalize_name("Best\u200bShop").key, normalize_name("Best\u200bShop").issues
    ('bestshop', ('zero_width',))
    >>> r = normalize_name("\u0410pple Store")
    >>> r.key == normalize_name("Apple Store").key, r.issues
    (False, ('mixed_script',))
    """
    return _run(*_TEXT, raw, None)


#: This kind's normalizer under the name every value type uses.
normalize = normalize_name


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key("Best\u200bShop")
    'bestshop'
    """
    return normalize_name(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display("Best\u200bShop")
    'Best\u200bShop'
    """
    return normalize_name(raw).display

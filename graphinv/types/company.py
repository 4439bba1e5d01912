"""Supplier / company names: text keys without trailing legal forms.
"""

from __future__ import annotations

import re
from typing import Any

from graphinv.types._base import Normalized, _make, _normalizer, _run
from graphinv.types._text import _APOSTROPHES_RE, _merge_letters, _text_key, _tokens

__all__ = ["display", "key", "normalize", "normalize_company"]


_LEGAL_TOKENS = frozenset(
    """
co coltd company corp corporation gmbh inc incorporated limited llc ltd plc pte pty sa sarl
""".split()
)
_CJK_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "公司",
)
_CJK_LEGAL_PREFIXES = ("株式会社", "有限会社", "合同会社")
_KABU_RE = re.compile(r"\((?:株|有)\)")


def _strip_cjk_legal(tokens: list[str]) -> bool:
    changed = False
    last = tokens[-1]
    while True:
        suf = next((x for x in _CJK_LEGAL_SUFFIXES if last.endswith(x)), None)
        if suf is None or len(last) == len(suf):
            break
        last = last[: -len(suf)]
        changed = True
    tokens[-1] = last
    first = tokens[0]
    for pre in _CJK_LEGAL_PREFIXES:
        if first.startswith(pre) and len(first) > len(pre):
            tokens[0] = first[len(pre) :]
            changed = True
            break
    return changed


def _company_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    key = _text_key(s, issues)
    key = _KABU_RE.sub(" ", key)
    key = _APOSTROPHES_RE.sub("", key)
    tokens = _tokens(key)
    changed = True
    while changed and tokens:  # to a fixed point, so that keys are idempotent
        merged = _merge_letters(tokens)
        changed = merged != tokens
        tokens = merged
        if all(t in _LEGAL_TOKENS for t in tokens):
            break
        while len(tokens) > 1 and tokens[-1] in _LEGAL_TOKENS:
            tokens.pop()
            changed = True
        changed = _strip_cjk_legal(tokens) or changed
    return _make(" ".join(tokens) or None, s.strip(), issues)


_COMPANY = _normalizer(_company_impl)


def normalize_company(raw: str, **context: Any) -> Normalized:
    """Supplier / company name: :func:`text_key` without trailing legal forms.

    Trailing ``Co., Ltd.``, ``Company Limited``, ``Limited``, ``Inc``, ``LLC``,
    ``GmbH``, ``S.A.``, ``SARL``, ``Corp.``, ``Corporation``, ``PLC``, ``Pte``,
    ``Pty`` are dropped, as are ``有限公司``, ``有限责任公司``, ``股份有限公司``,
    ``公司``, ``株式会社`` (suffix or prefix) and ``(株)``/``㈱`` anywhere.
    Words such as *trading* or *manufacturing* stay. Punctuation becomes a
    separator (apostrophes vanish), runs of single letters are joined
    (``S.A.R.L.`` -> ``sarl``), tokens are joined by single spaces. A name made
    only of legal forms is kept as is.

    Examples
    --------
    >>> normalize_company("Shenzhen Huaqiang Trading Co., Ltd.").key
    'shenzhen huaqiang trading'
    >>> normalize_company("深圳市华强电子有限公司").key
    '深圳市华强电子'
    >>> normalize_company("㈱ソニー").key
    'ソニー'
    """
    return _run(*_COMPANY, raw, None)


#: This kind's normalizer under the name every value type uses.
normalize = normalize_company


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key("Shenzhen Huaqiang Trading Co., Ltd.")
    'shenzhen huaqiang trading'
    """
    return normalize_company(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display("Shenzhen Huaqiang Trading Co., Ltd.")
    'Shenzhen Huaqiang Trading Co., Ltd.'
    """
    return normalize_company(raw).display

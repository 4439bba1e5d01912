"""Countries: ISO 3166-1 alpha-2 codes from codes, names and aliases.
"""

from __future__ import annotations

import functools
from typing import Any

from graphinv.types._base import Normalized, _aliases, _make, _normalizer, _run
from graphinv.types._text import (
    _APOSTROPHES_RE,
    _clean,
    _merge_letters,
    _text_issues,
    _text_key,
    _tokens,
)

__all__ = ["display", "key", "normalize", "normalize_country"]


_COUNTRY_ALIASES = _aliases(
    """
CN: china | prc | pr china | p r china | mainland china | peoples republic of china | 中国
CN: 中国大陆 | 中华人民共和国 | 中國 | 中華人民共和國
HK: hong kong | hongkong | hong kong sar | hong kong china | hong kong sar china | 香港 | 中国香港
MO: macau | macao | 澳门 | 澳門
TW: taiwan | 台湾 | 台灣 | 臺灣
GB: uk | united kingdom | great britain | britain | england | scotland | wales
GB: northern ireland | 英国
US: usa | united states | united states of america | america | 美国 | 美國
DE: deutschland | germany | 德国
RU: russia | россия | 俄罗斯
KR: korea | south korea | republic of korea | 韩国 | 한국
KP: north korea
JP: japan | 日本
VN: vietnam | viet nam | 越南
ES: españa | espana | spain | 西班牙
FR: france | 法国
IT: italia | italy | 意大利
TR: turkey | türkiye | turkiye
AE: uae | emirates | united arab emirates
NL: holland | the netherlands | netherlands | nederland | 荷兰
BR: brasil | 巴西
MX: méxico | mexico
SG: 新加坡
TH: 泰国
IN: 印度
MY: 马来西亚
ID: 印尼 | 印度尼西亚
PH: 菲律宾
CA: 加拿大
AU: 澳大利亚 | 澳洲
AT: österreich
CH: schweiz | suisse
PL: polska
IR: iran
SY: syria
LA: laos
BO: bolivia
VE: venezuela
CI: ivory coast
TZ: tanzania
MD: moldova
CZ: czech republic | czechia
""",
    self_map=False,
)
#: Country names that are also common place or street names; never inferred
#: from an address when the row has no country.
_AMBIGUOUS_COUNTRY_NAMES = frozenset({"georgia", "jordan", "chad", "niger", "america", "wales"})


def _country_lookup_key(s: str) -> str:
    k = _text_key(s, set())
    k = _APOSTROPHES_RE.sub("", k)
    toks = _merge_letters(_tokens(k))
    if toks and toks[0] == "the" and len(toks) > 1:
        toks = toks[1:]
    return " ".join(toks)


@functools.cache
def _country_index() -> tuple[dict[str, str], dict[str, str]]:
    """(names -> alpha-2, codes -> alpha-2), built lazily from pycountry."""
    import pycountry

    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for c in pycountry.countries:
        a2 = c.alpha_2
        codes[a2.lower()] = a2
        codes[c.alpha_3.lower()] = a2
        for attr in ("name", "official_name", "common_name"):
            v = getattr(c, attr, None)
            if not v:
                continue
            names.setdefault(_country_lookup_key(v), a2)
            if ", " in v:  # "Korea, Republic of" -> "Republic of Korea"
                head, _, tail = v.partition(", ")
                names.setdefault(_country_lookup_key(f"{tail} {head}"), a2)
    for alias, a2 in _COUNTRY_ALIASES.items():
        names[_country_lookup_key(alias)] = a2
    codes["uk"] = "GB"
    codes["zz"] = "ZZ"
    return names, codes


@functools.lru_cache(maxsize=4096)
def _country_code(s: str) -> str | None:
    k = _country_lookup_key(s)
    if not k:
        return None
    names, codes = _country_index()
    return codes.get(k) or names.get(k) or names.get(k.replace(" ", ""))


def _region(country: str | None) -> str | None:
    """Alpha-2 of a context country (already a code, a name, or junk)."""
    if not country or not isinstance(country, str):
        return None
    if len(country) == 2 and country.isascii() and country.isalpha():
        up = country.upper()
        code = _country_code(up)
        return code if code and code != "ZZ" else None
    code = _country_code(country) if len(country) <= 200 else None
    return code if code != "ZZ" else None


def _country_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    cleaned = _clean(s, issues)
    _text_issues(cleaned, issues)
    if not cleaned.strip():
        return _make(None, s.strip(), issues)
    code = _country_code(cleaned) if len(cleaned) <= 200 else None
    if code == "ZZ":
        code = None
    if code is None:
        issues.add("unknown_country")
        return _make(None, s.strip(), issues)
    return _make(code, s.strip(), issues, {"country": code})


_COUNTRY = _normalizer(_country_impl, 2**12)


def normalize_country(raw: str, **context: Any) -> Normalized:
    """Country -> ISO 3166-1 alpha-2.

    Accepts alpha-2 and alpha-3 codes, English short, official and common names
    (pycountry) and a small alias table (``UK``, ``USA``, ``Deutschland``,
    ``中国``, ``香港``, ...). Unknown values get key ``None`` and
    ``unknown_country``.

    Examples
    --------
    >>> [normalize_country(x).key for x in ("China", "chn", "中国", "UK", "Hong Kong")]
    ['CN', 'CN', 'CN', 'GB', 'HK']
    >>> normalize_country("Narnia").issues
    ('unknown_country',)
    """
    return _run(*_COUNTRY, raw, None)


#: This kind's normalizer under the name every value type uses.
normalize = normalize_country


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key(" Deutschland ")
    'DE'
    """
    return normalize_country(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display(" Deutschland ")
    'Deutschland'
    """
    return normalize_country(raw).display

"""Postal addresses: ``CC:sorted unique tokens`` keys, postcode and country parts.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from graphinv.types._base import Normalized, _aliases, _make, _normalizer, _run
from graphinv.types._text import (
    _APOSTROPHES_RE,
    _clean,
    _fold,
    _merge_letters,
    _text_issues,
    _tokens,
)
from graphinv.types.country import _AMBIGUOUS_COUNTRY_NAMES, _country_code, _country_index, _region

__all__ = ["display", "key", "normalize", "normalize_address"]


_ADDRESS_ABBREV = _aliases(
    """
road: rd
street: st | str
avenue: ave | av
boulevard: blvd
district: dist
building: bldg | bld
floor: fl | flr
center: ctr | cntr | centre
highway: hwy
lane: ln
drive: dr
room: rm
apartment: apt
suite: ste
square: sq
court: ct
place: pl
tower: twr
block: blk
industrial: ind | indus
parkway: pkwy
expressway: expy
terrace: tce
station: stn
province: prov
"""
)
_ADDRESS_NUMBER_WORDS = frozenset({"no", "nr", "num", "number"})
_CONTEXT_WORDS = _ADDRESS_NUMBER_WORDS | {"f"}
_UNIT_WORDS = frozenset(
    """
apartment block box building flat floor house km lot no nr num number plot room suite tower
unit
""".split()
)
_STREET_WORDS = frozenset(
    """
alley avenue boulevard court crescent drive expressway highway lane parkway place road
square street terrace way
""".split()
)
_ORDINAL_RE = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_NO_NUM_RE = re.compile(r"^(?:no|nr|num)(\d+)$")
_FLOOR_NUM_RE = re.compile(r"^(\d+)(?:f|fl|flr)$")
_ASCII_DIGITS_RE = re.compile(r"^[0-9]+$")

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_BOUNDARY_RE = re.compile(rf"(?<=[{_CJK}])(?=[^{_CJK}\s])|(?<=[^{_CJK}\s])(?=[{_CJK}])")
_CJK_HAO_RE = re.compile(r"(\d)[号號]")
_CJK_SPLIT_RE = re.compile(
    rf"(?<=[省市区县镇乡村路街道巷弄号楼层室栋座幢區縣鎮鄉號樓層棟])(?=[{_CJK}])"
)
# A key given back (``CN:...``; ``unknown:`` without a country, ``ZZ:`` in keys written
# before it was spelled out).
_KEY_PREFIX_RE = re.compile(r"^([A-Z]{2}|unknown):")
#: The country part of an address key when no country is known: users see the key
#: (node ids in every output), so it is the word, never an internal code.
UNKNOWN_PREFIX = "unknown"

#: Postcode shapes matched on the (case-folded) text before tokenizing.
_POSTCODE_RES: dict[str, re.Pattern[str]] = {
    "GB": re.compile(r"\b([a-z]{1,2}[0-9][a-z0-9]?)\s*([0-9][a-z]{2})\b"),
    "CA": re.compile(r"\b([a-z][0-9][a-z])\s*([0-9][a-z][0-9])\b"),
    "JP": re.compile(r"(?<![0-9-])([0-9]{3})-([0-9]{4})(?![0-9-])"),
    "NL": re.compile(r"\b([0-9]{4})\s?([a-z]{2})\b"),
    "BR": re.compile(r"(?<![0-9-])([0-9]{5})-([0-9]{3})(?![0-9-])"),
    "PL": re.compile(r"(?<![0-9-])([0-9]{2})-([0-9]{3})(?![0-9-])"),
    "PT": re.compile(r"(?<![0-9-])([0-9]{4})-([0-9]{3})(?![0-9-])"),
    "US": re.compile(r"(?<![0-9-])([0-9]{5})-([0-9]{4})(?![0-9-])"),
}
_POSTCODE_SEP = {
    "GB": " ",
    "CA": " ",
    "JP": "-",
    "NL": " ",
    "BR": "-",
    "PL": "-",
    "PT": "-",
    "US": "-",
}
#: Lengths of all-digit postcodes per country (others: 4 to 6 digits).
_POSTCODE_DIGITS: dict[str, tuple[int, ...]] = {
    cc: lengths
    for lengths, codes in (
        ((6,), "CN IN RU SG VN KZ BY TW"),
        ((5,), "US DE FR IT ES MX TR MY TH ID KR FI UA SA EG PK MA DZ HR EE BR"),
        ((4,), "AU NZ CH AT BE DK NO PH ZA HU BG LU SI CY AM GE BD TN AR NL PT"),
        ((), "HK MO AE QA IE GB CA JP"),
    )
    for cc in codes.split()
}


def _address_tokens(text: str) -> list[str]:
    """Tokens with abbreviations expanded, ``3rd`` -> ``3``, ``3f`` -> ``3 floor``."""
    out: list[str] = []
    for t in _tokens(text):
        full = _ADDRESS_ABBREV.get(t)
        if full is not None:
            out.append(full)
            continue
        c = t[0]
        if "0" <= c <= "9" and not t.isdigit():
            m = _ORDINAL_RE.match(t)
            if m:
                out.append(m.group(1))
                continue
            m = _FLOOR_NUM_RE.match(t)
            if m:
                out.append(m.group(1))
                out.append("floor")
                continue
        elif c == "n" and "0" <= t[-1] <= "9":
            m = _NO_NUM_RE.match(t)
            if m:
                out.append(m.group(1))
                continue
        out.append(t)
    return out


@functools.cache
def _country_edge_words() -> frozenset[str]:
    """First and last words of all country names (a quick pre-check)."""
    names, _ = _country_index()
    words: set[str] = set()
    for name in names:
        parts = name.split()
        words.add(parts[0])
        words.add(parts[-1])
    return frozenset(words)


def _country_at(tokens: list[str], region: str | None, end: bool) -> tuple[int, str] | None:
    """How many tokens at one end name a country, and which one."""
    if len(tokens) < 2:
        return None
    names, codes = _country_index()
    edge = tokens[-1] if end else tokens[0]
    if (
        len(edge) > 1
        and edge not in _country_edge_words()
        and (region is None or codes.get(edge) != region)
    ):
        return None
    for n in (4, 3, 2, 1):
        if len(tokens) <= n:
            continue
        chunk = tokens[-n:] if end else tokens[:n]
        phrase = " ".join(chunk)
        code = names.get(phrase) or names.get("".join(chunk))
        if code is None and any(len(t) == 1 for t in chunk):
            code = names.get(" ".join(_merge_letters(chunk)))
        if code and (region is None or code == region):
            if region is None and phrase in _AMBIGUOUS_COUNTRY_NAMES:
                continue
            return n, code
        if region and n == 1 and codes.get(phrase) == region:
            return 1, region
    return None


def _cjk_country_prefix(tokens: list[str], region: str | None) -> str | None:
    if not tokens:
        return region
    first = tokens[0]
    if not ("\u4e00" <= first[0] <= "\u9fff"):
        return region
    names, _ = _country_index()
    for n in range(min(len(first) - 1, 7), 1, -1):
        code = names.get(first[:n])
        if code and (region is None or code == region):
            tokens[0] = first[n:]
            return code
    return region


#: Words a number after them belongs to (``Warehouse 5801``, ``address 104233``): that
#: number names the place, it is never a postcode.
_LABEL_WORDS = frozenset(
    """
address booth depot dock gate id office shop stall store unit warehouse
""".split()
)
#: Street words written before the street's name, and endings of one-word street names:
#: a number next to them is a house number (``10000 Hauptstrasse``, ``12 Calle Mayor``).
_STREET_LEAD = frozenset(
    """
calle carrera avenida av rua rue via viale strada ulitsa ul sokak cadde caddesi jalan jl
soi thanon
""".split()
)
_STREET_ENDINGS = ("strasse", "straße", "str", "weg", "gasse", "platz", "allee", "straat",
                   "laan", "gata", "gatan", "vej", "veien", "caddesi", "sokak", "sokagi")
#: Where the postcode stands: before the city (``10115 Berlin``, followed by one or two
#: words) in these countries, as the last token (``Springfield IL 62704``,
#: ``Shenzhen 518000``) in the others.
_POSTCODE_BEFORE_CITY = frozenset(
    "DE FR IT ES MX TR FI UA SA EG MA DZ HR EE CH AT BE DK NO HU BG LU SI CY AR GE AM MY TH "
    "ID".split()
)


def _streetish(t: str) -> bool:
    return t in _STREET_WORDS or t in _STREET_LEAD or t.endswith(_STREET_ENDINGS)


def _find_postcode(tokens: list[str], region: str | None) -> int | None:
    # Without a country there is no rule saying which number is a postcode: guessing one
    # dropped "5801" from "Warehouse 5801", merging it with "Warehouse 5802" (issue #18).
    if region is None or region not in _POSTCODE_DIGITS:
        return None
    lengths = _POSTCODE_DIGITS[region]
    if not lengths:
        return None
    n = len(tokens)
    places = range(n - 3, n - 1) if region in _POSTCODE_BEFORE_CITY else (n - 1,)
    for i in sorted((i for i in places if i > 0), reverse=True):
        t = tokens[i]
        if len(t) not in lengths or not _ASCII_DIGITS_RE.match(t):
            continue
        if any(_streetish(x) or _ASCII_DIGITS_RE.match(x) for x in tokens[i + 1:]):
            continue  # a house number before its street, or not the last number
        prev = tokens[i - 1]
        if prev in _UNIT_WORDS or _streetish(prev) or prev in _LABEL_WORDS:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt in _UNIT_WORDS or nxt in _STREET_WORDS:
            continue
        return i
    return None


def _address_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    display = s.strip()
    cleaned = _clean(s, issues).strip()
    _text_issues(cleaned, issues)
    region = _region(country)
    if isinstance(country, str) and country.strip() and region is None:
        issues.add("unknown_country")
    key_mode = False
    m = _KEY_PREFIX_RE.match(cleaned)
    if m:
        rest = cleaned[m.end():]
        code = (UNKNOWN_PREFIX if m.group(1) == UNKNOWN_PREFIX else _country_code(m.group(1))) \
            if rest == _fold(rest) else None
        if code:
            key_mode = True
            cleaned = rest
            if region is None and code not in ("ZZ", UNKNOWN_PREFIX):
                region = code
    text = _fold(cleaned)
    parts: dict[str, str] = {}
    if not key_mode and region in _POSTCODE_RES:
        matches = list(_POSTCODE_RES[region].finditer(text))
        if matches:
            pm = matches[-1]
            parts["postcode"] = _POSTCODE_SEP[region].join(pm.groups()).upper()
            text = text[: pm.start()] + " " + text[pm.end() :]
    if not text.isascii():
        text = _CJK_HAO_RE.sub(r"\1 ", text)
        text = _CJK_BOUNDARY_RE.sub(" ", text)
        text = _CJK_SPLIT_RE.sub(" ", text)
    text = _APOSTROPHES_RE.sub("", text)
    tokens = _address_tokens(text)
    if not key_mode:
        if not _CONTEXT_WORDS.isdisjoint(tokens):
            out: list[str] = []
            for i, t in enumerate(tokens):
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
                if t in _ADDRESS_NUMBER_WORDS and "0" <= nxt[:1] <= "9":
                    continue
                if t == "f" and out and _ASCII_DIGITS_RE.match(out[-1]):
                    t = "floor"
                out.append(t)
            tokens = out
        for at_end in (True, False):
            hit = _country_at(tokens, region, at_end)
            if hit:
                n, code = hit
                tokens = tokens[:-n] if at_end else tokens[n:]
                region = region or code
        if tokens and not tokens[0].isascii():
            region = _cjk_country_prefix(tokens, region)
            tokens = [t for t in tokens if t]
        if "postcode" not in parts:
            at = _find_postcode(tokens, region)
            if at is not None:
                parts["postcode"] = tokens.pop(at)
    cc = region or UNKNOWN_PREFIX
    if region:
        parts["country"] = region
    uniq = sorted(set(tokens))
    if not uniq:
        if parts.get("postcode"):
            issues.add("postcode_only")
        return _make(None, display, issues, parts)
    return _make(cc + ":" + " ".join(uniq), display, issues, parts)


_ADDRESS = _normalizer(_address_impl)


def normalize_address(raw: str, country: str | None = None, **context: Any) -> Normalized:
    """Postal address -> ``CC:token token ...`` (token-order insensitive).

    Steps: NFKC (full-width -> half-width), casefold, postcode extraction into
    ``parts["postcode"]`` (out of the key), punctuation -> spaces,
    abbreviations expanded (rd, st, ave, blvd, dist, bldg, fl, ctr, hwy, ln,
    dr, rm, apt, ste, ...; ``centre`` -> ``center``; e/w/n/s left alone),
    ordinals ``3rd`` -> ``3``, ``3/F``/``3F`` -> ``3 floor``, ``No.``/``#``/
    ``number`` before a number removed, a country name at either end removed
    (a code only when it equals ``country``), then the sorted unique tokens.

    ``CC`` is ``country`` (alpha-2, alpha-3 or a name) if given and known,
    otherwise inferred from a country name at either end of the address,
    otherwise ``unknown``. Pass the row's country: the same address with and
    without it gets different keys.

    Postcodes: GB, CA, NL, JP, BR, PL, PT and US ZIP+4 by pattern; otherwise
    an all-digit token of the country's length (CN/IN/RU/SG/VN/TW 6,
    US/DE/FR/... 5, AU/CH/AT/... 4; none for HK, MO, AE, IE) where that
    country writes it — the last token (US, CN, GB, AU...) or before a city of
    one or two words (DE, FR, ES, IT, CH, AT, TR, MY...) — not the first token,
    not next to a unit or street word (``Road``, ``Calle``, ``...strasse``) and
    not after a label word (``Room 1203``, ``Lane 1500``, ``Warehouse 5801``,
    ``address 104233`` stay in the key). Without a country, or for a country
    without a rule here, no number is taken for a postcode: every number stays
    in the key, so two places differing in one number never share it.

    Chinese/Japanese/Korean: script boundaries split tokens, ``号`` after a
    number is dropped (``50号`` -> ``50``), runs are split after administrative
    suffixes (省 市 区 县 镇 乡 村 路 街 道 巷 弄 号 楼 层 室 栋 座 幢), and a
    leading ``中国``/``香港``/... is removed like a country name.

    Idempotence: a value starting with a valid two-letter code, a colon and
    already folded text (i.e. a key) is re-tokenized without the contextual
    steps (postcode, country, ``No.``), so ``normalize_address(key,
    country=c).key == key`` for the ``c`` that produced it.

    Examples
    --------
    >>> a = normalize_address("50 Huaqiang North Rd, Futian, Shenzhen 518000", country="CN")
    >>> a.key, a.parts["postcode"]
    ('CN:50 futian huaqiang north road shenzhen', '518000')
    >>> normalize_address("No.50 HUAQIANG NORTH ROAD FUTIAN SHENZHEN", country="CN").key
    'CN:50 futian huaqiang north road shenzhen'
    >>> normalize_address("５０ Huaqiang North Road Futian Shenzhen, China").key
    'CN:50 futian huaqiang north road shenzhen'
    """
    return _run(*_ADDRESS, raw, country)


#: This kind's normalizer under the name every value type uses.
normalize = normalize_address


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key("No.50 Huaqiang North Road, Futian, Shenzhen 518000") is not None
    True
    """
    return normalize_address(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display("No.50 Huaqiang North Road, Futian, Shenzhen 518000")
    'No.50 Huaqiang North Road, Futian, Shenzhen 518000'
    """
    return normalize_address(raw).display

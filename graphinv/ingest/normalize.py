"""Normalizers: turn a raw identifier into a match key, keeping the raw for evidence.

Every normalizer takes the raw string (plus optional context) and returns a
:class:`Normalized`: ``key`` is what identifiers are matched on (``None`` when
the value is empty or unusable), ``display`` is the raw value trimmed and
otherwise verbatim (NFKC, case folding and the like touch keys only, never the
stored original), ``issues`` are machine-readable flags and ``parts`` holds
extracted fields (provider, postcode, country...).

All normalizers are *total*: they never raise on any ``str`` (lone surrogates,
NUL, 200 KB values included; ``None`` counts as empty). Keys longer than
:data:`KEY_MAX` characters become ``<first 64 characters>#sha256:<hex of the
whole key>:<length>`` and are flagged ``too_long``: two different long values
never share a key (cutting them to a prefix merged them). Keys are
idempotent: feeding a key back into its normalizer (with the same ``country``
for phone and address) returns the same key.

Key formats
-----------
======== ===================================================================
text     NFKC + casefold, whitespace collapsed, invisibles removed
name     as text
company  as text, punctuation removed, trailing legal forms dropped
phone    E.164 (``+8613800138000``); ``invalid:<digits>`` when not valid
email    ``local@punycode-domain``, lower-case; ``invalid:<lowered>``
url      ``http(s)://host[:port]/path[?query]``, no ``www.``; None if unsafe
payment  ``provider:NUMBER`` (``alipay:2088...``, ``unknown:...``)
country  ISO 3166-1 alpha-2 (``CN``)
platform slug (``aliexpress``, ``1688``; unknown: ``my-shop``)
address  ``CC:sorted unique tokens`` (``ZZ`` when the country is unknown)
======== ===================================================================

Issue flags
-----------
Text hygiene, reported by every normalizer for its raw value:
``zero_width`` (U+200B-U+200D, U+2060, U+FEFF), ``bidi_override``
(U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), ``invisible_char``
(other format characters, variation selectors, Hangul fillers),
``control_char`` (C0/C1 controls other than whitespace), ``lone_surrogate``
(cannot be encoded; the ingest layer should reject such a record),
``mixed_script`` (one word mixes Latin with Cyrillic/Greek/Armenian/Cherokee
letters), ``confusable`` (a Cyrillic/Greek word made only of Latin lookalikes,
next to Latin words). All of these characters are removed from keys, except
lookalike letters, which are kept so that a spoofed name never merges with the
genuine one.

Per kind: ``invalid_phone``, ``assumed_international``, ``invalid_email``,
``non_http_url``, ``invalid_url``, ``url_userinfo``, ``unknown_provider``,
``missing_number``, ``invalid_iban``, ``unknown_country``,
``unknown_platform``, ``postcode_only``; ``too_long``; ``normalize_error`` is
a safety net that should never appear.

>>> normalize_phone("0086 138-0013-8000").key
'+8613800138000'
>>> normalize_name("Ａｐｐｌｅ\u3000Store").key
'apple store'
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

__all__ = [
    "KEY_MAX",
    "NORMALIZERS",
    "Normalized",
    "Normalizer",
    "fingerprint",
    "inspect_text",
    "is_safe_url",
    "normalize_address",
    "normalize_company",
    "normalize_country",
    "normalize_email",
    "normalize_name",
    "normalize_payment",
    "normalize_phone",
    "normalize_platform",
    "normalize_text",
    "normalize_url",
    "text_key",
]

#: Longer keys are replaced by a hash of the whole key (issue ``too_long``).
KEY_MAX = 1000
#: Characters of an over-long key kept readable in front of its hash.
_HASH_HEAD = 64
_HASHED_RE = re.compile(rf"(?s:.{{0,{_HASH_HEAD}}})#sha256:[0-9a-f]{{64}}:[1-9][0-9]*")
#: Raw values up to this length are memoized (ingest data repeats a lot): one
#: LRU cache of 2**15 results per normalizer (2**16 for phone numbers), about
#: 25 MB each when full.
_CACHE_MAX_LEN = 256
_CACHE_SIZE = 2**15

_EMPTY_PARTS: Mapping[str, str] = MappingProxyType({})


def _empty_parts() -> Mapping[str, str]:
    return _EMPTY_PARTS


def _aliases(spec: str, *, self_map: bool = True) -> dict[str, str]:
    """Parse ``slug: alias | alias`` lines into ``{alias: slug}``.

    With ``self_map`` every slug is also an alias of itself.
    """
    out: dict[str, str] = {}
    for line in spec.strip().splitlines():
        slug, _, names = line.partition(":")
        slug = slug.strip()
        if self_map:
            out[slug] = slug
        for alias in names.split("|"):
            if alias.strip():
                out[alias.strip()] = slug
    return out


@dataclass(frozen=True, slots=True)
class Normalized:
    """The result of a normalizer.

    Parameters
    ----------
    key : str or None
        Match key; ``None`` when the value is empty or unusable.
    display : str
        The raw value, trimmed, otherwise verbatim.
    issues : tuple of str
        Machine-readable flags, in a stable order, without duplicates.
    parts : Mapping[str, str]
        Extracted fields; read-only (results are cached and shared).

    Examples
    --------
    >>> r = Normalized("x", " X ")
    >>> r.key, r.issues, dict(r.parts)
    ('x', (), {})
    """

    key: str | None
    display: str
    issues: tuple[str, ...] = ()
    parts: Mapping[str, str] = field(default_factory=_empty_parts, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.parts, MappingProxyType):
            object.__setattr__(self, "parts", MappingProxyType(dict(self.parts)))
        if not isinstance(self.issues, tuple):
            object.__setattr__(self, "issues", tuple(self.issues))


#: A normalizer: ``fn(raw, **context) -> Normalized``.
Normalizer = Callable[..., Normalized]


# --------------------------------------------------------------------------
# Text hygiene
# --------------------------------------------------------------------------

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Everything removed from keys: controls (not whitespace), surrogates, format
# characters (Unicode category Cf), variation selectors, fillers.
_REMOVE_RE = re.compile(
    "["
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
    "]"
)
_ASCII_CTRL_RE = re.compile("[\x00-\x08\x0e-\x1b\x7f]")
_WS_RE = re.compile(r"\s+")
_WS_FIX_RE = re.compile(r"\s{2,}|[^\S ]")  # what _WS_RE would change

_ISSUE_ORDER = (
    "lone_surrogate",
    "control_char",
    "zero_width",
    "bidi_override",
    "invisible_char",
    "mixed_script",
    "confusable",
)


def _char_issue(ch: str) -> str:
    if ch in _ZERO_WIDTH:
        return "zero_width"
    if ch in _BIDI:
        return "bidi_override"
    o = ord(ch)
    if 0xD800 <= o <= 0xDFFF:
        return "lone_surrogate"
    if o < 0x20 or 0x7F <= o <= 0x9F:
        return "control_char"
    return "invisible_char"


def _order(issues: set[str] | frozenset[str]) -> tuple[str, ...]:
    if not issues:
        return ()
    head = [i for i in _ISSUE_ORDER if i in issues]
    return tuple(head + sorted(issues.difference(_ISSUE_ORDER)))


def _strip_invisible(s: str, issues: set[str]) -> str:
    found = _REMOVE_RE.findall(s)
    if found:
        issues.update(_char_issue(c) for c in set(found))
        s = _REMOVE_RE.sub("", s)
    return s


def _clean(s: str, issues: set[str]) -> str:
    """Remove invisible/control characters and apply NFKC (to a fixed point)."""
    if s.isascii():
        if _ASCII_CTRL_RE.search(s):
            issues.add("control_char")
            s = _ASCII_CTRL_RE.sub("", s)
        return s
    s = _strip_invisible(s, issues)
    for _ in range(4):
        t = _strip_invisible(unicodedata.normalize("NFKC", s), issues)
        if t == s:
            break
        s = t
    return s


def _fold(s: str) -> str:
    """Casefold + NFKC + whitespace collapse of a cleaned string, to a fixed point."""
    if s.isascii():
        return _WS_FIX_RE.sub(" ", s.lower()).strip()
    for _ in range(4):
        t = unicodedata.normalize("NFKC", s.casefold())
        t = _REMOVE_RE.sub("", t)
        t = _WS_RE.sub(" ", t).strip()
        if t == s:
            break
        s = t
    return s


_LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})
_CONFUSABLES = frozenset("аеорсухѕіјԁһӏԛԝүАВЕКМНОРСТУХЅІЈԀҺӀҮαονρυιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ")


@functools.lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    if ch.isascii():
        return "LATIN"
    return unicodedata.name(ch, "").split(" ", 1)[0]


def _script_issues(cleaned: str, issues: set[str]) -> None:
    if cleaned.isascii():
        return
    words = cleaned.split()
    has_latin_word = False
    lookalike_words = False
    for w in words:
        if w.isascii():
            if any(c.isalpha() for c in w):
                has_latin_word = True
            continue
        scripts = {_script(c) for c in w if c.isalpha()}
        if "LATIN" in scripts:
            has_latin_word = True
            if scripts & _LOOKALIKE_SCRIPTS:
                issues.add("mixed_script")
        elif scripts and scripts <= _LOOKALIKE_SCRIPTS:
            letters = [c for c in w if c.isalpha()]
            if all(c in _CONFUSABLES for c in letters):
                lookalike_words = True
    if lookalike_words and has_latin_word:
        issues.add("confusable")


def _text_issues(cleaned: str, issues: set[str]) -> None:
    _script_issues(cleaned, issues)


def _as_str(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    try:
        return str(raw)
    except Exception:
        return ""


def _text_key(s: str, issues: set[str]) -> str:
    cleaned = _clean(s, issues)
    _text_issues(cleaned, issues)
    return _fold(cleaned)


def text_key(s: str) -> str:
    """Match key of free text: NFKC, casefold, whitespace collapsed, invisibles removed.

    Zero-width, bidi-control, other format and control characters are removed;
    every run of Unicode whitespace (U+3000 included) becomes one space.
    Lookalike letters (Cyrillic ``а`` in ``Аpple``) are *kept*: see
    :func:`inspect_text` for the flags. Returns ``""`` for empty input.

    Examples
    --------
    >>> text_key("  Ｓｈｏｐ\u3000\u3000Ｎｏ①  ")
    'shop no1'
    >>> text_key("Sh\u200bop") == text_key("Shop")
    True
    >>> text_key("\u0410pple") == text_key("Apple")
    False
    """
    s = _as_str(s)
    if _HASHED_RE.fullmatch(s.strip()):
        return s.strip()
    key = _text_key(s, set())
    return _hashed_key(key) if len(key) > KEY_MAX else key


def inspect_text(s: str) -> tuple[str, ...]:
    """Issues of a raw text: hidden characters and lookalike scripts.

    Examples
    --------
    >>> inspect_text("\u0410pple")
    ('mixed_script',)
    >>> inspect_text("pay\u200bpal \u202egnp.exe")
    ('zero_width', 'bidi_override')
    >>> inspect_text("Москва")
    ()
    """
    issues: set[str] = set()
    _text_key(_as_str(s), issues)
    return _order(issues)


# --------------------------------------------------------------------------
# Shared machinery: coercion, caching, safety net, key length cap
# --------------------------------------------------------------------------

Impl = Callable[[str, str | None], Normalized]


def _hashed_key(key: str) -> str:
    """Key of an over-long key: a readable head, then a hash and the length of the WHOLE key.

    Cutting keys to a prefix merged two different 1,500-digit numbers (a false
    link); the hash keeps every distinct key distinct.

    >>> k = _hashed_key("1" * 1500)
    >>> k.startswith("1" * 64 + "#sha256:") and k.endswith(":1500"), len(k)
    (True, 141)
    >>> _hashed_key("1" * 1500) == _hashed_key("1" * 1499 + "2")
    False
    """
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[:_HASH_HEAD]}#sha256:{digest}:{len(key)}"


def _make(
    key: str | None,
    display: str,
    issues: set[str],
    parts: Mapping[str, str] | None = None,
) -> Normalized:
    # impls hand over freshly built dicts: wrapping without a copy is safe
    frozen = MappingProxyType(parts) if parts else _EMPTY_PARTS
    return Normalized(key, display, _order(issues), frozen)


def _run(impl: Impl, cached: Impl, raw: object, country: object) -> Normalized:
    s = _as_str(raw)
    if country is not None and not isinstance(country, str):
        country = _as_str(country)
    try:
        if _HASHED_RE.fullmatch(s.strip()):
            # a hashed key fed back is its own key (keys are idempotent)
            return Normalized(s.strip(), s.strip(), ("too_long",))
        res = cached(s, country) if len(s) <= _CACHE_MAX_LEN else impl(s, country)
        if res.key is not None and len(res.key) > KEY_MAX:
            hashed = _hashed_key(res.key)
            res = replace(res, key=hashed, issues=_order(set(res.issues) | {"too_long"}))
        return res
    except Exception:  # safety net: a normalizer must never stop an ingest
        return Normalized(None, s.strip(), ("normalize_error",))


def _normalizer(impl: Impl, size: int = _CACHE_SIZE) -> tuple[Impl, Impl]:
    return impl, functools.lru_cache(maxsize=size)(impl)


_WORD_ASCII_RE = re.compile(r"[^a-z0-9]+")
_ASCII_WORDS_RE = re.compile(r"[a-z0-9]+")
_APOSTROPHES_RE = re.compile("['\u2019\u02bc`\u00b4]")


def _punct_to_space(s: str) -> str:
    """Replace everything but letters, digits and combining marks by spaces."""
    if s.isascii():
        return _WORD_ASCII_RE.sub(" ", s)
    return "".join(c if c.isalnum() or unicodedata.category(c)[0] == "M" else " " for c in s)


def _tokens(s: str) -> list[str]:
    if s.isascii():
        return _ASCII_WORDS_RE.findall(s)
    return _punct_to_space(s).split()


def _merge_letters(tokens: list[str]) -> list[str]:
    """Join runs of single ASCII letters: ``s a r l`` -> ``sarl``."""
    out: list[str] = []
    run: list[str] = []
    for t in tokens:
        if len(t) == 1 and t.isascii() and t.isalpha():
            run.append(t)
            continue
        if run:
            out.append("".join(run) if len(run) > 1 else run[0])
            run = []
        out.append(t)
    if run:
        out.append("".join(run) if len(run) > 1 else run[0])
    return out


# --------------------------------------------------------------------------
# text, name
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# company
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# country
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# phone
# --------------------------------------------------------------------------

_PHONE_LABEL_RE = re.compile(
    r"^\s*(?:tel(?:ephone)?|phone|mobile|mob|cell|fax|whats\s?app|wa|viber|telegram|"
    r"手机号?码?|电话|聯絡電話|联系电话|電話|手機)\s*[:.#]?\s*",
    re.IGNORECASE,
)
_PHONE_EXT_RE = re.compile(
    r"\s*(?:ext\.?|extension|x|#|分机|分機|转|轉)\s*(\d{1,7})\s*$", re.IGNORECASE
)
_PLAIN_PHONE_RE = re.compile(r"^[0-9 +\-.()/]+$")
_PHONE_INTL_RE = re.compile(r"^[\s(\[]*\+")
_NON_DIGIT_RE = re.compile(r"[^0-9]+")
_INVALID_DIGITS_RE = re.compile(r"^invalid:[0-9]+$")
_HAS_LETTER_RE = re.compile(r"[A-Za-z]")


def _digits(s: str) -> str:
    if s.isascii():
        return _NON_DIGIT_RE.sub("", s)
    return "".join(str(unicodedata.decimal(c)) for c in s if c.isdecimal())


@functools.cache
def _cc_info(cc: int) -> re.Pattern[str] | None | bool:
    """National-prefix pattern of a calling code; False if the code is unknown."""
    import phonenumbers

    if cc not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        return False
    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        cc, phonenumbers.region_code_for_country_code(cc)
    )
    if meta is None:
        return False
    npp = meta.national_prefix_for_parsing
    return re.compile(npp) if npp else None


@functools.cache
def _region_info(region: str) -> tuple[int, re.Pattern[str] | None, re.Pattern[str] | None] | None:
    """(calling code, IDD pattern, national-prefix pattern) of a region."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or not meta.country_code:
        return None
    idd, npp = meta.international_prefix, meta.national_prefix_for_parsing
    return (
        meta.country_code,
        re.compile(idd) if idd else None,
        re.compile(npp) if npp else None,
    )


def _fast_number(text: str, region: str | None) -> Any:
    """``phonenumbers.parse`` for plain digit strings, without its overhead.

    Handles ``+<digits>`` and national ``<digits>`` only when the number has no
    international (IDD) prefix, no national prefix for parsing and does not
    start with the country code, i.e. exactly when ``parse`` would take the
    digits as they are. Returns ``None`` when ``parse`` must do the work. The
    result equals ``parse(text, region)`` (tested property).
    """
    import phonenumbers

    npp: re.Pattern[str] | None
    if text[:1] == "+":
        digits = text[1:]
        if not digits.isdigit() or not digits.isascii() or digits[0] == "0":
            return None
        for i in (1, 2, 3):
            cc = int(digits[:i])
            info = _cc_info(cc)
            if info is not False:
                break
        else:
            return None
        npp = info if isinstance(info, re.Pattern) else None
        national = digits[i:]
    else:
        if region is None or not text.isdigit() or not text.isascii():
            return None
        rinfo = _region_info(region)
        if rinfo is None:
            return None
        cc, idd, npp = rinfo
        if text.startswith(str(cc)) or (idd is not None and idd.match(text)):
            return None
        national = text
    if not 2 <= len(national) <= 17 or (npp is not None and npp.match(national)):
        return None
    num = phonenumbers.PhoneNumber(country_code=cc, national_number=int(national))
    if len(national) > 1 and national[0] == "0":
        num.italian_leading_zero = True
        zeros = min(len(national) - len(national.lstrip("0")), len(national) - 1)
        if zeros != 1:
            num.number_of_leading_zeros = zeros
    return num


_Desc = tuple[frozenset[int], re.Pattern[str]]
_NUMBER_TYPES = (
    "mobile", "fixed_line", "toll_free", "premium_rate", "shared_cost", "voip",
    "personal_number", "pager", "uan", "voicemail",
)  # fmt: skip


@functools.cache
def _number_descs(cc: int, region: str) -> tuple[_Desc, tuple[_Desc, ...]] | None:
    """Compiled (lengths, pattern) of the general and per-type descriptions."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
    if meta is None:
        return None

    def desc(d: Any) -> _Desc | None:
        if d is None or not d.national_number_pattern:
            return None
        return frozenset(d.possible_length or ()), re.compile(d.national_number_pattern)

    general = desc(meta.general_desc)
    if general is None:
        return None
    types = tuple(x for x in (desc(getattr(meta, t, None)) for t in _NUMBER_TYPES) if x)
    return general, types


def _is_valid(num: Any, region: str) -> bool:
    """``phonenumbers.is_valid_number_for_region`` with common types tried first.

    Valid means: the general description matches and at least one number type
    matches; the order of the checks does not matter (tested property).
    """
    import phonenumbers

    cc = num.country_code
    if region != "001" and cc != phonenumbers.country_code_for_valid_region(region):
        return False
    descs = _number_descs(cc, region)
    if descs is None:
        return False
    nsn = phonenumbers.national_significant_number(num)
    n = len(nsn)
    (lengths, pattern), types = descs
    if (lengths and n not in lengths) or not pattern.fullmatch(nsn):
        return False
    return any((not ls or n in ls) and p.fullmatch(nsn) for ls, p in types)


@functools.lru_cache(maxsize=2**16)
def _phone_lookup(text: str, region: str | None) -> tuple[str, str, str, str] | None:
    """(E.164, region, country code, national number) of a valid number, else None."""
    import phonenumbers

    num = _fast_number(text, region)
    if num is None:
        try:
            num = phonenumbers.parse(text, region)
        except Exception:
            return None
    reg = phonenumbers.region_code_for_number(num)
    if not reg or not _is_valid(num, reg):
        return None
    national = phonenumbers.national_significant_number(num)
    return f"+{num.country_code}{national}", reg, str(num.country_code), national


def _phone_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    cleaned = _clean(s, issues).strip()
    display = s.strip()
    if not cleaned:
        return _make(None, display, issues)
    if _INVALID_DIGITS_RE.match(cleaned):  # an 'invalid:' key fed back
        issues.add("invalid_phone")
        return _make(cleaned, display, issues, {"valid": "false"})
    region = _region(country)
    parts: dict[str, str] = {}
    body = cleaned
    if not _PLAIN_PHONE_RE.match(body):
        body = _PHONE_LABEL_RE.sub("", body)
        m = _PHONE_EXT_RE.search(body)
        if m and _digits(body[: m.start()]):
            parts["extension"] = m.group(1)
            body = body[: m.start()]
    intl = bool(_PHONE_INTL_RE.match(body))
    digits = _digits(body)
    if not intl and digits.startswith("00") and len(digits) > 4:
        intl, digits = True, digits[2:]
    found = None
    if 3 <= len(digits) <= 20:
        if _HAS_LETTER_RE.search(body):  # vanity numbers: let phonenumbers map letters
            found = _phone_lookup(body, None if intl else region)
        elif intl:
            found = _phone_lookup("+" + digits, None)
        else:
            if region:
                found = _phone_lookup(digits, region)
            if found is None and not digits.startswith("0"):
                found = _phone_lookup("+" + digits, None)
                if found is not None and region and found[1] != region:
                    issues.add("assumed_international")
    if found is None:
        issues.add("invalid_phone")
        parts["valid"] = "false"
        return _make("invalid:" + digits if digits else None, display, issues, parts)
    e164, reg, cc, national = found
    parts.update(valid="true", country=reg, country_code=cc, national=national)
    return _make(e164, display, issues, parts)


_PHONE = _normalizer(_phone_impl, 2**16)


def normalize_phone(raw: str, country: str | None = None, **context: Any) -> Normalized:
    """Phone number -> E.164 (library ``phonenumbers``).

    International forms (``+86 138 0013 8000``, ``0086 13800138000``) are
    parsed as such; others with ``country`` (alpha-2, alpha-3 or name) as the
    region, then, if that fails and the digits do not start with 0, as
    international without the ``+`` (``(86) 138-0013-8000``, ``86-138...``;
    flagged ``assumed_international`` when the result contradicts ``country``).
    Full-width digits, dots, dashes, brackets and labels such as ``Tel:`` are
    accepted; a trailing extension goes to ``parts["extension"]``, not the key.

    Invalid numbers are flagged ``invalid_phone``, not dropped: their key is
    ``invalid:<digits>`` (a leading international ``00`` dropped) so that the
    same invalid number still matches itself. ``parts``: ``valid``
    (``"true"``/``"false"``), ``country``, ``country_code``, ``national``.

    Examples
    --------
    >>> normalize_phone("+86 138 0013 8000").key
    '+8613800138000'
    >>> normalize_phone("(86) 138-0013-8000").key
    '+8613800138000'
    >>> normalize_phone("１３８.００１３.８０００", country="CN").key
    '+8613800138000'
    >>> normalize_phone("020 7946 0018", country="GB").key
    '+442079460018'
    >>> r = normalize_phone("12345", country="CN")
    >>> r.key, r.issues
    ('invalid:12345', ('invalid_phone',))
    """
    return _run(*_PHONE, raw, country)


# --------------------------------------------------------------------------
# email and hosts
# --------------------------------------------------------------------------

_LOCAL_BAD_RE = re.compile(r'[\s<>()\[\],;:"\\]')
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


@functools.lru_cache(maxsize=65536)
def _ascii_host(host: str) -> str | None:
    """Lower-case ASCII (punycode) form of a host name, or None if invalid."""
    host = host.lower().rstrip(".")
    if not host or len(host) > 253:
        return None
    if not host.isascii():
        encoded: str | None = None
        try:
            import idna

            encoded = idna.encode(host, uts46=True).decode("ascii")
        except Exception:
            try:
                encoded = host.encode("idna").decode("ascii")
            except Exception:
                return None
        host = encoded.lower().rstrip(".")
    labels = host.split(".")
    if not all(_LABEL_RE.match(lb) for lb in labels):
        return None
    return host


def _email_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    display = s.strip()
    cleaned = _clean(s, issues).strip()
    _text_issues(cleaned, issues)
    low = cleaned.lower()
    if not low.isascii():
        low = unicodedata.normalize("NFKC", low)
    if not low:
        return _make(None, display, issues)
    if low.startswith("invalid:"):
        issues.add("invalid_email")
        return _make(low, display, issues)
    addr = low
    if addr.startswith("mailto:"):
        addr = addr[7:].split("?", 1)[0].strip()
    if addr.startswith("<") and addr.endswith(">"):
        addr = addr[1:-1].strip()
    local, at, domain = addr.partition("@")
    ascii_domain = None
    if (
        at
        and local
        and not _LOCAL_BAD_RE.search(local)
        and not local.startswith(".")
        and not local.endswith(".")
        and "@" not in domain
        and "." in domain.rstrip(".")
        and not _WS_RE.search(addr)
        and len(local) <= 64
    ):
        ascii_domain = _ascii_host(domain)
    if ascii_domain is None or "." not in ascii_domain or ascii_domain.rsplit(".", 1)[1].isdigit():
        issues.add("invalid_email")
        return _make("invalid:" + low, display, issues)
    return _make(
        f"{local}@{ascii_domain}", display, issues, {"local": local, "domain": ascii_domain}
    )


_EMAIL = _normalizer(_email_impl)


def normalize_email(raw: str, **context: Any) -> Normalized:
    """E-mail address: trimmed, NFKC, lower-cased, IDN domain in punycode.

    A ``mailto:`` prefix and surrounding ``<...>`` are dropped. The shape must
    be one ``@``, a non-empty local part (at most 64 characters) and a valid
    domain with a dot; otherwise the key is ``invalid:<lowered>`` with
    ``invalid_email``. Plus-tags and dots in the local part are kept.
    ``parts``: ``local``, ``domain``.

    Examples
    --------
    >>> normalize_email("  John.Doe@Example.COM ").key
    'john.doe@example.com'
    >>> normalize_email("info@例子.中国").key
    'info@xn--fsqu00a.xn--fiqs8s'
    >>> normalize_email("not-an-email").key
    'invalid:not-an-email'
    """
    return _run(*_EMAIL, raw, None)


# --------------------------------------------------------------------------
# URL
# --------------------------------------------------------------------------

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_KNOWN_SCHEMES = frozenset(
    """
about blob chrome data feed file filesystem ftp intent irc jar javascript ldap livescript
mailto mhtml ms-its news res resource smb sms ssh tel vbscript view-source ws wss
""".split()
)
_PORT_ONLY_RE = re.compile(r"^\d*(?:[/?#]|$)")
_URL_STRIP = "".join(chr(i) for i in range(0x21))
_TAB_NL_RE = re.compile("[\t\n\r]")
_PCT_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_BAD_PCT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/%"
)
_QUERY_SAFE = _PATH_SAFE - {"&"}
_TRACKING_PARAMS = frozenset(
    """
_ga _gl dclid fbclid gclid igshid mc_cid mc_eid msclkid scm spm yclid
""".split()
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_IPV6_RE = re.compile(r"^\[[0-9a-f:.]+\]$")


def _pct_fix(m: re.Match[str]) -> str:
    ch = chr(int(m.group(1), 16))
    return ch if ch in _UNRESERVED else "%" + m.group(1).upper()


def _pct_normalize(s: str, safe: frozenset[str] = _PATH_SAFE) -> str:
    s = _BAD_PCT_RE.sub("%25", s)
    if any(c not in safe for c in s):
        out = []
        for c in s:
            if c in safe:
                out.append(c)
            else:
                out.extend(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
        s = "".join(out)
    return _PCT_RE.sub(_pct_fix, s)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    out: list[str] = []
    for seg in path.split("/")[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    if path.endswith(("/.", "/..")):
        out.append("")
    return "/" + "/".join(out)


def _split_url(s: str, issues: set[str]) -> dict[str, str] | None:
    """Parse a cleaned URL into normalized components; None when not usable."""
    s = _TAB_NL_RE.sub("", s).strip(_URL_STRIP)
    if not s:
        return None
    m = _SCHEME_RE.match(s)
    scheme = "https"
    rest = s
    if m:
        cand = m.group(1).lower()
        after = s[m.end() :]
        if cand in ("http", "https"):
            scheme, rest = cand, after
        elif cand in _KNOWN_SCHEMES or not ("." in cand or _PORT_ONLY_RE.match(after)):
            issues.add("non_http_url")
            return {"scheme": cand}
    elif s.startswith(("//", "\\\\")):
        pass
    rest = rest.replace("\\", "/").lstrip("/")
    end = len(rest)
    for sep in "/?#":
        i = rest.find(sep)
        if i != -1 and i < end:
            end = i
    authority, tail = rest[:end], rest[end:]
    frag = ""
    if "#" in tail:
        tail, frag = tail.split("#", 1)
    path, _, query = tail.partition("?")
    userinfo, at, hostport = authority.rpartition("@")
    if at:
        issues.add("url_userinfo")
    port = ""
    if hostport.startswith("["):
        host, _, p = hostport.partition("]")
        host += "]"
        port = p[1:] if p.startswith(":") else ""
        if p and not p.startswith(":"):
            return None
        host = host.lower()
        if not _IPV6_RE.match(host):
            return None
    else:
        host, _, port = hostport.partition(":")
        host = _PCT_RE.sub(lambda m: chr(int(m.group(1), 16)), host)
        if _IPV4_RE.match(host):
            pass
        else:
            ascii_host = _ascii_host(host)
            if ascii_host is None or ("." not in ascii_host and ascii_host != "localhost"):
                return None
            host = ascii_host
    if port:
        if not port.isdigit() or not port.isascii() or int(port) > 65535:
            return None
        port = str(int(port))
        if port == _DEFAULT_PORTS[scheme]:
            port = ""
    path = _remove_dot_segments("/" + _pct_normalize(path).lstrip("/"))
    path = path.rstrip("/") or "/"
    params = []
    for p in query.split("&"):
        if not p:
            continue
        name = p.split("=", 1)[0].lower()
        if name in _TRACKING_PARAMS or name.startswith("utm_"):
            continue
        params.append(_pct_normalize(p, _QUERY_SAFE))
    params.sort()
    return {
        "scheme": scheme,
        "host": host,
        "port": port,
        "path": path,
        "query": "&".join(params),
        "fragment": _pct_normalize(frag) if frag else "",
    }


def _url_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    display = s.strip()
    cleaned = _clean(s, issues)
    _text_issues(cleaned, issues)
    if not cleaned.strip(_URL_STRIP):
        return _make(None, display, issues)
    comp = _split_url(cleaned, issues)
    if comp is None:
        issues.add("invalid_url")
        return _make(None, display, issues)
    if "host" not in comp:  # refused scheme
        return _make(None, display, issues, {"scheme": comp["scheme"]})
    host = comp["host"]
    key_host = host
    while key_host.startswith("www.") and "." in key_host[4:]:
        key_host = key_host[4:]
    port = ":" + comp["port"] if comp["port"] else ""
    query = "?" + comp["query"] if comp["query"] else ""
    key = f"{comp['scheme']}://{key_host}{port}{comp['path']}{query}"
    frag = "#" + comp["fragment"] if comp["fragment"] else ""
    href = f"{comp['scheme']}://{host}{port}{comp['path']}{query}{frag}"
    parts = {"scheme": comp["scheme"], "host": key_host, "href": href}
    return _make(key, display, issues, parts)


_URL = _normalizer(_url_impl)


def normalize_url(raw: str, **context: Any) -> Normalized:
    """Web address: scheme and host normalized, non-http(s) refused.

    Key: ``scheme://host[:port]/path[?query]``; the scheme and host are
    lower-cased (IDN host in punycode), a leading ``www.`` is dropped, default
    ports are dropped, percent-escapes normalized, dot segments resolved, a
    trailing slash removed (the root path is ``/``), tracking parameters
    (``utm_*``, ``spm``, ``fbclid``, ...) dropped, the remaining parameters
    sorted, the fragment dropped. ``http`` and ``https`` stay distinct keys;
    compare ``parts["host"]`` to link by site. No scheme -> ``https``.

    ``javascript:``, ``data:``, ``file:``, ``vbscript:`` and any other
    non-http(s) scheme give key ``None`` and ``non_http_url``; a host that is
    not a valid domain (with a dot), IP or ``localhost`` gives ``invalid_url``.
    ``parts["href"]`` is a normalized absolute http(s) URL (``www.`` and the
    fragment kept), safe to use as a link target after HTML escaping.

    Examples
    --------
    >>> normalize_url("HTTPS://WWW.Example.com:443/Shop/?utm_source=x&b=2&a=1#top").key
    'https://example.com/Shop?a=1&b=2'
    >>> normalize_url("example.com").key
    'https://example.com/'
    >>> r = normalize_url("javascript:alert(1)")
    >>> r.key, r.issues
    (None, ('non_http_url',))
    """
    return _run(*_URL, raw, None)


_UNSAFE_HREF_RE = re.compile("[\x00-\x20\x7f-\x9f\"'<>\\\\`\u00a0\u2028\u2029]")
_HTTP_PREFIX_RE = re.compile(r"^https?://", re.IGNORECASE)


def is_safe_url(s: str) -> bool:
    """True iff ``s`` may be rendered verbatim as a link target.

    That is: it starts with ``http://`` or ``https://``, contains no
    whitespace, control, quote, angle bracket, backslash or hidden
    (zero-width, bidi) character, and normalizes to a valid URL. Anything else
    (``javascript:``, ``data:``, scheme-less text, ``java\\tscript:``) should be
    shown as plain text, or linked through ``normalize_url(s).parts["href"]``.

    Examples
    --------
    >>> is_safe_url("https://shop.example.com/item?id=1")
    True
    >>> is_safe_url("javascript:alert(1)"), is_safe_url(" JaVaScRiPt:alert(1)")
    (False, False)
    >>> is_safe_url("example.com")
    False
    """
    s = _as_str(s)
    if not _HTTP_PREFIX_RE.match(s) or _UNSAFE_HREF_RE.search(s):
        return False
    if not s.isascii() and _REMOVE_RE.search(s):
        return False
    r = normalize_url(s)
    return r.key is not None and "normalize_error" not in r.issues


# --------------------------------------------------------------------------
# payment
# --------------------------------------------------------------------------

_PAYMENT_ALIASES = _aliases(
    """
alipay: ali pay | 支付宝 | 支付寶 | zhifubao
paypal: paypal.me | pay pal
payoneer:
pingpong: ping pong
lianlian: lianlianpay | lianlian pay | llpay | 连连支付 | 连连 | 連連
worldfirst: world first | 万里汇
wechatpay: wechat pay | wechat | weixin pay | weixin | wxpay | 微信支付 | 微信
unionpay: union pay | 银联 | 銀聯
stripe:
bank: bank account | bank card | bank transfer | wire | 银行卡 | 银行 | 銀行
iban:
westernunion: western union
moneygram:
skrill:
neteller:
wise: transferwise
venmo:
cashapp: cash app
zelle:
revolut:
qiwi:
webmoney:
airwallex:
btc: bitcoin
eth: ethereum
usdt: tether
trx: tron
unknown:
"""
)
#: Providers whose account ids are case-sensitive (base58): case is kept,
#: except hex (0x...) and bech32 (bc1...) addresses, which are lower-cased.
_CASE_SENSITIVE_PROVIDERS = frozenset({"btc", "usdt", "trx"})
_LOWER_PROVIDERS = frozenset({"eth"})


def _alias_alt() -> str:
    return "|".join(
        re.escape(a).replace(r"\ ", r"\s*") for a in sorted(_PAYMENT_ALIASES, key=len, reverse=True)
    )


_FILLER = r"(?:account|acct|a/c|id|no|number|num|mtcn|账号|账户|帳號|帐号|帐户|号码)"
_PAY_PREFIX_RE = re.compile(
    rf"^\s*(?P<alias>{_alias_alt()})(?![a-z])\s*(?:{_FILLER}(?=[\s:#.\-]))?"
    r"[\s:#.\-_/|,;=>]*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_PAY_SUFFIX_RE = re.compile(
    rf"^(?P<rest>.*?)[\s\-]*[(\[]\s*(?P<alias>{_alias_alt()})\s*[)\]]\s*$",
    re.IGNORECASE | re.DOTALL,
)
_PAY_LEAD = ":#.-_/|,;=>"  # separators the prefix pattern skips after a provider
_TRAILING_NOTE_RE = re.compile(r"\s*\(([^()]*)\)\s*$")
_PAY_SEP_RE = re.compile(r"[\s\-.#:_/|,;=>()\[\]*+]+")
_IBAN_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _payment_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    display = s.strip()
    cleaned = _clean(s, issues).strip()
    _text_issues(cleaned, issues)
    if not cleaned:
        return _make(None, display, issues)
    provider = None
    rest = cleaned
    m = _PAY_PREFIX_RE.match(cleaned)
    if m is None and cleaned.endswith((")", "]")):
        m = _PAY_SUFFIX_RE.match(cleaned)
    if m:
        alias = _WS_RE.sub(" ", m.group("alias").lower())
        provider = _PAYMENT_ALIASES.get(alias) or _PAYMENT_ALIASES.get(alias.replace(" ", ""))
        rest = m.group("rest")
    parts: dict[str, str] = {}
    whole = rest
    n = _TRAILING_NOTE_RE.search(rest)
    if n and rest[: n.start()].strip():
        parts["note"] = n.group(1).strip()
        rest = rest[: n.start()]
    rest = rest.strip()
    if "@" in whole:
        # an e-mail account; the note is dropped only if the rest is a valid address.
        # Leading separators go (as after a provider name), so keys stay fixed points.
        number = normalize_email(_WS_RE.sub("", rest).lstrip(_PAY_LEAD)).key or ""
        if "@" not in rest or number.startswith("invalid:"):
            parts.pop("note", None)
            number = normalize_email(_WS_RE.sub("", whole).lstrip(_PAY_LEAD)).key or ""
    else:
        number = _PAY_SEP_RE.sub("", rest)
        crypto = provider in _CASE_SENSITIVE_PROVIDERS or provider in _LOWER_PROVIDERS
        if provider in _LOWER_PROVIDERS or (
            (crypto or provider in (None, "unknown")) and number.lower().startswith(("0x", "bc1"))
        ):
            number = number.lower()
        elif provider not in _CASE_SENSITIVE_PROVIDERS:
            number = number.upper()
            if not number.isascii():
                number = unicodedata.normalize("NFKC", number)
    if not number:
        if provider:
            issues.add("missing_number")
        return _make(None, display, issues, {"provider": provider} if provider else None)
    if _IBAN_RE.match(number) and provider in (None, "bank", "iban", "unknown"):
        provider = "iban"
        if not _iban_ok(number):
            issues.add("invalid_iban")
    if provider is None or provider == "unknown":
        provider = "unknown"
        issues.add("unknown_provider")
    parts.update(provider=provider, number=number)
    return _make(f"{provider}:{number}", display, issues, parts)


_PAYMENT = _normalizer(_payment_impl)


def normalize_payment(raw: str, **context: Any) -> Normalized:
    """Payment account -> ``provider:number``.

    The provider is recognized from a prefix (``Alipay 2088...``,
    ``alipay:2088...``, ``ALIPAY-2088 ...``, ``PayPal: x@y.com``,
    ``payoneer #1234-5678``, ``支付宝：...``) or a bracketed suffix
    (``2088... (Alipay)``) and mapped to a slug (alipay, paypal, payoneer,
    pingpong, lianlian, worldfirst, wechatpay, unionpay, stripe, bank, iban,
    westernunion, moneygram, wise, btc, eth, usdt, ...). The number loses
    separators (space, dash, dot, ``#``, colon, slash, brackets) and is
    upper-cased; an e-mail account is normalized as an e-mail; crypto
    addresses keep their case (hex and bech32 are lower-cased). A trailing
    ``(note)`` goes to ``parts["note"]``. IBAN-shaped numbers get provider
    ``iban`` (``invalid_iban`` when the checksum fails). Without a provider
    the key is ``unknown:<number>`` with ``unknown_provider``. Phone-number
    accounts are not phone-normalized (``+86`` vs none differ).
    ``parts``: ``provider``, ``number``.

    Examples
    --------
    >>> [normalize_payment(x).key for x in ("Alipay 2088 1234 5678 9012",
    ...     "alipay:2088-1234-5678-9012", "支付宝：2088123456789012")]
    ['alipay:2088123456789012', 'alipay:2088123456789012', 'alipay:2088123456789012']
    >>> normalize_payment("PayPal: Sales@Shop.COM").key
    'paypal:sales@shop.com'
    >>> normalize_payment("DE89 3704 0044 0532 0130 00").key
    'iban:DE89370400440532013000'
    >>> normalize_payment("12-34-56").key
    'unknown:123456'
    """
    return _run(*_PAYMENT, raw, None)


# --------------------------------------------------------------------------
# platform
# --------------------------------------------------------------------------

_PLATFORM_ALIASES = _aliases(
    """
taobao: 淘宝 | 淘宝网 | 淘寶
tmall: 天猫 | 天猫商城 | 天貓
aliexpress: ae | 速卖通 | 全球速卖通
amazon: 亚马逊 | 亞馬遜
ebay: 易贝
shopee: 虾皮
lazada: 来赞达
temu:
wish:
mercadolibre: mercadolivre
jd: jingdong | 京东 | 京东商城 | 京東
pinduoduo: pdd | yangkeduo | 拼多多
alibaba: 阿里巴巴
1688: 阿里巴巴1688
etsy:
walmart: 沃尔玛
dhgate: 敦煌网
shein: 希音
tiktok: tiktokshop
facebook: facebookmarketplace
instagram:
rakuten:
ozon:
wildberries:
allegro:
xianyu: 闲鱼
douyin: 抖音
weidian: 微店
"""
)
#: Second-level domain labels of the platforms.
_PLATFORM_DOMAINS = _aliases(
    """
taobao:
tmall:
aliexpress:
amazon:
ebay:
shopee:
lazada:
temu:
wish:
mercadolibre: mercadolivre
jd:
pinduoduo: yangkeduo
alibaba:
1688:
etsy:
walmart:
dhgate:
shein:
tiktok:
facebook:
instagram:
rakuten:
ozon:
wildberries:
allegro:
xianyu: goofish
douyin:
weidian:
"""
)
#: Words that follow a platform name without naming another platform.
_PLATFORM_GENERIC = frozenset({
    "marketplace", "market", "store", "stores", "shop", "shops", "mall", "official", "global",
    "seller", "sellers", "com", "site", "app", "international", "intl", "motors", "plus",
    "business", "online", "web",
})
_DOMAINISH_RE = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://)?[^\s/?#]+\.[a-z]{2,}(?:[:/?#]|$)", re.I)
_SUFFIX_LABEL_RE = re.compile(r"^[a-z]{2,3}$")


def _platform_from_host(host: str) -> tuple[str, str] | None:
    labels = host.split(".")
    for i, lb in enumerate(labels[:-1]):
        slug = _PLATFORM_DOMAINS.get(lb)
        if slug is None:
            continue
        suffix = labels[i + 1 :]
        if len(suffix) <= 2 and all(_SUFFIX_LABEL_RE.match(x) for x in suffix):
            return slug, ".".join(labels[i:])
    return None


def _platform_impl(s: str, country: str | None) -> Normalized:
    issues: set[str] = set()
    display = s.strip()
    key = _text_key(s, issues)
    if not key:
        return _make(None, display, issues)
    if _DOMAINISH_RE.match(key):
        comp = _split_url(key, set())
        if comp and "host" in comp:
            hit = _platform_from_host(comp["host"])
            if hit:
                return _make(hit[0], display, issues, {"site": hit[1]})
    toks = _tokens(_APOSTROPHES_RE.sub("", key))
    compact = "".join(toks)
    slug = _PLATFORM_ALIASES.get(compact)
    if slug:
        return _make(slug, display, issues)
    if len(toks) > 1:
        slug = _PLATFORM_ALIASES.get(toks[0])
        rest = " ".join(toks[1:])
        market = _country_code(rest) if slug and (len(rest) == 2 or len(rest) > 3) else None
        if slug and market and market != "ZZ":
            return _make(slug, display, issues, {"market": market})
        if slug and _PLATFORM_GENERIC.issuperset(toks[1:]):
            # "Amazon Marketplace", "AliExpress Store", "eBay Motors": the platform
            # itself, not a new one.
            return _make(slug, display, issues, {"channel": rest})
    issues.add("unknown_platform")
    return _make("-".join(toks) or None, display, issues)


_PLATFORM = _normalizer(_platform_impl, 2**12)


def normalize_platform(raw: str, **context: Any) -> Normalized:
    """Marketplace -> canonical slug.

    Names in Latin or Chinese script (``Ali Express``, ``淘宝``, ``天猫``,
    ``京东``, ``拼多多``), domains and URLs (``www.amazon.de`` -> ``amazon``
    with ``parts["site"] = "amazon.de"``) and ``<platform> <country>``
    (``Amazon DE`` -> ``amazon`` with ``parts["market"] = "DE"``) are
    recognized; ``1688`` is its own platform, distinct from ``alibaba``.
    Unknown values get a slug (text key, punctuation runs -> ``-``) and
    ``unknown_platform``.

    Examples
    --------
    >>> [normalize_platform(x).key for x in ("Ali Express", "AE", "aliexpress.com", "速卖通")]
    ['aliexpress', 'aliexpress', 'aliexpress', 'aliexpress']
    >>> r = normalize_platform("https://www.amazon.co.uk/dp/B0001")
    >>> r.key, r.parts["site"]
    ('amazon', 'amazon.co.uk')
    >>> normalize_platform("My Shop.net").key
    'my-shop-net'
    """
    return _run(*_PLATFORM, raw, None)


# --------------------------------------------------------------------------
# address
# --------------------------------------------------------------------------

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
_KEY_PREFIX_RE = re.compile(r"^([A-Z]{2}):")

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


def _find_postcode(tokens: list[str], region: str | None) -> int | None:
    lengths = _POSTCODE_DIGITS.get(region or "", (4, 5, 6))
    if not lengths:
        return None
    for i in range(len(tokens) - 1, 0, -1):
        t = tokens[i]
        if len(t) not in lengths or not _ASCII_DIGITS_RE.match(t):
            continue
        prev = tokens[i - 1]
        if prev in _UNIT_WORDS or prev in _STREET_WORDS:
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
        rest = cleaned[3:]
        code = _country_code(m.group(1)) if rest == _fold(rest) else None
        if code:
            key_mode = True
            cleaned = rest
            if region is None and code != "ZZ":
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
    cc = region or "ZZ"
    parts["country"] = cc
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
    otherwise ``ZZ``. Pass the row's country: the same address with and
    without it gets different keys.

    Postcodes: GB, CA, NL, JP, BR, PL, PT and US ZIP+4 by pattern; otherwise
    the last all-digit token of the country's length (CN/IN/RU/SG/VN/TW 6,
    US/DE/FR/... 5, AU/CH/AT/... 4, unknown country 4-6; none for HK, MO, AE,
    IE) that is not the first token and is not next to a unit or street word
    (``Room 1203`` and ``Lane 1500`` stay in the key).

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


# --------------------------------------------------------------------------
# fingerprint and registry
# --------------------------------------------------------------------------


def fingerprint(key: str | None) -> str:
    """Blocking key for fuzzy resolution: sorted unique tokens, digits kept.

    Punctuation (including the ``CC:`` of address keys) separates tokens.

    Examples
    --------
    >>> fingerprint("Shenzhen  Huaqiang-Trading 88")
    '88 huaqiang shenzhen trading'
    >>> fingerprint(None)
    ''
    """
    if not key:
        return ""
    k = text_key(key)
    return " ".join(sorted(set(_tokens(k))))


#: Normalizers by the name the schema refers to them with.
NORMALIZERS: dict[str, Normalizer] = {
    "text": normalize_text,
    "name": normalize_name,
    "company": normalize_company,
    "phone": normalize_phone,
    "email": normalize_email,
    "url": normalize_url,
    "payment": normalize_payment,
    "country": normalize_country,
    "platform": normalize_platform,
    "address": normalize_address,
}

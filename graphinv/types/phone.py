"""Phone numbers: E.164 keys (``invalid:<digits>`` when not a valid number).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from graphinv.types._base import Normalized, _make, _normalizer, _run
from graphinv.types._text import _clean
from graphinv.types.country import _region

__all__ = ["display", "key", "normalize", "normalize_phone"]


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
_NATIONAL_DIGITS_RE = re.compile(r"^national:[0-9]+$")
#: ``(86) 138 0013 8000``: a calling code in brackets before the number.
_PHONE_PAREN_CC_RE = re.compile(r"^\s*[(\[]\s*(\d{1,3})\s*[)\]]")
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
    if _NATIONAL_DIGITS_RE.match(cleaned):  # a 'national:' key fed back
        issues.add("no_country")
        return _make(cleaned, display, issues, {"valid": "unknown"})
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
            paren = _PHONE_PAREN_CC_RE.match(body)
            if paren:
                # "(86) 138...": international when the bracketed code and the rest make
                # a valid number; "(212) 555-0100" (an area code) does not.
                found = _phone_lookup("+" + digits, None)
                if found is not None and found[2] != paren.group(1):
                    found = None
                if found is not None and region and found[1] != region:
                    issues.add("assumed_international")
            if found is None and region:
                found = _phone_lookup(digits, region)
            elif found is None:
                # No country and not written internationally: guessing one would merge
                # a Chinese "135 1234 5678" with an American "+1 351 234 5678".
                issues.add("no_country")
                parts["valid"] = "unknown"
                return _make("national:" + digits, display, issues, parts)
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

    Only numbers written internationally are parsed without a country:
    ``+86 138 0013 8000``, ``0086 13800138000`` and ``(86) 138-0013-8000`` (a
    bracketed calling code, when the rest is a valid number for it; flagged
    ``assumed_international`` when it contradicts ``country``). Others are parsed
    with ``country`` (alpha-2, alpha-3 or name) as the region; without a country
    they get the key ``national:<digits>``, flagged ``no_country``, which no
    E.164 key can equal (``135 1234 5678`` is a Chinese mobile as much as the US
    ``+1 351 234 5678``).
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
    >>> r = normalize_phone("135 1234 5678")
    >>> r.key, r.issues
    ('national:13512345678', ('no_country',))
    """
    return _run(*_PHONE, raw, country)


#: This kind's normalizer under the name every value type uses.
normalize = normalize_phone


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key("0086 138-0013-8000", country="CN")
    '+8613800138000'
    """
    return normalize_phone(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display("0086 138-0013-8000")
    '0086 138-0013-8000'
    """
    return normalize_phone(raw).display

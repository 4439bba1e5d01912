"""Shared text cleaning: invisible characters, NFKC, case folding, lookalike scripts,
tokens; :func:`text_key`, :func:`inspect_text` and :func:`fingerprint`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from graphinv.types._base import _HASHED_RE, KEY_MAX, _as_str, _hashed_key, _order

__all__ = ["fingerprint", "inspect_text", "text_key"]


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
    if "#sha256:" in s and _HASHED_RE.fullmatch(s.strip()):
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

"""Are two company or person name keys the same name? Strict, token by token.

String similarity alone links names that differ in exactly the token that
identifies them: ``BP Secretarial Services`` ~ ``CP Secretarial Services`` scores
95, ``Hsu, Li-Ching`` ~ ``Liu, Ching-Hsu`` 92. Here two keys (already normalized by
the ``company`` normalizer: case-folded, punctuation gone, legal forms dropped) are
the same name only when:

* after transliteration (accents folded: ``José`` = ``Jose``; umlauts spelled out:
  ``Müller`` = ``Mueller``; Cyrillic and Greek letters spelled in Latin) and without the filler
  words ``and``/``the``/``of``/``und``/``y``/``et``, either
* their letters are identical once spaces are removed (``Bright Star`` =
  ``Brightstar``, ``Li-Ching`` = ``Liching``), or
* their token sequences agree token by token, up to a rotation (``Hsu Li Ching`` =
  ``Li Ching Hsu``: a surname moved from the front to the back, but not ``Wang Li
  Ming`` = ``Wang Ming Li``), where two tokens agree when equal, or — for tokens of
  :data:`TYPO_MIN_LEN` letters and more, without digits — one letter apart
  (``Electronics`` = ``Electronis``).

Numbers and initials (one-letter tokens) never differ in a match, and a token
never matches a shorter or longer name (``Bright Star Electronics`` is not
``Shenzhen Bright Star Electronics``): a missed link is better than a false one.
Measured on ``tests/fixtures/identity/name_pairs.csv`` (see ``tests/test_names.py``).

>>> same_name("bp secretarial services", "cp secretarial services") is None
True
>>> same_name("hsu li ching", "liu ching hsu") is None
True
>>> same_name("hsu li ching", "li ching hsu")
'token_rotation'
>>> same_name("shenzhen bright star electronics", "shenzhen brightstar electronics")
'same_letters'
"""

from __future__ import annotations

import unicodedata

__all__ = ["TYPO_MIN_LEN", "name_tokens", "same_name"]

#: Tokens at least this long may differ by one letter (insert, delete or replace).
TYPO_MIN_LEN = 8

_FILLER = frozenset({"and", "the", "of", "und", "y", "et", "e", "da", "de", "do"})
_SPECIAL = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
            "þ": "th", "ı": "i"}
_UMLAUT = {"ä": "ae", "ö": "oe", "ü": "ue"}  # German transliteration: Müller = Mueller
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True))
_GREEK = dict(zip("αβγδεζηθικλμνξοπρστυφχψως",
                  ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o",
                   "p", "r", "s", "t", "y", "f", "ch", "ps", "o", "s"], strict=True))


def _fold_token(t: str) -> str:
    out: list[str] = []
    for c in t:
        if c in _UMLAUT:
            out.append(_UMLAUT[c])
        elif c in _SPECIAL:
            out.append(_SPECIAL[c])
        elif c in _CYRILLIC:
            out.append(_CYRILLIC[c])
        elif c in _GREEK:
            out.append(_GREEK[c])
        else:
            out.append("".join(d for d in unicodedata.normalize("NFKD", c)
                               if not unicodedata.combining(d)))
    return "".join(out)


def name_tokens(key: str) -> tuple[str, ...]:
    """Transliterated tokens of a name key, filler words removed.

    >>> name_tokens("müller und söhne")
    ('mueller', 'soehne')
    >>> name_tokens("иванов")
    ('ivanov',)
    """
    return tuple(f for t in key.split() if t not in _FILLER and (f := _fold_token(t)))


def _one_apart(a: str, b: str) -> bool:
    """Levenshtein distance exactly 1 (a != b)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


def _token_agrees(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < TYPO_MIN_LEN or not (a.isalpha() and b.isalpha()):
        return False  # numbers, initials and short words must be equal
    return a[0] == b[0] and _one_apart(a, b)


def same_name(a: str, b: str) -> str | None:
    """The method that says ``a`` and ``b`` (name keys) are one name, or None."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return None
    if ta == tb:
        return "same_tokens"
    if "".join(ta) == "".join(tb):
        return "same_letters"
    if len(ta) != len(tb):
        return None
    for shift in range(len(tb)):
        rot = tb[shift:] + tb[:shift]
        if all(_token_agrees(x, y) for x, y in zip(ta, rot, strict=True)):
            return "token_rotation" if shift else "token_typo"
    return None

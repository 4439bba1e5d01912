"""Values that mean "nothing": they never become identifier, seller or supplier nodes.

Scraped and hand-typed files fill empty cells with ``unknown``, ``N/A``, ``-``,
``0``, ``无`` or ``test@test.com``. Normalized like real values, two unrelated
shops both saying ``N/A`` would share an e-mail node and be linked — a false
link, the worst outcome for evidence. This module is the one place that decides
what a placeholder is; ingest skips such values and counts them per kind
(``ignored placeholders: Email 12, Address 3``), it never drops them silently.

A value is a placeholder (reason in brackets) when:

* it is only punctuation, symbols or spaces (``-``, ``/``, ``...``) [``placeholder``];
* it is made only of ``?`` or U+FFFD, the trace of a broken encoding upstream
  (``????``, ``?? ???``) [``mangled``];
* its letters and digits (case-folded, NFKC) spell a word of
  :data:`PLACEHOLDER_WORDS` — ``unknown``, ``n/a``, ``none``, ``null``,
  ``无``, ``暂无``, ``desconocido``, ``não informado``, ``нет``, ``yok``, ...
  or one added by the mapping's ``[options] placeholders`` [``placeholder``];
* it is made of one repeated digit (``0``, ``000-0000``, ``11111111``), or, for a
  phone or payment, a word and one repeated digit (``alipay 0000``) [``placeholder``];
* it is an e-mail address (in any column: PayPal accounts, names) whose local part
  is a placeholder word or ``test``/``xxx``/``abc``..., or whose domain is
  reserved for examples (``example.com``, ``test.com``, ``.test``, ``.invalid``,
  ``localhost``) [``placeholder``];
* address: under the minimum information content — no digit and fewer than
  three words (a city or a country alone: ``Shenzhen``, ``China``, ``Hong Kong``)
  [``too_vague``].

>>> placeholder_reason("phone", "000-0000-0000")
'placeholder'
>>> placeholder_reason("email", "N/A"), placeholder_reason("email", "test@test.com")
('placeholder', 'placeholder')
>>> placeholder_reason("address", "暂无"), placeholder_reason("address", "Shenzhen")
('placeholder', 'too_vague')
>>> placeholder_reason("name", "????"), placeholder_reason("name", "Lucky Trading") is None
('mangled', True)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["PLACEHOLDER_WORDS", "Placeholders", "is_masked", "placeholder_reason"]

def _words(spec: str) -> frozenset[str]:
    return frozenset(_compact(w) for w in spec.split(",") if _compact(w))


_WORD_LIST = (
    "unknown, unk, none, null, nil, nan, na, n/a, n.a., nd, n/d, not available, "
    "not applicable, no, nothing, undefined, empty, blank, missing, tbd, tba, tbc, pending, "
    "no data, not provided, not given, not specified, unspecified, private, withheld, "
    "redacted, hidden, anonymous, xx, xxx, xxxx, xxxxx, test, dummy, sample, default, noname, "
    "no name, "
    # Chinese
    "无, 暂无, 没有, 未知, 不详, 不明, 空, 无数据, 暂无数据, 未提供, 未填写, 保密, 无信息, "
    "未公开, 不公开, 待定, 略, 無, 暫無, 沒有, "
    # Spanish, Portuguese
    "ninguno, ninguna, desconocido, desconocida, no disponible, sin datos, sin información, "
    "nada, no aplica, nenhum, nenhuma, desconhecido, desconhecida, não disponível, "
    "não informado, sem informação, sem dados, "
    # Russian, Turkish
    "нет, неизвестно, нет данных, отсутствует, не указан, не указано, не указана, нету, "
    "yok, bilinmiyor, belirtilmemiş, bilgi yok, "
    # German, French, Japanese, Korean, Vietnamese, Indonesian
    "keine, unbekannt, k.a., keine angabe, aucun, aucune, inconnu, inconnue, néant, "
    "non renseigné, なし, 不明, 無し, 該当なし, 없음, 미상, không có, tidak ada"
)

_SEP_RE = re.compile(r"[\W_]+", re.UNICODE)
_MANGLED_RE = re.compile(r"^[?\ufffd\s]+$")
_DIGITS_RE = re.compile(r"\d")
_RESERVED_DOMAINS = frozenset({
    "example.com", "example.org", "example.net", "test.com", "test.org", "test.net",
    "email.test", "domain.com", "localhost", "none.com", "null.com", "nomail.com",
    "noemail.com", "xxx.com",
})
_RESERVED_TLDS = ("test", "invalid", "example", "localhost")
_DUMMY_LOCALS = frozenset({"test", "abc", "asdf", "qwerty", "xxx", "xxxx", "123", "1234",
                           "12345", "123456", "noreply", "no-reply", "nomail", "noemail",
                           "email", "mail"})


def _compact(s: str) -> str:
    """Letters and digits only, NFKC, case-folded, accents removed (``Não`` -> ``nao``)."""
    s = unicodedata.normalize("NFKC", s).casefold()
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return _SEP_RE.sub("", s)


#: Words (compared on letters and digits only, case-folded, accents removed) that mean
#: "no value", in the languages of the marketplaces; a mapping adds its own with
#: ``[options] placeholders = [...]``.
PLACEHOLDER_WORDS: frozenset[str] = _words(_WORD_LIST)
_DEFAULT = PLACEHOLDER_WORDS


class Placeholders:
    """The placeholder policy, optionally extended by a mapping's own words.

    >>> p = Placeholders(["pending review"])
    >>> p.reason("text", "Pending Review"), p.reason("text", "Review")
    ('placeholder', None)
    """

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.words = _DEFAULT | _words(",".join(extra))
        # Ingest data repeats a lot: remember recent answers (values up to 256 characters).
        self._cached = functools.lru_cache(maxsize=2**15)(self._reason)

    def reason(self, kind: str, raw: str | None) -> str | None:
        """Why ``raw`` (for a normalizer ``kind``) means nothing, or None if it is a value."""
        if raw is None:
            return None
        return self._cached(kind, raw) if len(raw) <= 256 else self._reason(kind, raw)

    def _reason(self, kind: str, raw: str) -> str | None:
        s = raw.strip()
        if not s:
            return None  # empty cells are not values at all; nothing to count
        if _MANGLED_RE.match(s):
            return "mangled"
        c = _compact(s)
        if not c or c in self.words:
            return "placeholder"
        digits = "".join(_DIGITS_RE.findall(s))
        if digits and len(set(digits)) == 1 and len(c) == len(digits):
            return "placeholder"  # "0", "000-0000-0000" in any column
        if "@" in s and self._email(s):
            return "placeholder"  # "test@test.com" in an e-mail, payment or name column
        if kind in ("phone", "payment"):
            # "alipay 00000000": a provider word then one repeated digit
            if digits and len(set(digits)) == 1 and c.endswith(digits) \
                    and not any(ch.isdigit() for ch in c[: -len(digits)]):
                return "placeholder"
        elif kind == "address":
            if not _DIGITS_RE.search(s) and len(_SEP_RE.sub(" ", s.casefold()).split()) < 3 \
                    and not _has_cjk_detail(s):
                return "too_vague"
        return None

    def _email(self, s: str) -> str | None:
        local, at, domain = s.casefold().rpartition("@")
        if not at:
            return None
        lc = _compact(local)
        if not lc or lc in self.words or local in _DUMMY_LOCALS or lc in _DUMMY_LOCALS:
            return "placeholder"
        domain = domain.strip().rstrip(".")
        if domain in _RESERVED_DOMAINS or domain.rsplit(".", 1)[-1] in _RESERVED_TLDS:
            return "placeholder"
        return None


_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _has_cjk_detail(s: str) -> bool:
    """A CJK address is written without spaces: more than a place name (6+ characters)
    counts as detail (``深圳市福田区华强北路``), a city alone (``深圳市``) does not."""
    return len(_CJK_RE.findall(s)) >= 6


_POLICY = Placeholders()


def placeholder_reason(kind: str, raw: str | None) -> str | None:
    """:meth:`Placeholders.reason` with the built-in list only."""
    return _POLICY.reason(kind, raw)


#: Masking as receipts and marketplaces print it: runs of ``*``, ``•``, ``●``, ``#`` or
#: ``x`` standing for hidden characters (``2088********1234``, ``138****8000``,
#: ``j***@gmail.com``, ``138xxxx8000``).
_MASK_RE = re.compile(r"[*\uff0a\u2022\u25cf\u00b7]{2,}|(?<=\d)[xX#]{2,}(?=\d)|"
                      r"^[*\uff0a\u2022\u25cf]+(?=[\w.-]*@)")


def is_masked(kind: str, raw: str | None) -> bool:
    """Whether a phone, e-mail or payment value is masked: part of it is hidden.

    A masked value is not an identifier: ``138****8000`` is any of 10,000 numbers, and
    two shops showing it may hold different ones. Ingest keeps it on the shop as
    partial evidence (an issue ``masked <Kind> '<value>'``), never as a key.

    >>> is_masked("phone", "138****8000"), is_masked("payment", "2088********1234")
    (True, True)
    >>> is_masked("email", "j***@gmail.com"), is_masked("email", "jack@gmail.com")
    (True, False)
    """
    if not raw or kind not in ("phone", "email", "payment"):
        return False
    return bool(_MASK_RE.search(raw.strip()))

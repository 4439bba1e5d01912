"""Payment accounts: ``provider:NUMBER`` keys (Alipay, PayPal, IBAN, wallets...).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from graphinv.types._base import Normalized, _aliases, _make, _normalizer, _run
from graphinv.types._text import _WS_RE, _clean, _text_issues
from graphinv.types.email import normalize_email

__all__ = ["display", "key", "normalize", "normalize_payment"]


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


#: This kind's normalizer under the name every value type uses.
normalize = normalize_payment


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key("Alipay: 2088 1234 5678") is not None
    True
    """
    return normalize_payment(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display("Alipay: 2088 1234 5678")
    'Alipay: 2088 1234 5678'
    """
    return normalize_payment(raw).display

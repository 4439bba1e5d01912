"""Value types: turn a raw value into a match key, keeping the raw for evidence.

The ground floor of graphinv, in the spirit of followthemoney's ``types/``: one
small module per kind of value (:mod:`~graphinv.types.phone`, ``email``, ``address``,
``payment``, ``company``, ``name``, ``text``, ``url``, ``country``, ``platform``,
``date``), each with ``normalize(raw, **context)``, ``key(raw, **context)`` and
``display(raw)``. Ingest and analysis both import it; it imports nothing of
graphinv but this package (tests/test_layers.py checks).

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
address  ``CC:sorted unique tokens`` (``unknown`` when the country is unknown)
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

import importlib
import pkgutil

from graphinv.types import (
    address,
    company,
    country,
    date,
    email,
    name,
    payment,
    phone,
    platform,
    text,
    url,
)
from graphinv.types._base import KEY_MAX, Normalized, Normalizer
from graphinv.types._text import fingerprint, inspect_text, text_key
from graphinv.types.address import normalize_address
from graphinv.types.company import normalize_company
from graphinv.types.country import normalize_country
from graphinv.types.email import normalize_email
from graphinv.types.name import normalize_name
from graphinv.types.payment import normalize_payment
from graphinv.types.phone import normalize_phone
from graphinv.types.platform import normalize_platform
from graphinv.types.text import normalize_text
from graphinv.types.url import is_safe_url, normalize_url

__all__ = [
    "KEY_MAX",
    "NORMALIZERS",
    "Normalized",
    "Normalizer",
    "address",
    "company",
    "country",
    "date",
    "email",
    "fingerprint",
    "inspect_text",
    "is_safe_url",
    "match_key",
    "name",
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
    "payment",
    "shop_key",
    "phone",
    "platform",
    "text",
    "text_key",
    "url",
]

#: Value modules whose values are properties, never node keys (first/last seen dates).
_NOT_KEYS = frozenset({"date"})


def _collect_normalizers() -> dict[str, Normalizer]:
    """``normalize`` of every value module by its name (``types/url.py``: ``"url"``), so a
    new ``graphinv/types/<value>.py`` is a normalizer the schema can name with no edit here.

    >>> sorted(_collect_normalizers())  # doctest: +NORMALIZE_WHITESPACE
    ['address', 'company', 'country', 'email', 'name', 'payment', 'phone', 'platform',
     'text', 'url']
    """
    found: dict[str, Normalizer] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in _NOT_KEYS:
            continue
        fn = getattr(importlib.import_module(f"{__name__}.{info.name}"), "normalize", None)
        if callable(fn):
            found[info.name] = fn
    return found


#: Normalizers by the name the schema refers to them with (``NodeKind.normalizer``).
NORMALIZERS: dict[str, Normalizer] = _collect_normalizers()


def shop_key(platform: str | None, shop_id: str) -> str:
    """The Shop node key: ``<platform slug>:<text key of the shop id>``.

    >>> shop_key("taobao", " ＳＨＯＰ-1 ")
    'taobao:shop-1'
    """
    return f"{platform or 'unknown'}:{normalize_text(shop_id).key}"


def match_key(normalizer: str, raw: str, **context: object) -> str | None:
    """The match key of ``raw`` under the normalizer named ``normalizer``, or ``None``.

    ``None`` when the value is empty or unusable. An unknown normalizer name is a
    programming error (the schema names only registered ones) and raises ``KeyError``
    rather than silently matching nothing.

    Examples
    --------
    >>> match_key("phone", "+86 138 0013 8000")
    '+8613800138000'
    >>> match_key("name", "   ") is None
    True
    """
    return NORMALIZERS[normalizer](raw, **context).key or None

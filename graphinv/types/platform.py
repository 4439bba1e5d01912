"""Marketplaces: platform slugs from names and domains.
"""

from __future__ import annotations

import re
from typing import Any

from graphinv.types._base import Normalized, _aliases, _make, _normalizer, _run
from graphinv.types._text import _APOSTROPHES_RE, _text_key, _tokens
from graphinv.types.country import _country_code
from graphinv.types.url import _split_url

__all__ = ["display", "key", "normalize", "normalize_platform"]


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


#: This kind's normalizer under the name every value type uses.
normalize = normalize_platform


def key(raw: str, **context: Any) -> str | None:
    """Match key of ``raw`` (``None`` when empty or unusable); ``context`` as :func:`normalize`.

    Examples
    --------
    >>> key("AliExpress")
    'aliexpress'
    """
    return normalize_platform(raw, **context).key


def display(raw: str) -> str:
    """The raw value as shown to investigators: trimmed, otherwise verbatim.

    Examples
    --------
    >>> display("AliExpress")
    'AliExpress'
    """
    return normalize_platform(raw).display

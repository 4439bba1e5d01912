"""Shop identity from a shop URL: canonical platform + the shop id the platform uses.

Test-purchase logs and complaints often carry the store URL and no store id. The
URL names the shop as surely as its id, in a shape each platform fixes:

============ ======================================================= ==============
platform     URL shape                                               shop id
============ ======================================================= ==============
taobao       ``shop<ID>.taobao.com``, ``...taobao.com/...?shop_id=<ID>`` digits
tmall        ``<handle>.tmall.com``, ``...tmall.com/...?shop_id=<ID>``   handle or id
1688         ``<handle>.1688.com``, ``.../winport/<handle>.html``      handle
jd           ``mall.jd.com/index-<ID>.html``, ``...jd.com/...?shopId=<ID>`` digits
pinduoduo    ``yangkeduo.com/...?mall_id=<ID>``, ``pinduoduo.com/...mall_id=<ID>`` digits
aliexpress   ``aliexpress.*/store/<ID>``, ``.../store/.../<ID>.html``   digits
amazon       ``amazon.*/sp?seller=<ID>``, ``amazon.*/s?me=<ID>``        seller id
ebay         ``ebay.*/str/<handle>``, ``ebay.*/usr/<handle>``            handle
etsy         ``etsy.com/shop/<handle>``                               handle
shopee       ``shopee.*/shop/<ID>``                                   digits
lazada       ``lazada.*/shop/<handle>``                               handle
temu         ``temu.com/...-m-<ID>.html``, ``temu.com/...?mall_id=<ID>`` digits
mercadolibre ``mercadolibre.*/tienda/<handle>``, ``perfil.mercadolibre.*/<NICK>``, handle
             ``mercadolivre.com.br/loja/<handle>``
wish         ``wish.com/merchant/<ID>``                               id
============ ======================================================= ==============

Ids are case-folded like ``shop_id`` values (:func:`graphinv.ingest.extract.shop_key`),
so ``etsy.com/shop/RedMapleCrafts`` is the shop ``etsy:redmaplecrafts`` whether a file
gives its id or its URL. Anything else (another platform, a product page) gives None:
the row's shop is then keyed by its canonical URL.

>>> shop_from_url("https://www.aliexpress.com/store/2001234?spm=a2g0o")
('aliexpress', '2001234')
>>> shop_from_url("https://shop58812345.taobao.com/index.htm")
('taobao', '58812345')
>>> shop_from_url("https://www.amazon.de/sp?seller=A1B2C3D4E5&tab=home")
('amazon', 'A1B2C3D4E5')
>>> shop_from_url("https://www.etsy.com/listing/123/mug") is None
True
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

__all__ = ["PLATFORM_HOSTS", "SHARED", "URL_ONLY_ISSUE", "ShopUrlIndex", "combine", "shop_from_url",
           "shop_url_identity", "url_only_shop_key"]

#: Registrable domain label -> platform slug (as :func:`normalize_platform` gives it).
PLATFORM_HOSTS: dict[str, str] = {
    "taobao": "taobao", "tmall": "tmall", "1688": "1688", "jd": "jd",
    "yangkeduo": "pinduoduo", "pinduoduo": "pinduoduo", "aliexpress": "aliexpress",
    "amazon": "amazon", "ebay": "ebay", "etsy": "etsy", "shopee": "shopee", "lazada": "lazada",
    "temu": "temu", "mercadolibre": "mercadolibre", "mercadolivre": "mercadolibre",
    "wish": "wish",
}
_SUFFIX = re.compile(r"^[a-z]{2,3}$")
_GENERIC_SUB = frozenset({"www", "m", "detail", "item", "list", "s", "login", "h5", "world",
                          "global", "shop", "store", "mall", "mobile", "perfil", "pages"})
_QUERY_IDS = {
    "taobao": ("shop_id", "shopid"), "tmall": ("shop_id", "shopid"), "jd": ("shopid",),
    "pinduoduo": ("mall_id",), "temu": ("mall_id",), "amazon": ("seller", "me"),
    "aliexpress": ("storeid", "sellerid"),
}
_PATHS: dict[str, tuple[re.Pattern[str], ...]] = {
    "1688": (re.compile(r"^/winport/([\w-]+)\.html"),),
    "jd": (re.compile(r"^/index-(\d+)\.html"),),
    "aliexpress": (re.compile(r"^/store/(?:[\w-]+/)*?(\d+)(?:\.html)?(?:/|$)"),),
    "ebay": (re.compile(r"^/(?:str|usr)/([\w.-]+)"),),
    "etsy": (re.compile(r"^/(?:[a-z]{2}(?:-[a-z]{2})?/)?shop/([\w-]+)"),),
    "shopee": (re.compile(r"^/shop/(\d+)"),),
    "lazada": (re.compile(r"^/shop/([\w-]+)"),),
    "temu": (re.compile(r"-m-(\d+)\.html$"),),
    "mercadolibre": (re.compile(r"^/(?:tienda|loja|pagina)/([\w-]+)"),),
    "wish": (re.compile(r"^/merchant/([\w-]+)"),),
}
_SUBDOMAIN_SHOPS = frozenset({"taobao", "tmall", "1688"})
_TAOBAO_SUB = re.compile(r"^shop(\d+)$")


def _platform(host: str) -> tuple[str, list[str]] | None:
    """Platform slug and the labels before its domain (``shop1.taobao.com`` -> ``[shop1]``)."""
    labels = host.lower().rstrip(".").split(".")
    for i, lb in enumerate(labels):
        slug = PLATFORM_HOSTS.get(lb)
        rest = labels[i + 1:]
        if slug and rest and len(rest) <= 2 and all(_SUFFIX.match(x) for x in rest):
            return slug, labels[:i]
    return None


def shop_from_url(url: str | None) -> tuple[str, str] | None:
    """``(platform slug, shop id)`` named by a shop URL, or None."""
    if not url:
        return None
    raw = url.strip()
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    found = _platform(host)
    if found is None:
        return None
    slug, subs = found
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    for name in _QUERY_IDS.get(slug, ()):
        vals = [v.strip() for v in query.get(name, []) if v.strip()]
        if len(vals) == 1 and re.fullmatch(r"[\w-]{2,64}", vals[0]):
            return slug, vals[0]
    for pat in _PATHS.get(slug, ()):
        m = pat.search(parts.path)
        if m:
            return slug, m.group(1)
    if slug == "mercadolibre" and subs[-1:] == ["perfil"]:
        nick = parts.path.strip("/").split("/")[0]
        if nick:
            return slug, nick
    if slug in _SUBDOMAIN_SHOPS and len(subs) == 1 and subs[0] not in _GENERIC_SUB:
        if slug == "taobao":
            m = _TAOBAO_SUB.match(subs[0])
            return (slug, m.group(1)) if m else None
        return slug, subs[0]
    return None


def shop_url_identity(url: str | None, canonical: str | None) -> str | None:
    """What two URLs of one shop have in common: the platform and id the URL names
    (``shop1.taobao.com/`` and ``shop1.taobao.com/index.htm`` alike), else the
    canonical URL.

    >>> shop_url_identity("https://shop1.taobao.com/index.htm", None)
    'taobao/1'
    >>> shop_url_identity("https://myshop.example.net/a", "https://myshop.example.net/a")
    'https://myshop.example.net/a'
    """
    found = shop_from_url(url)
    if found is not None:
        return f"{found[0]}/{found[1].casefold()}"
    return canonical


class ShopUrlIndex:
    """Shops given with their id, by URL identity (:func:`shop_url_identity`).

    A row with only a URL joins the shop :meth:`find` names: the one shop given with
    an id and that URL. When shops with different ids share a URL, :meth:`find` says
    :data:`SHARED` and the row keeps its own URL-derived shop, never joined to either
    (a false link is worse than a missed one); :func:`graphinv.ingest.shopmerge.
    merge_url_shops` then counts it as a conflict. Plain data: it pickles (chunks and
    the ingest worker).

    >>> idx = ShopUrlIndex()
    >>> idx.add("etsy/red", "etsy:r1"); idx.add("etsy/red", "etsy:r1")
    >>> idx.find("etsy/red"), idx.find("etsy/blue")
    ('etsy:r1', None)
    >>> idx.add("etsy/red", "etsy:r2"); idx.find("etsy/red") == SHARED
    True
    """

    def __init__(self) -> None:
        #: identity -> shop key, or SHARED.
        self.keys: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, identity: str, key: str) -> None:
        self.keys[identity] = combine(self.keys.get(identity), key) or SHARED

    def update(self, other: ShopUrlIndex) -> None:
        for identity, key in other.keys.items():
            self.add(identity, key)

    def find(self, identity: str) -> str | None:
        """The one shop with this URL, :data:`SHARED`, or None (no shop has it)."""
        return self.keys.get(identity)


#: The issue on a shop keyed by its canonical URL (dropped when it merges into its id).
URL_ONLY_ISSUE = "shop keyed by its URL (no shop id, URL of no known shop shape)"

#: What a lookup answers when shops with different ids share the URL (never a shop key:
#: those are ``platform:id``).
SHARED = ""


def combine(a: str | None, b: str | None) -> str | None:
    """Two lookups of one URL (this file, earlier files, the store) as one answer.

    >>> combine(None, "etsy:r1"), combine("etsy:r1", "etsy:r1"), combine("etsy:r1", "etsy:r2")
    ('etsy:r1', 'etsy:r1', '')
    """
    if a is None:
        return b
    if b is None or a == b:
        return a
    return SHARED


def url_only_shop_key(url: str, platform: str | None) -> str | None:
    """The key ingest gives the shop of a row with ``url`` and no shop id, when no shop
    known by id has that URL: the platform and id the URL names, else the row's
    platform and the canonical URL. None for a URL that is not usable.

    >>> url_only_shop_key("https://www.etsy.com/shop/RedMapleCrafts?ref=x", None)
    'etsy:redmaplecrafts'
    >>> url_only_shop_key("https://myshop.example.net/a?utm_source=x", None)
    'unknown:https://myshop.example.net/a'
    """
    from graphinv.types import NORMALIZERS, shop_key

    found = shop_from_url(url)
    if found is not None:
        return shop_key(found[0], found[1])
    canonical = NORMALIZERS["url"](url).key
    return shop_key(platform, canonical) if canonical else None

"""Turn one mapped input row into graph entities and links (or a reject reason).

Keys come from the schema's normalizers; raw values are kept for display and
evidence. Rules:

* a row with shop fields needs a ``shop_id`` (else rejected);
* identifiers link to the most specific actor in the row — Shop, else Seller,
  else Supplier (for addresses) — unless a mapping says otherwise;
* platform and country are Shop/Seller properties (codes), never nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphinv import schema
from graphinv.ingest.mapping import IDENTIFIER_FIELDS
from graphinv.ingest.placeholders import Placeholders, is_masked
from graphinv.ingest.shopurl import SHARED, URL_ONLY_ISSUE, shop_url_identity
from graphinv.types import NORMALIZERS, shop_key
from graphinv.types.date import parse_date

__all__ = ["Entity", "ExtractOptions", "Link", "RowGraph", "RowRejected", "extract_row",
           "shop_key"]




class RowRejected(ValueError):
    """The row cannot be loaded; the message is the reason written to rejects."""


@dataclass
class Entity:
    label: str
    key: str
    props: dict[str, Any]
    raw: str | None
    issues: tuple[str, ...] = ()


@dataclass
class Link:
    rel: str
    src_label: str
    src_key: str
    dst_label: str
    dst_key: str
    raw: str | None


@dataclass
class RowGraph:
    entities: list[Entity] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    seen: str | None = None
    #: Values that never became nodes, as ``"<reason>: <Label>"`` (``"placeholder: Email"``).
    ignored: list[str] = field(default_factory=list)
    #: Canonical URL of the row's shop when the row gives both its id and its URL (so that
    #: later rows with only the URL join this shop).
    shop_url_key: str | None = None


@dataclass(frozen=True)
class ExtractOptions:
    """File-level settings of extraction (they must pickle: workers receive them)."""

    placeholders: Placeholders = field(default_factory=Placeholders)
    #: ISO code for rows without a country (``--country`` / ``[options] default_country``).
    default_country: str | None = None
    #: ``day-first`` / ``month-first`` for ``NN/NN/YYYY`` dates; None: such dates are unread.
    date_order: str | None = None
    #: URL identity -> key of the one shop already known by id with that URL (this run or
    #: the store), :data:`~graphinv.ingest.shopurl.SHARED` when shops with different ids
    #: share it, else None; rows with a URL and no id join the shop it names.
    known_shop: Callable[[str], str | None] | None = field(default=None, compare=False)


_DEFAULT_OPTIONS = ExtractOptions()



#: Fields that hold one value per row; a split cell's further values are counted.
_SINGLE_FIELDS = ("shop_id", "shop_name", "shop_url", "platform", "seller_country",
                  "first_seen", "listing_id")


def _known(code: str | None) -> str | None:
    return None if code in (None, "ZZ") else code


#: Fallbacks of identifier properties the normalizer's ``parts`` may lack, by name.
_PROP_FALLBACKS: dict[str, Callable[[str], Any]] = {
    "valid": lambda key: not key.startswith("invalid:"),
    "domain": lambda key: key.rpartition("@")[2],
}


def _identifier_props(kind: schema.NodeKind, n: Any, raw: str,
                      country: str | None) -> dict[str, Any]:
    """The declared properties of an identifier node, from its normalized parts.

    Every kind reads the same way, so a kind added to the schema needs no code here:
    a property takes the part of the same name (``provider``, ``postcode``, ``host``);
    ``country`` falls back to the row's country ("ZZ", no country known, is an internal
    code and stays empty); ``name`` is the raw value; a BOOLEAN part is ``"true"``.

    >>> from graphinv.types import NORMALIZERS
    >>> _identifier_props(schema.NODE_KINDS["Phone"], NORMALIZERS["phone"]("12345"), "12345",
    ...                   "CN")
    {'display': '12345', 'country': 'CN', 'valid': False}
    """
    parts = n.parts or {}
    props: dict[str, Any] = {"display": n.display}
    for prop, ptype in kind.props:
        value: Any = parts.get(prop)
        if prop == "country":
            value = _known(value) or country
        elif prop == "name":
            value = raw
        elif ptype == "BOOLEAN" and value is not None:
            value = value == "true"
        if value in (None, "") and prop in _PROP_FALLBACKS:
            value = _PROP_FALLBACKS[prop](n.key)
        props[prop] = value
    return props


def _first(values: dict[str, list[str]], name: str) -> str | None:
    vals = values.get(name)
    return vals[0] if vals else None


def extract_row(values: dict[str, list[str]], *, link_to: str = "shop",
                options: ExtractOptions | None = None) -> RowGraph:
    """Entities and links asserted by one row.

    >>> g = extract_row({"shop_id": ["S1"], "platform": ["AliExpress"],
    ...                  "phone": ["+86 138 0013 8000"], "seller_country": ["China"]})
    >>> [(e.label, e.key) for e in g.entities]
    [('Shop', 'aliexpress:s1'), ('Phone', '+8613800138000')]
    >>> [(lk.rel, lk.dst_key) for lk in g.links]
    [('USES_PHONE', '+8613800138000')]
    """
    opts = options or _DEFAULT_OPTIONS
    nothing = opts.placeholders.reason
    g = RowGraph()
    # A file-level default (--country, [options] default_country) stands in for a
    # missing country column or an empty cell.
    country_raw = _first(values, "seller_country") or opts.default_country
    country = None
    if country_raw:
        c = NORMALIZERS["country"](country_raw)
        country = c.key
        if c.key is None:
            g.issues.append(f"unknown country {country_raw!r}")
    platform_raw = _first(values, "platform")
    platform = site = None
    if platform_raw:
        p = NORMALIZERS["platform"](platform_raw)
        platform = p.key
        site = p.parts.get("site") if p.parts else None
    g.seen, problem = parse_date(_first(values, "first_seen"), opts.date_order)
    if problem == "ambiguous":
        g.issues.append("ambiguous first_seen date (pass --day-first or --month-first)")
    elif problem:
        g.issues.append("unreadable first_seen date")

    shop_id = _first(values, "shop_id")
    shop_name = _first(values, "shop_name")
    shop_url = _first(values, "shop_url")
    shop: Entity | None = None
    # Only a row that gives the id says which shop it is; a row with only a URL makes
    # (or joins) a URL-only shop, told apart in the store by having no raw id
    # (see graphinv.ingest.shopmerge), that merges into its id-keyed shop later.
    id_given = shop_id is not None
    if shop_id is None and shop_url:
        shop_id, platform, site = _shop_from_url(shop_url, platform, site, g, opts.known_shop)
    if shop_id is None and shop_name:
        raise RowRejected("missing shop_id (the row names a shop but not its id or URL)")
    if shop_id is not None:
        sid = NORMALIZERS["text"](shop_id)
        if not sid.key:
            raise RowRejected("empty shop_id after normalization")
        url = None
        issues = list(sid.issues)
        if shop_url:
            u = NORMALIZERS["url"](shop_url)
            issues.extend(u.issues)
            if u.key is not None:
                url = u.display
                if id_given:
                    g.shop_url_key = shop_url_identity(shop_url, u.key)
        if shop_name:
            issues.extend(NORMALIZERS["name"](shop_name).issues)
        shop = Entity("Shop", shop_key(platform, shop_id), {
            "shop_id": shop_id, "name": shop_name, "url": url, "platform": platform,
            "site": site, "country": country, "display": shop_name or shop_id,
        }, raw=shop_id if id_given else None, issues=tuple(dict.fromkeys(issues)))
        g.entities.append(shop)

    # A cell may name several sellers (officers, nominees: a mapping `split`): each one
    # is a seller of the shop. The first is the one identifiers attach to without a shop.
    seller: Entity | None = None
    for seller_name in values.get("seller_name", ()):
        if why := nothing("name", seller_name):
            g.ignored.append(f"{why}: Seller")
            continue
        # Legal forms are dropped: "Lucky Trading Co., Ltd." and "... COMPANY LIMITED"
        # are one seller.
        s = NORMALIZERS[schema.NODE_KINDS["Seller"].normalizer](seller_name)
        if not s.key:
            g.ignored.append("empty: Seller")
            continue
        # No country: "unknown", spelled out (the key is shown in every output's node id).
        ent = Entity("Seller", f"{country or 'unknown'}:{s.key}", {
            "name": seller_name, "country": country, "display": seller_name,
        }, raw=seller_name, issues=s.issues)
        g.entities.append(ent)
        seller = seller or ent
        if shop is not None:
            g.links.append(Link("OPERATES", "Seller", ent.key, "Shop", shop.key,
                                seller_name))

    supplier_entities: list[Entity] = []
    for field_name, label in IDENTIFIER_FIELDS.items():
        kind = schema.NODE_KINDS[label]
        for raw in values.get(field_name, ()):
            if why := nothing(kind.normalizer, raw):
                g.ignored.append(f"{why}: {label}")
                continue
            if is_masked(kind.normalizer, raw):
                # Partial evidence, never a key: kept on the shop's issues, counted.
                g.ignored.append(f"masked: {label}")
                g.issues.append(f"masked {label} {raw!r}")
                continue
            n = NORMALIZERS[kind.normalizer](raw, country=country)
            if n.key is None:
                if n.issues:
                    # Spelled like the kept values' issues ("Phone: ..."): one issue,
                    # one count in the summary.
                    g.issues.extend(f"{label}: {i}" for i in n.issues)
                continue
            ent = Entity(label, n.key, _identifier_props(kind, n, raw, country), raw=raw,
                         issues=n.issues)
            g.entities.append(ent)
            if label == "Supplier":
                supplier_entities.append(ent)

    actor = _actor(link_to, shop, seller, supplier_entities)
    for ent in g.entities:
        if ent.label in ("Shop", "Seller"):
            continue
        if ent.label == "Supplier":
            if actor is not None and actor.label in ("Shop", "Seller"):
                g.links.append(Link("SOURCES_FROM", actor.label, actor.key, "Supplier",
                                    ent.key, ent.raw))
            continue
        if actor is None:
            continue
        if not schema.has_link(actor.label, ent.label):
            continue  # e.g. a supplier's phone: suppliers only link to addresses
        g.links.append(Link(schema.rel_type_for(actor.label, ent.label), actor.label,
                            actor.key, ent.label, ent.key, ent.raw))

    for raw in values.get("supplier_address", ()):
        if not supplier_entities:
            g.issues.append("supplier_address without supplier")
            break
        if why := nothing("address", raw):
            g.ignored.append(f"{why}: Address")
            continue
        n = NORMALIZERS["address"](raw, country=country)
        if n.key is None:
            continue
        ent = Entity("Address", n.key, {"display": n.display, "country": country,
                                        "postcode": (n.parts or {}).get("postcode")},
                     raw=raw, issues=n.issues)
        g.entities.append(ent)
        for sup in supplier_entities:
            g.links.append(Link("LOCATED_AT", "Supplier", sup.key, "Address", ent.key, raw))

    for name in _SINGLE_FIELDS:
        extra = len(values.get(name, ())) - 1
        if extra > 0:  # never silently: the first is used, the rest counted
            g.issues.extend([f"{name}: extra value ignored (one per row)"] * extra)
    if not g.entities:
        if g.ignored:
            raise RowRejected("only placeholder values (" + ", ".join(g.ignored)
                              + "): no shop, seller, supplier or identifier in the row")
        raise RowRejected("no shop, seller, supplier or identifier in the row")
    if actor is None and any(e.label != "Supplier" for e in g.entities):
        raise RowRejected("identifiers without a shop, seller or supplier to attach them to")
    return g


def _shop_from_url(url: str, platform: str | None, site: str | None, g: RowGraph,
                   known: Callable[[str], str | None] | None = None,
                   ) -> tuple[str, str | None, str | None]:
    """Shop id and platform of a row that gives the shop's URL but not its id.

    First the shop already known with the same canonical URL (a scrape that gave id and
    URL); then the id parsed from the URL (:func:`graphinv.ingest.shopurl.shop_from_url`);
    a URL of no known shape keys the shop by the canonical URL (``https://host/path``),
    which is stable across tracking parameters.
    """
    from graphinv.ingest.shopurl import shop_from_url

    canonical = shop_url_identity(url, NORMALIZERS["url"](url).key)
    existing = known(canonical) if known is not None and canonical else None
    if existing == SHARED:
        # Shops with different ids share this URL: joining one would be a guess.
        g.issues.append("shop URL shared by shops with different ids (joined to none)")
    elif existing is not None:
        slug, _, sid = existing.partition(":")
        if platform is not None and platform != slug:
            raise RowRejected(f"shop_url is the {slug} shop {existing!r} but the platform "
                              f"column says {platform!r}")
        return sid, None if slug == "unknown" else slug, site
    found = shop_from_url(url)
    if found is not None:
        slug, sid = found
        if platform is not None and platform != slug:
            raise RowRejected(f"shop_url is a {slug} shop but the platform column says "
                              f"{platform!r}")
        if site is None:
            site = NORMALIZERS["platform"](url).parts.get("site")
        return sid, slug, site
    u = NORMALIZERS["url"](url)
    if u.key is None:
        raise RowRejected("missing shop_id and the shop_url is not a usable http(s) URL")
    g.issues.append(URL_ONLY_ISSUE)
    return u.key, platform, site


def _actor(link_to: str, shop: Entity | None, seller: Entity | None,
           suppliers: list[Entity]) -> Entity | None:
    order = {"shop": (shop, seller), "seller": (seller, shop), "supplier": ()}[link_to]
    for cand in order:
        if cand is not None:
            return cand
    return suppliers[0] if suppliers else None

"""Which input column feeds which graph field.

A :class:`Mapping` maps the canonical *fields* below to columns of one input
layout, with optional multi-value splitting and constants. Without a mapping
file, :func:`builtin_mapping` recognizes common column names (listed in
:data:`ALIASES` and in the README). A mapping file (TOML or YAML) looks like::

    [source]
    name = "aliexpress-scrape-2025-03"

    [fields]
    shop_id = "Store No."
    shop_name = "Store name"
    phone = { column = "Contacts", split = ";" }
    platform = { value = "aliexpress" }        # a constant for the whole file

    [options]
    link_identifiers_to = "shop"               # shop | seller | supplier
    placeholders = ["pending review"]          # more values that mean "nothing"
    default_country = "CN"                     # for rows without a country
    date_order = "day-first"                   # NN/NN/YYYY dates: day-first | month-first

>>> m = builtin_mapping(["Shop ID", "Phone", "Store Name", "notes"])
>>> sorted(m.fields)
['phone', 'shop_id', 'shop_name']
>>> m.unmapped
['notes']
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping as TMapping
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv.errors import MappingError

__all__ = [
    "FIELDS",
    "IDENTIFIER_FIELDS",
    "ALIASES",
    "FieldSpec",
    "Mapping",
    "builtin_mapping",
    "load_mapping",
    "header_key",
    "sniff_field",
]

_ID_KINDS = [k for k in schema.NODE_KINDS.values() if k.field and k.is_identifier]
_FIELD = {k.label: str(k.field) for k in _ID_KINDS}

#: Canonical fields: name -> (graph kind or attribute, description).
FIELDS: dict[str, str] = {
    "listing_id": "listing or observation id (kept in evidence only)",
    "shop_id": "the shop's id on its platform (kept exactly as given)",
    "shop_name": "shop display name",
    "shop_url": "shop URL (http/https only)",
    "platform": "marketplace (normalized to a slug)",
    "seller_name": "seller / legal name behind the shop",
    "seller_country": "country of the seller or shop (ISO code or name)",
    # one field per identifier kind, declared in the schema (NodeKind.field)
    **{_FIELD[k.label]: k.field_help for k in _ID_KINDS},
    "supplier_address": "the supplier's address",
    "first_seen": "date the shop was first observed (ISO date)",
}

#: Fields that become identifier nodes, with their node kind (from the schema).
IDENTIFIER_FIELDS: dict[str, str] = dict(schema.IDENTIFIER_FIELDS)

#: Built-in column names recognized without a mapping (compared after
#: :func:`header_key`: NFKC, case-folded, non-alphanumerics collapsed to ``_``).
ALIASES: dict[str, tuple[str, ...]] = {
    "listing_id": ("listing_id", "listing", "item_id", "offer_id", "product_id", "asin"),
    "shop_id": ("shop_id", "store_id", "shopid", "storeid", "store_no", "seller_shop_id",
                "shop", "store", "店铺id", "店铺_id", "店铺编号"),
    "shop_name": ("shop_name", "store_name", "shop_title", "storefront", "店铺名称", "店铺名"),
    "shop_url": ("shop_url", "store_url", "url", "shop_link", "store_link", "link", "店铺链接",
                 "店铺网址", "shop_website"),
    "platform": ("platform", "marketplace", "site", "channel", "平台"),
    "seller_name": ("seller_name", "seller", "merchant", "merchant_name", "company_name",
                    "business_name", "legal_name", "卖家", "商家名称",
                    "卖家名称", "卖家名", "公司名称", "seller_company", "seller_legal_name"),
    "seller_country": ("seller_country", "country", "country_code", "shop_country",
                       "ship_from_country", "国家"),
    **{_FIELD[k.label]: tuple(dict.fromkeys((_FIELD[k.label], *k.field_aliases)))
       for k in _ID_KINDS},
    "supplier_address": ("supplier_address", "factory_address"),
    "first_seen": ("first_seen", "first_seen_date", "observed", "observed_at", "date_seen",
                   "scraped_at", "date"),
}

_LINK_TARGETS = ("shop", "seller", "supplier")
_DATE_ORDERS = ("day-first", "month-first")
_OPTIONS = ("link_identifiers_to", "placeholders", "default_country", "date_order")
#: Built-in mapping splits these cells on ";" (scraped pages often list several).
_MULTI = {_FIELD[k.label]: k.field_split for k in _ID_KINDS if k.field_split}


def header_key(name: str) -> str:
    """Comparable form of a column header.

    >>> header_key("  Shop-ID ")
    'shop_id'
    >>> header_key("Ｅ－Ｍａｉｌ")
    'e_mail'
    """
    s = unicodedata.normalize("NFKC", name).casefold().strip().lstrip("\ufeff")
    return re.sub(r"[^\w]+", "_", s).strip("_")


_ALIAS_INDEX = {header_key(a): f for f, names in ALIASES.items() for a in names}


@dataclass(frozen=True)
class FieldSpec:
    """Where one field's value comes from: a column (optionally split) or a constant."""

    column: str | None = None
    value: str | None = None
    split: str | None = None


@dataclass
class Mapping:
    """A validated mapping for one input layout."""

    fields: dict[str, FieldSpec]
    source: str | None = None
    link_to: str = "shop"
    unmapped: list[str] = field(default_factory=list)
    origin: str = "built-in column names"
    #: Extra values that mean "nothing" (see :mod:`graphinv.ingest.placeholders`).
    placeholders: tuple[str, ...] = ()
    #: Country (code or name) of rows without one; phones and addresses need it.
    default_country: str | None = None
    #: How to read ``NN/NN/YYYY`` dates: ``day-first`` or ``month-first`` (None: refuse).
    date_order: str | None = None
    #: More columns feeding an identifier field already in ``fields`` (built-in
    #: names only: ``Phone`` and ``Seller phone`` are both phones of the row).
    extra: list[tuple[str, FieldSpec]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._plan = [(n, f.column, f.value, f.split)
                      for n, f in [*self.fields.items(), *self.extra]]

    def extract(self, row: TMapping[str, Any]) -> dict[str, list[str]]:
        """Values of each field in one row (lists: a cell may hold several values)."""
        out: dict[str, list[str]] = {}
        for name, column, const, split in self._plan:
            if const is not None:
                out[name] = [const]
                continue
            v = row.get(column) if column is not None else None
            if not v:
                continue
            if isinstance(v, str):
                if split:
                    items = [p for p in (q.strip() for q in v.split(split)) if p]
                else:
                    v = v.strip()
                    items = [v] if v else []
            else:
                items = []
                for x in v if isinstance(v, list) else [v]:
                    if x is None:
                        continue
                    parts = str(x).split(split) if split else [str(x)]
                    items.extend(p for p in (q.strip() for q in parts) if p)
            if items:
                if name in out:
                    out[name] = out[name] + items
                else:
                    out[name] = items
        return out

    def check_columns(self, header: Sequence[str], file: str) -> None:
        """Every mapped column must exist in this file's header."""
        missing = [s.column for s in self.fields.values()
                   if s.column is not None and s.column not in header]
        if missing and header:
            raise MappingError(
                f"mapped column not found in {file}", value=repr(missing[0]),
                hint="columns in the file: " + ", ".join(header),
            )


_SNIFF_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]{2,}$")
_SNIFF_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_SNIFF_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,24}$")
_SNIFF_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_SNIFF_PAY = re.compile(
    r"^(alipay|paypal|payoneer|pingpong|lianlian|worldfirst|wechat ?pay|stripe|iban|wise|"
    r"skrill|airwallex|western ?union|bank|支付宝|微信|连连|银行)\b|^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$",
    re.IGNORECASE)
#: Share of a column's sampled values that must look alike before it gets a warning.
_SNIFF_SHARE = 0.6


def _looks_like(value: str) -> str | None:
    v = value.strip()
    if _SNIFF_EMAIL.match(v):
        return "email"
    if _SNIFF_URL.match(v):
        return "shop_url"
    if _SNIFF_PAY.match(v):
        return "payment_account"
    if _SNIFF_PHONE.match(v) and not _SNIFF_DATE.match(v):
        digits = sum(c.isdigit() for c in v)
        # Bare digit runs are order numbers and ids as often as phones: only a
        # +/00 prefix, separators or a Chinese mobile number (1[3-9] + 9) count.
        if 7 <= digits <= 15 and (v.startswith(("+", "00")) or not v.isdigit()
                                  or re.fullmatch(r"1[3-9]\d{9}", v)):
            return "phone"
    return None


def sniff_field(values: Sequence[str]) -> str | None:
    """The field an unmapped column's values probably hold, or None.

    Only the identifier-like fields are guessed (phone, email, shop_url,
    payment_account), and only when most sampled values agree: the guess is a
    warning for a person, never a mapping applied behind their back.

    >>> sniff_field(["+86 138 0013 8000", "0755-8888 1234", ""])
    'phone'
    >>> sniff_field(["Sales@Bright.com", "info@x.cn"])
    'email'
    >>> sniff_field(["Alipay 2088123456789012", "PayPal pay@x.com"])
    'payment_account'
    >>> sniff_field(["red", "blue"]) is None
    True
    """
    seen = [v for v in values if isinstance(v, str) and v.strip()]
    if not seen:
        return None
    votes: dict[str, int] = {}
    for v in seen:
        kind = _looks_like(v.split(";")[0])
        if kind:
            votes[kind] = votes.get(kind, 0) + 1
    if not votes:
        return None
    best = max(votes, key=lambda k: votes[k])
    return best if votes[best] >= _SNIFF_SHARE * len(seen) else None


def builtin_mapping(header: Sequence[str]) -> Mapping:
    """Recognize common column names; unknown columns are listed, not guessed.

    Several columns of one identifier field all feed it; a second column of any
    other field is listed as unmapped.

    >>> m = builtin_mapping(["shop_id", "联系电话", "Seller phone", "Shop name", "Store"])
    >>> m.extract({"shop_id": "S1", "联系电话": "+86 138", "Seller phone": "+1 212"})["phone"]
    ['+86 138', '+1 212']
    >>> m.unmapped
    ['Store']
    """
    fields: dict[str, FieldSpec] = {}
    extra: list[tuple[str, FieldSpec]] = []
    unmapped: list[str] = []
    for col in header:
        f = _ALIAS_INDEX.get(header_key(col))
        if f is not None and f in fields and f in IDENTIFIER_FIELDS:
            extra.append((f, FieldSpec(column=col, split=_MULTI.get(f))))
            continue
        if f is None or f in fields:
            unmapped.append(col)
            continue
        fields[f] = FieldSpec(column=col, split=_MULTI.get(f))
    return Mapping(fields=fields, unmapped=unmapped, extra=extra)


def load_mapping(path: Path) -> Mapping:
    """Read and validate a TOML or YAML mapping file.

    Errors name the offending key and the allowed values.
    """
    try:
        if path.stat().st_size > _MAX_MAPPING_BYTES:
            raise MappingError("mapping file too large", value=f"{path} "
                               f"({path.stat().st_size:,} bytes)",
                               hint=f"a mapping is a few lines; limit {_MAX_MAPPING_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError("cannot read mapping file", value=str(path),
                           hint=exc.strerror or "check the path") from exc
    except UnicodeDecodeError as exc:
        raise MappingError("mapping file is not UTF-8", value=f"{path} (byte {exc.start})",
                           hint="save the mapping as UTF-8") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = _load_yaml(text, path)
        else:
            data = tomllib.loads(text)
    except MappingError:
        raise
    except Exception as exc:  # both parsers raise their own error families
        raise MappingError("mapping file does not parse", value=str(path),
                           hint=_first_line(exc)) from exc
    if not isinstance(data, dict):
        raise MappingError("mapping must be a table", value=str(path),
                           hint="expected [fields] and optional [source], [options]")
    allowed_top = {"source", "fields", "options"}
    for k in data:
        if k not in allowed_top:
            raise MappingError("unknown mapping section", value=_key(k),
                               hint="allowed: " + ", ".join(sorted(allowed_top)))
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, dict) or not raw_fields:
        raise MappingError("mapping has no [fields] table", value=str(path),
                           hint="map at least one field, e.g. shop_id = \"Store No.\"")
    fields: dict[str, FieldSpec] = {}
    for name, spec in raw_fields.items():
        if name not in FIELDS:
            raise MappingError("unknown field in mapping", value=f"fields.{_key(name)}",
                               hint="allowed: " + ", ".join(FIELDS))
        fields[name] = _spec(name, spec)
    source = data.get("source") or {}
    if not isinstance(source, dict) or any(k != "name" for k in source):
        raise MappingError("bad [source] table", value=_show(source),
                           hint="only `name = \"...\"` is allowed")
    name = source.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise MappingError("source name must be a non-empty string", value=f"source.name = "
                           f"{_show(name)}", hint='quote it: name = "my-scrape-2025-03"')
    options = data.get("options") or {}
    if not isinstance(options, dict):
        raise MappingError("bad [options] table", value=_show(options),
                           hint="allowed: " + ", ".join(_OPTIONS))
    for k in options:
        if k not in _OPTIONS:
            raise MappingError("unknown option", value=f"options.{_key(k)}",
                               hint="allowed: " + ", ".join(_OPTIONS))
    link = options.get("link_identifiers_to", "shop")
    if link not in _LINK_TARGETS:
        raise MappingError("bad option value",
                           value=f"options.link_identifiers_to = {_show(link)}",
                           hint="allowed: " + ", ".join(_LINK_TARGETS))
    words = options.get("placeholders", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise MappingError("bad option value", value=f"options.placeholders = {_show(words)}",
                           hint='a list of strings, e.g. ["pending", "see website"]')
    country = options.get("default_country")
    if country is not None and (not isinstance(country, str) or not country.strip()
                                or _country_code(country) is None):
        raise MappingError("bad option value", value=f"options.default_country = {_show(country)}",
                           hint='an ISO country code or name, e.g. "CN"')
    order = options.get("date_order")
    if order is not None and order not in _DATE_ORDERS:
        raise MappingError("bad option value", value=f"options.date_order = {_show(order)}",
                           hint="allowed: " + ", ".join(_DATE_ORDERS))
    return Mapping(fields=fields, source=source.get("name"), link_to=link, origin=str(path),
                   placeholders=tuple(words), default_country=country, date_order=order)


def _country_code(raw: str) -> str | None:
    from graphinv.types import NORMALIZERS

    return NORMALIZERS["country"](raw).key


def _spec(name: str, spec: Any) -> FieldSpec:
    if isinstance(spec, str):
        return FieldSpec(column=spec)
    if not isinstance(spec, dict):
        raise MappingError("bad field spec", value=f"fields.{name} = {_show(spec)}",
                           hint="use a column name or {column=..., split=...} or {value=...}")
    allowed = {"column", "value", "split"}
    for k in spec:
        if k not in allowed:
            raise MappingError("unknown key in field spec", value=f"fields.{name}.{_key(k)}",
                               hint="allowed: " + ", ".join(sorted(allowed)))
    column, value, split = spec.get("column"), spec.get("value"), spec.get("split")
    if (column is None) == (value is None):
        raise MappingError("field needs exactly one of column or value", value=f"fields.{name}",
                           hint='e.g. { column = "Phones", split = ";" } or { value = "ebay" }')
    for k, v in (("column", column), ("value", value), ("split", split)):
        if v is not None and (not isinstance(v, str) or not v):
            raise MappingError("field spec values must be non-empty strings",
                               value=f"fields.{name}.{k} = {_show(v)}", hint="quote the value")
    return FieldSpec(column=column, value=value, split=split)


#: A mapping is a few lines: anything this big is the wrong file (or an attack).
_MAX_MAPPING_BYTES = 1 << 20


def _load_yaml(text: str, path: Path) -> Any:
    """``yaml.safe_load`` without anchors and aliases.

    A "billion laughs" file nests aliases so that walking the result (even printing
    it in an error message) takes exponential time and memory; a mapping never needs
    them, so any alias is refused before the document is built.
    """
    import yaml

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise MappingError("YAML aliases are not allowed in a mapping", value=f"{path}: "
                               f"*{_show(event.anchor)}", hint="write each value out in full")
    return yaml.safe_load(text)


def _show(value: Any, limit: int = 80) -> str:
    """A short, always printable rendering of a parsed value for an error message
    (``repr`` of a 5,000-digit integer raises ValueError; a huge table floods the
    terminal).

    >>> _show(int("f" * 5000, 16))
    '<integer of 20000 bits>'
    >>> _show("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"<integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _key(name: Any) -> str:
    """A table key for a message: strings as they are, anything else (YAML) shown."""
    return name if isinstance(name, str) else _show(name)


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except ValueError:  # a message holding a huge integer
        text = ""
    return (text.splitlines()[0][:200] if text else type(exc).__name__)

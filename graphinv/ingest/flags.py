"""Flags: shops or identifiers known to be bad (takedown, test purchase, complaint).

A flags file has columns ``shop_id`` (+ ``platform``) for shops, or ``kind`` and
``value`` for identifiers (``kind`` is a node kind such as ``phone`` or
``PaymentAccount``), plus ``flag``, ``reason`` and ``date``.

>>> t = flag_target({"shop_id": "S1", "platform": "eBay", "flag": "takedown",
...                  "reason": "fake", "date": "2025-01-02"}, source="tp")
>>> t.label, t.key, t.record["flag"]
('Shop', 'ebay:s1', 'takedown')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graphinv import schema
from graphinv.ingest.extract import RowRejected, shop_key
from graphinv.ingest.mapping import header_key
from graphinv.types import NORMALIZERS
from graphinv.types.date import parse_date

__all__ = ["FLAG_TYPES", "FlagTarget", "flag_target", "looks_like_flags"]

FLAG_TYPES = ("takedown", "test_purchase", "complaint", "suspicious")
_FLAG_ALIASES = {"taken_down": "takedown", "take_down": "takedown", "removed": "takedown",
                 "test_buy": "test_purchase", "testpurchase": "test_purchase",
                 "confirmed_test_purchase": "test_purchase", "report": "complaint"}
_KIND_ALIASES = {header_key(k): k for k in schema.NODE_KINDS} | {
    "payment": "PaymentAccount", "payment_account": "PaymentAccount", "account": "PaymentAccount",
    "phone": "Phone", "email": "Email", "e_mail": "Email", "address": "Address",
    "supplier": "Supplier", "seller": "Seller", "shop": "Shop",
}


def looks_like_flags(columns: list[str]) -> bool:
    """Is this the flags layout (a takedown list), with nothing a records file adds?

    Ingested as records such a file would create phantom shops, write takedown dates
    into ``first_seen`` and drop ``flag``/``reason``: the CLI refuses it instead.

    >>> looks_like_flags(["shop_id", "platform", "flag", "reason", "date"])
    True
    >>> looks_like_flags(["Kind", "Value", "Flag"])
    True
    >>> looks_like_flags(["shop_id", "phone", "flag"])  # records that carry a flag column
    False
    """
    from graphinv.ingest.mapping import IDENTIFIER_FIELDS, builtin_mapping

    keys = {header_key(c) for c in columns}
    if "flag" not in keys or not ("shop_id" in keys or {"kind", "value"} <= keys):
        return False
    mapped = set(builtin_mapping(list(columns)).fields)
    return not mapped & {"seller_name", "shop_name", "shop_url", *IDENTIFIER_FIELDS}


@dataclass
class FlagTarget:
    label: str
    key: str
    raw: str
    record: dict[str, Any]
    #: Problems that did not stop the flag (``unreadable flag date``), counted by ingest.
    issues: tuple[str, ...] = ()

    @property
    def json(self) -> str:
        return json.dumps(self.record, ensure_ascii=False, sort_keys=True)


def flag_target(row: dict[str, Any], *, source: str,
                date_order: str | None = None) -> FlagTarget:
    """The node one flags row points at, with its flag record; raises RowRejected.

    A date that cannot be read never loses the flag: it is loaded without a date and
    the problem is returned in ``issues`` (a taken-down shop must not look like a new
    lead because of a date format).
    """
    f = {header_key(k): (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
    flag = header_key(f.get("flag") or f.get("type") or f.get("status") or "")
    flag = _FLAG_ALIASES.get(flag, flag)
    if flag not in FLAG_TYPES:
        raise RowRejected(f"unknown flag {f.get('flag')!r} (use one of {', '.join(FLAG_TYPES)})")
    date_raw = f.get("date") or f.get("flag_date") or ""
    date, problem = parse_date(date_raw, date_order)
    issues: tuple[str, ...] = ()
    if problem == "ambiguous":
        issues = ("flags: ambiguous date, loaded without it (pass --day-first or "
                  "--month-first)",)
    elif problem:
        issues = ("flags: unreadable date, loaded without it",)
    record = {"flag": flag, "reason": f.get("reason") or "", "date": date, "source": source}
    if f.get("shop_id"):
        platform = None
        if f.get("platform"):
            platform = NORMALIZERS["platform"](f["platform"]).key
        return FlagTarget("Shop", shop_key(platform, f["shop_id"]), f["shop_id"], record,
                          issues)
    kind = _KIND_ALIASES.get(header_key(f.get("kind") or ""))
    value = f.get("value")
    if not kind or not value:
        raise RowRejected("flag row needs shop_id, or kind and value")
    nk = schema.NODE_KINDS[kind]
    country = None
    if f.get("country"):
        country = NORMALIZERS["country"](f["country"]).key
    if kind == "Seller":
        n = NORMALIZERS[schema.NODE_KINDS["Seller"].normalizer](value)
        key = f"{country or 'unknown'}:{n.key}" if n.key else None
    else:
        key = NORMALIZERS[nk.normalizer](value, country=country).key
    if not key:
        raise RowRejected(f"flagged {kind} value {value!r} normalizes to nothing")
    return FlagTarget(kind, key, value, record, issues)

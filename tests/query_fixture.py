"""A small investigation graph for the saved-query tests, built through the store
contract so that both backends hold exactly the same data.

Two gangs, two hubs, two legitimate shops, two ingest runs:

* **Luxe** (cluster G-0001): ``taobao:tb-1001``, ``ebay:luxe-bags-eu`` (seller
  Zhang Wei, CN) and ``amazon:a1luxe`` (seller Luxe Trading GmbH, DE, flagged
  after a test purchase) share payment account ``payoneer:5550001``, phone
  ``+8613800138000`` and e-mail ``luxe.bags@163.com``; Zhang Wei and the
  amazon shop are located at ``CN:88 NANSHAN AVE SHENZHEN``.
* **Kicks** (cluster G-0002): ``shopee:kicks-sg`` (taken down 2025-03-20, last
  seen 2025-03-15) and ``aliexpress:kicks-factory`` (seller Kicks Ltd, HK) share
  phone ``+85291234567``, e-mail ``sales@kicks.hk`` and ``paypal:kicks-pay``.
  ``ebay:fresh-kicks`` appears in the second run (first seen 2025-06-01) with
  the taken-down shop's phone and e-mail: a reappearance.
* The kicks factory's address ``CN:88 NANSHAN AVENUE SHENZHEN`` is SAME_AS the
  luxe address (score 0.93): the only non-hub bridge between the gangs.
* Hubs: ``pingpong:hub-001`` (an aggregator used by four unrelated shops) and
  the warehouse ``CN:1 LOGISTICS PARK SHENZHEN``.
* Suppliers: ``guangzhou leather`` feeds three gang shops on three platforms;
  ``yiwu small goods`` feeds two legitimate shops on two platforms, and the
  Kicks seller (so, through it, two more shops).
* Seller-level links (as a seller-level mapping file would give): Kicks Ltd is
  paid via ``alipay:kicks-seller``: one user, yet two shops on two platforms.
* ``ebay:twin-ops`` has two operators (US and MX) and is the only user of
  ``US:1 TWIN OPS RD NEWARK``: one user, yet two seller countries.
"""

from __future__ import annotations

import json
from typing import Any

from graphinv import schema
from graphinv.analysis.projection import project
from graphinv.analysis.report import hub_usage
from graphinv.store import Store, evidence_entry

__all__ = ["RUN1", "RUN2", "build_query_fixture"]

RUN1 = "20250110T090000Z-a1b2c3"
RUN2 = "20250615T120000Z-d4e5f6"
_SHA = {RUN1: "1" * 64, RUN2: "2" * 64}
_FILE = {RUN1: "listings-jan.csv", RUN2: "listings-jun.csv"}


def _flag(kind: str, date: str, reason: str) -> str:
    return json.dumps({"flag": kind, "reason": reason, "date": date, "source": "brand-team"},
                      sort_keys=True)


def _shop(key: str, name: str, country: str, seen: str, run: str, **extra: Any) -> dict[str, Any]:
    platform, _, shop_id = key.partition(":")
    return {"key": key, "shop_id": shop_id, "name": name, "platform": platform,
            "country": country, "seen": seen, "run": run, "raw": shop_id, "display": name,
            **extra}


_LINE = [0]


def _rel(src: str, dst: str, run: str = RUN1, raw: str | None = None) -> dict[str, Any]:
    _LINE[0] += 1
    ek, ej = evidence_entry(source="listings", file=_FILE[run], line=_LINE[0] + 1, run=run,
                            at=run[:8], raw=raw or dst, sha=_SHA[run])
    return {"src": src, "dst": dst, "ek": ek, "ej": ej, "run": run}


def build_query_fixture(store: Store) -> None:
    """Write the fixture graph into an empty ``store`` (deterministic)."""
    _LINE[0] = 0
    store.merge_nodes("IngestRun", [
        {"key": RUN1, "started": "2025-01-10T09:00:00Z", "finished": "2025-01-10T09:00:07Z",
         "status": "completed", "source": "listings-jan.csv", "counts": '{"rows": 14}'},
        {"key": RUN2, "started": "2025-06-15T12:00:00Z", "finished": "2025-06-15T12:00:02Z",
         "status": "completed", "source": "listings-jun.csv", "counts": '{"rows": 4}'},
    ])
    store.merge_nodes("Shop", [
        _shop("taobao:tb-1001", "Luxe Bags Outlet", "CN", "2025-01-05", RUN1),
        _shop("taobao:tb-1001", "Luxe Bags Outlet", "CN", "2025-03-01", RUN1),
        _shop("ebay:luxe-bags-eu", "Luxe Bags EU", "DE", "2025-01-20", RUN1),
        _shop("amazon:a1luxe", "LuxeBag Store", "US", "2025-02-10", RUN1,
              flag=_flag("test_purchase", "2025-02-20", "counterfeit bag received")),
        _shop("shopee:kicks-sg", "Kicks SG", "SG", "2024-11-01", RUN1),
        _shop("shopee:kicks-sg", "Kicks SG", "SG", "2025-03-15", RUN1,
              flag=_flag("takedown", "2025-03-20", "trademark notice")),
        _shop("aliexpress:kicks-factory", "Kicks Factory Store", "CN", "2024-12-01", RUN1),
        _shop("ebay:fresh-kicks", "Fresh Kicks", "GB", "2025-06-01", RUN2),
        _shop("amazon:home-goods-us", "Home Goods", "US", "2025-01-01", RUN1),
        _shop("shopee:gadget-hub-my", "Gadget Hub", "MY", "2025-02-01", RUN1),
        _shop("ebay:twin-ops", "Twin Ops", "US", "2025-02-15", RUN1),
    ])
    store.merge_nodes("Seller", [
        {"key": "cn:zhang wei", "name": "Zhang Wei", "country": "CN", "run": RUN1,
         "display": "Zhang Wei"},
        {"key": "de:luxe trading", "name": "Luxe Trading GmbH", "country": "DE", "run": RUN1,
         "display": "Luxe Trading GmbH"},
        {"key": "hk:kicks", "name": "Kicks Ltd", "country": "HK", "run": RUN1,
         "display": "Kicks Ltd"},
        {"key": "us:acme", "name": "Acme Inc", "country": "US", "run": RUN1},
        {"key": "mx:acme", "name": "Acme de Mexico", "country": "MX", "run": RUN1},
    ])
    store.merge_nodes("PaymentAccount", [
        {"key": "payoneer:5550001", "provider": "payoneer", "number": "5550001", "run": RUN1},
        {"key": "paypal:kicks-pay", "provider": "paypal", "number": "kicks-pay", "run": RUN1},
        {"key": "pingpong:hub-001", "provider": "pingpong", "number": "hub-001", "run": RUN1},
        {"key": "alipay:kicks-seller", "provider": "alipay", "number": "kicks-seller",
         "run": RUN1},
    ])
    store.merge_nodes("Phone", [
        {"key": "+8613800138000", "country": "CN", "valid": True, "run": RUN1},
        {"key": "+85291234567", "country": "HK", "valid": True, "run": RUN1},
    ])
    store.merge_nodes("Email", [
        {"key": "luxe.bags@163.com", "domain": "163.com", "run": RUN1},
        {"key": "sales@kicks.hk", "domain": "kicks.hk", "run": RUN1},
        {"key": "fresh.kicks@gmail.com", "domain": "gmail.com", "run": RUN2},
    ])
    store.merge_nodes("Address", [
        {"key": "CN:88 NANSHAN AVE SHENZHEN", "country": "CN", "run": RUN1,
         "display": "88 Nanshan Ave, Shenzhen"},
        {"key": "CN:88 NANSHAN AVENUE SHENZHEN", "country": "CN", "run": RUN1,
         "display": "88 Nanshan Avenue, Shenzhen"},
        {"key": "CN:1 LOGISTICS PARK SHENZHEN", "country": "CN", "run": RUN1,
         "display": "1 Logistics Park, Shenzhen"},
        {"key": "US:1 TWIN OPS RD NEWARK", "country": "US", "run": RUN1},
    ])
    store.merge_nodes("Supplier", [
        {"key": "guangzhou leather", "name": "Guangzhou Leather Co.", "country": "CN",
         "run": RUN1},
        {"key": "yiwu small goods", "name": "Yiwu Small Goods", "country": "CN", "run": RUN1},
    ])

    store.merge_rels("OPERATES", "Seller", "Shop", [
        _rel("cn:zhang wei", "taobao:tb-1001"), _rel("cn:zhang wei", "ebay:luxe-bags-eu"),
        _rel("de:luxe trading", "amazon:a1luxe"),
        _rel("hk:kicks", "shopee:kicks-sg"), _rel("hk:kicks", "aliexpress:kicks-factory"),
        _rel("us:acme", "ebay:twin-ops"), _rel("mx:acme", "ebay:twin-ops"),
    ])
    store.merge_rels("PAID_VIA", "Shop", "PaymentAccount", [
        _rel("taobao:tb-1001", "payoneer:5550001", raw="Payoneer 5550001"),
        _rel("ebay:luxe-bags-eu", "payoneer:5550001", raw="payoneer #5550001"),
        _rel("amazon:a1luxe", "payoneer:5550001"),
        _rel("shopee:kicks-sg", "paypal:kicks-pay"),
        _rel("aliexpress:kicks-factory", "paypal:kicks-pay"),
        _rel("taobao:tb-1001", "pingpong:hub-001"),
        _rel("shopee:kicks-sg", "pingpong:hub-001"),
        _rel("amazon:home-goods-us", "pingpong:hub-001"),
        _rel("shopee:gadget-hub-my", "pingpong:hub-001"),
    ])
    store.merge_rels("USES_PHONE", "Shop", "Phone", [
        _rel("taobao:tb-1001", "+8613800138000", raw="+86 138 0013 8000"),
        _rel("amazon:a1luxe", "+8613800138000", raw="0086 13800138000"),
        _rel("shopee:kicks-sg", "+85291234567"),
        _rel("aliexpress:kicks-factory", "+85291234567"),
    ])
    store.merge_rels("USES_EMAIL", "Shop", "Email", [
        _rel("ebay:luxe-bags-eu", "luxe.bags@163.com"),
        _rel("amazon:a1luxe", "luxe.bags@163.com", raw="LUXE.BAGS@163.COM"),
        _rel("shopee:kicks-sg", "sales@kicks.hk"),
    ])
    store.merge_rels("LOCATED_AT", "Seller", "Address", [
        _rel("cn:zhang wei", "CN:88 NANSHAN AVE SHENZHEN"),
    ])
    store.merge_rels("LOCATED_AT", "Shop", "Address", [
        _rel("amazon:a1luxe", "CN:88 NANSHAN AVE SHENZHEN"),
        _rel("aliexpress:kicks-factory", "CN:88 NANSHAN AVENUE SHENZHEN"),
        _rel("amazon:home-goods-us", "CN:1 LOGISTICS PARK SHENZHEN"),
        _rel("aliexpress:kicks-factory", "CN:1 LOGISTICS PARK SHENZHEN"),
        _rel("ebay:luxe-bags-eu", "CN:1 LOGISTICS PARK SHENZHEN"),
        _rel("ebay:twin-ops", "US:1 TWIN OPS RD NEWARK"),
    ])
    store.merge_rels("SOURCES_FROM", "Shop", "Supplier", [
        _rel("taobao:tb-1001", "guangzhou leather"),
        _rel("ebay:luxe-bags-eu", "guangzhou leather"),
        _rel("shopee:kicks-sg", "guangzhou leather"),
        _rel("amazon:home-goods-us", "yiwu small goods"),
        _rel("shopee:gadget-hub-my", "yiwu small goods"),
    ])
    store.merge_rels("PAID_VIA", "Seller", "PaymentAccount", [
        _rel("hk:kicks", "alipay:kicks-seller"),
    ])
    store.merge_rels("SOURCES_FROM", "Seller", "Supplier", [
        _rel("hk:kicks", "yiwu small goods"),
    ])
    store.merge_rels("SAME_AS", "Address", "Address", [
        {"src": "CN:88 NANSHAN AVE SHENZHEN", "dst": "CN:88 NANSHAN AVENUE SHENZHEN",
         "score": 0.93, "method": "fuzzy"},
    ])
    # Second run: a new shop reusing the taken-down shop's contacts, one new link
    # between old nodes, and more evidence on an old link (which stays from run 1).
    store.merge_rels("USES_PHONE", "Shop", "Phone", [
        _rel("ebay:fresh-kicks", "+85291234567", RUN2, raw="+852 9123 4567"),
        _rel("ebay:luxe-bags-eu", "+8613800138000", RUN2),
    ])
    store.merge_rels("USES_EMAIL", "Shop", "Email", [
        _rel("ebay:fresh-kicks", "sales@kicks.hk", RUN2),
        _rel("ebay:fresh-kicks", "fresh.kicks@gmail.com", RUN2),
    ])
    store.merge_rels("PAID_VIA", "Shop", "PaymentAccount", [
        _rel("taobao:tb-1001", "payoneer:5550001", RUN2, raw="PAYONEER-5550001"),
    ])

    # What the analysis writes back: clusters, risk, hubs.
    clusters = {
        "G-0001": (0.92, ["taobao:tb-1001", "ebay:luxe-bags-eu", "amazon:a1luxe"],
                   ["cn:zhang wei", "de:luxe trading"]),
        "G-0002": (0.75, ["shopee:kicks-sg", "aliexpress:kicks-factory", "ebay:fresh-kicks"],
                   ["hk:kicks"]),
        "G-0003": (0.1, ["amazon:home-goods-us"], []),
        "G-0004": (0.05, ["shopee:gadget-hub-my"], []),
    }
    for cid, (risk, shops, sellers) in clusters.items():
        store.set_node_props("Shop", [{"key": k, "cluster_id": cid, "risk": risk}
                                      for k in shops], ["cluster_id", "risk"])
        store.set_node_props("Seller", [{"key": k, "cluster_id": cid, "risk": risk}
                                        for k in sellers], ["cluster_id", "risk"])
    store.set_node_props("PaymentAccount", [
        {"key": "pingpong:hub-001", "hub": True,
         "hub_reason": "payment aggregator: used by 4 shops in 3 clusters"}],
        ["hub", "hub_reason"])
    store.set_node_props("Address", [
        {"key": "CN:1 LOGISTICS PARK SHENZHEN", "hub": True,
         "hub_reason": "consolidation warehouse: used by 3 shops in 3 clusters"}],
        ["hub", "hub_reason"])
    # ... and how widely each hub is used, counted as `graphinv clusters` counts it.
    proj = project(store, with_results=True)
    hubs = [proj.index[schema.node_id(label, key)] for label, key in (
        ("PaymentAccount", "pingpong:hub-001"), ("Address", "CN:1 LOGISTICS PARK SHENZHEN"))]
    for node, (shops, platforms, cids) in hub_usage(proj, hubs, proj.cluster_id).items():
        label, key = schema.split_node_id(proj.ids[node])
        store.set_node_props(label, [{"key": key, "hub_shops": shops, "hub_platforms": platforms,
                                      "hub_clusters": cids}],
                             ["hub_shops", "hub_platforms", "hub_clusters"])

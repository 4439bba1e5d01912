"""Golden results: every saved query on the fixture graph (tests/query_fixture.py),
on both stores, asserting the exact rows; and every portable query compared row
for row between the embedded store and a real Neo4j."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from typing import Any

import pytest

from graphinv.config import StoreConfig
from graphinv.errors import QueryError
from graphinv.querylib import QueryLibrary, parse_assignments, run_query
from graphinv.querylib.lexer import significant, tokenize
from graphinv.store import Store, open_store
from tests.query_fixture import build_query_fixture

# (query, params, columns, rows); "evidence" cells are compacted to "file:line raw".
CASES: list[tuple[str, dict[str, Any], list[str], list[list[Any]]]] = [
    (
        "shared-payment-accounts",
        {},
        ["account", "provider", "n_platforms", "n_shops", "platforms", "shops"],
        [
            [
                "payoneer:5550001",
                "payoneer",
                3,
                3,
                ["amazon", "ebay", "taobao"],
                ["amazon:a1luxe", "ebay:luxe-bags-eu", "taobao:tb-1001"],
            ],
            [
                "alipay:kicks-seller",
                "alipay",
                2,
                2,
                ["aliexpress", "shopee"],
                ["aliexpress:kicks-factory", "shopee:kicks-sg"],
            ],
            [
                "paypal:kicks-pay",
                "paypal",
                2,
                2,
                ["aliexpress", "shopee"],
                ["aliexpress:kicks-factory", "shopee:kicks-sg"],
            ],
        ],
    ),
    (
        "shared-payment-accounts",
        {"include_hubs": True, "min_platforms": 3},
        ["account", "provider", "n_platforms", "n_shops", "platforms", "shops"],
        [
            [
                "pingpong:hub-001",
                "pingpong",
                3,
                4,
                ["amazon", "shopee", "taobao"],
                [
                    "amazon:home-goods-us",
                    "shopee:gadget-hub-my",
                    "shopee:kicks-sg",
                    "taobao:tb-1001",
                ],
            ],
            [
                "payoneer:5550001",
                "payoneer",
                3,
                3,
                ["amazon", "ebay", "taobao"],
                ["amazon:a1luxe", "ebay:luxe-bags-eu", "taobao:tb-1001"],
            ],
        ],
    ),
    (
        "address-multi-country",
        {},
        ["address", "label", "n_countries", "countries", "sellers"],
        [
            [
                "CN:88 NANSHAN AVE SHENZHEN",
                "88 Nanshan Ave, Shenzhen",
                2,
                ["CN", "DE"],
                ["cn:zhang wei", "de:luxe trading"],
            ],
            [
                "US:1 TWIN OPS RD NEWARK",
                "US:1 TWIN OPS RD NEWARK",
                2,
                ["MX", "US"],
                ["mx:acme", "us:acme"],
            ],
        ],
    ),
    (
        "address-multi-country",
        {"include_hubs": True},
        ["address", "label", "n_countries", "countries", "sellers"],
        [
            [
                "CN:1 LOGISTICS PARK SHENZHEN",
                "1 Logistics Park, Shenzhen",
                2,
                ["CN", "HK"],
                ["cn:zhang wei", "hk:kicks"],
            ],
            [
                "CN:88 NANSHAN AVE SHENZHEN",
                "88 Nanshan Ave, Shenzhen",
                2,
                ["CN", "DE"],
                ["cn:zhang wei", "de:luxe trading"],
            ],
            [
                "US:1 TWIN OPS RD NEWARK",
                "US:1 TWIN OPS RD NEWARK",
                2,
                ["MX", "US"],
                ["mx:acme", "us:acme"],
            ],
        ],
    ),
    (
        "supplier-reach",
        {},
        ["supplier", "name", "n_shops", "n_platforms", "platforms", "shops"],
        [
            [
                "yiwu small goods",
                "Yiwu Small Goods",
                4,
                3,
                ["aliexpress", "amazon", "shopee"],
                [
                    "aliexpress:kicks-factory",
                    "amazon:home-goods-us",
                    "shopee:gadget-hub-my",
                    "shopee:kicks-sg",
                ],
            ],
            [
                "guangzhou leather",
                "Guangzhou Leather Co.",
                3,
                3,
                ["ebay", "shopee", "taobao"],
                ["ebay:luxe-bags-eu", "shopee:kicks-sg", "taobao:tb-1001"],
            ],
        ],
    ),
    (
        "supplier-reach",
        {"min_shops": 3, "min_platforms": 3},
        ["supplier", "name", "n_shops", "n_platforms", "platforms", "shops"],
        [
            [
                "yiwu small goods",
                "Yiwu Small Goods",
                4,
                3,
                ["aliexpress", "amazon", "shopee"],
                [
                    "aliexpress:kicks-factory",
                    "amazon:home-goods-us",
                    "shopee:gadget-hub-my",
                    "shopee:kicks-sg",
                ],
            ],
            [
                "guangzhou leather",
                "Guangzhou Leather Co.",
                3,
                3,
                ["ebay", "shopee", "taobao"],
                ["ebay:luxe-bags-eu", "shopee:kicks-sg", "taobao:tb-1001"],
            ],
        ],
    ),
    (
        "shop-neighbourhood",
        {"shop": "amazon:a1luxe", "hops": 1},
        ["distance", "kind", "key", "label", "platform", "cluster", "flagged", "hub"],
        [
            [
                1,
                "Address",
                "CN:88 NANSHAN AVE SHENZHEN",
                "88 Nanshan Ave, Shenzhen",
                None,
                None,
                False,
                False,
            ],
            [1, "Email", "luxe.bags@163.com", "luxe.bags@163.com", None, None, False, False],
            [1, "PaymentAccount", "payoneer:5550001", "payoneer:5550001", None, None, False, False],
            [1, "Phone", "+8613800138000", "+8613800138000", None, None, False, False],
            [1, "Seller", "de:luxe trading", "Luxe Trading GmbH", None, "G-0001", False, False],
        ],
    ),
    (
        "shop-neighbourhood",
        {"shop": "shopee:gadget-hub-my", "hops": 2, "through_hubs": True},
        ["distance", "kind", "key", "label", "platform", "cluster", "flagged", "hub"],
        [
            [1, "PaymentAccount", "pingpong:hub-001", "pingpong:hub-001", None, None, False, True],
            [1, "Supplier", "yiwu small goods", "Yiwu Small Goods", None, None, False, False],
            [2, "Seller", "hk:kicks", "Kicks Ltd", None, "G-0002", False, False],
            [2, "Shop", "amazon:home-goods-us", "Home Goods", "amazon", "G-0003", False, False],
            [2, "Shop", "shopee:kicks-sg", "Kicks SG", "shopee", "G-0002", True, False],
            [2, "Shop", "taobao:tb-1001", "Luxe Bags Outlet", "taobao", "G-0001", False, False],
        ],
    ),
    (
        "evidence-path",
        {"from": "taobao:tb-1001", "to": "shopee:kicks-sg"},
        ["hops", "path", "links", "evidence_counts", "evidence"],
        [
            [
                2,
                ["Shop:taobao:tb-1001", "Supplier:guangzhou leather", "Shop:shopee:kicks-sg"],
                ["SOURCES_FROM", "SOURCES_FROM"],
                [1, 1],
                [
                    ["listings-jan.csv:32 guangzhou leather"],
                    ["listings-jan.csv:34 guangzhou leather"],
                ],
            ],
        ],
    ),
    (
        "evidence-path",
        {"from": "taobao:tb-1001", "to": "shopee:kicks-sg", "through_hubs": True},
        ["hops", "path", "links", "evidence_counts", "evidence"],
        [
            [
                2,
                ["Shop:taobao:tb-1001", "PaymentAccount:pingpong:hub-001", "Shop:shopee:kicks-sg"],
                ["PAID_VIA", "PAID_VIA"],
                [1, 1],
                [
                    ["listings-jan.csv:14 pingpong:hub-001"],
                    ["listings-jan.csv:15 pingpong:hub-001"],
                ],
            ],
            [
                2,
                ["Shop:taobao:tb-1001", "Supplier:guangzhou leather", "Shop:shopee:kicks-sg"],
                ["SOURCES_FROM", "SOURCES_FROM"],
                [1, 1],
                [
                    ["listings-jan.csv:32 guangzhou leather"],
                    ["listings-jan.csv:34 guangzhou leather"],
                ],
            ],
        ],
    ),
    (
        "top-clusters",
        {"min_shops": 1, "top": 3},
        [
            "cluster",
            "risk",
            "shops",
            "n_platforms",
            "n_countries",
            "flagged_shops",
            "platforms",
            "countries",
        ],
        [
            ["G-0001", 0.92, 3, 3, 3, 1, ["amazon", "ebay", "taobao"], ["CN", "DE", "US"]],
            ["G-0002", 0.75, 3, 3, 3, 1, ["aliexpress", "ebay", "shopee"], ["CN", "GB", "SG"]],
            ["G-0003", 0.1, 1, 1, 1, 0, ["amazon"], ["US"]],
        ],
    ),
    (
        "leads",
        {},
        ["flagged_shop", "lead", "name", "platform", "country", "links", "via"],
        [
            [
                "amazon:a1luxe",
                "ebay:luxe-bags-eu",
                "Luxe Bags EU",
                "ebay",
                "DE",
                3,
                [
                    "Email:luxe.bags@163.com",
                    "PaymentAccount:payoneer:5550001",
                    "Phone:+8613800138000",
                ],
            ],
            [
                "amazon:a1luxe",
                "taobao:tb-1001",
                "Luxe Bags Outlet",
                "taobao",
                "CN",
                2,
                ["PaymentAccount:payoneer:5550001", "Phone:+8613800138000"],
            ],
            [
                "shopee:kicks-sg",
                "aliexpress:kicks-factory",
                "Kicks Factory Store",
                "aliexpress",
                "CN",
                3,
                ["PaymentAccount:paypal:kicks-pay", "Phone:+85291234567", "Seller:hk:kicks"],
            ],
            [
                "shopee:kicks-sg",
                "ebay:fresh-kicks",
                "Fresh Kicks",
                "ebay",
                "GB",
                2,
                ["Email:sales@kicks.hk", "Phone:+85291234567"],
            ],
            [
                "shopee:kicks-sg",
                "ebay:luxe-bags-eu",
                "Luxe Bags EU",
                "ebay",
                "DE",
                1,
                ["Supplier:guangzhou leather"],
            ],
            [
                "shopee:kicks-sg",
                "taobao:tb-1001",
                "Luxe Bags Outlet",
                "taobao",
                "CN",
                1,
                ["Supplier:guangzhou leather"],
            ],
        ],
    ),
    (
        "shared-contacts",
        {"min_platforms": 3},
        ["kind", "contact", "n_platforms", "platforms", "shops"],
        [
            [
                "Phone",
                "+85291234567",
                3,
                ["aliexpress", "ebay", "shopee"],
                ["aliexpress:kicks-factory", "ebay:fresh-kicks", "shopee:kicks-sg"],
            ],
            [
                "Phone",
                "+8613800138000",
                3,
                ["amazon", "ebay", "taobao"],
                ["amazon:a1luxe", "ebay:luxe-bags-eu", "taobao:tb-1001"],
            ],
        ],
    ),
    (
        "changes-since",
        {"since": "20250110T090000Z-a1b2c3"},
        ["run", "change", "kind", "key", "detail"],
        [
            [
                "20250615T120000Z-d4e5f6",
                "node",
                "Email",
                "fresh.kicks@gmail.com",
                "fresh.kicks@gmail.com",
            ],
            ["20250615T120000Z-d4e5f6", "node", "Shop", "ebay:fresh-kicks", "Fresh Kicks"],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_EMAIL",
                "Shop:ebay:fresh-kicks -> Email:fresh.kicks@gmail.com",
                "1 evidence record(s)",
            ],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_EMAIL",
                "Shop:ebay:fresh-kicks -> Email:sales@kicks.hk",
                "1 evidence record(s)",
            ],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_PHONE",
                "Shop:ebay:fresh-kicks -> Phone:+85291234567",
                "1 evidence record(s)",
            ],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_PHONE",
                "Shop:ebay:luxe-bags-eu -> Phone:+8613800138000",
                "1 evidence record(s)",
            ],
        ],
    ),
    (
        "changes-since",
        {"since": "20250615T120000Z-d4e5f6", "include_run": True},
        ["run", "change", "kind", "key", "detail"],
        [
            [
                "20250615T120000Z-d4e5f6",
                "node",
                "Email",
                "fresh.kicks@gmail.com",
                "fresh.kicks@gmail.com",
            ],
            ["20250615T120000Z-d4e5f6", "node", "Shop", "ebay:fresh-kicks", "Fresh Kicks"],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_EMAIL",
                "Shop:ebay:fresh-kicks -> Email:fresh.kicks@gmail.com",
                "1 evidence record(s)",
            ],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_EMAIL",
                "Shop:ebay:fresh-kicks -> Email:sales@kicks.hk",
                "1 evidence record(s)",
            ],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_PHONE",
                "Shop:ebay:fresh-kicks -> Phone:+85291234567",
                "1 evidence record(s)",
            ],
            [
                "20250615T120000Z-d4e5f6",
                "link",
                "USES_PHONE",
                "Shop:ebay:luxe-bags-eu -> Phone:+8613800138000",
                "1 evidence record(s)",
            ],
        ],
    ),
    (
        "hubs",
        {},
        ["kind", "hub", "reason", "shops", "n_platforms", "platforms", "clusters"],
        [
            [
                "PaymentAccount",
                "pingpong:hub-001",
                "payment aggregator: used by 4 shops in 3 clusters",
                4,
                3,
                ["amazon", "shopee", "taobao"],
                ["G-0001", "G-0002", "G-0003", "G-0004"],
            ],
            [
                "Address",
                "CN:1 LOGISTICS PARK SHENZHEN",
                "consolidation warehouse: used by 3 shops in 3 clusters",
                3,
                3,
                ["aliexpress", "amazon", "ebay"],
                ["G-0001", "G-0002", "G-0003"],
            ],
        ],
    ),
    (
        "hub-users",
        {},
        [
            "kind",
            "hub",
            "user_kind",
            "user",
            "name",
            "platform",
            "country",
            "cluster",
            "link",
            "evidence",
        ],
        [
            [
                "Address",
                "CN:1 LOGISTICS PARK SHENZHEN",
                "Shop",
                "aliexpress:kicks-factory",
                "Kicks Factory Store",
                "aliexpress",
                "CN",
                "G-0002",
                "LOCATED_AT",
                1,
            ],
            [
                "Address",
                "CN:1 LOGISTICS PARK SHENZHEN",
                "Shop",
                "amazon:home-goods-us",
                "Home Goods",
                "amazon",
                "US",
                "G-0003",
                "LOCATED_AT",
                1,
            ],
            [
                "Address",
                "CN:1 LOGISTICS PARK SHENZHEN",
                "Shop",
                "ebay:luxe-bags-eu",
                "Luxe Bags EU",
                "ebay",
                "DE",
                "G-0001",
                "LOCATED_AT",
                1,
            ],
            [
                "PaymentAccount",
                "pingpong:hub-001",
                "Shop",
                "amazon:home-goods-us",
                "Home Goods",
                "amazon",
                "US",
                "G-0003",
                "PAID_VIA",
                1,
            ],
            [
                "PaymentAccount",
                "pingpong:hub-001",
                "Shop",
                "shopee:gadget-hub-my",
                "Gadget Hub",
                "shopee",
                "MY",
                "G-0004",
                "PAID_VIA",
                1,
            ],
            [
                "PaymentAccount",
                "pingpong:hub-001",
                "Shop",
                "shopee:kicks-sg",
                "Kicks SG",
                "shopee",
                "SG",
                "G-0002",
                "PAID_VIA",
                1,
            ],
            [
                "PaymentAccount",
                "pingpong:hub-001",
                "Shop",
                "taobao:tb-1001",
                "Luxe Bags Outlet",
                "taobao",
                "CN",
                "G-0001",
                "PAID_VIA",
                1,
            ],
        ],
    ),
    (
        "cluster-members",
        {"cluster": "G-0002"},
        [
            "kind",
            "member",
            "name",
            "platform",
            "country",
            "flagged",
            "link",
            "other",
            "evidence_count",
            "evidence",
        ],
        [
            [
                "Seller",
                "hk:kicks",
                "Kicks Ltd",
                None,
                "HK",
                False,
                "OPERATES",
                "Shop:aliexpress:kicks-factory",
                1,
                ["listings-jan.csv:6 aliexpress:kicks-factory"],
            ],
            [
                "Seller",
                "hk:kicks",
                "Kicks Ltd",
                None,
                "HK",
                False,
                "OPERATES",
                "Shop:shopee:kicks-sg",
                1,
                ["listings-jan.csv:5 shopee:kicks-sg"],
            ],
            [
                "Shop",
                "aliexpress:kicks-factory",
                "Kicks Factory Store",
                "aliexpress",
                "CN",
                False,
                "OPERATES",
                "Seller:hk:kicks",
                1,
                ["listings-jan.csv:6 aliexpress:kicks-factory"],
            ],
            [
                "Shop",
                "aliexpress:kicks-factory",
                "Kicks Factory Store",
                "aliexpress",
                "CN",
                False,
                "PAID_VIA",
                "PaymentAccount:paypal:kicks-pay",
                1,
                ["listings-jan.csv:13 paypal:kicks-pay"],
            ],
            [
                "Shop",
                "aliexpress:kicks-factory",
                "Kicks Factory Store",
                "aliexpress",
                "CN",
                False,
                "USES_PHONE",
                "Phone:+85291234567",
                1,
                ["listings-jan.csv:21 +85291234567"],
            ],
            [
                "Shop",
                "ebay:fresh-kicks",
                "Fresh Kicks",
                "ebay",
                "GB",
                False,
                "USES_EMAIL",
                "Email:sales@kicks.hk",
                1,
                ["listings-jun.csv:41 sales@kicks.hk"],
            ],
            [
                "Shop",
                "ebay:fresh-kicks",
                "Fresh Kicks",
                "ebay",
                "GB",
                False,
                "USES_PHONE",
                "Phone:+85291234567",
                1,
                ["listings-jun.csv:39 +852 9123 4567"],
            ],
            [
                "Shop",
                "shopee:kicks-sg",
                "Kicks SG",
                "shopee",
                "SG",
                True,
                "OPERATES",
                "Seller:hk:kicks",
                1,
                ["listings-jan.csv:5 shopee:kicks-sg"],
            ],
            [
                "Shop",
                "shopee:kicks-sg",
                "Kicks SG",
                "shopee",
                "SG",
                True,
                "PAID_VIA",
                "PaymentAccount:paypal:kicks-pay",
                1,
                ["listings-jan.csv:12 paypal:kicks-pay"],
            ],
            [
                "Shop",
                "shopee:kicks-sg",
                "Kicks SG",
                "shopee",
                "SG",
                True,
                "USES_EMAIL",
                "Email:sales@kicks.hk",
                1,
                ["listings-jan.csv:24 sales@kicks.hk"],
            ],
            [
                "Shop",
                "shopee:kicks-sg",
                "Kicks SG",
                "shopee",
                "SG",
                True,
                "USES_PHONE",
                "Phone:+85291234567",
                1,
                ["listings-jan.csv:20 +85291234567"],
            ],
        ],
    ),
    (
        "reappearance",
        {},
        [
            "taken_down",
            "last_seen",
            "kind",
            "identifier",
            "new_shop",
            "platform",
            "first_seen",
            "new_shop_flagged",
        ],
        [
            [
                "shopee:kicks-sg",
                "2025-03-15",
                "Email",
                "sales@kicks.hk",
                "ebay:fresh-kicks",
                "ebay",
                "2025-06-01",
                False,
            ],
            [
                "shopee:kicks-sg",
                "2025-03-15",
                "Phone",
                "+85291234567",
                "ebay:fresh-kicks",
                "ebay",
                "2025-06-01",
                False,
            ],
        ],
    ),
    (
        "reappearance",
        {"include_hubs": True},
        [
            "taken_down",
            "last_seen",
            "kind",
            "identifier",
            "new_shop",
            "platform",
            "first_seen",
            "new_shop_flagged",
        ],
        [
            [
                "shopee:kicks-sg",
                "2025-03-15",
                "Email",
                "sales@kicks.hk",
                "ebay:fresh-kicks",
                "ebay",
                "2025-06-01",
                False,
            ],
            [
                "shopee:kicks-sg",
                "2025-03-15",
                "Phone",
                "+85291234567",
                "ebay:fresh-kicks",
                "ebay",
                "2025-06-01",
                False,
            ],
        ],
    ),
    (
        "identifier-users",
        {"key": "CN:1 LOGISTICS PARK SHENZHEN"},
        [
            "kind",
            "user_kind",
            "user",
            "name",
            "platform",
            "country",
            "cluster",
            "flagged",
            "link",
            "evidence",
            "first_run",
        ],
        [
            [
                "Address",
                "Shop",
                "aliexpress:kicks-factory",
                "Kicks Factory Store",
                "aliexpress",
                "CN",
                "G-0002",
                False,
                "LOCATED_AT",
                1,
                "20250110T090000Z-a1b2c3",
            ],
            [
                "Address",
                "Shop",
                "amazon:home-goods-us",
                "Home Goods",
                "amazon",
                "US",
                "G-0003",
                False,
                "LOCATED_AT",
                1,
                "20250110T090000Z-a1b2c3",
            ],
            [
                "Address",
                "Shop",
                "ebay:luxe-bags-eu",
                "Luxe Bags EU",
                "ebay",
                "DE",
                "G-0001",
                False,
                "LOCATED_AT",
                1,
                "20250110T090000Z-a1b2c3",
            ],
        ],
    ),
    (
        "find-shops",
        {"text": "LUXE"},
        [
            "shop",
            "shop_id",
            "name",
            "platform",
            "country",
            "first_seen",
            "last_seen",
            "cluster",
            "flagged",
        ],
        [
            [
                "amazon:a1luxe",
                "a1luxe",
                "LuxeBag Store",
                "amazon",
                "US",
                "2025-02-10",
                "2025-02-10",
                "G-0001",
                True,
            ],
            [
                "ebay:luxe-bags-eu",
                "luxe-bags-eu",
                "Luxe Bags EU",
                "ebay",
                "DE",
                "2025-01-20",
                "2025-01-20",
                "G-0001",
                False,
            ],
            [
                "taobao:tb-1001",
                "tb-1001",
                "Luxe Bags Outlet",
                "taobao",
                "CN",
                "2025-01-05",
                "2025-03-01",
                "G-0001",
                False,
            ],
        ],
    ),
    (
        "ingest-runs",
        {"last": 1},
        ["run", "started", "finished", "status", "source", "counts"],
        [
            [
                "20250615T120000Z-d4e5f6",
                "2025-06-15T12:00:00Z",
                "2025-06-15T12:00:02Z",
                "completed",
                "listings-jun.csv",
                '{"rows": 4}',
            ],
        ],
    ),
]


@pytest.fixture(scope="module")
def lib() -> QueryLibrary:
    return QueryLibrary.discover(env={})


@pytest.fixture(scope="module")
def fixture_embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    st = open_store(
        StoreConfig.from_values(store="embedded", data_dir=tmp_path_factory.mktemp("golden"))
    )
    build_query_fixture(st)
    try:
        yield st
    finally:
        st.close()


@pytest.fixture(scope="module")
def fixture_neo4j(neo4j_uri: str) -> Iterator[Store]:
    st = open_store(StoreConfig.from_values(store=neo4j_uri))
    st.reset()
    build_query_fixture(st)
    try:
        yield st
    finally:
        st.close()


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def qstore(request: pytest.FixtureRequest) -> Store:
    name = "fixture_embedded" if request.param == "embedded" else "fixture_neo4j"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def _compact(value: Any) -> Any:
    """Evidence JSON records -> "file:line raw" (lists of them, or lists of lists)."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [_compact(v) for v in value]
    if isinstance(value, list):
        out = []
        for v in value:
            e = json.loads(v)
            out.append(f"{e['file']}:{e['line']} {e['raw']}")
        return out
    return value


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_saved_query_rows(
    qstore: Store, lib: QueryLibrary, case: tuple[str, dict[str, Any], list[str], list[list[Any]]]
) -> None:
    name, params, columns, rows = case
    res = run_query(qstore, lib.get(name), params)
    assert res.columns == columns
    got = [
        [_compact(v) if c == "evidence" else v for c, v in zip(res.columns, r, strict=True)]
        for r in res.rows
    ]
    assert got == rows
    assert not res.truncated


def test_every_portable_query_has_golden_rows(lib: QueryLibrary) -> None:
    covered = {c[0] for c in CASES}
    missing = [q.name for q in lib.find() if q.portable and q.name not in covered]
    assert missing == []


def test_every_saved_query_has_an_example(lib: QueryLibrary) -> None:
    for q in lib.find():
        if q.params:
            assert q.examples, f"{q.name}: add // example: -p ..."


def _runs(q: Any) -> list[tuple[dict[str, Any], bool]]:
    """(params, given as command-line text?): each header example, then the golden cases."""
    out: list[tuple[dict[str, Any], bool]] = []
    for ex in q.examples:
        words = [w for w in shlex.split(ex) if w != "-p"]
        out.append((dict(parse_assignments(words)), True))
    out += [(c[1], False) for c in CASES if c[0] == q.name]
    return out or [({}, False)]


def _ordered(q: Any) -> bool:
    """Row order is part of the answer when the query sorts and has no UNION."""
    words = {t.upper for t in significant(tokenize(q.body)) if t.kind == "ident"}
    return bool(q.sort_rows) or ("ORDER" in words and "UNION" not in words)


@pytest.mark.neo4j
def test_portable_queries_same_rows_on_both_stores(
    fixture_embedded: Store, fixture_neo4j: Store, lib: QueryLibrary
) -> None:
    """Every portable saved query (present and future) gives the same rows on the
    embedded store and on Neo4j over the same data."""
    compared = 0
    for q in lib.find():
        if not q.portable:
            continue
        for params, text in _runs(q):
            a = run_query(fixture_embedded, q, params, from_text=text)
            b = run_query(fixture_neo4j, q, params, from_text=text)
            assert a.columns == b.columns, q.name
            if _ordered(q):
                assert a.rows == b.rows, (q.name, params)
            else:
                assert sorted(map(repr, a.rows)) == sorted(map(repr, b.rows)), (q.name, params)
            compared += 1
    assert compared >= 2 * 12


def test_requires_neo4j_query_says_so_on_embedded(qstore: Store, lib: QueryLibrary) -> None:
    q = lib.get("db-labels")
    assert not q.portable
    if qstore.backend == "embedded":
        with pytest.raises(QueryError, match="needs the neo4j store") as err:
            run_query(qstore, q)
        assert "--store bolt://" in str(err.value)
    else:
        labels = [r[0] for r in run_query(qstore, q).rows]
        assert {"Shop", "Seller", "PaymentAccount", "IngestRun"} <= set(labels)

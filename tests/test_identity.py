"""Identity traps of real data (issue #18): each trap is a small committed fixture under
``tests/fixtures/identity/``, ingested through the CLI on both stores, with the exact
links and clusters that must (not) come out of it."""

from __future__ import annotations

import csv
import json
import re
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from graphinv import schema
from graphinv.cli.app import app
from graphinv.config import StoreConfig
from graphinv.ingest.placeholders import Placeholders, placeholder_reason
from graphinv.store import open_store

IDENT = Path(__file__).resolve().parent / "fixtures" / "identity"


def _ingest(runner: CliRunner, args: list[str], *files: str,
            extra: tuple[str, ...] = ()) -> dict:
    res = runner.invoke(app, [*args, "ingest", "-f", "json", *(str(IDENT / f) for f in files),
                              *extra])
    assert res.exit_code == 0, (res.output, res.exception)
    rep = json.loads(res.stdout)
    assert rep["reconciled"]
    return rep


def _open(args: list[str]):
    store = args[args.index("--store") + 1] if "--store" in args else "embedded"
    return open_store(StoreConfig.from_values(store=store,
                                              data_dir=args[args.index("--data-dir") + 1]))


def _shared(args: list[str]) -> set[tuple[str, str, str]]:
    """``(shop, shop, node id)`` for every two shops tied by one node (identifier,
    seller or supplier), read back from the store."""
    users: dict[str, set[str]] = {}
    with _open(args) as st:
        for rel in schema.REL_TYPES:
            if rel == "SAME_AS":
                continue
            for src_label, src, dst_label, dst in st.stream_rels(rel):
                if src_label == "Shop":
                    users.setdefault(schema.node_id(dst_label, dst), set()).add(src)
                elif dst_label == "Shop":
                    users.setdefault(schema.node_id(src_label, src), set()).add(dst)
    return {(a, b, node) for node, shops in users.items()
            for a, b in combinations(sorted(shops), 2)}


def _same_as(args: list[str]) -> set[tuple[str, str]]:
    with _open(args) as st:
        return {(a, b) for _, a, _, b in st.stream_rels("SAME_AS")}


def _clusters(runner: CliRunner, args: list[str], *extra: str) -> list[list[str]]:
    res = runner.invoke(app, [*args, "clusters", "-f", "json", *extra])
    assert res.exit_code == 0, (res.output, res.exception)
    return [sorted(m for m in c["members"] if m.startswith("Shop:"))
            for c in json.loads(res.stdout)]


# -- trap 1: placeholders ------------------------------------------------------------


def test_placeholders_never_become_nodes_or_links(runner: CliRunner,
                                                  store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "placeholders.csv")
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (6, 6, 0)
    assert _shared(store_args) == set()
    assert _clusters(runner, store_args) == []
    assert rep["nodes_new"]["Email"] == rep["nodes_new"]["PaymentAccount"] == 0
    assert rep["nodes_new"]["Phone"] == rep["nodes_new"]["Address"] == 0
    assert rep["nodes_new"]["Seller"] == 4  # the four real names; `unknown` twice ignored
    assert rep["ignored"] == {
        "placeholder: Address": 5, "placeholder: Email": 6, "placeholder: PaymentAccount": 6,
        "placeholder: Phone": 6, "placeholder: Seller": 2, "too_vague: Address": 1}


def test_placeholder_counts_in_the_ingest_summary(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest",
                              str(IDENT / "placeholders.csv")])
    assert res.exit_code == 0, res.output
    assert ("Ignored values (never nodes): placeholders: Address 5, Email 6, "
            "PaymentAccount 6, Phone 6, Seller 2; too vague: Address 1") in res.stdout


@pytest.mark.parametrize(("kind", "raw"), [
    ("phone", "unknown"), ("phone", "0"), ("phone", "000-0000-0000"), ("phone", "1111111"),
    ("email", "N/A"), ("email", "none"), ("email", "test@test.com"),
    ("email", "nobody@example.com"), ("email", "xxx@qq.com"),
    ("payment", "null"), ("payment", "-"), ("payment", "00000000"),
    ("payment", "alipay 0000000000"),
    ("address", "无"), ("address", "暂无"), ("address", "n/a"),
    ("name", "unknown"), ("name", "N/A"), ("name", "desconocido"), ("name", "não informado"),
    ("name", "нет данных"), ("name", "Bilinmiyor"), ("name", "ninguno"), ("name", "未知"),
    ("name", "—"), ("name", "..."),
    # in any column: one repeated digit, a dummy e-mail (found by the examples' traps)
    ("address", "0"), ("address", "000-0000-0000"), ("email", "0"), ("name", "0"),
    ("payment", "test@test.com"), ("name", "test@test.com"),
])
def test_placeholder_values(kind: str, raw: str) -> None:
    assert placeholder_reason(kind, raw) == "placeholder"


@pytest.mark.parametrize(("kind", "raw"), [
    ("phone", "+86 138 0013 8000"), ("phone", "135 1234 5678"),
    ("email", "nana@qq.com"), ("email", "test.shop.cn@163.com"),
    ("payment", "alipay 2088123456781234"), ("payment", "NA12345"),
    ("address", "Warehouse 5801"), ("address", "深圳市福田区华强北路50号"),
    ("address", "Huaqiang North Road Shenzhen"),
    ("name", "Na Li"), ("name", "Nada Trading"), ("name", "Lucky Trading"), ("name", "Test Co"),
])
def test_real_values_are_not_placeholders(kind: str, raw: str) -> None:
    assert placeholder_reason(kind, raw) is None


def test_address_minimum_information_and_mangled_names() -> None:
    assert placeholder_reason("address", "China") == "too_vague"
    assert placeholder_reason("address", "Hong Kong") == "too_vague"
    assert placeholder_reason("address", "深圳市") == "too_vague"
    assert placeholder_reason("name", "????") == "mangled"
    assert placeholder_reason("name", "?? ???") == "mangled"


def test_mapping_adds_placeholders() -> None:
    p = Placeholders(["see website", "待补充"])
    assert p.reason("email", "See Website") == "placeholder"
    assert p.reason("name", "待补充") == "placeholder"
    assert placeholder_reason("name", "see website") is None


# -- trap 4: legal forms of seller names --------------------------------------------


def test_seller_legal_forms_are_one_seller(runner: CliRunner, store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "legal_forms.csv")
    assert rep["nodes_new"]["Seller"] == 1
    assert {node for *_, node in _shared(store_args)} == {"Seller:CN:shenzhen lucky trading"}


# -- trap 6: name resolution ---------------------------------------------------------


def test_supplier_names_resolve_strictly(runner: CliRunner, store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "suppliers_names.csv")
    assert rep["same_as"] == 1
    assert _same_as(store_args) == {
        ("shenzhen bright star electronics", "shenzhen brightstar electronics")}


# -- trap 8: clusters without countries ------------------------------------------------


def test_clusters_without_countries_are_reported(runner: CliRunner,
                                                 store_args: list[str]) -> None:
    _ingest(runner, store_args, "clusters_nocountry.csv")
    assert _clusters(runner, store_args) == [["Shop:aliexpress:k1", "Shop:ebay:k2"]]
    assert _clusters(runner, store_args, "--min-countries", "0") == [
        ["Shop:aliexpress:k1", "Shop:ebay:k2"]]
    assert _clusters(runner, store_args, "--min-countries", "1") == []
    res = runner.invoke(app, [*store_args, "clusters"])
    assert res.exit_code == 0
    assert "unknown" in res.stdout and "ZZ" not in res.stdout and "xx" not in res.stdout


#: An internal "no country" code as a user would see it: ``ZZ`` anywhere, ``xx`` as a key
#: prefix or a value (minified scripts in the pages hold ``xx`` as a variable name).
_INTERNAL_CODE = re.compile(r'\bZZ\b|\bxx:|"xx"')


def test_internal_country_codes_never_reach_a_user(runner: CliRunner, store_args: list[str],
                                                   tmp_path: Path) -> None:
    # A file without countries: a seller and an address tie N1 and N2.
    _ingest(runner, store_args, "outputs_nocountry.csv")
    outputs: dict[str, str] = {}
    commands = {
        "clusters": ["clusters"], "clusters-json": ["clusters", "-f", "json"],
        "clusters-csv": ["clusters", "-f", "csv"], "clusters-wide": ["clusters", "--wide"],
        "show": ["clusters", "show", "G-0001"],
        "show-json": ["clusters", "show", "G-0001", "-f", "json"],
        "explain": ["explain", "aliexpress:n1", "ebay:n2"],
        "explain-json": ["explain", "aliexpress:n1", "ebay:n2", "-f", "json"],
        "query": ["query", "run", "cluster-members", "-p", "cluster=G-0001", "-f", "json"],
        "view": ["view", "--out-dir", str(tmp_path / "view")],
        "report": ["report", "G-0001", "--out-dir", str(tmp_path / "report")],
    }
    for name, cmd in commands.items():
        res = runner.invoke(app, [*store_args, *cmd])
        assert res.exit_code == 0, (name, res.output, res.exception)
        outputs[name] = res.output
    for path in [*(tmp_path / "view").iterdir(), *(tmp_path / "report").iterdir()]:
        if path.is_file():
            outputs[path.name] = path.read_text(encoding="utf-8", errors="replace")
    shown = {name: sorted(set(_INTERNAL_CODE.findall(text)))
             for name, text in outputs.items() if _INTERNAL_CODE.search(text)}
    assert shown == {}
    # The nodes whose country is unknown are there, and say so.
    assert "Lucky Trading" in outputs["explain"] and "Seller:unknown:lucky trading" in \
        outputs["explain-json"]
    assert "Address:unknown:1203 b block futian huaqiang plaza room shenzhen" in \
        outputs["clusters-json"]


# -- trap 9: dates ---------------------------------------------------------------------


def test_dates_in_other_formats_and_unreadable_flag_dates(runner: CliRunner,
                                                          store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "dates_listings.csv",
                  extra=("--flags", str(IDENT / "dates_flags.csv")))
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (7, 7, 0)
    assert "unreadable first_seen date" not in rep["issues"]
    assert rep["issues"]["flags: ambiguous date, loaded without it (pass --day-first or "
                         "--month-first)"] == 1
    assert rep["issues"]["flags: unreadable date, loaded without it"] == 1
    with _open(store_args) as st:
        rows = {k: (seen, flagged, flags)
                for k, seen, flagged, flags in st.stream_nodes(
                    "Shop", ["first_seen", "flagged", "flags"])}
    assert {k: v[0] for k, v in rows.items()} == {
        "ebay:d1": "2025-02-12", "ebay:d2": "2025-02-12", "ebay:d3": "2025-02-12",
        "ebay:d4": "2025-02-12"}
    assert all(v[1] for k, v in rows.items() if k != "ebay:d4")
    dates = {k: [json.loads(f)["date"] for f in v[2]] for k, v in rows.items() if v[2]}
    assert dates == {"ebay:d1": [None], "ebay:d2": ["2025-02-12"], "ebay:d3": [None]}


def test_day_first_reads_ambiguous_flag_dates(runner: CliRunner, tmp_path: Path) -> None:
    args = ["--data-dir", str(tmp_path / "d")]
    rep = _ingest(runner, args, "dates_listings.csv",
                  extra=("--flags", str(IDENT / "dates_flags.csv"), "--day-first"))
    assert (rep["rejected"], rep["loaded"]) == (0, 7)
    with _open(args) as st:
        flags = dict(st.stream_nodes("Shop", ["flags"]))
    assert json.loads(flags["ebay:d1"][0])["date"] == "2025-04-03"
    res = runner.invoke(app, [*args, "ingest", str(IDENT / "dates_listings.csv"),
                              "--day-first", "--month-first"])
    assert res.exit_code == 2 and "exclude each other" in res.stderr


# -- trap 7: shops known only by URL -------------------------------------------------


_URL_LINKS = {
    ("aliexpress:s-ali-01", "+8613800138000"), ("aliexpress:s-ali-01", "buyer-contact@qq.com"),
    ("taobao:tb-88", "+8613900139000"), ("taobao:tb-88", "kefu58812@163.com"),
    # no scrape of this shop: the id its URL names
    ("etsy:redmaplecrafts", "maple.crafts@outlook.com")}


def _contact_links(args: list[str]) -> set[tuple[str, str]]:
    with _open(args) as st:
        links = {(src, dst) for _, src, _, dst in st.stream_rels("USES_EMAIL")}
        return links | {(src, dst) for _, src, _, dst in st.stream_rels("USES_PHONE")}


def test_url_only_rows_join_the_shop_known_by_id(runner: CliRunner,
                                                 store_args: list[str]) -> None:
    # The scrape gives ids and URLs (ids differ from the URLs' own numbers); the test
    # purchases give only the URL (with tracking parameters).
    rep = _ingest(runner, store_args, "scrape_urls.csv", "testbuy_urls.csv")
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (6, 6, 0)
    assert rep["nodes_new"]["Shop"] == 3
    assert _contact_links(store_args) == _URL_LINKS


def test_url_only_rows_join_a_shop_of_an_earlier_run(runner: CliRunner,
                                                     store_args: list[str]) -> None:
    _ingest(runner, store_args, "scrape_urls.csv")
    rep = _ingest(runner, store_args, "testbuy_urls.csv")
    assert rep["rejected"] == 0 and rep["nodes_new"]["Shop"] == 1
    assert _contact_links(store_args) == _URL_LINKS


def _shop_keys(args: list[str]) -> set[str]:
    with _open(args) as st:
        return {k for (k,) in st.stream_nodes("Shop", [])}


def _evidence(args: list[str], rel: str) -> dict[tuple[str, str], list[dict]]:
    with _open(args) as st:
        return {(s, d): [json.loads(e) for e in evs]
                for _, s, _, d, evs in st.stream_rels(rel, ["ev"])}


def _link_counts(args: list[str]) -> set[tuple[str, str, str, int]]:
    with _open(args) as st:
        return {(rel, s, d, n) for rel in schema.REL_TYPES if rel != "SAME_AS"
                for _, s, _, d, n in st.stream_rels(rel, ["ev_count"])}


def test_url_only_shops_merge_when_their_id_comes_in_a_later_run(
        runner: CliRunner, store_args: list[str]) -> None:
    # The test purchases first: their shops are known only by URL (two by the id the URL
    # names, which is not the scrape's id). The scrape brings ids and URLs next run.
    first = _ingest(runner, store_args, "testbuy_urls.csv",
                    extra=("--flags", str(IDENT / "testbuy_url_flags.csv")))
    assert first["nodes_new"]["Shop"] == 3 and first["flags_loaded"] == 1
    rep = _ingest(runner, store_args, "scrape_urls.csv")
    assert rep["url_shops"] == {"merged": 2, "conflicts": 0}
    assert _shop_keys(store_args) == {"aliexpress:s-ali-01", "taobao:tb-88",
                                      "etsy:redmaplecrafts"}
    assert _contact_links(store_args) == _URL_LINKS
    # The evidence moved with its file and line, and says why.
    [rec] = _evidence(store_args, "USES_EMAIL")[("aliexpress:s-ali-01", "buyer-contact@qq.com")]
    assert (rec["file"], rec["line"], rec["raw"]) == ("testbuy_urls.csv", 2,
                                                       "buyer-contact@qq.com")
    assert rec["merged"].startswith("same shop URL aliexpress/2001234: URL-only shop "
                                    "'aliexpress:2001234' merged into 'aliexpress:s-ali-01'")
    with _open(store_args) as st:
        [issues] = [i for k, i in st.stream_nodes("Shop", ["issues"]) if k == "taobao:tb-88"]
        flagged = {k: (f, [json.loads(x)["flag"] for x in fl or ()])
                   for k, f, fl in st.stream_nodes("Shop", ["flagged", "flags"])}
    assert "merged URL-only shop 'taobao:58812345': same shop URL taobao/58812345" in issues
    # The test purchase flagged on the URL-only shop stays with the shop.
    assert flagged["aliexpress:s-ali-01"] == (True, ["test_purchase"])
    # The same graph as the other order (links and evidence counts), and rerunning both
    # files changes nothing.
    merged = _link_counts(store_args)
    again = _ingest(runner, store_args, "testbuy_urls.csv", "scrape_urls.csv",
                    extra=("--flags", str(IDENT / "testbuy_url_flags.csv")))
    assert again["url_shops"] == {"merged": 0, "conflicts": 0}
    assert not any(again["nodes_new"].values()) and not any(again["links_new"].values())
    assert not any(again["evidence_new"].values())
    assert _link_counts(store_args) == merged
    with _open(store_args) as st:
        st.reset()
    _ingest(runner, store_args, "scrape_urls.csv")
    _ingest(runner, store_args, "testbuy_urls.csv")
    assert _link_counts(store_args) == merged


def test_url_only_row_before_its_id_in_the_same_file(runner: CliRunner,
                                                    store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "url_before_id_same_file.csv")
    assert (rep["read"], rep["loaded"], rep["rejected"]) == (2, 2, 0)
    assert rep["url_shops"] == {"merged": 1, "conflicts": 0}
    assert _shop_keys(store_args) == {"etsy:bh-1"}
    assert _contact_links(store_args) == {("etsy:bh-1", "blueharborshop@gmail.com"),
                                          ("etsy:bh-1", "+12125550188")}


@pytest.mark.parametrize("order", ["urls_first", "ids_first"])
def test_a_url_shared_by_shops_with_different_ids_merges_nothing(
        runner: CliRunner, store_args: list[str], order: str) -> None:
    files = ["testbuy_urls_later_ids.csv", "scrape_ids_later.csv"]
    if order == "ids_first":
        files.reverse()
    _ingest(runner, store_args, files[0])
    rep = _ingest(runner, store_args, files[1])
    # TW-1 and TW-2 give one URL: the test purchase on it belongs to neither (a false
    # link is worse than a missed one); it stays on its URL-only shop, counted and listed.
    assert rep["url_shops"]["conflicts"] == 1
    assert _shop_keys(store_args) == {"unknown:ld-7", "ebay:tw-1", "ebay:tw-2",
                                      "ebay:twinstore"}
    assert _contact_links(store_args) == {
        ("unknown:ld-7", "orders@lucky-deals.example.com"), ("unknown:ld-7", "+8613800138001"),
        ("ebay:twinstore", "twinbuyer@gmail.com"), ("ebay:tw-1", "+442079460001"),
        ("ebay:tw-2", "+442079460002")}
    with open(rep["conflicts_path"], encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["field"] == "shop_url"]
    assert [(r["shop_id"], r["kept"], r["conflicting"]) for r in rows] == [
        ("ebay:twinstore", "ebay/twinstore", "ebay:tw-1; ebay:tw-2")]


def test_url_merge_plan_needs_one_shop_of_the_same_platform() -> None:
    from graphinv.ingest.shopmerge import plan_url_merges

    url = "https://lucky-deals.example.com/home"
    # A URL-only shop of another platform than the one shop with its URL: not merged.
    plan = plan_url_merges([("amazon:x1", url, "amazon", ["X1"]),
                            (f"ebay:{url}", url, "ebay", [])])
    assert plan.merged == [] and plan.conflicts == [
        (f"ebay:{url}", url, ("amazon:x1",))]
    # No platform on either side: merged.
    assert plan_url_merges([("unknown:x1", url, None, ["X1"]),
                            (f"unknown:{url}", url, None, [])]).merged == [
        (f"unknown:{url}", "unknown:x1", url)]
    # A shop without a raw id whose key is not the one its URL gives is not URL-only.
    assert plan_url_merges([("unknown:x1", url, None, ["X1"]),
                            ("unknown:x2", url, None, [])]).merged == []


@pytest.mark.parametrize(("url", "expected"), [
    ("https://shop58812345.taobao.com/", ("taobao", "58812345")),
    ("https://nike.tmall.com/", ("tmall", "nike")),
    ("https://abc123.1688.com/", ("1688", "abc123")),
    ("https://mall.jd.com/index-1000001234.html", ("jd", "1000001234")),
    ("https://mobile.yangkeduo.com/mall_page.html?mall_id=123456", ("pinduoduo", "123456")),
    ("https://www.aliexpress.us/store/all-wholesale-products/912345.html",
     ("aliexpress", "912345")),
    ("https://www.amazon.co.uk/s?me=A2XYZ", ("amazon", "A2XYZ")),
    ("https://www.ebay.com/str/bestdeals", ("ebay", "bestdeals")),
    ("https://www.etsy.com/shop/RedMapleCrafts?ref=profile", ("etsy", "RedMapleCrafts")),
    ("https://shopee.sg/shop/123456", ("shopee", "123456")),
    ("https://www.lazada.com.my/shop/acme-store/", ("lazada", "acme-store")),
    ("https://www.temu.com/acme-m-634418212345678.html", ("temu", "634418212345678")),
    ("https://www.mercadolibre.com.mx/tienda/acme", ("mercadolibre", "acme")),
    ("https://www.wish.com/merchant/5f1234abcd", ("wish", "5f1234abcd")),
    ("https://detail.tmall.com/item.htm?id=1", None),
    ("https://www.etsy.com/listing/123/mug", None),
    ("https://example.com/store/1", None),
    ("javascript:alert(1)", None),
])
def test_shop_url_shapes(url: str, expected: tuple[str, str] | None) -> None:
    from graphinv.ingest.shopurl import shop_from_url

    assert shop_from_url(url) == expected


def test_unknown_url_shape_keys_the_shop_by_its_canonical_url() -> None:
    from graphinv.ingest.extract import extract_row

    a = extract_row({"shop_url": ["https://www.myshop.example.net/home?utm_source=x"],
                     "phone": ["+86 138 0013 8000"]})
    b = extract_row({"shop_url": ["https://myshop.example.net/home"],
                     "phone": ["+86 138 0013 8000"]})
    assert a.entities[0].key == b.entities[0].key
    assert a.entities[0].label == "Shop"


# -- trap 2: phones without a country ------------------------------------------------


def test_phones_without_country_never_guessed(runner: CliRunner,
                                              store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "phones_nocountry.csv")
    # The same national number twice still links (C3, C4); the Chinese mobile of C1
    # no longer meets the American number of C2.
    assert _shared(store_args) == {
        ("taobao:c3", "tmall:c4", "Phone:national:13987654321")}
    assert rep["issues"]["Phone: no_country"] == 3
    [f] = rep["files"]
    assert f["hints"] == ["3 phone(s) had no country and were kept under a national key "
                          "that matches no international number: add a country column, "
                          "pass --country CC or set [options] default_country in a mapping"]


def test_country_option_reads_national_phones(runner: CliRunner, tmp_path: Path) -> None:
    args = ["--data-dir", str(tmp_path / "d")]
    rep = _ingest(runner, args, "phones_nocountry.csv", extra=("--country", "CN"))
    assert rep["files"][0]["hints"] == []
    with _open(args) as st:
        keys = sorted(k for (k,) in st.stream_nodes("Phone", []))
    assert keys == ["+13512345678", "+8613512345678", "+8613987654321"]
    res = runner.invoke(app, [*args, "ingest", str(IDENT / "phones_nocountry.csv"),
                              "--country", "Narnia"])
    assert res.exit_code == 2 and "unknown country" in res.stderr


# -- trap 3: numbers taken for postcodes ---------------------------------------------


def test_address_numbers_are_not_postcodes_without_a_country(
        runner: CliRunner, store_args: list[str]) -> None:
    _ingest(runner, store_args, "addresses_nocountry.csv")
    assert _shared(store_args) == {("etsy:w5", "etsy:w6", "Address:unknown:12 4 harbour road unit")}


_UNIT = st.sampled_from(["Room", "Unit", "Flat", "Suite", "Lot", "Building", "Block",
                         "Warehouse", "Floor"])
_STREET = st.sampled_from(["Huaqiang North Road", "Harbour Road", "Calle Mayor",
                           "Hauptstrasse", "Main Street", "Avenida Paulista"])
_CITY = st.sampled_from(["Shenzhen", "Hong Kong", "Madrid", "Berlin", "Springfield",
                         "Sao Paulo", ""])
_COUNTRY = st.sampled_from([None, "CN", "US", "DE", "GB", "ES", "BR", "HK"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(unit=_UNIT, unit_no=st.integers(1, 99999), house=st.integers(1, 99999),
       street=_STREET, city=_CITY, country=_COUNTRY, which=st.sampled_from(["unit", "house"]),
       other=st.integers(1, 99999), order=st.booleans())
def test_addresses_differing_in_one_number_never_share_a_key(
        unit: str, unit_no: int, house: int, street: str, city: str, country: str | None,
        which: str, other: int, order: bool) -> None:
    from graphinv.types import NORMALIZERS

    assume(other not in (unit_no, house))

    def text(u: int, h: int) -> str:
        parts = [f"{unit} {u}", f"{h} {street}"] if order else [f"{h} {street}", f"{unit} {u}"]
        return ", ".join([*parts, city] if city else parts)

    a = text(unit_no, house)
    b = text(other, house) if which == "unit" else text(unit_no, other)
    ka = NORMALIZERS["address"](a, country=country).key
    kb = NORMALIZERS["address"](b, country=country).key
    assert ka is not None and kb is not None
    assert ka != kb, (a, b, country, ka)


# -- masked values ------------------------------------------------------------------


def test_masked_values_are_never_keys(runner: CliRunner, store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "masked.csv")
    assert rep["ignored"] == {"masked: Email": 2, "masked: PaymentAccount": 2,
                              "masked: Phone": 2}
    assert rep["nodes_new"]["Phone"] == 2 and rep["nodes_new"]["PaymentAccount"] == 1
    # The masks never became keys; each links only to the single full identifier it fits:
    # the Alipay account and the Gmail of R3. 138****8000 fits R3's and R4's phones: no link.
    assert rep["masked"] == {"linked": 4, "ambiguous": 2, "no_match": 0, "too_little": 0,
                             "common": 0}
    shared = _shared(store_args)
    assert {n for *_, n in shared} == {"PaymentAccount:alipay:2088123456781234",
                                       "Email:jackmashop@gmail.com"}
    assert not any("Phone" in n for *_, n in shared)
    with _open(store_args) as st:
        ev = {(src, dst): json.loads(e[0])
              for _, src, _, dst, e in st.stream_rels("PAID_VIA", ["ev"])}
    assert ev[("taobao:r1", "alipay:2088123456781234")]["source"] == "masked single match"
    assert ev[("taobao:r1", "alipay:2088123456781234")]["raw"] == "alipay 2088********1234"
    with _open(store_args) as st:
        issues = dict(st.stream_nodes("Shop", ["issues"]))
    assert "masked Phone '138****8000'" in issues["taobao:r1"]
    assert "masked PaymentAccount 'alipay 2088********1234'" in issues["tmall:r2"]


# -- e-mail aliases -----------------------------------------------------------------


def test_email_aliases_by_provider_rules(runner: CliRunner, store_args: list[str]) -> None:
    _ingest(runner, store_args, "email_aliases.csv")
    # Gmail ignores dots and +tags (googlemail.com is gmail.com); other domains do not.
    assert _shared(store_args) == {("amazon:e2", "ebay:e1", "Email:johndoe@gmail.com")}
    with _open(store_args) as st:
        raws = dict(st.stream_nodes("Email", ["raws"]))
    assert sorted(raws["johndoe@gmail.com"]) == ["JohnDoe@googlemail.com",
                                                 "john.doe+shop1@gmail.com"]


# -- trap 5: multi-valued cells and mangled names ------------------------------------


def test_multi_valued_seller_cells_keep_every_value(runner: CliRunner,
                                                    store_args: list[str]) -> None:
    rep = _ingest(runner, store_args, "multivalue.csv",
                  extra=("--mapping", str(IDENT / "multivalue.toml")))
    with _open(store_args) as st:
        operates = {(src, dst) for _, src, _, dst in st.stream_rels("OPERATES")}
    assert operates == {("GB:alpha holdings", "ebay:m1"), ("GB:beta nominees", "ebay:m1")}
    assert rep["ignored"] == {"mangled: Seller": 2}


def test_extra_values_of_single_valued_fields_are_counted() -> None:
    from graphinv.ingest.extract import extract_row

    g = extract_row({"shop_id": ["A1", "A2"], "platform": ["ebay"],
                     "phone": ["+86 138 0013 8000"]})
    assert [e.key for e in g.entities if e.label == "Shop"] == ["ebay:a1"]
    assert g.issues == ["shop_id: extra value ignored (one per row)"]

#!/usr/bin/env python3
"""Synthetic counterfeit-network data for graphinv: seeded, deterministic, streaming, stdlib only.

Writes, into an output directory::

    listings.csv   one row per shop (plus --bad-rows planted bad rows)
    flags.csv      takedowns, test purchases and complaints
    truth.csv      shop_id,platform,gang_id (gang_id empty for legit shops)
    hubs.csv       ground truth for the hub traps: every spelling of every hub, with its use count
    bad_rows.csv   manifest of the planted bad rows (kind, listing_id, line, expected handling)
    bad/           small extra files in other encodings and formats (GB18030, BOM, Latin-1, JSONL)

Usage::

    python examples/generate.py --rows 3000 --seed 7 --out examples/data
    python examples/generate.py --rows 1000000 --seed 1 --out /tmp/gi-1m

or, from Python::

    counts = generate("out/", rows=3000, seed=7)

Identical arguments give byte-identical files (on the same Python version). Memory does not
grow with ``rows`` beyond the gang tables: legit shops are generated on the fly and every
unique identifier comes from a counter passed through a seeded bijection, so no "already used"
set is ever kept. See examples/README.md for the model.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import random
import sys
import time
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from pathlib import Path
from types import ModuleType, SimpleNamespace

COLUMNS = [
    "listing_id", "shop_id", "shop_name", "shop_url", "platform", "seller_name",
    "seller_country", "address", "phone", "email", "payment_account", "supplier", "first_seen",
]
FLAG_COLUMNS = ["shop_id", "platform", "flag", "reason", "date"]
TRUTH_COLUMNS = ["shop_id", "platform", "gang_id"]
HUB_COLUMNS = ["kind", "hub_id", "canonical", "spelling", "rows"]
BAD_COLUMNS = ["kind", "listing_id", "shop_id", "line", "expected", "description"]

DEFAULT_GANG_FRACTION = 0.04
DEFAULT_BAD_ROWS = 13  # one of each kind in BAD_KINDS
# Share of legit shops that use a hub instead of an identifier of their own.
HUB_WAREHOUSE_RATE = 0.22
HUB_PAYMENT_RATE = 0.18
HUB_SUPPLIER_RATE = 0.25
GANG_FLAG_RATE = 0.33  # per gang shop that has a later shop; ~30% of all gang shops
GANG_SIZE_MIN, GANG_SIZE_MAX = 4, 64

FIRST_DAY = dt.date(2020, 1, 1)
LAST_DAY = dt.date(2025, 6, 30)
DATES = [
    (FIRST_DAY + dt.timedelta(days=i)).isoformat()
    for i in range((LAST_DAY - FIRST_DAY).days + 1)
]
LEGIT_LAST_SEEN = (dt.date(2024, 12, 31) - FIRST_DAY).days

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# canonical -> spellings seen in the wild (first one is the "clean" spelling)
PLATFORMS: dict[str, list[str]] = {
    "taobao": ["Taobao", "taobao", "TAOBAO", "taobao.com", "淘宝", "Taobao.com", "淘宝网"],
    "tmall": ["Tmall", "tmall", "TMALL", "tmall.com", "天猫", "T-Mall"],
    "aliexpress": ["AliExpress", "aliexpress", "aliexpress.com", "Ali Express", "ALIEXPRESS",
                   "速卖通"],
    "amazon": ["Amazon", "amazon", "amazon.com", "AMAZON", "Amazon Marketplace", "amazon.de"],
    "shopee": ["Shopee", "shopee", "SHOPEE", "shopee.com.my", "Shopee MY"],
    "ebay": ["eBay", "ebay", "EBAY", "ebay.com", "e-Bay"],
    "lazada": ["Lazada", "lazada", "LAZADA", "lazada.com.my"],
    "temu": ["Temu", "temu", "TEMU", "temu.com"],
    "wish": ["Wish", "wish", "WISH", "wish.com"],
    "mercadolibre": ["MercadoLibre", "Mercado Libre", "mercadolibre", "MERCADOLIBRE",
                     "mercadolibre.com.mx", "Mercado Livre"],
}
PLATFORM_OF_SPELLING = {s: p for p, ss in PLATFORMS.items() for s in ss}
LEGIT_PLATFORM_WEIGHTS = {
    "taobao": 20, "aliexpress": 18, "amazon": 15, "shopee": 10, "ebay": 8, "lazada": 6,
    "temu": 8, "tmall": 7, "wish": 3, "mercadolibre": 5,
}
GANG_PLATFORM_WEIGHTS = {
    "taobao": 14, "aliexpress": 18, "amazon": 10, "shopee": 12, "ebay": 10, "lazada": 8,
    "temu": 10, "tmall": 4, "wish": 8, "mercadolibre": 6,
}
# seller country by platform (legit shops)
PLATFORM_COUNTRIES = {
    "taobao": {"CN": 94, "HK": 6},
    "tmall": {"CN": 97, "HK": 3},
    "aliexpress": {"CN": 85, "HK": 8, "TR": 3, "US": 4},
    "amazon": {"US": 33, "CN": 33, "DE": 12, "GB": 9, "HK": 4, "JP": 4, "FR": 5},
    "shopee": {"MY": 20, "TH": 15, "VN": 15, "SG": 10, "ID": 15, "PH": 10, "CN": 15},
    "lazada": {"MY": 25, "TH": 20, "VN": 15, "ID": 15, "PH": 15, "SG": 10},
    "temu": {"CN": 90, "HK": 5, "US": 5},
    "ebay": {"US": 38, "GB": 20, "DE": 13, "HK": 10, "CN": 14, "KR": 5},
    "wish": {"CN": 80, "US": 10, "HK": 10},
    "mercadolibre": {"MX": 45, "BR": 35, "CN": 10, "US": 10},
}
GANG_COUNTRIES = {"CN": 40, "HK": 16, "MY": 8, "TR": 8, "VN": 8, "TH": 7, "US": 7, "DE": 6}

# ISO code -> (spelling, resolvable-by-a-country-library) ; the first spelling is the clean one
COUNTRIES: dict[str, list[tuple[str, bool]]] = {
    "CN": [("CN", True), ("China", True), ("cn", True), ("中国", False), ("P.R. China", False)],
    "HK": [("HK", True), ("Hong Kong", True), ("hk", True), ("香港", False), ("HKSAR", False)],
    "US": [("US", True), ("USA", True), ("United States", True), ("us", True)],
    "MY": [("MY", True), ("Malaysia", True), ("my", True)],
    "TR": [("TR", True), ("Türkiye", True), ("Turkey", False), ("tr", True)],
    "VN": [("VN", True), ("Viet Nam", True), ("Vietnam", True), ("vn", True)],
    "TH": [("TH", True), ("Thailand", True), ("th", True)],
    "DE": [("DE", True), ("Germany", True), ("Deutschland", False), ("de", True)],
    "GB": [("GB", True), ("United Kingdom", True), ("UK", False), ("gb", True)],
    "SG": [("SG", True), ("Singapore", True), ("sg", True)],
    "MX": [("MX", True), ("Mexico", True), ("México", False), ("mx", True)],
    "BR": [("BR", True), ("Brazil", True), ("Brasil", False), ("br", True)],
    "JP": [("JP", True), ("Japan", True), ("日本", False)],
    "KR": [("KR", True), ("South Korea", True), ("Korea", False)],
    "ID": [("ID", True), ("Indonesia", True), ("id", True)],
    "PH": [("PH", True), ("Philippines", True), ("ph", True)],
    "FR": [("FR", True), ("France", True), ("fr", True)],
}
COUNTRY_OF_SPELLING = {s: iso for iso, ss in COUNTRIES.items() for s, _ in ss}

# Valid mobile ranges (checked against the `phonenumbers` library by tests/test_generator.py):
# ISO -> (country calling code, national-number length, prefixes of equal length,
#         trunk prefix for local dialling, digit groups of the national number)
PHONES: dict[str, tuple[str, int, list[str], str, list[int]]] = {
    "CN": ("86", 11, ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                      "151", "152", "155", "156", "157", "158", "159", "176", "177", "180",
                      "181", "182", "183", "185", "186", "187", "188", "189"], "", [3, 4, 4]),
    "HK": ("852", 8, ["512", "513", "517", "546", "590", "591", "614", "632", "651", "658",
                      "902", "913", "923", "934", "946", "961", "972", "985"], "", [4, 4]),
    "US": ("1", 10, [a + e for a in ("212", "415", "646", "718", "310", "213", "312", "305",
                                     "917", "206", "617", "702")
                     for e in ("234", "347", "482", "596", "628", "731", "846", "923")],
           "1", [3, 3, 4]),
    "MY": ("60", 9, ["121", "123", "125", "126", "162", "163", "165", "168", "191", "193",
                     "196", "132", "136", "173", "178"], "0", [2, 3, 4]),
    "TR": ("90", 10, ["505", "530", "532", "533", "535", "536", "537", "538", "539", "541",
                      "542", "543", "544", "545", "546", "549", "551", "552", "553", "554"],
           "0", [3, 3, 2, 2]),
    "VN": ("84", 9, ["90", "91", "93", "94", "96", "97", "98"], "0", [2, 3, 4]),
    "TH": ("66", 9, ["81", "82", "83", "84", "85", "86", "87", "88", "89", "61", "62", "63",
                     "64", "65", "91", "92", "93", "94", "95"], "0", [2, 3, 4]),
    "DE": ("49", 11, ["1511", "1512", "1514", "1515", "1516", "1517", "1520", "1522", "1523",
                      "1573", "1575", "1577", "1590"], "0", [4, 7]),
    "GB": ("44", 10, ["7400", "7401", "7402", "7411", "7412", "7520", "7521", "7701", "7702",
                      "7801", "7802", "7903", "7904", "7912", "7956"], "0", [4, 6]),
    "SG": ("65", 8, ["81", "82", "83", "84", "85", "86", "87", "88", "90", "91", "92", "93",
                     "94", "96", "97", "98"], "", [4, 4]),
    "MX": ("52", 10, ["55", "33", "81"], "", [2, 4, 4]),
    "BR": ("55", 11, ["119", "219", "319", "419", "519", "619", "719"], "0", [2, 5, 4]),
    "JP": ("81", 10, ["901", "902", "903", "905", "906", "907", "908", "909", "701", "702",
                      "703", "705"], "0", [2, 4, 4]),
    "KR": ("82", 10, ["101", "102", "103", "104", "106", "107", "108", "109"], "0", [2, 4, 4]),
    "ID": ("62", 11, ["812", "813", "821", "822", "852", "853", "811", "815", "816", "817",
                      "818", "819", "859", "877", "878", "895", "896"], "0", [3, 4, 4]),
    "PH": ("63", 10, ["905", "906", "915", "916", "917", "926", "927", "935", "936", "945",
                      "955", "956", "965", "966", "975", "977", "995", "997"], "0", [3, 3, 4]),
    "FR": ("33", 9, ["60", "61", "62", "64", "65", "66", "67", "68", "73", "74", "75", "76",
                     "77", "78", "79"], "0", [1, 2, 2, 2, 2]),
}

PHONE_COUNTER = {iso: f"phone-{iso}" for iso in PHONES}

# Pinyin syllable -> character; all consonant-initial so two-syllable words split one way only.
SYLLABLES = [
    ("xin", "鑫"), ("rui", "瑞"), ("jia", "嘉"), ("hua", "华"), ("tai", "泰"), ("long", "隆"),
    ("sheng", "盛"), ("feng", "丰"), ("da", "达"), ("heng", "恒"), ("fu", "富"), ("hao", "豪"),
    ("kai", "凯"), ("ming", "明"), ("bo", "博"), ("cheng", "诚"), ("de", "德"), ("guang", "广"),
    ("hong", "宏"), ("jin", "金"), ("jun", "骏"), ("li", "利"), ("lian", "联"), ("mei", "美"),
    ("nuo", "诺"), ("peng", "鹏"), ("qi", "琪"), ("rong", "荣"), ("shun", "顺"), ("tian", "天"),
    ("wei", "威"), ("xiang", "祥"), ("xing", "星"), ("yang", "阳"), ("yu", "宇"), ("yuan", "源"),
    ("zhi", "智"), ("zhong", "中"), ("bai", "百"), ("chang", "昌"), ("chuang", "创"),
    ("dong", "东"), ("fang", "方"), ("gao", "高"), ("hui", "辉"), ("jie", "杰"), ("kang", "康"),
    ("lan", "蓝"), ("lin", "林"), ("mao", "茂"), ("nan", "南"), ("pin", "品"), ("qian", "乾"),
    ("ren", "仁"), ("sen", "森"), ("teng", "腾"), ("wan", "万"), ("xu", "旭"), ("ya", "雅"),
    ("ze", "泽"), ("zhan", "展"), ("zhuo", "卓"), ("bin", "彬"), ("chen", "辰"),
]
WEST_SYLLABLES = [
    "ka", "lo", "ver", "na", "tri", "mon", "sel", "dia", "ro", "vex", "lin", "qua", "zen", "tor",
    "bel", "mar", "nix", "pol", "sar", "ven", "cor", "dal", "fen", "gal", "hal", "jor", "kel",
    "lum", "mir", "nor", "pra", "rin", "sol", "tal", "vor", "wes", "xan", "yor", "zel", "bra",
    "cle", "dro", "fla", "gro", "pla", "sto", "tre", "kwa", "eko", "ori", "una", "ivo", "ola",
    "alt", "ex", "on", "bu", "er", "gu", "us", "ta", "ri", "mo", "ne",
]


def _words() -> tuple[list[tuple[str, str]], list[str]]:
    py: dict[str, str] = {}
    for a, ca in SYLLABLES:
        for b, cb in SYLLABLES:
            py.setdefault(a + b, ca + cb)
    west = list(dict.fromkeys(a + b for a in WEST_SYLLABLES for b in WEST_SYLLABLES))
    return list(py.items()), west


PY_WORDS, WEST_WORDS = _words()

PRODUCTS = [
    ("Bags", "箱包"), ("Shoes", "鞋业"), ("Watches", "钟表"), ("Digital", "数码"),
    ("Beauty", "美妆"), ("Apparel", "服饰"), ("Toys", "玩具"), ("Perfume", "香水"),
    ("Eyewear", "眼镜"), ("Phone Accessories", "手机配件"), ("Sportswear", "运动"),
    ("Jewelry", "饰品"),
]
INDUSTRIES = [
    ("Trading", "贸易"), ("Electronics", "电子"), ("Technology", "科技"), ("Leather Goods", "皮具"),
    ("Garment", "服装"), ("Footwear", "鞋业"), ("Watch", "钟表"), ("Import & Export", "进出口"),
    ("Packaging", "包装"), ("Cosmetics", "化妆品"), ("Crafts", "工艺品"), ("Textile", "纺织"),
]
SHOP_SUFFIX_ZH = ["旗舰店", "专营店", "官方店", "专卖店", "企业店", "工厂店"]
SHOP_SUFFIX_EN = ["Store", "Official Store", "Shop", "Outlet", "Factory Store", "Mall", "Boutique",
                  "Direct", "Global Store"]
LEGAL_EN = ["Co., Ltd.", "Co.,Ltd.", "CO., LTD.", "Company Limited", "COMPANY LIMITED",
            "Co. Ltd", "Co Ltd", "Limited", "Ltd."]
LEGAL_BY_COUNTRY = {
    "US": ["LLC", "Inc.", "Corp."], "DE": ["GmbH", "UG (haftungsbeschränkt)", "e.K."],
    "GB": ["Ltd", "Limited"], "FR": ["SARL", "SAS"], "MX": ["S.A. de C.V.", "S. de R.L."],
    "BR": ["Ltda.", "ME"], "JP": ["K.K.", "Co., Ltd."], "KR": ["Co., Ltd."],
    "MY": ["Sdn. Bhd.", "Sdn Bhd"], "SG": ["Pte. Ltd.", "Pte Ltd"], "TH": ["Co., Ltd."],
    "VN": ["Co., Ltd", "JSC"], "ID": ["PT", "CV"], "PH": ["Inc.", "Corp."],
    "TR": ["Ltd. Şti.", "A.Ş."], "HK": ["Limited", "Co., Limited", "Trading Limited"],
}

# Address vocabulary: ISO -> list of (city, region, postcode, districts, street names, style)
CITY_TABLE: dict[str, list[tuple[str, str, str, list[str], list[str], str]]] = {
    "CN": [
        ("Shenzhen", "Guangdong", "518000", ["Futian", "Nanshan", "Longgang", "Bao'an", "Luohu"],
         ["Shennan", "Binhe", "Xinzhou", "Meilin", "Bagua", "Buji"], "cn"),
        ("Guangzhou", "Guangdong", "510000", ["Baiyun", "Tianhe", "Yuexiu", "Haizhu"],
         ["Jiefang", "Zhongshan", "Huangpu", "Tianhe", "Dongfeng"], "cn"),
        ("Yiwu", "Zhejiang", "322000", ["Choucheng", "Beiyuan", "Fotang", "Niansanli"],
         ["Chengbei", "Jiangbin", "Binwang", "Xuefeng"], "cn"),
        ("Dongguan", "Guangdong", "523000", ["Humen", "Chang'an", "Houjie", "Dalang"],
         ["Dongcheng", "Renmin", "Hongfu", "Guantai"], "cn"),
        ("Putian", "Fujian", "351100", ["Licheng", "Hanjiang", "Xiuyu"],
         ["Wenxian", "Xuefu", "Gongchen"], "cn"),
        ("Hangzhou", "Zhejiang", "310000", ["Xihu", "Binjiang", "Yuhang"],
         ["Wensan", "Jiangnan", "Wener", "Gudun"], "cn"),
        ("Quanzhou", "Fujian", "362000", ["Jinjiang", "Fengze", "Licheng"],
         ["Quanxiu", "Tian'an", "Baozhou"], "cn"),
    ],
    "HK": [
        ("Hong Kong", "", "", ["Kwun Tong", "Mong Kok", "Tsuen Wan", "Kwai Chung", "Wan Chai"],
         ["Hoi Bun", "Nathan", "Sha Tsui", "Castle Peak", "Hennessy", "Wai Yip"], "hk"),
    ],
    "US": [
        ("New York, NY", "", "10001", [], ["Broadway", "Canal", "Fulton", "Madison"], "us"),
        ("Los Angeles, CA", "", "90021", [], ["Santee", "Maple", "Wall", "Olympic"], "us"),
        ("Miami, FL", "", "33132", [], ["Biscayne", "Flagler", "Coral"], "us"),
        ("Houston, TX", "", "77036", [], ["Bellaire", "Westheimer", "Harwin"], "us"),
    ],
    "DE": [("Berlin", "", "10115", [], ["Haupt", "Linden", "Garten", "Schiller"], "eu"),
           ("Hamburg", "", "20095", [], ["Mönckeberg", "Kirchen", "Hafen"], "eu"),
           ("Frankfurt am Main", "", "60311", [], ["Berger", "Zeil", "Hanauer"], "eu")],
    "FR": [("Paris", "", "75011", [], ["Oberkampf", "Temple", "Faubourg"], "fr"),
           ("Marseille", "", "13001", [], ["Paradis", "Canebière"], "fr")],
}
_GENERIC_CITIES = {
    "MY": [("Kuala Lumpur", "", "50250"), ("Johor Bahru", "Johor", "80000")],
    "TR": [("Istanbul", "", "34000"), ("Izmir", "", "35000")],
    "VN": [("Ho Chi Minh City", "", "700000"), ("Hanoi", "", "100000")],
    "TH": [("Bangkok", "", "10110"), ("Chiang Mai", "", "50000")],
    "GB": [("London", "", "E1 6AN"), ("Manchester", "", "M1 1AE")],
    "SG": [("Singapore", "", "408600")],
    "MX": [("Ciudad de México", "CDMX", "06000"), ("Guadalajara", "Jal.", "44100")],
    "BR": [("São Paulo", "SP", "01310-100"), ("Rio de Janeiro", "RJ", "20040-002")],
    "JP": [("Tokyo", "", "110-0005"), ("Osaka", "", "542-0076")],
    "KR": [("Seoul", "", "04524"), ("Busan", "", "48058")],
    "ID": [("Jakarta", "", "10110"), ("Surabaya", "", "60111")],
    "PH": [("Manila", "", "1000"), ("Quezon City", "", "1100")],
}
for _iso, _cities in _GENERIC_CITIES.items():
    CITY_TABLE[_iso] = [
        (c, r, p, [], ["Jalan Ampang", "Harbour", "Central", "Market", "Station", "Park", "Lake"],
         "west") for c, r, p in _cities
    ]

STREET_TYPES = {
    "Road": ["Road", "Rd", "Rd.", "ROAD"], "Street": ["Street", "St", "St.", "STREET"],
    "Avenue": ["Avenue", "Ave", "Ave.", "AVE"], "Crescent": ["Crescent", "Cres", "Cres."],
}
DIRECTIONS = {"North": ["North", "N.", "N"], "South": ["South", "S.", "S"],
              "East": ["East", "E.", "E"], "West": ["West", "W.", "W"]}
COUNTRY_NAME = {"CN": ["China", "CN", "P.R. China", "PRC"], "HK": ["Hong Kong", "HK", "HKSAR"],
                "US": ["USA", "US", "United States"]}

FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
FULLWIDTH_ALL = str.maketrans(
    {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"}
)
EMAIL_DOMAINS = {
    "CN": ["qq.com", "163.com", "126.com", "foxmail.com", "sina.com", "aliyun.com", "gmail.com"],
    "HK": ["gmail.com", "yahoo.com.hk", "outlook.com", "netvigator.com", "qq.com"],
    "DE": ["gmx.de", "web.de", "t-online.de", "gmail.com"],
    "FR": ["orange.fr", "free.fr", "gmail.com"],
    "default": ["gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com",
                "protonmail.com"],
}
IDN_DOMAINS = ["bücher-handel.de", "例子.中国", "müller-shop.de", "tienda-españa.com"]
NOT_IN_HANDLE = str.maketrans("", "", " 0123456789")
EMAIL_WORDS = ["shop", "store", "sales", "service", "official", "trade", "kefu", "info",
               "support", "seller", "global", "best", "lucky", "happy", "vip", "order"]

ALIPAY_STYLES = ["Alipay {n}", "alipay:{n}", "ALIPAY-{g}", "支付宝 {n}", "Alipay ID: {n}", "{n}",
                 "alipay {g}"]
PAYPAL_STYLES = ["PayPal: {e}", "paypal {e}", "PAYPAL/{E}", "paypal:<{e}>", "PayPal {e}"]
PAYONEER_STYLES = ["payoneer #{a}-{b}", "Payoneer {n}", "PAYONEER ID: {a} {b}", "payoneer:{n}"]
IBAN_STYLES = ["{g}", "IBAN {n}", "iban: {gl}", "IBAN: {g}", "{n}"]
UNIONPAY_STYLES = ["UnionPay {g}", "银联 {g}", "unionpay:{n}", "ICBC card {d}", "{n}"]
PAYMENT_TYPES_BY_COUNTRY = {
    "CN": {"alipay": 55, "unionpay": 20, "paypal": 12, "payoneer": 13},
    "HK": {"alipay": 30, "paypal": 35, "payoneer": 25, "unionpay": 10},
    "DE": {"iban": 60, "paypal": 40}, "GB": {"iban": 30, "paypal": 50, "payoneer": 20},
    "TR": {"iban": 50, "paypal": 25, "payoneer": 25}, "FR": {"iban": 55, "paypal": 45},
    "default": {"paypal": 55, "payoneer": 45},
}
IBAN_BANKS = {"DE": ["37040044", "50010517", "10070000", "20041133", "70020270"],
              "TR": ["000100", "000120", "000460", "000620", "000640"],
              "GB": ["NWBK601613", "BARC200000", "HBUK400515", "LOYD309493"],
              "FR": ["2004101005", "3000600001", "1027807512"]}
IBAN_ACCOUNT_LEN = {"DE": 10, "TR": 16, "GB": 8, "FR": 13}
UNIONPAY_BINS = ["622202", "622848", "621700", "622588", "623668", "621226"]

FLAG_REASONS = {
    "takedown": ["Trademark infringement - listings removed after rights-holder notice",
                 "Counterfeit goods: store closed by platform IP team",
                 "Repeat infringer policy: store suspended",
                 "Notice-and-takedown (brand protection programme)"],
    "test_purchase": ["Test purchase: counterfeit {p} received, packaging mismatch",
                      "Test purchase confirmed fake {p} (serial numbers cloned)",
                      "Test buy: {p} shipped from undeclared warehouse, counterfeit"],
    "complaint": ["Customer complaint: suspected fake {p}",
                  "Buyer reports {p} not genuine, asks for refund",
                  "Rights holder complaint about {p} listing photos",
                  "Complaint: price far below retail for branded {p}"],
}

# --------------------------------------------------------------------------------------------
# Hubs (the super-node traps)
# --------------------------------------------------------------------------------------------

HUB_WAREHOUSES = [
    {"hub_id": "WH1", "unit": "", "no": "50", "street": "Huaqiang North", "stype": "Road",
     "district": "Futian", "city": "Shenzhen", "region": "Guangdong", "postcode": "518000",
     "style": "cn", "country": "CN"},
    {"hub_id": "WH2", "unit": "", "no": "1688", "street": "Jichang", "stype": "Road",
     "district": "Baiyun", "city": "Guangzhou", "region": "Guangdong", "postcode": "510405",
     "style": "cn", "country": "CN"},
    {"hub_id": "WH3", "unit": "", "no": "1888", "street": "Chouzhou North", "stype": "Road",
     "district": "Futian", "city": "Yiwu", "region": "Zhejiang", "postcode": "322000",
     "style": "cn", "country": "CN"},
    {"hub_id": "WH4", "unit": "Unit 12, 8/F", "no": "33", "street": "Kwai Fung",
     "stype": "Crescent", "district": "Kwai Chung", "city": "Hong Kong", "region": "",
     "postcode": "", "style": "hk", "country": "HK"},
    {"hub_id": "WH5", "unit": "", "no": "1500", "street": "South Milliken", "stype": "Avenue",
     "district": "", "city": "Ontario, CA", "region": "", "postcode": "91761", "style": "us",
     "country": "US"},
]
# one shared collection account per aggregator: (hub_id, digits, spellings)
HUB_PAYMENTS = [
    ("PAY1", "Payoneer collection account 5500 7702 0001 7788", [
        "Payoneer collection account 5500 7702 0001 7788", "payoneer:5500770200017788",
        "PAYONEER #5500-7702-0001-7788", "Payoneer Inc. (collection) 5500770200017788",
        "payoneer 5500 7702 0001 7788"]),
    ("PAY2", "PingPong 8800 1200 3456 0019", [
        "PingPong 8800 1200 3456 0019", "PINGPONG-8800120034560019",
        "pingpong:8800 1200 3456 0019", "PingPong Global Collection 8800120034560019",
        "Ping Pong #8800-1200-3456-0019"]),
    ("PAY3", "LianLian Pay 6100 2233 4455 6677", [
        "LianLian Pay 6100 2233 4455 6677", "LIANLIANPAY-6100223344556677",
        "lianlian: 6100 2233 4455 6677", "连连支付 6100223344556677",
        "Lian Lian Global 6100-2233-4455-6677"]),
    ("PAY4", "WorldFirst GB64 WFST 6016 1331 9268 19", [
        "WorldFirst GB64 WFST 6016 1331 9268 19", "worldfirst:GB64WFST60161331926819",
        "World First IBAN GB64 WFST 6016 1331 9268 19", "WORLDFIRST GB64WFST60161331926819",
        "WorldFirst UK gb64 wfst 6016 1331 9268 19"]),
]
HUB_SUPPLIERS = [
    {"hub_id": "SUP1", "city": "Shenzhen", "core": "Bright Star", "industry": "Electronics",
     "zh": False},
    {"hub_id": "SUP2", "city": "Guangzhou", "core": "Baiyun Jinlong", "industry": "Leather Goods",
     "zh": False},
    {"hub_id": "SUP3", "city": "Putian", "core": "Hengyuan", "industry": "Footwear", "zh": False},
    {"hub_id": "SUP4", "city": "Yiwu", "core": "Hengda", "industry": "Packaging", "zh": False},
    {"hub_id": "SUP5", "city": "东莞", "core": "华辉", "industry": "钟表", "zh": True},
]


def canonical_warehouse(a: dict) -> str:
    parts = [a["unit"], f"{a['no']} {a['street']} {a['stype']}", a["district"],
             f"{a['city']} {a['postcode']}".strip()]
    return ", ".join(p for p in parts if p)


def canonical_supplier(s: dict) -> str:
    if s["zh"]:
        return f"{s['city']}市{s['core']}{s['industry']}有限公司"
    return f"{s['city']} {s['core']} {s['industry']} Co., Ltd."


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


class Perm:
    """A seeded bijection of range(size): unique identifiers from a counter, no memory."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size = size
        bits = max(4, (size - 1).bit_length())
        self.mask = (1 << bits) - 1
        self.shift = max(1, bits // 2)
        self.a1 = rng.randrange(1 << bits) | 1
        self.a2 = rng.randrange(1 << bits) | 1
        self.c1 = rng.randrange(1 << bits)
        self.c2 = rng.randrange(1 << bits)

    def __call__(self, k: int) -> int:
        if not 0 <= k < self.size:
            raise OverflowError(f"counter {k} exceeds capacity {self.size}")
        x, m, s = k, self.mask, self.shift
        while True:  # cycle-walking keeps the permutation inside range(size)
            x = (x * self.a1 + self.c1) & m
            x ^= x >> s
            x = (x * self.a2 + self.c2) & m
            x ^= x >> s
            if x < self.size:
                return x


class Weighted:
    """Fast weighted choice from a dict of weights."""

    def __init__(self, weights: dict) -> None:
        self.items = list(weights)
        self.cum = list(accumulate(weights.values()))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


class Cycler:
    """Round-robin over hubs in a freshly shuffled order each cycle (balanced hub sizes)."""

    def __init__(self, n: int, rng: random.Random) -> None:
        self.n, self.rng, self.order = n, rng, []

    def next(self) -> int:
        if not self.order:
            self.order = list(range(self.n))
            self.rng.shuffle(self.order)
        return self.order.pop()


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    num = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(num) % 97:02d}{bban}"


def group(s: str, sizes: Sequence[int]) -> list[str]:
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return [g for g in out if g]


def chunks(s: str, n: int = 4) -> str:
    return " ".join(s[i:i + n] for i in range(0, len(s), n))


def typo(s: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(s) if c.isalpha()]
    if len(letters) < 4:
        return s
    i = rng.choice(letters[1:-1])
    op = rng.randrange(3)
    if op == 0:
        return s[:i] + s[i + 1:]  # drop
    if op == 1:
        return s[:i] + s[i] + s[i:]  # double
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]  # swap


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class World:
    """All counters, permutations and renderers. Everything random goes through ``self.rng``."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = rng = random.Random(seed)
        rnd = rng.random

        def ch(seq: Sequence):  # rng.choice is ~4x slower; this is on the hot path
            return seq[int(rnd() * len(seq))]

        def randint(a: int, b: int) -> int:
            return a + int(rnd() * (b - a + 1))

        self.ch, self.randint = ch, randint
        self.slots: dict[str, list] = {}  # counter name -> [Perm, next counter value]
        self.brand_k = 0
        self.shop_k = 0
        self.legit_platform = Weighted(LEGIT_PLATFORM_WEIGHTS)
        self.platform_country = {p: Weighted(w) for p, w in PLATFORM_COUNTRIES.items()}
        self.payment_type = {c: Weighted(w) for c, w in PAYMENT_TYPES_BY_COUNTRY.items()}
        self.hub_wh = Cycler(len(HUB_WAREHOUSES), rng)
        self.hub_pay = Cycler(len(HUB_PAYMENTS), rng)
        self.hub_sup = Cycler(len(HUB_SUPPLIERS), rng)
        self.hub_counts: dict[tuple[str, str], int] = {}
        self.shop_perm = Perm(10**8, random.Random(f"{seed}:shop"))
        n, m = len(PY_WORDS), len(WEST_WORDS)
        self.brand_size = min(n * n, m * m)
        self.brand_perm = Perm(self.brand_size, random.Random(f"{seed}:brand"))

    def unique(self, name: str, size: int) -> int | None:
        """Next value of the named counter, scrambled into range(size); None when exhausted."""
        slot = self.slots.get(name)
        if slot is None:
            slot = self.slots[name] = [Perm(size, random.Random(f"{self.seed}:{name}")), 0]
        perm, k = slot
        if k >= size:
            return None
        slot[1] = k + 1
        return perm(k)

    # ---- counters --------------------------------------------------------------------------
    def new_shop(self) -> tuple[str, int]:
        k = self.shop_k
        self.shop_k += 1
        x = self.shop_perm(k)
        return f"S{x:08d}", (x * 387420489 + 7654321) % 10**9  # store number: also unique

    def new_brand(self) -> tuple[str, str, str]:
        """Unique brand: (pinyin words, chinese, western word)."""
        k = self.brand_k
        self.brand_k += 1
        n, m, size = len(PY_WORDS), len(WEST_WORDS), self.brand_size
        x = self.brand_perm(k % size)
        (p1, z1), (p2, z2) = PY_WORDS[x // n], PY_WORDS[x % n]
        w1, w2 = WEST_WORDS[x // m], WEST_WORDS[x % m]
        rep = k // size
        tail = f" {rep + 1}" if rep else ""
        return (f"{p1.capitalize()} {p2.capitalize()}{tail}", z1 + z2 + tail,
                f"{w1.capitalize()}{w2}{tail}")

    def new_phone(self, iso: str) -> tuple[str, str]:
        """(iso, national significant number); unique over the whole data set."""
        if iso not in PHONES:
            iso = "CN"
        _, length, prefixes, _, _ = PHONES[iso]
        sub_len = length - len(prefixes[0])
        x = self.unique(PHONE_COUNTER[iso], len(prefixes) * 10**sub_len)
        if x is None:
            return self.new_phone("CN")
        return iso, prefixes[x % len(prefixes)] + str(x // len(prefixes)).zfill(sub_len)

    def new_email(self, iso: str, brand: str) -> str:
        rng = self.rng
        n = self.unique("email", 10**8)
        if n is None:
            raise OverflowError("e-mail counter exhausted")
        domains = EMAIL_DOMAINS.get(iso, EMAIL_DOMAINS["default"])
        r = rng.random()
        if iso == "CN" and r < 0.35:
            return f"{n + 10000000}@qq.com"  # QQ numbers; unique because n is
        if r < 0.004:
            domain = self.ch(IDN_DOMAINS)
        else:
            domain = self.ch(domains)
        handle = brand.translate(NOT_IN_HANDLE).lower() if r < 0.6 else self.ch(EMAIL_WORDS)
        return f"{handle}{self.ch(['', '.', '_'])}{n}@{domain}"

    def new_payment(self, iso: str, email: str | None = None) -> tuple[str, str]:
        """(type, account) with a unique account."""
        rng = self.rng
        kind = self.payment_type.get(iso, self.payment_type["default"]).pick(rng)
        if kind == "iban" and iso not in IBAN_BANKS:
            kind = "paypal"
        if kind == "paypal":
            return "paypal", email or self.new_email(iso, self.ch(EMAIL_WORDS))
        if kind == "alipay":
            return kind, f"2088{self.unique('alipay', 10**12):012d}"
        if kind == "payoneer":
            return kind, f"{self.unique('payoneer', 10**8):08d}"
        if kind == "unionpay":
            body = self.ch(UNIONPAY_BINS) + f"{self.unique('unionpay', 10**12):012d}"
            return kind, body + luhn_digit(body)
        length = IBAN_ACCOUNT_LEN[iso]
        acct = self.unique(f"iban-{iso}", 10**length)
        if acct is None:
            return "paypal", email or self.new_email(iso, self.ch(EMAIL_WORDS))
        return kind, iban(iso, self.ch(IBAN_BANKS[iso]) + f"{acct:0{length}d}")

    def new_address(self, iso: str) -> dict:
        if iso not in CITY_TABLE:
            iso = "CN"
        x = self.unique(f"address-{iso}", 10**8 if iso == "CN" else 10**7)
        if x is None:
            return self.new_address("CN")
        cities = CITY_TABLE[iso]
        city, region, postcode, districts, streets, style = cities[x % len(cities)]
        x //= len(cities)
        street = streets[x % len(streets)]
        x //= len(streets)
        no = x % 397 + 1
        x //= 397
        unit = x  # unique remainder: together with the fields above, unique per address
        stype = self.ch(["Road", "Road", "Street", "Avenue"])
        if style == "cn":
            unit_s = f"Room {unit % 30 + 1}{unit // 30 % 30 + 1:02d}, Bldg {unit // 900 + 1}"
        elif style == "hk":
            unit_s = f"Flat {chr(65 + unit % 8)}, {unit // 8 % 40 + 1}/F, Block {unit // 320 + 1}"
        else:
            unit_s = f"Unit {unit + 1}"
        return {"unit": unit_s, "no": str(no), "street": street, "stype": stype,
                "district": self.ch(districts) if districts else "", "city": city,
                "region": region, "postcode": postcode, "style": style, "country": iso}

    # ---- renderers ---------------------------------------------------------------------------
    def render_phone(self, phone: tuple[str, str], shop_country: tuple[str, str, bool] | None,
                     messy: bool) -> str:
        iso, nsn = phone
        cc, _, _, trunk, sizes = PHONES[iso]
        rng = self.rng
        groups = group(nsn, sizes)
        if not messy:
            return f"+{cc} {' '.join(groups)}"
        local_ok = shop_country is not None and shop_country[0] == iso and shop_country[2]
        r = rng.random()
        if local_ok and r < 0.3:
            if iso == "US":
                s = self.ch([f"({groups[0]}) {groups[1]}-{groups[2]}", ".".join(groups),
                                "-".join(groups)])
            else:
                sep = self.ch([" ", "-", ".", ""])
                s = trunk + sep.join(groups)
        elif r < 0.45:
            s = f"+{cc} {' '.join(groups)}"
        elif r < 0.6:
            s = f"00{cc} {nsn}"
        elif r < 0.72:
            s = f"({cc}) {'-'.join(groups)}"
        elif r < 0.86:
            s = f"+{cc}{nsn}"
        else:
            s = f"+{cc}-{'-'.join(groups)}"
        if rng.random() < 0.1:
            s = s.translate(FULLWIDTH_ALL if rng.random() < 0.3 else FULLWIDTH_DIGITS)
        return s

    def render_email(self, email: str, messy: bool) -> str:
        if not messy:
            return email
        r = self.rng.random()
        if r < 0.45:
            return email
        if r < 0.6:
            return email.upper()
        if r < 0.72:
            local, _, dom = email.partition("@")
            return f"{local.capitalize()}@{dom.upper() if self.rng.random() < 0.5 else dom}"
        if r < 0.9:
            return self.ch([" ", "  ", "\t", "\u3000"]) + email + self.ch(
                [" ", "", "  "])
        return f"{email} "

    def render_payment(self, pay: tuple[str, str], messy: bool) -> str:
        kind, acct = pay
        if kind == "paypal":
            if not messy:
                return f"PayPal: {acct}"
            return self.ch(PAYPAL_STYLES).format(e=acct, E=acct.upper())
        if kind == "alipay":
            if not messy:
                return f"Alipay {acct}"
            return self.ch(ALIPAY_STYLES).format(n=acct, g=chunks(acct))
        if kind == "payoneer":
            if not messy:
                return f"Payoneer {acct}"
            return self.ch(PAYONEER_STYLES).format(n=acct, a=acct[:4], b=acct[4:])
        if kind == "unionpay":
            if not messy:
                return f"UnionPay {acct}"
            return self.ch(UNIONPAY_STYLES).format(n=acct, g=chunks(acct),
                                                      d="-".join(group(acct, [4, 4, 4, 4])))
        if not messy:
            return f"IBAN {chunks(acct)}"
        return self.ch(IBAN_STYLES).format(n=acct, g=chunks(acct), gl=chunks(acct).lower())

    def render_address(self, a: dict, messy: bool) -> str:
        rng = self.rng
        style = a["style"]
        if not messy:
            if style == "eu":
                return f"{a['street']}straße {a['no']}, {a['unit']}, {a['postcode']} {a['city']}"
            if style == "fr":
                return f"{a['no']} rue du {a['street']}, {a['unit']}, {a['postcode']} {a['city']}"
            return canonical_warehouse(a)
        up = rng.random()
        if style in ("eu", "fr"):
            if style == "eu":
                street = a["street"] + self.ch(["straße", "strasse", "str.", "str", "straße"])
            else:
                street = self.ch(["Rue du ", "rue du ", "R. du "]) + a["street"]
            num_first = style == "fr"
            s1 = f"{a['no']} {street}" if num_first else f"{street} {a['no']}"
            parts = [s1, a["unit"], f"{a['postcode']} {a['city']}"]
            if rng.random() < 0.25:
                parts.append(self.ch(["Germany", "Deutschland", "DE"] if style == "eu"
                                        else ["France", "FR"]))
            s = self.ch([", ", " ", ","]).join(parts)
        else:
            stype = self.ch(STREET_TYPES[a["stype"]])
            words = a["street"].split()
            words = [self.ch(DIRECTIONS[w]) if w in DIRECTIONS else w for w in words]
            prefix = self.ch(["", "", "No.", "No. ", "#"]) if style != "us" else ""
            if rng.random() < 0.12 and style in ("cn", "hk"):
                street_part = f"{' '.join(words)} {stype} {prefix}{a['no']}"
            else:
                street_part = f"{prefix}{a['no']} {' '.join(words)} {stype}"
            district = a["district"] if rng.random() < 0.7 else ""
            city = a["city"]
            if a["region"] and rng.random() < 0.2:
                city = f"{city}, {a['region']}"
            if a["postcode"] and rng.random() < 0.6:
                city = f"{city} {a['postcode']}"
            parts = [a["unit"], street_part, district, city]
            if style == "cn" and rng.random() < 0.15:
                parts.reverse()  # big-to-small, Chinese order
            if rng.random() < 0.15 and a["country"] in COUNTRY_NAME:
                parts.append(self.ch(COUNTRY_NAME[a["country"]]))
            sep = self.ch([", ", ", ", ", ", " ", "，", ","])
            s = sep.join(p for p in parts if p)
        if up < 0.2:
            s = s.upper()
        elif up < 0.24:
            s = s.lower()
        if rng.random() < 0.1:
            s = s.translate(FULLWIDTH_DIGITS)
        if rng.random() < 0.04:
            s = s.replace(" ", "  ", 1)
        return s

    def render_supplier(self, s: dict, messy: bool, typo_rate: float) -> str:
        rng = self.rng
        if not messy:
            return canonical_supplier(s)
        if s["zh"]:
            city = s["city"] + ("市" if rng.random() < 0.6 else "")
            form = self.ch(["有限公司", "有限公司", "有限责任公司"])
            r = rng.random()
            if r < 0.15:
                out = f"{s['core']}{s['industry']}（{s['city']}）{form}"
            elif r < 0.25:
                out = f"{s['core']}{s['industry']}({s['city']}){form}"
            elif r < 0.35:
                out = f"{city} {s['core']}{s['industry']} {form}"
            else:
                out = f"{city}{s['core']}{s['industry']}{form}"
            return out
        form = self.ch(LEGAL_EN)
        r = rng.random()
        if r < 0.7:
            out = f"{s['city']} {s['core']} {s['industry']} {form}"
        elif r < 0.85:
            out = f"{s['core']} {s['industry']} {form}"
        else:
            out = f"{s['core']} {s['industry']} ({s['city']}) {form}"
        if rng.random() < typo_rate:
            out = typo(out, rng)
        u = rng.random()
        if u < 0.2:
            out = out.upper()
        elif u < 0.25:
            out = out.title()
        if rng.random() < 0.05:
            out = f" {out} "
        return out

    def render_seller(self, seller: dict, messy: bool) -> str:
        rng = self.rng
        kind = seller["kind"]
        if kind == "zh":
            form = self.ch(["有限公司", "有限公司", "有限责任公司"]) if messy else "有限公司"
            city = seller["city_zh"] + ("市" if not messy or rng.random() < 0.6 else "")
            return f"{city}{seller['brand_zh']}{seller['industry_zh']}{form}"
        if kind == "handle":
            h = seller["handle"]
            return h.upper() if messy and rng.random() < 0.15 else h
        form = seller["form"]
        if messy and seller["country"] in ("CN", "HK"):
            form = self.ch(LEGAL_EN)
        name = f"{seller['prefix']}{seller['brand']} {seller['industry']} {form}".strip()
        if messy:
            u = rng.random()
            if u < 0.15:
                name = name.upper()
            elif u < 0.2:
                name = name.replace(" ", "  ", 1)
            elif u < 0.23:
                name = f" {name}"
        return name

    def render_country(self, iso: str, messy: bool) -> tuple[str, str, bool]:
        spellings = COUNTRIES[iso]
        if not messy or self.rng.random() < 0.7:
            text, ok = spellings[0]
        else:
            text, ok = self.ch(spellings)
        return iso, text, ok

    def render_platform(self, platform: str, messy: bool) -> str:
        spellings = PLATFORMS[platform]
        if not messy or self.rng.random() < 0.55:
            return spellings[0]
        return self.ch(spellings)

    def shop_url(self, platform: str, iso: str, store_no: int, slug: str, messy: bool) -> str:
        rng = self.rng
        if platform == "taobao":
            url = f"https://shop{store_no % 10**9:09d}.taobao.com"
        elif platform == "tmall":
            url = f"https://{slug}{store_no % 10**5}.tmall.com"
        elif platform == "aliexpress":
            url = f"https://www.aliexpress.com/store/{store_no % 10**9 + 1000000}"
        elif platform == "amazon":
            tld = {"DE": "de", "GB": "co.uk", "JP": "co.jp", "FR": "fr"}.get(iso, "com")
            aid = "A" + f"{store_no:09d}"[::-1] + "".join(
                "ABCDEFGHJKLMNPQRSTUVWXYZ"[(store_no >> s) % 24] for s in (2, 7, 12, 17))
            url = f"https://www.amazon.{tld}/sp?seller={aid}"
        elif platform == "shopee":
            tld = {"MY": "com.my", "TH": "co.th", "VN": "vn", "SG": "sg", "ID": "co.id",
                   "PH": "ph"}.get(iso, "com.my")
            url = f"https://shopee.{tld}/{slug}.{store_no % 10**6}"
        elif platform == "lazada":
            tld = {"MY": "com.my", "TH": "co.th", "VN": "vn", "SG": "sg", "ID": "co.id",
                   "PH": "com.ph"}.get(iso, "com.my")
            url = f"https://www.lazada.{tld}/shop/{slug}-{store_no % 10**6}"
        elif platform == "ebay":
            tld = {"GB": "co.uk", "DE": "de", "HK": "com.hk"}.get(iso, "com")
            url = f"https://www.ebay.{tld}/str/{slug}{store_no % 10**4}"
        elif platform == "temu":
            url = f"https://www.temu.com/{slug}-m-{634418200000000 + store_no}.html"
        elif platform == "wish":
            merchant = (store_no * 0x9E3779B97F4A7C15 + 0x5F3759DF) % 16**24
            url = f"https://www.wish.com/merchant/{merchant:024x}"
        else:
            host = "mercadolivre.com.br" if iso == "BR" else "mercadolibre.com.mx"
            url = f"https://www.{host}/perfil/{slug.upper()}{store_no % 10**4}"
        if messy:
            r = rng.random()
            if r < 0.08:
                url = "http://" + url[8:]
            elif r < 0.13:
                scheme, _, rest = url.partition("://")
                host, _, path = rest.partition("/")
                url = f"{scheme.upper()}://{host.upper()}" + (f"/{path}" if path else "")
            elif r < 0.22:
                url += "/" if "?" not in url else ""
            elif r < 0.3:
                url += ("&" if "?" in url else "?") + f"spm=a2g0o.store.{store_no % 997}.1"
        return url

    def shop_name(self, platform: str, iso: str, brand: tuple[str, str, str],
                  stem: str | None = None) -> str:
        rng = self.rng
        prod_en, prod_zh = self.ch(PRODUCTS)
        py, zh, west = brand
        if platform in ("taobao", "tmall") or (iso == "CN" and rng.random() < 0.3):
            if stem:
                return f"{stem[1]}{prod_zh}{self.ch(SHOP_SUFFIX_ZH)}{zh[:1]}"
            return f"{zh}{prod_zh}{self.ch(SHOP_SUFFIX_ZH)}"
        base = stem[0] if stem else (py.split()[0] if iso in ("CN", "HK") else west)
        return f"{base} {prod_en} {self.ch(SHOP_SUFFIX_EN)}"

    def new_seller(self, iso: str, brand: tuple[str, str, str] | None = None) -> dict:
        rng = self.rng
        brand = brand or self.new_brand()
        py, zh, west = brand
        ind_en, ind_zh = self.ch(INDUSTRIES)
        r = rng.random()
        if iso == "CN" and r < 0.3:
            city = self.ch(CITY_TABLE["CN"])[0]
            city_zh = {"Shenzhen": "深圳", "Guangzhou": "广州", "Yiwu": "义乌", "Dongguan": "东莞",
                       "Putian": "莆田", "Hangzhou": "杭州", "Quanzhou": "泉州"}[city]
            return {"kind": "zh", "city_zh": city_zh, "brand_zh": zh, "industry_zh": ind_zh}
        if r < 0.55:
            base = py if iso in ("CN", "HK") else west
            handle = base.replace(" ", "").lower() + self.ch(["", "_store", "-official",
                                                                 "_shop", "global"])
            return {"kind": "handle", "handle": handle}
        if iso in ("CN", "HK"):
            prefix = self.ch(CITY_TABLE["CN"])[0] + " " if iso == "CN" else ""
            form = self.ch(LEGAL_BY_COUNTRY["HK"]) if iso == "HK" else "Co., Ltd."
            return {"kind": "co", "prefix": prefix, "brand": py, "industry": ind_en,
                    "form": form, "country": iso}
        form = self.ch(LEGAL_BY_COUNTRY.get(iso, ["Ltd."]))
        return {"kind": "co", "prefix": "", "brand": west, "industry": ind_en, "form": form,
                "country": iso}

    def new_small_supplier(self, iso: str) -> dict:
        rng = self.rng
        py, zh, _ = self.new_brand()
        ind_en, ind_zh = self.ch(INDUSTRIES[1:])
        if rng.random() < 0.3:
            city = self.ch(["深圳", "广州", "义乌", "东莞", "莆田", "泉州"])
            return {"city": city, "core": zh, "industry": ind_zh, "zh": True}
        city = self.ch(["Shenzhen", "Guangzhou", "Yiwu", "Dongguan", "Putian", "Quanzhou"])
        return {"city": city, "core": py, "industry": ind_en, "zh": False}

    def count_hub(self, hub_id: str, spelling: str) -> None:
        key = (hub_id, spelling)
        self.hub_counts[key] = self.hub_counts.get(key, 0) + 1


# --------------------------------------------------------------------------------------------
# Gangs
# --------------------------------------------------------------------------------------------

STRONG = ("payment", "phone", "email")
POOL_TYPES = ("payment", "phone", "email", "address", "supplier", "name")


def gang_sizes(rng: random.Random, budget: int) -> list[int]:
    sizes: list[int] = []
    if budget >= 80:
        sizes.append(rng.randint(40, 48))  # at least one large gang once there is room for it
    total = sum(sizes)
    while budget - total >= GANG_SIZE_MIN:
        u = rng.random()
        if u < 0.8:
            s = min(25, GANG_SIZE_MIN + int(rng.expovariate(1 / 4.5)))
        elif u < 0.97:
            s = rng.randint(15, 30)
        else:
            s = rng.randint(40, 60)
        remaining = budget - total
        if remaining - s < GANG_SIZE_MIN:
            s = remaining if remaining <= GANG_SIZE_MAX else remaining - GANG_SIZE_MIN
        sizes.append(s)
        total += s
    return sizes


def pick_distinct(rng: random.Random, weights: dict, k: int) -> list:
    pool = dict(weights)
    out = []
    for _ in range(k):
        w = Weighted(pool)
        x = w.pick(rng)
        out.append(x)
        del pool[x]
    return out


def spread(rng: random.Random, values: list, n: int) -> list:
    """n items drawn from values, each value used at least once, in random order."""
    out = list(values) + [rng.choice(values) for _ in range(n - len(values))]
    rng.shuffle(out)
    return out


def build_gangs(world: World, rows: int, fraction: float,
                sizes: list[int] | None = None) -> list[dict]:
    rng = world.rng
    budget = round(rows * fraction)
    gangs = []
    for gi, size in enumerate(gang_sizes(rng, budget) if sizes is None else sizes):
        gid = f"G{gi + 1:04d}"
        n_plat = min(size, rng.choices([2, 3, 4, 5], [35, 30, 20, 15])[0])
        n_ctry = min(size, rng.choices([1, 2, 3, 4], [35, 35, 20, 10])[0])
        platforms = pick_distinct(rng, GANG_PLATFORM_WEIGHTS, n_plat)
        countries = pick_distinct(rng, GANG_COUNTRIES, n_ctry)
        home = countries[0]
        pools: dict[str, list] = {
            "phone": [world.new_phone(rng.choice(countries + [home])) for _ in
                      range(rng.randint(1, 4))],
            "email": [world.new_email(home, world.new_brand()[0]) for _ in
                      range(rng.randint(1, 3))],
            "address": [world.new_address(rng.choice(["CN", "CN", "HK"]) if home not in
                                          ("CN", "HK") or rng.random() < 0.7 else home)
                        for _ in range(rng.randint(1, 2))],
            "supplier": [world.new_small_supplier(home) for _ in
                         range(rng.choices([0, 1, 2], [30, 50, 20])[0])],
            "name": [world.new_seller(rng.choice(countries)) for _ in range(rng.randint(2, 5))],
        }
        pays = []
        for _ in range(rng.randint(1, 3)):
            email = rng.choice(pools["email"]) if rng.random() < 0.3 else None
            pays.append(world.new_payment(rng.choice(countries), email))
        pools["payment"] = pays
        intro = {}
        for t, members in pools.items():
            later = sorted(rng.randint(1, size - 1) for _ in members[1:])
            intro[t] = ([0] + later)[:len(members)]
        gang = {
            "gang_id": gid, "size": size, "pools": pools, "countries": countries,
            "hub_wh": world.hub_wh.next() if rng.random() < 0.35 else None,
            "hub_pay": world.hub_pay.next() if rng.random() < 0.25 else None,
            "hub_sup": world.hub_sup.next() if rng.random() < 0.5 else None,
            "stem": (world.new_brand()[2], world.new_brand()[1]) if rng.random() < 0.6 else None,
            "messy": rng.random() < 0.8,
        }
        plats = spread(rng, platforms, size)
        ctrys = spread(rng, countries, size)
        gaps = [rng.randint(3, max(6, 900 // size)) for _ in range(size - 1)]
        day = rng.randrange(max(1, LEGIT_LAST_SEEN - sum(gaps)))
        shops = []
        prev: dict[str, object] | None = None
        for i in range(size):
            avail = {t: [m for m, at in zip(pools[t], intro[t], strict=True) if at <= i]
                     for t in POOL_TYPES}
            chosen: dict[str, object] = {}
            if prev is None:
                t = rng.choice(STRONG)
                chosen[t] = avail[t][-1]
            else:
                t = rng.choice([t for t in prev if t in STRONG])
                chosen[t] = prev[t]  # the chain link: same strong identifier as shop i-1
            target = rng.choice([2, 2, 3, 3, 3, 4])
            fresh = [t for t in POOL_TYPES if t not in chosen and avail[t]
                     and intro[t][len(avail[t]) - 1] == i]
            others = [t for t in POOL_TYPES if t not in chosen and avail[t] and t not in fresh]
            rng.shuffle(others)
            for t in fresh + others:
                if len(chosen) >= target:
                    break
                chosen[t] = avail[t][-1] if rng.random() < 0.6 else rng.choice(avail[t])
            prev = chosen
            shops.append({"gang": gang, "index": i, "platform": plats[i], "country": ctrys[i],
                          "day": day, "reveal": chosen, "flags": []})
            day += gaps[i] if i < size - 1 else 0
        for i, shop in enumerate(shops[:-1]):
            if rng.random() < GANG_FLAG_RATE:
                lo, hi = shop["day"] + 1, shops[i + 1]["day"] - 1
                fday = rng.randint(lo, hi)
                kind = rng.choice(["takedown", "takedown", "test_purchase", "complaint"])
                shop["flags"].append((kind, fday))
                if fday - lo > 2 and rng.random() < 0.4:
                    shop["flags"].insert(0, (rng.choice(["complaint", "test_purchase"]),
                                             rng.randint(lo, fday - 1)))
        gang["shops"] = shops
        gangs.append(gang)
    return gangs


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def legit_row(world: World, hubs: bool = True, platform: str | None = None,
              iso: str | None = None) -> tuple[list[str], str, int]:
    """One legit shop: (12 cells, i.e. all but listing_id; canonical platform; first_seen day)."""
    rng = world.rng
    messy = rng.random() < 0.5
    platform = platform or world.legit_platform.pick(rng)
    iso = iso or world.platform_country[platform].pick(rng)
    shop_id, store_no = world.new_shop()
    brand = world.new_brand()
    country = world.render_country(iso, messy) if rng.random() < 0.96 else None
    seller = world.render_seller(world.new_seller(iso, brand), messy) if rng.random() < 0.95 \
        else ""
    slug = brand[0].replace(" ", "").lower() if iso in ("CN", "HK") else brand[2].lower()
    phone = world.render_phone(world.new_phone(iso), country, messy) if rng.random() < 0.75 \
        else ""
    email = world.render_email(world.new_email(iso, brand[0]), messy) if rng.random() < 0.8 \
        else ""
    r = rng.random()
    if hubs and r < HUB_PAYMENT_RATE:
        hub_id, _, spellings = HUB_PAYMENTS[world.hub_pay.next()]
        pay = spellings[0] if not messy else world.ch(spellings)
        world.count_hub(hub_id, pay)
    elif r < 0.8:
        pay = world.render_payment(world.new_payment(iso), messy)
    else:
        pay = ""
    r = rng.random()
    if hubs and r < HUB_WAREHOUSE_RATE:
        hub = HUB_WAREHOUSES[world.hub_wh.next()]
        address = world.render_address(hub, messy)
        world.count_hub(hub["hub_id"], address)
    elif r < 0.85:
        address = world.render_address(world.new_address(iso), messy)
    else:
        address = ""
    r = rng.random()
    if hubs and r < HUB_SUPPLIER_RATE:
        hub = HUB_SUPPLIERS[world.hub_sup.next()]
        supplier = world.render_supplier(hub, messy, 0.04)
        world.count_hub(hub["hub_id"], supplier)
    elif r < HUB_SUPPLIER_RATE + 0.15:
        supplier = world.render_supplier(world.new_small_supplier(iso), messy, 0.0)
    else:
        supplier = ""
    day = int(rng.random() * (LEGIT_LAST_SEEN + 1))
    row = [shop_id, world.shop_name(platform, iso, brand),
           world.shop_url(platform, iso, store_no, slug, messy),
           world.render_platform(platform, messy), seller, country[1] if country else "",
           address, phone, email, pay, supplier, DATES[day]]
    return row, platform, day


def gang_row(world: World, shop: dict) -> list[str]:
    rng = world.rng
    gang = shop["gang"]
    messy = gang["messy"] or rng.random() < 0.3
    reveal = shop["reveal"]
    platform, iso = shop["platform"], shop["country"]
    shop_id, store_no = world.new_shop()
    shop["shop_id"] = shop_id
    brand = world.new_brand()
    country = world.render_country(iso, messy)
    if "name" in reveal:
        seller = world.render_seller(reveal["name"], messy)
    elif rng.random() < 0.85:
        seller = world.render_seller(world.new_seller(iso, brand), messy)  # throwaway name
    else:
        seller = ""
    if "phone" in reveal:
        phone = world.render_phone(reveal["phone"], country, messy)
    elif rng.random() < 0.12:
        phone = world.render_phone(world.new_phone(iso), country, messy)  # burner
    else:
        phone = ""
    if "email" in reveal:
        email = world.render_email(reveal["email"], messy)
    elif rng.random() < 0.12:
        email = world.render_email(world.new_email(iso, brand[0]), messy)
    else:
        email = ""
    if "payment" in reveal:
        pay = world.render_payment(reveal["payment"], messy)
    elif gang["hub_pay"] is not None and rng.random() < 0.5:
        hub_id, _, spellings = HUB_PAYMENTS[gang["hub_pay"]]
        pay = world.ch(spellings)
        world.count_hub(hub_id, pay)
    else:
        pay = ""
    if "address" in reveal:
        address = world.render_address(reveal["address"], messy)
    elif gang["hub_wh"] is not None and rng.random() < 0.5:
        hub = HUB_WAREHOUSES[gang["hub_wh"]]
        address = world.render_address(hub, messy)
        world.count_hub(hub["hub_id"], address)
    else:
        address = ""
    if "supplier" in reveal:
        supplier = world.render_supplier(reveal["supplier"], messy, 0.1)
    elif gang["hub_sup"] is not None and rng.random() < 0.6:
        hub = HUB_SUPPLIERS[gang["hub_sup"]]
        supplier = world.render_supplier(hub, messy, 0.04)
        world.count_hub(hub["hub_id"], supplier)
    else:
        supplier = ""
    stem = gang["stem"] if gang["stem"] and rng.random() < 0.5 else None
    slug = brand[0].replace(" ", "").lower() if iso in ("CN", "HK") else brand[2].lower()
    return [shop_id, world.shop_name(platform, iso, brand, stem),
            world.shop_url(platform, iso, store_no, slug, messy),
            world.render_platform(platform, messy), seller, country[1], address, phone, email,
            pay, supplier, DATES[shop["day"]]]


def flag_reason(rng: random.Random, kind: str) -> str:
    return rng.choice(FLAG_REASONS[kind]).format(p=rng.choice(PRODUCTS)[0].lower())


# --------------------------------------------------------------------------------------------
# Planted bad rows
# --------------------------------------------------------------------------------------------

# kind -> (expected handling, description)
BAD_KINDS: dict[str, tuple[str, str]] = {
    "missing_shop_id": ("reject", "shop_id and shop_url cells are empty (a URL alone "
                        "names the shop)"),
    "ragged": ("reject", "15 cells instead of 13: an unquoted address split on its commas"),
    "invalid_phone": ("load, flag phone", "phone '+86 123 4567' is not a valid number"),
    "javascript_url": ("load, never render as link", "shop_url is 'javascript:alert(...)'"),
    "nul_byte": ("reject", "NUL byte (\\x00) inside seller_name"),
    "duplicate_shop_id": ("conflict", "repeats the previous row's shop_id with a different "
                          "seller_name and a later first_seen"),
    "cypher_injection": ("load verbatim", "seller_name \"x'}) DETACH DELETE n //\""),
    "xss_shop_name": ("load verbatim, render as text", "shop_name '<img src=x onerror=alert(1)>'"),
    "zero_width": ("load, flag name", "previous row's seller_name with a U+200B zero-width "
                   "space inside (lookalike)"),
    "csv_formula": ("load verbatim, neutralize on export",
                    "seller_name starts with '=' (=HYPERLINK formula)"),
    "script_breakout": ("load verbatim, render as text", "shop_name contains '</script>'"),
    "bidi_override": ("load, flag name", "seller_name contains U+202E right-to-left override"),
    "bad_date": ("reject or flag date", "first_seen '2023-02-30' does not exist"),
}
BAD_ORDER = list(BAD_KINDS)


def bad_row(world: World, kind: str, last: list[str]) -> list[str]:
    """A planted bad row (cells without listing_id); ``last`` is the previous good row."""
    row, _, _ = legit_row(world, hubs=False)
    if kind == "missing_shop_id":
        row[0] = ""
        row[2] = ""  # with its URL the row would name its shop (issue #18)
    elif kind == "ragged":
        parts = [p.strip() for p in row[6].split(",")] if row[6] else ["Room 5", "Bldg 2", "x"]
        parts = (parts + ["", "", ""])[:3]
        row = row[:6] + parts + row[7:]
    elif kind == "invalid_phone":
        row[7] = "+86 123 4567"
    elif kind == "javascript_url":
        row[2] = "javascript:alert(document.domain)"
    elif kind == "nul_byte":
        row[4] = "Shenzhen Xinrui\x00Trading Co., Ltd."
    elif kind == "duplicate_shop_id":
        row = list(last)
        row[4] = world.render_seller(world.new_seller("CN"), False) + " (new owner)"
        row[11] = DATES[min(len(DATES) - 1, DATES.index(last[11]) + 30)]
    elif kind == "cypher_injection":
        row[4] = "x'}) DETACH DELETE n //"
    elif kind == "xss_shop_name":
        row[1] = "<img src=x onerror=alert(1)>"
    elif kind == "zero_width":
        name = last[4] or row[4] or "Xinrui Trading"
        mid = len(name) // 2
        row[4] = name[:mid] + "\u200b" + name[mid:]
    elif kind == "csv_formula":
        row[4] = '=HYPERLINK("http://evil.example/x","Click for refund")'
    elif kind == "script_breakout":
        row[1] = "</script><script>alert(1)</script>"
    elif kind == "bidi_override":
        row[4] = "Shenzhen \u202edtL oC gnidarT"
    elif kind == "bad_date":
        row[11] = "2023-02-30"
    return row


# --------------------------------------------------------------------------------------------
# Extras: other encodings and formats
# --------------------------------------------------------------------------------------------

LATIN1_SELLERS = [
    ("DE", "Müller Handels GmbH"), ("DE", "Jürgen Weiß e.K."), ("DE", "Bäcker & Söhne KG"),
    ("FR", "Société Générale de Mode SARL"), ("FR", "Hélène Lefèvre Créations"),
    ("FR", "Boutique Côte d'Azur SAS"), ("DE", "Größer Sport GmbH"),
    ("FR", "Ateliers Daniès & Frères"), ("DE", "Schröder Uhren OHG"),
    ("FR", "Maison Noël Accessoires"), ("DE", "Köhler Lederwaren GmbH"),
    ("FR", "Château Parfums SARL"),
]
GB_SHOPS = [
    ("深圳市鑫瑞贸易有限公司", "鑫瑞箱包旗舰店"), ("广州市嘉华皮具有限公司", "嘉华皮具专营店"),
    ("义乌市恒达饰品商行", "恒达饰品工厂店"), ("东莞市华辉钟表有限公司", "华辉钟表官方店"),
    ("莆田市荣盛鞋业有限公司", "荣盛鞋业专卖店"),
    ("泉州市晋江宏达运动用品有限公司", "宏达运动旗舰店"),
    ("杭州星辰美妆有限公司", "星辰美妆企业店"), ("深圳市腾龙数码科技有限公司", "腾龙数码专营店"),
    ("吉祥𠮷品贸易商行", "𠮷品家居店"), ("广州市白云区明珠服饰厂", "明珠服饰工厂店"),
    ("深圳市福田区华强电子商行", "华强电子配件店"), ("义乌市佳美包装制品厂", "佳美包装专营店"),
]


def write_extras(world: World, bad_dir: Path) -> dict[str, str]:
    """Small files in other encodings/formats. Listing ids restart per file (own "source")."""
    rng = world.rng
    bad_dir.mkdir(parents=True, exist_ok=True)
    paths = {}

    def rows_for(n: int, prefix: str, tweak: Callable[[list[str], int], None],
                 platform: str | None = None, iso: str | None = None) -> list[list[str]]:
        out = []
        for i in range(n):
            row, _, _ = legit_row(world, hubs=False, platform=platform, iso=iso)
            tweak(row, i)
            out.append([f"{prefix}{i + 1:04d}"] + row)
        return out

    def gb_tweak(row: list[str], i: int) -> None:
        seller, shop = GB_SHOPS[i]
        row[1], row[4], row[5] = shop, seller, rng.choice(["中国", "CN", "China"])
        row[3] = rng.choice(["淘宝", "淘宝网", "Taobao", "taobao.com"])
        row[6] = f"广东省深圳市福田区华强北路{rng.randint(1, 300)}号{rng.randint(1, 30)}楼"
        row[10] = ""

    def latin_tweak(row: list[str], i: int) -> None:
        iso, seller = LATIN1_SELLERS[i]
        first = seller.split()[0]
        row[1] = f"{first} {rng.choice(['Boutique', 'Outlet', 'Shop'])}"
        row[4], row[5] = seller, {"DE": "Deutschland", "FR": "France"}[iso]
        row[3] = rng.choice(["eBay", "ebay"])
        row[10] = ""
        if row[8]:
            local = unicodedata.normalize("NFKD", first.lower()).encode("ascii", "ignore")
            row[8] = f"{local.decode()}{rng.randint(10, 99)}@{rng.choice(EMAIL_DOMAINS[iso])}"
        for j, cell in enumerate(row):
            try:
                cell.encode("latin-1")
            except UnicodeEncodeError:  # full-width digits, U+3000 padding: fold to ASCII
                row[j] = unicodedata.normalize("NFKC", cell)

    def plain(row: list[str], i: int) -> None:
        return None

    def write_csv(name: str, rows: list[list[str]], encoding: str) -> None:
        path = bad_dir / name
        with open(path, "w", encoding=encoding, newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            w.writerows(rows)
        paths[name] = str(path)

    gb_rows = rows_for(len(GB_SHOPS), "GB", gb_tweak, platform="taobao", iso="CN")
    latin_rows = []
    for i, (iso, _) in enumerate(LATIN1_SELLERS):
        row = rows_for(1, "LT", lambda r, _i, i=i: latin_tweak(r, i), platform="ebay", iso=iso)[0]
        latin_rows.append([f"LT{i + 1:04d}"] + row[1:])
    write_csv("listings_gb18030.csv", gb_rows, "gb18030")
    write_csv("listings_bom.csv", rows_for(15, "BOM", plain), "utf-8-sig")
    write_csv("listings_latin1.csv", latin_rows, "latin-1")
    jrows = rows_for(20, "JS", plain)
    path = bad_dir / "listings.jsonl"
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in jrows:
            f.write(json.dumps(dict(zip(COLUMNS, r, strict=True)), ensure_ascii=False) + "\n")
    paths["listings.jsonl"] = str(path)

    # Records a JSON Lines reader must reject one by one (hardening item 14), between good ones.
    tricky = rows_for(6, "TJ", plain)
    good = [json.dumps(dict(zip(COLUMNS, r, strict=True)), ensure_ascii=False) for r in tricky]
    dup = good[1][:-1] + ', "seller_name": "Second Seller Name Ltd."}'
    nan = good[2][:-1] + ', "rating": NaN}'
    surrogate = good[3].replace('"seller_name": "', '"seller_name": "\\ud800', 1)
    deep = good[4][:-1] + ', "extra": ' + "[" * 2000 + "]" * 2000 + "}"
    lines = [good[0], dup, nan, surrogate, deep, good[5], '{"shop_id": "TJ-broken", "platform":']
    path = bad_dir / "listings_tricky.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    paths["listings_tricky.jsonl"] = str(path)

    # An unterminated quote in row 3 (hardening item 13): must not swallow rows 4-8.
    urows = rows_for(8, "UQ", plain)
    buf = [",".join(COLUMNS)]
    for i, r in enumerate(urows):
        cells = ['"' + c.replace('"', '""') + '"' if any(x in c for x in ',"') else c for c in r]
        if i == 2:
            cells[5] = '"Shenzhen Runaway Quote Trading Co., Ltd.'
        buf.append(",".join(cells))
    path = bad_dir / "listings_unterminated.csv"
    path.write_text("\n".join(buf) + "\n", encoding="utf-8")
    paths["listings_unterminated.csv"] = str(path)
    return paths


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def load_shapes() -> ModuleType:
    """examples/shapes.py (the ``--shapes`` infrastructure), loaded by path: examples/ is
    not a package."""
    name = "graphinv_examples_shapes"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("shapes.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def generate(out_dir: str | os.PathLike, rows: int, seed: int,
             gang_fraction: float | None = None, bad_rows: int = DEFAULT_BAD_ROWS,
             extras: bool = True, shapes: bool = False) -> dict:
    """Write the synthetic data set into ``out_dir`` and return counts and paths.

    ``rows`` is the number of distinct shops (= lines of truth.csv); listings.csv holds
    ``rows + bad_rows`` records. Files are written to ``*.tmp`` and renamed when complete.
    ``shapes`` adds the realistic infrastructure of examples/shapes.py (small hubs,
    gangs of 2-150 shops, market buildings, legit multi-platform brands, chains) and a
    ``kind`` column to truth.csv.
    """
    shaper = load_shapes() if shapes else None
    if gang_fraction is None:
        gang_fraction = shaper.DEFAULT_GANG_FRACTION if shaper else DEFAULT_GANG_FRACTION
    if rows < 1:
        raise ValueError("rows must be >= 1")
    if not 0 <= gang_fraction <= 0.5:
        raise ValueError("gang_fraction must be between 0 and 0.5")
    if bad_rows < 0:
        raise ValueError("bad_rows must be >= 0")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed)
    rng = world.rng
    # This module's names, however it was loaded (by path, as a script, under any name).
    here = SimpleNamespace(**globals())
    plan = shaper.Shapes(here, world, rows, gang_fraction) if shaper else None
    gangs = plan.gangs if plan else build_gangs(world, rows, gang_fraction)
    queue = [shop for g in gangs for shop in g["shops"]]
    rng.shuffle(queue)
    n_gang = len(queue)
    if n_gang > rows:
        raise ValueError("gang shops exceed rows")
    if bad_rows <= rows:
        bad_at = sorted(rng.sample(range(rows), bad_rows))
    else:
        bad_at = sorted(rng.choices(range(rows), k=bad_rows))
    bad_kinds = [BAD_ORDER[i % len(BAD_ORDER)] for i in range(bad_rows)]
    rng.shuffle(bad_kinds)

    paths = {name: out / f"{name}.csv" for name in ("listings", "flags", "truth", "hubs",
                                                    "bad_rows")}
    tmp = {name: p.with_name(p.name + ".tmp") for name, p in paths.items()}
    files = {name: open(tmp[name], "w", encoding="utf-8", newline="", buffering=1 << 20)
             for name in ("listings", "flags", "truth")}
    counts = {"rows": rows, "bad_rows": bad_rows, "gangs": len(gangs), "gang_shops": n_gang,
              "legit_shops": rows - n_gang, "flags": 0, "gang_flagged_shops": 0}
    if plan:
        n_brand = sum(g["size"] for g in plan.brands)
        counts |= {"gangs": len(gangs) - len(plan.brands), "gang_shops": n_gang - n_brand,
                   "brands": len(plan.brands), "brand_shops": n_brand,
                   "legit_shops": rows - n_gang + n_brand}
    manifest = []
    try:
        lw = csv.writer(files["listings"], lineterminator="\n")
        fw = csv.writer(files["flags"], lineterminator="\n")
        tw = csv.writer(files["truth"], lineterminator="\n")
        lw.writerow(COLUMNS)
        fw.writerow(FLAG_COLUMNS)
        tw.writerow(TRUTH_COLUMNS + ["kind"] if plan else TRUTH_COLUMNS)
        listing_no = 0
        gang_left = n_gang
        bad_i = 0
        for i in range(rows):
            left = rows - i
            if gang_left and rng.random() * left < gang_left:
                shop = queue[n_gang - gang_left]
                gang_left -= 1
                if "render" in shop:
                    row = shop["render"](world, shop)
                else:
                    row = plan.gang_row(shop) if plan else gang_row(world, shop)
                platform = shop["platform"]
                gang_id = shop["gang"]["gang_id"]
                op_kind = shop["gang"].get("kind", "gang")
                for kind, day in shop["flags"]:
                    fw.writerow([row[0], world.render_platform(platform, True), kind,
                                 flag_reason(rng, kind), DATES[day]])
                    counts["flags"] += 1
                counts["gang_flagged_shops"] += bool(shop["flags"])
            else:
                row, platform, day = plan.legit_row() if plan else legit_row(world)
                gang_id = ""
                op_kind = "legit"
                r = rng.random()
                if r < 0.012:
                    kind = "complaint" if r < 0.009 else "takedown"
                    day += rng.randint(1, 200)
                    fw.writerow([row[0], world.render_platform(platform, True), kind,
                                 flag_reason(rng, kind), DATES[min(day, len(DATES) - 1)]])
                    counts["flags"] += 1
            listing_no += 1
            lw.writerow([f"L{listing_no:08d}"] + row)
            tw.writerow([row[0], platform, gang_id] + ([op_kind] if plan else []))
            while bad_i < bad_rows and bad_at[bad_i] == i:
                kind = bad_kinds[bad_i]
                bad = bad_row(world, kind, row)
                listing_no += 1
                lw.writerow([f"L{listing_no:08d}"] + bad)
                expected, desc = BAD_KINDS[kind]
                manifest.append([kind, f"L{listing_no:08d}", bad[0], listing_no + 1, expected,
                                 desc])
                bad_i += 1
        for f in files.values():
            f.close()
        with open(tmp["hubs"], "w", encoding="utf-8", newline="") as f:
            hw = csv.writer(f, lineterminator="\n")
            hw.writerow(HUB_COLUMNS)
            canon = {h["hub_id"]: ("warehouse", canonical_warehouse(h)) for h in HUB_WAREHOUSES}
            canon |= {h: ("payment", c) for h, c, _ in HUB_PAYMENTS}
            canon |= {h["hub_id"]: ("supplier", canonical_supplier(h)) for h in HUB_SUPPLIERS}
            if plan:
                canon |= plan.hub_canon()
            for (hub_id, spelling), n in sorted(world.hub_counts.items()):
                hw.writerow([canon[hub_id][0], hub_id, canon[hub_id][1], spelling, n])
        with open(tmp["bad_rows"], "w", encoding="utf-8", newline="") as f:
            bw = csv.writer(f, lineterminator="\n")
            bw.writerow(BAD_COLUMNS)
            bw.writerows(manifest)
        for name in paths:
            os.replace(tmp[name], paths[name])
    except BaseException:
        for f in files.values():
            f.close()
        for p in tmp.values():
            p.unlink(missing_ok=True)
        raise
    result = {**counts, "paths": {k: str(v) for k, v in paths.items()},
              "bad": [dict(zip(BAD_COLUMNS, m, strict=True)) for m in manifest]}
    if extras:
        result["paths"] |= {f"bad/{k}": v for k, v in write_extras(world, out / "bad").items()}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a synthetic, seeded counterfeit-network data set for graphinv.",
        epilog="Example: python examples/generate.py --rows 3000 --seed 7 --out examples/data",
    )
    parser.add_argument("--rows", type=int, required=True, help="number of shops")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--gang-fraction", type=float, default=None,
                        help=f"share of shops run by gangs (default {DEFAULT_GANG_FRACTION}; "
                             "0.18 with --shapes)")
    parser.add_argument("--bad-rows", type=int, default=DEFAULT_BAD_ROWS,
                        help=f"planted bad rows (default {DEFAULT_BAD_ROWS})")
    parser.add_argument("--shapes", action="store_true",
                        help="add the realistic infrastructure of examples/shapes.py (issue #19)")
    parser.add_argument("--no-extras", action="store_true",
                        help="do not write the small files under OUT/bad/")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        result = generate(args.out, args.rows, args.seed, args.gang_fraction, args.bad_rows,
                          extras=not args.no_extras, shapes=args.shapes)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result.pop("bad")
    result["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tests for examples/generate.py, the synthetic counterfeit-network data generator."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache
from itertools import combinations
from math import comb
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "generate.py"
SAMPLE = ROOT / "examples" / "data"
ROWS, SEED = 3000, 7  # the committed sample: examples/data


def _load():
    spec = importlib.util.spec_from_file_location("graphinv_examples_generate", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    result = gen.generate(out, ROWS, SEED)
    return out, result


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def raw_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@lru_cache(maxsize=4)
def good_rows(out: Path) -> dict[str, dict[str, str]]:
    """First listing row of every shop in truth.csv (skips planted bad rows). Do not mutate."""
    truth = {r["shop_id"] for r in read_csv(out / "truth.csv")}
    bad = {r["listing_id"] for r in read_csv(out / "bad_rows.csv")}
    rows = {}
    for r in read_csv(out / "listings.csv"):
        if r["listing_id"] not in bad and r["shop_id"] in truth:
            assert r["shop_id"] not in rows, r["shop_id"]
            rows[r["shop_id"]] = r
    return rows


@lru_cache(maxsize=4)
def gang_of(out: Path) -> dict[str, str]:
    return {r["shop_id"]: r["gang_id"] for r in read_csv(out / "truth.csv")}


# --- digit-only normalization: deliberately simple, what any loader can do -----------------


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


def phone_key(value: str) -> str | None:
    """Digit-only: the last 8 digits. Enough inside one gang, not across the data set."""
    digits = "".join(c for c in nfkc(value) if c.isdigit())
    return "p:" + digits[-8:] if len(digits) >= 8 else None


def e164_key(value: str, country: str) -> str | None:
    """Country code + national number, with the seller_country cell for local numbers."""
    text = nfkc(value).strip()
    digits = "".join(c for c in text if c.isdigit())
    if not digits:
        return None
    iso = gen.COUNTRY_OF_SPELLING.get(country)
    paren = re.match(r"\((\d{1,3})\)", text)
    us_local = iso == "US" and paren and len(paren.group(1)) == 3 and len(digits) == 10
    if text.startswith("+") or (paren and not us_local):  # "(86) 138-…" vs "(212) 347-…"
        return "p:" + digits
    if text.startswith("00"):
        return "p:" + digits[2:]
    cc, _, _, trunk, _ = gen.PHONES[iso]
    if trunk and digits.startswith(trunk):
        digits = digits[len(trunk):]
    return "p:" + cc + digits


def email_key(value: str) -> str | None:
    value = nfkc(value).strip().lower()
    return "e:" + value if value else None


def payment_key(value: str) -> str | None:
    value = nfkc(value).strip()
    m = re.search(r"[\w.+-]+@[\w.-]+", value)
    if m:
        return "e:" + m.group(0).lower()
    digits = "".join(c for c in value if c.isdigit())
    return "d:" + digits if len(digits) >= 6 else None


def strong_keys(row: dict[str, str], simple: bool = False) -> set[str]:
    phone = phone_key(row["phone"]) if simple else e164_key(row["phone"], row["seller_country"])
    keys = {phone, email_key(row["email"]), payment_key(row["payment_account"])}
    keys.discard(None)
    return keys


def hub_payment_keys(out: Path) -> set[str]:
    return {payment_key(r["spelling"]) for r in read_csv(out / "hubs.csv")
            if r["kind"] == "payment"}


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


# --- determinism ---------------------------------------------------------------------------


def all_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file()}


def test_same_seed_gives_identical_bytes(data, tmp_path):
    out, _ = data
    gen.generate(tmp_path, ROWS, SEED)
    first, second = all_files(out), all_files(tmp_path)
    assert sorted(first) == sorted(second)
    assert len(first) >= 11
    for name in first:
        assert first[name] == second[name], name


def test_committed_sample_is_up_to_date(data):
    if not (SAMPLE / "listings.csv").exists():
        pytest.skip("examples/data not generated")
    out, _ = data
    fresh = all_files(out)
    for name, content in fresh.items():
        assert (SAMPLE / name).read_bytes() == content, (
            f"examples/data/{name} is stale: python examples/generate.py --rows {ROWS} "
            f"--seed {SEED} --out examples/data")


def test_different_seed_gives_different_data(tmp_path):
    gen.generate(tmp_path / "a", 400, 1, extras=False)
    gen.generate(tmp_path / "b", 400, 2, extras=False)
    for name in ("listings.csv", "truth.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


# --- shape -----------------------------------------------------------------------------------


def test_row_counts_and_columns(data):
    out, result = data
    assert raw_rows(out / "listings.csv")[0] == gen.COLUMNS
    assert raw_rows(out / "flags.csv")[0] == gen.FLAG_COLUMNS
    assert raw_rows(out / "truth.csv")[0] == gen.TRUTH_COLUMNS
    truth = read_csv(out / "truth.csv")
    assert len(truth) == ROWS == result["rows"]
    assert len({r["shop_id"] for r in truth}) == ROWS
    assert len(raw_rows(out / "listings.csv")) - 1 == ROWS + result["bad_rows"]
    good = good_rows(out)
    assert set(good) == {r["shop_id"] for r in truth}
    assert all(len(r) == len(gen.COLUMNS) and None not in r for r in good.values())
    for r in good.values():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["first_seen"])
        assert gen.PLATFORM_OF_SPELLING[r["platform"]]
    gang_shops = sum(1 for r in truth if r["gang_id"])
    assert gang_shops == result["gang_shops"]
    assert 0.02 <= gang_shops / ROWS <= 0.05
    assert {r["platform"] for r in truth} <= set(gen.PLATFORMS)
    for r in truth:
        assert gen.PLATFORM_OF_SPELLING[good[r["shop_id"]]["platform"]] == r["platform"]


def test_gang_sizes_platforms_countries(data):
    out, _ = data
    good, gangs = good_rows(out), defaultdict(list)
    for shop_id, gang_id in gang_of(out).items():
        if gang_id:
            gangs[gang_id].append(good[shop_id])
    assert len(gangs) >= 5
    sizes = [len(shops) for shops in gangs.values()]
    assert all(gen.GANG_SIZE_MIN <= s <= gen.GANG_SIZE_MAX for s in sizes)
    assert max(sizes) >= 40  # at least one large gang in a sample this size
    for shops in gangs.values():
        platforms = {gen.PLATFORM_OF_SPELLING[r["platform"]] for r in shops}
        countries = {gen.COUNTRY_OF_SPELLING[r["seller_country"]] for r in shops}
        assert 2 <= len(platforms) <= 5
        assert 1 <= len(countries) <= 4
    assert any(len({gen.COUNTRY_OF_SPELLING[r["seller_country"]] for r in s}) > 1
               for s in gangs.values())


def test_each_gang_is_a_chain_of_shared_strong_identifiers(data):
    out, _ = data
    good, gangs = good_rows(out), defaultdict(list)
    for shop_id, gang_id in gang_of(out).items():
        if gang_id:
            gangs[gang_id].append(shop_id)
    not_clique = 0
    for gang_id, shops in gangs.items():
        uf = UnionFind()
        keys = {s: strong_keys(good[s], simple=True) for s in shops}
        for s in shops:
            uf.find(s)
            for k in keys[s]:
                uf.union(s, k)
        assert len({uf.find(s) for s in shops}) == 1, gang_id
        # each shop reveals only some identifiers: some pairs share nothing directly
        if any(not keys[a] & keys[b] for a, b in combinations(shops, 2)):
            not_clique += 1
    assert not_clique >= len(gangs) // 2


def test_gang_identifiers_are_unique_to_the_gang(data):
    out, _ = data
    good, gangs = good_rows(out), gang_of(out)
    hubs = hub_payment_keys(out)
    owners = defaultdict(set)
    for shop_id, row in good.items():
        for k in strong_keys(row) - hubs:
            owners[k].add(gangs[shop_id] or f"legit:{shop_id}")
    shared = {k: o for k, o in owners.items() if len(o) > 1}
    assert not shared, list(shared.items())[:5]


def test_planted_structure_is_recoverable(data):
    """Baseline: link shops on strong identifiers, ignore identifiers on > 80 shops (hubs)."""
    out, _ = data
    good, gangs = good_rows(out), gang_of(out)
    users = defaultdict(list)
    for shop_id, row in good.items():
        for k in strong_keys(row):
            users[k].append(shop_id)
    uf = UnionFind()
    for shop_id in good:
        uf.find(shop_id)
    for shops in users.values():
        if len(shops) <= 80:
            for s in shops[1:]:
                uf.union(shops[0], s)
    predicted = {s: uf.find(s) for s in good}
    truth = {s: g or f"legit:{s}" for s, g in gangs.items()}
    pairs = Counter((truth[s], predicted[s]) for s in good)
    tp = sum(comb(n, 2) for n in pairs.values())
    t_pairs = sum(comb(n, 2) for n in Counter(truth.values()).values())
    p_pairs = sum(comb(n, 2) for n in Counter(predicted.values()).values())
    precision, recall = tp / p_pairs, tp / t_pairs
    assert 2 * precision * recall / (precision + recall) >= 0.99
    # and the hubs really are traps: linking through them merges everything
    hub_sizes = [len(v) for v in users.values() if len(v) > 80]
    assert len(hub_sizes) >= 4


def test_hubs_are_big_and_spelled_many_ways(data):
    out, _ = data
    good = good_rows(out)
    hubs = read_csv(out / "hubs.csv")
    column = {"warehouse": "address", "payment": "payment_account", "supplier": "supplier"}
    spellings = defaultdict(set)
    kinds = {}
    for r in hubs:
        spellings[r["hub_id"]].add(r["spelling"])
        kinds[r["hub_id"]] = r["kind"]
    assert Counter(kinds.values()) == {"warehouse": 5, "payment": 4, "supplier": 5}
    for hub_id, names in spellings.items():
        col = column[kinds[hub_id]]
        shops = {s for s, r in good.items() if r[col] in names}
        used = {r[col] for r in good.values() if r[col] in names}
        assert len(shops) >= 100, hub_id
        assert len(used) >= 3, hub_id
        assert used == names, hub_id
    # full-width digits and upper-case spellings of hub warehouses are present
    wh = set().union(*(spellings[h] for h, k in kinds.items() if k == "warehouse"))
    assert any("５" in s or "１" in s for s in wh)
    assert any(s.isupper() for s in wh)


def test_legit_identifiers_are_not_shared(data):
    out, _ = data
    good, gangs = good_rows(out), gang_of(out)
    hubs = hub_payment_keys(out)
    seen = Counter()
    for shop_id, row in good.items():
        if not gangs[shop_id]:
            seen.update(strong_keys(row) - hubs)
    assert not [k for k, n in seen.items() if n > 1]


def test_flags_precede_later_shops_of_the_same_gang(data):
    out, _ = data
    good, gangs = good_rows(out), gang_of(out)
    flags = read_csv(out / "flags.csv")
    assert flags and {f["flag"] for f in flags} <= {"takedown", "test_purchase", "complaint"}
    by_gang = defaultdict(list)
    for shop_id, gang_id in gangs.items():
        if gang_id:
            by_gang[gang_id].append(good[shop_id]["first_seen"])
    flagged = set()
    for f in flags:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", f["date"])
        assert f["shop_id"] in good
        assert gen.PLATFORM_OF_SPELLING[f["platform"]]
        assert f["date"] > good[f["shop_id"]]["first_seen"]
        gang_id = gangs[f["shop_id"]]
        if gang_id:
            flagged.add(f["shop_id"])
            assert any(day > f["date"] for day in by_gang[gang_id]), f
    gang_shops = sum(1 for g in gangs.values() if g)
    assert 0.2 <= len(flagged) / gang_shops <= 0.4
    assert any(f["flag"] == "takedown" and gangs[f["shop_id"]] for f in flags)


def test_phones_are_valid_numbers(data):
    phonenumbers = pytest.importorskip("phonenumbers")
    out, _ = data
    checked = 0
    for row in good_rows(out).values():
        text = nfkc(row["phone"]).strip()
        if not text:
            continue
        region = gen.COUNTRY_OF_SPELLING.get(row["seller_country"])
        candidates = [text, re.sub(r"^\((\d{1,3})\)\s*", r"+\1 ", text),
                      re.sub(r"^00", "+", text)]
        valid = False
        for candidate in candidates:  # "(212) 555-…" is US-local, "(86) 138-…" a country code
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            valid = valid or phonenumbers.is_valid_number(number)
        assert valid, row["phone"]
        checked += 1
    assert checked > ROWS // 2


def test_messy_spellings_are_present(data):
    out, _ = data
    rows = list(good_rows(out).values())
    phones = [r["phone"] for r in rows]
    assert any(p.startswith("+86 ") for p in phones)
    assert any(p.startswith("0086 ") for p in phones)
    assert any(p.startswith("(86) ") for p in phones)
    assert any(re.fullmatch(r"1\d\d\.\d{4}\.\d{4}", p) for p in phones)
    assert any("１" in p or "８" in p for p in phones)
    emails = [r["email"] for r in rows if r["email"]]
    assert any(e != e.strip() for e in emails) and any(e.isupper() for e in emails)
    pays = [r["payment_account"] for r in rows]
    for prefix in ("Alipay 2088", "alipay:2088", "ALIPAY-2088", "PayPal: ", "payoneer #"):
        assert any(p.startswith(prefix) for p in pays), prefix
    assert any(re.fullmatch(r"[A-Z]{2}\d{2}( [0-9A-Z]{4})+( [0-9A-Z]{1,4})?", p) for p in pays)
    names = [r["shop_name"] for r in rows]
    for suffix in ("旗舰店", "专营店", "官方店"):
        assert any(n.endswith(suffix) for n in names)
    platforms = {r["platform"] for r in rows}
    assert {"AliExpress", "aliexpress.com", "Ali Express", "TAOBAO", "淘宝"} & platforms
    assert len(platforms) >= 30


# --- bad input -------------------------------------------------------------------------------


def test_planted_bad_rows(data):
    out, result = data
    manifest = read_csv(out / "bad_rows.csv")
    assert len(manifest) == result["bad_rows"] == gen.DEFAULT_BAD_ROWS
    assert len({m["kind"] for m in manifest}) == gen.DEFAULT_BAD_ROWS
    lines = (out / "listings.csv").read_text(encoding="utf-8").split("\n")
    good = good_rows(out)
    for m in manifest:
        line = lines[int(m["line"]) - 1]
        cells = next(csv.reader([line]))
        assert cells[0] == m["listing_id"]
        kind = m["kind"]
        if kind == "missing_shop_id":
            assert cells[1] == ""
        elif kind == "ragged":
            assert len(cells) == len(gen.COLUMNS) + 2
        elif kind == "nul_byte":
            assert "\x00" in line
        elif kind == "duplicate_shop_id":
            assert cells[1] in good and cells[5] != good[cells[1]]["seller_name"]
        elif kind == "cypher_injection":
            assert cells[5] == "x'}) DETACH DELETE n //"
        elif kind == "xss_shop_name":
            assert cells[2] == "<img src=x onerror=alert(1)>"
        elif kind == "zero_width":
            assert "\u200b" in cells[5]
        elif kind == "javascript_url":
            assert cells[3].startswith("javascript:")
        elif kind == "invalid_phone":
            assert cells[8] == "+86 123 4567"
        if kind not in ("missing_shop_id", "duplicate_shop_id"):
            assert cells[1] not in good


@pytest.mark.parametrize("bad", [0, 3, 15])
def test_bad_row_count_as_requested(tmp_path, bad):
    result = gen.generate(tmp_path, 200, 5, bad_rows=bad, extras=False)
    assert len(read_csv(tmp_path / "bad_rows.csv")) == bad == len(result["bad"])
    assert len(raw_rows(tmp_path / "listings.csv")) - 1 == 200 + bad
    assert len(read_csv(tmp_path / "truth.csv")) == 200


def test_extra_files_in_other_encodings(data):
    out, _ = data
    bad = out / "bad"
    gb = (bad / "listings_gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    text = gb.decode("gb18030")
    assert "旗舰店" in text and "𠮷" in text  # 𠮷 needs GB18030, not GBK
    bom = (bad / "listings_bom.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf")
    assert bom.decode("utf-8-sig").split(",")[0] == "listing_id"
    latin = (bad / "listings_latin1.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        latin.decode("utf-8")
    assert "Müller" in latin.decode("latin-1")
    for name in ("listings_gb18030.csv", "listings_bom.csv", "listings_latin1.csv"):
        enc = {"listings_gb18030.csv": "gb18030", "listings_bom.csv": "utf-8-sig"}.get(
            name, "latin-1")
        rows = list(csv.reader((bad / name).read_text(encoding=enc).splitlines()))
        assert rows[0] == gen.COLUMNS and 5 <= len(rows) - 1 <= 30
        assert all(len(r) == len(gen.COLUMNS) for r in rows)
    records = [json.loads(line) for line in
               (bad / "listings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert 5 <= len(records) <= 30 and all(list(r) == gen.COLUMNS for r in records)
    tricky = (bad / "listings_tricky.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(tricky) <= 30 and "NaN" in tricky[2] and "\\ud800" in tricky[3]
    with pytest.raises(json.JSONDecodeError):
        json.loads(tricky[-1])
    unterminated = (bad / "listings_unterminated.csv").read_text(encoding="utf-8")
    assert len(unterminated.splitlines()) == 9


# --- CLI -------------------------------------------------------------------------------------


def test_cli(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "300", "--seed", "3", "--out", str(out),
         "--gang-fraction", "0.05", "--bad-rows", "4"],
        capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["rows"] == 300 and summary["bad_rows"] == 4
    assert len(read_csv(out / "truth.csv")) == 300
    assert (out / "bad" / "listings.jsonl").exists()
    gen.generate(tmp_path / "api", 300, 3, gang_fraction=0.05, bad_rows=4)
    assert (out / "listings.csv").read_bytes() == (tmp_path / "api" / "listings.csv").read_bytes()


def test_cli_rejects_bad_arguments(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "100", "--out", str(tmp_path),
         "--gang-fraction", "0.9"], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and "gang_fraction" in proc.stderr
    assert not (tmp_path / "listings.csv").exists()


def test_shapes_plant_the_realistic_infrastructure(tmp_path):
    """--shapes (issue #19): gangs of 2-150 shops, small hubs shared by gangs and legit
    shops, legit multi-platform brands as legit groups, chains, a kind column; seeded."""
    counts = gen.generate(tmp_path / "a", 6000, 5, extras=False, shapes=True)
    gen.generate(tmp_path / "b", 6000, 5, extras=False, shapes=True)
    for name in ("listings.csv", "truth.csv", "hubs.csv", "flags.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    truth = read_csv(tmp_path / "a" / "truth.csv")
    assert list(truth[0]) == ["shop_id", "platform", "gang_id", "kind"]
    assert len(truth) == 6000
    sizes = Counter(r["gang_id"] for r in truth if r["gang_id"])
    kind = {r["gang_id"]: r["kind"] for r in truth if r["gang_id"]}
    gangs = {g: n for g, n in sizes.items() if kind[g] == "gang"}
    brands = {g: n for g, n in sizes.items() if kind[g] == "legit"}
    assert all(g.startswith("G") for g in gangs) and all(b.startswith("B") for b in brands)
    assert counts["gangs"] == len(gangs) and counts["brands"] == len(brands)
    assert min(gangs.values()) == 2 and 90 <= max(gangs.values()) <= 150
    assert sum(1 for n in gangs.values() if n == 2) >= 0.1 * len(gangs)
    assert all(2 <= n <= 4 for n in brands.values())
    assert {r["kind"] for r in truth if not r["gang_id"]} == {"legit"}
    # brands sell on several platforms
    plats = defaultdict(set)
    for r in truth:
        if r["gang_id"] in brands:
            plats[r["gang_id"]].add(r["platform"])
    assert all(len(p) >= 2 for p in plats.values())
    # small hubs of every size, used by gangs and by legit shops
    hubs = Counter()
    for r in read_csv(tmp_path / "a" / "hubs.csv"):
        hubs[r["hub_id"]] += int(r["rows"])
    small = {h: n for h, n in hubs.items() if h[:3] in ("FWD", "AGG")}
    assert len(small) >= 35 and min(small.values()) < 15 < max(small.values())
    rows = {r["shop_id"]: r for r in read_csv(tmp_path / "a" / "listings.csv")}
    spellings = {r["spelling"] for r in read_csv(tmp_path / "a" / "hubs.csv")
                 if r["hub_id"][:3] in ("FWD", "AGG")}
    users = Counter()
    for r in truth:
        row = rows[r["shop_id"]]
        if row["address"] in spellings or row["payment_account"] in spellings:
            users["gang" if r["kind"] == "gang" else "legit"] += 1
    assert users["gang"] >= 100 and users["legit"] >= 100

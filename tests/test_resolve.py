"""Near-duplicate matching finds every pair a brute-force comparison finds."""

from __future__ import annotations

import random
from itertools import combinations

from rapidfuzz import fuzz

from graphinv.ingest.names import same_name
from graphinv.ingest.resolve import (
    ADDRESS_THRESHOLD,
    SUPPLIER_THRESHOLD,
    match_addresses,
    match_suppliers,
)

CITIES = ["shenzhen", "guangzhou", "yiwu", "dongguan", "putian", "quanzhou"]
SYLLABLES = ["bai", "yun", "jin", "long", "heng", "da", "xin", "fang", "zhan", "bin",
             "chen", "xiang", "ren", "wei", "mao", "jie", "hong", "guang", "tian", "rong"]
TRADES = ["electronics", "leather goods", "packaging", "footwear", "trading", "garment",
          "import export", "watch", "crafts", "technology"]


def _typo(rng: random.Random, s: str) -> str:
    i = rng.randrange(len(s))
    op = rng.choice("dis")
    if op == "d":
        return s[:i] + s[i + 1:]
    if op == "i":
        return s[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + s[i:]
    return s[:i] + s[i + 1:i + 2] + s[i:i + 1] + s[i + 2:]  # swap neighbours


def _name(rng: random.Random) -> str:
    core = " ".join("".join(rng.sample(SYLLABLES, 2)) for _ in range(rng.randint(1, 2)))
    parts = [rng.choice(CITIES), core, rng.choice(TRADES)]
    if rng.random() < 0.3:
        parts.append(parts.pop(0))  # the city written last
    return " ".join(parts)


def _names(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        base = _name(rng)
        out.append(base)
        for _ in range(rng.randint(0, 4)):  # a family of misspellings, as in real data
            v = base
            for _ in range(rng.randint(1, 3)):
                v = _typo(rng, v)
            out.append(" ".join(v.split()))
    return out[:n]


def _brute_suppliers(keys: list[str]) -> list[tuple[str, str, float, str]]:
    out = []
    for a, b in combinations(sorted({k for k in keys if k and len(k) >= 6}), 2):
        s1 = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
        s2 = fuzz.token_sort_ratio(a, b)
        score, method = (s1, "ratio_nospace") if s1 >= s2 else (s2, "token_sort")
        if score >= SUPPLIER_THRESHOLD and (rule := same_name(a, b)):
            out.append((a, b, round(score / 100, 3), f"{method}+{rule}"))
    return sorted(out)


def test_suppliers_equal_brute_force() -> None:
    keys = _names(7, 400)
    expected = _brute_suppliers(keys)
    assert len(expected) > 25  # the set must actually contain near-duplicates
    assert {m.split("+")[0] for *_, m in expected} == {"ratio_nospace", "token_sort"}
    assert match_suppliers(keys) == expected


def test_suppliers_short_and_non_latin_keys_equal_brute_force() -> None:
    keys = ["abcdef", "abcdeg", "abcdefg", "a b c d", "abcd", "深圳市华强电子", "深圳市华强电子厂",
            "广州市广顺高鞋业", "广州市广顺高高鞋业", "yiwu hengda", "hengda yiwu", "", "short"]
    assert match_suppliers(keys) == _brute_suppliers(keys)


def test_big_block_is_not_truncated() -> None:
    # 3000 keys sharing a last token used to be one block cut to its first 1600
    # keys; this pair shares nothing else (first letters differ) and sorts last.
    rng = random.Random(11)
    keys = {f"{rng.choice(CITIES)} {''.join(rng.sample(SYLLABLES, 3))} trading"
            for _ in range(3000)}
    planted = ("zzhou xinfangzhan trading", "zzhou xinfangzhann trading")
    pairs = match_suppliers([*sorted(keys), *planted])
    assert (*planted, 0.98, "token_sort+token_typo") in pairs
    assert pairs == sorted(pairs)


def test_addresses_big_block_is_not_truncated() -> None:
    # Same country and numbers for every key: one block of 2000, which used to be
    # split by each key's smallest word (separating this pair) and cut to 1600.
    rng = random.Random(13)
    keys = {f"CN:50 {' '.join(rng.sample(SYLLABLES, 5))}" for _ in range(2000)}
    planted = ("CN:50 aaroad zzroad zzzone zztown", "CN:50 zzroad zzzone zztown")
    pairs = match_addresses([*sorted(keys), *planted])
    assert (*planted, 1.0, "token_set") in pairs


def test_addresses_equal_brute_force() -> None:
    rng = random.Random(17)
    keys = []
    for _ in range(300):
        words = rng.sample(SYLLABLES, rng.randint(2, 5))
        key = f"{rng.choice(['CN', 'HK'])}:{rng.choice(['50', '51 7'])} {' '.join(words)}"
        keys.append(key)
        if rng.random() < 0.5:
            keys.append(f"{key} {rng.choice(SYLLABLES)}")
    keys += ["invalid:xyz", "CN:no numbers here at all"]
    expected = []
    valid = sorted({k for k in keys if not k.startswith("invalid:")})
    for a, b in combinations(valid, 2):
        ra, rb = a.partition(":")[2], b.partition(":")[2]
        if a.partition(":")[0] != b.partition(":")[0]:
            continue
        nums_a = sorted({t for t in ra.split() if t.isdigit()})
        if not nums_a or nums_a != sorted({t for t in rb.split() if t.isdigit()}):
            continue
        if min(len(ra.split()), len(rb.split())) < 3:
            continue
        score = fuzz.token_set_ratio(ra, rb)
        if score >= ADDRESS_THRESHOLD:
            expected.append((a, b, round(score / 100, 3), "token_set"))
    assert len(expected) > 20
    assert match_addresses(keys) == sorted(expected)

#!/usr/bin/env python3
"""Identity traps of real data (issue #18), added to a data set made by generate.py.

Reads ``listings.csv`` and ``truth.csv`` of a generated data set and writes, into its
``identity/`` folder, the shapes real files have and the generator's own do not:

    placeholders.csv  new unrelated shops whose cells say unknown, N/A, -, 0, 无, 暂无 ...
    nocountry.csv     a file without a country column: Chinese mobiles written nationally
                      (135 1234 5678) next to US numbers with the same digits (+1 351 ...)
    testbuys.csv      test purchases that give only the shop URL (with tracking
                      parameters), for known shops, each with the contact the buyer saw
    receipts.csv      masked receipts (138****8000, alipay 2088********1234) that many
                      unrelated shops share
    aliases.csv       a gang's Gmail written per shop with dots, +tags, googlemail.com
    legal_forms.csv   sellers of gang shops written with other legal forms
    truth.csv         the input's truth plus the new shops (no gang)

Every trap, mishandled, either glues unrelated shops (placeholders, country-less phones,
masks) or loses evidence (URL-only rows rejected); handled, the gangs are found as
before. Seeded: the same input and seed give the same files.

    python examples/identity_shapes.py examples/data --seed 7
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

PLACEHOLDERS = ["unknown", "N/A", "n/a", "-", "none", "null", "0", "无", "暂无", "desconocido",
                "não informado", "нет", "yok", "test@test.com", "000-0000-0000"]
PLATFORMS = ["AliExpress", "eBay", "Amazon", "Shopee", "Lazada", "Etsy", "Temu", "Wish"]
LEGAL = ["Co., Ltd.", "Co Ltd", "COMPANY LIMITED", "Limited", "Ltd."]
_LEGAL_END = re.compile(r"[\s,]*(?:co\.?,?\s*ltd\.?|company\s+limited|limited|ltd\.?|corp\.?|"
                        r"corporation|inc\.?|llc|gmbh|s\.?a\.?)\s*$", re.I)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_identity_shapes(data_dir: str | Path, seed: int, n_new: int = 60) -> dict[str, int]:
    """Write the identity files into ``data_dir/identity``; return rows per file."""
    data = Path(data_dir)
    out = data / "identity"
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 1009 + 18)
    listings = [r for r in _read(data / "listings.csv") if r["shop_id"]]
    truth = _read(data / "truth.csv")
    gang_of = {(t["shop_id"], t["platform"]): t["gang_id"] for t in truth}
    counts: dict[str, int] = {}
    new_truth: list[list[str]] = []

    # placeholders: unrelated new shops, every identifier cell a placeholder
    rows = []
    for i in range(n_new):
        sid, platform = f"IDP{i:05d}", rng.choice(PLATFORMS)
        cells = [rng.choice(PLACEHOLDERS) for _ in range(5)]
        rows.append([sid, platform, rng.choice(["CN", "US", ""]), *cells])
        new_truth.append([sid, platform.lower(), ""])
    _write(out / "placeholders.csv",
           ["shop_id", "platform", "country", "seller_name", "phone", "email",
            "payment_account", "address"], rows)
    counts["placeholders"] = len(rows)

    # country-less file: the same digits as a Chinese national mobile and a US number
    rows = []
    for i in range(n_new // 2):
        digits = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"[:11]
        us = digits[1:]  # 10 digits: a NANP-shaped number with the same digits
        for j, phone in enumerate((f"{digits[:3]} {digits[3:7]} {digits[7:]}",
                                   f"+1 ({us[:3]}) {us[3:6]}-{us[6:]}")):
            sid, platform = f"IDN{i:04d}{j}", rng.choice(PLATFORMS)
            rows.append([sid, platform, phone])
            new_truth.append([sid, platform.lower(), ""])
    _write(out / "nocountry.csv", ["shop_id", "platform", "phone"], rows)
    counts["nocountry"] = len(rows)

    # URL-only test purchases of known shops (tracking parameters added)
    rows = []
    with_url = [r for r in listings if r["shop_url"].startswith("http")]
    for n, r in enumerate(rng.sample(with_url, min(len(with_url), 3 * n_new))):
        sep = "&" if "?" in r["shop_url"] else "?"
        rows.append([f"{r['shop_url']}{sep}spm=tp{n}", f"testbuy.{n}.{seed}@tb-mail.cn"])
    _write(out / "testbuys.csv", ["shop_url", "email"], rows)
    counts["testbuys"] = len(rows)

    # masked receipts: few masks, many unrelated shops
    rows = []
    masks = [(f"13{d}****{rng.randint(1000, 9999)}",
              f"alipay 2088********{rng.randint(1000, 9999)}") for d in range(3)]
    legit = [r for r in listings if not gang_of.get((r["shop_id"], r["platform"].lower()))]
    for r in rng.sample(legit, min(len(legit), n_new)):
        phone, pay = rng.choice(masks)
        rows.append([r["shop_id"], r["platform"], phone, pay])
    _write(out / "receipts.csv", ["shop_id", "platform", "phone", "payment_account"], rows)
    counts["receipts"] = len(rows)

    # one Gmail per gang, written differently by each shop
    rows = []
    by_gang: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in listings:
        g = gang_of.get((r["shop_id"], r["platform"].lower()))
        if g:
            by_gang[g].append(r)
    for g, shops in sorted(by_gang.items()):
        base = f"{g.lower().replace('-', '')}.sales"
        for k, r in enumerate(shops[:3]):
            spelling = [f"{base}@gmail.com", f"{base.replace('.', '')}+s{k}@gmail.com",
                        f"{base.title()}@googlemail.com"][k % 3]
            rows.append([r["shop_id"], r["platform"], spelling])
    _write(out / "aliases.csv", ["shop_id", "platform", "email"], rows)
    counts["aliases"] = len(rows)

    # sellers of gang shops under another legal form
    rows = []
    for _g, shops in sorted(by_gang.items()):
        for r in shops[:2]:
            name = _LEGAL_END.sub("", r["seller_name"].strip())
            if name:
                rows.append([r["shop_id"], r["platform"], f"{name} {rng.choice(LEGAL)}",
                             r["seller_country"]])
    _write(out / "legal_forms.csv", ["shop_id", "platform", "seller_name", "seller_country"],
           rows)
    counts["legal_forms"] = len(rows)

    _write(out / "truth.csv", ["shop_id", "platform", "gang_id"],
           [[t["shop_id"], t["platform"], t["gang_id"]] for t in truth] + new_truth)
    counts["truth"] = len(truth) + len(new_truth)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", help="a folder written by examples/generate.py")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    counts = write_identity_shapes(args.data_dir, args.seed)
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

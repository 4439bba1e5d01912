"""Realistic infrastructure shapes for examples/generate.py (``--shapes``), issue #19.

The default generator plants gangs of 4-64 shops next to five big hub traps of each
kind. Real data is harder; with ``shapes=True`` the generator adds:

* gangs of **2 to 150** shops (many 2-shop gangs, a heavy tail of large ones);
* **small hubs**: 25 small freight forwarders (addresses) and 15 small payment
  aggregators (collection accounts) next to the big ones, of every size: legit
  shops use them (4 % and 3 % of legit shops), and large gangs even more;
* gangs of 10+ shops that put those small hubs (and the big ones) in the cells they
  do not reveal, so large gangs share forwarders and aggregators with each other
  and with legit sellers;
* **market buildings** where hundreds of unrelated sellers rent different rooms
  (one address per room: different numbers, never the same place);
* **legit multi-platform brands** (about 2 % of the shops): one company selling on
  2-4 platforms under one seller name, phone, e-mail and payment account. They are
  one operator, so truth.csv gives them a group (``kind`` = ``legit``);
* **chains**: runs of 4-8 small gangs where each gang shares exactly one seller name
  (an officer) or one small supplier with the next. Each gang is its own group.

truth.csv gains a ``kind`` column (``gang`` | ``legit``; legit singletons are
``legit`` with an empty group). Everything random goes through ``world.rng``, so the
same arguments give the same files. This module is loaded by path from
generate.py (examples/ is not a package); :class:`Shapes` takes that module's names as
``gen`` to reach its World and renderers.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["DEFAULT_GANG_FRACTION", "Shapes"]

#: Share of shops run by gangs (including chain gangs) when ``shapes`` is on.
DEFAULT_GANG_FRACTION = 0.18
SMALL_FORWARDERS = 25
SMALL_AGGREGATORS = 15
MARKETS = 4
#: Per legit shop: chance to ship from a small forwarder / be paid via a small aggregator /
#: rent a room in a market building.
LEGIT_FORWARDER_RATE = 0.04
LEGIT_AGGREGATOR_RATE = 0.03
LEGIT_MARKET_RATE = 0.08
#: Per shop of a gang of 10+: chance that an unrevealed address/payment cell holds one of
#: the gang's small hubs (so large gangs dominate some small hubs, as in real data).
GANG_HUB_RATE = 0.7
BRAND_SHARE = 0.021  # share of shops that belong to a multi-platform legit brand
CHAIN_SHARE = 0.10  # share of the gang budget spent on chains of small gangs
MARKET_STREETS = [
    ("Futian Electronics Market", "Zhenhua", "Shenzhen", "Futian", "518031"),
    ("Baima Garment Wholesale Mall", "Renmin South", "Guangzhou", "Yuexiu", "510030"),
    ("International Trade City District 5", "Chouzhou North", "Yiwu", "Futian", "322000"),
    ("Shahe Leather Market", "Guangzhou Avenue North", "Guangzhou", "Tianhe", "510630"),
]


def gang_sizes(rng: random.Random, budget: int) -> list[int]:
    """Sizes 2-150: 30 % pairs, most under 10, a tail of large gangs (one 81+ gang once
    the budget allows)."""
    sizes: list[int] = []
    if budget >= 400:
        sizes.append(rng.randint(90, 150))
    total = sum(sizes)
    while budget - total >= 2:
        u = rng.random()
        if u < 0.30:
            s = 2
        elif u < 0.75:
            s = rng.randint(3, 10)
        elif u < 0.92:
            s = rng.randint(11, 30)
        elif u < 0.98:
            s = rng.randint(31, 80)
        else:
            s = rng.randint(81, 150)
        s = min(s, budget - total)
        if budget - total - s == 1:
            s += 1
        sizes.append(s)
        total += s
    return sizes


def _ladder(n: int) -> list[float]:
    """Usage weights 2..6 spread over n hubs: small hubs next to busy ones."""
    return [2.0 + 4.0 * i / max(1, n - 1) for i in range(n)]


class Shapes:
    """State of the extra shapes for one generate() run."""

    def __init__(self, gen: Any, world: Any, rows: int, fraction: float) -> None:
        self.gen = gen
        self.world = world
        rng = world.rng
        self.forwarders = []
        for i in range(SMALL_FORWARDERS):
            a = world.new_address(rng.choice(["CN", "CN", "CN", "HK"]))
            a["hub_id"] = f"FWD{i + 1:02d}"
            self.forwarders.append(a)
        self.aggregators = []
        for i in range(SMALL_AGGREGATORS):
            iso = rng.choice(["CN", "HK", "CN"])
            self.aggregators.append((f"AGG{i + 1:02d}", world.new_payment(iso)))
        self.fwd_pick = gen.Weighted(dict(enumerate(_ladder(SMALL_FORWARDERS))))
        self.agg_pick = gen.Weighted(dict(enumerate(_ladder(SMALL_AGGREGATORS))))
        self.room_k = 0
        budget = round(rows * fraction)
        chain_budget = round(budget * CHAIN_SHARE)
        # Chains: runs of 4-8 small gangs (3-6 shops) joined by one shared officer/supplier.
        chain_sizes: list[list[int]] = []
        left = chain_budget
        while left >= 12:
            run = [rng.randint(3, 6) for _ in range(rng.randint(4, 8))]
            while sum(run) > left and len(run) > 2:
                run.pop()
            if sum(run) > left:
                break
            chain_sizes.append(run)
            left -= sum(run)
        plain = gang_sizes(rng, budget - (chain_budget - left))
        sizes = plain + [s for run in chain_sizes for s in run]
        self.gangs = gen.build_gangs(world, rows, fraction, sizes=sizes)
        for gang in self.gangs:
            gang["kind"] = "gang"
            self._small_hubs(gang)
        self._join_chains(self.gangs[len(plain):], chain_sizes)
        self.brands = self._brands(rows)
        self.gangs.extend(self.brands)

    # -- plan ------------------------------------------------------------------------------
    def _small_hubs(self, gang: dict) -> None:
        rng = self.world.rng
        size = gang["size"]
        gang["fwd"] = gang["agg"] = None
        if size >= 10:
            gang["fwd"] = [self.fwd_pick.pick(rng) for _ in range(rng.randint(1, 3))]
            gang["agg"] = [self.agg_pick.pick(rng) for _ in range(rng.randint(0, 2))]
            # Large gangs use the big hubs too, so they meet each other everywhere.
            gang["hub_wh"] = self.world.hub_wh.next() if rng.random() < 0.6 else None
            gang["hub_pay"] = self.world.hub_pay.next() if rng.random() < 0.5 else None
        if rng.random() < 0.3:  # the gang rents rooms in a market building
            gang["pools"]["address"] = [self._room() for _ in gang["pools"]["address"]]

    def _join_chains(self, gangs: list[dict], runs: list[list[int]]) -> None:
        rng = self.world.rng
        world = self.world
        pos = 0
        for c, run in enumerate(runs):
            members = gangs[pos:pos + len(run)]
            pos += len(run)
            for k, gang in enumerate(members):
                gang["chain"] = f"C{c + 1:03d}"
                if k == 0:
                    continue
                prev = members[k - 1]
                a = rng.choice(prev["shops"])
                b = rng.choice(gang["shops"])
                if rng.random() < 0.6:
                    officer = world.new_seller(rng.choice(["HK", "CN", "MY"]))
                    a["reveal"]["name"] = officer
                    b["reveal"]["name"] = officer
                else:
                    sup = world.new_small_supplier("CN")
                    a["reveal"]["supplier"] = sup
                    b["reveal"]["supplier"] = sup

    def _brands(self, rows: int) -> list[dict]:
        gen, world = self.gen, self.world
        rng = world.rng
        budget = round(rows * BRAND_SHARE)
        out = []
        k = 0
        while budget >= 2:
            size = min(budget, rng.choice([2, 2, 2, 3, 3, 4]))
            if budget - size == 1:
                size += 1
            budget -= size
            k += 1
            platforms = gen.pick_distinct(rng, gen.LEGIT_PLATFORM_WEIGHTS, size) \
                if size <= len(gen.LEGIT_PLATFORM_WEIGHTS) else None
            iso = rng.choice(["CN", "CN", "US", "DE", "GB", "HK", "TR"])
            brand = world.new_brand()
            ident = {"name": world.new_seller(iso, brand), "phone": world.new_phone(iso),
                     "email": world.new_email(iso, brand[0])}
            ident["payment"] = world.new_payment(iso)
            ident["address"] = world.new_address(iso)
            group = {"gang_id": f"B{k:05d}", "kind": "legit", "size": size,
                     "brand": brand, "iso": iso, "messy": rng.random() < 0.5}
            day = rng.randrange(gen.LEGIT_LAST_SEEN - 400)
            shops = []
            for i in range(size):
                reveal = {"name": ident["name"]}
                for t in rng.sample(["phone", "email", "payment", "address"], 2):
                    reveal[t] = ident[t]
                plat = platforms[i] if platforms else rng.choice(list(gen.LEGIT_PLATFORM_WEIGHTS))
                shops.append({"gang": group, "index": i, "platform": plat, "country": iso,
                              "day": day + rng.randint(0, 400), "reveal": reveal, "flags": [],
                              "render": self.brand_row})
            group["shops"] = shops
            out.append(group)
        return out

    def _room(self) -> dict:
        rng = self.world.rng
        m, r = self.room_k % MARKETS, self.room_k // MARKETS
        self.room_k += 1
        name, street, city, district, postcode = MARKET_STREETS[m]
        # One building per market, one room per tenant: the room number is unique.
        return {"unit": f"Room {r % 9 + 1}{r // 9 + 100}, {name}",
                "no": str(8 + 11 * m), "street": street,
                "stype": rng.choice(["Road", "Road", "Street"]), "district": district,
                "city": city, "region": "", "postcode": postcode, "style": "cn",
                "country": "CN"}

    # -- rows ------------------------------------------------------------------------------
    def _forwarder(self, i: int, messy: bool) -> str:
        world = self.world
        hub = self.forwarders[i]
        text = world.render_address(hub, messy)
        world.count_hub(hub["hub_id"], text)
        return str(text)

    def _aggregator(self, i: int, messy: bool) -> str:
        world = self.world
        hub_id, pay = self.aggregators[i]
        text = world.render_payment(pay, messy)
        world.count_hub(hub_id, text)
        return str(text)

    def legit_row(self) -> tuple[list[str], str, int]:
        """A legit singleton shop, sometimes at a small hub or in a market room."""
        world = self.world
        rng = world.rng
        row, platform, day = self.gen.legit_row(world)
        messy = rng.random() < 0.5
        r = rng.random()
        if r < LEGIT_FORWARDER_RATE:
            row[6] = self._forwarder(self.fwd_pick.pick(rng), messy)
        elif r < LEGIT_FORWARDER_RATE + LEGIT_MARKET_RATE:
            row[6] = world.render_address(self._room(), messy)
        if rng.random() < LEGIT_AGGREGATOR_RATE:
            row[9] = self._aggregator(self.agg_pick.pick(rng), messy)
        return row, platform, day

    def gang_row(self, shop: dict) -> list[str]:
        """A gang shop: the plain gang row, with the gang's small hubs in unrevealed cells."""
        world = self.world
        rng = world.rng
        row: list[str] = self.gen.gang_row(world, shop)
        gang = shop["gang"]
        reveal = shop["reveal"]
        messy = gang["messy"]
        if gang.get("fwd") and "address" not in reveal and rng.random() < GANG_HUB_RATE:
            row[6] = self._forwarder(rng.choice(gang["fwd"]), messy)
        if gang.get("agg") and "payment" not in reveal and rng.random() < GANG_HUB_RATE:
            row[9] = self._aggregator(rng.choice(gang["agg"]), messy)
        return row

    def brand_row(self, world: Any, shop: dict) -> list[str]:
        """A shop of a legit multi-platform brand (same seller, phone/e-mail/payment)."""
        gen = self.gen
        rng = world.rng
        group = shop["gang"]
        reveal = shop["reveal"]
        messy = group["messy"]
        platform, iso = shop["platform"], shop["country"]
        shop_id, store_no = world.new_shop()
        shop["shop_id"] = shop_id
        country = world.render_country(iso, messy)
        seller = world.render_seller(reveal["name"], messy)
        phone = world.render_phone(reveal["phone"], country, messy) if "phone" in reveal else ""
        email = world.render_email(reveal["email"], messy) if "email" in reveal else ""
        if "payment" in reveal:
            pay = world.render_payment(reveal["payment"], messy)
        elif rng.random() < 0.3:
            hub_id, _, spellings = gen.HUB_PAYMENTS[world.hub_pay.next()]
            pay = world.ch(spellings)
            world.count_hub(hub_id, pay)
        else:
            pay = ""
        if "address" in reveal:
            address = world.render_address(reveal["address"], messy)
        elif rng.random() < 0.3:
            address = self._forwarder(self.fwd_pick.pick(rng), messy)
        else:
            address = ""
        brand = group["brand"]
        slug = brand[0].replace(" ", "").lower() if iso in ("CN", "HK") else brand[2].lower()
        return [shop_id, world.shop_name(platform, iso, brand),
                world.shop_url(platform, iso, store_no, slug, messy),
                world.render_platform(platform, messy), seller, country[1], address, phone,
                email, pay, "", gen.DATES[min(shop["day"], len(gen.DATES) - 1)]]

    def hub_canon(self) -> dict[str, tuple[str, str]]:
        """hub_id -> (kind, canonical spelling) of the small hubs, for hubs.csv."""
        gen = self.gen
        out = {h["hub_id"]: ("forwarder", gen.canonical_warehouse(h)) for h in self.forwarders}
        for hub_id, pay in self.aggregators:
            out[hub_id] = ("aggregator", self.world.render_payment(pay, False))
        return out

"""Hand-built graphs for the cluster tests, written through the store contract.

A graph spec (JSON in tests/fixtures/clusters/ or a dict) holds:

* ``shops``: ``{key, shop_id, platform, country, seller?, seen?, flags?}``;
* ``links``: ``[rel, shop key, kind, identifier key, raw, line?]`` (actor is the
  Shop unless the key is prefixed ``Seller:``);
* ``same_as``: ``[kind, key a, key b]``;
* ``legit``: ``{count, prefix, platforms, country, seen, links: [[rel, kind, keys, raws]]}``
  expands into ``count`` legit shops with their own seller and phone, each
  linked to ``keys[i % len(keys)]`` (the hub traps).

Every link gets one evidence record from ``listings.csv`` at its ``line``
(default: its position + 2) so explanations can be checked down to file:line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv.store import Store, evidence_entry

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "clusters"


def load_spec(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _ev(line: int, raw: str | None, file: str = "listings.csv") -> dict[str, str]:
    k, j = evidence_entry(source="test", file=file, line=line, run="r1",
                          at="2026-01-01T00:00:00", raw=raw, sha="ab" * 32)
    return {"ek": k, "ej": j}


def expand(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with its ``legit`` block turned into plain shops and links."""
    shops = [dict(s) for s in spec.get("shops", [])]
    links = [list(x) for x in spec.get("links", [])]
    legit = spec.get("legit")
    if legit:
        platforms = legit.get("platforms", ["amazon", "ebay", "shopee"])
        prefix = legit.get("prefix", "l")
        for i in range(int(legit["count"])):
            plat = platforms[i % len(platforms)]
            key = f"{plat}:{prefix}{i}"
            shops.append({"key": key, "shop_id": f"{prefix.upper()}{i}", "platform": plat,
                          "country": legit.get("country", "CN"),
                          "seller": f"CN:{prefix} legit seller {i}",
                          "seen": legit.get("seen", "2023-01-01")})
            links.append(["USES_PHONE", key, "Phone", f"+86139{i:04d}{len(prefix):04d}",
                          f"139 {i:04d} {len(prefix):04d}", 1000 + i])
            for rel, kind, keys, raws in legit.get("links", []):
                links.append([rel, key, kind, keys[i % len(keys)], raws[i % len(raws)],
                              2000 + i])
    return {"shops": shops, "links": links, "same_as": list(spec.get("same_as", []))}


def build(store: Store, spec: Mapping[str, Any]) -> dict[str, Any]:
    """Write a spec into ``store``; returns the expanded spec."""
    full = expand(spec)
    shop_rows, seller_rows, operates = [], {}, []
    for i, s in enumerate(full["shops"]):
        row: dict[str, Any] = {"key": s["key"], "shop_id": s["shop_id"],
                               "platform": s.get("platform"), "country": s.get("country"),
                               "raw": s["shop_id"], "display": s.get("name") or s["shop_id"],
                               "seen": s.get("seen")}
        flags = [json.dumps({"flag": f.get("flag", "takedown"), "reason": f.get("reason", "x"),
                             "date": f["date"], "source": "flags.csv"}, sort_keys=True)
                 for f in s.get("flags", [])]
        if flags:
            row["flag_list"] = flags
        shop_rows.append(row)
        if s.get("seller"):
            country, _, name = s["seller"].partition(":")
            seller_rows[s["seller"]] = {"key": s["seller"], "country": country.upper(),
                                        "name": name, "display": name, "raw": name}
            operates.append({"src": s["seller"], "dst": s["key"], **_ev(5000 + i, name)})
    store.merge_nodes("Shop", shop_rows)
    if seller_rows:
        store.merge_nodes("Seller", list(seller_rows.values()))
        store.merge_rels("OPERATES", "Seller", "Shop", operates)
    nodes: dict[str, dict[str, dict[str, Any]]] = {}
    rels: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for pos, link in enumerate(full["links"]):
        rel, src, kind, key, raw = link[:5]
        line = link[5] if len(link) > 5 else pos + 2
        src_label = "Shop"
        if src.startswith("Seller:"):
            src_label, src = "Seller", src[len("Seller:"):]
        node = nodes.setdefault(kind, {}).setdefault(key, {"key": key, "display": raw})
        node.setdefault("raws", [])
        if raw not in node["raws"]:
            node["raws"].append(raw)
        if kind == "PaymentAccount":
            node["provider"] = key.partition(":")[0]
        rels.setdefault((rel, src_label, kind), []).append({"src": src, "dst": key,
                                                            **_ev(line, raw)})
    for kind, by_key in nodes.items():
        rows = []
        for n in by_key.values():
            raws = n.pop("raws")
            for r in raws:
                rows.append({**n, "raw": r})
        store.merge_nodes(kind, rows)
    for (rel, src_label, kind), rows in rels.items():
        schema.check_rel_type(rel)
        store.merge_rels(rel, src_label, kind, rows)
    for kind, a, b in full["same_as"]:
        store.merge_rels("SAME_AS", kind, kind, [{"src": a, "dst": b, "score": 0.92,
                                                  "method": "fuzzy"}])
    return full


def shop_sets(result: Any) -> list[list[str]]:
    """Clusters of a result as sorted lists of shop keys, sorted."""
    out = []
    for c in result.clusters:
        out.append(sorted(m.partition(":")[2] for m in c["members"] if m.startswith("Shop:")))
    return sorted(out)

"""URL-only shops merged into the shop their id names, once that id is seen.

A row with a shop URL and no shop id (a test-purchase log) joins the shop known by
id with that URL. When no such shop is known yet — the test purchases came first, or
earlier in the same file — it makes a *URL-only* shop, keyed by the id its URL names
or by its canonical URL (:func:`graphinv.ingest.shopurl.url_only_shop_key`). In the
store a URL-only shop is the one with no raw id: only rows that give the id add one
to ``raws``.

After each load, :func:`merge_url_shops` finds every URL-only shop whose URL
identity (:func:`graphinv.ingest.shopurl.shop_url_identity`) is the URL of exactly
one shop given by id, and moves it into that shop: every link with every evidence
record (the record keeps its file, line, run and raw value and gains ``merged``:
why it moved), the flags, first/last seen, spellings of issues, and a note on the
shop (``merged URL-only shop '...': same shop URL ...``); then the URL-only shop is
deleted. Nothing is lost and counts reconcile: the merged shop's evidence is the sum
of the two. Rerunning is a no-op (evidence is keyed by file and line).

A URL shared by shops with *different* ids is never a reason to merge (a false link
is worse than a missed one): the URL-only shop stays on its own and the conflict is
counted and listed. So is a URL-only shop whose platform differs from the one shop
with its URL.

>>> plan = plan_url_merges([
...     ("aliexpress:s1", "https://www.aliexpress.com/store/2001234", "aliexpress", ["S1"]),
...     ("aliexpress:2001234", "https://aliexpress.com/store/2001234", "aliexpress", []),
...     ("etsy:a1", "https://www.etsy.com/shop/Red", "etsy", ["A1"]),
...     ("etsy:b2", "https://www.etsy.com/shop/Red", "etsy", ["B2"]),
...     ("etsy:red", "https://www.etsy.com/shop/Red", "etsy", [])])
>>> plan.merged
[('aliexpress:2001234', 'aliexpress:s1', 'aliexpress/2001234')]
>>> plan.conflicts
[('etsy:red', 'etsy/red', ('etsy:a1', 'etsy:b2'))]
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphinv import schema
from graphinv.ingest.shopurl import (
    URL_ONLY_ISSUE,
    ShopUrlIndex,
    shop_url_identity,
    url_only_shop_key,
)
from graphinv.store.base import Store

__all__ = ["UrlMerges", "merge_url_shops", "plan_url_merges",
           "stored_shop_urls"]

#: ``(key, url, platform, raws)`` of one Shop node.
ShopRow = tuple[str, str | None, str | None, Sequence[str] | None]


@dataclass
class UrlMerges:
    """What :func:`merge_url_shops` did (or :func:`plan_url_merges` would do)."""

    #: ``(URL-only shop, shop given by id, URL identity)``.
    merged: list[tuple[str, str, str]] = field(default_factory=list)
    #: ``(URL-only shop, URL identity, shops given by id with that URL)``: not merged.
    conflicts: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"merged": len(self.merged), "conflicts": len(self.conflicts)}


def _identity(url: str) -> str | None:
    from graphinv.types import NORMALIZERS

    return shop_url_identity(url, NORMALIZERS["url"](url).key)


def stored_shop_urls(store: Store) -> ShopUrlIndex:
    """The shops given by id in ``store``, by URL identity (one pass over the shops)."""
    idx = ShopUrlIndex()
    for key, url, raws in store.stream_nodes("Shop", ["url", "raws"]):
        if url and raws and (identity := _identity(url)):
            idx.add(identity, key)
    return idx


def plan_url_merges(shops: Iterable[ShopRow]) -> UrlMerges:
    """Which URL-only shops merge into which shop given by id, and which conflict.

    A shop is URL-only when it has no raw id and its key is the one a URL-only row
    gives its URL (so a shop written some other way is never taken for one).
    """
    rows = [r for r in shops if r[1]]
    out = UrlMerges()
    # Most stores hold no URL-only shop: then no URL is normalized (~33 µs of CPU each).
    if all(raws for _, _, _, raws in rows):
        return out
    by_identity: dict[str, dict[str, str | None]] = defaultdict(dict)
    url_only: list[tuple[str, str, str | None]] = []
    for key, url, platform, raws in rows:
        assert url is not None
        if not (identity := _identity(url)):
            continue
        if raws:
            by_identity[identity][key] = platform
        elif key == url_only_shop_key(url, platform):
            url_only.append((key, identity, platform))
    for key, identity, platform in sorted(url_only):
        found = by_identity.get(identity)
        if not found:
            continue
        if len(found) == 1:
            [(target, target_platform)] = found.items()
            if platform is None or target_platform is None or platform == target_platform:
                out.merged.append((key, target, identity))
                continue
        out.conflicts.append((key, identity, tuple(sorted(found))))
    return out


def merge_url_shops(store: Store, run_id: str) -> UrlMerges:
    """Merge every URL-only shop of ``store`` into the one shop given by id with its URL.

    Call it after a load's bulk block has ended (it reads what was written). Idempotent;
    an interrupted merge is finished by the next call (the URL-only shop is deleted last).
    """
    plan = plan_url_merges(store.stream_nodes("Shop", ["url", "platform", "raws"]))
    for src, dst, identity in plan.merged:
        _move_shop(store, src, dst, identity, run_id)
    return plan


def _move_shop(store: Store, src: str, dst: str, identity: str, run_id: str) -> None:
    why = f"same shop URL {identity}: URL-only shop {src!r} merged into {dst!r} in run {run_id}"
    node = store.get_nodes("Shop", [src]).get(src)
    if node is None:
        return
    issues = [i for i in node.get("issues") or () if i != URL_ONLY_ISSUE]
    row: dict[str, Any] = {
        "key": dst, "run": run_id,
        **{p: node.get(p) for p in ("name", "url", "platform", "site", "country")},
        "issue_list": [*issues, f"merged URL-only shop {src!r}: same shop URL {identity}"],
        "flag_list": list(node.get("flags") or ()), "flagged": bool(node.get("flagged")),
    }
    seen = [s for s in (node.get("first_seen"), node.get("last_seen")) if s]
    rows = [{**row, "seen": s} for s in seen] or [row]
    store.merge_nodes("Shop", rows)
    for rel in schema.REL_TYPES.values():
        if not rel.evidence:
            continue
        if "Shop" in rel.sources:
            for other in rel.targets:
                links = _links(store, rel.name, f"(a:Shop {{key: $k}})-[r:{rel.name}]->"
                               f"(b:{other})", src)
                _relink(store, rel.name, "Shop", other, links, src, dst, why, outgoing=True)
        if "Shop" in rel.targets:
            for other in rel.sources:
                links = _links(store, rel.name, f"(b:{other})-[r:{rel.name}]->"
                               f"(a:Shop {{key: $k}})", src)
                _relink(store, rel.name, other, "Shop", links, src, dst, why, outgoing=False)
    store.delete_nodes("Shop", [src])


def _links(store: Store, rel: str, pattern: str, key: str) -> list[list[Any]]:
    # Labels and the type come from the schema only; the key is a parameter.
    res = store.run_read(f"MATCH {pattern} RETURN b.key, r.ev_keys, r.ev, r.first_run",
                         {"k": key})
    return res.rows


def _relink(store: Store, rel: str, src_label: str, dst_label: str, links: list[list[Any]],
            src: str, dst: str, why: str, *, outgoing: bool) -> None:
    rows: list[dict[str, Any]] = []
    masked = f"masked:{src}:"
    for other, ev_keys, evs, first_run in links:
        pair = {"src": dst, "dst": other} if outgoing else {"src": other, "dst": dst}
        entries = list(zip(ev_keys or (), evs or (), strict=False))
        if not entries:
            rows.append({**pair, "ek": None, "ej": None, "run": first_run})
        for ek, ej in entries:
            if ek.startswith(masked):  # the masked-value link is keyed by its shop
                ek = f"masked:{dst}:" + ek[len(masked):]
            rows.append({**pair, "ek": ek, "ej": _annotated(ej, why), "run": first_run})
    if rows:
        store.merge_rels(rel, src_label, dst_label, rows)


def _annotated(ej: str | None, why: str) -> str | None:
    if ej is None:
        return None
    try:
        rec = json.loads(ej)
    except ValueError:
        return ej  # not ours to rewrite: moved as it is
    if not isinstance(rec, dict):
        return ej
    rec.setdefault("merged", why)
    return json.dumps(rec, ensure_ascii=False, sort_keys=True)

"""Shop, identifier and cluster parameters: what people type, resolved to stored keys.

Saved queries compare stored keys (``amazon:a1luxe7q``, ``+8613800138000``,
``G-0001``); people type ``A1LUXE7Q``, ``amazon:A1LUXE7Q``, ``Phone: +86 138 0013 8000``
or ``g-0001``. Parameters named in :data:`ENTITY_PARAMS` go through the ingest
normalizers (as ``graphinv explain`` does) and must match something in the store: a
value that matches nothing raises :class:`graphinv.errors.InputError` instead of
quietly returning no rows, and a value that matches several entities asks which.

>>> ENTITY_PARAMS["shop"], ENTITY_PARAMS["key"], ENTITY_PARAMS["cluster"]
('Shop', 'identifier', 'cluster')
>>> cluster_id("g-0001")
'G-0001'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphinv import schema
from graphinv.errors import InputError, UsageError
from graphinv.store.base import Store
from graphinv.types import match_key, shop_key

__all__ = ["ENTITY_PARAMS", "Resolved", "cluster_id", "resolve_entity_params"]

#: Parameter name → what its value names. One place: every saved query that takes a
#: shop key calls it ``shop``/``from``/``to``, an identifier key ``key``/``hub``.
ENTITY_PARAMS: dict[str, str] = {
    "shop": "Shop", "from": "Shop", "to": "Shop",
    "key": "identifier", "hub": "identifier",
    "cluster": "cluster",
}

_CLUSTER_RE = re.compile(r"[A-Za-z]+-\d+")


@dataclass(frozen=True)
class Resolved:
    """One parameter whose typed value was replaced by the stored key."""

    name: str
    given: str
    key: str


def cluster_id(text: str) -> str:
    """Cluster ids are case-insensitive: ``g-0001`` is ``G-0001``."""
    t = text.strip()
    return t.upper() if _CLUSTER_RE.fullmatch(t) else t


def resolve_entity_params(store: Store, given: Mapping[str, Any]
                          ) -> tuple[dict[str, Any], list[Resolved]]:
    """``given`` with shop/identifier/cluster values replaced by the keys they name.

    Only non-empty single string values are resolved (an empty ``hub`` still means
    "every hub"). Returns the new values and what changed.
    """
    out = dict(given)
    changed: list[Resolved] = []
    for name, value in given.items():
        what = ENTITY_PARAMS.get(name)
        if what is None or not isinstance(value, str) or not value.strip():
            continue
        if what == "Shop":
            key = _shop(store, name, value)
        elif what == "identifier":
            key = _identifier(store, name, value)
        else:
            key = _cluster(store, name, value)
        out[name] = key
        if key != value:
            changed.append(Resolved(name, value, key))
    return out, changed


def _exists(store: Store, label: str, keys: list[str]) -> list[str]:
    keys = list(dict.fromkeys(k for k in keys if k))
    if not keys:
        return []
    label = schema.NODE_KINDS[label].label  # allowlisted label
    res = store.run_read(f"MATCH (n:{label}) WHERE n.key IN $keys RETURN n.key", {"keys": keys})
    return sorted({r[0] for r in res.rows})


def _norm(normalizer: str, raw: str) -> str | None:
    return match_key(normalizer, raw)


def _shop(store: Store, name: str, value: str) -> str:
    v = value.strip()
    cands = [v]
    head, sep, rest = v.partition(":")
    if sep and rest.strip():
        platform, id_key = _norm("platform", head), _norm("text", rest)
        if platform and id_key:
            cands.append(shop_key(platform, rest))  # the Shop key as ingest builds it
    hit = _exists(store, "Shop", cands)
    if len(hit) == 1:
        return hit[0]
    # A bare shop id: whichever platform holds it (the key ends with ":<id key>").
    text_key = _norm("text", v)
    res = store.run_read("MATCH (s:Shop) WHERE s.shop_id = $v OR s.key ENDS WITH $suffix "
                         "RETURN DISTINCT s.key",
                         {"v": v, "suffix": f":{text_key}" if text_key else "\x00"})
    hits = sorted({r[0] for r in res.rows})
    return _one(name, value, hits, "shop",
                "use a shop key (platform:shop_id, e.g. amazon:a1luxe7q) or a shop_id; "
                "`graphinv query run find-shops -p text=...` searches")


def _identifier(store: Store, name: str, value: str) -> str:
    v = value.strip()
    kinds = [k for k, nk in schema.NODE_KINDS.items() if nk.is_identifier and k != "Seller"]
    head, sep, rest = v.partition(":")
    named = next((k for k in kinds if sep and head.strip().lower() == k.lower()), None)
    hits: set[str] = set()
    for kind in [named] if named else kinds:
        raw = rest.strip() if named else v
        cands = [raw, _norm(schema.NODE_KINDS[kind].normalizer, raw) or ""]
        hits.update(_exists(store, kind, cands))
    return _one(name, value, sorted(hits), "identifier",
                "use the raw value, 'Kind: value' (e.g. 'Phone: +86 138 0013 8000') or "
                "a key from `graphinv query run hubs`")


def _cluster(store: Store, name: str, value: str) -> str:
    cid = cluster_id(value)
    res = store.run_read("MATCH (s:Shop) WHERE s.cluster_id = $c RETURN count(s)", {"c": cid})
    if not res.rows or not res.rows[0][0]:
        raise InputError(f"parameter {name!r} names no cluster in the store", value=value,
                         hint="cluster ids come from the last `graphinv clusters` run "
                         "(`graphinv query run top-clusters` lists them)")
    return cid


def _one(name: str, value: str, hits: list[str], what: str, hint: str) -> str:
    if not hits:
        raise InputError(f"parameter {name!r} matches no {what} in the store",
                         value=repr(value), hint=hint)
    if len(hits) > 1:
        raise UsageError(f"parameter {name!r} matches several {what}s", value=repr(value),
                         hint="give one of: " + ", ".join(hits[:8]))
    return hits[0]

"""Weighted evidence: which shared identifiers tie shops together, and how strongly.

An *evidence group* is one real-world identifier: an identifier node together
with its resolved spellings (SAME_AS between Address or Supplier nodes), or a
Seller (a seller operating several shops ties them, with medium strength since
names can collide). Each group knows the shops it touches, directly or through
a seller that uses it.

Weight of a group = kind strength (:attr:`graphinv.schema.NodeKind.strength`,
the one place to configure it) × specificity, where specificity falls with the
number of distinct shops sharing the identifier, like an inverse document
frequency: ``1 / (1 + log10(n / 2))`` — 1.0 for two shops, 0.5 at twenty,
0.33 at two hundred.

Hubs (consolidation warehouses, payment aggregators, big factories) are found
after resolution, so every spelling counts together. A group is a hub when

* it is listed in the hubs file, or
* it is shared by at least ``hub_share`` of all shops (and ``hub_min_shops``), or
* it is shared by at least ``hub_min_shops`` shops that, apart from it, fall
  into mostly unrelated groups (``hub_dispersion``): a gang's shops are also tied
  to each other (by small identifiers or by its other busy identifiers), a
  warehouse's customers are not. See :mod:`graphinv.analysis.hubs`.

Hubs get weight 0: they never merge gangs on their own. Every hub carries a
reason in plain words.

>>> round(specificity(2), 3), round(specificity(20), 3), round(specificity(200), 3)
(1.0, 0.5, 0.333)
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from graphinv import schema
from graphinv.analysis.disjoint import component_roots
from graphinv.analysis.hubs import (
    _detect_hubs,
    _without_postcode,
    family_key,
)
from graphinv.analysis.projection import KINDS, Projection
from graphinv.errors import InputError
from graphinv.types import match_key

__all__ = [
    "SELLER_STRENGTH",
    "WeightOptions",
    "Evidence",
    "specificity",
    "strength_of",
    "build_evidence",
    "read_hub_list",
    "HubList",
]

#: A Seller shared by shops is medium evidence: as strong as a shared address
#: (names collide), and like every identifier it loses weight with its reach.
SELLER_STRENGTH: float = schema.NODE_KINDS["Address"].strength

_SHOP = KINDS.index("Shop")
_SELLER = KINDS.index("Seller")


def strength_of(kind: str) -> float:
    """Evidentiary strength of sharing a node of ``kind``.

    >>> strength_of("Phone"), strength_of("Supplier"), strength_of("Seller")
    (1.0, 0.25, 0.6)
    """
    if kind == "Seller":
        return SELLER_STRENGTH
    return schema.NODE_KINDS[kind].strength


def specificity(n_shops: int) -> float:
    """IDF-like factor in (0, 1]: 1 for an identifier shared by at most 2 shops."""
    if n_shops <= 2:
        return 1.0
    return 1.0 / (1.0 + math.log10(n_shops / 2.0))


@dataclass(frozen=True)
class WeightOptions:
    """Knobs of the weighting stage (defaults tuned on the examples generator)."""

    strong_min: float = 0.3
    hub_min_shops: int = 5
    hub_dispersion: float = 0.5
    hub_small: int = 12
    hub_small_dispersion: float = 0.8
    hub_outside_min: int = 3
    hub_outside_share: float = 0.05
    service_kinds: tuple[str, ...] = ("Address", "PaymentAccount", "Supplier")
    hub_share: float = 0.05
    hub_share_min: int = 50


@dataclass
class HubList:
    """An allowlist of known hubs, resolved against the projection."""

    nodes: dict[int, str] = field(default_factory=dict)  # node index -> reason
    unmatched: list[str] = field(default_factory=list)  # "file:line: value"


@dataclass
class Evidence:
    """Shops, evidence groups and their weights, as integer-indexed columns.

    ``shops[s]`` is the node index of shop ordinal ``s`` (shops sorted by node id,
    so ordinals do not depend on the store's streaming order). Group ``g`` touches
    shop ordinals ``members[ptr[g]:ptr[g + 1]]`` (sorted).
    """

    proj: Projection
    shops: array
    shop_ord: dict[int, int]
    group_of: array  # node index -> group (-1 for shops); see :meth:`group`
    group_nodes: list[list[int]]  # group -> node indices (spellings), first = representative
    group_kind: list[str]
    ptr: array
    members: array
    weight: array  # 0 for hubs
    base_weight: array  # strength x specificity, even for hubs (display)
    strong: bytearray
    hub: bytearray
    hub_reason: dict[int, str]
    options: WeightOptions = field(default_factory=WeightOptions)
    _inv_ptr: array | None = field(default=None, repr=False)
    _inv: array | None = field(default=None, repr=False)

    @property
    def n_shops(self) -> int:
        return len(self.shops)

    @property
    def n_groups(self) -> int:
        return len(self.group_kind)

    def group(self, node: int) -> int | None:
        """The group of a seller or identifier node (None for a shop)."""
        g = self.group_of[node]
        return g if g >= 0 else None

    def shops_of(self, g: int) -> array:
        return self.members[self.ptr[g]:self.ptr[g + 1]]

    def size(self, g: int) -> int:
        return self.ptr[g + 1] - self.ptr[g]

    def rep(self, g: int) -> str:
        """Node id of the group's representative node."""
        return self.proj.ids[self.group_nodes[g][0]]

    def groups_of_shop(self, s: int) -> array:
        """Groups touching shop ordinal ``s`` (ascending); the inverse index is
        built on first use."""
        if self._inv_ptr is None:
            self._build_inverse()
        assert self._inv_ptr is not None and self._inv is not None
        return self._inv[self._inv_ptr[s]:self._inv_ptr[s + 1]]

    def _build_inverse(self) -> None:
        n = self.n_shops
        counts = array("i", [0]) * (n + 1)
        for s in self.members:
            counts[s + 1] += 1
        for s in range(n):
            counts[s + 1] += counts[s]
        fill = array("i", counts)
        inv = array("i", [0]) * len(self.members)
        ptr, mem = self.ptr, self.members
        for g in range(self.n_groups):
            for i in range(ptr[g], ptr[g + 1]):
                s = mem[i]
                inv[fill[s]] = g
                fill[s] += 1
        self._inv_ptr, self._inv = counts, inv


def read_hub_list(path: Path, proj: Projection) -> HubList:
    """Resolve a hubs file: one identifier per line, ``#`` comments and blanks skipped.

    A line is a node id (``PaymentAccount:payoneer:123``), ``Kind: raw value``
    (normalized with that kind's normalizer, e.g. ``Address: 50 Huaqiang North
    Rd, Shenzhen``), or a raw value tried against every identifier kind.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cannot read the hubs file", value=str(path),
                         hint="give a UTF-8 text file with one identifier per line") from exc
    out = HubList()
    kinds = [k for k in KINDS if k == "Seller" or schema.NODE_KINDS[k].is_identifier]
    families: dict[str, list[int]] | None = None

    def lookup(kind: str, raw: str) -> list[int]:
        nonlocal families
        direct = proj.index.get(schema.node_id(kind, raw))
        if direct is not None:
            return [direct]
        key = match_key(schema.NODE_KINDS[kind].normalizer, raw) if kind != "Seller" else None
        if key is None:
            return []
        hit = proj.index.get(schema.node_id(kind, key))
        if hit is not None:
            return [hit]
        fk = family_key(kind, key)
        if fk is None:
            return []
        alt = _without_postcode(kind, key)
        if families is None:  # spellings that differ only by country prefix, postcode...
            families = {}
            for i, code in enumerate(proj.kinds):
                k = KINDS[code]
                if k in ("Address", "PaymentAccount"):
                    key_i = proj.key_of(i)
                    for f in (family_key(k, key_i), _without_postcode(k, key_i)):
                        if f is not None:
                            families.setdefault(f, []).append(i)
        return families.get(fk) or (families.get(alt, []) if alt else [])

    for lineno, line in enumerate(text.splitlines(), start=1):
        value = line.strip()
        if not value or value.startswith("#"):
            continue
        where = f"{Path(path).name}:{lineno}"
        found: list[int] = [proj.index[value]] if value in proj.index else []
        head, sep, rest = value.partition(":")
        if not found and sep and head.strip() in kinds:
            found = lookup(head.strip(), rest.strip())
        if not found:
            for kind in kinds:
                if kind != "Seller":
                    found = lookup(kind, value)
                    if found:
                        break
        found = [i for i in found if KINDS[proj.kinds[i]] != "Shop"]
        if not found:
            out.unmatched.append(f"{where}: {value}")
            continue
        for i in found:
            out.nodes.setdefault(i, f"listed as a known hub in {where}")
    return out


def _groups(proj: Projection) -> tuple[array, list[list[int]]]:
    """Evidence groups: every seller and identifier node, SAME_AS spellings joined.

    Returns the group of every node (-1 for shops) and each group's nodes: first every
    node without spellings in node order, then the joined spellings by their first node.
    """
    kinds = proj.kinds
    kind_a = np.frombuffer(kinds, dtype=np.uint8)
    joined: dict[int, int] = {}
    pairs = [(a, b) for a, b in zip(proj.same_src, proj.same_dst, strict=True)
             if kinds[a] == kinds[b] and kinds[a] != _SHOP]
    if pairs:
        joined = component_roots(pairs)
    single = kind_a != _SHOP
    if joined:
        single[np.fromiter(joined, dtype=np.int64, count=len(joined))] = False
    plain = np.flatnonzero(single)
    group_at = np.full(len(kinds), -1, dtype=np.int32)
    group_at[plain] = np.arange(plain.size, dtype=np.int32)
    group_of = array("i")
    group_of.frombytes(group_at.tobytes())
    members: list[list[int]] = [[i] for i in plain.tolist()]
    root_group: dict[int, int] = {}
    append = members.append
    for i in sorted(joined):
        root = joined[i]
        g = root_group.get(root)
        if g is None:
            g = root_group[root] = len(members)
            append([])
        group_of[i] = g
        members[g].append(i)
    return group_of, members


def _as_array(values: np.ndarray, code: str = "i") -> array:
    out = array(code)
    out.frombytes(values.astype(np.int32 if code == "i" else np.float64).tobytes())
    return out


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The positions ``lo[k]..hi[k]-1`` of every k, concatenated."""
    sizes = hi - lo
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(lo - np.cumsum(sizes) + sizes, sizes) + np.arange(total, dtype=np.int64)


def _incidence(proj: Projection, shop_of: np.ndarray, group_of: array,
               n_groups: int, n_shops: int) -> tuple[array, array, np.ndarray]:
    """CSR group -> shop ordinals, plus how many links each node has (for representatives).

    Vectorized over the link columns: a shop's own links, a seller's shops (OPERATES)
    and the identifiers its sellers use (seller -> identifier, through every shop the
    seller operates). Supplier -> Address (where a factory is) ties no shop: display only.
    """
    n_nodes = proj.n_nodes
    src = np.frombuffer(proj.src, dtype=np.int32).astype(np.int64)
    dst = np.frombuffer(proj.dst, dtype=np.int32).astype(np.int64)
    kinds = np.frombuffer(proj.kinds, dtype=np.uint8)
    groups = np.frombuffer(group_of, dtype=np.int32).astype(np.int64)
    sb, sa = shop_of[dst], shop_of[src]
    seller = kinds[src] == _SELLER
    operates = (sb >= 0) & seller
    own = (sb < 0) & (sa >= 0)
    via = (sb < 0) & (sa < 0) & seller
    op_seller, op_shop = src[operates], sb[operates]
    parts = [groups[op_seller] * n_shops + op_shop, groups[dst[own]] * n_shops + sa[own]]
    v_seller, v_ident = src[via], dst[via]
    if v_seller.size:
        order = np.argsort(op_seller, kind="stable")
        by_seller, shops_sorted = op_seller[order], op_shop[order]
        lo = np.searchsorted(by_seller, v_seller, side="left")
        hi = np.searchsorted(by_seller, v_seller, side="right")
        parts.append(np.repeat(groups[v_ident], hi - lo) * n_shops
                     + shops_sorted[_ranges(lo, hi)])
    degree = (np.bincount(op_seller, minlength=n_nodes) + np.bincount(dst[own], minlength=n_nodes)
              + np.bincount(v_ident, minlength=n_nodes))
    pairs = np.unique(np.concatenate(parts)) if n_shops else np.zeros(0, dtype=np.int64)
    g_of, s_of = pairs // max(n_shops, 1), pairs % max(n_shops, 1)
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(g_of, minlength=n_groups))
    return _as_array(ptr), _as_array(s_of), degree


def build_evidence(proj: Projection, options: WeightOptions | None = None,
                   hubs: HubList | None = None,
                   forced_hubs: Mapping[int, str] | None = None,
                   detect: bool = True) -> Evidence:
    """Group, weigh and hub-check the evidence of a projection.

    ``hubs`` is a resolved allowlist; ``forced_hubs`` marks nodes as hubs with a
    given reason (e.g. the hubs of the previous run, for explanations); with
    ``detect=False`` no other hub is looked for.
    """
    opts = options or WeightOptions()
    kind_a = np.frombuffer(proj.kinds, dtype=np.uint8)
    shops = array("i", sorted(np.flatnonzero(kind_a == _SHOP).tolist(),
                              key=proj.ids.__getitem__))
    shop_ord = {n: s for s, n in enumerate(shops)}
    shop_of = np.full(proj.n_nodes, -1, dtype=np.int64)
    shop_of[np.frombuffer(shops, dtype=np.int32)] = np.arange(len(shops), dtype=np.int64)
    group_of, group_nodes = _groups(proj)
    n_groups = len(group_nodes)
    ptr, members, degree = _incidence(proj, shop_of, group_of, n_groups, len(shops))
    ids = proj.ids
    for nodes in group_nodes:
        if len(nodes) > 1:
            nodes.sort(key=lambda n: (-degree[n], ids[n]))
    first = np.fromiter((nodes[0] for nodes in group_nodes), dtype=np.int64, count=n_groups)
    kind_codes = kind_a[first]
    group_kind = [KINDS[c] for c in kind_codes.tolist()]
    n_shops = len(shops)

    # weight = kind strength x specificity; specificity once per distinct size, in plain
    # floats (the same values as one call per group).
    sizes = np.diff(np.frombuffer(ptr, dtype=np.int32).astype(np.int64))
    distinct, at = np.unique(sizes, return_inverse=True)
    spec = np.array([specificity(int(x)) for x in distinct.tolist()], dtype=np.float64)
    by_code = np.array([strength_of(k) for k in KINDS], dtype=np.float64)
    base_a = by_code[kind_codes] * spec[at.reshape(-1)]
    base = _as_array(base_a, "d")
    strong = bytearray(((sizes >= 2) & (base_a >= opts.strong_min)).astype(np.uint8).tobytes())

    hub = bytearray(n_groups)
    reason: dict[int, str] = {}
    for listed in (hubs.nodes if hubs else {}), (forced_hubs or {}):
        for node, why in listed.items():
            hg = group_of[node] if 0 <= node < len(group_of) else -1
            if hg >= 0 and not hub[hg]:
                hub[hg] = 1
                reason[hg] = why

    ev = Evidence(proj=proj, shops=shops, shop_ord=shop_ord, group_of=group_of,
                  group_nodes=group_nodes, group_kind=group_kind, ptr=ptr, members=members,
                  weight=array("d", base), base_weight=base, strong=strong, hub=hub,
                  hub_reason=reason, options=opts)
    if detect:
        _detect_hubs(ev, opts, n_shops)
    for g in range(n_groups):
        if hub[g]:
            ev.weight[g] = 0.0
            strong[g] = 0
    return ev

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
  warehouse's customers are not. See :func:`_detect_hubs`.

Hubs get weight 0: they never merge gangs on their own. Every hub carries a
reason in plain words.

>>> round(specificity(2), 3), round(specificity(20), 3), round(specificity(200), 3)
(1.0, 0.5, 0.333)
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from graphinv import schema
from graphinv.analysis.disjoint import DisjointSet, component_roots
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

    Returns the group of every node (-1 for shops) and each group's nodes.
    """
    kinds = proj.kinds
    group_of = array("i", [-1]) * len(kinds)
    members: list[list[int]] = []
    root_group: dict[int, int] = {}
    joined: dict[int, int] = {}
    pairs = [(a, b) for a, b in zip(proj.same_src, proj.same_dst, strict=True)
             if kinds[a] == kinds[b] and kinds[a] != _SHOP]
    if pairs:
        joined = component_roots(pairs)
    append = members.append
    for i in [i for i, k in enumerate(kinds) if k != _SHOP and i not in joined]:
        group_of[i] = len(members)
        append([i])
    for i in sorted(joined):
        root = joined[i]
        g = root_group.get(root)
        if g is None:
            g = root_group[root] = len(members)
            append([])
        group_of[i] = g
        members[g].append(i)
    return group_of, members


def _incidence(proj: Projection, shop_of: array, group_of: array,
               n_groups: int, n_shops: int) -> tuple[array, array, array]:
    """CSR group -> shop ordinals, plus how many links each node has (for representatives)."""
    seller_shops: dict[int, list[int]] = {}
    kinds = proj.kinds
    pairs: list[int] = []
    add = pairs.append
    degree = array("i", [0]) * proj.n_nodes
    deferred: list[tuple[int, int]] = []
    for a, b in zip(proj.src, proj.dst, strict=True):
        sb = shop_of[b]
        if sb >= 0:  # OPERATES: seller -> shop
            if kinds[a] != _SELLER:
                continue
            seller_shops.setdefault(a, []).append(sb)
            add(group_of[a] * n_shops + sb)
            degree[a] += 1
            continue
        sa = shop_of[a]
        if sa >= 0:
            add(group_of[b] * n_shops + sa)
            degree[b] += 1
        elif kinds[a] == _SELLER:
            deferred.append((a, b))
        # Supplier -> Address (where a factory is) ties no shop: display only.
    for seller, ident in deferred:
        g = group_of[ident]
        for s in seller_shops.get(seller, ()):
            add(g * n_shops + s)
        degree[ident] += 1
    pairs.sort()
    ptr = array("i", [0]) * (n_groups + 1)
    members = array("i")
    last = -1
    for p in pairs:
        if p == last:
            continue
        last = p
        g, s = divmod(p, n_shops)
        members.append(s)
        ptr[g + 1] += 1
    for g in range(n_groups):
        ptr[g + 1] += ptr[g]
    return ptr, members, degree


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
    shops = array("i", sorted((i for i, k in enumerate(proj.kinds) if k == _SHOP),
                              key=proj.ids.__getitem__))
    shop_ord = {n: s for s, n in enumerate(shops)}
    shop_of = array("i", [-1]) * proj.n_nodes
    for s, n in enumerate(shops):
        shop_of[n] = s
    group_of, group_nodes = _groups(proj)
    n_groups = len(group_nodes)
    ptr, members, degree = _incidence(proj, shop_of, group_of, n_groups, len(shops))
    ids = proj.ids
    for nodes in group_nodes:
        if len(nodes) > 1:
            nodes.sort(key=lambda n: (-degree[n], ids[n]))
    group_kind = [KINDS[proj.kinds[nodes[0]]] for nodes in group_nodes]
    n_shops = len(shops)

    base = array("d", [0.0]) * n_groups
    strong = bytearray(n_groups)
    strength = {k: strength_of(k) for k in set(group_kind)}
    spec_cache: dict[int, float] = {}
    strong_min = opts.strong_min
    for g in range(n_groups):
        n = ptr[g + 1] - ptr[g]
        sp = spec_cache.get(n)
        if sp is None:
            sp = spec_cache[n] = specificity(n)
        w = base[g] = strength[group_kind[g]] * sp
        if n >= 2 and w >= strong_min:
            strong[g] = 1

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


#: Share of a candidate's shops another candidate must cover to count as the same service.
_CO_HUB = 0.8
_NON_DIGITS = re.compile(r"\D+")
_HAS_CODE = re.compile(r"\d{5}")
_POSTCODE = re.compile(r"(?<!\S)(\d{5,6})(?!\S)")


def family_key(kind: str, key: str) -> str | None:
    """A coarse key under which spellings of one identifier that resolution did
    not join still meet, for hub detection only (never to link shops).

    PaymentAccount: the digits of the account (8 or more); Address: the tokens
    of the key without its country prefix (ingest prefixes the seller's country,
    so one warehouse gets one key per seller country).

    >>> family_key("PaymentAccount", "pingpong:GLOBALCOLLECTION8800120034560019")
    'PaymentAccount:8800120034560019'
    >>> family_key("Address", "ZZ:50 futian huaqiang north road shenzhen")
    'Address:50 futian huaqiang north road shenzhen'
    """
    if kind == "PaymentAccount":
        digits = _NON_DIGITS.sub("", key)
        return f"{kind}:{digits}" if len(digits) >= 8 else None
    if kind == "Address":
        body = _address_body(key)
        return f"{kind}:{body}" if " " in body else None
    return None


def _address_body(key: str) -> str:
    """The address key without its ``CC:`` prefix (tokens are already sorted)."""
    return key[3:] if key[2:3] == ":" else key


def _without_postcode(kind: str, key: str) -> str | None:
    """The family key of an address minus its one postcode-like token (5-6 digits),
    if it has exactly one; it only ever joins an existing spelling without it.

    >>> _without_postcode("Address", "HK:50 518000 futian huaqiang north road shenzhen")
    'Address:50 futian huaqiang north road shenzhen'
    """
    if kind != "Address":
        return None
    body = _address_body(key)
    if not _HAS_CODE.search(body):
        return None
    codes = _POSTCODE.findall(body)
    if len(codes) != 1:
        return None
    toks = [t for t in body.split() if t != codes[0]]
    if len(toks) < 3:
        return None
    return f"{kind}:{' '.join(toks)}"


def _families(ev: Evidence) -> list[list[int]]:
    """Groups whose spellings share a :func:`family_key` (or differ from an existing
    spelling only by a postcode), joined; only families of two or more groups are
    returned (every other group is a family of its own)."""
    first: dict[str, int] = {}
    links: list[tuple[int, int]] = []
    stripped: list[tuple[str, int]] = []
    ids = ev.proj.ids
    kinds = ev.group_kind
    for g in range(ev.n_groups):
        kind = kinds[g]
        if kind != "Address" and kind != "PaymentAccount":
            continue
        cut = len(kind) + 1
        for n in ev.group_nodes[g]:
            key = ids[n][cut:]
            fk = family_key(kind, key)
            if fk is None:
                continue
            other = first.setdefault(fk, g)
            if other != g:
                links.append((other, g))
            sk = _without_postcode(kind, key)
            if sk is not None:
                stripped.append((sk, g))
    for sk, g in stripped:
        base = first.get(sk)
        if base is not None and base != g:
            links.append((base, g))
    if not links:
        return []
    out: dict[int, list[int]] = {}
    for g, root in component_roots(links).items():
        out.setdefault(root, []).append(g)
    return [sorted(f) for f in out.values()]


def _detect_hubs(ev: Evidence, opts: WeightOptions, n_shops: int) -> None:
    """Mark hubs by share and by dispersion (see the module docstring).

    Hub detection works on families of groups (spellings joined by SAME_AS or by
    :func:`family_key`). Round 1 measures dispersion with every candidate left
    out and applies the share rule. Candidates still looking dispersed are measured
    again, biggest first, with the other candidates not found to be hubs put back,
    so a gang's busy identifiers (a phone, an e-mail) do not make each other look
    like hubs.
    """
    fams: list[tuple[list[int], list[int]]] = []
    multi = _families(ev)
    in_multi = {g for fam in multi for g in fam}
    ptr, hub_min = ev.ptr, opts.hub_min_shops
    for g in range(ev.n_groups):
        if g not in in_multi and not ev.hub[g] and ptr[g + 1] - ptr[g] >= hub_min:
            fams.append(([g], list(ev.shops_of(g))))
    for fam in multi:
        if any(ev.hub[g] for g in fam):
            for g in fam:
                if not ev.hub[g]:
                    ev.hub[g] = 1
                    ev.hub_reason[g] = ev.hub_reason[next(x for x in fam if ev.hub_reason.get(x))]
            continue
        touched: set[int] = set()
        for g in fam:
            touched.update(ev.shops_of(g))
        if len(touched) >= opts.hub_min_shops:
            fams.append((fam, sorted(touched)))
    if not fams:
        return
    in_candidate = {g for fam, _ in fams for g in fam}
    uf = DisjointSet(n_shops)
    for g in range(ev.n_groups):
        if ev.base_weight[g] > 0 and not ev.hub[g] and g not in in_candidate:
            members = ev.shops_of(g)
            for s in members[1:]:
                uf.union(members[0], s)
    share_limit = max(opts.hub_share_min, math.ceil(opts.hub_share * n_shops))
    undecided: list[int] = []
    parts1: list[int] = []
    for k, (fam, shops) in enumerate(fams):
        n = len(shops)
        parts = len({uf.find(s) for s in shops})
        parts1.append(parts)
        if n >= share_limit:
            _mark(ev, fam, (f"shared by {n} shops, {100.0 * n / max(n_shops, 1):.0f}% of all "
                            f"shops (limit {opts.hub_share:.0%}), that otherwise fall into "
                            f"{parts} unrelated groups"))
        else:
            undecided.append(k)
    # Round 2: would the candidate's shops still be related without it? Shops already
    # tied by other evidence are one piece (``uf``); the other candidates not found to be
    # hubs stay in play. In the graph pieces + candidates, the candidate's shops that stay
    # related when it is left out are exactly those whose links to it lie in one
    # biconnected component; each component is one piece of its users. Up to four passes:
    # hubs found in one no longer relate anything in the next (two services shared by
    # the same gangs vouch for each other until one of them is found).
    rule: dict[int, bool] = {}  # hub candidate -> found dispersed (else: used by others too)
    same = _same_services(fams, undecided)
    users: dict[tuple[int, int], int] = {}  # (service, piece) -> its shops in the piece
    shops_of: dict[int, set[int]] = {}
    for k in undecided:
        shops_of.setdefault(same.find(k), set()).update(fams[k][1])
    for head, mine in shops_of.items():
        for s in mine:
            key = (head, uf.find(s))
            users[key] = users.get(key, 0) + 1
    service = {same.find(k): any(ev.group_kind[g] in opts.service_kinds for g in fams[k][0])
               for k in undecided}
    active = set(shops_of)
    for _ in range(4):
        found, active = _dispersed(opts, active, shops_of, users, service)
        if not found:
            break
        for k in undecided:
            if same.find(k) in found:
                rule[k] = found[same.find(k)]
                for g in fams[k][0]:
                    ev.hub[g] = 1  # the reason is written once every hub is known
    kept = [k for k in undecided if k not in rule]
    _describe(ev, fams, rule, kept, uf)


def _same_services(fams: list[tuple[list[int], list[int]]], undecided: list[int]) -> DisjointSet:
    """Candidates with (almost) the same shops (80% of the larger) joined: one service seen
    several times (a warehouse and the aggregator it recommends), left out together, or
    they would vouch for each other."""
    same = DisjointSet(len(fams))
    holders: dict[int, list[int]] = {}
    for k in undecided:
        for s in fams[k][1]:
            holders.setdefault(s, []).append(k)
    for k in undecided:
        common: dict[int, int] = {}
        for s in fams[k][1]:
            for j in holders[s]:
                if j > k:
                    common[j] = common.get(j, 0) + 1
        for j, c in common.items():
            if c >= _CO_HUB * max(len(fams[k][1]), len(fams[j][1])):
                same.union(k, j)
    return same


def _describe(ev: Evidence, fams: list[tuple[list[int], list[int]]], rule: dict[int, bool],
              kept: list[int], uf: DisjointSet) -> None:
    """The reason of each hub found by dispersion, counted once every hub is known: its
    shops' groups apart from it, with every identifier that is no hub put back."""
    if not rule:
        return
    related = DisjointSet(len(uf.parent))
    for s in range(len(uf.parent)):
        related.union(s, uf.find(s))
    for k in kept:
        for g in fams[k][0]:
            members = ev.shops_of(g)
            for x in members[1:]:
                related.union(members[0], x)
    for k, dispersed in rule.items():
        fam, shops = fams[k]
        n = len(shops)
        pieces: dict[int, int] = {}
        for s in shops:
            r = related.find(s)
            pieces[r] = pieces.get(r, 0) + 1
        parts, main = len(pieces), max(pieces.values())
        if dispersed:
            why = (f"shared by {n} shops that otherwise fall into {parts} unrelated groups "
                   "(a shared service, not a gang tie)")
        else:
            why = (f"shared by {n} shops: {main} of one group and {n - main} others that "
                   f"otherwise fall into {parts - 1} unrelated groups (a shared service "
                   "used by a gang too, not a gang tie)")
        _mark(ev, fam, why)


def _dispersed(opts: WeightOptions, active: set[int], shops_of: dict[int, set[int]],
               users: dict[tuple[int, int], int], service: dict[int, bool],
               ) -> tuple[dict[int, bool], set[int]]:
    """The active services found to be hubs (with the rule: dispersed, or used by others
    too), and the services to test again: those connected to a hub just found (nothing
    else changed for the others)."""
    graph = nx.Graph()
    # Services are negative nodes, pieces are their root shop.
    graph.add_edges_from((-1 - head, r) for head, r in users if head in active)
    pieces: dict[int, dict[int, int]] = {}
    for comp, edges in enumerate(nx.biconnected_component_edges(graph)):
        for a, b in edges:
            head, r = (-1 - a, b) if a < 0 else (-1 - b, a)
            if r < 0:
                continue
            got = pieces.setdefault(head, {})
            got[comp] = got.get(comp, 0) + users[(head, r)]
    verdict: dict[int, bool] = {}  # service -> dispersed (True) or used by others too
    for head in active:
        n = len(shops_of[head])
        by_piece = pieces.get(head, {})
        parts = len(by_piece)
        outside = n - max(by_piece.values(), default=n)
        # Few shops prove little: a small gang's account can look dispersed too, so
        # below ``hub_small`` shops only a service kind is a hub, when nearly all of its
        # shops are unrelated.
        small = n < opts.hub_small
        if small and not service.get(head, False):
            continue
        if parts / n >= (opts.hub_small_dispersion if small else opts.hub_dispersion):
            verdict[head] = True
        elif (not small and service.get(head, False)
              and outside >= max(opts.hub_outside_min, math.ceil(opts.hub_outside_share * n))):
            # Mostly one group's, but also used by shops unrelated to that group: a
            # service a gang uses too; as evidence it would glue them to the gang.
            verdict[head] = False
    if not verdict:
        return verdict, set()
    # Only a component holding a hub just found changes in the next pass.
    again: set[int] = set()
    for comp in nx.connected_components(graph):
        heads = {-1 - x for x in comp if x < 0}
        if not heads.isdisjoint(verdict):
            again.update(heads - verdict.keys())
    return verdict, again


def _mark(ev: Evidence, fam: list[int], why: str) -> None:
    proj = ev.proj
    shops: set[int] = set()
    nodes = 0
    for g in fam:
        shops.update(ev.shops_of(g))
        nodes += len(ev.group_nodes[g])
    platforms = {proj.platform[ev.shops[s]] for s in shops} - {None}
    countries = {proj.country[ev.shops[s]] for s in shops} - {None}
    extra = []
    if platforms:
        extra.append(f"{len(platforms)} platform{'s' * (len(platforms) != 1)}")
    if len(countries) > 1:
        extra.append(f"{len(countries)} shop countries")
    if nodes > 1:
        extra.append(f"written {nodes} ways")
    reason = why + (f"; {', '.join(extra)}" if extra else "")
    for g in fam:
        ev.hub[g] = 1
        ev.hub_reason[g] = reason

"""Hubs: identifiers too widely shared to tie shops together (aggregators, warehouses,
big factories), found by family (spellings of one identifier) and marked on the evidence.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from graphinv.analysis.disjoint import DisjointSet, component_roots, min_labels

__all__ = ["family_key"]

if TYPE_CHECKING:  # types only: weighting imports this module
    from graphinv.analysis.weighting import Evidence, WeightOptions

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
    >>> family_key("Address", "unknown:50 futian huaqiang north road shenzhen")
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
    """The address key without its ``CC:`` (or ``unknown:``) prefix (tokens are already
    sorted; a key holds no other colon)."""
    head, sep, rest = key.partition(":")
    return rest if sep and (len(head) == 2 or head == "unknown") else key


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
    sizes = np.diff(np.frombuffer(ev.ptr, dtype=np.int32))
    hub = np.frombuffer(ev.hub, dtype=np.uint8)
    for g in np.flatnonzero((sizes >= opts.hub_min_shops) & (hub == 0)).tolist():
        if g not in in_multi:
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
    # Shops tied by evidence that is no candidate: one piece each (vectorized union-find;
    # a piece is named by its smallest shop).
    other = (np.frombuffer(ev.base_weight, dtype=np.float64) > 0) & (hub == 0)
    other[[g for fam, _ in fams for g in fam]] = False
    uf = DisjointSet.from_labels(min_labels(n_shops, ev.ptr, ev.members, np.flatnonzero(other)))
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
    related = DisjointSet.from_labels(uf.roots())
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

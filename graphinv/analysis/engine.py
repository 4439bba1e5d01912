"""The clustering seam: evidence in, partition and scores out.

:class:`ClusterEngine` is the small protocol every engine implements (an
in-database engine, igraph or networkit could take over by implementing it);
:class:`NetworkxEngine` is the default:

1. *Cores*: connected components over strong, non-hub evidence, computed with
   union-find over integer arrays (no graph object).
2. *Weak ties*: two cores are tied when the weak evidence they share (suppliers,
   widely shared addresses or seller names) adds up to ``weak_join_min``. Cores
   tied that way form super-components.
3. *Communities*: only super-components with more than one core go to networkx
   Louvain (seeded), on a small graph whose nodes are whole cores (a chain gang
   is never cut in the middle), so gangs joined only by weak links are split
   apart again.
4. *Size guard*: a cluster above ``max_cluster_share`` of all shops is split
   with Louvain on its shop–identifier graph.

Hubs never appear here: their weight is 0.

Engines are registered by name (:func:`register_engine`); ``graphinv clusters
--engine NAME`` picks one, and the run records its name and options so the view
ranks with the same engine.

>>> from graphinv.analysis.projection import Projection
>>> from graphinv.analysis.weighting import build_evidence
>>> p = Projection()
>>> a, b, c = (p.add_node("Shop", k) for k in ("x:a", "x:b", "x:c"))
>>> ph = p.add_node("Phone", "+1")
>>> p.add_link("USES_PHONE", a, ph); p.add_link("USES_PHONE", b, ph)
>>> get_engine("networkx").partition(build_evidence(p), EngineOptions()).clusters
[[0, 1]]
>>> "networkx" in engine_names()
True
"""

from __future__ import annotations

import importlib
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import networkx as nx
import numpy as np

from graphinv.analysis.disjoint import DisjointSet, min_labels
from graphinv.analysis.weighting import Evidence, strength_of
from graphinv.config import DEFAULT_SEED
from graphinv.errors import UsageError

__all__ = [
    "EngineOptions",
    "Partition",
    "ClusterEngine",
    "NetworkxEngine",
    "personalized_pagerank",
    "register_engine",
    "get_engine",
    "engine_names",
]

#: Weak groups touching more cores than this are not expanded into pairs.
_MAX_PAIR_FANOUT = 200


@dataclass(frozen=True)
class EngineOptions:
    """Knobs of the clustering and ranking stages."""

    seed: int = DEFAULT_SEED
    resolution: float = 1.0
    weak_join_min: float = 0.5
    max_cluster_share: float = 0.05
    max_cluster_min: int = 50
    damping: float = 0.85
    tight_strength: float = 1.0
    chain_links_min: int = 2


@dataclass
class Partition:
    """Clusters as lists of shop ordinals (each ascending, ordered by first shop)."""

    clusters: list[list[int]]
    cores: int = 0
    split_components: int = 0
    timings: dict[str, float] = field(default_factory=dict)


class ClusterEngine(Protocol):
    """What an engine must provide: a partition of the shops and risk scores.

    ``rank`` works on the evidence graph whose nodes are shop ordinals
    ``0..n_shops-1`` and groups ``n_shops + g``; ``seeds`` maps such nodes to
    their personalization weight; the result maps nodes to scores (the mass on
    shops is what clusters are ranked by).
    """

    name: str

    def partition(self, ev: Evidence, options: EngineOptions) -> Partition: ...

    def rank(self, ev: Evidence, seeds: Mapping[int, float],
             options: EngineOptions) -> dict[int, float]: ...


class NetworkxEngine:
    """Union-find over arrays, then networkx Louvain inside the few components
    that need splitting."""

    name = "networkx"

    # -- partition -------------------------------------------------------
    def partition(self, ev: Evidence, options: EngineOptions) -> Partition:
        t0 = time.perf_counter()
        n = ev.n_shops
        ptr, mem = ev.ptr, ev.members
        # Strong groups of tight kinds (phones, e-mails, payment accounts) form the cores
        # (vectorized union-find); medium kinds join them in ``_join_medium``.
        strong_groups = np.flatnonzero(np.frombuffer(ev.strong, dtype=np.uint8))
        kind_strength = {k: strength_of(k) for k in set(ev.group_kind)}
        group_kind = ev.group_kind
        is_tight = np.fromiter((kind_strength[group_kind[g]] >= options.tight_strength
                                for g in strong_groups.tolist()), dtype=bool,
                               count=strong_groups.size)
        medium = strong_groups[~is_tight].tolist()
        uf = DisjointSet.from_labels(min_labels(n, ptr, mem, strong_groups[is_tight]))
        _join_medium(ev, uf, medium, options)
        core_of_a = np.asarray(uf.labels(), dtype=np.int64)
        core_of = core_of_a.tolist()
        n_cores = int(core_of_a.max()) + 1 if n else 0
        ptr_a = np.frombuffer(ptr, dtype=np.int32).astype(np.int64)
        mem_a = np.frombuffer(mem, dtype=np.int32)
        # Summed in group order, as one += per group would.
        internal = np.bincount(
            core_of_a[mem_a[ptr_a[strong_groups]]],
            weights=(np.frombuffer(ev.weight, dtype=np.float64)[strong_groups]
                     * (ptr_a[strong_groups + 1] - ptr_a[strong_groups] - 1)),
            minlength=n_cores).tolist()
        pairs = _weak_pairs(ev, core_of)
        # Only cores tied by enough weak evidence form super-components.
        tied = {c for (c1, c2), w in pairs.items() if w >= options.weak_join_min
                for c in (c1, c2)}
        local = {c: i for i, c in enumerate(sorted(tied))}
        cuf = DisjointSet(len(local))
        for (c1, c2), w in pairs.items():
            if w >= options.weak_join_min:
                cuf.union(local[c1], local[c2])
        t1 = time.perf_counter()

        by_super: dict[int, list[int]] = {}
        for c, i in local.items():
            by_super.setdefault(cuf.find(i), []).append(c)
        super_of = {c: cuf.find(i) for c, i in local.items()}
        pairs_by_super: dict[int, dict[tuple[int, int], float]] = {}
        for (c1, c2), w in pairs.items():
            sc = super_of.get(c1)
            if sc is not None and sc == super_of.get(c2):
                pairs_by_super.setdefault(sc, {})[(c1, c2)] = w
        core_size = [0] * n_cores
        for c in core_of:
            core_size[c] += 1
        core_groups: list[list[int]] = [[c] for c in range(n_cores)
                                        if core_size[c] >= 2 and c not in local]
        split = 0
        for sc, cores in by_super.items():
            split += 1
            core_groups.extend(_split_cores(sorted(cores), pairs_by_super.get(sc, {}),
                                            internal, options))
        wanted = {c for cg in core_groups for c in cg}
        shops_of_core: dict[int, list[int]] = {}
        for s, c in enumerate(core_of):
            if c in wanted:
                shops_of_core.setdefault(c, []).append(s)
        clusters: list[list[int]] = []
        for cg in core_groups:
            shops = sorted(s for c in cg for s in shops_of_core[c])
            if len(shops) >= 2:
                clusters.append(shops)
        limit = max(options.max_cluster_min, int(options.max_cluster_share * n))
        final: list[list[int]] = []
        for cl in clusters:
            if len(cl) > limit:
                split += 1
                final.extend(_split_large(ev, cl, limit, options))
            else:
                final.append(cl)
        final = [c for c in final if len(c) >= 2]
        final.sort(key=lambda c: c[0])
        t2 = time.perf_counter()
        return Partition(clusters=final, cores=n_cores, split_components=split,
                         timings={"components": t1 - t0, "communities": t2 - t1})

    # -- ranking -----------------------------------------------------------
    def rank(self, ev: Evidence, seeds: Mapping[int, float],
             options: EngineOptions) -> dict[int, float]:
        if not seeds:
            return {}
        n = ev.n_shops
        # PageRank mass never leaves a component: only seeded components matter.
        ptr, mem, weight = ev.ptr, ev.members, ev.weight
        ptr_a = np.frombuffer(ptr, dtype=np.int32)
        sizes = np.diff(ptr_a)
        positive = np.frombuffer(weight, dtype=np.float64) > 0
        uf = DisjointSet.from_labels(min_labels(n, ptr, mem,
                                                np.flatnonzero(positive & (sizes > 1))))
        roots = set()
        for node in seeds:
            if node < n:
                roots.add(uf.find(node))
            elif ev.weight[node - n] > 0:
                roots.update(uf.find(s) for s in ev.shops_of(node - n))
        graph = nx.Graph()
        root_of = uf.roots()
        in_seeded = np.isin(root_of, np.fromiter(roots, dtype=np.int64, count=len(roots)))
        shops = np.flatnonzero(in_seeded).tolist()
        graph.add_nodes_from(shops)
        leaves: list[tuple[int, int]] = []
        # Groups with weight whose (first) shop lies in a seeded component.
        first = np.frombuffer(mem, dtype=np.int32)[np.minimum(ptr_a[:-1], max(len(mem) - 1, 0))]
        used = positive & (sizes > 0)
        if len(mem):
            used &= in_seeded[first]
        for g in np.flatnonzero(used).tolist():
            w = weight[g]
            lo, hi = ptr[g], ptr[g + 1]
            if hi - lo == 1 and (n + g) not in seeds:
                leaves.append((g, mem[lo]))  # used by one shop only: scored after
                continue
            graph.add_weighted_edges_from((n + g, mem[i], w) for i in range(lo, hi))
        personal = {k: v for k, v in seeds.items() if k in graph}
        if not personal:
            return {}
        scores = personalized_pagerank(graph, personal, damping=options.damping)
        # An identifier used by a single shop carries that shop's score.
        for g, s in leaves:
            x = scores.get(s)
            if x:
                scores[n + g] = x
        return scores


_ENGINES: dict[str, Callable[[], ClusterEngine]] = {}
#: Modules that register further engines when imported (each calls
#: :func:`register_engine` at its end, as this module does for networkx); imported on
#: first lookup, so an engine's dependencies load only when it is asked for.
_ENGINE_MODULES: tuple[str, ...] = ()


def _load_engine_modules() -> None:
    for module in _ENGINE_MODULES:
        importlib.import_module(module)


def register_engine(name: str, factory: Callable[[], ClusterEngine]) -> None:
    """Make an engine available as ``--engine NAME``; ``factory()`` builds one.

    A name is registered once: a second engine under a taken name would make a
    recorded run ambiguous.
    """
    if name in _ENGINES:
        raise UsageError("a clustering engine with this name is already registered",
                         value=name, hint="register the engine under another name")
    _ENGINES[name] = factory


def get_engine(name: str) -> ClusterEngine:
    """A new engine by its registered name.

    >>> get_engine("networkx").name
    'networkx'
    """
    factory = _ENGINES.get(name)
    if factory is None:
        _load_engine_modules()
        factory = _ENGINES.get(name)
    if factory is None:
        raise UsageError("unknown clustering engine", value=name,
                         hint="use one of: " + ", ".join(engine_names()))
    return factory()


def engine_names() -> list[str]:
    """Names of the registered engines, sorted."""
    _load_engine_modules()
    return sorted(_ENGINES)


def _join_medium(ev: Evidence, uf: DisjointSet, medium: list[int],
                 options: EngineOptions) -> None:
    """Add the strong evidence of medium kinds (a seller name, an address) to the cores
    of specific evidence (phones, e-mails, payment accounts) in ``uf``, without chains.

    A medium identifier attaches shops that are on their own to the one group of
    shops it touches, or ties loose shops together. Two groups of several shops each
    are joined only when at least ``chain_links_min`` distinct medium identifiers tie
    them, of as many kinds (an officer and an address; two addresses may be two spellings
    of one forwarder): a run of small gangs with one shared officer or address between
    each two is a chain of separate groups, reported as ties between clusters.
    A loose shop tied to two different groups (a bridge) joins neither.

    >>> from graphinv.analysis.projection import Projection
    >>> from graphinv.analysis.weighting import build_evidence
    >>> p = Projection()
    >>> a, b, c, d = (p.add_node("Shop", k) for k in ("x:a", "x:b", "x:c", "x:d"))
    >>> p1, p2 = p.add_node("Phone", "+1"), p.add_node("Phone", "+2")
    >>> boss = p.add_node("Seller", "CN:boss")
    >>> for shop, phone in ((a, p1), (b, p1), (c, p2), (d, p2)):
    ...     p.add_link("USES_PHONE", shop, phone)
    >>> p.add_link("OPERATES", boss, b); p.add_link("OPERATES", boss, c)
    >>> NetworkxEngine().partition(build_evidence(p), EngineOptions()).clusters
    [[0, 1], [2, 3]]
    """
    if not medium:
        return
    ptr, mem = ev.ptr, ev.members
    size = np.bincount(uf.roots(), minlength=ev.n_shops).tolist()
    touched: list[tuple[list[int], list[int]]] = []  # per group: (groups of shops, loose shops)
    # Kinds, not identifiers, are counted: two spellings of one forwarder that nothing
    # joined are one tie, not two; an officer and an address are two.
    pairs: dict[tuple[int, int], set[str]] = {}
    for g in medium:
        roots = sorted({uf.find(mem[i]) for i in range(ptr[g], ptr[g + 1])})
        multi = [r for r in roots if size[r] >= 2]
        touched.append((multi, [r for r in roots if size[r] < 2]))
        if 2 <= len(multi) <= _MAX_PAIR_FANOUT:
            kind = ev.group_kind[g]
            for i, x in enumerate(multi):
                for y in multi[i + 1:]:
                    pairs.setdefault((x, y), set()).add(kind)
    for (x, y), kinds in sorted(pairs.items()):
        if len(kinds) >= options.chain_links_min:
            uf.union(x, y)
    # Loose shops tied to each other form runs; a run joins the one group of shops it is
    # tied to, and none when it is tied to several (a bridge between them).
    runs = DisjointSet(ev.n_shops)
    for _multi, loose in touched:
        for r in loose[1:]:
            runs.union(loose[0], r)
    heads_of_run: dict[int, set[int]] = {}
    for multi, loose in touched:
        for r in loose:
            heads_of_run.setdefault(runs.find(r), set()).update(uf.find(x) for x in multi)
    for _multi, loose in touched:
        for r in loose:
            uf.union(loose[0], r)
    for run, heads in heads_of_run.items():
        if len(heads) == 1:
            uf.union(next(iter(heads)), run)


def _weak_pairs(ev: Evidence, core_of: list[int]) -> dict[tuple[int, int], float]:
    """Summed weight of the weak evidence shared by each pair of cores."""
    pairs: dict[tuple[int, int], float] = {}
    ptr, mem, weight = ev.ptr, ev.members, ev.weight
    sizes = np.diff(np.frombuffer(ptr, dtype=np.int32))
    weak = ((np.frombuffer(weight, dtype=np.float64) > 0) & (sizes >= 2)
            & (np.frombuffer(ev.strong, dtype=np.uint8) == 0))
    for g in np.flatnonzero(weak).tolist():
        w = weight[g]
        cores = sorted({core_of[mem[i]] for i in range(ptr[g], ptr[g + 1])})
        k = len(cores)
        if k < 2 or k > _MAX_PAIR_FANOUT:
            continue
        for i in range(k):
            ci = cores[i]
            for j in range(i + 1, k):
                key = (ci, cores[j])
                pairs[key] = pairs.get(key, 0.0) + w
    return pairs


def _split_cores(cores: list[int], pairs: Mapping[tuple[int, int], float],
                 internal: list[float], options: EngineOptions) -> list[list[int]]:
    """Louvain over whole cores; then keep only sufficiently tied pieces together."""
    graph = nx.Graph()
    graph.add_nodes_from(cores)
    for c in cores:
        if internal[c] > 0:
            graph.add_edge(c, c, weight=internal[c])
    for (c1, c2), w in sorted(pairs.items()):
        graph.add_edge(c1, c2, weight=w)
    comms = nx.community.louvain_communities(graph, weight="weight",
                                             resolution=options.resolution,
                                             seed=options.seed)
    out: list[list[int]] = []
    for comm in comms:
        members = sorted(comm)
        if len(members) == 1:
            out.append(members)
            continue
        uf = DisjointSet(len(members))
        pos = {c: i for i, c in enumerate(members)}
        for (c1, c2), w in pairs.items():
            if w >= options.weak_join_min and c1 in pos and c2 in pos:
                uf.union(pos[c1], pos[c2])
        pieces: dict[int, list[int]] = {}
        for c, lab in zip(members, uf.labels(), strict=True):
            pieces.setdefault(lab, []).append(c)
        out.extend(pieces.values())
    out.sort(key=lambda cs: cs[0])
    return out


def _split_large(ev: Evidence, shops: list[int], limit: int,
                 options: EngineOptions, depth: int = 0) -> list[list[int]]:
    """Louvain over the shop–identifier graph of one oversized cluster."""
    wanted = set(shops)
    graph = nx.Graph()
    graph.add_nodes_from(shops)
    n = ev.n_shops
    groups: set[int] = set()
    for s in shops:
        groups.update(ev.groups_of_shop(s))
    for g in sorted(groups, key=ev.rep):  # by id: the same order on every backend
        w = ev.weight[g]
        if w <= 0:
            continue
        inside = [s for s in ev.shops_of(g) if s in wanted]
        if len(inside) >= 2:
            graph.add_weighted_edges_from((n + g, s, w) for s in inside)
    comms = nx.community.louvain_communities(graph, weight="weight",
                                             resolution=options.resolution * (1 + depth),
                                             seed=options.seed)
    out: list[list[int]] = []
    for comm in comms:
        part = sorted(x for x in comm if x < n)
        if len(part) > limit and depth < 3 and len(part) < len(shops):
            out.extend(_split_large(ev, part, limit, options, depth + 1))
        elif part:
            out.append(part)
    return out


def personalized_pagerank(graph: nx.Graph, personalization: Mapping[int, float], *,
                          damping: float = 0.85, eps: float = 1e-8) -> dict[int, float]:
    """Weighted personalized PageRank by local push (Andersen, Chung & Lang 2006).

    Work grows with the neighbourhood of the seeds, not with the graph: residual
    mass is pushed along weighted edges until every node's residual is below
    ``eps`` times its weighted degree. A node without edges keeps its mass.
    networkx's own ``pagerank`` needs numpy and scipy; this needs neither.

    >>> g = nx.Graph([(0, 1), (1, 2), (2, 3)])
    >>> r = personalized_pagerank(g, {0: 1.0})
    >>> r[0] > r[2] > r[3], round(sum(r.values()), 6)
    (True, 1.0)
    """
    total = float(sum(personalization.values()))
    if total <= 0:
        return {}
    nodes = list(graph)
    pos = {v: i for i, v in enumerate(nodes)}
    size = len(nodes)
    adj: list[list[tuple[int, float]]] = [[] for _ in range(size)]
    deg = [0.0] * size
    for u, v, w in graph.edges(data="weight", default=1.0):
        if u == v or w <= 0:
            continue
        iu, iv = pos[u], pos[v]
        adj[iu].append((iv, w))
        adj[iv].append((iu, w))
        deg[iu] += w
        deg[iv] += w
    score = [0.0] * size
    resid = [0.0] * size
    queue: deque[int] = deque()
    for v in sorted(personalization):
        if v in pos and personalization[v] > 0:
            i = pos[v]
            resid[i] += personalization[v] / total
            queue.append(i)
    keep = 1.0 - damping
    while queue:
        u = queue.popleft()
        ru = resid[u]
        du = deg[u]
        if du <= 0:
            score[u] += ru
            resid[u] = 0.0
            continue
        if ru < eps * du:
            continue
        score[u] += keep * ru
        resid[u] = 0.0
        share = damping * ru / du
        for v, w in adj[u]:
            before = resid[v]
            after = resid[v] = before + share * w
            limit = eps * deg[v]
            if after >= limit > before:
                queue.append(v)
    # What is left (below eps per unit degree) settles in place.
    return {nodes[i]: score[i] + resid[i] for i in range(size) if score[i] + resid[i] > 0}


register_engine(NetworkxEngine.name, NetworkxEngine)

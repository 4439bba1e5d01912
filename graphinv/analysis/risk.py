"""Risk: flagged shops and identifiers seed a personalized PageRank.

Seeds are nodes with ``flagged = true`` (a takedown, a test purchase, a
complaint); each seed's personalization weight grows with its number of flags.
The walk runs over the weighted evidence graph (shops and evidence groups,
hubs excluded), so risk flows along strong, specific identifiers and barely
along weak ones. Scores are scaled so the riskiest entity has 1.0.

Leads are unflagged shops whose score reaches ``lead_min``: the shops an
investigator should look at next.

>>> seed_weight(['{"flag": "takedown"}', '{"flag": "complaint"}'])
1.5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from graphinv.analysis.engine import ClusterEngine, EngineOptions
from graphinv.analysis.weighting import Evidence

__all__ = ["RiskScores", "seed_weight", "seeds_of", "score_risk", "cluster_risk"]


@dataclass
class RiskScores:
    """Scores in [0, 1] by shop ordinal and by group; ``raw`` keeps the PageRank mass."""

    shop: dict[int, float] = field(default_factory=dict)
    group: dict[int, float] = field(default_factory=dict)
    raw_shop: dict[int, float] = field(default_factory=dict)
    raw_group: dict[int, float] = field(default_factory=dict)
    flagged_shops: set[int] = field(default_factory=set)
    flagged_groups: set[int] = field(default_factory=set)
    leads: list[int] = field(default_factory=list)


def seed_weight(flags: Sequence[str] | None) -> float:
    """Personalization weight of a flagged node: 1, plus 0.5 per extra flag."""
    n = len(flags or ())
    return 1.0 + 0.5 * max(n - 1, 0)


def seeds_of(ev: Evidence) -> dict[int, float]:
    """Personalization vector over rank nodes (shop ordinal or ``n_shops + group``)."""
    proj = ev.proj
    seeds: dict[int, float] = {}
    n = ev.n_shops
    for node in proj.flagged:
        w = seed_weight(proj.flags.get(node))
        s = ev.shop_ord.get(node)
        if s is not None:
            seeds[s] = seeds.get(s, 0.0) + w
            continue
        g = ev.group(node)
        if g is not None and not ev.hub[g]:
            seeds[n + g] = seeds.get(n + g, 0.0) + w
    return seeds


def score_risk(ev: Evidence, engine: ClusterEngine, options: EngineOptions,
               lead_min: float = 0.1) -> RiskScores:
    """Run the engine's ranking from the flagged seeds and scale the scores."""
    seeds = seeds_of(ev)
    raw = engine.rank(ev, seeds, options)
    n = ev.n_shops
    out = RiskScores()
    for node in seeds:
        if node < n:
            out.flagged_shops.add(node)
        else:
            out.flagged_groups.add(node - n)
    for node, x in raw.items():
        if node < n:
            out.raw_shop[node] = x
        else:
            out.raw_group[node - n] = x
    top = max(raw.values(), default=0.0)
    if top > 0:
        out.shop = {s: round(x / top, 6) for s, x in out.raw_shop.items()}
        out.group = {g: round(x / top, 6) for g, x in out.raw_group.items()}
    leads = [s for s, r in out.shop.items()
             if r >= lead_min and s not in out.flagged_shops]
    leads.sort(key=lambda s: (-out.shop[s], ev.proj.ids[ev.shops[s]]))
    out.leads = leads
    return out


def cluster_risk(scores: RiskScores, clusters: Iterable[Sequence[int]]) -> list[float]:
    """Risk of each cluster in [0, 1]: the PageRank mass on its shops, scaled so the
    riskiest cluster has 1.0.

    >>> s = RiskScores(raw_shop={0: 0.5, 1: 0.2, 2: 0.1})
    >>> cluster_risk(s, [[0, 1], [2]])
    [1.0, 0.142857]
    """
    masses = [sum(scores.raw_shop.get(s, 0.0) for s in shops) for shops in clusters]
    top = max(masses, default=0.0)
    if top <= 0:
        return [0.0 for _ in masses]
    return [round(m / top, 6) for m in masses]

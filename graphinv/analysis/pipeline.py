"""``run_clusters(store, options)``: the whole clustering run, stage by stage.

projection → weighting (specificity, hubs) → engine partition (components, then
Louvain where needed) → risk (personalized PageRank from flagged seeds) →
reports → stable ids (history) → write-back (``cluster_id``, ``risk``, ``hub``,
``hub_reason``) and a ``ClusterRun`` record. Stage timings are kept in
:attr:`ClusterResult.timings` for the benchmarks.

:func:`last_run_results` gives the clusters of the latest recorded run (their ids
and members as stored) with their reports and graphs, for the view.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv._collector import collector_paused
from graphinv.analysis import decisions as dec
from graphinv.analysis import details as det
from graphinv.analysis import ganglike, history, report
from graphinv.analysis.engine import ClusterEngine, EngineOptions, get_engine
from graphinv.analysis.ganglike import reappearances
from graphinv.analysis.projection import LINK_RELS, Projection, project
from graphinv.analysis.risk import RiskScores, cluster_risk, score_risk
from graphinv.analysis.weighting import (
    Evidence,
    HubList,
    WeightOptions,
    build_evidence,
    read_hub_list,
)
from graphinv.config import DEFAULT_ENGINE
from graphinv.errors import GraphinvError, UsageError
from graphinv.store.base import Store

__all__ = ["ClusterOptions", "ClusterResult", "run_clusters", "last_run_results",
           "reappearances", "STAGES"]

#: Stage names, in order, as reported to ``progress`` (``timings`` splits
#: "clustering" into "components" and "communities").
STAGES = ("projection", "weighting", "clustering", "risk", "report", "write-back", "details")

ProgressFn = Callable[[str, str], None]

_WRITE_BATCH = 20_000
_RESULT_PROPS = ("cluster_id", "risk", "cluster_risk", "hub", "hub_reason")
# Written apart, on this run's and the previous run's hubs only: a few thousand nodes,
# where the results above go to millions (three more keys on each of those rows cost
# 1.8 GB of peak memory at 1M shops).
_HUB_PROPS = ("hub_shops", "hub_platforms", "hub_clusters")


@dataclass(frozen=True)
class ClusterOptions:
    """Everything a clustering run depends on (stored with the run).

    The seed is one of the engine's options (``engine.seed``), recorded once.

    >>> opts = ClusterOptions(engine=EngineOptions(seed=7))
    >>> params = opts.as_params()
    >>> params["engine"]["name"], params["engine"]["seed"], "seed" in params
    ('networkx', 7, False)
    >>> ClusterOptions.from_params(params) == opts
    True
    """

    min_shops: int = 2
    min_platforms: int = 1
    #: 0: clusters of shops without any known country are reported too.
    min_countries: int = 0
    hubs_file: Path | None = None
    lead_min: float = 0.1
    weights: WeightOptions = field(default_factory=WeightOptions)
    engine: EngineOptions = field(default_factory=EngineOptions)
    #: Registered name of the clustering engine (:func:`graphinv.analysis.engine.get_engine`).
    engine_name: str = DEFAULT_ENGINE
    write: bool = True
    details: bool = False
    #: CSV of analyst decisions (graphinv.analysis.decisions), added to the recorded ones.
    decisions_file: Path | None = None

    @property
    def seed(self) -> int:
        """The community-detection seed (kept in the engine options)."""
        return self.engine.seed

    def check(self) -> None:
        for name, least in (("min_shops", 1), ("min_platforms", 1), ("min_countries", 0)):
            if getattr(self, name) < least:
                raise UsageError(f"--{name.replace('_', '-')} must be at least {least}",
                                 value=getattr(self, name))
        if self.min_shops < 2:
            raise UsageError("--min-shops must be at least 2 (one shop is not a network)",
                             value=self.min_shops)

    def as_params(self) -> dict[str, Any]:
        """What the run record keeps: every option once, the engine with its name."""
        return {
            "min_shops": self.min_shops,
            "min_platforms": self.min_platforms,
            "min_countries": self.min_countries,
            "hubs_file": str(self.hubs_file) if self.hubs_file else None,
            "lead_min": self.lead_min,
            "weights": asdict(self.weights),
            "engine": {"name": self.engine_name, **asdict(self.engine)},
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ClusterOptions:
        """The options of a recorded run (see :meth:`as_params`), read-only.

        Records written before the engine name was kept (a top-level ``seed`` that
        overrode ``engine.seed``) read as the networkx engine with that seed.
        """
        engine = dict(params.get("engine") or {})
        name = str(engine.pop("name", None) or DEFAULT_ENGINE)
        if isinstance(params.get("seed"), int):
            engine["seed"] = params["seed"]
        hubs_file = params.get("hubs_file")
        # A key the record lacks keeps the class default (declared once, above).
        plain = {k: params[k] for k in ("min_shops", "min_platforms", "min_countries",
                                        "lead_min") if k in params}
        return cls(**plain, hubs_file=Path(hubs_file) if hubs_file else None,
                   weights=_known(WeightOptions, params.get("weights")),
                   engine=_known(EngineOptions, engine), engine_name=name)


def _known(cls: Any, values: Any) -> Any:
    """``cls(**values)`` with the keys ``cls`` knows (older records may hold others);
    JSON gave lists where ``cls`` keeps tuples."""
    given = dict(values or {})
    defaults = cls()
    kw = {}
    for f in fields(cls):
        if f.name in given:
            value = given[f.name]
            if isinstance(value, list) and isinstance(getattr(defaults, f.name), tuple):
                value = tuple(value)
            kw[f.name] = value
    return cls(**kw)


@dataclass
class ClusterResult:
    """What a run produced; every field is plain JSON-able data."""

    clusters: list[dict[str, Any]] = field(default_factory=list)
    hubs: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)
    ties: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    unmatched_hubs: list[str] = field(default_factory=list)
    run_key: str | None = None
    created: str | None = None
    engine: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    graphs: dict[str, dict[str, Any]] | None = None
    #: Analyst decisions applied by this run, and those naming nothing in the store.
    decisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def cluster(self, cluster_id: str) -> dict[str, Any]:
        for c in self.clusters:
            if c["cluster_id"] == cluster_id:
                return c
        raise UsageError("no such cluster in this run", value=cluster_id,
                         hint="see `graphinv clusters` for the cluster ids")


class _Clock:
    def __init__(self, progress: ProgressFn | None) -> None:
        self.timings: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.progress:
            self.progress(name, "start")
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0)
                                       + time.perf_counter() - t0, 4)
            if self.progress:
                self.progress(name, "done")


@dataclass
class _Kept:
    """The reported clusters (shop ordinals), their assigned groups and centralities."""

    clusters: list[list[int]]
    groups: dict[int, list[int]]
    cents: list[dict[int, float]]


def _countries(report_row: Mapping[str, Any]) -> int:
    return len(report_row["countries"])


def _sort_key(r: Mapping[str, Any]) -> tuple[Any, ...]:
    """The order new clusters take their fresh ids in (flag risk, then reach)."""
    return (-r["risk"], -len(r["platforms"]), -_countries(r), -r["shops"], r["members"][0])


def _listing_key(r: Mapping[str, Any]) -> tuple[Any, ...]:
    """The listing: by the cluster risk ``gang_likeness`` (graphinv.analysis.ganglike:
    features and the flag-seeded PageRank ``risk``), then ``risk`` and reach."""
    return (-r.get("gang_likeness", 0.0), *_sort_key(r))


def run_clusters(store: Store, options: ClusterOptions | None = None, *,
                 engine: ClusterEngine | None = None,
                 progress: ProgressFn | None = None) -> ClusterResult:
    """Cluster the shops in ``store``; write results back unless ``options.write`` is off.

    The engine is ``options.engine_name`` from the registry unless ``engine`` is given
    (then its ``name`` is what the run records).
    """
    opts = options or ClusterOptions()
    opts.check()
    eng = engine or get_engine(opts.engine_name)
    eopts = opts.engine
    clock = _Clock(progress)
    result = ClusterResult(engine=eng.name, params=opts.as_params())
    result.params["engine"]["name"] = eng.name
    # Every stage builds millions of small acyclic objects (at 1M shops the collector's
    # rescans cost 24 of the projection's 52 s on Neo4j); see graphinv._collector.
    previous = history.load_previous(store)
    # Analyst decisions: the store's, plus the file's (read before the long stages).
    decided = dec.Decided.for_run(store, previous, opts.decisions_file, write=opts.write)
    with collector_paused():
        with clock.stage("projection"):
            proj = project(store, with_results=opts.write)
        with clock.stage("weighting"):
            hubs = read_hub_list(opts.hubs_file, proj) if opts.hubs_file else HubList()
            result.unmatched_hubs = hubs.unmatched
            decided.resolve(proj)
            ev = build_evidence(proj, opts.weights, hubs, forced_hubs=decided.hubs(proj.index))
            decided.keep(ev)
        with clock.stage("clustering"):
            part = eng.partition(ev, eopts)
            linked = decided.link(part.clusters, ev)
        del clock.timings["clustering"]  # reported as its two parts
        clock.timings["components"] = round(part.timings.get("components", 0.0), 4)
        clock.timings["communities"] = round(part.timings.get("communities", 0.0), 4)
        with clock.stage("risk"):
            scores = score_risk(ev, eng, eopts, lead_min=opts.lead_min)
        with clock.stage("report"):
            kept = _build_reports(store, ev, linked, scores, opts, previous, result, decided)
        if opts.write:
            with clock.stage("write-back"):
                _write_back(store, ev, scores, result, kept)
        if opts.details:
            with clock.stage("details"):
                result.graphs = _cluster_graphs(store, ev, scores, result, kept)
    result.timings = clock.timings
    result.stats = {
        "shops": ev.n_shops,
        "nodes": proj.n_nodes,
        "links": proj.n_links,
        "groups": ev.n_groups,
        "hubs": len(result.hubs),
        "cores": part.cores,
        "split_components": part.split_components,
        "clusters": len(result.clusters),
        "clustered_shops": len(result.members),
        "flagged_shops": len(scores.flagged_shops),
        "leads": len(result.leads),
    }
    return result


def last_run_results(store: Store, *, details: bool = True,
                     progress: ProgressFn | None = None) -> ClusterResult:
    """The clusters of the latest recorded run, as the store holds them.

    Ids and member shops come from the run record (never recomputed, so the view
    shows exactly what ``graphinv clusters`` wrote); reports, ties, risk and, with
    ``details``, the cluster graphs are built on the current graph with the run's
    recorded engine and options, its hubs as marked in the store. Nothing is written.
    """
    previous = history.load_previous(store)
    if previous is None:
        raise GraphinvError("no clustering run in the store", value=store.location,
                            hint="run `graphinv clusters` first")
    opts = ClusterOptions.from_params(previous.params)
    eng = get_engine(opts.engine_name)
    clock = _Clock(progress)
    result = ClusterResult(engine=eng.name, params=opts.as_params(), run_key=previous.key,
                           created=previous.created)
    with collector_paused():
        with clock.stage("projection"):
            proj = project(store, with_results=True)
        with clock.stage("weighting"):
            # The run's hubs as it marked them (a hubs file may have moved since).
            decided = dec.Decided.recorded(previous.params)
            decided.resolve(proj)
            ev = build_evidence(proj, opts.weights, forced_hubs=proj.hub_reason,
                                detect=not proj.hub_reason)
            decided.keep(ev)
        with clock.stage("risk"):
            scores = score_risk(ev, eng, opts.engine, lead_min=opts.lead_min)
        with clock.stage("report"):
            clusters, missing = [], []
            for keys in previous.clusters.values():
                ords = []
                for key in keys:
                    node = proj.index.get(schema.node_id("Shop", key))
                    s = ev.shop_ord.get(node) if node is not None else None
                    if s is None:
                        missing.append(key)
                    else:
                        ords.append(s)
                clusters.append(sorted(ords))
            if missing:
                raise GraphinvError(
                    f"{len(missing)} shop(s) of the last clustering run are not in the store",
                    value=", ".join(missing[:5]),
                    hint="rerun `graphinv clusters` on this store")
            kept = _build_reports(store, ev, clusters, scores, opts, previous, result, decided,
                                  ids=list(previous.clusters))
        if details:
            with clock.stage("details"):
                result.graphs = _cluster_graphs(store, ev, scores, result, kept)
    result.timings = clock.timings
    result.stats = {"shops": ev.n_shops, "nodes": proj.n_nodes, "links": proj.n_links,
                    "hubs": len(result.hubs), "clusters": len(result.clusters),
                    "clustered_shops": len(result.members),
                    "flagged_shops": len(scores.flagged_shops), "leads": len(result.leads)}
    return result


def _build_reports(store: Store, ev: Evidence, clusters: list[list[int]], scores: RiskScores,
                   opts: ClusterOptions, previous: history.PreviousRun | None,
                   result: ClusterResult, decided: dec.Decided,
                   ids: list[str] | None = None) -> _Kept:
    """Reports of ``clusters``, ranked; their ids are ``ids`` (a recorded run: every
    cluster kept, no events) or are assigned against ``previous`` (a new run)."""
    proj = ev.proj
    group_cluster = report.assign_groups(ev, clusters)
    reports, cents = report.describe_clusters(ev, clusters, group_cluster,
                                              flagged=proj.flagged)
    keep = [i for i, r in enumerate(reports)
            if ids is not None or (
                r["shops"] >= opts.min_shops and len(r["platforms"]) >= opts.min_platforms
                and len(r["countries"]) >= opts.min_countries)]
    fixed = [ids[i] for i in keep] if ids is not None else None
    kept_clusters = [clusters[i] for i in keep]
    kept_groups: dict[int, list[int]] = {}
    new_index = {old: new for new, old in enumerate(keep)}
    for g, i in group_cluster.items():
        if i in new_index:
            kept_groups.setdefault(new_index[i], []).append(g)
    risks = cluster_risk(scores, kept_clusters)
    reports = [reports[i] for i in keep]
    cents = [cents[i] for i in keep]
    lead_set = set(scores.leads)
    back = reappearances(ev)
    for r, shops, risk in zip(reports, kept_clusters, risks, strict=True):
        r["risk"] = risk
        r["leads"] = [proj.ids[ev.shops[s]] for s in sorted(
            (s for s in shops if s in lead_set), key=lambda s: (-scores.shop[s], s))]
        r["reappeared"] = any(s in back for s in shops)
        # Gang-likeness (issue #21): structure and evidence, combined with the flag risk.
        values = ganglike.cluster_features(ev, shops)
        values["flag_risk"] = risk
        r["features"] = values
        r["gang_likeness"] = ganglike.combine(values)
        r["reasons"] = ganglike.top_reasons(values)
    order = sorted(range(len(reports)), key=lambda i: _sort_key(reports[i]))
    reports = [reports[i] for i in order]
    kept_clusters = [kept_clusters[i] for i in order]
    cents = [cents[i] for i in order]
    fixed = [fixed[i] for i in order] if fixed is not None else None
    position = {old: new for new, old in enumerate(order)}
    kept_groups = {position[i]: gs for i, gs in kept_groups.items()}

    shop_keys = [[proj.key_of(ev.shops[s]) for s in shops] for shops in kept_clusters]
    old = previous.clusters if previous else {}
    next_id = previous.next_id if previous else 1
    events: list[dict[str, Any]]
    if fixed is not None:
        ids, events = fixed, []
    else:
        ids, events = history.assign_ids(shop_keys, old, next_id)
    for r, cid in zip(reports, ids, strict=True):
        r["cluster_id"] = cid
    for r, shops in zip(reports, kept_clusters, strict=True):
        if not r["reappeared"]:
            continue
        hits = [(s, g, f) for s in shops for g, f in back.get(s, ())]
        events.append({
            "event": "reappeared",
            "cluster": r["cluster_id"],
            "shops": sorted({proj.ids[ev.shops[s]] for s, _, _ in hits}),
            "via": sorted({ev.rep(g) for _, g, _ in hits}),
            "flagged": sorted({proj.ids[f] for _, _, f in hits}),
        })

    labels = det.fetch_displays(store, report.wanted_labels(reports)
                                | {ev.rep(g) for g in range(ev.n_groups) if ev.hub[g]})
    report.fill_labels(reports, labels)
    result.clusters = reports
    result.hubs = report.hub_reports(ev, labels)
    result.ties = report.cluster_ties(ev, kept_clusters, ids)
    result.events = events
    cluster_of_shop = {s: i for i, shops in enumerate(kept_clusters) for s in shops}
    result.leads = [{
        "id": proj.ids[ev.shops[s]],
        "shop_id": proj.shop_id[ev.shops[s]],
        "platform": proj.platform[ev.shops[s]],
        "cluster_id": ids[cluster_of_shop[s]] if s in cluster_of_shop else None,
        "risk": scores.shop.get(s, 0.0),
    } for s in scores.leads]
    result.members = [{
        "id": proj.ids[ev.shops[s]],
        "shop_id": proj.shop_id[ev.shops[s]],
        "platform": proj.platform[ev.shops[s]],
        "cluster_id": cid,
        "risk": scores.shop.get(s, 0.0),
    } for cid, shops in zip(ids, kept_clusters, strict=True) for s in shops]
    result.params["next_id"] = max([previous.next_id if previous else 1]
                                   + [(history.parse_id(c) or 0) + 1 for c in ids])
    result.params["clusters"] = len(ids)
    decided.on_reports(reports)
    result.params["decisions"] = decided.record()
    result.decisions = decided.summary()
    # Ids were given in the flag-risk order above (stable across versions); the listing
    # is by the combined cluster risk, analyst decisions included.
    order = sorted(range(len(reports)), key=lambda i: _listing_key(reports[i]))
    result.clusters = [reports[i] for i in order]
    position = {old: new for new, old in enumerate(order)}
    return _Kept([kept_clusters[i] for i in order],
                 {position[i]: gs for i, gs in kept_groups.items()}, [cents[i] for i in order])


def _write_back(store: Store, ev: Evidence, scores: RiskScores, result: ClusterResult,
                kept: _Kept) -> None:
    """Replace the previous run's results on the nodes and record the run.

    Only nodes that get a result now or had one before are written (in batches):
    no full-label scans.
    """
    proj = ev.proj
    kept_clusters, kept_groups = kept.clusters, kept.groups
    ids = [r["cluster_id"] for r in result.clusters]
    rows: dict[int, dict[str, Any]] = {}

    def row(node: int) -> dict[str, Any]:
        r = rows.get(node)
        if r is None:
            r = rows[node] = dict.fromkeys(_RESULT_PROPS)
        return r

    for s, x in scores.shop.items():
        row(ev.shops[s])["risk"] = x
    for g, x in scores.group.items():
        for n in ev.group_nodes[g]:
            row(n)["risk"] = x
    risk_of_cluster = [r.get("risk") for r in result.clusters]
    for i, shops in enumerate(kept_clusters):
        for s in shops:
            r = row(ev.shops[s])
            r["cluster_id"] = ids[i]
            r["cluster_risk"] = risk_of_cluster[i]
            if r["risk"] is None:
                r["risk"] = 0.0
        for g in kept_groups.get(i, ()):
            for n in ev.group_nodes[g]:
                r = row(n)
                r["cluster_id"] = ids[i]
                r["cluster_risk"] = risk_of_cluster[i]
                if r["risk"] is None:
                    r["risk"] = 0.0
    for g in range(ev.n_groups):
        if ev.hub[g]:
            for n in ev.group_nodes[g]:
                r = row(n)
                r["hub"] = True
                r["hub_reason"] = ev.hub_reason.get(g, "")
    for node in proj.had_result:  # results of the previous run that no longer hold
        row(node)
    _set_props(store, proj, rows, _RESULT_PROPS)
    rows.clear()  # millions of small dicts: free them before the next step
    _write_hub_usage(store, ev, {ev.shops[s]: ids[i] for i, shops in enumerate(kept_clusters)
                                 for s in shops})
    key, created = history.new_run_key()
    clusters = {cid: sorted(proj.key_of(ev.shops[s]) for s in shops)
                for cid, shops in zip(ids, kept_clusters, strict=True)}
    history.record_run(store, key=key, created=created, params=result.params,
                       clusters=clusters, events=result.events)
    result.run_key, result.created = key, created


def _write_hub_usage(store: Store, ev: Evidence, cluster_of: dict[int, str]) -> None:
    """How widely each hub is used (``report.hub_usage``), on this run's hubs; cleared on
    the previous run's hubs that are hubs no more."""
    proj = ev.proj
    hubs = [n for g in range(ev.n_groups) if ev.hub[g] for n in ev.group_nodes[g]]
    usage: dict[int, tuple[Any, ...]] = dict(report.hub_usage(proj, hubs, cluster_of))
    for n in proj.hub_reason:
        usage.setdefault(n, (None, None, None))
    _set_props(store, proj, {n: dict(zip(_HUB_PROPS, v, strict=True)) for n, v in usage.items()},
               _HUB_PROPS)


def _set_props(store: Store, proj: Projection, rows: Mapping[int, Mapping[str, Any]],
               props: tuple[str, ...]) -> None:
    """Write ``props`` of each node in ``rows``, label by label, in key order and batches."""
    by_label: dict[str, list[dict[str, Any]]] = {}
    for node, r in rows.items():
        label, key = schema.split_node_id(proj.ids[node])
        by_label.setdefault(label, []).append({"key": key, **r})
    for label, items in sorted(by_label.items()):
        items.sort(key=lambda r: r["key"])
        for i in range(0, len(items), _WRITE_BATCH):
            store.set_node_props(label, items[i:i + _WRITE_BATCH], props)


def _cluster_graphs(store: Store, ev: Evidence, scores: RiskScores, result: ClusterResult,
                    kept: _Kept) -> dict[str, dict[str, Any]]:
    """Nodes and edges of every reported cluster, with display data and evidence."""
    proj = ev.proj
    kept_clusters, cents = kept.clusters, kept.cents
    member_sets = [set(r["members"]) for r in result.clusters]
    owner: dict[str, int] = {}
    for i, ms in enumerate(member_sets):
        for m in ms:
            owner.setdefault(m, i)
    shop_cluster = {ev.shops[s]: i for i, shops in enumerate(kept_clusters) for s in shops}
    links: list[list[tuple[str, str, str]]] = [[] for _ in result.clusters]
    for a, b, rc in zip(proj.src, proj.dst, proj.rel, strict=True):
        ia, ib = proj.ids[a], proj.ids[b]
        rel = LINK_RELS[rc]
        targets = {owner.get(ia)}
        if rel == "OPERATES":
            targets.add(shop_cluster.get(b))
        for t in targets:
            if t is not None:
                links[t].append((rel, ia, ib))
    node_sets: list[set[str]] = []
    where: dict[str, list[int]] = {}
    for i, ms in enumerate(member_sets):
        ns = set(ms)
        for _rel, a, b in links[i]:
            ns.add(a)
            ns.add(b)
        node_sets.append(ns)
        for nid in ns:
            where.setdefault(nid, []).append(i)
    for a, b in zip(proj.same_src, proj.same_dst, strict=True):
        ia, ib = proj.ids[a], proj.ids[b]
        for i in set(where.get(ia, ())) & set(where.get(ib, ())):
            links[i].append(("SAME_AS", ia, ib))
    all_nodes = set(where)
    props = det.fetch_nodes(store, all_nodes)
    evidence = det.fetch_evidence(store, (lk for ls in links for lk in ls))
    lead_ids = {x["id"] for x in result.leads}
    out: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(result.clusters):
        cent = {proj.ids[v]: c for v, c in cents[i].items()}
        nodes = []
        for nid in sorted(node_sets[i]):
            view = det.node_view(nid, props.get(nid, {}))
            idx = proj.index[nid]
            g = ev.group(idx)
            s = ev.shop_ord.get(idx)
            risk = scores.shop.get(s) if s is not None else (
                scores.group.get(g) if g is not None else None)
            view.update({
                "lead": nid in lead_ids,
                "hub": bool(g is not None and ev.hub[g]),
                "hub_reason": ev.hub_reason.get(g) if g is not None else None,
                "centrality": cent.get(nid, 0.0),
                "risk": risk,
            })
            nodes.append(view)
        edges = []
        for rel, a, b in sorted(set(links[i])):
            if rel == "OPERATES":
                g = ev.group(proj.index[a])
            else:
                g = ev.group(proj.index[b])
            weight = ev.weight[g] if g is not None else 0.0
            edges.append({"source": a, "target": b, "type": rel, "weight": round(weight, 6),
                          "evidence": evidence.get((rel, a, b), [])})
        out[r["cluster_id"]] = {"report": r, "nodes": nodes, "edges": edges}
    return out

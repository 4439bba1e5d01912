"""Explanations: the evidence chains between two entities, and why a cluster holds.

A chain is a path in the actor–identifier graph (shops, sellers, identifiers,
SAME_AS between spellings). Chains are ranked by cost, where passing through
an identifier costs ``1 / weight``: a shared phone is a short step, a shared
supplier a long one, a hub is not walked through at all (unless asked). Every
step carries the source records (file:line and the raw value) that assert it.

>>> step_cost(1.0), step_cost(0.25)
(0.5, 2.0)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Any

import networkx as nx

from graphinv import schema
from graphinv.analysis import details as det
from graphinv.analysis import history
from graphinv.analysis.decisions import Decided
from graphinv.analysis.projection import KINDS, LINK_RELS, Projection, project
from graphinv.analysis.weighting import Evidence, build_evidence
from graphinv.errors import InputError, UsageError
from graphinv.store.base import Store
from graphinv.types import match_key

__all__ = ["Explainer", "step_cost", "explain_pair", "explain_cluster"]

_SAME_AS_COST = 0.05
_MIN_WEIGHT = 0.01


def step_cost(weight: float) -> float:
    """Cost of one edge into or out of an identifier of ``weight`` (two per identifier)."""
    return 0.5 / max(weight, _MIN_WEIGHT)


@dataclass
class Explainer:
    """The projection and weighted evidence of a store, ready to explain links."""

    store: Store
    proj: Projection
    ev: Evidence

    @classmethod
    def load(cls, store: Store) -> Explainer:
        """Read the store; hubs marked by the last ``graphinv clusters`` run stay hubs."""
        proj = project(store, with_results=True)
        # The spellings the last run joined or kept apart by analyst decision.
        previous = history.load_previous(store)
        Decided.recorded(previous.params if previous else None).resolve(proj)
        # The hubs of the last run are the hubs (same reasons as reported); before
        # any run they are detected here.
        ev = build_evidence(proj, forced_hubs=proj.hub_reason, detect=not proj.hub_reason)
        return cls(store=store, proj=proj, ev=ev)

    # -- entity lookup ---------------------------------------------------
    def resolve(self, text: str) -> int:
        """Node index of a shop (shop_id, key or node id), seller or identifier
        (node id, ``Kind: raw`` or a raw value)."""
        proj = self.proj
        value = text.strip()
        if not value:
            raise UsageError("empty entity", hint="give a shop id, a node id or a raw value")
        hits: list[int] = []
        if value in proj.index:
            return proj.index[value]
        shop = proj.index.get(schema.node_id("Shop", value))
        if shop is not None:
            return shop
        hits = [i for i in proj.nodes_of("Shop") if proj.shop_id[i] == value]
        if not hits:
            head, sep, rest = value.partition(":")
            kinds = [head.strip()] if sep and head.strip() in KINDS else None
            raw = rest.strip() if kinds else value
            for kind in kinds or [k for k in KINDS if schema.NODE_KINDS[k].is_identifier]:
                if kind == "Shop":
                    continue
                if kind == "Seller":
                    hits += self._sellers(raw)
                    continue
                direct = proj.index.get(schema.node_id(kind, raw))
                key = direct is None and match_key(schema.NODE_KINDS[kind].normalizer, raw)
                idx = direct if direct is not None else (
                    proj.index.get(schema.node_id(kind, key)) if key else None)
                if idx is not None:
                    hits.append(idx)
            if not hits and kinds is None:
                hits = self._sellers(value)
        hits = sorted(set(hits), key=lambda i: proj.ids[i])
        if not hits:
            raise InputError("no shop, seller or identifier matches", value=repr(text),
                             hint="use a shop_id, a node id like 'Phone:+8613800138000' "
                                  "or 'Kind: raw value'")
        if len(hits) > 1:
            raise UsageError("several entities match", value=repr(text),
                             hint="use one of the node ids: "
                                  + ", ".join(proj.ids[i] for i in hits[:5]))
        return hits[0]

    def _sellers(self, raw: str) -> list[int]:
        key = match_key(schema.NODE_KINDS["Seller"].normalizer, raw)
        if not key:
            return []
        return [i for i in self.proj.nodes_of("Seller")
                if self.proj.key_of(i).partition(":")[2] == key]

    # -- graph -------------------------------------------------------------
    def _weight_of(self, node: int, via_hubs: bool) -> float | None:
        """Weight of passing through ``node``; None if it may not be walked through."""
        g = self.ev.group(node)
        if g is None:  # a shop
            return 1.0
        if self.ev.hub[g]:
            return self.ev.base_weight[g] if via_hubs else None
        return self.ev.base_weight[g]

    def _ball(self, start: int, max_hops: int, via_hubs: bool) -> nx.Graph:
        """The weighted graph within ``max_hops`` edges of ``start``."""
        proj = self.proj
        adj: dict[int, list[tuple[int, str]]] = {}
        for a, b, rc in zip(proj.src, proj.dst, proj.rel, strict=True):
            rel = LINK_RELS[rc]
            adj.setdefault(a, []).append((b, rel))
            adj.setdefault(b, []).append((a, rel))
        for a, b in zip(proj.same_src, proj.same_dst, strict=True):
            adj.setdefault(a, []).append((b, "SAME_AS"))
            adj.setdefault(b, []).append((a, "SAME_AS"))
        graph = nx.Graph()
        graph.add_node(start)
        depth = {start: 0}
        queue = deque([start])
        while queue:
            u = queue.popleft()
            if depth[u] >= max_hops:
                continue
            if u != start and self._weight_of(u, via_hubs) is None:
                continue  # a hub: reachable, not walked through
            for v, rel in adj.get(u, ()):
                if rel == "SAME_AS":
                    cost = _SAME_AS_COST
                else:
                    carrier = self._carrier(u, v, rel)
                    cost = step_cost(self._weight_of(carrier, True) or _MIN_WEIGHT)
                if v not in graph and self._weight_of(v, via_hubs) is None:
                    graph.add_node(v, hub=True)
                if not graph.has_edge(u, v):
                    graph.add_edge(u, v, cost=cost, rel=rel)
                if v not in depth:
                    depth[v] = depth[u] + 1
                    queue.append(v)
        return graph

    # -- explanations ------------------------------------------------------
    def pair(self, a: str, b: str, *, max_paths: int = 3, max_hops: int = 8,
             via_hubs: bool = False) -> dict[str, Any]:
        """The cheapest evidence chains between ``a`` and ``b`` (at most ``max_paths``)."""
        ia, ib = self.resolve(a), self.resolve(b)
        proj = self.proj
        out: dict[str, Any] = {"a": proj.ids[ia], "b": proj.ids[ib], "chains": []}
        if ia == ib:
            raise UsageError("both sides are the same entity", value=proj.ids[ia])
        graph = self._ball(ia, max_hops, via_hubs)
        if ib not in graph:
            return out
        hub_nodes = {v for v, h in graph.nodes(data="hub") if h and v not in (ia, ib)}
        walk = graph.subgraph(set(graph) - hub_nodes)
        try:
            paths = list(islice(nx.shortest_simple_paths(walk, ia, ib, weight="cost"),
                                max_paths))
        except nx.NetworkXNoPath:
            return out
        paths = [p for p in paths if len(p) - 1 <= max_hops]
        links = []
        for p in paths:
            for u, v in zip(p, p[1:], strict=False):
                links.append(self._link(graph, u, v))
        evidence = det.fetch_evidence(self.store, (lk for lk in links if lk[0] != "SAME_AS"))
        nodes = det.fetch_nodes(self.store, {proj.ids[v] for p in paths for v in p})
        for p in paths:
            chain = []
            for u, v in zip(p, p[1:], strict=False):
                rel, src, dst = self._link(graph, u, v)
                chain.append({
                    "from": self._view(u, nodes),
                    "to": self._view(v, nodes),
                    "type": rel,
                    "direction": "forward" if proj.ids[u] == src else "backward",
                    "evidence": evidence.get((rel, src, dst), []),
                })
            cost = sum(graph.edges[u, v]["cost"] for u, v in zip(p, p[1:], strict=False))
            out["chains"].append({"hops": len(p) - 1, "cost": round(cost, 4), "steps": chain})
        return out

    def _carrier(self, u: int, v: int, rel: str) -> int:
        """The endpoint of a link that carries the evidence: the identifier (the
        Seller for OPERATES)."""
        if rel == "OPERATES":
            return u if self.proj.kind_of(u) == "Seller" else v
        return v if self.proj.kind_of(v) in schema.REL_TYPES[rel].targets else u

    def _link(self, graph: nx.Graph, u: int, v: int) -> tuple[str, str, str]:
        """``(rel, src id, dst id)`` as stored (actor -> identifier, Seller -> Shop)."""
        rel = graph.edges[u, v]["rel"]
        proj = self.proj
        if rel == "SAME_AS":
            a, b = sorted((proj.ids[u], proj.ids[v]))
            return rel, a, b
        carrier = self._carrier(u, v, rel)
        other = v if carrier == u else u
        if rel == "OPERATES":
            return rel, proj.ids[carrier], proj.ids[other]
        return rel, proj.ids[other], proj.ids[carrier]

    def _view(self, node: int, nodes: dict[str, dict[str, Any]]) -> dict[str, Any]:
        nid = self.proj.ids[node]
        view = det.node_view(nid, nodes.get(nid, {}))
        g = self.ev.group(node)
        view["weight"] = round(self.ev.base_weight[g], 4) if g is not None else None
        view["hub"] = bool(g is not None and self.ev.hub[g])
        return {k: view[k] for k in ("id", "kind", "label", "raws", "platform", "shop_id",
                                     "weight", "hub")}

    def cluster(self, cluster_id: str, *, max_bonds: int = 200) -> dict[str, Any]:
        """Why ``cluster_id`` holds together: shared identifiers, the strongest
        spanning chain of bonds between its shops (with evidence), hubs ignored."""
        proj, ev = self.proj, self.ev
        shops = sorted(s for s in range(ev.n_shops)
                       if proj.cluster_id.get(ev.shops[s]) == cluster_id)
        if not shops:
            raise InputError("no such cluster in the store", value=cluster_id,
                             hint="run `graphinv clusters` and use one of its ids")
        wanted = set(shops)
        shared: dict[int, list[int]] = {}
        for s in shops:
            for g in ev.groups_of_shop(s):
                shared.setdefault(g, []).append(s)
        graph = nx.Graph()
        graph.add_nodes_from(shops)
        for g, members in sorted(shared.items()):
            if ev.hub[g] or len(members) < 2:
                continue
            for x, y in zip(members, members[1:], strict=False):
                w = ev.weight[g]
                if not graph.has_edge(x, y) or graph.edges[x, y]["weight"] < w:
                    graph.add_edge(x, y, weight=w, group=g)
        tree = nx.maximum_spanning_tree(graph, weight="weight")
        bonds_raw = sorted(tree.edges(data=True), key=lambda e: (-e[2]["weight"], e[0], e[1]))
        links: list[tuple[str, str, str]] = []
        for x, y, data in bonds_raw[:max_bonds]:
            g = data["group"]
            for s in (x, y):
                links.extend(self._shop_links(s, g))
        evidence = det.fetch_evidence(self.store, links)
        labels = det.fetch_displays(self.store, {ev.rep(g) for g in shared}
                                    | {proj.ids[ev.shops[s]] for s in shops})

        def shop_view(s: int) -> dict[str, Any]:
            n = ev.shops[s]
            return {"id": proj.ids[n], "shop_id": proj.shop_id[n], "platform": proj.platform[n],
                    "label": labels.get(proj.ids[n], proj.shop_id[n])}

        bonds = []
        for x, y, data in bonds_raw[:max_bonds]:
            g = data["group"]
            ev_records = []
            for s in (x, y):
                for lk in self._shop_links(s, g):
                    ev_records.extend(evidence.get(lk, []))
            bonds.append({
                "a": shop_view(x), "b": shop_view(y),
                "via": {"id": ev.rep(g), "kind": ev.group_kind[g],
                        "label": labels.get(ev.rep(g), ev.rep(g)),
                        "weight": round(ev.weight[g], 4),
                        "strength": "strong" if ev.strong[g] else "weak"},
                "evidence": ev_records,
            })
        identifiers = [
            {"id": ev.rep(g), "kind": ev.group_kind[g], "label": labels.get(ev.rep(g), ev.rep(g)),
             "shops": len(m), "weight": round(ev.weight[g], 4),
             "strength": "strong" if ev.strong[g] else "weak"}
            for g, m in sorted(shared.items(), key=lambda kv: (-len(kv[1]), -ev.weight[kv[0]],
                                                               ev.rep(kv[0])))
            if len(m) >= 2 and not ev.hub[g]
        ]
        hubs = [
            {"id": ev.rep(g), "kind": ev.group_kind[g], "label": labels.get(ev.rep(g), ev.rep(g)),
             "shops": len(m), "reason": ev.hub_reason.get(g, "")}
            for g, m in sorted(shared.items(), key=lambda kv: (-len(kv[1]), ev.rep(kv[0])))
            if ev.hub[g]
        ]
        platforms = sorted({p for s in shops if (p := proj.platform[ev.shops[s]])})
        countries = sorted({c for s in shops if (c := proj.country[ev.shops[s]])})
        pieces = nx.number_connected_components(graph)
        strong = sum(1 for i in identifiers if i["strength"] == "strong")
        summary = (
            f"{cluster_id}: {len(shops)} shops on {len(platforms)} platform(s) in "
            + (f"{len(countries)} country(ies)" if countries else "unknown countries")
            + f", held together by {len(identifiers)} shared "
            f"identifier(s) ({strong} strong, {len(identifiers) - strong} weak)"
            + (f"; {len(hubs)} hub(s) ignored" if hubs else "")
            + ("" if pieces == 1 else f"; {pieces} pieces joined by community detection")
        )
        member_ids = [proj.ids[ev.shops[s]] for s in shops if s in wanted]
        # Decisions on its shops, its sellers and identifiers (every spelling), hubs too.
        touched = set(member_ids) | {proj.ids[n] for g in shared for n in ev.group_nodes[g]}
        decided = _decisions_on(self.store, cluster_id, touched)
        for d in decided:
            if d["decision"] == "same":
                summary += f"; {d['a']} and {d['b']} linked by {d['provenance']}"
            elif d["decision"] == "not-same":
                summary += f"; {d['a']} and {d['b']} kept apart by {d['provenance']}"
            elif d["decision"] in ("hub", "not-hub"):
                how = "a hub" if d["decision"] == "hub" else "evidence, not a hub"
                summary += f"; {d['a']} counted as {how} by {d['provenance']}"
            else:
                summary += f"; {d['decision']} by {d['provenance']}"
        return {"cluster_id": cluster_id, "summary": summary, "shops": len(shops),
                "platforms": platforms, "countries": countries, "identifiers": identifiers,
                "bonds": bonds, "hubs_ignored": hubs, "pieces": pieces,
                "members": member_ids, "decisions": decided}

    def _shop_links(self, s: int, g: int) -> list[tuple[str, str, str]]:
        """The stored links that put shop ordinal ``s`` into group ``g``."""
        proj, ev = self.proj, self.ev
        shop = ev.shops[s]
        nodes = set(ev.group_nodes[g])
        out = []
        kind = ev.group_kind[g]
        if kind == "Seller":
            for n in nodes:
                out.append(("OPERATES", proj.ids[n], proj.ids[shop]))
            return out
        rel = schema.rel_type_for("Shop", kind)
        for n in nodes:
            out.append((rel, proj.ids[shop], proj.ids[n]))
        return out


def _decisions_on(store: Store, cluster_id: str, nodes: set[str]) -> list[dict[str, Any]]:
    """The analyst decisions the last run applied about this cluster or its shops,
    sellers and identifiers (with provenance and the decision's id in the store)."""
    from graphinv.analysis import decision_log
    from graphinv.analysis.decisions import from_params

    previous = history.load_previous(store)
    ids = {x.decision: x.key for x in decision_log.load(store, include_revoked=True)}
    out = []
    for d in from_params(previous.params if previous else {}):
        if (d.decision in ("not-a-gang", "confirmed") and d.a.upper() == cluster_id) or (
                d.decision in ("same", "not-same") and ({d.a, d.b} & nodes)) or (
                d.decision in ("hub", "not-hub") and d.a in nodes):
            out.append({"decision": d.decision, "a": d.a, "b": d.b,
                        "provenance": d.provenance, "id": ids.get(d)})
    return out


def explain_pair(store: Store, a: str, b: str, **kw: Any) -> dict[str, Any]:
    """Shortcut: :meth:`Explainer.pair` on a freshly loaded store."""
    return Explainer.load(store).pair(a, b, **kw)


def explain_cluster(store: Store, cluster_id: str) -> dict[str, Any]:
    """Shortcut: :meth:`Explainer.cluster` on a freshly loaded store."""
    return Explainer.load(store).cluster(cluster_id)

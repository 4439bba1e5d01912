"""The pages ``graphinv view`` writes: which clusters get a page, and results read
from a JSON file instead of the store.

>>> reports = [{"cluster_id": "G-0002"}, {"cluster_id": "G-0001"}]
>>> graphs = {"G-0001": {}, "G-0002": {}, "G-0003": {}}
>>> pick_pages(reports, graphs, top=2)
['G-0002', 'G-0001']
>>> pick_pages(reports, graphs, wanted=["G-0003", "G-0003"])
['G-0003']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphinv.errors import InputError, UsageError

__all__ = ["ViewSite", "ViewWritten", "pick_pages", "read_site_file", "write_view"]


@dataclass
class ViewSite:
    """Reports, cluster graphs (by cluster id) and the ties between clusters."""

    reports: list[dict[str, Any]]
    graphs: dict[str, dict[str, Any]]
    ties: list[dict[str, Any]]
    #: The provenance stamp of every page and export (render.stamp.make_stamp).
    provenance: dict[str, Any] | None = None


@dataclass
class ViewWritten:
    """Where the index went, which clusters got a page and how many did not."""

    index: Path
    pages: list[str]
    left: int


def pick_pages(reports: Sequence[Mapping[str, Any]], graphs: Mapping[str, Any], *,
               wanted: Sequence[str] | None = None, top: int = 100) -> list[str]:
    """The cluster ids to write pages for: ``wanted`` (each must have a graph), else
    the first ``top`` in report order (0 = all)."""
    known = list(dict.fromkeys([str(r.get("cluster_id")) for r in reports]
                               + [str(c) for c in graphs]))
    if wanted:
        missing = [c for c in wanted if c not in graphs]
        if missing:
            raise UsageError("no such cluster", value=", ".join(missing),
                             hint="known: " + (", ".join(known[:10])
                                               or "none — run `graphinv clusters`"))
        return list(dict.fromkeys(wanted))
    order = [c for c in known if c in graphs]
    return order if top == 0 else order[:top]


def write_view(site: ViewSite, out: Path, *, wanted: Sequence[str] | None = None,
               top: int = 100, max_nodes: int | None = None) -> ViewWritten:
    """Write the index (every cluster) and the pages :func:`pick_pages` chooses into
    ``out``, a directory graphinv owns (:func:`graphinv.render.outdir.publish`)."""
    from graphinv.render.html import DEFAULT_MAX_NODES, write_site
    from graphinv.render.outdir import publish

    pages = pick_pages(site.reports, site.graphs, wanted=wanted, top=top)
    chosen = {c: site.graphs[c] for c in pages}
    limit = DEFAULT_MAX_NODES if max_nodes is None else max_nodes
    index = publish(out, "view", lambda stage: write_site(site.reports, chosen, site.ties,
                                                          stage, max_nodes=limit,
                                                          provenance=site.provenance))
    return ViewWritten(index=index, pages=pages, left=len(set(site.graphs) - set(pages)))


def read_site_file(path: Path) -> ViewSite:
    """A site from a JSON file ``{"reports": [...], "graphs": {...}, "overview_edges": [...]}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise InputError("cannot read the cluster results file", value=str(path),
                         hint=f"give a JSON file with reports, graphs, overview_edges ({why})"
                         ) from None
    shape = '{"reports": [{...}], "graphs": {"ID": {"nodes": [{...}], "edges": [{...}]}}, ' \
        '"overview_edges": [{...}]}'
    if not isinstance(data, dict):
        raise InputError("not a cluster results file", value=f"{path}: a JSON "
                         f"{type(data).__name__}", hint=f"expected {shape}")
    reports = data.get("reports") or []
    graphs = data.get("graphs") or {}
    ties = data.get("overview_edges") or []
    problem = _shape_problem(reports, graphs, ties)
    if problem:
        raise InputError("not a cluster results file", value=f"{path}: {problem}",
                         hint=f"expected {shape}")
    from graphinv.render.stamp import make_stamp

    stamp = data.get("provenance") if isinstance(data.get("provenance"), dict) else None
    if stamp is None:
        # A results file has no ingest runs behind it that we could vouch for: name the file.
        stamp = make_stamp(inputs=[{"file": path.name, "path": str(path),
                                    "sha256": _sha256(path), "rows": None,
                                    "run": "— (cluster results file given with --input)"}])
    return ViewSite(list(reports), graphs, ties, stamp)


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _shape_problem(reports: Any, graphs: Any, ties: Any) -> str | None:
    """What is wrong with the shape of a results file (the renderer trusts it)."""
    if not isinstance(reports, list) or not all(isinstance(r, dict) for r in reports):
        return '"reports" must be a list of objects'
    if not isinstance(ties, list) or not all(isinstance(t, dict) for t in ties):
        return '"overview_edges" must be a list of objects'
    if not isinstance(graphs, dict):
        return '"graphs" must map cluster ids to graphs'
    for cid, g in graphs.items():
        if not isinstance(g, dict):
            return f"graph {cid[:80]!r} is not an object"
        for part in ("nodes", "edges"):
            items = g.get(part) or []
            if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
                return f'"{part}" of graph {cid[:80]!r} must be a list of objects'
    return None

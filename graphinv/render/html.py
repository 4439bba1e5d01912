"""HTML pages: one per cluster plus an index, self-contained and offline.

pyvis builds the vis-network data (nodes, edges, options — assigned directly,
``add_node`` is quadratic); our own Jinja2 templates (autoescaped) write the
page, because pyvis's template loads scripts from CDNs, inserts the heading
unescaped and switches tooltips to ``innerHTML`` when a title contains
``href``. Here titles are plain text, all data goes through
:func:`graphinv.render.assets.script_json`, and a Content-Security-Policy
allows only our own inline scripts.

Layout is computed in Python (:mod:`graphinv.render.layout`) and shipped
with physics off, so a 1,000-node cluster draws in a second or two.

>>> import tempfile, pathlib
>>> graph = {"nodes": [{"id": "Shop:x:1", "kind": "Shop"}, {"id": "Shop:x:2", "kind": "Shop"},
...                    {"id": "Phone:+1", "kind": "Phone"}],
...          "edges": [{"source": s, "target": "Phone:+1", "type": "USES_PHONE"}
...                    for s in ("Shop:x:1", "Shop:x:2")]}
>>> reports = [{"cluster_id": "G-0001", "shops": 2}, {"cluster_id": "G-0002", "shops": 2}]
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> index = write_site(reports, {"G-0001": graph, "G-0002": graph}, [], out)
>>> index.name, (out / "cluster-G-0001.html").exists(), (out / "cluster-G-0002.gexf").exists()
('index.html', True, True)
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphinv.errors import UsageError
from graphinv.render.assets import (
    VIS_VERSION,
    asset_text,
    csp,
    csp_shared,
    inline_script,
    inline_style,
    script_json,
    shared_files,
    vis_css,
    vis_js,
)
from graphinv.render.exports import export_names, write_cluster_exports
from graphinv.render.layout import spring_layout
from graphinv.render.model import Graph, prepare_graph, prepare_report
from graphinv.render.reduce import DEFAULT_MAX_NODES, reduce_graph
from graphinv.render.safe import line, number, safe_filename, short, text
from graphinv.render.stamp import (
    cluster_stamp,
    make_stamp,
    sidecar_path,
    sidecar_text,
    stamp_lines,
)
from graphinv.render.timeline import shop_rows, timeline
from graphinv.render.vis import (
    _EVIDENCE_ROWS,
    _fmt,
    _options,
    _pyvis_payload,
    _record,
    _shown,
    _vis_graph,
)
from graphinv.util.tabular import to_csv, to_json, write_text_atomic

__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_MAX_PAGES",
    "OVERVIEW_MAX_CLUSTERS",
    "OVERVIEW_ALL_TIES_MAX",
    "OVERVIEW_TIE_MIN",
    "RenderedPage",
    "render_cluster_page",
    "render_index_page",
    "write_site",
    "cluster_stems",
]

#: At most this many cluster pages per site unless asked.
DEFAULT_MAX_PAGES = 500
#: The overview graph on the index page draws at most this many clusters
#: (highest risk first); the table always lists all of them.
OVERVIEW_MAX_CLUSTERS = 1500
#: Above this many clusters the overview draws only ties of weight >= OVERVIEW_TIE_MIN.
OVERVIEW_ALL_TIES_MAX = 100
OVERVIEW_TIE_MIN = 0.5


@dataclass
class RenderedPage:
    """One page's HTML and what it cost (bench: sizes in bytes, times in seconds)."""

    html: str
    data_bytes: int
    drawn_nodes: int
    drawn_edges: int
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- helpers


@functools.cache
def _env() -> Any:
    from jinja2 import Environment, FunctionLoader, StrictUndefined
    from markupsafe import Markup

    # Every text a template prints is one line (safe.line): a value holding a newline or a
    # bidi override shows it as ⏎ / [U+202E] instead of breaking or reordering our text.
    # Markup (the inlined library, the data JSON) is ours and passes unchanged.
    def _one_line(value: Any) -> Any:
        return line(value) if isinstance(value, str) and not isinstance(value, Markup) else value

    return Environment(loader=FunctionLoader(asset_text), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       finalize=_one_line)


@functools.cache
def _static(shared: bool = False) -> dict[str, Any]:
    """Template context for the scripts and styles: inlined (a page on its own), or
    ``shared``: loaded from the view's ``assets/`` files (:func:`shared_files`)."""
    from markupsafe import Markup

    from graphinv import __version__

    if shared:
        paths = list(shared_files())
        css_href = next(p for p in paths if p.endswith(".css"))
        vis_src = next(p for p in paths if p.startswith("assets/vis-network"))
        app_src = next(p for p in paths if p.endswith(".js") and p != vis_src)
        return {"shared": True, "css_href": css_href, "vis_src": vis_src, "app_src": app_src,
                "vis_js": "", "vis_css": "", "app_js": "", "app_css": "",
                "csp": csp_shared(), "version": __version__, "vis_version": VIS_VERSION}
    js, css = vis_js(), vis_css()
    app_js = inline_script(asset_text("graphinv.js"))
    app_css = inline_style(asset_text("graphinv.css"))
    return {
        "shared": False, "css_href": "", "vis_src": "", "app_src": "",
        "vis_js": Markup(js), "vis_css": Markup(css), "app_js": Markup(app_js),
        "app_css": Markup(app_css), "csp": csp([js, app_js], [css, app_css]),
        "version": __version__, "vis_version": VIS_VERSION,
    }


# ---------------------------------------------------------------- cluster page


def _top_evidence(g: Graph) -> list[dict[str, str]]:
    labels = {n["id"]: short(n["label"], 40) for n in g.nodes}
    top = [t["id"] for t in g.report["top_identifiers"]] or [
        n["id"] for n in sorted(g.nodes, key=lambda n: -n["centrality"])[:5]]
    rank = {nid: i for i, nid in enumerate(top)}
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in g.edges:
        for nid in (e["target"], e["source"]):
            if nid in rank and e["evidence"]:
                per[nid].append(e)
                break
    rows = []
    for nid in top:
        for e in sorted(per.get(nid, []), key=lambda e: -e["weight"])[:3]:
            link = f"{labels[e['source']]} —{e['type']}→ {labels[e['target']]}"
            for ev in e["evidence"][:1]:
                rows.append({"link": link, "record": _record(ev)})
        if len(rows) >= _EVIDENCE_ROWS:
            break
    return rows[:_EVIDENCE_ROWS]


def render_cluster_page(
    graph: Graph | Mapping[str, Any],
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    seed: int = 7,
    stem: str | None = None,
    provenance: Mapping[str, Any] | None = None,
    shared_assets: bool = False,
) -> RenderedPage:
    """The HTML of one cluster page (not written). ``graph`` may be a contract dict;
    ``provenance`` is shown in the page footer (default: when and by which graphinv).
    The page inlines its scripts, or with ``shared_assets`` loads them from the files of
    :func:`graphinv.render.assets.shared_files` beside it."""
    t0 = time.perf_counter()
    g = graph if isinstance(graph, Graph) else prepare_graph(graph)
    r = g.report
    stem = stem or safe_filename(r["cluster_id"])
    key_entities = [k["id"] for k in r["key_entities"]]
    red = reduce_graph(g.nodes, g.edges, max_nodes=max_nodes, cluster_id=r["cluster_id"],
                       key_entities=key_entities)
    t1 = time.perf_counter()
    payload, timings = _vis_graph(g, red, seed)
    data_json = script_json({"page": "cluster", "cluster_id": r["cluster_id"],
                             "graph": payload})
    labels = {n["id"]: n["label"] for n in g.nodes}
    names = export_names(stem)
    ctx: dict[str, Any] = dict(_static(shared_assets))
    ctx.update(
        r=r,
        risk_text=_fmt(r["risk"]),
        gang_text=_fmt(r["gang_likeness"]),
        note=red.note,
        joined_note=_joined_note(g),
        timeline=timeline(shop_rows(g.nodes)),
        stamp=stamp_lines(provenance or make_stamp()),
        problems=g.problems,
        total_nodes=f"{len(g.nodes):,}",
        drawn_nodes=f"{len(red.nodes):,}",
        drawn_edges=f"{len(red.edges):,}",
        leads=[short(labels.get(lid, lid), 60) for lid in r["leads"]],
        key_entities=[{"label": short(e["label"], 60), "kind": e["kind"],
                       "value": _fmt(e["centrality"])} for e in r["key_entities"]],
        top_identifiers=[{"label": short(e["label"], 60), "kind": e["kind"],
                          "value": e["shops"]} for e in r["top_identifiers"]],
        evidence=_top_evidence(g),
        exports=[("JSON", names["json"]), ("GraphML", names["graphml"]),
                 ("GEXF (Gephi)", names["gexf"]), ("Members CSV", names["csv"]),
                 ("CSV provenance", names["csv_provenance"])],
        data_json=_markup(data_json),
    )
    html = _env().get_template("cluster.html.j2").render(**ctx)
    t2 = time.perf_counter()
    timings.update(reduce_s=t1 - t0, total_s=t2 - t0)
    return RenderedPage(html, len(data_json.encode("utf-8")), len(red.nodes), len(red.edges),
                        timings)


#: Per cluster page, at most this many entities go into the index's search (the largest
#: clusters are reduced on their page anyway; the exports list every node).
SEARCH_ITEMS_PER_CLUSTER = 5000


def _search_items(g: Graph, page: int) -> list[list[Any]]:
    """``[text to match, page number, label, kind]`` for the cross-cluster search: label,
    normalized key, raw spellings (all SAME_AS aliases too), shop id and URL."""
    out = []
    for n in g.nodes[:SEARCH_ITEMS_PER_CLUSTER]:
        words = [n["label"], n["key"], *n["raws"], n["shop_id"] or "", n["url"] or ""]
        words += [a["label"] for a in n.get("aliases") or []]
        hay = " | ".join(dict.fromkeys(w for w in words if w)).lower()
        out.append([hay[:600], page, short(n["label"], 60), n["kind"]])
    return out


def _joined_note(g: Graph) -> str:
    if not g.joined:
        return ""
    return (f"{g.joined:,} spelling node{'s' if g.joined != 1 else ''} joined by SAME_AS "
            "into the node that stands for the same address or supplier: one node per "
            "real-world entity, each listing its spellings and sources.")


def _markup(s: str) -> Any:
    from markupsafe import Markup

    return Markup(s)


# ---------------------------------------------------------------- index page


def _risk_color(risk: float | None, top: float) -> str:
    if risk is None:
        return "#b0b0b0"
    x = max(0.0, min(1.0, risk / top)) if top > 0 else 0.0
    stops = ((0.0, (77, 175, 74)), (0.5, (255, 200, 47)), (1.0, (228, 26, 28)))
    for (x0, c0), (x1, c1) in zip(stops, stops[1:], strict=False):
        if x <= x1:
            f = (x - x0) / (x1 - x0)
            return "#{:02x}{:02x}{:02x}".format(*(int(a + (b - a) * f) for a, b in zip(c0, c1,
                                                                                       strict=True)))
    return "#e41a1c"


def render_index_page(
    reports: Sequence[Mapping[str, Any]],
    overview_edges: Sequence[Mapping[str, Any]],
    stems: Mapping[str, str],
    *,
    title: str = "graphinv clusters",
    seed: int = 7,
    note: str = "",
    provenance: Mapping[str, Any] | None = None,
    search: Mapping[str, Any] | None = None,
    shared_assets: bool = False,
) -> RenderedPage:
    """The index: every cluster in a sortable table, an overview graph of clusters.

    ``stems`` maps cluster ids that have a page to their file stem; ``note`` is
    shown above the graph.
    """
    t0 = time.perf_counter()
    reps = [prepare_report(r) for r in reports]
    reps.sort(key=lambda r: (r["risk"] is None, -(r["risk"] or 0.0), -r["shops"],
                             r["cluster_id"]))
    rows = []
    for r in reps:
        stem = stems.get(r["cluster_id"])
        rows.append({
            "id": _shown(r["cluster_id"]),
            "href": f"cluster-{stem}.html" if stem else None,
            "shops": r["shops"], "sellers": r["sellers"],
            "platforms": ", ".join(_shown(p) for p in r["platforms"]),
            "countries": ", ".join(_shown(c) for c in r["countries"]),
            "risk": _fmt(r["risk"]), "risk_sort": "" if r["risk"] is None else r["risk"],
            "flagged": r["flagged_shops"], "reappeared": "yes" if r["reappeared"] else "no",
        })
    shown = reps[:OVERVIEW_MAX_CLUSTERS]
    index = {r["cluster_id"]: i for i, r in enumerate(shown)}
    top = max((r["risk"] for r in shown if r["risk"] is not None), default=1.0)
    ties: list[tuple[int, int, Mapping[str, Any]]] = []
    for e in overview_edges:
        if not isinstance(e, Mapping):
            continue
        a, b = text(e.get("source")), text(e.get("target"))
        if a in index and b in index and a != b:
            ties.append((index[a], index[b], e))
    faint = 0
    if len(shown) > OVERVIEW_ALL_TIES_MAX:
        # A large overview is a hairball if every weak tie is drawn: only the stronger ones.
        kept = [t for t in ties if (number(t[2].get("weight"), 0.0) or 0.0) >= OVERVIEW_TIE_MIN]
        faint = len(ties) - len(kept)
        ties = kept
    sizes = [round(min(60.0, 6 + 4 * math.sqrt(max(r["shops"], 0))), 1) for r in shown]
    pos = spring_layout(len(shown), [(a, b) for a, b, _ in ties], seed=seed,
                        masses=[1 + s / 10 for s in sizes], scale=90, sizes=sizes)
    nodes = []
    for i, r in enumerate(shown):
        stem = stems.get(r["cluster_id"])
        lines = [f"Cluster {_shown(r['cluster_id'])}",
                 f"{r['shops']} shops · {r['sellers']} sellers · risk {_fmt(r['risk'])}",
                 f"flagged shops: {r['flagged_shops']}"
                 + (" · REAPPEARED" if r["reappeared"] else "")]
        if r["platforms"]:
            lines.append("platforms: " + ", ".join(_shown(p) for p in r["platforms"]))
        if r["countries"]:
            lines.append("countries: " + ", ".join(_shown(c) for c in r["countries"]))
        lines.append("click to open" if stem else "no page written for this cluster")
        node: dict[str, Any] = {
            "id": i, "label": short(r["cluster_id"], 24), "title": "\n".join(lines),
            "x": pos[i][0], "y": pos[i][1], "group": "Cluster", "shape": "dot",
            "size": sizes[i],
            "color": {"background": _risk_color(r["risk"], top), "border": "#444444",
                      "highlight": {"background": _risk_color(r["risk"], top),
                                    "border": "#000000"}},
        }
        if r["reappeared"]:
            node["borderWidth"] = 3
        if stem:
            node["href"] = f"cluster-{stem}.html"
        nodes.append(node)
    edges = []
    for j, (ia, ib, e) in enumerate(ties):
        w = number(e.get("weight"), 0.0) or 0.0
        via = e.get("via") if isinstance(e.get("via"), list) else []
        tip = (f"weak/hub tie {_shown(shown[ia]['cluster_id'])} — "
               f"{_shown(shown[ib]['cluster_id'])} · weight {_fmt(w)}")
        if via:
            tip += "\nvia: " + ", ".join(short(v, 80) for v in via[:10])
            if len(via) > 10:
                tip += f" (+{len(via) - 10} more)"
        edges.append({"id": j, "from": ia, "to": ib, "title": tip, "dashes": True,
                      "width": round(1 + 3 * min(max(w, 0.0), 1.0), 2)})
    payload = _pyvis_payload(nodes, edges, _options(len(nodes), {"Cluster": {"shape": "dot"}}))
    if faint:
        tie_note = (f"With more than {OVERVIEW_ALL_TIES_MAX} clusters the overview draws only "
                    f"ties of weight ≥ {OVERVIEW_TIE_MIN}: {faint:,} weaker tie"
                    f"{'s' if faint != 1 else ''} not drawn.")
        note = f"{note} {tie_note}" if note else tie_note
    if len(reps) > len(shown):
        cap = (f"The overview graph draws the {len(shown):,} highest-risk of "
               f"{len(reps):,} clusters; the table lists them all.")
        note = f"{note} {cap}" if note else cap
    data_json = script_json({"page": "index", "graph": payload,
                             "search": dict(search or {"pages": [], "items": []})})
    ctx: dict[str, Any] = dict(_static(shared_assets))
    ctx.update(title=title, rows=rows, note=note,
               total_shops=f"{sum(r['shops'] for r in reps):,}",
               flagged_clusters=sum(1 for r in reps if r["flagged_shops"]),
               stamp=stamp_lines(provenance or make_stamp()),
               data_json=_markup(data_json))
    html = _env().get_template("index.html.j2").render(**ctx)
    return RenderedPage(html, len(data_json.encode("utf-8")), len(nodes), len(edges),
                        {"total_s": time.perf_counter() - t0})


# ---------------------------------------------------------------- the site


def cluster_stems(cluster_ids: Sequence[str]) -> dict[str, str]:
    """Unique, file-name-safe stems for cluster ids (``cluster-<stem>.html``).

    >>> cluster_stems(["G-1", "G/1", "G-1"])
    {'G-1': 'G-1', 'G/1': 'G_1'}
    """
    taken: set[str] = set()
    out: dict[str, str] = {}
    for cid in cluster_ids:
        if cid not in out:
            out[cid] = safe_filename(cid, taken)
    return out


def write_site(
    reports: Sequence[Mapping[str, Any]] | Any,
    graphs: Mapping[str, Mapping[str, Any]] | str | os.PathLike[str] | None = None,
    overview_edges: Sequence[Mapping[str, Any]] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_pages: int = DEFAULT_MAX_PAGES,
    seed: int = 7,
    title: str = "graphinv clusters",
    stats: list[dict[str, Any]] | None = None,
    provenance: Mapping[str, Any] | None = None,
    shared_assets: bool = True,
) -> Path:
    """Write the index, one page per graph and the exports into ``out_dir``.

    ``reports`` are cluster reports, ``graphs`` maps cluster id → cluster graph
    dict, ``overview_edges`` are weak/hub ties between clusters. A clustering
    result works too: ``write_site(result, out_dir)`` reads its ``clusters``,
    ``graphs`` and ``ties``. Pages are written for at most ``max_pages``
    clusters (in report order; 0 = all) — the index lists every cluster.
    ``max_nodes=0`` draws every node. When ``stats`` is a list, one dict of
    sizes and timings per page is appended. ``provenance`` (render.stamp.make_stamp)
    is stamped on every page and export, each cluster's narrowed to the ingest runs
    behind it (render.stamp.cluster_stamp); without it the stamp says when and by
    which graphinv only. The pages load vis-network, their script and style from
    ``out_dir/assets/`` (written here, ~0.5 MB once); ``shared_assets=False`` inlines
    them in every page instead. Returns the path of ``index.html``, written last.
    """
    stamp = dict(provenance) if provenance else make_stamp()
    if hasattr(reports, "clusters") and not isinstance(reports, (list, tuple)):
        result = reports
        if out_dir is None and isinstance(graphs, (str, os.PathLike)):
            out_dir, graphs = graphs, None
        reports = list(result.clusters)
        graphs = getattr(result, "graphs", None) or {}
        overview_edges = list(getattr(result, "ties", None) or [])
    if out_dir is None or isinstance(graphs, (str, os.PathLike)):
        raise UsageError("write_site needs an output directory",
                         hint="write_site(reports, graphs, overview_edges, out_dir) or "
                         "write_site(result, out_dir)")
    out = Path(out_dir)
    graphs = graphs or {}
    by_id: dict[str, dict[str, Any]] = {}
    for rep in reports:
        p = prepare_report(rep)
        by_id.setdefault(p["cluster_id"], p)
    for cid, graph in graphs.items():
        if str(cid) not in by_id:
            raw_rep = graph.get("report") if isinstance(graph, Mapping) else None
            by_id[str(cid)] = prepare_report(raw_rep, cid)
    ordered = [c for c in by_id if c in graphs] + [str(c) for c in graphs
                                                    if str(c) not in by_id]
    chosen = ordered if max_pages <= 0 else ordered[:max_pages]
    skipped = len(ordered) - len(chosen)
    stems = cluster_stems(chosen)
    if shared_assets:
        for rel, content in shared_files().items():
            write_text_atomic(out / rel, content)
    finder: list[list[Any]] = []
    finder_pages: list[list[str]] = []
    for cid in chosen:
        graph = graphs[cid]
        rep = by_id[cid]
        g = prepare_graph(graph if isinstance(graph, Mapping) else {}, rep, cid)
        # A cluster's page and exports list the ingest runs behind it; the index, all.
        own = cluster_stamp(stamp, graph if isinstance(graph, Mapping) else {})
        page = render_cluster_page(g, max_nodes=max_nodes, seed=seed, stem=stems[cid],
                                   provenance=own, shared_assets=shared_assets)
        finder.extend(_search_items(g, len(finder_pages)))
        finder_pages.append([cid, f"cluster-{stems[cid]}.html"])
        path = write_text_atomic(out / f"cluster-{stems[cid]}.html", page.html)
        t = time.perf_counter()
        write_cluster_exports(g, out, stems[cid], provenance=own)
        if stats is not None:
            stats.append({"cluster_id": cid, "page": path.name, "nodes": len(g.nodes),
                          "edges": len(g.edges), "drawn_nodes": page.drawn_nodes,
                          "drawn_edges": page.drawn_edges,
                          "html_bytes": len(page.html.encode("utf-8")),
                          "data_bytes": page.data_bytes,
                          "exports_s": time.perf_counter() - t, **page.timings})
    reps = list(by_id.values())
    cols = ["cluster_id", "shops", "sellers", "platforms", "countries", "payment_providers",
            "suppliers", "flagged_shops", "risk", "reappeared", "leads"]
    table = to_csv(cols, [[r[c] for c in cols] for r in reps])
    write_text_atomic(out / "clusters.csv", table)
    write_text_atomic(sidecar_path(out / "clusters.csv"),
                      sidecar_text("clusters.csv", table, stamp))
    listing = to_json(reps) + "\n"
    write_text_atomic(out / "clusters.json", listing)
    write_text_atomic(sidecar_path(out / "clusters.json"),
                      sidecar_text("clusters.json", listing, stamp))
    note = (f"Pages were written for the first {len(chosen):,} of {len(ordered):,} clusters; "
            "for another: graphinv view --cluster ID." if skipped else "")
    index = render_index_page(reps, list(overview_edges or []), stems, title=title, seed=seed,
                              note=note, provenance=stamp,
                              search={"pages": finder_pages, "items": finder},
                              shared_assets=shared_assets)
    if stats is not None:
        stats.append({"cluster_id": None, "page": "index.html", "nodes": index.drawn_nodes,
                      "edges": index.drawn_edges,
                      "html_bytes": len(index.html.encode("utf-8")),
                      "data_bytes": index.data_bytes, **index.timings})
    return write_text_atomic(out / "index.html", index.html)


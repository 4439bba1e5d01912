"""The vis.js graph of a cluster page: node and edge titles, labels, styles, pyvis options
and layout (nodes and edges as plain dicts in; what the page's script draws out).
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from graphinv.render.layout import structural_layout
from graphinv.render.model import Graph
from graphinv.render.reduce import Reduced
from graphinv.render.safe import line, short
from graphinv.schema import IDENTIFIER_KINDS, NODE_KINDS

_FLAG_BORDER = "#d62728"
_LEAD_BORDER = "#111111"
_HUB_FILL = "#dedede"
_EDGE_COLOR = "#9aa3ad"
_TITLE_MAX = 3000
_EVIDENCE_ROWS = 20
#: One shown value (a name, a flag reason) at most this long: a long hostile value cannot push
#: the real flags and sources out of the tooltip; the full value follows at the end.
_FIELD_MAX = 200
_LABEL_MAX = 80
_ALIASES_SHOWN = 12


def _shown(value: Any, limit: int = _FIELD_MAX) -> str:
    """One value inside our own text: one line, visible controls, bounded (safe.line)."""
    return line(value, limit)


def _fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _darker(color: str, f: float = 0.7) -> str:
    try:
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#555555"
    return f"#{int(r * f):02x}{int(g * f):02x}{int(b * f):02x}"


def _style(kind: str) -> tuple[str, str]:
    k = NODE_KINDS.get(kind)
    return (k.color, k.shape) if k else ("#888888", "dot")


def _record(ev: Mapping[str, str]) -> str:
    where = ":".join(x for x in (ev.get("file", ""), ev.get("line", "")) if x)
    src = f"[{ev['source']}] " if ev.get("source") else ""
    return f"{short(where, 60)} {src}{short(ev.get('raw', ''), 100)}".strip()


def _pyvis_payload(nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
                   options: dict[str, Any]) -> dict[str, Any]:
    """Let pyvis hold and hand back the network data (its template is not used)."""
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=False, cdn_resources="in_line")
    net.nodes = nodes  # direct assignment: add_node is O(n) per call
    net.edges = edges
    net.options = options  # a dict, so pyvis does not reparse it
    out_nodes, out_edges, _heading, _h, _w, options_json = net.get_network_data()
    return {"nodes": out_nodes, "edges": out_edges, "options": json.loads(options_json)}


def _options(n_nodes: int, groups: dict[str, Any] | None) -> dict[str, Any]:
    big = n_nodes > 800
    return {
        "autoResize": True,
        "physics": {"enabled": False, "solver": "forceAtlas2Based",
                    "stabilization": {"enabled": False},
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110}},
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "interaction": {"hover": not big, "tooltipDelay": 150, "hideEdgesOnDrag": big,
                        "hideEdgesOnZoom": big, "navigationButtons": False,
                        "keyboard": False, "multiselect": False},
        "nodes": {"font": {"size": 12, "face": "system-ui, sans-serif", "color": "#343434"},
                  "borderWidth": 1, "borderWidthSelected": 3,
                  "scaling": {"label": {"drawThreshold": 7}}},
        "edges": {"smooth": False, "color": {"color": _EDGE_COLOR, "highlight": "#222222",
                                             "hover": "#444444", "inherit": False},
                  "font": {"size": 9, "align": "middle", "color": "#555555", "strokeWidth": 2},
                  "scaling": {"label": {"drawThreshold": 7}}, "selectionWidth": 2},
        "groups": groups or {},
    }


def _sources_by_node(edges: Sequence[Mapping[str, Any]], cap: int = 2) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        for ev in e["evidence"][:cap]:
            rec = _record(ev)
            for nid in (e["source"], e["target"]):
                lst = out[nid]
                if len(lst) < cap and rec not in lst:
                    lst.append(rec)
    return out


def _node_title(n: Mapping[str, Any], links: int, sources: list[str], hidden: int,
                labels: Mapping[str, str]) -> str:
    lines = [f"{n['kind']}: {_shown(n['label'], _LABEL_MAX)}"]
    if n.get("group_of"):
        lines.append(f"Group of {n['count']} {n['kind']} nodes, each linked only here:")
        lines += ["  " + short(m, 100) for m in n["group_of"]]
        if n["count"] > len(n["group_of"]):
            lines.append(f"  … and {n['count'] - len(n['group_of'])} more (see the exports)")
    if n["hub"]:
        lines.append("HUB — " + _shown(n["hub_reason"] or "shared identifier, down-weighted"))
        if hidden:
            lines.append(f"  {hidden:,} of its links not drawn (see the note above the graph)")
    if n["lead"]:
        lines.append("LEAD — a good place to start")
    if n["flagged"]:
        if not n["flags"]:
            lines.append("FLAGGED")
        for f in n["flags"][:5]:
            bits = [f.get("flag", "flag"), f.get("date", "")]
            flag = "FLAGGED: " + " ".join(_shown(b) for b in bits if b)
            if f.get("reason"):
                flag += " — " + _shown(f["reason"])
            if f.get("source"):
                flag += f" (source: {_shown(f['source'])})"
            lines.append(flag)
    if not n.get("group_of"):
        lines.append("id: " + _shown(n["id"]))
        if n["key"] and n["key"] != n["label"]:
            lines.append("normalized: " + _shown(n["key"]))
        if n["raws"] and n["raws"] != [n["label"]]:
            raws = " | ".join(short(r, 80) for r in n["raws"][:5])
            more = f" (+{len(n['raws']) - 5} more)" if len(n["raws"]) > 5 else ""
            lines.append("raw values: " + raws + more)
    aliases = n.get("aliases") or []
    if aliases:
        lines.append(f"{len(aliases)} spellings joined by SAME_AS, drawn as one node:")
        for a in aliases[:_ALIASES_SHOWN]:
            bits = [short(a["label"], 60), "id " + short(a["id"], 60)]
            if a["sources"]:
                bits.append("from " + ", ".join(short(x, 40) for x in a["sources"][:3]))
            lines.append("  " + " · ".join(bits))
        if len(aliases) > _ALIASES_SHOWN:
            lines.append(f"  … and {len(aliases) - _ALIASES_SHOWN} more (see the exports)")
    if n.get("sources"):
        srcs = n["sources"]
        lines.append("seen in: " + ", ".join(short(x, 40) for x in srcs[:6])
                     + (f" (+{len(srcs) - 6} more)" if len(srcs) > 6 else ""))
    place = " · ".join(f"{k}: {_shown(n[k])}" for k in ("platform", "country") if n[k])
    if place:
        lines.append(place)
    if n["shop_id"]:
        lines.append("shop id: " + _shown(n["shop_id"]))
    if n["url"]:
        lines.append("url: " + short(n["url"], 120))
    lines.append(f"centrality {_fmt(n['centrality'])} · risk {_fmt(n['risk'])} · "
                 f"{links} link{'s' if links != 1 else ''} drawn")
    if n.get("folded"):
        lines.append(f"Also uses {n['folded_count']} single-use identifier(s), not drawn:")
        lines += ["  " + short(m, 100) for m in n["folded"]]
        if n["folded_count"] > len(n["folded"]):
            lines.append(f"  … and {n['folded_count'] - len(n['folded'])} more")
    if sources:
        lines.append("source records:")
        lines += ["  " + s for s in sources]
    if len(line(n["label"])) > _LABEL_MAX:
        lines.append("full name: " + line(n["label"], 1000))
    title = "\n".join(lines)
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1] + "…"


def _edge_title(e: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    lines = [f"{e['type']} · weight {_fmt(e['weight'])}",
             f"{labels.get(e['source'], '')} → {labels.get(e['target'], '')}"]
    if e.get("count"):
        lines.append(f"stands for {e['count']} links to the grouped nodes")
    ev = e["evidence"]
    if ev:
        lines.append(f"evidence ({len(ev)} record{'s' if len(ev) != 1 else ''}):")
        lines += ["  " + _record(x) for x in ev[:3]]
        if len(ev) > 3:
            lines.append(f"  … and {len(ev) - 3} more (see the exports)")
    return "\n".join(lines)


_TIER_WIDTH = {"strong": 3.5, "medium": 1.8, "weak": 1.2, "actor": 2.5}
_TIER_TEXT = {"strong": "strong link (payment account, phone or e-mail)",
              "medium": "medium link (address)", "weak": "weak link (supplier)",
              "actor": "operates (seller → shop)"}


def _tier(kind_a: str, kind_b: str) -> str:
    """How much a link says: by the schema strength of its identifier end."""
    ident = [k for k in (kind_a, kind_b) if k not in ("Shop", "Seller")]
    if not ident:
        return "actor"
    strength = NODE_KINDS[ident[0]].strength if ident[0] in NODE_KINDS else 0.0
    return "strong" if strength >= 0.9 else "medium" if strength >= 0.5 else "weak"


def _node_label(n: Mapping[str, Any], hidden: int) -> str:
    marks = ("★" if n["lead"] else "") + ("⚑" if n["flagged"] else "")
    label = short(n["label"], 32)
    if n["hub"]:
        label = "HUB " + label + (f" (+{hidden:,} links)" if hidden else "")
    if n.get("aliases"):
        label += f" ({len(n['aliases'])} spellings)"
    if n.get("folded_count"):
        label += f" +{n['folded_count']}"
    if n["kind"] == "Shop":
        badge = "·".join(x for x in (_platform_code(n["platform"]),
                                     line((n["country"] or "")[:3]).upper()) if x)
        if badge:
            label += f" [{badge}]"
    return f"{marks} {label}" if marks else label


#: Short platform codes for shop labels (issue #22 item 2); others: first 3 letters.
_PLATFORM_CODES = {"aliexpress": "AE", "amazon": "AMZ", "ebay": "EB", "etsy": "ET",
                   "shopee": "SHP", "taobao": "TB", "tmall": "TM", "temu": "TEMU",
                   "lazada": "LZ", "wish": "WSH", "shopify": "SFY", "jd": "JD",
                   "mercadolibre": "ML", "rakuten": "RK", "walmart": "WMT"}


def _platform_code(platform: str | None) -> str:
    key = (platform or "").strip().lower()
    return _PLATFORM_CODES.get(key) or line(key[:3]).upper()


def _label_ranks(nodes: Sequence[Mapping[str, Any]], pairs: Sequence[tuple[int, int]],
                 idents: Sequence[bool]) -> list[int]:
    """Order in which the page places labels (0 first): identifiers by the shops and sellers
    they tie, then leads and flagged shops, shops, sellers and the rest by centrality.
    Identifier labels are always drawn; the others only where they fit."""
    ties = [0] * len(nodes)
    for a, b in pairs:
        if idents[a] and not idents[b]:
            ties[a] += 1
        if idents[b] and not idents[a]:
            ties[b] += 1

    def key(i: int) -> tuple[int, float, int]:
        n = nodes[i]
        tier = (0 if idents[i] else 1 if n["lead"] or n["flagged"] else
                2 if n["kind"] == "Shop" else 3)
        return tier, -(ties[i] if idents[i] else float(n["centrality"] or 0.0)), i

    ranks = [0] * len(nodes)
    for r, i in enumerate(sorted(range(len(nodes)), key=key)):
        ranks[i] = r
    return ranks


def _vis_graph(g: Graph, red: Reduced, seed: int) -> tuple[dict[str, Any], dict[str, float]]:
    t0 = time.perf_counter()
    nodes, edges = red.nodes, red.edges
    index = {n["id"]: i for i, n in enumerate(nodes)}
    pairs = [(index[e["source"]], index[e["target"]]) for e in edges]
    cmax = max((n["centrality"] for n in nodes), default=0.0) or 1.0
    sizes = [round(min(40.0, 10 + 3 * math.sqrt(n["count"])), 1) if n.get("group_of")
             else round(8 + 22 * math.sqrt(max(n["centrality"], 0.0) / cmax), 1)
             for n in nodes]
    idents = [n["kind"] in IDENTIFIER_KINDS for n in nodes]
    # (``seed`` no longer matters here: the structural layout uses no randomness; the
    # overview graph of the index page still takes it.)
    pos = structural_layout(len(nodes), pairs, idents, sizes=sizes)
    ranks = _label_ranks(nodes, pairs, idents)
    t1 = time.perf_counter()
    labels = {n["id"]: short(n["label"], 40) for n in nodes}
    links: dict[str, int] = defaultdict(int)
    for e in edges:
        links[e["source"]] += 1
        links[e["target"]] += 1
    sources = _sources_by_node(edges)
    vis_nodes = []
    kinds_seen: dict[str, int] = defaultdict(int)
    for i, n in enumerate(nodes):
        kinds_seen[n["kind"]] += 1
        color, _shape = _style(n["kind"])
        hidden = red.hidden_links.get(n["id"], 0)
        vn: dict[str, Any] = {
            "id": i, "label": _node_label(n, hidden),
            "title": _node_title(n, links[n["id"]], sources.get(n["id"], []), hidden, labels),
            "x": pos[i][0], "y": pos[i][1], "group": n["kind"], "size": sizes[i],
            # label layer (graphinv.js): rank, identifier labels always drawn
            "lr": ranks[i], "li": 1 if idents[i] else 0,
        }
        if n.get("group_of"):
            vn["shapeProperties"] = {"borderDashes": [4, 3]}
            vn["borderWidth"] = 2
        border = None
        if n["hub"]:
            vn["shapeProperties"] = {"borderDashes": [6, 3]}
            vn["borderWidth"] = 3
            border = _darker(color)
            vn["color"] = {"background": _HUB_FILL, "border": border,
                           "highlight": {"background": _HUB_FILL, "border": "#000000"},
                           "hover": {"background": _HUB_FILL, "border": "#000000"}}
        if n["lead"] or n["flagged"]:
            border = _FLAG_BORDER if n["flagged"] else _LEAD_BORDER
            fill = _HUB_FILL if n["hub"] else color
            vn["borderWidth"] = 4
            vn["color"] = {"background": fill, "border": border,
                           "highlight": {"background": fill, "border": "#000000"},
                           "hover": {"background": fill, "border": "#000000"}}
        vis_nodes.append(vn)
    vis_edges = []
    for j, e in enumerate(edges):
        tier = _tier(nodes[index[e["source"]]]["kind"], nodes[index[e["target"]]]["kind"])
        hub_link = e["source"] in red.hidden_links or e["target"] in red.hidden_links or any(
            nodes[index[x]]["hub"] for x in (e["source"], e["target"]))
        # No edge label by default (issue #22 item 2): type, weight and evidence are in the
        # title; the link's strength is drawn (width, dashes, colour) and explained in the legend.
        ve: dict[str, Any] = {
            "id": j, "from": index[e["source"]], "to": index[e["target"]],
            "title": _TIER_TEXT[tier] + (" · to a HUB, down-weighted" if hub_link else "")
            + "\n" + _edge_title(e, labels),
            "width": _TIER_WIDTH[tier],
        }
        if tier == "weak" or e["type"] == "SAME_AS":
            ve["dashes"] = [6, 4]
        if hub_link:
            ve["dashes"] = [2, 4]
            ve["color"] = {"color": "#c9c9c9"}
        elif tier == "strong":
            ve["color"] = {"color": "#4a5560"}
        vis_edges.append(ve)
    groups = {}
    legend = []
    for kind in list(NODE_KINDS) + sorted(k for k in kinds_seen if k not in NODE_KINDS):
        color, shape = _style(kind)
        groups[kind] = {"shape": shape, "color": {
            "background": color, "border": _darker(color),
            "highlight": {"background": color, "border": "#000000"},
            "hover": {"background": color, "border": "#000000"}}}
        if kinds_seen.get(kind):
            legend.append({"kind": kind, "color": color, "shape": shape,
                           "count": kinds_seen[kind]})
    options = _options(len(vis_nodes), groups)
    # The page script draws the labels itself, at a fixed legible size and without
    # collisions (issue #22 item 2): vis-network draws none (a zero font is never drawn).
    options["nodes"]["font"]["size"] = 0
    payload = _pyvis_payload(vis_nodes, vis_edges, options)
    payload["labelLayer"] = True
    payload["legend"] = legend
    payload["markers"] = ["★ lead", "⚑ flagged (red border)", "HUB grey fill, dashed border",
                          "dashed border: group of single-link nodes",
                          "+N: single-use identifiers folded in",
                          "(N spellings): one entity written N ways, joined by SAME_AS",
                          "━ strong link: payment account, phone, e-mail (thick, dark)",
                          "─ medium link: address (thin)", "╌ weak link: supplier (dashed)",
                          "┈ link to a HUB (shared by many): light grey dotted, down-weighted"]
    t2 = time.perf_counter()
    return payload, {"layout_s": t1 - t0, "data_s": t2 - t1}

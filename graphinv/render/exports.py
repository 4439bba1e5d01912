"""Exports written next to each cluster page: JSON, GraphML, GEXF, members CSV.

* ``cluster-<id>.json`` — ``{"report", "nodes", "edges"}``, strict JSON;
* ``cluster-<id>.graphml`` and ``cluster-<id>.gexf`` — for Gephi/yEd: every
  attribute a string, number or boolean (lists joined with ``"; "``, None
  left out, characters XML cannot hold removed), kind colours in GEXF;
* ``cluster-<id>-members.csv`` — one row per node, spreadsheet-formula
  injection neutralized (:func:`graphinv.util.tabular.neutralize`); its
  provenance stamp beside it in ``cluster-<id>-members.provenance.json`` (with
  the CSV's SHA-256), so the table stays plain for Excel, LibreOffice and pandas.

The full cluster is exported even when the page draws a reduced graph.

>>> from graphinv.render.model import prepare_graph
>>> import tempfile
>>> g = prepare_graph({"nodes": [{"id": "Shop:x:1", "kind": "Shop"}, {"id": "Phone:+1",
...                    "kind": "Phone"}], "edges": [{"source": "Shop:x:1",
...                    "target": "Phone:+1", "type": "USES_PHONE"}]})
>>> paths = write_cluster_exports(g, tempfile.mkdtemp(), "G-SYN")
>>> sorted(p.name for p in paths.values())  # doctest: +NORMALIZE_WHITESPACE
['cluster-G-SYN-members.csv', 'cluster-G-SYN-members.provenance.json', 'cluster-G-SYN.gexf',
 'cluster-G-SYN.graphml', 'cluster-G-SYN.json']
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphinv.render.model import Graph
from graphinv.render.safe import text
from graphinv.render.stamp import make_stamp, sidecar_path, sidecar_text, stamp_lines
from graphinv.schema import NODE_KINDS
from graphinv.util.tabular import to_csv, to_json, write_text_atomic

__all__ = ["MEMBER_COLUMNS", "export_names", "write_cluster_exports", "members_csv",
           "to_networkx", "graphml_text", "gexf_text", "cluster_json"]

MEMBER_COLUMNS = ("id", "kind", "label", "key", "raws", "platform", "country", "shop_id",
                  "url", "flagged", "flags", "lead", "hub", "hub_reason", "centrality",
                  "risk", "links", "spellings", "sources")

# XML 1.0 cannot hold C0 controls other than tab/LF/CR, nor U+FFFE/U+FFFF.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def export_names(stem: str) -> dict[str, str]:
    """File names of one cluster's exports.

    >>> export_names("G-1")["csv_provenance"]
    'cluster-G-1-members.provenance.json'
    """
    csv_name = f"cluster-{stem}-members.csv"
    return {"json": f"cluster-{stem}.json", "graphml": f"cluster-{stem}.graphml",
            "gexf": f"cluster-{stem}.gexf", "csv": csv_name,
            "csv_provenance": sidecar_path(csv_name).name}


def _flag_text(flags: list[dict[str, str]]) -> str:
    return "; ".join(" ".join(v for v in (f.get("flag"), f.get("date"), f.get("reason"),
                                          f.get("source")) if v) for f in flags)


def _spellings(n: dict[str, Any]) -> str:
    """Every spelling SAME_AS joined into this node, as ``label (id)``."""
    return "; ".join(f"{a['label']} ({a['id']})" for a in n.get("aliases") or [])


def _degrees(g: Graph) -> dict[str, int]:
    deg: dict[str, int] = {}
    for e in g.edges:
        deg[e["source"]] = deg.get(e["source"], 0) + 1
        deg[e["target"]] = deg.get(e["target"], 0) + 1
    return deg


def members_csv(g: Graph) -> str:
    """One CSV row per node of the cluster (neutralized cells)."""
    deg = _degrees(g)
    rows = []
    for n in g.nodes:
        row = dict(n, flags=_flag_text(n["flags"]), links=deg.get(n["id"], 0),
                   spellings=_spellings(n), sources="; ".join(n.get("sources") or []))
        rows.append([row.get(c) for c in MEMBER_COLUMNS])
    return to_csv(MEMBER_COLUMNS, rows)


def cluster_json(g: Graph, provenance: Mapping[str, Any] | None = None) -> str:
    """``{"report", "nodes", "edges", "provenance"}`` as strict JSON text."""
    return to_json({"report": g.report, "nodes": g.nodes, "edges": g.edges,
                    "provenance": dict(provenance or {})}) + "\n"


def _xml(value: Any) -> str | float | int | bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    s = _XML_BAD.sub("", text(value))
    return s


def to_networkx(g: Graph, *, viz: bool = False,
                provenance: Mapping[str, Any] | None = None) -> Any:
    """A ``networkx.MultiDiGraph`` with flat, typed attributes (no None); the
    provenance stamp, when given, as graph attributes (one line each)."""
    import networkx as nx

    G = nx.MultiDiGraph(name=_xml(g.report["cluster_id"]))
    for i, text_line in enumerate(stamp_lines(provenance)):
        G.graph[f"provenance_{i:02d}"] = _xml(text_line)
    cmax = max((n["centrality"] for n in g.nodes), default=0.0) or 1.0
    for n in g.nodes:
        attrs: dict[str, Any] = {
            "kind": n["kind"], "label": n["label"], "key": n["key"],
            "raws": "; ".join(n["raws"]), "platform": n["platform"], "country": n["country"],
            "shop_id": n["shop_id"], "url": n["url"], "flagged": bool(n["flagged"]),
            "flags": _flag_text(n["flags"]), "lead": bool(n["lead"]), "hub": bool(n["hub"]),
            "hub_reason": n["hub_reason"], "centrality": float(n["centrality"]),
            "risk": None if n["risk"] is None else float(n["risk"]),
            "spellings": _spellings(n), "sources": "; ".join(n.get("sources") or []),
        }
        clean: dict[str, Any] = {k: _xml(v) for k, v in attrs.items()}
        clean = {k: v for k, v in clean.items() if v is not None and v != ""}
        if viz:
            color = NODE_KINDS[n["kind"]].color if n["kind"] in NODE_KINDS else "#888888"
            r, gg, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
            clean["viz"] = {"color": {"r": r, "g": gg, "b": b, "a": 1.0},
                            "size": round(5 + 20 * (n["centrality"] / cmax) ** 0.5, 2)}
        G.add_node(_xml(n["id"]), **clean)
    for e in g.edges:
        ev = e["evidence"]
        records = " | ".join(
            f"{x.get('file', '')}:{x.get('line', '')} [{x.get('source', '')}] {x.get('raw', '')}"
            for x in ev[:20])
        attrs = {"type": e["type"], "weight": float(e["weight"]), "evidence_count": len(ev),
                 "evidence": records}
        clean = {k: _xml(v) for k, v in attrs.items()}
        G.add_edge(_xml(e["source"]), _xml(e["target"]),
                   **{k: v for k, v in clean.items() if v is not None and v != ""})
    return G


def graphml_text(g: Graph, provenance: Mapping[str, Any] | None = None) -> str:
    """GraphML (UTF-8 declared) of the cluster."""
    import networkx as nx

    return "\n".join(nx.generate_graphml(to_networkx(g, provenance=provenance))) + "\n"


def gexf_text(g: Graph, provenance: Mapping[str, Any] | None = None) -> str:
    """GEXF 1.2 of the cluster with kind colours and centrality sizes; the provenance
    stamp in ``<meta><description>`` (networkx's GEXF writer drops graph attributes)."""
    from xml.sax.saxutils import escape

    import networkx as nx

    lines = list(nx.generate_gexf(to_networkx(g, viz=True, provenance=provenance)))
    stamp = [_XML_BAD.sub("", s) for s in stamp_lines(provenance)]
    if stamp:
        at = next((i for i, ln in enumerate(lines) if ln.strip().startswith("<creator")), None)
        if at is not None:
            indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
            lines.insert(at + 1, f"{indent}<description>{escape(chr(10).join(stamp))}"
                         "</description>")
    return "\n".join(lines) + "\n"


def write_cluster_exports(g: Graph, out_dir: str | os.PathLike[str], stem: str, *,
                          provenance: Mapping[str, Any] | None = None) -> dict[str, Path]:
    """Write the exports of one cluster; returns ``{format: path}``. The JSON, GraphML
    and GEXF carry the provenance stamp; the CSV stays a plain table and its stamp
    goes beside it (``csv_provenance``, :func:`graphinv.render.stamp.sidecar_text`)."""
    out = Path(out_dir)
    names = export_names(stem)
    stamp = dict(provenance) if provenance else make_stamp()
    table = members_csv(g)
    return {
        "json": write_text_atomic(out / names["json"], cluster_json(g, provenance)),
        "graphml": write_text_atomic(out / names["graphml"], graphml_text(g, provenance)),
        "gexf": write_text_atomic(out / names["gexf"], gexf_text(g, provenance)),
        "csv": write_text_atomic(out / names["csv"], table),
        "csv_provenance": write_text_atomic(out / names["csv_provenance"],
                                            sidecar_text(names["csv"], table, stamp)),
    }

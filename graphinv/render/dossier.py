"""The case dossier of one cluster: a printable, self-contained HTML file (and a PDF
printed from it by headless Chromium) to file with a takedown request or a court.

Sections: summary (shops, sellers, platforms, countries, flags, risk and why), a
static picture of the graph (inline SVG, no script), every shop, every link with
its evidence as written (source, file, line, raw value, ingest run), the input
files with their checksums (chain of custody) and the timeline of the shops.
Nothing is fetched; the page carries a Content-Security-Policy without scripts.

>>> graph = {"report": {"cluster_id": "G-1", "shops": 2, "risk": 0.5},
...          "nodes": [{"id": "Shop:x:1", "kind": "Shop", "first_seen": "2024-01-02"},
...                    {"id": "Shop:x:2", "kind": "Shop"}, {"id": "Phone:+1", "kind": "Phone"}],
...          "edges": [{"source": s, "target": "Phone:+1", "type": "USES_PHONE",
...                     "evidence": [{"file": "a.csv", "line": 2, "raw": "+1"}]}
...                    for s in ("Shop:x:1", "Shop:x:2")]}
>>> html = render_dossier(graph)
>>> 'id="shops"' in html and 'id="links"' in html and "<script" not in html
True
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphinv.errors import OutputError, UsageError
from graphinv.render.assets import asset_text, csp
from graphinv.render.labels import place_labels
from graphinv.render.layout import structural_layout
from graphinv.render.model import Graph, prepare_graph
from graphinv.render.safe import line, short
from graphinv.render.stamp import make_stamp, stamp_lines
from graphinv.render.timeline import timeline
from graphinv.schema import IDENTIFIER_KINDS, NODE_KINDS

__all__ = ["Dossier", "render_dossier", "write_dossier", "print_pdf", "find_chromium"]

_SVG_W, _SVG_H = 900, 560
#: Font size of the picture's labels (dossier.css: ``svg text``).
_LABEL_PX = 10.0
_PDF_TIMEOUT_S = 120


@dataclass
class Dossier:
    """Where the dossier went (``pdf`` is None without ``--pdf``)."""

    html: Path
    pdf: Path | None


def _color(kind: str) -> str:
    k = NODE_KINDS.get(kind)
    return k.color if k else "#888888"


def _label_width(text: str, size: float = _LABEL_PX) -> float:
    """Rough drawn width of ``text`` (wide CJK characters count double): for placing labels."""
    return sum(size * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.62)
               for c in text) + 2


def _picture(g: Graph) -> dict[str, Any]:
    """Positions for a static SVG: the page's structural layout; identifiers tied to more
    than one node labelled, each label beside its node where it overlaps no other."""
    index = {n["id"]: i for i, n in enumerate(g.nodes)}
    pairs = [(index[e["source"]], index[e["target"]]) for e in g.edges]
    idents = [n["kind"] in IDENTIFIER_KINDS for n in g.nodes]
    pos = structural_layout(len(g.nodes), pairs, idents, aspect=_SVG_W / _SVG_H)
    xs = [p[0] for p in pos] or [0.0]
    ys = [p[1] for p in pos] or [0.0]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    pad = 40

    def sx(x: float) -> float:
        return round(pad + (x - min(xs)) / span_x * (_SVG_W - 2 * pad), 1)

    def sy(y: float) -> float:
        return round(pad + (y - min(ys)) / span_y * (_SVG_H - 2 * pad), 1)

    deg: dict[str, int] = defaultdict(int)
    for e in g.edges:
        deg[e["source"]] += 1
        deg[e["target"]] += 1
    pts = [(sx(x), sy(y)) for x, y in pos]
    rads = [round(min(16.0, 4 + 1.5 * math.sqrt(deg[n["id"]])), 1) for n in g.nodes]
    texts = [short(n["label"], 28) if ident and deg[n["id"]] > 1 else ""
             for n, ident in zip(g.nodes, idents, strict=True)]
    shown = sorted((i for i, t in enumerate(texts) if t), key=lambda i: (-deg[g.nodes[i]["id"]], i))
    spots = place_labels(pts, rads, [_label_width(t) for t in texts], _LABEL_PX * 1.3, shown,
                         bounds=(0, 0, _SVG_W, _SVG_H))
    nodes = []
    for n, (x, y), r, text, spot in zip(g.nodes, pts, rads, texts, spots, strict=True):
        node: dict[str, Any] = {"x": x, "y": y, "r": r, "fill": _color(n["kind"]),
                                "stroke": "#d62728" if n["flagged"] else "#333333",
                                # no room: left out (the tables below list every identifier)
                                "label": text if spot is not None else ""}
        if spot is not None:
            # SVG text sits on its baseline: the box's top + the font's ascent
            node["lx"], node["ly"] = round(spot[0] + 1, 1), round(spot[1] + _LABEL_PX, 1)
        nodes.append(node)
    edges = [{"x1": sx(pos[a][0]), "y1": sy(pos[a][1]), "x2": sx(pos[b][0]),
              "y2": sy(pos[b][1]), "dash": "4 3" if g.edges[i]["weight"] < 0.5 else ""}
             for i, (a, b) in enumerate(pairs)]
    return {"w": _SVG_W, "h": _SVG_H, "nodes": nodes, "edges": edges}


def render_dossier(graph: Graph | Mapping[str, Any], *,
                   provenance: Mapping[str, Any] | None = None,
                   reasons: list[str] | None = None) -> str:
    """The dossier HTML of one cluster (see the module docstring)."""
    from graphinv.render.html import _env, _markup

    g = graph if isinstance(graph, Graph) else prepare_graph(graph)
    r = g.report
    labels = {n["id"]: n["label"] for n in g.nodes}
    sellers: dict[str, list[str]] = defaultdict(list)
    for e in g.edges:
        if e["type"] == "OPERATES":
            sellers[e["target"]].append(labels.get(e["source"], e["source"]))
    shops = []
    for n in sorted((n for n in g.nodes if n["kind"] == "Shop"), key=lambda n: n["id"]):
        shops.append({"label": n["label"], "platform": n["platform"] or "", "shop_id":
                      n["shop_id"] or n["key"], "url": n["url"] or "",
                      "seller": ", ".join(sellers.get(n["id"], [])),
                      "first_seen": n.get("first_seen") or "", "last_seen":
                      n.get("last_seen") or "", "flag_list": n["flags"],
                      "flags": "; ".join(" ".join(v for v in (f.get("flag"), f.get("date"),
                                                              f.get("reason"), f.get("source"))
                                                  if v) for f in n["flags"])
                      or ("flagged" if n["flagged"] else "")})
    links = []
    for e in sorted(g.edges, key=lambda e: (e["type"], e["source"], e["target"])):
        link = f"{labels.get(e['source'], '')} —{e['type']}→ {labels.get(e['target'], '')}"
        if not e["evidence"]:
            links.append({"link": link, "weight": f"{e['weight']:.2f}", "source": "",
                          "file": "", "line": "", "raw": "(no source record: "
                          + ("spelling resolution" if e["type"] == "SAME_AS" else "none stored")
                          + ")", "run": ""})
        for ev in e["evidence"]:
            links.append({"link": link, "weight": f"{e['weight']:.2f}", **ev})
    stamp = dict(provenance) if provenance else make_stamp()
    kinds: dict[str, int] = defaultdict(int)
    for n in g.nodes:
        kinds[n["kind"]] += 1
    style = asset_text("dossier.css")
    ctx = {
        "r": r, "risk": "—" if r["risk"] is None else f"{r['risk']:.3g}",
        "reasons": [line(x, 300) for x in reasons or []],
        "leads": [short(labels.get(x, x), 80) for x in r["leads"]],
        "kinds": sorted(kinds.items()), "shops": shops, "links": links,
        "inputs": stamp.get("inputs") or [], "stamp": stamp_lines(stamp),
        "picture": _picture(g), "timeline": timeline(shops), "problems": g.problems,
        "joined": g.joined, "style": _markup(style), "csp": csp([], [style]),
    }
    return _env().get_template("dossier.html.j2").render(**ctx)


def find_chromium() -> str | None:
    """Headless Chromium to print with: ``$GRAPHINV_CHROMIUM`` or one on the PATH."""
    return (os.environ.get("GRAPHINV_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser") or shutil.which("google-chrome"))


def print_pdf(html: Path, pdf: Path, *, chromium: str | None = None) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (its print stylesheet applies)."""
    exe = chromium or find_chromium()
    if not exe:
        raise UsageError("cannot print the PDF: Chromium is not installed", value="--pdf",
                         hint="install chromium (or set GRAPHINV_CHROMIUM), or drop --pdf "
                         "and print the HTML dossier from a browser")
    profile = pdf.parent / ".chromium-profile"
    cmd = [exe, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
           f"--user-data-dir={profile}", "--no-pdf-header-footer",
           f"--print-to-pdf={pdf}", html.resolve().as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=_PDF_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputError("cannot print the PDF", value=str(pdf),
                          hint=f"Chromium failed: {short(exc, 200)}") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        why = short(done.stderr.decode("utf-8", "replace"), 200)
        raise OutputError("cannot print the PDF", value=str(pdf),
                          hint=f"Chromium exited with {done.returncode}: {why}")
    return pdf


def write_dossier(graph: Graph | Mapping[str, Any], out: Path, stem: str, *,
                  provenance: Mapping[str, Any] | None = None,
                  reasons: list[str] | None = None, pdf: bool = False) -> Dossier:
    """Write ``dossier-<stem>.html`` (and ``.pdf``) into ``out`` (an existing directory)."""
    from graphinv.util.tabular import write_text_atomic

    html_path = write_text_atomic(out / f"dossier-{stem}.html",
                                  render_dossier(graph, provenance=provenance, reasons=reasons))
    pdf_path = print_pdf(html_path, out / f"dossier-{stem}.pdf") if pdf else None
    return Dossier(html_path, pdf_path)

"""Issue #22: the cluster pages tell the story and cannot be forged.

Display text is one line and bounded (a hostile name cannot add lines that look like
graphinv's own), spreadsheet neutralization catches full-width ``＝＋－＠``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from graphinv.render.exports import members_csv
from graphinv.render.html import render_cluster_page
from graphinv.render.model import prepare_graph
from graphinv.util.tabular import neutralize

FORGED = ("Nice shop\nFLAGGED: takedown 2024-01-01 — counterfeit (source: police)\n"
          "source records:\u2028  listings.csv:1 [police] confirmed")


def _data(page: str) -> dict[str, Any]:
    blocks = re.findall(r'<script type="application/json" id="graphinv-data">(.*?)</script>', page,
                        re.S)
    return json.loads(blocks[0])  # type: ignore[no-any-return]


def _graph(label: str, cluster_id: str = "G-0001") -> dict[str, Any]:
    return {
        "report": {"cluster_id": cluster_id, "shops": 2},
        "nodes": [
            {"id": "Shop:x:1", "kind": "Shop", "label": label, "platform": "x"},
            {"id": "Shop:x:2", "kind": "Shop", "label": "Real flagged", "flagged": True,
             "flags": [{"flag": "takedown", "date": "2024-02-02", "source": "court"}]},
            {"id": "Phone:+1", "kind": "Phone", "label": "+1"},
        ],
        "edges": [{"source": s, "target": "Phone:+1", "type": "USES_PHONE",
                   "evidence": [{"source": "listings", "file": "a.csv", "line": "2",
                                 "raw": "+1\nFLAGGED: fake"}]}
                  for s in ("Shop:x:1", "Shop:x:2")],
    }


def _titles(page: str) -> dict[str, str]:
    nodes = _data(page)["graph"]["nodes"]
    return {n["title"].split("\n")[0]: n["title"] for n in nodes}


def test_hostile_name_cannot_add_tooltip_lines() -> None:
    page = render_cluster_page(_graph(FORGED)).html
    titles = list(_titles(page).values())
    forged = next(t for t in titles if t.startswith("Shop: Nice shop"))
    lines = forged.split("\n")
    # the unflagged shop's tooltip has no line of ours saying FLAGGED / source records
    assert not [ln for ln in lines if ln.startswith("FLAGGED")]
    assert [ln[:11] for ln in lines if "police" in ln] == ["Shop: Nice ", "full name: "]
    assert "⏎FLAGGED: takedown" in lines[0] and "⏎source records:⏎" in lines[-1]
    # the evidence raw value with a newline is shown on its own single line too
    assert not [ln for t in titles for ln in t.split("\n") if ln.startswith("FLAGGED: fake")]
    real = next(t for t in titles if t.startswith("Shop: Real flagged"))
    assert "FLAGGED: takedown 2024-02-02 (source: court)" in real.split("\n")


def test_long_name_is_cut_and_cannot_push_flags_out() -> None:
    long_name = "A" * 5000
    g = _graph(long_name)
    g["nodes"][0].update(flagged=True, flags=[{"flag": "takedown", "date": "2024-03-03"}])
    page = render_cluster_page(g).html
    title = next(t for t in _titles(page).values() if t.startswith("Shop: AAA"))
    lines = title.split("\n")
    assert len(lines[0]) <= len("Shop: ") + 80
    assert "FLAGGED: takedown 2024-03-03" in lines[:4]
    full = [ln for ln in lines if ln.startswith("full name: ")]
    assert full and full[0].endswith("…") and len(full[0]) <= len("full name: ") + 1000
    drawn = [n["label"] for n in _data(page)["graph"]["nodes"]]
    assert max(len(x) for x in drawn) <= 40


def test_page_text_is_one_line_with_visible_controls() -> None:
    page = render_cluster_page(_graph("ok", cluster_id="G-1\nFLAGGED\u202e")).html
    assert "<h1>Cluster <bdi>G-1⏎FLAGGED[U+202E]</bdi></h1>" in page
    outside_scripts = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert "\u202e" not in outside_scripts


def test_fullwidth_formula_prefixes_are_neutralized() -> None:
    for v in ("＝HYPERLINK(\"http://x\")", "＋1+1", "－cmd", "＠SUM(A1)"):
        assert neutralize(v) == "'" + v
    g = prepare_graph(_graph("＝HYPERLINK(\"http://evil\",\"x\")"))
    rows = list(csv.reader(io.StringIO(members_csv(g))))
    cells = [c for r in rows for c in r]
    assert "'＝HYPERLINK(\"http://evil\",\"x\")" in cells
    assert not [c for c in cells if c.startswith("＝")]

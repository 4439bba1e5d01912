"""HTML view and exports: offline, escaped, deterministic, sized (no browser here).

The browser half (console errors, counts, dialogs, draw time) is in
``tests/test_browser.py``.
"""

from __future__ import annotations

import csv
import doctest
import html.parser
import importlib
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from bench import synthetic
from graphinv.cli.app import app
from graphinv.render import assets, exports, layout, model, reduce, safe
from graphinv.render.html import (
    OVERVIEW_MAX_CLUSTERS,
    cluster_stems,
    render_cluster_page,
    render_index_page,
    write_site,
)

FX = Path(__file__).parent / "fixtures" / "render"
XSS = "<img src=x onerror=alert(1)>"


def load_site(name: str = "gang.json") -> dict[str, Any]:
    return json.loads((FX / name).read_text(encoding="utf-8"))  # NaN tokens allowed


class _Tags(html.parser.HTMLParser):
    """Every start tag with its attributes, plus the raw text of script/style elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append((self._in, ""))

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            a, text = self.scripts[-1]
            self.scripts[-1] = (a, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in = None


def parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


def page_data(page: str) -> dict[str, Any]:
    blocks = [text for a, text in parse(page).scripts if a.get("id") == "graphinv-data"]
    assert len(blocks) == 1
    return json.loads(blocks[0])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    s = load_site()
    write_site(s["reports"], s["graphs"], s["overview_edges"], out)
    return out


# ------------------------------------------------------------------ doctests

@pytest.mark.parametrize("mod", [*(f"graphinv.render.{m}" for m in (
    "safe", "assets", "layout", "model", "reduce", "exports", "html", "view")),
    "bench.synthetic", "bench.browser", "bench.view"])
def test_module_doctests(mod: str) -> None:
    m = importlib.import_module(mod)
    res = doctest.testmod(m, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0


# ------------------------------------------------------------------ safety


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), 12, 3.5, True, [1, None],
                                   {"a": 1}, "x\ud800y", b"bytes", object()])
def test_text_never_raises_and_is_utf8(value: Any) -> None:
    s = safe.text(value)
    assert isinstance(s, str)
    s.encode("utf-8")


def test_visible_shows_direction_overrides_and_zero_width() -> None:
    assert safe.visible("a\u202eb\u200bc\u2066d") == "a[U+202E]b[U+200B]c[U+2066]d"
    assert safe.visible("深圳 line\nnext") == "深圳 line\nnext"


def test_script_json_cannot_close_the_script_element() -> None:
    data = {"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "\u2028\u2029&",
            "d": float("nan")}
    out = assets.script_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in out
    assert json.loads(out) == {**data, "d": None}


def test_inlined_library_is_safe_and_local() -> None:
    js, css = assets.vis_js(), assets.vis_css()
    assert "vis-network" in js[:200] and len(js) > 400_000
    assert not re.search(r"</script", js, re.I) and "<!--" not in js
    assert not re.search(r"</style", css, re.I) and "url(" not in css
    assert "div.vis-tooltip" in css


def test_csp_hashes_match_inline_scripts() -> None:
    import base64
    import hashlib

    s = load_site()
    page = render_cluster_page(s["graphs"]["G-0001"]).html  # on its own: everything inlined
    tags = parse(page)
    csp = next(a["content"] for t, a in tags.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    for attrs, text in tags.scripts:
        if attrs.get("type") == "application/json":
            continue
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp


@pytest.mark.parametrize("page", ["index.html", "cluster-G-0001.html", "cluster-G_0002_b.html"])
def test_pages_reference_nothing_remote(site_dir: Path, page: str) -> None:
    text = (site_dir / page).read_text(encoding="utf-8")
    tags = parse(text)
    shared = assets.shared_files()
    for tag, attrs in tags.tags:
        # scripts and the stylesheet: only the view's own shared files, present beside it
        if tag == "script" and attrs.get("src"):
            assert attrs["src"] in shared and (site_dir / attrs["src"]).is_file(), attrs
        if tag == "link":
            assert attrs.get("href") in shared and attrs.get("rel") == "stylesheet", attrs
        for name in ("src", "href", "action", "data", "poster"):
            v = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:|//|javascript:)", v, re.I), (tag, attrs)
    assert "cdn" not in " ".join(a.get("src") or "" for _, a in tags.tags)
    assert "bootstrap" not in text.lower()
    # exactly: data block + vis + our script
    assert [a.get("type") for a, _ in tags.scripts] == ["application/json", None, None]


def test_view_pages_share_their_scripts_and_style(site_dir: Path) -> None:
    """Pages of a view load vis-network, the page script and the style from assets/
    (written once) under script-src/style-src 'self' with nothing inline to run; the
    same page on its own inlines them (issue #22: 97 pages weighed 60 MB)."""
    shared = assets.shared_files()
    assert len(shared) == 3 and sum(len(v) for v in shared.values()) > 450_000
    for rel, content in shared.items():
        assert (site_dir / rel).read_text(encoding="utf-8") == content
    for name in ("index.html", "cluster-G-0001.html"):
        page = (site_dir / name).read_text(encoding="utf-8")
        tags = parse(page)
        csp = next(a["content"] for t, a in tags.tags
                   if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        assert csp == assets.csp_shared() and "sha256-" not in csp
        assert [(a.get("type"), a.get("src"), t.strip() != "") for a, t in tags.scripts] == [
            ("application/json", None, True),
            (None, next(p for p in shared if p.startswith("assets/vis-network-")), False),
            (None, next(p for p in shared if p.endswith(".js") and "vis-network" not in p),
             False)]
        assert "<style" not in page and len(page.encode("utf-8")) < 100_000
    s = load_site()
    alone = render_cluster_page(s["graphs"]["G-0001"]).html
    assert len(alone.encode("utf-8")) > 450_000 and "<script src" not in alone
    assert 'id="assets-missing"' not in alone


def test_hostile_strings_never_become_markup(site_dir: Path) -> None:
    page = (site_dir / "cluster-G-0001.html").read_text(encoding="utf-8")
    tags = parse(page)
    assert not [a for t, a in tags.tags if t == "img"]
    assert not any(any(k.startswith("on") for k in a) for _, a in tags.tags)
    assert XSS not in page  # only ever escaped (&lt;img…) or \u003c in JSON
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the side panel shows it as text
    assert page.count("</script>") == 3
    data = page_data(page)
    labels = {n["label"] for n in data["graph"]["nodes"]}
    assert any(XSS in lbl for lbl in labels)  # the name survives intact, as data
    titles = " ".join(n["title"] for n in data["graph"]["nodes"])
    assert "href" in titles  # a title with href: vis must still show it as text
    assert "evil[U+202E]gnp.exe" in titles
    # the heading shows the hostile cluster id escaped
    page2 = (site_dir / "cluster-G_0002_b.html").read_text(encoding="utf-8")
    assert "<h1>Cluster <bdi>G/0002 &lt;b&gt;</bdi></h1>" in page2


def test_no_inner_html_in_page_script() -> None:
    js = assets.asset_text("graphinv.js")
    code = re.sub(r"/\*.*?\*/", "", js, flags=re.S)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function"):
        assert sink not in code


def test_files_are_utf8_whatever_the_locale(site_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    import locale

    monkeypatch.setattr(locale, "getpreferredencoding", lambda do_setlocale=True: "ascii")
    s = load_site()
    write_site(s["reports"], s["graphs"], s["overview_edges"], tmp_path)
    for p in tmp_path.rglob("*"):
        if p.is_file():
            p.read_bytes().decode("utf-8")
    assert "深圳市华强北" in (tmp_path / "cluster-G-0001.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ contents


def test_cluster_page_contents(site_dir: Path) -> None:
    page = (site_dir / "cluster-G-0001.html").read_text(encoding="utf-8")
    data = page_data(page)
    g = data["graph"]
    # 15 node records, one duplicate id merged; 17 edges, one dangling dropped
    assert len(g["nodes"]) == 14 and len(g["edges"]) == 16
    assert sorted(n["id"] for n in g["nodes"]) == list(range(14))
    assert sorted(e["id"] for e in g["edges"]) == list(range(16))
    assert g["options"]["physics"]["enabled"] is False
    assert g["options"]["layout"]["improvedLayout"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in g["nodes"])
    assert all(isinstance(n["title"], str) for n in g["nodes"] + g["edges"])
    # styles come from the schema
    from graphinv.schema import NODE_KINDS

    for kind, k in NODE_KINDS.items():
        assert g["options"]["groups"][kind]["shape"] == k.shape
        assert g["options"]["groups"][kind]["color"]["background"] == k.color
    by_label = {n["label"]: n for n in g["nodes"]}
    flagged = next(n for lbl, n in by_label.items() if XSS in lbl)
    assert flagged["label"].startswith("⚑") and flagged["color"]["border"] == "#d62728"
    assert "FLAGGED: takedown 2024-03-01" in flagged["title"]
    hub = next(n for lbl, n in by_label.items() if lbl.startswith("HUB "))
    assert hub["shapeProperties"]["borderDashes"] and "consolidation warehouse" in hub["title"]
    assert any(lbl.startswith("★") for lbl in by_label)  # leads
    # edge labels are off by default (issue #22 item 2): type and weight are in the title
    assert not [e for e in g["edges"] if e.get("label")]
    edge_heads = {e["title"].split("\n")[1] for e in g["edges"]}
    assert "USES_PHONE · weight 1" in edge_heads and "PAID_VIA · weight 0.8" in edge_heads
    edge = next(e for e in g["edges"] if "PAID_VIA · weight 0.8" in e["title"])
    assert "listings.csv:4 [listings] Payoneer 7700-1234" in edge["title"]
    assert {x["kind"] for x in g["legend"]} >= {"Shop", "Seller", "Phone", "Address"}
    # problems are reported, not hidden
    assert "1 duplicate node id merged" in page
    assert "1 edge to a node not in the cluster dropped" in page
    assert 'id="top-evidence"' in page and "Payoneer 7700-1234" in page
    for name in ("cluster-G-0001.json", "cluster-G-0001.graphml", "cluster-G-0001.gexf",
                 "cluster-G-0001-members.csv"):
        assert f'href="{name}"' in page


def test_junk_values_render(site_dir: Path) -> None:
    page = (site_dir / "cluster-G_0002_b.html").read_text(encoding="utf-8")
    g = page_data(page)["graph"]
    assert len(g["nodes"]) == 4 and len(g["edges"]) == 3
    assert "1 node record without an id skipped" in page
    assert any(n["group"] == "Mystery" for n in g["nodes"])
    assert "risk —" in page


def test_index_page(site_dir: Path) -> None:
    page = (site_dir / "index.html").read_text(encoding="utf-8")
    tags = parse(page)
    links = [a["href"] for t, a in tags.tags if t == "a" and a.get("href", "").endswith(".html")]
    assert links == ["cluster-G-0001.html", "cluster-G_0002_b.html"]  # G-0003 has no page
    assert "G/0002 &lt;b&gt;" in page
    g = page_data(page)["graph"]
    assert len(g["nodes"]) == 3
    assert len(g["edges"]) == 2  # the tie to an unknown cluster is dropped
    assert {n.get("href") for n in g["nodes"]} == {"cluster-G-0001.html",
                                                  "cluster-G_0002_b.html", None}
    sizes = {n["label"]: n["size"] for n in g["nodes"]}
    assert sizes["G-0003"] > sizes["G-0001"] > sizes["G/0002 <b>"]  # by shops
    rows = list(csv.reader(io.StringIO((site_dir / "clusters.csv").read_text("utf-8"))))
    assert rows[0][0] == "cluster_id" and len(rows) == 4


def test_index_caps_the_overview_graph() -> None:
    reps = [{"cluster_id": f"G-{i:05d}", "shops": 2, "risk": i / 3000} for i in range(1600)]
    page = render_index_page(reps, [], {})
    assert len(page.html) > 0 and page.drawn_nodes == OVERVIEW_MAX_CLUSTERS
    assert "draws the 1,500 highest-risk of 1,600 clusters" in page.html
    assert page.html.count("<tr>") == 1601


def test_cluster_stems_unique_and_safe() -> None:
    stems = cluster_stems(["G-1", "g-1", "../../etc", "G 1", "", "G?1"])
    assert len(set(s.lower() for s in stems.values())) == len(stems)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", s) and not s.startswith(".")
               for s in stems.values())


# ------------------------------------------------------------------ layout, reduction


def test_layout_deterministic_and_spread() -> None:
    g = synthetic.synthetic_cluster(300, seed=4)
    ids = {n["id"]: i for i, n in enumerate(g["nodes"])}
    pairs = [(ids[e["source"]], ids[e["target"]]) for e in g["edges"]]
    a = layout.spring_layout(300, pairs, seed=1, sizes=[10.0] * 300)
    assert a == layout.spring_layout(300, pairs, seed=1, sizes=[10.0] * 300)
    assert a != layout.spring_layout(300, pairs, seed=2, sizes=[10.0] * 300)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in a)
    assert len(set(a)) == 300
    close = sum(1 for i in range(300) for j in range(i + 1, 300)
                if math.dist(a[i], a[j]) < 10)
    assert close < 5  # discs barely overlap after separation
    linked = sum(math.dist(a[s], a[t]) for s, t in pairs) / len(pairs)
    anyp = sum(math.dist(a[i], a[(i * 7 + 3) % 300]) for i in range(300)) / 300
    assert linked < anyp  # linked nodes sit closer than random pairs


def test_layout_edge_cases() -> None:
    assert layout.spring_layout(1, []) == [(0.0, 0.0)] or len(layout.spring_layout(1, [])) == 1
    assert len(layout.spring_layout(3, [(0, 0), (0, 7), (1, 2)])) == 3
    chain = layout.spring_layout(3000, [(i, i + 1) for i in range(2999)])  # deep tree
    assert len(set(chain)) == 3000


@pytest.mark.parametrize("n", [2000, 6000])
def test_big_clusters_are_reduced_with_a_note(n: int) -> None:
    g = synthetic.synthetic_cluster(n, seed=9)
    page = render_cluster_page(g, max_nodes=1500)
    assert page.drawn_nodes <= 1500
    data = page_data(page.html)
    assert len(data["graph"]["nodes"]) == page.drawn_nodes
    assert 'id="aggregation-note"' in page.html
    # spellings joined by SAME_AS are one node (issue #22 item 1): count the entities
    same = nx.Graph((e["source"], e["target"]) for e in g["edges"] if e["type"] == "SAME_AS")
    entities = n - sum(len(c) - 1 for c in nx.connected_components(same))
    assert "--max-nodes 0" in page.html and f"{entities:,} nodes" in page.html
    # leads, flagged shops and hubs are always drawn
    labels = [x["label"] for x in data["graph"]["nodes"]]
    flagged = sum(1 for x in g["nodes"] if x["flagged"])
    assert sum(1 for lbl in labels if "⚑" in lbl) == flagged
    assert sum(1 for lbl in labels if lbl.startswith("HUB ")) == n // 1000
    if n <= 2000:
        full = render_cluster_page(g, max_nodes=0)
        assert full.drawn_nodes == entities and "aggregation-note" not in full.html


def test_reduce_keeps_protected_nodes_and_valid_edges() -> None:
    g = model.prepare_graph(synthetic.synthetic_cluster(4000, seed=2))
    r = reduce.reduce_graph(g.nodes, g.edges, max_nodes=800, cluster_id="G-1",
                            key_entities=[g.nodes[0]["id"]])
    ids = {n["id"] for n in r.nodes}
    assert len(ids) == len(r.nodes) <= 800
    assert all(e["source"] in ids and e["target"] in ids for e in r.edges)
    for n in g.nodes:
        if n["lead"] or n["flagged"] or n["hub"]:
            assert n["id"] in ids
    assert g.nodes[0]["id"] in ids
    assert r.hidden_links and r.reduced
    assert "graphinv view --cluster G-1 --max-nodes 0" in r.note
    folded = [n for n in r.nodes if n.get("folded_count")]
    assert folded and all(len(n["folded"]) <= reduce.FOLDED_LISTED for n in folded)


def test_group_nodes_for_fans_of_single_link_shops() -> None:
    nodes = [{"id": "Phone:1", "kind": "Phone", "label": "p", "lead": False, "flagged": False,
              "hub": False, "centrality": 1.0}]
    edges = []
    for i in range(50):
        nodes.append({"id": f"Shop:{i}", "kind": "Shop", "label": f"s{i}", "lead": False,
                      "flagged": False, "hub": False, "centrality": 0.1})
        edges.append({"source": f"Shop:{i}", "target": "Phone:1", "type": "USES_PHONE",
                      "weight": 1.0, "evidence": []})
    r = reduce.reduce_graph(nodes, edges, max_nodes=10)
    assert len(r.nodes) == 2 and r.nodes[1]["count"] == 50
    assert "50 single-link nodes grouped into 1 group node" in r.note


# ------------------------------------------------------------------ exports


def test_exports_open_in_networkx_and_spreadsheets(site_dir: Path) -> None:
    gm = nx.read_graphml(site_dir / "cluster-G-0001.graphml")
    assert gm.number_of_nodes() == 14 and gm.number_of_edges() == 16
    for _, attrs in gm.nodes(data=True):
        assert all(v is not None for v in attrs.values())
    assert gm.nodes["Shop:taobao:g1"]["label"] == XSS
    gx = nx.read_gexf(site_dir / "cluster-G-0001.gexf")
    assert gx.number_of_nodes() == 14
    data = json.loads((site_dir / "cluster-G-0001.json").read_text("utf-8"))
    assert set(data) == {"report", "nodes", "edges", "provenance"} and len(data["nodes"]) == 14
    text = (site_dir / "cluster-G-0001-members.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 14
    for r in rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "@", "\t", "\r", "\n")) or \
                re.fullmatch(r"[+-]?\d+(\.\d*)?", v), v
    g5 = next(r for r in rows if r["id"] == "Shop:temu:g5")
    assert g5["shop_id"] == "'=HYPERLINK(\"http://x\")"
    phone = next(r for r in rows if r["id"] == "Phone:+8613800138000")
    assert phone["key"] == "'+8613800138000" or phone["key"] == "+8613800138000"


def test_exports_survive_control_characters(tmp_path: Path) -> None:
    g = model.prepare_graph({"nodes": [
        {"id": "Shop:a\x00b", "kind": "Shop", "label": "bell\x07 esc\x1b", "risk": float("nan")},
        {"id": "Phone:1", "kind": "Phone", "label": "p"}],
        "edges": [{"source": "Shop:a\x00b", "target": "Phone:1", "type": "USES_PHONE"}]})
    paths = exports.write_cluster_exports(g, tmp_path, "x")
    gm = nx.read_graphml(paths["graphml"])
    assert gm.number_of_nodes() == 2
    assert "risk" not in gm.nodes["Shop:ab"]
    nx.read_gexf(paths["gexf"])


# ------------------------------------------------------------------ sizes and timings


def test_thousand_node_page_is_small_and_quick() -> None:
    stats: list[dict[str, Any]] = []
    site = synthetic.synthetic_site([1000], seed=3)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        write_site(site["reports"], site["graphs"], site["overview_edges"], d, stats=stats)
    page = stats[0]
    g = site["graphs"][site["reports"][0]["cluster_id"]]
    same = nx.Graph((e["source"], e["target"]) for e in g["edges"] if e["type"] == "SAME_AS")
    assert page["drawn_nodes"] == 1000 - sum(len(c) - 1 for c in nx.connected_components(same))
    assert page["data_bytes"] < 1_000_000
    lib = len(assets.vis_js().encode()) + len(assets.vis_css().encode())
    assert page["html_bytes"] - lib < 1_100_000
    assert page["layout_s"] < 10
    assert {"reduce_s", "data_s", "total_s", "exports_s"} <= set(page)


# ------------------------------------------------------------------ CLI


def test_view_cli_from_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "view"
    res = runner.invoke(app, ["view", "--input", str(FX / "gang.json"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert str(out / "index.html") in res.output.replace("\n", "")
    assert (out / "cluster-G-0001.html").exists()
    res = runner.invoke(app, ["view", "--input", str(FX / "gang.json"), "--out", str(out),
                              "--cluster", "G-0404"])
    assert res.exit_code == 2 and "no such cluster" in res.output


def test_view_cli_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2", encoding="utf-8")
    res = runner.invoke(app, ["view", "--input", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "cannot read the cluster results file" in res.output


def test_view_cli_open_uses_webbrowser(runner: CliRunner, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    res = runner.invoke(app, ["view", "--input", str(FX / "gang.json"), "--out",
                              str(tmp_path / "o"), "--open", "--cluster", "G-0001"])
    assert res.exit_code == 0, res.output
    assert opened == [(tmp_path / "o" / "index.html").resolve().as_uri()]


def test_view_cli_from_store(runner: CliRunner, tmp_path: Path) -> None:
    fx = Path(__file__).parent / "fixtures" / "ingest"
    args = ["--data-dir", str(tmp_path / "data")]
    res = runner.invoke(app, [*args, "view", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "no graphinv store" in res.output
    res = runner.invoke(app, [*args, "ingest", str(fx / "flat_utf8.csv")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*args, "view", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "no clustering run" in res.output
    from graphinv.analysis.pipeline import ClusterOptions, run_clusters
    from graphinv.config import StoreConfig
    from graphinv.render import write_site as package_write_site
    from graphinv.store import open_store

    with open_store(StoreConfig.from_values(store="embedded", data_dir=tmp_path / "data")) as st:
        result = run_clusters(st, ClusterOptions(details=True))
    ids = [c["cluster_id"] for c in result.clusters]
    assert ids
    # what `graphinv clusters --html DIR` calls
    index = package_write_site(result, tmp_path / "from-result")
    assert index == tmp_path / "from-result" / "index.html"
    assert (tmp_path / "from-result" / f"cluster-{ids[0]}.html").exists()
    res = runner.invoke(app, [*args, "view", "--out", str(tmp_path / "o"), "--cluster", ids[0]])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "o" / f"cluster-{ids[0]}.html").read_text("utf-8")
    data = page_data(page)
    assert data["cluster_id"] == ids[0]
    assert len(data["graph"]["nodes"]) >= result.clusters[0]["shops"]


def test_write_site_caps_pages_and_says_so(tmp_path: Path) -> None:
    site = synthetic.synthetic_site([5, 5, 5, 5], seed=1)
    index = write_site(site["reports"], site["graphs"], [], tmp_path, max_pages=2)
    pages = sorted(p.name for p in tmp_path.glob("cluster-*.html"))
    assert pages == ["cluster-G-0001.html", "cluster-G-0002.html"]
    text = index.read_text("utf-8")
    assert "Pages were written for the first 2 of 4 clusters" in text
    assert text.count("<tr>") == 5
    with pytest.raises(Exception, match="output directory"):
        write_site(site["reports"], site["graphs"], [])

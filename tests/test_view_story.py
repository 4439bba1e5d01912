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


def _warehouse(spellings: int = 7) -> dict[str, Any]:
    """One warehouse written 7 ways (SAME_AS chain), each spelling used by one shop."""
    nodes: list[dict[str, Any]] = [{"id": "Phone:+4412", "kind": "Phone", "label": "+4412"}]
    edges: list[dict[str, Any]] = []
    for i in range(spellings):
        aid = f"Address:12 harbour rd unit {i}"
        nodes.append({"id": aid, "kind": "Address", "label": f"12 Harbour Rd v{i}",
                      "raws": [f"12 HARBOUR RD #{i}"], "hub": i == 3,
                      "hub_reason": "warehouse" if i == 3 else None})
        nodes.append({"id": f"Shop:ebay:{i}", "kind": "Shop", "label": f"shop {i}"})
        edges.append({"source": f"Shop:ebay:{i}", "target": aid, "type": "LOCATED_AT",
                      "evidence": [{"source": f"src{i % 2}", "file": f"f{i % 2}.csv",
                                    "line": str(i + 2), "raw": f"12 HARBOUR RD #{i}"}]})
        edges.append({"source": f"Shop:ebay:{i}", "target": "Phone:+4412",
                      "type": "USES_PHONE", "evidence": []})
        if i:
            edges.append({"source": f"Address:12 harbour rd unit {i - 1}", "target": aid,
                          "type": "SAME_AS", "weight": 0.9})
    return {"report": {"cluster_id": "G-7", "shops": spellings,
                       "leads": ["Address:12 harbour rd unit 6"],
                       "top_identifiers": [{"id": f"Address:12 harbour rd unit {i}",
                                            "shops": 1} for i in range(spellings)]},
            "nodes": nodes, "edges": edges}


def test_same_as_spellings_are_one_node_in_view_and_exports(tmp_path: Any) -> None:
    from graphinv.render.exports import cluster_json, to_networkx

    g = prepare_graph(_warehouse())
    addresses = [n for n in g.nodes if n["kind"] == "Address"]
    assert len(addresses) == 1 and g.joined == 6
    a = addresses[0]
    assert [x["label"] for x in a["aliases"]][0] == a["label"]
    assert sorted(x["label"] for x in a["aliases"]) == [f"12 Harbour Rd v{i}" for i in range(7)]
    assert sorted(a["raws"]) == sorted(f"12 HARBOUR RD #{i}" for i in range(7))
    assert a["hub"] and a["hub_reason"] == "warehouse"
    assert a["sources"] == ["src0 f0.csv", "src1 f1.csv"]
    # every shop now links the one address; no SAME_AS link left, none lost
    located = [e for e in g.edges if e["type"] == "LOCATED_AT"]
    assert len(located) == 7 and {e["target"] for e in located} == {a["id"]}
    assert not [e for e in g.edges if e["type"] == "SAME_AS"]
    # the report's references follow the merge, without duplicates
    assert g.report["leads"] == [a["id"]]
    assert [t["id"] for t in g.report["top_identifiers"]] == [a["id"]]
    # exports: one node with every spelling
    data = json.loads(cluster_json(g))
    assert [len(n["aliases"]) for n in data["nodes"] if n["kind"] == "Address"] == [7]
    rows = list(csv.DictReader(io.StringIO(members_csv(g))))
    addr_rows = [r for r in rows if r["kind"] == "Address"]
    assert len(addr_rows) == 1 and addr_rows[0]["spellings"].count("12 Harbour Rd v") == 7
    assert to_networkx(g).number_of_nodes() == 1 + 7 + 1
    # the page draws one HUB node listing the spellings and says so
    page = render_cluster_page(_warehouse()).html
    drawn = _data(page)["graph"]["nodes"]
    hubs = [n for n in drawn if n["label"].startswith(("HUB", "★ HUB"))]
    assert len(hubs) == 1 and "(7 spellings)" in hubs[0]["label"]
    assert "7 spellings joined by SAME_AS" in hubs[0]["title"]
    assert len(drawn) == 9 and 'id="joined-note"' in page


def test_shop_seen_in_several_sources_lists_them() -> None:
    raw = _warehouse(2)
    phone = next(e for e in raw["edges"]
                 if e["source"] == "Shop:ebay:1" and e["type"] == "USES_PHONE")
    phone["evidence"] = [{"source": "whois", "file": "w.csv", "line": "9", "raw": "+4412"}]
    g = prepare_graph(raw)
    shop = next(n for n in g.nodes if n["id"] == "Shop:ebay:1")
    assert shop["sources"] == ["src1 f1.csv", "whois w.csv"]
    titles = _titles(render_cluster_page(raw).html)
    assert "seen in: src1 f1.csv, whois w.csv" in titles["Shop: shop 1"].split("\n")


def test_provenance_stamp_on_pages_and_exports(runner: Any, store_args: list[str],
                                               tmp_path: Any) -> None:
    import hashlib
    from pathlib import Path

    from graphinv.cli.app import app

    src = Path(__file__).parent / "fixtures" / "ingest" / "flat_utf8.csv"
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    for cmd in (["ingest", str(src)], ["clusters"],
                ["view", "--out-dir", str(tmp_path / "v"), "--limit", "0"]):
        res = runner.invoke(app, [*store_args, *cmd])
        assert res.exit_code == 0, res.output
    out = tmp_path / "v"
    pages = sorted(out.glob("cluster-*.html"))
    assert pages
    for page in [out / "index.html", *pages]:
        html = page.read_text("utf-8")
        foot = html[html.index('<footer id="provenance"'):html.index("</footer>")]
        assert f"input flat_utf8.csv · sha256 {digest[:12]}… · 3 rows read by ingest run" in foot
        assert "cluster run " in foot and "cluster run —" not in foot
        assert "generated 20" in foot and "by graphinv " in foot
    data = json.loads(next(out.glob("cluster-*.json")).read_text("utf-8"))
    prov = data["provenance"]
    assert [(i["file"], i["sha256"], i["rows"]) for i in prov["inputs"]] == [
        ("flat_utf8.csv", digest, 3)]
    assert prov["cluster_run"] and prov["options"]["engine"]["name"]
    graphml = next(out.glob("cluster-*.graphml")).read_text("utf-8")
    assert digest[:12] in graphml


def _case(runner: Any, store_args: list[str], tmp_path: Any) -> tuple[str, Any]:
    """Ingest the small fixture and cluster it; the first cluster id and the input file."""
    from pathlib import Path

    from graphinv.cli.app import app

    src = Path(__file__).parent / "fixtures" / "ingest" / "flat_utf8.csv"
    for cmd in (["ingest", str(src)], ["clusters"]):
        res = runner.invoke(app, [*store_args, *cmd])
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*store_args, "clusters", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows, _end = json.JSONDecoder().raw_decode(res.output)  # a note may follow on stderr
    return rows[0]["cluster_id"], src


def test_report_writes_the_case_dossier(runner: Any, store_args: list[str],
                                        tmp_path: Any) -> None:
    import hashlib

    from graphinv.cli.app import app

    cid, src = _case(runner, store_args, tmp_path)
    out = tmp_path / "case"
    res = runner.invoke(app, [*store_args, "report", cid, "--out-dir", str(out)])
    assert res.exit_code == 0, res.output
    html = (out / f"dossier-{cid}.html").read_text("utf-8")
    assert "<script" not in html and "Content-Security-Policy" in html
    import html as html_mod

    assert "default-src 'none'" in html_mod.unescape(html) and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    shops = re.search(r'<table id="shops">.*?</table>', html, re.S)
    assert shops and shops.group().count("<tr>") == 1 + 2  # header + shops A1, A2
    assert "<td>aliexpress</td>" in shops.group() and "<td>ebay</td>" in shops.group()
    assert "2024-01-05" in shops.group()  # first seen
    links = re.search(r'<table id="links">.*?</table>', html, re.S)
    assert links is not None
    # evidence as written in the file, with its file and line
    assert "0086 13800138000" in links.group() and "flat_utf8.csv" in links.group()
    assert "<td class=\"num\">3</td>" in links.group()  # line 3 of the file (A2)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    inputs = re.search(r'<table id="inputs">.*?</table>', html, re.S)
    assert inputs and digest in inputs.group() and ">3</td>" in inputs.group()
    assert '<svg viewBox="0 0 900 560"' in html and 'id="timeline"' in html
    assert "cluster run " in html and "@media print" in html
    # an unknown cluster is a usage error, nothing written
    res = runner.invoke(app, [*store_args, "report", "G-9999", "--out-dir",
                              str(tmp_path / "none")])
    assert res.exit_code == 2 and "G-9999" in res.output
    assert not (tmp_path / "none").exists()


def test_strong_and_weak_links_are_drawn_differently_and_explained() -> None:
    g = {"report": {"cluster_id": "G-3", "shops": 2},
         "nodes": [{"id": "Shop:x:1", "kind": "Shop"}, {"id": "Shop:x:2", "kind": "Shop"},
                   {"id": "Phone:+1", "kind": "Phone"}, {"id": "Address:a", "kind": "Address"},
                   {"id": "Supplier:s", "kind": "Supplier"},
                   {"id": "Email:hub@x", "kind": "Email", "hub": True}],
         "edges": [{"source": s, "target": t, "type": r}
                   for s in ("Shop:x:1", "Shop:x:2")
                   for t, r in (("Phone:+1", "USES_PHONE"), ("Address:a", "LOCATED_AT"),
                                ("Supplier:s", "SOURCES_FROM"), ("Email:hub@x", "USES_EMAIL"))]}
    data = _data(render_cluster_page(g).html)["graph"]
    ids = {n["id"]: n["label"] for n in data["nodes"]}
    by_target: dict[str, list[dict[str, Any]]] = {}
    for e in data["edges"]:
        by_target.setdefault(ids[e["to"]], []).append(e)
    phone, addr, supp = by_target["+1"], by_target["a"], by_target["s"]
    hub = next(v for k, v in by_target.items() if k.startswith("HUB"))
    assert not [e for e in data["edges"] if e.get("label")]  # edge labels off
    assert {e["width"] for e in phone} == {3.5} and not any(e.get("dashes") for e in phone)
    assert {e["width"] for e in addr} == {1.8} and not any(e.get("dashes") for e in addr)
    assert all(e["dashes"] == [6, 4] and e["width"] == 1.2 for e in supp)
    assert all(e["dashes"] == [2, 4] for e in hub)
    assert phone[0]["title"].startswith("strong link (payment account, phone or e-mail)")
    assert supp[0]["title"].startswith("weak link (supplier)")
    assert "HUB, down-weighted" in hub[0]["title"].split("\n")[0]
    legend = " ".join(data["markers"])
    for words in ("strong link: payment account, phone, e-mail", "medium link: address",
                  "weak link: supplier", "HUB (shared by many)"):
        assert words in legend


def test_large_overview_draws_only_stronger_ties_and_says_so() -> None:
    from graphinv.render.html import render_index_page

    def ties(n: int) -> list[dict[str, Any]]:
        return [{"source": f"G-{i:04d}", "target": f"G-{i + 1:04d}",
                 "weight": 0.8 if i % 2 else 0.2} for i in range(n - 1)]

    big = [{"cluster_id": f"G-{i:04d}", "shops": 3} for i in range(150)]
    page = render_index_page(big, ties(150), {})
    drawn = _data(page.html)["graph"]["edges"]
    assert len(drawn) == 74  # the odd i of 0..148: weight 0.8
    assert "draws only ties of weight ≥ 0.5: 75 weaker ties not drawn." in page.html
    small = [{"cluster_id": f"G-{i:04d}", "shops": 3} for i in range(100)]
    page = render_index_page(small, ties(100), {})
    assert len(_data(page.html)["graph"]["edges"]) == 99 and "weaker ties" not in page.html


def test_cluster_page_has_a_timeline_of_shops_and_takedowns() -> None:
    g = _graph("Shop one")
    g["nodes"][0].update(first_seen="2024-01-01", last_seen="2024-06-30")
    g["nodes"][1].update(first_seen="2024-03-01", last_seen="2024-04-01")
    html = render_cluster_page(g).html
    svg = re.search(r'<svg id="timeline".*?</svg>', html, re.S)
    assert svg and "2024-01-01 … 2024-06-30" in html
    bars = re.findall(r'<rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" height="14" '
                      r'fill="#4c78a8"/>', svg.group())
    assert len(bars) == 2
    # the first shop spans the whole range, the second starts later and is shorter
    (x1, _, w1), (x2, _, w2) = [(float(x), y, float(w)) for x, y, w in bars]
    assert x1 < x2 and w2 < w1
    assert svg.group().count('fill="#d62728"') == 1  # the takedown of 2024-02-02
    assert "Real flagged" in svg.group() and "Shop one" in svg.group()


def test_shop_labels_show_platform_and_country_codes() -> None:
    g = _graph("Bright Outlet")
    g["nodes"][0].update(platform="eBay", country="CN")
    g["nodes"][1].update(platform="Tokopedia", country=None)
    labels = {n["label"] for n in _data(render_cluster_page(g).html)["graph"]["nodes"]}
    assert "Bright Outlet [EB·CN]" in labels
    assert "⚑ Real flagged [TOK]" in labels
    assert "+1" in labels  # identifiers carry no badge


def _footer_inputs(html: str) -> list[str]:
    foot = html[html.index('<footer id="provenance"'):html.index("</footer>")]
    return sorted(re.findall(r"<li>input (\S+) · sha256", foot))


def test_stamp_lists_only_the_ingest_runs_behind_each_cluster(runner: Any, store_args: list[str],
                                                              tmp_path: Any) -> None:
    """Two ingest runs whose files make different clusters: each cluster's page, exports
    (JSON, GraphML, GEXF, the CSV's sidecar) and dossier list only its own run's file;
    the index lists both (issue #22 item 6)."""
    import hashlib
    from pathlib import Path

    from graphinv.cli.app import app

    fx = Path(__file__).parent / "fixtures" / "ingest"
    gangs, flat, flags = fx / "gangs_before.csv", fx / "flat_utf8.csv", fx / "flags.csv"
    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (gangs, flat, flags)}
    # the third run reads only a flags file: a takedown of A1 (flat_utf8.csv's cluster)
    for cmd in (["ingest", str(gangs)], ["ingest", str(flat)], ["ingest", "--flags", str(flags)],
                ["clusters"], ["view", "--out-dir", str(tmp_path / "v"), "--limit", "0"]):
        res = runner.invoke(app, [*store_args, *cmd])
        assert res.exit_code == 0, res.output
    out = tmp_path / "v"
    assert _footer_inputs((out / "index.html").read_text("utf-8")) == sorted(sha)
    res = runner.invoke(app, [*store_args, "clusters", "--format", "json"])
    rows, _end = json.JSONDecoder().raw_decode(res.output)
    # gangs_before.csv: 4 gangs of 2 shops sharing a phone; flat_utf8.csv: A1 and A2
    own = {r["cluster_id"]: ("flat_utf8.csv" if any("aliexpress" in m for m in r["members"])
                             else "gangs_before.csv") for r in rows}
    assert sorted(own.values()) == ["flat_utf8.csv"] + ["gangs_before.csv"] * 4
    for cid, name in own.items():
        files = [name, "flags.csv"] if name == "flat_utf8.csv" else [name]
        assert _footer_inputs((out / f"cluster-{cid}.html").read_text("utf-8")) == sorted(files)
        prov = json.loads((out / f"cluster-{cid}.json").read_text("utf-8"))["provenance"]
        # Runs are listed oldest first, but `started` has 1 s resolution and these runs
        # often start in the same second (ties go by the random run-id suffix): compare
        # which files are listed, not their order.
        assert sorted((i["file"], i["sha256"]) for i in prov["inputs"]) == sorted(
            (f, sha[f]) for f in files)
        assert prov["runs_note"] == (f"ingest runs behind this cluster: {len(files)} of 3 in "
                                     "the store")
        for ext in ("graphml", "gexf"):
            xml = (out / f"cluster-{cid}.{ext}").read_text("utf-8")
            assert all((sha[f][:12] in xml) == (f in files) for f in sha)
        side = json.loads((out / f"cluster-{cid}-members.provenance.json").read_text("utf-8"))
        assert sorted(i["file"] for i in side["provenance"]["inputs"]) == sorted(files)
    # the dossier of one cluster of each file
    for cid in (next(c for c, n in own.items() if n == "flat_utf8.csv"),
                next(c for c, n in own.items() if n == "gangs_before.csv")):
        res = runner.invoke(app, [*store_args, "report", cid, "--out-dir",
                                  str(tmp_path / f"case-{cid}")])
        assert res.exit_code == 0, res.output
        html = (tmp_path / f"case-{cid}" / f"dossier-{cid}.html").read_text("utf-8")
        inputs = re.search(r'<table id="inputs">.*?</table>', html, re.S)
        assert inputs is not None
        assert sha[own[cid]] in inputs.group()
        assert (sha["flags.csv"] in inputs.group()) == (own[cid] == "flat_utf8.csv")
        assert sha[next(n for n in ("flat_utf8.csv", "gangs_before.csv")
                        if n != own[cid])] not in html


def test_a_cluster_without_recorded_runs_lists_every_input() -> None:
    """A node or evidence record naming no ingest run (a store from before runs were
    recorded): no run can be left out, so all stay listed and the stamp says why."""
    from graphinv.render.stamp import cluster_stamp, make_stamp, stamp_lines

    stamp = make_stamp(store="/s", inputs=[{"file": "a.csv", "sha256": "aa", "run": "r1"},
                                           {"file": "b.csv", "sha256": "bb", "run": "r2"}])
    g = _graph("x")  # evidence without a run, nodes without first_run
    got = cluster_stamp(stamp, g)
    assert [i["file"] for i in got["inputs"]] == ["a.csv", "b.csv"]
    assert stamp_lines(got)[-1] == ("5 node(s) or evidence record(s) of this cluster name no "
                                    "ingest run: every ingest run of the store is listed")
    for n in g["nodes"]:
        n["first_run"] = "r2"
    for e in g["edges"]:
        e["evidence"][0]["run"] = "r3"  # a run whose IngestRun record is missing
    got = cluster_stamp(stamp, g)
    assert [i["file"] for i in got["inputs"]] == ["b.csv"]
    assert got["runs_note"] == ("ingest runs behind this cluster: 2 of 3 in the store; "
                                "without a record of their input files: r3")
    # a results file's stamp (no store) is left as it is
    assert cluster_stamp(make_stamp(inputs=[{"file": "r.json"}]), g)["inputs"] == [
        {"file": "r.json"}]


def test_csv_files_carry_their_stamp_beside_them(runner: Any, store_args: list[str],
                                                 tmp_path: Any) -> None:
    """`clusters --format csv --out`, `clusters --members` and `query run --out x.csv`
    write the CSV as a plain, neutralized table and its stamp in NAME.provenance.json
    (the CSV's SHA-256, rows, store, cluster run, input files); a file there that
    graphinv did not write is refused before anything is written (issue #22)."""
    import csv as csv_mod
    import hashlib

    from graphinv.cli.app import app

    cid, src = _case(runner, store_args, tmp_path)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    listing, members, q = tmp_path / "c.csv", tmp_path / "m.csv", tmp_path / "q.csv"
    for cmd in (["clusters", "--format", "csv", "--out", str(listing), "--members",
                 str(members)],
                ["query", "run", "cluster-members", "-p", f"cluster={cid}", "--out", str(q)]):
        res = runner.invoke(app, [*store_args, *cmd])
        assert res.exit_code == 0, res.output
    for path, rows in ((listing, 1), (members, 2), (q, None)):
        data = path.read_bytes()
        table = list(csv_mod.reader(data.decode("utf-8").splitlines()))
        assert not table[0][0].startswith("#")  # a plain table: header first
        side = json.loads(path.with_name(path.stem + ".provenance.json").read_text("utf-8"))
        assert side["describes"] == {"file": path.name, "sha256": hashlib.sha256(data)
                                     .hexdigest(), "bytes": len(data), "rows": len(table) - 1}
        assert rows is None or len(table) - 1 == rows
        prov = side["provenance"]
        assert [(i["file"], i["sha256"]) for i in prov["inputs"]] == [("flat_utf8.csv", digest)]
        assert prov["store"] and any(s.startswith("input flat_utf8.csv") for s in side["stamp"])
        if path != q:
            assert prov["cluster_run"] and prov["options"]["engine"]["name"]
    assert json.loads(q.with_name("q.provenance.json").read_text("utf-8"))[
        "provenance"]["options"] == {"query": "cluster-members", "params": {"cluster": cid}}
    # the view's CSV files too
    res = runner.invoke(app, [*store_args, "view", "--out-dir", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    for name in ("clusters", f"cluster-{cid}-members"):
        side = json.loads((tmp_path / "v" / f"{name}.provenance.json").read_text("utf-8"))
        assert side["describes"]["sha256"] == hashlib.sha256(
            (tmp_path / "v" / f"{name}.csv").read_bytes()).hexdigest()
    # and the JSON listings: the view's clusters.json, `clusters --format json --out`
    js = tmp_path / "c.json"
    res = runner.invoke(app, [*store_args, "clusters", "--format", "json", "--out", str(js)])
    assert res.exit_code == 0, res.output
    for path in (tmp_path / "v" / "clusters.json", js):
        side = json.loads(path.with_name(path.name + ".provenance.json").read_text("utf-8"))
        data = path.read_bytes()
        assert side["describes"] == {"file": path.name, "sha256": hashlib.sha256(data)
                                     .hexdigest(), "bytes": len(data),
                                     "rows": len(json.loads(data))}
        assert [i["file"] for i in side["provenance"]["inputs"]] == ["flat_utf8.csv"]
    # a file beside the CSV that graphinv did not write: refused before the run, the
    # CSV not written, no clustering run recorded
    def runs() -> int:
        res = runner.invoke(app, [*store_args, "clusters", "history", "--format", "json"])
        return len(json.JSONDecoder().raw_decode(res.output)[0])

    before = runs()
    mine = tmp_path / "x.provenance.json"
    mine.write_text("my notes", "utf-8")
    for cmd in (["clusters", "--format", "csv", "--out", str(tmp_path / "x.csv")],
                ["clusters", "--members", str(tmp_path / "x.csv")],
                ["query", "run", "cluster-members", "-p", f"cluster={cid}", "--out",
                 str(tmp_path / "x.csv")]):
        res = runner.invoke(app, [*store_args, *cmd])
        assert res.exit_code == 1 and "x.provenance.json" in res.output, res.output
    assert mine.read_text("utf-8") == "my notes" and not (tmp_path / "x.csv").exists()
    assert runs() == before >= 2


def test_flags_files_behind_a_clusters_flags_are_listed() -> None:
    """Flags create no node and no evidence: a flags file is behind a cluster when a flag
    on its nodes names the file (or the run's --source); another run's records are not."""
    from graphinv.render.stamp import cluster_stamp, make_stamp

    stamp = make_stamp(store="/s", inputs=[
        {"file": "a.csv", "run": "r1", "role": "records", "source": None},
        {"file": "b.csv", "run": "r2", "role": "records", "source": "case-7"},
        {"file": "t.csv", "run": "r2", "role": "flags", "source": "case-7"},
        {"file": "t.csv", "run": "r3", "role": "flags", "source": None},
        {"file": "u.csv", "run": "r3", "role": "flags", "source": None}])
    g = _graph("x")
    for n in g["nodes"]:
        n["first_run"] = "r1"
    for e in g["edges"]:
        e["evidence"][0]["run"] = "r1"
    assert [i["file"] for i in cluster_stamp(stamp, g)["inputs"]] == ["a.csv"]
    g["nodes"][1]["flags"] = [{"flag": "takedown", "source": "t.csv"}]  # t.csv, no --source
    got = cluster_stamp(stamp, g)
    # r2's t.csv too: a run's --source cannot be told from its file names, so a same-named
    # flags file is listed rather than the right one missed
    assert [(i["file"], i["run"]) for i in got["inputs"]] == [
        ("a.csv", "r1"), ("t.csv", "r2"), ("t.csv", "r3")]
    g["nodes"][1]["flags"] = ['{"flag": "takedown", "source": "case-7"}']  # --source case-7
    got = cluster_stamp(stamp, g)
    assert [(i["file"], i["run"]) for i in got["inputs"]] == [("a.csv", "r1"), ("t.csv", "r2")]
    assert got["runs_note"] == "ingest runs behind this cluster: 2 of 3 in the store"


def test_clusters_html_pages_carry_the_stores_stamp(runner: Any, store_args: list[str],
                                                    tmp_path: Any) -> None:
    """`clusters --html DIR` stamps its pages from the store like `view` (they said only
    when and by which graphinv: "input files: none recorded")."""
    from pathlib import Path

    from graphinv.cli.app import app

    src = Path(__file__).parent / "fixtures" / "ingest" / "flat_utf8.csv"
    for cmd in (["ingest", str(src)], ["clusters", "--html", str(tmp_path / "h")]):
        res = runner.invoke(app, [*store_args, *cmd])
        assert res.exit_code == 0, res.output
    for page in [tmp_path / "h" / "index.html", *sorted((tmp_path / "h").glob("cluster-*.html"))]:
        html = page.read_text("utf-8")
        assert _footer_inputs(html) == ["flat_utf8.csv"] and "cluster run —" not in html

"""Markdown tables, scaling exponents and target checks from a results document.

A results document is ``{"meta": {...}, "runs": [...]}`` as written by ``python -m bench``;
each run has ``stage``, ``store``, ``size``, ``kind`` (``graphinv`` or ``baseline``) and
``status``. Missing figures print as ``—``; a target whose size was not run says so.

>>> scaling_exponent([(10_000, 10.0), (100_000, 100.0)])
[('10k→100k', 1.0)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.sizes import size_label

__all__ = ["load_results", "merge_results", "render_markdown", "scaling_exponent",
           "check_targets", "TARGETS"]

_MB_PER_GB = 1024
#: The issue's targets, in the order BENCHMARKS.md lists them.
TARGETS = (
    "ingest 1M rows, embedded ≥ 20,000 rows/s",
    "ingest 1M rows, Neo4j ≥ 3,000 rows/s",
    "ingest 1M rows, Neo4j ≤ 2× the bare-driver baseline",
    "clusters on 1M shops ≤ 120 s",
    "clusters on 1M shops, peak RSS ≤ 8 GB",
    "1,000-node cluster page stable in headless Chromium ≤ 5 s",
    "every saved query ≤ 2 s at 1M rows",
)
_ONE_M = 1_000_000


def load_results(path: Path) -> dict[str, Any]:
    """A results document written by ``python -m bench`` (or its ``.partial.json``)."""
    doc: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return doc


def merge_results(docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One document from several runs; a later run replaces an earlier one's figure
    for the same stage, store, size and kind."""
    runs: dict[tuple[Any, ...], dict[str, Any]] = {}
    for d in docs:
        for r in d.get("runs", []):
            runs[(r["stage"], r.get("store"), r.get("size"), r.get("kind"))] = r
    meta = dict(docs[0].get("meta", {})) if docs else {}
    meta["merged"] = [{k: d.get("meta", {}).get(k) for k in
                       ("started", "command", "wall_s", "load_avg_end")} for d in docs]
    versions: dict[str, str] = {}
    for d in docs:
        versions.update(d.get("meta", {}).get("store_versions", {}))
    meta["store_versions"] = versions
    return {"meta": meta, "runs": list(runs.values())}


def _get(doc: dict[str, Any], stage: str, store: str | None, size: int | None,
         kind: str = "graphinv") -> dict[str, Any] | None:
    for r in doc["runs"]:
        if (r["stage"], r.get("store"), r.get("size"), r.get("kind")) == (stage, store, size,
                                                                           kind):
            return r if r.get("status") == "ok" else None
    return None


def _status(doc: dict[str, Any], stage: str, store: str | None, size: int | None,
            kind: str = "graphinv") -> str | None:
    for r in doc["runs"]:
        if (r["stage"], r.get("store"), r.get("size"), r.get("kind")) == (stage, store, size,
                                                                           kind):
            return str(r.get("status"))
    return None


def _f(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            return "—"
        if abs(v) >= 1000 and digits <= 2:
            return f"{v:,.0f}"
        return f"{v:.{digits}f}"
    return str(v)


def _kid(r: dict[str, Any], key: str, digits: int) -> str:
    """`` (+N)`` for what ingest's reading worker process used, when it ran."""
    v = r.get(key)
    return f" (+{_f(v, digits)})" if v else ""


def _pct(part: Any, total: Any) -> str:
    if not part and part != 0 or not total:
        return "—"
    return f"{100 * part / total:.0f}%"


def _sizes(doc: dict[str, Any], stage: str, store: str | None) -> list[int]:
    return sorted({r["size"] for r in doc["runs"] if r["stage"] == stage
                   and r.get("store") == store and r.get("size")})


def _rows_of(doc: dict[str, Any], size: int) -> int | None:
    """Listing rows of a size, from any ingest or extraction run of it."""
    for r in doc["runs"]:
        if r["stage"] == "ingest" and r.get("size") == size and r.get("status") == "ok":
            n = r.get("rows") or r.get("records")
            if n:
                return int(n)
    return None


def _stores(doc: dict[str, Any], stage: str) -> list[str]:
    order = ["embedded", "neo4j"]
    have = {r.get("store") for r in doc["runs"] if r["stage"] == stage}
    return [s for s in order if s in have]


def scaling_exponent(points: Iterable[tuple[int, float | None]]) -> list[tuple[str, float]]:
    """Log-log slope of time against size between consecutive measured sizes
    (1.0 = linear, 2.0 = quadratic)."""
    pts = [(n, t) for n, t in sorted(points) if t and t > 0]
    out = []
    for (n1, t1), (n2, t2) in zip(pts, pts[1:], strict=False):
        if n2 > n1:
            out.append((f"{size_label(n1)}→{size_label(n2)}",
                        round(math.log(t2 / t1) / math.log(n2 / n1), 2)))
    return out


def _failed_note(doc: dict[str, Any], stage: str, store: str | None, size: int | None,
                 kind: str = "graphinv") -> str:
    st = _status(doc, stage, store, size, kind)
    return "—" if st in (None, "ok") else st


# -- sections ----------------------------------------------------------------------------

def _machine(doc: dict[str, Any]) -> list[str]:
    meta = doc.get("meta", {})
    m = meta.get("machine", {})
    versions = meta.get("store_versions", {})
    lines = ["### Machine", "", "| | |", "|---|---|"]
    rows = [
        ("CPU", f"{m.get('cores')} cores, {m.get('cpu')}"),
        ("RAM", f"{m.get('ram_gb')} GB"),
        ("OS", m.get("os")),
        ("Python", m.get("python")),
        ("Neo4j", versions.get("neo4j") or "not measured in this run"),
        ("Neo4j server settings", json.dumps(meta.get("neo4j_server", {}))
         if meta.get("neo4j_server") else "—"),
        ("LadybugDB", m.get("ladybug")),
        ("neo4j driver / rust ext", f"{m.get('neo4j_driver')} / "
                                    f"{m.get('neo4j_rust_ext') or 'not installed'}"),
        ("networkx / pyarrow / pyvis", f"{m.get('networkx')} / {m.get('pyarrow')} / "
                                       f"{m.get('pyvis')}"),
        ("load average (1/5/15 min) at start", m.get("load_avg")),
        ("load average at end", meta.get("load_avg_end")),
        ("graphinv commit", "{} (uncommitted changes in: {})".format(
            (m.get("git") or {}).get("commit", "—"),
            ", ".join((m.get("git") or {}).get("graphinv_changed", [])) or "none")),
        ("command", f"`{meta.get('command')}`"),
        ("started / wall", f"{meta.get('started')} / {meta.get('wall_s')} s"),
    ]
    for name, left in (meta.get("reused_stores") or {}).items():
        rows.append(("reused store", f"{name}, filled by the run started {left.get('run')}"
                                     f"{' and clustered' if left.get('clustered') else ''}"))
    for merged in meta.get("merged", [])[1:]:
        rows.append(("merged with", f"`{merged.get('command')}` at {merged.get('started')} "
                                    f"(load at end {merged.get('load_avg_end')})"))
    lines += [f"| {k} | {v} |" for k, v in rows]
    return lines


def _ingest(doc: dict[str, Any]) -> list[str]:
    lines = ["### Ingest", "",
             "graphinv = `ingest_paths` (listings + flags, resolution on) into an empty "
             "store; baseline = the same pre-normalized rows loaded bare (Neo4j: driver "
             "`UNWIND … MERGE`, 10k rows per transaction, same constraints; embedded: "
             "LadybugDB `COPY` of the de-duplicated rows). Ratio = graphinv time / baseline time "
             "(total, and write-only). normalize = total − write − resolve: reading, "
             "extraction, batch shaping and bookkeeping (the pipeline's own `normalize` timer "
             "starts after each chunk has been read and extracted, so it misses most of it; "
             "its figure is in brackets).", "",
             "| store | rows | graphinv s | rows/s | normalize | write | resolve "
             "| peak RSS MB (+reading worker) | client CPU s (+reading worker) | baseline s "
             "| baseline rows/s | ratio total "
             "| ratio write |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for store in _stores(doc, "ingest"):
        for size in _sizes(doc, "ingest", store):
            g = _get(doc, "ingest", store, size)
            b = _get(doc, "ingest", store, size, "baseline")
            if g is None:
                bt = b["seconds"]["total"] if b else None
                rows = _rows_of(doc, size)
                lines.append(f"| {store} | {size_label(size)} | "
                             f"{_failed_note(doc, 'ingest', store, size)} |" + " — |" * 6
                             + f" {_f(bt, 1)} | {_f(rows / bt if bt and rows else None, 0)} "
                             "| — | — |")
                continue
            s = g["seconds"]
            norm = s["total"] - s.get("write", 0) - s.get("resolve", 0)
            bt = b["seconds"]["total"] if b else None
            lines.append(
                f"| {store} | {g['rows']:,} | {_f(s['total'], 1)} | {_f(g['rows_per_s'], 0)} "
                f"| {_pct(norm, s['total'])} ({_pct(s.get('normalize'), s['total'])}) "
                f"| {_pct(s.get('write'), s['total'])} | {_pct(s.get('resolve'), s['total'])} "
                f"| {_f(g.get('peak_rss_mb'), 0)}{_kid(g, 'children_peak_rss_mb', 0)} "
                f"| {_f(g.get('cpu_s'), 1)}{_kid(g, 'children_cpu_s', 1)} | {_f(bt, 1)} "
                f"| {_f(g['rows'] / bt if bt else None, 0)} "
                f"| {_f(s['total'] / bt if bt else None, 1)}× "
                f"| {_f(s['write'] / bt if bt else None, 1)}× |")
    bulk = [(n, r, _get(doc, "ingest", "neo4j", n)) for n in _sizes(doc, "ingest", "neo4j")
            for r in [_get(doc, "ingest", "neo4j", n, "bulk")] if r]
    if bulk:
        lines += ["", "Neo4j first load with `ingest --bulk` (import CSVs, server stopped, "
                  "`neo4j-admin database import full`, server started, constraints and "
                  "indexes, then flags, resolution and the run record over Bolt), next to the "
                  "MERGE run above on the same files in the same bench run. CPU = the bench "
                  "process + its waited children (the importer JVM); the server's own CPU is "
                  "not counted for either.", "",
                  "| rows | bulk s | rows/s | CPU s | MERGE s | MERGE rows/s | MERGE CPU s "
                  "| speed-up | csv | stop | import | start | schema | fix-ups + indexes "
                  "| resolve | load avg |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
                  "|---:|---|"]
        for n, r, g in bulk:
            if r.get("status") != "ok":
                lines.append(f"| {size_label(n)} | {r.get('status')}: "
                             f"{str(r.get('error', ''))[:120]} |" + " — |" * 14)
                continue
            s, gs = r["seconds"], (g or {}).get("seconds", {})
            cpu = (r.get("cpu_s") or 0) + (r.get("children_cpu_s") or 0)
            gcpu = ((g or {}).get("cpu_s") or 0) + ((g or {}).get("children_cpu_s") or 0)
            lines.append(
                f"| {r['rows']:,} | {_f(s['total'], 1)} | {_f(r['rows_per_s'], 0)} "
                f"| {_f(cpu, 1)} | {_f(gs.get('total'), 1)} | {_f((g or {}).get('rows_per_s'), 0)}"
                f" | {_f(gcpu or None, 1)} "
                f"| {_f(gs['total'] / s['total'] if gs.get('total') else None, 1)}× "
                + "".join(f"| {_f(s.get('bulk_' + k), 1)} "
                          for k in ("csv", "stop", "import", "start", "schema", "indexes"))
                + f"| {_f(s.get('resolve'), 1)} | {r.get('load_avg')} |")
    extract = [(n, r) for n in _sizes(doc, "ingest", None)
               for r in [_get(doc, "ingest", None, n, "extract")] if r]
    if extract:
        lines += ["", "Extraction alone (graphinv's read + normalize + shape with a store that "
                  "writes nothing; the untimed pre-normalization pass of the baselines, run in "
                  "its own process): " + "; ".join(
                      f"{size_label(n)}: {r['seconds']:.1f} s = "
                      f"{r['records'] / r['seconds']:,.0f} rows/s" for n, r in extract) + "."]
    return lines


_CL_STAGES = ("projection", "weighting", "components", "communities", "risk", "report",
              "write-back")


def _clusters(doc: dict[str, Any]) -> list[str]:
    head = " | ".join(_CL_STAGES)
    lines = ["### Projection + clusters", "",
             "Seconds per stage from `ClusterResult.timings` (`run_clusters`, default "
             "options, write-back on). Baseline = stream the same shop/seller–identifier "
             "links from the store into one `networkx.Graph` and run `connected_components`"
             " (build + components). Ratio = graphinv (projection + components) / baseline.",
             "",
             f"| store | shops | {head} | total s | peak RSS MB | clusters "
             "| nx baseline s | nx peak RSS MB | ratio |",
             "|---|---:|" + "---:|" * (len(_CL_STAGES) + 6)]
    for store in _stores(doc, "clusters"):
        for size in _sizes(doc, "clusters", store):
            g = _get(doc, "clusters", store, size)
            b = _get(doc, "clusters", store, size, "baseline")
            if g is None:
                lines.append(f"| {store} | {size_label(size)} | "
                             f"{_failed_note(doc, 'clusters', store, size)} |"
                             + " |" * (len(_CL_STAGES) + 5))
                continue
            s = g["seconds"]
            bt = b["seconds"]["total"] if b else None
            like = (s.get("projection", 0) + s.get("components", 0))
            cells = " | ".join(_f(s.get(k), 2) for k in _CL_STAGES)
            lines.append(
                f"| {store} | {g['stats'].get('shops', size):,} | {cells} | {_f(s['total'], 1)} "
                f"| {_f(g.get('peak_rss_mb'), 0)} | {g['stats'].get('clusters', '—')} "
                f"| {_f(bt, 1)} | {_f(b.get('peak_rss_mb') if b else None, 0)} "
                f"| {_f(like / bt if bt else None, 1)}× |")
    return lines + _quality(doc)


def _quality(doc: dict[str, Any]) -> list[str]:
    """Cluster quality next to the time, when the data came with a truth (``--shapes``)."""
    rows = []
    for store in _stores(doc, "clusters"):
        for size in _sizes(doc, "clusters", store):
            g = _get(doc, "clusters", store, size)
            q = (g or {}).get("quality")
            if not q:
                continue
            top = q["purity_top10"]
            rows.append(f"| {store} | {size_label(size)} | {_f(q['precision'], 3)} "
                        f"| {_f(q['recall'], 3)} | {_f(q['f1'], 3)} | {_f(q['ari'], 3)} "
                        f"| {q['largest']:,} | {_f(min(top) if top else None, 3)} "
                        f"| {q['impure']:,} of {q['clusters']:,} "
                        f"| {q['groups_recovered']:,} of {q['truth_groups']:,} "
                        f"| {_f(g['seconds']['total'], 1) if g else '—'} |")
    if not rows:
        return []
    return ["", "Quality against the generator's truth (`--shapes`): pairwise precision, "
            "recall, F1, adjusted Rand index, the largest cluster, the lowest purity among "
            "the 10 largest clusters (share of their biggest truth group), clusters mixing "
            "operators or holding legit singletons, truth groups recovered (Jaccard ≥ 0.5).",
            "", "| store | shops | precision | recall | F1 | ARI | largest | purity top 10 "
            "(min) | impure clusters | groups recovered | clusters s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", *rows]


def _view(doc: dict[str, Any]) -> list[str]:
    r = _get(doc, "view", None, None)
    lines = ["### View", "",
             "`bench.view.render_bench` on synthetic clusters: render time, page "
             "size (every page inlines the vis-network library), and the time until headless "
             "Chromium has drawn the network (`window.graphinv.drawnMs`).", ""]
    if r is None:
        return lines + [f"Not measured ({_failed_note(doc, 'view', None, None)})."]
    lines += [f"Browser: {'headless Chromium' if r.get('browser') else 'not run'}; inlined "
              f"library {r.get('library_kb')} KB per page.", "",
              "| nodes | drawn nodes | edges | render s | layout s | HTML KB | data KB "
              "| Chromium draw s |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in r["rows"]:
        lines.append(f"| {row['nodes']:,} | {row['drawn_nodes']:,} | {row['edges']:,} "
                     f"| {_f(row['render_s'])} | {_f(row['layout_s'])} | {_f(row['html_kb'], 0)} "
                     f"| {_f(row['data_kb'], 0)} | {_f(row.get('draw_s'))} |")
    return lines


def _queries(doc: dict[str, Any]) -> list[str]:
    cols = [(st, n) for st in _stores(doc, "queries") for n in _sizes(doc, "queries", st)]
    lines = ["### Saved queries", "",
             "Median of the warm runs (cold first run in brackets), seconds, wall-clock "
             "around `run_query` (guard, plan check, read, rows; default row limit 1000). "
             "Required parameters get real values (largest cluster, two of its shops, ...).",
             ""]
    if not cols:
        return lines + ["Not measured."]
    lines.append("| query | " + " | ".join(f"{st} {size_label(n)}" for st, n in cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))
    names: list[str] = []
    results: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for st, n in cols:
        r = _get(doc, "queries", st, n)
        rows = {q["query"]: q for q in (r or {}).get("queries", [])}
        results[(st, n)] = rows
        names += [q for q in rows if q not in names]
    for name in sorted(names):
        cells = []
        for key in cols:
            q = results[key].get(name)
            if q is None:
                cells.append("—")
            elif q.get("status") == "ok":
                cells.append(f"{_f(q['median_s'], 3)} ({_f(q['cold_s'], 2)})")
            else:
                cells.append(str(q.get("status")) + (f": {q['error'][:60]}"
                                                     if q.get("error") else ""))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _part(sec: dict[str, Any], part: str) -> float | None:
    """``normalize`` is everything but writing and resolving (see the ingest table)."""
    if part != "normalize":
        return sec.get(part)
    if "total" not in sec:
        return None
    return float(sec["total"] - sec.get("write", 0) - sec.get("resolve", 0))


def _scaling(doc: dict[str, Any]) -> list[str]:
    lines = ["### Scaling exponents", "",
             "Log-log slope of time against size between consecutive sizes (1.0 = linear).",
             "", "| stage | store | between sizes | exponent |", "|---|---|---|---:|"]
    series: list[tuple[str, str, list[tuple[int, float | None]]]] = []
    for store in _stores(doc, "ingest"):
        for kind, name in (("graphinv", "ingest (graphinv total)"),
                           ("baseline", "ingest baseline")):
            pts = [(n, (r or {}).get("seconds", {}).get("total"))
                   for n in _sizes(doc, "ingest", store)
                   for r in [_get(doc, "ingest", store, n, kind)]]
            series.append((name, store, pts))
        for part in ("normalize", "write", "resolve"):
            pts = [(n, _part((r or {}).get("seconds", {}), part))
                   for n in _sizes(doc, "ingest", store)
                   for r in [_get(doc, "ingest", store, n)]]
            series.append((f"ingest {part}", store, pts))
    pts = [(n, (r or {}).get("seconds")) for n in _sizes(doc, "ingest", None)
           for r in [_get(doc, "ingest", None, n, "extract")]]
    series.append(("extract-only pass", "—", pts))
    for store in _stores(doc, "clusters"):
        for key in ("total",) + _CL_STAGES:
            pts = [(n, (r or {}).get("seconds", {}).get(key))
                   for n in _sizes(doc, "clusters", store)
                   for r in [_get(doc, "clusters", store, n)]]
            series.append((f"clusters {key}", store, pts))
        pts = [(n, (r or {}).get("seconds", {}).get("total"))
               for n in _sizes(doc, "clusters", store)
               for r in [_get(doc, "clusters", store, n, "baseline")]]
        series.append(("clusters nx baseline", store, pts))
    any_row = False
    for name, store, pts in series:
        for between, slope in scaling_exponent(pts):
            lines.append(f"| {name} | {store} | {between} | {slope:.2f} |")
            any_row = True
    if not any_row:
        lines.append("| — | — | needs two sizes | — |")
    return lines


def check_targets(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(target, measured, verdict)`` for each target; verdict PASS, FAIL or not run."""
    out: list[tuple[str, str, str]] = []

    def largest(stage: str, store: str) -> str:
        sizes = [n for n in _sizes(doc, stage, store) if _get(doc, stage, store, n)]
        if not sizes:
            return "not measured"
        n = max(sizes)
        r = _get(doc, stage, store, n) or {}
        b = _get(doc, stage, store, n, "baseline") or {}
        if stage == "ingest":
            ratio = (f", {r['seconds']['total'] / b['seconds']['total']:.1f}× baseline"
                     if b else "")
            return f"at {size_label(n)}: {r['rows_per_s']:,.0f} rows/s{ratio}"
        return (f"at {size_label(n)}: {r['seconds']['total']:.1f} s, peak RSS "
                f"{(r.get('peak_rss_mb') or 0) / _MB_PER_GB:.2f} GB")

    emb = _get(doc, "ingest", "embedded", _ONE_M)
    neo = _get(doc, "ingest", "neo4j", _ONE_M)
    neo_b = _get(doc, "ingest", "neo4j", _ONE_M, "baseline")
    # Clusters and queries are judged per store: one store's pass must not hide the
    # other's miss.
    cls = [(st, r) for st in ("embedded", "neo4j")
           if (r := _get(doc, "clusters", st, _ONE_M)) is not None]

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    if emb:
        out.append((TARGETS[0], f"{emb['rows_per_s']:,.0f} rows/s",
                    verdict(emb["rows_per_s"] >= 20_000)))
    else:
        out.append((TARGETS[0], largest("ingest", "embedded"), "not run at 1M"))
    if neo:
        out.append((TARGETS[1], f"{neo['rows_per_s']:,.0f} rows/s",
                    verdict(neo["rows_per_s"] >= 3_000)))
    else:
        out.append((TARGETS[1], largest("ingest", "neo4j"), "not run at 1M"))
    if neo and neo_b:
        ratio = neo["seconds"]["total"] / neo_b["seconds"]["total"]
        out.append((TARGETS[2], f"{ratio:.1f}×", verdict(ratio <= 2.0)))
    else:
        out.append((TARGETS[2], largest("ingest", "neo4j"), "not run at 1M"))
    for st, cl in cls:
        out.append((f"{TARGETS[3]} ({st})", f"{cl['seconds']['total']:.1f} s",
                    verdict(cl["seconds"]["total"] <= 120)))
        rss = cl.get("peak_rss_mb") or 0
        out.append((f"{TARGETS[4]} ({st})", f"{rss / _MB_PER_GB:.2f} GB",
                    verdict(rss <= 8 * _MB_PER_GB)))
    if not cls:
        out.append((TARGETS[3], largest("clusters", "embedded"), "not run at 1M"))
        out.append((TARGETS[4], largest("clusters", "embedded"), "not run at 1M"))
    view = _get(doc, "view", None, None)
    row = next((x for x in (view or {}).get("rows", []) if x["nodes"] == 1000), None)
    if row and row.get("draw_s") is not None:
        out.append((TARGETS[5], f"{row['draw_s']:.2f} s", verdict(row["draw_s"] <= 5.0)))
    else:
        out.append((TARGETS[5], "no Chromium draw time", "not run"))
    judged = False
    for st in ("embedded", "neo4j"):
        qs = [q for q in ((_get(doc, "queries", st, _ONE_M) or {}).get("queries", []))
              if not str(q.get("status", "")).startswith("n/a")]
        if not qs:
            continue
        judged = True
        slow = [q for q in qs if q.get("status") != "ok" or q["median_s"] > 2.0]
        worst = max((q.get("median_s") or 0 for q in qs), default=0)
        out.append((f"{TARGETS[6]} ({st})",
                    f"worst {worst:.2f} s; {len(slow)} of {len(qs)} over 2 s or failed",
                    verdict(not slow)))
    if not judged:
        worst = []
        for st in _stores(doc, "queries"):
            n = max(_sizes(doc, "queries", st))
            got = [q for q in (_get(doc, "queries", st, n) or {}).get("queries", [])
                   if q.get("status") == "ok"]
            if got:
                w = max(got, key=lambda q: q["median_s"])
                worst.append(f"{st} {size_label(n)}: worst {w['query']} {w['median_s']:.2f} s")
        out.append((TARGETS[6], "; ".join(worst) or "not measured", "not run at 1M"))
    return out


def _targets(doc: dict[str, Any]) -> list[str]:
    lines = ["### Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in check_targets(doc)]
    return lines


def render_markdown(doc: dict[str, Any]) -> str:
    """All tables of a results document as markdown (what BENCHMARKS.md quotes)."""
    parts = [_machine(doc), _ingest(doc), _clusters(doc), _view(doc), _queries(doc),
             _scaling(doc), _targets(doc)]
    failed = [r for r in doc.get("runs", []) if r.get("status") != "ok"]
    if failed:
        parts.append(["### Failed or stopped", ""] + [
            f"- {r['stage']} {r.get('store') or ''} "
            f"{size_label(r['size']) if r.get('size') else ''} {r.get('kind')}: "
            f"{r.get('status')} — {str(r.get('error', ''))[:300]}"
            for r in failed])
    return "\n\n".join("\n".join(p) for p in parts) + "\n"

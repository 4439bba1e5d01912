"""View stage: render time and page size of synthetic cluster pages, drawn in Chromium.

The browser part runs only when Chromium and chromedriver are installed.

>>> rows = render_bench([50], browser=False)
>>> rows[0]["nodes"], rows[0]["drawn_nodes"], rows[0]["data_kb"] > 0
(50, 49, True)
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.synthetic import synthetic_site
from graphinv.render.assets import vis_css, vis_js
from graphinv.render.html import DEFAULT_MAX_NODES, write_site

__all__ = ["view_task", "browser_available", "render_bench", "library_bytes", "assets_bench"]


def browser_available() -> bool:
    """Both headless Chromium and chromedriver are on this machine."""
    from bench.browser import chromium_paths

    return chromium_paths() is not None


def view_task(task: dict[str, Any]) -> dict[str, Any]:
    """``render_bench(sizes)``; rows have render_s, html_kb and (with a browser) draw_s."""
    browser = bool(task.get("browser", True)) and browser_available()
    rows = render_bench(task.get("sizes", [100, 1000, 5000]), browser=browser)
    return {"rows": rows, "browser": browser, "library_kb": round(library_bytes() / 1024, 1)}


def library_bytes() -> int:
    """Bytes of the vis-network script and style (inlined in a page on its own, shared
    from ``assets/`` by the pages of a view)."""
    return len(vis_js().encode("utf-8")) + len(vis_css().encode("utf-8"))


def render_bench(
    sizes: Iterable[int] = (100, 1000, 5000),
    *,
    seed: int = 1,
    max_nodes: int = DEFAULT_MAX_NODES,
    browser: bool = True,
    out_dir: str | Path | None = None,
) -> list[dict[str, Any]]:
    """One row per size: render seconds (layout and total), page and data size,
    and — with ``browser`` — seconds until headless Chromium has drawn the network.
    """
    rows: list[dict[str, Any]] = []
    lib = library_bytes()
    with tempfile.TemporaryDirectory(prefix="graphinv-bench-") as tmp:
        base = Path(out_dir) if out_dir is not None else Path(tmp)
        pages: list[tuple[dict[str, Any], Path]] = []
        for n in sizes:
            site = synthetic_site([n], seed=seed)
            out = base / f"n{n}"
            stats: list[dict[str, Any]] = []
            t0 = time.perf_counter()
            write_site(site["reports"], site["graphs"], [], out, max_nodes=max_nodes,
                       stats=stats)
            page = stats[0]
            row = {
                "nodes": n, "drawn_nodes": page["drawn_nodes"], "edges": page["edges"],
                "drawn_edges": page["drawn_edges"], "render_s": round(page["total_s"], 3),
                "layout_s": round(page["layout_s"], 3),
                "site_s": round(time.perf_counter() - t0, 3),
                "html_kb": round(page["html_bytes"] / 1024, 1),
                "data_kb": round(page["data_bytes"] / 1024, 1),
                # pages share the library from assets/ (issue #22): all of a page is its own
                "beyond_library_kb": round(page["html_bytes"] / 1024, 1),
                "library_shared_kb": round(lib / 1024, 1),
            }
            rows.append(row)
            pages.append((row, out / page["page"]))
        if browser:
            from bench.browser import check_page, open_chromium

            with open_chromium() as driver:
                for row, path in pages:
                    check = check_page(driver, path, timeout=300)
                    row["draw_s"] = None if check.draw_s is None else round(check.draw_s, 2)
                    row["browser_errors"] = len(check.console_errors)
    return rows


def _dir_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def assets_bench(data_dir: str | Path, *, limit: int = 100, repeats: int = 2,
                 browser: bool = True, draw_pages: int = 5) -> dict[str, Any]:
    """`graphinv view` of the ``limit`` highest-risk clusters of the store in ``data_dir``
    (embedded, after `graphinv clusters`), written with the library inlined in every page
    (``inline``, the view before issue #22) and shared from ``assets/`` (``shared``),
    alternately in one process: wall and CPU seconds, total and per-page bytes; with
    ``browser``, draw seconds of the ``draw_pages`` largest pages in Chromium as a
    user's browser opens file:// pages (no --allow-file-access-from-files)."""
    from bench.machine import load_average
    from graphinv.analysis.pipeline import last_run_results
    from graphinv.analysis.provenance import ingest_inputs
    from graphinv.config import StoreConfig
    from graphinv.render.stamp import make_stamp
    from graphinv.render.view import pick_pages
    from graphinv.store import open_store

    t0 = time.perf_counter()
    with open_store(StoreConfig.from_values(store="embedded", data_dir=Path(data_dir)),
                    read_only=True) as store:
        result = last_run_results(store)
        stamp = make_stamp(store=store.location, run_id=result.run_key,
                           run_created=result.created, options=result.params,
                           inputs=ingest_inputs(store))
    graphs = result.graphs or {}
    pages = pick_pages(result.clusters, graphs, top=limit)
    chosen = {c: graphs[c] for c in pages}
    out: dict[str, Any] = {"clusters": len(result.clusters), "pages": len(pages),
                           "load_s": round(time.perf_counter() - t0, 2),
                           "load_avg_start": load_average(), "runs": []}
    keep: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="graphinv-assets-bench-") as tmp:
        for i in range(repeats):
            for mode in ("inline", "shared"):
                site = Path(tmp) / f"{mode}-{i}"
                stats: list[dict[str, Any]] = []
                w, c = time.perf_counter(), time.process_time()
                write_site(result.clusters, chosen, result.ties, site, stats=stats,
                           provenance=stamp, shared_assets=mode == "shared")
                wall, cpu = time.perf_counter() - w, time.process_time() - c
                html = sorted(site.glob("cluster-*.html"))
                html_bytes = [p.stat().st_size for p in html]
                out["runs"].append({
                    "mode": mode, "repeat": i, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                    "total_mb": round(_dir_bytes(site) / 1e6, 2),
                    "html_mb": round(sum(html_bytes) / 1e6, 2),
                    "assets_mb": round(_dir_bytes(site / "assets") / 1e6, 3)
                    if (site / "assets").is_dir() else 0.0,
                    "page_kb_mean": round(sum(html_bytes) / max(len(html), 1) / 1024, 1),
                    "page_kb_max": round(max(html_bytes, default=0) / 1024, 1),
                    "index_kb": round((site / "index.html").stat().st_size / 1024, 1)})
                keep[mode] = site
        if browser and browser_available():
            from bench.browser import check_page, open_chromium

            big = sorted(keep["shared"].glob("cluster-*.html"),
                         key=lambda p: -p.stat().st_size)[:draw_pages]
            draws: dict[str, list[float | None]] = {"inline": [], "shared": []}
            errors = 0
            with open_chromium(file_access=False) as driver:
                for p in big:
                    for mode in ("inline", "shared"):
                        check = check_page(driver, keep[mode] / p.name, timeout=120)
                        draws[mode].append(check.draw_s)
                        errors += len(check.console_errors)
            out["draw_s"] = draws
            out["browser_errors"] = errors
    out["load_avg_end"] = load_average()
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.view DATA_DIR [--limit N] [--repeats N] [--no-browser]``."""
    import argparse
    import json

    p = argparse.ArgumentParser(prog="python -m bench.view", description=assets_bench.__doc__)
    p.add_argument("data_dir")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--no-browser", action="store_true")
    a = p.parse_args(argv)
    res = assets_bench(a.data_dir, limit=a.limit, repeats=a.repeats, browser=not a.no_browser)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

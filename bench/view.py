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

__all__ = ["view_task", "browser_available", "render_bench", "library_bytes"]


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
    """Bytes every page spends on the inlined vis-network script and style."""
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
                "beyond_library_kb": round((page["html_bytes"] - lib) / 1024, 1),
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

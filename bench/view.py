"""View stage: render time and page size of synthetic cluster pages, drawn in Chromium.

Wraps :func:`graphinv.render.bench.render_bench` (the render package's own benchmark);
the browser part runs only when Chromium and chromedriver are installed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["view_task", "browser_available"]


def browser_available() -> bool:
    """Both headless Chromium and chromedriver are on this machine."""
    from graphinv.render.browser import chromium_paths

    return chromium_paths() is not None


def view_task(task: dict[str, Any]) -> dict[str, Any]:
    """``render_bench(sizes)``; rows have render_s, html_kb and (with a browser) draw_s."""
    from graphinv.render.bench import library_bytes, render_bench

    browser = bool(task.get("browser", True)) and browser_available()
    rows = render_bench(task.get("sizes", [100, 1000, 5000]), browser=browser)
    return {"rows": rows, "browser": browser, "library_kb": round(library_bytes() / 1024, 1)}

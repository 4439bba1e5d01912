"""Rendering: HTML views and exports. The only package that imports pyvis.

``write_site(reports, graphs, overview_edges, out_dir)`` (or
``write_site(result, out_dir)``) writes the offline HTML view; see
:mod:`graphinv.render.html`. Imports are lazy so ``graphinv --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["write_site", "render_cluster_page", "render_index_page"]


def __getattr__(name: str) -> Any:
    if name in ("write_site", "render_cluster_page", "render_index_page"):
        from graphinv.render import html

        return getattr(html, name)
    raise AttributeError(name)

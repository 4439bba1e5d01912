"""Rendering: HTML views and exports. The only package that imports pyvis."""

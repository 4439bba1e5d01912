"""Inlining and sharing: the vis-network library, our own script and style, embedded data.

Pages must work offline and reference nothing remote. A page on its own inlines
every script and stylesheet; the pages of a view share them as files in the view's
``assets/`` folder (:func:`shared_files`, ~0.5 MB once instead of in every page),
loaded under ``script-src 'self'`` (:func:`csp_shared`): Chromium refuses a
file:// script checked by hash (``integrity`` needs CORS, which file:// lacks), and
'self' is what lets a file:// page load files beside it. vis-network comes from the
copy pyvis bundles (``pyvis/lib/vis-9.1.2``); its stylesheet is trimmed of the rules that carry
images for widgets we never enable (navigation buttons, manipulation bar).

Data goes into ``<script type="application/json">`` blocks through
:func:`script_json`, which escapes ``<``, ``>``, ``&``, U+2028 and U+2029 so no
field can close the element. A Content-Security-Policy with the hashes of the
exact inline scripts blocks anything injected anyway.

>>> script_json({"name": "</script><img src=x onerror=alert(1)>"})
'{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
>>> "</script" in inline_script("var s = '</script>';")
False
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from graphinv.errors import OutputError
from graphinv.util.tabular import jsonable

__all__ = [
    "VIS_VERSION",
    "vis_js",
    "vis_css",
    "asset_text",
    "script_json",
    "inline_script",
    "inline_style",
    "csp",
    "csp_shared",
    "shared_files",
]

VIS_VERSION = "9.1.2"

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_ESC_RE = re.compile("[<>&\u2028\u2029]")
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)
_STYLE_END = re.compile(r"</(style)", re.IGNORECASE)


def _pyvis_lib() -> Path:
    import pyvis

    return Path(pyvis.__file__).resolve().parent / "lib" / f"vis-{VIS_VERSION}"


@functools.cache
def _read_lib(name: str) -> str:
    path = _pyvis_lib() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OutputError("vis-network is missing from the pyvis installation", value=str(path),
                          hint="reinstall pyvis>=0.3.2 (pip install --force-reinstall pyvis)"
                          ) from exc


def vis_js() -> str:
    """The minified vis-network script shipped with pyvis, ready to inline."""
    return inline_script(_read_lib("vis-network.min.js"))


@functools.cache
def vis_css() -> str:
    """vis-network's stylesheet without the image-carrying widget rules (~200 KB less)."""
    css = _read_lib("vis-network.css")
    rules = re.findall(r"[^{}]+\{[^{}]*\}", css)
    kept = [r for r in rules if "url(" not in r]
    return inline_style("".join(kept))


@functools.cache
def asset_text(name: str) -> str:
    """A file from ``graphinv/render/assets`` as text."""
    try:
        return (resources.files("graphinv.render") / "assets" / name).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - broken installation
        raise OutputError("render asset missing", value=name,
                          hint="reinstall graphinv (package data render/assets/*)") from exc


def script_json(data: Any) -> str:
    """Compact strict JSON that is safe inside any ``<script>`` element.

    NaN/Infinity become null (via :func:`graphinv.util.tabular.jsonable`).
    """
    raw = json.dumps(jsonable(data), ensure_ascii=False, allow_nan=False,
                     separators=(",", ":"))
    return _JSON_ESC_RE.sub(lambda m: _JSON_ESCAPES[m.group()], raw)


def inline_script(js: str) -> str:
    """Script source that cannot end its ``<script>`` element early.

    ``</script`` becomes ``<\\/script`` (same meaning in JS strings, regexes
    and comments); ``<!--`` would switch the HTML parser into its escaped
    state, so it is refused.
    """
    js = _SCRIPT_END.sub(r"<\\/\1", js)
    if "<!--" in js:
        raise OutputError("script to inline contains '<!--'", hint="rewrite the asset")
    return js


def inline_style(css: str) -> str:
    """Stylesheet text that cannot end its ``<style>`` element early."""
    return _STYLE_END.sub(r"<\\/\1", css)


def _sha256(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def csp(scripts: Iterable[str], styles: Iterable[str]) -> str:
    """A Content-Security-Policy allowing exactly these inline scripts and styles.

    Nothing may be fetched (``default-src 'none'``); images and fonts only
    from ``data:``. Event-handler attributes (``onerror=``) never run because
    only hashed scripts are allowed.
    """
    s = " ".join(sorted({_sha256(x) for x in scripts}))
    st = " ".join(sorted({_sha256(x) for x in styles}))
    return (f"default-src 'none'; script-src {s}; style-src {st}; img-src data:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; "
            "object-src 'none'; frame-src 'none'")


@functools.cache
def shared_files() -> dict[str, str]:
    """``{path in the view folder: text}`` of the files every page of a view loads:
    vis-network, our script, and both stylesheets in one. Names carry the version or
    a content hash, so a page never runs with another release's script.

    >>> sorted(shared_files())[0].startswith("assets/graphinv-")
    True
    """
    app_js = asset_text("graphinv.js")
    css = vis_css() + "\n" + asset_text("graphinv.css")
    return {
        f"assets/vis-network-{VIS_VERSION}.min.js": _read_lib("vis-network.min.js"),
        f"assets/graphinv-{_digest(app_js)}.js": app_js,
        f"assets/graphinv-{_digest(css)}.css": css,
    }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def csp_shared() -> str:
    """The policy of a page that loads :func:`shared_files`: scripts and styles only from
    files ('self'), none inline, nothing fetched.

    >>> "script-src 'self';" in csp_shared() and "unsafe-inline" not in csp_shared()
    True
    """
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; "
            "object-src 'none'; frame-src 'none'")

"""Text that is safe to show: any value in, a clean displayable string out.

Data is untrusted (scraped shop names, seller-supplied text). Everything the
pages show goes through :func:`text` (never raises: None, NaN, ints, lists,
lone surrogates are all fine) and, where a person reads it, :func:`visible`,
which makes invisible or direction-changing characters visible instead of
letting them silently reorder a label.

>>> text(None), text(float("nan")), text(12), text(["a", None, 2])
('', '', '12', 'a, 2')
>>> visible("evil\\u202egnp.exe")
'evil[U+202E]gnp.exe'
>>> short("x" * 50, 10)
'xxxxxxxxx…'
>>> line("Shop A\\nFLAGGED: takedown\\u2028x\\ty")
'Shop A⏎FLAGGED: takedown⏎x y'
>>> number(float("inf")), number("0.5"), number(True)
(None, 0.5, 1.0)
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["text", "visible", "line", "terminal", "short", "number", "flag_dicts", "safe_filename"]

# Bidi embeddings/overrides/isolates, zero-width and other invisible format chars.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]"
)
# Anything a renderer may start a new line at: LF, CR, VT, FF, NEL, LINE/PARAGRAPH SEPARATOR.
_BREAKS = re.compile("\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]")
_FILENAME_BAD = re.compile(r"[^A-Za-z0-9._-]+")
# For a terminal also the carriage return: it lets a value overwrite what was printed.
_TERMINAL = re.compile(_INVISIBLE.pattern[:-1] + "\r]")


def text(value: Any) -> str:
    """Any value as a plain string; never raises.

    None and non-finite floats become ``""``; lists are joined with ``", "``
    (empty items dropped); lone surrogates become U+FFFD so the page can be
    written as UTF-8.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        s = value
    elif isinstance(value, bool):
        s = "yes" if value else "no"
    elif isinstance(value, float):
        if not math.isfinite(value):
            return ""
        s = f"{value:g}"
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ", ".join(t for t in (text(v) for v in items) if t)
    elif isinstance(value, dict):
        try:
            s = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        except ValueError:
            s = str(value)
    else:
        s = str(value)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


def visible(value: Any) -> str:
    """:func:`text` with invisible and direction-control characters shown as ``[U+XXXX]``.

    Newlines and tabs are kept (tooltips are multi-line plain text).
    """
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text(value))


def line(value: Any, limit: int | None = None) -> str:
    """Display text on ONE line: line breaks shown as ``⏎``, tabs as a space, other
    invisible and direction characters as ``[U+XXXX]``; cut to ``limit`` with ``…``.

    Every value a page shows inside our own text (tooltips, headings, tables) goes
    through this, so a hostile shop name cannot add lines that look like graphinv's
    own (``FLAGGED: …``) or push the real flags and sources out of view.

    >>> line("a\\r\\nb\\u202ec", 20), line("x" * 9, 5)
    ('a⏎b[U+202E]c', 'xxxx…')
    """
    s = _BREAKS.sub("\u23ce", text(value)).replace("\t", " ")
    s = _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", s)
    if limit is not None and len(s) > limit:
        s = s[: max(limit - 1, 0)] + "…"
    return s


def terminal(value: Any) -> str:
    """:func:`text` made safe for a terminal: no control character (ESC, BEL, CR,
    C1 such as CSI U+009B) reaches it, so a value cannot retitle the window, clear
    the screen, hide text, plant an OSC 8 link or write the clipboard (OSC 52).

    C0 controls and DEL are shown as their Unicode control pictures (ESC as ``␛``);
    C1, direction and invisible characters as ``<U+XXXX>``. Newlines and tabs are
    kept. No ``[`` is added, so the result is also safe inside rich markup.

    >>> terminal("shop\\x1b]0;pwned\\x07\\r\\x9b2J\\u202e")
    'shop␛]0;pwned␇␍<U+009B>2J<U+202E>'
    """
    return _TERMINAL.sub(_picture, text(value))


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else f"<U+{code:04X}>"


def short(value: Any, limit: int = 40) -> str:
    """:func:`line` cut to ``limit`` characters with an ellipsis (runs of spaces
    collapsed; a line break stays visible as ``⏎``)."""
    return line(re.sub(r"\s+", " ", line(value)).strip(), limit)


def number(value: Any, default: float | None = None) -> float | None:
    """A finite float, or ``default`` (None, NaN, inf and junk are not numbers)."""
    if value is None or isinstance(value, (list, dict, tuple)):
        return default
    try:
        f = float(value)
    except (TypeError, ValueError):
        return default
    return f if math.isfinite(f) else default


def flag_dicts(flags: Any) -> list[dict[str, str]]:
    """Flag entries as dicts of strings, whether given as dicts or JSON strings.

    >>> flag_dicts(['{"flag": "takedown", "date": "2024-01-02"}', None])
    [{'flag': 'takedown', 'date': '2024-01-02'}]
    """
    out: list[dict[str, str]] = []
    if not isinstance(flags, (list, tuple)):
        flags = [] if flags in (None, "") else [flags]
    for f in flags:
        if isinstance(f, str):
            try:
                f = json.loads(f)
            except ValueError:
                f = {"flag": f}
        if isinstance(f, dict):
            out.append({text(k): text(v) for k, v in f.items() if v is not None})
        elif f is not None:
            out.append({"flag": text(f)})
    return out


def safe_filename(value: Any, taken: set[str] | None = None) -> str:
    """A file-name stem made of ``[A-Za-z0-9._-]`` only, unique within ``taken``.

    >>> taken = set()
    >>> [safe_filename(c, taken) for c in ("G-0001", "G/0001", "G?0001")]
    ['G-0001', 'G_0001', 'G_0001-2']
    >>> safe_filename("..", set())
    'x'
    """
    stem = _FILENAME_BAD.sub("_", text(value)).strip("._")[:80] or "x"
    if taken is None:
        return stem
    cand, i = stem, 1
    while cand.lower() in taken:
        i += 1
        cand = f"{stem}-{i}"
    taken.add(cand.lower())
    return cand

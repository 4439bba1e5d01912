"""Tables for machines: CSV and JSON writers that are safe to open anywhere.

CSV cells that a spreadsheet would run as a formula (leading ``=``, ``+``,
``-``, ``@``, tab, CR or LF, or the full-width ``＝＋－＠`` — OWASP "CSV
injection") are neutralized with a leading apostrophe; quoting alone does not
help. JSON refuses NaN/Infinity.

>>> neutralize("=SUM(A1:A9)")
"'=SUM(A1:A9)"
>>> neutralize("-12.5")
'-12.5'
>>> neutralize("-cmd")
"'-cmd"
>>> neutralize("＝HYPERLINK(1)")
"'＝HYPERLINK(1)"
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from graphinv.errors import OutputError

__all__ = ["OUTPUT_MARKER", "neutralize", "to_csv", "to_json", "write_text_atomic", "jsonable"]

#: Marker file of a directory graphinv wrote (graphinv.render.outdir); ingest skips such
#: directories when it walks its inputs.
OUTPUT_MARKER = ".graphinv-output"

# Full-width ＝＋－＠ too: spreadsheets (Excel with East Asian input, LibreOffice) fold them
# to their ASCII forms when a cell is typed or imported, and then run the formula.
_DANGER = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralize(value: Any) -> str:
    """One CSV cell as text, defused if a spreadsheet would evaluate it.

    Plain signed numbers are left alone so numeric columns stay numeric.
    """
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, (list, tuple, set)):
        value = "; ".join("" if v is None else str(v) for v in value)
    text = str(value)
    if text.startswith(_DANGER) and not _NUMBER.match(text):
        return "'" + text
    return text


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with every cell neutralized, rows ended by "\n".

    Written with a "\r\n" terminator so that a cell holding a bare CR is quoted too
    (with "\n" Python leaves it bare, and every reader splits the row there).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    out = []
    for r in [columns, *rows]:
        w.writerow([neutralize(v) for v in r])
        out.append(buf.getvalue()[:-2] + "\n")
        buf.seek(0)
        buf.truncate()
    return "".join(out)


def jsonable(value: Any) -> Any:
    """Plain JSON types; non-finite floats become None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def to_json(data: Any) -> str:
    """Strict JSON text (``allow_nan=False``), UTF-8 characters kept."""
    return json.dumps(jsonable(data), ensure_ascii=False, allow_nan=False, indent=2)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text via a temp file and rename, so a failure never leaves a
    partial file that looks complete."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError("cannot write output", value=str(target),
                          hint=f"choose a writable location ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError("cannot write output", value=str(target),
                          hint=f"check free space and permissions ({exc.strerror})") from exc
    return target

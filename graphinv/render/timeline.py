"""The timeline of a cluster's shops: first to last seen as bars, flag dates (takedowns)
as marks, in SVG coordinates for the cluster page and the dossier (no script needed).

>>> t = timeline([{"label": "a", "first_seen": "2024-01-01", "last_seen": "2024-03-01",
...                "flag_list": [{"flag": "takedown", "date": "2024-02-01"}]}])
>>> t["start"], t["end"], len(t["rows"]), len(t["rows"][0]["marks"])
('2024-01-01', '2024-03-01', 1, 1)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from graphinv.render.safe import short, text

__all__ = ["timeline", "shop_rows"]


def shop_rows(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shops of a cleaned graph as timeline rows (label, first/last seen, flags)."""
    return [{"label": n["label"], "first_seen": n.get("first_seen") or "",
             "last_seen": n.get("last_seen") or "", "flag_list": n["flags"]}
            for n in sorted((n for n in nodes if n["kind"] == "Shop"), key=lambda n: n["id"])]


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(text(value)[:10])
    except ValueError:
        return None


def timeline(shops: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars from first to last seen per shop; flag dates as marks (SVG coordinates)."""
    rows = []
    for s in shops:
        first, last = _day(s["first_seen"]), _day(s["last_seen"])
        flags = [d for d in (_day(f.get("date")) for f in s["flag_list"]) if d]
        if first or last or flags:
            rows.append((s, first or last, last or first, flags))
    days = [d for _, a, b, fl in rows for d in (a, b, *fl) if d]
    if not days:
        return {"rows": [], "w": 0, "h": 0, "start": "", "end": ""}
    lo, hi = min(days), max(days)
    span = max((hi - lo).days, 1)
    w, left, bar_h = 900, 220, 14

    def x(d: date) -> float:
        return round(left + (d - lo).days / span * (w - left - 20), 1)

    out = []
    for i, (s, a, b, fl) in enumerate(sorted(rows, key=lambda r: (r[1] or lo, r[0]["label"]))):
        y = 10 + i * (bar_h + 6)
        out.append({"label": short(s["label"], 30), "y": y, "ty": y + bar_h - 3,
                    "x1": x(a) if a else left, "x2": max(x(b) if b else left, (x(a) if a
                                                                                else left) + 2),
                    "h": bar_h, "marks": [x(d) for d in fl]})
    return {"rows": out, "w": w, "h": 20 + len(out) * (bar_h + 6), "start": lo.isoformat(),
            "end": hi.isoformat()}

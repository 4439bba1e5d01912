"""Analyst decisions (issue #21): recorded judgements that override the automatic run.

A decisions file is CSV with the columns ``decision, a, b, who, when, why``:

* ``same`` / ``not-same`` — two shops (node ids ``Shop:platform:id``): ``same`` puts
  them in one cluster; ``not-same`` takes ``b`` out of ``a``'s cluster when the run
  put them together (a false link is worse than a missed one, so ``b`` is left
  unclustered rather than moved anywhere);
* ``hub`` / ``not-hub`` — one identifier (node id, e.g. ``Phone:+8613800138000``):
  ``hub`` marks it as a hub (it never links shops), ``not-hub`` keeps it as evidence
  even when the automatic hub test would mark it;
* ``not-a-gang`` / ``confirmed`` — one cluster id (``G-0007``): its gang-likeness is
  set to 0 or 1, and ``not-a-gang`` clusters are left out of ``--leads``.

``who``, ``when`` and ``why`` are required (provenance). Decisions are stored in
the run record (``ClusterRun.params["decisions"]``) and carried over to every later
run, so they survive re-ingest; a later file adds to them, and a later decision on
the same subject replaces the earlier one.

>>> d = Decision("hub", "Phone:+8613800138000", None, "ana", "2026-12-01", "call centre")
>>> d.subject, d.provenance
(('hub', 'Phone:+8613800138000', None), 'analyst decision on 2026-12-01 by ana: call centre')
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from graphinv.analysis.weighting import Evidence
from graphinv.errors import InputError

__all__ = ["Decided", "Decision", "DECISIONS", "read_decisions", "merge_decisions", "from_params",
           "hub_overrides", "apply_links", "apply_cluster_decisions", "COLUMNS"]

COLUMNS = ("decision", "a", "b", "who", "when", "why")
DECISIONS = ("same", "not-same", "hub", "not-hub", "not-a-gang", "confirmed")
_PAIRS = ("same", "not-same")
# Opposites share a subject: the later one of a pair replaces the earlier.
_FAMILY = {"same": "pair", "not-same": "pair", "hub": "hub", "not-hub": "hub",
           "not-a-gang": "cluster", "confirmed": "cluster"}


@dataclass(frozen=True)
class Decision:
    """One analyst decision with its provenance."""

    decision: str
    a: str
    b: str | None
    who: str
    when: str
    why: str

    @property
    def subject(self) -> tuple[str, str, str | None]:
        """What the decision is about (a later decision on it replaces this one)."""
        if self.decision in _PAIRS and self.b is not None:
            a, b = sorted((self.a, self.b))
            return (_FAMILY[self.decision], a, b)
        return (_FAMILY[self.decision], self.a, self.b)

    @property
    def provenance(self) -> str:
        return f"analyst decision on {self.when} by {self.who}: {self.why}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_decisions(path: Path) -> list[Decision]:
    """The decisions of a CSV file; any bad row is an error naming its line."""
    try:
        fh = Path(path).open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError("cannot read the decisions file", value=str(path),
                         hint=f"check the path ({exc.strerror})") from exc
    out: list[Decision] = []
    with fh:
        try:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [c for c in COLUMNS if c not in header and c != "b"]
            if missing:
                raise InputError("the decisions file lacks columns", value=", ".join(missing),
                                 hint="columns: " + ", ".join(COLUMNS))
            for rec in reader:
                cell = {c: (rec.get(c) or "").strip() for c in COLUMNS}
                if not any(cell.values()):
                    continue
                where = f"{Path(path).name}:{reader.line_num}"
                out.append(_decision(cell, where))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError("cannot parse the decisions file", value=str(path),
                             hint=f"give a UTF-8 CSV ({exc})") from exc
    return out


def _decision(cell: Mapping[str, str], where: str) -> Decision:
    kind = cell["decision"].lower()
    if kind not in DECISIONS:
        raise InputError(f"unknown decision at {where}", value=cell["decision"],
                         hint="one of " + ", ".join(DECISIONS))
    for c in ("a", "who", "when", "why"):
        if not cell[c]:
            raise InputError(f"decision at {where} has no {c}", value=kind,
                             hint="every decision needs a, who, when and why")
    if kind in _PAIRS and not cell["b"]:
        raise InputError(f"decision at {where} names one shop", value=cell["a"],
                         hint=f"'{kind}' needs two shops, a and b")
    if kind in _PAIRS and not (cell["a"].startswith("Shop:") and cell["b"].startswith("Shop:")):
        raise InputError(f"decision at {where} is not about two shops",
                         value=f"{cell['a']} / {cell['b']}",
                         hint="give shop node ids: Shop:platform:shop_id")
    return Decision(kind, cell["a"], cell["b"] or None, cell["who"], cell["when"], cell["why"])


def merge_decisions(older: Iterable[Decision], newer: Iterable[Decision]) -> list[Decision]:
    """Both lists, a later decision on the same subject replacing the earlier one.

    >>> a = Decision("hub", "Phone:+1", None, "ana", "2026-01-01", "x")
    >>> b = Decision("not-hub", "Phone:+1", None, "bo", "2026-02-01", "y")
    >>> [d.decision for d in merge_decisions([a], [b])]
    ['not-hub']
    """
    by_subject: dict[tuple[str, str, str | None], Decision] = {}
    for d in [*older, *newer]:
        by_subject.pop(d.subject, None)
        by_subject[d.subject] = d
    return list(by_subject.values())


def from_params(params: Mapping[str, Any]) -> list[Decision]:
    """The decisions recorded with a run (``params["decisions"]``)."""
    out = []
    for rec in params.get("decisions") or []:
        if isinstance(rec, dict) and rec.get("decision") in DECISIONS:
            out.append(Decision(str(rec["decision"]), str(rec.get("a") or ""),
                                rec.get("b"), str(rec.get("who") or ""),
                                str(rec.get("when") or ""), str(rec.get("why") or "")))
    return out


def hub_overrides(decisions: Sequence[Decision], index: Mapping[str, int]
                  ) -> tuple[dict[int, str], dict[int, str], list[Decision]]:
    """``(forced hubs, kept non-hubs, unmatched)``: node index -> provenance."""
    hubs: dict[int, str] = {}
    keep: dict[int, str] = {}
    unmatched: list[Decision] = []
    for d in decisions:
        if d.decision not in ("hub", "not-hub"):
            continue
        node = index.get(d.a)
        if node is None:
            unmatched.append(d)
        elif d.decision == "hub":
            hubs[node] = d.provenance
        else:
            keep[node] = d.provenance
    return hubs, keep, unmatched


def apply_links(clusters: list[list[int]], decisions: Sequence[Decision],
                shop_of: Mapping[str, int]) -> tuple[list[list[int]], list[dict[str, Any]],
                                                     list[Decision]]:
    """Apply ``same`` / ``not-same`` to clusters of shop ordinals.

    Returns the clusters, the applied decisions (``{"decision", "a", "b",
    "provenance"}``) and those naming a shop the store lacks.

    >>> d = Decision("same", "Shop:x:1", "Shop:x:9", "ana", "2026-12-01", "same owner")
    >>> apply_links([[0, 1], [2, 3]], [d], {"Shop:x:1": 1, "Shop:x:9": 9})[0]
    [[0, 1, 9], [2, 3]]
    >>> n = Decision("not-same", "Shop:x:1", "Shop:x:0", "ana", "2026-12-01", "two firms")
    >>> apply_links([[0, 1], [2, 3]], [n], {"Shop:x:1": 1, "Shop:x:0": 0})[0]
    [[1], [2, 3]]
    """
    cl = [list(c) for c in clusters]
    applied: list[dict[str, Any]] = []
    unmatched: list[Decision] = []
    for d in decisions:
        if d.decision not in _PAIRS:
            continue
        a, b = shop_of.get(d.a), shop_of.get(d.b or "")
        if a is None or b is None:
            unmatched.append(d)
            continue
        where = {s: i for i, c in enumerate(cl) for s in c}
        ia, ib = where.get(a), where.get(b)
        if d.decision == "same":
            if ia is None and ib is None:
                cl.append([a, b])
            elif ia is None:
                cl[ib].append(a)  # type: ignore[index]
            elif ib is None:
                cl[ia].append(b)
            elif ia != ib:
                cl[ia].extend(cl[ib])
                cl[ib] = []
        elif ia is not None and ia == ib:
            cl[ia].remove(b)
        applied.append({"decision": d.decision, "a": d.a, "b": d.b,
                        "provenance": d.provenance})
    return [sorted(c) for c in cl if c], applied, unmatched


def apply_cluster_decisions(reports: Sequence[dict[str, Any]],
                            decisions: Sequence[Decision]) -> list[Decision]:
    """Set gang-likeness of clusters decided ``not-a-gang`` (0) or ``confirmed`` (1);
    the decision leads the reasons. Returns decisions naming no cluster of the run."""
    by_id = {r["cluster_id"]: r for r in reports}
    unmatched = []
    for d in decisions:
        if d.decision not in ("not-a-gang", "confirmed"):
            continue
        r = by_id.get(d.a.upper())
        if r is None:
            unmatched.append(d)
            continue
        value = 1.0 if d.decision == "confirmed" else 0.0
        r["gang_likeness"] = value
        r["decision"] = {"decision": d.decision, "provenance": d.provenance}
        r["reasons"] = [{"feature": "analyst_decision", "value": value,
                         "contribution": value, "provenance": d.provenance},
                        *[x for x in r.get("reasons", []) if x["feature"] != "analyst_decision"]]
    return unmatched


class Decided:
    """The decisions in force for one run: the previous run's, plus a new file's.

    The pipeline calls, in order: :meth:`hubs` (forced hubs for the weighting),
    :meth:`keep` (undo hub marks decided ``not-hub``), :meth:`link` (``same`` /
    ``not-same`` on the partition) and :meth:`on_reports` (cluster decisions);
    :meth:`record` is what the run record keeps.
    """

    def __init__(self, decisions: Sequence[Decision]) -> None:
        self.decisions = list(decisions)
        self.applied: list[dict[str, Any]] = []
        self.unmatched: list[Decision] = []

    @classmethod
    def for_run(cls, previous_params: Mapping[str, Any] | None, path: Path | None) -> Decided:
        older = from_params(previous_params or {})
        return cls(merge_decisions(older, read_decisions(path) if path else []))

    def hubs(self, index: Mapping[str, int]) -> dict[int, str]:
        forced, self._keep, unmatched = hub_overrides(self.decisions, index)
        self.unmatched.extend(unmatched)
        return forced

    def keep(self, ev: Evidence) -> None:
        """Identifiers decided ``not-hub`` weigh as evidence again."""
        for node, why in getattr(self, "_keep", {}).items():
            g = ev.group(node)
            if g is None or not ev.hub[g]:
                continue
            ev.hub[g] = 0
            ev.hub_reason.pop(g, None)
            ev.weight[g] = ev.base_weight[g]
            ev.strong[g] = int(ev.size(g) >= 2 and ev.base_weight[g] >= ev.options.strong_min)
            self.applied.append({"decision": "not-hub", "a": ev.proj.ids[node], "b": None,
                                 "provenance": why})

    def link(self, clusters: Sequence[Sequence[int]], ev: Evidence) -> list[list[int]]:
        shop_of = {ev.proj.ids[n]: s for s, n in enumerate(ev.shops)}
        out, applied, unmatched = apply_links([list(c) for c in clusters], self.decisions,
                                              shop_of)
        self.applied.extend(applied)
        self.unmatched.extend(unmatched)
        return out

    def on_reports(self, reports: Sequence[dict[str, Any]]) -> None:
        self.unmatched.extend(apply_cluster_decisions(reports, self.decisions))

    def record(self) -> list[dict[str, Any]]:
        return [d.as_dict() for d in self.decisions]

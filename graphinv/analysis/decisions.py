"""Analyst decisions (issue #21): recorded judgements that override the automatic run.

A decisions file is CSV with the columns ``decision, a, b, who, when, why``:

* ``same`` / ``not-same`` — two entities of one kind (node ids). Two shops
  (``Shop:platform:id``): ``same`` puts them in one cluster; ``not-same`` takes ``b``
  out of ``a``'s cluster when the run put them together (a false link is worse than a
  missed one, so ``b`` is left unclustered rather than moved anywhere). Two sellers or
  two identifiers of one kind: ``same`` joins them into one evidence group, like a
  resolved spelling (SAME_AS); ``not-same`` keeps them in different groups even when
  automatic resolution joined them (directly or through other spellings);
* ``hub`` / ``not-hub`` — one identifier (node id, e.g. ``Phone:+8613800138000``):
  ``hub`` marks it as a hub (it never links shops), ``not-hub`` keeps it as evidence
  even when the automatic hub test would mark it;
* ``not-a-gang`` / ``confirmed`` — one cluster id (``G-0007``): its gang-likeness is
  set to 0 or 1, and ``not-a-gang`` clusters are left out of ``--leads``.

``who``, ``when`` and ``why`` are required (provenance). Decisions are kept in the
store as ``Decision`` nodes (:mod:`graphinv.analysis.decision_log`; ``graphinv decide``
records them, a decisions file is imported), so they survive re-ingest and apply to
every later run; a later decision on the same subject replaces the earlier one, and a
revoked decision stops applying. Each run records the decisions it applied
(``ClusterRun.params["decisions"]``). A file may carry the columns of an export
(``revoked``, ``revoked_by``, ``revoked_why``): such rows are imported as revoked.

>>> d = Decision("hub", "Phone:+8613800138000", None, "ana", "2026-12-01", "call centre")
>>> d.subject, d.provenance
(('hub', 'Phone:+8613800138000', None), 'analyst decision on 2026-12-01 by ana: call centre')
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from graphinv.analysis.history import PreviousRun
from graphinv.analysis.projection import Projection
from graphinv.analysis.weighting import Evidence
from graphinv.errors import InputError
from graphinv.store.base import Store

__all__ = ["Decided", "Decision", "DECISIONS", "PAIR_DECISIONS", "CLUSTER_DECISIONS",
           "HUB_DECISIONS", "read_decisions", "read_rows", "merge_decisions", "from_params",
           "hub_overrides", "apply_links", "apply_cluster_decisions", "resolve_pairs",
           "COLUMNS"]

COLUMNS = ("decision", "a", "b", "who", "when", "why")
_REVOKED = ("revoked", "revoked_by", "revoked_why")
DECISIONS = ("same", "not-same", "hub", "not-hub", "not-a-gang", "confirmed")
PAIR_DECISIONS = ("same", "not-same")
HUB_DECISIONS = ("hub", "not-hub")
CLUSTER_DECISIONS = ("not-a-gang", "confirmed")
_PAIRS = PAIR_DECISIONS
# A CSV export defuses cells a spreadsheet would run ('=...' -> "'=..."): read them back.
_DEFUSED = ("'=", "'+", "'-", "'@", "'\t", "'\r", "'\n", "'\uff1d", "'\uff0b", "'\uff0d",
            "'\uff20")
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
    return [d for d, _where, _revoked in read_rows(path)]


def read_rows(path: Path) -> list[tuple[Decision, str, dict[str, str]]]:
    """``(decision, "file:line", record)`` of each row of a decisions file; the record
    (``revoked``, ``revoked_by``, ``revoked_why``, ``members``) is empty unless the file
    is an export (of a revoked decision, of a cluster decision)."""
    try:
        fh = Path(path).open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError("cannot read the decisions file", value=str(path),
                         hint=f"check the path ({exc.strerror})") from exc
    out: list[tuple[Decision, str, dict[str, str]]] = []
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
                cell = {c: _cell(rec.get(c)) for c in (*COLUMNS, *_REVOKED, "members")}
                if not any(cell.values()):
                    continue
                where = f"{Path(path).name}:{reader.line_num}"
                gone = {c: cell[c] for c in _REVOKED if cell[c]}
                if gone and len(gone) < len(_REVOKED):
                    raise InputError(f"revoked decision at {where} lacks who, when or why",
                                     value=", ".join(f"{k}={v}" for k, v in gone.items()),
                                     hint="give revoked, revoked_by and revoked_why")
                if cell["members"]:
                    gone["members"] = cell["members"]
                out.append((_decision(cell, where), where, gone))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError("cannot parse the decisions file", value=str(path),
                             hint=f"give a UTF-8 CSV ({exc})") from exc
    return out


def _shops(extra: Mapping[str, str]) -> list[str]:
    """The shop keys of an exported cluster decision (``members``: a JSON list)."""
    import json

    try:
        value = json.loads(extra.get("members") or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _cell(value: str | None) -> str:
    text = (value or "").strip()
    return text[1:] if text.startswith(_DEFUSED) else text


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
        raise InputError(f"decision at {where} names one entity", value=cell["a"],
                         hint=f"'{kind}' needs two entities of one kind, a and b")
    if kind in _PAIRS and (":" not in cell["a"] or cell["a"].partition(":")[0]
                           != cell["b"].partition(":")[0]):
        raise InputError(f"decision at {where} is not about two entities of one kind",
                         value=f"{cell['a']} / {cell['b']}",
                         hint="give two node ids of one kind, e.g. Shop:platform:shop_id")
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


def _recs(params: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [rec for rec in (params or {}).get("decisions") or []
            if isinstance(rec, dict) and rec.get("decision") in DECISIONS]


def from_params(params: Mapping[str, Any]) -> list[Decision]:
    """The decisions recorded with a run (``params["decisions"]``)."""
    return [Decision(str(rec["decision"]), str(rec.get("a") or ""), rec.get("b"),
                     str(rec.get("who") or ""), str(rec.get("when") or ""),
                     str(rec.get("why") or "")) for rec in _recs(params)]


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
        if d.decision not in _PAIRS or not d.a.startswith("Shop:"):
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


def _follow(reports: Sequence[dict[str, Any]], shops: Sequence[str]) -> dict[str, Any] | None:
    """The cluster now holding most of ``shops`` (shop keys), if it holds at least half
    of them (a decided cluster whose shops are spread out matches nothing)."""
    wanted = {"Shop:" + k for k in shops}
    best, hit = None, 0
    for r in reports:
        n = len(wanted.intersection(r.get("members") or ()))
        if n > hit:
            best, hit = r, n
    return best if wanted and 2 * hit >= len(wanted) else None


def apply_cluster_decisions(reports: Sequence[dict[str, Any]], decisions: Sequence[Decision],
                            members: Mapping[Decision, Sequence[str]] | None = None,
                            targets: dict[Decision, str] | None = None) -> list[Decision]:
    """Set gang-likeness of clusters decided ``not-a-gang`` (0) or ``confirmed`` (1);
    the decision leads the reasons. Returns decisions naming no cluster of the run.

    A decision stored with the cluster's shops (``members``: shop keys when it was made)
    follows those shops, not the id alone: after a reset ids restart and ``G-0007``
    may name other shops. ``targets`` maps a decision to the cluster id a recorded run
    applied it to (read back as it was), and is filled in with this run's.
    """
    by_id = {r["cluster_id"]: r for r in reports}
    unmatched = []
    for d in decisions:
        if d.decision not in ("not-a-gang", "confirmed"):
            continue
        shops = (members or {}).get(d)
        if targets is not None and d in targets:
            r = by_id.get(targets[d])
        else:
            r = _follow(reports, shops) if shops else by_id.get(d.a.upper())
        if r is None:
            unmatched.append(d)
            continue
        if targets is not None:
            targets[d] = r["cluster_id"]
        value = 1.0 if d.decision == "confirmed" else 0.0
        r["gang_likeness"] = value
        r["decision"] = {"decision": d.decision, "provenance": d.provenance}
        r["reasons"] = [{"feature": "analyst_decision", "value": value,
                         "contribution": value, "provenance": d.provenance},
                        *[x for x in r.get("reasons", []) if x["feature"] != "analyst_decision"]]
    return unmatched


def resolve_pairs(proj: Projection, decisions: Sequence[Decision]
                  ) -> tuple[list[dict[str, Any]], list[Decision], list[Decision]]:
    """Apply ``same`` / ``not-same`` between sellers or identifiers to the projection's
    resolved-spelling pairs (``proj.same_src`` / ``same_dst``, changed in place).

    ``same`` adds a pair (the two become one evidence group); ``not-same`` drops every
    automatic pair whose joining would put the two in one group, directly or through
    other spellings. Returns ``(applied, unmatched, conflicts)``: a ``same`` that would
    join two entities decided ``not-same`` is a conflict and is not applied.
    """
    index = proj.index
    same: list[tuple[int, int, Decision]] = []
    apart: list[tuple[int, int, Decision]] = []
    unmatched: list[Decision] = []
    for d in decisions:
        if d.decision not in _PAIRS or d.a.startswith("Shop:"):
            continue
        a, b = index.get(d.a), index.get(d.b or "")
        if a is None or b is None:
            unmatched.append(d)
        else:
            (same if d.decision == "same" else apart).append((a, b, d))
    if not same and not apart:
        return [], unmatched, []
    parent: dict[int, int] = {}
    # Root -> the not-same decisions it holds one side of: (decision number, side).
    tags: dict[int, set[tuple[int, int]]] = {}
    for i, (a, b, _d) in enumerate(apart):
        tags.setdefault(a, set()).add((i, 0))
        tags.setdefault(b, set()).add((i, 1))

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def join(x: int, y: int) -> bool:
        rx, ry = find(x), find(y)
        if rx == ry:
            return True
        tx, ty = tags.get(rx, set()), tags.get(ry, set())
        if any((i, 1 - side) in ty for i, side in tx):
            return False
        parent[ry] = rx
        if ty:
            tags.setdefault(rx, set()).update(tags.pop(ry))
        return True

    applied: list[dict[str, Any]] = []
    conflicts: list[Decision] = []
    kept_src, kept_dst = [], []
    # The analyst's ``same`` first: it outranks automatic resolution.
    for a, b, d in same:
        if join(a, b):
            kept_src.append(a)
            kept_dst.append(b)
            applied.append({"decision": "same", "a": d.a, "b": d.b, "provenance": d.provenance})
        else:
            conflicts.append(d)
    dropped = 0
    for a, b in zip(proj.same_src, proj.same_dst, strict=True):
        if join(a, b):
            kept_src.append(a)
            kept_dst.append(b)
        else:
            dropped += 1
    for _a, _b, d in apart:
        applied.append({"decision": "not-same", "a": d.a, "b": d.b,
                        "provenance": d.provenance})
    if dropped or same:
        proj.same_src = array("i", kept_src)
        proj.same_dst = array("i", kept_dst)
    return applied, unmatched, conflicts


class Decided:
    """The decisions in force for one run: the store's, plus a new file's.

    The pipeline calls, in order: :meth:`resolve` (``same`` / ``not-same`` between
    sellers or identifiers, before the weighting), :meth:`hubs` (forced hubs for the
    weighting), :meth:`keep` (undo hub marks decided ``not-hub``), :meth:`link`
    (``same`` / ``not-same`` between shops, on the partition) and :meth:`on_reports`
    (cluster decisions); :meth:`record` is what the run record keeps.
    """

    def __init__(self, decisions: Sequence[Decision]) -> None:
        self.decisions = list(decisions)
        self.applied: list[dict[str, Any]] = []
        self.unmatched: list[Decision] = []
        self.conflicts: list[Decision] = []
        #: File rows stored now, and file rows the store already held (revoked or not).
        self.imported: list[dict[str, Any]] = []
        self.already: list[dict[str, Any]] = []
        #: Shop keys of a decided cluster when the decision was made (stored decisions).
        self.members: dict[Decision, tuple[str, ...]] = {}
        #: Cluster decision -> the cluster id it applies to in this run.
        self.targets: dict[Decision, str] = {}

    @classmethod
    def recorded(cls, previous_params: Mapping[str, Any] | None) -> Decided:
        """The decisions a recorded run applied (the view re-reads a run as it was)."""
        out = cls(from_params(previous_params or {}))
        for d, rec in zip(out.decisions, _recs(previous_params), strict=True):
            if rec.get("cluster"):
                out.targets[d] = str(rec["cluster"])
        return out

    @classmethod
    def for_run(cls, store: Store, previous: PreviousRun | None, path: Path | None,
                *, write: bool = True) -> Decided:
        """The decisions in force in ``store``, after importing the file at ``path``.

        A store that holds no ``Decision`` node yet but whose last run (``previous``)
        recorded decisions imports those first (earlier graphinv kept decisions only in
        the run record). A cluster decision imported without its shops takes them from
        ``previous`` (the cluster it names there). Without ``write`` nothing is stored:
        the file's decisions apply to this run only.
        """
        from graphinv.analysis import decision_log as log

        last = previous.clusters if previous else {}

        def shops(d: Decision, given: Sequence[str] = ()) -> list[str]:
            if given or d.decision not in CLUSTER_DECISIONS:
                return list(given)
            return list(last.get(d.a.strip().upper(), ()))

        stored = log.load(store, include_revoked=True)
        older = from_params(previous.params if previous else {})
        if not stored and older and write:
            log.record(store, older, sources=[f"run {previous.key if previous else '?'}"]
                       * len(older), members={i: shops(d) for i, d in enumerate(older)})
            stored = log.load(store, include_revoked=True)
        elif not stored:
            stored = []
        rows = read_rows(path) if path else []
        extra: list[Decision] = []
        new: list[Any] = []
        already: list[Any] = []
        if rows and write:
            new, already = log.record(
                store, [d for d, _, _ in rows], sources=[w for _, w, _ in rows],
                revoked={i: r for i, (_, _, r) in enumerate(rows) if r.get("revoked")},
                members={i: shops(d, _shops(r)) for i, (d, _, r) in enumerate(rows)})
            stored = log.load(store, include_revoked=True)
        elif rows:
            extra = [d for d, _, r in rows if not r.get("revoked")]
        out = cls(merge_decisions(log.in_force(stored) if stored else older, extra))
        out.imported = [x.as_dict() for x in new]
        out.already = [x.as_dict() for x in already]
        out.members = {x.decision: x.members for x in stored if x.active and x.members}
        return out

    def resolve(self, proj: Projection) -> None:
        """``same`` / ``not-same`` between sellers or identifiers (before the weighting)."""
        applied, unmatched, conflicts = resolve_pairs(proj, self.decisions)
        self.applied.extend(applied)
        self.unmatched.extend(unmatched)
        self.conflicts.extend(conflicts)

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
        self.unmatched.extend(apply_cluster_decisions(reports, self.decisions, self.members,
                                                      self.targets))

    def summary(self) -> dict[str, list[dict[str, Any]]]:
        """What the run did with the decisions (``ClusterResult.decisions``)."""
        return {"applied": self.applied, "unmatched": [d.as_dict() for d in self.unmatched],
                "conflicts": [d.as_dict() for d in self.conflicts],
                "imported": self.imported, "already": self.already}

    def record(self) -> list[dict[str, Any]]:
        """The decisions of the run; a cluster decision with the cluster it applied to."""
        return [{**d.as_dict(), **({"cluster": self.targets[d]} if d in self.targets else {})}
                for d in self.decisions]

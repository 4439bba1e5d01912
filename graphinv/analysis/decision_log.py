"""Analyst decisions kept in the store (``Decision`` nodes), with provenance.

Every decision an analyst records (``graphinv decide ...``, or a row of a decisions
file given to ``graphinv clusters --decisions``) becomes one ``Decision`` node:
``D-0001``, ``D-0002``... in recording order, with who / when / why, where it came
from (``source``) and when graphinv stored it (``recorded``). A decision is never
deleted: ``revoke`` marks it revoked (who, when, why) and it stops applying. The
decisions in force are the unrevoked ones, a later decision on the same subject
replacing an earlier one (:func:`graphinv.analysis.decisions.merge_decisions`).

They live in the store, so they survive re-ingest. ``graphinv reset`` empties the
store: :func:`export_before_reset` writes them to a CSV in the data directory first
(``graphinv clusters --decisions`` reads that file back, revocations included).

>>> format_key(7)
'D-0007'
>>> parse_key("d-0012"), parse_key("G-0001")
(12, None)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphinv import schema
from graphinv.analysis.decisions import CLUSTER_DECISIONS, DECISIONS, PAIR_DECISIONS, Decision
from graphinv.errors import InputError, OutputError, StoreError, UsageError
from graphinv.store.base import Store
from graphinv.types import match_key
from graphinv.util.tabular import to_csv

__all__ = ["Logged", "LABEL", "EXPORT_COLUMNS", "format_key", "parse_key", "now_utc", "load",
           "in_force", "record", "revoke", "check", "decide", "export_rows", "export_before_reset"]

LABEL = "Decision"
_PREFIX = "D-"
# Stored names of who / when / why: ``when`` is a reserved word in Cypher.
_PROPS = ("decision", "a", "b", "decided_by", "decided_on", "reason", "source", "recorded",
          "members", "revoked", "revoked_by", "revoked_why")
#: Columns of an export: a decisions file (``decision,a,b,who,when,why``) plus the record.
EXPORT_COLUMNS = ("decision", "a", "b", "who", "when", "why", "id", "source", "recorded",
                  "revoked", "revoked_by", "revoked_why", "members")


def format_key(n: int) -> str:
    return f"{_PREFIX}{n:04d}"


def parse_key(key: str) -> int | None:
    """Number of a decision id (case-insensitive), or None."""
    k = key.strip().upper()
    tail = k[len(_PREFIX):]
    return int(tail) if k.startswith(_PREFIX) and tail.isdigit() else None


def now_utc() -> str:
    """The current UTC time as graphinv records it (ISO, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Logged:
    """One stored decision: the decision, its id and its record."""

    key: str
    decision: Decision
    source: str = ""
    recorded: str = ""
    members: tuple[str, ...] = ()
    revoked: str | None = None
    revoked_by: str | None = None
    revoked_why: str | None = None

    @property
    def active(self) -> bool:
        return not self.revoked

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        return {"id": self.key, "decision": d.decision, "a": d.a, "b": d.b, "who": d.who,
                "when": d.when, "why": d.why, "source": self.source, "recorded": self.recorded,
                "members": list(self.members), "revoked": self.revoked,
                "revoked_by": self.revoked_by, "revoked_why": self.revoked_why,
                "provenance": d.provenance}


def _logged(row: Sequence[Any]) -> Logged | None:
    key, *vals = row
    p = dict(zip(_PROPS, vals, strict=True))
    if parse_key(str(key)) is None or not p["decision"]:
        return None
    try:
        members = tuple(json.loads(p["members"])) if p["members"] else ()
    except (TypeError, ValueError):
        members = ()
    d = Decision(str(p["decision"]), str(p["a"] or ""), p["b"] or None,
                 str(p["decided_by"] or ""), str(p["decided_on"] or ""), str(p["reason"] or ""))
    return Logged(str(key), d, str(p["source"] or ""), str(p["recorded"] or ""), members,
                  p["revoked"] or None, p["revoked_by"] or None, p["revoked_why"] or None)


def load(store: Store, *, include_revoked: bool = False) -> list[Logged]:
    """The stored decisions in recording order (revoked ones only when asked)."""
    try:
        out = [x for row in store.stream_nodes(LABEL, _PROPS)
               if (x := _logged(row)) is not None]
    except StoreError as exc:
        # An embedded store written before graphinv kept decisions, opened read-only
        # (its tables are only added by a writer): it holds none.
        if store.read_only and f"Table {LABEL} does not exist" in str(exc):
            return []
        raise
    out.sort(key=lambda x: parse_key(x.key) or 0)
    return [x for x in out if include_revoked or x.active]


def in_force(logged: Iterable[Logged]) -> list[Decision]:
    """The decisions that apply: unrevoked, a later one on a subject replacing the earlier."""
    from graphinv.analysis.decisions import merge_decisions

    return merge_decisions([], [x.decision for x in logged if x.active])


def record(store: Store, decisions: Sequence[Decision], *, sources: Sequence[str],
           members: Mapping[int, Sequence[str]] | None = None,
           revoked: Mapping[int, Mapping[str, str]] | None = None,
           now: str | None = None) -> tuple[list[Logged], list[Logged]]:
    """Store ``decisions`` (``sources[i]`` says where decision ``i`` came from).

    A decision identical to a stored one (same decision, ids, who, when and why) is not
    stored twice, so a decisions file can be given to every run: it is returned in the
    second list (``already``), revoked or not — a revoked decision stays revoked.
    Returns ``(new, already)``.
    """
    existing = load(store, include_revoked=True)
    seen = {x.decision: x for x in existing}
    nxt = max((parse_key(x.key) or 0 for x in existing), default=0) + 1
    stamp = now or now_utc()
    new: list[Logged] = []
    already: list[Logged] = []
    rows: list[dict[str, Any]] = []
    for i, (d, src) in enumerate(zip(decisions, sources, strict=True)):
        if d in seen:
            already.append(seen[d])
            continue
        gone = (revoked or {}).get(i) or {}
        x = Logged(format_key(nxt), d, src, stamp, tuple((members or {}).get(i, ())),
                   gone.get("revoked") or None, gone.get("revoked_by") or None,
                   gone.get("revoked_why") or None)
        nxt += 1
        seen[d] = x
        new.append(x)
        rows.append({"key": x.key, "decision": d.decision, "a": d.a, "b": d.b,
                     "decided_by": d.who, "decided_on": d.when, "reason": d.why,
                     "source": src, "recorded": stamp,
                     "members": json.dumps(list(x.members), ensure_ascii=False) if x.members
                     else None, "revoked": x.revoked, "revoked_by": x.revoked_by,
                     "revoked_why": x.revoked_why})
    if rows:
        store.merge_nodes(LABEL, rows)
    return new, already


def revoke(store: Store, key: str, *, who: str, why: str, now: str | None = None) -> Logged:
    """Mark decision ``key`` revoked (it stays in the store, with who / when / why)."""
    n = parse_key(key)
    found = [x for x in load(store, include_revoked=True) if parse_key(x.key) == n]
    if n is None or not found:
        raise InputError("no such decision", value=key,
                         hint="see `graphinv decide list --all` for the decision ids")
    x = found[0]
    if x.revoked:
        raise InputError("decision already revoked", value=x.key,
                         hint=f"revoked on {x.revoked} by {x.revoked_by}: {x.revoked_why}")
    if not who.strip() or not why.strip():
        raise UsageError("a revocation needs who and why", value=x.key,
                         hint="give --by WHO and --why TEXT")
    when = now or now_utc()
    store.set_node_props(LABEL, [{"key": x.key, "revoked": when, "revoked_by": who.strip(),
                                  "revoked_why": why.strip()}],
                         ("revoked", "revoked_by", "revoked_why"))
    return Logged(x.key, x.decision, x.source, x.recorded, x.members, when, who.strip(),
                  why.strip())


def _entity(store: Store, nid: str, allowed: Sequence[str], what: str) -> str:
    """The stored node id ``nid`` names (an identifier written another way is normalized
    with its kind's normalizer); an error naming the value otherwise."""
    label, sep, key = nid.strip().partition(":")
    if not sep or not key or label not in allowed:
        raise InputError(f"not {what}", value=nid,
                         hint="give a node id Kind:key with Kind one of " + ", ".join(allowed)
                         + " (e.g. Shop:ebay:12345, Phone:+8613800138000)")
    if store.existing_keys(label, [key]):
        return schema.node_id(label, key)
    kind = schema.NODE_KINDS[label]
    if kind.is_identifier:
        norm = match_key(kind.normalizer, key)
        if norm and store.existing_keys(label, [norm]):
            return schema.node_id(label, norm)
    raise InputError(f"no such {label} in the store", value=nid,
                     hint="give the id as `graphinv explain` or `graphinv clusters show` "
                     "prints it")


def check(store: Store, d: Decision, *, clusters: Mapping[str, Sequence[str]] | None
          ) -> tuple[Decision, tuple[str, ...]]:
    """``d`` with its ids checked against the store (and normalized); for a cluster
    decision, the cluster's shop keys in the last run (``clusters``) come back too."""
    graph_kinds = tuple(schema.NODE_KINDS)
    if d.decision in PAIR_DECISIONS:
        a = _entity(store, d.a, graph_kinds, "an entity id")
        b = _entity(store, d.b or "", graph_kinds, "an entity id")
        if a.partition(":")[0] != b.partition(":")[0]:
            raise InputError(f"'{d.decision}' needs two entities of one kind",
                             value=f"{a} / {b}",
                             hint="two shops, two sellers or two identifiers of one kind")
        if a == b:
            raise InputError(f"'{d.decision}' names one entity twice", value=a,
                             hint="give two different ids")
        return Decision(d.decision, a, b, d.who, d.when, d.why), ()
    if d.decision in CLUSTER_DECISIONS:
        cid = d.a.strip().upper()
        if clusters is None:
            raise InputError("no clustering run in the store", value=d.a,
                             hint="run `graphinv clusters` first")
        if cid not in clusters:
            raise InputError("no such cluster in the last clustering run", value=d.a,
                             hint="see `graphinv clusters` for the cluster ids")
        return (Decision(d.decision, cid, None, d.who, d.when, d.why),
                tuple(clusters[cid]))
    hubbable = tuple(k for k in schema.NODE_KINDS if k == "Seller"
                     or schema.NODE_KINDS[k].is_identifier)
    a = _entity(store, d.a, hubbable, "an identifier id")
    return Decision(d.decision, a, None, d.who, d.when, d.why), ()


def export_rows(logged: Iterable[Logged]) -> str:
    """CSV text of stored decisions (:data:`EXPORT_COLUMNS`), revoked ones included."""
    return to_csv(EXPORT_COLUMNS, [[x.decision.decision, x.decision.a, x.decision.b or "",
                                    x.decision.who, x.decision.when, x.decision.why, x.key,
                                    x.source, x.recorded, x.revoked or "", x.revoked_by or "",
                                    x.revoked_why or "",
                                    json.dumps(list(x.members), ensure_ascii=False)
                                    if x.members else ""] for x in logged])


def export_before_reset(store: Store, data_dir: Path, *, now: datetime | None = None
                        ) -> tuple[Path | None, int]:
    """Write every stored decision to ``data_dir/decisions-<UTC time>.csv`` (a new file,
    never one that exists) before the store is emptied. Returns ``(path, count)``;
    no file when the store holds no decision."""
    logged = load(store, include_revoked=True)
    if not logged:
        return None, 0
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    text = export_rows(logged)
    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        for n in range(1000):
            path = Path(data_dir) / (f"decisions-{stamp}.csv" if n == 0
                                     else f"decisions-{stamp}-{n}.csv")
            try:
                with path.open("x", encoding="utf-8", newline="") as fh:
                    fh.write(text)
                return path, len(logged)
            except FileExistsError:
                continue
    except OSError as exc:
        raise OutputError("cannot save the analyst decisions before the reset",
                          value=str(data_dir),
                          hint=f"free space or fix permissions; the store was not emptied "
                          f"({exc.strerror})") from exc
    raise OutputError("cannot find a free file name for the decisions export",
                      value=str(data_dir), hint="move old decisions-*.csv files away")



def decide(store: Store, decision: str, a: str, b: str | None = None, *, who: str, why: str,
           when: str | None = None) -> tuple[Logged, bool]:
    """Check and store one decision made now (``graphinv decide``).

    Returns ``(stored decision, new)``; ``new`` is False when the very same decision
    was stored before.
    """
    from graphinv.analysis import history

    if decision not in DECISIONS:
        raise UsageError("unknown decision", value=decision, hint="one of " + ", ".join(DECISIONS))
    if not who.strip() or not why.strip():
        raise UsageError("a decision needs who and why", value=f"{decision} {a}",
                         hint="give --by WHO and --why TEXT")
    stamp = when or now_utc()
    d = Decision(decision, a.strip(), b.strip() if b else None, who.strip(), stamp, why.strip())
    previous = history.load_previous(store)
    d, members = check(store, d, clusters=previous.clusters if previous else None)
    new, already = record(store, [d], sources=["decide"], members={0: members})
    return (new[0], True) if new else (already[0], False)

"""Masked values (``138****8000``) linked to the one full identifier they can be.

Ingest never makes a masked value a key: it stays on the shop as partial evidence,
an issue ``masked <Kind> '<value>'``. After loading, each is compared with every full
identifier of its kind in the store; when exactly one fits (visible characters equal,
each mask character one hidden character — ``*`` runs in e-mails hide one or more),
the shop is linked to it, with an evidence record whose ``source`` says
``masked single match`` and whose ``raw`` is the masked value. Two or more fits, or
none, or a mask shown by more than :data:`MAX_SHOPS_PER_MASK` shops: no link (a missed
link is better than a false one).

>>> _pattern("Phone", "138****8000").pattern
'138\\\\d{4}8000$'
>>> bool(_pattern("PaymentAccount", "alipay 2088********1234").search("alipay:2088123456781234"))
True
"""

from __future__ import annotations

import re
from collections import defaultdict

from graphinv import schema
from graphinv.store.base import Store, evidence_frame, evidence_raw

__all__ = ["MASKED_ISSUE", "MAX_SHOPS_PER_MASK", "link_masked"]

#: The shop issue ingest writes for a masked value: ``masked Phone '138****8000'``.
MASKED_ISSUE = re.compile(r"^masked (Phone|Email|PaymentAccount) '(.+)'$")
_MASK = "*\uff0a\u2022\u25cf\u00b7xX#"
_MIN_VISIBLE_DIGITS = 6  # "1****8" could be anything
#: A mask shown by more shops than this is common (a masking pattern many receipts share
#: by chance), never linked: one full number fitting it says nothing about those shops.
MAX_SHOPS_PER_MASK = 2


def _pattern(label: str, raw: str) -> re.Pattern[str] | None:
    """A regex a full key must match (``search``) to be what ``raw`` hides."""
    s = raw.strip()
    if label == "Email":
        local, at, domain = s.lower().rpartition("@")
        if not at or not domain:
            return None
        parts = [re.escape(p) for p in re.split(f"[{re.escape(_MASK[:5])}]+", local)]
        if sum(len(p) for p in parts) < 1:
            return None
        return re.compile("^" + "[^@]+".join(parts) + "@" + re.escape(domain) + "$")
    body = re.sub(r"[^0-9" + re.escape(_MASK) + "]", "", s)
    digits = sum(c.isdigit() for c in body)
    if digits < _MIN_VISIBLE_DIGITS:
        return None
    out = []
    for run in re.finditer(r"\d+|[^\d]+", body):
        t = run.group(0)
        out.append(t if t[0].isdigit() else r"\d{" + str(len(t)) + "}")
    number = "".join(out)
    if label == "Phone":
        return re.compile(number + "$")
    provider = re.match(r"\s*([A-Za-z][A-Za-z ._-]*?)[\s:]*[0-9" + re.escape(_MASK) + "]", s)
    prefix = re.escape(provider.group(1).strip().lower()) + ":" if provider else "[^:]+:"
    return re.compile("^" + prefix + number + "$")


def link_masked(store: Store, run_id: str, at: str) -> dict[str, int]:
    """Link each masked value to its single full match; return counts by outcome
    (``linked``, ``ambiguous``, ``no_match``, ``too_little``, ``common``)."""
    wanted: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, issues in store.stream_nodes("Shop", ["issues"]):
        for issue in issues or ():
            m = MASKED_ISSUE.match(issue)
            if m:
                wanted[m.group(1)].append((key, m.group(2)))
    counts = {"linked": 0, "ambiguous": 0, "no_match": 0, "too_little": 0, "common": 0}
    for label, items in wanted.items():
        keys = [k for (k,) in store.stream_nodes(label, []) if not k.startswith(("invalid:",
                                                                              "national:"))]
        rows = []
        shops_of: dict[str, set[str]] = defaultdict(set)
        for shop, raw in items:
            shops_of[re.sub(r"\s+", "", raw.lower())].add(shop)
        for shop, raw in items:
            if len(shops_of[re.sub(r"\s+", "", raw.lower())]) > MAX_SHOPS_PER_MASK:
                counts["common"] += 1
                continue
            pat = _pattern(label, raw)
            if pat is None:
                counts["too_little"] += 1
                continue
            hits = [k for k in keys if pat.search(k)][:2]
            if len(hits) != 1:
                counts["ambiguous" if hits else "no_match"] += 1
                continue
            head, tail = evidence_frame(source="masked single match", file="", line=0,
                                        run=run_id, at=at)
            rows.append({"src": shop, "dst": hits[0], "ek": f"masked:{shop}:{raw}",
                         "ej": head + evidence_raw(raw) + tail, "run": run_id})
        if rows:
            rel = schema.rel_type_for("Shop", label)
            store.merge_rels(rel, "Shop", label, rows)
            counts["linked"] += len(rows)
    return counts

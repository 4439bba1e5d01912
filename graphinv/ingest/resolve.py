"""Near-duplicate resolution: the same warehouse or factory written differently.

Exact normalization already merges case, width, punctuation, abbreviations and
token order. What is left — "50 Huaqiang North Road Futian Shenzhen" vs
"50 Huaqiang North Road Shenzhen", "Bright Star Electronics" vs
"Brightstar Electronics" — is found here with a scored fuzzy match and recorded
as ``SAME_AS {score, method}`` links (never merged: each spelling keeps its own
evidence). Candidates are *blocked* so the work stays far from quadratic:

* addresses: same country and the same set of numbers (house number, building,
  floor — different numbers are different places); then token-set similarity,
  requiring the shorter side to keep at least 3 tokens;
* suppliers: same first 3 letters or same last token of the key; then the best of
  ``ratio`` on the space-less key and ``token_sort_ratio``.

Thresholds are documented constants; every decision carries its score and method.

>>> pairs = match_addresses(["CN:50 futian huaqiang north road shenzhen",
...                          "CN:50 huaqiang north road shenzhen",
...                          "CN:51 huaqiang north road shenzhen"])
>>> [(a, b, m) for a, b, s, m in pairs]
[('CN:50 futian huaqiang north road shenzhen', 'CN:50 huaqiang north road shenzhen', 'token_set')]
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import fuzz

from graphinv.store.base import Store

__all__ = [
    "ADDRESS_THRESHOLD",
    "SUPPLIER_THRESHOLD",
    "MAX_BLOCK",
    "match_addresses",
    "match_suppliers",
    "resolve_store",
]

ADDRESS_THRESHOLD = 90.0
SUPPLIER_THRESHOLD = 92.0
#: Blocks bigger than this are split further (keeps the worst case bounded).
MAX_BLOCK = 400
_NUM = re.compile(r"\d+")

Pair = tuple[str, str, float, str]


def _address_block(key: str) -> tuple[str, tuple[str, ...]]:
    country, _, rest = key.partition(":")
    return country, tuple(sorted(set(_NUM.findall(rest))))


def match_addresses(keys: Iterable[str]) -> list[Pair]:
    """Fuzzy SAME_AS candidates among address keys (``CC:tokens``)."""
    blocks: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for k in keys:
        if k.startswith("invalid:"):
            continue
        country, nums = _address_block(k)
        if not nums:
            continue  # an address without numbers is too vague to link fuzzily
        blocks[(country, nums)].append(k)
    out: list[Pair] = []
    for block in blocks.values():
        for sub in _split(sorted(block)):
            out.extend(_compare_addresses(sub))
    return sorted(out)


def _split(block: list[str]) -> list[list[str]]:
    if len(block) <= MAX_BLOCK:
        return [block]
    by_first: dict[str, list[str]] = defaultdict(list)
    for k in block:
        words = [t for t in k.partition(":")[2].split() if not t.isdigit()]
        by_first[min(words) if words else ""].append(k)
    return [b[:MAX_BLOCK * 4] for b in by_first.values()]


def _compare_addresses(block: list[str]) -> list[Pair]:
    out: list[Pair] = []
    toks = {k: k.partition(":")[2].split() for k in block}
    for i, a in enumerate(block):
        for b in block[i + 1:]:
            ta, tb = toks[a], toks[b]
            if min(len(ta), len(tb)) < 3:
                continue
            score = fuzz.token_set_ratio(" ".join(ta), " ".join(tb))
            if score >= ADDRESS_THRESHOLD:
                out.append((a, b, round(score / 100, 3), "token_set"))
    return out


def match_suppliers(keys: Iterable[str]) -> list[Pair]:
    """Fuzzy SAME_AS candidates among supplier keys (legal forms already removed).

    >>> match_suppliers(["shenzhen bright star electronics",
    ...                  "shenzhen brightstar electronics", "shenzhen moon toys"])
    [('shenzhen bright star electronics', 'shenzhen brightstar electronics', 1.0, 'ratio_nospace')]
    """
    uniq = sorted({k for k in keys if k and len(k) >= 6})
    blocks: dict[str, list[str]] = defaultdict(list)
    for k in uniq:
        blocks["p:" + k.replace(" ", "")[:3]].append(k)
        blocks["l:" + k.split()[-1]].append(k)
    seen: set[tuple[str, str]] = set()
    out: list[Pair] = []
    for block in blocks.values():
        for sub in _split(block):
            for i, a in enumerate(sub):
                for b in sub[i + 1:]:
                    pair = (a, b) if a < b else (b, a)
                    if pair in seen:
                        continue
                    seen.add(pair)
                    s1 = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
                    s2 = fuzz.token_sort_ratio(a, b)
                    score, method = (s1, "ratio_nospace") if s1 >= s2 else (s2, "token_sort")
                    if score >= SUPPLIER_THRESHOLD:
                        out.append((pair[0], pair[1], round(score / 100, 3), method))
    return sorted(out)


def resolve_store(store: Store, run_id: str) -> int:
    """Find near-duplicates among all Address and Supplier nodes; link them SAME_AS.

    Idempotent (MERGE). Returns how many SAME_AS links are new.
    """
    created = 0
    for label, matcher in (("Address", match_addresses), ("Supplier", match_suppliers)):
        keys = [r[0] for r in store.stream_nodes(label, [])]
        pairs = matcher(keys)
        if pairs:
            rows = [{"src": a, "dst": b, "score": s, "method": m, "run": run_id}
                    for a, b, s, m in pairs]
            created += store.merge_rels("SAME_AS", label, label, rows)
    return created

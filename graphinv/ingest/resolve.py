"""Near-duplicate resolution: the same warehouse or factory written differently.

Exact normalization already merges case, width, punctuation, abbreviations and
token order. What is left — "50 Huaqiang North Road Futian Shenzhen" vs
"50 Huaqiang North Road Shenzhen", "Bright Star Electronics" vs
"Brightstar Electronics" — is found here with a scored fuzzy match and recorded
as ``SAME_AS {score, method}`` links (never merged: each spelling keeps its own
evidence). Candidate generation is exact — every pair that reaches the
threshold is found, no block is cut short — yet stays far from quadratic:

* addresses: *blocked* on the same country and the same set of numbers (house
  number, building, floor — different numbers are different places); then
  token-set similarity, requiring both sides to keep at least 3 tokens. Blocks
  are small in practice; each is compared in full, inside rapidfuzz.
* suppliers: the score is the best of ``ratio`` on the space-less key and
  ``token_sort_ratio``, i.e. an Indel ratio of one of two transformed keys. A pair
  that reaches the threshold is linked only if the names also agree token by
  token (:func:`graphinv.ingest.names.same_name`: numbers, initials and short
  words equal, a surname may move, one typo only in long words), so ``BP
  Secretarial Services`` never meets ``CP Secretarial Services`` (95) and ``Hsu,
  Li-Ching`` never meets ``Liu, Ching-Hsu`` (92).
  A ratio of at least T bounds the length difference, so each key form is
  scored against every key of a compatible length, all pairs, in rapidfuzz's
  vectorized C++ on every core (:func:`_ratio_join`); nothing is blocked on a
  shared word, so "Brightstar" still meets "Bright Star".

Thresholds are documented constants; every decision carries its score and method.

>>> pairs = match_addresses(["CN:50 futian huaqiang north road shenzhen",
...                          "CN:50 huaqiang north road shenzhen",
...                          "CN:51 huaqiang north road shenzhen"])
>>> [(a, b, m) for a, b, s, m in pairs]
[('CN:50 futian huaqiang north road shenzhen', 'CN:50 huaqiang north road shenzhen', 'token_set')]
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import combinations, product

import numpy as np
from rapidfuzz import fuzz, process

from graphinv import schema
from graphinv.errors import SchemaError
from graphinv.ingest.names import same_name
from graphinv.store.base import Store

__all__ = [
    "ADDRESS_THRESHOLD",
    "MATCHERS",
    "SUPPLIER_THRESHOLD",
    "match_addresses",
    "match_suppliers",
    "resolve_store",
]

ADDRESS_THRESHOLD = 90.0
SUPPLIER_THRESHOLD = 92.0
_NUM = re.compile(r"\d+")
# Float slack on the length bound, always in the generous direction.
_EPS = 1e-9

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
        out.extend(_compare_addresses(sorted(set(block))))
    return sorted(out)


def _compare_addresses(block: list[str]) -> list[Pair]:
    # Too few tokens make token-set similarity meaningless (a subset scores 100).
    kept = [(k, " ".join(t)) for k in block if len(t := k.partition(":")[2].split()) >= 3]
    texts = [t for _, t in kept]
    out: list[Pair] = []
    for i, (a, text) in enumerate(kept):
        # The whole block, however big, is scored in C++: cutting it would lose pairs.
        for _, score, j in process.extract(text, texts[i + 1:], scorer=fuzz.token_set_ratio,
                                           score_cutoff=ADDRESS_THRESHOLD, limit=None):
            out.append((a, kept[i + 1 + j][0], round(score / 100, 3), "token_set"))
    return out


def _ratio_join(strings: list[str], cutoff: float) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of ``strings`` with ``fuzz.ratio >= cutoff``.

    Exact: every pair the length bound allows is scored. A ratio of at least T
    (an Indel similarity) needs the longer string to be at most (1 + s) / (1 - s)
    times the shorter, s = 1 - T/100 (the distance is at least the length
    difference). Strings are sorted by length and each length is scored against
    its window in rapidfuzz's ``cdist`` (C++, SIMD, every core), a block of rows at
    a time. At 149k supplier names that is 4.7 billion pairs per key form; a q-gram
    prefix-filter join in Python spent 267 s on its 2.7 billion candidates.

    >>> _ratio_join(["brightstar electronics", "brightstar electronic", "moon toys"], 92)
    [(0, 1)]
    """
    slack = (100.0 - cutoff) / 100.0
    order = sorted(range(len(strings)), key=lambda i: (len(strings[i]), strings[i]))
    texts = [strings[i] for i in order]
    lens = [len(t) for t in texts]
    found: list[tuple[int, int]] = []
    i = 0
    while i < len(texts):
        n = lens[i]
        same_end = bisect_right(lens, n)
        window_end = bisect_right(lens, math.floor(n * (1 + slack) / (1 - slack) + _EPS))
        choices = texts[i:window_end]
        # Rows per block: about 64 MB of one-byte scores.
        rows = max(1, min(same_end - i, (64 << 20) // max(1, len(choices))))
        for lo in range(i, same_end, rows):
            hi = min(same_end, lo + rows)
            scores = process.cdist(texts[lo:hi], choices, scorer=fuzz.ratio,
                                   score_cutoff=cutoff, dtype=np.uint8, workers=-1)
            for r, c in zip(*np.nonzero(scores), strict=True):
                a, b = lo + int(r), i + int(c)
                if b > a:  # each pair once: the shorter (or, at equal length, first) side
                    x, y = order[a], order[b]
                    found.append((x, y) if x < y else (y, x))
        i = same_end
    return sorted(found)


def match_suppliers(keys: Iterable[str]) -> list[Pair]:
    """Fuzzy SAME_AS pairs among supplier keys (legal forms already removed).

    The method names the score and the token rule that accepted the pair.

    >>> match_suppliers(["shenzhen bright star electronics", "bp secretarial services",
    ...                  "shenzhen brightstar electronics", "cp secretarial services"])
    [('shenzhen bright star electronics', 'shenzhen brightstar electronics', 1.0, \
'ratio_nospace+same_letters')]
    """
    uniq = sorted({k for k in keys if k and len(k) >= 6})
    cands: set[tuple[str, str]] = set()
    # Both scores are a plain ratio of a transformed key; token_sort_ratio is
    # ratio on the tokens sorted and joined with single spaces.
    for form in (lambda k: k.replace(" ", ""), lambda k: " ".join(sorted(k.split()))):
        groups: dict[str, list[str]] = defaultdict(list)
        for k in uniq:
            groups[form(k)].append(k)
        forms = sorted(groups)
        for i, j in _ratio_join(forms, SUPPLIER_THRESHOLD):
            cands.update((a, b) if a < b else (b, a)
                         for a, b in product(groups[forms[i]], groups[forms[j]]))
        for same in groups.values():
            cands.update(combinations(same, 2))  # ``uniq`` is sorted, so a < b
    out: list[Pair] = []
    for a, b in cands:
        s1 = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
        s2 = fuzz.token_sort_ratio(a, b)
        score, method = (s1, "ratio_nospace") if s1 >= s2 else (s2, "token_sort")
        if score >= SUPPLIER_THRESHOLD and (rule := same_name(a, b)):
            out.append((a, b, round(score / 100, 3), f"{method}+{rule}"))
    return sorted(out)


#: Fuzzy matchers by the normalizer that made the keys they compare.
MATCHERS: dict[str, Callable[[Iterable[str]], list[Pair]]] = {
    "address": match_addresses,
    "company": match_suppliers,
}


def resolve_store(store: Store, run_id: str) -> int:
    """Find near-duplicates among the nodes of every resolvable kind; link them SAME_AS.

    The kinds are the schema's (``NodeKind.resolvable``: Address and Supplier); each is
    compared by the matcher of its normalizer. Idempotent (MERGE). Returns how many
    SAME_AS links are new.
    """
    created = 0
    for label in schema.RESOLVABLE_KINDS:
        normalizer = schema.NODE_KINDS[label].normalizer
        matcher = MATCHERS.get(normalizer)
        if matcher is None:
            raise SchemaError("no fuzzy matcher for a resolvable kind",
                              value=f"{label} (normalizer {normalizer!r})",
                              hint="add one to graphinv.ingest.resolve.MATCHERS or set "
                                   "resolvable=False")
        keys = [r[0] for r in store.stream_nodes(label, [])]
        pairs = matcher(keys)
        if pairs:
            rows = [{"src": a, "dst": b, "score": s, "method": m, "run": run_id}
                    for a, b, s, m in pairs]
            created += store.merge_rels("SAME_AS", label, label, rows)
    return created

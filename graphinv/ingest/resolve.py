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
  ``token_sort_ratio``, i.e. an Indel ratio of one of two transformed keys.
  A ratio of at least T allows at most k = (1 - T)(len a + len b) insertions
  and deletions, and each one destroys at most q of a string's q-grams, so two
  matching strings share one of the *rarest* q-grams of each: the shortest
  rarest-first run that k edits cannot all destroy (prefix filtering, as in
  Ed-Join). Candidates come from an index of those runs plus a length window,
  never from a shared common word ("trading", a city name), and no candidate
  list is ever cut short; they are scored per key inside rapidfuzz.

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
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations, product

from rapidfuzz import fuzz, process

from graphinv.store.base import Store

__all__ = [
    "ADDRESS_THRESHOLD",
    "SUPPLIER_THRESHOLD",
    "match_addresses",
    "match_suppliers",
    "resolve_store",
]

ADDRESS_THRESHOLD = 90.0
SUPPLIER_THRESHOLD = 92.0
_NUM = re.compile(r"\d+")
# Gram length for prefix filtering: trigrams measured fewest candidates on real
# supplier names (bigrams are too common, longer grams need longer runs).
_Q = 3
# Float slack on the length and edit bounds, always in the generous direction.
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


def _gram_positions(s: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for i in range(len(s) - _Q + 1):
        out[s[i:i + _Q]].append(i)
    return out


def _edits_to_destroy(positions: list[int]) -> int:
    """Fewest insertions/deletions that break every q-gram starting at ``positions``.

    One edit breaks at most the q grams starting at q consecutive positions, so
    this is a greedy cover of the sorted positions by windows of width q.

    >>> _edits_to_destroy([0, 1, 5]), _edits_to_destroy([0, 1, 2])
    (2, 1)
    """
    edits, end = 0, -1
    for p in sorted(positions):
        if p > end:
            edits, end = edits + 1, p + _Q - 1
    return edits


def _rare_prefix(grams: list[str], pos: dict[str, list[int]], k: int) -> list[str] | None:
    """The shortest run of ``grams`` (rarest first) that k edits cannot all break.

    None when k edits can break every gram: then nothing is guaranteed to be shared.
    """
    if _edits_to_destroy([p for g in grams for p in pos[g]]) <= k:
        return None
    lo, hi = 1, len(grams)
    while lo < hi:
        mid = (lo + hi) // 2
        if _edits_to_destroy([p for g in grams[:mid] for p in pos[g]]) > k:
            hi = mid
        else:
            lo = mid + 1
    return grams[:lo]


def _ratio_join(strings: list[str], cutoff: float) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of ``strings`` with ``fuzz.ratio >= cutoff``.

    Exact (the same pairs as scoring every pair) for distinct strings. A ratio
    of at least T means at most k = (1 - T)(len a + len b) edits; a gram that no
    k edits can all destroy survives in the partner. With one global order
    (rarest first), if x's run ends no later than y's, the survivor from x's run
    is also in y's run, so every matching pair shares a gram of both runs
    (Ed-Join). On the benchmark's supplier names about one pair in ten becomes a
    candidate, and candidates are scored in C++, a whole list per string.

    >>> _ratio_join(["brightstar electronics", "brightstar electronic", "moon toys"], 92)
    [(0, 1)]
    """
    slack = (100.0 - cutoff) / 100.0
    positions = [_gram_positions(s) for s in strings]
    df = Counter(g for pos in positions for g in pos)
    # Shortest first: each string is then the longer side of its pairs with
    # everything already indexed, so one lower length bound prunes all lists.
    order = sorted(range(len(strings)), key=lambda i: (len(strings[i]), strings[i]))
    # Per gram: strings whose run holds it, their ids and lengths (ascending).
    index: dict[str, tuple[list[str], list[int], list[int]]] = {}
    short: tuple[list[str], list[int], list[int]] = ([], [], [])
    done: tuple[list[str], list[int], list[int]] = ([], [], [])
    found: set[tuple[int, int]] = set()
    for x in order:
        s = strings[x]
        n = len(s)
        lo = math.ceil(n * (1 - slack) / (1 + slack) - _EPS)
        hi = math.floor(n * (1 + slack) / (1 - slack) + _EPS)
        # Most edits any partner (at most ``hi`` long) may be away.
        k = math.floor(slack * (n + hi) + _EPS)
        run = _rare_prefix(sorted(positions[x], key=lambda g: (df[g], g)), positions[x], k)
        if run is None:
            lists = [done]
        else:
            lists = [index[g] for g in run if g in index]
            lists.append(short)
        choices: list[str] = []
        ids: list[int] = []
        for strs, idl, lens in lists:
            start = bisect_left(lens, lo)
            choices.extend(strs[start:])
            ids.extend(idl[start:])
        for _, _, j in process.extract(s, choices, scorer=fuzz.ratio, score_cutoff=cutoff,
                                       limit=None):
            y = ids[j]
            found.add((y, x) if y < x else (x, y))
        into = [short] if run is None else [index.setdefault(g, ([], [], [])) for g in run]
        for strs, idl, lens in [*into, done]:
            strs.append(s)
            idl.append(x)
            lens.append(n)
    return sorted(found)


def match_suppliers(keys: Iterable[str]) -> list[Pair]:
    """Fuzzy SAME_AS candidates among supplier keys (legal forms already removed).

    >>> match_suppliers(["shenzhen bright star electronics",
    ...                  "shenzhen brightstar electronics", "shenzhen moon toys"])
    [('shenzhen bright star electronics', 'shenzhen brightstar electronics', 1.0, 'ratio_nospace')]
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
        if score >= SUPPLIER_THRESHOLD:
            out.append((a, b, round(score / 100, 3), method))
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

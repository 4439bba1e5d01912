"""Union-find over integer ids stored in a flat array (no graph object).

Connected components of the shop–identifier bipartite graph are computed here
first, so networkx only ever sees the few components that need splitting.

>>> uf = DisjointSet(5)
>>> uf.union(0, 1); uf.union(3, 4)
>>> uf.labels()
[0, 0, 1, 2, 2]
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["DisjointSet", "union_groups", "component_roots", "min_labels"]


class DisjointSet:
    """Disjoint sets over ``0..n-1`` with path halving and union by size."""

    __slots__ = ("parent", "size")

    def __init__(self, n: int) -> None:
        self.parent = array("i", range(n))
        self.size = array("i", [1]) * n

    @classmethod
    def from_labels(cls, labels: np.ndarray) -> DisjointSet:
        """Sets already joined: ``labels[x]`` is the root of ``x`` (a root is its own
        label, as :func:`min_labels` gives them).

        >>> DisjointSet.from_labels(np.array([0, 0, 2, 0])).labels()
        [0, 0, 1, 0]
        """
        out = cls(0)
        out.parent = array("i", labels.astype(np.int32).tobytes())
        sizes = np.bincount(labels, minlength=len(labels)).astype(np.int32)
        out.size = array("i", sizes.tobytes())
        return out

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def labels(self) -> list[int]:
        """Component label per element, numbered by first appearance (0, 1, ...).

        The numbering depends only on the partition, never on union order.
        """
        return _first_appearance(self.roots()).tolist()

    def roots(self) -> np.ndarray:
        """The root of every element (vectorized; the forest is left as it is)."""
        parent = np.frombuffer(self.parent, dtype=np.int32).astype(np.int64)
        while True:
            up = parent[parent]
            if np.array_equal(up, parent):
                return parent
            parent = up


def _first_appearance(roots: np.ndarray) -> np.ndarray:
    """Labels 0, 1, ... numbered by the first element of each set."""
    if roots.size == 0:
        return roots
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.reshape(-1)]


def union_groups(n: int, groups: Iterable[Iterable[int]]) -> list[int]:
    """Component labels of ``0..n-1`` when every group's members are joined.

    >>> union_groups(4, [[0, 2], [3]])
    [0, 1, 0, 2]
    """
    uf = DisjointSet(n)
    for members in groups:
        it = iter(members)
        first = next(it, None)
        if first is None:
            continue
        for m in it:
            uf.union(first, m)
    return uf.labels()


def component_roots(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Join arbitrary integer ids pairwise; map each id to its component's root.

    Ids are compacted first, so they may be sparse. Keys keep first-seen order.

    >>> component_roots([(10, 7), (7, 3), (42, 5)])
    {10: 0, 7: 0, 3: 0, 42: 3, 5: 3}
    """
    pairs = list(pairs)
    local: dict[int, int] = {}
    for a, b in pairs:
        local.setdefault(a, len(local))
        local.setdefault(b, len(local))
    uf = DisjointSet(len(local))
    for a, b in pairs:
        uf.union(local[a], local[b])
    return {n: uf.find(j) for n, j in local.items()}


def min_labels(n: int, ptr: Any, members: Any, groups: Any) -> np.ndarray:
    """Component of every element of ``0..n-1`` when the members of each of ``groups``
    (CSR ``members[ptr[g]:ptr[g + 1]]``) are joined, as the smallest element of the
    component: vectorized label propagation with pointer jumping (numpy, no per-element
    Python work), for millions of shops.

    The smallest element is its own label, so the labels are a valid union-find forest
    (:meth:`DisjointSet.from_labels`).

    >>> min_labels(5, [0, 2, 4], [3, 1, 4, 3], [0, 1]).tolist()
    [0, 1, 2, 1, 1]
    """
    ptr_a = np.asarray(ptr, dtype=np.int64)
    mem_a = np.asarray(members, dtype=np.int64)
    gs = np.asarray(groups, dtype=np.int64)
    lab = np.arange(n, dtype=np.int64)
    if n == 0 or gs.size == 0:
        return lab
    lo, hi = ptr_a[gs], ptr_a[gs + 1]
    sizes = hi - lo
    keep = sizes >= 2
    lo, sizes = lo[keep], sizes[keep]
    if lo.size == 0:
        return lab
    # The member positions of every kept group, and which group each belongs to.
    total = int(sizes.sum())
    starts = np.repeat(lo - np.cumsum(sizes) + sizes, sizes)
    mem = mem_a[starts + np.arange(total, dtype=np.int64)]
    gid = np.repeat(np.arange(lo.size, dtype=np.int64), sizes)
    bounds = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    while True:
        gmin = np.minimum.reduceat(lab[mem], bounds)
        new = lab.copy()
        np.minimum.at(new, mem, gmin[gid])
        while True:  # pointer jumping: every element straight to its current root
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, lab):
            return lab
        lab = new

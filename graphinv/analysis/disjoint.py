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

__all__ = ["DisjointSet", "union_groups", "component_roots"]


class DisjointSet:
    """Disjoint sets over ``0..n-1`` with path halving and union by size."""

    __slots__ = ("parent", "size")

    def __init__(self, n: int) -> None:
        self.parent = array("i", range(n))
        self.size = array("i", [1]) * n

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
        roots: dict[int, int] = {}
        out = []
        find = self.find
        for x in range(len(self.parent)):
            r = find(x)
            lab = roots.get(r)
            if lab is None:
                lab = roots[r] = len(roots)
            out.append(lab)
        return out


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

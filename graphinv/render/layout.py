"""Node positions computed in Python, so the browser draws at once (physics off).

A force-directed layout (Fruchterman–Reingold with grid-bucketed repulsion)
in pure Python, seeded and deterministic, fast enough for a few thousand
nodes. Cluster graphs are mostly fans of identifiers around shops: leaves and
hanging trees are peeled off first, only the remaining core is simulated, and
the peeled parts are placed on circles around their anchor afterwards.

>>> pos = spring_layout(4, [(0, 1), (1, 2), (2, 3)], seed=1)
>>> len(pos), pos == spring_layout(4, [(0, 1), (1, 2), (2, 3)], seed=1)
(4, True)
>>> spring_layout(0, [])
[]
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence

__all__ = ["spring_layout", "EDGE_LENGTH"]

#: Typical distance between linked nodes, in vis-network canvas units.
EDGE_LENGTH = 110.0


def _peel(n: int, adj: list[set[int]]) -> tuple[list[bool], list[int], list[int]]:
    """Strip leaves repeatedly (the 2-core remains).

    Returns ``(is_anchor, parent, order)``: anchors are core nodes plus the roots
    of fully peeled trees; every other node hangs from ``parent``; ``order`` is
    the peel order.
    """
    deg = [len(a) for a in adj]
    removed = [False] * n
    parent = [-1] * n
    queue = [v for v in range(n) if deg[v] <= 1]
    order: list[int] = []
    head = 0
    while head < len(queue):
        v = queue[head]
        head += 1
        if removed[v]:
            continue
        removed[v] = True
        order.append(v)
        for u in adj[v]:
            if not removed[u]:
                parent[v] = u
                deg[u] -= 1
                if deg[u] == 1:
                    queue.append(u)
    is_anchor = [not removed[v] or parent[v] < 0 for v in range(n)]
    return is_anchor, parent, order


def _sunflower(
    nodes: list[int],
    edges: list[tuple[int, int]],
    idx: dict[int, int],
    side: float,
    rng: random.Random,
) -> tuple[list[float], list[float]]:
    """Start positions: nodes in breadth-first order on a golden-angle spiral,
    so linked nodes start close and few iterations are needed."""
    m = len(nodes)
    adj: list[list[int]] = [[] for _ in range(m)]
    for a, b in edges:
        adj[idx[a]].append(idx[b])
        adj[idx[b]].append(idx[a])
    seen = [False] * m
    order: list[int] = []
    for s in sorted(range(m), key=lambda i: -len(adj[i])):
        if seen[s]:
            continue
        seen[s] = True
        order.append(s)
        head = len(order) - 1
        while head < len(order):
            v = order[head]
            head += 1
            for u in adj[v]:
                if not seen[u]:
                    seen[u] = True
                    order.append(u)
    xs = [0.0] * m
    ys = [0.0] * m
    golden = math.pi * (3 - math.sqrt(5))
    radius = side / 2
    for rank, i in enumerate(order):
        r = radius * math.sqrt((rank + 0.5) / m)
        ang = rank * golden + rng.uniform(-0.1, 0.1)
        xs[i] = r * math.cos(ang)
        ys[i] = r * math.sin(ang)
    return xs, ys


def _force_layout(
    nodes: list[int],
    edges: list[tuple[int, int]],
    mass: dict[int, float],
    rng: random.Random,
    k: float,
    iterations: int,
) -> dict[int, tuple[float, float]]:
    m = len(nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    side = k * math.sqrt(sum(mass[v] for v in nodes)) * 1.2 + k
    xs, ys = _sunflower(nodes, edges, idx, side, rng)
    w = [mass[v] for v in nodes]
    # Spring rest length grows with the fans hanging from either end.
    springs = []
    for a, b in edges:
        ia, ib = idx[a], idx[b]
        rest = k * (0.7 + 0.25 * (math.sqrt(w[ia]) + math.sqrt(w[ib])))
        springs.append((ia, ib, rest))
    cell = 2.0 * k
    temp = side / 8
    cool = temp / (iterations + 1)
    kk = k * k
    cut2 = cell * cell
    # Weak: repulsion is cut off at ``cell``, so strong gravity would crush big graphs.
    gravity = 0.02 / math.sqrt(max(m, 1))
    for _ in range(iterations):
        dx = [0.0] * m
        dy = [0.0] * m
        grid: dict[tuple[int, int], list[int]] = {}
        for i in range(m):
            grid.setdefault((int(xs[i] // cell), int(ys[i] // cell)), []).append(i)
        for (cx, cy), members in grid.items():
            near: list[int] = []
            for ox, oy in ((1, -1), (1, 0), (1, 1), (0, 1)):
                other = grid.get((cx + ox, cy + oy))
                if other:
                    near.extend(other)
            for a_pos, i in enumerate(members):
                xi, yi, wi = xs[i], ys[i], w[i]
                fx = fy = 0.0
                for block in (members[a_pos + 1:], near):
                    for j in block:
                        ddx = xi - xs[j]
                        ddy = yi - ys[j]
                        d2 = ddx * ddx + ddy * ddy
                        if d2 > cut2:
                            continue
                        if d2 < 1e-6:
                            ddx, ddy, d2 = rng.uniform(-1, 1), rng.uniform(-1, 1), 1.0
                        f = kk * wi * w[j] / d2
                        px = ddx * f
                        py = ddy * f
                        fx += px
                        fy += py
                        dx[j] -= px
                        dy[j] -= py
                dx[i] += fx
                dy[i] += fy
        for ia, ib, rest in springs:
            ddx = xs[ia] - xs[ib]
            ddy = ys[ia] - ys[ib]
            d = math.sqrt(ddx * ddx + ddy * ddy) or 0.01
            f = d / rest
            px, py = ddx * f, ddy * f
            dx[ia] -= px
            dy[ia] -= py
            dx[ib] += px
            dy[ib] += py
        for i in range(m):
            # Weak gravity keeps separate components together.
            gx = dx[i] - gravity * xs[i] * w[i]
            gy = dy[i] - gravity * ys[i] * w[i]
            d = math.sqrt(gx * gx + gy * gy)
            if d > 0:
                step = min(d, temp) / d
                xs[i] += gx * step
                ys[i] += gy * step
        temp = max(temp - cool, k * 0.02)
    return {v: (xs[i], ys[i]) for i, v in enumerate(nodes)}


def spring_layout(
    n: int,
    edges: Iterable[tuple[int, int]],
    *,
    seed: int = 7,
    scale: float = EDGE_LENGTH,
    iterations: int | None = None,
    masses: Sequence[float] | None = None,
    sizes: Sequence[float] | None = None,
) -> list[tuple[float, float]]:
    """Positions for nodes ``0..n-1`` linked by ``edges`` (undirected; loops ignored).

    ``masses`` makes some nodes push harder (an aggregated group node needs
    room); ``sizes`` are drawn radii: overlapping nodes are pushed apart at
    the end. Same input and seed, same output, on any machine.
    """
    if n <= 0:
        return []
    adj: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        if a != b and 0 <= a < n and 0 <= b < n:
            adj[a].add(b)
            adj[b].add(a)
    rng = random.Random(seed)
    is_anchor, parent, order = _peel(n, adj)
    children: list[list[int]] = [[] for _ in range(n)]
    for v in order:
        if not is_anchor[v]:
            children[parent[v]].append(v)
    subtree = [1.0 if masses is None else max(float(masses[v]), 1.0) for v in range(n)]
    for v in order:  # leaves first, so children are complete before parents
        if not is_anchor[v]:
            subtree[parent[v]] += subtree[v]
    anchors = [v for v in range(n) if is_anchor[v]]
    anchor_set = set(anchors)
    core_edges = sorted({(min(a, b), max(a, b)) for a in anchors for b in adj[a]
                         if b in anchor_set})
    mass = {v: subtree[v] for v in anchors}
    if iterations is None:
        iterations = 50 if len(anchors) < 1000 else 35 if len(anchors) < 2000 else 25
    pos = _force_layout(anchors, core_edges, mass, rng, scale, iterations)
    out: list[tuple[float, float] | None] = [None] * n
    for v in anchors:
        out[v] = pos[v]

    for root in anchors:
        # Iterative (a long chain would overflow the recursion limit).
        stack = [(root, rng.uniform(0, 2 * math.pi), 2 * math.pi)]
        while stack:
            v, angle, width = stack.pop()
            kids = sorted(children[v], key=lambda c: (-subtree[c], c))
            if not kids:
                continue
            cx, cy = out[v]  # type: ignore[misc]
            total = sum(math.sqrt(subtree[c]) for c in kids)
            # Radius so neighbouring kids sit about half an edge length apart on the arc.
            radius = max(scale * 0.75, 0.45 * scale * total / max(width, 0.5))
            start = angle - width / 2
            for c in kids:
                share = width * math.sqrt(subtree[c]) / total
                ang = start + share / 2
                start += share
                out[c] = (cx + radius * math.cos(ang), cy + radius * math.sin(ang))
                stack.append((c, ang, min(share * 1.6, math.pi)))
    xs = [p[0] if p else 0.0 for p in out]
    ys = [p[1] if p else 0.0 for p in out]
    if sizes is not None:
        _separate(xs, ys, [max(float(r), 1.0) for r in sizes], rng)
    return [(round(x, 1), round(y, 1)) for x, y in zip(xs, ys, strict=True)]


def _separate(xs: list[float], ys: list[float], radii: list[float], rng: random.Random,
              passes: int = 12, pad: float = 4.0) -> None:
    """Push overlapping discs apart (grid-bucketed, a few passes)."""
    n = len(xs)
    cell = 2 * max(radii) + pad
    for _ in range(passes):
        grid: dict[tuple[int, int], list[int]] = {}
        for i in range(n):
            grid.setdefault((int(xs[i] // cell), int(ys[i] // cell)), []).append(i)
        moved = False
        for (cx, cy), members in grid.items():
            near = [j for ox, oy in ((1, -1), (1, 0), (1, 1), (0, 1))
                    for j in grid.get((cx + ox, cy + oy), ())]
            for a_pos, i in enumerate(members):
                for block in (members[a_pos + 1:], near):
                    for j in block:
                        dx, dy = xs[j] - xs[i], ys[j] - ys[i]
                        need = radii[i] + radii[j] + pad
                        d2 = dx * dx + dy * dy
                        if d2 >= need * need:
                            continue
                        d = math.sqrt(d2)
                        if d < 1e-6:
                            a = rng.uniform(0, 2 * math.pi)
                            dx, dy, d = math.cos(a), math.sin(a), 1.0
                        push = (need - d) / 2 / d
                        xs[i] -= dx * push
                        ys[i] -= dy * push
                        xs[j] += dx * push
                        ys[j] += dy * push
                        moved = True
        if not moved:
            break

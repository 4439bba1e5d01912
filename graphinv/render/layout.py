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

__all__ = ["spring_layout", "structural_layout", "EDGE_LENGTH"]

#: Typical distance between linked nodes, in vis-network canvas units.
EDGE_LENGTH = 110.0


def _adjacency(n: int, edges: Iterable[tuple[int, int]]) -> list[set[int]]:
    """Neighbour sets of ``n`` nodes; self-loops and out-of-range ends are ignored."""
    adj: list[set[int]] = [set() for _ in range(n)]
    for a, b in edges:
        if a != b and 0 <= a < n and 0 <= b < n:
            adj[a].add(b)
            adj[b].add(a)
    return adj


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
    adj = _adjacency(n, edges)
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


# --- structural layout of a cluster (issue #22 item 2) ----------------------------------------

def _petal_forest(n: int, adj: list[set[int]], is_ident: list[bool],
                  ) -> tuple[list[int], list[int], list[int]]:
    """Root every node at a shared identifier: ``(centres, parent, order)``.

    A shared identifier (tied to two or more shops/sellers) is a petal centre; a multi-source
    breadth-first search from the centres, biggest first, hangs every other node from the
    node that reached it first, so a shop sits in the petal of the most-shared identifier it
    uses, and its seller and its single-use identifiers hang from the shop. A part with no
    shared identifier is rooted at its best-linked node. ``order`` is the BFS order.
    """
    ties = [sum(1 for u in adj[v] if not is_ident[u]) if is_ident[v] else 0 for v in range(n)]
    centres = sorted((v for v in range(n) if is_ident[v] and ties[v] >= 2),
                     key=lambda v: (-ties[v], -len(adj[v]), v))
    parent = [-1] * n
    seen = [False] * n
    order: list[int] = []

    def bfs(sources: list[int]) -> None:
        frontier = []
        for s in sources:
            if not seen[s]:
                seen[s] = True
                order.append(s)
                frontier.append(s)
        while frontier:
            nxt = []
            for v in frontier:  # in priority order: a node joins the first petal reaching it
                for u in sorted(adj[v]):
                    if not seen[u]:
                        seen[u] = True
                        parent[u] = v
                        order.append(u)
                        nxt.append(u)
            frontier = nxt

    bfs(centres)
    for v in sorted(range(n), key=lambda v: (-len(adj[v]), v)):
        if not seen[v]:
            centres.append(v)
            bfs([v])
    return centres, parent, order


def _fan(root: int, children: list[list[int]], weight: list[float], spacing: float,
         out: list[tuple[float, float]], start: float) -> float:
    """Place the tree under ``root`` (at 0,0) around it; return its radius.

    Children share the full circle by the square root of their subtree weight; deeper
    levels fan outwards inside their parent's sector, the radius growing so that
    neighbours on an arc stay ``spacing`` apart.
    """
    out[root] = (0.0, 0.0)
    reach = 0.0
    stack = [(root, start, 2 * math.pi, 0.0)]
    while stack:
        v, angle, width, r0 = stack.pop()
        kids = children[v]
        if not kids:
            continue
        total = sum(math.sqrt(weight[c]) for c in kids)
        # leaves of one node: a full ring around it when it is the root, an arc otherwise
        arc_len = spacing * total
        radius = max(r0 + spacing, arc_len / max(width, 0.3)) if v == root else \
            max(r0 + spacing * 0.9, arc_len / max(width, 0.3))
        if v != root:
            radius = max(radius, r0 + spacing * 0.9)
        a = angle - width / 2
        for c in kids:
            share = width * math.sqrt(weight[c]) / total
            mid = a + share / 2
            a += share
            out[c] = (radius * math.cos(mid), radius * math.sin(mid))
            reach = max(reach, radius)
            stack.append((c, mid, min(share, math.pi * 0.9), radius))
    return reach


def _pack(radii: list[float], links: dict[tuple[int, int], float], gap: float,
          ) -> list[tuple[float, float]]:
    """Place discs (petals) without overlap, biggest first at the centre; each next one at the
    free spot closest to the petals it is linked to (or to the centre)."""
    m = len(radii)
    nbrs: list[dict[int, float]] = [{} for _ in range(m)]
    for (a, b), w in links.items():
        nbrs[a][b] = nbrs[a].get(b, 0.0) + w
        nbrs[b][a] = nbrs[b].get(a, 0.0) + w
    placed: list[int] = []
    pos: list[tuple[float, float]] = [(0.0, 0.0)] * m
    done = [False] * m
    # Order: biggest first, then repeatedly the petal most linked to those placed.
    todo = set(range(m))
    cell = 2 * max(radii, default=1.0) + gap
    grid: dict[tuple[int, int], list[int]] = {}

    def free(x: float, y: float, r: float) -> bool:
        cx, cy = int(x // cell), int(y // cell)
        for ox in (-1, 0, 1):
            for oy in (-1, 0, 1):
                for j in grid.get((cx + ox, cy + oy), ()):
                    px, py = pos[j]
                    need = r + radii[j] + gap
                    if (x - px) ** 2 + (y - py) ** 2 < need * need:
                        return False
        return True

    while todo:
        best = max(todo, key=lambda v: (sum(w for u, w in nbrs[v].items() if done[u]),
                                        radii[v], -v))
        todo.discard(best)
        r = radii[best]
        spot: tuple[float, float] | None = None
        if not placed:
            spot = (0.0, 0.0)
        else:
            linked = [(u, w) for u, w in nbrs[best].items() if done[u]]
            if linked:
                tw = sum(w for _, w in linked)
                tx = sum(pos[u][0] * w for u, w in linked) / tw
                ty = sum(pos[u][1] * w for u, w in linked) / tw
                hosts = [u for u, _ in sorted(linked, key=lambda t: (-t[1], t[0]))[:6]]
            else:
                tx = ty = 0.0
                hosts = placed[-12:] + placed[:4]
            best_d = math.inf
            for h in hosts:
                hx, hy = pos[h]
                dist = radii[h] + r + gap
                for k in range(24):
                    ang = 2 * math.pi * k / 24
                    x, y = hx + dist * math.cos(ang), hy + dist * math.sin(ang)
                    # The page is wider than tall: a flattened distance keeps the packing so.
                    d = (x - tx) ** 2 + 2.2 * (y - ty) ** 2 + 0.15 * (x * x + 2.2 * y * y)
                    if d < best_d and free(x, y, r):
                        best_d, spot = d, (x, y)
            if spot is None:  # every tangent spot taken: walk out on a spiral
                k = 0
                while spot is None:
                    k += 1
                    ang = k * 0.5
                    rad = cell * 0.25 * k
                    x, y = tx + rad * math.cos(ang), ty + rad * math.sin(ang) * 0.6
                    if free(x, y, r):
                        spot = (x, y)
        at = spot if spot is not None else (0.0, 0.0)  # (the spiral always ends on a spot)
        pos[best] = at
        done[best] = True
        placed.append(best)
        grid.setdefault((int(at[0] // cell), int(at[1] // cell)), []).append(best)
    return pos


def structural_layout(
    n: int,
    edges: Iterable[tuple[int, int]],
    identifiers: Sequence[bool],
    *,
    spacing: float = EDGE_LENGTH,
    sizes: Sequence[float] | None = None,
    aspect: float = 1.9,
) -> list[tuple[float, float]]:
    """Positions that show the structure of a gang (issue #22 item 2), not a free force layout.

    Each identifier shared by two or more shops or sellers is the centre of a *petal*: the
    shops that use it sit on a ring around it, each shop's seller and single-use identifiers
    further out in the shop's sector. Petals are packed biggest first (the identifier tying
    the most shops in the middle), each next to the petals it shares shops with; inside a
    petal, the shops that also use another petal's identifier turn towards it. Last, the
    drawing is evened out to a ``aspect`` (width/height) box: each axis is pulled towards the
    nodes' rank order on it, which keeps every left/right and above/below relation but
    spreads dense middles, so fixed-size labels find room. Deterministic:
    no randomness, same input, same output.

    >>> # two phones, each shared by two shops; shop 2 uses both
    >>> pos = structural_layout(5, [(0, 2), (0, 3), (1, 3), (1, 4)],
    ...                         [True, True, False, False, False])
    >>> len(pos), pos == structural_layout(5, [(0, 2), (0, 3), (1, 3), (1, 4)],
    ...                                    [True, True, False, False, False])
    (5, True)
    >>> structural_layout(0, [], [])
    []
    """
    if n <= 0:
        return []
    adj = _adjacency(n, edges)
    is_ident = [bool(identifiers[v]) for v in range(n)]
    centres, parent, order = _petal_forest(n, adj, is_ident)
    children: list[list[int]] = [[] for _ in range(n)]
    for v in order:
        if parent[v] >= 0:
            children[parent[v]].append(v)
    weight = [1.0] * n
    for v in reversed(order):
        if parent[v] >= 0:
            weight[parent[v]] += weight[v]
    for v in range(n):
        children[v].sort(key=lambda c: (-weight[c], c))
    petal = [-1] * n
    for v in order:
        petal[v] = v if parent[v] < 0 else petal[parent[v]]
    index = {c: i for i, c in enumerate(centres)}
    local: list[tuple[float, float]] = [(0.0, 0.0)] * n
    radii = [_fan(c, children, weight, spacing, local, 0.0) + spacing * 0.6 for c in centres]
    links: dict[tuple[int, int], float] = {}
    for a in range(n):
        for b in adj[a]:
            pa, pb = index[petal[a]], index[petal[b]]
            if a < b and pa != pb:
                key = (min(pa, pb), max(pa, pb))
                links[key] = links.get(key, 0.0) + 1.0
    centre_pos = _pack(radii, links, spacing * 0.5)
    # Turn each petal so its children with links to other petals face them.
    for i, c in enumerate(centres):
        kids = children[c]
        if not kids:
            continue
        cx, cy = centre_pos[i]
        pull: list[float | None] = []
        for k in kids:
            sx = sy = 0.0
            stack = [k]
            while stack:
                v = stack.pop()
                for u in adj[v]:
                    j = index[petal[u]]
                    if j != i:
                        sx += centre_pos[j][0] - cx
                        sy += centre_pos[j][1] - cy
                stack.extend(children[v])
            pull.append(math.atan2(sy, sx) if (sx or sy) else None)
        wanted = sorted((a, k) for a, k in zip(pull, kids, strict=True) if a is not None)
        if wanted:
            rest = [k for a, k in zip(pull, kids, strict=True) if a is None]
            # the linked children, in angle order, then the others round the back
            children[c] = [k for _, k in wanted] + rest
            total = sum(math.sqrt(weight[k]) for k in children[c])
            first_share = 2 * math.pi * math.sqrt(weight[children[c][0]]) / total
            start = wanted[0][0] - first_share / 2 + math.pi
            _fan(c, children, weight, spacing, local, start)
    xs = [local[v][0] + centre_pos[index[petal[v]]][0] for v in range(n)]
    ys = [local[v][1] + centre_pos[index[petal[v]]][1] for v in range(n)]
    _even_out(xs, ys, spacing, aspect)
    if sizes is not None:
        _separate(xs, ys, [max(float(r), 1.0) for r in sizes], random.Random(7))
    return [(round(x, 1), round(y, 1)) for x, y in zip(xs, ys, strict=True)]


def _even_out(xs: list[float], ys: list[float], spacing: float, aspect: float,
              mix: float = 0.9) -> None:
    """Spread positions over a box of ``aspect`` holding about ``spacing``² per node: each
    coordinate becomes ``mix`` × its rank on the axis + the rest × its linear position, so
    the order of nodes along each axis is kept while crowded areas open up."""
    n = len(xs)
    if n < 3:
        return
    width = spacing * 1.2 * math.sqrt(n * aspect)
    height = width / aspect
    for vals, extent in ((xs, width), (ys, height)):
        lo, hi = min(vals), max(vals)
        span = (hi - lo) or 1.0
        rank = [0.0] * n
        for r, i in enumerate(sorted(range(n), key=lambda i: (vals[i], i))):
            rank[i] = r / (n - 1)
        for i in range(n):
            vals[i] = extent * (mix * rank[i] + (1 - mix) * (vals[i] - lo) / span - 0.5)


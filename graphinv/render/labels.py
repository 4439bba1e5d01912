"""Label boxes placed beside their nodes without overlap, for static pictures.

The page's script places labels on screen by the same rule; the dossier's SVG
picture, which has no script, uses :func:`place_labels` with estimated widths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["place_labels"]


def place_labels(
    points: Sequence[tuple[float, float]],
    radii: Sequence[float],
    widths: Sequence[float],
    height: float,
    order: Sequence[int],
    *,
    always: Sequence[bool] | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> list[tuple[float, float] | None]:
    """Top-left corners for label boxes (``widths[i]`` × ``height``) next to their points,
    placed greedily in ``order`` at the first spot (right, left, below, above, then farther
    out) overlapping no label placed before; a label with no free spot is left out (None),
    unless ``always[i]``, then it takes the spot overlapping least. The static pictures
    (the dossier) use it; the page's script does the same on screen.

    >>> place_labels([(0, 0), (5, 0)], [2, 2], [30, 30], 10, [0, 1])
    [(3, -5.0), (-28, -5.0)]
    >>> place_labels([(0, 0), (0, 0)], [2, 2], [30, 30], 10, [0, 1], bounds=(0, 0, 30, 10))
    [(0, 0), None]
    """
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float] | None] = [None] * len(points)
    for i in order:
        x, y = points[i]
        r, w, h = radii[i] + 1, widths[i], height
        spots = [(x + r, y - h / 2), (x - r - w, y - h / 2), (x - w / 2, y + r),
                 (x - w / 2, y - r - h)]
        for k in (1, 2, 3):
            spots += [(x + r, y - h / 2 - k * h), (x + r, y - h / 2 + k * h),
                      (x - r - w, y - h / 2 - k * h), (x - r - w, y - h / 2 + k * h)]
        best: tuple[float, float] | None = None
        best_area = math.inf
        for sx, sy in spots:
            if bounds is not None:
                sx = max(bounds[0], min(bounds[2] - w, sx))
                sy = max(bounds[1], min(bounds[3] - h, sy))
            area = 0.0
            for a0, b0, a1, b1 in placed:
                ow = min(sx + w, a1) - max(sx, a0)
                oh = min(sy + h, b1) - max(sy, b0)
                if ow > 0 and oh > 0:
                    area += ow * oh
            if area < best_area:
                best, best_area = (sx, sy), area
            if area == 0:
                break
        if best is not None and (best_area == 0 or (always is not None and always[i])):
            out[i] = best
            placed.append((best[0], best[1], best[0] + w, best[1] + h))
    return out

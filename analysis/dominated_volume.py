"""The exact hypervolume of a point set in any number of objectives (numpy only).

Every objective is minimised: the volume is the Lebesgue measure of the union of the boxes
[p, ref] over the points p that are below `ref` in every coordinate. It is computed by slicing
(HSO, "Hypervolume by Slicing Objectives", While et al., 2006): sort the points by the last
objective, cut the space into slabs between consecutive values of it, and each slab's volume is
its thickness times the (k-1)-dimensional volume of the points that reach into it. Two objectives
end the recursion with the sum of the rectangles of a staircase. Exact up to floating-point
rounding; the cost grows quickly with k and the front size, which is fine for the fronts of a search
(tens to a few hundred points in three or four objectives).
"""

from __future__ import annotations

import numpy as np

from nasx.ranking.pareto import nondominated


def volume(points, ref) -> float:
    """Hypervolume dominated by `points` (n x k, every column minimised) up to the reference point `ref`
    (k values); points not strictly below `ref` in every coordinate add nothing."""
    pts = np.asarray(points, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if ref.ndim != 1 or len(ref) < 1:
        raise ValueError(f"reference point {ref.tolist()}: needs one value per objective")
    pts = np.atleast_2d(pts) if pts.size else np.empty((0, len(ref)))
    if pts.ndim != 2 or pts.shape[1] != len(ref):
        raise ValueError(f"points have {pts.shape[-1]} objectives, the reference point {len(ref)}")
    if not np.isfinite(ref).all():
        raise ValueError(f"reference point {ref.tolist()}: every value must be finite")
    pts = pts[np.isfinite(pts).all(axis=1) & (pts < ref).all(axis=1)]
    return float(_slice(_minimal(pts), ref))


def _minimal(pts: np.ndarray) -> np.ndarray:
    """The non-dominated rows of `pts` (minimisation), duplicates kept once."""
    pts = np.unique(pts, axis=0)
    return pts[nondominated(pts)]


def _slice(pts: np.ndarray, ref: np.ndarray) -> float:
    if len(pts) == 0:
        return 0.0
    if len(ref) == 1:
        return float(ref[0] - pts[:, 0].min())
    if len(ref) == 2:
        order = np.lexsort((pts[:, 1], pts[:, 0]))  # by x, then y: the staircase from the left
        area, level = 0.0, ref[1]
        for x, y in pts[order]:
            if y < level:
                area += (ref[0] - x) * (level - y)
                level = y
        return area
    order = np.argsort(pts[:, -1], kind="stable")
    pts = pts[order]
    total = 0.0
    for i in range(len(pts)):
        top = pts[i + 1, -1] if i + 1 < len(pts) else ref[-1]
        depth = top - pts[i, -1]
        if depth > 0:  # the slab [z_i, z_next): every point with z <= z_i reaches into it
            total += depth * _slice(_minimal(pts[: i + 1, :-1]), ref[:-1])
    return total

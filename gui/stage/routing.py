"""Where the stage's lines go: around the items, never through a third one.

Pure Python (no Qt). :func:`route` is given an edge's two ends and the
rectangles of every other item on the stage (scene coordinates); it returns
the corner points of a detour, or ``None`` when the plain flow curve from
:func:`gui.stage.edges.curve` is clear of every obstacle.

A detour is the cheapest path over the orthogonal visibility grid: the
x and y coordinates of every obstacle's border (grown by :data:`MARGIN`) and
of the two ends. Between two neighbouring grid coordinates no border lies, so a
grid step crosses an obstacle exactly when its midpoint is inside one. Cost is
length plus :data:`BEND` per corner, so a detour has few corners; it leaves
*a* and arrives at *b* horizontally, the way the flow curve does, unless that
costs two corners less than going round.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

__all__ = ["BEND", "MARGIN", "Point", "Rect", "curve_points", "route"]

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x, y, w, h
Box = tuple[float, float, float, float]  # x0, y0, x1, y1

MARGIN = 8.0  # a detour keeps this far from every obstacle (scene units)
TIGHT = 3.0  # ... or this far, where items stand too close for MARGIN
CURVE_MARGIN = 2.0  # the flow curve is kept if it stays this far from every obstacle
BEND = 40.0  # a corner costs as much as this much length
CURVE_SAMPLES = 32
EXPANSIONS = 1500
GREED = 1.5  # weight of the A* estimate  # a detour search gives up after this many grid nodes
NEAR = 80.0  # the first grid of a detour holds the boxes this near the ends' box


def curve_points(a: Point, b: Point, n: int = CURVE_SAMPLES) -> list[Point]:
    """*n* points along the flow curve from *a* to *b* (as gui.stage.edges.curve)."""
    (ax, ay), (bx, by) = a, b
    dx = max(abs(bx - ax) * 0.5, 30.0)
    sign = 1.0 if bx >= ax else -1.0
    c1x, c2x = ax + dx * sign, bx - dx * sign
    out = []
    for i in range(n):
        t = i / (n - 1)
        u = 1.0 - t
        w0, w1, w2, w3 = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append((w0 * ax + w1 * c1x + w2 * c2x + w3 * bx, (w0 + w1) * ay + (w2 + w3) * by))
    return out


def route(a: Point, b: Point, obstacles: Sequence[Rect]) -> list[Point] | None:
    """The points of a line from *a* to *b* that crosses none of *obstacles*
    (both ends included), or ``None`` for the default curve.

    ``None`` too when no line can: an end inside an obstacle, or no way round.
    Results are cached: the layout of a stage is stable between rebuilds.
    """
    return _route((float(a[0]), float(a[1])), (float(b[0]), float(b[1])), tuple(obstacles))


@lru_cache(maxsize=4096)
def _route(a: Point, b: Point, obstacles: tuple[Rect, ...]) -> list[Point] | None:
    if any(_inside(p, r, 0.0) for r in obstacles for p in (a, b)):
        return None  # no line can leave (or reach) an end inside another item
    if _curve_clear(a, b, obstacles):
        return None
    for margin in (MARGIN, TIGHT):
        # Close to an end, an obstacle keeps no margin that would swallow the end.
        grown = [
            _grow(r, 0.0 if _inside(a, r, margin) or _inside(b, r, margin) else margin)
            for r in obstacles
        ]
        corners = _detour(a, b, grown)
        if corners is not None:
            return corners
    return None


def _inside(p: Point, r: Rect, m: float) -> bool:
    """Whether *p* is strictly inside *r* grown by *m*."""
    x, y, w, h = r
    return x - m < p[0] < x + w + m and y - m < p[1] < y + h + m


def _grow(r: Rect, m: float) -> Box:
    """*r* grown by *m* as (x0, y0, x1, y1)."""
    x, y, w, h = r
    return (x - m, y - m, x + w + m, y + h + m)


def _curve_clear(a: Point, b: Point, obstacles: tuple[Rect, ...]) -> bool:
    pts = curve_points(a, b)
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)
    m = CURVE_MARGIN
    for r in obstacles:
        x0, y0, x1, y1 = _grow(r, m)
        if x1 <= lo_x or x0 >= hi_x or y1 <= lo_y or y0 >= hi_y:
            continue
        for (px, py), (qx, qy) in pairwise(pts):
            if _segment_hits((px, py), (qx, qy), (x0, y0, x1, y1)):
                return False
    return True


def _segment_hits(p: Point, q: Point, box: Box) -> bool:
    """Whether the segment *p*-*q* meets the open box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box
    (px, py), (qx, qy) = p, q
    dx, dy = qx - px, qy - py
    t0, t1 = 0.0, 1.0
    for edge_p, edge_q in ((-dx, px - x0), (dx, x1 - px), (-dy, py - y0), (dy, y1 - py)):
        if edge_p == 0.0:
            if edge_q <= 0.0:
                return False
            continue
        t = edge_q / edge_p
        if edge_p < 0.0:
            if t > t1:
                return False
            t0 = max(t0, t)
        else:
            if t < t0:
                return False
            t1 = min(t1, t)
    return t1 - t0 > 1e-9


def _detour(a: Point, b: Point, boxes: list[Box]) -> list[Point] | None:
    """A detour from *a* to *b* round *boxes*: the grid of the boxes near the
    two ends first, and any box the path then meets joins them (few rounds)."""
    lo_x, hi_x = min(a[0], b[0]) - NEAR, max(a[0], b[0]) + NEAR
    lo_y, hi_y = min(a[1], b[1]) - NEAR, max(a[1], b[1]) + NEAR
    near = [r for r in boxes if r[2] > lo_x and r[0] < hi_x and r[3] > lo_y and r[1] < hi_y]
    while True:
        cells = _grid_path(a, b, near)
        if cells is None:
            return None  # more boxes would not open a way
        corners = _corners(cells)
        hit = [
            r
            for r in boxes
            if r not in near and any(_segment_hits(p, q, r) for p, q in pairwise(corners))
        ]
        if not hit:
            return corners
        near += hit


def _grid_path(a: Point, b: Point, boxes: list[Box]) -> list[Point] | None:
    """A* over the orthogonal visibility grid of *boxes* from *a* to *b*."""
    xs = sorted({a[0], b[0], *(v for x0, _, x1, _ in boxes for v in (x0, x1))})
    ys = sorted({a[1], b[1], *(v for _, y0, _, y1 in boxes for v in (y0, y1))})
    nx, ny = len(xs), len(ys)
    xi = {v: i for i, v in enumerate(xs)}
    yi = {v: j for j, v in enumerate(ys)}
    # A step between neighbouring grid coordinates crosses a box exactly when
    # the box spans the step and the step's line runs strictly inside the box.
    hblock = bytearray(nx * ny)  # [j * nx + i]: from (i, j) to (i + 1, j)
    vblock = bytearray(nx * ny)  # [i * ny + j]: from (i, j) to (i, j + 1)
    for x0, y0, x1, y1 in boxes:
        i0, i1, j0, j1 = xi[x0], xi[x1], yi[y0], yi[y1]
        for j in range(j0 + 1, j1):
            row = j * nx
            hblock[row + i0 : row + i1] = b"\x01" * (i1 - i0)
        for i in range(i0 + 1, i1):
            col = i * ny
            vblock[col + j0 : col + j1] = b"\x01" * (j1 - j0)
    ia, ja, ib, jb = xi[a[0]], yi[a[1]], xi[b[0]], yi[b[1]]
    bx, by = b
    # Directions: 0 +x, 1 +y, 2 -x, 3 -y. Leave a the way the flow curve does
    # and arrive at b the same way.
    flow = 0 if b[0] >= a[0] else 2
    inf = float("inf")
    start = (ia, ja, flow)
    best: dict[tuple[int, int, int], float] = {start: 0.0}
    came: dict[tuple[int, int, int], tuple[int, int, int] | None] = {start: None}
    # Ties go to the deepest node (-g): the search runs along a free line
    # instead of widening over every equally good one.
    heap = [(abs(a[0] - bx) + abs(a[1] - by), -0.0, ia, ja, flow)]
    goal = None
    budget = EXPANSIONS
    while heap:
        _, g, i, j, d = heapq.heappop(heap)
        g = -g
        budget -= 1
        if budget < 0:
            return None  # no short way round: the flow curve will do
        if g > best[(i, j, d)]:
            continue
        if i == ib and j == jb:
            if d != flow:  # arriving against the flow costs the corners to turn
                key = (i, j, flow)
                cost = g + 2 * BEND * (2 if (d - flow) % 4 == 2 else 1)
                if cost < best.get(key, inf):
                    best[key], came[key] = cost, (i, j, d)
                    heapq.heappush(heap, (cost, -cost, i, j, flow))
                continue
            goal = (i, j, d)
            break
        x, y = xs[i], ys[j]
        for e, ni, nj in (
            (0, i + 1, j),
            (1, i, j + 1),
            (2, i - 1, j),
            (3, i, j - 1),
        ):
            if e == 0:
                if ni >= nx or hblock[j * nx + i]:
                    continue
            elif e == 2:
                if i == 0 or hblock[j * nx + ni]:
                    continue
            elif e == 1:
                if nj >= ny or vblock[i * ny + j]:
                    continue
            elif j == 0 or vblock[i * ny + nj]:
                continue
            if e == d:
                turn = 0.0
            elif (e - d) % 4 == 2:
                turn = 2 * BEND
            else:
                turn = BEND
            if g == 0.0 and e != flow:
                turn += BEND  # leaving a's side other than sideways costs twice
            nx_, ny_ = xs[ni], ys[nj]
            cost = g + abs(nx_ - x) + abs(ny_ - y) + turn
            key = (ni, nj, e)
            if cost < best.get(key, inf):
                best[key], came[key] = cost, (i, j, d)
                # Weighted A*: a detour a little longer than the shortest, found
                # over far fewer nodes; off b's row it takes one more corner at least.
                rest = abs(nx_ - bx) + abs(ny_ - by) + (BEND if ny_ != by else 0.0)
                heapq.heappush(heap, (cost + GREED * rest, -cost, ni, nj, e))
    if goal is None:
        return None
    cells: list[Point] = []
    node: tuple[int, int, int] | None = goal
    while node is not None:
        cells.append((xs[node[0]], ys[node[1]]))
        node = came[node]
    cells.reverse()
    return cells


def _corners(points: list[Point]) -> list[Point]:
    """*points* without repeats and without the middle of straight runs."""
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (px, py), (qx, qy) = out[-2], out[-1]
            if (px == qx == p[0]) or (py == qy == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return out

"""Layout benchmark (issue 11): the hand-written layered layout against grandalf and igraph.

    python benchmarks/bench_layout.py --collect        # run every lesson, save the corpus
    python benchmarks/bench_layout.py [--quick] [-v]   # measure the layouts on it

``--collect`` (about 90 s) runs each lesson and each of its variants, and a
worker pool of 50, in a 1920x1080 window, offscreen, in presenter mode (the
stage is 1904 wide, as a class sees it), its first three actions injected at
1, 2 and 3 s, for 6 s of runtime at 4x speed. It records the arguments of each
``layered_layout`` call the stage draws with (not the "would the other card
size read better?" trial) and keeps up to four distinct graphs per run,
spread over it, the largest among them, in ``/tmp/layout_corpus.json``. Three
large synthetic graphs (presenter-sized full cards) are added when measuring:
a pool of 50 workers, a pipeline of 6 stages of 3 workers, a fan-out to 200
receivers. ``--quick`` takes the largest graph of each run only.

Each graph is laid out, left to right, by

* ``hand``: ``gui.stage.layout.layered_layout``, as the stage calls it;
* ``flat``: the same without its wrapping and bands (one column per rank): a
  diagnostic that tells its ordering from its packing, not a candidate;
* ``grandalf``: ``SugiyamaLayout`` (top-down, so each card's w/h are swapped
  in and x/y swapped out; ``xspace``/``yspace`` are the stage's row and column
  gaps; ``init_all()`` and ``draw()`` with their defaults). It lays out one
  connected component at a time: the components are shelf-packed to the
  target aspect (what any adapter would have to add);
* ``igraph``: ``Graph.layout_sugiyama`` per connected component (points on a
  grid: each layer a column as wide as its widest card, rows as tall as the
  tallest card), packed as for grandalf.

Measured on each drawing (the cards' own sizes; an edge leaves the middle of a
card's right side and enters the middle of the next card's left side):

* ``cross``: pairs of straight port-to-port segments that intersect (pairs
  sharing a card excluded); ``thru``: segments through a card not their own;
* ``dcross``: pairs of lines that cross as the stage draws them: its flow
  curve, or the detour ``gui.stage.routing.route`` finds round the cards;
  ``dthru``: drawn lines still through a card; ``dlen``: their length;
* ``ovl``: pairs of overlapping cards (must be 0);
* ``len``: total straight segment length, in thousands of px;
* ``asp``: the drawing's width/height over the target aspect (1 is on target);
* ``zoom``: the largest zoom at which the drawing (plus the stage's margins)
  fits a 1904x788 view: larger keeps text legible; at 1 or more the whole
  picture reads without panning (the presenter stage's legible zoom);
* ``move``: stability; one goroutine is added to the busiest channel's
  receivers (or one alone, with no channel) and the graph laid out again: the
  mean displacement, in px, of the cards that were already there (both
  drawings aligned by their mean offset);
* ``ms``: wall time of one layout, median of 5 runs (3 with ``--quick``).

The libraries are optional: the script says so and skips a missing one. They
are not dependencies of the project (``pip install grandalf python-igraph``).
Results and the decision: docs/architecture.md, "Layout: hand-written vs grandalf".
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from layout_corpus import (  # benchmarks/, beside this script
    CORPUS,
    GOROUTINE,
    VIEW,
    Graph,
    collect,
    synthetic,
)

from gui.stage.layout import Node, layered_layout

MARGIN = 2 * 30 * 1.3  # the stage's bounds add 30 px (times the presenter's k) each side
LEGIBLE = 1.0  # the presenter stage's legible zoom (StageStyle.legible_scale): below, it pans
MAX_ZOOM = 1.9  # the presenter stage never zooms in further (MAX_ZOOM_PRESENTER)

Layout = tuple[dict[str, tuple[float, float]], tuple[float, float]]


# -- the layouts ---------------------------------------------------------------------------


def hand(g: Graph) -> Layout:
    nodes = [Node(k, w, h, o) for k, w, h, o in g["nodes"]]
    edges = [tuple(e) for e in g["edges"]]
    return layered_layout(
        nodes, edges, col_gap=g["col_gap"], row_gap=g["row_gap"], aspect=g["aspect"]
    )


def hand_flat(g: Graph) -> Layout:
    """``hand`` without its wrapping and bands (one column per rank, one line): a
    diagnostic that tells its ordering from its packing; not a candidate."""
    import gui.stage.layout as hand_module

    real = hand_module._bands
    hand_module._bands = lambda col_w, *_: [list(range(len(col_w)))]
    try:
        return hand({**g, "aspect": 1e-9})  # never taller than that: no wrapping
    finally:
        hand_module._bands = real


def _size(g: Graph) -> dict[str, tuple[float, float]]:
    return {k: (w, h) for k, w, h, _ in g["nodes"]}


def _edges(g: Graph) -> list[tuple[str, str]]:
    """The graph's edges as the stage gives them: no loops, no repeats, known ends."""
    keys = _size(g)
    seen: dict[tuple[str, str], None] = {}
    for a, b in g["edges"]:
        if a != b and a in keys and b in keys:
            seen[(a, b)] = None
    return list(seen)


def grandalf(g: Graph) -> Layout:
    """grandalf's SugiyamaLayout, one connected component at a time, turned left to
    right; the components shelf-packed to the target aspect.

    Each component is built as a ``graph_core`` with its edges in order: grandalf's
    ``Graph(V, E)`` gathers a component's edges in a ``set`` (ordered by ``id``), so the
    same graph would come out differently from one run to the next.
    """
    from grandalf.graphs import Edge, Vertex, graph_core
    from grandalf.layouts import SugiyamaLayout

    class View:  # grandalf reads w, h and writes xy (the centre); top-down, so w/h swap
        def __init__(self, w: float, h: float) -> None:
            self.w, self.h, self.xy = h, w, (0.0, 0.0)

    class EdgeView:
        def setpath(self, pts: list) -> None:
            self.path = pts

    size = _size(g)
    order = {k: o for k, _, _, o in g["nodes"]}
    edges = _edges(g)
    parts = []
    for keys in _components(sorted(size, key=lambda k: order[k]), edges):
        if len(keys) == 1:
            parts.append(({keys[0]: (0.0, 0.0)}, size[keys[0]], order[keys[0]]))
            continue
        verts = {k: Vertex(k) for k in keys}
        for k, v in verts.items():
            v.view = View(*size[k])
        mine = []
        for a, b in edges:
            if a in verts:
                e = Edge(verts[a], verts[b])
                e.view = EdgeView()
                mine.append(e)
        sug = SugiyamaLayout(graph_core(list(verts.values()), mine))
        sug.xspace, sug.yspace = g["row_gap"], g["col_gap"]
        sug.init_all()  # its defaults: roots, cycles broken by its feedback edges
        sug.draw()
        pos = {}
        for k, v in verts.items():
            cy, cx = v.view.xy  # top-down (x, y) -> left to right (y, x)
            w, h = size[k]
            pos[k] = (cx - w / 2, cy - h / 2)
        parts.append((*_normalised(pos, size), order[keys[0]]))
    return _pack(parts, g["col_gap"], g["aspect"])


def igraph(g: Graph) -> Layout:
    """igraph's layout_sugiyama, one connected component at a time (igraph 1.0 corrupts
    its heap on graphs with isolated vertices: a segfault a few hundred layouts later),
    turned left to right: each layer a column as wide as its widest card, the grid
    rows as tall as the tallest card; the components shelf-packed as for grandalf."""
    import igraph as ig

    size = _size(g)
    order = {k: o for k, _, _, o in g["nodes"]}
    edges = _edges(g)
    parts = []
    for keys in _components(sorted(size, key=lambda k: order[k]), edges):
        if len(keys) == 1:
            parts.append(({keys[0]: (0.0, 0.0)}, size[keys[0]], order[keys[0]]))
            continue
        index = {k: i for i, k in enumerate(keys)}
        mine = [(index[a], index[b]) for a, b in edges if a in index]
        coords = ig.Graph(n=len(keys), edges=mine, directed=True).layout_sugiyama().coords
        layers = sorted({round(r) for _, r in coords[: len(keys)]})
        col_w = {r: 0.0 for r in layers}
        for k, (_, r) in zip(keys, coords):
            col_w[round(r)] = max(col_w[round(r)], size[k][0])
        row = max(size[k][1] for k in keys) + g["row_gap"]
        x, col_x = 0.0, {}
        for r in layers:
            col_x[r] = x
            x += col_w[r] + g["col_gap"]
        pos = {}
        for k, (cx, r) in zip(keys, coords):
            w, h = size[k]
            r = round(r)
            pos[k] = (col_x[r] + (col_w[r] - w) / 2, cx * row + (row - g["row_gap"] - h) / 2)
        parts.append((*_normalised(pos, size), order[keys[0]]))
    return _pack(parts, g["col_gap"], g["aspect"])


def _components(keys: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """The weakly connected components of the graph, each in the order of *keys*."""
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in edges:
        parent[find(a)] = find(b)
    comps: dict[str, list[str]] = {}
    for k in keys:
        comps.setdefault(find(k), []).append(k)
    return list(comps.values())


def _normalised(
    pos: dict[str, tuple[float, float]], size: dict[str, tuple[float, float]]
) -> Layout:
    """*pos* moved so the drawing starts at (0, 0), and the drawing's size."""
    x0 = min(x for x, _ in pos.values())
    y0 = min(y for _, y in pos.values())
    out = {k: (x - x0, y - y0) for k, (x, y) in pos.items()}
    w = max(x + size[k][0] for k, (x, _) in out.items())
    h = max(y + size[k][1] for k, (_, y) in out.items())
    return out, (w, h)


def _pack(parts: list, gap: float, aspect: float) -> Layout:
    """Drawings ``(pos, (w, h), order)`` in shelves, in order, left to right then down:
    the shelf width at which the whole fits a box of *aspect* at the largest zoom."""
    parts = sorted(parts, key=lambda p: p[2])
    widest = max(p[1][0] for p in parts)
    total = sum(p[1][0] + gap for p in parts)
    best = None
    limit = widest
    while True:
        shelves, used = [[]], -gap
        for p in parts:
            if shelves[-1] and used + gap + p[1][0] > limit:
                shelves.append([])
                used = -gap
            shelves[-1].append(p)
            used += gap + p[1][0]
        w = max(sum(p[1][0] + gap for p in s) - gap for s in shelves)
        h = sum(max(p[1][1] for p in s) + gap for s in shelves) - gap
        zoom = min(aspect / w, 1 / h)
        if best is None or zoom > best[0]:
            best = (zoom, shelves, (w, h))
        if limit >= total:
            break
        limit *= 1.1
    _, shelves, (w, h) = best
    out, y = {}, 0.0
    for s in shelves:
        sh = max(p[1][1] for p in s)
        x = 0.0
        for pos, (pw, ph), _ in s:
            for k, (px, py) in pos.items():
                out[k] = (x + px, y + (sh - ph) / 2 + py)
            x += pw + gap
        y += sh + gap
    return out, (w, h)


# -- the measures --------------------------------------------------------------------------


def _segments(g: Graph, pos: dict[str, tuple[float, float]]) -> list[tuple]:
    """Each edge as ``(a, b, (x1, y1), (x2, y2))``: from the middle of *a*'s right side
    to the middle of *b*'s left side."""
    size = _size(g)
    out = []
    for a, b in _edges(g):
        (ax, ay), (aw, ah) = pos[a], size[a]
        (bx, by), (_, bh) = pos[b], size[b]
        out.append((a, b, (ax + aw, ay + ah / 2), (bx, by + bh / 2)))
    return out


def _orient(p, q, r) -> float:
    return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])


def _cross(p1, p2, q1, q2) -> bool:
    """Whether segments p1p2 and q1q2 cross (touching at an end does not count)."""
    d1, d2 = _orient(q1, q2, p1), _orient(q1, q2, p2)
    d3, d4 = _orient(p1, p2, q1), _orient(p1, p2, q2)
    return ((d1 > 1e-9 and d2 < -1e-9) or (d1 < -1e-9 and d2 > 1e-9)) and (
        (d3 > 1e-9 and d4 < -1e-9) or (d3 < -1e-9 and d4 > 1e-9)
    )


def _through(p, q, rect) -> bool:
    """Whether segment pq passes through the inside of *rect* (x, y, w, h), shrunk by 1 px."""
    x0, y0, w, h = rect
    x0, y0, x1, y1 = x0 + 1, y0 + 1, x0 + w - 1, y0 + h - 1
    if x1 <= x0 or y1 <= y0:
        return False
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for d, lo, hi, s in ((dx, x0, x1, p[0]), (dy, y0, y1, p[1])):
        if abs(d) < 1e-12:
            if s <= lo or s >= hi:
                return False
            continue
        a, b = (lo - s) / d, (hi - s) / d
        if a > b:
            a, b = b, a
        t0, t1 = max(t0, a), min(t1, b)
        if t0 >= t1:
            return False
    return True


def measure(g: Graph, layout: Layout) -> dict[str, float]:
    pos, (w, h) = layout
    size = _size(g)
    segs = _segments(g, pos)
    cross = 0
    for i in range(len(segs)):
        a1, b1, p1, p2 = segs[i]
        for j in range(i + 1, len(segs)):
            a2, b2, q1, q2 = segs[j]
            if a1 in (a2, b2) or b1 in (a2, b2):
                continue
            if _cross(p1, p2, q1, q2):
                cross += 1
    rects = {k: (x, y, *size[k]) for k, (x, y) in pos.items()}
    thru = 0
    for a, b, p, q in segs:
        lo_x, hi_x = min(p[0], q[0]), max(p[0], q[0])
        lo_y, hi_y = min(p[1], q[1]), max(p[1], q[1])
        for k, r in rects.items():
            if k in (a, b) or r[0] > hi_x or r[0] + r[2] < lo_x:
                continue
            if r[1] > hi_y or r[1] + r[3] < lo_y:
                continue
            if _through(p, q, r):
                thru += 1
                break  # one segment counts once, however many cards it crosses
    items = sorted(rects.values())
    ovl = 0
    for i, (x, y, rw, rh) in enumerate(items):
        for x2, y2, rw2, rh2 in items[i + 1 :]:
            if x2 >= x + rw - 0.5:
                break  # sorted by x: nothing further right overlaps
            if min(y + rh, y2 + rh2) - max(y, y2) > 0.5 and min(x + rw, x2 + rw2) - x2 > 0.5:
                ovl += 1
    length = sum(math.dist(p, q) for *_, p, q in segs)
    return {
        "cross": cross,
        "thru": thru,
        "ovl": ovl,
        "len": length / 1000,
        "asp": (w / h) / g["aspect"] if h else 1.0,
        "zoom": min(VIEW[0] / (w + MARGIN), VIEW[1] / (h + MARGIN)),
    }


def drawn(g: Graph, layout: Layout) -> dict[str, float]:
    """The lines as the stage draws them: each edge's flow curve, or the detour
    ``gui.stage.routing.route`` finds round the other cards. ``dcross``: pairs of
    lines (not sharing a card) that cross; ``dthru``: lines that still cut a card
    (no detour found); ``dlen``: their length, thousands of px."""
    from gui.stage.routing import curve_points, route

    pos = layout[0]
    size = _size(g)
    rects = {k: (x, y, *size[k]) for k, (x, y) in pos.items()}
    lines = []
    thru = 0
    for a, b, p, q in _segments(g, pos):
        others = [r for k, r in rects.items() if k != a and k != b]
        corners = route(p, q, others)
        pts = curve_points(p, q) if corners is None else corners
        if corners is None and any(
            _through(u, v, r) for r in others for u, v in itertools.pairwise(pts)
        ):
            thru += 1
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        lines.append((a, b, pts, (min(xs), min(ys), max(xs), max(ys))))
    cross = 0
    for i, (a1, b1, pts1, bb1) in enumerate(lines):
        for a2, b2, pts2, bb2 in lines[i + 1 :]:
            if a1 in (a2, b2) or b1 in (a2, b2):
                continue
            if bb1[2] < bb2[0] or bb2[2] < bb1[0] or bb1[3] < bb2[1] or bb2[3] < bb1[1]:
                continue
            if _polylines_cross(pts1, pts2):
                cross += 1
    length = sum(math.dist(u, v) for *_, pts, _ in lines for u, v in itertools.pairwise(pts))
    return {"dcross": cross, "dthru": thru, "dlen": length / 1000}


def _polylines_cross(p: list, q: list) -> bool:
    for p1, p2 in itertools.pairwise(p):
        lo_x, hi_x = min(p1[0], p2[0]), max(p1[0], p2[0])
        lo_y, hi_y = min(p1[1], p2[1]), max(p1[1], p2[1])
        for q1, q2 in itertools.pairwise(q):
            if max(q1[0], q2[0]) < lo_x or min(q1[0], q2[0]) > hi_x:
                continue
            if max(q1[1], q2[1]) < lo_y or min(q1[1], q2[1]) > hi_y:
                continue
            if _cross(p1, p2, q1, q2):
                return True
    return False


def perturbed(g: Graph) -> Graph:
    """*g* with one more goroutine: a receiver of its busiest channel (alone without one)."""
    size = _size(g)
    out_deg: dict[str, int] = {}
    for a, _ in _edges(g):
        if a.startswith("c:"):
            out_deg[a] = out_deg.get(a, 0) + 1
    goroutines = [(w, h) for k, (w, h) in size.items() if k.startswith("g:")]
    w, h = max(set(goroutines), key=goroutines.count) if goroutines else GOROUTINE
    new = [["g:new", w, h, max(n[3] for n in g["nodes"]) + 1]]
    edges = []
    if out_deg:
        edges = [[max(out_deg, key=lambda c: out_deg[c]), "g:new"]]
    return {**g, "nodes": g["nodes"] + new, "edges": g["edges"] + edges}


def movement(before: Layout, after: Layout) -> float:
    """Mean displacement (px) of the cards in both layouts, aligned by their mean offset."""
    shared = [k for k in before[0] if k in after[0]]
    if not shared:
        return 0.0
    d = [(after[0][k][0] - before[0][k][0], after[0][k][1] - before[0][k][1]) for k in shared]
    mx = sum(x for x, _ in d) / len(d)
    my = sum(y for _, y in d) / len(d)
    return sum(math.hypot(x - mx, y - my) for x, y in d) / len(d)


def timed(fn: Callable[[Graph], Layout], g: Graph, repeats: int) -> tuple[Layout, float]:
    """*fn*'s layout of *g* and its median wall time (ms) over *repeats* runs."""
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn(g)
        times.append(time.perf_counter() - t)
    return result, statistics.median(times) * 1e3


# -- the report ----------------------------------------------------------------------------


def available() -> dict[str, Callable[[Graph], Layout]]:
    methods: dict[str, Callable[[Graph], Layout]] = {"hand": hand, "flat": hand_flat}
    for name, package, fn in (
        ("grandalf", "grandalf", grandalf),
        ("igraph", "python-igraph", igraph),
    ):
        try:
            __import__(name)
        except ImportError:
            print(f"{name} is not installed (pip install {package}): its column is skipped")
            continue
        methods[name] = fn
    return methods


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--collect", action="store_true", help="run the lessons, save the corpus")
    ap.add_argument("--quick", action="store_true", help="a graph per lesson, 3 timing runs")
    ap.add_argument("-v", "--verbose", action="store_true", help="a row per graph too")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help=f"default {CORPUS}")
    args = ap.parse_args()
    if args.collect:
        collect(args.corpus)
        return
    graphs: list[Graph] = []
    if args.corpus.exists():
        graphs = json.loads(args.corpus.read_text())
    else:
        print(f"No corpus at {args.corpus} (run with --collect first): synthetic graphs only")
    if args.quick:  # the largest graph of each lesson
        largest: dict[str, Graph] = {}
        for g in graphs:
            if g["name"] not in largest or len(g["nodes"]) > len(largest[g["name"]]["nodes"]):
                largest[g["name"]] = g
        graphs = list(largest.values())
    graphs += synthetic()
    methods = available()
    repeats = 3 if args.quick else 5
    rows = []  # (graph, {method: measures})
    for g in graphs:
        res, layouts = {}, {}
        for m, fn in methods.items():
            layout, ms = timed(fn, g, repeats)
            layouts[m] = layout
            r = measure(g, layout)
            r.update(drawn(g, layout))
            r["ms"] = ms
            r["move"] = movement(layout, fn(perturbed(g)))
            res[m] = r
        # Whether hand wrapped a column or split the drawing into bands (else it is flat).
        hand_pos, flat_pos = layouts["hand"][0], layouts["flat"][0]
        res["hand"]["wraps"] = any(math.dist(hand_pos[k], flat_pos[k]) > 0.01 for k in hand_pos)
        rows.append((g, res))
    report(rows, list(methods), args.verbose)


def report(rows: list[tuple[Graph, dict]], methods: list[str], verbose: bool) -> None:
    short = {"hand": "H", "flat": "F", "grandalf": "G", "igraph": "I"}
    tags = "/".join(short[m] for m in methods)
    cw = 6 * len(methods)
    groups = [
        ("cross", "straight crossings", "{:d}", sum),
        ("dcross", "drawn crossings", "{:d}", sum),
        ("thru", "through a card", "{:d}", sum),
        ("zoom", "fit zoom", "{:.2f}", statistics.median),
        ("ms", "ms", "{:.1f}", statistics.median),
    ]
    print()
    print(f"Per lesson (sums over its graphs; zoom and ms: medians); columns {tags}")
    print(
        f"{'lesson / size':<30}{'n':>3}{'nodes':>6}{'edges':>6}"
        + "".join(f"  {title:>{cw}}" for _, title, _, _ in groups)
    )
    for name in dict.fromkeys(g["name"] for g, _ in rows):
        mine = [(g, r) for g, r in rows if g["name"] == name]
        nodes = max(len(g["nodes"]) for g, _ in mine)
        edges = max(len(_edges(g)) for g, _ in mine)
        cols = [
            "".join(f"{fmt.format(agg([r[m][key] for _, r in mine])):>6}" for m in methods)
            for key, _, fmt, agg in groups
        ]
        print(f"{name[:29]:<30}{len(mine):>3}{nodes:>6}{edges:>6}  " + "  ".join(cols))
    if verbose:
        print()
        keys = ["cross", "thru", "dcross", "dthru", "ovl", "len", "asp", "zoom", "move", "ms"]
        print("Per graph: " + " ".join(keys))
        for g, r in rows:
            print(f"{g['name']} t={g['t']} ({len(g['nodes'])} nodes, {len(_edges(g))} edges)")
            for m in methods:
                cells = [
                    f"{r[m][k]:>7}" if isinstance(r[m][k], int) else f"{r[m][k]:>7.2f}"
                    for k in keys
                ]
                print(f"    {m:<9}" + "".join(cells))
    print()
    print(f"All {len(rows)} graphs ({tags}; F = hand without wrapping or bands, a diagnostic)")
    print(f"{'':<46}" + "".join(f"{m:>10}" for m in methods))

    def line(label: str, fn: Callable[[str], str]) -> None:
        print(f"{label:<46}" + "".join(f"{fn(m):>10}" for m in methods))

    def col(m: str, key: str) -> list[float]:
        return [r[m][key] for _, r in rows]

    def vs_hand(m: str, score: Callable[[dict], float], tolerance: float = 0.0) -> str:
        """Graphs where *m* is better/same/worse than hand (lower *score* is better)."""
        if m == "hand":
            return "-"
        out = [0, 0, 0]
        for _, r in rows:
            a, h = score(r[m]), score(r["hand"])
            out[0 if a < h - tolerance else (2 if a > h + tolerance else 1)] += 1
        return "/".join(map(str, out))

    line("straight crossings, total", lambda m: str(sum(col(m, "cross"))))
    line("straight segments through a card, total", lambda m: str(sum(col(m, "thru"))))
    line(
        "  vs hand, graphs better/same/worse",
        lambda m: vs_hand(m, lambda x: x["cross"] + x["thru"]),
    )
    line("drawn crossings (stage's router), total", lambda m: str(sum(col(m, "dcross"))))
    line("  graphs with none", lambda m: str(sum(c == 0 for c in col(m, "dcross"))))
    line("  vs hand, graphs better/same/worse", lambda m: vs_hand(m, lambda x: x["dcross"]))
    for wraps in (False, True):
        mine = [r for _, r in rows if r["hand"]["wraps"] == wraps]
        label = "hand wraps or bands" if wraps else "hand draws flat"
        line(
            f"  on the {len(mine)} graphs {label}",
            lambda m, mine=mine: str(sum(r[m]["dcross"] for r in mine)),
        )
    line("drawn lines still through a card, total", lambda m: str(sum(col(m, "dthru"))))
    line("drawn line length, total (k px)", lambda m: f"{sum(col(m, 'dlen')):.0f}")
    line("overlapping pairs of cards, total", lambda m: str(sum(col(m, "ovl"))))
    line("straight edge length, total (k px)", lambda m: f"{sum(col(m, 'len')):.0f}")
    line("aspect / target, median", lambda m: f"{statistics.median(col(m, 'asp')):.2f}")
    line(
        "aspect off target by > 1.5x, graphs",
        lambda m: str(sum(abs(math.log(a)) > math.log(1.5) for a in col(m, "asp"))),
    )
    line("fit zoom in 1904x788, median", lambda m: f"{statistics.median(col(m, 'zoom')):.3f}")
    line("fit zoom, smallest", lambda m: f"{min(col(m, 'zoom')):.3f}")
    line(
        f"fits at the legible zoom ({LEGIBLE:g}), graphs",
        lambda m: str(sum(z >= LEGIBLE for z in col(m, "zoom"))),
    )

    def zoom_ratio(m: str) -> str:
        return f"{_geomean([_cap(r[m]['zoom']) / _cap(r['hand']['zoom']) for _, r in rows]):.2f}"

    line(f"fit zoom / hand's (both <= {MAX_ZOOM}), geo. mean", zoom_ratio)
    line(
        "  vs hand (5%), graphs larger/same/smaller",
        lambda m: vs_hand(m, lambda x: -math.log(_cap(x["zoom"])), math.log(1.05)),
    )
    line(
        "moved by one more goroutine, median px",
        lambda m: f"{statistics.median(col(m, 'move')):.0f}",
    )
    line("moved by one more goroutine, mean px", lambda m: f"{statistics.mean(col(m, 'move')):.0f}")
    line("ms per layout, median", lambda m: f"{statistics.median(col(m, 'ms')):.2f}")
    line("ms per layout, largest", lambda m: f"{max(col(m, 'ms')):.1f}")


def _cap(zoom: float) -> float:
    return min(zoom, MAX_ZOOM)


def _geomean(xs: list[float]) -> float:
    return math.exp(statistics.mean(math.log(x) for x in xs))


if __name__ == "__main__":
    main()

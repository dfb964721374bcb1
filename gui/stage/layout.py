"""Automatic layout of the stage (pure Python, no Qt).

The goroutines and the objects they use form a directed graph: a sender
points at its channel, a channel at its receivers, a goroutine at the lock or
memory it uses. :func:`layered_layout` draws it the way a person draws a
pipeline: columns from left to right (senders left of a channel, receivers
right of it), each column ordered to keep lines short (barycenter sweeps),
long columns wrapped into grids so the whole picture keeps the viewport's
aspect ratio. :func:`tree_layout` draws the context tree top-down.

Both are O(nodes + edges) per pass, fast enough for thousands of goroutines.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Node", "layered_layout", "tree_layout"]

K = TypeVar("K", bound=Hashable)  # a node's key: the layouts give positions by it


@dataclass(slots=True)
class Node(Generic[K]):
    key: K
    w: float
    h: float
    order: int = 0  # creation order: ties keep it, so the picture is stable


def _ranks(keys: list[K], succ: dict[K, list[K]], pred: dict[K, list[K]]) -> dict[K, int]:
    """Longest-path ranks of the graph with its back edges ignored."""
    # Depth-first search in creation order finds back edges (cycles: request/reply).
    state: dict[K, int] = {}
    back: set[tuple[K, K]] = set()
    for root in keys:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            v, it = stack[-1]
            for w in it:
                s = state.get(w)
                if s is None:
                    state[w] = 1
                    stack.append((w, iter(succ[w])))
                    break
                if s == 1:
                    back.add((v, w))
            else:
                state[v] = 2
                stack.pop()
    indeg = {k: 0 for k in keys}
    for v in keys:
        for w in succ[v]:
            if (v, w) not in back:
                indeg[w] += 1
    rank = {k: 0 for k in keys}
    queue = [k for k in keys if indeg[k] == 0]
    topo = []
    while queue:
        v = queue.pop()
        topo.append(v)
        for w in succ[v]:
            if (v, w) in back:
                continue
            if rank[v] + 1 > rank[w]:
                rank[w] = rank[v] + 1
            indeg[w] -= 1
            if indeg[w] == 0:
                queue.append(w)
    # Pull each node right, next to its successors, when nothing feeds it
    # (a producer sits just left of its channel, not in the first column).
    for v in reversed(topo):
        outs = [rank[w] for w in succ[v] if (v, w) not in back]
        ins = [w for w in pred[v] if (w, v) not in back]
        if outs and not ins:
            rank[v] = max(rank[v], min(outs) - 1)
    return rank


def _lane_ranks(
    keys: list[K], succ: dict[K, list[K]], pred: dict[K, list[K]], lane: Mapping[K, int]
) -> dict[K, int]:
    """Ranks with the nodes of *lane* in their lanes' columns, left to right.

    A lane's nodes share one column (rank 2 * lane + 1). Every other node goes
    between its neighbours': right of the laned ones feeding it, left of the laned
    ones it feeds, in the middle when both (a channel between two lanes of
    goroutines gets the column between them; left of what it feeds when it also
    reads from further right, a cycle); then the same again with the ranks just
    given, for nodes whose neighbours have no lane. Ranks are made
    consecutive (no empty column).
    """
    rank: dict[K, int] = {k: 2 * lane[k] + 1 for k in keys if k in lane}
    for _ in range(3):
        for k in keys:
            if k in lane:
                continue
            lo = max((rank[p] for p in pred[k] if p in rank and p != k), default=None)
            hi = min((rank[s] for s in succ[k] if s in rank and s != k), default=None)
            if lo is not None and hi is not None:
                # A cycle through the lanes (main feeds the queue, reads the results):
                # left of what it feeds, where the flow starts.
                rank[k] = hi - 1 if hi <= lo + 1 else (lo + hi) // 2
            elif lo is not None:
                rank[k] = lo + 1
            elif hi is not None:
                rank[k] = hi - 1
    for k in keys:
        rank.setdefault(k, 0)  # no way to the lanes: the first column
    index = {r: i for i, r in enumerate(sorted(set(rank.values())))}
    return {k: index[r] for k, r in rank.items()}


def layered_layout(
    nodes: list[Node[K]],
    edges: Iterable[tuple[K, K]],
    *,
    col_gap: float = 90.0,
    row_gap: float = 18.0,
    aspect: float = 16 / 9,
    lanes: Mapping[K, int] | None = None,
) -> tuple[dict[K, tuple[float, float]], tuple[float, float]]:
    """Top-left positions of *nodes* and the size of the whole drawing.

    *edges* go from a node to the node right of it (unknown keys are ignored).
    *lanes* (a node's lane, 0 the leftmost) puts a lesson's declared roles in
    columns of their own, in order (producers | queue | workers | results);
    nodes without a lane go between their neighbours (see :func:`_lane_ranks`).
    Columns taller than the drawing's target height wrap into sub-columns, so
    the result's width/height is close to *aspect*.
    """
    if not nodes:
        return {}, (0.0, 0.0)
    by_key = {n.key: n for n in nodes}
    keys = [n.key for n in sorted(nodes, key=lambda n: n.order)]
    succ: dict[K, list[K]] = {k: [] for k in keys}
    pred: dict[K, list[K]] = {k: [] for k in keys}
    seen: set[tuple[K, K]] = set()
    for a, b in edges:
        if a == b or a not in by_key or b not in by_key or (a, b) in seen:
            continue
        seen.add((a, b))
        succ[a].append(b)
        pred[b].append(a)
    if lanes and any(k in lanes for k in keys):
        rank = _lane_ranks(keys, succ, pred, lanes)
    else:
        rank = _ranks(keys, succ, pred)
    nranks = max(rank.values()) + 1
    cols: list[list[K]] = [[] for _ in range(nranks)]
    for k in keys:
        cols[rank[k]].append(k)
    cols = [c for c in cols if c]
    # Order each column by the mean position of its neighbours (two sweeps each way).
    pos = {k: i for c in cols for i, k in enumerate(c)}
    for sweep in range(4):
        forward = sweep % 2 == 0
        order = range(1, len(cols)) if forward else range(len(cols) - 2, -1, -1)
        for ci in order:
            col = cols[ci]
            nb = pred if forward else succ

            def by_bary(k: K, nb: dict[K, list[K]] = nb) -> tuple[float, int]:
                """The mean position of *k*'s neighbours, then its own position."""
                ns = [pos[x] for x in nb[k]]
                return (sum(ns) / len(ns) if ns else pos[k], pos[k])

            col.sort(key=by_bary)
            for i, k in enumerate(col):
                pos[k] = i
    # Wrap tall columns: find the height at which the drawing has the target aspect.
    col_h = [sum(by_key[k].h + row_gap for k in c) - row_gap for c in cols]
    col_w = [max(by_key[k].w for k in c) for c in cols]
    min_h = max(by_key[k].h for k in keys)

    def width_at(height: float) -> float:
        total = 0.0
        for c, w in zip(cols, col_w):
            total += len(_wrap(c, by_key, height, row_gap)) * (w + row_gap) - row_gap
        return total + col_gap * (len(cols) - 1)

    lo, hi = min_h, max(col_h)
    height = hi
    bands = _bands(col_w, col_h, col_gap, aspect)
    if len(bands) == 1 and width_at(hi) / hi < aspect:
        # Taller than the target: the largest height whose drawing is still
        # at least as wide as the aspect asks (W/H falls as H grows).
        for _ in range(24):
            mid = (lo + hi) / 2
            if width_at(mid) / mid >= aspect:
                lo = mid
            else:
                hi = mid
        height = max(lo, min_h)
    out: dict[K, tuple[float, float]] = {}
    width = 0.0
    y0 = 0.0
    for band in bands:
        blocks = []
        for ci in band:
            subs = _wrap(cols[ci], by_key, height, row_gap)
            bh = max(sum(by_key[k].h + row_gap for k in sub) - row_gap for sub in subs)
            blocks.append((subs, col_w[ci], bh))
        band_h = max(b[2] for b in blocks)
        x = 0.0
        for subs, w, bh in blocks:
            for sub in subs:
                sh = sum(by_key[k].h + row_gap for k in sub) - row_gap
                # A single column is centred; a wrapped one is a grid, its rows aligned.
                y = y0 + (band_h - (sh if len(subs) == 1 else bh)) / 2
                for k in sub:
                    n = by_key[k]
                    out[k] = (x + (w - n.w) / 2, y)
                    y += n.h + row_gap
                x += w + row_gap
            x += col_gap - row_gap
        width = max(width, x - col_gap)
        y0 += band_h + col_gap
    return out, (width, y0 - col_gap)


def _bands(col_w: list[float], col_h: list[float], gap: float, aspect: float) -> list[list[int]]:
    """Split a drawing much wider than *aspect* into bands of consecutive columns,
    stacked top to bottom (a long pipeline drawn in two or three lines, as on a
    slide). Returns the column indices of each band."""
    n = len(col_w)
    total = sum(col_w) + gap * (n - 1)
    best, best_score = [list(range(n))], abs(math.log(total / max(col_h) / aspect))
    if n < 6 or total / max(col_h) < aspect * 1.6:
        return best  # a short chain reads best on one line
    for nb in range(2, min(4, n // 3) + 1):
        bands: list[list[int]] = [[]]
        acc = 0.0
        for i, w in enumerate(col_w):
            if bands[-1] and acc + w / 2 > total * len(bands) / nb and len(bands) < nb:
                bands.append([])
            bands[-1].append(i)
            acc += w + gap
        width = max(sum(col_w[i] for i in b) + gap * (len(b) - 1) for b in bands)
        height = sum(max(col_h[i] for i in b) for b in bands) + gap * (len(bands) - 1)
        score = abs(math.log(width / height / aspect))
        if score < best_score - 0.1:  # a clear gain only: one band reads best
            best, best_score = bands, score
    return best


def _wrap(col: list[K], by_key: dict[K, Node[K]], height: float, gap: float) -> list[list[K]]:
    subs: list[list[K]] = [[]]
    h = 0.0
    for k in col:
        nh = by_key[k].h
        if subs[-1] and h + nh > height + 0.5:
            subs.append([])
            h = 0.0
        subs[-1].append(k)
        h += nh + gap
    return subs


def tree_layout(
    nodes: list[Node[K]],
    parent: dict[K, K],
    *,
    h_gap: float = 24.0,
    v_gap: float = 40.0,
) -> tuple[dict[K, tuple[float, float]], tuple[float, float]]:
    """Top-left positions of a forest drawn top-down (leaves side by side,
    each parent centred over its children), and its size."""
    if not nodes:
        return {}, (0.0, 0.0)
    by_key = {n.key: n for n in nodes}
    children: dict[K, list[K]] = {n.key: [] for n in nodes}
    roots = []
    for n in sorted(nodes, key=lambda n: n.order):
        p = parent.get(n.key)
        if p in by_key and p != n.key:
            children[p].append(n.key)
        else:
            roots.append(n.key)
    out: dict[K, tuple[float, float]] = {}
    row_h = max(n.h for n in nodes) + v_gap
    x_next = 0.0
    max_depth = 0

    def place(k: K, depth: int, guard: int) -> float:
        """Place the subtree of *k*; returns its centre x."""
        nonlocal x_next, max_depth
        max_depth = max(max_depth, depth)
        n = by_key[k]
        kids = children[k] if guard < 64 else []
        if kids:
            centres = [place(c, depth + 1, guard + 1) for c in kids]
            cx = (centres[0] + centres[-1]) / 2
        else:
            cx = x_next + n.w / 2
            x_next += n.w + h_gap
        out[k] = (cx - n.w / 2, depth * row_h)
        return cx

    for r in roots:
        place(r, 0, 0)
    # A parent wider than its children's span may overlap a neighbour: shift right to fix.
    xs = sorted(out.items(), key=lambda kv: (kv[1][1], kv[1][0]))
    last_right: dict[float, float] = {}
    for k, (x, y) in xs:
        lr = last_right.get(y)
        if lr is not None and x < lr + h_gap:
            x = lr + h_gap
            out[k] = (x, y)
        last_right[y] = x + by_key[k].w
    width = max(x + by_key[k].w for k, (x, _) in out.items())
    return out, (width, (max_depth + 1) * row_h - v_gap)

"""Layout: the flow left to right, the shelf of sync objects and patterns below it, the
context tree; stable places while items come and go.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import (
    QRectF,
)

from core.trace import CellView, LockView, PatternView, WaitGroupView
from gui.stage.goroutine_item import GoroutineItem
from gui.stage.items import StageItem
from gui.stage.layout import Node, layered_layout, tree_layout
from gui.stage.stage_common import (
    CRAMPED_HOLD_S,
    CRAMPED_SCALE,
    CROWD_LEAVES_S,
    FULL_MAX,
    GLIDE_S,
    KEEP_NEW_MAX,
    RELAYOUT_SHRINK,
    StageViewBase,
    _any_overlap,
    _destination,
    _overlap,
)

__all__ = ["LayoutMixin"]


class LayoutMixin(StageViewBase):
    """Part of :class:`~gui.stage.view.StageView` (see the module docstring)."""

    # -- layout -----------------------------------------------------------------------

    def _relayout(self, now: float, again: bool = True) -> None:
        self._layout_dirty = False
        self._last_layout = now
        m = self.model
        st = self._style
        k = st.k
        nodes: list[Node[tuple[str, int]]] = []
        items: dict[tuple[str, int], StageItem] = {}
        item: StageItem
        # An item whose object was freed is leaving (it fades where it stands): a
        # layout gives it no place and never glides it across the picture.
        leaving = self._freed
        # The flow: goroutines, channels and shared tickers, left to right.
        for tag, table in (("g", self._g_items), ("c", self._c_items), ("t", self._timer_items)):
            for oid, item in table.items():
                key = (tag, oid)
                if key in leaving:
                    continue
                items[key] = item
                nodes.append(Node(key, item.w, item.h, self._order.get(key, 0)))
        edges: list[tuple[tuple[str, int], tuple[str, int]]] = []
        for cid, c in m.channels.items():
            if cid not in self._c_items or ("c", cid) in leaving:
                continue
            ck = ("c", cid)
            edges.extend((("g", g), ck) for g in c.writers)
            edges.extend((ck, ("g", g)) for g in c.readers)
            edges.extend((ck, ("g", g)) for g in c.selectors)
        for tid in self._timer_items:
            if ("t", tid) in leaving:
                continue
            tm = m.timers.get(tid)
            if tm is not None and tm.chan:
                edges.append((("t", tid), ("c", tm.chan)))  # a timer feeds its channel
        if self.lod == "dot":
            col_gap, row_gap = 60.0, 4.0
        elif self.lod == "small":
            col_gap, row_gap = 90 * k, 10 * k
        else:
            col_gap, row_gap = 96 * k, 14 * k
        # The lesson's lanes: its declared roles, each in a column of its own.
        lanes = {}
        if self._lanes:  # most lessons have none: no name lookups for thousands of cards
            lanes = {
                key: lane
                for key in items
                if (lane := self.lane_of(self._own_name(*key))) is not None
            }
        area_w, area_h = self.drawing_area()  # between the banner and the legend
        vw, vh = max(area_w, 320), max(area_h, 200)
        shelf = [
            (tag, oid, item)
            for tag, table in (
                ("m", self._lock_items),
                ("w", self._wg_items),
                ("v", self._cell_items),
                ("o", self._once_items),
                ("p", self._pattern_items),
            )
            for oid, item in table.items()
            if (tag, oid) not in leaving
        ]
        ctx_items = {oid: i for oid, i in self._ctx_items.items() if ("x", oid) not in leaving}
        has_band = bool(shelf or ctx_items)
        band_h = (
            (max((i.h for *_, i in shelf), default=0.0) + 40 * k if shelf else 0.0)
            + (self._ctx_tree_height() if ctx_items else 0.0)
            + (60 * k if has_band else 0.0)
        )
        aspect = vw / max(vh - band_h * 0.5, 100)
        pos, (fw, fh) = layered_layout(
            nodes, edges, col_gap=col_gap, row_gap=row_gap, aspect=aspect, lanes=lanes
        )
        if self.lod in ("full", "small") and len(self._g_items) <= FULL_MAX:
            # Would the other card size read better (larger on screen)?
            other = "small" if self.lod == "full" else "full"
            alt = [
                Node(n.key, *GoroutineItem.size_for(st, other, items[n.key]), n.order)
                if n.key[0] == "g"
                else n
                for n in nodes
            ]
            _, (aw, ah) = layered_layout(
                alt, edges, col_gap=col_gap, row_gap=row_gap, aspect=aspect, lanes=lanes
            )
            here = min(vw / max(fw, 1), vh / max(fh + band_h, 1))
            there = min(vw / max(aw, 1), vh / max(ah + band_h, 1))
            if other == "small":
                cramped = here < CRAMPED_SCALE and there > here * 1.25
            else:  # back to full cards only when they read well (hysteresis)
                cramped = there < CRAMPED_SCALE * 1.15
            # A switch holds CRAMPED_HOLD_S at least: a lesson whose batches come and
            # go sits near the threshold, and every switch moves every card.
            if cramped != self._cramped and again and now - self._cramped_at >= CRAMPED_HOLD_S:
                self._cramped = cramped
                self._cramped_at = now
                self._update_lod()
                self._relayout(now, again=False)
                return
        gap = 44 * k if nodes else 0.0
        y = fh + gap
        # The shelf below the flow: locks, WaitGroups, shared memory, each under
        # the goroutines that use it (mean x of its users), wrapping into rows.
        users_of: dict[str, Mapping[int, LockView | WaitGroupView | CellView | PatternView]] = {
            "m": m.locks,
            "w": m.waitgroups,
            "v": m.cells,
            "p": m.patterns,
        }
        shelf_keys = []
        for tag, oid, item in shelf:
            src = users_of.get(tag)
            xs = []
            if src is not None and oid in src:
                xs = [
                    pos[("g", g)][0] + self._g_items[g].w / 2
                    for g in src[oid].users
                    if ("g", g) in pos
                ]
            shelf_keys.append(
                (sum(xs) / len(xs) if xs else 0.0, self._order.get((tag, oid), 0), (tag, oid), item)
            )
        shelf_keys.sort(key=lambda t: (t[0], t[1]))
        sw = 0.0
        if shelf_keys:
            # Rows of items, each as close under its users as its neighbours allow.
            # As many rows (1 to 4) as make the whole drawing largest on screen: a
            # long shelf under a narrow flow would shrink everything to fit.
            sgap = 20 * k
            row_h = max(i.h for *_, i in shelf_keys)
            total = sum(i.w + sgap for *_, i in shelf_keys) - sgap
            widest = max(i.w for *_, i in shelf_keys)
            below = (self._ctx_tree_height() if ctx_items else 0.0) + 40 * k

            def scale_at(rows: int) -> float:
                w = max(fw, widest, total / rows)
                h = y + rows * row_h + (rows - 1) * sgap + below
                return min(vw / w, vh / h)

            rows = max(range(1, min(4, len(shelf_keys)) + 1), key=lambda r: (scale_at(r), -r))
            # Split (in order) into that many rows, each no wider than the limit: the
            # least limit (from the rows' mean width up) whose greedy split needs no
            # more rows. In each row every item goes under its users, pushed right by
            # its neighbours, then the row moves left as far as it overflows the limit.
            limit, rows_of = _shelf_rows(shelf_keys, rows, max(fw, widest, total / rows), sgap)
            for n, row in enumerate(rows_of):
                if n:
                    y += row_h + sgap
                xs = []
                right = -sgap
                for bary, _, _, item in row:
                    x = max(bary - item.w / 2 if bary else 0.0, right + sgap)
                    xs.append(x)
                    right = x + item.w
                dx = max(0.0, min(right - limit, xs[0]))
                for x, (_, _, key, item) in zip(xs, row):
                    pos[key] = (x - dx, y)
                    items[key] = item
                sw = max(sw, right - dx)
            y += row_h + 40 * k
        # Then the context tree.
        bw = bh = 0.0
        if ctx_items:
            cnodes = [
                Node(("x", oid), i.w, i.h, self._order.get(("x", oid), 0))
                for oid, i in ctx_items.items()
            ]
            parents = {
                ("x", oid): ("x", m.contexts[oid].parent) for oid in ctx_items if oid in m.contexts
            }
            cpos, (bw, bh) = tree_layout(cnodes, parents, h_gap=20 * k, v_gap=36 * k)
            for key, (x, cy) in cpos.items():
                pos[key] = (x, y + cy)
                items[key] = ctx_items[key[1]]
            y += bh
        height = y if has_band else fh
        width = max(fw, sw, bw)
        # Centre the flow (and the shelf under it) and the context tree.
        shift = {"x": (width - bw) / 2}
        x0 = y0 = 0.0
        x1, y1 = width, height
        targets = {
            key: (x + shift.get(key[0], (width - max(fw, sw)) / 2), y)
            for key, (x, y) in pos.items()
        }
        kept = None if self._tidy else self._keep_places(targets, items, (width, height))
        self._tidy = False
        if kept is None:
            self.fresh_layouts += 1
            self._departures.clear()
            # Laid out with a finished round still on stage (lingering, fading): once
            # it has left, the next layout is a fresh one too (see _keep_places).
            self._leavers_laid_out = bool(self._freed) or any(
                i.finished_at is not None for i in self._g_items.values()
            )
        else:
            self.kept_layouts += 1
            targets = kept
            x0, y0, x1, y1 = math.inf, math.inf, -math.inf, -math.inf
        for key, (tx, ty) in targets.items():
            item = items[key]
            # The bounds hold every target, whatever the parts above computed.
            x0, y0 = min(x0, tx), min(y0, ty)
            x1, y1 = max(x1, tx + item.w), max(y1, ty + item.h)
            item.arriving = False
            if item in self._unplaced:
                item.place(tx, ty)
                item.setVisible(True)
            else:
                item.move_to(tx, ty, now, GLIDE_S)
                if item.moving:
                    self._movers.add(item)
        self._unplaced.clear()
        # A leaving item stays where it stands unless a card now lands on it: then it
        # leaves at once (never faded over a live card).
        if leaving:
            tables = self.item_tables()
            placed = [(tx, ty, items[key].w, items[key].h) for key, (tx, ty) in targets.items()]
            for key in list(leaving):
                gone = tables[key[0]].get(key[1])
                if gone is None:
                    continue
                spot = (gone.px, gone.py, gone.w, gone.h)
                if any(_overlap(spot, r, 0.0) for r in placed):
                    self._remove(tables[key[0]], key)
                    self._layout_dirty = False  # this layout already left room for it
        margin = 30 * k
        self._bounds = QRectF(x0 - margin, y0 - margin, x1 - x0 + 2 * margin, y1 - y0 + 2 * margin)
        self._fit()
        self._edges_dirty = True

    def tidy(self) -> None:
        """Lay the whole picture out anew (L): the items glide to a fresh layout."""
        self._tidy = True
        self._layout_dirty = True
        self._kick()

    def _keep_places(
        self, targets: dict, items: dict, tidy_size: tuple[float, float]
    ) -> dict[tuple, tuple[float, float]] | None:
        """*targets* (a fresh layout, *tidy_size* wide and high) with every shown item
        kept where it is and each newcomer put in the free place nearest to where the
        fresh layout wants it; None when a fresh layout is due instead: a new round
        (most items new), a crowd arriving, the crowd of a finished round the last fresh
        layout placed beside a new one leaving, a card grown over its neighbour,
        no free place near enough, or a patchwork that would no longer fit the view
        (or shrink on it) where the fresh layout would fit.
        """
        fresh = {k for k in targets if items[k] in self._unplaced or items[k].arriving}
        new = [k for k in targets if k in fresh]
        old = [k for k in targets if k not in fresh]
        if len(new) > KEEP_NEW_MAX or len(old) < len(targets) / 2:
            return None
        now = self._stage_time()
        if (
            self._leavers_laid_out
            and sum(now - t <= CROWD_LEAVES_S for t in self._departures) > KEEP_NEW_MAX
        ):
            return None  # the round laid out beside this one left: no holes where it stood
        kept = {k: _destination(items[k]) for k in old}
        # The fresh layout's frame, moved onto the shown one.
        dx = sum(kept[k][0] - targets[k][0] for k in old) / len(old)
        dy = sum(kept[k][1] - targets[k][1] for k in old) / len(old)
        gap = 14 * self._style.k
        placed = [(*kept[k], items[k].w, items[k].h) for k in old]
        if _any_overlap(placed):
            return None
        if not new:
            return kept
        step_x, step_y = 48 * self._style.k, 24 * self._style.k
        offsets = sorted(
            ((i * step_x, j * step_y) for i in range(-12, 13) for j in range(-12, 13)),
            key=lambda o: o[0] ** 2 + (o[1] * 1.5) ** 2,
        )
        for key in sorted(new, key=lambda k: self._order.get(k, 0)):
            item = items[key]
            ix, iy = targets[key][0] + dx, targets[key][1] + dy
            for ox, oy in offsets:
                r = (ix + ox, iy + oy, item.w, item.h)
                if not any(_overlap(r, p, gap) for p in placed):
                    kept[key] = r[:2]
                    placed.append(r)
                    break
            else:
                return None
        x0 = min(p[0] for p in placed)
        y0 = min(p[1] for p in placed)
        x1 = max(p[0] + p[2] for p in placed)
        y1 = max(p[1] + p[3] for p in placed)
        if (x1 - x0) * (y1 - y0) > 2.0 * max(tidy_size[0] * tidy_size[1], 1.0):
            return None  # sprawling: a fresh layout reads better
        if self._worse_on_screen((x1 - x0, y1 - y0), tidy_size):
            return None
        return kept

    def _worse_on_screen(self, kept: tuple[float, float], tidy: tuple[float, float]) -> bool:
        """Whether a drawing *kept* wide and high reads clearly worse in the view than a
        fresh one *tidy* wide and high: it would not fit at a legible zoom where the fresh
        one would, or it would be drawn at less than RELAYOUT_SHRINK of the fresh one's
        zoom. Moving every item is worth it only then."""
        vw, vh = self.drawing_area()
        if vw <= 0 or vh <= 0:
            return False
        margin = 60 * self._style.k  # the bounds' margins, both sides

        def zoom(size: tuple[float, float]) -> float:
            return min(vw / max(size[0] + margin, 1.0), vh / max(size[1] + margin, 1.0))

        here, there = zoom(kept), zoom(tidy)
        legible = self._style.legible_scale
        if here < legible <= there:
            return True
        return here < there * RELAYOUT_SHRINK

    def _ctx_tree_height(self) -> float:
        k = self._style.k
        m = self.model
        depth = max((m.context_depth(oid) for oid in self._ctx_items), default=0)
        h = max(i.h for i in self._ctx_items.values())
        return (depth + 1) * (h + 36 * k)


def _shelf_rows(entries: list, rows: int, width: float, gap: float) -> tuple[float, list[list]]:
    """*entries* (``(bary, order, key, item)``), in order, in at most *rows* rows: the
    least row width from *width* up (5% steps) that the greedy split keeps to *rows*.
    Returns that width and the rows."""
    limit = width * 1.05
    out = _split_rows(entries, limit, gap)
    while len(out) > rows:
        limit *= 1.05
        out = _split_rows(entries, limit, gap)
    return limit, out


def _split_rows(entries: list, limit: float, gap: float) -> list[list]:
    """*entries* (``(bary, order, key, item)``), in order, in rows no wider than *limit*
    (an item wider than it has a row of its own)."""
    rows: list[list] = [[]]
    used = -gap
    for entry in entries:
        w = entry[3].w
        if rows[-1] and used + gap + w > limit:
            rows.append([])
            used = -gap
        rows[-1].append(entry)
        used += gap + w
    return rows

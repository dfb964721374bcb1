"""Edges: who uses, waits on and feeds what, routed around items."""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QLineF,
    Qt,
)
from PySide6.QtGui import QPainterPath

from gui.stage.edges import curve, polyline
from gui.stage.items import Point
from gui.stage.routing import route
from gui.stage.stage_common import (
    ROUTE_BUDGET_S,
    USES_EDGES_MAX,
    StageViewBase,
)

__all__ = ["EdgesMixin"]


class EdgesMixin(StageViewBase):
    """Part of :class:`~gui.stage.view.StageView` (see the module docstring)."""

    # -- edges ------------------------------------------------------------------------

    def _rebuild_edges(self) -> None:
        self._edges_dirty = False
        m = self.model
        st = self._style
        w = st.edge_w
        dots = self.lod == "dot"
        curves: dict[str, list[QPainterPath]] = {}
        lines: dict[str, list[QLineF]] = {}

        ends: list[tuple[tuple, tuple, QPainterPath | QLineF]] = []

        pending: list[tuple[str, tuple, tuple, Point, Point]] = []

        def add(name: str, ka: tuple, kb: tuple, a: Point, b: Point) -> None:
            """An edge of kind *name* from item *ka* at *a* to item *kb* at *b*."""
            pending.append((name, ka, kb, a, b))

        waits: set[tuple[int, int]] = set()
        gi, ci = self._g_items, self._c_items
        # Signal channels (ctx.Done(), quit): nothing is ever sent, many wait for
        # the close. Their waits are drawn faint: every goroutine has one.
        signals = {
            cid
            for cid in ci
            if (c := m.channels.get(cid)) is not None
            and not c.sent
            and len(c.receivers) + len(c.selectors) > 2
        }
        unplaced = self._unplaced
        # Hundreds of goroutines: their place beside the channel and their colour
        # say what they wait on; a fan of lines would only hide them.
        for gid, item in () if dots else gi.items():
            g = m.goroutines.get(gid)
            if g is None or not g.blocked or item in unplaced:
                continue
            obj = g.waiting_on
            if g.state == "blocked_send" and obj in ci:
                add("blocked_send", ("g", gid), ("c", obj), item.hand_out(), ci[obj].mouth_in())
                waits.add((gid, obj))
            elif g.state == "blocked_recv" and obj in ci:
                add(
                    "signal" if obj in signals else "blocked_recv",
                    ("c", obj),
                    ("g", gid),
                    ci[obj].mouth_out(),
                    item.hand_in(),
                )
                waits.add((gid, obj))
            elif g.state == "blocked_select":
                for cid in g.waiting_chans:
                    c_item = ci.get(cid)
                    if c_item is not None:
                        ka, kb, a, b = ("c", cid), ("g", gid), c_item.mouth_out(), item.hand_in()
                        if a[0] > b[0]:  # the channel is right of the goroutine
                            ka, kb, a, b = kb, ka, item.hand_out(), c_item.mouth_in()
                        add("signal" if cid in signals else "select", ka, kb, a, b)
                        waits.add((gid, cid))
            elif g.state == "blocked_lock" and obj in self._lock_items:
                add(
                    "blocked_lock",
                    ("g", gid),
                    ("m", obj),
                    item.hand_out(),
                    self._lock_items[obj].left_mid(),
                )
                waits.add((gid, obj))
            elif g.state == "blocked_waitgroup" and obj in self._wg_items:
                add(
                    "blocked_waitgroup",
                    ("g", gid),
                    ("w", obj),
                    item.hand_out(),
                    self._wg_items[obj].left_mid(),
                )
                waits.add((gid, obj))
        for oid, lk_item in self._lock_items.items():
            lk = m.locks.get(oid)
            if lk is None:
                continue
            for gid in ([lk.writer] if lk.writer else []) + lk.readers:
                g_item = gi.get(gid)
                if g_item is not None and g_item not in unplaced:
                    add("held", ("g", gid), ("m", oid), g_item.hand_out(), lk_item.left_mid())
                    waits.add((gid, oid))
        if not dots:
            for cid, c_item in ci.items():
                c = m.channels.get(cid)
                if c is None:
                    continue
                for gid in c.writers:
                    g_item = gi.get(gid)
                    if g_item is not None and (gid, cid) not in waits:
                        add("uses", ("g", gid), ("c", cid), g_item.hand_out(), c_item.mouth_in())
                for gid in c.readers:
                    g_item = gi.get(gid)
                    if g_item is not None and (gid, cid) not in waits:
                        add("uses", ("c", cid), ("g", gid), c_item.mouth_out(), g_item.hand_in())
            for tag, table, src in (
                ("m", self._lock_items, m.locks),
                ("w", self._wg_items, m.waitgroups),
                ("v", self._cell_items, m.cells),
                ("p", self._pattern_items, m.patterns),
            ):
                for oid, o_item in table.items():
                    o = src.get(oid)
                    if o is None:
                        continue
                    # A line from each live user shown; from more than a handful, none
                    # (a fan of lines reads as noise; the card names its last user).
                    users = [
                        (gid, g_item)
                        for gid in o.users
                        if (g_item := gi.get(gid)) is not None
                        and (gid, oid) not in waits
                        and (g := m.goroutines.get(gid)) is not None
                        and not g.finished
                    ]
                    if len(users) > USES_EDGES_MAX:
                        continue
                    for gid, g_item in users:
                        add("uses", ("g", gid), (tag, oid), g_item.hand_out(), o_item.left_mid())
        for tid, t_item in self._timer_items.items():
            tm = m.timers.get(tid)
            if tm is not None and (c_item := ci.get(tm.chan)) is not None:
                add("timer", ("t", tid), ("c", tm.chan), t_item.right_mid(), c_item.mouth_in())
        self._route(pending, dots, curves, lines, ends)
        ctx_curves: dict[str, list[QPainterPath]] = {}
        for oid, x_item in self._ctx_items.items():
            cx = m.contexts.get(oid)
            if cx is None or (parent := self._ctx_items.get(cx.parent)) is None:
                continue
            (ax, ay), (bx, by) = parent.bottom_mid(), x_item.top_mid()
            my = (ay + by) / 2
            path = QPainterPath()
            path.moveTo(ax, ay)
            path.cubicTo(ax, my, bx, my, bx, by)
            group = "ctx_cancelled" if x_item.cancel_shown else "ctx"
            ctx_curves.setdefault(group, []).append(path)
            ends.append((("x", cx.parent), ("x", oid), path))
        thin = 1.2 if dots else 0.0
        pens = {
            # Faded by mixing with the background, not by opacity: opaque pens are
            # far cheaper to stroke (StageStyle.faded).
            "uses": st.pen(st.faded(st.muted, 0.45), 1.6 * st.pen_k),
            "timer": st.pen(st.faded(st.accent, 0.7), 1.6 * st.pen_k, Qt.PenStyle.DashLine),
            "blocked_send": st.pen(st.states["blocked_send"], thin or w),
            "blocked_recv": st.pen(st.states["blocked_recv"], thin or w),
            "select": st.pen(st.states["blocked_select"], thin or w, Qt.PenStyle.DashLine),
            "signal": st.pen(
                st.faded(st.states["blocked_select"], 0.45), 1.4 * st.pen_k, Qt.PenStyle.DotLine
            ),
            "blocked_lock": st.pen(st.states["blocked_lock"], thin or w, Qt.PenStyle.DashLine),
            "blocked_waitgroup": st.pen(
                st.states["blocked_waitgroup"], thin or w, Qt.PenStyle.DashLine
            ),
            "held": st.pen(st.states["blocked_lock"], (thin or w) * 1.4),
            "ctx": st.pen(st.ok, w * 0.8),
            "ctx_cancelled": st.pen(st.danger, w),
        }
        groups = []
        for name, pen in pens.items():
            cs = curves.get(name, []) + ctx_curves.get(name, [])
            ls = lines.get(name, [])
            if cs or ls:
                groups.append((pen, cs, ls))
        self._edges.set_groups(groups, self._bounds.adjusted(-20, -20, 20, 20), self._device_scale)
        self.edge_ends = ends

    def _route(self, pending, dots, curves, lines, ends) -> None:
        """Shape each pending edge: straight in the compact level of detail, else a
        flow curve, or a detour around the items it would cross (gui.stage.routing)."""
        placed = {}
        still = {}  # the placed items that stand still
        for key, item in self._keyed_items():
            if item not in self._unplaced and item.isVisible():
                placed[key] = r = (item.px, item.py, item.w, item.h)
                if not item.moving and item not in self._movers:
                    still[key] = r
        # Detours wait until the items stand still (a gliding picture would search
        # anew each frame), and take at most ROUTE_BUDGET_S of a frame: the edges
        # left over keep their curve and are routed by the next rebuild (each
        # detour found is cached, so every rebuild gets further).
        # Meanwhile a line between two still items goes round the still ones (the
        # same obstacles each frame: the detour is found once, then cached), and
        # one with a gliding end keeps the shape it had (no flicker between detour
        # and curve while a newcomer glides in).
        routing = not dots and not self._movers
        budget = not dots
        deadline = time.perf_counter() + ROUTE_BUDGET_S
        before, self._shapes = self._shapes, {}
        shape: QPainterPath | QLineF
        for name, ka, kb, a, b in pending:
            if dots:  # hundreds of lines: straight and cheap
                shape = QLineF(*a, *b)
                lines.setdefault(name, []).append(shape)
            else:
                old = None if routing else before.get((ka, kb, a, b))
                if routing or (budget and ka in still and kb in still):
                    obstacles = placed if routing else still
                    others = [r for key, r in obstacles.items() if key != ka and key != kb]
                    corners = route(a, b, others)
                    shape = curve(a, b) if corners is None else polyline(corners)
                    if time.perf_counter() > deadline:
                        routing = budget = False
                        self._edges_dirty = True  # the rest next time
                elif old is not None:
                    shape = old
                else:
                    shape = curve(a, b)
                self._shapes[(ka, kb, a, b)] = shape
                curves.setdefault(name, []).append(shape)
            ends.append((ka, kb, shape))

    def _keyed_items(self):
        """(key, item) of every item on the stage."""
        for tag, table in self.item_tables().items():
            for oid, item in table.items():
                yield (tag, oid), item

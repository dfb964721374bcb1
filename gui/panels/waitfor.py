"""The wait-for graph: who waits on what, who could wake it, and who never will be.

Goroutines stand in the left column, the objects they wait on (channels,
locks, WaitGroups, a select's channels) in the right one. A solid arrow is
"waits on"; a dashed arrow back is "could wake it" (a goroutine that
received from the channel, holds the lock, added to the WaitGroup; dotted
when it is only a guess). A cycle is drawn in red, and so is every
goroutine that can never wake; beside the drawing, one sentence per blocked
goroutine says why ("worker-2 waits to send on results; no goroutine will
ever receive it").

The judgement is :mod:`core.teaching.waitfor`'s. This panel feeds its
:class:`~core.teaching.UsageIndex` with the event batches the window hands
over, and builds a :class:`~core.teaching.WaitForGraph` from the live
runtime a few times a second, on the GUI thread (``from_runtime`` never
blocks), only when new events came since the last build and only while
someone looks at it (:attr:`WaitForPanel.wanted` or the panel on screen).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QSplitter, QTextEdit, QVBoxLayout, QWidget

from core.teaching import UsageIndex, WaitForGraph
from core.trace import TraceEvent
from gui.theme import Theme

__all__ = ["WaitForPanel", "WaitForPicture", "picture_of"]

MAX_GOROUTINES = 24  # nodes drawn in the goroutine column (the rest are counted)
REFRESH_MS = 250


@dataclass
class GNode:
    id: int
    name: str
    state: str
    reason: str
    alive: bool
    stuck: bool
    in_cycle: bool
    blocked: bool


@dataclass
class ONode:
    id: int
    name: str
    kind: str
    outside: list[str]


@dataclass
class WaitForPicture:
    """What the canvas draws: a Qt-free digest of one :class:`WaitForGraph`."""

    goroutines: list[GNode] = field(default_factory=list)
    objects: list[ONode] = field(default_factory=list)
    waits: list[tuple[int, int, str]] = field(default_factory=list)  # (g, obj, op)
    wakes: list[tuple[int, int, str, bool]] = field(default_factory=list)  # (obj, g, how, guess)
    cycle_edges: set[tuple[int, int]] = field(default_factory=set)  # (g, obj) and (obj, g)
    hidden: int = 0  # blocked goroutines not drawn (over MAX_GOROUTINES)
    blocked: int = 0
    stuck: int = 0
    cycles: int = 0
    explanations: list[tuple[int, str, bool]] = field(default_factory=list)  # (g, text, stuck)


def picture_of(graph: WaitForGraph) -> WaitForPicture:
    """Digest *graph*: the blocked goroutines (the stuck and the cyclic first), their
    objects, who could wake them, and one sentence each."""
    stuck = graph.stuck()
    cycles = graph.cycles()
    in_cycle = {g for c in cycles for g in c.goroutines}
    cycle_edges: set[tuple[int, int]] = set()
    for c in cycles:
        steps = c.steps
        for i, (g, obj) in enumerate(steps):
            nxt = steps[(i + 1) % len(steps)][0]
            cycle_edges.add((g, obj))
            cycle_edges.add((obj, nxt))
    waiting = {w.g for w in graph.waits}
    blocked = sorted(
        (g for g in graph.goroutines.values() if g.alive and g.reason),
        key=lambda n: (n.id not in in_cycle, n.id not in stuck, n.id),
    )
    shown = blocked[:MAX_GOROUTINES]
    shown_ids = {n.id for n in shown}
    objects: list[int] = []  # in the order of their first waiter: fewer crossing lines
    for n in shown:
        for w in graph.waits_of(n.id):
            if w.obj not in objects:
                objects.append(w.obj)
    wakers: list[int] = []
    for k in graph.wakes:
        if k.obj in objects and k.g not in shown_ids and k.g not in wakers:
            wakers.append(k.g)
    room = max(0, MAX_GOROUTINES + 8 - len(shown))
    nodes = []
    for n in [*shown, *(graph.goroutines[g] for g in wakers[:room] if g in graph.goroutines)]:
        nodes.append(
            GNode(
                n.id,
                n.name,
                n.state,
                n.reason,
                n.alive,
                n.id in stuck,
                n.id in in_cycle,
                n.id in waiting,
            )
        )
    drawn = {n.id for n in nodes}
    pic = WaitForPicture(
        goroutines=nodes,
        objects=[
            ONode(
                o,
                graph.objects[o].name if o in graph.objects else f"object {o}",
                graph.objects[o].kind if o in graph.objects else "",
                list(graph.outside.get(o, [])),
            )
            for o in objects
        ],
        waits=[(w.g, w.obj, w.op) for w in graph.waits if w.g in drawn and w.obj in objects],
        wakes=[
            (k.obj, k.g, k.how, k.guess) for k in graph.wakes if k.g in drawn and k.obj in objects
        ],
        cycle_edges=cycle_edges,
        hidden=len(blocked) - len(shown),
        blocked=len(blocked),
        stuck=len(stuck),
        cycles=len(cycles),
    )
    pic.explanations = [(n.id, graph.explain(n.id), n.id in stuck) for n in blocked]
    return pic


# -- the drawing --------------------------------------------------------------------


class _Canvas(QWidget):
    """Paints a :class:`WaitForPicture` in two columns (see the module docstring)."""

    def __init__(self, panel: WaitForPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.setMinimumSize(220, 140)

    def paintEvent(self, event) -> None:
        panel = self.panel
        t = panel.theme
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        w, h = self.width(), self.height()
        p.fillRect(0, 0, w, h, t.qcolor("background"))
        pic = panel.picture
        if pic is None or not pic.goroutines:
            font = QFont("DejaVu Sans")
            font.setPixelSize(round(14 * (1.35 if panel.presenter else 1.0)))
            p.setPen(t.qcolor("muted"))
            p.setFont(font)
            p.drawText(
                QRectF(20, 0, w - 40, h),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                panel.empty_text,
            )
            p.end()
            return
        n_rows = max(len(pic.goroutines), len(pic.objects))
        g = _Geometry(w, h, n_rows, 1.35 if panel.presenter else 1.0)
        self._paint(p, pic, g)
        p.end()

    def _paint(self, p: QPainter, pic: WaitForPicture, g: _Geometry) -> None:
        t = self.panel.theme
        goroutines = pic.goroutines[: g.max_rows]
        objects = pic.objects[: g.max_rows]
        gpos: dict[int, QRectF] = {}
        y = g.column_top(len(goroutines))
        for n in goroutines:
            gpos[n.id] = QRectF(g.gx, y, g.col_w, g.node_h)
            y += g.row
        opos: dict[int, QRectF] = {}
        y = g.column_top(len(objects))
        for o in objects:
            opos[o.id] = QRectF(g.ox, y, g.col_w, g.node_h)
            y += g.row
        danger = t.qcolor("danger")
        muted = t.qcolor("muted")
        edge_w = 2.0 * (1.6 if self.panel.presenter else 1.0)
        head = 4 + 5 * g.s
        # Edges first, under the boxes: waits leave from the upper part, wakes come back lower.
        for gid, obj, _op in pic.waits:
            a, b = gpos.get(gid), opos.get(obj)
            if a is None or b is None:
                continue
            cyc = (gid, obj) in pic.cycle_edges
            state = next((n.state for n in pic.goroutines if n.id == gid), "")
            color = danger if cyc else t.qcolor(state) if state in t.state_colors else muted
            pen = QPen(color, edge_w * (1.6 if cyc else 1.0))
            start = QPointF(a.right(), a.top() + a.height() * 0.3)
            end = QPointF(b.left(), b.top() + b.height() * 0.3)
            _arrow(p, pen, start, end, head)
        for obj, gid, _how, guess in pic.wakes:
            a, b = opos.get(obj), gpos.get(gid)
            if a is None or b is None:
                continue
            cyc = (obj, gid) in pic.cycle_edges
            color = danger if cyc else muted
            style = Qt.PenStyle.DotLine if guess else Qt.PenStyle.DashLine
            pen = QPen(color, edge_w * (1.4 if cyc else 0.9), style)
            start = QPointF(a.left(), a.top() + a.height() * 0.75)
            end = QPointF(b.right(), b.top() + b.height() * 0.75)
            _arrow(p, pen, start, end, head, bend=0.18)
        for n in goroutines:
            self._paint_goroutine(p, n, gpos[n.id], g)
        for o in objects:
            self._paint_object(p, o, opos[o.id], g)
        left_out = len(pic.goroutines) - len(goroutines) + pic.hidden
        self._paint_legend(p, left_out, g, edge_w)

    def _paint_goroutine(self, p: QPainter, n: GNode, r: QRectF, g: _Geometry) -> None:
        t = self.panel.theme
        danger = t.qcolor("danger")
        red = n.stuck or n.in_cycle
        p.setPen(QPen(danger if red else t.qcolor("grid"), 3.0 if red else 1.2))
        p.setBrush(t.qcolor("surface"))
        p.drawRoundedRect(r, 6, 6)
        stripe = t.qcolor(n.state) if n.state in t.state_colors else t.qcolor("muted")
        p.fillRect(QRectF(r.left() + 3, r.top() + 4, 4 * g.s, r.height() - 8), stripe)
        tx = r.left() + 8 + 6 * g.s
        tw = r.right() - tx - 6
        p.setFont(g.name_font)
        p.setPen(danger if n.stuck else t.qcolor("text") if n.alive else t.qcolor("muted"))
        p.drawText(
            QPointF(tx, g.first_baseline(r)),
            g.fm_name.elidedText(n.name, Qt.TextElideMode.ElideRight, tw),
        )
        if g.two_lines:
            if not n.alive:
                line = "ended"
            elif n.blocked:
                line = f"{'STUCK · ' if n.stuck else ''}{n.reason}"
            else:
                line = n.state.replace("_", " ")
            p.setFont(g.small_font)
            p.setPen(danger if n.stuck else t.qcolor("muted"))
            p.drawText(
                QPointF(tx, g.second_baseline(r)),
                g.fm_small.elidedText(line, Qt.TextElideMode.ElideRight, tw),
            )

    def _paint_object(self, p: QPainter, o: ONode, r: QRectF, g: _Geometry) -> None:
        t = self.panel.theme
        p.setPen(QPen(t.qcolor("accent"), 1.6))
        p.setBrush(t.qcolor("chan_fill"))
        p.drawRoundedRect(r, 4, 4)
        tx = r.left() + 8
        tw = r.right() - tx - 6
        p.setFont(g.name_font)
        p.setPen(t.qcolor("text"))
        kind = "chan" if o.kind in ("chan", "Chan") else o.kind
        p.drawText(
            QPointF(tx, g.first_baseline(r)),
            g.fm_name.elidedText(f"{kind} {o.name}".strip(), Qt.TextElideMode.ElideRight, tw),
        )
        if g.two_lines and o.outside:
            p.setFont(g.small_font)
            p.setPen(t.qcolor("ok"))
            p.drawText(
                QPointF(tx, g.second_baseline(r)),
                g.fm_small.elidedText(
                    "woken by " + ", ".join(o.outside), Qt.TextElideMode.ElideRight, tw
                ),
            )

    def _paint_legend(self, p: QPainter, left_out: int, g: _Geometry, edge_w: float):
        t = self.panel.theme
        muted, danger = t.qcolor("muted"), t.qcolor("danger")
        p.setFont(g.small_font)
        ly = g.h - g.legend_h / 2
        x = g.margin
        for text, color, style in (
            ("waits on", muted, Qt.PenStyle.SolidLine),
            ("could wake it", muted, Qt.PenStyle.DashLine),
            ("a guess", muted, Qt.PenStyle.DotLine),
            ("cycle, stuck", danger, Qt.PenStyle.SolidLine),
        ):
            if x + 30 * g.s + _w(g.fm_small, text) > g.w:
                break
            _arrow(p, QPen(color, edge_w, style), QPointF(x, ly), QPointF(x + 24 * g.s, ly), 6)
            x += 28 * g.s
            p.setPen(t.qcolor("text"))
            p.drawText(QPointF(x, ly + g.fm_small.ascent() / 2 - 1), text)
            x += _w(g.fm_small, text) + 14 * g.s
        if left_out:
            p.setPen(muted)
            more = f"+ {left_out} more (listed)"
            if x + _w(g.fm_small, more) <= g.w:
                p.drawText(QPointF(x, ly + g.fm_small.ascent() / 2 - 1), more)


class _Geometry:
    """Fonts and rows that fit *n_rows* boxes per column in a w x h canvas.

    Two lines per box (name, then state) when they fit; else one line; else
    smaller type (never under 9 px).
    """

    def __init__(self, w: int, h: int, n_rows: int, k: float) -> None:
        self.w, self.h = w, h
        self.margin = 8.0
        self.col_w = max(90.0, (w - 2 * self.margin) * 0.4)
        self.gx = self.margin
        self.ox = w - self.margin - self.col_w
        s = k
        while True:
            self._fonts(s)
            self.legend_h = self.fm_small.height() + 8
            avail = h - self.legend_h - 2 * self.margin
            two = self.fm_name.height() + self.fm_small.height() + 10
            one = self.fm_name.height() + 8
            gap = 6.0 * s
            if n_rows * (two + gap) - gap <= avail:
                self.two_lines, self.node_h = True, two
                break
            if n_rows * (one + gap * 0.5) <= avail or s <= 0.65:
                self.two_lines, self.node_h = False, one
                gap *= 0.5
                break
            s *= 0.9
        self.s = s
        self.avail = avail
        # Rows beyond what fits even in the smallest type are left out (and counted).
        self.max_rows = max(1, min(n_rows, int((avail + 2) // (self.node_h + 2))))
        n_rows = self.max_rows
        spare = avail - n_rows * self.node_h
        self.row = self.node_h + max(2.0, min(18.0 * k, spare / max(1, n_rows - 1)))

    def _fonts(self, s: float) -> None:
        self.name_font = QFont("DejaVu Sans")
        self.name_font.setPixelSize(max(9, round(14 * s)))
        self.name_font.setBold(True)
        self.small_font = QFont("DejaVu Sans")
        self.small_font.setPixelSize(max(9, round(12 * s)))
        self.fm_name = QFontMetricsF(self.name_font)
        self.fm_small = QFontMetricsF(self.small_font)

    def column_top(self, count: int) -> float:
        used = count * self.row - (self.row - self.node_h)
        return self.margin + max(0.0, (self.avail - used) / 2)

    def first_baseline(self, r: QRectF) -> float:
        if self.two_lines:
            return r.top() + 5 + self.fm_name.ascent()
        return r.center().y() + (self.fm_name.ascent() - self.fm_name.descent()) / 2

    def second_baseline(self, r: QRectF) -> float:
        return r.top() + 6 + self.fm_name.height() + self.fm_small.ascent()


def _w(fm: QFontMetricsF, text: str) -> float:
    return fm.horizontalAdvance(text)


def _arrow(p: QPainter, pen: QPen, a: QPointF, b: QPointF, head: float, bend: float = 0.0):
    """A line (or, with *bend*, a gentle curve) from *a* to *b* with an arrowhead at *b*."""
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath(a)
    if bend:
        mid = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
        dx, dy = b.x() - a.x(), b.y() - a.y()
        ctrl = QPointF(mid.x() - dy * bend, mid.y() + dx * bend)
        path.quadTo(ctrl, b)
        tangent = QPointF(b.x() - ctrl.x(), b.y() - ctrl.y())
    else:
        path.lineTo(b)
        tangent = QPointF(b.x() - a.x(), b.y() - a.y())
    p.drawPath(path)
    length = (tangent.x() ** 2 + tangent.y() ** 2) ** 0.5 or 1.0
    ux, uy = tangent.x() / length, tangent.y() / length
    left = QPointF(b.x() - ux * head - uy * head * 0.5, b.y() - uy * head + ux * head * 0.5)
    right = QPointF(b.x() - ux * head + uy * head * 0.5, b.y() - uy * head - ux * head * 0.5)
    solid = QPen(pen)
    solid.setStyle(Qt.PenStyle.SolidLine)
    p.setPen(solid)
    p.setBrush(pen.color())
    p.drawPolygon(QPolygonF([b, left, right]))


# -- the panel -------------------------------------------------------------------------


class WaitForPanel(QWidget):
    """The drawing, a summary line and the sentences (see the module docstring).

    Signals:
        graph_changed(object): a new :class:`WaitForGraph` was built.
    """

    graph_changed = Signal(object)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.presenter = False
        self.wanted = False  # build even while hidden (the Reports tab reads the graph)
        self.usage = UsageIndex()
        self.graph: WaitForGraph | None = None
        self.picture: WaitForPicture | None = None
        self.builds = 0  # graphs built (tests, benchmarks)
        self.build_ms = 0.0  # the last build's cost
        self._rt: Any = None
        self._version = 0  # events applied
        self._built = -1  # the version the graph was built at
        self._replay = False
        self.empty_text = "Nothing runs."
        self.summary = QLabel()
        self.summary.setObjectName("sectionHeader")
        self.summary.setWordWrap(True)
        self.canvas = _Canvas(self)
        self.sentences = QTextEdit()
        self.sentences.setReadOnly(True)
        self.sentences.setAccessibleName("Why each goroutine waits")
        self.sentences.setMinimumWidth(120)
        # The sentences beside the drawing when there is room, else under it.
        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.canvas)
        split.addWidget(self.sentences)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        self.canvas.setMinimumHeight(140)
        col = QVBoxLayout(self)
        col.setContentsMargins(6, 2, 6, 4)
        col.addWidget(self.summary)
        col.addWidget(split, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._show()

    # -- the window's API ---------------------------------------------------------

    def set_runtime(self, rt: Any, replay: bool = False) -> None:
        """Follow *rt* from its first event (None: nothing plays, or a replay)."""
        self._rt = rt
        self._replay = replay
        self.usage = UsageIndex()
        self._version = 0
        self._built = -1
        self.graph = None
        self.picture = None
        if rt is not None:
            self._timer.start()
        else:
            self._timer.stop()
        self._show()

    def apply_events(self, batch: list[TraceEvent]) -> None:
        if self._rt is None or not batch:
            return
        self.usage.apply(batch)
        self._version += len(batch)

    def set_theme(self, theme: Theme, presenter: bool | None = None) -> None:
        self.theme = theme
        if presenter is not None:
            self.presenter = presenter
        self._show()

    def refresh(self, force: bool = False) -> bool:
        """Build the graph again if the run changed and someone looks; True if it did."""
        rt = self._rt
        if rt is None:
            return False
        if not force and (self._version == self._built or not (self.wanted or self.isVisible())):
            return False
        if getattr(rt, "stopped", False):
            self._timer.stop()  # the last graph stays: the run is over
            return False
        t0 = time.perf_counter()
        self._built = self._version
        self.graph = WaitForGraph.from_runtime(rt, usage=self.usage)
        self.picture = picture_of(self.graph)
        self.build_ms = (time.perf_counter() - t0) * 1000
        self.builds += 1
        self._show()
        self.graph_changed.emit(self.graph)
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= 620
        want = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.split.orientation() != want:
            self.split.setOrientation(want)
            total = sum(self.split.sizes())
            self.split.setSizes([total * 13 // 20, total - total * 13 // 20])

    # -- showing --------------------------------------------------------------------

    def _show(self) -> None:
        pic = self.picture
        if self._replay:
            self.empty_text = (
                "The wait-for graph reads the live runtime's goroutines: a replay has none. "
                "The stage, the timeline, the events, Select and Reports follow the recording."
            )
        elif self._rt is None:
            self.empty_text = "Nothing runs. Play a lesson to see who waits on whom."
        else:
            self.empty_text = "No goroutine is blocked on another right now."
        if pic is None or not pic.blocked:
            self.summary.setText("Wait-for graph: no goroutine is blocked.")
        else:
            parts = [f"{pic.blocked} blocked"]
            if pic.stuck:
                parts.append(f"{pic.stuck} can never wake")
            if pic.cycles:
                parts.append(f"{pic.cycles} cycle{'s' if pic.cycles > 1 else ''}")
            self.summary.setText("Wait-for graph: " + " · ".join(parts))
        self.sentences.setHtml(self._sentences_html(pic))
        self.canvas.update()

    def _sentences_html(self, pic: WaitForPicture | None) -> str:
        t = self.theme
        size = 17 if self.presenter else 13
        if pic is None or not pic.explanations:
            body = f"<p style='color:{t.muted}'>{html.escape(self.empty_text)}</p>"
        else:
            rows = []
            for _g, text, stuck in sorted(pic.explanations, key=lambda e: not e[2]):
                color = t.danger if stuck else t.text
                mark = "<b>STUCK</b> " if stuck else ""
                rows.append(f"<p style='color:{color}; margin: 0 0 8px 0'>{mark}{_e(text)}</p>")
            body = "".join(rows)
        return f"<div style='font-size:{size}px'>{body}</div>"


def _e(text: str) -> str:
    return html.escape(text, quote=False)

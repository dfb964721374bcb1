"""The timeline: one lane per goroutine, coloured by its state over runtime time.

Like ``go tool trace``'s goroutine view, but live: the window hands it the
same event batches as the stage. Ctrl+wheel (or the buttons) zooms around the
pointer, the scroll bars move through time and lanes, "Follow" keeps the
present in view. Hover or click a span for what the goroutine was doing
(click also emits ``goroutine_clicked``).

Memory is bounded: at most ``MAX_LANES`` lanes (the oldest finished ones go
first) of at most ``MAX_SPANS`` state changes each (the oldest go first).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.trace import STATES, Kind, TraceEvent, woken_by
from gui.theme import Theme

__all__ = ["MAX_LANES", "MAX_SPANS", "Lane", "TimelineModel", "TimelinePanel"]

MAX_LANES = 1000
MAX_SPANS = 4000
_STATE_INDEX = {s: i for i, s in enumerate(STATES)}
_RUNNING = _STATE_INDEX["running"]
_RUNNABLE = _STATE_INDEX["runnable"]
_SLEEPING = _STATE_INDEX["sleeping"]
_FINISHED = (_STATE_INDEX["done"], _STATE_INDEX["panicked"])
# Events whose goroutine (g) is, by doing them, running. Not GO_UNBLOCK (g is the
# goroutine woken) nor a LOCK handed over by an unlock (g is woken by it).
_ACTS = frozenset(
    {
        Kind.CHAN_MAKE,
        Kind.CHAN_SEND,
        Kind.CHAN_RECV,
        Kind.CHAN_HANDOFF,
        Kind.CHAN_CLOSE,
        Kind.SELECT,
        Kind.SYNC_MAKE,
        Kind.LOCK,
        Kind.UNLOCK,
        Kind.WG_ADD,
        Kind.WG_WAIT,
        Kind.COND_SIGNAL,
        Kind.ONCE_DO,
        Kind.ATOMIC,
        Kind.MEM_READ,
        Kind.MEM_WRITE,
        Kind.TIMER_STOP,
        Kind.TIMER_RESET,
        Kind.CTX_CANCEL,
    }
)
# Events that may wake goroutines (see core.trace.woken_by).
_WAKES = frozenset(
    {
        Kind.GO_UNBLOCK,
        Kind.CHAN_HANDOFF,
        Kind.CHAN_RECV,
        Kind.CHAN_CLOSE,
        Kind.LOCK,
        Kind.UNLOCK,
        Kind.WG_ADD,
        Kind.COND_SIGNAL,
    }
)


@dataclass(slots=True)
class Lane:
    """A goroutine's state changes: span *i* runs from starts[i] to starts[i+1]."""

    gid: int
    name: str
    starts: list[float] = field(default_factory=list)
    states: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def push(self, t: float, state: int, label: str = "") -> None:
        if self.states and self.states[-1] == state and self.labels[-1] == label:
            return
        if self.starts and t < self.starts[-1]:
            t = self.starts[-1]
        self.starts.append(t)
        self.states.append(state)
        self.labels.append(label)
        if len(self.starts) > MAX_SPANS:
            cut = MAX_SPANS // 4
            del self.starts[:cut], self.states[:cut], self.labels[:cut]

    @property
    def finished(self) -> bool:
        return bool(self.states) and self.states[-1] in _FINISHED

    @property
    def state(self) -> int:
        """The index in ``STATES`` of its latest state (-1: none yet)."""
        return self.states[-1] if self.states else -1

    def span_at(self, t: float) -> int:
        """Index of the span covering time *t*, or -1."""
        i = bisect_right(self.starts, t) - 1
        return i if i >= 0 else -1


class TimelineModel:
    """Goroutine state spans from trace events (Qt-free).

    Nothing is guessed: a GO_BLOCK names the state it parks in, the event that
    wakes a goroutine names it (:func:`core.trace.woken_by`: it becomes
    runnable, at the waker's time), a sleep ends with the clock's GO_UNBLOCK,
    and a goroutine that does something runs.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.lanes: dict[int, Lane] = {}
        self.t0: float | None = None
        self.now = 0.0

    def _lane(self, gid: int, t: float, name: str = "") -> Lane:
        lane = self.lanes.get(gid)
        if lane is None:
            lane = self.lanes[gid] = Lane(gid, name or f"goroutine {gid}")
            if len(self.lanes) > MAX_LANES:
                self._drop_lane()
        elif name and lane.name != name:
            lane.name = name
        return lane

    def _drop_lane(self) -> None:
        victim = next((g for g, ln in self.lanes.items() if ln.finished), None)
        if victim is None:
            victim = next(iter(self.lanes))
        del self.lanes[victim]

    def _name(self, gid: int) -> str:
        lane = self.lanes.get(gid)
        return lane.name if lane is not None else f"goroutine {gid}"

    def _woken(self, ev: TraceEvent, gid: int) -> None:
        """*ev* made *gid* runnable."""
        lane = self.lanes.get(gid)
        if lane is None or lane.finished:
            return
        if ev.kind is Kind.GO_UNBLOCK:
            waker = ev.payload.waker
            if waker:
                label = f"woken by {self._name(waker)}"
            elif lane.state == _SLEEPING:
                label = "sleep over"
            else:
                label = "woken by the runtime"
        elif ev.g and ev.g != gid:
            label = f"woken by {self._name(ev.g)}"
        else:
            label = f"{ev.obj_name or 'the lock'} handed over by an unlock"
        lane.push(ev.t, _RUNNABLE, label)

    def apply(self, events: list[TraceEvent]) -> bool:
        """Fold *events* in; returns whether any lane changed."""
        changed = False
        for ev in events:
            k = ev.kind
            t = ev.t
            if self.t0 is None:
                self.t0 = t
            if t > self.now:
                self.now = t
            if k in _WAKES:
                woken = woken_by(ev)
                for gid in woken:
                    self._woken(ev, gid)
                if woken:
                    changed = True
                if k is Kind.GO_UNBLOCK or (k is Kind.LOCK and ev.g in woken):
                    continue  # g is the goroutine woken, not one that acted
            if k is Kind.GO_CREATE:
                self._lane(ev.obj, t, ev.obj_name).push(t, _RUNNABLE, "created")
                if ev.g:
                    self._act(ev.g, t)
            elif k is Kind.GO_START:
                self._lane(ev.g, t, ev.obj_name).push(t, _RUNNING)
            elif k is Kind.GO_BLOCK:
                p = ev.payload
                state = _STATE_INDEX.get(p.state)
                if state is None or not ev.g:
                    continue  # not a state of this vocabulary; a thread outside
                label = f"{p.reason} {ev.obj_name}".strip() if ev.obj else p.reason
                self._lane(ev.g, t).push(t, state, label)
            elif k is Kind.GO_SLEEP:
                if not ev.g:
                    continue
                self._lane(ev.g, t).push(t, _SLEEPING, f"sleep {ev.payload.duration:.3g} s")
            elif k is Kind.GO_STEP:
                lane = self.lanes.get(ev.g)
                if lane is None or lane.finished:
                    continue
                lane.push(t, _RUNNING)
            elif k is Kind.GO_GATE:
                lane = self._lane(ev.g, t)
                lane.push(t, _RUNNABLE, f"paused before {ev.value}")
            elif k is Kind.GO_END:
                lane = self._lane(ev.g, t, ev.obj_name)
                if not lane.finished:
                    lane.push(t, _STATE_INDEX["done"])
            elif k is Kind.GO_PANIC:
                lane = self._lane(ev.g, t, ev.obj_name)
                lane.push(t, _STATE_INDEX["panicked"], f"panic: {ev.value}")
            elif k in _ACTS and ev.g:
                self._act(ev.g, t)
            else:
                continue
            changed = True
        return changed

    def _act(self, gid: int, t: float) -> None:
        """*gid* did something: it runs."""
        lane = self._lane(gid, t)
        if not lane.finished and lane.state != _RUNNING:
            lane.push(t, _RUNNING)


# -- the view --------------------------------------------------------------------------


class _Canvas(QAbstractScrollArea):
    """Lanes painted directly: only the visible lanes and time range are drawn."""

    def __init__(self, panel: TimelinePanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.model = panel.model
        self.pps = 80.0  # pixels per runtime second
        self.lane_h = 22
        self.label_w = 170
        self.axis_h = 24
        self.follow = True
        self._font = QFont("DejaVu Sans")
        self._font.setPixelSize(12)
        self._fm = QFontMetricsF(self._font)
        self._now_pen: QPen | None = None  # the present's line (made once, see paintEvent)
        self.setMouseTracking(True)
        self.horizontalScrollBar().valueChanged.connect(self._on_scrolled)
        self.verticalScrollBar().valueChanged.connect(self.viewport().update)
        self.horizontalScrollBar().sliderPressed.connect(self._on_slider_pressed)

    # geometry -------------------------------------------------------------------

    def _t_origin(self) -> float:
        return self.model.t0 or 0.0

    def time_at(self, x: float) -> float:
        return self._t_origin() + (x - self.label_w + self.horizontalScrollBar().value()) / self.pps

    def x_at(self, t: float) -> float:
        return self.label_w + (t - self._t_origin()) * self.pps - self.horizontalScrollBar().value()

    def lanes(self) -> list[Lane]:
        return list(self.model.lanes.values())

    def lane_at(self, y: float) -> Lane | None:
        if y < self.axis_h:
            return None
        i = int((y - self.axis_h + self.verticalScrollBar().value()) // self.lane_h)
        lanes = self.lanes()
        return lanes[i] if 0 <= i < len(lanes) else None

    def sync_scrollbars(self) -> None:
        m = self.model
        span = (m.now - self._t_origin()) * self.pps
        view_w = max(1, self.viewport().width() - self.label_w)
        hs = self.horizontalScrollBar()
        hs.setPageStep(view_w)
        hs.setRange(0, max(0, int(span - view_w * 0.9)))
        if self.follow:
            hs.setValue(hs.maximum())
        vs = self.verticalScrollBar()
        total = len(m.lanes) * self.lane_h
        page = max(1, self.viewport().height() - self.axis_h)
        vs.setPageStep(page)
        vs.setRange(0, max(0, total - page))
        vs.setSingleStep(self.lane_h)

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        if anchor_x is None:
            anchor_x = self.label_w + (self.viewport().width() - self.label_w) / 2
        t = self.time_at(anchor_x)
        self.pps = max(2.0, min(5000.0, self.pps * factor))
        self.sync_scrollbars()
        if not self.follow:
            hs = self.horizontalScrollBar()
            hs.setValue(int((t - self._t_origin()) * self.pps - (anchor_x - self.label_w)))
        self.viewport().update()

    def fit(self) -> None:
        m = self.model
        span = max(m.now - self._t_origin(), 0.5)
        self.pps = max(2.0, (self.viewport().width() - self.label_w - 20) / span)
        self.sync_scrollbars()
        self.horizontalScrollBar().setValue(0)
        self.viewport().update()

    def _on_scrolled(self, value: int) -> None:
        self.viewport().update()

    def _on_slider_pressed(self) -> None:
        self.panel.set_follow(False)

    # painting -------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        theme = self.panel.theme
        p = QPainter(self.viewport())
        p.setFont(self._font)
        w, h = self.viewport().width(), self.viewport().height()
        p.fillRect(0, 0, w, h, theme.qcolor("background"))
        colors = [theme.qcolor(s) for s in STATES]
        lanes = self.lanes()
        vs = self.verticalScrollBar().value()
        first = vs // self.lane_h
        last = min(len(lanes), first + (h - self.axis_h) // self.lane_h + 2)
        t_left = self.time_at(self.label_w)
        t_right = self.time_at(w)
        now = self.model.now
        text, muted, grid = theme.qcolor("text"), theme.qcolor("muted"), theme.qcolor("grid")
        p.setClipRect(self.label_w, self.axis_h, w - self.label_w, h - self.axis_h)
        for i in range(first, last):
            lane = lanes[i]
            y = self.axis_h + i * self.lane_h - vs
            starts, states = lane.starts, lane.states
            if not starts:
                continue
            j = max(0, bisect_right(starts, t_left) - 1)
            n = len(starts)
            last_x = -1
            while j < n and starts[j] <= t_right:
                end = starts[j + 1] if j + 1 < n else (starts[j] if states[j] in _FINISHED else now)
                x0 = int(self.x_at(starts[j]))
                x1 = int(self.x_at(end))
                if states[j] in _FINISHED:
                    x1 = max(x1, x0 + 6)  # the end mark stays visible
                if x1 > last_x:
                    x0 = max(x0, last_x)
                    p.fillRect(x0, y + 3, max(1, x1 - x0), self.lane_h - 6, colors[states[j]])
                    last_x = max(x1, x0 + 1)
                j += 1
        p.setClipping(False)
        # Label column.
        p.fillRect(0, self.axis_h, self.label_w, h, theme.qcolor("surface"))
        for i in range(first, last):
            lane = lanes[i]
            y = self.axis_h + i * self.lane_h - vs
            if y < self.axis_h - self.lane_h:
                continue
            p.setPen(muted if lane.finished else text)
            label = self._fm.elidedText(
                f"{lane.name}", Qt.TextElideMode.ElideRight, self.label_w - 12
            )
            # Baseline of a vertically centred line, in whole pixels: no QRectF made
            # and dropped per lane (each costs the GIL while goroutines compute).
            p.drawText(8, y + self._text_dy(self.lane_h), label)
        p.setPen(grid)
        p.drawLine(self.label_w, self.axis_h, self.label_w, h)
        # Time axis and the present.
        p.fillRect(0, 0, w, self.axis_h, theme.qcolor("surface"))
        p.setPen(grid)
        p.drawLine(0, self.axis_h, w, self.axis_h)
        step = _nice_step(80 / self.pps)
        t = math.floor(t_left / step) * step
        p.setPen(muted)
        while t <= t_right:
            x = round(self.x_at(t))
            if x >= self.label_w:
                p.drawLine(x, self.axis_h - 6, x, self.axis_h)
                p.drawText(x + 3, self.axis_h - 8, _fmt_t(t, step))
            t += step
        p.setPen(text)
        p.drawText(8, self._text_dy(self.axis_h), f"{len(lanes)} goroutines")
        xn = self.x_at(now)
        if self.label_w <= xn <= w:
            if self._now_pen is None or self._now_pen.color() != theme.qcolor("accent"):
                self._now_pen = QPen(theme.qcolor("accent"), 2)
            p.setPen(self._now_pen)
            p.drawLine(round(xn), self.axis_h, round(xn), h)
        p.end()

    def _text_dy(self, row_h: int) -> int:
        """The baseline of one line of text centred in a row *row_h* pixels high."""
        fm = self._fm
        return round((row_h - fm.ascent() - fm.descent()) / 2 + fm.ascent())

    # inspection -------------------------------------------------------------------

    def describe(self, pos: QPointF) -> tuple[Lane | None, str]:
        lane = self.lane_at(pos.y())
        if lane is None:
            return None, ""
        if pos.x() < self.label_w:
            state = STATES[lane.states[-1]] if lane.states else "?"
            return lane, f"goroutine {lane.gid}: {lane.name}\nnow: {state.replace('_', ' ')}"
        t = self.time_at(pos.x())
        j = lane.span_at(t)
        if j < 0:
            return lane, f"goroutine {lane.gid}: {lane.name}"
        start = lane.starts[j]
        end = lane.starts[j + 1] if j + 1 < len(lane.starts) else None
        state = STATES[lane.states[j]].replace("_", " ")
        label = lane.labels[j]
        until = f"{end:.2f} s ({end - start:.2f} s)" if end is not None else "now"
        lines = [
            f"goroutine {lane.gid}: {lane.name}",
            f"{state}{': ' + label if label else ''}",
            f"from {start:.2f} s to {until}",
        ]
        return lane, "\n".join(lines)

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            _, text = self.describe(QPointF(e.pos()) - QPointF(self.viewport().pos()))
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def mousePressEvent(self, e) -> None:
        lane, text = self.describe(e.position())
        if lane is not None:
            QToolTip.showText(e.globalPosition().toPoint(), text, self)
            self.panel.goroutine_clicked.emit(lane.gid)
        super().mousePressEvent(e)

    def wheelEvent(self, e) -> None:
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.25 if e.angleDelta().y() > 0 else 0.8, e.position().x())
            e.accept()
            return
        if e.angleDelta().x() or e.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.panel.set_follow(False)
        super().wheelEvent(e)

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self.sync_scrollbars()


def _nice_step(raw: float) -> float:
    mag = 10 ** math.floor(math.log10(max(raw, 1e-6)))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _fmt_t(t: float, step: float) -> str:
    return f"{t:.0f} s" if step >= 1 else f"{t:.{max(0, -math.floor(math.log10(step)))}f} s"


class TimelinePanel(QWidget):
    """Goroutine lanes over time (see the module docstring).

    Signals:
        goroutine_clicked(int): a lane or span was clicked; the goroutine id.
    """

    goroutine_clicked = Signal(int)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.model = TimelineModel()
        self._canvas = _Canvas(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 2)
        self._zoom_out = QToolButton()
        self._zoom_out.setText("−")
        self._zoom_out.setToolTip("Zoom out (Ctrl+wheel)")
        self._zoom_in = QToolButton()
        self._zoom_in.setText("+")
        self._zoom_in.setToolTip("Zoom in (Ctrl+wheel)")
        self._fit = QToolButton()
        self._fit.setText("Fit")
        self._fit.setToolTip("Show the whole run")
        self._follow = QCheckBox("Follow")
        self._follow.setToolTip("Keep the present in view")
        self._follow.setChecked(True)
        self._zoom_out.clicked.connect(self._on_zoom_out_clicked)
        self._zoom_in.clicked.connect(self._on_zoom_in_clicked)
        self._fit.clicked.connect(self._on_fit_clicked)
        self._follow.toggled.connect(self._on_follow_toggled)
        hint = QLabel("hover or click a lane to inspect")
        hint.setEnabled(False)
        for w in (self._zoom_out, self._zoom_in, self._fit, self._follow):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(hint)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addLayout(bar)
        col.addWidget(self._canvas, 1)
        # Repaint at most ~20 times a second, however often batches arrive.
        self._dirty = False
        self._last_paint = 0.0
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(50)
        self._repaint.timeout.connect(self._on_repaint_timeout)

    # -- the window's API ----------------------------------------------------------

    def reset(self) -> None:
        self.model.reset()
        self._canvas.pps = 80.0
        self.set_follow(True)
        self._canvas.sync_scrollbars()
        self._canvas.viewport().update()

    def load_model(self, model: TimelineModel, now: float | None = None) -> None:
        """Show *model* (a replay's state at its position); *now* is where the present
        line stands (the replay's time), which Follow keeps in view."""
        self.model = model
        self._canvas.model = model
        if now is not None and (model.t0 is None or now >= model.t0):
            model.now = max(model.now, now)
        self._on_repaint_timeout()

    def set_now(self, t: float) -> None:
        """Move the present line to runtime time *t* (a replay playing between events)."""
        if t > self.model.now:
            self.model.now = t
            self._schedule_repaint()

    def apply_events(self, batch: list[TraceEvent]) -> None:
        if self.model.apply(batch):
            self._schedule_repaint()

    def _schedule_repaint(self) -> None:
        """Repaint now, or at the next 50 ms mark (at most ~20 times a second)."""
        now = time.monotonic()
        if now - self._last_paint >= 0.05:
            self._on_repaint_timeout()
        elif not self._repaint.isActive():
            self._repaint.start()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._canvas.viewport().update()

    def set_follow(self, on: bool) -> None:
        if self._follow.isChecked() != on:
            self._follow.setChecked(on)
        self._canvas.follow = on

    @property
    def lane_count(self) -> int:
        return len(self.model.lanes)

    @property
    def canvas(self) -> _Canvas:
        return self._canvas

    # -- slots -------------------------------------------------------------------------

    def _on_repaint_timeout(self) -> None:
        self._last_paint = time.monotonic()
        self._canvas.sync_scrollbars()
        if self.isVisible():
            self._canvas.viewport().update()

    def _on_zoom_in_clicked(self) -> None:
        self._canvas.zoom(1.5)

    def _on_zoom_out_clicked(self) -> None:
        self._canvas.zoom(1 / 1.5)

    def _on_fit_clicked(self) -> None:
        self.set_follow(False)
        self._canvas.fit()

    def _on_follow_toggled(self, on: bool) -> None:
        self._canvas.follow = on
        if on:
            self._canvas.sync_scrollbars()
            self._canvas.viewport().update()

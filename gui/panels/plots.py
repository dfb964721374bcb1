"""Live plots of a lesson's metrics (pyqtgraph), one per metric.

Each plot has a title with the unit and a one-line definition under it, so
the numbers explain themselves. A timer redraws at most ``FPS`` times per
second, and only when the scenario's recorder has new samples
(``MetricsRecorder.version``) and the plots are on screen (an axis costs
about 1.5 ms to paint, so hidden plots must not steal the stage's frames).
pyqtgraph's own context menu (right click) exports a plot as PNG, SVG or CSV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.scenarios import Metric, MetricsRecorder
from gui.theme import Theme

__all__ = [
    "SIDE_BY_SIDE",
    "MetricPlot",
    "PlotsPanel",
    "SideBySide",
    "SideBySidePlot",
    "grid_shape",
    "nice_ceiling",
    "y_range",
]

# The smallest cell of the grid that still reads (pixels; presenter mode asks more):
# at 1500 px the Plots tab is about 470 px wide, and a lesson has up to six metrics.
MIN_CELL_W = 150
MIN_CELL_H = 120

# Okabe-Ito order for successive plots (colour-blind safe), by theme field or state name.
_CURVE_COLORS = ("accent", "blocked_send", "running", "blocked_select", "blocked_lock", "danger")


class SecondsAxis(pg.AxisItem):
    """A time axis whose ticks read "5 s", "10 s" (runtime seconds), with no label line."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v * scale:g} s" for v in values]


class ElidedLabel(QLabel):
    """A label of at most *lines* lines that ends in "…" when it is too narrow.

    It never pushes its neighbours (its width is the layout's to give) and its
    height is exactly its lines, so a plot under or over it keeps its room.
    The full text is its tooltip.
    """

    def __init__(self, text: str = "", lines: int = 1) -> None:
        super().__init__()
        self._full = text
        self._lines = lines
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._fit_height()

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def set_lines(self, lines: int) -> None:
        """Show at most *lines* lines from now on."""
        if lines != self._lines:
            self._lines = lines
            self._fit_height()
            self._elide()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_height()
            self._elide()

    def _fit_height(self) -> None:
        m = self.contentsMargins()
        self.setFixedHeight(self.fontMetrics().lineSpacing() * self._lines + m.top() + m.bottom())

    def _elide(self) -> None:
        super().setText(elide_lines(self._full, self.fontMetrics(), self.width(), self._lines))


def elide_lines(text: str, metrics: QFontMetrics, width: int, lines: int) -> str:
    """*text* broken into at most *lines* lines of *width* pixels, the last ending in "…"."""
    if width <= 0 or not text:
        return text
    if lines <= 1 or metrics.horizontalAdvance(text) <= width:
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    out: list[str] = []
    rest = text
    while rest and len(out) < lines - 1:
        # The longest run of whole words that fits (a word longer than the line is cut).
        words = rest.split(" ")
        line = words[0]
        i = 1
        while i < len(words) and metrics.horizontalAdvance(f"{line} {words[i]}") <= width:
            line = f"{line} {words[i]}"
            i += 1
        if metrics.horizontalAdvance(line) > width:
            line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
        out.append(line)
        rest = " ".join(words[i:])
    if rest:
        out.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
    return "\n".join(out)


def nice_ceiling(x: float) -> float:
    """The smallest "round" number at or above *x* > 0 (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k).

    An axis whose top moves in these steps is redrawn rarely and reads well.
    """
    if x <= 0 or not math.isfinite(x):
        return 1.0
    k = math.floor(math.log10(x))
    for step in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        top = step * 10.0**k
        if top >= x * (1 - 1e-9):
            return top
    return 10.0 ** (k + 1)  # pragma: no cover - 10.0 above always matches


def whole_tick_step(span: float) -> float:
    """A whole tick step (1, 2, 5, 10, 20...) that puts at most five ticks on *span*."""
    step = 1.0
    while span / step > 5:
        for k in (2.0, 2.5, 2.0):  # 1 -> 2 -> 5 -> 10 -> 20 -> 50 ...
            step *= k
            if span / step <= 5:
                break
    return step


def y_range(values: list[float]) -> tuple[float, float]:
    """The y axis for *values*: from 0 when none is negative, with room above the top.

    A series that is all 0 gets 0..1, a constant *c* > 0 gets 0..a round number
    above *c* (its line sits high in the plot, not centred in -5..5), a series
    with negative values gets round bounds on both sides.
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    top = nice_ceiling(hi * 1.1) if hi > 0 else 0.0
    if lo >= 0:
        return 0.0, top or 1.0
    return -nice_ceiling(-lo * 1.1), top  # a series all below 0 tops out at 0


class MetricPlot(QWidget):
    """One metric: its title, unit and latest value above a plot, its definition below.

    The title lives in Qt labels rather than in the plot, so a plot stays
    readable at 100 px high (the tab under the stage is short).
    """

    def __init__(self, metric: Metric, color_key: str, theme: Theme, presenter: bool) -> None:
        super().__init__()
        self._k = 1.0  # presenter mode's scale (set_theme)
        self.heading = ElidedLabel()
        self.heading.setObjectName("plotTitle")
        self.value = QLabel()
        self.value.setObjectName("plotValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.plot = pg.PlotWidget(axisItems={"bottom": SecondsAxis(orientation="bottom")})
        self.plot.setMenuEnabled(True)
        self.plot.showGrid(x=False, y=False)
        # The panel sets both ranges (y from 0, round tops): dragging would fight it.
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(50)
        # pyqtgraph asks for 480 px of height; take what the tab has instead.
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.plot.getPlotItem().setContentsMargins(2, 4, 8, 2)
        self.curve = self.plot.plot([], [])
        self.help = ElidedLabel(lines=2)
        self.help.setObjectName("plotHelp")
        self.setMinimumWidth(MIN_CELL_W)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.heading, 1)
        top.addWidget(self.value)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.help)
        self.show_metric(metric, color_key, theme, presenter)

    def show_metric(self, metric: Metric, color_key: str, theme: Theme, presenter: bool) -> None:
        """Plot *metric* from now on (a plot is reused from lesson to lesson)."""
        # Not "self.metric": that name would shadow QWidget.metric(), a virtual
        # Qt calls while restyling (shiboken then calls the dataclass and crashes).
        self.spec = metric
        self._color_key = color_key
        self.heading.setText(self.title)
        self.help.setText(metric.help)
        self.setToolTip(f"{self.title}: {metric.help}")
        self.curve.setData([], [])
        self._end = -1.0  # the right end of the time axis
        self.plot.setXRange(0.0, PlotsPanel.WINDOW, padding=0)  # "0 s .. 30 s" before data
        self._y = (0.0, 0.0)  # the y range shown
        self._y_key: tuple[float, float, bool] | None = None
        self.value.setText("")
        self.value.setToolTip("No samples yet")
        self.plot.disableAutoRange()
        self._set_y(0.0, 1.0)
        self.set_theme(theme, presenter)

    @property
    def title(self) -> str:
        unit = f" ({self.spec.unit})" if self.spec.unit else ""
        return f"{self.spec.title}{unit}"

    def set_theme(self, theme: Theme, presenter: bool) -> None:
        self._k = 1.35 if presenter else 1.0
        self.plot.setBackground(theme.surface)
        font = QFont()
        font.setPointSize(12 if presenter else 8)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.text))
            axis.setStyle(tickFont=font)
        self.curve.setPen(pg.mkPen(theme.color(self._color_key), width=4 if presenter else 2))

    def set_data(self, t: list[float], v: list[float], window: float) -> None:
        # A lone sample has no line to draw: mark it with a dot.
        self.curve.setData(t, v, symbol="o" if len(t) == 1 else None, symbolSize=7)
        if t:
            # The window moves in whole seconds: an axis whose range did not change
            # is not redrawn, and redrawing one costs more than the curve.
            end = max(math.ceil(t[-1]), window)
            if end != self._end:
                self._end = end
                self.plot.setXRange(end - window, end, padding=0)
            start = end - window
            shown = [x for tt, x in zip(t, v) if tt >= start]
            self._set_y(*y_range(shown), whole=all(x == int(x) for x in shown if math.isfinite(x)))
            # The unit is in the title: the number alone leaves the title its room.
            self.value.setText(_fmt(v[-1]))
            self.value.setToolTip(f"Latest value: {_fmt(v[-1])} {self.spec.unit}".rstrip())
        else:
            self.value.setText("")
            self.value.setToolTip("No samples yet")
            self._set_y(0.0, 1.0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # The definition takes two lines where the cell is tall, one where the plot needs it.
        self.help.set_lines(2 if self.height() >= round(150 * self._k) else 1)

    @property
    def y_shown(self) -> tuple[float, float]:
        """The y axis's range (bottom, top)."""
        return self._y

    def _set_y(self, lo: float, hi: float, whole: bool = True) -> None:
        """Show *lo*..*hi*; a series of *whole* numbers (items, goroutines) gets whole ticks."""
        if (lo, hi, whole) != self._y_key:
            self._y_key = (lo, hi, whole)
            self._y = (lo, hi)
            self.plot.setYRange(lo, hi, padding=0)
            axis = self.plot.getAxis("left")
            if whole:
                step = whole_tick_step(hi - lo)
                axis.setTickSpacing(step, step)
            else:
                axis.setTickSpacing()  # pyqtgraph's own


@dataclass(frozen=True)
class SideBySide:
    """Several metrics of one lesson compared on one bar chart (the same workload).

    ``bars`` are ``(metric name, label, colour key)``; the colour key is a
    theme field or a state name.
    """

    title: str
    unit: str
    help: str
    bars: tuple[tuple[str, str, str], ...]


# Lessons that run several implementations on the same load, by scenario id.
SIDE_BY_SIDE: dict[str, SideBySide] = {
    "lost-updates": SideBySide(
        title="Same load, side by side",
        unit="increments",
        help=(
            "Bad: count++ with no lock; Safe: a Mutex around it; Atomic: one atomic add. "
            "The latest value of each, and the increments Bad lost. When a round ends these "
            "are its final values: Safe and Atomic equal Expected; Bad falls short by Lost."
        ),
        bars=(
            ("expected", "Expected", "muted"),
            ("bad", "Bad", "danger"),
            ("safe", "Safe", "ok"),
            ("atomic", "Atomic", "accent"),
            ("lost", "Lost", "warning"),
        ),
    ),
}


class SideBySidePlot(QWidget):
    """One bar per compared metric, its value written above it (pyqtgraph BarGraphItem)."""

    def __init__(self, spec: SideBySide, theme: Theme, presenter: bool) -> None:
        super().__init__()
        self.spec = spec
        self.heading = ElidedLabel()
        self.heading.setObjectName("plotTitle")
        self.value = ElidedLabel()
        self.value.setObjectName("plotValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(50)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.plot.getPlotItem().setContentsMargins(2, 4, 8, 2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.65)
        self.plot.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.help = ElidedLabel(lines=2)
        self.help.setObjectName("plotHelp")
        self.help.setText(spec.help)
        self.setMinimumWidth(2 * MIN_CELL_W)  # two places of the grid: five bars and labels read
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.heading, 1)
        top.addWidget(self.value, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.help)
        self.heading.setText(f"{spec.title} ({spec.unit})")
        self.setToolTip(f"{spec.title}: {spec.help}")
        self.values: list[float | None] = [None] * len(spec.bars)
        ticks = [(i, label) for i, (_n, label, _c) in enumerate(spec.bars)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setXRange(-0.6, len(spec.bars) - 0.4, padding=0)
        self.set_theme(theme, presenter)

    def set_theme(self, theme: Theme, presenter: bool) -> None:
        self._theme = theme
        self._presenter = presenter
        self.plot.setBackground(theme.surface)
        font = QFont()
        font.setPointSize(12 if presenter else 8)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.text))
            axis.setStyle(tickFont=font)
        self._draw()

    def set_values(self, values: list[float | None]) -> None:
        if values != self.values:
            self.values = values
            self._draw()

    def _draw(self) -> None:
        t = self._theme
        heights = [v or 0.0 for v in self.values]
        brushes = [pg.mkBrush(t.color(c)) for _n, _l, c in self.spec.bars]
        self.bars.setOpts(x=list(range(len(heights))), height=heights, brushes=brushes)
        for item in self.labels:
            self.plot.removeItem(item)
        self.labels = []
        font = QFont()
        font.setPointSize(14 if self._presenter else 10)
        font.setBold(True)
        for i, v in enumerate(self.values):
            if v is None:
                continue
            label = pg.TextItem(_fmt(v), color=t.text, anchor=(0.5, 1.0))
            label.setFont(font)
            label.setPos(i, heights[i])
            self.plot.addItem(label)
            self.labels.append(label)
        top = max(heights, default=0.0)
        # Room above the tallest bar for its label, however short the plot is.
        label_px = QFontMetrics(font).height() * 1.3
        plot_px = max(self.plot.getViewBox().height(), 40.0)
        room = min(0.6, label_px / plot_px)
        self._top = nice_ceiling(max(1.0, top) / (1.0 - room))
        self.plot.setYRange(0, self._top, padding=0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._draw()  # the labels' room depends on the plot's height
        shown = [
            f"{label} {_fmt(v)}"
            for (_n, label, _c), v in zip(self.spec.bars, self.values)
            if v is not None
        ]
        self.value.setText(" · ".join(shown) if shown else "no samples yet")


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 100 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:.3g}"


def grid_shape(
    n: int, width: int, height: int, min_w: int, min_h: int, wide: bool = False
) -> tuple[int, int]:
    """(rows, columns) for *n* cells in *width* x *height* pixels.

    With *wide*, the first cell takes two columns (when there are two). Never
    more columns than fit *min_w* pixels each, so nothing hides to the side.
    Among the shapes whose rows also fit *min_h*, the one with the largest
    cells (read as a plot is, about 1.6 times wider than high); when none
    fits, the fewest rows (the grid then scrolls down).
    """
    if n <= 0:
        return 0, 0
    best: tuple[tuple[bool, float], tuple[int, int]] | None = None
    for cols in range(1, n + 2 if wide else n + 1):
        if cols > 1 and width / cols < min_w:
            break
        slots = n + (1 if wide and cols >= 2 else 0)
        rows = math.ceil(slots / cols)
        cell_w, cell_h = width / cols, height / rows
        fits = cell_h >= min_h
        score = (fits, min(cell_w / 1.6, cell_h) if fits else -float(rows))
        if best is None or score > best[0]:
            best = (score, (rows, cols))
    assert best is not None
    return best[1]


class PlotsPanel(QWidget):
    """A grid of :class:`MetricPlot`, redrawn from a ``MetricsRecorder``."""

    FPS = 20
    WINDOW = 30.0  # runtime seconds shown (a rolling window)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._presenter = False
        self._recorder: MetricsRecorder | None = None
        self._version = -1
        self._latest = 0.0  # the newest sample time seen (runtime seconds)
        self._plots: list[MetricPlot] = []  # those of the lesson on stage
        self.side_by_side: SideBySidePlot | None = None  # a lesson comparing on one load
        self._pool: list[MetricPlot] = []  # every plot made so far (reused)
        self.redraws = 0  # how many times the plots were redrawn (benchmarks, tests)
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._empty = QLabel("This lesson publishes no metrics.")
        self._empty.setObjectName("hint")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._shape = (0, 0)  # (rows, columns) of the grid
        self._scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Every plot in view side to side: the grid has as many columns as fit (see
        # grid_shape); only rows that do not fit scroll, downwards.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._grid_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._empty)
        layout.addWidget(scroll, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // self.FPS)
        self._timer.timeout.connect(self.refresh)

    @property
    def plots(self) -> list[MetricPlot]:
        return list(self._plots)

    def set_metrics(
        self,
        metrics: tuple[Metric, ...],
        recorder: MetricsRecorder | None,
        scenario_id: str | None = None,
    ) -> None:
        """Show one plot per metric of the lesson, fed from *recorder*.

        A lesson listed in :data:`SIDE_BY_SIDE` (by *scenario_id*) gets its
        comparison first, as one bar chart, and the metrics that chart shows get
        no plot of their own (lost-updates had ten cells for a tab that holds
        four). Plot widgets are kept and reused
        (making one costs ~15 ms), so switching lessons stays quick.
        """
        for p in self._cells():
            self._grid.removeWidget(p)
            p.hide()
        if self.side_by_side is not None:
            self.side_by_side.deleteLater()
            self.side_by_side = None
        names = {m.name for m in metrics}
        spec = SIDE_BY_SIDE.get(scenario_id or "")
        if spec is not None and all(n in names for n, _l, _c in spec.bars):
            self.side_by_side = SideBySidePlot(spec, self._theme, self._presenter)
            in_chart = {n for n, _l, _c in spec.bars}
            metrics = tuple(m for m in metrics if m.name not in in_chart)
        for i, m in enumerate(metrics):
            color = _CURVE_COLORS[i % len(_CURVE_COLORS)]
            if i < len(self._pool):
                self._pool[i].show_metric(m, color, self._theme, self._presenter)
            else:
                self._pool.append(MetricPlot(m, color, self._theme, self._presenter))
        self._plots = self._pool[: len(metrics)]
        self._shape = (0, 0)
        self._arrange()
        for p in self._cells():
            p.show()
        self._empty.setVisible(not self._cells())
        self.set_recorder(recorder)

    def set_recorder(self, recorder: MetricsRecorder | None) -> None:
        self._recorder = recorder
        self._version = -1
        self._latest = 0.0
        if recorder is None:
            self._timer.stop()
            for p in self._plots:
                p.set_data([], [], self.WINDOW)
            if self.side_by_side is not None:
                self.side_by_side.set_values([None] * len(self.side_by_side.spec.bars))
        else:
            self._timer.start()
            self.refresh()

    def stop(self) -> None:
        self._timer.stop()

    def refresh(self) -> bool:
        """Redraw if the recorder changed since the last redraw; returns whether it did."""
        rec = self._recorder
        if rec is None or rec.version == self._version or not self.isVisible():
            return False  # nothing new, or nobody looks (the tab is hidden): no paint
        self._version = rec.version
        # Samples since the previous redraw's window start: a little more than the
        # window, never the whole history (a series keeps up to 20,000 samples).
        since = self._latest - self.WINDOW
        data = [(p, *rec.series(p.spec.name, since=since)) for p in self._plots]
        self._latest = max([self._latest] + [t[-1] for _, t, _ in data if t])
        for p, t, v in data:
            p.set_data(t, v, self.WINDOW)
        sbs = self.side_by_side
        if sbs is not None:
            sbs.set_values([rec.last(n) for n, _l, _c in sbs.spec.bars])
        self.redraws += 1
        return True

    def _cells(self) -> list[QWidget]:
        """What the grid shows: the side-by-side chart first, then a plot per metric."""
        first: list[QWidget] = [self.side_by_side] if self.side_by_side is not None else []
        return first + list(self._plots)

    def _arrange(self) -> None:
        """Lay the plots out in the grid that fits the tab best (see :func:`grid_shape`)."""
        cells = self._cells()
        # The side-by-side chart is the lesson's point: it takes two places of the grid.
        wide = self.side_by_side is not None
        k = 1.35 if self._presenter else 1.0
        view = self._scroll.viewport()
        shape = grid_shape(
            len(cells),
            view.width(),
            view.height(),
            round(MIN_CELL_W * k),
            round(MIN_CELL_H * k),
            wide,
        )
        if shape == self._shape:
            return
        self._shape = shape
        for p in cells:
            self._grid.removeWidget(p)
        cols = shape[1]
        slot = 0
        for i, p in enumerate(cells):
            span = 2 if i == 0 and wide and cols >= 2 else 1
            self._grid.addWidget(p, slot // cols, slot % cols, 1, span)
            slot += span
        for c in range(self._grid.columnCount()):
            self._grid.setColumnStretch(c, 1 if c < cols else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # catch up on what came while the tab was hidden

    def set_theme(self, theme: Theme, presenter: bool | None = None) -> None:
        self._theme = theme
        if presenter is not None:
            self._presenter = presenter
        for p in self._plots:
            p.set_theme(theme, self._presenter)
        if self.side_by_side is not None:
            self.side_by_side.set_theme(theme, self._presenter)
        self._shape = (0, 0)  # presenter mode's cells are larger
        self._arrange()

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
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.scenarios._base import Metric, MetricsRecorder
from gui.theme import Theme

__all__ = ["SIDE_BY_SIDE", "MetricPlot", "PlotsPanel", "SideBySide", "SideBySidePlot"]

# Okabe-Ito order for successive plots (colour-blind safe), by theme field or state name.
_CURVE_COLORS = ("accent", "blocked_send", "running", "blocked_select", "blocked_lock", "danger")


class SecondsAxis(pg.AxisItem):
    """A time axis whose ticks read "5 s", "10 s" (runtime seconds), with no label line."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v * scale:g} s" for v in values]


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when it is too narrow, never pushing its neighbours."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._full = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        super().setText(shown)


class MetricPlot(QWidget):
    """One metric: its title, unit and latest value above a plot, its definition below.

    The title lives in Qt labels rather than in the plot, so a plot stays
    readable at 100 px high (the tab under the stage is short).
    """

    def __init__(self, metric: Metric, color_key: str, theme: Theme, presenter: bool) -> None:
        super().__init__()
        self.heading = ElidedLabel()
        self.heading.setObjectName("plotTitle")
        self.value = QLabel()
        self.value.setObjectName("plotValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.plot = pg.PlotWidget(axisItems={"bottom": SecondsAxis(orientation="bottom")})
        self.plot.setMenuEnabled(True)
        self.plot.showGrid(x=False, y=False)
        self.plot.setMouseEnabled(x=False, y=True)
        self.plot.setMinimumHeight(90)
        # pyqtgraph asks for 480 px of height; take what the tab has instead.
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.plot.getPlotItem().setContentsMargins(2, 4, 8, 2)
        self.curve = self.plot.plot([], [])
        self.help = QLabel()
        self.help.setObjectName("plotHelp")
        self.help.setWordWrap(True)
        self.setMinimumWidth(280)
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
        self.value.setText("no samples yet")
        self.plot.enableAutoRange(axis="y")
        self.set_theme(theme, presenter)

    @property
    def title(self) -> str:
        unit = f" ({self.spec.unit})" if self.spec.unit else ""
        return f"{self.spec.title}{unit}"

    def set_theme(self, theme: Theme, presenter: bool) -> None:
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
            self.value.setText(f"now {_fmt(v[-1])} {self.spec.unit}".rstrip())
        else:
            self.value.setText("no samples yet")


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
        self.plot.setMinimumHeight(90)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.plot.getPlotItem().setContentsMargins(2, 4, 8, 2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.65)
        self.plot.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.help = QLabel(spec.help)
        self.help.setObjectName("plotHelp")
        self.help.setWordWrap(True)
        self.setMinimumWidth(560)  # two places of the grid: five bars and their labels read
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
        self.plot.setYRange(0, max(1.0, top * 1.2), padding=0)
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


class PlotsPanel(QWidget):
    """A grid of :class:`MetricPlot`, redrawn from a ``MetricsRecorder``."""

    FPS = 20
    ROW_HEIGHT = 190  # pixels a row of plots needs to stay readable
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
        comparison first, as one bar chart. Plot widgets are kept and reused
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
        self._empty.setVisible(not metrics)
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
        """Lay the plots out in as many rows as the tab's height allows (each ~200 px),
        the columns scrolling sideways when they do not fit."""
        cells = self._cells()
        # The side-by-side chart is the lesson's point: it takes two places of the grid.
        wide = 1 if self.side_by_side is not None else 0
        n = len(cells) + wide
        rows = max(1, min(n, self._scroll.viewport().height() // self.ROW_HEIGHT))
        shape = (rows, math.ceil(n / rows) if n else 0)
        if shape == self._shape:
            return
        self._shape = shape
        for p in cells:
            self._grid.removeWidget(p)
        slot = 0
        for i, p in enumerate(cells):
            span = 2 if i == 0 and wide and shape[1] >= 2 else 1
            self._grid.addWidget(p, slot // shape[1], slot % shape[1], 1, span)
            slot += span

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

"""Select explained: each select statement's cases, the last random pick, who wins how often.

Every ``select`` site the run has executed (one statement of one goroutine,
as :class:`core.teaching.SelectStats` recognises it from the events the
window hands over) is listed on the left, the busiest real choice (most
cases) first. For the chosen site, its cases are drawn as Go sees them at
its latest run: *ready* (it could proceed), *not ready*, *nil* (a nil
channel: never ready) and *default*; the case picked last is ringed. Below,
a histogram (pyqtgraph ``BarGraphItem``) of how often each case won: among
several ready cases Go picks one uniformly at random, so ready cases win
about equally often.

Redrawn at most five times a second, only when new selects were counted and
the panel is on screen.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPen, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.teaching import SelectSite, SelectStats
from core.trace import TraceEvent
from gui.text import plain_tooltip
from gui.theme import Theme

__all__ = ["SelectPanel", "case_states"]

REFRESH_MS = 200


def case_states(site: SelectSite) -> list[tuple[str, str, int, bool]]:
    """``(label, state, wins, picked_last)`` per case of *site*, then the default.

    *state* is "ready", "not ready", "nil", "default" or "unknown" (a case the
    trace has not shown yet), as the site's latest run found them (the run
    that made the last pick: a select parked since waits with none ready).
    """
    out = []
    ready = set(site.last_ready)
    for i, (case, wins) in enumerate(zip(site.cases, site.wins)):
        if case.kind == "nil":
            state = "nil"
        elif case.kind == "?":
            state = "unknown"
        else:
            state = "ready" if i in ready else "not ready"
        out.append((case.describe(), state, wins, site.last_pick == i))
    if site.has_default:
        out.append(("default", "default", site.default_taken, site.last_pick == -1))
    return out


def _bar_label(i: int, state: str) -> str:
    return "default" if state == "default" else str(i)


class _CasesView(QWidget):
    """One row per case: its state chip, what it does, its wins; the last pick ringed.

    The type shrinks (never under 9 px) until every row fits the height it has.
    """

    def __init__(self, panel: SelectPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.setMinimumSize(200, 80)

    def paintEvent(self, event) -> None:
        panel = self.panel
        t = panel.theme
        k = 1.35 if panel.presenter else 1.0
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), t.qcolor("background"))
        site = panel.current_site()
        if site is None:
            font = QFont("DejaVu Sans")
            font.setPixelSize(round(14 * k))
            p.setPen(t.qcolor("muted"))
            p.setFont(font)
            p.drawText(
                self.rect().adjusted(12, 0, -12, 0),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                panel.empty_text,
            )
            p.end()
            return
        rows = case_states(site)
        w, h = self.width(), self.height()
        size = 14 * k
        while True:
            font = QFont("DejaVu Sans")
            font.setPixelSize(max(9, round(size)))
            fm = QFontMetricsF(font)
            row_h = fm.height() + 8 + 6 * size / 14
            if row_h * len(rows) <= h - 4 or size <= 9:
                break
            size *= 0.9
        row_h = min(row_h, (h - 4) / max(1, len(rows)))
        bold = QFont(font)
        bold.setBold(True)
        chip_w = fm.horizontalAdvance("not ready") + 14
        colors = {
            "ready": t.qcolor("ok"),
            "not ready": t.qcolor("surface_alt"),
            "nil": t.qcolor("grid"),
            "default": t.qcolor("accent"),
            "unknown": t.qcolor("grid"),
        }
        y = 2.0
        for i, (label, state, wins, picked) in enumerate(rows):
            r = QRectF(3, y + 1, w - 6, row_h - 3)
            p.setPen(QPen(t.qcolor("accent"), 3.0 * k) if picked else QPen(t.qcolor("grid"), 1))
            p.setBrush(t.qcolor("surface"))
            p.drawRoundedRect(r, 5, 5)
            chip = QRectF(r.left() + 4, r.top() + 3, chip_w, r.height() - 6)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colors[state])
            p.drawRoundedRect(chip, 4, 4)
            p.setFont(bold)
            on_chip = t.qcolor("background") if state in ("ready", "default") else t.qcolor("text")
            p.setPen(on_chip)
            p.drawText(chip, Qt.AlignmentFlag.AlignCenter, state)
            p.setFont(bold if picked else font)
            p.setPen(t.qcolor("text") if state != "nil" else t.qcolor("muted"))
            index = "default" if state == "default" else f"{i}:"
            what = "" if state == "default" else f" {label}"
            if state == "nil":
                what = " nil channel: never ready"
            tail = f"{'▶ ' if picked else ''}won {wins}×"
            tx = chip.right() + 8
            tail_w = fm.horizontalAdvance(tail) + 14
            text = fm.elidedText(
                f"{index}{what}", Qt.TextElideMode.ElideRight, r.right() - tx - tail_w
            )
            p.drawText(
                QRectF(tx, r.top(), r.right() - tx, r.height()), Qt.AlignmentFlag.AlignVCenter, text
            )
            p.setPen(t.qcolor("accent") if picked else t.qcolor("muted"))
            p.drawText(
                QRectF(r.right() - tail_w, r.top(), tail_w - 6, r.height()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                tail,
            )
            y += row_h
        p.end()


class SelectPanel(QWidget):
    """The select sites, the chosen one's cases, and its histogram of wins."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.presenter = False
        self.stats = SelectStats()
        self.redraws = 0
        self._dirty = False
        self._chosen: tuple[int, int] | None = None  # (goroutine, site index) the user picked
        self.empty_text = "No select has run yet."
        self.sites = QComboBox()
        self.sites.setAccessibleName("Select statements")
        self.sites.setToolTip(
            "Each select statement the run executed: its goroutine, cases and runs. "
            "The busiest real choice comes first."
        )
        self.sites.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.sites.setMinimumContentsLength(12)
        self.sites.activated.connect(self._on_sites_activated)
        self.title = QLabel()
        self.title.setObjectName("hint")
        self.title.setWordWrap(True)
        self.title.setToolTip(
            "Among several ready cases Go picks one uniformly at random: ready cases win about "
            "equally often. A nil channel's case is never ready; default runs when none is."
        )
        self.cases = _CasesView(self)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMinimumSize(160, 100)
        self.plot.getPlotItem().setContentsMargins(2, 4, 8, 2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.plot.addItem(self.bars)
        # The cases beside the histogram when there is room, else above it.
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.cases)
        self.split.addWidget(self.plot)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("select:"))
        top.addWidget(self.sites, 1)
        col = QVBoxLayout(self)
        col.setContentsMargins(6, 4, 6, 4)
        col.setSpacing(3)
        col.addLayout(top)
        col.addWidget(self.title)
        col.addWidget(self.split, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.set_theme(theme)
        self.refresh(force=True)

    # -- the window's API -----------------------------------------------------------

    def reset(self) -> None:
        self.load_stats(SelectStats())
        self._chosen = None

    def load_stats(self, stats: SelectStats) -> None:
        """Show *stats* (a replay's checkpoint, or a fresh start)."""
        self.stats = stats
        self._dirty = True
        self.refresh(force=True)

    def apply_events(self, batch: list[TraceEvent]) -> None:
        before = self.stats.events_counted
        self.stats.apply(batch)
        if self.stats.events_counted != before or not self.stats.sites:
            self._dirty = True

    def current_site(self) -> SelectSite | None:
        i = self.sites.currentData()
        sites = self.stats.sites
        return sites[i] if isinstance(i, int) and 0 <= i < len(sites) else None

    def bar_heights(self) -> list[float]:
        """The histogram's bars as drawn (tests)."""
        h = self.bars.opts.get("height")
        return [float(v) for v in (h if h is not None else [])]

    def set_theme(self, theme: Theme, presenter: bool | None = None) -> None:
        self.theme = theme
        if presenter is not None:
            self.presenter = presenter
        self.plot.setBackground(theme.surface)
        self.plot.setTitle(
            "wins per case", color=theme.muted, size="12pt" if self.presenter else "9pt"
        )
        font = QFont()
        font.setPointSize(12 if self.presenter else 9)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(theme.muted))
            axis.setTextPen(pg.mkPen(theme.text))
            axis.setStyle(tickFont=font)
        self.refresh(force=True)

    # -- drawing ------------------------------------------------------------------------

    def refresh(self, force: bool = False) -> bool:
        if not force and (not self._dirty or not self.isVisible()):
            return False
        self._dirty = False
        self._fill_sites()
        site = self.current_site()
        t = self.theme
        if site is None:
            self.title.setText(
                "Select explained: each select's cases (ready, not ready, nil, default), "
                "its last random pick, and how often each case won."
            )
            self.bars.setOpts(x=[], height=[], brushes=[])
            self.plot.getAxis("bottom").setTicks(None)
        else:
            rows = case_states(site)
            parked = "; parked now, no case ready" if site.parked else ""
            self.title.setText(
                f"{site.goroutine_name}: select with {len(site.cases)} case"
                f"{'s' if len(site.cases) != 1 else ''}"
                + (" and a default" if site.has_default else "")
                + f", {site.total} runs. Its last run (t = {site.last_t:.2f} s){parked}: "
                "among ready cases Go picks at random."
            )
            colors = []
            for _label, st, _wins, picked in rows:
                if picked:
                    colors.append(pg.mkBrush(t.accent))
                elif st == "default":
                    colors.append(pg.mkBrush(t.state_colors["runnable"]))
                elif st == "nil":
                    colors.append(pg.mkBrush(t.grid))
                else:
                    colors.append(pg.mkBrush(t.muted))
            xs = list(range(len(rows)))
            self.bars.setOpts(
                x=xs, height=[wins for _l, _s, wins, _p in rows], brushes=colors, width=0.6
            )
            self.plot.setXRange(-0.6, max(0, len(rows) - 1) + 0.6, padding=0)
            self.plot.getAxis("bottom").setTicks([[(i, _bar_label(i, rows[i][1])) for i in xs]])
        self.cases.update()
        self.redraws += 1
        return True

    def _fill_sites(self) -> None:
        sites = self.stats.sites
        # The busiest real choice first: cases that have won, then cases, then runs.
        order = sorted(
            range(len(sites)),
            key=lambda i: (
                -sum(1 for n in sites[i].wins if n) - (1 if sites[i].default_taken else 0),
                -len(sites[i].cases),
                -sites[i].total,
                i,
            ),
        )
        labels = [
            f"{sites[i].goroutine_name}: {len(sites[i].cases)} cases, {sites[i].total} runs"
            for i in order
        ]
        current = [self.sites.itemText(r) for r in range(self.sites.count())]
        if labels == current or self.sites.view().isVisible():
            return  # nothing new, or the teacher is choosing from the open list
        keep = self._chosen
        self.sites.blockSignals(True)
        self.sites.clear()
        chosen = 0
        for row, i in enumerate(order):
            s = sites[i]
            self.sites.addItem(labels[row], i)
            self.sites.setItemData(
                row,
                plain_tooltip(
                    f"goroutine {s.g} ({s.goroutine_name}): "
                    + "; ".join(c.describe() for c in s.cases)
                ),
                Qt.ItemDataRole.ToolTipRole,
            )
            if keep is not None and (s.g, i) == keep:
                chosen = row  # the teacher's pick stays; otherwise the top one is shown
        if self.sites.count():
            self.sites.setCurrentIndex(chosen)
        self.sites.blockSignals(False)
        self.empty_text = "No select has run yet."

    def _on_sites_activated(self, row: int) -> None:
        i = self.sites.itemData(row)
        sites = self.stats.sites
        if isinstance(i, int) and 0 <= i < len(sites):
            self._chosen = (sites[i].g, i)
        self.refresh(force=True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        want = Qt.Orientation.Horizontal if event.size().width() >= 560 else Qt.Orientation.Vertical
        if self.split.orientation() != want:
            self.split.setOrientation(want)
            total = sum(self.split.sizes())
            self.split.setSizes([total * 3 // 5, total - total * 3 // 5])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

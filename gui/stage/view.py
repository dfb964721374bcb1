"""The stage: the animated picture of what the runtime does.

:class:`StageView` is a QGraphicsView that draws a :class:`~core.trace.RunModel`.
The window hands it each batch of trace events (:meth:`StageView.apply_events`,
about 60 times a second, GUI thread); the model turns them into state and a
diff; the view updates only the items the diff names and starts the token
flights it lists. One 16 ms QTimer drives every motion (tokens, layout glides,
pulses) and asks for exactly one viewport repaint per tick; it stops when
nothing moves, so a paused stage costs no CPU.

The view is assembled from its parts, one concern a module: ``stage_diff`` (items
for what a diff names), ``stage_flights`` (values moving), ``stage_lifecycle``
(what lingers, retires, is told apart), ``stage_layout`` (where items stand),
``stage_camera`` (fit or follow), ``stage_edges`` (lines between items), and
``stage_common`` (the numbers that tune them). This module keeps the window's API,
the tick, theming and Qt's events.

Performance (see DESIGN.md): ``NoViewportUpdate`` plus one
``viewport().update()`` per tick, ``NoIndex`` scene, items cached in device
coordinates (a moved item is blitted, not repainted), and beyond a few hundred
goroutines a compact level of detail (dots) instead of a slower frame.
"""

from __future__ import annotations

import time
from collections import deque
from fnmatch import fnmatchcase

from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QRectF,
    Qt,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import QBrush, QPainter
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QToolTip, QWidget

from core.trace import RunDiff, RunModel, TraceEvent
from gui.stage.channel_item import ChannelItem
from gui.stage.edges import EdgeLayer
from gui.stage.goroutine_item import GoroutineItem
from gui.stage.items import StageItem
from gui.stage.overlays import StageBanner, StageCaption, StageLegend
from gui.stage.stage_camera import CameraMixin
from gui.stage.stage_common import (
    DEFAULT_PLUMBING,
    DRAW_BUDGET_S,
    EDGES_EVERY_BIG_S,
    EDGES_EVERY_S,
    HANDS_OFF_S,
)
from gui.stage.stage_diff import DiffMixin
from gui.stage.stage_edges import EdgesMixin
from gui.stage.stage_flights import FlightsMixin
from gui.stage.stage_layout import LayoutMixin
from gui.stage.stage_lifecycle import LifecycleMixin
from gui.stage.style import StageStyle
from gui.stage.sync_items import (
    ContextItem,
    LockItem,
)
from gui.stage.tokens import TokenAnimator
from gui.text import plain_tooltip
from gui.theme import Theme

__all__ = ["DEFAULT_PLUMBING", "StageView"]


class StageView(
    DiffMixin, FlightsMixin, LifecycleMixin, LayoutMixin, CameraMixin, EdgesMixin, QGraphicsView
):
    """The animated stage (see the module docstring).

    Signals:
        goroutine_clicked(int): a goroutine was clicked; its id.
    """

    goroutine_clicked = Signal(int)
    camera_changed = Signal(str)  # "follow" or "fit"

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = RunModel()
        self._theme = theme
        self._presenter = False
        self._style = StageStyle(theme)
        self._scene = QGraphicsScene(self)
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.NoViewportUpdate)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setMinimumSize(320, 200)
        self.lod = "full"
        # Full cards do not fit the viewport readably: use small ones (see _relayout).
        self._cramped = False
        self._cramped_at = -1e9  # when it last switched (monotonic; see CRAMPED_HOLD_S)
        self._leavers_laid_out = False
        self._show_contexts = False  # the context tree appears once it says something
        self._g_items = {}
        self._c_items = {}
        self._lock_items = {}
        self._wg_items = {}
        self._cell_items = {}
        self._once_items = {}
        self._timer_items = {}
        self._ctx_items = {}
        self._pattern_items = {}  # token buckets, breakers
        self._order = {}  # creation order of every node
        self._next_order = 0
        self._movers = set()
        self._unplaced = set()  # created, waiting for the layout to place them
        # Items whose object the program let go of: they fade for RETIRE_S, then leave.
        self._freed = {}
        self._freed_names = {}  # id -> its name, for fading items the model forgot
        self._departures = deque()
        # Items whose look changed, drawn by the next tick (dict: ordered, no duplicates).
        self._to_draw = {}
        self._last_edges = 0.0
        self._edges = EdgeLayer()
        # (from key, to key, drawn shape) of every edge of the last drawing.
        self.edge_ends = []
        self._scene.addItem(self._edges)
        self._anim = TokenAnimator(self._scene, self._style)
        self._layout_dirty = False
        self._layout_now = False  # lay out on the next frame, whatever the layout period
        # The next layout places everything anew (a round begins, the view resized,
        # the teacher pressed L); otherwise shown items keep their places.
        self._tidy = True
        self.fresh_layouts = 0  # layouts that placed everything anew (items may move)
        self._shapes = {}  # each edge's last shape, by its ends
        # An unrecovered panic ends the whole program shown (the banner says so).
        self.panic_ends_program = False
        self.kept_layouts = 0  # layouts that kept every shown item in its place
        self._edges_dirty = False
        self._last_layout = 0.0
        self._last_sweep = 0.0
        self._last_status = 0.0
        self._bounds = QRectF(0, 0, 800, 450)
        self._scale = 0.0
        self._device_scale = 1.0
        # The camera (see _fit): follow the action at a legible zoom, or fit all.
        self._camera = "follow"
        self._focus = None  # scene point at the centre
        self._hands_off_until = 0.0  # monotonic: the teacher moved the camera
        self._camera_anim = QVariantAnimation(self)
        self._camera_anim.setDuration(450)
        self._camera_anim.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._camera_anim.valueChanged.connect(self._on_camera_step)
        self._drag_from = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self._on_tick)
        self.frames = 0  # ticks that repainted (for the benchmark)
        self._banner = StageBanner(self)
        self._banner.closed.connect(self._refit)
        self._legend = StageLegend(self, self._style)
        self._caption = StageCaption(self)
        self._caption.restyle(self._style)
        self._spot = 0  # the goroutine in the spotlight (0: none)
        self._hidden = DEFAULT_PLUMBING
        self._hidden_cache = {}  # name -> hidden (fnmatch once per name)
        self._lanes: tuple[tuple[str, ...], ...] = ()  # the lesson's columns (set_lanes)
        self._lane_cache: dict[str, int | None] = {}  # name -> lane (fnmatch once per name)
        self._clock = None  # the runtime clock, as the window reads it
        self._apply_background()

    # -- the window's API -------------------------------------------------------

    def _drop_items(self) -> None:
        """Take every item, flight and pulse off the stage, with the state kept about
        them; the next layout is a fresh one."""
        self._anim.clear()
        for table in self._tables():
            for item in table.values():
                self._scene.removeItem(item)
            table.clear()
        self._order.clear()
        self._movers.clear()
        self._unplaced.clear()
        self._freed.clear()
        self._freed_names.clear()
        self._departures.clear()
        self._to_draw.clear()
        self._tidy = True

    def reset(self) -> None:
        """Forget the run: empty stage, no banner."""
        self.model.reset()
        self._drop_items()
        self._edges.set_groups([], QRectF(), 1.0)
        self._bounds = QRectF(0, 0, 800, 450)
        self._scale = 0.0
        self._camera_anim.stop()
        self._focus = None
        self._hands_off_until = 0.0
        self.lod = "full"
        self._cramped = False
        self._cramped_at = -1e9
        self._show_contexts = False
        self._spot = 0
        self._clock = None
        self.clear_banner()
        self.clear_caption()
        self._legend.set_status("")
        self._fit()
        self.viewport().update()

    def load_model(self, model: RunModel) -> None:
        """Show *model* (a state rebuilt elsewhere: a replay's seek), without animating.

        Every item is made anew from the model's state; nothing flies. The
        banner shows the model's deadlock, if any. Returns at once.
        """
        spot = self._spot
        self.reset()
        self.model = model
        self._populate(model.deadlock)
        self.spotlight(spot)

    def _populate(self, deadlock: str = "") -> None:
        """Make an item for everything the model holds (that is not hidden), placed at once."""
        model = self.model
        d = RunDiff(
            goroutines=set(model.goroutines),
            channels=set(model.channels),
            locks=set(model.locks),
            waitgroups=set(model.waitgroups),
            contexts=set(model.contexts),
            timers=set(model.timers),
            cells=set(model.cells),
            onces=set(model.onces),
            patterns=set(model.patterns),
            structure=True,
            deadlock=deadlock,
        )
        self._apply_diff(d)
        self._relayout(time.monotonic())
        # Items placed at once: no glide from nowhere.
        for item in self._movers:
            item.settle()
        self._movers.clear()

    def set_hidden_names(self, patterns: tuple[str, ...]) -> None:
        """Hide goroutines and objects whose name matches one of *patterns* (fnmatch,
        case-sensitive), and their lines; ``()`` shows everything.

        The model still tracks them (the status line counts them as hidden; the
        window's other views are unaffected). The stage is redrawn from the
        model at once, without animation. See DEFAULT_PLUMBING.
        """
        patterns = tuple(patterns)
        if patterns == self._hidden:
            return
        self._hidden = patterns
        self._hidden_cache.clear()
        spot = self._spot
        self._drop_items()
        self._show_contexts = False
        self._populate()
        self.spotlight(spot)
        self._update_status()
        self._kick()

    @property
    def hidden_names(self) -> tuple[str, ...]:
        return self._hidden

    def set_lanes(self, lanes: tuple[tuple[str, ...], ...]) -> None:
        """Columns the lesson declares, left to right, each as fnmatch patterns of
        goroutine and channel names (a lesson's ``lanes``); ``()``: the flow alone
        decides. A name in several lanes goes to the one whose matching pattern is
        longest (the most specific: ``worker-*.out`` over ``worker-*``). The next
        layout places everything anew."""
        lanes = tuple(tuple(p) for p in lanes)
        if lanes == self._lanes:
            return
        self._lanes = lanes
        self._lane_cache.clear()
        self.tidy()

    def lane_of(self, name: str) -> int | None:
        """The lane (0 the leftmost) of a goroutine or channel called *name*, if any."""
        if name in self._lane_cache:
            return self._lane_cache[name]
        if len(self._lane_cache) > 20_000:  # names like "job 12345" keep coming
            self._lane_cache.clear()
        best, longest = None, -1
        for i, patterns in enumerate(self._lanes):
            for p in patterns:
                if len(p) > longest and fnmatchcase(name, p):
                    best, longest = i, len(p)
        self._lane_cache[name] = best
        return best

    def hides(self, name: str) -> bool:
        """Whether a goroutine or object called *name* is kept off the stage."""
        h = self._hidden_cache.get(name)
        if h is None:
            if len(self._hidden_cache) > 20_000:  # names like "job 12345.C" keep coming
                self._hidden_cache.clear()
            h = self._hidden_cache[name] = any(fnmatchcase(name, p) for p in self._hidden)
        return h

    def hides_object(self, oid: int) -> bool:
        """Whether the object *oid* is kept off the stage (by its own name, not a label)."""
        return self.hides(self._obj_name(oid))

    def set_time(self, t: float) -> None:
        """The runtime clock's time (the window reads it): the status line shows it,
        so the stage and the header agree even while nothing moves."""
        moving = t != self._clock
        self._clock = t
        self._update_status()
        if moving:
            m = self.model
            # A bucket earns tokens and an open breaker counts down between records.
            for oid, item in self._pattern_items.items():
                if (v := m.patterns.get(oid)) is not None and item.show_view(v, t):
                    self._kick()
            # A select's timeout counts down on its goroutine's card.
            for gid, g_item in self._g_items.items():
                if g_item.counts_down and (g := m.goroutines.get(gid)) is not None:
                    g_item.show_view(g, m.selects.get(gid), self._shown_name)
                    self._kick()
        if moving and not self._timer.isActive() and any(self._tables()):
            # The run moves on: what it left behind may be due to leave (see _sweep).
            self._timer.setInterval(250)
            self._timer.start()

    def show_caption(self, text: str) -> None:
        """Say in the top-left corner what just happened (plain text; a step's sentence)."""
        self._caption.setText(text)
        self._caption.show()
        self._place_overlays()

    def clear_caption(self) -> None:
        self._caption.hide()
        self._caption.setText("")

    @property
    def caption_text(self) -> str:
        return self._caption.text() if self._caption.isVisible() else ""

    def spotlight(self, gid: int) -> None:
        """Ring goroutine *gid* (the one a step let through); 0 takes the ring off."""
        old = self._g_items.get(self._spot)
        if old is not None:
            old.set_spotlight(False)
        self._spot = gid
        item = self._g_items.get(gid)
        if item is not None:
            item.set_spotlight(True)
        self._kick()

    @property
    def spotlit(self) -> int:
        return self._spot

    def apply_events(self, batch: list[TraceEvent]) -> None:
        """Fold a batch of new events into the stage's own model (tests, benchmarks)."""
        if not batch:
            return
        diff = self.model.apply(batch)
        self._apply_diff(diff)

    def show_change(self, model: RunModel, diff: RunDiff) -> None:
        """Draw what *diff* changed in *model*, the run's one model (GUI thread; at once)."""
        if model is not self.model:
            self.load_model(model)
            return
        self._apply_diff(diff)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._restyle(StageStyle(theme, self._presenter))

    def set_presenter(self, on: bool) -> None:
        """Presenter mode: larger text and thicker strokes, for a projector."""
        if on == self._presenter:
            return
        self._presenter = on
        self._restyle(StageStyle(self._theme, on))

    def show_banner(self, text: str, kind: str = "info") -> None:
        """Show *text* (plain) across the top; *kind* is "panic", "deadlock" or "info"."""
        self._banner.show_message(text, kind, self._style)
        self._place_overlays()
        self._refit()

    def clear_banner(self) -> None:
        if self._banner.isVisible():
            self._banner.hide()
            self._refit()

    def _refit(self) -> None:
        self._scale = 0.0
        self._fit()
        self._kick()

    @property
    def status_text(self) -> str:
        """The status line under the stage ("t = 1.2 s · 4 goroutines · ...")."""
        return self._legend.status

    # -- introspection (tests, benchmark) ------------------------------------------

    def goroutine_item(self, gid: int) -> GoroutineItem | None:
        return self._g_items.get(gid)

    def channel_item(self, cid: int) -> ChannelItem | None:
        return self._c_items.get(cid)

    def lock_item(self, oid: int) -> LockItem | None:
        return self._lock_items.get(oid)

    def context_item(self, oid: int) -> ContextItem | None:
        return self._ctx_items.get(oid)

    @property
    def tokens_in_flight(self) -> int:
        return len(self._anim.flights)

    @property
    def tokens(self):
        """The current flights' token items (tests watch them move)."""
        return [f.token for f in self._anim.flights]

    @property
    def animating(self) -> bool:
        return self._timer.isActive()

    def tick(self, now: float | None = None) -> bool:
        """Advance every animation to *now* (the timer calls this); True if it repainted."""
        return self._advance(time.monotonic() if now is None else now)

    def settle(self) -> None:
        """Draw now what the next frames would draw: every item whose look changed
        (drawing is spread over frames, so on a busy stage a card can be drawn at
        its old size for a few frames) and the lines with every detour (also spread
        over frames). A screenshot calls this first, so the PNG shows the geometry
        its description gives. Layout and glides keep their own pace: a card grown
        over its neighbour stays so until the next layout."""
        for item in list(self._to_draw):
            item.render()
        self._to_draw.clear()
        # Detours take at most a slice of each rebuild (the rest follow on the next
        # frames, each found one cached): rebuild until every line has its shape.
        for _ in range(50):
            self._edges_dirty = False
            self._rebuild_edges()
            if not self._edges_dirty:
                break
        self._edges.setVisible(True)
        self._edges_dirty = False
        self.viewport().update()

    # -- the tick ---------------------------------------------------------------------

    def _kick(self) -> None:
        if self._timer.interval() != 16:
            self._timer.setInterval(16)
        if not self._timer.isActive():
            self._timer.start()

    def _on_tick(self) -> None:
        if self._advance(time.monotonic()):
            return
        if self._busy():
            self._kick()
        elif self._lingering():
            # Only finished goroutines waiting to leave: check 4 times a second.
            self._timer.setInterval(250)
        else:
            self._timer.stop()  # nothing moves: no CPU while paused or idle

    def _busy(self) -> bool:
        return bool(
            self._layout_dirty
            or self._edges_dirty
            or self._to_draw
            or self._movers
            or self._anim.active
        )

    def _lingering(self) -> bool:
        return any(i.finished_at is not None for i in self._g_items.values())

    def _advance(self, now: float) -> bool:
        changed = False
        if self._layout_dirty and (
            self._layout_now or now - self._last_layout >= self._layout_every()
        ):
            self._layout_now = False
            self._relayout(now)
            changed = True
        if self._movers:
            for item in list(self._movers):
                item.step(now)
                if not item.moving:
                    self._movers.discard(item)
            changed = True
            self._edges_dirty = True
        if self._anim.step(now):
            changed = True
        if self._draw_pending(now, DRAW_BUDGET_S if self.lod != "dot" else DRAW_BUDGET_S / 2):
            changed = True
        if now - self._last_sweep >= 0.5:
            self._last_sweep = now
            changed |= self._sweep(now)
            self._follow()
        if self._edges_dirty:
            full = self.lod == "full"
            if self._movers and not full:
                if self._edges.isVisible():
                    self._edges.setVisible(False)
                    changed = True
            elif self._movers or now - self._last_edges >= (
                EDGES_EVERY_S if full else EDGES_EVERY_BIG_S
            ):
                self._last_edges = now
                self._rebuild_edges()
                self._edges.setVisible(True)
                changed = True
        if now - self._last_status >= 0.25:
            self._last_status = now
            self._update_status()
        if changed:
            self.frames += 1
            self.viewport().update()
        return changed

    def _update_status(self) -> None:
        m = self.model
        live = blocked = hidden = 0
        for g in m.goroutines.values():
            if g.finished:
                continue
            if self.hides(g.name):
                hidden += 1
            else:
                live += 1
                blocked += g.blocked
        t = m.now if self._clock is None else self._clock
        parts = [f"t = {t:.1f} s", f"{live} goroutine{'' if live == 1 else 's'}"]
        if blocked:
            parts.append(f"{blocked} blocked")
        if hidden:
            parts.append(f"{hidden} plumbing hidden")
        if self._anim.skipped:
            parts.append(f"{self._anim.skipped} moves not animated")
        self._legend.set_status("   ·   ".join(parts))

    # -- theme, presenter, overlays -------------------------------------------------------

    def _restyle(self, style: StageStyle) -> None:
        self._style = style
        for table in self._tables():
            for item in table.values():
                item.restyle(style)
        self._anim.restyle(style)
        self._legend.restyle(style)
        self._caption.restyle(style)
        if self._banner.isVisible():
            self._banner.restyle(style)
        self._apply_background()
        # Every item repaints from the model with the new style.
        m = self.model
        for gid, item in self._g_items.items():
            if gid in m.goroutines:
                item.show_view(m.goroutines[gid], m.selects.get(gid), self._shown_name)
        for cid, item in self._c_items.items():
            if cid in m.channels:
                item.show_view(m.channels[cid], self._anim.in_flight(cid), self._chan_fmt(cid))
        # Each kind of item shows its own kind of view.
        name = self._goroutine_name
        for oid, lk_item in self._lock_items.items():
            if oid in m.locks:
                lk_item.show_view(m.locks[oid], name)
        for oid, wg_item in self._wg_items.items():
            if oid in m.waitgroups:
                wg_item.show_view(m.waitgroups[oid], name)
        for oid, cell_item in self._cell_items.items():
            if oid in m.cells:
                cell_item.show_view(m.cells[oid], name)
        for oid, once_item in self._once_items.items():
            if oid in m.onces:
                once_item.show_view(m.onces[oid], name)
        for oid, t_item in self._timer_items.items():
            if oid in m.timers:
                t_item.show_view(m.timers[oid], name)
        for oid, x_item in self._ctx_items.items():
            if oid in m.contexts:
                x_item.show_view(m.contexts[oid], m.now)
        for oid, p_item in self._pattern_items.items():
            if oid in m.patterns:
                p_item.show_view(m.patterns[oid], self._stage_time())
        self._layout_dirty = True
        self._tidy = True
        self._scale = 0.0
        self._place_overlays()
        self._relayout(time.monotonic())
        self.viewport().update()

    def _apply_background(self) -> None:
        self.setBackgroundBrush(QBrush(self._style.background))
        self._scene.setBackgroundBrush(QBrush(self._style.background))

    def _place_overlays(self) -> None:
        vp = self.viewport().geometry()
        lh = self._legend.bar_height()
        self._legend.setGeometry(vp.left(), vp.bottom() - lh + 1, vp.width(), lh)
        self._legend.raise_()
        if self._banner.isVisible():
            margin = 14
            width = min(vp.width() - 2 * margin, 980)
            width = max(200, width)
            self._banner.setFixedWidth(width)
            h = min(self._banner.heightForWidth(width), int(vp.height() * 0.35))
            self._banner.setGeometry(
                vp.left() + (vp.width() - width) // 2, vp.top() + margin, width, h
            )
            self._banner.raise_()
        top = vp.top() + 10
        if self._banner.isVisible():
            top = self._banner.geometry().bottom() + 8
        if self._caption.isVisible():
            cw = max(220, min(int(vp.width() * 0.6), 720))
            self._caption.setFixedWidth(cw)
            ch = self._caption.heightForWidth(cw)
            self._caption.setGeometry(vp.left() + 10, top, cw, max(ch, 20))
            self._caption.raise_()

    # -- Qt events --------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_overlays()
        self._scale = 0.0
        self._layout_dirty = True  # the aspect changed: wrap columns anew
        self._tidy = True
        self._fit()
        self._kick()

    def tooltip_for(self, item) -> str:
        """The tooltip shown for *item*: its tip as literal text (names may hold HTML)."""
        return plain_tooltip(getattr(item, "tip", ""))

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            for item in self.items(event.pos()):
                tip = self.tooltip_for(item)
                if tip:
                    QToolTip.showText(event.globalPos(), tip, self.viewport())
                    return True
            QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event) -> None:
        for item in self.items(event.position().toPoint()):
            if isinstance(item, GoroutineItem):
                self.goroutine_clicked.emit(item.gid)
                event.accept()
                return
        if event.button() == Qt.MouseButton.LeftButton and not self.fits:
            self._drag_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        start = self._drag_from
        if start is None:
            super().mouseMoveEvent(event)
            return
        d = event.position() - start
        self._drag_from = event.position()
        self._pan_by(d.x(), d.y())
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        for item in self.items(event.position().toPoint()):
            if isinstance(item, StageItem):
                self.focus_on(item)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event) -> None:
        if self.fits:
            super().wheelEvent(event)
            return
        d = event.angleDelta()
        self._pan_by(d.x(), d.y())
        event.accept()

    def _pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (*dx*, *dy*) viewport pixels (a drag, the wheel); the
        camera stops following the action for HANDS_OFF_S."""
        s = self._scale or 1.0
        self._camera_anim.stop()
        fx, fy = self._focus or (self._bounds.center().x(), self._bounds.center().y())
        self._focus = (fx - dx / s, fy - dy / s)
        self._hands_off_until = time.monotonic() + HANDS_OFF_S
        self._place_camera()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_F and not event.modifiers():
            self.fit_all()
            event.accept()
            return
        if event.key() == Qt.Key.Key_L and not event.modifiers():
            self.tidy()
            event.accept()
            return
        super().keyPressEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._place_overlays()

    def hideEvent(self, event) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def closeEvent(self, event) -> None:
        self._timer.stop()
        super().closeEvent(event)

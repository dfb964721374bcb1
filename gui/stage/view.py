"""The stage: the animated picture of what the runtime does.

:class:`StageView` is a QGraphicsView that draws a :class:`~core.trace.RunModel`.
The window hands it each batch of trace events (:meth:`StageView.apply_events`,
about 60 times a second, GUI thread); the model turns them into state and a
diff; the view updates only the items the diff names and starts the token
flights it lists. One 16 ms QTimer drives every motion (tokens, layout glides,
pulses) and asks for exactly one viewport repaint per tick; it stops when
nothing moves, so a paused stage costs no CPU.

Performance (see DESIGN.md): ``NoViewportUpdate`` plus one
``viewport().update()`` per tick, ``NoIndex`` scene, items cached in device
coordinates (a moved item is blitted, not repainted), and beyond a few hundred
goroutines a compact level of detail (dots) instead of a slower frame.
"""

from __future__ import annotations

import math
import re
import time
from fnmatch import fnmatchcase

from PySide6.QtCore import (
    QEasingCurve,
    QEvent,
    QLineF,
    QPointF,
    QRect,
    QRectF,
    Qt,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QTransform
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QToolTip, QWidget

from core.trace import RunDiff, RunModel, TraceEvent, Transfer
from gui.stage.channel_item import ChannelItem
from gui.stage.edges import EdgeLayer, curve, polyline
from gui.stage.goroutine_item import GoroutineItem
from gui.stage.items import Point, StageItem
from gui.stage.layout import Node, layered_layout, tree_layout
from gui.stage.overlays import StageBanner, StageCaption, StageLegend, panic_text
from gui.stage.pattern_items import PatternItem, pattern_item
from gui.stage.routing import route
from gui.stage.style import StageStyle
from gui.stage.sync_items import (
    CellItem,
    ContextItem,
    LockItem,
    OnceItem,
    TimerItem,
    WaitGroupItem,
)
from gui.stage.tokens import TokenAnimator
from gui.text import plain_tooltip
from gui.theme import Theme

__all__ = ["DEFAULT_PLUMBING", "StageView"]

# The name the runtime makes up for a context the code did not name (ctx-24).
_GENERATED_CTX = re.compile(r"ctx-\d+")

# Names (fnmatch patterns, on goroutine and object names) of what a learner does
# not need to see: metric samplers and their tickers, pacing timers, the run's
# root context and its Done channel, bookkeeping locks. A lesson's ``plumbing``
# ClassVar adds its own; View > Show plumbing shows everything.
DEFAULT_PLUMBING: tuple[str, ...] = (
    "metrics",
    "metrics tick",
    "metrics tick.C",
    "meter",
    "meter.C",
    "sampler",
    "pace",
    "pace.C",
    "* pace",
    "* pace.C",
    "* interval",
    "* interval.C",
    "lesson.mu",
    "*.root",
    "*.root.Done",
)

# Level of detail by how many goroutines are on stage (with some hysteresis).
FULL_MAX = 36
KEEP_NEW_MAX = 8  # more newcomers at once than this: a fresh layout (a new round)
SMALL_MAX = 240
# Finished goroutines stay this long, then leave (a panicked or leaked one stays).
LINGER_S = 1.2  # runtime seconds a finished goroutine stays (fading) before it leaves
PANIC_LINGER_S = 10.0
LINGER_MAX = 8
# Channels (and timers) idle, empty and unused this long leave the stage.
RETIRE_S = 1.2  # runtime seconds an object nobody uses any more stays
GLIDE_S = 0.4  # layout moves
# Lay out again at most this often (a big stage less often: every layout moves it all).
LAYOUT_EVERY_S = 0.25
LAYOUT_EVERY_BIG_S = 1.0
# Wait lines follow state changes at up to 20 Hz (10 Hz with many goroutines:
# each redraw strokes every line); while a big stage glides they are hidden.
EDGES_EVERY_S = 0.05
ROUTE_BUDGET_S = 0.012  # of one edge rebuild, for detours around items (see _route)
EDGES_EVERY_BIG_S = 0.1
DRAW_BUDGET_S = 0.004  # per tick, for items whose look changed (the rest wait a tick)
REDRAW_BUSY_S = 0.15
FOLLOW_RECENT_S = 1.0  # the camera follows items that changed this recently
HANDS_OFF_S = 8.0  # after the teacher pans or focuses, the camera waits this long
MAX_ZOOM = 1.35
MAX_ZOOM_PRESENTER = 1.9
CANCEL_STEP_S = 0.3  # cancellation travels one level of the context tree in this time
CRAMPED_SCALE = 0.72  # below this zoom full cards are too small to read: try small ones


class StageView(QGraphicsView):
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
        self._scene.setItemIndexMethod(QGraphicsScene.NoIndex)
        self.setScene(self._scene)
        self.setViewportUpdateMode(QGraphicsView.NoViewportUpdate)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setOptimizationFlag(QGraphicsView.DontAdjustForAntialiasing, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.NoFrame)
        self.setTransformationAnchor(QGraphicsView.NoAnchor)
        self.setResizeAnchor(QGraphicsView.NoAnchor)
        self.setMinimumSize(320, 200)
        self.lod = "full"
        # Full cards do not fit the viewport readably: use small ones (see _relayout).
        self._cramped = False
        self._show_contexts = False  # the context tree appears once it says something
        self._g_items: dict[int, GoroutineItem] = {}
        self._c_items: dict[int, ChannelItem] = {}
        self._lock_items: dict[int, LockItem] = {}
        self._wg_items: dict[int, WaitGroupItem] = {}
        self._cell_items: dict[int, CellItem] = {}
        self._once_items: dict[int, OnceItem] = {}
        self._timer_items: dict[int, TimerItem] = {}
        self._ctx_items: dict[int, ContextItem] = {}
        self._pattern_items: dict[int, PatternItem] = {}  # token buckets, breakers
        self._order: dict[tuple[str, int], int] = {}  # creation order of every node
        self._next_order = 0
        self._movers: set[StageItem] = set()
        self._unplaced: set[StageItem] = set()  # created, waiting for the layout to place them
        # Items whose look changed, drawn by the next tick (dict: ordered, no duplicates).
        self._to_draw: dict[StageItem, None] = {}
        self._last_edges = 0.0
        self._edges = EdgeLayer()
        # (from key, to key, drawn shape) of every edge of the last drawing.
        self.edge_ends: list[tuple[tuple, tuple, object]] = []
        self._scene.addItem(self._edges)
        self._anim = TokenAnimator(self._scene, self._style)
        self._layout_dirty = False
        # The next layout places everything anew (a round begins, the view resized,
        # the teacher pressed L); otherwise shown items keep their places.
        self._tidy = True
        self.fresh_layouts = 0  # layouts that placed everything anew (items may move)
        self._shapes: dict[tuple, QPainterPath] = {}  # each edge's last shape, by its ends
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
        self._focus: tuple[float, float] | None = None  # scene point at the centre
        self._hands_off_until = 0.0  # monotonic: the teacher moved the camera
        self._camera_anim = QVariantAnimation(self)
        self._camera_anim.setDuration(450)
        self._camera_anim.setEasingCurve(QEasingCurve.InOutCubic)
        self._camera_anim.valueChanged.connect(self._on_camera_step)
        self._drag_from: QPointF | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self._on_tick)
        self.frames = 0  # ticks that repainted (for the benchmark)
        self._banner = StageBanner(self)
        self._banner.closed.connect(self._refit)
        self._legend = StageLegend(self, self._style)
        self._caption = StageCaption(self)
        self._caption.restyle(self._style)
        self._spot = 0  # the goroutine in the spotlight (0: none)
        self._hidden: tuple[str, ...] = DEFAULT_PLUMBING
        self._hidden_cache: dict[str, bool] = {}  # name -> hidden (fnmatch once per name)
        self._clock: float | None = None  # the runtime clock, as the window reads it
        self._apply_background()

    # -- the window's API -------------------------------------------------------

    def reset(self) -> None:
        """Forget the run: empty stage, no banner."""
        self.model.reset()
        self._anim.clear()
        for table in self._tables():
            for item in table.values():
                self._scene.removeItem(item)
            table.clear()
        self._order.clear()
        self._movers.clear()
        self._unplaced.clear()
        self._to_draw.clear()
        self._tidy = True
        self._edges.set_groups([], QRectF(), 1.0)
        self._bounds = QRectF(0, 0, 800, 450)
        self._scale = 0.0
        self._camera_anim.stop()
        self._focus = None
        self._hands_off_until = 0.0
        self.lod = "full"
        self._cramped = False
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

    def _populate(self, deadlock: str | None = None) -> None:
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
        self._anim.clear()
        for table in self._tables():
            for item in table.values():
                self._scene.removeItem(item)
            table.clear()
        self._order.clear()
        self._movers.clear()
        self._unplaced.clear()
        self._to_draw.clear()
        self._tidy = True
        self._show_contexts = False
        self._populate()
        self.spotlight(spot)
        self._update_status()
        self._kick()

    @property
    def hidden_names(self) -> tuple[str, ...]:
        return self._hidden

    def hides(self, name: str) -> bool:
        """Whether a goroutine or object called *name* is kept off the stage."""
        h = self._hidden_cache.get(name)
        if h is None:
            if len(self._hidden_cache) > 20_000:  # names like "job 12345.C" keep coming
                self._hidden_cache.clear()
            h = self._hidden_cache[name] = any(fnmatchcase(name, p) for p in self._hidden)
        return h

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
    def banner_text(self) -> str:
        return self._banner.text if self._banner.isVisible() else ""

    @property
    def status_text(self) -> str:
        """The status line under the stage ("t = 1.2 s · 4 goroutines · ...")."""
        return self._legend.status

    @property
    def banner_geometry(self):
        """The banner's rectangle in the viewport (a QRect; empty when hidden)."""
        return self._banner.geometry() if self._banner.isVisible() else QRect()

    @property
    def banner_kind(self) -> str:
        return self._banner.kind if self._banner.isVisible() else ""

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

    # -- diff -> items --------------------------------------------------------------

    def _tables(self) -> tuple[dict, ...]:
        return (
            self._g_items,
            self._c_items,
            self._lock_items,
            self._wg_items,
            self._cell_items,
            self._once_items,
            self._timer_items,
            self._ctx_items,
            self._pattern_items,
        )

    def item_tables(self) -> dict[str, dict[int, StageItem]]:
        """The stage's items by the tag of their keys ("g" goroutines, "c" channels,
        "m" locks, "w" WaitGroups, "v" memory cells, "o" Onces, "t" timers, "x" contexts,
        "p" patterns drawn as themselves)."""
        tags = ("g", "c", "m", "w", "v", "o", "t", "x", "p")
        return dict(zip(tags, self._tables(), strict=True))

    def item_name(self, key: tuple[str, int]) -> str:
        """The name the stage shows for the item of *key*."""
        tag, oid = key
        if tag == "g":
            return self._goroutine_name(oid)
        if tag == "c" and (item := self._c_items.get(oid)) is not None and item.label:
            return item.label
        if tag not in ("g", "c"):
            item = self.item_tables()[tag].get(oid)
            if item is not None and item.title:
                return item.title
        return self._obj_name(oid) or str(oid)

    def token_rects(self) -> list[tuple[str, int, QRectF]]:
        """``(text, channel id or 0, scene rect)`` of every value shown: in flight, or
        waiting in a channel's buffer."""
        out = []
        for f in self._anim.flights:
            t = f.token
            if t.isVisible():
                out.append((t.text, f.chan_in, t.sceneBoundingRect()))
        for cid, item in self._c_items.items():
            if not item.isVisible():
                continue
            for text, r in zip(item.values, item.slot_rects(), strict=False):
                out.append((text, cid, r.translated(item.px, item.py)))
        return out

    def _name_of(self, oid: int) -> str:
        g = self.model.goroutines.get(oid)
        if g is not None:
            return g.name
        return self.model.object_name(oid) or str(oid)

    def _obj_name(self, oid: int) -> str:
        return self.model.object_name(oid)

    def _shown_name(self, oid: int) -> str:
        """Object *oid*'s name as the stage draws it (a channel's label: ``ctx.Done()``)."""
        item = self._c_items.get(oid)
        if item is not None and item.label:
            return item.label
        return self._channel_label(oid) or self._obj_name(oid)

    def _case_name(self, cid: int) -> str:
        """A select case's channel as its card names it: a timer's counts down
        ("timeout.C · 0.3 s") while the timer will fire."""
        name = self._shown_name(cid)
        m = self.model
        tid = m.timer_chans.get(cid)
        tm = m.timers.get(tid) if tid is not None else None
        if tm is None or tm.due is None or tm.stopped:
            return name
        return f"{name} · {max(0.0, tm.due - self._stage_time()):.1f} s"

    def _goroutine_name(self, gid: int) -> str:
        item = self._g_items.get(gid)
        if item is not None and item.title:
            return item.title
        g = self.model.goroutines.get(gid)
        return g.name if g is not None else f"goroutine {gid}"

    def _channel_label(self, cid: int) -> str | None:
        """A better name for channel *cid* than its own, or None: a context's Done
        channel reads ``ctx.Done()`` (or ``<name>.Done()`` for a context the lesson
        named), as the Go code says it."""
        m = self.model
        cx = m.contexts.get(m.done_chans.get(cid, 0))
        if cx is None:
            return None
        item = self._ctx_items.get(cx.id)
        if item is not None and item.title:
            return f"{item.title}.Done()"
        return f"{_ctx_base(cx.name)}.Done()"

    def _stage_time(self) -> float:
        """The runtime clock as the stage last heard it: lifecycles (lingering,
        retiring) run on it, so nothing leaves while the run is paused."""
        return self.model.now if self._clock is None else max(self._clock, self.model.now)

    def _add(self, table: dict, key: tuple[str, int], item: StageItem) -> None:
        item.device_scale = self._device_scale
        item.scheduler = self._schedule_draw
        item.clock = self._stage_time
        item.changed_at = self._stage_time()
        table[key[1]] = item
        self._order[key] = self._next_order
        self._next_order += 1
        item.setVisible(False)  # shown once the layout gives it a place
        self._unplaced.add(item)
        self._scene.addItem(item)
        self._layout_dirty = True

    def _schedule_draw(self, item: StageItem) -> None:
        self._to_draw[item] = None
        self._kick()

    def _draw_pending(self, now: float, budget: float) -> bool:
        """Draw items whose look changed, oldest first, for at most *budget* seconds.

        On a crowded stage an item draws at most every REDRAW_BUSY_S (a channel
        whose buffer changes 100 times a second shows its latest state 10 times
        a second: nobody reads faster, and each drawing costs a millisecond).
        """
        if not self._to_draw:
            return False
        end = time.perf_counter() + budget
        gap = 0.0 if self.lod == "full" else REDRAW_BUSY_S
        drew = False
        for item in list(self._to_draw):
            if gap and now - item.rendered_at < gap:
                continue
            del self._to_draw[item]
            item.render()
            drew = True
            if time.perf_counter() > end:
                break
        return drew

    def _remove(self, table: dict, key: tuple[str, int]) -> None:
        item = table.pop(key[1], None)
        if item is not None:
            self._to_draw.pop(item, None)
            self._scene.removeItem(item)
            self._movers.discard(item)
            self._unplaced.discard(item)
            self._order.pop(key, None)
            self._layout_dirty = True

    def _apply_diff(self, d: RunDiff) -> None:
        m = self.model
        now = time.monotonic()
        st = self._style
        for gid in d.removed_goroutines:
            self._remove(self._g_items, ("g", gid))
        for cid in d.removed_channels:
            self._remove(self._c_items, ("c", cid))
        for oid in d.removed_objects:  # freed: no goroutine can reach them any more
            for table, tag in (
                (self._lock_items, "m"),
                (self._wg_items, "w"),
                (self._cell_items, "v"),
                (self._once_items, "o"),
                (self._timer_items, "t"),
                (self._ctx_items, "x"),
            ):
                if oid in table:
                    self._remove(table, (tag, oid))
        # 1. Items for everything new (flights need their anchors).
        for gid in d.goroutines:
            g = m.goroutines.get(gid)
            # A goroutine already done when we first hear of it (or retired) is not
            # drawn again; a panicked or leaked one is: it is the story.
            if (
                gid not in self._g_items
                and g is not None
                and (g.state != "done" or g.leaked)
                and not self.hides(g.name)
            ):
                item = GoroutineItem(st, gid, self.lod)
                item.spotlit = gid == self._spot
                item.hides = self.hides
                item.case_name = self._case_name
                self._add(self._g_items, ("g", gid), item)
                parent = self._g_items.get(m.goroutines[gid].parent)
                if parent is not None and parent not in self._unplaced:
                    # Born where its `go` statement ran; the next layout moves it.
                    item.place(parent.px, parent.py)
                    item.arriving = True
                    item.setVisible(True)
                    self._unplaced.discard(item)
        for cid in d.channels:
            c = m.channels.get(cid)
            if (
                cid not in self._c_items
                and c is not None
                and self._shows_channel(c)
                and not self.hides(c.name)
            ):
                item = ChannelItem(st, cid)
                item.label = self._channel_label(cid)
                self._add(self._c_items, ("c", cid), item)
                tid = m.timer_chans.get(cid)
                if (
                    tid is not None
                    and tid not in self._timer_items
                    and not self.hides(m.object_name(tid))
                ):  # its clock comes too
                    self._add(self._timer_items, ("t", tid), TimerItem(st, tid))
                    d.timers.add(tid)
        for ids, src, table, cls, tag in (
            (d.locks, m.locks, self._lock_items, LockItem, "m"),
            (d.waitgroups, m.waitgroups, self._wg_items, WaitGroupItem, "w"),
            (d.cells, m.cells, self._cell_items, CellItem, "v"),
            (d.onces, m.onces, self._once_items, OnceItem, "o"),
            (d.timers, m.timers, self._timer_items, TimerItem, "t"),
            (d.contexts, m.contexts, self._ctx_items, ContextItem, "x"),
        ):
            if tag == "x" and not self._show_contexts:
                ctxs = m.contexts.values()
                # The run's own root contexts say nothing; a deadline, a cancel or
                # a tree the lesson built does: then the whole tree appears.
                if any(c.deadline is not None or c.cancelled for c in ctxs) or len(ctxs) >= 3:
                    self._show_contexts = True
                    ids = set(m.contexts)
                else:
                    continue
            for oid in ids:
                o = src.get(oid)
                if (
                    oid not in table
                    and o is not None
                    and _in_use(o)
                    and not self.hides(m.object_name(oid))
                ):
                    self._add(table, (tag, oid), cls(st, oid))
        for oid in d.patterns:
            v = m.patterns.get(oid)
            if oid not in self._pattern_items and v is not None and not self.hides(v.name):
                item = pattern_item(st, v)
                if item is not None:
                    self._add(self._pattern_items, ("p", oid), item)
        if d.structure:
            self._layout_dirty = True
        if self._unplaced and len(self._g_items) <= FULL_MAX:
            self._tell_namesakes_apart()  # a new round's namesakes, from their first frame
        self._update_lod()
        if self._unplaced and now - self._last_layout >= self._layout_every():
            self._relayout(now)
        # 2. Flights.
        for tr in d.transfers:
            self._start_transfer(tr, now)
        for oid, what in d.pattern_moments[-8:]:
            item = self._pattern_items.get(oid)
            color = {
                "refused": st.danger,
                "opened": st.danger,
                "full": st.warning,
                "closed": st.ok,
            }.get(what)
            if item is not None and item.isVisible() and color is not None:
                self._anim.pulse(item.focus_point, color, now, radius=44 * st.k, duration=0.6)
        for cell_id, _g in d.lost_updates[:8]:
            item = self._cell_items.get(cell_id)
            if item is not None and item.isVisible():
                self._anim.pulse(item.center, st.danger, now, radius=90 * st.k, duration=0.8)
        # 3. What each changed item shows.
        resized = False
        for gid in d.goroutines:
            item = self._g_items.get(gid)
            g = m.goroutines.get(gid)
            if item is None or g is None:
                continue
            resized |= item.show_view(g, m.selects.get(gid), self._shown_name)
            if g.finished and not g.leaked and item.finished_at is None:
                # A panicked goroutine stays longer: it is the story.
                extra = PANIC_LINGER_S - LINGER_S if g.state == "panicked" else 0
                item.finished_at = self._stage_time() + extra
        for cid in d.channels:
            item = self._c_items.get(cid)
            c = m.channels.get(cid)
            if item is not None and c is not None:
                resized |= item.show_view(c, self._anim.in_flight(cid), self._chan_fmt(cid))
        for oid in d.locks:
            if oid in self._lock_items:
                self._lock_items[oid].show_view(m.locks[oid], self._goroutine_name)
        for oid in d.waitgroups:
            if oid in self._wg_items:
                self._wg_items[oid].show_view(m.waitgroups[oid], self._goroutine_name)
        for oid in d.cells:
            if oid in self._cell_items:
                self._cell_items[oid].show_view(m.cells[oid], self._goroutine_name)
        for oid in d.patterns:
            if oid in self._pattern_items:
                self._pattern_items[oid].show_view(m.patterns[oid], self._stage_time())
        for oid in d.onces:
            if oid in self._once_items:
                self._once_items[oid].show_view(m.onces[oid], self._goroutine_name)
        for oid in d.timers:
            if oid in self._timer_items:
                self._timer_items[oid].show_view(m.timers[oid], self._goroutine_name)
        for oid in d.contexts:
            item = self._ctx_items.get(oid)
            if item is not None:
                cx = m.contexts[oid]
                if cx.cancelled and not any(
                    t.kind == "cancel" and t.obj == oid for t in d.transfers
                ):
                    item.cancel_shown = True  # cancelled without a flight (already spread)
                item.show_view(cx, m.now)
        if resized:
            self._layout_dirty = True  # a grown card covering its neighbour: a fresh layout
        # 4. Banners in Go's words.
        for gid, text in d.panics:
            banner = panic_text(text, gid, self._goroutine_name(gid), self.panic_ends_program)
            self.show_banner(banner, "panic")
        if d.deadlock:
            self.show_banner(d.deadlock, "deadlock")
        self._edges_dirty = True
        self._kick()

    def _chan_fmt(self, cid: int):
        return _short_time if cid in self.model.timer_chans else None

    def _shows_channel(self, c) -> bool:
        """Channels appear on first use. A timer's channel (time.After, a pacing
        Ticker) that one goroutine reads is not drawn: that goroutine names it
        (status line, select card) and the timer firing pulses it. A Ticker
        shared by several goroutines is drawn, with its clock."""
        tid = self.model.timer_chans.get(c.id)
        if tid is not None:
            tm = self.model.timers.get(tid)
            if tm is None or tm.kind != "Ticker" or len(c.readers | set(c.selectors)) < 2:
                return False
        return bool(
            c.writers
            or c.readers
            or c.selectors
            or c.senders
            or c.receivers
            or c.buffer
            or c.closed
        )

    def _layout_every(self) -> float:
        return LAYOUT_EVERY_S if len(self._g_items) < 300 else LAYOUT_EVERY_BIG_S

    def _update_lod(self) -> None:
        n = len(self._g_items)
        lod = self.lod
        if lod == "full" and n > FULL_MAX:
            lod = "small" if n <= SMALL_MAX else "dot"
        elif lod == "small" and (n > SMALL_MAX or n < FULL_MAX - 6):
            lod = "dot" if n > SMALL_MAX else "full"
        elif lod == "dot" and n < SMALL_MAX - 30:
            lod = "full" if n <= FULL_MAX else "small"
        if lod == "full" and self._cramped:
            lod = "small"
        elif lod == "small" and not self._cramped and n <= FULL_MAX:
            lod = "full"
        if lod != self.lod:
            self.lod = lod
            m = self.model
            for gid, item in self._g_items.items():
                item.set_lod(lod)
                g = m.goroutines.get(gid)
                if g is not None:
                    item.show_view(g, m.selects.get(gid), self._shown_name)
            self._layout_dirty = True
            self._tidy = True

    # -- flights ----------------------------------------------------------------------

    def _start_transfer(self, tr: Transfer, now: float) -> None:
        st = self._style
        anim = self._anim
        kind = tr.kind
        if kind in ("to_slot", "from_slot", "handoff", "closed"):
            c = self._c_items.get(tr.chan)
            if c is None:
                return
            src = self._g_items.get(tr.src)
            dst = self._g_items.get(tr.dst)
            if kind == "to_slot":
                start = src.hand_out if src is not None else None
                if start is None:  # the runtime sent it: a timer firing into its channel
                    tm = self._timer_items.get(self.model.timer_chans.get(tr.chan, 0))
                    if tm is None or not tm.isVisible():
                        return
                    start = tm.right_mid
                slot = tr.slot
                cid = tr.chan
                anim.fly(
                    "value",
                    _short_time(tr.value) if src is None else tr.value,
                    [start, c.mouth_in, lambda c=c, slot=slot: c.slot_point(slot)],
                    now,
                    chan_in=cid,
                    legs=1.4,
                    lane=cid,
                    on_land=lambda cid=cid: self._refresh_channel(cid),
                )
            elif kind == "from_slot":
                if dst is None:
                    return
                text = _short_time(tr.value) if tr.chan in self.model.timer_chans else tr.value
                anim.fly(
                    "value",
                    text,
                    [lambda c=c: c.slot_point(0), c.mouth_out, dst.hand_in],
                    now,
                    after_chan=tr.chan,
                    legs=1.4,
                    lane=-tr.chan,
                )
            elif kind == "handoff":
                a = src.hand_out if src is not None else c.mouth_in
                b = dst.hand_in if dst is not None else c.mouth_out
                anim.fly(
                    "value",
                    tr.value,
                    [a, c.mouth_in, c.center_point, c.mouth_out, b],
                    now,
                    legs=1.8,
                    lane=tr.chan,
                )
            else:  # closed: the close reaches a receiver
                if dst is None:
                    return
                anim.fly("closed", "closed", [c.mouth_out, dst.hand_in], now, legs=1.2)
                anim.pulse(c.center_point, st.danger, now, radius=70 * st.k)
        elif kind == "release":
            wg = self._wg_items.get(tr.obj)
            dst = self._g_items.get(tr.dst)
            if wg is not None and dst is not None:
                anim.fly("signal", "", [wg.right_mid, dst.hand_in], now)
                anim.pulse(wg.center, st.ok, now, radius=60 * st.k)
        elif kind == "fire":
            tm = self._timer_items.get(tr.obj)
            if tm is not None and tm.isVisible():
                anim.pulse(tm.icon_center, st.accent, now, radius=50 * st.k, duration=0.5)
                return
            # A one-shot timer (not drawn): its firing reaches whoever waits on it.
            tv = self.model.timers.get(tr.obj)
            c = self.model.channels.get(tv.chan) if tv is not None else None
            if c is not None:
                for gid in (*c.receivers, *c.selectors)[:20]:
                    g_item = self._g_items.get(gid)
                    if g_item is not None and g_item.isVisible():
                        anim.pulse(
                            g_item.center,
                            _alpha(st.accent, 0.5),
                            now,
                            radius=30 * st.k,
                            duration=0.35,
                        )
        elif kind == "cancel":
            self._start_cancel(tr, now)

    def _start_cancel(self, tr: Transfer, now: float) -> None:
        item = self._ctx_items.get(tr.obj)
        if item is None:
            return
        cx = self.model.contexts.get(tr.obj)
        parent = self._ctx_items.get(cx.parent) if cx is not None else None
        oid = tr.obj

        def reveal() -> None:
            item.cancel_shown = True
            cxv = self.model.contexts.get(oid)
            if cxv is not None:
                item.show_view(cxv, self.model.now)
            self._anim.pulse(
                item.center, self._style.danger, time.monotonic(), radius=60 * self._style.k
            )
            self._edges_dirty = True

        if tr.depth == 0 or parent is None:
            reveal()
            return
        # The cancellation travels down the tree one level per CANCEL_STEP_S.
        self._anim.fly(
            "cancel",
            "",
            [parent.bottom_mid, item.top_mid],
            now,
            delay=(tr.depth - 1) * CANCEL_STEP_S,
            on_land=reveal,
            legs=CANCEL_STEP_S / self._anim.leg,
        )

    def _refresh_channel(self, cid: int) -> None:
        item = self._c_items.get(cid)
        c = self.model.channels.get(cid)
        if item is not None and c is not None:
            item.show_view(c, self._anim.in_flight(cid), self._chan_fmt(cid))

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
        if self._layout_dirty and now - self._last_layout >= self._layout_every():
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

    def _sweep(self, wall: float) -> bool:
        """Retire finished goroutines that lingered, channels, locks, WaitGroups,
        memory and contexts that a finished round left; refresh deadline countdowns.

        Ages are runtime seconds (:meth:`_stage_time`): a paused run keeps its picture.
        Invariant after a sweep: no two shown goroutines, or two shown objects of one
        kind, share a name unless both are still in use.
        """
        now = self._stage_time()
        changed = self._retire_idle(now)
        changed |= self._retire_duplicates()
        changed |= self._tell_namesakes_apart()
        done = sorted(
            (i.finished_at, gid) for gid, i in self._g_items.items() if i.finished_at is not None
        )
        # Each stays LINGER_S; of a crowd finishing together, only the last few;
        # of finished goroutines with one name (a lesson's rounds), only the latest.
        latest = {self._goroutine_name(gid): t for t, gid in done}
        old = [
            gid
            for k, (t, gid) in enumerate(done)
            if now - t >= LINGER_S
            or k < len(done) - LINGER_MAX
            or t < latest[self._goroutine_name(gid)]
        ]
        for gid in old:
            self._remove(self._g_items, ("g", gid))
            changed = True
        if old:
            self._update_lod()
        m = self.model
        for oid, item in self._ctx_items.items():
            cx = m.contexts.get(oid)
            if cx is not None and cx.deadline is not None:
                item.show_view(cx, m.now)
                changed = True
        return changed

    def _retire_idle(self, now: float) -> bool:
        m = self.model
        gone = False
        for cid, item in list(self._c_items.items()):
            c = m.channels.get(cid)
            if c is None:
                self._remove(self._c_items, ("c", cid))
                gone = True
                continue
            if c.senders or c.receivers or c.selectors:
                continue
            if now - item.changed_at < RETIRE_S:
                continue
            # Closed and drained is over whoever still holds it; otherwise it stays
            # while a live goroutine may use it or a value waits in it.
            over = c.closed and not c.buffer
            if over or (not self._has_live(c) and not c.buffer):
                self._remove(self._c_items, ("c", cid))
                gone = True
        # Locks, WaitGroups, memory of finished goroutines (a round that is over).
        for tag, table, src in (
            ("m", self._lock_items, m.locks),
            ("w", self._wg_items, m.waitgroups),
            ("v", self._cell_items, m.cells),
            ("p", self._pattern_items, m.patterns),
        ):
            for oid, item in list(table.items()):
                if now - item.changed_at < RETIRE_S:
                    continue
                o = src.get(oid)
                if o is None:
                    busy = False
                elif tag == "m":  # a lock nobody holds, wants or will use again
                    busy = bool(o.waiters) or o.held or self._used_by_live(o.users)
                elif tag == "w":  # a WaitGroup nobody waits on (bookkeeping, or a round over)
                    busy = bool(o.waiters) or self._used_by_live(o.users)
                elif tag == "p":  # a pattern that says it is over (an errgroup waited for)
                    busy = not o.state.get("over") and self._used_by_live(o.users)
                else:
                    busy = self._used_by_live(o.users)
                if not busy:
                    self._remove(table, (tag, oid))
                    gone = True
        # Contexts a finished round cancelled (with all they hold below them).
        for oid in list(self._ctx_items):
            cx = m.contexts.get(oid)
            if cx is None or (
                cx.cancelled
                and now - (cx.cancelled_t or 0.0) >= RETIRE_S
                and not any(
                    (c := m.contexts.get(k)) is not None and not c.cancelled
                    for k in self._ctx_subtree(oid)
                )
            ):
                self._remove(self._ctx_items, ("x", oid))
                gone = True
        return gone

    def _used_by_live(self, users) -> bool:
        gs = self.model.goroutines
        return any(g in gs and not gs[g].finished for g in users)

    def _ctx_subtree(self, oid: int) -> list[int]:
        m = self.model
        out, todo = [], list(m.contexts[oid].children) if oid in m.contexts else []
        while todo:
            k = todo.pop()
            out.append(k)
            c = m.contexts.get(k)
            if c is not None:
                todo.extend(c.children)
        return out

    def _retire_duplicates(self) -> bool:
        """Of shown items of one kind sharing a name, those no longer in use leave as
        soon as a newer one is there (a lesson's new round): one ``chan jobs``."""
        m = self.model
        gone = False
        for tag, table in self.item_tables().items():
            if len(table) < 2:
                continue
            by_name: dict[str, list[int]] = {}
            for oid in table:
                by_name.setdefault(self.item_name((tag, oid)), []).append(oid)
            for oids in by_name.values():
                if len(oids) < 2:
                    continue
                newest = max(oids, key=lambda o: self._order.get((tag, o), 0))
                for oid in oids:
                    if oid != newest and self._replaced(tag, oid, m):
                        self._remove(table, (tag, oid))
                        gone = True
        return gone

    def _tell_namesakes_apart(self) -> bool:
        """Shown items of one kind that share a name and all stay (a leaked goroutine
        beside its successor, a live channel of the previous round): the newest keeps
        the name, the older ones say what they are ("dumper (leaked)", "jobs
        (earlier)"), numbered if that is not enough. Contexts read "ctx", "ctx #2" in
        the order they were made. Invariant after it: no two shown items of one kind
        draw one name."""
        m = self.model
        changed = False
        seen: dict[str, int] = {}
        for oid in sorted(self._ctx_items, key=lambda o: self._order.get(("x", o), 0)):
            cx = m.contexts.get(oid)
            if cx is None:
                continue
            base = _ctx_base(cx.name)
            n = seen[base] = seen.get(base, 0) + 1
            changed |= self._retitle("x", oid, base if n == 1 else f"{base} #{n}")
        for tag, table in self.item_tables().items():
            if tag == "x":
                continue
            by_name: dict[str, list[int]] = {}
            for oid in table:
                by_name.setdefault(self._own_name(tag, oid), []).append(oid)
            for base, oids in by_name.items():
                oids.sort(key=lambda o: self._order.get((tag, o), 0))
                changed |= self._retitle(tag, oids[-1], None)
                taken = {base}
                for oid in oids[:-1]:
                    g = m.goroutines.get(oid) if tag == "g" else None
                    why = "earlier"
                    if g is not None and g.leaked:
                        why = "leaked"
                    elif g is not None and g.state == "panicked":
                        why = "panicked"
                    title, n = f"{base} ({why})", 2
                    while title in taken:
                        title, n = f"{base} ({why} #{n})", n + 1
                    taken.add(title)
                    changed |= self._retitle(tag, oid, title)
        return changed

    def _own_name(self, tag: str, oid: int) -> str:
        """The name item (*tag*, *oid*) has before namesakes are told apart."""
        m = self.model
        if tag == "g":
            g = m.goroutines.get(oid)
            return g.name if g is not None else f"goroutine {oid}"
        if tag == "c":
            c = m.channels.get(oid)
            return self._channel_label(oid) or (c.name if c is not None else "")
        return self._obj_name(oid)

    def _retitle(self, tag: str, oid: int, title: str | None) -> bool:
        """Draw item (*tag*, *oid*) as *title* (None: its own name) and redraw it;
        True if that changed anything."""
        m = self.model
        if tag == "c":  # a channel's label also names a context's Done channel
            item = self._c_items[oid]
            label = title or self._channel_label(oid)
            if item.label == label:
                return False
            item.label = label
            if (c := m.channels.get(oid)) is not None:
                item.show_view(c, self._anim.in_flight(oid), self._chan_fmt(oid))
            return True
        item = self.item_tables()[tag][oid]
        title = title if tag == "g" else title or ""
        if item.title == title:
            return False
        item.title = title
        if tag == "g":
            if (g := m.goroutines.get(oid)) is not None:
                item.show_view(g, m.selects.get(oid), self._shown_name)
        elif tag == "x":
            if (cx := m.contexts.get(oid)) is not None:
                item.show_view(cx, m.now)
        elif tag == "p":
            if (v := m.patterns.get(oid)) is not None:
                item.show_view(v, self._stage_time())
        else:
            src = {"m": m.locks, "w": m.waitgroups, "v": m.cells, "o": m.onces, "t": m.timers}
            if (o := src[tag].get(oid)) is not None:
                item.show_view(o, self._goroutine_name)
        return True

    def _replaced(self, tag: str, oid: int, m: RunModel) -> bool:
        """An older item with a newer namesake leaves when it is over, or when it
        has stood idle RETIRE_S and nobody is parked on it or holds it."""
        if self._finished(tag, oid, m):
            return True
        item = self.item_tables()[tag].get(oid)
        if item is None or self._stage_time() - item.changed_at < RETIRE_S:
            return False
        if tag == "c":
            c = m.channels.get(oid)
            return c is None or not (c.senders or c.receivers or c.selectors or c.buffer)
        if tag in ("m", "w"):
            o = (m.locks if tag == "m" else m.waitgroups).get(oid)
            return o is None or not (o.waiters or getattr(o, "held", False))
        return tag == "v"

    def _finished(self, tag: str, oid: int, m: RunModel) -> bool:
        """The item of (*tag*, *oid*) shows something over: nobody uses it again."""
        if tag == "g":
            g = m.goroutines.get(oid)
            return g is None or (g.finished and g.state != "panicked")
        if tag == "c":
            c = m.channels.get(oid)
            return c is None or (
                not (c.senders or c.receivers or c.selectors) and not self._has_live(c)
            )
        if tag == "x":
            cx = m.contexts.get(oid)
            return cx is None or cx.cancelled
        src = {"m": m.locks, "w": m.waitgroups, "v": m.cells}.get(tag)
        if src is None:
            return False
        o = src.get(oid)
        if o is None:
            return True
        if getattr(o, "waiters", None) or getattr(o, "held", False):
            return False
        return not self._used_by_live(o.users)

    def _has_live(self, c) -> bool:
        gs = self.model.goroutines
        return any(g in gs and not gs[g].finished for g in (*c.writers, *c.readers))

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

    # -- layout -----------------------------------------------------------------------

    def _relayout(self, now: float, again: bool = True) -> None:
        self._layout_dirty = False
        self._last_layout = now
        m = self.model
        st = self._style
        k = st.k
        nodes: list[Node] = []
        items: dict[tuple[str, int], StageItem] = {}
        # The flow: goroutines, channels and shared tickers, left to right.
        for tag, table in (("g", self._g_items), ("c", self._c_items), ("t", self._timer_items)):
            for oid, item in table.items():
                key = (tag, oid)
                items[key] = item
                nodes.append(Node(key, item.w, item.h, self._order.get(key, 0)))
        edges: list[tuple[tuple[str, int], tuple[str, int]]] = []
        for cid, c in m.channels.items():
            if cid not in self._c_items:
                continue
            ck = ("c", cid)
            edges.extend((("g", g), ck) for g in c.writers)
            edges.extend((ck, ("g", g)) for g in c.readers)
            edges.extend((ck, ("g", g)) for g in c.selectors)
        for tid in self._timer_items:
            tm = m.timers.get(tid)
            if tm is not None and tm.chan:
                edges.append((("t", tid), ("c", tm.chan)))  # a timer feeds its channel
        if self.lod == "dot":
            col_gap, row_gap = 60.0, 4.0
        elif self.lod == "small":
            col_gap, row_gap = 90 * k, 10 * k
        else:
            col_gap, row_gap = 96 * k, 14 * k
        vw = max(self.viewport().width(), 320)
        vh = max(self.viewport().height() - self._legend.bar_height(), 200)
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
        ]
        has_band = bool(shelf or self._ctx_items)
        band_h = (
            (max((i.h for *_, i in shelf), default=0.0) + 40 * k if shelf else 0.0)
            + (self._ctx_tree_height() if self._ctx_items else 0.0)
            + (60 * k if has_band else 0.0)
        )
        aspect = vw / max(vh - band_h * 0.5, 100)
        pos, (fw, fh) = layered_layout(
            nodes, edges, col_gap=col_gap, row_gap=row_gap, aspect=aspect
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
                alt, edges, col_gap=col_gap, row_gap=row_gap, aspect=aspect
            )
            here = min(vw / max(fw, 1), vh / max(fh + band_h, 1))
            there = min(vw / max(aw, 1), vh / max(ah + band_h, 1))
            if other == "small":
                cramped = here < CRAMPED_SCALE and there > here * 1.25
            else:  # back to full cards only when they read well (hysteresis)
                cramped = there < CRAMPED_SCALE * 1.15
            if cramped != self._cramped and again:
                self._cramped = cramped
                self._update_lod()
                self._relayout(now, again=False)
                return
        gap = 44 * k if nodes else 0.0
        y = fh + gap
        # The shelf below the flow: locks, WaitGroups, shared memory, each under
        # the goroutines that use it (mean x of its users), wrapping into rows.
        users_of = {"m": m.locks, "w": m.waitgroups, "v": m.cells, "p": m.patterns}
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
            below = (self._ctx_tree_height() if self._ctx_items else 0.0) + 40 * k

            def scale_at(rows: int) -> float:
                w = max(fw, widest, total / rows)
                h = y + rows * row_h + (rows - 1) * sgap + below
                return min(vw / w, vh / h)

            rows = max(range(1, min(4, len(shelf_keys)) + 1), key=lambda r: (scale_at(r), -r))
            limit = max(fw, widest, total / rows) * 1.05
            # Split (in order) into rows no wider than the limit; in each row every
            # item goes under its users, pushed right by its neighbours, then the
            # row moves left as far as it overflows the limit.
            rows_of: list[list] = [[]]
            used = -sgap
            for entry in shelf_keys:
                w = entry[3].w
                if rows_of[-1] and used + sgap + w > limit:
                    rows_of.append([])
                    used = -sgap
                rows_of[-1].append(entry)
                used += sgap + w
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
        if self._ctx_items:
            cnodes = [
                Node(("x", oid), i.w, i.h, self._order.get(("x", oid), 0))
                for oid, i in self._ctx_items.items()
            ]
            parents = {
                ("x", oid): ("x", m.contexts[oid].parent)
                for oid in self._ctx_items
                if oid in m.contexts
            }
            cpos, (bw, bh) = tree_layout(cnodes, parents, h_gap=20 * k, v_gap=36 * k)
            for key, (x, cy) in cpos.items():
                pos[key] = (x, y + cy)
                items[key] = self._ctx_items[key[1]]
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
        kept = None if self._tidy else self._keep_places(targets, items, width * height)
        self._tidy = False
        if kept is None:
            self.fresh_layouts += 1
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
        self, targets: dict, items: dict, tidy_area: float
    ) -> dict[tuple, tuple[float, float]] | None:
        """*targets* (a fresh layout) with every shown item kept where it is and each
        newcomer put in the free place nearest to where the fresh layout wants it;
        None when a fresh layout is due instead: a new round (most items new), a
        crowd arriving at once, a card grown over its neighbour, or no free place
        near enough. Existing nodes never move between two Step presses.
        """
        fresh = {k for k in targets if items[k] in self._unplaced or items[k].arriving}
        new = [k for k in targets if k in fresh]
        old = [k for k in targets if k not in fresh]
        if len(new) > KEEP_NEW_MAX or len(old) < len(targets) / 2:
            return None
        kept = {k: _destination(items[k]) for k in old}
        # The fresh layout's frame, moved onto the shown one.
        dx = sum(kept[k][0] - targets[k][0] for k in old) / len(old)
        dy = sum(kept[k][1] - targets[k][1] for k in old) / len(old)
        gap = 14 * self._style.k
        placed = [(*kept[k], items[k].w, items[k].h) for k in old]
        for a in range(len(placed)):
            if any(_overlap(placed[a], placed[b], 0.0) for b in range(a + 1, len(placed))):
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
        if (x1 - x0) * (y1 - y0) > 2.0 * max(tidy_area, 1.0):
            return None  # sprawling: a fresh layout reads better
        return kept

    def _ctx_tree_height(self) -> float:
        k = self._style.k
        m = self.model
        depth = max((m.context_depth(oid) for oid in self._ctx_items), default=0)
        h = max(i.h for i in self._ctx_items.values())
        return (depth + 1) * (h + 36 * k)

    def _fit(self) -> None:
        """Scale the scene to the viewport, never below the legible zoom (see the camera).

        In "follow" mode (the default) text never shrinks below the style's legible
        size: a picture larger than the viewport is panned, following the action
        (or the teacher's drag). In "fit" mode (F) the whole picture is shown.
        """
        vw, vh = self._drawing_area()
        b = self._bounds
        if vw <= 0 or vh <= 0 or b.width() <= 0 or b.height() <= 0:
            return
        zmax = MAX_ZOOM_PRESENTER if self._presenter else MAX_ZOOM
        fit = min(vw / b.width(), vh / b.height(), zmax)
        scale = fit if self._camera == "fit" else min(max(fit, self._style.legible_scale), zmax)
        # Rescaling re-renders every cached item once: only when the drawing no
        # longer fits, or when it could grow by a good step.
        if not self._scale or scale < self._scale * 0.995 or scale > self._scale * 1.12:
            self._scale = scale
            self.setTransform(QTransform.fromScale(scale, scale))
            self._set_device_scale(scale * self.viewport().devicePixelRatioF())
        self._place_camera()

    def _drawing_area(self) -> tuple[int, int]:
        """The viewport's size between the banner (a panic, a deadlock) and the legend."""
        vp = self.viewport()
        banner_h = self._banner.height() + 14 if self._banner.isVisible() else 0
        return vp.width(), vp.height() - self._legend.bar_height() - banner_h

    @property
    def fits(self) -> bool:
        """The whole picture is on screen at the current zoom."""
        vw, vh = self._drawing_area()
        s = self._scale or 1.0
        return self._bounds.width() * s <= vw + 1 and self._bounds.height() * s <= vh + 1

    def _place_camera(self) -> None:
        vp = self.viewport()
        s = self._scale
        if not s:
            return
        b = self._bounds
        banner_h = self._banner.height() + 14 if self._banner.isVisible() else 0
        legend_h = self._legend.bar_height()
        # The centre of the drawing area, in the viewport, sits this far below the
        # viewport's centre (scene units).
        dy = (banner_h - legend_h) / s / 2
        w, h = vp.width() / s, vp.height() / s
        if self.fits:
            self._focus = None
            cx, cy = b.center().x(), b.center().y() - dy
            self.setSceneRect(QRectF(cx - w / 2, cy - h / 2, w, h))
            self.centerOn(cx, cy)
            return
        # Larger than the viewport: the scene rect is the drawing (plus room for the
        # banner and the legend), and the camera looks at the focus.
        pad_top, pad_bottom = banner_h / s, legend_h / s
        rect = QRectF(b.x(), b.y() - pad_top, b.width(), b.height() + pad_top + pad_bottom)
        rect = rect.united(QRectF(rect.center().x() - w / 2, rect.center().y() - h / 2, w, h))
        self.setSceneRect(rect)
        if self._focus is None:
            self._focus = self._snap(self._action_point() or (b.center().x(), b.center().y()))
        fx, fy = self._focus
        self.centerOn(fx, fy - dy)

    def _action_point(self) -> tuple[float, float] | None:
        """Where the picture changed last (the centre of the items that changed in the
        last second), or None when nothing did."""
        now = time.monotonic()
        pts = [
            item.center()
            for table in (self._g_items, self._c_items)
            for item in table.values()
            if now - item.changed_at < FOLLOW_RECENT_S and item not in self._unplaced
        ]
        if not pts:
            return None
        return (sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts))

    def _follow(self) -> None:
        """Glide the camera to the action when it is off-centre (a picture that does
        not fit only), unless the teacher moved the camera a moment ago."""
        if self.fits or self._camera == "fit" or time.monotonic() < self._hands_off_until:
            return
        target = self._action_point()
        if target is None:
            return
        vw, vh = self._drawing_area()
        s = self._scale or 1.0
        cx, cy = self._focus or target
        # Inside the middle of the view: no move (a camera that chases every
        # change makes a room seasick).
        if abs(target[0] - cx) * s < vw * 0.3 and abs(target[1] - cy) * s < vh * 0.3:
            return
        self._glide_camera(target)

    def _snap(self, target: tuple[float, float]) -> tuple[float, float]:
        """*target* moved a little (at most a third of the view) so that the view's
        edges cut as few items as they can: a name cut in half is not read."""
        s = self._scale or 1.0
        vw, vh = self._drawing_area()
        half = (vw / s / 2, vh / s / 2)
        b = self._bounds
        lo_hi = ((b.left(), b.right()), (b.top(), b.bottom()))
        rects = [
            ((i.px, i.px + i.w), (i.py, i.py + i.h))
            for table in self._tables()
            for i in table.values()
            if i.isVisible() and i not in self._unplaced
        ]
        out = list(target)
        m = 12.0  # room left between an item and the edge
        for axis in (0, 1):
            h = half[axis]
            lo, hi = lo_hi[axis]
            if hi - lo <= 2 * h:
                continue  # this way it fits: the camera centres it

            def cut(c: float, axis=axis, h=h) -> int:
                a, z = c - h, c + h
                return sum(r0 < a < r1 or r0 < z < r1 for r0, r1 in (r[axis] for r in rects))

            t = min(max(target[axis], lo + h), hi - h)  # the view stays on the drawing
            options = [t]
            for r in rects:
                r0, r1 = r[axis]
                # The item's start just inside the near edge, or its end the far one.
                options += [r0 - m + h, r1 + m - h]
            options = [min(max(c, lo + h), hi - h) for c in options if abs(c - t) <= h * 2 / 3]
            out[axis] = min(options, key=lambda c: (cut(c), abs(c - t)))
        return out[0], out[1]

    def _glide_camera(self, target: tuple[float, float]) -> None:
        target = self._snap(target)
        anim = self._camera_anim
        anim.stop()
        start = self._focus or (self._bounds.center().x(), self._bounds.center().y())
        anim.setStartValue(QPointF(*start))
        anim.setEndValue(QPointF(*target))
        anim.start()

    def _on_camera_step(self, p: QPointF) -> None:
        self._focus = (p.x(), p.y())
        self._place_camera()
        self._edges_dirty = True
        self.viewport().update()

    def fit_all(self, on: bool | None = None) -> None:
        """F: show the whole picture (text may get small); again: back to following."""
        on = self._camera != "fit" if on is None else on
        self._camera = "fit" if on else "follow"
        self._hands_off_until = 0.0
        self._scale = 0.0
        self._fit()
        self.camera_changed.emit(self._camera)

    @property
    def camera(self) -> str:
        """ "follow" (legible, panned to the action) or "fit" (the whole picture)."""
        return self._camera

    def focus_on(self, item: StageItem) -> None:
        """Centre the camera on *item* at a legible zoom, and keep it there a while."""
        if self._camera == "fit":
            self._camera = "follow"
            self._scale = 0.0
            self._fit()
            self.camera_changed.emit(self._camera)
        self._hands_off_until = time.monotonic() + HANDS_OFF_S
        if not self.fits:
            self._glide_camera(item.center())

    def _set_device_scale(self, scale: float) -> None:
        """Items draw themselves at device resolution: a new zoom redraws them once."""
        for table in self._tables():
            for item in table.values():
                item.set_device_scale(scale)
        self._device_scale = scale
        self._anim.restyle(self._style, scale)
        self._edges_dirty = True

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
                    c = ci.get(cid)
                    if c is not None:
                        ka, kb, a, b = ("c", cid), ("g", gid), c.mouth_out(), item.hand_in()
                        if a[0] > b[0]:  # the channel is right of the goroutine
                            ka, kb, a, b = kb, ka, item.hand_out(), c.mouth_in()
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
                    for gid in o.users:
                        g_item = gi.get(gid)
                        if g_item is not None and (gid, oid) not in waits:
                            add(
                                "uses", ("g", gid), (tag, oid), g_item.hand_out(), o_item.left_mid()
                            )
        for tid, t_item in self._timer_items.items():
            tm = m.timers.get(tid)
            c_item = ci.get(tm.chan) if tm is not None else None
            if c_item is not None:
                add("timer", ("t", tid), ("c", tm.chan), t_item.right_mid(), c_item.mouth_in())
        self._route(pending, dots, curves, lines, ends)
        ctx_curves: dict[str, list[QPainterPath]] = {}
        for oid, item in self._ctx_items.items():
            cx = m.contexts.get(oid)
            parent = self._ctx_items.get(cx.parent) if cx is not None else None
            if parent is None:
                continue
            (ax, ay), (bx, by) = parent.bottom_mid(), item.top_mid()
            my = (ay + by) / 2
            path = QPainterPath()
            path.moveTo(ax, ay)
            path.cubicTo(ax, my, bx, my, bx, by)
            ctx_curves.setdefault("ctx_cancelled" if item.cancel_shown else "ctx", []).append(path)
            ends.append((("x", cx.parent), ("x", oid), path))
        thin = 1.2 if dots else 0.0
        pens = {
            "uses": st.pen(_alpha(st.muted, 0.45), 1.6 * st.pen_k),
            "timer": st.pen(_alpha(st.accent, 0.7), 1.6 * st.pen_k, Qt.DashLine),
            "blocked_send": st.pen(st.states["blocked_send"], thin or w),
            "blocked_recv": st.pen(st.states["blocked_recv"], thin or w),
            "select": st.pen(st.states["blocked_select"], thin or w, Qt.DashLine),
            "signal": st.pen(_alpha(st.states["blocked_select"], 0.45), 1.4 * st.pen_k, Qt.DotLine),
            "blocked_lock": st.pen(st.states["blocked_lock"], thin or w, Qt.DashLine),
            "blocked_waitgroup": st.pen(st.states["blocked_waitgroup"], thin or w, Qt.DashLine),
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
        placed = {
            key: (item.px, item.py, item.w, item.h)
            for key, item in self._keyed_items()
            if item not in self._unplaced and item.isVisible()
        }
        # Detours wait until the items stand still (a gliding picture would search
        # anew each frame), and take at most ROUTE_BUDGET_S of a frame: the edges
        # left over keep their curve and are routed by the next rebuild (each
        # detour found is cached, so every rebuild gets further).
        # Meanwhile an edge whose ends stay put keeps the shape it had (no flicker
        # between detour and curve while a newcomer glides in).
        routing = not dots and not self._movers
        deadline = time.perf_counter() + ROUTE_BUDGET_S
        before, self._shapes = self._shapes, {}
        for name, ka, kb, a, b in pending:
            if dots:  # hundreds of lines: straight and cheap
                shape = QLineF(*a, *b)
                lines.setdefault(name, []).append(shape)
            else:
                if routing:
                    others = [r for key, r in placed.items() if key != ka and key != kb]
                    corners = route(a, b, others)
                    shape = curve(a, b) if corners is None else polyline(corners)
                    if time.perf_counter() > deadline:
                        routing = False
                        self._edges_dirty = True  # the rest next time
                elif (old := before.get((ka, kb, a, b))) is not None:
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
        for table, src in (
            (self._lock_items, m.locks),
            (self._wg_items, m.waitgroups),
            (self._cell_items, m.cells),
            (self._once_items, m.onces),
            (self._timer_items, m.timers),
        ):
            for oid, item in table.items():
                if oid in src:
                    item.show_view(src[oid], self._goroutine_name)
        for oid, item in self._ctx_items.items():
            if oid in m.contexts:
                item.show_view(m.contexts[oid], m.now)
        for oid, item in self._pattern_items.items():
            if oid in m.patterns:
                item.show_view(m.patterns[oid], self._stage_time())
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
        if event.type() == QEvent.ToolTip:
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
        if event.button() == Qt.LeftButton and not self.fits:
            self._drag_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
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
        if event.key() == Qt.Key_F and not event.modifiers():
            self.fit_all()
            event.accept()
            return
        if event.key() == Qt.Key_L and not event.modifiers():
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


def _alpha(color: QColor, a: float) -> QColor:
    c = QColor(color)
    c.setAlphaF(a)
    return c


def _short_time(value: str) -> str:
    """A timer's value is the clock time it fired: show it as "t=1.2"."""
    try:
        return f"t={float(value):.1f}"
    except ValueError:
        return value


def _in_use(o) -> bool:
    """Sync objects appear on first use (a Once's internal lock never does)."""
    users = getattr(o, "users", None)
    if users is not None:
        return bool(users) or bool(getattr(o, "waiters", ())) or bool(getattr(o, "version", 0))
    if hasattr(o, "done") and hasattr(o, "by"):  # OnceView
        return o.done
    # A timer comes with its channel (see _shows_channel); a context once the
    # tree says something (see _apply_diff).
    return not hasattr(o, "fires")


def _destination(item: StageItem) -> tuple[float, float]:
    """Where *item* is, or is gliding to."""
    return item._to if item._to is not None else (item.px, item.py)


def _overlap(a: tuple, b: tuple, gap: float) -> bool:
    """Whether rectangles *a* and *b* ((x, y, w, h)) come closer than *gap*."""
    return (
        a[0] < b[0] + b[2] + gap
        and b[0] < a[0] + a[2] + gap
        and a[1] < b[1] + b[3] + gap
        and b[1] < a[1] + a[3] + gap
    )


def _ctx_base(name: str) -> str:
    """A context's name as the stage shows it: a generated one ("ctx-12") reads
    "ctx", as the Go code names it."""
    return "ctx" if _GENERATED_CTX.fullmatch(name) else name

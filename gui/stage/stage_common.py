"""Numbers that tune the stage (levels of detail, lifecycles, layout and camera cadence),
the small helpers its parts share (``gui.stage.view`` and its mixins), and the state
and helpers of StageView those parts use, declared once (:class:`StageViewBase`)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor

from gui.stage.items import StageItem

if TYPE_CHECKING:
    from PySide6.QtCore import QLineF, QPointF, QRectF, QTimer, QVariantAnimation, Signal
    from PySide6.QtGui import QPainterPath
    from PySide6.QtWidgets import QGraphicsScene, QGraphicsView

    from core.trace import RunModel, Transfer
    from gui.stage.channel_item import ChannelItem
    from gui.stage.edges import EdgeLayer
    from gui.stage.goroutine_item import GoroutineItem
    from gui.stage.overlays import StageBanner, StageCaption, StageLegend
    from gui.stage.pattern_base import PatternItem
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
    from gui.theme import Theme

    # For mypy the parts are parts of a QGraphicsView (viewport(), centerOn(), ...);
    # at run time StageView inherits QGraphicsView itself, after its parts.
    _View = QGraphicsView
else:
    _View = object

__all__ = [
    "CANCEL_STEP_S",
    "CRAMPED_HOLD_S",
    "CRAMPED_SCALE",
    "CROWD_LEAVES_S",
    "DEFAULT_PLUMBING",
    "DRAW_BUDGET_S",
    "EDGES_EVERY_BIG_S",
    "EDGES_EVERY_S",
    "FOLLOW_RECENT_S",
    "FREED_OPACITY",
    "FULL_MAX",
    "GLIDE_S",
    "HANDS_OFF_S",
    "KEEP_NEW_MAX",
    "LAYOUT_EVERY_BIG_S",
    "LAYOUT_EVERY_S",
    "LINGER_MAX",
    "LINGER_S",
    "MAX_ZOOM",
    "MAX_ZOOM_PRESENTER",
    "PANIC_LINGER_S",
    "REDRAW_BUSY_S",
    "RELAYOUT_SHRINK",
    "RETIRE_S",
    "ROUTE_BUDGET_S",
    "SMALL_MAX",
    "USES_EDGES_MAX",
    "StageViewBase",
]

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
# More items leaving than KEEP_NEW_MAX within this many runtime seconds: a round is
# over, and the next layout is a fresh one (the new round's picture without holes).
CROWD_LEAVES_S = 2.0
# A shelf object (lock, WaitGroup, memory, pattern) gets a line from each of its live
# users on stage, unless it has more than this many: then none.
USES_EDGES_MAX = 4
# Items keep their places unless that would draw the picture at less than this share of
# the zoom a fresh layout gets (or not fit where the fresh one fits): then all glide.
RELAYOUT_SHRINK = 0.8
SMALL_MAX = 240
# Finished goroutines stay this long, then leave (a panicked or leaked one stays).
LINGER_S = 1.2  # runtime seconds a finished goroutine stays (fading) before it leaves
PANIC_LINGER_S = 10.0
LINGER_MAX = 8
# Channels (and timers) idle, empty and unused this long leave the stage.
RETIRE_S = 1.2  # runtime seconds an object nobody uses any more stays
FREED_OPACITY = 0.35  # an item whose object was freed, fading before it leaves
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
CRAMPED_HOLD_S = 4.0  # wall seconds a switch between card sizes holds (no flapping)


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


def _any_overlap(rects: list[tuple]) -> bool:
    """Whether two of *rects* ((x, y, w, h)) overlap: a sweep from left to right
    compares each only with those that start before it ends (2,000 cards: ~2,000,000
    pairs to a few thousand)."""
    rs = sorted(rects)
    n = len(rs)
    for i in range(n):
        a = rs[i]
        right = a[0] + a[2]
        j = i + 1
        while j < n and rs[j][0] < right:
            if _overlap(a, rs[j], 0.0):
                return True
            j += 1
    return False


def _ctx_base(name: str) -> str:
    """A context's name as the stage shows it: a generated one ("ctx-12") reads
    "ctx", as the Go code names it."""
    return "ctx" if _GENERATED_CTX.fullmatch(name) else name


class StageViewBase(_View):
    """What the parts of :class:`~gui.stage.view.StageView` (the mixins of
    ``stage_diff``, ``stage_flights``, ``stage_lifecycle``, ``stage_layout``,
    ``stage_camera`` and ``stage_edges``) share, declared once so that mypy checks
    each part against it: StageView's state (set in ``StageView.__init__``) and the
    helpers one part calls on another (declared for mypy only). Every part inherits
    it; it has no code and no state of its own (annotations only).
    """

    model: RunModel
    _theme: Theme
    _presenter: bool  # larger text and thicker strokes, for a projector
    _style: StageStyle
    _scene: QGraphicsScene
    lod: str  # level of detail: "full", "small" or "dot"
    _cramped: bool
    _show_contexts: bool
    # The items on stage, by the id of what they show.
    _g_items: dict[int, GoroutineItem]
    _c_items: dict[int, ChannelItem]
    _lock_items: dict[int, LockItem]
    _wg_items: dict[int, WaitGroupItem]
    _cell_items: dict[int, CellItem]
    _once_items: dict[int, OnceItem]
    _timer_items: dict[int, TimerItem]
    _ctx_items: dict[int, ContextItem]
    _pattern_items: dict[int, PatternItem]
    _order: dict[tuple[str, int], int]
    _next_order: int
    _movers: set[StageItem]
    _unplaced: set[StageItem]
    _departures: deque[float]  # when shown items left (runtime), the last CROWD_LEAVES_S only
    _freed_names: dict[int, str]
    _lanes: tuple[tuple[str, ...], ...]  # the lesson's columns (StageView.set_lanes)
    _freed: dict[tuple[str, int], float]  # fading out: (tag, id) -> when its object was freed
    _to_draw: dict[StageItem, None]
    _last_edges: float
    _edges: EdgeLayer
    edge_ends: list[tuple[tuple, tuple, QPainterPath | QLineF]]
    _anim: TokenAnimator
    _layout_dirty: bool
    _layout_now: bool
    _cramped_at: float  # when the card size last switched (monotonic)
    _leavers_laid_out: bool  # the last fresh layout placed a finished round too
    _tidy: bool
    fresh_layouts: int
    _shapes: dict[tuple, QPainterPath]
    panic_ends_program: bool
    kept_layouts: int
    _edges_dirty: bool
    _last_layout: float
    _last_sweep: float
    _last_status: float
    _bounds: QRectF
    _scale: float
    _device_scale: float
    _camera: str  # "follow" or "fit"
    _focus: tuple[float, float] | None
    _hands_off_until: float
    _camera_anim: QVariantAnimation
    _drag_from: QPointF | None
    _timer: QTimer
    frames: int
    _banner: StageBanner
    _legend: StageLegend
    _caption: StageCaption
    _spot: int
    _hidden: tuple[str, ...]
    _hidden_cache: dict[str, bool]
    _clock: float | None

    if TYPE_CHECKING:
        camera_changed = Signal(str)

        # StageView's own (gui.stage.view).
        def _kick(self) -> None: ...
        def hides(self, name: str) -> bool: ...
        def hides_object(self, oid: int) -> bool: ...
        def show_banner(self, text: str, kind: str = "info") -> None: ...

        # One part's helpers that another part calls.
        def _tables(self) -> tuple[dict, ...]: ...
        def item_tables(self) -> dict[str, dict[int, StageItem]]: ...
        def item_name(self, key: tuple[str, int]) -> str: ...
        def _obj_name(self, oid: int) -> str: ...
        def _shown_name(self, oid: int) -> str: ...
        def _goroutine_name(self, gid: int) -> str: ...
        def _channel_label(self, cid: int) -> str | None: ...
        def _stage_time(self) -> float: ...
        def _remove(self, table: dict, key: tuple[str, int]) -> None: ...
        def _chan_fmt(self, cid: int) -> Callable[[str], str] | None: ...
        def _update_lod(self) -> None: ...
        def _start_transfer(self, tr: Transfer, now: float) -> None: ...
        def _tell_namesakes_apart(self) -> bool: ...
        def _retire_freed(self, now: float) -> bool: ...
        def lane_of(self, name: str) -> int | None: ...
        def _own_name(self, tag: str, oid: int) -> str: ...
        def _relayout(self, now: float, again: bool = True) -> None: ...
        def _fit(self) -> None: ...
        def drawing_area(self) -> tuple[int, int]: ...
        def banner_bottom(self) -> int: ...

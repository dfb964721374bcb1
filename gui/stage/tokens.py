"""Values in flight and pulses: what moves between the stage's items.

:class:`TokenAnimator` owns a bounded pool of :class:`TokenItem` and the
flights that move them along live waypoints (functions returning the current
scene point of a goroutine's hand, a channel slot...), so a token still lands
in the right place if the layout moves under it. The view's one timer calls
:meth:`TokenAnimator.step`; nothing here has a timer of its own. When the
pool is busy (thousands of transfers a second at high speed) new transfers
are counted as skipped instead of slowing the frame down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsScene

from gui.stage.items import MARGIN, Point, fit_text, render_pixmap
from gui.stage.style import StageStyle

__all__ = ["PulseItem", "TokenAnimator", "TokenItem"]

Anchor = Callable[[], Point]  # a live scene point: (x, y) floats
MIN_LEG = 0.12  # seconds: faster than this a value cannot be followed by eye
LANE_SPACING = 0.35  # of a leg: a value leaves this long after the last on its channel
LANE_BACKLOG_S = 0.6  # a value that would wait longer for its turn is not drawn


class TokenItem(QGraphicsPixmapItem):
    """A value travelling: a pill with the value's text ("value"), a red
    "closed" pill ("closed"), or a small dot for a signal ("signal", "cancel").

    Like the other items it draws itself into a pixmap once per value (see
    gui.stage.items); its position is its centre.
    """

    def __init__(self, style: StageStyle) -> None:
        super().__init__()
        self.style = style
        self.kind = ""
        self.text = ""
        self.device_scale = 1.0
        self.setZValue(10)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        # 1:1 with device pixels
        self.setTransformationMode(Qt.TransformationMode.FastTransformation)

    def _size(self) -> tuple[float, float]:
        k = self.style.k
        if self.kind in ("signal", "cancel"):
            return 16 * k, 16 * k
        return (58 * k, 28 * k) if self.kind == "value" else (66 * k, 26 * k)

    def set_token(self, kind: str, text: str, style: StageStyle, scale: float) -> None:
        if (kind, text, style, scale) == (self.kind, self.text, self.style, self.device_scale):
            return
        self.kind, self.text, self.style, self.device_scale = kind, text, style, scale
        w, h = self._size()
        self.setOffset(-w / 2 - MARGIN, -h / 2 - MARGIN)
        # Values repeat (job ids, "closed", ticks): keep the last few hundred drawn.
        cache = style.pixmaps
        key = ("token", kind, text, scale)
        pm = cache.get(key)
        if pm is None:
            pm = cache.put(key, render_pixmap(w, h, scale, lambda p: self._draw(p, w, h)))
        self.setPixmap(pm)

    def _draw(self, p: QPainter, w: float, h: float) -> None:
        s = self.style
        r, inner = _pill_rects(w, h)
        if self.kind in ("signal", "cancel"):
            color = s.ok if self.kind == "signal" else s.danger
            p.setPen(s.plain_pen(s.background, 2.0))
            p.setBrush(color)
            p.drawEllipse(r)
            return
        if self.kind == "closed":
            fill, fg = s.danger, s.on(s.danger)
        else:
            fill, fg = s.token, s.token_text
        p.setPen(s.plain_pen(s.darker(fill, 150), 1.5))
        p.setBrush(fill)
        p.drawRoundedRect(r, h / 2, h / 2)
        p.setPen(fg)
        fit_text(p, inner, self.text, s.token_fonts)


_PILLS: dict[tuple[float, float], tuple[QRectF, QRectF]] = {}


def _pill_rects(w: float, h: float) -> tuple[QRectF, QRectF]:
    """A token's rectangle and the one its text fits in, made once per size (a Qt
    object made and dropped at each drawing costs the GIL while goroutines spin)."""
    rects = _PILLS.get((w, h))
    if rects is None:
        rects = _PILLS[(w, h)] = (QRectF(0, 0, w, h), QRectF(2, 0, w - 4, h))
    return rects


class PulseItem(QGraphicsItem):
    """An expanding, fading ring: a timer fired, a channel closed, a lost update."""

    def __init__(self) -> None:
        super().__init__()
        self.color = QColor("#ffffff")
        self.radius = 10.0
        self.max_radius = 60.0
        self.alpha = 1.0
        self.width = 3.0
        self.setZValue(9)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        m = self.max_radius + self.width
        return QRectF(-m, -m, 2 * m, 2 * m)

    def paint(self, p: QPainter, option, widget=None) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = QColor(self.color)
        c.setAlphaF(max(0.0, min(1.0, self.alpha)))
        p.setPen(QPen(c, self.width))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(0, 0), self.radius, self.radius)


@dataclass(slots=True)
class _Flight:
    token: TokenItem
    points: list[Anchor]  # live waypoints: start, (via), end
    t0: float  # start (monotonic seconds; may be in the future: a queued departure)
    duration: float
    on_land: Callable[[], None] | None = None
    chan_in: int = 0  # a value flying into this channel's buffer (hidden there until it lands)
    # The flight before it on its channel, while that one flies: this one leaves only
    # when there is room behind it (it waits hidden, its clock stopped) and lands after
    # it, so no two tokens on one path cover each other.
    lead: _Flight | None = None
    seen: float = 0.0  # when step() last moved it (its clock stops while it holds)
    x: float = 0.0  # where it is (the token's centre), as plain floats
    y: float = 0.0
    done: bool = False  # landed or dropped
    owners: frozenset[int] = frozenset()  # ids of the items its waypoints belong to (forget)
    lane: int = 0  # the channel that paces it (0: none)


@dataclass(slots=True)
class _Pulse:
    item: PulseItem
    at: Anchor
    t0: float
    duration: float
    max_radius: float


@dataclass
class TokenAnimator:
    """The flights and pulses of one stage (see the module docstring)."""

    scene: QGraphicsScene
    style: StageStyle
    max_tokens: int = 160
    max_pulses: int = 40
    leg: float = 0.45  # seconds per leg of a flight
    flights: list[_Flight] = field(default_factory=list)
    pulses: list[_Pulse] = field(default_factory=list)
    skipped: int = 0
    device_scale: float = 1.0  # the view's device pixels per scene unit
    _pool: list[TokenItem] = field(default_factory=list)
    _pulse_pool: list[PulseItem] = field(default_factory=list)
    _in_flight: dict[int, int] = field(default_factory=dict)  # channel -> values flying in
    _landing: dict[int, float] = field(default_factory=dict)  # channel -> last arrival time
    _lane_last: dict[int, float] = field(default_factory=dict)  # channel -> last flight start
    _lane_flight: dict[int, _Flight] = field(default_factory=dict)  # channel -> its last flight

    @property
    def active(self) -> bool:
        return bool(self.flights or self.pulses)

    def in_flight(self, chan: int) -> int:
        return self._in_flight.get(chan, 0)

    def leg_time(self) -> float:
        # Busy stage: shorter flights, so tokens do not pile up behind each other.
        n = len(self.flights)
        return self.leg if n < 40 else self.leg * 0.6 if n < 100 else self.leg * 0.4

    def fly(
        self,
        kind: str,
        text: str,
        points: list[Anchor],
        now: float,
        *,
        chan_in: int = 0,
        after_chan: int = 0,
        on_land: Callable[[], None] | None = None,
        legs: float = 1.0,
        delay: float = 0.0,
        lane: int = 0,
    ) -> bool:
        """Start a token along *points*; returns False (and counts it) when the pool is busy.

        *chan_in*: the value goes into that channel's buffer; *after_chan*: it
        leaves that channel's buffer, so it starts when the last value flying
        into it has landed (a value cannot leave before it arrived); *delay*
        postpones the start (a cancellation reaching deeper levels later);
        *lane* (a channel) paces the flight: values that follow each other
        closely on one channel fly faster, so the picture keeps up with the
        program, and each leaves LANE_SPACING of a leg after the one before, so
        no two tokens on one path cover each other; a value that would wait more
        than LANE_BACKLOG_S for its turn is not drawn (and counted as skipped).
        """
        if len(self.flights) >= self.max_tokens:
            self.skipped += 1
            return False
        start = now + delay
        if after_chan:
            start = max(now, self._landing.get(after_chan, 0.0))
        leg = self.leg_time()
        lead = None
        if lane:
            last = self._lane_last.get(lane, -1e9)  # when the last value on it left
            leg = min(leg, max(MIN_LEG, (start - last) * 0.6))
            start = max(start, last + leg * LANE_SPACING)
            if start - now > LANE_BACKLOG_S:
                self.skipped += 1
                return False
            self._lane_last[lane] = start
            lead = self._lane_flight.get(lane)
            if lead is not None and lead.done:
                lead = None
        token = self._pool.pop() if self._pool else self._new_token()
        token.set_token(kind, text, self.style, self.device_scale)
        duration = leg * legs
        token.setPos(*points[0]())
        token.setVisible(start <= now)
        if chan_in:
            self._in_flight[chan_in] = self._in_flight.get(chan_in, 0) + 1
            self._landing[chan_in] = max(self._landing.get(chan_in, 0.0), start + duration)
        flight = _Flight(token, points, start, duration, on_land, chan_in, lead, start)
        flight.owners = frozenset(id(o) for p in points if (o := _owner(p)) is not None)
        flight.lane = lane
        self.flights.append(flight)
        if lane:
            self._lane_flight[lane] = flight
        return True

    def pulse(
        self, at: Anchor, color: QColor, now: float, radius: float = 60.0, duration: float = 0.6
    ) -> None:
        if len(self.pulses) >= self.max_pulses:
            return
        item = self._pulse_pool.pop() if self._pulse_pool else self._new_pulse()
        item.color = QColor(color)
        item.width = 3.0 * self.style.pen_k
        item.prepareGeometryChange()
        item.max_radius = radius
        item.radius = radius * 0.2
        item.alpha = 1.0
        item.setPos(*at())
        item.setVisible(True)
        self.pulses.append(_Pulse(item, at, now, duration, radius))

    def step(self, now: float) -> bool:
        """Move every token and pulse to where it is at *now*; True if anything is animating."""
        landed: list[_Flight] = []
        k = self.style.k
        room_x, room_y = 62 * k, 30 * k  # a value token's size and a little air
        for f in self.flights:
            if now < f.t0:
                continue
            x = (now - f.t0) / f.duration
            if x >= 1.0:
                landed.append(f)
                continue
            x = x * x * (3 - 2 * x)  # ease in and out
            pts = f.points
            legs = len(pts) - 1
            pos = x * legs
            i = min(int(pos), legs - 1)
            (ax, ay), (bx, by) = pts[i](), pts[i + 1]()
            u = pos - i
            tx, ty = ax + (bx - ax) * u, ay + (by - ay) * u
            lead = f.lead
            if lead is not None:  # still at its start (a token never stops mid-air)
                if not lead.done and (
                    not lead.token.isVisible()
                    or (abs(tx - lead.x) < room_x and abs(ty - lead.y) < room_y)
                ):
                    f.t0 += now - f.seen  # no room yet: it waits, hidden, its clock stopped
                    f.seen = now
                    self._lands_at(f)
                    continue
                if not lead.done:  # it leaves: it lands after the one ahead, never on it
                    f.duration = max(f.duration, lead.t0 + lead.duration - now + MIN_LEG / 2)
                    self._lands_at(f)
                f.lead = None
            f.seen = now
            f.x, f.y = tx, ty
            f.token.setPos(tx, ty)
            if not f.token.isVisible():
                f.token.setVisible(True)
        for f in landed:
            self._land(f)
        done = []
        for pu in self.pulses:
            x = (now - pu.t0) / pu.duration
            if x >= 1.0:
                done.append(pu)
                continue
            item = pu.item
            item.radius = pu.max_radius * (0.2 + 0.8 * x)
            item.alpha = 1.0 - x
            item.setPos(*pu.at())
            item.update()
        for pu in done:
            self.pulses.remove(pu)
            pu.item.setVisible(False)
            self._pulse_pool.append(pu.item)
        return bool(self.flights or self.pulses or landed or done)

    def _land(self, f: _Flight) -> None:
        self._drop(f)
        if f.on_land is not None:
            f.on_land()

    def _lands_at(self, f: _Flight) -> None:
        """*f* waited or slowed: a value leaving its channel's buffer starts after it lands."""
        if f.chan_in:
            self._landing[f.chan_in] = max(self._landing.get(f.chan_in, 0.0), f.t0 + f.duration)

    def _drop(self, f: _Flight) -> None:
        """End flight *f*: its token back to the pool, its channel one value less in flight."""
        f.done = True
        if f.lane and self._lane_flight.get(f.lane) is f:
            del self._lane_flight[f.lane]  # nothing behind it to pace: hold no item alive
        self.flights.remove(f)
        f.token.setVisible(False)
        self._pool.append(f.token)
        if f.chan_in:
            left = self._in_flight.get(f.chan_in, 1) - 1
            if left > 0:
                self._in_flight[f.chan_in] = left
            else:
                self._in_flight.pop(f.chan_in, None)

    def forget(self, item: object) -> None:
        """Drop the flights to, from or through *item* and the pulses on it (it leaves
        the stage): no token flies on to a place where nothing is, and none lands."""
        if not (self.flights or self.pulses):
            return
        key = id(item)  # by identity: == on a Qt item is a slow C++ comparison
        for f in [f for f in self.flights if key in f.owners]:
            self._drop(f)
        for pu in [pu for pu in self.pulses if _owner(pu.at) is item]:
            self.pulses.remove(pu)
            pu.item.setVisible(False)
            self._pulse_pool.append(pu.item)

    def clear(self) -> None:
        """Drop every flight and pulse (reset); items go back to the pools."""
        for f in self.flights:
            f.token.setVisible(False)
            self._pool.append(f.token)
        for pu in self.pulses:
            pu.item.setVisible(False)
            self._pulse_pool.append(pu.item)
        self.flights.clear()
        self.pulses.clear()
        self._in_flight.clear()
        self._landing.clear()
        self._lane_last.clear()
        self._lane_flight.clear()

    def restyle(self, style: StageStyle, scale: float | None = None) -> None:
        """New look or new view scale: tokens in flight draw again (pooled ones when reused)."""
        self.style = style
        if scale is not None:
            self.device_scale = scale
        for f in self.flights:
            f.token.set_token(f.token.kind, f.token.text, style, self.device_scale)

    def _new_token(self) -> TokenItem:
        t = TokenItem(self.style)
        t.setVisible(False)
        self.scene.addItem(t)
        return t

    def _new_pulse(self) -> PulseItem:
        item = PulseItem()
        item.setVisible(False)
        self.scene.addItem(item)
        return item


def _owner(anchor: Anchor) -> object:
    """The item whose point *anchor* gives (a bound method, or a partial of one)."""
    fn = anchor.func if isinstance(anchor, partial) else anchor
    return getattr(fn, "__self__", None)

"""The sync objects on the stage: locks, WaitGroups, shared memory cells and
atomics, Once, timers and tickers, and the nodes of the context tree."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from core.trace import CellView, ContextView, LockView, OnceView, TimerView, WaitGroupView
from gui.stage.items import Point, StageItem, draw_centered, draw_text, elide
from gui.stage.style import StageStyle

__all__ = ["CellItem", "ContextItem", "LockItem", "OnceItem", "TimerItem", "WaitGroupItem"]

NameOf = Callable[[int], str]


class _BoxItem(StageItem):
    """A card with an icon on the left, a title and up to two lines of text."""

    ICON_FRACTION = 0.62

    def __init__(self, style: StageStyle, oid: int, w: float, h: float) -> None:
        super().__init__(style, w * style.k, h * style.k)
        self.oid = oid
        self._base = (w, h)
        # The name drawn when the stage tells this item apart from a namesake
        # ("round (earlier)", "ctx #2"); empty: the object's own name.
        self.title = ""
        self.setZValue(1)

    def restyle(self, style: StageStyle) -> None:
        super().restyle(style)
        self.w, self.h = self._base[0] * style.k, self._base[1] * style.k

    def _card(self, p: QPainter, border=None) -> None:
        s = self.style
        p.setPen(QPen(border if border is not None else s.grid, s.stroke if border else 1.0))
        p.setBrush(s.surface)
        r = 10 * s.k
        p.drawRoundedRect(QRectF(0, 0, self.w, self.h), r, r)

    def _icon_rect(self) -> QRectF:
        side = self.h * self.ICON_FRACTION
        pad = (self.h - side) / 2
        return QRectF(pad, pad, side, side)

    def _texts(self, p: QPainter, title: str, line1: str, line2: str = "", c1=None, c2=None):
        s = self.style
        ir = self._icon_rect()
        x = ir.right() + ir.left() * 0.8
        tw = self.w - x - 8 * s.k
        lines = [
            (s.name_font, s.fm_name, s.text, title),
            (s.text_font, s.fm_text, c1 or s.muted, line1),
        ]
        if line2:
            lines.append((s.small_font, s.fm_small, c2 or s.muted, line2))
        total = sum(fm.height() for _, fm, _, _ in lines)
        y = (self.h - total) / 2
        for font, fm, color, text in lines:
            p.setFont(font)
            p.setPen(color)
            draw_text(p, x, y + fm.ascent(), elide(fm, text, tw))
            y += fm.height()


# -- locks ------------------------------------------------------------------------


class LockItem(_BoxItem):
    """A Mutex / RWMutex: a padlock (closed and coloured when held), holder(s), waiters."""

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid, 210, 66)
        self._v: LockView | None = None
        self._lines = ("", "", "")

    def show_view(self, v: LockView, name_of: NameOf) -> None:
        self._v = v
        if v.writer:
            held = f"held by {name_of(v.writer)}"
        elif v.readers:
            names = ", ".join(name_of(g) for g in v.readers[:3])
            more = f" +{len(v.readers) - 3}" if len(v.readers) > 3 else ""
            held = f"read-locked by {names}{more}"
        else:
            held = "unlocked"
        waiting = f"{len(v.waiters)} waiting" if v.waiters else f"{v.kind}, locked {v.acquired}×"
        self._lines = (self.title or v.name, held, waiting)
        if self.set_key((self._lines, v.held, bool(v.waiters))):
            self._tip_text = f"sync.{v.kind} {v.name}\n{held}\n{waiting}"

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        self._card(p, s.states["blocked_lock"] if v.waiters else None)
        color = s.states["blocked_lock"] if v.held else s.ok
        _padlock(p, self._icon_rect(), color, closed=v.held, style=s)
        self._texts(
            p,
            *self._lines,
            c1=s.text if v.held else s.ok,
            c2=s.states["blocked_lock"] if v.waiters else None,
        )


def _padlock(p: QPainter, r: QRectF, color, closed: bool, style: StageStyle) -> None:
    w = r.width()
    pen = QPen(color, w * 0.11)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    lift = 0 if closed else w * 0.14
    sh = QRectF(r.left() + w * 0.24, r.top() + w * 0.04 - lift, w * 0.52, w * 0.56)
    p.drawArc(sh, 0, 180 * 16)
    p.drawLine(QPointF(sh.left(), sh.center().y()), QPointF(sh.left(), r.top() + w * 0.46))
    if closed:
        p.drawLine(QPointF(sh.right(), sh.center().y()), QPointF(sh.right(), r.top() + w * 0.46))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    body = QRectF(r.left() + w * 0.12, r.top() + w * 0.44, w * 0.76, w * 0.54)
    p.drawRoundedRect(body, w * 0.08, w * 0.08)
    p.setBrush(style.on(color))
    p.drawEllipse(QPointF(body.center().x(), body.center().y() - w * 0.03), w * 0.07, w * 0.07)


# -- WaitGroup --------------------------------------------------------------------


class WaitGroupItem(_BoxItem):
    """A WaitGroup: its counter, big, and who waits for it to reach zero."""

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid, 210, 66)
        self._v: WaitGroupView | None = None

    def show_view(self, v: WaitGroupView, name_of: NameOf) -> None:
        self._v = v
        if self.set_key((self.title or v.name, v.counter, len(v.waiters))):
            self._tip_text = (
                f"sync.WaitGroup {v.name}\ncounter {v.counter}\n"
                f"waiting in Wait(): {', '.join(name_of(g) for g in v.waiters) or 'nobody'}"
            )

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        color = s.ok if v.counter == 0 else s.states["blocked_waitgroup"]
        self._card(p, color if v.waiters else None)
        ir = self._icon_rect()
        p.setPen(QPen(color, s.stroke * 1.3))
        p.setBrush(s.surface_alt)
        p.drawEllipse(ir)
        p.setFont(s.big_font)
        p.setPen(s.text)
        draw_centered(p, ir, str(v.counter), s.fm_big)
        waiting = f"{len(v.waiters)} waiting in Wait()" if v.waiters else "nobody waiting"
        self._texts(
            p,
            self.title or v.name,
            f"WaitGroup: counter {v.counter}",
            waiting,
            c2=s.states["blocked_waitgroup"] if v.waiters else None,
        )


# -- memory cells and atomics -------------------------------------------------------


class CellItem(_BoxItem):
    """Shared memory (read and write shown as steps) or an AtomicInt64: its value, big."""

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid, 230, 70)
        self._v: CellView | None = None
        self._last = ""

    def show_view(self, v: CellView, name_of: NameOf) -> None:
        self._v = v
        if v.last_g:
            verb = {"read": "read by", "write": "written by", "atomic": "atomic op by"}
            self._last = f"{verb.get(v.last_op, v.last_op)} {name_of(v.last_g)}"
        if self.set_key((self.title or v.name, v.value, v.lost, self._last)):
            kind = "sync/atomic.Int64" if v.kind == "AtomicInt64" else "shared variable"
            self._tip_text = (
                f"{kind} {v.name} = {v.value}\n{self._last}\nlost updates seen: {v.lost}"
            )

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        self._card(p, s.danger if v.lost else None)
        ir = self._icon_rect().adjusted(-4 * s.k, 0, 8 * s.k, 0)
        p.setPen(QPen(s.accent, s.stroke))
        p.setBrush(s.surface_alt)
        p.drawRoundedRect(ir, 6 * s.k, 6 * s.k)
        p.setFont(s.big_font)
        p.setPen(s.text)
        text = elide(s.fm_big, v.value or "?", ir.width() - 4)
        draw_centered(p, ir, text, s.fm_big)
        kind = "atomic.Int64" if v.kind == "AtomicInt64" else "shared variable"
        line2 = f"lost updates: {v.lost}" if v.lost else self._last
        self._texts(p, self.title or v.name, kind, line2, c2=s.danger if v.lost else None)

    def _icon_rect(self) -> QRectF:
        side = self.h * 0.62
        pad = (self.h - side) / 2
        return QRectF(pad + 4 * self.style.k, pad, side * 1.15, side)


class OnceItem(_BoxItem):
    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid, 170, 50)
        self._v: OnceView | None = None
        self._by = ""

    def show_view(self, v: OnceView, name_of: NameOf) -> None:
        self._v = v
        self._by = (
            f"done by {name_of(v.by)}" if v.done and v.by else ("done" if v.done else "not yet")
        )
        self.set_key((self.title or v.name, v.done, self._by))

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        self._card(p)
        ir = self._icon_rect()
        p.setPen(QPen(s.ok if v.done else s.muted, s.stroke * 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(ir)
        p.setFont(s.name_font)
        draw_centered(p, ir, "1", s.fm_name)
        self._texts(p, self.title or v.name, f"sync.Once: {self._by}", c1=s.ok if v.done else None)


# -- time ------------------------------------------------------------------------------


class TimerItem(_BoxItem):
    """A Timer or Ticker: a clock face; the view pulses it when it fires."""

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid, 190, 54)
        self._v: TimerView | None = None

    def show_view(self, v: TimerView, name_of: NameOf) -> None:
        self._v = v
        if self.set_key((self.title or v.name, v.kind, v.fires)):
            self._tip_text = f"time.{v.kind} {v.name}\nfired {v.fires}×"

    def icon_center(self) -> Point:
        return (self.px + self.h / 2, self.py + self.h / 2)  # the icon is a centred square

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        self._card(p)
        ir = self._icon_rect()
        p.setPen(QPen(s.accent, s.stroke * 1.2))
        p.setBrush(s.surface_alt)
        p.drawEllipse(ir)
        c = ir.center()
        rad = ir.width() / 2
        p.setPen(QPen(s.text, s.stroke, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(c, QPointF(c.x(), c.y() - rad * 0.6))
        ang = (v.fires % 12) / 12 * 2 * math.pi
        p.drawLine(
            c, QPointF(c.x() + rad * 0.45 * math.sin(ang), c.y() - rad * 0.45 * math.cos(ang))
        )
        self._texts(p, self.title or v.name, f"{v.kind}: fired {v.fires}×")


# -- context tree ------------------------------------------------------------------------


class ContextItem(_BoxItem):
    """A context: live, or ended with its error; its deadline counting down."""

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid, 220, 64)
        self._v: ContextView | None = None
        self._line = ""
        self.cancel_shown = False  # the view reveals cancellation when it reaches this node

    def show_view(self, v: ContextView, now: float) -> None:
        self._v = v
        if v.cancelled and self.cancel_shown:
            self._line = (v.err or "canceled").removeprefix("context ")
        elif v.deadline is not None:
            left = v.deadline - now
            self._line = f"deadline in {left:.1f} s" if left > 0 else "deadline passed"
        else:
            self._line = "live"
        ended = v.cancelled and self.cancel_shown
        if self.set_key((self.title or v.name, ended, self._line, v.kind)):
            self._tip_text = (
                f"context {v.name}\n"
                + (f"err: {v.err}" if v.cancelled else "live")
                + (f"\ndeadline at t = {v.deadline:.2f} s" if v.deadline is not None else "")
            )

    def top_mid(self) -> Point:
        return (self.px + self.w / 2, self.py)

    def bottom_mid(self) -> Point:
        return (self.px + self.w / 2, self.py + self.h)

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        ended = v.cancelled and self.cancel_shown
        self._card(p, s.danger if ended else s.ok)
        ir = self._icon_rect()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(s.danger if ended else s.ok)
        p.drawEllipse(
            ir.adjusted(ir.width() * 0.2, ir.width() * 0.2, -ir.width() * 0.2, -ir.width() * 0.2)
        )
        kind = {"cancel": "WithCancel", "deadline": "WithDeadline / WithTimeout"}.get(
            v.kind, v.kind
        )
        self._texts(p, self.title or v.name, self._line, kind, c1=s.danger if ended else s.ok)

"""A channel on the stage: a pipe with ``cap`` slots, its buffered values in
order (oldest at the right, next out), who waits on each end, and its closed state.

Values flow left to right: senders sit to the left, receivers to the right.
An unbuffered channel (cap 0) is a short pipe with a rendezvous mark in the
middle: a value goes straight across from sender to receiver.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPolygonF

from core.trace import ChannelView
from gui.stage.items import Point, StageItem, draw_centered, draw_text, elide, fit_text
from gui.stage.style import StageStyle

__all__ = ["MAX_SLOTS", "ChannelItem"]

MAX_SLOTS = 10  # a bigger buffer shows its oldest values and a "+N" slot
MAX_LABEL_W = 330  # a channel widens for its name up to this (scene units, times k)


class ChannelItem(StageItem):
    def __init__(self, style: StageStyle, cid: int) -> None:
        self.cap = -1
        self._name = ""
        w, h = self._size(style, 0)
        super().__init__(style, w, h)
        self.cid = cid
        self._c: ChannelView | None = None
        self._values: tuple[str, ...] = ()
        # The name drawn, when the view knows a better one than the channel's own
        # (a context's Done channel reads ``ctx.Done()``, not ``ctx-24.Done``).
        self.label: str | None = None
        self._shapes_key: tuple = ()
        self._shapes_cache: _Shapes
        self.setZValue(1)

    # -- geometry ----------------------------------------------------------------

    @staticmethod
    def _metrics(style: StageStyle) -> tuple[float, float, float, float]:
        k = style.k
        return 26 * k, 14 * k, 6 * k, 22 * k  # header, end (mouth) width, padding, footer

    @classmethod
    def _size(cls, style: StageStyle, cap: int, name: str = "") -> tuple[float, float]:
        header, end, pad, footer = cls._metrics(style)
        slots = min(cap, MAX_SLOTS)
        inner = 130 * style.k if slots == 0 else slots * style.slot_w + pad
        # Wide enough for its name (and "closed", "10/10"), up to a limit: it elides.
        label = style.fm_name.horizontalAdvance(f"chan {name}") + 2 * end + 12 * style.k
        label += style.fm_small.horizontalAdvance("closed") + style.fm_text.horizontalAdvance(
            "10/10"
        )
        w = max(220 * style.k, inner + 2 * end, min(label, MAX_LABEL_W * style.k))
        h = header + style.slot_h + 2 * pad + footer
        return w, h

    def _pipe(self) -> QRectF:
        return self._shapes().pipe

    def _slot(self, i: int) -> QRectF:
        return self._shapes().slots[i]

    def _shapes(self) -> _Shapes:
        """The pipe, slots and mouths for the current size and style, made once."""
        key = (self.w, self.cap, self.style)
        if self._shapes_key != key:
            self._shapes_key = key
            self._shapes_cache = _Shapes.make(
                self.style, self.w, self.cap, self._metrics(self.style)
            )
        return self._shapes_cache

    def slot_rects(self) -> list[QRectF]:
        """The drawn buffer slots (item coordinates), oldest first: at most MAX_SLOTS."""
        return [self._slot(i) for i in range(min(self.cap, MAX_SLOTS))]

    # Anchors: plain-float (x, y) tuples in the scene (see gui.stage.items).

    def _pipe_mid_y(self) -> float:
        s = self.style
        header, _, pad, _ = self._metrics(s)
        return self.py + header + (s.slot_h + 2 * pad) / 2

    def slot_point(self, i: int) -> Point:
        """Scene point of buffer slot *i* (0 = the oldest, next to be received)."""
        if self.cap <= 0:
            return self.center_point()
        i = max(0, min(i, min(self.cap, MAX_SLOTS) - 1))
        sw = self.style.slot_w
        inner = min(self.cap, MAX_SLOTS) * sw
        return (self.px + self.w / 2 + inner / 2 - (i + 0.5) * sw, self._pipe_mid_y())

    def mouth_in(self) -> Point:
        return (self.px + self._metrics(self.style)[1], self._pipe_mid_y())

    def mouth_out(self) -> Point:
        return (self.px + self.w - self._metrics(self.style)[1], self._pipe_mid_y())

    def center_point(self) -> Point:
        return (self.px + self.w / 2, self._pipe_mid_y())

    # -- state -------------------------------------------------------------------

    @property
    def values(self) -> tuple[str, ...]:
        """The values drawn in the slots, oldest first (those still flying in excluded)."""
        return self._values

    @property
    def drawn_name(self) -> str:
        """The name over the pipe (its label, or the channel's name), as last drawn."""
        return self._name

    @property
    def closed(self) -> bool:
        return self._c is not None and self._c.closed

    def show_view(
        self, c: ChannelView, in_flight: int = 0, fmt: Callable[[str], str] | None = None
    ) -> bool:
        """Show *c*; the newest *in_flight* values are still travelling in (hidden);
        *fmt* shortens values for display (a ticker's clock times)."""
        self._c = c
        resized = False
        name = self.label or c.name
        if c.cap != self.cap or name != self._name:
            self.cap = c.cap
            self._name = name
            old = (self.w, self.h)
            self.resize(*self._size(self.style, c.cap, name))
            resized = old != (self.w, self.h)
        buf = c.buffer
        n = len(buf) - min(in_flight, len(buf))
        shown = min(n, MAX_SLOTS)
        values = tuple(buf[i] for i in range(shown))
        if fmt is not None:
            values = tuple(fmt(v) for v in values)
        if n > MAX_SLOTS:
            values = (*values[: MAX_SLOTS - 1], f"+{n - MAX_SLOTS + 1}")
        self._values = values
        key = (
            name,
            c.cap,
            values,
            len(buf),
            c.closed,
            len(c.senders),
            len(c.receivers),
            len(c.selectors),
            c.sent,
            c.received,
        )
        if self.set_key(key):
            self._tip_text = (
                f"channel {name} (cap {c.cap}{', closed' if c.closed else ''})\n"
                f"buffer {len(buf)}/{c.cap}: {', '.join(list(buf)[:12])}"
                f"{'…' if len(buf) > 12 else ''}\n"
                f"waiting to send {len(c.senders)}, to receive {len(c.receivers)}, "
                f"in select {len(c.selectors)}\nsent {c.sent}, received {c.received}"
            )
        return resized

    def restyle(self, style: StageStyle) -> None:
        super().restyle(style)
        self.w, self.h = self._size(style, max(self.cap, 0), self._name)

    # -- painting ----------------------------------------------------------------

    def draw(self, p: QPainter) -> None:
        c = self._c
        if c is None:
            return
        s = self.style
        k = s.k
        end = self._metrics(s)[1]
        shapes = self._shapes()
        # Header: name, then "chan" + closed badge, length/cap at the right.
        p.setFont(s.name_font)
        p.setPen(s.text)
        base = s.fm_name.ascent() + 2
        count = "" if c.cap == 0 else f"{len(c.buffer)}/{c.cap}"
        p.setFont(s.text_font)
        cw = s.fm_text.horizontalAdvance(count)
        badge_w = 0.0
        if c.closed:
            badge_w = s.fm_small.horizontalAdvance("closed") + 14 * k
        p.setFont(s.name_font)
        name = elide(s.fm_name, f"chan {self._name}", self.w - cw - badge_w - 2 * end - 12 * k)
        draw_text(p, end, base, name)
        nx = end + s.fm_name.horizontalAdvance(name) + 8 * k
        if c.closed:
            r = QRectF(nx, base - s.fm_small.ascent() - 3 * k, badge_w, s.fm_small.height() + 4 * k)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(s.danger)
            p.drawRoundedRect(r, r.height() / 2, r.height() / 2)
            p.setFont(s.small_bold)
            p.setPen(s.on(s.danger))
            draw_centered(p, r, "closed", s.fm_small_bold)
        p.setFont(s.text_font)
        full = c.cap > 0 and len(c.buffer) >= c.cap
        p.setPen(s.warning if full else s.muted)
        draw_text(p, self.w - end - cw, base, count)
        # The pipe.
        pipe = shapes.pipe
        rr = pipe.height() * 0.3
        p.setPen(s.plain_pen(s.danger if c.closed else s.muted, s.stroke))
        p.setBrush(s.chan_closed if c.closed else s.chan_fill)
        p.drawRoundedRect(pipe, rr, rr)
        if c.closed:
            hatch = QColor(s.danger)
            hatch.setAlpha(70)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            p.drawRoundedRect(pipe, rr, rr)
        self._paint_mouths(p, pipe, c.closed)
        if c.cap == 0:
            self._paint_rendezvous(p, pipe)
        else:
            self._paint_slots(p)
        # Footer: who waits (coloured by what they wait for), else the totals.
        p.setFont(s.small_font)
        fm = s.fm_small
        fy = shapes.pipe_bottom + 4 * k + fm.ascent()
        parts: list[tuple[str, QColor]] = []
        if c.senders:
            parts.append((f"{len(c.senders)} to send", s.states["blocked_send"]))
        if c.receivers:
            parts.append((f"{len(c.receivers)} to receive", s.states["blocked_recv"]))
        if c.selectors:
            parts.append((f"{len(c.selectors)} in select", s.states["blocked_select"]))
        if parts:
            parts.insert(0, ("waiting:", s.muted))
        else:
            parts.append((f"sent {c.sent} · received {c.received}", s.muted))
        gap = fm.horizontalAdvance("  ")
        total = sum(fm.horizontalAdvance(t) for t, _ in parts) + gap * (len(parts) - 1)
        x = max(end, (self.w - total) / 2)
        for text, color in parts:
            p.setPen(color)
            draw_text(p, x, fy, text)
            x += fm.horizontalAdvance(text) + gap

    def _paint_mouths(self, p: QPainter, pipe: QRectF, closed: bool) -> None:
        s = self.style
        shapes = self._shapes()
        if closed:
            p.setPen(s.plain_pen(s.danger, s.stroke * 2.2))
            p.drawLines(shapes.closed_ends)
            return
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(s.muted)
        p.drawPath(shapes.mouths)  # a path: drawPolygon costs the GIL (see _Shapes)

    def _paint_rendezvous(self, p: QPainter, pipe: QRectF) -> None:
        """Cap 0: no slots, a rendezvous; the value goes straight across."""
        s = self.style
        label = "unbuffered"
        p.setFont(s.small_font)
        fm = s.fm_small
        tw = fm.horizontalAdvance(label)
        cx = pipe.x() + pipe.width() / 2
        cy = pipe.y() + pipe.height() / 2
        p.setPen(s.muted)
        draw_text(p, cx - tw / 2, cy - (fm.ascent() + fm.descent()) / 2 + fm.ascent(), label)
        p.setPen(s.plain_pen(s.muted, s.stroke * 0.8, Qt.PenStyle.DashLine))
        p.drawLines(self._shapes().rendezvous_lines(tw, s.k))

    def _paint_slots(self, p: QPainter) -> None:
        s = self.style
        slots = self._shapes().slots
        p.setFont(s.token_font)
        full_pen = s.plain_pen(s.darker(s.token, 140), 1.2)
        empty_pen = s.plain_pen(
            s.grid if s.dark else s.muted.lighter(160), 1.2, Qt.PenStyle.DashLine
        )
        for i, r in enumerate(slots):
            rr = r.height() * 0.3
            if i < len(self._values):
                p.setPen(full_pen)
                p.setBrush(s.token)
                p.drawRoundedRect(r, rr, rr)
                p.setPen(s.token_text)
                fit_text(p, r, self._values[i], s.token_fonts)
            else:
                p.setPen(empty_pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(r, rr, rr)


class _Shapes:
    """A channel's fixed shapes for one size and style (item coordinates): made once,
    not at every drawing (see gui.stage.items.render_pixmap on dropping Qt objects).
    The mouths are one path: ``drawPolygon`` copies its polygon into a new Qt object
    and so costs the GIL too, ``drawPath`` does not."""

    __slots__ = ("_dashes", "closed_ends", "mouths", "pipe", "pipe_bottom", "slots")

    def __init__(
        self,
        pipe: QRectF,
        slots: list[QRectF],
        mouths: QPainterPath,
        closed_ends: list[QLineF],
    ) -> None:
        self.pipe = pipe
        self.pipe_bottom = pipe.bottom()
        self.slots = slots
        self.mouths = mouths
        self.closed_ends = closed_ends
        self._dashes: tuple[float, list[QLineF]] | None = None

    def rendezvous_lines(self, label_w: float, k: float) -> list[QLineF]:
        """The dashes either side of an unbuffered channel's label (*label_w* wide)."""
        if self._dashes is None or self._dashes[0] != label_w:
            pipe = self.pipe
            cx, cy = pipe.x() + pipe.width() / 2, pipe.y() + pipe.height() / 2
            self._dashes = (
                label_w,
                [
                    QLineF(pipe.left() + 10 * k, cy, cx - label_w / 2 - 8, cy),
                    QLineF(cx + label_w / 2 + 8, cy, pipe.right() - 10 * k, cy),
                ],
            )
        return self._dashes[1]

    @classmethod
    def make(cls, s: StageStyle, w: float, cap: int, metrics: tuple) -> _Shapes:
        header, end, pad, _ = metrics
        pipe = QRectF(end, header, w - 2 * end, s.slot_h + 2 * pad)
        n = min(cap, MAX_SLOTS)
        inner = n * s.slot_w
        slots = [
            # slot 0 (the oldest) at the right
            QRectF(
                w / 2 + inner / 2 - (i + 1) * s.slot_w + 3 * s.k,
                header + pad,
                s.slot_w - 6 * s.k,
                s.slot_h,
            )
            for i in range(n)
        ]
        left, right, top, bottom = pipe.left(), pipe.right(), pipe.top(), pipe.bottom()
        cy = (top + bottom) / 2
        h = pipe.height() * 0.28
        mouths = QPainterPath()
        for x in (left - end * 0.85, right + end * 0.15):
            mouths.addPolygon(
                QPolygonF([QPointF(x, cy - h), QPointF(x + end * 0.7, cy), QPointF(x, cy + h)])
            )
            mouths.closeSubpath()
        closed_ends = [QLineF(x, top + 3, x, bottom - 3) for x in (left, right)]
        return cls(pipe, slots, mouths, closed_ends)

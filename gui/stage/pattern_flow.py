"""Patterns that shape a flow, drawn as themselves: the token bucket filling to its
burst, the circuit breaker as its state machine, the batcher's pending batch.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from core.trace import PatternView
from gui.stage.items import draw_centered, draw_text, elide
from gui.stage.pattern_base import PatternItem
from gui.stage.style import StageStyle

__all__ = ["SLOTS_MAX", "BatcherItem", "BreakerItem", "TokenBucketItem"]


SLOTS_MAX = 12  # a bucket with a larger burst draws a bar instead of one circle a token


# -- token bucket --------------------------------------------------------------------


class TokenBucketItem(PatternItem):
    """A token bucket: one circle a token up to its burst (or a bar), the tokens it
    holds now (the one being earned as a part), the rate, and requests allowed and
    refused (the stage pulses the card at each refusal)."""

    KIND = "token bucket"
    SIZE = (320.0, 124.0)

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid)
        self.tokens = 0.0  # what the bucket holds at the time shown

    def _look(self, v: PatternView, st: dict, now: float) -> tuple:
        burst = max(1, int(st.get("burst", 1)))
        rate = float(st.get("rate", 0.0))
        held = float(st.get("tokens", 0.0))
        since = max(0.0, now - float(st.get("at", now)))
        self.tokens = min(float(burst), held + since * rate)
        shown = math.floor(self.tokens * 10) / 10  # a tenth of a token is a visible change
        return (
            shown,
            burst,
            rate,
            st.get("allowed", 0),
            st.get("refused", 0),
            st.get("waiting", 0),
        )

    def _tip(self, v: PatternView, st: dict) -> str:
        return (
            f"token bucket {v.name}: {self.tokens:.1f} of {st.get('burst', 1)} tokens, "
            f"earns {float(st.get('rate', 0.0)):g}/s\n"
            f"allowed {st.get('allowed', 0)}, refused {st.get('refused', 0)}, "
            f"waiting {st.get('waiting', 0)}\nlast: {v.text}"
        )

    def _draw(self, p: QPainter, v: PatternView, st: dict) -> None:
        s = self.style
        burst = max(1, int(st.get("burst", 1)))
        refused = int(st.get("refused", 0))
        top = self._frame(p, s.danger if v.what == "refused" else None)
        pad = 10 * s.k
        # The bucket: a trapezoid holding the tokens.
        bw = self.w * 0.52
        bh = self.h - top - pad
        bucket = QRectF(pad, top, bw, bh)
        lip = 8 * s.k
        shape = QPolygonF(
            [
                QPointF(bucket.left(), bucket.top()),
                QPointF(bucket.right(), bucket.top()),
                QPointF(bucket.right() - lip, bucket.bottom()),
                QPointF(bucket.left() + lip, bucket.bottom()),
            ]
        )
        p.setPen(QPen(s.accent, s.stroke))
        p.setBrush(s.surface_alt)
        p.drawPolygon(shape)
        inner = bucket.adjusted(lip + 4 * s.k, 6 * s.k, -lip - 4 * s.k, -6 * s.k)
        if burst <= SLOTS_MAX:
            self._circles(p, inner, burst)
        else:
            self._bar(p, inner, burst)
        # The numbers beside it.
        x = bucket.right() + 10 * s.k
        tw = self.w - x - pad
        y = top
        rate = float(st.get("rate", 0.0))
        lines = [
            (s.text_font, s.fm_text, s.text, f"{self.tokens:.1f} / {burst} tokens"),
            (s.small_font, s.fm_small, s.muted, f"+{rate:g} tokens/s"),
            (s.small_font, s.fm_small, s.ok, f"allowed {st.get('allowed', 0)}"),
            (s.small_bold, s.fm_small, s.danger if refused else s.muted, f"refused {refused}"),
        ]
        waiting = int(st.get("waiting", 0))
        if waiting:
            lines.append((s.small_font, s.fm_small, s.warning, f"{waiting} waiting"))
        for font, fm, color, text in lines:
            p.setFont(font)
            p.setPen(color)
            draw_text(p, x, y + fm.ascent(), elide(fm, text, tw))
            y += fm.height()

    def focus_point(self) -> tuple[float, float]:
        """The bucket's middle (a refusal bounces off it), not the numbers beside it."""
        return (self.px + self.w * 0.28, self.py + self.h * 0.62)

    def _circles(self, p: QPainter, r: QRectF, burst: int) -> None:
        s = self.style
        per_row = burst if burst <= 6 else math.ceil(burst / 2)
        rows = math.ceil(burst / per_row)
        d = min(r.width() / per_row, r.height() / rows) * 0.86
        gap_x = (r.width() - per_row * d) / max(per_row, 1)
        tokens = self.tokens
        for i in range(burst):
            row, col = divmod(i, per_row)
            cx = r.left() + gap_x / 2 + col * (d + gap_x) + d / 2
            cy = r.bottom() - (row + 0.5) * (r.height() / rows)
            circle = QRectF(cx - d / 2, cy - d / 2, d, d)
            p.setPen(QPen(s.muted, 1.2 * s.pen_k))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(circle)
            full = tokens - i
            if full >= 1:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(s.token)
                p.drawEllipse(circle)
            elif full > 0:  # the token being earned, as a pie
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(s.token)
                p.drawPie(circle, 90 * 16, -int(360 * 16 * full))

    def _bar(self, p: QPainter, r: QRectF, burst: int) -> None:
        s = self.style
        bar = QRectF(r.left(), r.center().y() - r.height() * 0.3, r.width(), r.height() * 0.6)
        p.setPen(QPen(s.muted, 1.2 * s.pen_k))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(bar, 4 * s.k, 4 * s.k)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(s.token)
        p.drawRoundedRect(
            QRectF(bar.left(), bar.top(), bar.width() * self.tokens / burst, bar.height()),
            4 * s.k,
            4 * s.k,
        )


# -- circuit breaker -------------------------------------------------------------------

_STATES = ("closed", "open", "half-open")


class BreakerItem(PatternItem):
    """A circuit breaker as its state machine: closed -> open -> half-open -> closed,
    the current state lit; the failure streak while closed, the countdown to
    half-open while open, the trial calls while half-open; and its counters."""

    KIND = "circuit breaker"
    SIZE = (380.0, 128.0)

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid)
        self.detail = ""  # the line under the states, at the time shown

    def _look(self, v: PatternView, st: dict, now: float) -> tuple:
        state = st.get("state", "closed")
        if state == "closed":
            streak, threshold = st.get("consecutive", 0), st.get("threshold", 0)
            self.detail = f"failures in a row: {streak} of {threshold}"
        elif state == "open":
            left = float(st.get("opened_at", 0.0)) + float(st.get("open_timeout", 0.0)) - now
            self.detail = (
                f"half-open in {left:.1f} s"
                if left > 0
                else "timeout over: the next call goes as a trial"
            )
        else:
            self.detail = f"trial calls: {st.get('trials', 0)} of {st.get('half_open_max', 1)}"
        counters = (st.get("successes", 0), st.get("failures", 0), st.get("rejections", 0))
        return (state, self.detail, counters)

    def _tip(self, v: PatternView, st: dict) -> str:
        return (
            f"circuit breaker {v.name}: {st.get('state', 'closed')}\n{self.detail}\n"
            f"succeeded {st.get('successes', 0)}, failed {st.get('failures', 0)}, "
            f"rejected {st.get('rejections', 0)}, "
            f"opened {st.get('opens', 0)}×\nlast: {v.text}"
        )

    def focus_point(self) -> tuple[float, float]:
        """The row of states (a transition lights one)."""
        return (self.px + self.w / 2, self.py + self.h * 0.38)

    def _color(self, state: str) -> QColor:
        s = self.style
        return {"closed": s.ok, "open": s.danger, "half-open": s.warning}[state]

    def _draw(self, p: QPainter, v: PatternView, st: dict) -> None:
        s = self.style
        now_state = st.get("state", "closed")
        top = self._frame(p, self._color(now_state) if now_state != "closed" else None)
        pad = 10 * s.k
        gap = 26 * s.k
        bw = (self.w - 2 * pad - 2 * gap) / 3
        bh = 34 * s.k
        boxes = {}
        for i, name in enumerate(_STATES):
            r = QRectF(pad + i * (bw + gap), top + 4 * s.k, bw, bh)
            boxes[name] = r
            lit = name == now_state
            color = self._color(name)
            p.setPen(QPen(color, s.stroke if lit else 1.2 * s.pen_k))
            p.setBrush(color if lit else s.surface_alt)
            p.drawRoundedRect(r, 8 * s.k, 8 * s.k)
            p.setFont(s.small_bold)
            p.setPen(s.on(color) if lit else s.muted)
            draw_centered(
                p, r, elide(s.fm_small_bold, name.upper(), r.width() - 4), s.fm_small_bold
            )
        # closed -> open -> half-open, and half-open back to closed underneath.
        p.setPen(QPen(s.muted, 1.4 * s.pen_k))
        for a, b in (("closed", "open"), ("open", "half-open")):
            ra, rb = boxes[a], boxes[b]
            y = ra.center().y()
            _arrow(p, QPointF(ra.right() + 3 * s.k, y), QPointF(rb.left() - 3 * s.k, y), s)
        ra, rb = boxes["half-open"], boxes["closed"]
        path = QPainterPath(QPointF(ra.center().x(), ra.bottom() + 2 * s.k))
        low = ra.bottom() + 12 * s.k
        path.cubicTo(
            QPointF(ra.center().x(), low),
            QPointF(rb.center().x(), low),
            QPointF(rb.center().x(), rb.bottom() + 2 * s.k),
        )
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        _head(p, QPointF(rb.center().x(), rb.bottom() + 2 * s.k), -math.pi / 2, s)
        # What happens now, and the counters.
        y = boxes["closed"].bottom() + 16 * s.k
        color = self._color(now_state) if now_state != "closed" else s.text
        y = self._line(p, y, self.detail, color, big=True)
        self._line(
            p,
            y,
            f"ok {st.get('successes', 0)} · failed {st.get('failures', 0)} · "
            f"rejected {st.get('rejections', 0)} · opened {st.get('opens', 0)}×",
        )


def _arrow(p: QPainter, a: QPointF, b: QPointF, s: StageStyle) -> None:
    p.drawLine(a, b)
    _head(p, b, math.atan2(b.y() - a.y(), b.x() - a.x()), s)


def _head(p: QPainter, tip: QPointF, angle: float, s: StageStyle) -> None:
    size = 7 * s.k
    left = QPointF(tip.x() - size * math.cos(angle - 0.45), tip.y() - size * math.sin(angle - 0.45))
    right = QPointF(
        tip.x() - size * math.cos(angle + 0.45), tip.y() - size * math.sin(angle + 0.45)
    )
    p.save()
    p.setBrush(p.pen().color())
    p.drawPolygon(QPolygonF([tip, left, right]))
    p.restore()


# -- batcher ----------------------------------------------------------------------------


class BatcherItem(PatternItem):
    """A batcher's pending batch: one slot an item up to *max_items* (or a bar), the
    time left before it flushes by time, and why the last batch was flushed."""

    KIND = "batcher"
    SIZE = (340.0, 108.0)

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid)
        self.left = 0.0  # seconds before the pending batch flushes by time (0: none pending)

    def _look(self, v: PatternView, st: dict, now: float) -> tuple:
        pending = int(st.get("pending", 0))
        wait = float(st.get("max_wait", 0.0))
        self.left = max(0.0, float(st.get("since", 0.0)) + wait - now) if pending else 0.0
        return (
            pending,
            round(self.left, 1),
            v.what,
            st.get("size", 0),
            st.get("by_size", 0),
            st.get("by_time", 0),
            st.get("by_close", 0),
        )

    def _tip(self, v: PatternView, st: dict) -> str:
        return (
            f"{v.name}: {st.get('pending', 0)} of {st.get('max_items', 0)} items pending\n"
            f"flushed by size {st.get('by_size', 0)}, by time {st.get('by_time', 0)}, "
            f"at close {st.get('by_close', 0)}\nlast: {v.text}"
        )

    def _draw(self, p: QPainter, v: PatternView, st: dict) -> None:
        s = self.style
        pending = int(st.get("pending", 0))
        most = max(1, int(st.get("max_items", 1)))
        top = self._frame(p)
        pad = 10 * s.k
        # The slots of the batch.
        row = QRectF(pad, top + 2 * s.k, self.w - 2 * pad, 26 * s.k)
        if most <= 16:
            gap = 4 * s.k
            w = (row.width() - gap * (most - 1)) / most
            for i in range(most):
                r = QRectF(row.left() + i * (w + gap), row.top(), w, row.height())
                p.setPen(QPen(s.muted, 1.2 * s.pen_k))
                p.setBrush(s.token if i < pending else s.surface_alt)
                p.drawRoundedRect(r, 4 * s.k, 4 * s.k)
        else:
            p.setPen(QPen(s.muted, 1.2 * s.pen_k))
            p.setBrush(s.surface_alt)
            p.drawRoundedRect(row, 4 * s.k, 4 * s.k)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(s.token)
            p.drawRoundedRect(
                QRectF(row.left(), row.top(), row.width() * pending / most, row.height()),
                4 * s.k,
                4 * s.k,
            )
        y = row.bottom() + 6 * s.k
        # The time left before a flush by time.
        wait = float(st.get("max_wait", 0.0))
        if pending:
            text = f"{pending} of {most} · flush by time in {self.left:.1f} s"
            color = s.warning if wait and self.left < wait * 0.25 else s.text
        else:
            text = f"empty · flushes at {most} items or {wait:g} s after the first"
            color = s.muted
        y = self._line(p, y, text, color, big=True)
        last = v.text if v.what.startswith("flushed") else f"last flush: {st.get('size', 0)}"
        self._line(
            p,
            y,
            f"{last} · by size {st.get('by_size', 0)} · by time {st.get('by_time', 0)}"
            f" · at close {st.get('by_close', 0)}",
        )

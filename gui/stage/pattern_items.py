"""Patterns drawn as themselves: a token bucket filling to its burst, a circuit
breaker as its state machine.

Each item shows a :class:`core.trace.model.PatternView` (the pattern's own
records, Kind.PATTERN) at the stage's runtime time: a bucket earns tokens
between records, and an open breaker counts down to half-open, so both take
the time in :meth:`show_view`. :func:`pattern_item` makes the item for a
view's ``pattern``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from core.trace import PatternView
from gui.stage.items import StageItem, elide
from gui.stage.style import StageStyle

__all__ = [
    "BatcherItem",
    "BreakerItem",
    "CacheItem",
    "ErrGroupItem",
    "PatternItem",
    "TokenBucketItem",
    "WorkerPoolItem",
    "pattern_item",
]

SLOTS_MAX = 12  # a bucket with a larger burst draws a bar instead of one circle a token


class PatternItem(StageItem):
    """A card: the pattern's name and kind on top, its own drawing below."""

    KIND = ""
    SIZE = (300.0, 120.0)

    def __init__(self, style: StageStyle, oid: int) -> None:
        w, h = self.SIZE
        super().__init__(style, w * style.k, h * style.k)
        self.oid = oid
        self.title = ""  # set by the stage to tell namesakes apart
        self._v: PatternView | None = None
        self.setZValue(1)

    def restyle(self, style: StageStyle) -> None:
        super().restyle(style)
        self.w, self.h = self.SIZE[0] * style.k, self.SIZE[1] * style.k

    def show_view(self, v: PatternView, now: float) -> bool:
        """Show *v* at runtime time *now*; True if the drawing changed."""
        raise NotImplementedError

    def focus_point(self) -> tuple[float, float]:
        """Where the stage pulses when the pattern acts (scene coordinates)."""
        return self.center()

    def _frame(self, p: QPainter, border: QColor | None = None) -> float:
        """The card and its header; returns the y where the drawing starts."""
        s = self.style
        p.setPen(QPen(border if border is not None else s.grid, s.stroke if border else 1.0))
        p.setBrush(s.surface)
        r = 10 * s.k
        p.drawRoundedRect(QRectF(0, 0, self.w, self.h), r, r)
        pad = 10 * s.k
        name = self.title or (self._v.name if self._v else "")
        p.setFont(s.name_font)
        p.setPen(s.text)
        nw = min(s.fm_name.horizontalAdvance(name), self.w * 0.55)
        p.drawText(QPointF(pad, pad + s.fm_name.ascent()), elide(s.fm_name, name, nw))
        p.setFont(s.small_font)
        p.setPen(s.muted)
        x = pad + nw + 8 * s.k
        base = pad + s.fm_name.ascent()
        p.drawText(QPointF(x, base), elide(s.fm_small, self.KIND, self.w - x - pad))
        return pad + s.fm_name.height() + 4 * s.k


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

    def show_view(self, v: PatternView, now: float) -> bool:
        self._v = v
        st = v.state
        burst = max(1, int(st.get("burst", 1)))
        rate = float(st.get("rate", 0.0))
        held = float(st.get("tokens", 0.0))
        since = max(0.0, now - float(st.get("at", now)))
        self.tokens = min(float(burst), held + since * rate)
        shown = math.floor(self.tokens * 10) / 10  # a tenth of a token is a visible change
        key = (
            self.title or v.name,
            shown,
            burst,
            rate,
            st.get("allowed", 0),
            st.get("refused", 0),
            st.get("waiting", 0),
        )
        if not self.set_key(key):
            return False
        self.tip = (
            f"token bucket {v.name}: {self.tokens:.1f} of {burst} tokens, earns {rate:g}/s\n"
            f"allowed {st.get('allowed', 0)}, refused {st.get('refused', 0)}, "
            f"waiting {st.get('waiting', 0)}\nlast: {v.text}"
        )
        return True

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        st = v.state
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
            p.drawText(QPointF(x, y + fm.ascent()), elide(fm, text, tw))
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
            p.setBrush(Qt.NoBrush)
            p.drawEllipse(circle)
            full = tokens - i
            if full >= 1:
                p.setPen(Qt.NoPen)
                p.setBrush(s.token)
                p.drawEllipse(circle)
            elif full > 0:  # the token being earned, as a pie
                p.setPen(Qt.NoPen)
                p.setBrush(s.token)
                p.drawPie(circle, 90 * 16, -int(360 * 16 * full))

    def _bar(self, p: QPainter, r: QRectF, burst: int) -> None:
        s = self.style
        bar = QRectF(r.left(), r.center().y() - r.height() * 0.3, r.width(), r.height() * 0.6)
        p.setPen(QPen(s.muted, 1.2 * s.pen_k))
        p.setBrush(Qt.NoBrush)
        p.drawRoundedRect(bar, 4 * s.k, 4 * s.k)
        p.setPen(Qt.NoPen)
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

    def show_view(self, v: PatternView, now: float) -> bool:
        self._v = v
        st = v.state
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
        if not self.set_key((self.title or v.name, state, self.detail, counters)):
            return False
        self.tip = (
            f"circuit breaker {v.name}: {state}\n{self.detail}\n"
            f"succeeded {counters[0]}, failed {counters[1]}, rejected {counters[2]}, "
            f"opened {st.get('opens', 0)}×\nlast: {v.text}"
        )
        return True

    def focus_point(self) -> tuple[float, float]:
        """The row of states (a transition lights one)."""
        return (self.px + self.w / 2, self.py + self.h * 0.38)

    def _color(self, state: str) -> QColor:
        s = self.style
        return {"closed": s.ok, "open": s.danger, "half-open": s.warning}[state]

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        st = v.state
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
            p.drawText(r, Qt.AlignCenter, elide(s.fm_small, name.upper(), r.width() - 4))
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
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
        _head(p, QPointF(rb.center().x(), rb.bottom() + 2 * s.k), -math.pi / 2, s)
        # What happens now, and the counters.
        y = boxes["closed"].bottom() + 16 * s.k
        p.setFont(s.text_font)
        p.setPen(self._color(now_state) if now_state != "closed" else s.text)
        p.drawText(
            QPointF(pad, y + s.fm_text.ascent()), elide(s.fm_text, self.detail, self.w - 2 * pad)
        )
        y += s.fm_text.height()
        p.setFont(s.small_font)
        p.setPen(s.muted)
        counters = (
            f"ok {st.get('successes', 0)} · failed {st.get('failures', 0)} · "
            f"rejected {st.get('rejections', 0)} · opened {st.get('opens', 0)}×"
        )
        p.drawText(
            QPointF(pad, y + s.fm_small.ascent()), elide(s.fm_small, counters, self.w - 2 * pad)
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

    def show_view(self, v: PatternView, now: float) -> bool:
        self._v = v
        st = v.state
        pending = int(st.get("pending", 0))
        wait = float(st.get("max_wait", 0.0))
        self.left = max(0.0, float(st.get("since", 0.0)) + wait - now) if pending else 0.0
        key = (
            self.title or v.name,
            pending,
            round(self.left, 1),
            v.what,
            st.get("size", 0),
            st.get("by_size", 0),
            st.get("by_time", 0),
            st.get("by_close", 0),
        )
        if not self.set_key(key):
            return False
        self.tip = (
            f"{v.name}: {pending} of {st.get('max_items', 0)} items pending\n"
            f"flushed by size {st.get('by_size', 0)}, by time {st.get('by_time', 0)}, "
            f"at close {st.get('by_close', 0)}\nlast: {v.text}"
        )
        return True

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        st = v.state
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
            p.setPen(Qt.NoPen)
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
        p.setFont(s.text_font)
        p.setPen(color)
        p.drawText(QPointF(pad, y + s.fm_text.ascent()), elide(s.fm_text, text, self.w - 2 * pad))
        y += s.fm_text.height()
        last = v.text if v.what.startswith("flushed") else f"last flush: {st.get('size', 0)}"
        counts = (
            f"{last} · by size {st.get('by_size', 0)} · by time {st.get('by_time', 0)}"
            f" · at close {st.get('by_close', 0)}"
        )
        p.setFont(s.small_font)
        p.setPen(s.muted)
        p.drawText(
            QPointF(pad, y + s.fm_small.ascent()), elide(s.fm_small, counts, self.w - 2 * pad)
        )


# -- errgroup ----------------------------------------------------------------------------


class ErrGroupItem(PatternItem):
    """An errgroup: one pip a member (running, returned nil, failed, stopped by the
    cancelled context), the first error and who returned it, and what wait() said."""

    KIND = "errgroup"
    SIZE = (340.0, 108.0)
    PIPS_MAX = 24

    def show_view(self, v: PatternView, now: float) -> bool:
        self._v = v
        st = v.state
        key = (
            self.title or v.name,
            tuple(st.get(k, 0) for k in ("started", "running", "ok", "failed", "cancelled")),
            st.get("first", ""),
            bool(st.get("over")),
        )
        if not self.set_key(key):
            return False
        first = st.get("first", "")
        self.tip = (
            f"errgroup {v.name}: {st.get('running', 0)} running, {st.get('ok', 0)} returned nil, "
            f"{st.get('failed', 0)} failed, {st.get('cancelled', 0)} cancelled\n"
            + (f"first error: {first} ({st.get('first_by', '')})" if first else "no error")
            + f"\nlast: {v.text}"
        )
        return True

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        st = v.state
        first = st.get("first", "")
        top = self._frame(p, s.danger if first and not st.get("over") else None)
        pad = 10 * s.k
        kinds = (
            ("ok", s.ok),
            ("failed", s.danger),
            ("cancelled", s.muted),
            ("running", s.state_color("running")),
        )
        pips = [color for k, color in kinds for _ in range(int(st.get(k, 0)))][: self.PIPS_MAX]
        d = 16 * s.k
        x = pad
        for color in pips:
            p.setPen(QPen(color, 1.2 * s.pen_k))
            p.setBrush(color)
            p.drawEllipse(QRectF(x, top + 2 * s.k, d, d))
            x += d + 4 * s.k
        y = top + d + 8 * s.k
        if st.get("over"):
            line, color = (
                (f"wait() returned: {first}" if first else "wait() returned nil"),
                (s.danger if first else s.ok),
            )
        elif first:
            line, color = f"first error: {first}", s.danger
        else:
            line, color = "no error yet: wait() would return nil", s.text
        p.setFont(s.text_font)
        p.setPen(color)
        p.drawText(QPointF(pad, y + s.fm_text.ascent()), elide(s.fm_text, line, self.w - 2 * pad))
        y += s.fm_text.height()
        limit = int(st.get("limit", 0))
        counts = (
            (f"limit {limit} · " if limit else "")
            + f"running {st.get('running', 0)} · ok {st.get('ok', 0)} · "
            f"failed {st.get('failed', 0)} · cancelled {st.get('cancelled', 0)}"
        )
        p.setFont(s.small_font)
        p.setPen(s.muted)
        p.drawText(
            QPointF(pad, y + s.fm_small.ascent()), elide(s.fm_small, counts, self.w - 2 * pad)
        )


# -- worker pool ---------------------------------------------------------------------------


class WorkerPoolItem(PatternItem):
    """A worker pool's own state: its phase (running, draining, stopped), one pip a
    worker (busy filled), the bounded queue's slots, and jobs accepted, refused
    (the stage pulses the card at each refusal), retried, done and failed."""

    KIND = "worker pool"
    SIZE = (360.0, 112.0)

    def show_view(self, v: PatternView, now: float) -> bool:
        self._v = v
        st = v.state
        fields = ("phase", "workers", "busy", "queued", "queue_size", "accepted", "rejected")
        key = (
            self.title or v.name,
            tuple(st.get(k) for k in fields),
            tuple(st.get(k) for k in ("retried", "completed", "failed")),
        )
        if not self.set_key(key):
            return False
        self.tip = (
            f"worker pool {v.name}: {st.get('phase', '')}, {st.get('workers', 0)} workers "
            f"({st.get('busy', 0)} busy), queue {st.get('queued', 0)} of "
            f"{st.get('queue_size', 0)}\naccepted {st.get('accepted', 0)}, refused "
            f"{st.get('rejected', 0)}, retried {st.get('retried', 0)}\nlast: {v.text}"
        )
        return True

    def _phase_color(self, phase: str) -> QColor:
        s = self.style
        return {"running": s.ok, "draining": s.warning}.get(phase, s.muted)

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        st = v.state
        phase = str(st.get("phase", "running"))
        top = self._frame(p, s.warning if phase == "draining" else None)
        pad = 10 * s.k
        # The phase, as a badge in the header's right corner.
        p.setFont(s.small_bold)
        tw = s.fm_small.horizontalAdvance(phase.upper()) + 14 * s.k
        badge = QRectF(self.w - pad - tw, pad, tw, s.fm_small.height() + 4 * s.k)
        color = self._phase_color(phase)
        p.setPen(Qt.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        p.setPen(s.on(color))
        p.drawText(badge, Qt.AlignCenter, phase.upper())
        # Workers (busy ones filled), then the queue's slots.
        y = top + 2 * s.k
        d = 16 * s.k
        x = pad
        busy, workers = int(st.get("busy", 0)), int(st.get("workers", 0))
        running = s.state_color("running")
        for i in range(min(workers, 12)):
            p.setPen(QPen(running, 1.4 * s.pen_k))
            p.setBrush(running if i < busy else Qt.NoBrush)
            p.drawEllipse(QRectF(x, y, d, d))
            x += d + 4 * s.k
        p.setFont(s.small_font)
        p.setPen(s.muted)
        label = f"{busy}/{workers} busy"
        p.drawText(QPointF(x + 2 * s.k, y + (d + s.fm_small.ascent()) / 2 - 1), label)
        x += s.fm_small.horizontalAdvance(label) + 16 * s.k
        size, queued = int(st.get("queue_size", 0)), int(st.get("queued", 0))
        slot = 12 * s.k
        room = self.w - pad - x - s.fm_small.horizontalAdvance("queue 00/00") - 6 * s.k
        if size and room > slot:
            per = min(size, int(room // (slot + 3 * s.k)))
            for i in range(per):
                r = QRectF(x + i * (slot + 3 * s.k), y + 1, slot, d - 2)
                p.setPen(QPen(s.muted, 1.0 * s.pen_k))
                p.setBrush(s.token if i < queued * per / size else s.surface_alt)
                p.drawRoundedRect(r, 2 * s.k, 2 * s.k)
            x += per * (slot + 3 * s.k) + 4 * s.k
        full = size and queued >= size
        p.setPen(s.danger if full else s.muted)
        p.drawText(QPointF(x, y + (d + s.fm_small.ascent()) / 2 - 1), f"queue {queued}/{size}")
        y += d + 8 * s.k
        refused = int(st.get("rejected", 0))
        p.setFont(s.text_font)
        p.setPen(s.text)
        head = f"accepted {st.get('accepted', 0)} · "
        p.drawText(QPointF(pad, y + s.fm_text.ascent()), head)
        hx = pad + s.fm_text.horizontalAdvance(head)
        p.setPen(s.danger if refused else s.muted)
        p.drawText(QPointF(hx, y + s.fm_text.ascent()), f"refused {refused}")
        y += s.fm_text.height()
        p.setFont(s.small_font)
        p.setPen(s.muted)
        counts = (
            f"retried {st.get('retried', 0)} · done {st.get('completed', 0)} · "
            f"failed {st.get('failed', 0)}"
        )
        p.drawText(
            QPointF(pad, y + s.fm_small.ascent()), elide(s.fm_small, counts, self.w - 2 * pad)
        )


# -- cache ---------------------------------------------------------------------------------


class CacheItem(PatternItem):
    """A cache's entries, each with its TTL running out as a bar (grey: expired, still
    there until the janitor evicts it), and the loads in flight with the callers
    waiting for each (singleflight)."""

    KIND = "cache"
    SIZE = (380.0, 168.0)
    COLS, ROWS = 3, 4

    def __init__(self, style: StageStyle, oid: int) -> None:
        super().__init__(style, oid)
        self.left: list[tuple[str, float]] = []  # (key, fraction of the TTL left) as shown

    def show_view(self, v: PatternView, now: float) -> bool:
        self._v = v
        st = v.state
        ttl = float(st.get("ttl", 1.0)) or 1.0
        self.left = [
            (str(k), max(0.0, min(1.0, (float(exp) - now) / ttl)))
            for k, exp in st.get("entries", ())[: self.COLS * self.ROWS]
        ]
        key = (
            self.title or v.name,
            tuple((k, math.ceil(f * 20)) for k, f in self.left),
            st.get("size", 0),
            tuple(st.get("loading", ())),
        )
        if not self.set_key(key):
            return False
        fresh = sum(1 for _, f in self.left if f > 0)
        self.tip = (
            f"cache {v.name}: {st.get('size', 0)} entries ({fresh} shown fresh), "
            f"TTL {ttl:g} s\n{self._loading_text()}\nlast: {v.text}"
        )
        return True

    def _loading_text(self) -> str:
        loading = self._v.state.get("loading", ()) if self._v else ()
        if not loading:
            return "no load in flight"
        # Loads that others wait for first (a stampede), then in the keys' order.
        loading = sorted(loading, key=lambda kn: -kn[1])
        parts = [f"{k} ({n} waiting)" if n else str(k) for k, n in loading[:4]]
        more = f" +{len(loading) - 4}" if len(loading) > 4 else ""
        return "loading " + ", ".join(parts) + more

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is None:
            return
        s = self.style
        st = v.state
        top = self._frame(p)
        pad = 10 * s.k
        p.setFont(s.small_font)
        p.setPen(s.muted)
        size = int(st.get("size", 0))
        summary = f"{size} entries · TTL {float(st.get('ttl', 0)):g} s"
        sw = s.fm_small.horizontalAdvance(summary)
        p.drawText(QPointF(self.w - pad - sw, pad + s.fm_name.ascent()), summary)
        gap = 8 * s.k
        cw = (self.w - 2 * pad - gap * (self.COLS - 1)) / self.COLS
        rh = 22 * s.k
        kw = s.fm_small.horizontalAdvance("k000") + 4 * s.k
        for i, (k, f) in enumerate(self.left):
            row, col = divmod(i, self.COLS)
            x = pad + col * (cw + gap)
            y = top + row * rh
            p.setFont(s.small_bold)
            p.setPen(s.text if f > 0 else s.muted)
            p.drawText(QPointF(x, y + (rh + s.fm_small.ascent()) / 2 - 2), elide(s.fm_small, k, kw))
            bar = QRectF(x + kw, y + rh * 0.28, cw - kw, rh * 0.44)
            p.setPen(QPen(s.grid, 1.0))
            p.setBrush(s.surface_alt)
            p.drawRoundedRect(bar, 3 * s.k, 3 * s.k)
            if f > 0:
                p.setPen(Qt.NoPen)
                p.setBrush(s.warning if f < 0.25 else s.ok)
                p.drawRoundedRect(
                    QRectF(bar.left(), bar.top(), bar.width() * f, bar.height()), 3 * s.k, 3 * s.k
                )
            else:
                p.setFont(s.small_font)
                p.setPen(s.muted)
                p.drawText(bar, Qt.AlignCenter, "expired")
        if size > len(self.left):
            p.setFont(s.small_font)
            p.setPen(s.muted)
            y = top + self.ROWS * rh
            p.drawText(QPointF(pad, y + s.fm_small.ascent()), f"+{size - len(self.left)} more")
        y = top + self.ROWS * rh + 4 * s.k
        loading = st.get("loading", ())
        p.setFont(s.text_font)
        p.setPen(s.state_color("blocked_recv") if loading else s.muted)
        text = self._loading_text()
        x = pad + (
            s.fm_small.horizontalAdvance("+00 more") + 8 * s.k if size > len(self.left) else 0
        )
        p.drawText(QPointF(x, y + s.fm_text.ascent()), elide(s.fm_text, text, self.w - x - pad))


_ITEMS: dict[str, type[PatternItem]] = {
    "token-bucket": TokenBucketItem,
    "circuit-breaker": BreakerItem,
    "batcher": BatcherItem,
    "errgroup": ErrGroupItem,
    "worker-pool": WorkerPoolItem,
    "cache": CacheItem,
}


def pattern_item(style: StageStyle, v: PatternView) -> PatternItem | None:
    """The item that draws *v*'s pattern, or None for a pattern the stage cannot draw."""
    cls = _ITEMS.get(v.pattern)
    return cls(style, v.id) if cls is not None else None

"""Patterns that share out work, drawn as themselves: the errgroup's members and first
error, the worker pool's phase, workers, queue and refusals, the cache's entries with
their TTL and the loads callers wait for.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from core.trace import PatternView
from gui.stage.items import draw_centered, draw_text, elide
from gui.stage.pattern_base import PatternItem
from gui.stage.style import StageStyle

__all__ = ["CacheItem", "ErrGroupItem", "WorkerPoolItem"]


# -- errgroup ----------------------------------------------------------------------------


class ErrGroupItem(PatternItem):
    """An errgroup: one pip a member (running, returned nil, failed, stopped by the
    cancelled context), the first error and who returned it, and what wait() said."""

    KIND = "errgroup"
    SIZE = (340.0, 108.0)
    PIPS_MAX = 24

    def _look(self, v: PatternView, st: dict, now: float) -> tuple:
        return (
            tuple(st.get(k, 0) for k in ("started", "running", "ok", "failed", "cancelled")),
            st.get("first", ""),
            bool(st.get("over")),
        )

    def _tip(self, v: PatternView, st: dict) -> str:
        first = st.get("first", "")
        return (
            f"errgroup {v.name}: {st.get('running', 0)} running, {st.get('ok', 0)} returned nil, "
            f"{st.get('failed', 0)} failed, {st.get('cancelled', 0)} cancelled\n"
            + (f"first error: {first} ({st.get('first_by', '')})" if first else "no error")
            + f"\nlast: {v.text}"
        )

    def _draw(self, p: QPainter, v: PatternView, st: dict) -> None:
        s = self.style
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
        y = self._line(p, y, line, color, big=True)
        limit = int(st.get("limit", 0))
        self._line(
            p,
            y,
            (f"limit {limit} · " if limit else "")
            + f"running {st.get('running', 0)} · ok {st.get('ok', 0)} · "
            f"failed {st.get('failed', 0)} · cancelled {st.get('cancelled', 0)}",
        )


# -- worker pool ---------------------------------------------------------------------------


class WorkerPoolItem(PatternItem):
    """A worker pool's own state: its phase (running, draining, stopped), one pip a
    worker (busy filled), the bounded queue's slots, and jobs accepted, refused
    (the stage pulses the card at each refusal), retried, done and failed."""

    KIND = "worker pool"
    SIZE = (360.0, 112.0)

    def _look(self, v: PatternView, st: dict, now: float) -> tuple:
        fields = ("phase", "workers", "busy", "queued", "queue_size", "accepted", "rejected")
        return (
            tuple(st.get(k) for k in fields),
            tuple(st.get(k) for k in ("retried", "completed", "failed")),
        )

    def _tip(self, v: PatternView, st: dict) -> str:
        return (
            f"worker pool {v.name}: {st.get('phase', '')}, {st.get('workers', 0)} workers "
            f"({st.get('busy', 0)} busy), queue {st.get('queued', 0)} of "
            f"{st.get('queue_size', 0)}\naccepted {st.get('accepted', 0)}, refused "
            f"{st.get('rejected', 0)}, retried {st.get('retried', 0)}\nlast: {v.text}"
        )

    def _phase_color(self, phase: str) -> QColor:
        s = self.style
        return {"running": s.ok, "draining": s.warning}.get(phase, s.muted)

    def _draw(self, p: QPainter, v: PatternView, st: dict) -> None:
        s = self.style
        phase = str(st.get("phase", "running"))
        top = self._frame(p, s.warning if phase == "draining" else None)
        pad = 10 * s.k
        # The phase, as a badge in the header's right corner.
        p.setFont(s.small_bold)
        tw = s.fm_small.horizontalAdvance(phase.upper()) + 14 * s.k
        badge = QRectF(self.w - pad - tw, pad, tw, s.fm_small.height() + 4 * s.k)
        color = self._phase_color(phase)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
        p.setPen(s.on(color))
        draw_centered(p, badge, phase.upper(), s.fm_small_bold)
        # Workers (busy ones filled), then the queue's slots.
        y = top + 2 * s.k
        d = 16 * s.k
        x = pad
        busy, workers = int(st.get("busy", 0)), int(st.get("workers", 0))
        running = s.state_color("running")
        for i in range(min(workers, 12)):
            p.setPen(QPen(running, 1.4 * s.pen_k))
            p.setBrush(running if i < busy else Qt.BrushStyle.NoBrush)
            p.drawEllipse(QRectF(x, y, d, d))
            x += d + 4 * s.k
        p.setFont(s.small_font)
        p.setPen(s.muted)
        label = f"{busy}/{workers} busy"
        draw_text(p, x + 2 * s.k, y + (d + s.fm_small.ascent()) / 2 - 1, label)
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
        draw_text(p, x, y + (d + s.fm_small.ascent()) / 2 - 1, f"queue {queued}/{size}")
        y += d + 8 * s.k
        refused = int(st.get("rejected", 0))
        p.setFont(s.text_font)
        p.setPen(s.text)
        head = f"accepted {st.get('accepted', 0)} · "
        draw_text(p, pad, y + s.fm_text.ascent(), head)
        hx = pad + s.fm_text.horizontalAdvance(head)
        p.setPen(s.danger if refused else s.muted)
        draw_text(p, hx, y + s.fm_text.ascent(), f"refused {refused}")
        y += s.fm_text.height()
        self._line(
            p,
            y,
            f"retried {st.get('retried', 0)} · done {st.get('completed', 0)} · "
            f"failed {st.get('failed', 0)}",
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

    def _look(self, v: PatternView, st: dict, now: float) -> tuple:
        ttl = float(st.get("ttl", 1.0)) or 1.0
        self.left = [
            (str(k), max(0.0, min(1.0, (float(exp) - now) / ttl)))
            for k, exp in st.get("entries", ())[: self.COLS * self.ROWS]
        ]
        return (
            tuple((k, math.ceil(f * 20)) for k, f in self.left),
            st.get("size", 0),
            tuple(st.get("loading", ())),
        )

    def _tip(self, v: PatternView, st: dict) -> str:
        fresh = sum(1 for _, f in self.left if f > 0)
        return (
            f"cache {v.name}: {st.get('size', 0)} entries ({fresh} shown fresh), "
            f"TTL {float(st.get('ttl', 1.0)):g} s\n{self._loading_text()}\nlast: {v.text}"
        )

    def _loading_text(self) -> str:
        loading = self._v.state.get("loading", ()) if self._v else ()
        if not loading:
            return "no load in flight"
        # Loads that others wait for first (a stampede), then in the keys' order.
        loading = sorted(loading, key=lambda kn: -kn[1])
        parts = [f"{k} ({n} waiting)" if n else str(k) for k, n in loading[:4]]
        more = f" +{len(loading) - 4}" if len(loading) > 4 else ""
        return "loading " + ", ".join(parts) + more

    def _draw(self, p: QPainter, v: PatternView, st: dict) -> None:
        s = self.style
        top = self._frame(p)
        pad = 10 * s.k
        p.setFont(s.small_font)
        p.setPen(s.muted)
        size = int(st.get("size", 0))
        summary = f"{size} entries · TTL {float(st.get('ttl', 0)):g} s"
        sw = s.fm_small.horizontalAdvance(summary)
        draw_text(p, self.w - pad - sw, pad + s.fm_name.ascent(), summary)
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
            draw_text(p, x, y + (rh + s.fm_small.ascent()) / 2 - 2, elide(s.fm_small, k, kw))
            bar = QRectF(x + kw, y + rh * 0.28, cw - kw, rh * 0.44)
            p.setPen(QPen(s.grid, 1.0))
            p.setBrush(s.surface_alt)
            p.drawRoundedRect(bar, 3 * s.k, 3 * s.k)
            if f > 0:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(s.warning if f < 0.25 else s.ok)
                p.drawRoundedRect(
                    QRectF(bar.left(), bar.top(), bar.width() * f, bar.height()), 3 * s.k, 3 * s.k
                )
            else:
                p.setFont(s.small_font)
                p.setPen(s.muted)
                draw_centered(p, bar, "expired", s.fm_small)
        if size > len(self.left):
            p.setFont(s.small_font)
            p.setPen(s.muted)
            y = top + self.ROWS * rh
            draw_text(p, pad, y + s.fm_small.ascent(), f"+{size - len(self.left)} more")
        y = top + self.ROWS * rh + 4 * s.k
        loading = st.get("loading", ())
        p.setFont(s.text_font)
        p.setPen(s.state_color("blocked_recv") if loading else s.muted)
        text = self._loading_text()
        x = pad + (
            s.fm_small.horizontalAdvance("+00 more") + 8 * s.k if size > len(self.left) else 0
        )
        draw_text(p, x, y + s.fm_text.ascent(), elide(s.fm_text, text, self.w - x - pad))

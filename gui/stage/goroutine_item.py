"""A goroutine on the stage: a badge (state by colour, shape and glyph), its name,
what it waits on, the last thing it did, and the scoreboard of its latest select.

Three levels of detail, chosen by the view from how many goroutines are shown:
"full" (badge, three lines, select card), "small" (badge, name, status) and
"dot" (a 16-unit mark whose colour and outline still say the state).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

from core.trace import GoroutineView, SelectView
from gui.stage.items import Point, StageItem, draw_text, elide, render_pixmap
from gui.stage.style import STATE_LABELS, StageStyle, paint_state_badge_at, state_shape

__all__ = ["GoroutineItem", "display_name", "status_line"]


TEACHER_PREFIX = "teacher:"  # the goroutine a teacher's action runs in (core.scenarios)


def display_name(name: str) -> str:
    """A goroutine's name as the stage draws it: a teacher action's goroutine
    ("teacher:close-early") reads "teacher: close early"."""
    if name.startswith(TEACHER_PREFIX):
        return "teacher: " + name[len(TEACHER_PREFIX) :].replace("-", " ")
    return name


_MAX_CASES = 6


def select_header(sel: SelectView) -> str:
    """The first line of a goroutine's select card: what its latest select did."""
    if sel.count == 0:
        return "select: no pick yet"
    return "select: last pick" if sel.picked != -1 else "select: took default"


def status_line(
    g: GoroutineView,
    name_of: Callable[[int], str],
    hides: Callable[[int], bool] | None = None,
) -> str:
    """What the goroutine is doing, in a learner's words (what it waits on).

    A select leaves out the channels *hides* (an object id) says are kept off the
    stage (a metric ticker, the run's root context): only what the lesson is about.
    """
    st = g.state
    obj = g.waiting_on_name or (name_of(g.waiting_on) if g.waiting_on else "")
    if g.gate:
        return f"paused before {g.gate}"
    if st == "blocked_send":
        return f"waits to send on {obj}" if obj else "waits to send"
    if st == "blocked_recv":
        if "nil" in g.wait_reason:
            return "receives from a nil channel: forever"
        return f"waits to receive from {obj}" if obj else "waits to receive"
    if st == "blocked_select":
        names = [name_of(c) for c in g.waiting_chans if not (hides and hides(c))]
        names = [n for n in names if n]
        return f"select on {', '.join(names)}" if names else "waits in select"
    if st == "blocked_lock":
        verb = "RLock" if "rlock" in g.wait_reason.lower() else "Lock"
        return f"waits to {verb} {obj}" if obj else f"waits: {g.wait_reason}"
    if st == "blocked_waitgroup":
        return f"waits in {obj}.Wait()" if obj else "waits in Wait()"
    if st == "sleeping":
        return "sleeping"
    if st == "panicked":
        return f"panic: {g.panic}" if g.panic else "panicked"
    return STATE_LABELS.get(st, st)


class GoroutineItem(StageItem):
    """One goroutine (see the module docstring). Click: the view emits goroutine_clicked."""

    # Whether the object of an id is kept off the stage (set by the view).
    hides: Callable[[int], bool] | None = None
    # How a select case names its channel (set by the view: a timer's case counts down).
    case_name: Callable[[int], str] | None = None
    # An object's own (runtime) name, to show the stage's name for it in the last
    # operation's words ("received 3 from ctx.Done()", not "... from ctx-1452.Done").
    object_name: Callable[[int], str] | None = None

    def __init__(self, style: StageStyle, gid: int, lod: str = "full") -> None:
        self.lod = lod
        w, h = self._size(style, lod, 0)
        super().__init__(style, w, h)
        self.gid = gid
        self.state = "runnable"
        self.finished_at: float | None = None  # monotonic time it finished (linger)
        self._g: GoroutineView | None = None
        self._sel: SelectView | None = None
        self._status = ""
        self._name_of: Callable[[int], str] | None = None  # the stage's names (show_view)
        self._rows = 0
        self._chan_names: tuple[str, ...] = ()
        self._shown_cases: tuple[int, ...] = ()  # the select's cases the card lists
        self.counts_down = False  # a select case of its card is a timer that will fire
        # The name drawn, when the stage tells it apart from a namesake ("dumper
        # (leaked)"); None draws the goroutine's own.
        self.title: str | None = None
        # The goroutine that just moved in a step: ringed, so a class sees who went.
        self.spotlit = False
        self._card: QRectF | None = None
        # The object of the last operation: (id, its own name, the name the stage draws).
        self._names_of_last: tuple[int, str, str] = (0, "", "")
        self.setZValue(2)

    @staticmethod
    def _size(style: StageStyle, lod: str, rows: int) -> tuple[float, float]:
        if lod == "dot":
            return style.g_dot, style.g_dot
        if lod == "small":
            return style.g_small
        w, h = style.g_full
        if rows:
            h += rows * style.select_row_h + 10 * style.k
        return w, h

    @staticmethod
    def size_for(style: StageStyle, lod: str, item: StageItem) -> tuple[float, float]:
        """The size *item* (a goroutine's) would have at level of detail *lod*."""
        return GoroutineItem._size(style, lod, getattr(item, "_rows", 0) if lod == "full" else 0)

    def set_lod(self, lod: str) -> None:
        if lod != self.lod:
            self.lod = lod
            self._relayout()

    def restyle(self, style: StageStyle) -> None:
        super().restyle(style)
        self._relayout()

    def _relayout(self) -> None:
        rows = self._rows if self.lod == "full" else 0
        self.w, self.h = self._size(self.style, self.lod, rows)
        self._key = ()  # the next show_view draws at the new size

    def invalidate(self) -> None:
        if self.lod == "dot":  # a shared pixmap: cheaper than scheduling
            self.render()
        else:
            super().invalidate()

    def render(self) -> None:
        if self.lod == "dot":  # every dot in a state shares one pixmap
            g = self._g
            self.setPixmap(
                dot_pixmap(self.style, self.state, bool(g and g.gate), self.device_scale)
            )
        else:
            super().render()

    def show_view(
        self, g: GoroutineView, sel: SelectView | None, name_of: Callable[[int], str]
    ) -> bool:
        """Take the goroutine's new state; returns whether the size changed (relayout)."""
        self._g = g
        self._name_of = name_of
        self.state = g.state
        status = status_line(g, name_of, self.hides)
        self._status = status
        rows = 0
        hides = self.hides
        # The cases on channels kept off the stage (plumbing) are left off the card too.
        shown = (
            tuple(i for i, (_, cid) in enumerate(sel.cases) if not (cid and hides and hides(cid)))
            if sel is not None
            else ()
        )
        full = self.lod == "full"
        choice = sel is not None and (len(shown) >= 3 or -1 in sel.wins)
        if full and sel is not None and choice:
            # The scoreboard of a real choice (a loop's `case <-ctx.Done()` plus
            # its pacing timer says nothing the status line does not). Once shown,
            # it stays (the last real choice) and the card keeps its height while
            # the goroutine lives: a goroutine that alternates between two selects
            # (send a request, then wait for the answer) would otherwise grow and
            # shrink many times a second, and push its neighbours about each time.
            rows = max(self._rows, 1 + min(len(shown), _MAX_CASES) + (1 if -1 in sel.wins else 0))
            self._sel = sel
            self._shown_cases = shown
            namer = self.case_name or name_of
            self._chan_names = tuple(namer(cid) for _, cid in sel.cases)
            self.counts_down = any(n.endswith(" s") for n in self._chan_names)
        elif full and self._sel is not None and self._rows:
            rows = self._rows  # the last real choice's scoreboard stays, and the height
        else:
            self._sel = None
            self.counts_down = False
        resized = False
        if rows != self._rows:
            self._rows = rows
            old = (self.w, self.h)
            self._relayout()
            resized = (self.w, self.h) != old
        key: tuple
        if self.lod == "dot":
            key = (g.state, bool(g.gate), self.spotlit)
        elif self.lod == "small":
            key = (
                g.state,
                self.title or display_name(g.name),
                status,
                bool(g.gate),
                bool(g.leaked),
                self.spotlit,
            )
        else:
            key = (
                g.state,
                self.title or display_name(g.name),
                status,
                g.activity,
                bool(g.gate),
                g.leaked,
                self._sel_key(),
                self.spotlit,
            )
        self.set_key(key)
        return resized

    def set_spotlight(self, on: bool) -> None:
        """Ring the goroutine (it moved in the last step), or take the ring off."""
        if on != self.spotlit:
            self.spotlit = on
            self._key = ()
            self.invalidate()

    @property
    def tip(self) -> str:
        g = self._g
        return self._tooltip(g, self._status) if g is not None else ""

    def _sel_key(self) -> tuple:
        s = self._sel
        if s is None:
            return ()
        return (
            s.cases,
            s.ready,
            s.picked,
            tuple(sorted(s.wins.items())),
            self._chan_names,
            self._shown_cases,
        )

    def _activity(self, g: GoroutineView) -> str:
        """The goroutine's last operation, unless it names plumbing kept off the stage
        ("Unlock bucket.mu" while the bucket is drawn as itself)."""
        hides = self.hides
        on = g.activity_on
        if on and hides is not None and hides(on):
            return ""
        if on and self.object_name is not None and self._name_of is not None:
            own, shown = self.object_name(on), self._name_of(on)
            if own and shown:
                self._names_of_last = (on, own, shown)
            elif self._names_of_last[0] == on:
                # Freed since (the model forgets it): the names it had, as it was drawn.
                _, own, shown = self._names_of_last
            if own and shown and own != shown:
                return g.activity.replace(own, shown)
        return g.activity

    def _tooltip(self, g: GoroutineView, status: str) -> str:
        lines = [f"goroutine {g.id}: {g.name}", f"state: {STATE_LABELS.get(g.state, g.state)}"]
        if status and status != STATE_LABELS.get(g.state):
            lines.append(status)
        if g.wait_reason:
            lines.append(f"wait reason: {g.wait_reason}")
        if g.activity:
            lines.append(f"last: {g.activity}")
        if g.leaked:
            lines.append(f"leaked: {g.leaked}")
        return "\n".join(lines)

    # -- anchors for tokens and edges --------------------------------------------

    def hand_out(self) -> Point:
        """Where a value it sends leaves (right edge of the badge row)."""
        if self.lod == "dot":
            return (self.px + self.w / 2, self.py + self.h / 2)
        top_h = self.style.g_full[1] if self.lod == "full" else self.style.g_small[1]
        return (self.px + self.w, self.py + top_h / 2)

    def hand_in(self) -> Point:
        """Where a value it receives arrives (the badge)."""
        if self.lod == "dot":
            return (self.px + self.w / 2, self.py + self.h / 2)
        top_h = self.style.g_full[1] if self.lod == "full" else self.style.g_small[1]
        return (self.px + top_h * 0.5, self.py + top_h / 2)

    # -- painting --------------------------------------------------------------

    def _card_rect(self) -> QRectF:
        """(0, 0, w, h), made once per size (see gui.stage.items.render_pixmap)."""
        if self._card is None or (self._card.width(), self._card.height()) != (self.w, self.h):
            self._card = QRectF(0, 0, self.w, self.h)
        return self._card

    def draw(self, p: QPainter) -> None:
        g = self._g
        if g is None:
            return
        s = self.style
        full = self.lod == "full"
        top_h = s.g_full[1] if full else s.g_small[1]
        faded = g.state == "done"
        # Card behind the figure: the state colour on its left edge.
        card = self._card_rect()
        p.setPen(s.plain_pen(s.grid, 1.0))
        p.setBrush(s.surface)
        rr = 10 * s.k if full else 7 * s.k
        p.drawRoundedRect(card, rr, rr)
        if g.leaked or g.state == "panicked":
            p.setPen(QPen(s.danger, s.stroke * 1.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(card.adjusted(1, 1, -1, -1), rr, rr)
        if self.spotlit:
            w = s.stroke * 1.6
            p.setPen(QPen(s.accent, w))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(card.adjusted(w / 2, w / 2, -w / 2, -w / 2), rr, rr)
        bs = s.badge_full if full else s.badge_small
        pad = (top_h - bs) / 2
        if faded:
            p.setOpacity(0.55)
        paint_state_badge_at(p, pad, pad, bs, g.state, s)
        if g.gate:
            self._paint_gate_mark(p, QRectF(pad + bs * 0.62, pad - bs * 0.1, bs * 0.48, bs * 0.48))
        x = pad * 2 + bs
        tw = self.w - x - pad
        color = s.state_color(g.state)
        if full:
            p.setFont(s.name_font)
            p.setPen(s.text)
            name = self.title or display_name(g.name)
            draw_text(p, x, pad + s.fm_name.ascent() - 1, elide(s.fm_name, name, tw))
            p.setFont(s.text_font)
            p.setPen(s.danger if g.state == "panicked" else color if g.blocked else s.text)
            y2 = pad + s.fm_name.height() + s.fm_text.ascent()
            draw_text(p, x, y2, elide(s.fm_text, self._status, tw))
            third = f"leaked: {g.leaked}" if g.leaked else self._activity(g)
            if third:
                p.setFont(s.small_font)
                p.setPen(s.danger if g.leaked else s.muted)
                y3 = y2 + s.fm_text.descent() + s.fm_small.ascent() + 1
                draw_text(p, x, y3, elide(s.fm_small, third, tw))
            p.setOpacity(1.0)
            if self._sel is not None:
                self._paint_select(p, top_h)
        else:
            p.setFont(s.name_font)
            fm = s.fm_name
            p.setPen(s.text)
            draw_text(p, x, top_h / 2 - 1, elide(fm, self.title or display_name(g.name), tw))
            p.setFont(s.small_font)
            p.setPen(color if g.blocked else s.muted)
            draw_text(p, x, top_h / 2 + s.fm_small.ascent(), elide(s.fm_small, self._status, tw))
            p.setOpacity(1.0)

    def _paint_gate_mark(self, p: QPainter, r: QRectF) -> None:
        s = self.style
        p.setPen(QPen(s.background, 1.5))
        p.setBrush(s.warning)
        p.drawEllipse(r)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(s.on(s.warning))
        bw = r.width() * 0.16
        p.drawRect(
            QRectF(r.center().x() - bw * 1.6, r.top() + r.height() * 0.28, bw, r.height() * 0.44)
        )
        p.drawRect(
            QRectF(r.center().x() + bw * 0.6, r.top() + r.height() * 0.28, bw, r.height() * 0.44)
        )

    def _paint_select(self, p: QPainter, top_h: float) -> None:
        """The select scoreboard: each case ready / not ready / nil, the pick, the wins."""
        s = self.style
        sel = self._sel
        assert sel is not None
        rh = s.select_row_h
        x0 = 12 * s.k
        w = self.w - 2 * x0
        y = top_h + 2
        p.setPen(QPen(s.grid, 1.0))
        p.drawLine(QPointF(x0, y), QPointF(self.w - x0, y))
        p.setFont(s.small_font)
        fm = s.fm_small
        base = (rh + fm.ascent() - fm.descent()) / 2
        p.setPen(s.muted)
        header = select_header(sel)
        draw_text(p, x0, y + base, header)
        wins_txt = f"runs {sel.count}"
        draw_text(p, self.w - x0 - fm.horizontalAdvance(wins_txt), y + base, wins_txt)
        y += rh
        rows = [(i, sel.cases[i][0], self._chan_names[i]) for i in self._shown_cases]
        rows = rows[:_MAX_CASES]
        if -1 in sel.wins:
            rows.append((-1, "default", ""))
        for i, kind, name in rows:
            picked = i == sel.picked
            ready = i in sel.ready
            cy = y + rh / 2
            if picked:
                hi = QRectF(x0 - 4 * s.k, y + 1, w + 8 * s.k, rh - 2)
                p.setPen(Qt.PenStyle.NoPen)
                c = QColor(s.accent)
                c.setAlpha(60)
                p.setBrush(c)
                p.drawRoundedRect(hi, 4, 4)
            mark_r = rh * 0.2
            if kind == "nil":
                p.setPen(QPen(s.muted, 1.2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawLine(QPointF(x0, cy), QPointF(x0 + 2 * mark_r, cy))
            elif picked:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(s.accent)
                p.drawEllipse(QPointF(x0 + mark_r, cy), mark_r * 1.15, mark_r * 1.15)
            elif ready:
                p.setPen(QPen(s.ok, 1.8))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(x0 + mark_r, cy), mark_r, mark_r)
            else:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(s.muted)
                p.drawEllipse(QPointF(x0 + mark_r, cy), mark_r * 0.45, mark_r * 0.45)
            if kind == "default":
                label = "default"
            elif kind == "nil":
                label = "nil channel (never ready)"
            elif kind == "case":  # direction not reported
                label = f"case {name}"
            else:
                label = f"{'<-' if kind == 'recv' else '->'} {name}"
            note = "picked" if picked else ("ready" if ready else "")
            p.setPen(s.text if (picked or ready) else s.muted)
            p.setFont(s.small_bold if picked else s.small_font)
            count = f"{sel.wins.get(i, 0)}"
            cw = fm.horizontalAdvance("0000")
            draw_text(
                p,
                x0 + 3 * mark_r,
                y + base,
                elide(fm, label + (f"  ({note})" if note else ""), w - 3 * mark_r - cw),
            )
            draw_text(p, self.w - x0 - fm.horizontalAdvance(count), y + base, count)
            y += rh


def dot_pixmap(style: StageStyle, state: str, gated: bool, scale: float) -> QPixmap:
    """The shared pixmap of a compact goroutine (one per state, gate and scale)."""
    key = ("dot", state, gated, scale)
    pm = style.pixmaps.get(key)
    if pm is None:
        size = style.g_dot
        pm = render_pixmap(size, size, scale, lambda p: _paint_dot(p, style, state, gated, size))
        style.pixmaps.put(key, pm)
    return pm


def _paint_dot(p: QPainter, s: StageStyle, state: str, gated: bool, size: float) -> None:
    color = s.state_color(state)
    shape = state_shape(state)
    r = QRectF(2, 2, size - 4, size - 4)
    if shape == "ring":
        p.setPen(QPen(color, 2.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r.adjusted(1.5, 1.5, -1.5, -1.5))
    elif shape == "circle":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(r)
    elif shape == "square":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 2.5, 2.5)
    else:
        p.setPen(QPen(color, 3.0))
        p.drawLine(r.topLeft(), r.bottomRight())
        p.drawLine(r.topRight(), r.bottomLeft())
    if gated:
        p.setPen(QPen(s.warning, 2.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(r.adjusted(-1, -1, 1, 1))

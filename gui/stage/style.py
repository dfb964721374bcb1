"""Fonts, pens, sizes and the state glyphs every stage item shares.

One :class:`StageStyle` per stage: built from the theme and the presenter
flag, so items never build a QFont or QColor in ``paint`` (cached items paint
rarely, but the first frame paints all of them). Sizes are scene units; the
view scales the scene to fit, so presenter mode makes text and strokes larger
*relative to the shapes*, which is what reads from the back of a room.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPicture,
    QPixmap,
    QPolygonF,
)

from core.trace import STATES
from gui.theme import Theme

__all__ = [
    "NAME_MIN_PX",
    "STATE_LABELS",
    "TEXT_MIN_PX",
    "StageStyle",
    "paint_state_badge",
    "state_shape",
]

# What the legend and the status line call each state.
STATE_LABELS: dict[str, str] = {
    "running": "running",
    "runnable": "runnable",
    "blocked_send": "blocked: send",
    "blocked_recv": "blocked: receive",
    "blocked_select": "blocked: select",
    "blocked_lock": "blocked: lock",
    "blocked_waitgroup": "blocked: Wait",
    "blocked_cond": "blocked: Cond",
    "sleeping": "sleeping",
    "done": "done",
    "panicked": "panicked",
}


def state_shape(state: str) -> str:
    """The badge outline of a state: shape tells states apart without colour.

    "circle" (running), "ring" (runnable, sleeping, done: not using a core,
    not stuck), "square" (blocked on something), "octagon" (panicked).
    """
    if state == "running":
        return "circle"
    if state == "panicked":
        return "octagon"
    if state.startswith("blocked"):
        return "square"
    return "ring"


# Smallest on-screen text, in pixels, normal and presenter mode (issue 11: read at
# 1920x1080 from the back of a room).
NAME_MIN_PX = {False: 12, True: 18}
TEXT_MIN_PX = {False: 10, True: 14}


class StageStyle:
    """The shared look of one stage (rebuilt on a theme or presenter change)."""

    def __init__(self, theme: Theme, presenter: bool = False) -> None:
        self.theme = theme
        self.presenter = presenter
        k = self.k = 1.3 if presenter else 1.0  # text scale
        self.pen_k = 1.8 if presenter else 1.0  # stroke scale
        family = "DejaVu Sans"
        self.name_font = _font(family, 15 * k, bold=True)
        self.text_font = _font(family, 13 * k)
        self.small_font = _font(family, 11.5 * k)
        self.small_bold = _font(family, 11.5 * k, bold=True)
        self.big_font = _font(family, 24 * k, bold=True)
        self.token_font = _font(family, 12 * k, bold=True)
        self.token_small = _font(family, 11 * k, bold=True)
        self.title_font = _font(family, 16 * k, bold=True)
        self.mono_font = _font("DejaVu Sans Mono", 12 * k)
        self.fm_name = QFontMetricsF(self.name_font)
        self.fm_text = QFontMetricsF(self.text_font)
        self.fm_small = QFontMetricsF(self.small_font)
        self.fm_small_bold = QFontMetricsF(self.small_bold)
        self.fm_big = QFontMetricsF(self.big_font)
        self.fm_token = QFontMetricsF(self.token_font)
        # Token text shrinks one step before it elides ("msg 12" fits a slot).
        self.token_fonts = (
            (self.token_font, self.fm_token),
            (self.token_small, QFontMetricsF(self.token_small)),
        )
        # The smallest zoom at which every text reads from the back of a room: names
        # at NAME_MIN_PX, the rest at TEXT_MIN_PX (the view never shrinks below it;
        # a larger picture is panned, see StageView's camera).
        name_min = NAME_MIN_PX[presenter]
        text_min = TEXT_MIN_PX[presenter]
        texts = (self.text_font, self.small_font, self.token_font, self.token_small)
        self.legible_scale = max(
            name_min / self.name_font.pixelSize(), text_min / min(f.pixelSize() for f in texts)
        )
        self.fm_title = QFontMetricsF(self.title_font)
        q = theme.qcolor
        self.background = q("background")
        self.surface = q("surface")
        self.surface_alt = q("surface_alt")
        self.text = q("text")
        self.muted = q("muted")
        self.accent = q("accent")
        self.grid = q("grid")
        self.danger = q("danger")
        self.warning = q("warning")
        self.ok = q("ok")
        self.chan_fill = q("chan_fill")
        self.chan_closed = q("chan_closed")
        self.token = q("token")
        self.token_text = q("token_text")
        self.states = {s: q(s) for s in STATES}
        self.dark = self.background.lightnessF() < 0.5
        self.pixmaps = PixmapCache()  # shared renders (compact goroutines, values in flight)
        # Sizes (scene units).
        self.g_full = (216 * k, 62 * k)
        self.g_small = (150 * k, 34 * k)
        self.g_dot = 16.0
        self.badge_full = 46 * k
        self.badge_small = 26 * k
        self.slot_w = 48 * k
        self.slot_h = 32 * k
        self.select_row_h = 19 * k
        self.stroke = 2.0 * self.pen_k
        self.edge_w = 2.5 * self.pen_k
        self._pens: dict[tuple, QPen] = {}
        self._colors: dict[tuple, QColor] = {}
        self._on_light, self._on_dark = QColor("#111418"), QColor("#ffffff")

    def state_color(self, state: str) -> QColor:
        return self.states.get(state) or self.muted

    # Pens and colours are made once and shared (never change one you are given):
    # a Qt object made and dropped in every drawing costs the GUI thread the GIL
    # while goroutines spin (see gui.stage.items.render_pixmap).

    def pen(self, color: QColor, width: float = 0.0, style=Qt.PenStyle.SolidLine) -> QPen:
        """A round-capped, round-joined pen (*width* 0: the style's stroke)."""
        key = ("round", color.rgba(), width or self.stroke, style)
        p = self._pens.get(key)
        if p is None:
            p = self._pens[key] = QPen(color, width or self.stroke, style)
            p.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return p

    def plain_pen(self, color: QColor, width: float, style=Qt.PenStyle.SolidLine) -> QPen:
        """``QPen(color, width, style)``, shared."""
        key = ("plain", color.rgba(), width, style)
        p = self._pens.get(key)
        if p is None:
            p = self._pens[key] = QPen(color, width, style)
        return p

    def darker(self, color: QColor, factor: int) -> QColor:
        """``color.darker(factor)``, shared."""
        key = ("darker", color.rgba(), factor)
        c = self._colors.get(key)
        if c is None:
            c = self._colors[key] = color.darker(factor)
        return c

    def faded(self, color: QColor, a: float) -> QColor:
        """*color* at opacity *a* over the background, as one opaque colour, shared.

        Lines look the same over the stage's background, and Qt strokes an
        antialiased curve about 6x faster with an opaque pen than a translucent
        one (130 vs 750 us for a 750-pixel curve here)."""
        key = ("faded", color.rgba(), a)
        c = self._colors.get(key)
        if c is None:
            bg = self.background
            c = self._colors[key] = QColor.fromRgbF(
                color.redF() * a + bg.redF() * (1 - a),
                color.greenF() * a + bg.greenF() * (1 - a),
                color.blueF() * a + bg.blueF() * (1 - a),
            )
        return c

    def on(self, fill: QColor) -> QColor:
        """A text colour that reads on *fill* (dark on light fills, white on dark)."""
        return self._on_light if fill.lightnessF() > 0.55 else self._on_dark


class PixmapCache:
    """Shared renders by key, the least recently used dropped one at a time past *size*.

    Never all at once: dropping a Qt object from Python releases the GIL for its
    destructor, and while goroutines spin the GUI thread then waits up to a switch
    interval to get it back (clearing 600 pixmaps stalled a frame for seconds).
    """

    def __init__(self, size: int = 600) -> None:
        self.size = size
        self._items: OrderedDict[tuple, QPixmap] = OrderedDict()

    def get(self, key: tuple) -> QPixmap | None:
        pm = self._items.get(key)
        if pm is not None:
            self._items.move_to_end(key)
        return pm

    def put(self, key: tuple, pm: QPixmap) -> QPixmap:
        """Keep *pm* under *key* (dropping the least recently used past the size); returns it."""
        self._items[key] = pm
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return pm

    def __len__(self) -> int:
        return len(self._items)


def _font(family: str, px: float, bold: bool = False) -> QFont:
    f = QFont(family)
    f.setPixelSize(max(6, round(px)))
    f.setBold(bold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return f


# -- badges: colour AND shape AND glyph ------------------------------------------


def paint_state_badge(p: QPainter, rect: QRectF, state: str, style: StageStyle) -> None:
    """Draw the state badge of a goroutine into *rect* (a square).

    The outline shape says running / idle / blocked / panicked; the glyph
    inside says what on (send arrow, inbox, fork, padlock, hourglass, moon,
    check, cross); the colour is the theme's state colour.
    """
    paint_state_badge_at(p, rect.x(), rect.y(), rect.width(), state, style)


_BADGES: dict[tuple, QPicture] = {}


def paint_state_badge_at(
    p: QPainter, x: float, y: float, size: float, state: str, style: StageStyle
) -> None:
    """:func:`paint_state_badge` into the square at (*x*, *y*) of side *size*: the
    badge is recorded once per state, size and style and replayed (its drawing
    makes a dozen Qt objects, each of which costs the GIL while goroutines spin)."""
    key = (state, size, style)
    pic = _BADGES.get(key)
    if pic is None:
        if len(_BADGES) > 256:
            _BADGES.pop(next(iter(_BADGES)))
        pic = _BADGES[key] = QPicture()
        rec = QPainter(pic)
        rec.setRenderHint(QPainter.RenderHint.Antialiasing)
        _draw_state_badge(rec, QRectF(0, 0, size, size), state, style)
        rec.end()
    p.save()
    p.translate(x, y)
    p.drawPicture(0, 0, pic)
    p.restore()


def _draw_state_badge(p: QPainter, rect: QRectF, state: str, style: StageStyle) -> None:
    color = style.state_color(state)
    shape = state_shape(state)
    r = rect.adjusted(1.5, 1.5, -1.5, -1.5)
    w = max(1.5, r.width() * 0.075)
    if shape == "ring":
        p.setPen(QPen(color, w * 1.4))
        p.setBrush(style.surface)
        p.drawEllipse(r.adjusted(w * 0.7, w * 0.7, -w * 0.7, -w * 0.7))
        fg = color
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        if shape == "circle":
            p.drawEllipse(r)
        elif shape == "square":
            rr = r.width() * 0.22
            p.drawRoundedRect(r, rr, rr)
        else:
            p.drawPolygon(_octagon(r))
        fg = style.on(color)
    _paint_glyph(p, r, state, fg, w)


def _octagon(r: QRectF) -> QPolygonF:
    cx, cy, rad = r.center().x(), r.center().y(), r.width() / 2
    pts = [
        QPointF(
            cx + rad * math.cos(math.pi / 8 + i * math.pi / 4),
            cy + rad * math.sin(math.pi / 8 + i * math.pi / 4),
        )
        for i in range(8)
    ]
    return QPolygonF(pts)


def _paint_glyph(p: QPainter, r: QRectF, state: str, fg: QColor, w: float) -> None:
    s = r.width()
    x0, y0 = r.left(), r.top()

    def pt(fx: float, fy: float) -> QPointF:
        return QPointF(x0 + fx * s, y0 + fy * s)

    pen = QPen(fg, w * 1.25)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if state == "running":  # play triangle
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fg)
        p.drawPolygon(QPolygonF([pt(0.38, 0.27), pt(0.38, 0.73), pt(0.75, 0.5)]))
    elif state == "runnable":  # three dots: ready, waiting for its turn
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fg)
        for fx in (0.32, 0.5, 0.68):
            p.drawEllipse(pt(fx, 0.5), s * 0.065, s * 0.065)
    elif state == "blocked_send":  # arrow out of the goroutine, into a bar
        p.drawLine(pt(0.22, 0.5), pt(0.64, 0.5))
        p.drawPolyline(QPolygonF([pt(0.48, 0.33), pt(0.65, 0.5), pt(0.48, 0.67)]))
        p.drawLine(pt(0.78, 0.28), pt(0.78, 0.72))
    elif state == "blocked_recv":  # inbox: tray with an arrow coming down into it
        p.drawLine(pt(0.5, 0.2), pt(0.5, 0.55))
        p.drawPolyline(QPolygonF([pt(0.36, 0.42), pt(0.5, 0.57), pt(0.64, 0.42)]))
        p.drawPolyline(QPolygonF([pt(0.22, 0.58), pt(0.22, 0.78), pt(0.78, 0.78), pt(0.78, 0.58)]))
    elif state == "blocked_select":  # one line forking into three
        p.drawLine(pt(0.2, 0.5), pt(0.45, 0.5))
        for fy in (0.27, 0.5, 0.73):
            p.drawLine(pt(0.45, 0.5), pt(0.78, fy))
        p.setBrush(fg)
        for fy in (0.27, 0.5, 0.73):
            p.drawEllipse(pt(0.78, fy), s * 0.04, s * 0.04)
    elif state == "blocked_lock":  # padlock
        p.drawArc(QRectF(pt(0.34, 0.2), pt(0.66, 0.56)), 0, 180 * 16)
        p.drawLine(pt(0.34, 0.38), pt(0.34, 0.47))
        p.drawLine(pt(0.66, 0.38), pt(0.66, 0.47))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fg)
        p.drawRoundedRect(QRectF(pt(0.26, 0.46), pt(0.74, 0.8)), s * 0.05, s * 0.05)
    elif state == "blocked_waitgroup":  # hourglass
        p.drawLine(pt(0.3, 0.22), pt(0.7, 0.22))
        p.drawLine(pt(0.3, 0.78), pt(0.7, 0.78))
        p.drawPolyline(QPolygonF([pt(0.34, 0.22), pt(0.66, 0.78)]))
        p.drawPolyline(QPolygonF([pt(0.66, 0.22), pt(0.34, 0.78)]))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fg)
        p.drawPolygon(QPolygonF([pt(0.4, 0.72), pt(0.6, 0.72), pt(0.5, 0.56)]))
    elif state == "sleeping":  # crescent moon
        path = QPainterPath()
        path.addEllipse(QRectF(pt(0.24, 0.24), pt(0.72, 0.72)))
        cut = QPainterPath()
        cut.addEllipse(QRectF(pt(0.38, 0.16), pt(0.84, 0.62)))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fg)
        p.drawPath(path.subtracted(cut))
    elif state == "done":  # check mark
        p.drawPolyline(QPolygonF([pt(0.28, 0.52), pt(0.44, 0.68), pt(0.74, 0.34)]))
    elif state == "panicked":  # cross
        p.drawLine(pt(0.32, 0.32), pt(0.68, 0.68))
        p.drawLine(pt(0.68, 0.32), pt(0.32, 0.68))

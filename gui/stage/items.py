"""The base of every stage item: it draws itself once into a pixmap, then Qt blits it.

Why not ``QGraphicsItem`` with ``boundingRect``/``paint`` in Python and
``DeviceCoordinateCache``: Qt calls ``boundingRect`` (and checks ``paint``)
on every item in every frame, and each of those calls must take the GIL.
While goroutines spin on the CPU (``sys.setswitchinterval(0.001)``), every
such call waits for the GIL: measured here, 2,000 Python items render in
5.5 ms alone but 18 ms with two spinning threads; 2,000 ``QGraphicsPixmapItem``
in 0.6 ms and 1.6 ms. So each item is a ``QGraphicsPixmapItem`` with no Python
virtual methods, and does what ``DeviceCoordinateCache`` would do itself:

- it draws (:meth:`StageItem.draw`) into a pixmap at *device* resolution (the
  view's scale), whose device pixel ratio makes it exactly ``w x h`` scene
  units, so text stays crisp at any zoom;
- it draws again only when what it shows (its *visual key*) changes, or when
  the view's scale changes; moving it (layout glides) is a blit.

Invariant: ``boundingRect()`` (C++) is ``(-MARGIN, -MARGIN, w + 2 MARGIN,
h + 2 MARGIN)``; :meth:`resize` calls ``prepareGeometryChange`` (through
``setPixmap``) before the size changes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem

from gui.stage.style import StageStyle

__all__ = [
    "MARGIN",
    "FontLogPainter",
    "Point",
    "StageItem",
    "draw_centered",
    "draw_text",
    "elide",
    "fit_text",
    "render_pixmap",
]

Point = tuple[float, float]

MARGIN = 4.0  # room for strokes outside the shape


class FontLogPainter(QPainter):
    """A QPainter that notes the pixel size (in scene units) of every font set on it,
    in order: what an item drew its text with (the picture's description reads it)."""

    def __init__(self, device=None) -> None:
        if device is None:
            super().__init__()
        else:
            super().__init__(device)
        self.font_px: list[int] = []

    def setFont(self, font) -> None:
        self.font_px.append(font.pixelSize())
        super().setFont(font)


# Drawing reuses its painters and, where the size allows, the item's last pixmap:
# dropping a Qt object from Python releases the GIL for its destructor, and while
# goroutines spin, the GUI thread then waits up to a switch interval to get it back.
_idle_painters: list[FontLogPainter] = []


_TEXT_AT = QPointF()  # draw_text's one point, moved for each call


def draw_text(p: QPainter, x: float, y: float, text: str) -> None:
    """``p.drawText(QPointF(x, y), text)`` without making (and dropping) a QPointF."""
    _TEXT_AT.setX(x)
    _TEXT_AT.setY(y)
    p.drawText(_TEXT_AT, text)


def draw_centered(p: QPainter, rect, text: str, fm) -> None:
    """*text* (one line, in the painter's font, whose metrics are *fm*) centred in
    *rect*, as ``drawText(rect, AlignCenter, text)`` draws it, without that call's
    returned bounding rectangle (a Qt object made and dropped: see render_pixmap).
    Text wider than *rect* is elided to fit (Qt would cut it at the edges)."""
    advance = fm.horizontalAdvance(text)
    if advance > rect.width():
        text = elide(fm, text, rect.width())
        advance = fm.horizontalAdvance(text)
    x = rect.x() + (rect.width() - advance) / 2
    y = rect.y() + (rect.height() - fm.ascent() - fm.descent()) / 2 + fm.ascent()
    draw_text(p, x, y, text)


def render_pixmap(
    w: float,
    h: float,
    scale: float,
    draw,
    margin: float = MARGIN,
    fonts: list | None = None,
    into: QPixmap | None = None,
) -> QPixmap:
    """A transparent pixmap of ``w x h`` scene units (plus *margin*) at *scale*
    device pixels per unit, drawn by ``draw(painter)`` in scene units. *fonts*, if
    given, receives the pixel sizes of the fonts the drawing set, in order. *into*,
    a pixmap of the same pixel size, is drawn over (cleared) and returned instead
    of a new one (pixmaps share their data: whoever shows its last drawing keeps it)."""
    pw = max(1, math.ceil((w + 2 * margin) * scale))
    ph = max(1, math.ceil((h + 2 * margin) * scale))
    if into is not None and into.width() == pw and into.height() == ph:
        pm = into
        pm.setDevicePixelRatio(1.0)  # the painter draws in pixels; set again below
    else:
        pm = QPixmap(pw, ph)
    pm.fill(Qt.GlobalColor.transparent)
    p = _idle_painters.pop() if _idle_painters else FontLogPainter()
    p.font_px = []
    p.begin(pm)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.scale(scale, scale)
        p.translate(margin, margin)
        draw(p)
    finally:
        p.end()
        _idle_painters.append(p)
    if fonts is not None:
        fonts[:] = p.font_px
    pm.setDevicePixelRatio(scale)
    return pm


class StageItem(QGraphicsPixmapItem):
    """A fixed-size, self-rendering item with a position tween (see the module docstring)."""

    _tip_text = ""  # what tip says (an item sets it when what it shows changes)
    # The name drawn when the stage tells the item apart from a namesake ("jobs
    # (earlier)", "ctx #2"); None or "": its own name. A channel has a label instead.
    title: str | None = None
    # When things happen, for lifecycles: the view sets its runtime clock (an item
    # ages only while the run moves, never while it is paused).
    clock = staticmethod(time.monotonic)
    scheduler: Callable[[StageItem], None] | None = None  # draw me soon (set by the view)
    rendered_at = 0.0  # monotonic time of the last drawing

    def __init__(self, style: StageStyle, w: float, h: float) -> None:
        super().__init__()
        self.style = style
        self.w, self.h = w, h
        self.device_scale = 1.0
        # The position as plain floats: anchors read these, not pos() (a Qt call
        # that waits for the GIL while goroutines spin).
        self.px = 0.0
        self.py = 0.0
        self._canvas: QPixmap | None = None  # the last drawing, drawn over by the next
        self._key: tuple = ()
        # Pixel sizes (scene units) of the fonts of the last drawing, in order: the
        # first is the name's. Read by the picture's description (gui.picture).
        self.font_px: list[int] = []
        self.changed_at = self.clock()  # when what it shows last changed (see clock)
        # Tween: from _from to _to between _t0 and _t0 + _dur (monotonic seconds).
        self._from = (0.0, 0.0)
        self._to: tuple[float, float] | None = None
        # Born where its creator stands, waiting for the next layout to send it to
        # its place: on its way, like a gliding item.
        self.arriving = False
        self._t0 = 0.0
        self._dur = 0.0
        self.setOffset(-MARGIN, -MARGIN)
        self.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        # The pixmap maps 1:1 to device pixels: no filtering needed (and it is 4x cheaper).
        self.setTransformationMode(Qt.TransformationMode.FastTransformation)

    @property
    def tip(self) -> str:
        """The tooltip text (the view shows it on hover)."""
        return self._tip_text

    # -- geometry --------------------------------------------------------------

    def resize(self, w: float, h: float) -> None:
        if (w, h) == (self.w, self.h):
            return
        self.w, self.h = w, h
        self.invalidate()

    def place(self, x: float, y: float) -> None:
        """Move the item's top-left corner to (x, y) in the scene."""
        self.px, self.py = x, y
        self.setPos(x, y)

    # Anchors are (x, y) tuples of plain floats, read every frame by flying
    # tokens: creating a QPointF there would wait for the GIL under load.

    def center(self) -> Point:
        return (self.px + self.w / 2, self.py + self.h / 2)

    def left_mid(self) -> Point:
        return (self.px, self.py + self.h / 2)

    def right_mid(self) -> Point:
        return (self.px + self.w, self.py + self.h / 2)

    # -- drawing ---------------------------------------------------------------

    def set_key(self, key: tuple) -> bool:
        """Draw again only if what the item shows changed; returns whether it changed.

        With a *scheduler* (the view's), the drawing waits for the next
        animation tick, so a burst of changes costs one drawing, within the
        tick's budget; without one it draws at once.
        """
        if key == self._key:
            return False
        self._key = key
        self.changed_at = self.clock()
        self.invalidate()
        return True

    def invalidate(self) -> None:
        if self.scheduler is None:
            self.render()
        else:
            self.scheduler(self)

    def set_device_scale(self, scale: float) -> None:
        """The view's device pixels per scene unit changed: draw at the new resolution."""
        if scale != self.device_scale:
            self.device_scale = scale
            self.invalidate()

    def restyle(self, style: StageStyle) -> None:
        self.style = style
        self._key = ()  # the next show_view draws

    def render(self) -> None:
        self.rendered_at = time.monotonic()
        self._canvas = render_pixmap(
            self.w, self.h, self.device_scale, self.draw, fonts=self.font_px, into=self._canvas
        )
        self.setPixmap(self._canvas)

    def draw(self, p: QPainter) -> None:  # pragma: no cover - abstract
        """Draw the item in its own coordinates: (0, 0) to (w, h)."""
        raise NotImplementedError

    # -- movement --------------------------------------------------------------

    def move_to(self, x: float, y: float, now: float, duration: float) -> None:
        """Glide to (x, y) over *duration* seconds (at once when not shown yet)."""
        if duration <= 0 or not self.isVisible():
            self._to = None
            self.place(x, y)
            return
        if self._to == (x, y):
            return
        if (self.px, self.py) == (x, y):
            self._to = None
            return
        self._from = (self.px, self.py)
        self._to = (x, y)
        self._t0 = now
        self._dur = duration

    @property
    def moving(self) -> bool:
        """Gliding to its place, or born and about to (see ``arriving``)."""
        return self._to is not None or self.arriving

    def settle(self) -> None:
        """End the glide at once: the item jumps to where it was going."""
        if self._to is not None:
            self.place(*self._to)
            self._to = None

    def step(self, now: float) -> bool:
        """Advance the tween; returns whether the item moved."""
        to = self._to
        if to is None:
            return False
        f = (now - self._t0) / self._dur
        if f >= 1.0:
            self.place(*to)
            self._to = None
            return True
        f = f * f * (3 - 2 * f)  # smoothstep
        (x0, y0), (x1, y1) = self._from, to
        self.place(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)
        return True


def fit_text(p: QPainter, rect, text: str, fonts) -> None:
    """Draw *text* centred in *rect* with the first of *fonts* ((font, metrics)
    pairs, largest first) it fits in; the last one elides."""
    width = rect.width() - 6
    chosen, fm = fonts[-1]
    for f, m in fonts:
        if m.horizontalAdvance(text) <= width:
            chosen, fm = f, m
            break
    else:
        text = elide(fm, text, width)
    p.setFont(chosen)
    draw_centered(p, rect, text, fm)


def elide(fm, text: str, width: float) -> str:
    """*text* shortened with an ellipsis to fit *width* for font metrics *fm*."""
    return fm.elidedText(text, Qt.TextElideMode.ElideRight, max(0.0, width))

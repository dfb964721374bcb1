"""The card every pattern drawn as itself stands on (see ``gui.stage.pattern_items``).

A :class:`PatternItem` shows a :class:`core.trace.PatternView` (the pattern's own
records, Kind.PATTERN) at the stage's runtime time: its subclasses draw the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPen

from core.trace import PatternView
from gui.stage.items import StageItem, draw_text, elide
from gui.stage.style import StageStyle

__all__ = ["PatternItem"]


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
        self._v = v
        if not self.set_key((self.title or v.name, *self._look(v, v.state, now))):
            return False
        self._tip_text = self._tip(v, v.state)
        return True

    def draw(self, p: QPainter) -> None:
        v = self._v
        if v is not None:
            self._draw(p, v, v.state)

    # What a kind of pattern defines:

    def _look(self, v: PatternView, st: dict, now: float) -> tuple:  # pragma: no cover
        """What the drawing shows of *v* at *now* (computing what it derives from
        the time); the card is drawn again when it changes."""
        raise NotImplementedError

    def _tip(self, v: PatternView, st: dict) -> str:  # pragma: no cover
        """The tooltip."""
        raise NotImplementedError

    def _draw(self, p: QPainter, v: PatternView, st: dict) -> None:  # pragma: no cover
        """Draw the card in its own coordinates."""
        raise NotImplementedError

    def focus_point(self) -> tuple[float, float]:
        """Where the stage pulses when the pattern acts (scene coordinates)."""
        return self.center()

    def _line(
        self, p: QPainter, y: float, text: str, color: QColor | None = None, big: bool = False
    ) -> float:
        """One line of text (small and muted unless *big* or *color*) with its top at *y*,
        elided to the card's width; returns the next line's top."""
        s = self.style
        font, fm = (s.text_font, s.fm_text) if big else (s.small_font, s.fm_small)
        pad = 10 * s.k
        p.setFont(font)
        p.setPen(color if color is not None else (s.text if big else s.muted))
        draw_text(p, pad, y + fm.ascent(), elide(fm, text, self.w - 2 * pad))
        return y + fm.height()

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
        draw_text(p, pad, pad + s.fm_name.ascent(), elide(s.fm_name, name, nw))
        p.setFont(s.small_font)
        p.setPen(s.muted)
        x = pad + nw + 8 * s.k
        base = pad + s.fm_name.ascent()
        draw_text(p, x, base, elide(s.fm_small, self.KIND, self.w - x - pad))
        return pad + s.fm_name.height() + 4 * s.k

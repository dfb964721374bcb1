"""The lines between items: who waits on what, who holds what, who uses what.

One item shows every line of the stage. Like the other items (see
gui.stage.items) it is a pixmap drawn by us, at device resolution, only when
the view hands it new lines (a wait starts or ends, items glide to a new
layout): no Python runs while Qt paints a frame. Antialiased curves cost
about their length in pixels, so each curve is its own path (one huge path
is far slower to stroke) and the compact level of detail draws plain
straight lines.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem

from gui.stage.items import render_pixmap

__all__ = ["EdgeGroup", "EdgeLayer", "curve", "polyline"]

# (pen, curves, straight lines): a group draws either or both.
EdgeGroup = tuple[QPen, list[QPainterPath], list[QLineF]]


def curve(a: tuple[float, float], b: tuple[float, float]) -> QPainterPath:
    """A flow curve from *a* to *b* (leaves and arrives horizontally)."""
    (ax, ay), (bx, by) = a, b
    dx = max(abs(bx - ax) * 0.5, 30.0)
    sign = 1.0 if bx >= ax else -1.0
    path = QPainterPath()
    path.moveTo(ax, ay)
    path.cubicTo(ax + dx * sign, ay, bx - dx * sign, by, bx, by)
    return path


def polyline(points: list[tuple[float, float]], radius: float = 12.0) -> QPainterPath:
    """A line through *points* whose corners are rounded (up to *radius*)."""
    path = QPainterPath()
    path.moveTo(*points[0])
    for k in range(1, len(points) - 1):
        (px, py), (cx, cy), (nx, ny) = points[k - 1], points[k], points[k + 1]
        d_in, d_out = math.hypot(cx - px, cy - py), math.hypot(nx - cx, ny - cy)
        r = min(radius, d_in / 2, d_out / 2)
        if r < 0.5:
            path.lineTo(cx, cy)
            continue
        path.lineTo(cx - (cx - px) * r / d_in, cy - (cy - py) * r / d_in)
        path.quadTo(cx, cy, cx + (nx - cx) * r / d_out, cy + (ny - cy) * r / d_out)
    path.lineTo(*points[-1])
    return path


class EdgeLayer(QGraphicsPixmapItem):
    def __init__(self) -> None:
        super().__init__()
        self.groups: list[EdgeGroup] = []
        self._canvas: QPixmap | None = None  # the last drawing, drawn over by the next
        self.setZValue(0)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setTransformationMode(Qt.TransformationMode.FastTransformation)

    def set_groups(self, groups: list[EdgeGroup], bounds: QRectF, scale: float) -> None:
        """Draw *groups* over *bounds* (scene) at *scale* device pixels per unit."""
        self.groups = groups
        if not groups or bounds.isEmpty():
            self.setPixmap(QPixmap())
            return
        x0, y0 = bounds.x(), bounds.y()

        def draw(p: QPainter) -> None:
            p.translate(-x0, -y0)
            p.setBrush(Qt.BrushStyle.NoBrush)
            for pen, paths, lines in groups:
                p.setPen(pen)
                if paths:
                    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                    for path in paths:
                        p.drawPath(path)
                if lines:
                    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                    p.drawLines(lines)

        self._canvas = render_pixmap(
            bounds.width(), bounds.height(), scale, draw, margin=0.0, into=self._canvas
        )
        self.setOffset(x0, y0)
        self.setPixmap(self._canvas)

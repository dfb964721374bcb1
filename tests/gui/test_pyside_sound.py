"""PySide6 6.12.0 drops a reference to None on every void call on CPython 3.11 and
aborts ("Fatal Python error: none_dealloc"); pyproject pins 6.11. This test fails
(or crashes) on a release with that defect."""

from __future__ import annotations

import sys

from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsScene

CALLS = 3_000


def test_void_calls_keep_the_refcount_of_none(qapp):
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    scene = QGraphicsScene()
    item = QGraphicsEllipseItem(0, 0, 10, 10)
    scene.addItem(item)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for i in range(CALLS):
        painter.drawEllipse(i % 50, 0, 10, 10)
        item.setPos(i % 100, i % 7)
    painter.end()
    after = sys.getrefcount(None)
    # Other threads may hold a few extra references meanwhile; a defective
    # build loses one per call (thousands).
    assert after >= before - 100, f"lost {before - after} references to None in {2 * CALLS} calls"

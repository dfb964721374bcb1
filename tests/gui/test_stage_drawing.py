"""Drawing without dropping Qt objects: caches, reused pixmaps and painters, and
the helpers that replace calls which make (and drop) a Qt object.

Dropping a Qt object from Python releases the GIL for its destructor; while
goroutines spin, the GUI thread then waits up to a switch interval to get it
back (gui.stage.items.render_pixmap). These check that the cheap ways draw
exactly what the costly ones did.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from core.trace import STATES
from gui.stage.items import draw_centered, render_pixmap
from gui.stage.style import PixmapCache, StageStyle, _draw_state_badge, paint_state_badge_at
from gui.theme import DARK, LIGHT


def image(draw, size: int = 120) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.scale(1.7, 1.7)
    draw(p)
    p.end()
    return img


def ink_box(img: QImage) -> tuple[int, int, int, int]:
    """The bounding box of the pixels drawn: (left, top, right, bottom)."""
    xs, ys = [], []
    for y in range(img.height()):
        for x in range(img.width()):
            if img.pixelColor(x, y).alpha() > 60:
                xs.append(x)
                ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def test_the_pixmap_cache_drops_the_least_recently_used_one_at_a_time(qapp):
    cache = PixmapCache(size=3)
    pms = {k: QPixmap(4, 4) for k in "abcd"}
    for k in "abc":
        cache.put((k,), pms[k])
    assert cache.get(("a",)) is pms["a"]  # a is now the most recently used
    cache.put(("d",), pms["d"])
    assert len(cache) == 3
    assert cache.get(("b",)) is None  # the least recently used went, and only it
    assert all(cache.get((k,)) is pms[k] for k in "acd")


def test_a_drawing_of_the_same_size_reuses_the_pixmap(qapp):
    def draw(p: QPainter) -> None:
        p.fillRect(QRectF(0, 0, 10, 10), QColor("red"))

    first = render_pixmap(20, 10, 1.5, draw)
    again = render_pixmap(20, 10, 1.5, draw, into=first)
    assert again is first and again.devicePixelRatio() == 1.5
    assert again.toImage().pixelColor(8, 8) == QColor("red")
    assert render_pixmap(30, 10, 1.5, draw, into=first) is not first


def test_a_reused_pixmap_is_cleared_and_keeps_what_an_item_shows(qapp):
    red = render_pixmap(10, 10, 1.0, lambda p: p.fillRect(QRectF(0, 0, 10, 10), QColor("red")))
    shown = QPixmap(red)  # what an item shows: a copy sharing its data
    render_pixmap(10, 10, 1.0, lambda p: None, into=red)
    assert red.toImage().pixelColor(8, 8).alpha() == 0  # cleared
    assert shown.toImage().pixelColor(8, 8) == QColor("red")


@pytest.mark.parametrize("text", ["42", "closed", "OPEN", "x"])
def test_centred_text_lands_where_qt_centres_it(qapp, text):
    style = StageStyle(DARK)
    rect = QRectF(7.5, 11.25, 48, 20)

    def qt(p: QPainter) -> None:
        p.setFont(style.small_font)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def ours(p: QPainter) -> None:
        p.setFont(style.small_font)
        draw_centered(p, rect, text, style.fm_small)

    a, b = ink_box(image(qt)), ink_box(image(ours))
    assert all(abs(u - v) <= 1 for u, v in zip(a, b, strict=True)), (a, b)


@pytest.mark.parametrize("theme", [DARK, LIGHT])
@pytest.mark.parametrize("state", STATES)
def test_a_replayed_state_badge_is_the_drawn_one(qapp, theme, state):
    style = StageStyle(theme)
    direct = image(lambda p: _draw_state_badge(p, QRectF(10.5, 8.25, 46, 46), state, style))
    replayed = image(lambda p: paint_state_badge_at(p, 10.5, 8.25, 46, state, style))
    assert direct == replayed


def test_centred_text_too_wide_for_its_rect_is_elided_inside_it(qapp):
    style = StageStyle(DARK)
    rect = QRectF(7.5, 11.25, 30, 20)

    def ours(p: QPainter) -> None:
        p.setFont(style.small_font)
        draw_centered(p, rect, "a text far too wide", style.fm_small)

    left, _, right, _ = ink_box(image(ours))
    assert left >= 7.5 * 1.7 - 1 and right <= (7.5 + 30) * 1.7 + 1


def test_a_themes_colours_are_made_once_and_belong_to_it(qapp):
    import dataclasses

    assert DARK.qcolor("text") is DARK.qcolor("text")
    assert DARK.qcolor("text", 128) is not DARK.qcolor("text")
    assert DARK.qcolor("text", 128).alpha() == 128
    red = dataclasses.replace(DARK, text="#ff0000")
    assert red.qcolor("text").name() == "#ff0000" and DARK.qcolor("text").name() != "#ff0000"
    assert red == dataclasses.replace(red)  # the shared colours are not part of the palette

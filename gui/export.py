"""The stage as a picture (SVG, PNG at 1x/2x) and as an animation (GIF, WebP, MP4).

Pictures are drawn again from the stage's items, not copied from the screen:
every stage item draws itself with a ``QPainter`` (see :mod:`gui.stage.items`),
so the same drawing code writes vectors into an SVG (``QtSvg``'s
``QSvgGenerator``, which PySide6-Essentials ships) and sharp pixels into a PNG
at twice the screen's resolution. The stage's overlays (the legend and clock
strip, a deadlock or panic banner, the step caption) are child widgets, drawn
with ``QWidget.render`` on the same painter.

Animations are grabbed (:class:`StageRecorder`): a timer on the GUI thread
blits the stage (``QWidget.grab``: the items are cached pixmaps, so this is
cheap), copies the pixels into plain bytes and hands them to an
:class:`~gui.animation_writer.AnimationWriter`, which encodes on its own thread
and never sees a Qt object. The recording covers a span of *runtime*: at speed
0.5x, 10 s of runtime take 20 s to record, and the animation plays them as the
teacher saw them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QObject, QPoint, QRect, Qt, QTimer
from PySide6.QtCore import Signal as _Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from core.persist import atomic_write_bytes
from gui.animation_writer import AnimationWriter, RawFrame, format_of
from gui.stage.edges import EdgeLayer
from gui.stage.items import StageItem
from gui.stage.tokens import TokenItem

__all__ = [
    "PICTURE_FORMATS",
    "StageRecorder",
    "grab_frame",
    "paint_stage",
    "save_stage_picture",
    "stage_image",
    "stage_svg",
]

# Name shown in the dialog -> (file extension, scale); scale 0 is the vector SVG.
PICTURE_FORMATS = {
    "SVG (vector, for slides)": (".svg", 0),
    "PNG, screen resolution (1x)": (".png", 1),
    "PNG, double resolution (2x)": (".png", 2),
}

Clock = Callable[[], float | None]


# -- pictures ------------------------------------------------------------------------------


def _paint_item(p: QPainter, item: QGraphicsItem) -> None:
    """Draw one scene item in its own coordinates, as vectors where we can."""
    if isinstance(item, StageItem):
        item.draw(p)
    elif isinstance(item, EdgeLayer):
        p.setBrush(Qt.BrushStyle.NoBrush)
        for pen, paths, lines in item.groups:
            p.setPen(pen)
            for path in paths:
                p.drawPath(path)
            if lines:
                p.drawLines(lines)
    elif isinstance(item, TokenItem) and item.kind:
        # The token's own drawing (centred on its position), as TokenItem.set_token does it.
        w, h = item._size()
        p.translate(-w / 2, -h / 2)
        item._draw(p, w, h)
    elif isinstance(item, QGraphicsPixmapItem):
        p.drawPixmap(item.offset(), item.pixmap())  # an item we do not know: its pixels
    else:
        item.paint(p, QStyleOptionGraphicsItem(), None)


def _overlays(view: QGraphicsView) -> list[QWidget]:
    """The stage's visible overlay widgets (legend, banner, caption), bottom first."""
    vp = view.viewport()
    return [
        w
        for w in view.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if w is not vp and w.isVisible() and not w.objectName().startswith("qt_scrollarea")
    ]


def paint_stage(p: QPainter, view: QGraphicsView) -> None:
    """Draw what *view* shows (its viewport: the scene under the view's transform,
    then the overlays) on *p*, in viewport pixels from (0, 0)."""
    vp = view.viewport()
    area = QRect(0, 0, vp.width(), vp.height())
    p.save()
    p.setClipRect(area)
    p.fillRect(area, view.backgroundBrush())
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    to_viewport = view.viewportTransform()
    for item in view.scene().items(Qt.SortOrder.AscendingOrder):
        if not item.isVisible():
            continue
        opacity = item.effectiveOpacity()
        if opacity <= 0.0:
            continue
        p.save()
        p.setTransform(item.sceneTransform() * to_viewport)
        p.setOpacity(opacity)
        _paint_item(p, item)
        p.restore()
    origin = vp.pos()
    for w in _overlays(view):
        p.save()
        p.resetTransform()
        p.translate(w.pos() - origin)
        w.render(p, QPoint(0, 0))
        p.restore()
    p.restore()


def stage_svg(view: QGraphicsView, title: str = "", description: str = "") -> bytes:
    """The stage as an SVG document (vectors and text; viewBox in viewport pixels)."""
    vp = view.viewport()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(vp.size())
    gen.setViewBox(QRect(0, 0, vp.width(), vp.height()))
    gen.setResolution(round(vp.logicalDpiX()) or 96)  # text keeps the size it has on screen
    gen.setTitle(title or "Goroutine Lab")
    gen.setDescription(description or "The stage of Goroutine Lab")
    p = QPainter(gen)
    paint_stage(p, view)
    p.end()
    buf.close()
    return bytes(buf.data().data())


def stage_image(view: QGraphicsView, scale: float = 1.0) -> QImage:
    """The stage drawn at *scale* times its size in pixels (2: sharp on a 4K projector)."""
    vp = view.viewport()
    img = QImage(
        max(1, round(vp.width() * scale)),
        max(1, round(vp.height() * scale)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    img.setDevicePixelRatio(scale)
    img.fill(view.backgroundBrush().color())
    p = QPainter(img)
    paint_stage(p, view)
    p.end()
    return img


def save_stage_picture(
    view: QGraphicsView, path: str | Path, scale: float = 0, title: str = ""
) -> Path:
    """Write the stage to *path*: SVG when *scale* is 0 (or the name ends in .svg),
    else PNG at *scale*; atomically. Returns the path.

    Raises:
        ValueError: not a .svg or .png name.
        OSError: the file could not be written.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".svg":
        data = stage_svg(view, title)
    elif ext == ".png":
        img = stage_image(view, scale or 1.0)
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6's stub says bytes; the call takes only str ("PNG").
        if not img.save(buf, "PNG"):  # type: ignore[call-overload]
            raise OSError(f"could not encode {path.name} as PNG")
        data = bytes(buf.data().data())
    else:
        raise ValueError(f"a picture of the stage is .svg or .png, not {path.name!r}")
    atomic_write_bytes(path, data)
    return path


# -- animations ------------------------------------------------------------------------------


def grab_frame(view: QGraphicsView, t: float) -> RawFrame:
    """The stage as it is on screen (items and overlays), as plain bytes (GUI thread)."""
    img = view.grab().toImage()
    if img.format() not in (
        QImage.Format.Format_RGB32,
        QImage.Format.Format_ARGB32,
        QImage.Format.Format_ARGB32_Premultiplied,
    ):
        img = img.convertToFormat(QImage.Format.Format_RGB32)
    data = bytes(img.constBits())  # a copy: the frame outlives the QImage
    return RawFrame(t, img.width(), img.height(), img.bytesPerLine(), data)


class StageRecorder(QObject):
    """Records *span* seconds of runtime of the stage to *path* (see the module docstring).

    *clock* returns the runtime's clock (or ``None`` without a run: wall time counts
    then). With *stall_s*, a clock that has not moved for that many wall seconds (the
    run ended) ends the recording early; without it a paused run is simply recorded.

    Signals:
        progress(float, str): the fraction done and a sentence saying so.
        finished(str): the file is complete; its path.
        failed(str): why nothing was written (also after :meth:`cancel`: "cancelled").
    """

    progress = _Signal(float, str)
    finished = _Signal(str)
    failed = _Signal(str)

    def __init__(
        self,
        view: QGraphicsView,
        path: str | Path,
        span: float,
        clock: Clock,
        fps: float = 15.0,
        size: tuple[int, int] | None = None,
        stall_s: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        format_of(path)  # ValueError before anything starts
        if span <= 0:
            raise ValueError(f"the span must be more than 0 s, got {span:g}")
        self._view = view
        self.path = Path(path)
        self.span = float(span)
        self._clock = clock
        self.fps = fps
        vp = view.viewport()
        dpr = vp.devicePixelRatioF()
        self.size = size or (round(vp.width() * dpr), round(vp.height() * dpr))
        bg = view.backgroundBrush().color()
        self.writer = AnimationWriter(path, self.size, fps, (bg.red(), bg.green(), bg.blue()))
        self._stall_s = stall_s
        self._t0 = 0.0
        self._r0: float | None = None
        self._last_r: float | None = None
        self._last_move = 0.0
        self.recorded_s = 0.0  # wall seconds recorded (the animation's length)
        self.grab_seconds = 0.0  # GUI-thread time spent grabbing
        self.grabs = 0
        self.state = "idle"  # idle, recording, encoding, done, failed
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000 / fps)))
        self._timer.timeout.connect(self._on_timer_timeout)
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._on_poll_timeout)

    def _runtime(self) -> float:
        try:
            r = self._clock()
        except Exception:
            r = None
        return time.monotonic() - self._t0 if r is None else float(r)

    def runtime_done(self) -> float:
        """Seconds of runtime recorded so far."""
        if self._r0 is None:
            return 0.0
        return max(0.0, self._runtime() - self._r0)

    def start(self) -> None:
        self.writer.start()
        self._t0 = time.monotonic()
        self._r0 = self._runtime()
        self._last_r, self._last_move = self._r0, self._t0
        self.state = "recording"
        self._grab()
        self._timer.start()

    def _grab(self) -> None:
        t = time.monotonic() - self._t0
        g0 = time.perf_counter()
        self.writer.submit(grab_frame(self._view, t))
        self.grab_seconds += time.perf_counter() - g0
        self.grabs += 1

    def _on_timer_timeout(self) -> None:
        if self.state != "recording":
            return
        now = time.monotonic()
        r = self._runtime()
        if r != self._last_r:
            self._last_r, self._last_move = r, now
        done = max(0.0, r - (self._r0 or 0.0))
        stalled = self._stall_s is not None and now - self._last_move > self._stall_s
        if done >= self.span or stalled:
            self.stop()
            return
        self._grab()
        self.progress.emit(
            min(1.0, done / self.span), f"Recording: {done:.1f} of {self.span:g} s of runtime"
        )

    def stop(self) -> None:
        """End the recording now and write what was recorded."""
        if self.state != "recording":
            return
        self._timer.stop()
        self._grab()  # the last picture, at the end time
        self.recorded_s = time.monotonic() - self._t0
        self.writer.finish(self.recorded_s)
        self.state = "encoding"
        self._poll.start()

    def cancel(self) -> None:
        """Stop and write nothing; joins the encoder thread (briefly)."""
        if self.state in ("done", "failed"):
            return
        self._timer.stop()
        self._poll.stop()
        self.writer.cancel()
        self.writer.join(5.0)
        self.state = "failed"
        self.failed.emit("cancelled")

    def expected_frames(self) -> int:
        """Frames of the animation: the recorded time on the fps grid (the writer's
        count once it has seen the end; a last grab may add one frame)."""
        return self.writer.total_frames or max(1, round(self.recorded_s * self.fps))

    def _on_poll_timeout(self) -> None:
        w = self.writer
        if not w.done:
            total = self.expected_frames()
            self.progress.emit(
                min(1.0, w.frames_written / total),
                f"Encoding {self.path.name}: frame {w.frames_written} of {total}",
            )
            return
        self._poll.stop()
        w.join(1.0)
        if w.written is not None:
            self.state = "done"
            self.progress.emit(1.0, f"Wrote {self.path.name}")
            self.finished.emit(str(w.written))
        else:
            self.state = "failed"
            self.failed.emit(str(w.error) if w.error else "the encoder stopped")

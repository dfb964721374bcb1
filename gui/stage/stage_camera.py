"""The camera: fit the picture, or follow the action at a legible scale."""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QPointF,
    QRect,
    QRectF,
)
from PySide6.QtGui import QTransform

from gui.stage.items import StageItem
from gui.stage.stage_common import (
    FOLLOW_RECENT_S,
    HANDS_OFF_S,
    MAX_ZOOM,
    MAX_ZOOM_PRESENTER,
    StageViewBase,
)

__all__ = ["CameraMixin"]


class CameraMixin(StageViewBase):
    """Part of :class:`~gui.stage.view.StageView` (see the module docstring)."""

    def _fit(self) -> None:
        """Scale the scene to the viewport, never below the legible zoom (see the camera).

        In "follow" mode (the default) text never shrinks below the style's legible
        size: a picture larger than the viewport is panned, following the action
        (or the teacher's drag). In "fit" mode (F) the whole picture is shown.
        """
        vw, vh = self.drawing_area()
        b = self._bounds
        if vw <= 0 or vh <= 0 or b.width() <= 0 or b.height() <= 0:
            return
        zmax = MAX_ZOOM_PRESENTER if self._presenter else MAX_ZOOM
        fit = min(vw / b.width(), vh / b.height(), zmax)
        scale = fit if self._camera == "fit" else min(max(fit, self._style.legible_scale), zmax)
        # Rescaling re-renders every cached item once: only when the drawing no
        # longer fits, or when it could grow by a good step.
        if not self._scale or scale < self._scale * 0.995 or scale > self._scale * 1.12:
            self._scale = scale
            self.setTransform(QTransform.fromScale(scale, scale))
            self._set_device_scale(scale * self.viewport().devicePixelRatioF())
        self._place_camera()

    def drawing_area(self) -> tuple[int, int]:
        """The viewport's size between the banner (a panic, a deadlock) and the legend."""
        vp = self.viewport()
        return vp.width(), vp.height() - self._legend.bar_height() - self.banner_bottom()

    @property
    def banner_text(self) -> str:
        return self._banner.text if self._banner.isVisible() else ""

    @property
    def banner_geometry(self):
        """The banner's rectangle in the viewport (a QRect; empty when hidden)."""
        return self._banner.geometry() if self._banner.isVisible() else QRect()

    @property
    def banner_kind(self) -> str:
        return self._banner.kind if self._banner.isVisible() else ""

    def banner_bottom(self) -> int:
        """How far down the viewport the banner reaches, with its margin (0: none)."""
        return self._banner.height() + 14 if self._banner.isVisible() else 0

    @property
    def fits(self) -> bool:
        """The whole picture is on screen at the current zoom."""
        vw, vh = self.drawing_area()
        s = self._scale or 1.0
        return self._bounds.width() * s <= vw + 1 and self._bounds.height() * s <= vh + 1

    def _place_camera(self) -> None:
        vp = self.viewport()
        s = self._scale
        if not s:
            return
        b = self._bounds
        banner_h = self.banner_bottom()
        legend_h = self._legend.bar_height()
        # The centre of the drawing area, in the viewport, sits this far below the
        # viewport's centre (scene units).
        dy = (banner_h - legend_h) / s / 2
        w, h = vp.width() / s, vp.height() / s
        if self.fits:
            self._focus = None
            cx, cy = b.center().x(), b.center().y() - dy
            self.setSceneRect(QRectF(cx - w / 2, cy - h / 2, w, h))
            self.centerOn(cx, cy)
            return
        # Larger than the viewport: the scene rect is the drawing (plus room for the
        # banner and the legend), and the camera looks at the focus.
        pad_top, pad_bottom = banner_h / s, legend_h / s
        rect = QRectF(b.x(), b.y() - pad_top, b.width(), b.height() + pad_top + pad_bottom)
        rect = rect.united(QRectF(rect.center().x() - w / 2, rect.center().y() - h / 2, w, h))
        self.setSceneRect(rect)
        if self._focus is None:
            self._focus = self._snap(self._action_point() or (b.center().x(), b.center().y()))
        fx, fy = self._focus
        self.centerOn(fx, fy - dy)

    def _action_point(self) -> tuple[float, float] | None:
        """Where the picture changed last (the centre of the items that changed in the
        last FOLLOW_RECENT_S of runtime), or None when nothing did. The shelf counts
        as much as the flow: lost-updates' story is its counters, under the crowd of
        goroutines that feed them."""
        now = self._stage_time()
        pts = [
            item.center()
            for table in self._tables()
            for item in table.values()
            if now - item.changed_at < FOLLOW_RECENT_S and item not in self._unplaced
        ]
        if not pts:
            return None
        return (sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts))

    def _follow(self) -> None:
        """Glide the camera to the action when it is off-centre (a picture that does
        not fit only), unless the teacher moved the camera a moment ago."""
        if self.fits or self._camera == "fit" or time.monotonic() < self._hands_off_until:
            return
        target = self._action_point()
        if target is None:
            return
        vw, vh = self.drawing_area()
        s = self._scale or 1.0
        cx, cy = self._focus or target
        # Inside the middle of the view: no move (a camera that chases every
        # change makes a room seasick).
        if abs(target[0] - cx) * s < vw * 0.3 and abs(target[1] - cy) * s < vh * 0.3:
            return
        self._glide_camera(target)

    def _snap(self, target: tuple[float, float]) -> tuple[float, float]:
        """*target* moved a little (at most a third of the view) so that the view's
        edges cut as few items as they can: a name cut in half is not read."""
        s = self._scale or 1.0
        vw, vh = self.drawing_area()
        half = (vw / s / 2, vh / s / 2)
        b = self._bounds
        lo_hi = ((b.left(), b.right()), (b.top(), b.bottom()))
        rects = [
            ((i.px, i.px + i.w), (i.py, i.py + i.h))
            for table in self._tables()
            for i in table.values()
            if i.isVisible() and i not in self._unplaced
        ]
        out = list(target)
        m = 12.0  # room left between an item and the edge
        for axis in (0, 1):
            h = half[axis]
            lo, hi = lo_hi[axis]
            if hi - lo <= 2 * h:
                continue  # this way it fits: the camera centres it

            def cut(c: float, axis=axis, h=h) -> int:
                a, z = c - h, c + h
                return sum(r0 < a < r1 or r0 < z < r1 for r0, r1 in (r[axis] for r in rects))

            t = min(max(target[axis], lo + h), hi - h)  # the view stays on the drawing
            options = [t]
            for r in rects:
                r0, r1 = r[axis]
                # The item's start just inside the near edge, or its end the far one.
                options += [r0 - m + h, r1 + m - h]
            options = [min(max(c, lo + h), hi - h) for c in options if abs(c - t) <= h * 2 / 3]
            out[axis] = min(options, key=lambda c: (cut(c), abs(c - t)))
        return out[0], out[1]

    def _glide_camera(self, target: tuple[float, float]) -> None:
        target = self._snap(target)
        anim = self._camera_anim
        anim.stop()
        start = self._focus or (self._bounds.center().x(), self._bounds.center().y())
        anim.setStartValue(QPointF(*start))
        anim.setEndValue(QPointF(*target))
        anim.start()

    def _on_camera_step(self, p: QPointF) -> None:
        self._focus = (p.x(), p.y())
        self._place_camera()
        self._edges_dirty = True
        self.viewport().update()

    def fit_all(self, on: bool | None = None) -> None:
        """F: show the whole picture (text may get small); again: back to following."""
        on = self._camera != "fit" if on is None else on
        self._camera = "fit" if on else "follow"
        self._hands_off_until = 0.0
        self._scale = 0.0
        self._fit()
        self.camera_changed.emit(self._camera)

    @property
    def camera(self) -> str:
        """ "follow" (legible, panned to the action) or "fit" (the whole picture)."""
        return self._camera

    def focus_on(self, item: StageItem) -> None:
        """Centre the camera on *item* at a legible zoom, and keep it there a while."""
        if self._camera == "fit":
            self._camera = "follow"
            self._scale = 0.0
            self._fit()
            self.camera_changed.emit(self._camera)
        self._hands_off_until = time.monotonic() + HANDS_OFF_S
        if not self.fits:
            self._glide_camera(item.center())

    def _set_device_scale(self, scale: float) -> None:
        """Items draw themselves at device resolution: a new zoom redraws them once."""
        for table in self._tables():
            for item in table.values():
                item.set_device_scale(scale)
        self._device_scale = scale
        self._anim.restyle(self._style, scale)
        self._edges_dirty = True

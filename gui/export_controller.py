"""File > Export picture and File > Export animation: the dialogs and who does what.

:class:`ExportController` belongs to the main window. It asks where and how
(:class:`ExportPictureDialog`, :class:`ExportAnimationDialog`), writes the
picture (:func:`gui.export.save_stage_picture`) or runs a
:class:`~gui.export.StageRecorder` while :class:`RecordingDialog` shows its
progress; the dialog is not modal, so the teacher keeps teaching (and
injecting faults) while the stage is recorded. It reads the window only
through its public parts: ``stage``, ``player``, ``replay``, ``scenario_cls``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.animation_writer import FORMATS
from gui.export import PICTURE_FORMATS, StageRecorder, save_stage_picture

__all__ = [
    "ANIMATION_SIZES",
    "ExportAnimationDialog",
    "ExportController",
    "ExportPictureDialog",
    "RecordingDialog",
]

ANIMATION_SIZES: dict[str, tuple[int, int] | None] = {
    "1280 x 720 (HD, slides)": (1280, 720),
    "1920 x 1080 (full HD)": (1920, 1080),
    "854 x 480 (small)": (854, 480),
    "the stage's size": None,
}


class _PathRow(QWidget):
    """A file name with a Browse… button."""

    def __init__(self, path: Path, filt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filter = filt
        self.edit = QLineEdit(str(path))
        self.edit.setMinimumWidth(360)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def path(self) -> Path:
        return Path(self.edit.text().strip()).expanduser()

    def set_suffix(self, suffix: str) -> None:
        text = self.edit.text().strip()
        if text:
            self.edit.setText(str(Path(text).with_suffix(suffix)))

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save as", self.edit.text(), self._filter)
        if path:
            self.edit.setText(path)


class ExportPictureDialog(QDialog):
    """Where to save the stage, and as what: SVG (vector) or PNG at 1x / 2x."""

    def __init__(self, default: Path, stage_size: tuple[int, int], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export picture of the stage")
        self._stage_size = stage_size
        self.kind = QComboBox()
        self.kind.addItems(list(PICTURE_FORMATS))
        self.file = _PathRow(default.with_suffix(".svg"), "Pictures (*.svg *.png)")
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Format:", self.kind)
        form.addRow("File:", self.file)
        form.addRow("", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.kind.currentTextChanged.connect(self._on_kind_current_text_changed)
        self._on_kind_current_text_changed(self.kind.currentText())

    def choice(self) -> tuple[Path, float]:
        """The path and the scale (0: SVG)."""
        return self.file.path(), PICTURE_FORMATS[self.kind.currentText()][1]

    def _on_kind_current_text_changed(self, text: str) -> None:
        ext, scale = PICTURE_FORMATS[text]
        self.file.set_suffix(ext)
        w, h = self._stage_size
        if scale == 0:
            self.note.setText(
                f"Vectors and text, {w} x {h} at 100%: sharp at any size in slides "
                "(LibreOffice Impress, PowerPoint, Keynote, reveal.js)."
            )
        else:
            self.note.setText(f"{round(w * scale)} x {round(h * scale)} pixels.")


class ExportAnimationDialog(QDialog):
    """What to record: file (GIF, WebP or MP4), span of runtime, frame rate, size."""

    def __init__(self, default: Path, speed: float, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation of the stage")
        self.kind = QComboBox()
        for ext, name in FORMATS.items():
            self.kind.addItem(name, ext)
        self.file = _PathRow(default.with_suffix(".gif"), "Animations (*.gif *.webp *.mp4)")
        self.span = QDoubleSpinBox()
        self.span.setRange(0.5, 600.0)
        self.span.setDecimals(1)
        self.span.setValue(10.0)
        self.span.setSuffix(" s of runtime")
        self.fps = QSpinBox()
        self.fps.setRange(5, 30)
        self.fps.setValue(15)
        self.fps.setSuffix(" frames/s")
        self.frame_size = QComboBox()
        self.frame_size.addItems(list(ANIMATION_SIZES))
        self._speed = speed
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Format:", self.kind)
        form.addRow("File:", self.file)
        form.addRow("Record from now for:", self.span)
        form.addRow("Frame rate:", self.fps)
        form.addRow("Size:", self.frame_size)
        form.addRow("", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        start = buttons.addButton("Start recording", QDialogButtonBox.ButtonRole.AcceptRole)
        start.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.span.valueChanged.connect(self._update_note)
        self._update_note()

    def choice(self) -> dict[str, Any]:
        return {
            "path": self.file.path(),
            "span": self.span.value(),
            "fps": self.fps.value(),
            "size": ANIMATION_SIZES[self.frame_size.currentText()],
        }

    def _on_kind_current_index_changed(self, i: int) -> None:
        self.file.set_suffix(self.kind.itemData(i))

    def _update_note(self) -> None:
        wall = self.span.value() / max(self._speed, 1e-6)
        self.note.setText(
            f"At the current speed ({self._speed:g}x) this records about {wall:.1f} s, and "
            "the animation plays at that speed, as the class sees it. Pausing pauses the "
            "span, not the recording. You can keep teaching while it records."
        )


class RecordingDialog(QDialog):
    """Progress of a recording, with Stop and save / Cancel. Not modal."""

    def __init__(self, recorder: StageRecorder, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Recording {recorder.path.name}")
        self.setModal(False)
        self.recorder = recorder
        self.label = QLabel("Starting…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMinimumWidth(420)
        self.bar.setTextVisible(False)  # the label above says it in words
        self.stop_button = QPushButton("Stop and save")
        self.stop_button.setToolTip("End the recording now and write what was recorded")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop and write nothing")
        self.stop_button.clicked.connect(recorder.stop)
        self.cancel_button.clicked.connect(recorder.cancel)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.stop_button)
        row.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addLayout(row)
        recorder.progress.connect(self._on_recorder_progress)
        recorder.finished.connect(self._on_recorder_done)
        recorder.failed.connect(self._on_recorder_done)

    def _on_recorder_progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(fraction * 1000))
        self.label.setText(text)
        self.stop_button.setEnabled(self.recorder.state == "recording")

    def _on_recorder_done(self, _: str) -> None:
        self.accept()

    def reject(self) -> None:  # Escape or the close box: cancel, as the button says
        if self.recorder.state in ("recording", "encoding"):
            self.recorder.cancel()
        super().reject()


class ExportController(QObject):
    """The window's exports (see the module docstring). One recording at a time."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self.recorder: StageRecorder | None = None
        self.dialog: RecordingDialog | None = None
        self._started = 0.0
        window.installEventFilter(self)  # a recording stops when the window closes

    # -- helpers -----------------------------------------------------------------

    def _default_path(self) -> Path:
        cls = self._window.scenario_cls
        return Path.home() / (cls.id if cls is not None else "stage")

    def _stage_size(self) -> tuple[int, int]:
        vp = self._window.stage.viewport()
        return vp.width(), vp.height()

    def _title(self) -> str:
        cls = self._window.scenario_cls
        return f"Goroutine Lab: {cls.title}" if cls is not None else "Goroutine Lab"

    def runtime_now(self) -> float | None:
        """The clock the stage shows: a replay's position, else the run's runtime clock."""
        w = self._window
        replay = w.replay
        if replay is not None:
            return float(replay.position)
        rt = w.player.runtime
        return None if rt is None else rt.clock.now()

    def _say(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 10000)

    # -- pictures ------------------------------------------------------------------

    def export_picture(self) -> None:
        """File > Export picture…"""
        dlg = ExportPictureDialog(self._default_path(), self._stage_size(), self._window)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        path, scale = dlg.choice()
        self.save_picture(path, scale)

    def save_picture(self, path: Path, scale: float) -> bool:
        try:
            save_stage_picture(self._window.stage, path, scale, self._title())
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self._window, "Export picture", f"Could not write {path}:\n{exc}")
            return False
        self._say(f"Saved the stage to {path} ({path.stat().st_size / 1e3:,.0f} kB)")
        return True

    # -- animations ------------------------------------------------------------------

    def export_animation(self) -> None:
        """File > Export animation…"""
        if self.recorder is not None and self.recorder.state in ("recording", "encoding"):
            if self.dialog is not None:
                self.dialog.show()
                self.dialog.raise_()
            return
        dlg = ExportAnimationDialog(self._default_path(), self._window.player.speed, self._window)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        c = dlg.choice()
        self.start_recording(c["path"], c["span"], c["fps"], c["size"])

    def start_recording(
        self, path: Path, span: float, fps: float = 15, size: tuple[int, int] | None = None
    ) -> StageRecorder | None:
        """Record *span* s of runtime from now; returns the recorder (None: refused)."""
        try:
            rec = StageRecorder(self._window.stage, path, span, self.runtime_now, fps, size)
        except ValueError as exc:
            QMessageBox.warning(self._window, "Export animation", str(exc))
            return None
        self.recorder = rec
        rec.finished.connect(self._on_recorder_finished)
        rec.failed.connect(self._on_recorder_failed)
        self.dialog = RecordingDialog(rec, self._window)
        self.dialog.show()
        self._started = time.monotonic()
        rec.start()
        return rec

    def _on_recorder_finished(self, path: str) -> None:
        rec = self.recorder
        if rec is None:  # never: the recorder that finished is the last one started
            return
        size = Path(path).stat().st_size
        self._say(
            f"Saved {rec.recorded_s:.1f} s of animation ({rec.writer.frames_written} frames, "
            f"{size / 1e6:.1f} MB) to {path}"
        )

    def _on_recorder_failed(self, why: str) -> None:
        if why == "cancelled":
            self._say("Recording cancelled: nothing was written")
        else:
            QMessageBox.warning(self._window, "Export animation", f"Could not record:\n{why}")

    def shutdown(self) -> None:
        """Cancel a recording under way and wait for its encoder (briefly)."""
        if self.recorder is not None and self.recorder.state in ("recording", "encoding"):
            self.recorder.cancel()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

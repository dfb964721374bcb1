"""The presenter's strip: the controls a teacher presses, in one row above the stage.

In presenter mode the Controls dock steps aside to leave the width to the stage;
this strip shows what a teacher needs in front of a class: Play/Pause, Step,
Reset, slower and faster with the speed, and the lesson's teacher actions. Each
button is a mirror of a Controls button: a press clicks the original, so every
press goes through the one path (and an on/off action shows its state), and
:meth:`PresenterStrip.sync` copies text, check and enabled state back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from gui.panels.controls import ControlsPanel, format_speed

__all__ = ["PresenterStrip"]


class PresenterStrip(QWidget):
    """A row of mirrors of *controls*' buttons, with slower/faster around the speed."""

    def __init__(
        self, controls: ControlsPanel, nudge_speed: Callable[[float], None], parent=None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("presenterStrip")
        self._controls = controls
        self._mirrors: list[tuple[QPushButton, QPushButton]] = []  # (mirror, original)
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        for original in (controls.play_button, controls.step_button, controls.reset_button):
            self._row.addWidget(self._mirror(original))
        self.slower = QPushButton("Slower")
        self.slower.setToolTip("Slow the runtime clock down ( [ )")
        self.slower.clicked.connect(lambda: nudge_speed(1 / 1.5))
        self.speed_label = QLabel()
        self.speed_label.setObjectName("stripSpeed")
        self.faster = QPushButton("Faster")
        self.faster.setToolTip("Speed the runtime clock up ( ] )")
        self.faster.clicked.connect(lambda: nudge_speed(1.5))
        for w in (self.slower, self.speed_label, self.faster):
            self._row.addWidget(w)
        self._actions_at = self._row.count()
        self._row.addStretch(1)
        self._action_mirrors: list[QPushButton] = []
        self.sync()

    def _mirror(self, original: QPushButton) -> QPushButton:
        b = QPushButton()
        b.setObjectName(original.objectName())
        b.setFocusPolicy(original.focusPolicy())
        b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        b.clicked.connect(lambda _=False, o=original: self._press(o))
        self._mirrors.append((b, original))
        return b

    def _press(self, original: QPushButton) -> None:
        original.click()
        self.sync()

    def set_actions(self) -> None:
        """Mirror the lesson's teacher actions (call after the Controls got a lesson)."""
        for b in self._action_mirrors:
            self._row.removeWidget(b)
            self._mirrors = [(m, o) for m, o in self._mirrors if m is not b]
            b.deleteLater()
        self._action_mirrors = []
        for k, original in enumerate(self._controls.action_buttons()):
            b = self._mirror(original)
            self._row.insertWidget(self._actions_at + k, b)
            self._action_mirrors.append(b)
        self.sync()

    def sync(self) -> None:
        """Copy the originals' text, icon, check and enabled state onto the mirrors."""
        for mirror, original in self._mirrors:
            if mirror.text() != original.text():
                mirror.setText(original.text())
            # Room for the text in bold (a checked toggle's style), icon and padding,
            # in the font the style sheet gives now (presenter mode's is larger).
            bold = QFont(mirror.font())
            bold.setBold(True)
            text_w = QFontMetrics(bold).horizontalAdvance(original.text())
            width = text_w + mirror.iconSize().width() + 36
            if mirror.minimumWidth() != width:
                mirror.setMinimumWidth(width)
            mirror.setIcon(original.icon())
            mirror.setToolTip(original.toolTip())
            mirror.setEnabled(original.isEnabled())
            mirror.setCheckable(original.isCheckable())
            mirror.setChecked(original.isChecked())
        self.speed_label.setText(format_speed(self._controls.speed.speed))

    def mirrors(self) -> list[QPushButton]:
        """The strip's buttons that mirror a Controls button, left to right."""
        return [m for m, _ in self._mirrors]

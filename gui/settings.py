"""What the window remembers between sessions, kept with QSettings.

Values read back are checked: a hand-edited or stale settings file yields
the defaults, never an exception or an out-of-range speed.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from gui.theme import THEMES

__all__ = ["APPLICATION", "MAX_SPEED", "MIN_SPEED", "ORGANIZATION", "Settings", "clamp_speed"]

ORGANIZATION = "GoroutineLab"
APPLICATION = "Goroutine Lab"

# The runtime clock's speed range (Go's time runs at 1.0).
MIN_SPEED = 0.05
MAX_SPEED = 20.0


def clamp_speed(x: float) -> float:
    """*x* forced into the clock's range; NaN and infinities become 1.0."""
    if not isinstance(x, (int, float)) or not math.isfinite(x):
        return 1.0
    return min(MAX_SPEED, max(MIN_SPEED, float(x)))


class Settings:
    """Typed access to the window's QSettings.

    *store* defaults to the user's settings for Goroutine Lab; tests pass a
    QSettings on a temporary INI file.
    """

    def __init__(self, store: QSettings | None = None) -> None:
        self._s = store if store is not None else QSettings(ORGANIZATION, APPLICATION)

    @property
    def store(self) -> QSettings:
        return self._s

    def _get(self, key: str, default: object) -> object:
        return self._s.value(key, default)

    # -- appearance ----------------------------------------------------------

    @property
    def theme(self) -> str:
        v = str(self._get("view/theme", "dark"))
        return v if v in THEMES else "dark"

    @theme.setter
    def theme(self, name: str) -> None:
        if name not in THEMES:
            raise ValueError(f"no theme {name!r}")
        self._s.setValue("view/theme", name)

    @property
    def presenter(self) -> bool:
        return str(self._get("view/presenter", "false")).lower() in ("true", "1")

    @presenter.setter
    def presenter(self, on: bool) -> None:
        self._s.setValue("view/presenter", "true" if on else "false")

    @property
    def questions(self) -> bool:
        """Whether lessons stop to ask their "predict, then run" questions (default on)."""
        return str(self._get("teach/questions", "true")).lower() in ("true", "1")

    @questions.setter
    def questions(self, on: bool) -> None:
        self._s.setValue("teach/questions", "true" if on else "false")

    # -- the run -------------------------------------------------------------

    @property
    def speed(self) -> float:
        try:
            return clamp_speed(float(self._get("run/speed", 1.0)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 1.0

    @speed.setter
    def speed(self, x: float) -> None:
        self._s.setValue("run/speed", clamp_speed(x))

    @property
    def last_lesson(self) -> str | None:
        v = self._get("run/last_lesson", "")
        return str(v) if v else None

    @last_lesson.setter
    def last_lesson(self, scenario_id: str) -> None:
        self._s.setValue("run/last_lesson", scenario_id)

    @property
    def last_program(self) -> tuple[str, str]:
        """The text in "Your program"'s editor when the window last closed, and its file ("")."""
        return str(self._get("program/text", "")), str(self._get("program/path", ""))

    @last_program.setter
    def last_program(self, text_path: tuple[str, str]) -> None:
        text, path = text_path
        self._s.setValue("program/text", text)
        self._s.setValue("program/path", path)

    # -- window geometry -----------------------------------------------------

    def save_window(self, window: QMainWindow) -> None:
        self._s.setValue("window/geometry", window.saveGeometry())
        self._s.setValue("window/state", window.saveState())

    def restore_window(self, window: QMainWindow) -> bool:
        """Restore geometry and dock layout; False if none was saved (or it is unreadable)."""
        geometry = self._get("window/geometry", None)
        state = self._get("window/state", None)
        ok = False
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            ok = window.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            ok = window.restoreState(state) and ok
        return ok

    def sync(self) -> None:
        self._s.sync()

"""The controls dock: play / pause, step, reset, speed, parameters and actions.

Widgets for the parameters are built from each ``Param``'s declared kind and
range, so a value outside the range cannot be entered (spin boxes clamp, a
choice is a combo box). The panel only emits what the teacher asked for; the
window forwards it to the player.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.scenarios import Param, Scenario
from gui import resources
from gui.panels import discard as _discard
from gui.player import Player, PlayerState
from gui.settings import MAX_SPEED, MIN_SPEED, clamp_speed
from gui.theme import Theme

__all__ = ["TOGGLES", "ControlsPanel", "ParamForm", "SpeedControl", "Toggle", "format_speed"]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class Toggle:
    """A teacher's action that switches something on and off: its name on the button
    and whether it is on when a run starts (from the run's parameter values)."""

    def __init__(self, label: str, on_at_start: Callable[[dict[str, Any]], bool]) -> None:
        self.label = label
        self.on_at_start = on_at_start


def _off(_values: dict[str, Any]) -> bool:
    return False


# The lessons' on/off actions, by scenario id and action name. Each press of one
# flips it (its handler runs once per injection), so its state is its state at the
# start of the run, flipped once per injection into that run (Player.times_acted).
# An action that may ignore a press (select's "Silence source b", when b has not
# taken the last request) is not listed: its button could not tell the truth.
TOGGLES: dict[str, dict[str, Toggle]] = {
    "chat": {"slow-member": Toggle("Slow member", lambda _v: True)},  # alice starts slow
    "pipeline": {"slow-stage": Toggle("Slow stage", _off)},
    "counter-dumper": {"slow-dump": Toggle("Slow dump", _off)},
    "resource-keeper": {"slow-keeper": Toggle("Slow keeper", _off)},
    "select": {"toggle-default": Toggle("Default case", lambda v: bool(v.get("use_default")))},
}


def format_speed(x: float) -> str:
    """How the speed reads beside the slider: ``0.05×``, ``0.5×``, ``1×``, ``2.5×``, ``20×``."""
    if x >= 10:
        return f"{x:.0f}×"
    return f"{x:.2f}".rstrip("0").rstrip(".") + "×"


class SpeedControl(QWidget):
    """A logarithmic slider from 0.05x to 20x with the value shown.

    Signals:
        speed_changed(float): the teacher moved the slider.
    """

    speed_changed = Signal(float)
    STEPS = 1000

    def __init__(self, speed: float = 1.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._slider = QSlider(Qt.Orientation.Horizontal)
        self._slider.setRange(0, self.STEPS)
        self._slider.setPageStep(self.STEPS // 20)
        self._slider.setToolTip(
            "Speed of the runtime clock: every sleep, timer and timeout runs this much faster "
            "(or slower) than real time. 1× is Go's own pace."
        )
        self._slider.setAccessibleName("Speed")
        self._value = QLabel()
        self._value.setObjectName("speedValue")
        self._value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._one = QPushButton("Real time")
        self._one.setToolTip("Back to real time (1×)")
        self._one.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._one.clicked.connect(lambda: self._commit(1.0))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._slider, 1)
        layout.addWidget(self._value)
        layout.addWidget(self._one)
        self._speed = clamp_speed(speed)
        self._slider.valueChanged.connect(self._on_slider_value_changed)
        self.set_speed(self._speed)

    @staticmethod
    def to_position(x: float) -> int:
        f = math.log(clamp_speed(x) / MIN_SPEED) / math.log(MAX_SPEED / MIN_SPEED)
        return round(f * SpeedControl.STEPS)

    @staticmethod
    def to_speed(pos: int) -> float:
        x = MIN_SPEED * (MAX_SPEED / MIN_SPEED) ** (pos / SpeedControl.STEPS)
        # Snap to round values a teacher would pick (within 3 %).
        for nice in (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0):
            if abs(x / nice - 1) < 0.03:
                return nice
        return round(x, 2 if x < 10 else 1)

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def slider(self) -> QSlider:
        return self._slider

    def set_speed(self, x: float) -> None:
        """Show speed *x* without emitting ``speed_changed``."""
        self._speed = clamp_speed(x)
        self._slider.blockSignals(True)
        self._slider.setValue(self.to_position(self._speed))
        self._slider.blockSignals(False)
        self._value.setText(format_speed(self._speed))

    def _commit(self, x: float) -> None:
        self.set_speed(x)
        self.speed_changed.emit(self._speed)

    def _on_slider_value_changed(self, pos: int) -> None:
        self._speed = self.to_speed(pos)
        self._value.setText(format_speed(self._speed))
        self.speed_changed.emit(self._speed)


def _range_text(p: Param) -> str:
    if p.kind is bool:
        return "on or off"
    if p.kind is str:
        return "one of: " + ", ".join(p.choices)
    lo = "any" if p.minimum is None else p._fmt(p.minimum)
    hi = "any" if p.maximum is None else p._fmt(p.maximum)
    return f"from {lo} to {hi}{(' ' + p.unit) if p.unit else ''}"


class ParamForm(QWidget):
    """One widget per parameter, built from its kind, range, unit and help.

    Signals:
        values_changed(dict): a value was committed (all current values).
    """

    values_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A narrow dock (presenter mode's big type) puts a label above its field.
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._params: tuple[Param, ...] = ()
        self._widgets: dict[str, QWidget] = {}

    def widget(self, name: str) -> QWidget:
        return self._widgets[name]

    def set_params(self, params: tuple[Param, ...], values: dict[str, Any]) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self._widgets.clear()
        self._params = tuple(params)
        for p in self._params:
            w = self._make(p, values.get(p.name, p.default))
            tip = f"{p.help}\n\nAllowed: {_range_text(p)}. Default: {p.default}."
            w.setToolTip(tip)
            w.setAccessibleName(p.title)
            label = QLabel(p.title)
            label.setToolTip(tip)
            label.setBuddy(w)
            self._widgets[p.name] = w
            self._form.addRow(label, w)

    def _make(self, p: Param, value: Any) -> QWidget:
        if p.kind is bool:
            check = QCheckBox()
            check.setChecked(bool(value))
            check.toggled.connect(self._emit)
            return check
        if p.kind is str:
            combo = QComboBox()
            combo.addItems(list(p.choices))
            combo.setCurrentText(str(value))
            combo.currentTextChanged.connect(self._emit)
            return combo
        w: QSpinBox | QDoubleSpinBox
        if p.kind is int:
            w = QSpinBox()
            w.setRange(
                int(p.minimum) if p.minimum is not None else _INT_MIN,
                int(p.maximum) if p.maximum is not None else _INT_MAX,
            )
            w.setValue(int(value))
        else:
            w = QDoubleSpinBox()
            lo = p.minimum if p.minimum is not None else -1e9
            hi = p.maximum if p.maximum is not None else 1e9
            span = hi - lo
            decimals = 3 if span <= 2 else 2 if span <= 50 else 1
            w.setDecimals(decimals)
            w.setRange(lo, hi)
            w.setSingleStep(max(10**-decimals, round(span / 50, decimals)))
            w.setValue(float(value))
        w.setKeyboardTracking(False)  # commit on Enter or focus out, not per keystroke
        w.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        w.setAccelerated(True)
        if p.unit:
            w.setSuffix(f" {p.unit}")
        w.valueChanged.connect(self._emit)
        return w

    def values(self) -> dict[str, Any]:
        """The current values, each checked by its ``Param.validate``."""
        out: dict[str, Any] = {}
        for p in self._params:
            w = self._widgets[p.name]
            if isinstance(w, QCheckBox):
                v: Any = w.isChecked()
            elif isinstance(w, QComboBox):
                v = w.currentText()
            else:
                v = w.value()  # type: ignore[attr-defined]
            out[p.name] = p.validate(v)
        return out

    def _emit(self, *_: object) -> None:
        self.values_changed.emit(self.values())


class ControlsPanel(QWidget):
    """Transport buttons, the speed slider, the lesson's parameters and actions.

    Signals:
        play_pause_requested(), step_requested(), reset_requested(),
        speed_changed(float), params_changed(dict) (debounced: sent once the
        teacher stops changing values for a moment), action_requested(str),
        questions_toggled(bool) ("Ask the lesson's questions").
    """

    play_pause_requested = Signal()
    step_requested = Signal()
    reset_requested = Signal()
    speed_changed = Signal(float)
    params_changed = Signal(dict)
    action_requested = Signal(str)
    questions_toggled = Signal(bool)

    PARAM_DEBOUNCE_MS = 500

    def __init__(self, theme: Theme, speed: float = 1.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._state = PlayerState.IDLE
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("primary")
        self.play_button.setToolTip("Play or pause the lesson (Space)")
        self.play_button.clicked.connect(self.play_pause_requested)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip(
            "Pause, then let exactly one goroutine perform one operation (Right arrow)"
        )
        self.step_button.clicked.connect(self.step_requested)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Start the lesson again from the beginning (R)")
        self.reset_button.clicked.connect(self.reset_requested)
        transport = QHBoxLayout()
        for b in (self.play_button, self.step_button, self.reset_button):
            transport.addWidget(b)

        self.speed = SpeedControl(speed)
        self.speed.speed_changed.connect(self.speed_changed)

        self.questions_check = QCheckBox("Ask the lesson's questions")
        self.questions_check.setToolTip(
            "Predict, then run: at marked moments the lesson pauses and asks a question, "
            "then runs on and shows whether the prediction was right (View > Questions)"
        )
        self.questions_check.toggled.connect(self.questions_toggled)

        self.params = ParamForm()
        self.params.values_changed.connect(self._on_params_values_changed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(self.PARAM_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self._pending: dict[str, Any] | None = None

        self._actions_box = QVBoxLayout()
        self._actions_box.setSpacing(4)
        self._action_buttons: dict[str, QPushButton] = {}
        self._toggles: dict[str, Toggle] = {}  # the lesson's on/off actions, by name
        self._values: dict[str, Any] = {}  # the lesson's values when it was put on stage
        self._player: Player | None = None

        self._params_header = _header("Parameters")
        self._params_hint = QLabel("Changing a parameter restarts the lesson.")
        self._params_hint.setObjectName("hint")
        self._params_hint.setWordWrap(True)
        self._actions_header = _header("Teacher actions")
        self._actions_hint = QLabel("Inject these while the lesson runs.")
        self._actions_hint.setObjectName("hint")
        self._actions_hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(transport)
        layout.addWidget(_header("Speed"))
        layout.addWidget(self.speed)
        layout.addWidget(_header("Teaching"))
        layout.addWidget(self.questions_check)
        layout.addWidget(self._params_header)
        layout.addWidget(self.params)
        layout.addWidget(self._params_hint)
        layout.addWidget(self._actions_header)
        layout.addLayout(self._actions_box)
        layout.addWidget(self._actions_hint)
        layout.addStretch(1)
        self.set_theme(theme)
        self.set_state(PlayerState.IDLE)

    # -- API -------------------------------------------------------------------------

    def action_button(self, name: str) -> QPushButton:
        return self._action_buttons[name]

    def action_buttons(self) -> list[QPushButton]:
        """The lesson's teacher-action buttons, in the lesson's order."""
        return list(self._action_buttons.values())

    def set_scenario(
        self, scenario_cls: type[Scenario], values: dict[str, Any], player: Player | None = None
    ) -> None:
        """Build the parameter widgets and action buttons of *scenario_cls*.

        With *player*, the on/off actions (:data:`TOGGLES`) show their state in
        its runs: checked, and "on" or "off" in their text.
        """
        self._debounce.stop()
        self._pending = None
        self.params.blockSignals(True)
        self.params.set_params(scenario_cls.params, values)
        self.params.blockSignals(False)
        for b in self._action_buttons.values():
            self._actions_box.removeWidget(b)
            _discard(b)
        self._action_buttons.clear()
        toggles = TOGGLES.get(scenario_cls.id, {})
        self._toggles = {a.name: toggles[a.name] for a in scenario_cls.actions if a.name in toggles}
        self._values = dict(values)
        if player is not None and player is not self._player:
            self._player = player
            player.started.connect(self._sync_toggles)
            player.action_injected.connect(self._sync_toggles)
        for a in scenario_cls.actions:
            b = QPushButton(a.label)
            b.setObjectName("action")
            b.setToolTip(a.help)
            b.setAccessibleName(a.label)
            if a.name in self._toggles:
                b.setCheckable(True)
                # The press asks the run; the run's answer (_sync_toggles) sets the check.
                b.clicked.connect(self._sync_toggles)
            b.setIcon(resources.icon("bolt", self._theme.warning))
            b.clicked.connect(lambda _=False, n=a.name: self.action_requested.emit(n))
            self._actions_box.addWidget(b)
            self._action_buttons[a.name] = b
        has_params = bool(scenario_cls.params)
        has_actions = bool(scenario_cls.actions)
        self._params_header.setVisible(has_params)
        self._params_hint.setVisible(has_params)
        self._actions_header.setVisible(has_actions)
        self._actions_hint.setVisible(has_actions)
        self._sync_toggles()
        self.set_state(self._state)

    def toggle_on(self, name: str) -> bool:
        """Whether on/off action *name* is on in the current run (as its button shows)."""
        t = self._toggles[name]
        player = self._player
        scenario = player.scenario if player is not None else None
        values = scenario.values if scenario is not None else self._values
        flips = player.times_acted(name) if player is not None and scenario is not None else 0
        return t.on_at_start(values) != bool(flips % 2)

    def _sync_toggles(self, *_: object) -> None:
        for name, t in self._toggles.items():
            b = self._action_buttons.get(name)
            if b is None:
                continue
            on = self.toggle_on(name)
            b.blockSignals(True)
            b.setChecked(on)
            b.blockSignals(False)
            b.setText(f"{t.label}: {'ON' if on else 'off'}")
            b.setAccessibleDescription("on" if on else "off")

    def set_state(self, state: str) -> None:
        """Reflect the player's state on the buttons."""
        self._state = state
        live = state in (PlayerState.RUNNING, PlayerState.PAUSED)
        if state == PlayerState.RUNNING:
            self.play_button.setText("Pause")
            self.play_button.setIcon(resources.icon("pause", self._theme.background))
        else:
            self.play_button.setText("Play")
            self.play_button.setIcon(resources.icon("play", self._theme.background))
        self.step_button.setEnabled(live)
        for b in self._action_buttons.values():
            b.setEnabled(live)

    def set_questions(self, on: bool) -> None:
        """Show whether questions are on, without emitting ``questions_toggled``."""
        self.questions_check.blockSignals(True)
        self.questions_check.setChecked(on)
        self.questions_check.blockSignals(False)

    def set_replay(self, playing: bool) -> None:
        """A replay is on stage: Play/Pause and Step drive it; the actions wait for a live run."""
        self._state = PlayerState.RUNNING if playing else PlayerState.PAUSED
        icon = "pause" if playing else "play"
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(resources.icon(icon, self._theme.background))
        self.step_button.setEnabled(True)
        for b in self._action_buttons.values():
            b.setEnabled(False)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.step_button.setIcon(resources.icon("step", theme.text))
        self.reset_button.setIcon(resources.icon("reset", theme.text))
        for b in self._action_buttons.values():
            b.setIcon(resources.icon("bolt", theme.warning))
        self.set_state(self._state)

    def flush_params(self) -> None:
        """Send a pending parameter change now instead of after the debounce."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._on_debounce_timeout()

    # -- slots -----------------------------------------------------------------------

    def _on_params_values_changed(self, values: dict) -> None:
        self._pending = values
        self._debounce.start()

    def _on_debounce_timeout(self) -> None:
        if self._pending is not None:
            values, self._pending = self._pending, None
            self.params_changed.emit(values)


def _header(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeader")
    return label

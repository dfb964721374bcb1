"""The controls dock: speed slider, parameter widgets built from Params, action buttons."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from core.scenarios._base import Action, Param, Scenario
from gui.panels.controls import ControlsPanel, SpeedControl, format_speed
from gui.theme import DARK


class Demo(Scenario):
    id = "controls-demo"
    title = "Demo"
    chapter = "Messages"
    summary = "Only for tests."
    params = (
        Param("workers", int, 3, "How many workers", minimum=1, maximum=8, unit="goroutines"),
        Param("delay", float, 0.2, "Pause between sends", minimum=0.01, maximum=2.0, unit="s"),
        Param("verbose", bool, False, "Say more"),
        Param("variant", str, "correct", "Which version", choices=("correct", "broken")),
    )
    actions = (Action("cancel", "Cancel", "Cancel the context now"),)


@pytest.fixture
def panel(qtbot):
    p = ControlsPanel(DARK)
    qtbot.addWidget(p)
    p.set_scenario(Demo, {})
    return p


def test_each_param_kind_gets_its_widget(panel):
    kinds = [type(panel.params.widget(p.name)) for p in Demo.params]
    assert kinds == [QSpinBox, QDoubleSpinBox, QCheckBox, QComboBox]


def test_int_param_clamps_out_of_range_values(panel):
    spin = panel.params.widget("workers")
    spin.setValue(99)
    assert spin.value() == 8
    spin.setValue(-5)
    assert spin.value() == 1


def test_typed_out_of_range_text_is_refused(panel, qtbot):
    spin = panel.params.widget("workers")
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "99")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert 1 <= spin.value() <= 8
    assert panel.params.values()["workers"] == spin.value()


def test_float_param_clamps_and_shows_its_unit(panel):
    spin = panel.params.widget("delay")
    spin.setValue(50.0)
    assert spin.value() == pytest.approx(2.0)
    assert spin.suffix().strip() == "s"


def test_param_tooltip_holds_help_and_range(panel):
    tip = panel.params.widget("workers").toolTip()
    assert "How many workers" in tip and "from 1 to 8 goroutines" in tip


def test_param_change_is_sent_once_after_the_debounce(panel, qtbot):
    seen = []
    panel.params_changed.connect(seen.append)
    panel.params.widget("workers").setValue(4)
    panel.params.widget("workers").setValue(5)
    qtbot.waitUntil(lambda: len(seen) > 0, timeout=3000)
    assert seen == [{"workers": 5, "delay": 0.2, "verbose": False, "variant": "correct"}]


def test_action_button_has_help_and_emits_its_name(panel, qtbot):
    panel.set_state("running")
    button = panel.action_button("cancel")
    assert button.toolTip() == "Cancel the context now"
    with qtbot.waitSignal(panel.action_requested) as sig:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert sig.args == ["cancel"]


def test_action_buttons_are_disabled_when_nothing_runs(panel):
    panel.set_state("idle")
    assert not panel.action_button("cancel").isEnabled()


@pytest.mark.parametrize("x", [0.05, 0.1, 0.5, 1.0, 2.0, 20.0])
def test_speed_slider_round_trips(x):
    assert SpeedControl.to_speed(SpeedControl.to_position(x)) == pytest.approx(x)


def test_speed_slider_is_logarithmic():
    assert SpeedControl.to_position(1.0) == pytest.approx(SpeedControl.STEPS / 2, abs=40)


def test_speed_label_shows_the_value(qtbot):
    s = SpeedControl(2.5)
    qtbot.addWidget(s)
    assert s._value.text() == "2.5×"
    assert format_speed(0.05) == "0.05×" and format_speed(20) == "20×"

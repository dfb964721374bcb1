"""A lesson switch leaves nothing of the last lesson; on/off actions show their state."""

from __future__ import annotations

import pytest

from gui.panels.controls import TOGGLES
from gui.panels.scheduler import GENERAL_HINT, LESSON_HINTS


def test_a_lesson_switch_forgets_the_last_lessons_leak_report(window, qtbot):
    window.player.STOP_TIMEOUT = 0.4
    window.player.set_speed(5.0)
    assert window.open_lesson("cancel-by-timeout", {"variant": "broken"})
    qtbot.waitUntil(lambda: bool(window.reports.stuck_text), timeout=8000)
    leaky = window.player.run
    with qtbot.waitSignal(window.player.stopped, timeout=5000):
        assert window.open_lesson("unbuffered-channel")
    assert window.player.stopped_run is leaky
    assert leaky.scenario.id == "cancel-by-timeout"  # it did leak: see the reports test
    text = window.reports.plain_text()
    assert "LEAKS" not in text and "Cancel by timeout" not in text
    assert "never ended" not in window.statusBar().currentMessage()


def test_a_reset_keeps_the_leak_report_of_the_run_that_just_ended(window, qtbot):
    window.player.STOP_TIMEOUT = 0.4
    window.player.set_speed(5.0)
    assert window.open_lesson("cancel-by-timeout", {"variant": "broken"})
    qtbot.waitUntil(lambda: bool(window.reports.stuck_text), timeout=8000)
    with qtbot.waitSignal(window.player.stopped, timeout=5000):
        window.reset_lesson()
    assert "LEAKS: Cancel by timeout" in window.reports.plain_text()


def test_a_lesson_switch_clears_the_status_bar(window):
    window.statusBar().showMessage("Stopped; 3 goroutine(s) never ended", 10000)
    assert window.open_lesson("unbuffered-channel", play=False)
    assert window.statusBar().currentMessage() == ""


def test_the_chats_slow_member_shows_its_state(window, qtbot):
    assert window.open_lesson("chat")
    button = window.controls.action_button("slow-member")
    assert button.isCheckable()
    assert button.isChecked() and button.text() == "Slow member: ON"  # alice starts slow
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=3000)
    button.click()
    assert not button.isChecked() and button.text() == "Slow member: off"
    assert window.player.times_acted("slow-member") == 1
    button.click()
    assert button.isChecked()


def test_a_new_run_starts_its_toggles_from_their_start_state(window, qtbot):
    assert window.open_lesson("pipeline")
    button = window.controls.action_button("slow-stage")
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=3000)
    button.click()
    assert button.isChecked() and button.text() == "Slow stage: ON"
    window.reset_lesson()
    assert not button.isChecked() and button.text() == "Slow stage: off"


def test_the_select_default_toggle_starts_from_its_parameter(window):
    assert window.open_lesson("select", {"use_default": True})
    assert window.controls.action_button("toggle-default").isChecked()


def test_other_actions_are_plain_buttons(window):
    assert window.open_lesson("worker-pool", play=False)
    assert not window.controls.action_button("burst").isCheckable()


@pytest.mark.parametrize("lesson", sorted(TOGGLES))
def test_every_listed_toggle_is_an_action_of_its_lesson(window, lesson):
    assert window.open_lesson(lesson, play=False)
    for name in TOGGLES[lesson]:
        assert window.controls.action_button(name).isCheckable()


def test_the_scheduler_hint_speaks_of_the_lesson_on_stage(window):
    assert window.open_lesson("unbuffered-channel", play=False)
    assert "lost" not in window.scheduler.hint.text()
    assert window.scheduler.hint.text() == GENERAL_HINT
    assert window.open_lesson("lost-updates", play=False)
    assert LESSON_HINTS["lost-updates"] in window.scheduler.hint.text()

"""Lesson text: controls named by their labels, presenter notes for presenters only."""

from __future__ import annotations

from core.scenarios._base import Action, Param, Scenario
from gui.panels.lesson import LessonPanel, prepare_lesson
from gui.theme import DARK


class Demo(Scenario):
    id = "no-such-lesson-for-tests"
    title = "Demo lesson"
    chapter = "Messages"
    summary = "A lesson that exists only in tests."
    params = (Param("workers", int, 2, "How many", minimum=1, maximum=4, label="Workers"),)
    actions = (Action("cancel", "Cancel now", "Cancel the context"),)


TEXT = """# Demo

Press [[cancel]] and change [[workers]]; [[nothing]] is unknown.

## Presenter notes

Ask the class first.

## Try it

Run it.
"""


def test_control_names_become_their_bold_labels():
    out = prepare_lesson(TEXT, Demo, presenter=False)
    assert "**Cancel now**" in out and "**Workers**" in out
    assert "**`nothing`**" in out


def test_presenter_notes_are_hidden_outside_presenter_mode():
    out = prepare_lesson(TEXT, Demo, presenter=False)
    assert "Ask the class" not in out
    assert "## Try it" in out


def test_presenter_notes_are_shown_in_presenter_mode():
    assert "Ask the class" in prepare_lesson(TEXT, Demo, presenter=True)


def test_missing_lesson_text_is_announced(qtbot):
    panel = LessonPanel(DARK)
    qtbot.addWidget(panel)
    panel.show()
    panel.set_scenario(Demo)
    assert not panel.has_text
    assert "No lesson text yet" in panel.view.toPlainText()

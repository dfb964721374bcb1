"""Predict, then run: the lesson's questions pause the run, the answer is checked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.teaching import parse_questions
from gui import resources
from gui.player import PlayerState


@pytest.fixture
def asking_window(qtbot, settings, no_new_goroutines):
    """A window that asks the lessons' questions (tests' windows ask none by default)."""
    from gui.main_window import MainWindow

    w = MainWindow(settings, theme="dark", remember=False, questions=True)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    assert w.player.wait_stopped(5.0)


def lesson_questions(lesson: str):
    return parse_questions(resources.lesson_text(lesson))


def wait_for_question(window, qtbot, number: int):
    q = lesson_questions("lost-updates")[number]
    qtbot.waitUntil(lambda: window.question_card.waiting, timeout=5000)
    assert window.question_card.question == q
    return q


def click(qtbot, row) -> None:
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton, pos=row.rect().center())


def test_question_pauses_the_run_at_its_time(asking_window, qtbot):
    w = asking_window
    w.player.set_speed(5.0)
    assert w.open_lesson("lost-updates")
    q = wait_for_question(w, qtbot, 0)
    assert w.player.state == PlayerState.PAUSED
    assert w.player.runtime.clock.now() >= q.at
    card = w.question_card
    assert card.isVisible()
    # Over the stage, never a dialog: the window stays usable.
    assert card.geometry().intersects(w.stage.geometry().translated(w.splitter.pos()))
    assert not card.isWindow()


def test_prediction_is_checked_against_the_lessons_answer(asking_window, qtbot):
    w = asking_window
    w.player.set_speed(5.0)
    assert w.open_lesson("lost-updates")
    q = wait_for_question(w, qtbot, 0)
    click(qtbot, w.question_card.choice_rows[q.correct])
    assert w.question_card.verdict.correct
    assert w.question_card.choice_rows[q.correct].property("state") == "right"
    assert w.question_card.why_label.text() == f"Why: {q.why}"
    assert w.player.state == PlayerState.RUNNING  # the run goes on, to show it
    assert w.questions.schedule.score == (1, 1)


def test_wrong_prediction_shows_the_answer_and_why(asking_window, qtbot):
    w = asking_window
    w.player.set_speed(20.0)
    assert w.open_lesson("lost-updates")
    wait_for_question(w, qtbot, 0)
    w.question_card.skip_button.click()
    assert w.player.state == PlayerState.RUNNING
    q = wait_for_question(w, qtbot, 1)
    wrong = next(i for i in range(len(q.choices)) if i != q.correct)
    click(qtbot, w.question_card.choice_rows[wrong])
    card = w.question_card
    assert not card.verdict.correct
    assert card.choice_rows[wrong].property("state") == "wrong"
    assert card.choice_rows[q.correct].property("state") == "right"
    assert q.correct_text in card.result_label.text()
    assert w.questions.schedule.score == (0, 1)


def test_questions_off_asks_nothing(asking_window, qtbot):
    w = asking_window
    w.menus.questions.trigger()
    assert not w.questions.enabled and not w.controls.questions_check.isChecked()
    w.player.set_speed(20.0)
    assert w.open_lesson("lost-updates")
    last = lesson_questions("lost-updates")[-1]
    qtbot.waitUntil(lambda: w.player.runtime.clock.now() > last.at + 1.0, timeout=5000)
    assert not w.question_card.isVisible()
    assert w.player.state == PlayerState.RUNNING


def test_questions_switch_is_kept_in_the_settings(qtbot, settings, no_new_goroutines):
    from gui.main_window import MainWindow

    assert settings.questions  # on for a new teacher
    w = MainWindow(settings, theme="dark")
    qtbot.addWidget(w)
    assert w.questions.enabled
    w.controls.questions_check.setChecked(False)
    assert not settings.questions and not w.menus.questions.isChecked()
    w.close()
    again = MainWindow(settings, theme="dark")
    qtbot.addWidget(again)
    assert not again.questions.enabled
    again.close()


def test_lesson_tab_does_not_give_the_answers_away(window, qtbot):
    window.open_lesson("lost-updates", play=False)
    window.tabs.setCurrentWidget(window.lesson)
    text = window.lesson.view.toPlainText()
    q = lesson_questions("lost-updates")[0]
    assert q.why not in text and "[correct]" not in text and "ask:" not in text
    assert "asks these questions while it runs" in text

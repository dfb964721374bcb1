"""The question card never collapses: its answers and Skip keep their height at every size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect

from core.teaching import parse_questions
from gui import resources
from gui.panels.question import ChoiceRow

SIZES = [
    (1280, 720, False),
    (1500, 950, False),  # the default window
    (1920, 1080, False),
    (1920, 1080, True),
    (1280, 720, True),
]


def lost_updates_questions():
    return parse_questions(resources.lesson_text("lost-updates"))


@pytest.fixture
def make_window(qtbot, settings, no_new_goroutines):
    from gui.main_window import MainWindow

    made = []

    def make(width: int, height: int, presenter: bool):
        w = MainWindow(settings, theme="dark", remember=False, questions=True, presenter=presenter)
        qtbot.addWidget(w)
        w.resize(width, height)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()
        assert w.player.wait_stopped(5.0)


def rect_in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def problems(window) -> list[str]:
    """What is wrong with the card on screen (empty: every answer and Skip are whole)."""
    card = window.question_card
    out = []
    if not card.isVisible():
        return ["the card is hidden"]
    if not window.centralWidget().rect().contains(card.geometry()):
        out.append(f"card {card.geometry()} leaves the window's centre")
    view = card.body.viewport()
    for row in card.choice_rows:
        need = row.heightForWidth(row.width())
        if not row.isVisible() or row.height() < max(need, row.sizeHint().height(), 1):
            out.append(f"choice {row.letter}: {row.height()} px, needs {need}")
        elif not view.rect().contains(rect_in(row, view)):
            out.append(f"choice {row.letter} is cut off: {rect_in(row, view)} in {view.rect()}")
    skip = card.skip_button
    if not skip.isVisible() or skip.height() < skip.sizeHint().height():
        out.append(f"Skip: {skip.size()}, needs {skip.sizeHint()}")
    elif skip.width() < skip.sizeHint().width():
        out.append(f"Skip is {skip.width()} px wide")
    elif not card.rect().contains(rect_in(skip, card)):
        out.append("Skip lies outside the card")
    stale = [r for r in card.findChildren(ChoiceRow) if r.isVisible() and r not in card.choice_rows]
    if stale:
        out.append(f"{len(stale)} rows of the last question still drawn")
    return out


def wait_whole(window, qtbot) -> None:
    """Wait (3 s at most) for a whole card; else fail, saying what is wrong."""
    try:
        qtbot.waitUntil(lambda: not problems(window), timeout=3000)
    except qtbot.TimeoutError:
        pass
    assert problems(window) == []


@pytest.mark.parametrize("width, height, presenter", SIZES)
def test_every_answer_and_skip_keep_their_height(make_window, qtbot, width, height, presenter):
    w = make_window(width, height, presenter)
    assert w.open_lesson("lost-updates", play=False)
    questions = lost_updates_questions()
    for q in questions:  # the second one was the one seen collapsed
        w.questions.ask(q)
        wait_whole(w, qtbot)
        w.question_card.skip_button.click()
        assert not w.question_card.isVisible()


def test_the_second_question_of_a_running_lesson_is_whole(make_window, qtbot):
    w = make_window(1500, 950, False)
    w.player.set_speed(20.0)
    assert w.open_lesson("lost-updates")
    first, second = lost_updates_questions()[:2]
    qtbot.waitUntil(lambda: w.question_card.question == first and w.question_card.waiting)
    w.question_card.skip_button.click()
    qtbot.waitUntil(
        lambda: w.question_card.question == second and w.question_card.waiting, timeout=5000
    )
    wait_whole(w, qtbot)


def test_the_verdict_keeps_close_whole(make_window, qtbot):
    w = make_window(1280, 720, True)
    assert w.open_lesson("lost-updates", play=False)
    q = lost_updates_questions()[1]
    w.questions.ask(q)
    w.questions.answer(next(i for i in range(len(q.choices)) if i != q.correct))
    card = w.question_card
    close = card.close_button

    def whole() -> bool:
        return (
            close.isVisible()
            and close.height() >= close.sizeHint().height()
            and card.rect().contains(rect_in(close, card))
            and card.why_label.isVisible()
        )

    qtbot.waitUntil(whole, timeout=3000)

"""The lessons' "predict, then run" questions, asked over the stage.

:class:`QuestionController` belongs to the main window. A lesson's text
marks moments of its run (:func:`core.teaching.parse_questions`); a 50 ms
timer watches the runtime clock and, when one is due, pauses the run and
puts the :class:`~gui.panels.question.QuestionCard` over the stage. An
answer (or Skip) resumes the run if the question paused it, and only then.

Invariants: at most one question is on screen (``asking``); a run paused
by a question is resumed by the controller, never one the teacher paused;
no question is asked during a replay or while questions are off.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

from core.scenarios import Scenario
from core.teaching import Question, QuestionSchedule, parse_questions
from gui import resources
from gui.player import PlayerState

__all__ = ["QuestionController"]

POLL_MS = 50  # how often the runtime clock is compared with the next question's moment
CARD_MIN_WIDTH, CARD_MAX_WIDTH = 280, 900
CARD_ABOVE_BOTTOM = 40  # px kept free at the stage's bottom, for its legend


class QuestionController(QObject):
    """Asks the lesson's questions over *window*'s stage; *enabled* says whether to ask."""

    def __init__(self, window: Any, enabled: bool) -> None:
        super().__init__(window)
        self._w = window
        self.card = window.question_card
        self._enabled = bool(enabled)
        self._schedule: QuestionSchedule | None = None
        self._asking: Question | None = None
        self._paused_run = False  # the player was paused for the question on screen
        self.card.answered.connect(self.answer)
        self.card.skipped.connect(self.skip)
        self.card.dismissed.connect(self.dismiss)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    @property
    def enabled(self) -> bool:
        """Whether the lessons' questions are asked."""
        return self._enabled

    @property
    def schedule(self) -> QuestionSchedule | None:
        """The lesson's questions and the answers given (None: the lesson has none)."""
        return self._schedule

    @property
    def asking(self) -> Question | None:
        """The question waiting for an answer, or None."""
        return self._asking

    def set_enabled(self, on: bool) -> None:
        """Ask questions (or not). Turned off while a question waits, the question
        goes away and the run goes on; questions whose time passes meanwhile are skipped."""
        self._enabled = bool(on)
        if self._schedule is not None:
            self._schedule.enabled = self._enabled
        if not self._enabled and self._asking is not None:
            self.skip()

    def load(self, cls: type[Scenario]) -> None:
        """Read lesson *cls*'s questions (a message in the status bar if they cannot be)."""
        self.dismiss()
        text = resources.lesson_text(cls.id)
        questions: list[Question] = []
        if text:
            try:
                questions = parse_questions(text)
            except ValueError as exc:
                self._w.statusBar().showMessage(
                    f"The lesson's questions cannot be read: {exc}", 8000
                )
        self._schedule = QuestionSchedule(questions, enabled=self._enabled) if questions else None

    def restart(self) -> None:
        """A new run of the same lesson: every question is due again."""
        self.dismiss()
        if self._schedule is not None:
            self._schedule.reset()

    def ask(self, q: Question) -> None:
        """Pause the run and put question *q* over the stage (answered with a click)."""
        player, sch = self._w.player, self._schedule
        self._asking = q
        if player.state == PlayerState.RUNNING:
            player.pause()
            self._paused_run = True
        number = sch.questions.index(q) + 1 if sch is not None and q in sch.questions else 1
        total = len(sch.questions) if sch is not None else 1
        self.card.ask(q, number, total)
        self.card.show()
        self.place_card()
        self._w.statusBar().showMessage("Predict: the run waits for your answer.", 8000)

    def answer(self, choice: int) -> Any:
        """Answer the question on screen with choice *choice*; returns the Verdict (or None)."""
        q, sch = self._asking, self._schedule
        if q is None or sch is None:
            return None
        verdict = sch.answer(q, choice)
        self._asking = None
        self.card.show_verdict(choice, verdict)
        self.place_card()
        self._resume()
        right, given = sch.score
        word = "Right" if verdict.correct else "Not this time"
        self._w.statusBar().showMessage(f"{word}. Score: {right} of {given}.", 8000)
        return verdict

    def skip(self) -> None:
        """Put the question away unanswered; the run goes on."""
        self.dismiss()
        self._resume()

    def dismiss(self) -> None:
        """Hide the card (a verdict read, a lesson switch); the run is left as it is."""
        self._asking = None
        self.card.hide()

    def place_card(self) -> None:
        """Put the card over the bottom of the stage; when the stage is too short for it
        (presenter mode's large type), it reaches down over the tabs."""
        card, w = self.card, self._w
        if not card.isVisible():
            return
        area = w.splitter.geometry()  # in the central widget, the card's parent
        stage = w.stage.geometry().translated(area.topLeft())
        width = max(CARD_MIN_WIDTH, min(stage.width() - 28, CARD_MAX_WIDTH))
        card.setFixedWidth(width)
        height = min(card.heightForWidth(width), area.height() - 12)
        bottom = stage.bottom() - CARD_ABOVE_BOTTOM
        if bottom - height < area.top() + 6:
            bottom = area.top() + 6 + height
        card.setGeometry(
            stage.left() + (stage.width() - width) // 2, bottom - height, width, height
        )
        card.raise_()

    def stop(self) -> None:
        """Stop watching the clock (the window closes)."""
        self._timer.stop()

    def _resume(self) -> None:
        player = self._w.player
        if self._paused_run and player.state == PlayerState.PAUSED:
            player.resume()
        self._paused_run = False

    def _on_timer_timeout(self) -> None:
        w, sch = self._w, self._schedule
        rt = w.player.runtime
        if sch is None or rt is None or self._asking is not None or w.replay is not None:
            return
        if w.player.state != PlayerState.RUNNING:
            return
        q = sch.due(rt.clock.now())
        if q is not None:
            self.ask(q)

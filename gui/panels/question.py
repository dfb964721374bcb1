"""Predict, then run: the card that asks a lesson's question over the stage.

The window pauses the run at the question's time and shows this card (it is
not a dialog: the window stays usable, nothing waits for it). The learner
picks a choice; the card marks the right one, says whether the prediction
was right and why, and the window lets the run go on, so the class sees
what really happens. Everything shown is plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.teaching import Question, Verdict
from gui.theme import Theme

__all__ = ["ChoiceRow", "QuestionCard"]

_LETTERS = "ABCDEFGHIJ"


class ChoiceRow(QLabel):
    """One choice: a word-wrapped line that acts as a button (click, Enter or Space).

    ``state`` (a dynamic property the card's style sheet reads) is "" before
    the answer, then "right" (the lesson's answer), "wrong" (the learner's
    choice, if not the answer) or "other".
    """

    clicked = Signal()

    def __init__(self, letter: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(f"{letter}   {text}", parent)
        self.letter = letter
        self.choice = text
        self.setObjectName("choice")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(f"Choice {letter}: {text}")
        # As high as its wrapped text needs, never squeezed below that by the card.
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._active = True

    def sizeHint(self) -> QSize:
        """At its width, the height its wrapped text needs (QLabel's own hint guesses a
        narrower width, so one line would ask for two)."""
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def set_state(self, state: str) -> None:
        self._active = False
        self.setCursor(Qt.CursorShape.ArrowCursor)
        mark = {"right": "✓", "wrong": "✗"}.get(state, " ")
        self.setText(f"{mark} {self.letter}   {self.choice}")
        self.setProperty("state", state)
        self.style().unpolish(self)
        self.style().polish(self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._active and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._active and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class _CardBody(QScrollArea):
    """The question, its choices and the "why": scrolls rather than squeezes.

    It asks for the height its content needs at its width (``heightForWidth``),
    so the card grows to show it all when there is room; when the window is
    too short (a small screen in presenter mode), it shrinks down to
    ``MIN_LINES`` lines and scrolls, while each choice keeps its full height.
    """

    MIN_LINES = 4

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setObjectName("questionBody")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)
        self._content = content
        self.viewport().setAutoFillBackground(False)  # the card's surface shows through
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # QScrollArea filters its content's events; a content whose layout changed
        # (new choices, the verdict) changes this area's height for width too, and
        # the card's layout only asks again once told.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        inner = self._content
        inner.ensurePolished()
        layout = inner.layout()
        return (
            layout.totalHeightForWidth(width) if layout is not None else inner.sizeHint().height()
        )

    def sizeHint(self) -> QSize:
        w = self._content.sizeHint().width()
        return QSize(w, self.heightForWidth(max(w, 1)))

    def minimumSizeHint(self) -> QSize:
        lines = self.fontMetrics().lineSpacing() * self.MIN_LINES
        return QSize(0, min(lines, self.sizeHint().height()))


class QuestionCard(QFrame):
    """A question, its choices, then the verdict and the lesson's "why".

    Signals:
        answered(int): the learner picked choice *i* (once per question).
        skipped(): "Skip" before answering (the run goes on, nothing is recorded).
        dismissed(): "Close" after the verdict.
    """

    answered = Signal(int)
    skipped = Signal()
    dismissed = Signal()

    def __init__(self, theme: Theme, presenter: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("questionCard")
        self.question: Question | None = None
        self.verdict: Verdict | None = None
        self.choice_rows: list[ChoiceRow] = []
        self.kicker = QLabel("PREDICT, THEN RUN")
        self.kicker.setObjectName("kicker")
        self.counter = QLabel()
        self.counter.setObjectName("counter")
        self.ask_label = QLabel()
        self.ask_label.setObjectName("ask")
        self.ask_label.setTextFormat(Qt.TextFormat.PlainText)
        self.ask_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setObjectName("result")
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setWordWrap(True)  # never widens the card past its width
        self.why_label = QLabel()
        self.why_label.setObjectName("why")
        self.why_label.setTextFormat(Qt.TextFormat.PlainText)
        self.why_label.setWordWrap(True)
        self.why_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.skip_button = QPushButton("Skip")
        self.skip_button.setToolTip("Go on without answering")
        self.skip_button.clicked.connect(self.skipped)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.dismissed)
        top = QHBoxLayout()
        top.addWidget(self.kicker)
        top.addStretch(1)
        top.addWidget(self.counter)
        content = QWidget()
        content.setObjectName("questionContent")
        self._choices = QVBoxLayout()
        self._choices.setSpacing(6)
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(8)
        inner.addWidget(self.ask_label)
        inner.addLayout(self._choices)
        inner.addWidget(self.why_label)
        inner.addStretch(1)
        self.body = _CardBody(content)
        for b in (self.skip_button, self.close_button):
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result_label, 1)
        bottom.addWidget(self.skip_button, 0, Qt.AlignmentFlag.AlignBottom)
        bottom.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignBottom)
        col = QVBoxLayout(self)
        col.setContentsMargins(18, 12, 18, 14)
        col.setSpacing(8)
        # The card is never smaller than its layout's minimum (setGeometry obeys it):
        # the buttons keep their height and the body its few lines, whatever the window.
        col.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        col.addLayout(top)
        col.addWidget(self.body, 1)
        col.addLayout(bottom)
        self.set_theme(theme, presenter)
        self.hide()

    # -- content -------------------------------------------------------------------

    def ask(self, question: Question, number: int = 1, total: int = 1) -> None:
        """Show *question* (the *number*-th of *total*), waiting for a choice."""
        self.question = question
        self.verdict = None
        self.counter.setText(f"question {number} of {total}" if total > 1 else "")
        self.ask_label.setText(question.ask)
        for row in self.choice_rows:
            self._choices.removeWidget(row)
            row.hide()  # at once: deleteLater alone left the last question's rows drawn
            row.deleteLater()
        self.choice_rows = []
        for i, text in enumerate(question.choices):
            row = ChoiceRow(_LETTERS[i] if i < len(_LETTERS) else str(i + 1), text)
            row.clicked.connect(lambda i=i: self._on_choice_clicked(i))
            self._choices.addWidget(row)
            # The card's style sheet (font, padding) now, so the height the window
            # asks for (heightForWidth) is the one the row will need.
            row.ensurePolished()
            self.choice_rows.append(row)
        self.result_label.setText("Pick the answer you predict; the run waits for you.")
        self.result_label.setProperty("state", "")
        self._repolish(self.result_label)
        self.why_label.hide()
        self.skip_button.show()
        self.close_button.hide()

    def show_verdict(self, chosen: int, verdict: Verdict) -> None:
        """Mark the answer and the learner's *chosen* choice; say right or wrong, and why.

        The other choices leave the card, so it covers less of the stage.
        """
        self.verdict = verdict
        q = self.question
        for i, row in enumerate(self.choice_rows):
            if q is not None and i == q.correct:
                row.set_state("right")
            elif i == chosen:
                row.set_state("wrong")
            else:
                row.set_state("other")
                row.hide()  # a smaller card: the run goes on under it, the class watches
        if verdict.correct:
            self.result_label.setText("Right! The run goes on: watch it happen.")
        else:
            self.result_label.setText(
                f"Not this time. The answer: {verdict.correct_text}. The run goes on: watch."
            )
        self.result_label.setProperty("state", "right" if verdict.correct else "wrong")
        self._repolish(self.result_label)
        self.why_label.setText(f"Why: {verdict.why}")
        self.why_label.show()
        self.skip_button.hide()
        self.close_button.show()

    @property
    def waiting(self) -> bool:
        """True while the question waits for an answer."""
        return self.question is not None and self.verdict is None and self.isVisible()

    # -- look ----------------------------------------------------------------------

    def set_theme(self, theme: Theme, presenter: bool = False) -> None:
        k = 1.35 if presenter else 1.0
        px = round(15 * k)
        big = round(19 * k)
        small = round(12 * k)
        bw = 3 if presenter else 2
        t = theme
        self.setStyleSheet(
            f"""
            #questionCard {{
                background: {t.surface}; border: {bw}px solid {t.accent}; border-radius: 12px;
            }}
            #questionCard QScrollArea#questionBody, #questionCard QWidget#questionContent {{
                background: transparent; border: none;
            }}
            #questionCard QLabel {{ background: transparent; color: {t.text};
                font-size: {px}px; }}
            #questionCard QLabel#kicker {{ color: {t.accent}; font-weight: 700;
                font-size: {small}px; letter-spacing: 1px; }}
            #questionCard QLabel#counter {{ color: {t.muted}; font-size: {small}px; }}
            #questionCard QLabel#ask {{ font-size: {big}px; font-weight: 700; }}
            #questionCard QLabel#choice {{
                background: {t.surface_alt}; border: {bw}px solid {t.grid}; border-radius: 8px;
                padding: {round(8 * k)}px {round(12 * k)}px;
            }}
            #questionCard QLabel#choice:hover, #questionCard QLabel#choice:focus {{
                border-color: {t.accent};
            }}
            #questionCard QLabel#choice[state="right"] {{
                border-color: {t.ok}; color: {t.ok}; font-weight: 700;
            }}
            #questionCard QLabel#choice[state="wrong"] {{
                border-color: {t.danger}; color: {t.danger};
            }}
            #questionCard QLabel#choice[state="other"] {{ color: {t.muted}; }}
            #questionCard QLabel#result {{ color: {t.muted}; }}
            #questionCard QLabel#result[state="right"] {{ color: {t.ok}; font-weight: 700; }}
            #questionCard QLabel#result[state="wrong"] {{ color: {t.danger}; font-weight: 700; }}
            #questionCard QLabel#why {{ color: {t.text}; }}
            #questionCard QPushButton {{ font-size: {px}px; }}
            """
        )

    # -- size ----------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._refit()  # the content changed (new font, a longer answer...)
        return handled

    def _refit(self) -> None:
        """Take the height the content needs at this width, as far as the parent allows.

        The window places the card (bottom edge over the stage); this keeps that
        bottom edge and only changes the height, so a card whose content grew
        after it was placed never squeezes or hides its answers.
        """
        parent = self.parentWidget()
        if parent is None or not self.isVisible() or self.width() <= 0:
            return
        want = self.heightForWidth(self.width())
        if want <= 0:
            return
        room = parent.height() - 12
        height = max(self.minimumHeight(), min(want, room))
        if height != self.height():
            bottom = self.y() + self.height()
            top = max(6, bottom - height)
            self.setGeometry(self.x(), top, self.width(), height)

    @staticmethod
    def _repolish(w: QWidget) -> None:
        w.style().unpolish(w)
        w.style().polish(w)

    # -- slots ---------------------------------------------------------------------

    def _on_choice_clicked(self, i: int) -> None:
        if self.verdict is None and self.question is not None:
            self.answered.emit(i)

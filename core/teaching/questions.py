"""Predict, then run: the multiple-choice questions of a lesson.

A lesson's markdown holds its questions in fenced ``question`` blocks::

    ```question
    at: 3.0
    ask: The buffer is full. What happens to the fifth send?
    - It blocks until the consumer receives a value [correct]
    - The oldest value is dropped
    why: A full buffered channel blocks the sender; nothing is ever dropped.
    ```

``at`` is the runtime time (seconds) at which the window pauses and asks;
each choice is a ``- `` line, exactly one of them ending with ``[correct]``;
``ask`` and ``why`` are one line each. :func:`parse_questions` is strict: any
other line, a missing or repeated field, a bad time or an unclosed block is
a ``ValueError`` that names the line. :func:`strip_questions` removes the
blocks, so the Lesson tab does not give the answers away, and
:class:`QuestionSchedule` asks them in order while the lesson runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Question",
    "QuestionSchedule",
    "Verdict",
    "parse_questions",
    "strip_questions",
]

_FENCE = "```"
_CORRECT = "[correct]"


@dataclass(frozen=True)
class Question:
    """One question: asked at runtime time ``at``; ``choices[correct]`` is the answer.

    ``line`` is the 1-based line of the block's opening fence in its lesson.
    """

    at: float
    ask: str
    choices: tuple[str, ...]
    correct: int
    why: str
    line: int = 0

    @property
    def correct_text(self) -> str:
        return self.choices[self.correct]


@dataclass(frozen=True)
class Verdict:
    """The outcome of one answer."""

    correct: bool
    correct_text: str
    why: str


def _blocks(markdown: str) -> Iterable[tuple[int, int, list[tuple[int, str]]]]:
    """Yield ``(open_index, close_index, [(line_number, line), ...])`` per question block.

    Indexes are 0-based positions in ``markdown.splitlines()``; the fences of
    other blocks (```go, plain ```) are skipped with their contents, so a
    ``question`` fence inside them is not a question.

    Raises:
        ValueError: a ``question`` block (or any fence) is never closed.
    """
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped.startswith(_FENCE):
            i += 1
            continue
        info = stripped[len(_FENCE) :].strip()
        end = i + 1
        while end < len(lines) and lines[end].strip() != _FENCE:
            end += 1
        if end == len(lines):
            what = "question block" if info == "question" else f"fenced block {info!r}"
            raise ValueError(f"line {i + 1}: {what} is never closed (no ``` line after it)")
        if info == "question":
            yield i, end, [(n + 1, lines[n]) for n in range(i + 1, end)]
        i = end + 1


def _parse_block(opening: int, body: list[tuple[int, str]]) -> Question:
    fields: dict[str, str] = {}
    choices: list[str] = []
    correct: list[int] = []
    for number, raw in body:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("- "):
            text = line[2:].strip()
            if text.endswith(_CORRECT):
                text = text[: -len(_CORRECT)].strip()
                correct.append(len(choices))
            if not text:
                raise ValueError(f"line {number}: empty choice")
            if _CORRECT in text:
                raise ValueError(f"line {number}: [correct] must end the choice")
            choices.append(text)
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in ("at", "ask", "why"):
            raise ValueError(
                f"line {number}: expected 'at:', 'ask:', 'why:' or a '- ' choice, got {line!r}"
            )
        if key in fields:
            raise ValueError(f"line {number}: '{key}:' given twice in one question")
        value = value.strip()
        if not value:
            raise ValueError(f"line {number}: '{key}:' is empty")
        fields[key] = value
        fields[f"{key}.line"] = str(number)
    where = f"line {opening}"
    for key in ("at", "ask", "why"):
        if key not in fields:
            raise ValueError(f"{where}: the question has no '{key}:' line")
    try:
        at = float(fields["at"])
    except ValueError:
        at = math.nan
    if not math.isfinite(at) or at < 0:
        raise ValueError(
            f"line {fields['at.line']}: 'at:' must be a number of seconds >= 0, "
            f"got {fields['at']!r}"
        )
    if len(choices) < 2:
        raise ValueError(f"{where}: a question needs at least two '- ' choices")
    if len(correct) != 1:
        raise ValueError(
            f"{where}: exactly one choice must end with [correct], found {len(correct)}"
        )
    return Question(
        at=at,
        ask=fields["ask"],
        choices=tuple(choices),
        correct=correct[0],
        why=fields["why"],
        line=opening,
    )


def parse_questions(markdown: str) -> list[Question]:
    """The ``question`` blocks of a lesson, in the order they appear.

    Raises:
        ValueError: naming the line, for an unknown line, a missing or
            repeated field, ``at`` not a number >= 0, fewer than two
            choices, not exactly one ``[correct]``, an unclosed block, or
            questions whose ``at`` times go backwards.
    """
    questions: list[Question] = []
    for start, _end, body in _blocks(markdown):
        q = _parse_block(start + 1, body)
        if questions and q.at < questions[-1].at:
            raise ValueError(
                f"line {q.line}: questions must come in the order they are asked "
                f"(at: {q.at:g} follows at: {questions[-1].at:g})"
            )
        questions.append(q)
    return questions


def strip_questions(markdown: str, placeholder: str = "") -> str:
    """The lesson without its ``question`` blocks (their answers stay hidden).

    The first removed block is replaced by *placeholder* (when given), the
    others by nothing; runs of blank lines left behind shrink to one.

    Raises:
        ValueError: an unclosed fenced block (as :func:`parse_questions`).
    """
    lines = markdown.splitlines()
    drop: set[int] = set()
    first: int | None = None
    for start, end, _body in _blocks(markdown):
        drop.update(range(start, end + 1))
        if first is None:
            first = start
    out: list[str] = []
    for i, line in enumerate(lines):
        if i == first and placeholder:
            out.append(placeholder)
        if i in drop:
            continue
        if not line.strip() and out and not out[-1].strip():
            continue  # collapse the blank lines around a removed block
        out.append(line)
    text = "\n".join(out)
    return text + "\n" if markdown.endswith("\n") and text else text


class QuestionSchedule:
    """Asks a lesson's questions once each, in order, as runtime time passes.

    Not thread-safe: the GUI thread owns it. ``enabled`` is the teacher's
    switch: while False, :meth:`due` never returns a question (the ones
    whose time passes meanwhile are not asked later either).
    """

    def __init__(self, questions: Iterable[Question], enabled: bool = True) -> None:
        self.questions: tuple[Question, ...] = tuple(questions)
        self.enabled = enabled
        self._next = 0  # index of the first question not asked (or skipped) yet
        self._answers: dict[int, int] = {}  # question index -> the choice given

    def due(self, now: float) -> Question | None:
        """The next question whose time has come, marked as asked; else None.

        Several overdue questions (after a jump in time) come one per call.
        """
        if self._next >= len(self.questions) or self.questions[self._next].at > now:
            return None
        q = self.questions[self._next]
        self._next += 1
        if not self.enabled:
            # Skipped for good: switching questions back on does not ask it late.
            while self._next < len(self.questions) and self.questions[self._next].at <= now:
                self._next += 1
            return None
        return q

    def next_at(self) -> float | None:
        """When the next question is due (runtime seconds), or None when none is left."""
        return self.questions[self._next].at if self._next < len(self.questions) else None

    def answer(self, q: Question, choice_index: int) -> Verdict:
        """Record the learner's choice for *q* and say whether it was right.

        Raises:
            ValueError: *q* is not one of this schedule's questions.
            IndexError: *choice_index* is not one of its choices.
        """
        try:
            i = self.questions.index(q)
        except ValueError:
            raise ValueError("not a question of this schedule") from None
        if not 0 <= choice_index < len(q.choices):
            raise IndexError(
                f"choice {choice_index} out of range: the question has {len(q.choices)}"
            )
        self._answers[i] = choice_index
        return Verdict(choice_index == q.correct, q.correct_text, q.why)

    @property
    def score(self) -> tuple[int, int]:
        """(right answers, answers given)."""
        right = sum(1 for i, c in self._answers.items() if self.questions[i].correct == c)
        return right, len(self._answers)

    def reset(self) -> None:
        """Forget what was asked and answered (the lesson restarts)."""
        self._next = 0
        self._answers.clear()

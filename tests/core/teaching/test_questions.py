"""Predict, then run: parsing a lesson's question blocks, hiding them, asking them in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.teaching.questions import (
    Question,
    QuestionSchedule,
    parse_questions,
    strip_questions,
)

LESSONS = Path(__file__).resolve().parents[3] / "resources" / "lessons"
LESSON_FILES = sorted(LESSONS.glob("*.md"))

BLOCK = """# Title

Some text.

```question
at: 3.0
ask: What happens to the fifth send?
- It blocks until the consumer receives a value [correct]
- The oldest value is dropped
- The program panics
why: A full buffered channel blocks the sender.
```

```question
at: 6
ask: And then?
- Nothing
- Something [correct]
why: Because.
```

## Presenter notes
"""


def test_there_are_lessons_to_parse():
    assert len(LESSON_FILES) >= 25


@pytest.mark.parametrize("path", LESSON_FILES, ids=lambda p: p.stem)
def test_every_lesson_parses(path):
    questions = parse_questions(path.read_text(encoding="utf-8"))
    assert 1 <= len(questions) <= 2
    for q in questions:
        assert q.ask and q.why and len(q.choices) >= 2
        assert 0 <= q.correct < len(q.choices)
        assert not any("[correct]" in c for c in q.choices)


@pytest.mark.parametrize("path", LESSON_FILES, ids=lambda p: p.stem)
def test_stripped_lesson_reveals_no_answer(path):
    text = path.read_text(encoding="utf-8")
    stripped = strip_questions(text)
    assert "```question" not in stripped
    assert "[correct]" not in stripped
    assert parse_questions(stripped) == []
    assert "## Presenter notes" in stripped  # the rest of the lesson stays


def test_parse_reads_every_field():
    first, second = parse_questions(BLOCK)
    assert first == Question(
        at=3.0,
        ask="What happens to the fifth send?",
        choices=(
            "It blocks until the consumer receives a value",
            "The oldest value is dropped",
            "The program panics",
        ),
        correct=0,
        why="A full buffered channel blocks the sender.",
        line=5,
    )
    assert first.correct_text == "It blocks until the consumer receives a value"
    assert (second.at, second.correct, second.line) == (6.0, 1, 14)


def test_question_lines_inside_another_fenced_block_are_not_a_question():
    # The ```text block holds a line "```question" and a bad field: both are its content.
    text = "```text\n```question\nat: oops\n```\n" + BLOCK
    assert [q.at for q in parse_questions(text)] == [3.0, 6.0]


def _block(*lines: str) -> str:
    return "intro\n\n```question\n" + "\n".join(lines) + "\n```\n"


GOOD = ("at: 1", "ask: Q?", "- a [correct]", "- b", "why: W.")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (("at: 1", "ask: Q?", "- a [correct]", "- b", "why: W.", "hint: no"), "line 9"),
        (("ask: Q?", "- a [correct]", "- b", "why: W."), "no 'at:'"),
        (("at: 1", "- a [correct]", "- b", "why: W."), "no 'ask:'"),
        (("at: 1", "ask: Q?", "- a [correct]", "- b"), "no 'why:'"),
        (("at: soon", "ask: Q?", "- a [correct]", "- b", "why: W."), "line 4"),
        (("at: -1", "ask: Q?", "- a [correct]", "- b", "why: W."), ">= 0"),
        (("at: nan", "ask: Q?", "- a [correct]", "- b", "why: W."), ">= 0"),
        (("at: 1", "ask: Q?", "- a [correct]", "- b [correct]", "why: W."), "found 2"),
        (("at: 1", "ask: Q?", "- a", "- b", "why: W."), "found 0"),
        (("at: 1", "ask: Q?", "- a [correct]", "why: W."), "at least two"),
        (("at: 1", "ask: Q?", "ask: again", "- a [correct]", "- b", "why: W."), "twice"),
        (("at: 1", "ask: Q?", "- ", "- a [correct]", "- b", "why: W."), "line 6"),
        (("at: 1", "ask:", "- a [correct]", "- b", "why: W."), "empty"),
        (("at: 1", "ask: Q?", "- a [correct] really", "- b", "why: W."), "must end"),
    ],
)
def test_malformed_block_is_rejected_naming_the_line(lines, message):
    with pytest.raises(ValueError, match="line") as info:
        parse_questions(_block(*lines))
    assert message in str(info.value)


def test_good_block_helper_parses():
    assert len(parse_questions(_block(*GOOD))) == 1


def test_unclosed_block_is_rejected_naming_its_opening_line():
    with pytest.raises(ValueError, match=r"line 3: question block is never closed"):
        parse_questions("intro\n\n```question\nat: 1\n")


def test_questions_out_of_time_order_are_rejected():
    text = _block("at: 5", *GOOD[1:]) + _block(*GOOD)
    with pytest.raises(ValueError, match="order"):
        parse_questions(text)


def test_strip_keeps_a_placeholder_once():
    out = strip_questions(BLOCK, placeholder="*(Questions appear while the lesson runs.)*")
    assert out.count("Questions appear") == 1
    assert "Some text." in out and "\n\n\n" not in out


# -- the schedule ---------------------------------------------------------------------


def _schedule(enabled: bool = True) -> QuestionSchedule:
    return QuestionSchedule(parse_questions(BLOCK), enabled=enabled)


def test_nothing_is_due_before_its_time():
    s = _schedule()
    assert s.due(2.9) is None
    assert s.next_at() == 3.0


def test_each_question_is_asked_once_in_order():
    s = _schedule()
    first = s.due(3.0)
    assert first is not None and first.at == 3.0
    assert s.due(3.5) is None
    second = s.due(10.0)
    assert second is not None and second.at == 6.0
    assert s.due(100.0) is None
    assert s.next_at() is None


def test_overdue_questions_come_one_per_call():
    s = _schedule()
    assert [s.due(50.0).at, s.due(50.0).at, s.due(50.0)] == [3.0, 6.0, None]


def test_disabled_schedule_asks_nothing_and_skips_what_passed():
    s = _schedule(enabled=False)
    assert s.due(4.0) is None
    s.enabled = True
    assert s.due(4.0) is None  # the 3.0 question was skipped, not postponed
    q = s.due(6.0)
    assert q is not None and q.at == 6.0


def test_answer_says_right_or_wrong_with_the_reason():
    s = _schedule()
    q = s.due(3.0)
    wrong = s.answer(q, 1)
    assert not wrong.correct
    assert wrong.correct_text == "It blocks until the consumer receives a value"
    assert wrong.why == "A full buffered channel blocks the sender."
    assert s.answer(q, 0).correct
    assert s.score == (1, 1)  # the last answer to a question counts


def test_answer_out_of_range_raises():
    s = _schedule()
    q = s.due(3.0)
    with pytest.raises(IndexError):
        s.answer(q, 3)
    with pytest.raises(IndexError):
        s.answer(q, -1)


def test_answer_to_a_foreign_question_raises():
    other = parse_questions(_block(*GOOD))[0]
    with pytest.raises(ValueError):
        _schedule().answer(other, 0)


def test_reset_asks_again():
    s = _schedule()
    s.answer(s.due(3.0), 0)
    s.reset()
    assert s.score == (0, 0)
    assert s.due(3.0) is not None

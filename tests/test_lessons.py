"""Every lesson has its text and its Go program, and the text matches its scenario.

For each scenario of the catalogue:

- ``resources/lessons/<id>.md`` has the required sections in order, 3-5
  numbered "Try this" steps, 1-2 well-formed ``question`` blocks and 3-6
  presenter notes; every ``[[name]]`` in it is a parameter or an action of
  the scenario (the window shows that control's label in its place);
- ``resources/go/<id>.go`` is a complete program (``package main``,
  ``func main()``);
- ``tests/check_go.sh`` (gofmt -l, go vet) passes, when Go is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "resources" / "lessons"
GO = ROOT / "resources" / "go"
CHECK_GO = ROOT / "tests" / "check_go.sh"

# The catalogue's ids, fixed by the project brief (core.scenarios.catalogue() must agree).
IDS = (
    "lost-updates",
    "mutex-fairness",
    "unbuffered-channel",
    "buffered-channel",
    "select",
    "cancel-by-close",
    "cancel-by-timeout",
    "context-tree",
    "user-counters",
    "counter-dumper",
    "resource-keeper",
    "signal-broadcast",
    "pub-sub",
    "chat",
    "parallel-waitgroup",
    "parallel-channels",
    "worker-pool",
    "cache",
    "rate-limiter",
    "retry-backoff",
    "circuit-breaker",
    "batching",
    "pipeline",
    "errgroup-semaphore",
    "deadlock",
    "closed-channel-panic",
    "panic-ends-program",
)

SECTIONS = (
    "What it is for",
    "How it works",
    "Why this primitive",
    "The pitfall",
    "Try this",
    "Coming from Python",
    "Predict",
    "Presenter notes",
)

CONTROL = re.compile(r"\[\[\s*([^\]]*?)\s*\]\]")
STEP = re.compile(r"^(\d+)\.\s+\S")
BULLET = re.compile(r"^[-*]\s+\S")


# -- parsing ------------------------------------------------------------------


@dataclass
class Question:
    at: str = ""
    ask: str = ""
    choices: list[str] = field(default_factory=list)
    why: str = ""
    unknown: list[str] = field(default_factory=list)  # lines that fit no field


@dataclass
class Lesson:
    title: str | None
    headings: list[str]  # the "## " headings, in order
    sections: dict[str, list[str]]  # heading -> its lines outside fenced blocks
    questions: list[Question]
    text: str


def parse_lesson(text: str) -> Lesson:
    """Split a lesson into its title, sections and ``question`` blocks.

    Lines inside fenced blocks never count as headings, steps or bullets.
    """
    title: str | None = None
    headings: list[str] = []
    sections: dict[str, list[str]] = {}
    questions: list[Question] = []
    current: list[str] | None = None
    fence: str | None = None  # the info string of the open fence, "" for a plain one
    question: Question | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            if fence is None:
                fence = stripped[3:].strip()
                if fence == "question":
                    question = Question()
            else:
                if question is not None:
                    questions.append(question)
                fence, question = None, None
            continue
        if fence is not None:
            if question is not None and stripped:
                _question_line(question, stripped)
            continue
        if line.startswith("# ") and title is None and not headings:
            title = line[2:].strip()
        elif line.startswith("## "):
            heading = line[3:].strip()
            headings.append(heading)
            current = sections.setdefault(heading, [])
        elif current is not None:
            current.append(line)
    return Lesson(title, headings, sections, questions, text)


def _question_line(q: Question, line: str) -> None:
    for key in ("at", "ask", "why"):
        if line.startswith(f"{key}:"):
            setattr(q, key, line[len(key) + 1 :].strip())
            return
    if line.startswith("- "):
        q.choices.append(line[2:].strip())
    else:
        q.unknown.append(line)


# -- fixtures -------------------------------------------------------------------


def scenario_class(scenario_id: str):
    from core.scenarios import get

    return get(scenario_id)


def lesson(scenario_id: str) -> Lesson:
    path = LESSONS / f"{scenario_id}.md"
    assert path.is_file(), f"missing {path.relative_to(ROOT)}"
    return parse_lesson(path.read_text(encoding="utf-8"))


# -- the catalogue --------------------------------------------------------------


def test_catalogue_has_the_fixed_ids_in_order():
    from core.scenarios import catalogue

    assert tuple(s.id for s in catalogue()) == IDS


# -- lesson texts -------------------------------------------------------------------


@pytest.mark.parametrize("scenario_id", IDS)
def test_lesson_title_is_the_scenario_title(scenario_id):
    assert lesson(scenario_id).title == scenario_class(scenario_id).title


@pytest.mark.parametrize("scenario_id", IDS)
def test_lesson_has_the_required_sections_in_order(scenario_id):
    assert tuple(lesson(scenario_id).headings) == SECTIONS


@pytest.mark.parametrize("scenario_id", IDS)
def test_lesson_sections_are_not_empty(scenario_id):
    les = lesson(scenario_id)
    # Predict holds only fenced question blocks, checked by the question tests.
    prose = [h for h in SECTIONS if h != "Predict"]
    empty = [h for h in prose if not "".join(les.sections.get(h, [])).strip()]
    assert not empty, f"empty sections: {empty}"


@pytest.mark.parametrize("scenario_id", IDS)
def test_try_this_is_a_numbered_list_of_3_to_5_steps(scenario_id):
    lines = lesson(scenario_id).sections["Try this"]
    numbers = [int(m.group(1)) for m in map(STEP.match, lines) if m]
    assert 3 <= len(numbers) <= 5, f"{len(numbers)} steps"
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize("scenario_id", IDS)
def test_try_this_uses_the_lesson_controls(scenario_id):
    steps = "\n".join(lesson(scenario_id).sections["Try this"])
    assert CONTROL.search(steps), "no [[control]] in the Try this steps"


@pytest.mark.parametrize("scenario_id", IDS)
def test_every_control_named_in_the_lesson_exists(scenario_id):
    cls = scenario_class(scenario_id)
    known = {p.name for p in cls.params} | {a.name for a in cls.actions}
    named = set(CONTROL.findall(lesson(scenario_id).text))
    assert named - known == set(), f"unknown controls; the scenario has {sorted(known)}"


@pytest.mark.parametrize("scenario_id", IDS)
def test_predict_has_one_or_two_well_formed_questions(scenario_id):
    les = lesson(scenario_id)
    assert 1 <= len(les.questions) <= 2, f"{len(les.questions)} question blocks"
    for q in les.questions:
        assert not q.unknown, f"unexpected lines in a question block: {q.unknown}"
        assert re.fullmatch(r"\d+(\.\d+)?", q.at), f"at must be a number of seconds: {q.at!r}"
        assert q.ask and q.why, "a question needs ask: and why:"
        assert len(q.choices) >= 2, "a question needs at least two choices"
        correct = [c for c in q.choices if c.endswith("[correct]")]
        assert len(correct) == 1, f"exactly one choice must end with [correct]: {q.choices}"


@pytest.mark.parametrize("scenario_id", IDS)
def test_questions_sit_in_the_predict_section(scenario_id):
    text = lesson(scenario_id).text
    predict = text.index("\n## Predict")
    after = text.index("\n## Presenter notes")
    for m in re.finditer(r"^```question\s*$", text, re.MULTILINE):
        assert predict < m.start() < after


@pytest.mark.parametrize("scenario_id", IDS)
def test_presenter_notes_are_3_to_6_bullets(scenario_id):
    lines = lesson(scenario_id).sections["Presenter notes"]
    bullets = [line for line in lines if BULLET.match(line)]
    assert 3 <= len(bullets) <= 6, f"{len(bullets)} presenter notes"


def test_lessons_with_a_broken_variant_refer_to_it_in_the_pitfall():
    with_variant = [i for i in IDS if "variant" in {p.name for p in scenario_class(i).params}]
    assert with_variant, "no scenario has a variant parameter"
    silent = [
        i for i in with_variant if "[[variant]]" not in "\n".join(lesson(i).sections["The pitfall"])
    ]
    assert not silent, f"The pitfall does not name [[variant]] in: {silent}"


def test_parse_lesson_ignores_headings_and_steps_inside_fences():
    les = parse_lesson(
        "# T\n\n## Try this\n\n```go\n## not a heading\n1. not a step\n```\n1. step\n"
    )
    assert les.headings == ["Try this"]
    assert [line for line in les.sections["Try this"] if STEP.match(line)] == ["1. step"]


def test_parse_lesson_reads_a_question_block():
    les = parse_lesson(
        "# T\n\n## Predict\n\n```question\nat: 2.5\nask: Why?\n- no\n- yes [correct]\n"
        "why: because\n```\n"
    )
    (q,) = les.questions
    assert (q.at, q.ask, q.choices, q.why) == ("2.5", "Why?", ["no", "yes [correct]"], "because")


# -- Go programs ------------------------------------------------------------------


@pytest.mark.parametrize("scenario_id", IDS)
def test_go_program_is_a_complete_main_package(scenario_id):
    path = GO / f"{scenario_id}.go"
    assert path.is_file(), f"missing {path.relative_to(ROOT)}"
    src = path.read_text(encoding="utf-8")
    assert re.search(r"^package main$", src, re.MULTILINE)
    assert re.search(r"^func main\(\) \{$", src, re.MULTILINE)


def test_no_stray_lesson_or_go_files():
    assert {p.stem for p in LESSONS.glob("*.md")} <= set(IDS)
    assert {p.stem for p in GO.glob("*.go")} <= set(IDS)


needs_go = pytest.mark.skipif(
    shutil.which("go") is None, reason="go is not on PATH (CI installs golang-go)"
)


def run_check_go(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CHECK_GO)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@needs_go
def test_go_programs_pass_gofmt_and_go_vet():
    r = run_check_go()
    assert r.returncode == 0, r.stdout + r.stderr


@needs_go
def test_check_go_fails_on_a_program_go_vet_rejects(tmp_path):
    (tmp_path / "bad.go").write_text(
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Printf("%d\\n", "x")\n}\n'
    )
    r = run_check_go({"CHECK_GO_SRC": str(tmp_path)})
    assert r.returncode != 0
    assert "resources/go/bad.go:6" in r.stderr


@needs_go
def test_check_go_fails_on_a_program_gofmt_would_change(tmp_path):
    (tmp_path / "ugly.go").write_text("package main\nfunc main()   {}\n")
    r = run_check_go({"CHECK_GO_SRC": str(tmp_path)})
    assert r.returncode != 0
    assert "ugly.go" in r.stderr


def test_check_go_skips_with_a_message_without_go(tmp_path):
    # A PATH with only what the script needs before it looks for go.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dirname = shutil.which("dirname")
    assert dirname is not None
    (bin_dir / "dirname").symlink_to(dirname)
    bash = shutil.which("bash")
    assert bash is not None
    r = subprocess.run(
        [bash, str(CHECK_GO)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": str(bin_dir)},
    )
    assert r.returncode == 0, r.stderr
    assert "not on PATH" in r.stdout

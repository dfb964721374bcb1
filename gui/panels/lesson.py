"""The lesson text: ``resources/lessons/<id>.md`` rendered as markdown.

``[[name]]`` in a lesson names a control of the lesson: it is shown as that
parameter's or action's label in bold, so the text always matches the
buttons. The "## Presenter notes" section is for the teacher and is shown
only in presenter mode.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from core.scenarios import Scenario
from core.teaching import strip_questions
from gui import resources
from gui.theme import Theme

__all__ = ["LessonPanel", "prepare_lesson"]

_CONTROL = re.compile(r"\[\[\s*([A-Za-z0-9_-]+)\s*\]\]")
_PRESENTER = re.compile(r"^##\s+Presenter notes\s*$", re.IGNORECASE | re.MULTILINE)
_TITLE = re.compile(r"\A\s*#\s+[^\n]*\n")
_NEXT_SECTION = re.compile(r"^#{1,2}\s+\S", re.MULTILINE)
_QUESTIONS_HIDDEN = (
    "*The lesson asks these questions while it runs, and waits for your answer "
    "(View > Questions turns them off). The answers are not shown here.*"
)


def _labels(scenario_cls: type[Scenario]) -> dict[str, str]:
    labels = {p.name: p.title for p in scenario_cls.params}
    labels.update({a.name: a.label for a in scenario_cls.actions})
    return labels


def prepare_lesson(text: str, scenario_cls: type[Scenario], presenter: bool) -> str:
    """The markdown to show: controls named by their labels, presenter notes kept or cut.

    A leading ``# title`` line is dropped: the window's header shows the title.
    The lesson's ``question`` blocks are cut (the window asks them while the
    lesson runs; shown here they would give the answers away); a lesson whose
    blocks cannot be read is shown as written.
    """
    text = _TITLE.sub("", text, count=1)
    try:
        text = strip_questions(text, _QUESTIONS_HIDDEN)
    except ValueError:
        pass  # an unclosed fence: the window asks no question of this lesson either
    if not presenter:
        m = _PRESENTER.search(text)
        if m is not None:
            nxt = _NEXT_SECTION.search(text, m.end())
            text = text[: m.start()] + (text[nxt.start() :] if nxt else "")
    labels = _labels(scenario_cls)

    def name_control(m: re.Match[str]) -> str:
        name = m.group(1)
        label = labels.get(name) or labels.get(name.replace("-", "_"))
        return f"**{label}**" if label else f"**`{name}`**"

    return _CONTROL.sub(name_control, text)


class LessonPanel(QWidget):
    """A read-only markdown view of the lesson; larger type in presenter mode."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._presenter = False
        self._dirty = False  # the view is out of date (changed while hidden)
        self._scenario: type[Scenario] | None = None
        self.view = QTextBrowser()
        self.view.setOpenExternalLinks(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)

    @property
    def has_text(self) -> bool:
        return self._scenario is not None and resources.lesson_text(self._scenario.id) is not None

    def set_scenario(self, scenario_cls: type[Scenario]) -> None:
        self._scenario = scenario_cls
        self._render()

    def set_theme(self, theme: Theme, presenter: bool | None = None) -> None:
        self._theme = theme
        if presenter is not None:
            self._presenter = presenter
        self._render()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._render()

    def _render(self) -> None:
        if not self.isVisible():
            self._dirty = True  # rendered once the tab is shown: switching lessons stays quick
            return
        self._dirty = False
        s = self._scenario
        if s is None:
            self.view.clear()
            return
        text = resources.lesson_text(s.id)
        if text is None:
            text = (
                f"# {s.title}\n\n*{s.summary}*\n\n"
                f"No lesson text yet for this lesson (resources/lessons/{s.id}.md). "
                "The stage, the plots and the code tabs work without it."
            )
        self.view.document().setDefaultStyleSheet(
            f"a {{ color: {self._theme.accent}; }} code {{ color: {self._theme.accent}; }}"
        )
        font = self.view.font()
        font.setPointSize(16 if self._presenter else 11)
        self.view.document().setDefaultFont(font)
        self.view.setMarkdown(prepare_lesson(text, s, self._presenter))

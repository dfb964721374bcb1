"""The Python that runs the lesson, beside the Go version of the same pattern.

The Python source is read from the modules the scenario names in
``source_modules`` (with ``inspect``), so what is shown is what runs. The Go
version comes from ``resources/go/<id>.go``. Both are highlighted with
pygments into HTML for a read-only ``QTextBrowser``.
"""

from __future__ import annotations

import importlib
import inspect
from functools import lru_cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import GoLexer, PythonLexer
from PySide6.QtGui import QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.scenarios._base import Scenario
from gui import resources
from gui.theme import Theme

__all__ = ["CodePanel", "highlight_html", "python_source"]

# pygments styles chosen for contrast on each theme's surface.
_STYLE = {"dark": "github-dark", "light": "default"}


def python_source(module_name: str) -> str:
    """The source text of *module_name*, or a comment saying why it is missing."""
    try:
        return inspect.getsource(importlib.import_module(module_name))
    except (ImportError, OSError, TypeError) as exc:
        return f"# The source of {module_name} is not available: {exc}\n"


def highlight_html(code: str, language: str, theme: Theme, point_size: int) -> str:
    """*code* as HTML with inline colours (``language`` is "python" or "go")."""
    return _highlight(code, language, theme.name, theme.text, point_size)


@lru_cache(maxsize=64)  # switching lessons re-shows the same sources
def _highlight(code: str, language: str, theme_name: str, text: str, point_size: int) -> str:
    lexer = GoLexer() if language == "go" else PythonLexer()
    style = _STYLE.get(theme_name, "default")
    fmt = HtmlFormatter(style=style, noclasses=True, nobackground=True, linenos=False)
    body = highlight(code, lexer, fmt)
    return (
        f'<div style="color:{text}; font-size:{point_size}pt; '
        f'font-family: monospace; white-space: pre;">{body}</div>'
    )


class CodePanel(QWidget):
    """Python (left, a module chooser above it) and Go (right), side by side."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._presenter = False
        self._dirty = False  # the view is out of date (changed while hidden)
        self._scenario: type[Scenario] | None = None
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.python_view = QTextBrowser()
        self.go_view = QTextBrowser()
        for v in (self.python_view, self.go_view):
            v.setFont(mono)
            v.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
            v.setOpenLinks(False)
        self.module_choice = QComboBox()
        self.module_choice.currentIndexChanged.connect(self._show_python)
        self._go_title = QLabel("Go")
        self._go_title.setObjectName("sectionHeader")
        py_title = QLabel("Python (what runs)")
        py_title.setObjectName("sectionHeader")

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(py_title)
        top.addWidget(self.module_choice, 1)
        ll.addLayout(top)
        ll.addWidget(self.python_view)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self._go_title)
        rl.addWidget(self.go_view)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([1000, 1000])  # half and half
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    def set_scenario(self, scenario_cls: type[Scenario]) -> None:
        self._scenario = scenario_cls
        self.module_choice.blockSignals(True)
        self.module_choice.clear()
        modules = list(scenario_cls.source_modules) or [scenario_cls.__module__]
        for m in modules:
            self.module_choice.addItem(m)
        self.module_choice.blockSignals(False)
        self._render()

    def set_theme(self, theme: Theme, presenter: bool | None = None) -> None:
        self._theme = theme
        if presenter is not None:
            self._presenter = presenter
        self._render()

    def _point_size(self) -> int:
        return 14 if self._presenter else 10

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._render()

    def _render(self) -> None:
        if not self.isVisible():
            self._dirty = True  # rendered once the tab is shown: switching lessons stays quick
            return
        self._dirty = False
        self._show_python()
        if self._scenario is None:
            return
        go = resources.go_source(self._scenario.id)
        self._go_title.setText(f"Go: resources/go/{self._scenario.id}.go")
        if go is None:
            self.go_view.setPlainText(f"No Go version of “{self._scenario.title}” yet.")
        else:
            self.go_view.setHtml(highlight_html(go, "go", self._theme, self._point_size()))

    def _show_python(self, *_: object) -> None:
        module = self.module_choice.currentText()
        if not module:
            self.python_view.clear()
            return
        html = highlight_html(python_source(module), "python", self._theme, self._point_size())
        self.python_view.setHtml(html)

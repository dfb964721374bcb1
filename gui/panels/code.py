"""The Python that runs the lesson, beside the Go version of the same pattern.

The Python source is read from the modules the scenario names in
``source_modules`` (with ``inspect``), so what is shown is what runs; the tab
opens at the scenario's ``run`` (a pattern module at its first function).
While the run is paused or stepped, the line where the selected goroutine
stands is highlighted (``core.teaching.source_positions``). The Go version
comes from ``resources/go/<id>.go``; its flags are the lesson's parameters,
and the tab shows the ``go run`` line that matches the current values. Both
are highlighted with pygments into HTML for a read-only ``QTextBrowser``.
Narrower than :attr:`CodePanel.WIDE`, one language shows at a time.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import GoLexer, PythonLexer
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFontDatabase, QResizeEvent, QShowEvent, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.scenarios import Param, Scenario
from core.teaching import SourcePosition, same_file, source_positions
from gui import resources
from gui.player import Player, PlayerState
from gui.theme import Theme

__all__ = [
    "CodePanel",
    "GoFlag",
    "anchor_line",
    "go_flags",
    "go_run_command",
    "go_value",
    "highlight_html",
    "python_source",
]

# pygments styles chosen for contrast on each theme's surface.
_STYLE = {"dark": "github-dark", "light": "default"}


def python_source(module_name: str) -> str:
    """The source text of *module_name*, or a comment saying why it is missing."""
    try:
        return inspect.getsource(importlib.import_module(module_name))
    except (ImportError, OSError, TypeError) as exc:
        return f"# The source of {module_name} is not available: {exc}\n"


def python_file(module_name: str) -> str | None:
    """The file *module_name* was loaded from (None if it has none)."""
    try:
        return inspect.getsourcefile(importlib.import_module(module_name))
    except (ImportError, OSError, TypeError):
        return None


def anchor_line(module_name: str, scenario_cls: type[Scenario] | None = None) -> int:
    """The 1-based line the tab opens *module_name* at: what the stage shows.

    The scenario's module opens at its ``run`` method; a pattern module at
    the first function (else class) its ``__all__`` names; anything else at 1.
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return 1
    candidates: list[Any] = []
    if scenario_cls is not None and scenario_cls.__module__ == module_name:
        candidates.append(scenario_cls.run)
        candidates.append(scenario_cls)
    names = list(getattr(module, "__all__", ()))
    objs = [getattr(module, n, None) for n in names]
    candidates += [o for o in objs if inspect.isfunction(o)]
    candidates += [o for o in objs if inspect.isclass(o)]
    for obj in candidates:
        if getattr(obj, "__module__", None) != module_name:
            continue
        try:
            return inspect.getsourcelines(obj)[1]
        except (OSError, TypeError):
            continue
    return 1


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


# -- the Go program's flags ----------------------------------------------------------


@dataclass(frozen=True)
class GoFlag:
    """A flag the Go program declares: its name, Go type and default (seconds for a Duration)."""

    name: str
    kind: str  # "Int", "Float64", "Bool", "String" or "Duration"
    default: int | float | bool | str


_FLAG = re.compile(
    r'flag\.(Int|Float64|Bool|String|Duration)(Var)?\(\s*(?:&\w+\s*,\s*)?"([\w-]+)"\s*,\s*([^,]+),'
)
_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)\s*\*\s*)?time\.(Nanosecond|Microsecond|Millisecond|Second|Minute)$"
)
_UNIT = {
    "Nanosecond": 1e-9,
    "Microsecond": 1e-6,
    "Millisecond": 1e-3,
    "Second": 1.0,
    "Minute": 60.0,
}


def go_flags(source: str) -> list[GoFlag]:
    """The flags *source* (a Go program) declares with the ``flag`` package, in order.

    Understands ``flag.Int("name", 4, ...)`` and the ``Var`` forms, whose
    default may name a package variable given a literal value in the file.

    Raises:
        ValueError: a default it cannot read (the test of every lesson says which).
    """
    out = []
    for m in _FLAG.finditer(source):
        kind, _var, name, default = m.group(1), m.group(2), m.group(3), m.group(4).strip()
        if re.fullmatch(r"[A-Za-z_]\w*", default) and default not in ("true", "false"):
            decl = re.search(rf"^\s*{default}\s*=\s*(.+?)\s*(?://.*)?$", source, re.MULTILINE)
            if decl is None:
                raise ValueError(f"flag -{name}: cannot find the value of {default}")
            default = decl.group(1)
        out.append(GoFlag(name, kind, _go_literal(kind, default, name)))
    return out


def _go_literal(kind: str, text: str, name: str) -> int | float | bool | str:
    try:
        if kind == "Duration":
            m = _DURATION.match(text.replace(" ", ""))
            if m is None:
                raise ValueError(text)
            return float(m.group(1) or 1) * _UNIT[m.group(2)]
        if kind == "Int":
            return int(text.replace("_", ""))
        if kind == "Float64":
            return float(text)
        if kind == "Bool":
            return {"true": True, "false": False}[text]
        return text.strip('"')
    except (ValueError, KeyError):
        raise ValueError(f"flag -{name}: cannot read the default {text!r}") from None


def flag_name(param: Param) -> str:
    """The Go flag of lesson parameter *param*: its name with hyphens (``-stage-delay``)."""
    return param.name.replace("_", "-")


def param_seconds(param: Param, value: Any) -> float | None:
    """*value* of a time parameter in seconds (None if *param* is no time)."""
    if param.unit == "s":
        return float(value)
    if param.unit == "ms":
        return float(value) / 1000
    return None


def go_duration(seconds: float) -> str:
    """*seconds* as Go writes a time.Duration flag: ``300ms``, ``2s``, ``1.5s``."""
    ms = seconds * 1000
    if seconds < 1 and math.isclose(ms, round(ms)):
        return f"{round(ms)}ms"
    return f"{seconds:g}s"


def go_value(param: Param, value: Any) -> str:
    """*value* of *param* as its Go flag takes it on the command line."""
    seconds = param_seconds(param, value)
    if seconds is not None:
        return go_duration(seconds)
    if param.kind is bool:
        return "true" if value else "false"
    if param.kind is float:
        return f"{value:g}"
    return str(value)


def go_run_command(scenario_cls: type[Scenario], values: dict[str, Any], source: str) -> str:
    """``go run <id>.go -flag=value ...`` with the flags *source* declares, at *values*.

    A flag whose lesson parameter is not in *values* takes the lesson's default.
    """
    params = {flag_name(p): p for p in scenario_cls.params}
    parts = [f"go run {scenario_cls.id}.go"]
    for f in go_flags(source):
        p = params.get(f.name)
        if p is None:
            continue
        parts.append(f"-{f.name}={go_value(p, values.get(p.name, p.default))}")
    return " ".join(parts)


# -- the panel -------------------------------------------------------------------------


class CodePanel(QWidget):
    """Python (a module chooser above it) and Go, side by side when there is room."""

    WIDE = 1100  # pixels from which the two languages stand side by side
    POSITION_MS = 250  # how often a paused run's positions are read

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._presenter = False
        self._dirty = False  # the view is out of date (changed while hidden)
        self._scenario: type[Scenario] | None = None
        self._player: Player | None = None
        self._selected: Callable[[], int | None] = lambda: None
        self._shown_module = ""  # the module whose source is on screen
        self._highlighted: tuple[str, int] | None = None  # (module, line) marked
        self._followed: tuple[int, str, int] | None = None  # (g, file, line) last followed
        self.position: SourcePosition | None = None  # where the marked goroutine stands
        self.marked_line: int | None = None  # the 1-based line marked in the Python view
        self._go_anchor: int | None = None  # the Go line to open at, once the pane shows
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.python_view = QTextBrowser()
        self.go_view = QTextBrowser()
        for v in (self.python_view, self.go_view):
            v.setFont(mono)
            v.setLineWrapMode(QTextBrowser.LineWrapMode.NoWrap)
            v.setOpenLinks(False)
        self.module_choice = QComboBox()
        self.module_choice.currentIndexChanged.connect(self._on_module_choice_changed)
        self.position_label = QLabel()
        self.position_label.setObjectName("hint")
        self.position_label.setWordWrap(True)
        self._go_title = QLabel("Go")
        self._go_title.setObjectName("sectionHeader")
        self.go_command = QLabel()
        self.go_command.setObjectName("goCommand")
        self.go_command.setFont(mono)
        self.go_command.setWordWrap(True)
        self.go_command.setTextFormat(Qt.TextFormat.PlainText)
        self.go_command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.go_command.setToolTip("Run the Go version with the lesson's current parameters")
        py_title = QLabel("Python (what runs)")
        py_title.setObjectName("sectionHeader")

        # One language at a time when narrow: the chooser.
        self.show_python_button = QPushButton("Python (what runs)")
        self.show_go_button = QPushButton("Go")
        self._which = QButtonGroup(self)
        for i, b in enumerate((self.show_python_button, self.show_go_button)):
            b.setCheckable(True)
            self._which.addButton(b, i)
        self.show_python_button.setChecked(True)
        self._which.idClicked.connect(self._on_which_clicked)
        # One row above the panes: the chooser (narrow), the Python title (wide), the module.
        self._py_title = py_title
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.show_python_button)
        top.addWidget(self.show_go_button)
        top.addWidget(py_title)
        top.addWidget(self.module_choice, 1)

        self._left = left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.position_label)
        ll.addWidget(self.python_view, 1)
        self._right = right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self._go_title)
        rl.addWidget(self.go_command)
        rl.addWidget(self.go_view, 1)
        self._split = split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(self.POSITION_MS)
        self._timer.timeout.connect(self.refresh_position)
        self._wide: bool | None = None
        self._fit_width()

    # -- the window's API ---------------------------------------------------------

    def set_scenario(
        self,
        scenario_cls: type[Scenario],
        player: Player | None = None,
        selected: Callable[[], int | None] | None = None,
    ) -> None:
        """Show *scenario_cls*'s code, opened at its ``run``.

        With *player*, the ``go run`` line follows its runs' parameter values
        and, while a run is paused, the line where the goroutine *selected*
        returns (the one selected on the stage; None: the first one found)
        stands is marked.
        """
        self._scenario = scenario_cls
        if player is not None and player is not self._player:
            if self._player is not None:
                self._player.started.disconnect(self._on_player_started)
                self._player.state_changed.disconnect(self._on_player_state_changed)
            self._player = player
            player.started.connect(self._on_player_started)
            player.state_changed.connect(self._on_player_state_changed)
        if selected is not None:
            self._selected = selected
        self.module_choice.blockSignals(True)
        self.module_choice.clear()
        modules = list(scenario_cls.source_modules) or [scenario_cls.__module__]
        for m in modules:
            self.module_choice.addItem(m)
        # The lesson's own module first on screen: its run() is what the stage shows.
        own = scenario_cls.__module__
        self.module_choice.setCurrentIndex(modules.index(own) if own in modules else 0)
        self.module_choice.blockSignals(False)
        self._shown_module = ""
        self._highlighted = None
        self._followed = None
        self.position = None
        self._render()
        self._sync_timer()

    def set_theme(self, theme: Theme, presenter: bool | None = None) -> None:
        self._theme = theme
        if presenter is not None:
            self._presenter = presenter
        self._shown_module = ""
        self._render()

    def go_command_line(self) -> str:
        """The ``go run`` line shown (empty when the lesson has no Go version)."""
        return self.go_command.text()

    # -- the views ------------------------------------------------------------------

    def _point_size(self) -> int:
        return 14 if self._presenter else 10

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._dirty:
            self._render()
        self._sync_timer()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_width()

    def _fit_width(self) -> None:
        wide = self.width() >= self.WIDE
        if wide == self._wide:
            return
        self._wide = wide
        for w in (self.show_python_button, self.show_go_button):
            w.setVisible(not wide)
        self._py_title.setVisible(wide)
        self._go_title.setVisible(wide)  # narrow, the Go button and the go run line say it
        if wide:
            self._left.show()
            self._right.show()
            self.module_choice.show()
            self._split.setSizes([1000, 1000])  # half and half
        else:
            self._on_which_clicked(self._which.checkedId())

    def _on_which_clicked(self, which: int) -> None:
        if self._wide:
            return
        self._left.setVisible(which == 0)
        self.module_choice.setVisible(which == 0)
        self._right.setVisible(which == 1)
        if which == 1:
            QTimer.singleShot(0, self._scroll_go)  # once the pane has its size

    def _scroll_go(self) -> None:
        if self._go_anchor is not None and self.go_view.isVisible():
            self._scroll_to(self._go_anchor, view=self.go_view)
            self._go_anchor = None  # once: then the reader scrolls

    def _render(self) -> None:
        if not self.isVisible():
            self._dirty = True  # rendered once the tab is shown: switching lessons stays quick
            return
        self._dirty = False
        self._show_python()
        cls = self._scenario
        if cls is None:
            return
        go = resources.go_source(cls.id)
        self._go_title.setText(f"Go: resources/go/{cls.id}.go")
        if go is None:
            self.go_view.setPlainText(f"No Go version of “{cls.title}” yet.")
            self.go_command.setText("")
            self.go_command.hide()
        else:
            self.go_view.setHtml(highlight_html(go, "go", self._theme, self._point_size()))
            lines = go.splitlines()
            main = next((i for i, t in enumerate(lines) if t.startswith("func main()")), 0)
            self._go_anchor = main + 1  # the program's story starts there
            self._scroll_go()
            self._show_go_command(go)

    def _show_go_command(self, go: str | None = None) -> None:
        cls = self._scenario
        if cls is None:
            return
        if go is None:
            go = resources.go_source(cls.id)
            if go is None:
                return
        player = self._player
        values = player.values if player is not None and player.scenario_cls is cls else {}
        try:
            line = go_run_command(cls, values, go)
        except ValueError as exc:  # a flag this panel cannot read: say so, never guess
            line = f"go run {cls.id}.go   (its flags cannot be read: {exc})"
        self.go_command.setText(line)
        self.go_command.show()

    def _on_module_choice_changed(self, *_: object) -> None:
        self._highlighted = None
        self._show_python()
        self.refresh_position()

    def _show_python(self) -> None:
        module = self.module_choice.currentText()
        if not module:
            self.python_view.clear()
            self._shown_module = ""
            return
        if module == self._shown_module:
            return
        self._shown_module = module
        html = highlight_html(python_source(module), "python", self._theme, self._point_size())
        self.python_view.setHtml(html)
        self._mark(None)
        self._scroll_to(anchor_line(module, self._scenario))

    def _scroll_to(self, line: int, top: bool = True, view: QTextBrowser | None = None) -> None:
        """Bring 1-based *line* of *view* (the Python) into view: at the top with *top*,
        else a third down."""
        view = view or self.python_view
        block = view.document().findBlockByNumber(max(0, line - 1))
        if not block.isValid():
            return
        y = view.document().documentLayout().blockBoundingRect(block).top()
        if not top:
            y -= view.viewport().height() / 3  # a third down: the lines before it read too
        view.verticalScrollBar().setValue(max(0, round(y)))

    def _mark(self, line: int | None) -> None:
        """Highlight 1-based *line* of the Python on screen (None: no line)."""
        self.marked_line = line
        if line is None:
            self.python_view.setExtraSelections([])
            return
        block = self.python_view.document().findBlockByNumber(line - 1)
        sel = QTextEdit.ExtraSelection()
        colour = QColor(self._theme.warning)
        colour.setAlpha(90)
        sel.format.setBackground(colour)
        sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        sel.cursor = QTextCursor(block)
        self.python_view.setExtraSelections([sel])

    # -- where the goroutines stand -------------------------------------------------

    def _on_player_started(self) -> None:
        self._show_go_command()
        self._highlighted = None
        self.refresh_position()

    def _on_player_state_changed(self, _state: str) -> None:
        self._sync_timer()
        self.refresh_position()

    def _say(self, text: str) -> None:
        self.position_label.setText(text)
        self.position_label.setVisible(bool(text))  # no empty line above the code

    def _paused_runtime(self) -> Any:
        player = self._player
        if player is None or player.state != PlayerState.PAUSED:
            return None
        if player.scenario_cls is not self._scenario:
            return None
        return player.runtime

    def _sync_timer(self) -> None:
        if self.isVisible() and self._paused_runtime() is not None:
            self._timer.start()
        else:
            self._timer.stop()

    def refresh_position(self) -> SourcePosition | None:
        """Mark where the selected goroutine stands, if the run is paused; returns it."""
        rt = self._paused_runtime()
        if rt is None or not self.isVisible():
            self.position = None
            if self._highlighted is not None:
                self._highlighted = None
                self._mark(None)
            running = self._player is not None and self._player.state == PlayerState.RUNNING
            self._say(
                "Pause (Space) or Step: the line where the selected goroutine stands is marked."
                if running
                else ""
            )
            return None
        modules = [self.module_choice.itemText(i) for i in range(self.module_choice.count())]
        files = {f: m for m in modules if (f := python_file(m)) is not None}
        positions = source_positions(rt.goroutines(), list(files))
        if not positions:
            self.position = None
            self._mark(None)
            self._say("Paused: no goroutine stands in this lesson's code now.")
            return None
        want = self._selected()
        chosen = next((p for p in positions if p.g == want), None)
        note = ""
        if chosen is None:
            chosen = min(positions, key=lambda p: p.g)
            note = " (click a goroutine on the stage to follow another)"
        module = next(
            (m for f, m in files.items() if same_file(f) == same_file(chosen.filename)),
            self._shown_module,
        )
        followed = (chosen.g, chosen.filename, chosen.line)
        if followed != self._followed:
            # It moved (or another one is followed): show its module. Not on every
            # tick, so a teacher may look at the other module while paused.
            self._followed = followed
            if module != self.module_choice.currentText():
                self.module_choice.blockSignals(True)
                self.module_choice.setCurrentText(module)
                self.module_choice.blockSignals(False)
                self._show_python()
        self.position = chosen
        if module != self.module_choice.currentText():
            self._highlighted = None
            self._mark(None)
            self._say(f"Paused: {chosen.name} is in {module}, line {chosen.line}{note}")
            return chosen
        key = (module, chosen.line)
        if key != self._highlighted:
            self._highlighted = key
            self._mark(chosen.line)
            self._scroll_to(chosen.line, top=False)
        self._say(f"Paused: {chosen.name} is at line {chosen.line}, in {chosen.function}(){note}")
        return chosen

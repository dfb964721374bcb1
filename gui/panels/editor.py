"""The editor of "Your program": write Go-style Python, run it (Ctrl+Enter), stop it.

:class:`ProgramEditor` is a toolbar (Run, Stop, Examples, Open, Save), a
:class:`CodeEdit` (line numbers, pygments colours, a marked error line) and an
output pane where each printed line shows the goroutine that printed it. It
knows nothing of processes: it asks (``run_requested``, ``stop_requested``)
and the window's program controller (``gui.program``) answers.
"""

from __future__ import annotations

from pathlib import Path

from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name
from pygments.token import String, _TokenType
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShortcut,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.theme import Theme

__all__ = ["CodeEdit", "ProgramEditor", "PythonHighlighter"]

# pygments styles chosen for contrast on each theme's surface (as the Code tab's).
_STYLE = {"dark": "github-dark", "light": "default"}
_IN_STRING = 1  # block state: the block ends inside a multi-line string


class PythonHighlighter(QSyntaxHighlighter):
    """Colours Python with pygments, lexing the whole document once per change.

    Qt highlights one block (line) at a time; a line alone cannot tell whether
    it is inside a triple-quoted string, so the whole text is lexed (a
    learner's program is short) and each block takes its spans from that.
    A block that ends inside a string says so in its state, so Qt goes on to
    re-colour the following lines when a quote is typed.
    """

    def __init__(self, document: QTextDocument, theme: Theme) -> None:
        super().__init__(document)
        self._lexer = PythonLexer(stripnl=False, ensurenl=False)
        self._formats: dict[_TokenType, QTextCharFormat] = {}
        self._text: str | None = None  # the text last lexed
        self._spans: dict[int, list[tuple[int, int, QTextCharFormat]]] = {}
        self._open: set[int] = set()  # blocks that end inside a string
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        self._style = get_style_by_name(_STYLE.get(theme.name, "default"))
        self._formats.clear()
        self._text = None
        self.rehighlight()

    def _format(self, ttype: _TokenType) -> QTextCharFormat | None:
        fmt = self._formats.get(ttype)
        if fmt is None:
            st = self._style.style_for_token(ttype)
            fmt = QTextCharFormat()
            if st["color"]:
                fmt.setForeground(QColor(f"#{st['color']}"))
            if st["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if st["italic"]:
                fmt.setFontItalic(True)
            self._formats[ttype] = fmt
        return (
            fmt if fmt.foreground().style() != Qt.BrushStyle.NoBrush or fmt.fontItalic() else None
        )

    def _lex(self) -> None:
        text = self._text = self.document().toPlainText()
        starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                starts.append(i + 1)
        spans: dict[int, list[tuple[int, int, QTextCharFormat]]] = {}
        opened: set[int] = set()
        line = 0
        for index, ttype, value in self._lexer.get_tokens_unprocessed(text):
            fmt = self._format(ttype)
            end = index + len(value)
            while line + 1 < len(starts) and starts[line + 1] <= index:
                line += 1
            first = line
            pos = index
            while pos < end:
                stop = starts[first + 1] - 1 if first + 1 < len(starts) else len(text)
                piece_end = min(end, stop)
                if fmt is not None and piece_end > pos:
                    spans.setdefault(first, []).append((pos - starts[first], piece_end - pos, fmt))
                if end > stop and first + 1 < len(starts):
                    if ttype in String:
                        opened.add(first)
                    first += 1
                    pos = starts[first]
                else:
                    break
        self._spans = spans
        self._open = opened

    def highlightBlock(self, text: str) -> None:
        # The document's revision is not bumped for every edit Qt highlights on (a
        # setPlainText highlights before it counts): compare the text itself.
        if self.document().toPlainText() != self._text:
            self._lex()
        n = self.currentBlock().blockNumber()
        for start, length, fmt in self._spans.get(n, ()):
            self.setFormat(start, length, fmt)
        self.setCurrentBlockState(_IN_STRING if n in self._open else 0)


class _LineNumbers(QWidget):
    def __init__(self, editor: CodeEdit) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.line_number_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_line_numbers(event)


class CodeEdit(QPlainTextEdit):
    """A plain-text code editor: monospace, line numbers, 4-space tabs, one marked line.

    Signals:
        run_requested(): Ctrl+Enter (or Ctrl+Return) was pressed.
    """

    run_requested = Signal()

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self._numbers = _LineNumbers(self)
        self._error_line: int | None = None
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._on_update_request)
        self.cursorPositionChanged.connect(self._update_selections)
        self.highlighter = PythonHighlighter(self.document(), theme)
        self._update_margin()

    # -- API ---------------------------------------------------------------------

    @property
    def error_line(self) -> int | None:
        return self._error_line

    def mark_error(self, line: int | None) -> None:
        """Mark *line* (1-based) as where the program failed, and show it; None clears."""
        self._error_line = line
        if line is not None:
            block = self.document().findBlockByLineNumber(max(line - 1, 0))
            if block.isValid():
                cursor = QTextCursor(block)
                self.setTextCursor(cursor)
                self.centerCursor()
        self._update_selections()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.highlighter.set_theme(theme)
        self._update_selections()
        self._numbers.update()

    # -- keys ---------------------------------------------------------------------

    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and mods & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier
        ):
            self.run_requested.emit()
            return
        if key == Qt.Key.Key_Tab and not mods:
            self.insertPlainText("    ")
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not mods:
            # Keep the indent of the line above; one more after a colon.
            line = self.textCursor().block().text()
            indent = line[: len(line) - len(line.lstrip(" "))]
            if line.rstrip().endswith(":"):
                indent += "    "
            super().keyPressEvent(event)
            self.insertPlainText(indent)
            return
        super().keyPressEvent(event)

    # -- line numbers ---------------------------------------------------------------

    def line_number_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 12 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margin(self, *_: object) -> None:
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self._numbers.scroll(0, dy)
        else:
            self._numbers.update(0, rect.y(), self._numbers.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._numbers.setGeometry(QRect(cr.left(), cr.top(), self.line_number_width(), cr.height()))

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        t = self._theme
        painter = QPainter(self._numbers)
        painter.fillRect(event.rect(), QColor(t.surface_alt))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        width = self._numbers.width() - 6
        height = self.fontMetrics().height()
        painter.setFont(self.font())
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                err = self._error_line == number + 1
                painter.setPen(QColor(t.danger if err else t.muted))
                painter.drawText(
                    0, top, width, height, Qt.AlignmentFlag.AlignRight, str(number + 1)
                )
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    def _update_selections(self) -> None:
        t = self._theme
        sels = []
        current = QTextEdit.ExtraSelection()
        bg = QColor(t.accent)
        bg.setAlpha(28)
        current.format.setBackground(bg)
        current.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        current.cursor = self.textCursor()
        current.cursor.clearSelection()
        sels.append(current)
        if self._error_line is not None:
            block = self.document().findBlockByLineNumber(self._error_line - 1)
            if block.isValid():
                err = QTextEdit.ExtraSelection()
                red = QColor(t.danger)
                red.setAlpha(70)
                err.format.setBackground(red)
                err.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                err.cursor = QTextCursor(block)
                sels.append(err)
        self.setExtraSelections(sels)


class ProgramEditor(QWidget):
    """Toolbar, code and output of "Your program".

    Signals:
        run_requested(): Run was clicked or Ctrl+Enter pressed.
        stop_requested(): Stop was clicked.
        example_chosen(str): the path of an example picked in the menu.
        open_requested(), save_requested(): the Open… and Save… buttons.
    """

    run_requested = Signal()
    stop_requested = Signal()
    example_chosen = Signal(str)
    open_requested = Signal()
    save_requested = Signal()

    def __init__(
        self,
        theme: Theme,
        examples: list[tuple[str, Path]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._theme = theme
        self.run_button = QPushButton("Run  (Ctrl+Enter)")
        self.run_button.setObjectName("programRun")
        self.run_button.setToolTip(
            "Run the program as Go runs one: in its own process, main() as goroutine 1"
        )
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End the program (its process is killed if it does not stop)")
        self.stop_button.setEnabled(False)
        self.examples_button = QToolButton()
        self.examples_button.setText("Examples")
        self.examples_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.examples_menu = QMenu(self.examples_button)
        for title, path in examples or ():
            act = self.examples_menu.addAction(title)
            act.setData(str(path))
            act.triggered.connect(lambda _=False, p=str(path): self.example_chosen.emit(p))
        self.examples_button.setMenu(self.examples_menu)
        self.open_button = QPushButton("Open…")
        self.save_button = QPushButton("Save…")
        self.file_label = QLabel()
        self.file_label.setObjectName("lessonChapter")
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (
            self.run_button,
            self.stop_button,
            self.examples_button,
            self.open_button,
            self.save_button,
        ):
            bar.addWidget(w)
        bar.addWidget(self.file_label, 1)

        self.code = CodeEdit(theme)
        self.message = QLabel()  # the error of the last run, at its line
        self.message.setObjectName("programMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.output = QPlainTextEdit()
        self.output.setObjectName("programOutput")
        self.output.setReadOnly(True)
        self.output.setMaximumBlockCount(5_000)
        self.output.setFont(self.code.font())
        self.output.setPlaceholderText("What the program prints appears here, with its goroutine.")

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.code)
        self.split.addWidget(self.output)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.split, 1)

        self.run_button.clicked.connect(self.run_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.save_button.clicked.connect(self.save_requested)
        self.code.run_requested.connect(self.run_requested)
        # Ctrl+Enter anywhere in the panel (the output pane too) runs.
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.run_requested)
        self.set_theme(theme)

    # -- API ---------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.code.toPlainText()

    def set_text(self, text: str) -> None:
        self.code.setPlainText(text)
        self.code.mark_error(None)
        self.code.moveCursor(QTextCursor.MoveOperation.Start)

    def set_file(self, name: str) -> None:
        self.file_label.setText(name)

    def set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)

    def clear_output(self) -> None:
        self.output.clear()
        self.show_message("", None)

    def append_output(self, lines: list[tuple[int, str, str]]) -> None:
        """Append printed lines ``(goroutine id, its name, text)``, in order."""
        out = []
        for g, name, text in lines:
            who = name or (f"goroutine {g}" if g else "")
            out.append(f"[{who}] {text}" if who else text)
        if out:
            self.output.appendPlainText("\n".join(out))
            self.output.moveCursor(QTextCursor.MoveOperation.End)

    def append_text(self, text: str) -> None:
        """Append the program's end (Go's crash text, a limit hit) to the output."""
        if text:
            self.output.appendPlainText(text.rstrip("\n"))
            self.output.moveCursor(QTextCursor.MoveOperation.End)

    def show_message(self, text: str, line: int | None) -> None:
        """Say *text* above the code and mark *line* (None: clear both)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.code.mark_error(line)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.code.set_theme(theme)
        self.message.setStyleSheet(f"color: {theme.danger}; font-weight: bold; padding: 2px 4px;")

"""Widgets drawn over the stage's viewport: the banner (a panic or a deadlock in
Go's words, or a note) and the legend bar (every state's badge and name, and
a one-line status of the run). They live in view coordinates, so they stay
readable whatever the zoom of the scene."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from core.trace import STATES
from gui.stage.style import STATE_LABELS, StageStyle, paint_state_badge
from gui.text import plain_tooltip

__all__ = ["StageBanner", "StageCaption", "StageLegend", "panic_text"]


def panic_text(text: str, gid: int, name: str, program_ends: bool = False) -> str:
    """The banner of a goroutine that died of a panic or a fatal error, in Go's
    words, and what that means here: *program_ends* when the lesson's whole
    program ends with it (as in Go), else only the goroutine died."""
    fatal = text.startswith("fatal error:")
    head = "fatal error:" if fatal else "panic:"
    msg = text if text.startswith(head) else f"{head} {text}"
    if fatal:
        why = "In Go this ends the whole program and no recover can stop it"
    else:
        why = "In Go this ends the whole program: exit status 2"
    if program_ends:
        here = "Here too: the lesson's program ended"
    else:
        here = "Here only this goroutine died"
    return f"{msg}\n\ngoroutine {gid} [running]: {name}\n({why}. {here}.)"


_TITLES = {"panic": "panic", "deadlock": "deadlock", "info": "note"}
MAX_LINES = 5  # of a banner's text (the rest: its tooltip)


class StageBanner(QFrame):
    """A strip across the top of the stage. Text is always plain (never HTML)."""

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.kind = ""
        self._full = ""
        self.setObjectName("stageBanner")
        self._title = QLabel(self)
        self._title.setTextFormat(Qt.TextFormat.PlainText)
        self._text = QLabel(self)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._close = QToolButton(self)
        self._close.setText("✕")
        self._close.setToolTip("Hide this banner")
        self._close.setAutoRaise(True)
        self._close.clicked.connect(self._on_close_clicked)
        # One row: the title, Go's words, the close button. Compact, so the
        # goroutines it is about stay in view under it.
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 6, 8)
        row.setSpacing(14)
        row.addWidget(self._title, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._text, 1)
        row.addWidget(self._close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def text(self) -> str:
        return self._full

    def show_message(self, text: str, kind: str, style: StageStyle) -> None:
        self.kind = kind
        self._full = text
        self._title.setText(_TITLES.get(kind, kind))
        # Go's reports are several lines (one per goroutine): no blank lines, the
        # first few; the whole text is in the tooltip (and the Reports tab).
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) > MAX_LINES:
            lines = [*lines[: MAX_LINES - 1], f"… {len(lines) - MAX_LINES + 1} more lines"]
        self._text.setText("\n".join(lines))
        self._text.setToolTip(plain_tooltip(text))
        self.restyle(style)
        self.show()
        self.raise_()

    def restyle(self, style: StageStyle) -> None:
        color = style.accent if self.kind == "info" else style.danger
        fg = style.on(color)
        bg = QColor(color)
        bg.setAlpha(235)
        self.setStyleSheet(
            f"#stageBanner {{ background: rgba({bg.red()}, {bg.green()}, {bg.blue()}, "
            f"{bg.alpha()}); border-radius: 8px; }}"
            f"#stageBanner QLabel {{ color: {fg.name()}; background: transparent; }}"
            f"#stageBanner QToolButton {{ color: {fg.name()}; border: none; font-size: "
            f"{round(16 * style.k)}px; }}"
        )
        title = QFont(style.title_font)
        title.setPixelSize(round(16 * style.k))
        self._title.setFont(title)
        mono = QFont(style.mono_font)
        mono.setPixelSize(round(14 * style.k))
        self._text.setFont(mono)

    def _on_close_clicked(self) -> None:
        self.hide()
        self.closed.emit()


class StageCaption(QLabel):
    """A caption in the stage's top-left corner: what the last step did, in words.

    Plain text; clicks go through to the goroutines under it.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("stageCaption")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def restyle(self, style: StageStyle) -> None:
        bg = QColor(style.surface)
        bg.setAlpha(235)
        self.setStyleSheet(
            f"#stageCaption {{ background: rgba({bg.red()}, {bg.green()}, {bg.blue()}, "
            f"{bg.alpha()}); color: {style.text.name()}; border-left: "
            f"{round(5 * style.pen_k)}px solid {style.accent.name()}; border-radius: 6px; "
            f"padding: 8px 12px; }}"
        )
        font = QFont(style.text_font)
        font.setPixelSize(round(16 * style.k))
        self.setFont(font)


class StageLegend(QWidget):
    """The bottom bar: a status line, then each state's badge and name."""

    def __init__(self, parent: QWidget, style: StageStyle) -> None:
        super().__init__(parent)
        self.style_ = style
        self.status = ""
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._font = QFont()
        self._restyle_font()

    def _restyle_font(self) -> None:
        self._font = QFont(self.style_.small_font)
        self._font.setPixelSize(round(13 * self.style_.k))
        self._fm = QFontMetricsF(self._font)

    def restyle(self, style: StageStyle) -> None:
        self.style_ = style
        self._restyle_font()
        self.update()

    def bar_height(self) -> int:
        return round(self._fm.height() + 14)

    def set_status(self, text: str) -> None:
        if text != self.status:
            self.status = text
            self.update()

    def paintEvent(self, event) -> None:
        s = self.style_
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        bg = QColor(s.surface)
        bg.setAlpha(235)
        p.fillRect(self.rect(), bg)
        p.setPen(s.grid)
        p.drawLine(0, 0, self.width(), 0)
        p.setFont(self._font)
        fm = self._fm
        h = self.height()
        x = 12.0
        p.setPen(s.text)
        p.drawText(QRectF(x, 0, self.width(), h), Qt.AlignmentFlag.AlignVCenter, self.status)
        x += fm.horizontalAdvance(self.status) + 24
        badge = fm.height() * 1.05
        for st in STATES:
            label = STATE_LABELS[st]
            need = badge + 6 + fm.horizontalAdvance(label) + 16
            if x + need > self.width() - 8:
                break
            paint_state_badge(p, QRectF(x, (h - badge) / 2, badge, badge), st, s)
            x += badge + 6
            p.setPen(s.muted)
            p.drawText(
                QRectF(x, 0, fm.horizontalAdvance(label) + 2, h),
                Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            x += fm.horizontalAdvance(label) + 16
        p.end()

"""Reports in Go's own words: the race detector, the deadlock, the leak checker.

One plain-text, monospace, copyable page with up to four sections:

* DATA RACE: a lost update in ``count++`` printed as Go's race detector
  prints it ("WARNING: DATA RACE", the write and the previous write with
  their goroutines), found by :func:`core.teaching.race_reports` in the
  ``MEM_READ``/``MEM_WRITE`` events as they arrive (:class:`RaceTracker`);
* DEADLOCK: Go's "fatal error: all goroutines are asleep - deadlock!" block
  with each goroutine's state, and a sentence per goroutine saying why;
* BLOCKED FOREVER: goroutines that can never wake while others still run
  (Go says nothing about these), from the wait-for graph;
* LEAKS: at the end of a lesson (stop, reset, another lesson), the
  goroutines that did not end, as go.uber.org/goleak lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.teaching import RaceReport, race_reports
from core.trace import Kind, TraceEvent
from gui.theme import Theme

__all__ = ["RaceTracker", "ReportsPanel"]

_RULE = "-" * 18


@dataclass
class RaceTracker:
    """Lost updates found so far, fed event batches in trace order (Qt-free).

    Only the events from the oldest read still waiting for its write are
    kept (``_window``): a report needs a read and the writes after it, so
    anything older can no longer matter, and the cost stays that of the
    reads in flight, however long the run. Reports are told apart by their
    write (``write_seq``), so scanning a window again never counts one twice.
    A goroutine that ended between its read and its write drops its read.
    """

    found: list[RaceReport] = field(default_factory=list)
    _names: dict[int, str] = field(default_factory=dict)
    _window: list[TraceEvent] = field(default_factory=list)
    _reads: dict[tuple[int, int], int] = field(default_factory=dict)  # (obj, g) -> read seq
    _seen: set[int] = field(default_factory=set)  # write_seq of the reports in found

    def apply(self, batch: list[TraceEvent]) -> bool:
        """Fold *batch* in; returns whether new lost updates were found."""
        mem = False
        for ev in batch:
            k = ev.kind
            if k is Kind.GO_CREATE:
                self._names[ev.obj] = ev.obj_name
            elif k is Kind.MEM_READ:
                self._reads[(ev.obj, ev.g)] = ev.seq
                self._window.append(ev)
                mem = True
            elif k is Kind.MEM_WRITE:
                self._window.append(ev)
                self._reads.pop((ev.obj, ev.g), None)
                mem = True
            elif (k is Kind.GO_END or k is Kind.GO_PANIC) and self._reads:
                for key in [key for key in self._reads if key[1] == ev.g]:
                    del self._reads[key]
        if not mem:
            return False
        new = False
        for r in race_reports(self._window):
            if r.write_seq not in self._seen:
                self._seen.add(r.write_seq)
                self.found.append(self._named(r))
                new = True
        oldest = min(self._reads.values(), default=None)
        if oldest is None:
            self._window.clear()
        else:
            self._window = [e for e in self._window if e.seq >= oldest]
        return new

    def _named(self, r: RaceReport) -> RaceReport:
        # The window may start after the GO_CREATE events: names come from the whole run.
        return replace(
            r,
            writer_name=self._names.get(r.writer, r.writer_name),
            previous_writer_name=self._names.get(r.previous_writer, r.previous_writer_name),
        )


class ReportsPanel(QWidget):
    """The reports as one copyable page (see the module docstring)."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.presenter = False
        self.races = RaceTracker()
        self.deadlock_text = ""
        self.stuck_text = ""
        self.leak_text = ""
        self.leak_title = ""
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        # Wrapped: the tab is narrow, and a report read by scrolling sideways is not read.
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setAccessibleName("Reports in Go's words")
        self.header = QLabel("Reports in Go's words")
        self.header.setObjectName("sectionHeader")
        self.copy_button = QPushButton("Copy all")
        self.copy_button.setToolTip("Copy every report to the clipboard as plain text")
        self.copy_button.clicked.connect(self._on_copy_clicked)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.copy_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(6, 4, 6, 4)
        col.addLayout(top)
        col.addWidget(self.text, 1)
        self.set_theme(theme)

    # -- the window's API ---------------------------------------------------------

    def reset(self) -> None:
        """A new run: its races, deadlock and stuck goroutines start empty. The leak
        report of the previous run stays (it arrives once that run is stopped)."""
        self.races = RaceTracker()
        self.deadlock_text = ""
        self.stuck_text = ""
        self._render()

    def clear(self) -> None:
        """Another lesson: nothing of the last one stays, its leak report included."""
        self.leak_title = ""
        self.leak_text = ""
        self.reset()

    def clear_leaks(self) -> None:
        """Forget the leak report (it came from a lesson no longer on stage)."""
        if self.leak_title or self.leak_text:
            self.leak_title = ""
            self.leak_text = ""
            self._render()

    def load_races(self, races: RaceTracker) -> None:
        """Show *races* (a replay's checkpoint)."""
        self.races = races
        self._render()

    def apply_events(self, batch: list[TraceEvent]) -> bool:
        """Fold a batch in; returns whether a new report appeared."""
        if self.races.apply(batch):
            self._render()
            return True
        return False

    def set_deadlock(self, text: str, explanations: list[str]) -> None:
        why = "\n".join(f"  {e}" for e in explanations)
        self.deadlock_text = text + (f"\n\nWhy, goroutine by goroutine:\n{why}" if why else "")
        self._render()

    def set_stuck(self, text: str | None) -> bool:
        """The goroutines that can never wake (None: none); returns whether it changed."""
        text = text or ""
        if text == self.stuck_text:
            return False
        self.stuck_text = text
        self._render()
        return True

    def set_leaks(self, title: str, text: str) -> None:
        self.leak_title = title
        self.leak_text = text
        self._render()

    def plain_text(self) -> str:
        return self.text.toPlainText()

    def set_theme(self, theme: Theme, presenter: bool | None = None) -> None:
        self.theme = theme
        if presenter is not None:
            self.presenter = presenter
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(12 if self.presenter else 10)
        self.text.setFont(font)
        self.text.setStyleSheet(
            f"QPlainTextEdit {{ background: {theme.surface}; color: {theme.text}; }}"
        )

    # -- the page -----------------------------------------------------------------------

    def _render(self) -> None:
        parts: list[str] = []
        found = self.races.found
        if found:
            n = len(found)
            parts.append(
                f"DATA RACE: {n} lost update{'s' if n > 1 else ''} in this run\n{_RULE}\n"
                "Go's race detector (go run -race) prints a race once per pair of code places; "
                "here the first one:\n\n" + found[0].text
            )
            if n > 1:
                parts.append("The latest one:\n\n" + found[-1].text)
        if self.deadlock_text:
            parts.append(f"DEADLOCK\n{_RULE}\n{self.deadlock_text}")
        if self.stuck_text:
            parts.append(
                f"BLOCKED FOREVER (Go reports nothing while other goroutines run)\n{_RULE}\n"
                + self.stuck_text
            )
        if self.leak_title:
            body = self.leak_text or "No leak: every goroutine ended when the lesson stopped."
            parts.append(f"LEAKS: {self.leak_title}\n{_RULE}\n{body}")
        if not parts:
            parts.append(
                "Nothing to report yet.\n\n"
                "A lost update (lost-updates), a deadlock (deadlock, variant broken), a goroutine "
                "blocked forever (cancel-by-timeout, variant broken) or a leak at the end of a "
                "lesson appears here, in the words Go's tools use."
            )
        text = "\n\n\n".join(parts)
        if text != self.text.toPlainText():
            bar = self.text.verticalScrollBar()
            at = bar.value()
            self.text.setPlainText(text)
            bar.setValue(min(at, bar.maximum()))

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.plain_text())

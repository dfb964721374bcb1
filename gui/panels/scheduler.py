"""Be the scheduler: the goroutines waiting at the pause gate, and who goes next.

While the run is paused, every goroutine stops at the gate before its next
operation. This panel lists them (``Runtime.gated()``, longest waiting
first) with that operation in words; a click on one lets exactly that
goroutine perform it (the window's stepper does the step off the GUI
thread). Below, the history of the steps taken, numbered, one sentence
each, so a class can follow (and a teacher can retell) how a lost update or
a deadlock was produced by hand.

The list is read from the runtime a few times a second while the panel is
on screen and the run is paused; the objects' names come from the
``GO_GATE`` events the window hands over.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.teaching import GateChoice, gate_choices
from core.trace import Kind, TraceEvent
from gui.text import plain_tooltip
from gui.theme import Theme

__all__ = ["GENERAL_HINT", "LESSON_HINTS", "SchedulerPanel", "gate_words"]

HISTORY_LIMIT = 500  # steps kept in the history (the oldest scroll off)

GENERAL_HINT = (
    "Pause (Space), then click a goroutine: it does one operation (a send, a receive, "
    "a Lock, a sleep...) and waits again."
)
# What stepping shows in a lesson, by scenario id (a lesson not listed gets GENERAL_HINT).
LESSON_HINTS: dict[str, str] = {
    "lost-updates": (
        "Here count++ is three steps: load, the gap, store; two loads before a store lose one."
    ),
}


def gate_words(op: str, obj: str = "") -> str:
    """What a goroutine waiting at the gate will do next, in a learner's words.

    *op* is the gate's operation as the runtime names it ("chan send",
    "mem.read", "sync.Mutex.Lock"...), *obj* the object's name.
    """
    on = f" {obj}" if obj else ""
    words = {
        "chan send": f"send on{on}",
        "chan receive": f"receive from{on}",
        "chan close": f"close{on}",
        "select": "run a select",
        "mem.read": f"read{on}  (count++ step 1: load)",
        "mem.write": f"write{on}  (count++ step 3: store)",
        "runtime.Gosched": "yield: runtime.Gosched()  (count++ step 2: the gap)",
        "time.Sleep": "start to sleep",
        "sync.Mutex.Lock": f"Lock{on}",
        "sync.Mutex.TryLock": f"TryLock{on}",
        "sync.Mutex.Unlock": f"Unlock{on}",
        "sync.RWMutex.RLock": f"RLock{on}",
        "sync.RWMutex.RUnlock": f"RUnlock{on}",
        "sync.RWMutex.Lock": f"Lock{on}",
        "sync.RWMutex.Unlock": f"Unlock{on}",
        "sync.WaitGroup.Add": f"Add/Done on{on}",
        "sync.WaitGroup.Wait": f"Wait on{on}",
    }.get(op)
    if words is not None:
        return words
    if op.startswith("atomic."):
        return f"{op}{on}"
    return f"{op}{on}"


class SchedulerPanel(QWidget):
    """The gate's queue (click one: it goes next) and the steps taken so far.

    Signals:
        goroutine_chosen(int): the teacher clicked a waiting goroutine.
        step_requested(): "Step" (the longest waiting goroutine goes).
    """

    goroutine_chosen = Signal(int)
    step_requested = Signal()

    REFRESH_MS = 200
    WIDE = 560  # pixels from which the queue and the history stand side by side

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._rt: Any = None
        self._paused = False
        self._busy = False
        self._gate_objects: dict[int, str] = {}  # goroutine -> object of its latest GO_GATE
        self._shown: list[GateChoice] = []
        self.title = QLabel("Be the scheduler")
        self.title.setObjectName("sectionHeader")
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.queue = QListWidget()
        self.queue.setAccessibleName("Goroutines waiting at the gate")
        self.queue.setToolTip(
            "Goroutines waiting at the pause gate, longest waiting first, with what each "
            "will do next. Click one to let it perform that one operation."
        )
        self.queue.setWordWrap(True)
        self.queue.setMinimumHeight(32)  # the panel may be short: the stage comes first
        self.queue.itemClicked.connect(self._on_queue_item_clicked)
        self.queue.itemActivated.connect(self._on_queue_item_clicked)
        self.step_button = QPushButton("Step (longest waiting)")
        self.step_button.setToolTip("Let the goroutine that has waited longest go (Right arrow)")
        self.step_button.clicked.connect(self.step_requested)
        self.history = QPlainTextEdit()
        self.history.setReadOnly(True)
        self.history.setMaximumBlockCount(HISTORY_LIMIT)
        self.history.setPlaceholderText("The steps you take are listed here, one sentence each.")
        self.history.setAccessibleName("Steps taken")
        self.history.setMinimumHeight(32)
        self.hint = hint = QLabel()
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.set_lesson(None)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.title)
        left.addWidget(self.state_label)
        left.addWidget(self.queue, 1)
        left.addWidget(self.step_button)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        steps = QLabel("Steps taken")
        steps.setObjectName("sectionHeader")
        right.addWidget(steps)
        right.addWidget(self.history, 1)
        right.addWidget(hint)
        # Side by side when there is room, else the queue above the history.
        self._row = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._row.setContentsMargins(6, 4, 6, 4)
        self._row.addLayout(left, 1)
        self._row.addLayout(right, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(self.REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.set_theme(theme)
        self._update_state()

    # -- the window's API ---------------------------------------------------------

    def set_runtime(self, rt: Any) -> None:
        """Follow *rt* (None: nothing plays); the history and the queue start empty."""
        self._rt = rt
        self._gate_objects.clear()
        self._shown = []
        self.queue.clear()
        self.history.clear()
        self._busy = False
        self._sync_timer()
        self._update_state()

    def set_lesson(self, scenario_id: str | None) -> None:
        """Say how to be the scheduler in lesson *scenario_id* (None: no lesson)."""
        extra = LESSON_HINTS.get(scenario_id or "", "")
        self.hint.setText(f"{GENERAL_HINT} {extra}".rstrip())

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self._sync_timer()
        self.refresh()

    def set_busy(self, busy: bool) -> None:
        """A step is under way: clicks wait for it to finish."""
        self._busy = busy
        self._update_state()

    def apply_events(self, batch: list[TraceEvent]) -> None:
        for ev in batch:
            if ev.kind is Kind.GO_GATE:
                self._gate_objects[ev.g] = ev.obj_name

    def add_step(self, number: int, text: str) -> None:
        """Append step *number*'s sentence to the history."""
        self.history.appendPlainText(f"{number}. {text}")

    def choices(self) -> list[GateChoice]:
        """What the queue shows now."""
        return list(self._shown)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        font = QFont(self.queue.font())
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        self.queue.setFont(font)

    # -- refresh ------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the gate's queue from the runtime (cheap: one lock, one list)."""
        rt = self._rt
        if rt is None or not self._paused or getattr(rt, "stopped", False):
            shown: list[GateChoice] = []
        else:
            shown = gate_choices(rt)
        if shown != self._shown:
            self._shown = shown
            self._fill(shown)
        self._update_state()

    def _fill(self, shown: list[GateChoice]) -> None:
        current = self.queue.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        self.queue.clear()
        for i, c in enumerate(shown):
            what = gate_words(c.op, self._gate_objects.get(c.g, ""))
            first = "   (next for Step)" if i == 0 else ""
            item = QListWidgetItem(f"{c.name}  →  {what}{first}")
            item.setData(Qt.ItemDataRole.UserRole, c.g)
            item.setToolTip(
                plain_tooltip(f"goroutine {c.g} ({c.name}) waits at the gate before: {c.op}")
            )
            self.queue.addItem(item)
            if c.g == keep:
                self.queue.setCurrentItem(item)

    def _sync_timer(self) -> None:
        if self._rt is not None and self._paused and self.isVisible():
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()

    def _update_state(self) -> None:
        if self._rt is None:
            text = "Nothing runs. Play a lesson, then pause it to take the scheduler's place."
        elif not self._paused:
            text = "Running. Pause (Space) or press Step: every goroutine stops at the gate."
        elif self._busy:
            text = "Stepping…"
        elif self._shown:
            n = len(self._shown)
            text = (
                f"Paused: {n} goroutine{'s wait' if n != 1 else ' waits'} at the gate. "
                "Click one to let it go."
            )
        else:
            text = (
                "Paused: no goroutine waits at the gate (all blocked or asleep). "
                "Step moves the clock to the next timer."
            )
        self.state_label.setText(text)
        # The queue stays enabled while a step runs (no flicker); clicks wait (see below).
        self.step_button.setEnabled(self._rt is not None and not self._busy)

    # -- slots -------------------------------------------------------------------

    def _on_queue_item_clicked(self, item: QListWidgetItem) -> None:
        if self._busy:
            return
        g = item.data(Qt.ItemDataRole.UserRole)
        if g is not None:
            self.goroutine_chosen.emit(int(g))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= self.WIDE
        self._row.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._sync_timer()
        self.refresh()

    def hideEvent(self, event) -> None:
        self._timer.stop()
        super().hideEvent(event)

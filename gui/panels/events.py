"""The event log: every trace event as a row, with a plain-language line.

The model keeps the last ``EventTableModel.LIMIT`` rows (older ones scroll
off in chunks, so trimming is cheap); a proxy filters by goroutine, object
and kind. :class:`EventDescriber` turns an event into a sentence a learner
can read ("worker-3 blocked sending on jobs: buffer 5/5 full"); it follows
names and buffer lengths as the events go by, so it sees each event once,
in order.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.trace import Kind, TraceEvent
from gui.text import plain_tooltip
from gui.theme import Theme

__all__ = ["EventDescriber", "EventFilterProxy", "EventTableModel", "EventsPanel"]

_Index = QModelIndex | QPersistentModelIndex


class EventDescriber:
    """Turns trace events into sentences; remembers names and buffer lengths."""

    def __init__(self) -> None:
        self.g_names: dict[int, str] = {}
        self.obj_names: dict[int, str] = {}
        self.chan_cap: dict[int, int] = {}
        self.chan_len: dict[int, int] = {}
        self.obj_type: dict[int, str] = {}

    def goroutine(self, g: int) -> str:
        if g == 0:
            return "runtime"  # outside any goroutine: the timer thread, the watchdog
        return self.g_names.get(g) or f"goroutine {g}"

    def obj(self, ev: TraceEvent) -> str:
        if ev.obj == 0:
            return ev.obj_name or ""
        return ev.obj_name or self.obj_names.get(ev.obj) or f"#{ev.obj}"

    def _chan(self, obj: int) -> str:
        return self.obj_names.get(obj) or f"#{obj}"

    def _learn(self, ev: TraceEvent) -> None:
        k = ev.kind
        if k is Kind.GO_CREATE and ev.obj_name:
            self.g_names[ev.obj] = ev.obj_name
        elif k in (Kind.GO_START, Kind.GO_END, Kind.GO_PANIC) and ev.obj_name and ev.g:
            self.g_names.setdefault(ev.g, ev.obj_name)
        elif k is Kind.CHAN_MAKE:
            self.obj_names[ev.obj] = ev.obj_name or f"#{ev.obj}"
            cap = ev.extra[0] if ev.extra else _int(ev.value)
            self.chan_cap[ev.obj] = int(cap)
            self.chan_len[ev.obj] = 0
            self.obj_type[ev.obj] = "chan"
        elif k is Kind.SYNC_MAKE:
            self.obj_names[ev.obj] = ev.obj_name or f"#{ev.obj}"
            self.obj_type[ev.obj] = ev.value
        elif ev.obj and ev.obj_name:
            self.obj_names.setdefault(ev.obj, ev.obj_name)
        if k in (Kind.CHAN_SEND, Kind.CHAN_RECV) and len(ev.extra) >= 2 and ev.extra[0] == "buffer":
            self.chan_len[ev.obj] = int(ev.extra[1])

    def _buffer(self, obj: int) -> str:
        cap = self.chan_cap.get(obj)
        if cap is None:
            return ""
        return f"buffer {self.chan_len.get(obj, 0)}/{cap}"

    def describe(self, ev: TraceEvent) -> str:
        """A sentence for *ev*. Call once per event, in sequence order."""
        self._learn(ev)
        k, who, what = ev.kind, self.goroutine(ev.g), self.obj(ev)
        if k is Kind.GO_CREATE:
            return f"{who} started goroutine {ev.obj_name or ev.obj}"
        if k is Kind.GO_START:
            return f"{who} began running"
        if k is Kind.GO_END:
            return f"{who} returned and is done"
        if k is Kind.GO_PANIC:
            return f"{who} panicked: {ev.value}"
        if k is Kind.GO_BLOCK:
            return self._block(ev, who, what)
        if k is Kind.GO_UNBLOCK:
            waker = self.goroutine(ev.extra[0]) if ev.extra else ""
            return f"{who} woke up" + (f" (woken by {waker})" if waker else "")
        if k is Kind.GO_SLEEP:
            return f"{who} sleeps for {_seconds(ev.value)}"
        if k is Kind.GO_GATE:
            return f"{who} is paused before: {ev.value}"
        if k is Kind.GO_STEP:
            return f"{who} took one step"
        if k is Kind.CHAN_MAKE:
            cap = self.chan_cap.get(ev.obj, 0)
            return (
                f"{who} made unbuffered channel {what}"
                if cap == 0
                else f"{who} made channel {what} with a buffer of {cap}"
            )
        if k is Kind.CHAN_SEND:
            return self._send(ev, who, what)
        if k is Kind.CHAN_RECV:
            return self._recv(ev, who, what)
        if k is Kind.CHAN_CLOSE:
            return f"{who} closed channel {what}"
        if k is Kind.SELECT:
            return self._select(ev, who)
        if k is Kind.LOCK:
            return f"{who} {'read-locked' if ev.value == 'r' else 'locked'} {what}"
        if k is Kind.UNLOCK:
            return f"{who} {'read-unlocked' if ev.value == 'r' else 'unlocked'} {what}"
        if k is Kind.WG_ADD:
            delta = ev.extra[0] if ev.extra else None
            change = "Done" if delta == -1 else f"Add({delta})" if delta is not None else "Add"
            return f"{who} called {change} on {what}: counter is now {ev.value}"
        if k is Kind.WG_WAIT:
            return f"{who} called Wait on {what}"
        if k is Kind.ONCE_DO:
            return f"{who} ran the function of {what}"
        if k is Kind.ATOMIC:
            return f"{who} atomically updated {what} to {ev.value}"
        if k is Kind.MEM_READ:
            return f"{who} read {what} = {ev.value}"
        if k is Kind.MEM_WRITE:
            return f"{who} wrote {what} = {ev.value}"
        if k is Kind.TIMER_FIRE:
            return f"timer {what} fired" + (f" at t = {_seconds(ev.value)}" if ev.value else "")
        if k is Kind.CTX_CANCEL:
            return f"context {what} ended: {ev.value}"
        if k is Kind.DEADLOCK:
            return ev.value.splitlines()[0] if ev.value else "deadlock"
        if k is Kind.LEAK:
            return f"leaked goroutine: {ev.value}"
        if k is Kind.NOTE:
            return ev.value
        if k is Kind.SYNC_MAKE:
            return f"{who} made {ev.value} {what}"
        return f"{who} {k.value} {what} {ev.value}".strip()

    def _block(self, ev: TraceEvent, who: str, what: str) -> str:
        reason = ev.value
        if reason == "chan send":
            cap = self.chan_cap.get(ev.obj)
            why = "no receiver is ready" if cap == 0 else f"{self._buffer(ev.obj)} full"
            return (
                f"{who} blocked sending on {what}: {why}"
                if cap is not None
                else (f"{who} blocked sending on {what}")
            )
        if reason == "chan receive":
            cap = self.chan_cap.get(ev.obj)
            why = "no sender is ready" if cap == 0 else "buffer empty"
            return (
                f"{who} blocked receiving from {what}: {why}"
                if cap is not None
                else (f"{who} blocked receiving from {what}")
            )
        if reason == "select":
            chans = ", ".join(self._chan(c) for c in ev.extra if isinstance(c, int) and c)
            return f"{who} blocked in select: no case is ready" + (
                f" (waits on {chans})" if chans else ""
            )
        if "Lock" in reason or "lock" in reason:
            return f"{who} waits for {what}: {reason} (someone else holds it)"
        if "WaitGroup" in reason:
            return f"{who} waits for {what} to count down to zero"
        if reason == "sleep":
            return f"{who} sleeps"
        return f"{who} blocked: {reason}" + (f" on {what}" if what else "")

    def _send(self, ev: TraceEvent, who: str, what: str) -> str:
        how = ev.extra[0] if ev.extra else ""
        if ev.g == 0:
            who = "the timer"  # only the runtime's timer thread sends from outside a goroutine
        if how == "handoff" and len(ev.extra) > 1:
            return f"{who} handed {ev.value} to {self.goroutine(ev.extra[1])} on {what}"
        if how == "buffer":
            return f"{who} sent {ev.value} into {what}: {self._buffer(ev.obj)}"
        return f"{who} sent {ev.value} on {what}"

    def _recv(self, ev: TraceEvent, who: str, what: str) -> str:
        how = ev.extra[0] if ev.extra else ""
        if how == "closed":
            return f"{who} received from closed {what}: zero value, ok = false"
        if how == "handoff" and len(ev.extra) > 1:
            return f"{who} received {ev.value} from {self.goroutine(ev.extra[1])} on {what}"
        if how == "buffer":
            return f"{who} received {ev.value} from {what}: {self._buffer(ev.obj)}"
        return f"{who} received {ev.value} from {what}"

    def _select(self, ev: TraceEvent, who: str) -> str:
        picked = _int(ev.value, -1)
        if picked < 0:
            return f"{who} select took the default case: no case was ready"
        cases = ev.extra[2] if len(ev.extra) > 2 else ()
        ready = ev.extra[1] if len(ev.extra) > 1 else ()
        case = ""
        if 0 <= picked < len(cases):
            op, chan = cases[picked]
            case = f" ({op} on {self._chan(chan)})"
        elif ev.obj:  # woken while parked: the channel that woke it
            case = f" ({self.obj(ev)} was ready)"
        among = f" among {len(ready)} ready cases" if len(ready) > 1 else ""
        return f"{who} select picked case {picked}{case}{among}"


def _int(s: str, default: int = 0) -> int:
    try:
        return int(s)
    except (TypeError, ValueError):
        return default


def _seconds(s: str) -> str:
    try:
        return f"{float(s):.3g} s"
    except (TypeError, ValueError):
        return s


class EventTableModel(QAbstractTableModel):
    """The last :attr:`LIMIT` events as rows: seq, time, goroutine, kind, object, what happened."""

    HEADERS = ("#", "Time (s)", "Goroutine", "Kind", "Object", "What happened")
    SEQ, TIME, GOROUTINE, KIND, OBJECT, TEXT = range(6)
    LIMIT = 50_000
    TRIM_CHUNK = 5_000  # rows removed at once when over the limit

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        # Each row: (seq, t, goroutine name, kind value, object name, text, kind, g id, obj id)
        self._rows: list[tuple] = []
        self.describer = EventDescriber()
        self._kind_colors: dict[Kind, QColor] = {}

    def set_kind_colors(self, colors: dict[Kind, QColor]) -> None:
        self._kind_colors = colors
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.KIND), self.index(len(self._rows) - 1, self.KIND)
            )

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.describer = EventDescriber()
        self.endResetModel()

    @staticmethod
    def describe(events: list[TraceEvent], describer: EventDescriber | None = None) -> list[tuple]:
        """The rows of *events* (METRIC events make none), described in order."""
        d = describer if describer is not None else EventDescriber()
        rows = []
        for ev in events:
            if ev.kind is Kind.METRIC:
                continue
            text = d.describe(ev)
            obj = d.obj(ev)
            rows.append(
                (ev.seq, ev.t, d.goroutine(ev.g), ev.kind.value, obj, text, ev.kind, ev.g, ev.obj)
            )
        return rows

    def add_events(self, batch: list[TraceEvent]) -> None:
        self._add_rows(self.describe(batch, self.describer))

    def _add_rows(self, new: list[tuple]) -> None:
        if not new:
            return
        if len(new) > self.LIMIT:
            new = new[-self.LIMIT :]
        excess = len(self._rows) + len(new) - self.LIMIT
        if excess > 0:
            cut = min(len(self._rows), max(excess, self.TRIM_CHUNK))
            self.beginRemoveRows(QModelIndex(), 0, cut - 1)
            del self._rows[:cut]
            self.endRemoveRows()
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._rows.extend(new)
        self.endInsertRows()

    def set_rows(self, rows: list[tuple]) -> None:
        """Show exactly *rows* (a replay's log up to its position; at most LIMIT of them).

        When *rows* continues or cuts short what is shown (the same first row),
        only the difference is inserted or removed: a replay moving a little
        costs a little.
        """
        rows = rows[-self.LIMIT :]
        cur = self._rows
        same_start = bool(cur) and bool(rows) and rows[0] is cur[0]
        if same_start and len(rows) >= len(cur) and rows[len(cur) - 1] is cur[-1]:
            self._add_rows(rows[len(cur) :])
        elif same_start and len(rows) < len(cur) and rows[-1] is cur[len(rows) - 1]:
            self.beginRemoveRows(QModelIndex(), len(rows), len(cur) - 1)
            del cur[len(rows) :]
            self.endRemoveRows()
        elif rows or cur:
            self.beginResetModel()
            self._rows = list(rows)
            self.endResetModel()

    def row(self, i: int) -> tuple:
        return self._rows[i]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if c == self.TIME:
                return f"{r[1]:.3f}"
            return r[c] if c != self.SEQ else str(r[0])
        if role == Qt.ItemDataRole.ToolTipRole and c == self.TEXT:
            return plain_tooltip(r[5])
        if role == Qt.ItemDataRole.ForegroundRole and c == self.KIND:
            return self._kind_colors.get(r[6])
        return None


class EventFilterProxy(QSortFilterProxyModel):
    """Keeps rows whose goroutine and object contain the typed text and whose kind matches."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._goroutine = ""
        self._object = ""
        self._kind = ""  # a Kind value prefix ("chan." matches every channel event); "" any
        self._hide_gates = False

    def set_filters(
        self, goroutine: str = "", obj: str = "", kind: str = "", hide_gates: bool = False
    ) -> None:
        self.beginFilterChange()
        self._goroutine = goroutine.strip().lower()
        self._object = obj.strip().lower()
        self._kind = kind
        self._hide_gates = hide_gates
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        r = self.sourceModel().row(source_row)  # type: ignore[attr-defined]
        if self._goroutine and self._goroutine not in r[2].lower() and self._goroutine != str(r[7]):
            return False
        if self._object and self._object not in r[4].lower() and self._object != str(r[8]):
            return False
        if self._kind and not r[3].startswith(self._kind):
            return False
        return not (self._hide_gates and r[6] in (Kind.GO_GATE, Kind.GO_STEP))


# The kind filter's choices: label, Kind value prefix.
_KIND_CHOICES = (
    ("All kinds", ""),
    ("Goroutines", "go."),
    ("Channels", "chan."),
    ("Select", "select"),
    ("Locks", "lock"),
    ("WaitGroups", "wg."),
    ("Memory (read/write)", "mem."),
    ("Timers", "timer."),
    ("Context", "ctx."),
    ("Notes", "note"),
    ("Panics", "go.panic"),
    ("Deadlock / leaks", "deadlock"),
)


class EventsPanel(QWidget):
    """The event log table with its filters; follows the newest row while scrolled to the end."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventTableModel(self)
        # The filter proxy is attached only while a filter is set: attached, it runs a
        # Python check per inserted row (about 1 µs: 50 ms for a 50,000-row jump).
        self.proxy = EventFilterProxy(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in ((0, 70), (1, 80), (2, 140), (3, 100), (4, 120)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._follow = True  # keep the newest row in view (until the user scrolls up)
        self.table.verticalScrollBar().actionTriggered.connect(self._on_scroll_action_triggered)

        self.goroutine_filter = QLineEdit()
        self.goroutine_filter.setPlaceholderText("goroutine name or id")
        self.object_filter = QLineEdit()
        self.object_filter.setPlaceholderText("channel, lock… name or id")
        self.kind_filter = QComboBox()
        for label, value in _KIND_CHOICES:
            self.kind_filter.addItem(label, value)
        # Short labels keep the bar narrow: the tab shares its width with the teaching tabs.
        self.kind_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind_filter.setMinimumContentsLength(9)
        self.hide_gates = QCheckBox("Hide gates")
        self.hide_gates.setToolTip(
            "Hide the pause-gate events: a goroutine paused before an operation, "
            "and the step that let it go"
        )
        self.count_label = QLabel()
        self.count_label.setObjectName("hint")
        for w in (self.goroutine_filter, self.object_filter):
            w.setClearButtonEnabled(True)
            w.textChanged.connect(self._apply_filters)
        self.kind_filter.currentIndexChanged.connect(self._apply_filters)
        self.hide_gates.toggled.connect(self._apply_filters)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Goroutine:"))
        bar.addWidget(self.goroutine_filter, 1)
        bar.addWidget(QLabel("Object:"))
        bar.addWidget(self.object_filter, 1)
        bar.addWidget(QLabel("Kind:"))
        bar.addWidget(self.kind_filter)
        bar.addWidget(self.hide_gates)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        self.set_theme(theme)
        self._update_count()

    def reset(self) -> None:
        self.model.clear()
        self._update_count()

    def apply_events(self, batch: list[TraceEvent]) -> None:
        self.model.add_events(batch)
        if self._follow and self.isVisible():
            self.table.scrollToBottom()
        self._update_count()

    def show_rows(self, rows: list[tuple]) -> None:
        """Show exactly *rows* (a replay jumped), scrolled to the newest: the same moment."""
        self.model.set_rows(rows)
        self._follow = True
        if self.isVisible():
            self.table.scrollToBottom()
        self._update_count()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._follow:
            self.table.scrollToBottom()

    def _on_scroll_action_triggered(self, _action: int) -> None:
        # The user scrolled: follow new rows only while at the end.
        QTimer.singleShot(0, self._update_follow)

    def _update_follow(self) -> None:
        bar = self.table.verticalScrollBar()
        self._follow = bar.value() >= bar.maximum() - 2

    def filter_goroutine(self, g: int) -> None:
        """Show only the events of goroutine *g* (a click on the stage or the timeline)."""
        self.goroutine_filter.setText(str(g))

    def set_theme(self, theme: Theme) -> None:
        colors = {
            Kind.GO_PANIC: theme.qcolor("danger"),
            Kind.DEADLOCK: theme.qcolor("danger"),
            Kind.LEAK: theme.qcolor("warning"),
            Kind.GO_BLOCK: theme.qcolor("warning"),
            Kind.NOTE: theme.qcolor("accent"),
            Kind.CHAN_SEND: theme.qcolor("blocked_send"),
            Kind.CHAN_RECV: theme.qcolor("blocked_recv"),
            Kind.SELECT: theme.qcolor("blocked_select"),
            Kind.GO_END: theme.qcolor("muted"),
        }
        self.model.set_kind_colors(colors)

    @property
    def filtered(self) -> bool:
        """Whether a filter is set (the table then shows the proxy's rows)."""
        return self.proxy.sourceModel() is not None

    def _apply_filters(self, *_: object) -> None:
        goroutine, obj = self.goroutine_filter.text(), self.object_filter.text()
        kind, gates = self.kind_filter.currentData() or "", self.hide_gates.isChecked()
        want = bool(goroutine.strip() or obj.strip() or kind or gates)
        if want != self.filtered:
            header = self.table.horizontalHeader()
            widths = [header.sectionSize(i) for i in range(header.count())]
            self.proxy.setSourceModel(self.model if want else None)
            self.table.setModel(self.proxy if want else self.model)
            for i, width in enumerate(widths):
                header.resizeSection(i, width)
            self._follow = True
        self.proxy.set_filters(goroutine, obj, kind, gates)
        if self._follow and self.isVisible():
            self.table.scrollToBottom()
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount() if self.filtered else total
        self.count_label.setText(
            f"{total:,} events" if shown == total else f"{shown:,} of {total:,} events"
        )

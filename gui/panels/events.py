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

from core.trace import Kind, TraceEvent, WaitRecord, woken_by
from gui.text import plain_tooltip
from gui.theme import Theme

__all__ = ["EventDescriber", "EventFilterProxy", "EventTableModel", "EventsPanel"]

_Index = QModelIndex | QPersistentModelIndex


class EventDescriber:
    """Turns trace events into sentences; remembers names and buffer lengths.

    Every fact comes from the event's typed payload (``ev.payload``); the
    describer only remembers what earlier events named (goroutines, objects,
    a channel's capacity and length, what each goroutine is parked on).
    """

    def __init__(self) -> None:
        self.g_names: dict[int, str] = {}
        self.obj_names: dict[int, str] = {}
        self.chan_cap: dict[int, int] = {}
        self.chan_len: dict[int, int] = {}
        self.obj_type: dict[int, str] = {}
        self.parked: dict[int, str] = {}  # goroutine -> the State value it is parked in
        self._gone = 0  # an object freed by the last event

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

    def _goroutines(self, gids: tuple | list) -> str:
        """Their names: "a", "a and b", "a, b and c", "a, b, c and 4 more"."""
        names = [self.goroutine(g) for g in gids]
        if len(names) > 4:
            return ", ".join(names[:3]) + f" and {len(names) - 3} more"
        if len(names) > 1:
            return ", ".join(names[:-1]) + " and " + names[-1]
        return names[0] if names else ""

    def _learn(self, ev: TraceEvent, p: Any) -> None:
        k = ev.kind
        if k is Kind.GO_CREATE and ev.obj_name:
            self.g_names[ev.obj] = ev.obj_name
        elif k in (Kind.GO_START, Kind.GO_END, Kind.GO_PANIC) and ev.obj_name and ev.g:
            self.g_names.setdefault(ev.g, ev.obj_name)
        elif k is Kind.CHAN_MAKE:
            self.obj_names[ev.obj] = ev.obj_name or f"#{ev.obj}"
            self.chan_cap[ev.obj] = int(p.cap)
            self.chan_len[ev.obj] = 0
            self.obj_type[ev.obj] = "chan"
        elif k is Kind.SYNC_MAKE:
            self.obj_names[ev.obj] = ev.obj_name or f"#{ev.obj}"
            self.obj_type[ev.obj] = ev.value
        elif k is Kind.OBJ_FREE:
            self._gone = ev.obj  # forgotten at the next event (this one still names it)
            return
        elif ev.obj and ev.obj_name:
            self.obj_names.setdefault(ev.obj, ev.obj_name)
        if k is Kind.CHAN_SEND or k is Kind.CHAN_RECV:
            self.chan_len[ev.obj] = int(p.length)
        elif (k is Kind.TIMER_STOP or k is Kind.TIMER_RESET) and p.drained:
            self.chan_len[p.chan] = 0
        # What each goroutine is parked in, for the events that wake it.
        if k is Kind.GO_BLOCK:
            self.parked[ev.g] = p.state
        elif k is Kind.GO_SLEEP:
            self.parked[ev.g] = "sleeping"
        elif k is Kind.GO_END or k is Kind.GO_PANIC:
            self.parked.pop(ev.g, None)

    def _buffer(self, obj: int) -> str:
        cap = self.chan_cap.get(obj)
        if cap is None:
            return ""
        return f"buffer {self.chan_len.get(obj, 0)}/{cap}"

    def describe(self, ev: TraceEvent) -> str:
        """A sentence for *ev*. Call once per event, in sequence order."""
        if self._gone:
            for table in (self.obj_names, self.chan_cap, self.chan_len, self.obj_type):
                table.pop(self._gone, None)
            self._gone = 0
        try:
            p = ev.payload
            self._learn(ev, p)
            text = self._sentence(ev, p)
        except (TypeError, ValueError, IndexError, AttributeError):
            # A payload of the wrong shape (a damaged recording): say what is known.
            text = f"{self.goroutine(ev.g)} {ev.kind.value} {self.obj(ev)} {ev.value}".strip()
        if ev.kind is not Kind.GO_BLOCK and ev.kind is not Kind.GO_SLEEP:
            for g in _woken_by(ev):
                self.parked.pop(g, None)
        return text

    def _sentence(self, ev: TraceEvent, p: Any) -> str:
        k, who, what = ev.kind, self.goroutine(ev.g), self.obj(ev)
        if k is Kind.GO_CREATE:
            return f"{who} started goroutine {ev.obj_name or ev.obj}"
        if k is Kind.GO_START:
            return f"{who} began running"
        if k is Kind.GO_END:
            return f"{who} returned and is done"
        if k is Kind.GO_PANIC:
            if p.fatal:
                return f"{who} hit a fatal error: {ev.value}"
            return f"{who} panicked: {ev.value}"
        if k is Kind.GO_BLOCK:
            return self._block(ev, p, who, what)
        if k is Kind.GO_UNBLOCK:
            if p.waker:
                return f"{who} woke up (woken by {self.goroutine(p.waker)})"
            if self.parked.get(ev.g) == "sleeping":
                return f"{who} woke up: its sleep is over"
            on = f" while waiting on {what}" if what else ""
            return f"{who} was woken by the runtime{on}"
        if k is Kind.GO_SLEEP:
            until = f" (until t = {p.until:.3g} s)" if p.until else ""
            return f"{who} sleeps for {p.duration:.3g} s{until}"
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
            if ev.g == 0:
                who = "the timer"  # only the runtime's timer thread sends from outside
            buffer = self._buffer(ev.obj)
            text = f"{who} sent {ev.value} into {what}"
            return f"{text}: {buffer}" if buffer else text
        if k is Kind.CHAN_RECV:
            return self._recv(ev, p, who, what)
        if k is Kind.CHAN_HANDOFF:
            return self._handoff(ev, p, who, what)
        if k is Kind.CHAN_CLOSE:
            text = f"{who} closed channel {what}"
            if not p.woken:
                return text
            senders = [g for g, _case in p.woken if self.parked.get(g) == "blocked_send"]
            others = [g for g, _case in p.woken if g not in senders]
            parts = []
            if others:
                parts.append(f"waking {self._goroutines(others)} (zero value, ok = false)")
            if senders:
                verb = "panics" if len(senders) == 1 else "panic"
                parts.append(f"{self._goroutines(senders)} {verb}: send on closed channel")
            return f"{text}: " + "; ".join(parts)
        if k is Kind.SELECT:
            return self._select(p, who)
        if k is Kind.LOCK:
            verb = "read-locked" if p.mode == "r" else "locked"
            if p.handed:
                return f"{who} {verb} {what}: an unlock handed it over, and {who} wakes up"
            return f"{who} {verb} {what}"
        if k is Kind.UNLOCK:
            text = f"{who} {'read-unlocked' if p.mode == 'r' else 'unlocked'} {what}"
            if p.woken:
                text += f", waking {self.goroutine(p.woken)} to compete for it"
            return text
        if k is Kind.WG_ADD:
            change = "Done" if p.delta == -1 else f"Add({p.delta})"
            text = f"{who} called {change} on {what}: counter is now {p.counter}"
            if p.woken:
                text += f", releasing {self._goroutines(p.woken)} from Wait"
            return text
        if k is Kind.WG_WAIT:
            return f"{who} called Wait on {what}: the counter is {p.counter}, so it returns at once"
        if k is Kind.COND_SIGNAL:
            verb = "broadcast on" if p.broadcast else "signalled"
            if not p.woken:
                return f"{who} {verb} {what}: no goroutine was waiting"
            return f"{who} {verb} {what}, waking {self._goroutines(p.woken)}"
        if k is Kind.ONCE_DO:
            return f"{who} ran the function of {what}"
        if k is Kind.ATOMIC:
            how = f" ({p.op})" if p.op else ""
            return f"{who} atomically updated {what} to {ev.value}{how}"
        if k is Kind.MEM_READ:
            return f"{who} read {what} = {ev.value}"
        if k is Kind.MEM_WRITE:
            return f"{who} wrote {what} = {ev.value}"
        if k is Kind.TIMER_FIRE:
            at = f" at t = {_seconds(ev.value)}" if ev.value else ""
            into = f", sending the time on {self._chan(p.chan)}" if p.chan else ""
            return f"timer {what} fired{at}{into}"
        if k is Kind.TIMER_STOP or k is Kind.TIMER_RESET:
            return self._timer(ev, p, who, what)
        if k is Kind.CTX_CANCEL:
            cause = f" (cause: {p.cause})" if p.cause else ""
            return f"context {what} ended: {ev.value}{cause}"
        if k is Kind.OBJ_FREE:
            return f"{what or 'an object'} is gone: no goroutine can reach it any more"
        if k is Kind.FAULT:
            return f"a runtime callback failed (the run goes on): {ev.value}"
        if k is Kind.DEADLOCK:
            return ev.value.splitlines()[0] if ev.value else "deadlock"
        if k is Kind.LEAK:
            rec = WaitRecord(*p)
            return f"leaked goroutine: {rec.line() if rec.state else ev.value}"
        if k is Kind.NOTE:
            return ev.value
        if k is Kind.PATTERN:
            return f"{what}: {ev.value}" + (f" ({who})" if ev.g else "")
        if k is Kind.SYNC_MAKE:
            return self._sync_make(ev, p, who, what)
        return f"{who} {k.value} {what} {ev.value}".strip()

    def _block(self, ev: TraceEvent, p: Any, who: str, what: str) -> str:
        state, reason = p.state, p.reason
        if state == "blocked_send":
            cap = self.chan_cap.get(ev.obj)
            if cap is None:
                return f"{who} blocked sending on {what}"
            why = "no receiver is ready" if cap == 0 else f"{self._buffer(ev.obj)} full"
            return f"{who} blocked sending on {what}: {why}"
        if state == "blocked_recv":
            cap = self.chan_cap.get(ev.obj)
            if cap is None:
                return f"{who} blocked receiving from {what}"
            why = "no sender is ready" if cap == 0 else "buffer empty"
            return f"{who} blocked receiving from {what}: {why}"
        if state == "blocked_select":
            cases = []
            for op, chan in p.cases:
                if op == "send":
                    cases.append(f"send on {self._chan(chan)}")
                elif op == "recv":
                    cases.append(f"receive from {self._chan(chan)}")
            return f"{who} blocked in select: no case is ready" + (
                f" (waits to {', '.join(cases)})" if cases else ""
            )
        if state == "blocked_lock":
            return f"{who} waits for {what}: {reason or 'Lock'} (someone else holds it)"
        if state == "blocked_waitgroup":
            return f"{who} waits for {what} to count down to zero"
        if state == "blocked_cond":
            return f"{who} waits on {what} until a Signal or Broadcast wakes it"
        if state == "sleeping":
            return f"{who} sleeps"
        return f"{who} blocked: {reason or state}" + (f" on {what}" if what else "")

    def _recv(self, ev: TraceEvent, p: Any, who: str, what: str) -> str:
        if not p.ok:
            return f"{who} received from closed {what}: zero value, ok = false"
        text = f"{who} received {ev.value} from {what}"
        if p.sender:
            sender = self.goroutine(p.sender)
            case = f" (case {p.case} of its select)" if p.case >= 0 else ""
            text += f"; {sender}'s {p.moved} moved into the freed slot and {sender} wakes up{case}"
        buffer = self._buffer(ev.obj)
        return f"{text}: {buffer}" if buffer else text

    def _handoff(self, ev: TraceEvent, p: Any, who: str, what: str) -> str:
        if ev.g == 0:
            who = "the timer"  # a timer's value handed to a receiver waiting on its channel
        if ev.g == p.receiver and ev.g != p.sender:
            text = f"{who} received {ev.value} from {self.goroutine(p.sender)} on {what}"
        else:
            text = f"{who} handed {ev.value} to {self.goroutine(p.receiver)} on {what}"
        if p.woken and p.case >= 0:
            text += f" (case {p.case} of {self.goroutine(p.woken)}'s select)"
        return text

    def _select(self, p: Any, who: str) -> str:
        picked = p.picked
        if picked < 0:
            return f"{who} select took the default case: no case was ready"
        cases, ready = p.cases, p.ready
        case = ""
        if 0 <= picked < len(cases):
            op, chan = cases[picked]
            case = f" ({op} on {self._chan(chan)})"
        among = f" among {len(ready)} ready cases" if len(ready) > 1 else ""
        return f"{who} select picked case {picked}{case}{among}"

    def _timer(self, ev: TraceEvent, p: Any, who: str, what: str) -> str:
        if ev.kind is Kind.TIMER_STOP:
            text = f"{who} stopped timer {what}"
            text += ": it had not fired yet" if p.active else ": it had already fired or stopped"
        else:
            text = f"{who} reset timer {what} to {p.duration:.3g} s"
            text += " before it fired" if p.active else ""
        if p.drained:
            text += f"; the value waiting in {self._chan(p.chan)} was dropped"
        return text

    def _sync_make(self, ev: TraceEvent, p: Any, who: str, what: str) -> str:
        text = f"{who} made {ev.value} {what}"
        facts = []
        if ev.value == "Context":
            if p.how:
                facts.append(p.how)
            if p.parent:
                facts.append(f"child of {self.obj_names.get(p.parent) or f'#{p.parent}'}")
            if p.deadline is not None:
                facts.append(f"deadline t = {p.deadline:.3g} s")
        elif ev.value in ("Timer", "Ticker") and p.period is not None:
            facts.append(f"every {p.period:.3g} s" if ev.value == "Ticker" else f"{p.period:.3g} s")
        return f"{text} ({', '.join(facts)})" if facts else text


def _woken_by(ev: TraceEvent) -> tuple[int, ...]:
    """:func:`core.trace.woken_by`; () for a payload of the wrong shape."""
    try:
        return woken_by(ev)
    except (TypeError, ValueError, IndexError):
        return ()


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
        # Kind value prefixes, "|"-separated ("chan." matches every channel event); "" any
        self._kind = ""
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
        if self._kind and not r[3].startswith(tuple(self._kind.split("|"))):
            return False
        return not (self._hide_gates and r[6] in (Kind.GO_GATE, Kind.GO_STEP))


# The kind filter's choices: label, Kind value prefixes ("|"-separated).
_KIND_CHOICES = (
    ("All kinds", ""),
    ("Goroutines", "go."),
    ("Channels", "chan."),
    ("Select", "select"),
    ("Locks", "lock|unlock|cond."),
    ("WaitGroups", "wg."),
    ("Memory (read/write)", "mem."),
    ("Timers", "timer."),
    ("Context", "ctx."),
    ("Notes", "note"),
    ("Panics", "go.panic"),
    ("Deadlock / leaks", "deadlock|leak|fault"),
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
            Kind.CHAN_HANDOFF: theme.qcolor("running"),
            Kind.FAULT: theme.qcolor("warning"),
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
            # Qt takes no source model (nullptr); PySide6's stub does not say so.
            self.proxy.setSourceModel(self.model if want else None)  # type: ignore[arg-type]
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

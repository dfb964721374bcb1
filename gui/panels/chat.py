"""The chat lesson's panel: members, every member's inbox, post as anyone.

Everything typed is plain text: inboxes are ``QPlainTextEdit`` widgets fed
with ``appendPlainText``, member names go into plain list items, so a line
like ``<b>hi</b>`` shows exactly those characters.

Membership lives in the lesson: joining, leaving and posting are the
lesson's actions that take an argument (``join-as``, ``leave-as``,
``post-as``), injected through the player like every teacher action. They
run in goroutines of the lesson (they lock the room's mutex, which a
goroutine paused at the gate may hold, so never on the GUI thread), and say
what they did in a note, which the panel's status line shows. Reading an
inbox (``ChatClient.lines``) never blocks and is done directly.

The counts (delivered, dropped, unread) come from the trace, not from
``Chat.statistics()`` (which would take the room's mutex): a line reaches
an inbox as a ``CHAN_SEND`` (into its buffer) or a ``CHAN_HANDOFF`` (to a
reader waiting) on the channel ``"<member> inbox"``, and a line a full inbox
misses is the broadcaster's ``select`` taking its ``default`` case on that
channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.trace import Kind, TraceEvent
from gui import resources
from gui.panels import discard as _discard
from gui.theme import Theme

__all__ = ["ChatPanel", "InboxView"]

_MAX_LINES = 2_000  # per inbox view
_ACTORS = frozenset({"teacher:join-as", "teacher:leave-as", "teacher:post-as"})


@dataclass
class InboxCount:
    """One member's inbox as the trace shows it."""

    chan: int
    cap: int
    delivered: int = 0
    dropped: int = 0
    waiting: int = 0


class InboxCounts:
    """Deliveries and drops per member, read from trace events (never blocks)."""

    SUFFIX = " inbox"  # the chat names each member's channel "<member> inbox"

    def __init__(self) -> None:
        self.members: dict[str, InboxCount] = {}  # in the order they joined
        self.left: set[str] = set()
        self._by_chan: dict[int, str] = {}

    @property
    def delivered(self) -> int:
        return sum(m.delivered for m in self.members.values())

    @property
    def dropped(self) -> int:
        return sum(m.dropped for m in self.members.values())

    def apply(self, batch: list[TraceEvent]) -> None:
        for ev in batch:
            k = ev.kind
            if k is Kind.CHAN_MAKE and ev.obj_name.endswith(self.SUFFIX):
                member = ev.obj_name[: -len(self.SUFFIX)]
                self.members[member] = InboxCount(ev.obj, int(ev.payload.cap))
                self.left.discard(member)
                self._by_chan[ev.obj] = member
                continue
            user = self._by_chan.get(ev.obj)
            if user is None and k is not Kind.SELECT:
                continue
            if k is Kind.CHAN_SEND and user is not None:
                m = self.members[user]
                m.delivered += 1
                m.waiting = ev.payload.length
            elif k is Kind.CHAN_HANDOFF and user is not None:
                # Straight to a reader waiting on the inbox: delivered, nothing left waiting.
                self.members[user].delivered += 1
            elif k is Kind.CHAN_RECV and user is not None:
                p = ev.payload
                m = self.members[user]
                m.waiting = p.length
                if p.sender:  # a parked sender's line moved into the freed slot
                    m.delivered += 1
            elif k is Kind.CHAN_CLOSE and user is not None:
                self.left.add(user)
            elif k is Kind.SELECT:
                p = ev.payload
                # The broadcaster's non-blocking send took default: that inbox was full.
                if p.picked == -1 and len(p.cases) == 1 and p.cases[0][0] == "send":
                    missed = self._by_chan.get(p.cases[0][1])
                    if missed is not None:
                        self.members[missed].dropped += 1


class InboxView(QWidget):
    """One member's inbox: a heading with counts, then the lines it read."""

    def __init__(self, user: str) -> None:
        super().__init__()
        self.user = user
        self.shown = 0  # lines of the client's ``received`` already shown
        self.title = QLabel(user)
        self.title.setObjectName("sectionHeader")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.counts = QLabel("")
        self.counts.setObjectName("hint")
        self.counts.setTextFormat(Qt.TextFormat.PlainText)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(_MAX_LINES)
        self.text.setMinimumWidth(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.counts)
        layout.addWidget(self.text, 1)

    def lines(self) -> list[str]:
        return self.text.toPlainText().splitlines()


class ChatPanel(QWidget):
    """A live view of the chat lesson's room; the teacher can join, leave and post.

    Reads the lesson's members (``scenario.clients``: name -> ``ChatClient``)
    and acts through *act* (the player's ``act``): the lesson's ``join-as``,
    ``leave-as`` and ``post-as``.
    """

    REFRESH_MS = 100

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._run: Any = None
        self._act: Callable[..., Any] | None = None  # the player's act
        self._views: dict[str, InboxView] = {}
        self._counts = InboxCounts()
        # Goroutines of the panel's actions ("teacher:join-as" ...): their notes are
        # the panel's status line.
        self._actors: set[int] = set()

        self.members = QListWidget()
        self.members.setMaximumWidth(260)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("name of a new member")
        self.name_edit.setMaxLength(32)
        self.name_edit.returnPressed.connect(self._on_join_clicked)
        self.join_button = QPushButton("Join")
        self.join_button.setToolTip("A new member joins the room with its own inbox")
        self.join_button.clicked.connect(self._on_join_clicked)
        self.leave_button = QPushButton("Leave")
        self.leave_button.setToolTip("The selected member leaves: its inbox is closed")
        self.leave_button.clicked.connect(self._on_leave_clicked)
        self.totals = QLabel("")
        self.totals.setWordWrap(True)
        self.totals.setTextFormat(Qt.TextFormat.PlainText)

        self.author = QComboBox()
        self.author.setToolTip("Post as this member")
        self.message = QLineEdit()
        self.message.setPlaceholderText("type a line and press Enter (plain text)")
        self.message.setMaxLength(500)
        self.message.returnPressed.connect(self._on_send_clicked)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self._on_send_clicked)

        self._inbox_host = QWidget()
        self._inbox_grid = QGridLayout(self._inbox_host)
        self._inbox_grid.setContentsMargins(0, 0, 0, 0)
        inbox_scroll = QScrollArea()
        inbox_scroll.setWidgetResizable(True)
        inbox_scroll.setWidget(self._inbox_host)

        left = QVBoxLayout()
        heading = QLabel("Members")
        heading.setObjectName("sectionHeader")
        left.addWidget(heading)
        left.addWidget(self.members, 1)
        join_row = QHBoxLayout()
        join_row.addWidget(self.name_edit, 1)
        join_row.addWidget(self.join_button)
        left.addLayout(join_row)
        left.addWidget(self.leave_button)
        left.addWidget(self.totals)

        post_row = QHBoxLayout()
        post_row.addWidget(QLabel("Post as"))
        post_row.addWidget(self.author)
        post_row.addWidget(self.message, 1)
        post_row.addWidget(self.send_button)
        self.status = QLabel("")
        self.status.setObjectName("hint")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        right = QVBoxLayout()
        inbox_heading = QLabel("Inboxes: what each member has read")
        inbox_heading.setObjectName("sectionHeader")
        right.addWidget(inbox_heading)
        right.addWidget(inbox_scroll, 1)
        right.addLayout(post_row)
        right.addWidget(self.status)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(left)
        layout.addLayout(right, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(self.REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.set_theme(theme)
        self._set_enabled(False)

    # -- wiring ------------------------------------------------------------------

    def attach(self, run: Any, act: Callable[..., Any] | None = None) -> None:
        """Follow the chat room of *run* (a ``ScenarioRun`` of the chat lesson);
        act through *act* (``act(name, *args)``, the player's; default ``run.act``)."""
        self.detach()
        self._run = run
        self._act = act if act is not None else run.act
        self._set_enabled(True)
        self._timer.start()

    def detach(self) -> None:
        """Stop following the room (the run's stop ends the members' goroutines)."""
        self._timer.stop()
        self._run = None
        self._act = None
        self._counts = InboxCounts()
        self._actors = set()
        for v in self._views.values():
            self._inbox_grid.removeWidget(v)
            _discard(v)
        self._views = {}
        self.members.clear()
        self.author.clear()
        self.totals.setText("")
        self._set_enabled(False)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.join_button.setIcon(resources.icon("user-plus", theme.text))
        self.leave_button.setIcon(resources.icon("user-minus", theme.text))
        self.send_button.setIcon(resources.icon("send", theme.accent))

    @property
    def _chat(self) -> Any:
        """The lesson's room (``None`` until its ``run`` has made it)."""
        return getattr(self._run.scenario, "chat", None) if self._run is not None else None

    def _set_enabled(self, on: bool) -> None:
        for w in (self.join_button, self.leave_button, self.send_button, self.message):
            w.setEnabled(on)

    # -- reading the room (GUI thread, never blocks) --------------------------------

    def clients(self) -> dict[str, Any]:
        """Every member whose inbox can be shown (name -> the lesson's ``ChatClient``)."""
        run = self._run
        members = getattr(run.scenario, "clients", None) if run is not None else None
        return dict(members or {})

    def inbox(self, user: str) -> list[str]:
        """The lines shown in *user*'s inbox view."""
        v = self._views.get(user)
        return v.lines() if v is not None else []

    def apply_events(self, batch: list[TraceEvent]) -> None:
        """Count deliveries and drops from the run's trace (the window's bridge batches),
        and show what the panel's actions said (their notes)."""
        self._counts.apply(batch)
        for ev in batch:
            if ev.kind is Kind.GO_CREATE and ev.obj_name in _ACTORS:
                self._actors.add(ev.obj)
            elif ev.kind is Kind.NOTE and ev.g in self._actors:
                self.status.setText(ev.value)

    def refresh(self) -> None:
        """Show new inbox lines and the counts."""
        if self._chat is None:
            return
        counts = self._counts
        clients = self.clients()
        members = list(counts.members)
        for user in [*members, *clients]:
            if user not in self._views:
                self._add_view(user)
        for user, view in self._views.items():
            client = clients.get(user)
            if client is not None:
                self._show_new_lines(view, client)
            if user in counts.left:
                view.counts.setText("left the chat")
            elif user in counts.members:
                m = counts.members[user]
                view.counts.setText(
                    f"delivered {m.delivered} · dropped {m.dropped} · unread {m.waiting}/{m.cap}"
                )
        self._sync_member_lists([u for u in members if u not in counts.left])
        self.totals.setText(
            f"Delivered: {counts.delivered}\nDropped (inbox full): {counts.dropped}"
        )

    def _add_view(self, user: str) -> None:
        view = InboxView(user)
        i = len(self._views)
        self._inbox_grid.addWidget(view, i // 4, i % 4)
        self._views[user] = view

    def _show_new_lines(self, view: InboxView, client: Any) -> None:
        received = client.received
        new = received - view.shown
        if new <= 0:
            return
        lines = client.lines()
        for line in lines[-min(new, len(lines)) :]:
            view.text.appendPlainText(line)
        view.shown = received

    def _sync_member_lists(self, members: list[str]) -> None:
        current = [self.members.item(i).text() for i in range(self.members.count())]
        if current == members:
            return
        selected = self.members.currentItem().text() if self.members.currentItem() else None
        author = self.author.currentText()
        self.members.clear()
        self.members.addItems(members)
        self.author.clear()
        self.author.addItems(members)
        if selected in members:
            self.members.setCurrentRow(members.index(selected))
        if author in members:
            self.author.setCurrentText(author)

    # -- acting on the room (the lesson's actions, through the player) -----------------

    def _do(self, action: str, *args: str) -> bool:
        """Inject the lesson's *action* with *args*; False if nothing runs."""
        run, act = self._run, self._act
        if run is None or act is None or self._chat is None or run.runtime.stopped:
            return False
        return act(action, *args) is not None

    def join(self, user: str) -> bool:
        """*user* joins the room (the lesson's ``join-as``). False if nothing runs."""
        user = user.strip()
        return bool(user) and self._do("join-as", user)

    def leave(self, user: str) -> bool:
        """Member *user* leaves the room: its inbox is closed (``leave-as``)."""
        return self._do("leave-as", user)

    def post(self, user: str, text: str) -> bool:
        """Post *text* (plain, as typed) as member *user* (``post-as``)."""
        return bool(user) and self._do("post-as", user, text)

    def _on_join_clicked(self) -> None:
        if self.join(self.name_edit.text()):
            self.name_edit.clear()

    def _on_leave_clicked(self) -> None:
        item = self.members.currentItem()
        if item is None:
            self.status.setText("Select a member to leave.")
            return
        self.leave(item.text())

    def _on_send_clicked(self) -> None:
        text = self.message.text()
        user = self.author.currentText()
        if not text:
            return
        if not user:
            self.status.setText("Nobody to post as: join a member first.")
            return
        if self.post(user, text):
            self.message.clear()

"""Lesson "chat": a chat room where one slow reader cannot slow the room down.

A few simulated members post lines at a human pace; every line goes to each
member's inbox without waiting (the room is a broadcast). Member "sam"
reads slowly: its inbox fills, then it misses lines (dropped), while the
others chat on.

Membership lives here only. The window's chat panel joins, leaves and posts
through the actions that take an argument (``join-as``, ``leave-as``,
``post-as``), injected through the player like any teacher action: each runs
in a goroutine of the lesson and says what it did in a note.
``scenario.clients`` maps the name of every member (the panel's too) to its
:class:`~core.patterns.chat.ChatClient`; that dict is replaced, never
changed in place, so a reader may iterate the one it got.
"""

from __future__ import annotations

from typing import ClassVar

from core.patterns.chat import Chat, ChatClient
from core.runtime import Mutex, WaitGroup
from core.runtime.context import CancelFunc, Context, with_cancel
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._pacing import Rates

__all__ = ["ChatScenario"]

_SAMPLE = 0.5  # runtime seconds between metric samples
SLOW_MEMBER = "sam"
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
PHRASES = (
    "hi all",
    "anyone tried the new release?",
    "brb, coffee",
    "LGTM",
    "select picks a ready case at random",
    "who closed the channel?",
    "a nil channel blocks forever",
    "<b>this stays plain text</b>",
    "ship it 🚀",
    "did you defer the unlock?",
    "context canceled, going home",
    "buffered channels are not queues of infinite size",
)


class ChatScenario(Scenario):
    """Simulated members chatting, plus a slow reader who misses lines."""

    id = "chat"
    title = "Chat: a room that never waits for a slow reader"
    chapter = "Broadcast"
    summary = (
        "Members post lines that go to every inbox without waiting; the slow reader's inbox "
        "fills and it misses lines, while the others chat on."
    )
    params: ClassVar[tuple[Param, ...]] = (
        Param(
            "members",
            int,
            3,
            "Simulated members who chat (the slow reader comes on top)",
            minimum=1,
            maximum=6,
            unit="members",
        ),
        Param(
            "talk_interval",
            float,
            2.0,
            "Average time between two lines of one member (random, ±50 %)",
            minimum=0.3,
            maximum=10.0,
            unit="s",
        ),
        Param(
            "inbox",
            int,
            4,
            "Lines a member's inbox holds before it misses lines",
            minimum=1,
            maximum=32,
            unit="lines",
        ),
        Param(
            "slow_delay",
            float,
            2.0,
            f"Time {SLOW_MEMBER}, the slow member, takes per line",
            minimum=0.1,
            maximum=5.0,
            unit="s",
        ),
    )
    actions: ClassVar[tuple[Action, ...]] = (
        Action("join", "Join", "A new member joins the room and starts chatting"),
        Action("leave", "Leave", "The newest chatting member leaves: its inbox is closed"),
        Action(
            "slow-member",
            "Slow member",
            f"Toggle {SLOW_MEMBER} between a slow reader and a fast one",
        ),
    )
    arg_actions: ClassVar[tuple[Action, ...]] = (
        Action("join-as", "Join as", "A member of the given name joins (the chat panel)"),
        Action("leave-as", "Leave as", "The member of the given name leaves"),
        Action("post-as", "Post as", "Post the given line as the given member"),
    )
    metrics: ClassVar[tuple[Metric, ...]] = (
        Metric("delivered", "lines/s", "Lines put into members' inboxes per second"),
        Metric(
            "dropped", "lines/s", "Lines members missed per second because their inbox was full"
        ),
        Metric("slow_inbox", "lines", f"Lines waiting in {SLOW_MEMBER}'s inbox"),
        Metric("members", "members", "Members in the room, the panel's included"),
    )
    source_modules = ("core.patterns.chat", "core.scenarios.chat")
    # The room's own locks and each member's context are bookkeeping: the lesson is
    # the members, their inboxes and the select that never waits for a full one.
    plumbing = ("members.mu", "chat.mu", "chat.hub.mu", "*Ctx", "*Ctx.Done")

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        # Set by run(): the room, and the members this scenario runs (name -> client;
        # the dict is replaced, never changed in place).
        self.chat: Chat | None = None
        self.clients: dict[str, ChatClient] = {}

    def run(self, ctx: Context) -> None:
        self._ctx = ctx
        self._mu = Mutex(name="members.mu")
        self._talkers: dict[str, CancelFunc] = {}  # guarded by _mu, in join order
        self._stopping = False  # guarded by _mu: nobody joins once run is finishing
        self._wg = WaitGroup(name="talkers")
        self.clients = {}
        self.chat = Chat(self["inbox"])
        for name in NAMES[: self["members"]]:
            self._join(name)
        self._join(SLOW_MEMBER, slow=True)

        rates = Rates()
        try:
            for t in self.ticks(ctx, _SAMPLE):
                stats = self.chat.statistics()
                slow = stats.members.get(SLOW_MEMBER)
                self.record_many(
                    **rates.update(t, delivered=stats.delivered, dropped=stats.dropped),
                    slow_inbox=slow.waiting if slow else 0,
                    members=len(stats.members),
                )
        finally:
            with self._mu:
                self._stopping = True
                clients = self.clients
            for client in clients.values():
                client.stop()
            self._wg.wait()  # the talkers end with ctx

    def _join(self, name: str, slow: bool = False, talks: bool = True) -> bool:
        """Add member *name* (a reader, and a talker unless *slow* or not *talks*);
        False if it cannot (the lesson is ending).

        Raises:
            ValueError: the name is taken.
        """
        assert self.chat is not None  # run() made the room before any member joins
        with self._mu:
            if self._stopping:
                return False
            client = ChatClient(self.chat, name, delay=self["slow_delay"] if slow else 0.0)
            self.clients = {**self.clients, name: client}
            if talks and not slow:
                talk_ctx, cancel = with_cancel(self._ctx, name=f"{name}Ctx")
                self._talkers[name] = cancel
                self._wg.go(self._talk, talk_ctx, name, name=name)
            return True

    def _talk(self, ctx: Context, user: str) -> None:
        assert self.chat is not None  # run() made the room before any talker
        for _ in self.paced(ctx, 1.0 / self["talk_interval"], name="talk"):
            try:
                self.chat.post(user, self.rng.choice(PHRASES))
            except ValueError:  # left the room meanwhile
                return

    # -- teacher actions ------------------------------------------------------

    def on_join(self) -> None:
        if self.chat is None:
            return
        for name in NAMES:
            if name in self.clients:
                continue
            try:
                if self._join(name):
                    self.note(f"{name} joins: a new inbox, and every line from now on")
                return
            except ValueError:  # the chat panel took that name
                continue
        self.note("no more names: the room is full")

    def on_leave(self) -> None:
        if self.chat is None:
            return
        with self._mu:
            if not self._talkers:
                self.note("no chatting member left to leave")
                return
            name = next(reversed(self._talkers))
            cancel = self._talkers.pop(name)
            client = self.clients[name]
            self.clients = {n: c for n, c in self.clients.items() if n != name}
        cancel()
        client.stop()
        self.note(f"{name} leaves: its inbox is closed and its reader ends")

    # -- the chat panel's actions (they take the member's name) --------------------

    def on_join_as(self, user: str) -> None:
        """*user* joins from the panel: a reader whose lines the teacher types."""
        user = str(user).strip()
        if self.chat is None or not user:
            return
        try:
            if self._join(user, talks=False):
                self.note(f"{user} joined the chat.")
        except ValueError:
            self.note(f"The name {user} is taken: choose another.")

    def on_leave_as(self, user: str) -> None:
        """*user* leaves: its talker (if any) stops, its inbox is closed."""
        if self.chat is None:
            return
        with self._mu:
            client = self.clients.get(user)
            cancel = self._talkers.pop(user, None)
            if client is not None:
                self.clients = {n: c for n, c in self.clients.items() if n != user}
        if client is None:
            self.note(f"{user} is not in the chat.")
            return
        if cancel is not None:
            cancel()
        client.stop()
        self.note(f"{user} left the chat.")

    def on_post_as(self, user: str, text: str) -> None:
        """Post *text* (plain, as typed) as *user*."""
        if self.chat is None:
            return
        try:
            n = self.chat.post(user, text)
        except ValueError:
            self.note(f"{user} is not in the chat: join first.")
            return
        self.note(f"{user}'s line reached {n} inbox{'es' if n != 1 else ''}.")

    def on_slow_member(self) -> None:
        client = self.clients.get(SLOW_MEMBER)
        if client is None:
            return
        if client.delay > 0:
            client.delay = 0.0
            self.note(f"{SLOW_MEMBER} reads at full speed again and catches up")
        else:
            client.delay = self["slow_delay"]
            self.note(f"{SLOW_MEMBER} reads slowly: its inbox fills, then it misses lines")

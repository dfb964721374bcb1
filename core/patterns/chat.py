"""A chat room: members join, post lines, leave; a slow member misses lines.

:class:`Chat` is the walkthrough's broadcast applied: every member has an
inbox channel, and each line is offered to every inbox without waiting (a
:class:`~core.patterns.broadcast.MessageBroadcaster` underneath). A member
who reads too slowly fills its inbox and then misses lines, which are
counted as dropped, while everybody else keeps chatting.

The author gets its own lines. Every member receives every line sent while
it is a member, its own included: ``"alice joined the chat"`` (the joiner
too), ``"alice: text"`` (the author too), ``"alice left the chat"`` (not the
one who left: its inbox is closed first). So each member's inbox is the
whole room's transcript, in one order shared by every member.

Text is plain: it is carried exactly as typed, never interpreted or escaped.

:class:`ChatClient` is a member that reads its inbox on its own goroutine and
keeps the lines it received, optionally pausing after each one (a slow
reader).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from core.patterns.broadcast import MessageBroadcaster
from core.runtime import Chan, Mutex, Once, Recv, after, go, select

__all__ = ["Chat", "ChatClient", "ChatStats", "MemberStats"]


@dataclass(frozen=True)
class MemberStats:
    """What one member's inbox got and missed."""

    delivered: int  # lines put in its inbox
    dropped: int  # lines it missed because its inbox was full
    waiting: int  # lines in its inbox not read yet
    cap: int  # the inbox capacity


@dataclass(frozen=True)
class ChatStats:
    """A snapshot of a :class:`Chat`. Totals include members who left."""

    lines: int  # lines sent to the room (joins, posts, leaves)
    delivered: int
    dropped: int
    members: dict[str, MemberStats]


class Chat:
    """A chat room of named members, each with an inbox channel of capacity *buffer*.

    ``join``, ``post`` and ``leave`` block only briefly, on the room's mutex
    (it keeps the member list and the order of lines consistent); none of
    them ever waits for a member to read.

    Go::

        func (c *Chat) Post(user, text string) error {
            c.mu.Lock(); defer c.mu.Unlock()
            if _, ok := c.members[user]; !ok { return ErrNotJoined }
            c.hub.Broadcast(user + ": " + text) // skips full inboxes
            return nil
        }

    Raises:
        ValueError: *buffer* is negative.
    """

    def __init__(self, buffer: int = 16, *, name: str = "chat") -> None:
        self.name = name
        self._mu = Mutex(name=f"{name}.mu")
        self._hub = MessageBroadcaster(buffer, name=f"{name}.hub")
        self._members: dict[str, int] = {}  # user -> hub subscriber id, guarded by _mu

    @property
    def buffer(self) -> int:
        """The capacity of each member's inbox."""
        return self._hub.buffer

    def join(self, user: str) -> Chan:
        """Add member *user*; returns its inbox, where it receives the room's lines.

        Everyone, *user* included, receives ``"<user> joined the chat"``.

        Raises:
            ValueError: *user* is not a non-empty string, or the name is taken.
        """
        if not isinstance(user, str) or not user.strip():
            raise ValueError(f"a member name must be a non-empty string, got {user!r}")
        with self._mu:
            if user in self._members:
                raise ValueError(f"the name {user!r} is taken")
            sub_id, inbox = self._hub.subscribe(name=f"{user} inbox")
            self._members[user] = sub_id
            self._hub.broadcast(f"{user} joined the chat")
            return inbox

    def post(self, user: str, text: str) -> int:
        """Send ``"<user>: <text>"`` to every member, *user* included.

        *text* is carried as it is. A member whose inbox is full misses it.

        Returns:
            How many members got the line.

        Raises:
            ValueError: *user* is not a member.
        """
        with self._mu:
            if user not in self._members:
                raise ValueError(f"{user!r} has not joined the chat")
            return self._hub.broadcast(f"{user}: {text}")

    def leave(self, user: str) -> bool:
        """Remove member *user*: its inbox is closed, then the others receive
        ``"<user> left the chat"``. Leaving twice (or never having joined)
        does nothing.

        Returns:
            True if *user* was a member.
        """
        with self._mu:
            sub_id = self._members.pop(user, None)
            if sub_id is None:
                return False
            self._hub.unsubscribe(sub_id)
            self._hub.broadcast(f"{user} left the chat")
            return True

    def members(self) -> list[str]:
        """The members' names, in the order they joined."""
        with self._mu:
            return list(self._members)

    def statistics(self) -> ChatStats:
        """Lines sent, delivered and dropped, in total and per current member."""
        with self._mu:
            hub = self._hub.statistics()
            members = {}
            for user, sub_id in self._members.items():
                s = hub.subscribers[sub_id]
                members[user] = MemberStats(s.delivered, s.dropped, s.length, s.cap)
            return ChatStats(hub.broadcasts, hub.delivered, hub.dropped, members)


class ChatClient:
    """A member that reads its inbox on its own goroutine and keeps what it read.

    Joining happens in the constructor (``ValueError`` if the name is taken).
    The reader goroutine, named ``"<user> reader"``, receives each line,
    stores it, then waits *delay* seconds of runtime clock (0: none) before
    reading the next one: a slow reader whose inbox fills and who then
    misses lines. ``delay`` may be changed while it runs.

    ``lines()`` never blocks (a plain lock guards the stored lines, held for
    an append or a copy), so any thread may call it. The last *keep* lines
    are kept; ``received`` counts them all.
    """

    def __init__(self, chat: Chat, user: str, *, delay: float = 0.0, keep: int = 1000) -> None:
        self.chat = chat
        self.user = user
        self.delay = delay
        self.inbox = chat.join(user)
        self._quit = Chan(0, name=f"{user} quit")
        self._quit_once = Once(name=f"{user} quit.once")
        self._lock = threading.Lock()  # bookkeeping only; never held while blocking
        self._lines: deque[str] = deque(maxlen=keep)  # guarded by _lock
        self._received = 0  # guarded by _lock
        self._reader = go(self._read, name=f"{user} reader")

    def _read(self) -> None:
        while True:
            i, line, ok = select(Recv(self.inbox), Recv(self._quit))
            if i == 1 or not ok:
                return
            with self._lock:
                self._lines.append(line)
                self._received += 1
            delay = self.delay
            if delay > 0:
                i, _, _ = select(Recv(self._quit), Recv(after(delay)))
                if i == 0:
                    return

    @property
    def received(self) -> int:
        """How many lines the reader has taken from the inbox."""
        with self._lock:
            return self._received

    @property
    def alive(self) -> bool:
        """Whether the reader goroutine still runs."""
        return self._reader.alive

    def lines(self, start: int = 0) -> list[str]:
        """A copy of the kept lines (from index *start* of the kept ones). Never blocks."""
        with self._lock:
            return list(self._lines)[start:]

    def stop(self, timeout: float = 2.0) -> bool:
        """Leave the chat and stop the reader; returns whether it ended within *timeout*.

        Safe to call more than once. Blocks up to *timeout* wall seconds for
        the reader to finish.
        """
        self.chat.leave(self.user)
        self._quit_once.do(self._quit.close)
        return self._reader.join(timeout)

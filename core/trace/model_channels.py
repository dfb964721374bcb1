"""How :class:`~core.trace.model.RunModel` folds channel and ``select`` events.

A mixin of RunModel: the handlers of CHAN_MAKE, CHAN_SEND, CHAN_RECV,
CHAN_HANDOFF, CHAN_CLOSE and SELECT (named in ``core.trace.model._HANDLERS``),
writing RunModel's ``channels``, ``selects`` and ``goroutines`` and the
current diff. It keeps no state of its own; RunModel defines every helper it
calls (declared below for mypy only).

Invariants each handler keeps, for an exact trace:
  - a channel's ``buffer`` holds exactly the runtime's buffer: a send appends,
    a receive pops the oldest, a receive that frees a slot for a parked sender
    appends that sender's value; a length the event reports that differs
    counts one ``mismatches``;
  - every goroutine an event wakes (a handoff's parked side, a close's
    waiters, a parked select) is made runnable by that same event, and a
    parked select it completes counts the case it names;
  - each value that moves is one :class:`~core.trace.views.Transfer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.trace.events import Kind, TraceEvent, decode
from core.trace.views import (
    ChannelView,
    GoroutineView,
    RunDiff,
    SelectView,
    Transfer,
)

__all__ = ["ChannelHandlers"]


class ChannelHandlers:
    """RunModel's handlers of channel and ``select`` events (a mixin)."""

    # RunModel's state these handlers read and write (set in RunModel.reset).
    goroutines: dict[int, GoroutineView]
    channels: dict[int, ChannelView]
    selects: dict[int, SelectView]
    mismatches: int
    _d: RunDiff

    if TYPE_CHECKING:
        # RunModel's helpers (core.trace.model), declared for mypy only.
        def _g(self, gid: int, t: float, name: str = "") -> GoroutineView: ...
        def _actor(self, ev: TraceEvent) -> GoroutineView | None: ...
        def _run(self, g: GoroutineView, t: float) -> None: ...
        def _ready(self, gid: int, t: float) -> GoroutineView | None: ...
        def _chan(self, cid: int, name: str, t: float) -> ChannelView: ...
        def _transfer(self, tr: Transfer) -> None: ...
        def object_name(self, obj: int) -> str: ...

    # -- channels -------------------------------------------------------------

    def _chan_make(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        c.cap = decode(Kind.CHAN_MAKE, ev.extra).cap
        if ev.obj_name:
            c.name = ev.obj_name
        self._d.channels.add(c.id)
        self._actor(ev)

    def _used_by(self, c: ChannelView, gid: int, writer: bool) -> None:
        users = c.writers if writer else c.readers
        if gid and gid not in users:
            users.add(gid)
            self._d.structure = True

    def _chan_send(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        g = self._actor(ev)
        d = self._d
        c.last_t = ev.t
        if g is not None:
            self._used_by(c, g.id, True)
            g.activity, g.activity_on = f"sent {ev.value} on {c.name}", c.id
        c.sent += 1
        c.buffer.append(ev.value)
        n = decode(Kind.CHAN_SEND, ev.extra).length
        if n != len(c.buffer):
            self.mismatches += 1
        self._transfer(
            Transfer("to_slot", c.id, ev.value, ev.g, 0, len(c.buffer) - 1, 0, 0, ev.seq)
        )
        d.channels.add(c.id)

    def _chan_recv(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        g = self._actor(ev)
        d = self._d
        c.last_t = ev.t
        if g is not None:
            self._used_by(c, g.id, False)
        p = decode(Kind.CHAN_RECV, ev.extra)
        gid = ev.g
        if not p.ok:
            c.closed = True
            if g is not None:
                g.activity, g.activity_on = f"{c.name} is closed: zero value, ok=false", c.id
            self._transfer(Transfer("closed", c.id, "closed", dst=gid, seq=ev.seq))
            d.channels.add(c.id)
            return
        c.received += 1
        if c.buffer:
            c.buffer.popleft()
        else:
            self.mismatches += 1
        if g is not None:
            g.activity, g.activity_on = f"received {ev.value} from {c.name}", c.id
        self._transfer(Transfer("from_slot", c.id, ev.value, 0, gid, 0, 0, 0, ev.seq))
        if p.sender:
            # The freed slot took a parked sender's value: that sender's send is done.
            c.sent += 1
            c.buffer.append(p.moved)
            self._used_by(c, p.sender, True)
            s = self._ready(p.sender, ev.t)
            if s is not None:
                s.activity, s.activity_on = f"sent {p.moved} on {c.name}", c.id
            self._select_woken(p.sender, p.case, ev)
            self._transfer(
                Transfer("to_slot", c.id, p.moved, p.sender, 0, len(c.buffer) - 1, 0, 0, ev.seq)
            )
        if p.length != len(c.buffer):
            self.mismatches += 1
        d.channels.add(c.id)

    def _chan_handoff(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        self._actor(ev)
        p = decode(Kind.CHAN_HANDOFF, ev.extra)
        c.last_t = ev.t
        c.sent += 1
        c.received += 1
        self._used_by(c, p.sender, True)
        self._used_by(c, p.receiver, False)
        woken = self._ready(p.woken, ev.t)
        self._select_woken(p.woken, p.case, ev)
        for gid, text in (
            (p.sender, f"sent {ev.value} on {c.name}"),
            (p.receiver, f"received {ev.value} from {c.name}"),
        ):
            g = self.goroutines.get(gid)
            if g is not None:
                g.activity, g.activity_on = text, c.id
        if woken is not None:
            self._d.goroutines.add(woken.id)
        self._transfer(
            Transfer("handoff", c.id, ev.value, src=p.sender, dst=p.receiver, seq=ev.seq)
        )
        self._d.channels.add(c.id)

    def _chan_close(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        d = self._d
        c.closed = True
        c.closed_by = ev.g
        c.last_t = ev.t
        g = self._actor(ev)
        if g is not None:
            g.activity, g.activity_on = f"closed {c.name}", c.id
            self._used_by(c, g.id, True)
        # Broadcast: the close reaches every parked receiver, sender and select at once.
        for gid, case in decode(Kind.CHAN_CLOSE, ev.extra).woken:
            self._ready(gid, ev.t)
            self._select_woken(gid, case, ev)
            self._transfer(Transfer("closed", c.id, "closed", dst=gid, seq=ev.seq))
        d.channels.add(c.id)

    def _select_woken(self, gid: int, case: int, ev: TraceEvent) -> None:
        """A parked select of *gid* was completed by *ev*'s channel, on *case*."""
        if case < 0 or not gid:
            return
        sel = self.selects.get(gid)
        if sel is None:
            sel = self.selects[gid] = SelectView(gid)
        self._count_pick(sel, case, (case,), ev.t)
        g = self.goroutines.get(gid)
        if g is not None:
            g.activity, g.activity_on = (
                f"select: case {case} ({self.object_name(ev.obj) or ev.obj})",
                ev.obj,
            )

    @staticmethod
    def _count_pick(sel: SelectView, picked: int, ready: tuple, t: float) -> None:
        sel.ready = ready
        sel.picked = picked
        sel.t = t
        sel.wins[picked] = sel.wins.get(picked, 0) + 1
        sel.count += 1

    def _select(self, ev: TraceEvent) -> None:
        if not ev.g:
            return
        g = self._g(ev.g, ev.t)
        self._run(g, ev.t)
        p = decode(Kind.SELECT, ev.extra)
        cases = tuple(tuple(c) for c in p.cases)
        sel = self.selects.get(g.id)
        if sel is None or sel.cases != cases:
            sel = self.selects[g.id] = SelectView(g.id)
            sel.cases = cases
        self._count_pick(sel, p.picked, tuple(p.ready), ev.t)
        d = self._d
        for kind, cid in cases:
            c = self.channels.get(cid)
            if c is None or kind == "nil":
                continue
            self._used_by(c, g.id, kind == "send")
        if p.picked < 0:
            g.activity, g.activity_on = "select: default", 0
        elif p.picked < len(cases):
            kind, cid = cases[p.picked]
            g.activity, g.activity_on = (
                f"select: case {p.picked} ({kind} {self.object_name(cid) or cid})",
                cid,
            )
        d.goroutines.add(g.id)

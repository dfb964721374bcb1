"""How :class:`~core.trace.model.RunModel` folds the other ways goroutines meet.

A mixin of RunModel: the handlers of SYNC_MAKE (every sync object, context
and timer is made here), LOCK/UNLOCK (Mutex and RWMutex), WG_ADD/WG_WAIT,
COND_SIGNAL, ONCE_DO, ATOMIC, MEM_READ/MEM_WRITE (memory cells and lost
updates), TIMER_FIRE/TIMER_STOP/TIMER_RESET, CTX_CANCEL and PATTERN (named in
``core.trace.model._HANDLERS``). It keeps no state of its own; RunModel
defines every helper it calls (declared below for mypy only).

Invariants each handler keeps, for an exact trace:
  - a Mutex has at most one writer (a second LOCK without an UNLOCK, or an
    UNLOCK of a free lock, counts one ``mismatches``); ``read_count`` is never
    negative;
  - every goroutine an event names as woken (an unlock's, a WaitGroup's
    release, a Cond's signal) is made runnable by that same event;
  - a memory write counts a lost update exactly when another write came
    between this goroutine's read and its write;
  - a Stop or Reset that drained a timer's channel empties the model's
    channel too; a cancel reaches its context and the value contexts below
    it, once each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.trace.events import Kind, TraceEvent, decode
from core.trace.views import (
    CellView,
    ChannelView,
    ContextView,
    GoroutineView,
    LockView,
    OnceView,
    PatternView,
    RunDiff,
    TimerView,
    Transfer,
    WaitGroupView,
)

__all__ = ["SyncHandlers"]


class SyncHandlers:
    """RunModel's handlers of sync, atomic, memory, timer, context and pattern
    events (a mixin)."""

    # RunModel's state these handlers read and write (set in RunModel.reset).
    goroutines: dict[int, GoroutineView]
    channels: dict[int, ChannelView]
    locks: dict[int, LockView]
    waitgroups: dict[int, WaitGroupView]
    contexts: dict[int, ContextView]
    timers: dict[int, TimerView]
    cells: dict[int, CellView]
    onces: dict[int, OnceView]
    patterns: dict[int, PatternView]
    timer_chans: dict[int, int]
    done_chans: dict[int, int]
    done_names: dict[int, str]
    mismatches: int
    _d: RunDiff

    if TYPE_CHECKING:
        # RunModel's helpers (core.trace.model), declared for mypy only.
        def _actor(self, ev: TraceEvent) -> GoroutineView | None: ...
        def _ready(self, gid: int, t: float) -> GoroutineView | None: ...
        def _transfer(self, tr: Transfer) -> None: ...
        def context_depth(self, ctx: int) -> int: ...

    # -- sync -----------------------------------------------------------------

    def _sync_make(self, ev: TraceEvent) -> None:
        kind = ev.value
        obj, name = ev.obj, ev.obj_name
        d = self._d
        d.structure = True
        p = decode(Kind.SYNC_MAKE, ev.extra)
        if kind in ("Mutex", "RWMutex"):
            lk = self.locks.get(obj)
            if lk is None:
                self.locks[obj] = LockView(obj, name or f"{kind.lower()} {obj}", kind=kind)
            else:
                lk.kind = kind
            d.locks.add(obj)
        elif kind == "WaitGroup":
            self.waitgroups.setdefault(obj, WaitGroupView(obj, name or f"wg {obj}"))
            d.waitgroups.add(obj)
        elif kind == "Context":
            cx = self.contexts.get(obj)
            if cx is None:
                cx = self.contexts[obj] = ContextView(obj, name or f"ctx {obj}")
            cx.parent = p.parent
            cx.deadline = p.deadline
            cx.kind = p.how
            cx.done_chan = p.chan
            if p.chan:
                self.done_chans[p.chan] = obj
                self.done_names[p.chan] = cx.name
            parent = self.contexts.get(p.parent)
            if parent is not None and obj not in parent.children:
                parent.children.append(obj)
            d.contexts.add(obj)
        elif kind in ("Timer", "Ticker"):
            tm = self.timers.setdefault(
                obj, TimerView(obj, name or f"{kind.lower()} {obj}", kind=kind)
            )
            if p.chan:
                tm.chan = p.chan
                self.timer_chans[p.chan] = obj
            tm.period = p.period
            tm.due = ev.t + p.period if p.period is not None else None
            d.timers.add(obj)
        elif kind.startswith("Atomic"):
            self.cells.setdefault(obj, CellView(obj, name or f"atomic {obj}", kind=kind))
            d.cells.add(obj)
        elif kind == "Once":
            self.onces.setdefault(obj, OnceView(obj, name or f"once {obj}"))
            d.onces.add(obj)
        self._actor(ev)

    def _lock(self, ev: TraceEvent) -> None:
        obj = ev.obj
        p = decode(Kind.LOCK, ev.extra)
        lk = self.locks.get(obj)
        d = self._d
        if lk is None:
            lk = self.locks[obj] = LockView(
                obj, ev.obj_name or f"mutex {obj}", kind="RWMutex" if p.mode == "r" else "Mutex"
            )
            d.structure = True
        gid = ev.g
        # Handed over by an unlock, it was woken by this event; else it took it itself.
        g = self._ready(gid, ev.t) if p.handed else self._actor(ev)
        if lk.waiters:
            lk.waiters = [w for w in lk.waiters if w[0] != gid]
        if p.mode == "r":
            lk.readers.append(gid)
            lk.read_count += 1
            lk.kind = "RWMutex"
        else:
            if lk.write_held:
                self.mismatches += 1  # two holders: the trace would be wrong
            lk.writer = gid
            lk.write_held = True
        lk.acquired += 1
        if g is not None:
            g.activity, g.activity_on = f"{'RLock' if p.mode == 'r' else 'Lock'} {lk.name}", lk.id
            if gid not in lk.users:
                lk.users.add(gid)
                d.structure = True
        d.locks.add(obj)

    def _unlock(self, ev: TraceEvent) -> None:
        lk = self.locks.get(ev.obj)
        g = self._actor(ev)
        p = decode(Kind.UNLOCK, ev.extra)
        if lk is None:
            return
        if p.mode == "r":
            # Not owned: any goroutine may RUnlock; take its own read lock if it holds one.
            if ev.g in lk.readers:
                lk.readers.remove(ev.g)
            elif lk.readers:
                lk.readers.pop(0)
            lk.read_count = max(0, lk.read_count - 1)
            if g is not None:
                g.activity, g.activity_on = f"RUnlock {lk.name}", lk.id
        else:
            if not lk.write_held:
                self.mismatches += 1
            lk.writer = 0
            lk.write_held = False
            if g is not None:
                g.activity, g.activity_on = f"Unlock {lk.name}", lk.id
        if p.woken:
            self._ready(p.woken, ev.t)  # woken to compete for the lock
        self._d.locks.add(lk.id)

    def _wg_add(self, ev: TraceEvent) -> None:
        obj = ev.obj
        wg = self.waitgroups.get(obj)
        d = self._d
        if wg is None:
            wg = self.waitgroups[obj] = WaitGroupView(obj, ev.obj_name or f"wg {obj}")
            d.structure = True
        p = decode(Kind.WG_ADD, ev.extra)
        wg.counter = p.counter
        g = self._actor(ev)
        if g is not None:
            g.activity, g.activity_on = (
                f"{wg.name}.Done()" if p.delta == -1 else f"{wg.name}.Add({p.delta})",
                wg.id,
            )
            if g.id not in wg.users:
                wg.users.add(g.id)
                d.structure = True
        # Every Wait returns together: the fan-out the stage shows.
        for gid in p.woken:
            self._ready(gid, ev.t)
            self._transfer(Transfer("release", obj=obj, dst=gid, seq=ev.seq))
        d.waitgroups.add(obj)

    def _wg_wait(self, ev: TraceEvent) -> None:
        wg = self.waitgroups.get(ev.obj)
        if wg is None:
            wg = self.waitgroups[ev.obj] = WaitGroupView(ev.obj, ev.obj_name or f"wg {ev.obj}")
            self._d.structure = True
        g = self._actor(ev)
        if g is not None:
            g.activity, g.activity_on = f"{wg.name}.Wait()", wg.id
            if g.id not in wg.users:
                wg.users.add(g.id)
                self._d.structure = True
        self._d.waitgroups.add(wg.id)

    def _cond_signal(self, ev: TraceEvent) -> None:
        self._actor(ev)
        for gid in decode(Kind.COND_SIGNAL, ev.extra).woken:
            self._ready(gid, ev.t)

    def _once_do(self, ev: TraceEvent) -> None:
        o = self.onces.get(ev.obj)
        if o is None:
            o = self.onces[ev.obj] = OnceView(ev.obj, ev.obj_name or f"once {ev.obj}")
            self._d.structure = True
        g = self._actor(ev)
        if g is not None:
            g.activity, g.activity_on = f"{o.name}.Do", o.id
        if not o.done:
            o.done, o.by = True, ev.g
        self._d.onces.add(o.id)

    def _cell(self, ev: TraceEvent, kind: str) -> CellView:
        cell = self.cells.get(ev.obj)
        if cell is None:
            cell = self.cells[ev.obj] = CellView(ev.obj, ev.obj_name or f"var {ev.obj}", kind=kind)
            self._d.structure = True
        if ev.g and ev.g not in cell.users:
            cell.users.add(ev.g)
            self._d.structure = True
        self._d.cells.add(cell.id)
        return cell

    def _pattern(self, ev: TraceEvent) -> None:
        p = decode(Kind.PATTERN, ev.extra)
        v = self.patterns.get(ev.obj)
        if v is None:
            v = self.patterns[ev.obj] = PatternView(ev.obj, ev.obj_name, p.pattern)
            self._d.structure = True
        v.state.update(p.fields())
        v.t, v.what, v.text, v.g = ev.t, p.what, ev.value, ev.g
        v.counts[p.what] = v.counts.get(p.what, 0) + 1
        if ev.g and ev.g not in v.users:
            v.users.add(ev.g)
            self._d.structure = True
        self._d.patterns.add(ev.obj)
        self._d.pattern_moments.append((ev.obj, p.what))

    def _atomic(self, ev: TraceEvent) -> None:
        cell = self._cell(ev, "AtomicInt64")
        cell.value = ev.value
        cell.version += 1
        cell.last_g, cell.last_op = ev.g, "atomic"
        g = self._actor(ev)
        if g is not None:
            g.activity, g.activity_on = f"atomic {cell.name} = {ev.value}", cell.id

    def _mem_read(self, ev: TraceEvent) -> None:
        cell = self._cell(ev, "memory")
        if not cell.value:
            cell.value = ev.value
        cell.reads[ev.g] = cell.version
        cell.last_g, cell.last_op = ev.g, "read"
        g = self._actor(ev)
        if g is not None:
            g.activity, g.activity_on = f"read {cell.name} = {ev.value}", cell.id

    def _mem_write(self, ev: TraceEvent) -> None:
        cell = self._cell(ev, "memory")
        read = cell.reads.pop(ev.g, None)
        if read is not None and read != cell.version:
            # Someone wrote between this goroutine's read and its write: that update is lost.
            cell.lost += 1
            self._d.lost_updates.append((cell.id, ev.g))
        cell.value = ev.value
        cell.version += 1
        cell.last_g, cell.last_op = ev.g, "write"
        g = self._actor(ev)
        if g is not None:
            g.activity, g.activity_on = f"wrote {cell.name} = {ev.value}", cell.id

    # -- time and context -------------------------------------------------------

    def _timer(self, ev: TraceEvent) -> TimerView:
        tm = self.timers.get(ev.obj)
        if tm is None:
            tm = self.timers[ev.obj] = TimerView(ev.obj, ev.obj_name or f"timer {ev.obj}")
            self._d.structure = True
        return tm

    def _timer_fire(self, ev: TraceEvent) -> None:
        tm = self._timer(ev)
        tm.fires += 1
        tm.last_fire_t = ev.t
        tm.due = ev.t + tm.period if tm.kind == "Ticker" and tm.period else None
        if decode(Kind.TIMER_FIRE, ev.extra).dropped:
            tm.dropped += 1
        tm.stopped = False
        self._transfer(Transfer("fire", obj=tm.id, seq=ev.seq))
        self._d.timers.add(tm.id)

    def _timer_stop(self, ev: TraceEvent) -> None:
        tm = self._timer(ev)
        p = ev.payload
        tm.stopped = ev.kind is Kind.TIMER_STOP
        tm.due = None if tm.stopped else ev.t + p.duration
        if not tm.stopped and tm.kind == "Ticker":
            tm.period = p.duration
        self._actor(ev)
        if p.drained:
            # Go 1.23: a fired value not yet received is dropped by Stop and Reset.
            c = self.channels.get(p.chan)
            if c is not None:
                if c.buffer:
                    c.buffer.clear()
                else:
                    self.mismatches += 1
                self._d.channels.add(c.id)
        self._d.timers.add(tm.id)

    def _ctx_cancel(self, ev: TraceEvent) -> None:
        cx = self.contexts.get(ev.obj)
        if cx is None:
            cx = self.contexts[ev.obj] = ContextView(ev.obj, ev.obj_name or f"ctx {ev.obj}")
            self._d.structure = True
        self._actor(ev)
        if cx.cancelled:
            return
        # Each cancellable context reports its own end (the runtime walks the
        # tree); value contexts below it share it, and show it travelling down.
        err = ev.value or "context canceled"
        frontier = [(cx, self.context_depth(cx.id))]
        while frontier:
            node, depth = frontier.pop(0)
            if node.cancelled:
                continue
            if node is cx or node.kind == "value":
                node.cancelled, node.err, node.cancelled_t = True, err, ev.t
                self._d.contexts.add(node.id)
                self._transfer(Transfer("cancel", obj=node.id, depth=depth, seq=ev.seq))
                for child in node.children:
                    c = self.contexts.get(child)
                    if c is not None:
                        frontier.append((c, depth + 1))

"""RunModel: the state of a run, rebuilt from its trace events alone.

Qt-free and stdlib-only. :class:`RunModel` folds batches of
:class:`~core.trace.events.TraceEvent` (in sequence order) into records of
every goroutine, channel, lock, WaitGroup, context, timer, memory cell and
the latest ``select`` of each goroutine, and answers each batch with a
:class:`RunDiff`: what changed, whether the layout must be redone, and the
*transfers* the stage animates (a value into a slot, out of it, straight
across a rendezvous, a close reaching its waiters, a cancellation spreading).

It is the one state every view of the window reads. Nothing here is
guessed: each event is one state change (``core.trace.events``), the event
that wakes a goroutine names it, and a goroutine that did something runs.
:meth:`RunModel.snapshot` returns the same shape as ``Runtime.snapshot()``,
so the picture can be checked against the runtime's real state.

Invariants after each ``apply``, for an exact trace read without gaps:
  - a channel's ``buffer`` holds exactly the values the runtime's buffer holds;
  - a goroutine's ``state`` is the runtime's whenever the run is quiescent
    (every goroutine parked or at the pause gate);
  - ``mismatches`` is 0 (it counts facts an event contradicted, such as a
    buffer length; a missed event breaks the first two).

Memory is bounded: finished goroutines beyond ``max_done`` are forgotten,
and objects the runtime reports freed (OBJ_FREE) leave the model.

This module keeps RunModel's state, its dispatch table (``_HANDLERS``), the
goroutine lifecycle and the runtime's reports; the handlers of the other
kinds are mixins RunModel inherits: ``model_channels`` (channels and
``select``) and ``model_sync`` (locks, WaitGroups, Cond, Once, atomics,
memory cells, timers, contexts, patterns).
"""

from __future__ import annotations

import pickle
from collections import deque

from core.trace.events import (
    BLOCKED_STATES,
    FINISHED_STATES,
    Kind,
    TraceEvent,
    decode,
)
from core.trace.model_channels import ChannelHandlers
from core.trace.model_sync import SyncHandlers
from core.trace.views import (
    CellView,
    ChannelView,
    ContextView,
    GoroutineView,
    LockView,
    OnceView,
    PatternView,
    RunDiff,
    SelectView,
    TimerView,
    Transfer,
    WaitGroupView,
)

__all__ = [
    "CellView",
    "ChannelView",
    "ContextView",
    "GoroutineView",
    "LockView",
    "OnceView",
    "PatternView",
    "RunDiff",
    "RunModel",
    "SelectView",
    "TimerView",
    "Transfer",
    "WaitGroupView",
]

_FINISHED = FINISHED_STATES
_PARKED = BLOCKED_STATES | {"sleeping"}


# -- the reducer ------------------------------------------------------------------

# The method of RunModel that folds each kind of event in.
_HANDLERS: dict[Kind, str] = {
    Kind.GO_CREATE: "_go_create",
    Kind.GO_START: "_go_start",
    Kind.GO_BLOCK: "_go_block",
    Kind.GO_UNBLOCK: "_go_unblock",
    Kind.GO_SLEEP: "_go_sleep",
    Kind.GO_END: "_go_end",
    Kind.GO_PANIC: "_go_panic",
    Kind.GO_GATE: "_go_gate",
    Kind.GO_STEP: "_go_step",
    Kind.CHAN_MAKE: "_chan_make",
    Kind.CHAN_SEND: "_chan_send",
    Kind.CHAN_RECV: "_chan_recv",
    Kind.CHAN_HANDOFF: "_chan_handoff",
    Kind.CHAN_CLOSE: "_chan_close",
    Kind.SELECT: "_select",
    Kind.SYNC_MAKE: "_sync_make",
    Kind.LOCK: "_lock",
    Kind.UNLOCK: "_unlock",
    Kind.WG_ADD: "_wg_add",
    Kind.WG_WAIT: "_wg_wait",
    Kind.COND_SIGNAL: "_cond_signal",
    Kind.ONCE_DO: "_once_do",
    Kind.ATOMIC: "_atomic",
    Kind.MEM_READ: "_mem_read",
    Kind.MEM_WRITE: "_mem_write",
    Kind.TIMER_FIRE: "_timer_fire",
    Kind.TIMER_STOP: "_timer_stop",
    Kind.TIMER_RESET: "_timer_stop",
    Kind.CTX_CANCEL: "_ctx_cancel",
    Kind.OBJ_FREE: "_obj_free",
    Kind.DEADLOCK: "_deadlock",
    Kind.LEAK: "_leak",
    Kind.FAULT: "_note",
    Kind.NOTE: "_note",
    Kind.PATTERN: "_pattern",
}


class RunModel(ChannelHandlers, SyncHandlers):
    """Folds trace events into the state of every object of a run.

    Not thread-safe: one thread owns it (the window's GUI thread; a test).
    """

    def __init__(self, max_transfers: int = 400, max_done: int = 1000) -> None:
        self.max_transfers = max_transfers
        self.max_done = max_done
        self._bind_handlers()
        self.reset()

    def __getstate__(self) -> dict:
        # The handler tables hold bound methods: rebuilt on unpickling, never stored.
        state = dict(self.__dict__)
        del state["_handlers"], state["_by_name"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind_handlers()

    def _bind_handlers(self) -> None:
        self._handlers = {k: getattr(self, name) for k, name in _HANDLERS.items()}
        # Keyed by the member's name too: hashing an Enum member runs Python code,
        # a str hash is cached (see apply).
        self._by_name = {k.name: h for k, h in self._handlers.items()}

    def checkpoint(self) -> bytes:
        """The whole state as bytes (a replay's checkpoint); :meth:`restore` reads it back."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def restore(data: bytes) -> RunModel:
        """A model in the state a :meth:`checkpoint` recorded (its own copy of everything)."""
        model = pickle.loads(data)
        if not isinstance(model, RunModel):
            raise TypeError("not a RunModel checkpoint")
        return model

    def reset(self) -> None:
        """Forget everything (a new run)."""
        self.goroutines: dict[int, GoroutineView] = {}
        self.channels: dict[int, ChannelView] = {}
        self.locks: dict[int, LockView] = {}
        self.waitgroups: dict[int, WaitGroupView] = {}
        self.contexts: dict[int, ContextView] = {}
        self.timers: dict[int, TimerView] = {}
        self.cells: dict[int, CellView] = {}
        self.onces: dict[int, OnceView] = {}
        self.selects: dict[int, SelectView] = {}
        self.patterns: dict[int, PatternView] = {}
        self.timer_chans: dict[int, int] = {}  # channel id -> the Timer/Ticker that feeds it
        self.done_chans: dict[int, int] = {}  # channel id -> the context whose Done() it is
        # channel id -> that context's name: kept while the channel lives, even once the
        # context itself is freed (its Done channel may still be drawn, closed)
        self.done_names: dict[int, str] = {}
        self.notes: deque[str] = deque(maxlen=50)
        self.leaks: list[str] = []
        self.leak_records: list[tuple] = []
        self.panics: list[tuple[int, str]] = []
        self.deadlock = ""
        self.deadlock_records: tuple = ()
        self.now = 0.0
        self.events_seen = 0
        self.last_seq = 0
        self.mismatches = 0
        self._done_order: deque[int] = deque()  # finished goroutines, oldest first
        self._d = RunDiff()

    # -- public -------------------------------------------------------------

    def apply(self, events: list[TraceEvent], into: RunDiff | None = None) -> RunDiff:
        """Fold *events* (oldest first) into the model; return what changed.

        With *into*, the changes are added to that diff (a batch folded in chunks).
        """
        d = self._d = into if into is not None else RunDiff()
        if into is None:
            d.events = events
        else:
            d.events.extend(events)
        # Keyed by the member's name: hashing an Enum member runs Python code,
        # a str hash is cached (this loop is the reducer's hot path).
        handlers = self._by_name
        for ev in events:
            h = handlers.get(ev.kind._name_)
            if h is not None:
                h(ev)
        if events:
            last = events[-1]
            self.events_seen += len(events)
            self.last_seq = last.seq
            if last.t > self.now:
                self.now = last.t
        if len(self._done_order) > self.max_done:
            self._forget_done()
        return d

    def snapshot(self) -> dict:
        """The run's state in ``Runtime.snapshot()``'s shape (``"quiescent"`` is True)."""
        goroutines = {}
        for gid in sorted(self.goroutines):
            g = self.goroutines[gid]
            if g.state in _FINISHED:
                continue
            on = g.waiting_on if g.state in BLOCKED_STATES else 0
            goroutines[gid] = {"name": g.name, "state": g.state, "waiting_on": on or None}
        out: dict = {
            "quiescent": True,
            "goroutines": goroutines,
            "channels": {
                c.id: {
                    "name": c.name,
                    "cap": c.cap,
                    "buffer": list(c.buffer),
                    "closed": c.closed,
                }
                for c in sorted(self.channels.values(), key=lambda c: c.id)
            },
            "mutexes": {},
            "rwmutexes": {},
            "waitgroups": {
                w.id: {"name": w.name, "counter": w.counter}
                for w in sorted(self.waitgroups.values(), key=lambda w: w.id)
            },
            "contexts": {
                x.id: {"name": x.name, "err": self._context_err(x) or None}
                for x in sorted(self.contexts.values(), key=lambda x: x.id)
            },
        }
        for lk in sorted(self.locks.values(), key=lambda lk: lk.id):
            if lk.kind == "RWMutex":
                out["rwmutexes"][lk.id] = {
                    "name": lk.name,
                    "writer": lk.write_held,
                    "readers": lk.read_count,
                }
            else:
                out["mutexes"][lk.id] = {"name": lk.name, "locked": lk.write_held}
        return out

    def waiting_count(self) -> int:
        return sum(1 for g in self.goroutines.values() if g.state in BLOCKED_STATES)

    def object_name(self, obj: int) -> str:
        """The name of any object the model knows, or ""."""
        for table in (
            self.channels,
            self.locks,
            self.waitgroups,
            self.cells,
            self.contexts,
            self.timers,
            self.onces,
            self.patterns,
        ):
            o = table.get(obj)
            if o is not None:
                return o.name
        return ""

    def context_depth(self, ctx: int) -> int:
        depth = 0
        c = self.contexts.get(ctx)
        while c is not None and c.parent in self.contexts and depth < 64:
            depth += 1
            c = self.contexts[c.parent]
        return depth

    def _context_err(self, x: ContextView) -> str:
        # A value context has no state of its own: its err is its parent's (Go).
        depth = 0
        while x.kind == "value" and not x.err and depth < 256:
            p = self.contexts.get(x.parent)
            if p is None:
                break
            x = p
            depth += 1
        return x.err

    # -- helpers ------------------------------------------------------------

    def _g(self, gid: int, t: float, name: str = "") -> GoroutineView:
        g = self.goroutines.get(gid)
        if g is None:
            # Seen before its GO_CREATE (tracing started mid-run): Go calls it by number.
            g = self.goroutines[gid] = GoroutineView(
                gid, name or f"goroutine {gid}", state="running", created_t=t
            )
            self._d.structure = True
        return g

    def _set_state(self, g: GoroutineView, state: str, t: float) -> None:
        if g.state != state:
            g.state = state
            self._d.transitions.append((t, g.id, state))
        self._d.goroutines.add(g.id)

    def _actor(self, ev: TraceEvent) -> GoroutineView | None:
        """The goroutine that did *ev*, now running; None for the runtime itself
        (g == 0: a timer firing, a thread outside the runtime)."""
        if not ev.g:
            return None
        g = self._g(ev.g, ev.t)
        self._run(g, ev.t)
        return g

    def _chan(self, cid: int, name: str, t: float) -> ChannelView:
        c = self.channels.get(cid)
        if c is None:
            c = self.channels[cid] = ChannelView(cid, name or f"chan {cid}", last_t=t)
            self._d.structure = True
        return c

    def _transfer(self, tr: Transfer) -> None:
        d = self._d
        if len(d.transfers) < self.max_transfers:
            d.transfers.append(tr)
        else:
            d.transfers_dropped += 1

    def _release(self, g: GoroutineView) -> None:
        """Take *g* off every queue it is parked on."""
        obj = g.waiting_on
        d = self._d
        if obj:
            c = self.channels.get(obj)
            if c is not None:
                if g.id in c.senders:
                    c.senders.remove(g.id)
                if g.id in c.receivers:
                    c.receivers.remove(g.id)
                d.channels.add(obj)
            else:
                lk = self.locks.get(obj)
                if lk is not None:
                    lk.waiters = [w for w in lk.waiters if w[0] != g.id]
                    d.locks.add(obj)
                else:
                    wg = self.waitgroups.get(obj)
                    if wg is not None and g.id in wg.waiters:
                        wg.waiters.remove(g.id)
                        d.waitgroups.add(obj)
        for cid in g.waiting_chans:
            c = self.channels.get(cid)
            if c is not None and g.id in c.selectors:
                c.selectors.remove(g.id)
                d.channels.add(cid)
        g.waiting_on = 0
        g.waiting_on_name = ""
        g.waiting_chans = ()
        g.wait_reason = ""
        g.wake_at = None

    def _run(self, g: GoroutineView, t: float) -> None:
        """*g* did something, so it runs (whatever parked it is over)."""
        if g.state != "running" and g.state not in _FINISHED:
            if g.waiting_on or g.waiting_chans or g.wake_at is not None:
                self._release(g)
            g.gate = ""
            self._set_state(g, "running", t)
        else:
            self._d.goroutines.add(g.id)

    def _ready(self, gid: int, t: float) -> GoroutineView | None:
        """*gid* was woken by the event being folded: it is runnable now."""
        if not gid:
            return None
        g = self._g(gid, t)
        if g.state in _FINISHED:
            return g
        self._release(g)
        g.gate = ""
        self._set_state(g, "runnable", t)
        return g

    def _forget_done(self) -> None:
        d = self._d
        while len(self._done_order) > self.max_done:
            gid = self._done_order.popleft()
            g = self.goroutines.get(gid)
            if g is None or not g.finished:
                continue
            del self.goroutines[gid]
            self.selects.pop(gid, None)
            d.removed_goroutines.add(gid)
            d.goroutines.discard(gid)
        gone = d.removed_goroutines
        if gone:
            for c in self.channels.values():
                c.writers -= gone
                c.readers -= gone
            for lk in self.locks.values():
                lk.users -= gone
            for wg in self.waitgroups.values():
                wg.users -= gone
            for cell in self.cells.values():
                cell.users -= gone
            for pv in self.patterns.values():
                pv.users -= gone
            d.structure = True

    # -- goroutines -----------------------------------------------------------

    def _go_create(self, ev: TraceEvent) -> None:
        gid = ev.obj
        g = self.goroutines.get(gid)
        if g is None:
            self.goroutines[gid] = GoroutineView(
                gid, ev.obj_name or f"goroutine {gid}", parent=ev.g, created_t=ev.t
            )
            self._d.structure = True
            self._d.transitions.append((ev.t, gid, "running"))
        else:
            g.parent = ev.g
            if ev.obj_name:
                g.name = ev.obj_name
        self._d.goroutines.add(gid)
        if ev.g:
            self._actor(ev)

    def _go_start(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t, ev.obj_name)
        if ev.obj_name and ev.obj_name != g.name:
            g.name = ev.obj_name
        self._run(g, ev.t)

    def _go_block(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        if g.waiting_on or g.waiting_chans or g.wake_at is not None:
            self._release(g)
        p = decode(Kind.GO_BLOCK, ev.extra)
        state = p.state
        g.wait_reason = p.reason
        g.gate = ""
        self._set_state(g, state, ev.t)
        d = self._d
        obj = ev.obj
        if state == "blocked_select":
            cases = tuple(tuple(c) for c in p.cases)
            chans = tuple(cid for kind, cid in cases if kind != "nil" and cid)
            g.waiting_chans = chans
            g.select_chans = chans
            g.waiting_on = 0
            sel = self.selects.get(g.id)
            if sel is None or sel.cases != cases:
                sel = self.selects[g.id] = SelectView(g.id)
                sel.cases = cases
            for kind, cid in cases:
                c = self.channels.get(cid)
                if c is None or kind == "nil":
                    continue
                c.selectors.append(g.id)
                c.last_t = ev.t
                users = c.writers if kind == "send" else c.readers
                if g.id not in users:
                    users.add(g.id)
                    d.structure = True
                d.channels.add(cid)
            return
        g.waiting_on = obj
        g.waiting_on_name = ev.obj_name
        if not obj:
            return
        if state in ("blocked_send", "blocked_recv"):
            c = self._chan(obj, ev.obj_name, ev.t)
            c.last_t = ev.t
            if state == "blocked_send":
                c.senders.append(g.id)
                users = c.writers
            else:
                c.receivers.append(g.id)
                users = c.readers
            if g.id not in users:
                users.add(g.id)
                d.structure = True
            d.channels.add(obj)
        elif state == "blocked_lock":
            lk = self.locks.get(obj)
            if lk is None and obj not in self.onces:
                kind = "RWMutex" if "RWMutex" in p.reason else "Mutex"
                lk = self.locks[obj] = LockView(obj, ev.obj_name or f"mutex {obj}", kind=kind)
                d.structure = True
            if lk is not None:
                mode = "r" if "RLock" in p.reason else "w"
                lk.waiters.append((g.id, mode))
                if g.id not in lk.users:
                    lk.users.add(g.id)
                    d.structure = True
                d.locks.add(obj)
        elif state == "blocked_waitgroup":
            wg = self.waitgroups.get(obj)
            if wg is None:
                wg = self.waitgroups[obj] = WaitGroupView(obj, ev.obj_name or f"wg {obj}")
                d.structure = True
            wg.waiters.append(g.id)
            if g.id not in wg.users:
                wg.users.add(g.id)
                d.structure = True
            d.waitgroups.add(obj)

    def _go_unblock(self, ev: TraceEvent) -> None:
        self._ready(ev.g, ev.t)

    def _go_sleep(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        if g.waiting_on or g.waiting_chans:
            self._release(g)
        p = decode(Kind.GO_SLEEP, ev.extra)
        g.wait_reason = "sleep"
        g.wake_at = p.until
        g.gate = ""
        g.activity, g.activity_on = (
            f"sleep {p.duration:.3g} s",
            0,
        )  # 3 figures: "0.524 s"
        self._set_state(g, "sleeping", ev.t)

    def _finish(self, g: GoroutineView, state: str, t: float) -> None:
        if g.waiting_on or g.waiting_chans or g.wake_at is not None:
            self._release(g)
        if g.state not in _FINISHED:
            self._done_order.append(g.id)
        g.gate = ""
        g.ended_t = t
        self._set_state(g, state, t)

    def _go_end(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t, ev.obj_name)
        if g.state == "panicked":
            return  # GO_PANIC came first; the goroutine stays panicked
        self._finish(g, "done", ev.t)

    def _go_panic(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t, ev.obj_name)
        self._finish(g, "panicked", ev.t)
        g.panic = ev.value
        g.activity, g.activity_on = f"panic: {ev.value}", 0
        self.panics.append((g.id, ev.value))
        self._d.panics.append((g.id, ev.value))

    def _go_gate(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        if g.waiting_on or g.waiting_chans or g.wake_at is not None:
            self._release(g)
        g.gate = ev.value or "next operation"
        self._set_state(g, "runnable", ev.t)

    def _go_step(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        g.gate = ""
        self._set_state(g, "running", ev.t)

    # -- freed objects ------------------------------------------------------------

    def _obj_free(self, ev: TraceEvent) -> None:
        """No goroutine can reach the object any more: forget it."""
        obj = ev.obj
        d = self._d
        if (c := self.channels.pop(obj, None)) is not None:
            d.freed_names[obj] = c.name
            d.removed_channels.add(obj)
            d.channels.discard(obj)
            self.timer_chans.pop(obj, None)
            self.done_chans.pop(obj, None)
            self.done_names.pop(obj, None)
            d.structure = True
            return
        for table, changed in (
            (self.locks, d.locks),
            (self.waitgroups, d.waitgroups),
            (self.contexts, d.contexts),
            (self.timers, d.timers),
            (self.onces, d.onces),
            (self.cells, d.cells),
        ):
            if (o := table.pop(obj, None)) is not None:
                d.freed_names[obj] = o.name
                changed.discard(obj)
                d.removed_objects.add(obj)
                d.structure = True
                return

    # -- runtime reports ----------------------------------------------------------

    def _deadlock(self, ev: TraceEvent) -> None:
        self.deadlock = ev.value
        self.deadlock_records = decode(Kind.DEADLOCK, ev.extra).goroutines
        self._d.deadlock = ev.value

    def _leak(self, ev: TraceEvent) -> None:
        self.leaks.append(ev.value)
        self.leak_records.append(ev.extra)
        self._d.leaks.append(ev.value)
        g = self.goroutines.get(ev.g)
        if g is not None:
            g.leaked = ev.value
            self._d.goroutines.add(ev.g)

    def _note(self, ev: TraceEvent) -> None:
        self.notes.append(ev.value)
        self._d.notes.append(ev.value)

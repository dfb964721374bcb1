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


class RunModel:
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
        g.activity, g.activity_on = f"sleep {p.duration:g} s", 0
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

    def _obj_free(self, ev: TraceEvent) -> None:
        """No goroutine can reach the object any more: forget it."""
        obj = ev.obj
        d = self._d
        if self.channels.pop(obj, None) is not None:
            d.removed_channels.add(obj)
            d.channels.discard(obj)
            self.timer_chans.pop(obj, None)
            self.done_chans.pop(obj, None)
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
            if table.pop(obj, None) is not None:
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

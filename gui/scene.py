"""The stage's model: trace events in, the state of every object and a diff out.

Qt-free (``core.trace`` and the standard library only), so it is tested on
synthetic events. :class:`SceneModel` folds batches of :class:`TraceEvent`
into dataclasses (goroutines, channels, locks, WaitGroups, contexts, timers,
memory cells, the latest ``select`` of each goroutine) and answers each batch
with a :class:`SceneDiff`: which objects changed, whether the layout must be
redone, and the *transfers* (values travelling sender -> slot -> receiver,
straight across for an unbuffered handoff, a close reaching every waiter)
that the stage animates.

Everything here is read from the trace; nothing is guessed. Two facts of Go's
semantics are applied where the runtime reports only the cause: cancelling a
context cancels its descendants, and a goroutine that does something is
running.

Cost: about a microsecond per event, so a 10,000-event batch is reduced well
inside one 16 ms frame. Memory is bounded: finished goroutines beyond
``max_done`` and idle, unreferenced channels beyond ``max_channels`` are
forgotten (and reported in the diff's ``removed_*`` sets).
"""

from __future__ import annotations

import pickle
from collections import deque
from dataclasses import dataclass, field

from core.trace import Kind, TraceEvent

__all__ = [
    "BLOCKED_STATES",
    "STATES",
    "CellView",
    "ChannelView",
    "ContextView",
    "GoroutineView",
    "LockView",
    "OnceView",
    "SceneDiff",
    "SceneModel",
    "SelectView",
    "TimerView",
    "Transfer",
    "WaitGroupView",
    "state_for_wait_reason",
]

# The lower-case names of core.runtime.State (and the theme's state_colors keys).
STATES: tuple[str, ...] = (
    "running",
    "runnable",
    "blocked_send",
    "blocked_recv",
    "blocked_select",
    "blocked_lock",
    "blocked_waitgroup",
    "sleeping",
    "done",
    "panicked",
)
BLOCKED_STATES = frozenset(s for s in STATES if s.startswith("blocked"))
_FINISHED = frozenset(("done", "panicked"))


def state_for_wait_reason(reason: str) -> str:
    """The goroutine state that Go's wait *reason* stands for.

    "chan send" -> "blocked_send", "chan receive" -> "blocked_recv",
    "select" -> "blocked_select", "sync.Mutex.Lock" / "sync.RWMutex.RLock" ->
    "blocked_lock", "sync.WaitGroup.Wait" -> "blocked_waitgroup", "sleep" ->
    "sleeping". Anything else a goroutine parks on (``sync.Once.Do``, a
    condition) reads as waiting for a lock.
    """
    r = reason.lower()
    if r.startswith("select"):
        return "blocked_select"
    if "send" in r:
        return "blocked_send"
    if "receive" in r or "recv" in r:
        return "blocked_recv"
    if "waitgroup" in r:
        return "blocked_waitgroup"
    if "sleep" in r:
        return "sleeping"
    return "blocked_lock"


# -- the views ------------------------------------------------------------------


@dataclass(slots=True)
class GoroutineView:
    """One goroutine as the trace describes it."""

    id: int
    name: str
    parent: int = 0
    state: str = "runnable"
    wait_reason: str = ""  # Go's words: "chan send", "sync.Mutex.Lock", ...
    waiting_on: int = 0  # the object id it is parked on (0: none, or a select)
    waiting_on_name: str = ""
    waiting_chans: tuple[int, ...] = ()  # a parked select: every channel it watches
    select_chans: tuple[int, ...] = ()  # the channels of the last select it parked in
    wake_at: float | None = None  # sleeping: runtime time it wakes
    gate: str = ""  # paused at the gate before this operation ("" = not gated)
    activity: str = ""  # the last thing it did, for the learner: "sent 3 on jobs"
    panic: str = ""
    leaked: str = ""
    created_t: float = 0.0
    ended_t: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in _FINISHED

    @property
    def blocked(self) -> bool:
        return self.state in BLOCKED_STATES


@dataclass(slots=True)
class ChannelView:
    """A channel: its buffer in order, who waits on it, who used it."""

    id: int
    name: str
    cap: int = 0
    buffer: deque = field(default_factory=deque)  # value reprs, oldest first
    senders: list[int] = field(default_factory=list)  # parked senders, in arrival order
    receivers: list[int] = field(default_factory=list)  # parked receivers, in arrival order
    selectors: list[int] = field(default_factory=list)  # parked selects watching it
    closed: bool = False
    closed_by: int = 0
    sent: int = 0
    received: int = 0
    writers: set[int] = field(default_factory=set)  # goroutines that ever sent or closed
    readers: set[int] = field(default_factory=set)  # goroutines that ever received
    last_t: float = 0.0


@dataclass(slots=True)
class LockView:
    """A Mutex or RWMutex: the writer holding it, the readers, the queue."""

    id: int
    name: str
    kind: str = "Mutex"  # or "RWMutex"
    writer: int = 0  # goroutine holding it for writing (0: none)
    readers: list[int] = field(default_factory=list)  # goroutines holding a read lock
    waiters: list[tuple[int, str]] = field(default_factory=list)  # (goroutine, "w"|"r")
    users: set[int] = field(default_factory=set)
    acquired: int = 0

    @property
    def held(self) -> bool:
        return bool(self.writer or self.readers)


@dataclass(slots=True)
class WaitGroupView:
    id: int
    name: str
    counter: int = 0
    waiters: list[int] = field(default_factory=list)
    users: set[int] = field(default_factory=set)


@dataclass(slots=True)
class ContextView:
    """A node of the context tree."""

    id: int
    name: str
    parent: int = 0
    deadline: float | None = None
    kind: str = ""  # how it was made: "WithCancel", "WithTimeout", ...
    done_chan: int = 0  # the channel ctx.Done() returns
    children: list[int] = field(default_factory=list)
    cancelled: bool = False
    err: str = ""
    cancelled_t: float | None = None


@dataclass(slots=True)
class TimerView:
    id: int
    name: str
    kind: str = "Timer"  # or "Ticker"
    chan: int = 0  # its channel C (the runtime sends the time there when it fires)
    period: float | None = None
    fires: int = 0
    last_fire_t: float | None = None


@dataclass(slots=True)
class CellView:
    """Shared memory a pattern annotates (MEM_READ / MEM_WRITE) or an AtomicInt64.

    ``lost`` counts writes based on a stale read: goroutine g read the cell,
    someone else wrote it, then g wrote its own result, overwriting that
    update (a lost update, read from the trace, not guessed).
    """

    id: int
    name: str
    kind: str = "memory"  # or "AtomicInt64"
    value: str = ""
    version: int = 0  # how many writes
    last_g: int = 0
    last_op: str = ""  # "read" | "write" | "atomic"
    reads: dict[int, int] = field(default_factory=dict)  # goroutine -> version it read
    lost: int = 0
    users: set[int] = field(default_factory=set)


@dataclass(slots=True)
class OnceView:
    id: int
    name: str
    done: bool = False
    by: int = 0


@dataclass(slots=True)
class SelectView:
    """The latest ``select`` a goroutine finished, and how often each case won.

    ``cases`` holds ("recv"|"send"|"nil", channel id) pairs; ``ready`` the
    indices that could proceed; ``picked`` the one taken (-1: default).
    ``wins`` counts picks by case index over consecutive selects of the same
    shape (a loop), -1 for default.
    """

    g: int
    cases: tuple[tuple[str, int], ...] = ()
    ready: tuple[int, ...] = ()
    picked: int = -1
    t: float = 0.0
    wins: dict[int, int] = field(default_factory=dict)
    count: int = 0


@dataclass(slots=True)
class Transfer:
    """Something the stage animates moving.

    kind:
      "to_slot"   value from goroutine ``src`` into slot ``slot`` of ``chan``;
      "from_slot" value from the head of ``chan``'s buffer to goroutine ``dst``;
      "handoff"   value straight from ``src`` to ``dst`` through ``chan`` (rendezvous);
      "closed"    a close (or a receive on a closed channel) reaching ``dst``;
      "release"   a WaitGroup (``obj``) reaching zero, waking waiter ``dst``;
      "cancel"    a context's cancellation reaching its child ``obj`` (``depth`` levels down);
      "fire"      timer ``obj`` firing.
    """

    kind: str
    chan: int = 0
    value: str = ""
    src: int = 0
    dst: int = 0
    slot: int = 0
    obj: int = 0
    depth: int = 0
    seq: int = 0


@dataclass(slots=True)
class SceneDiff:
    """What one :meth:`SceneModel.apply` changed."""

    goroutines: set[int] = field(default_factory=set)
    channels: set[int] = field(default_factory=set)
    locks: set[int] = field(default_factory=set)
    waitgroups: set[int] = field(default_factory=set)
    contexts: set[int] = field(default_factory=set)
    timers: set[int] = field(default_factory=set)
    cells: set[int] = field(default_factory=set)
    onces: set[int] = field(default_factory=set)
    removed_goroutines: set[int] = field(default_factory=set)
    removed_channels: set[int] = field(default_factory=set)
    structure: bool = False  # objects appeared or new relations: lay out again
    transfers: list[Transfer] = field(default_factory=list)
    transfers_dropped: int = 0  # beyond max_transfers per batch
    panics: list[tuple[int, str]] = field(default_factory=list)  # (goroutine, text)
    deadlock: str = ""
    leaks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lost_updates: list[tuple[int, int]] = field(default_factory=list)  # (cell, goroutine)

    @property
    def empty(self) -> bool:
        return not (
            self.goroutines
            or self.channels
            or self.locks
            or self.waitgroups
            or self.contexts
            or self.timers
            or self.cells
            or self.onces
            or self.removed_goroutines
            or self.removed_channels
            or self.structure
            or self.transfers
            or self.panics
            or self.deadlock
            or self.leaks
            or self.notes
        )


# -- the reducer ------------------------------------------------------------------

# The method of SceneModel that folds each kind of event in.
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
    Kind.CHAN_CLOSE: "_chan_close",
    Kind.SELECT: "_select",
    Kind.SYNC_MAKE: "_sync_make",
    Kind.LOCK: "_lock",
    Kind.UNLOCK: "_unlock",
    Kind.WG_ADD: "_wg_add",
    Kind.WG_WAIT: "_wg_wait",
    Kind.ONCE_DO: "_once_do",
    Kind.ATOMIC: "_atomic",
    Kind.MEM_READ: "_mem_read",
    Kind.MEM_WRITE: "_mem_write",
    Kind.TIMER_FIRE: "_timer_fire",
    Kind.CTX_CANCEL: "_ctx_cancel",
    Kind.DEADLOCK: "_deadlock",
    Kind.LEAK: "_leak",
    Kind.NOTE: "_note",
}


class SceneModel:
    """Folds trace events into the state of every object the stage shows.

    Not thread-safe: the GUI thread owns it (the bridge hands it batches).
    """

    def __init__(
        self, max_transfers: int = 400, max_done: int = 1000, max_channels: int = 2000
    ) -> None:
        self.max_transfers = max_transfers
        self.max_done = max_done
        self.max_channels = max_channels
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

    def snapshot(self) -> bytes:
        """The whole state as bytes (a replay's checkpoint); :meth:`restore` reads it back."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def restore(data: bytes) -> SceneModel:
        """A model in the state a :meth:`snapshot` recorded (its own copy of everything)."""
        model = pickle.loads(data)
        if not isinstance(model, SceneModel):
            raise TypeError("not a SceneModel snapshot")
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
        self.timer_chans: dict[int, int] = {}  # channel id -> the Timer/Ticker that feeds it
        self.notes: deque[str] = deque(maxlen=50)
        self.leaks: list[str] = []
        self.panics: list[tuple[int, str]] = []
        self.deadlock = ""
        self.now = 0.0
        self.events_seen = 0
        self.last_seq = 0
        self._sleepers: set[int] = set()
        self._done_order: deque[int] = deque()  # finished goroutines, oldest first
        # Handoffs announced by one side and not yet by the other: (chan, sender, receiver).
        self._handoffs: set[tuple[int, int, int]] = set()
        # Receivers a close already reached: their ("closed",) receive is not a second transfer.
        self._close_notified: set[tuple[int, int]] = set()
        self._d = SceneDiff()

    # -- public -------------------------------------------------------------

    def apply(self, events: list[TraceEvent]) -> SceneDiff:
        """Fold *events* (oldest first) into the model; return what changed."""
        d = self._d = SceneDiff()
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
        if self._sleepers:
            self._wake_sleepers()
        if len(self._done_order) > self.max_done:
            self._forget_done()
        if len(self.channels) > self.max_channels:
            self._forget_channels()
        if len(self.timers) > self.max_channels:
            self._forget_timers()
        return d

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

    def _actor(self, ev: TraceEvent) -> GoroutineView | None:
        """The goroutine that did *ev*, now running; None for the runtime itself
        (g == 0: a timer firing, a thread outside the runtime)."""
        if not ev.g:
            return None
        g = self._g(ev.g, ev.t)
        self._run(g)
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
        if g.wake_at is not None:
            g.wake_at = None
            self._sleepers.discard(g.id)

    def _run(self, g: GoroutineView) -> None:
        """*g* did something, so it runs (whatever parked it is over)."""
        if g.state != "running" and g.state not in _FINISHED:
            if g.waiting_on or g.waiting_chans or g.wake_at is not None:
                self._release(g)
            g.state = "running"
            g.gate = ""
        self._d.goroutines.add(g.id)

    def _wake_sleepers(self) -> None:
        # A sleep that should be over by the latest event time is over: the
        # clock passed the wake-up time (a goroutine woken but not yet seen).
        now = self.now
        woke = [
            gid
            for gid in self._sleepers
            if (g := self.goroutines.get(gid)) is None or g.wake_at is None or g.wake_at <= now
        ]
        for gid in woke:
            self._sleepers.discard(gid)
            g = self.goroutines.get(gid)
            if g is not None and g.state == "sleeping":
                g.wake_at = None
                g.state = "running"
                self._d.goroutines.add(gid)

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
            for table in (self.channels, self.locks, self.waitgroups, self.cells):
                for o in table.values():
                    users = o.writers if table is self.channels else o.users
                    users -= gone
                    if table is self.channels:
                        o.readers -= gone
            d.structure = True

    def _forget_channels(self) -> None:
        # Forget the channels idle longest that nobody waits on and that hold nothing.
        idle = sorted(
            (
                c
                for c in self.channels.values()
                if not (c.senders or c.receivers or c.selectors or c.buffer)
            ),
            key=lambda c: c.last_t,
        )
        excess = len(self.channels) - self.max_channels
        for c in idle[:excess]:
            del self.channels[c.id]
            self._d.removed_channels.add(c.id)
            self._d.channels.discard(c.id)
        self._d.structure = True

    def _forget_timers(self) -> None:
        # time.After in a loop makes a timer per iteration: forget the oldest fired ones.
        excess = len(self.timers) - self.max_channels
        for tm in sorted(self.timers.values(), key=lambda t: (t.kind == "Ticker", t.id))[:excess]:
            del self.timers[tm.id]
            self.timer_chans.pop(tm.chan, None)
            self._d.timers.discard(tm.id)

    # -- goroutines -----------------------------------------------------------

    def _go_create(self, ev: TraceEvent) -> None:
        gid = ev.obj
        g = self.goroutines.get(gid)
        if g is None:
            self.goroutines[gid] = GoroutineView(
                gid, ev.obj_name or f"goroutine {gid}", parent=ev.g, created_t=ev.t
            )
            self._d.structure = True
        else:
            g.parent = ev.g
            if ev.obj_name:
                g.name = ev.obj_name
        self._d.goroutines.add(gid)

    def _go_start(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t, ev.obj_name)
        if ev.obj_name and ev.obj_name != g.name:
            g.name = ev.obj_name
        self._run(g)

    def _go_block(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        if g.waiting_on or g.waiting_chans or g.wake_at is not None:
            self._release(g)
        reason = ev.value
        state = state_for_wait_reason(reason)
        g.state = state
        g.wait_reason = reason
        g.gate = ""
        d = self._d
        d.goroutines.add(g.id)
        obj = ev.obj
        if state == "blocked_select":
            chans = tuple(x for x in ev.extra if isinstance(x, int))
            if not chans:
                sel = self.selects.get(g.id)
                if sel is not None:
                    chans = tuple(cid for kind, cid in sel.cases if kind != "nil" and cid)
            g.waiting_chans = chans
            g.select_chans = chans
            g.waiting_on = 0
            for cid in chans:
                c = self.channels.get(cid)
                if c is not None:
                    c.selectors.append(g.id)
                    c.last_t = ev.t
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
                lk = self.locks[obj] = LockView(obj, ev.obj_name or f"mutex {obj}")
                d.structure = True
            if lk is not None:
                mode = "r" if "rlock" in reason.lower() else "w"
                if "RWMutex" in reason:
                    lk.kind = "RWMutex"
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
        g = self.goroutines.get(ev.g)
        if g is None or g.finished:
            return
        self._release(g)
        g.state = "running"
        g.gate = ""
        self._d.goroutines.add(g.id)

    def _go_sleep(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        if g.waiting_on or g.waiting_chans:
            self._release(g)
        try:
            seconds = float(ev.value)
        except ValueError:
            seconds = 0.0
        g.state = "sleeping"
        g.wait_reason = "sleep"
        g.wake_at = ev.t + seconds
        g.gate = ""
        g.activity = f"sleep {seconds:g} s"
        self._sleepers.add(g.id)
        self._d.goroutines.add(g.id)

    def _finish(self, g: GoroutineView, state: str, t: float) -> None:
        if g.waiting_on or g.waiting_chans or g.wake_at is not None:
            self._release(g)
        if g.state not in _FINISHED:
            self._done_order.append(g.id)
        g.state = state
        g.gate = ""
        g.ended_t = t
        self._d.goroutines.add(g.id)

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
        g.activity = f"panic: {ev.value}"
        self.panics.append((g.id, ev.value))
        self._d.panics.append((g.id, ev.value))

    def _go_gate(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        if g.waiting_on or g.waiting_chans or g.wake_at is not None:
            self._release(g)
        g.state = "runnable"
        g.gate = ev.value or "next operation"
        self._d.goroutines.add(g.id)

    def _go_step(self, ev: TraceEvent) -> None:
        if not ev.g:
            return  # a thread outside the runtime
        g = self._g(ev.g, ev.t)
        g.gate = ""
        g.state = "running"
        self._d.goroutines.add(g.id)

    # -- channels -------------------------------------------------------------

    def _chan_make(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        cap = ev.extra[0] if ev.extra and isinstance(ev.extra[0], int) else None
        if cap is None:
            try:
                cap = int(ev.value)
            except ValueError:
                cap = 0
        c.cap = cap
        if ev.obj_name:
            c.name = ev.obj_name
        self._d.channels.add(c.id)

    def _chan_send(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        g = self._actor(ev)
        d = self._d
        c.last_t = ev.t
        if g is not None:
            if g.id not in c.writers:
                c.writers.add(g.id)
                d.structure = True
            g.activity = f"sent {ev.value} on {c.name}"
        ex = ev.extra
        how = ex[0] if ex else "buffer"
        if how == "handoff":
            r = ex[1] if len(ex) > 1 else 0
            key = (c.id, ev.g, r)
            if key in self._handoffs:  # the receiver already reported it
                self._handoffs.discard(key)
            else:
                self._handoffs.add(key)
                self._handoff(c, ev.g, r, ev)
        else:
            c.sent += 1
            c.buffer.append(ev.value)
            n = ex[1] if len(ex) > 1 and isinstance(ex[1], int) else len(c.buffer)
            if n != len(c.buffer):
                self._fit_buffer(c, n, keep_tail=True)
            if len(d.transfers) < self.max_transfers:
                d.transfers.append(
                    Transfer("to_slot", c.id, ev.value, ev.g, 0, n - 1, 0, 0, ev.seq)
                )
            else:
                d.transfers_dropped += 1
        d.channels.add(c.id)

    def _handoff(self, c: ChannelView, s: int, r: int, ev: TraceEvent) -> None:
        c.sent += 1
        c.received += 1
        for gid, users in ((s, c.writers), (r, c.readers)):
            if gid and gid not in users:
                users.add(gid)
                self._d.structure = True
        other = self.goroutines.get(r if ev.g == s else s)
        if other is not None:
            # The parked side got (or gave) the value: its wait is over.
            self._run(other)
            other.activity = (
                f"received {ev.value} from {c.name}"
                if other.id == r
                else f"sent {ev.value} on {c.name}"
            )
        self._transfer(Transfer("handoff", c.id, ev.value, src=s, dst=r, seq=ev.seq))

    @staticmethod
    def _fit_buffer(c: ChannelView, n: int, keep_tail: bool) -> None:
        # Trust the runtime's length: trim (or pad with "?") what we missed.
        buf = c.buffer
        while len(buf) > n:
            if keep_tail:
                buf.popleft()
            else:
                buf.pop()
        while len(buf) < n:
            if keep_tail:
                buf.appendleft("?")
            else:
                buf.append("?")

    def _chan_recv(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        g = self._actor(ev)
        if g is None:
            return  # only goroutines receive
        d = self._d
        c.last_t = ev.t
        if g.id not in c.readers:
            c.readers.add(g.id)
            d.structure = True
        ex = ev.extra
        how = ex[0] if ex else "buffer"
        if how == "handoff":
            s = ex[1] if len(ex) > 1 else 0
            key = (c.id, s, g.id)
            if key in self._handoffs:  # the sender already reported it
                self._handoffs.discard(key)
            else:
                self._handoffs.add(key)
                self._handoff(c, s, g.id, ev)
            g.activity = f"received {ev.value} from {c.name}"
        elif how == "closed":
            g.activity = f"{c.name} is closed: zero value, ok=false"
            c.closed = True
            key = (c.id, g.id)
            if key in self._close_notified:
                self._close_notified.discard(key)
            else:
                self._transfer(Transfer("closed", c.id, "closed", dst=g.id, seq=ev.seq))
        else:
            c.received += 1
            if c.buffer:
                c.buffer.popleft()
            n = ex[1] if len(ex) > 1 and isinstance(ex[1], int) else len(c.buffer)
            if n != len(c.buffer):
                self._fit_buffer(c, n, keep_tail=True)
            g.activity = f"received {ev.value} from {c.name}"
            if len(d.transfers) < self.max_transfers:
                d.transfers.append(Transfer("from_slot", c.id, ev.value, 0, g.id, 0, 0, 0, ev.seq))
            else:
                d.transfers_dropped += 1
        d.channels.add(c.id)

    def _chan_close(self, ev: TraceEvent) -> None:
        c = self._chan(ev.obj, ev.obj_name, ev.t)
        d = self._d
        c.closed = True
        c.closed_by = ev.g
        c.last_t = ev.t
        g = self._actor(ev)
        if g is not None:
            g.activity = f"closed {c.name}"
            if g.id not in c.writers:
                c.writers.add(g.id)
                d.structure = True
        if len(self._close_notified) > 10_000:
            self._close_notified.clear()  # bound it: waiters woken by a close usually say nothing
        # Broadcast: the close reaches every parked receiver and select at once.
        for gid in (*c.receivers, *c.selectors):
            self._close_notified.add((c.id, gid))
            self._transfer(Transfer("closed", c.id, "closed", dst=gid, seq=ev.seq))
        d.channels.add(c.id)

    def _select(self, ev: TraceEvent) -> None:
        if not ev.g:
            return
        g = self._g(ev.g, ev.t)
        watched = g.select_chans
        self._run(g)
        ex = ev.extra
        try:
            picked = int(ex[0]) if ex else int(ev.value)
        except ValueError:
            picked = -1
        ready = tuple(ex[1]) if len(ex) > 1 else ()
        cases = tuple(tuple(c) for c in ex[2]) if len(ex) > 2 else ()
        sel = self.selects.get(g.id)
        if not cases:
            # A parked select that was woken reports only the case that won:
            # its cases are those of the select it parked in.
            if sel is not None and sel.cases:
                cases = sel.cases
            else:
                cases = tuple(("case", cid) for cid in watched)
        if sel is None or not _same_shape(sel.cases, cases):
            sel = self.selects[g.id] = SelectView(g.id)
        elif any(k == "case" for k, _ in cases):
            cases = tuple(  # keep the directions an earlier select told us
                (old if new == "case" else new, cid)
                for (old, _), (new, cid) in zip(sel.cases, cases)
            )
        sel.cases = cases
        sel.ready = ready
        sel.picked = picked
        sel.t = ev.t
        sel.wins[picked] = sel.wins.get(picked, 0) + 1
        sel.count += 1
        d = self._d
        for kind, cid in cases:
            c = self.channels.get(cid)
            if c is None or kind in ("nil", "case"):  # "case": direction not reported
                continue
            users = c.writers if kind == "send" else c.readers
            if g.id not in users:
                users.add(g.id)
                d.structure = True
        if picked < 0:
            g.activity = "select: default"
        elif picked < len(cases):
            kind, cid = cases[picked]
            g.activity = f"select: case {picked} ({kind} {self.object_name(cid) or cid})"
        d.goroutines.add(g.id)

    # -- sync -----------------------------------------------------------------

    def _sync_make(self, ev: TraceEvent) -> None:
        kind = ev.value
        obj, name = ev.obj, ev.obj_name
        d = self._d
        d.structure = True
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
            # extra: (parent id, deadline or None, how it was made, Done channel id)
            ex = ev.extra
            parent = ex[0] if ex and isinstance(ex[0], int) else 0
            deadline = _number(ex[1]) if len(ex) > 1 else None
            cx = self.contexts.get(obj)
            if cx is None:
                cx = self.contexts[obj] = ContextView(obj, name or f"ctx {obj}")
            cx.parent = parent
            cx.deadline = deadline
            if len(ex) > 2 and isinstance(ex[2], str):
                cx.kind = ex[2]
            if len(ex) > 3 and isinstance(ex[3], int):
                cx.done_chan = ex[3]
            p = self.contexts.get(parent)
            if p is not None and obj not in p.children:
                p.children.append(obj)
                if p.cancelled:  # a child of an ended parent is ended at once
                    cx.cancelled, cx.err, cx.cancelled_t = True, p.err, ev.t
            d.contexts.add(obj)
        elif kind in ("Timer", "Ticker"):
            # extra: (channel C id, duration or period)
            tm = self.timers.setdefault(
                obj, TimerView(obj, name or f"{kind.lower()} {obj}", kind=kind)
            )
            ex = ev.extra
            if ex and isinstance(ex[0], int):
                tm.chan = ex[0]
                self.timer_chans[ex[0]] = obj
            if len(ex) > 1:
                tm.period = _number(ex[1])
            d.timers.add(obj)
        elif kind == "AtomicInt64":
            self.cells.setdefault(obj, CellView(obj, name or f"atomic {obj}", kind=kind))
            d.cells.add(obj)
        elif kind == "Once":
            self.onces.setdefault(obj, OnceView(obj, name or f"once {obj}"))
            d.onces.add(obj)

    def _lock(self, ev: TraceEvent) -> None:
        obj = ev.obj
        lk = self.locks.get(obj)
        d = self._d
        if lk is None:
            lk = self.locks[obj] = LockView(
                obj, ev.obj_name or f"mutex {obj}", kind="RWMutex" if ev.value == "r" else "Mutex"
            )
            d.structure = True
        g = self._actor(ev)
        gid = ev.g
        if lk.waiters:
            lk.waiters = [w for w in lk.waiters if w[0] != gid]
        if ev.value == "r":
            lk.readers.append(gid)
            lk.kind = "RWMutex"
        else:
            lk.writer = gid
        lk.acquired += 1
        if g is not None:
            g.activity = f"{'RLock' if ev.value == 'r' else 'Lock'} {lk.name}"
            if gid not in lk.users:
                lk.users.add(gid)
                d.structure = True
        d.locks.add(obj)

    def _unlock(self, ev: TraceEvent) -> None:
        lk = self.locks.get(ev.obj)
        self._actor(ev)
        if lk is None:
            return
        if ev.value == "r":
            # Not owned: any goroutine may RUnlock; take its own read lock if it holds one.
            if ev.g in lk.readers:
                lk.readers.remove(ev.g)
            elif lk.readers:
                lk.readers.pop(0)
            if ev.g:
                self.goroutines[ev.g].activity = f"RUnlock {lk.name}"
        else:
            lk.writer = 0
            if ev.g:
                self.goroutines[ev.g].activity = f"Unlock {lk.name}"
        self._d.locks.add(lk.id)

    def _wg_add(self, ev: TraceEvent) -> None:
        obj = ev.obj
        wg = self.waitgroups.get(obj)
        d = self._d
        if wg is None:
            wg = self.waitgroups[obj] = WaitGroupView(obj, ev.obj_name or f"wg {obj}")
            d.structure = True
        try:
            wg.counter = int(ev.value)
        except ValueError:
            delta = ev.extra[0] if ev.extra and isinstance(ev.extra[0], int) else 0
            wg.counter += delta
        g = self._actor(ev)
        if g is not None:
            delta = ev.extra[0] if ev.extra and isinstance(ev.extra[0], int) else None
            g.activity = f"{wg.name}.Done()" if delta == -1 else f"{wg.name}.Add({delta})"
            if g.id not in wg.users:
                wg.users.add(g.id)
                d.structure = True
        if wg.counter == 0:
            # Every Wait returns together: the fan-out the stage shows.
            for gid in wg.waiters:
                self._transfer(Transfer("release", obj=obj, dst=gid, seq=ev.seq))
        d.waitgroups.add(obj)

    def _wg_wait(self, ev: TraceEvent) -> None:
        wg = self.waitgroups.get(ev.obj)
        if wg is None:
            wg = self.waitgroups[ev.obj] = WaitGroupView(ev.obj, ev.obj_name or f"wg {ev.obj}")
            self._d.structure = True
        g = self._actor(ev)
        if g is not None:
            g.activity = f"{wg.name}.Wait()"
            if g.id not in wg.users:
                wg.users.add(g.id)
                self._d.structure = True
        self._d.waitgroups.add(wg.id)

    def _once_do(self, ev: TraceEvent) -> None:
        o = self.onces.get(ev.obj)
        if o is None:
            o = self.onces[ev.obj] = OnceView(ev.obj, ev.obj_name or f"once {ev.obj}")
            self._d.structure = True
        g = self._actor(ev)
        if g is not None:
            g.activity = f"{o.name}.Do"
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

    def _atomic(self, ev: TraceEvent) -> None:
        cell = self._cell(ev, "AtomicInt64")
        cell.value = ev.value
        cell.version += 1
        cell.last_g, cell.last_op = ev.g, "atomic"
        g = self._actor(ev)
        if g is not None:
            g.activity = f"atomic {cell.name} = {ev.value}"

    def _mem_read(self, ev: TraceEvent) -> None:
        cell = self._cell(ev, "memory")
        if not cell.value:
            cell.value = ev.value
        cell.reads[ev.g] = cell.version
        cell.last_g, cell.last_op = ev.g, "read"
        g = self._actor(ev)
        if g is not None:
            g.activity = f"read {cell.name} = {ev.value}"

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
            g.activity = f"wrote {cell.name} = {ev.value}"

    # -- time and context -------------------------------------------------------

    def _timer_fire(self, ev: TraceEvent) -> None:
        tm = self.timers.get(ev.obj)
        if tm is None:
            tm = self.timers[ev.obj] = TimerView(ev.obj, ev.obj_name or f"timer {ev.obj}")
            self._d.structure = True
        tm.fires += 1
        tm.last_fire_t = ev.t
        self._transfer(Transfer("fire", obj=tm.id, seq=ev.seq))
        self._d.timers.add(tm.id)

    def _ctx_cancel(self, ev: TraceEvent) -> None:
        cx = self.contexts.get(ev.obj)
        if cx is None:
            cx = self.contexts[ev.obj] = ContextView(ev.obj, ev.obj_name or f"ctx {ev.obj}")
            self._d.structure = True
        if cx.cancelled:
            return
        # Cancelling a context cancels its whole subtree (Go's rule): spread it,
        # breadth first, so the stage can show it travelling down the tree.
        err = ev.value or "context canceled"
        frontier = [(cx, 0)]
        while frontier:
            node, depth = frontier.pop(0)
            if node.cancelled:
                continue
            node.cancelled, node.err, node.cancelled_t = True, err, ev.t
            self._d.contexts.add(node.id)
            self._transfer(Transfer("cancel", obj=node.id, depth=depth, seq=ev.seq))
            for child in node.children:
                c = self.contexts.get(child)
                if c is not None:
                    frontier.append((c, depth + 1))

    # -- runtime reports ----------------------------------------------------------

    def _deadlock(self, ev: TraceEvent) -> None:
        self.deadlock = ev.value
        self._d.deadlock = ev.value

    def _leak(self, ev: TraceEvent) -> None:
        self.leaks.append(ev.value)
        self._d.leaks.append(ev.value)
        gid = ev.g or _goroutine_id_in(ev.value)
        g = self.goroutines.get(gid)
        if g is not None:
            g.leaked = ev.value
            self._d.goroutines.add(gid)

    def _note(self, ev: TraceEvent) -> None:
        self.notes.append(ev.value)
        self._d.notes.append(ev.value)


def _same_shape(a: tuple, b: tuple) -> bool:
    """Two selects are the same statement (a loop) if their case kinds match;
    "case" (direction unknown: a parked select that was woken) matches any."""
    return len(a) == len(b) and all(x == y or "case" in (x, y) for (x, _), (y, _) in zip(a, b))


def _number(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _goroutine_id_in(line: str) -> int:
    """The id in Go's ``goroutine 7 [chan receive]: ...`` line, or 0."""
    if not line.startswith("goroutine "):
        return 0
    num = line[10:].split(" ", 1)[0]
    return int(num) if num.isdigit() else 0

"""The records a :class:`~core.trace.model.RunModel` keeps: one view per kind of object,
the transfers the stage animates, and the :class:`RunDiff` each batch answers with.

Plain data (``dataclass(slots=True)``), written by the model only; readers treat
them as read-only.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from core.trace.events import BLOCKED_STATES, FINISHED_STATES

__all__ = [
    "CellView",
    "ChannelView",
    "ContextView",
    "GoroutineView",
    "LockView",
    "OnceView",
    "PatternView",
    "RunDiff",
    "SelectView",
    "TimerView",
    "Transfer",
    "WaitGroupView",
]


# -- the views ------------------------------------------------------------------


@dataclass(slots=True)
class GoroutineView:
    """One goroutine as the trace describes it."""

    id: int
    name: str
    parent: int = 0
    state: str = "running"
    wait_reason: str = ""  # Go's words: "chan send", "sync.Mutex.Lock", ...
    waiting_on: int = 0  # the object id it is parked on (0: none, or a select)
    waiting_on_name: str = ""
    waiting_chans: tuple[int, ...] = ()  # a parked select: every channel it watches
    select_chans: tuple[int, ...] = ()  # the channels of the last select it parked in
    wake_at: float | None = None  # sleeping: runtime time it wakes
    gate: str = ""  # paused at the gate before this operation ("" = not gated)
    activity: str = ""  # the last thing it did, for the learner: "sent 3 on jobs"
    activity_on: int = 0  # the object that last thing was done to (0: none)
    panic: str = ""
    leaked: str = ""
    created_t: float = 0.0
    ended_t: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

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
    writer: int = 0  # goroutine holding it for writing (0: none, or a thread outside)
    write_held: bool = False  # locked for writing (by writer, or by a thread outside)
    readers: list[int] = field(default_factory=list)  # goroutines holding a read lock
    read_count: int = 0  # read locks held (RUnlock is not owned: counted, not matched)
    waiters: list[tuple[int, str]] = field(default_factory=list)  # (goroutine, "w"|"r")
    users: set[int] = field(default_factory=set)
    acquired: int = 0

    @property
    def held(self) -> bool:
        return self.write_held or self.read_count > 0


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
    stopped: bool = False
    chan: int = 0  # its channel C (the runtime sends the time there when it fires)
    period: float | None = None
    fires: int = 0
    dropped: int = 0  # a Ticker's ticks dropped because one still waited to be received
    last_fire_t: float | None = None
    due: float | None = None  # runtime time it fires next (None: stopped, or fired once)


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
class PatternView:
    """A pattern's own state (Kind.PATTERN): a token bucket, a circuit breaker.

    ``state`` holds the fields of its latest record (see the pattern's
    module for their meaning), ``t`` the runtime time of that record,
    ``what`` its operation ("allowed", "refused", "opened" ...), ``text``
    the sentence, ``counts`` how often each operation happened, and
    ``users`` the goroutines that used it.
    """

    id: int
    name: str
    pattern: str
    state: dict = field(default_factory=dict)
    t: float = 0.0
    what: str = ""
    text: str = ""
    g: int = 0
    counts: dict = field(default_factory=dict)
    users: set = field(default_factory=set)


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
class RunDiff:
    """What one :meth:`RunModel.apply` changed (views redraw only that)."""

    goroutines: set[int] = field(default_factory=set)
    channels: set[int] = field(default_factory=set)
    locks: set[int] = field(default_factory=set)
    waitgroups: set[int] = field(default_factory=set)
    contexts: set[int] = field(default_factory=set)
    timers: set[int] = field(default_factory=set)
    cells: set[int] = field(default_factory=set)
    onces: set[int] = field(default_factory=set)
    patterns: set[int] = field(default_factory=set)
    # (pattern, what) of each pattern operation in the batch, in order (the stage's pulses)
    pattern_moments: list[tuple[int, str]] = field(default_factory=list)
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
    removed_objects: set[int] = field(
        default_factory=set
    )  # freed locks, WaitGroups, ... (OBJ_FREE)
    freed_names: dict[int, str] = field(default_factory=dict)  # a freed object's last name
    # (t, goroutine, state) for every state a goroutine entered, in order (the timeline's lanes)
    transitions: list[tuple[float, int, str]] = field(default_factory=list)
    events: list = field(default_factory=list)  # the batch itself, for views that list events

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
            or self.patterns
            or self.removed_goroutines
            or self.removed_channels
            or self.structure
            or self.transfers
            or self.panics
            or self.deadlock
            or self.leaks
            or self.notes
        )

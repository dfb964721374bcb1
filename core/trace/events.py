"""The trace's vocabulary: event kinds, one typed payload per kind, goroutine states.

One event stands for one state change of the program, emitted inside the
critical section that made it: a rendezvous is one ``CHAN_HANDOFF`` that
names the sender, the receiver and the value; the goroutine a change wakes
is named in that same event (Go's ``goready``: the waker reports the wake).

Each event carries a small tuple of kind-specific facts (``extra``). Its
layout is written down once, here, as the payload class of the kind;
:attr:`TraceEvent.payload` decodes it, and nothing else reads ``extra`` by
position. Emitters build the plain tuple in the payload's field order (a
plain tuple of atomic values costs nothing to the garbage collector).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "BLOCKED_STATES",
    "FINISHED_STATES",
    "STATES",
    "Kind",
    "PatternState",
    "State",
    "TraceEvent",
    "WaitRecord",
    "decode",
    "format_wait_records",
    "short_repr",
    "woken_by",
]


class State(enum.Enum):
    """What a goroutine is doing, as a learner should read it (one list for all)."""

    RUNNABLE = "runnable"  # woken, or waiting at the pause gate: ready to run
    RUNNING = "running"
    BLOCKED_SEND = "blocked_send"
    BLOCKED_RECV = "blocked_recv"
    BLOCKED_SELECT = "blocked_select"
    BLOCKED_LOCK = "blocked_lock"
    BLOCKED_WAITGROUP = "blocked_waitgroup"
    BLOCKED_COND = "blocked_cond"
    SLEEPING = "sleeping"
    DONE = "done"
    PANICKED = "panicked"

    @property
    def blocked(self) -> bool:
        return self.name.startswith("BLOCKED")

    @property
    def parked(self) -> bool:
        """Blocked or sleeping: it moves only when something wakes it."""
        return self.name.startswith("BLOCKED") or self is State.SLEEPING


STATES: tuple[str, ...] = tuple(s.value for s in State)
BLOCKED_STATES = frozenset(s.value for s in State if s.blocked)
FINISHED_STATES = frozenset((State.DONE.value, State.PANICKED.value))


class Kind(enum.Enum):
    """What happened. The value is the short name shown in logs and exports.

    The comment after each kind names its payload class (the layout of ``extra``).
    """

    # goroutines
    GO_CREATE = "go.create"  # GoCreate; obj: the new goroutine, obj_name: its name
    GO_START = "go.start"
    GO_BLOCK = "go.block"  # GoBlock; obj: what it waits on (0: a select or nothing)
    GO_UNBLOCK = "go.unblock"  # GoUnblock; g: the goroutine woken, obj: what it waited on
    GO_SLEEP = "go.sleep"  # GoSleep
    GO_END = "go.end"
    GO_PANIC = "go.panic"  # GoPanic; value: the panic's text
    GO_GATE = "go.gate"  # value: the operation it will do; obj: on what
    GO_STEP = "go.step"  # let through its gate by a step; value: the operation
    # channels
    CHAN_MAKE = "chan.make"  # ChanMake
    CHAN_SEND = "chan.send"  # ChanSend: value put into the buffer
    CHAN_RECV = "chan.recv"  # ChanRecv: value taken from the buffer, or closed
    CHAN_HANDOFF = "chan.handoff"  # ChanHandoff: a rendezvous, sender to receiver
    CHAN_CLOSE = "chan.close"  # ChanClose
    SELECT = "select"  # SelectChoice: a select that did not park chose a case
    # sync
    SYNC_MAKE = "sync.make"  # SyncMake; value: the type ("Mutex", "Context", "Timer", ...)
    LOCK = "lock"  # LockTaken; g: the new holder
    UNLOCK = "unlock"  # Unlocked
    WG_ADD = "wg.add"  # WgAdd
    WG_WAIT = "wg.wait"  # WgWait: a Wait that returned at once (a parked Wait is GO_BLOCK)
    COND_SIGNAL = "cond.signal"  # CondSignal
    ONCE_DO = "once.do"
    ATOMIC = "atomic"  # AtomicOp; value: the new value
    # memory operations annotated by patterns (count++ as read, add, write)
    MEM_READ = "mem.read"
    MEM_WRITE = "mem.write"
    # time and context
    TIMER_FIRE = "timer.fire"  # TimerFire; value: the time (a CHAN_* event follows unless dropped)
    TIMER_STOP = "timer.stop"  # TimerStop
    TIMER_RESET = "timer.reset"  # TimerReset
    CTX_CANCEL = "ctx.cancel"  # CtxCancel; value: Go's error text
    # runtime
    OBJ_FREE = "obj.free"  # obj is gone: no goroutine can reach it any more
    DEADLOCK = "deadlock"  # Deadlock; value: Go's text, made from the records
    LEAK = "leak"  # WaitRecord of the leaked goroutine (g); value: its line
    FAULT = "fault"  # a runtime callback raised (counted, never fatal); value: the error
    NOTE = "note"  # a scenario's annotation: value is plain text for the learner
    METRIC = "metric"  # obj_name: series name; value: the number
    PATTERN = "pattern"  # PatternState; obj: a pattern (token bucket, breaker); value: a sentence


# -- payloads -------------------------------------------------------------------------
# Field order is the order of the emitted tuple. Defaults let an older, shorter
# tuple decode; an empty payload is the empty tuple.


class Empty(NamedTuple):
    pass


class GoCreate(NamedTuple):
    parent: int = 0  # the goroutine that ran ``go`` (0: a thread outside the runtime)


class GoBlock(NamedTuple):
    state: str = State.BLOCKED_LOCK.value  # a State value
    reason: str = ""  # Go's wait reason: "chan send", "sync.Mutex.Lock", "select", ...
    cases: tuple = ()  # a select: its cases, (("recv"|"send"|"nil", chan id), ...)


class GoUnblock(NamedTuple):
    waker: int = 0  # the goroutine that woke it (0: the clock, or the runtime stopping it)


class GoSleep(NamedTuple):
    duration: float = 0.0
    until: float = 0.0  # runtime time it wakes


class GoPanic(NamedTuple):
    fatal: bool = False  # Go's unrecoverable ``fatal error:``


class ChanMake(NamedTuple):
    cap: int = 0


class ChanSend(NamedTuple):
    length: int = 0  # values in the buffer after it


class ChanRecv(NamedTuple):
    length: int = 0  # values in the buffer after it (and after a refill)
    ok: bool = True  # False: the channel is closed and drained (value is the zero value)
    sender: int = 0  # a parked sender whose value moved into the freed slot (woken by this)
    moved: str = ""  # that value
    case: int = -1  # that sender's select case (-1: a plain send)


class ChanHandoff(NamedTuple):
    sender: int = 0
    receiver: int = 0
    woken: int = 0  # the side that was parked (the other one did the operation)
    case: int = -1  # the woken side's select case (-1: it was not in a select)


class ChanClose(NamedTuple):
    woken: tuple = ()  # ((goroutine, select case or -1), ...): receivers get zero values,
    # senders panic


class SelectChoice(NamedTuple):
    picked: int = -1  # the case taken (-1: default)
    ready: tuple = ()  # the cases that could proceed, at one moment under all locks
    cases: tuple = ()  # (("recv"|"send"|"nil", chan id), ...)


class SyncMake(NamedTuple):
    # Context: parent, deadline, how ("cancel", "deadline", "value", ...), chan = Done.
    # Timer, Ticker: chan = C (0: an after_func, how "func"), period = the duration.
    # Cond: parent = its locker.
    parent: int = 0
    deadline: float | None = None
    how: str = ""
    chan: int = 0
    period: float | None = None


class LockTaken(NamedTuple):
    mode: str = "w"  # "w" (Lock) or "r" (RLock)
    handed: bool = False  # handed to a parked waiter by an unlock (it is woken by this)


class Unlocked(NamedTuple):
    mode: str = "w"
    woken: int = 0  # a Mutex waiter woken to compete for the lock (0: none)


class WgAdd(NamedTuple):
    counter: int = 0  # after the add
    delta: int = 0
    woken: tuple = ()  # the Wait-ers the counter reaching zero released


class WgWait(NamedTuple):
    counter: int = 0


class CondSignal(NamedTuple):
    woken: tuple = ()  # the waiters made runnable (they then relock)
    broadcast: bool = False


class AtomicOp(NamedTuple):
    op: str = ""  # "store", "add", "swap", "cas"


class TimerFire(NamedTuple):
    chan: int = 0  # its channel (0: an after_func, whose goroutine's GO_CREATE follows)
    dropped: bool = False  # a Ticker's tick dropped: one still waited to be received


class TimerStop(NamedTuple):
    chan: int = 0
    active: bool = False  # what Stop returns
    drained: bool = False  # a fired value not yet received was dropped


class TimerReset(NamedTuple):
    chan: int = 0
    active: bool = False
    drained: bool = False
    duration: float = 0.0


class CtxCancel(NamedTuple):
    parent: int = 0
    cause: str = ""  # context.Cause's text when it differs from the error


class PatternState(NamedTuple):
    """A pattern's own state after one of its operations (what Go's runtime cannot see)."""

    pattern: str = ""  # "token-bucket", "circuit-breaker"
    what: str = ""  # the operation: "allowed", "refused", "took", "opened", ...
    state: tuple = ()  # ((field, value), ...): the pattern's numbers and words now

    def fields(self) -> dict:
        """The state as a dict (a damaged pair is skipped)."""
        return {f[0]: f[1] for f in self.state if isinstance(f, tuple) and len(f) == 2}


class WaitRecord(NamedTuple):
    """One goroutine in a deadlock, leak or stop report: facts, not text."""

    g: int = 0
    name: str = ""
    state: str = ""  # a State value
    reason: str = ""  # Go's wait reason
    obj: int = 0  # what it waits on (0: a select, a sleep, nothing)
    obj_name: str = ""

    def line(self) -> str:
        """Go's line: ``goroutine 7 [chan receive]: worker on jobs``."""
        what = self.reason or self.state
        on = f" on {self.obj_name}" if self.obj_name else ""
        return f"goroutine {self.g} [{what}]: {self.name}{on}"


class Deadlock(NamedTuple):
    goroutines: tuple = ()  # WaitRecord tuples


_PAYLOADS: dict[Kind, type] = {
    Kind.GO_CREATE: GoCreate,
    Kind.GO_BLOCK: GoBlock,
    Kind.GO_UNBLOCK: GoUnblock,
    Kind.GO_SLEEP: GoSleep,
    Kind.GO_PANIC: GoPanic,
    Kind.CHAN_MAKE: ChanMake,
    Kind.CHAN_SEND: ChanSend,
    Kind.CHAN_RECV: ChanRecv,
    Kind.CHAN_HANDOFF: ChanHandoff,
    Kind.CHAN_CLOSE: ChanClose,
    Kind.SELECT: SelectChoice,
    Kind.SYNC_MAKE: SyncMake,
    Kind.LOCK: LockTaken,
    Kind.UNLOCK: Unlocked,
    Kind.WG_ADD: WgAdd,
    Kind.WG_WAIT: WgWait,
    Kind.COND_SIGNAL: CondSignal,
    Kind.ATOMIC: AtomicOp,
    Kind.TIMER_FIRE: TimerFire,
    Kind.TIMER_STOP: TimerStop,
    Kind.TIMER_RESET: TimerReset,
    Kind.CTX_CANCEL: CtxCancel,
    Kind.DEADLOCK: Deadlock,
    Kind.LEAK: WaitRecord,
    Kind.PATTERN: PatternState,
}


def payload_class(kind: Kind) -> type:
    """The payload class of *kind* (``Empty`` for kinds that carry nothing)."""
    return _PAYLOADS.get(kind, Empty)


def decode(kind: Kind, extra: tuple) -> Any:
    """The typed payload of an event of *kind* whose facts are *extra*.

    Raises ``ValueError`` when *extra* has more fields than the payload.
    """
    cls = _PAYLOADS.get(kind, Empty)
    try:
        return cls(*extra)
    except TypeError as exc:
        raise ValueError(f"{kind.value}: bad payload {extra!r}") from exc


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One thing that happened, in exact order (``seq``).

    ``t`` is runtime-clock time in seconds, ``g`` the goroutine id that did
    it (0: outside any goroutine), ``obj``/``obj_name`` the object it was
    done to (0/"" when none), ``value`` a short repr of the program's value,
    ``extra`` the kind's facts: read them through :attr:`payload`.
    """

    seq: int
    t: float
    kind: Kind
    g: int = 0
    obj: int = 0
    obj_name: str = ""
    value: str = ""
    extra: tuple = ()

    @property
    def payload(self) -> Any:
        """The kind's typed payload (see :class:`Kind`)."""
        return decode(self.kind, self.extra)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "t": self.t,
            "kind": self.kind.value,
            "g": self.g,
            "obj": self.obj,
            "obj_name": self.obj_name,
            "value": self.value,
            "extra": _listed(self.extra),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TraceEvent:
        """Rebuild an event; raises ``ValueError`` on anything malformed."""
        try:
            ev = cls(
                seq=int(d["seq"]),
                t=float(d["t"]),
                kind=Kind(d["kind"]),
                g=int(d.get("g", 0)),
                obj=int(d.get("obj", 0)),
                obj_name=str(d.get("obj_name", "")),
                value=str(d.get("value", "")),
                extra=tuple(_plain(x) for x in d.get("extra", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a trace event: {exc}") from exc
        ev.payload  # noqa: B018 - raises ValueError on a payload of the wrong shape
        return ev


# A frozen dataclass's __init__ sets each field through object.__setattr__: about
# 1 us an event, paid by every reader of the ring. The readers' hot path makes
# events with the slots' own setters instead (half the time, the same frozen
# object: equal, hashable, immutable to everyone else).
_SETTERS = tuple(
    getattr(TraceEvent, f).__set__
    for f in ("seq", "t", "kind", "g", "obj", "obj_name", "value", "extra")
)


def make_event(
    seq: int,
    t: float,
    kind: Kind,
    g: int,
    obj: int,
    obj_name: str,
    value: str,
    extra: tuple,
    _new: Any = object.__new__,
    _s: tuple = _SETTERS,
) -> TraceEvent:
    """``TraceEvent(seq, t, kind, g, obj, obj_name, value, extra)``, twice as fast
    (for the ring's readers; the arguments are trusted, all eight are required)."""
    ev = _new(TraceEvent)
    _s[0](ev, seq)
    _s[1](ev, t)
    _s[2](ev, kind)
    _s[3](ev, g)
    _s[4](ev, obj)
    _s[5](ev, obj_name)
    _s[6](ev, value)
    _s[7](ev, extra)
    return ev


def _listed(x: Any) -> Any:
    return [_listed(y) for y in x] if isinstance(x, tuple) else x


def _plain(x: Any) -> Any:
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, list):
        return tuple(_plain(y) for y in x)
    raise ValueError(f"unexpected value in event extra: {type(x).__name__}")


def woken_by(ev: TraceEvent) -> tuple[int, ...]:
    """The goroutines that *ev* made runnable (the waker reports every wake-up)."""
    k = ev.kind
    if k is Kind.GO_UNBLOCK:
        return (ev.g,)
    if k is Kind.CHAN_HANDOFF:
        return (ev.extra[2],) if len(ev.extra) > 2 and ev.extra[2] else ()
    if k is Kind.CHAN_RECV:
        p = decode(k, ev.extra)
        return (p.sender,) if p.sender else ()
    if k is Kind.CHAN_CLOSE:
        return tuple(w[0] for w in decode(k, ev.extra).woken)
    if k is Kind.LOCK:
        return (ev.g,) if decode(k, ev.extra).handed else ()
    if k is Kind.UNLOCK:
        w = decode(k, ev.extra).woken
        return (w,) if w else ()
    if k is Kind.WG_ADD or k is Kind.COND_SIGNAL:
        return tuple(decode(k, ev.extra).woken)
    return ()


def format_wait_records(records: tuple | list) -> list[str]:
    """Go's lines for *records* (WaitRecord tuples), for display only."""
    return [WaitRecord(*r).line() for r in records]


_MAX_REPR = 40


def short_repr(value: Any) -> str:
    """A repr of *value* short enough for a token on the stage."""
    if isinstance(value, str):
        r = value
    elif isinstance(value, float):
        r = f"{value:.4g}"
    else:
        # A class that says how it reads (its own __str__: a Job, an error) is shown
        # that way ("Job 2", "context canceled"); anything else by its repr.
        try:
            r = str(value) if type(value).__str__ is not object.__str__ else repr(value)
        except Exception:  # a user object whose str or repr raises
            r = f"<{type(value).__name__}>"
    if len(r) > _MAX_REPR:
        r = r[: _MAX_REPR - 1] + "…"
    return r

"""Be the scheduler: step a paused runtime one operation at a time, and say what moved.

While the runtime's clock is paused, every goroutine stops at the pause
gate before its next operation (a send, a lock, ``count++``'s read...).
:func:`gate_choices` lists who waits there and what each will do;
:func:`step_and_describe` lets one through and returns a sentence of what
happened ("worker-1 read count = 0, then waits to yield (runtime.Gosched)").

A step is over when the goroutine let through, and every goroutine it woke
or started, has come to rest: at the gate again, blocked, asleep or ended
(their ``GO_GATE``/``GO_BLOCK``/``GO_SLEEP``/``GO_END`` events). Waiting for
that uses the tracer: a subscriber wakes the waiter on each new event, which
then reads the events after the tracer's ``last_seq`` taken before the step;
a deadline bounds the wait. A step that moves no goroutine but the clock
(nobody at the gate) cannot announce its end: it is over once the goroutines
the timers woke have come to rest, or after ``settle`` seconds without a new
event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from core.runtime import Runtime
from core.trace import Kind, TraceEvent, Tracer

__all__ = ["GateChoice", "Step", "describe_events", "gate_choices", "step", "step_and_describe"]

_RESTING = frozenset({Kind.GO_GATE, Kind.GO_BLOCK, Kind.GO_SLEEP, Kind.GO_END})


@dataclass(frozen=True)
class GateChoice:
    """A goroutine waiting at the pause gate, and the operation it will do next."""

    g: int
    name: str
    op: str


def gate_choices(rt: Runtime) -> list[GateChoice]:
    """Who waits at the pause gate, longest waiting first (the one a plain step lets go)."""
    return [GateChoice(g.id, g.name, op) for g, op in rt.gated()]


@dataclass(frozen=True)
class Step:
    """What one step did: whether anything moved, which goroutine went, its events."""

    moved: bool
    g: int | None  # the goroutine let through; None when the clock moved, or nothing
    events: list[TraceEvent] = field(default_factory=list)
    text: str = ""
    complete: bool = True  # False: the deadline passed before everything came to rest


def step(rt: Runtime, g_id: int | None = None, timeout: float = 1.0, settle: float = 0.05) -> Step:
    """Let one operation through (goroutine *g_id*, or the longest waiting) and report it.

    Blocks until what moved has come to rest (see the module docstring), at
    most *timeout* seconds. Without a tracer it steps and reports no detail.
    Never raises for a runtime that is not paused or a goroutine not at the
    gate: the Step says nothing moved, and why.
    """
    names = {g.id: g.name for g in rt.goroutines()}
    tr = rt.tracer
    if not rt.clock.paused:
        return Step(False, None, text="Nothing moved: the runtime is not paused.")
    if g_id is not None and all(c.g != g_id for c in gate_choices(rt)):
        who = names.get(g_id, f"goroutine {g_id}")
        return Step(False, None, text=f"Nothing moved: {who} is not waiting at the gate.")
    if tr is None:
        if not rt.step(g_id, timeout):
            return Step(False, None, text="Nothing moved.")
        who = names.get(g_id, "a goroutine") if g_id is not None else "A goroutine or the clock"
        return Step(True, g_id, text=f"{who} moved one operation (no tracer: no details).")
    arrived = threading.Event()
    unsubscribe = tr.subscribe(lambda _ev: arrived.set())
    try:
        seq0 = tr.last_seq
        if not rt.step(g_id, timeout):
            return Step(
                False,
                None,
                text="Nothing moved: no goroutine waits at the gate and no timer is pending.",
            )
        return _watch(tr, seq0, arrived, names, timeout, settle)
    finally:
        unsubscribe()


def _watch(
    tr: Tracer,
    seq0: int,
    arrived: threading.Event,
    names: dict[int, str],
    timeout: float,
    settle: float,
) -> Step:
    deadline = time.monotonic() + timeout
    seq = seq0
    events: list[TraceEvent] = []
    stepped: int | None = None
    waiting: set[int] = set()  # goroutines that moved and must come to rest
    rested: set[int] = set()
    complete = False
    while True:
        arrived.clear()
        new, _missed = tr.since(seq)
        for ev in new:
            seq = ev.seq
            events.append(ev)
            if ev.kind is Kind.GO_CREATE:
                names[ev.obj] = ev.obj_name
                waiting.add(ev.obj)
            elif ev.kind is Kind.GO_STEP and stepped is None:
                stepped = ev.g
                waiting.add(ev.g)
            elif ev.kind is Kind.GO_UNBLOCK:
                waiting.add(ev.g)
                rested.discard(ev.g)
            elif ev.kind in _RESTING and ev.g in waiting:
                rested.add(ev.g)
        if waiting and waiting <= rested:
            complete = True
            break
        left = deadline - time.monotonic()
        if left <= 0:
            break
        clock_only = stepped is None and events and not waiting
        if not arrived.wait(min(left, settle) if clock_only else left) and clock_only:
            complete = True  # the clock moved and nothing more happened
            break
    lines = describe_events(events, names)
    text = " ".join(lines) if lines else "The step let an operation through; nothing was traced."
    if stepped is None:
        text = "The clock jumped to the next timer. " + text
    if not complete:
        text += " (Still moving when the step stopped watching.)"
    return Step(True, stepped, events, text, complete)


def step_and_describe(rt: Runtime, g_id: int | None = None, timeout: float = 1.0) -> str:
    """Step (as :func:`step`) and return the sentence of what moved."""
    return step(rt, g_id, timeout).text


# -- words ------------------------------------------------------------------------


def _op_words(op: str, obj: str) -> str:
    on = f" {obj}" if obj else ""
    return {
        "chan send": f"send on{on}",
        "chan receive": f"receive from{on}",
        "chan close": f"close{on}",
        "select": "run a select",
        "mem.read": f"read{on}" if obj else "read a shared variable",
        "mem.write": f"write{on}" if obj else "write a shared variable",
        "runtime.Gosched": "yield (runtime.Gosched)",
        "time.Sleep": "sleep",
    }.get(op, f"{op}{on}")


def _clause(ev: TraceEvent, name: Callable[[int], str]) -> tuple[int, str] | None:
    """(the goroutine it is about, what it did) for one event; None for silent events."""
    k, obj, v, x = ev.kind, ev.obj_name, ev.value, ev.extra
    if k is Kind.MEM_READ:
        return ev.g, f"read {obj} = {v}"
    if k is Kind.MEM_WRITE:
        return ev.g, f"wrote {obj} = {v}"
    if k is Kind.CHAN_SEND:
        if x and x[0] == "handoff":
            return ev.g, f"handed {v} to {name(x[1])} on {obj}"
        n = x[1] if len(x) > 1 else "?"
        return ev.g, f"put {v} into {obj} ({n} in the buffer)"
    if k is Kind.CHAN_RECV:
        if x and x[0] == "closed":
            return ev.g, f"found {obj} closed (got the zero value, ok=false)"
        if x and x[0] == "handoff":
            return ev.g, f"received {v} from {obj}"
        return ev.g, f"took {v} from {obj}'s buffer"
    if k is Kind.CHAN_CLOSE:
        return ev.g, f"closed {obj}"
    if k is Kind.SELECT:
        picked = x[0] if x else int(v)
        if picked < 0:
            return ev.g, "took the default of a select"
        return ev.g, f"chose case {picked} of a select ({obj})"
    if k is Kind.GO_BLOCK:
        on = f" on {obj}" if obj else ""
        return ev.g, f"blocked ({v}{on})"
    if k is Kind.GO_UNBLOCK:
        waker = x[0] if x else 0
        if waker == 0:
            return ev.g, "was woken by the clock"
        return waker, f"woke {name(ev.g)}"
    if k is Kind.LOCK:
        return ev.g, f"{'read-' if v == 'r' else ''}locked {obj}"
    if k is Kind.UNLOCK:
        return ev.g, f"{'read-' if v == 'r' else ''}unlocked {obj}"
    if k is Kind.WG_ADD:
        delta = x[0] if x else "?"
        return ev.g, f"added {delta} to {obj} (now {v})"
    if k is Kind.WG_WAIT:
        return ev.g, f"checked {obj} (counter {v})"
    if k is Kind.ATOMIC:
        return ev.g, f"set {obj} to {v} atomically"
    if k is Kind.GO_CREATE:
        return ev.g, f"started {ev.obj_name}"
    if k is Kind.GO_SLEEP:
        return ev.g, f"went to sleep for {v} s"
    if k is Kind.GO_PANIC:
        return ev.g, f"panicked: {v}"
    if k is Kind.GO_END:
        return ev.g, "ended"
    if k is Kind.TIMER_FIRE:
        return 0, f"{obj} fired"
    if k is Kind.CTX_CANCEL:
        return ev.g, f"cancelled {obj} ({v})"
    if k is Kind.GO_STEP and v == "runtime.Gosched":
        return ev.g, "yielded the processor (runtime.Gosched)"
    if k is Kind.GO_GATE:
        return ev.g, f"waits to {_op_words(v, obj)}"
    return None  # GO_START, GO_STEP, NOTE, METRIC, DEADLOCK, LEAK, SYNC_MAKE, CHAN_MAKE...


def describe_events(events: Iterable[TraceEvent], names: dict[int, str]) -> list[str]:
    """One sentence per goroutine that did something in *events*, in order of appearance.

    ``names`` maps goroutine ids to names (``GO_CREATE`` events add to it).
    """

    def name(g: int) -> str:
        return names.get(g, f"goroutine {g}") if g else "the clock"

    said: dict[int, list[str]] = {}
    for ev in events:
        if ev.kind is Kind.GO_CREATE:
            names[ev.obj] = ev.obj_name
        c = _clause(ev, name)
        if c is not None:
            said.setdefault(c[0], []).append(c[1])
    out = []
    for g, clauses in said.items():
        if len(clauses) == 1:
            body = clauses[0]
        else:
            body = ", ".join(clauses[:-1]) + ", then " + clauses[-1]
        out.append(f"{name(g)} {body}.")
    return out

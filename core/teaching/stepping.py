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
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.runtime import Runtime
from core.teaching.sentences import clauses
from core.trace import Kind, TraceEvent, Tracer, woken_by

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
            else:
                for w in woken_by(ev):  # made runnable by this event: it moves next
                    waiting.add(w)
                    rested.discard(w)
                if ev.kind in _RESTING and ev.g in waiting:
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
        for g, words in clauses(ev, name):
            said.setdefault(g, []).append(words)
    out = []
    for g, parts in said.items():
        body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", then " + parts[-1]
        out.append(f"{name(g)} {body}.")
    return out

"""The one table that turns trace events into sentences for the learner.

:func:`clause` says what one event did, about whom: ``(goroutine, words)``
("handed 3 to worker-2 on jobs"), or None for events a learner need not
read. The event log, the step explanations and the reports all speak with it.
"""

from __future__ import annotations

from collections.abc import Callable

from core.trace import Kind, TraceEvent, woken_by

__all__ = ["clause", "clauses", "op_words", "sentence"]

Namer = Callable[[int], str]


def op_words(op: str, obj: str) -> str:
    """What a goroutine waiting at the gate before *op* on *obj* will do."""
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


def clause(ev: TraceEvent, name: Namer) -> tuple[int, str] | None:
    """(the goroutine it is about, what it did) for one event; None for silent events."""
    k, obj, v = ev.kind, ev.obj_name, ev.value
    if k is Kind.MEM_READ:
        return ev.g, f"read {obj} = {v}"
    if k is Kind.MEM_WRITE:
        return ev.g, f"wrote {obj} = {v}"
    if k is Kind.CHAN_HANDOFF:
        p = ev.payload
        if ev.g == p.sender:
            return ev.g, f"handed {v} to {name(p.receiver)} on {obj}"
        return ev.g, f"received {v} from {name(p.sender)} on {obj}"
    if k is Kind.CHAN_SEND:
        who = ev.g
        return who, f"put {v} into {obj} ({ev.payload.length} in the buffer)"
    if k is Kind.CHAN_RECV:
        p = ev.payload
        if not p.ok:
            return ev.g, f"found {obj} closed (got the zero value, ok=false)"
        if p.sender:
            return ev.g, (
                f"took {v} from {obj}'s buffer, and {name(p.sender)}'s {p.moved} moved in"
            )
        return ev.g, f"took {v} from {obj}'s buffer"
    if k is Kind.CHAN_CLOSE:
        n = len(ev.payload.woken)
        woke = f", waking {n} goroutine{'s' if n != 1 else ''}" if n else ""
        return ev.g, f"closed {obj}{woke}"
    if k is Kind.SELECT:
        picked = ev.payload.picked
        if picked < 0:
            return ev.g, "took the default of a select"
        return ev.g, f"chose case {picked} of a select ({obj})"
    if k is Kind.GO_BLOCK:
        on = f" on {obj}" if obj else ""
        return ev.g, f"blocked ({ev.payload.reason}{on})"
    if k is Kind.GO_UNBLOCK:
        waker = ev.payload.waker
        if waker == 0:
            return ev.g, "was woken by the clock"
        return waker, f"woke {name(ev.g)}"
    if k is Kind.LOCK:
        p = ev.payload
        handed = " (handed over by an unlock)" if p.handed else ""
        return ev.g, f"{'read-' if p.mode == 'r' else ''}locked {obj}{handed}"
    if k is Kind.UNLOCK:
        p = ev.payload
        woke = f", waking {name(p.woken)}" if p.woken else ""
        return ev.g, f"{'read-' if p.mode == 'r' else ''}unlocked {obj}{woke}"
    if k is Kind.WG_ADD:
        p = ev.payload
        woke = f", releasing {len(p.woken)} Wait" if p.woken else ""
        return ev.g, f"added {p.delta} to {obj} (now {p.counter}){woke}"
    if k is Kind.WG_WAIT:
        return ev.g, f"checked {obj} (counter {ev.payload.counter}): no wait"
    if k is Kind.COND_SIGNAL:
        p = ev.payload
        return ev.g, f"{'broadcast' if p.broadcast else 'signalled'} {obj}"
    if k is Kind.ATOMIC:
        return ev.g, f"set {obj} to {v} atomically"
    if k is Kind.GO_CREATE:
        return ev.g, f"started {ev.obj_name}"
    if k is Kind.GO_SLEEP:
        return ev.g, f"went to sleep for {ev.payload.duration:g} s"
    if k is Kind.GO_PANIC:
        return ev.g, f"panicked: {v}"
    if k is Kind.GO_END:
        return ev.g, "ended"
    if k is Kind.TIMER_FIRE:
        return 0, f"{obj} fired"
    if k is Kind.TIMER_STOP or k is Kind.TIMER_RESET:
        p = ev.payload
        drop = " (its unreceived value was dropped)" if p.drained else ""
        if k is Kind.TIMER_STOP:
            return ev.g, f"stopped {obj}{drop}"
        return ev.g, f"reset {obj} to {p.duration:g} s{drop}"
    if k is Kind.CTX_CANCEL:
        return ev.g, f"cancelled {obj} ({v})"
    if k is Kind.GO_STEP and v == "runtime.Gosched":
        return ev.g, "yielded the processor (runtime.Gosched)"
    if k is Kind.GO_GATE:
        return ev.g, f"waits to {op_words(v, obj)}"
    if k is Kind.FAULT:
        return 0, f"a runtime callback failed: {v}"
    if k is Kind.PATTERN and ev.payload.what != "made":
        return ev.g, f"{obj}: {v}"
    return None  # GO_START, GO_STEP, NOTE, METRIC, DEADLOCK, LEAK, SYNC_MAKE, CHAN_MAKE...


def clauses(ev: TraceEvent, name: Namer) -> list[tuple[int, str]]:
    """Every (goroutine, words) *ev* says: its actor's clause, then, for each
    goroutine it woke, "woke X" for the actor and what the woken one got."""
    c = clause(ev, name)
    out = [c] if c is not None else []
    k = ev.kind
    if k is Kind.CHAN_HANDOFF:
        p = ev.payload
        if p.woken and p.woken != ev.g:
            out.append((ev.g, f"woke {name(p.woken)}"))
            if p.woken == p.receiver:
                out.append((p.woken, f"received {ev.value} from {ev.obj_name}"))
            else:
                out.append((p.woken, f"sent {ev.value} on {ev.obj_name}"))
    elif k is Kind.CHAN_RECV:
        p = ev.payload
        if p.sender:
            out.append((ev.g, f"woke {name(p.sender)}"))
            out.append((p.sender, f"sent {p.moved} on {ev.obj_name}"))
    elif k in (Kind.CHAN_CLOSE, Kind.WG_ADD, Kind.COND_SIGNAL, Kind.UNLOCK):
        out.extend((ev.g, f"woke {name(w)}") for w in woken_by(ev) if w != ev.g)
    return out


def sentence(ev: TraceEvent, name: Namer) -> str:
    """One line for *ev*: "<who> <what it did>", or the kind's name for silent events."""
    c = clause(ev, name)
    if c is None:
        return ""
    g, words = c
    return f"{name(g)} {words}"

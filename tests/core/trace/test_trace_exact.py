"""The trace is exact: one event per state change, emitted inside the critical section
that made it, and every wake-up reported by its waker.

Each of the first four tests reproduces a mismatch the stage once showed (a mutex
free while held, a timer value still drawn after Stop, an RWMutex waiter that never
woke in the trace, a sleeper published before its timer existed). The property test
runs random programs over every primitive and replays their traces through
RunModel's per-object sequential model.
"""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.runtime import (
    Chan,
    Mutex,
    Recv,
    Runtime,
    RWMutex,
    Send,
    State,
    Ticker,
    Timer,
    WaitGroup,
    go,
    select,
    sleep,
)
from core.runtime import context as gocontext
from core.trace import Kind, RunModel, TraceEvent, Tracer, to_chrome_trace, woken_by


@pytest.fixture
def rt():
    runtime = Runtime(name="exact", tracer=Tracer(capacity=500_000), seed=5)
    with runtime.active():
        yield runtime
    runtime.stop(timeout=1.0)


def every_block_is_closed(events: list[TraceEvent]) -> list[str]:
    """Goroutines whose GO_BLOCK/GO_SLEEP was followed by their own next event
    without a wake-up in between (a wake the trace never reported)."""
    parked: dict[int, int] = {}
    bad = []
    for ev in events:
        for g in woken_by(ev):
            parked.pop(g, None)
        k = ev.kind
        if ev.g in parked and k not in (Kind.GO_END, Kind.LEAK, Kind.GO_PANIC):
            # a parked goroutine acting again must have been woken first
            if not (k is Kind.LOCK and ev.payload.handed):
                bad.append(f"seq {ev.seq}: goroutine {ev.g} acted while parked ({k.value})")
            parked.pop(ev.g, None)
        if k in (Kind.GO_BLOCK, Kind.GO_SLEEP):
            parked[ev.g] = ev.seq
        elif k is Kind.GO_END:
            parked.pop(ev.g, None)
    return bad


def fold(rt: Runtime) -> RunModel:
    events = rt.tracer.events()
    assert rt.tracer.dropped == 0
    model = RunModel()
    model.apply(events)
    assert model.mismatches == 0
    assert every_block_is_closed(events) == []
    return model


def test_a_contended_mutex_is_never_locked_twice_in_the_trace(rt):
    mu = Mutex(name="mu")

    def worker() -> None:
        for _ in range(2_000):
            mu.lock()
            mu.unlock()

    for _ in range(3):
        gs = [go(worker) for _ in range(4)]
        assert all(g.join(20) for g in gs)
    holder = 0
    for ev in rt.tracer.events():
        if ev.obj != mu.id:
            continue
        if ev.kind is Kind.LOCK:
            assert holder == 0, f"seq {ev.seq}: LOCK while held by {holder}"
            holder = ev.g
        elif ev.kind is Kind.UNLOCK:
            assert holder, f"seq {ev.seq}: UNLOCK of a free mutex"
            holder = 0
    fold(rt)


def test_a_mutex_waiter_is_woken_by_the_unlock_that_frees_it(rt):
    """Traced and untraced, one algorithm: the unlock frees the lock, then wakes the
    first waiter, reported by a GO_UNBLOCK naming the unlocker; the waiter takes it."""
    mu = Mutex(name="mu")
    mu.lock()
    g = go(mu.lock, name="waiter")
    wait_until(lambda: g.state is State.BLOCKED_LOCK)
    unlocker = go(mu.unlock, name="unlocker")
    assert unlocker.join(5) and g.join(5)
    mine = [e for e in rt.tracer.events() if e.obj == mu.id and e.kind is not Kind.SYNC_MAKE]
    unlock = next(e for e in mine if e.kind is Kind.UNLOCK)
    wake = next(e for e in mine if e.kind is Kind.GO_UNBLOCK)
    lock = [e for e in mine if e.kind is Kind.LOCK][-1]
    assert unlock.g == unlocker.id and wake.g == g.id and wake.payload.waker == unlocker.id
    assert unlock.seq < wake.seq < lock.seq and lock.g == g.id
    assert woken_by(wake) == (g.id,)
    assert mu.locked
    fold(rt)


@pytest.mark.parametrize("how", ["stop", "reset"])
def test_a_timer_value_dropped_by_stop_or_reset_is_traced(rt, how):
    rt.pause()
    t = Timer(1.0, name="t")
    assert rt.step()  # the clock jumps to the timer: it fires into its channel
    wait_until(lambda: t.c.statistics().length == 1)
    assert (t.stop() if how == "stop" else t.reset(5.0)) is True
    (ev,) = [e for e in rt.tracer.events() if e.kind in (Kind.TIMER_STOP, Kind.TIMER_RESET)]
    assert (ev.payload.chan, ev.payload.drained, ev.payload.active) == (t.c.id, True, True)
    model = fold(rt)
    assert list(model.channels[t.c.id].buffer) == [] == t.c.buffer()


def test_a_ticker_stop_drops_its_waiting_tick_in_the_trace(rt):
    rt.pause()
    tk = Ticker(1.0, name="tick")
    assert rt.step()
    wait_until(lambda: tk.c.statistics().length == 1)
    tk.stop()
    assert list(fold(rt).channels[tk.c.id].buffer) == []


@pytest.mark.parametrize("waiter", ["reader", "writer"])
def test_an_rwmutex_waiter_is_woken_by_the_event_that_hands_it_the_lock(rt, waiter):
    rw = RWMutex(name="rw")
    rw.lock()
    g = go(rw.rlock if waiter == "reader" else rw.lock, name=waiter)
    wait_until(lambda: g.state is State.BLOCKED_LOCK)
    rt.pause()
    rw.unlock()  # from outside the runtime: hands the lock over
    (grant,) = [e for e in rt.tracer.events() if e.kind is Kind.LOCK and e.g == g.id]
    assert grant.payload.handed and woken_by(grant) == (g.id,)
    model = fold(rt)
    assert model.goroutines[g.id].state == "runnable"
    spans = [e for e in to_chrome_trace(rt.tracer.events())["traceEvents"] if e["ph"] == "X"]
    mine = [s for s in spans if s["tid"] == g.id]
    assert mine and mine[0]["ts"] + mine[0]["dur"] == pytest.approx(grant.t * 1e6)
    rt.resume()
    assert g.join(5)


def test_a_sleeper_is_published_only_once_its_timer_exists(rt):
    seen: list[int] = []
    heap = rt.clock._heap

    def on_event(ev: TraceEvent) -> None:
        if ev.kind is Kind.GO_SLEEP:
            seen.append(sum(1 for _, _, e in heap if e.is_sleep))

    unsubscribe = rt.tracer.subscribe(on_event)
    try:
        gs = [go(sleep, 0.01) for _ in range(20)]
        assert all(g.join(5) for g in gs)
    finally:
        unsubscribe()
    assert len(seen) == 20 and all(n >= 1 for n in seen)


# -- random programs ----------------------------------------------------------------------

OPS = st.sampled_from(
    [
        "send0",
        "recv0",
        "send1",
        "recv1",
        "send3",
        "recv3",
        "select",
        "select_default",
        "lock",
        "rlock",
        "wg",
        "timer",
        "ctx",
        "close",
    ]
)
PROGRAMS = st.lists(st.lists(OPS, min_size=1, max_size=12), min_size=2, max_size=5)


def run_program(rt: Runtime, program: list[list[str]]) -> None:
    chans = {0: Chan(0, name="c0"), 1: Chan(1, name="c1"), 3: Chan(3, name="c3")}
    mu, rw, wg = Mutex(name="mu"), RWMutex(name="rw"), WaitGroup(name="wg")
    root, cancel = gocontext.with_cancel(gocontext.background(), name="root")

    def body(ops: list[str]) -> None:
        for op in ops:
            if op.startswith("send"):
                select(Send(chans[int(op[4])], op), Recv(root.done()))
            elif op.startswith("recv"):
                select(Recv(chans[int(op[4])]), Recv(root.done()))
            elif op == "select":
                select(Recv(chans[0]), Send(chans[1], "s"), Recv(root.done()))
            elif op == "select_default":
                select(Recv(chans[3]), Send(chans[0], "d"), default=True)
            elif op == "lock":
                with mu:
                    sleep(0.001)
            elif op == "rlock":
                with rw.rlocker():
                    pass
                with rw:
                    pass
            elif op == "wg":
                wg.add(1)
                go(wg.done)
                wg.wait()
            elif op == "timer":
                t = Timer(0.002)
                if not t.stop():
                    t.reset(0.001)
                select(Recv(t.c), Recv(root.done()))
            elif op == "ctx":
                child, stop = gocontext.with_timeout(root, 0.003, name="child")
                select(Recv(child.done()), Recv(root.done()))
                stop()
            elif op == "close":
                ch = Chan(1, name="once")
                ch.send(1)
                ch.close()
                list(ch)

    gs = [go(body, ops, name=f"g{i}") for i, ops in enumerate(program)]
    done = threading.Event()
    # Programs may block each other for good: the root context ends them after a while.
    go(lambda: (sleep(0.2), cancel(), done.set()), name="deadline")
    assert all(g.join(10) for g in gs)
    assert done.wait(10)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(program=PROGRAMS)
def test_random_programs_trace_exactly_what_happened(program):
    runtime = Runtime(name="random", tracer=Tracer(capacity=500_000), seed=1, speed=4.0)
    with runtime.active():
        try:
            run_program(runtime, program)
            runtime.pause()
            real = runtime.snapshot(timeout=2.0)
            assert real["quiescent"]
            model = fold(runtime)
            assert model.snapshot() == real
        finally:
            runtime.stop(timeout=1.0)

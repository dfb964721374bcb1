"""Goroutines and the Runtime: registry, inheritance, panics, states, stop."""

from __future__ import annotations

import threading

import pytest
from helpers import join, run_thread, wait_until

from core.runtime import (
    Chan,
    Goroutine,
    Mutex,
    Panic,
    Recv,
    Runtime,
    RWMutex,
    State,
    StopReport,
    WaitGroup,
    current,
    current_runtime,
    default_runtime,
    go,
    gosched,
    select,
    sleep,
    trace_point,
)
from core.runtime.context import Canceled, with_cancel
from core.trace import Kind, Tracer

# -- starting, registry, identity ----------------------------------------------------------


def test_go_starts_the_function_at_once_with_its_args(rt):
    got = Chan(1)
    g = go(lambda a, b: got.send(a + b), 2, 3)
    assert isinstance(g, Goroutine)
    assert got.recv() == (5, True)
    assert g.join(5)
    assert not g.alive


def test_goroutine_has_a_unique_id_and_a_name(rt):
    a = go(lambda: None, name="worker")
    b = go(lambda: None)
    assert a.name == "worker"
    assert isinstance(b.name, str) and b.name
    assert a.id != b.id
    assert a.join(5) and b.join(5)


def test_join_returns_false_while_the_goroutine_runs(rt, spawn):
    ch = Chan()
    g, _ = spawn(ch.recv)
    assert not g.join(0.01)
    ch.send(1)
    assert g.join(5)


def test_registry_lists_live_goroutines_oldest_first(rt, spawn):
    ch = Chan()
    a, _ = spawn(ch.recv)
    b, _ = spawn(ch.recv)
    assert rt.goroutines() == [a, b]
    ch.close()
    assert a.join(5) and b.join(5)
    wait_until(lambda: rt.goroutines() == [])


def test_finished_goroutine_is_done(rt):
    g = go(lambda: None)
    assert g.join(5)
    assert g.state is State.DONE
    assert g.panic is None


def test_current_is_the_calling_goroutine_and_none_outside(rt, spawn):
    g, out = spawn(current)
    assert g.join(5)
    assert out == [g]
    assert current() is None


# -- which runtime ---------------------------------------------------------------------------


def test_goroutines_started_inside_a_goroutine_inherit_its_runtime():
    rt1, rt2 = Runtime(name="one"), Runtime(name="two")
    out = Chan(1)

    def parent() -> None:
        child = go(lambda: out.send(current_runtime()))  # plain go(), inside rt1
        child.join(5)

    with rt2.active():  # the test thread's current runtime is rt2 ...
        p = rt1.go(parent)  # ... but the parent goroutine runs in rt1
        assert out.recv()[0] is rt1
    assert p.join(5)
    assert rt1.stop(1.0).clean and rt2.stop(1.0).clean


def test_plain_go_uses_the_active_runtime_of_the_thread():
    rt = Runtime(name="active")
    with rt.active():
        assert current_runtime() is rt
        g = go(lambda: None)
        assert g.runtime is rt
        assert g.join(5)
    assert current_runtime() is default_runtime()
    assert rt.stop(1.0).clean


def test_plain_go_from_a_plain_thread_uses_the_default_runtime():
    t, out = run_thread(lambda: go(lambda: None))
    join(t)
    g = out[0]
    assert g.runtime is default_runtime()
    assert g.join(5)


def test_objects_made_inside_active_bind_to_that_runtime():
    tracer = Tracer()
    rt = Runtime(tracer=tracer)
    with rt.active():
        ch = Chan(name="mine")
    Chan(name="default's")  # made outside: not in rt's trace
    made = [e.obj_name for e in tracer.events() if e.kind is Kind.CHAN_MAKE]
    assert made == ["mine"]
    assert ch.name == "mine"
    assert rt.stop(1.0).clean


# -- panics ----------------------------------------------------------------------------------


def test_goroutine_that_raises_is_recorded_as_panicked(traced_rt, tracer):
    def boom() -> None:
        raise ValueError("boom")

    g = go(boom, name="boomer")
    assert g.join(5)
    assert g.state is State.PANICKED
    assert isinstance(g.panic, ValueError)
    assert any(pg is g and exc is g.panic for pg, exc in traced_rt.panics)
    panics = [e for e in tracer.events() if e.kind is Kind.GO_PANIC]
    assert [(e.g, e.value) for e in panics] == [(g.id, "ValueError: boom")]


def test_go_panic_is_traced_in_gos_own_words(traced_rt, tracer):
    ch = Chan()
    ch.close()
    g = go(ch.close)
    assert g.join(5)
    assert isinstance(g.panic, Panic)
    values = [e.value for e in tracer.events() if e.kind is Kind.GO_PANIC]
    assert values == ["close of closed channel"]


# -- states and the wait-for graph ----------------------------------------------------------


def test_blocked_goroutine_describes_itself_in_gos_words(rt, spawn):
    ch = Chan(name="jobs")
    g, _ = spawn(ch.recv, name="worker")
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert g.describe() == f"goroutine {g.id} [chan receive]: worker on jobs"
    ch.close()
    assert g.join(5)


def test_wait_for_graph_names_who_waits_on_what(rt, spawn):
    a, b = Chan(name="a"), Chan(name="b")
    m = Mutex(name="m")
    m.lock()
    g1, _ = spawn(a.recv, name="receiver")
    g2, _ = spawn(m.lock, name="locker")
    g3, _ = spawn(select, Recv(a), Recv(b), name="selector")
    wait_until(lambda: all(g.state.blocked for g in (g1, g2, g3)))
    edges = set(rt.wait_for_graph())
    assert edges == {
        (g1.id, "receiver", a.id, "chan receive"),
        (g2.id, "locker", m.id, "sync.Mutex.Lock"),
        (g3.id, "selector", a.id, "select"),
        (g3.id, "selector", b.id, "select"),
    }
    a.close()
    m.unlock()
    assert g1.join(5) and g2.join(5) and g3.join(5)


def test_gosched_yields_and_returns(rt, spawn):
    g, out = spawn(gosched)
    assert g.join(5)
    assert out == [None]


def test_trace_point_emits_an_event_for_the_calling_goroutine(traced_rt, tracer):
    g = go(lambda: trace_point(Kind.MEM_READ, obj_id=7, obj_name="count", value=41))
    assert g.join(5)
    reads = [e for e in tracer.events() if e.kind is Kind.MEM_READ]
    assert [(e.g, e.obj, e.obj_name, e.value) for e in reads] == [(g.id, 7, "count", "41")]


# -- stop ------------------------------------------------------------------------------------------


def test_stop_cancels_the_root_context_and_reports_clean():
    rt = Runtime()
    ctx = rt.root_context()
    g = rt.go(ctx.done().recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    report = rt.stop(timeout=1.0)
    assert isinstance(report, StopReport)
    assert report.clean and report.leaked == [] and report.alive == []
    assert isinstance(ctx.err(), Canceled)
    assert g.join(5)
    assert rt.stopped


def test_child_of_the_root_context_ends_with_stop():
    rt = Runtime()
    with rt.active():
        ctx, _ = with_cancel(rt.root_context())
        g = go(ctx.done().recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert rt.stop(timeout=1.0).clean
    assert isinstance(ctx.err(), Canceled)


def test_goroutines_started_during_the_grace_period_run_normally():
    # A goroutine that reacts to the root context's cancellation by starting cleanup
    # work: the cleanup runs to completion, nothing leaks.
    rt = Runtime()
    cleaned = []

    def service() -> None:
        ctx = rt.root_context()
        ctx.done().recv()
        wg = WaitGroup()
        wg.go(lambda: (sleep(0.01), cleaned.append(True)))
        wg.wait()

    g = rt.go(service)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    report = rt.stop(timeout=2.0)
    assert report.clean, report
    assert cleaned == [True]


def _blocked_forever(kind: str):
    """(the call that blocks forever, the state it shows) for each kind of wait."""
    ch = Chan(name="never")
    if kind == "send":
        return (lambda: ch.send(1)), State.BLOCKED_SEND
    if kind == "recv":
        return ch.recv, State.BLOCKED_RECV
    if kind == "select":
        return (lambda: select(Recv(ch), Recv(None))), State.BLOCKED_SELECT
    if kind == "mutex":
        m = Mutex()
        m.lock()
        return m.lock, State.BLOCKED_LOCK
    if kind == "rwmutex":
        rw = RWMutex()
        rw.lock()
        return rw.rlock, State.BLOCKED_LOCK
    if kind == "waitgroup":
        wg = WaitGroup()
        wg.add(1)
        return wg.wait, State.BLOCKED_WAITGROUP
    assert kind == "sleep"
    return (lambda: sleep(3600.0)), State.SLEEPING


@pytest.mark.parametrize(
    "kind", ["send", "recv", "select", "mutex", "rwmutex", "waitgroup", "sleep"]
)
def test_stop_kills_a_blocked_goroutine_and_reports_it_leaked(kind):
    rt = Runtime(name=f"kill-{kind}")
    with rt.active():
        call, state = _blocked_forever(kind)
        g = go(call, name=f"kill-{kind}-stuck")
    wait_until(lambda: g.state is state)
    described = g.describe()
    report = rt.stop(timeout=0.2)
    assert report.leaked == [described]
    assert not report.clean
    assert not g.alive
    assert _threads_of(f"kill-{kind}") == []  # the goroutine's and the timer thread


def _threads_of(prefix: str) -> list[str]:
    """Live threads a runtime named *prefix* started (its goroutines are named
    ``<prefix>...``, so their threads are ``go:<prefix>...``; its timer thread is
    ``<prefix>-timers``). Threads of other tests do not count."""
    return [
        t.name
        for t in threading.enumerate()
        if t.name.startswith((f"go:{prefix}", f"{prefix}-timers"))
    ]


def test_stop_unwinds_a_killed_goroutine_through_its_finally_blocks():
    rt = Runtime()
    unwound = []

    def stuck() -> None:
        try:
            Chan().recv()
        except Exception:  # Goexit is no Exception: user code cannot swallow it
            unwound.append("swallowed")
        finally:
            unwound.append("finally")

    g = rt.go(stuck)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    rt.stop(timeout=0.2)
    assert unwound == ["finally"]
    assert g.panic is None


def test_stop_joins_every_thread_it_started():
    rt = Runtime(name="joins")
    with rt.active():
        ctx = rt.root_context()
        stuck = Chan()
        for i in range(5):
            go(ctx.done().recv, name=f"joins-watcher-{i}")
        for i in range(3):
            go(stuck.recv, name=f"joins-stuck-{i}")
        go(sleep, 3600.0, name="joins-sleeper")
    wait_until(lambda: all(g.state.blocked or g.state is State.SLEEPING for g in rt.goroutines()))
    assert len(_threads_of("joins")) == 10  # 9 goroutines and the timer thread
    report = rt.stop(timeout=1.0)
    assert len(report.leaked) == 4  # the root-context watchers ended by themselves
    assert _threads_of("joins") == []


def test_stop_reports_a_goroutine_that_never_blocks_as_alive():
    rt = Runtime()
    running = threading.Event()
    release = threading.Event()

    def busy() -> None:
        running.set()
        release.wait(10)  # not a runtime primitive: the runtime cannot kill it

    g = rt.go(busy, name="busy")
    running.wait(5)
    report = rt.stop(timeout=0.2)
    assert len(report.alive) == 1 and "busy" in report.alive[0]
    assert not report.clean
    release.set()
    assert g.join(5)


def test_stop_is_idempotent():
    rt = Runtime()
    g = rt.go(Chan().recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert not rt.stop(timeout=0.2).clean
    assert rt.stop(timeout=0.2).clean


def test_stop_traces_each_leak(traced_rt, tracer, spawn):
    g, _ = spawn(Chan().recv, name="stuck")
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    report = traced_rt.stop(timeout=0.2)
    leaks = [e.value for e in tracer.events() if e.kind is Kind.LEAK]
    assert leaks == report.leaked and len(leaks) == 1

"""sync.Cond: ported from Go's src/sync/cond_test.go where it applies, plus the
runtime's own duties (state, deadlock detection, stop, the trace)."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.runtime import (
    Chan,
    Cond,
    Fatal,
    Goroutine,
    Mutex,
    Recv,
    Runtime,
    RWMutex,
    State,
    after,
    go,
    gosched,
    select,
)
from core.trace import Kind, RunModel, Tracer, woken_by


def in_wait(g: Goroutine) -> bool:
    """Parked in Cond.wait and not woken (its waker releases the parker it holds)."""
    return g.state is State.BLOCKED_COND and g.parker.locked()


def ready(ch: Chan) -> bool:
    """A value waits in *ch* (a non-blocking receive would succeed)."""
    return len(ch) > 0


# -- Go's tests ---------------------------------------------------------------------------


def test_cond_signal_wakes_one_waiter_at_a_time(rt):
    # Go: TestCondSignal.
    m = Mutex()
    c = Cond(m)
    n = 2
    running, awake = Chan(n), Chan(n)

    def waiter() -> None:
        m.lock()
        running.send(True)
        c.wait()
        awake.send(True)
        m.unlock()

    gs = [go(waiter) for _ in range(n)]
    for _ in range(n):
        running.recv()  # wait for everyone to run
    while n > 0:
        assert not ready(awake), "goroutine not asleep"
        m.lock()
        c.signal()
        m.unlock()
        i, _, _ = select(Recv(awake), Recv(after(5.0)))
        assert i == 0, "no goroutine woke up"
        wait_until(lambda left=n - 1: sum(g.alive for g in gs) == left)
        assert not ready(awake), "too many goroutines awake"
        n -= 1
    c.signal()
    assert all(g.join(5) for g in gs)


def test_cond_signal_wakes_waiters_in_the_order_they_waited(rt):
    # Go: TestCondSignalGenerations.
    m = Mutex()
    c = Cond(m)
    n = 100
    running, awake = Chan(n), Chan(n)

    def waiter(i: int) -> None:
        m.lock()
        running.send(True)
        c.wait()
        awake.send(i)
        m.unlock()

    gs = []
    for i in range(n):
        gs.append(go(waiter, i))
        if i > 0:
            a, _ = awake.recv()
            assert a == i - 1, f"wrong goroutine woke up: want {i - 1}, got {a}"
        running.recv()
        m.lock()
        c.signal()
        m.unlock()
    a, _ = awake.recv()
    assert a == n - 1
    assert all(g.join(5) for g in gs)


def test_cond_broadcast_wakes_every_waiter_once(rt):
    # Go: TestCondBroadcast (n = 200 there; 40 rounds of 40 here keep it quick).
    m = Mutex()
    c = Cond(m)
    n = 40
    running, awake = Chan(n), Chan(n)
    state = {"exit": False}

    def waiter(g: int) -> None:
        m.lock()
        while not state["exit"]:
            running.send(g)
            c.wait()
            awake.send(g)
        m.unlock()

    gs = [go(waiter, i) for i in range(n)]
    for i in range(n):
        for _ in range(n):
            running.recv()  # will deadlock unless n are running
        if i == n - 1:
            m.lock()
            state["exit"] = True
            m.unlock()
        assert not ready(awake), "goroutine not asleep"
        m.lock()
        c.broadcast()
        m.unlock()
        seen = [False] * n
        for _ in range(n):
            g, _ = awake.recv()
            assert not seen[g], "goroutine woke up twice"
            seen[g] = True
    assert all(g.join(5) for g in gs)
    assert not ready(running), "goroutine did not exit"
    c.broadcast()


def test_cond_wait_relocks_before_returning(rt):
    # Go: TestRace: x is written only under c.l, and each wait sees the value
    # its signaller wrote before signalling.
    c = Cond(Mutex())
    x = [0]
    errors: list[str] = []
    done = Chan(3)

    def first() -> None:
        c.l.lock()
        x[0] = 1
        c.wait()
        if x[0] != 2:
            errors.append("want 2")
        x[0] = 3
        c.signal()
        c.l.unlock()
        done.send(True)

    def second() -> None:
        c.l.lock()
        while True:
            if x[0] == 1:
                x[0] = 2
                c.signal()
                break
            c.l.unlock()
            gosched()
            c.l.lock()
        c.l.unlock()
        done.send(True)

    def third() -> None:
        c.l.lock()
        while True:
            if x[0] == 2:
                c.wait()
                if x[0] != 3:
                    errors.append("want 3")
                break
            if x[0] == 3:
                break
            c.l.unlock()
            gosched()
            c.l.lock()
        c.l.unlock()
        done.send(True)

    gs = [go(first), go(second), go(third)]
    for _ in range(3):
        i, _, _ = select(Recv(done), Recv(after(5.0)))
        assert i == 0, "a goroutine never finished"
    assert all(g.join(5) for g in gs)
    assert errors == []


def steal_once() -> None:
    m = Mutex()
    cond = Cond(m)
    ch = Chan()

    def first() -> None:
        m.lock()
        ch.send(None)
        cond.wait()
        m.unlock()
        ch.send(None)

    g1 = go(first)
    ch.recv()
    m.lock()
    m.unlock()  # the waiter is inside wait(): it unlocked m
    state = {"done": False}

    def late() -> None:
        m.lock()
        while not state["done"]:
            cond.wait()
        m.unlock()

    # Two goroutines race: one broadcasts, the other waits. The new waiter may
    # or may not get it, but the first one must.
    g2 = go(cond.broadcast)
    g3 = go(late)
    i, _, _ = select(Recv(ch), Recv(after(2.0)))
    assert i == 0, "first waiter didn't get broadcast"
    m.lock()
    state["done"] = True
    m.unlock()
    cond.broadcast()
    assert g1.join(5) and g2.join(5) and g3.join(5)


def test_cond_broadcast_reaches_a_waiter_racing_with_a_new_one(rt):
    # Go: TestCondSignalStealing (1000 iterations there, 100 here).
    for _ in range(100):
        steal_once()


# -- semantics ------------------------------------------------------------------------------


def test_cond_waiter_is_blocked_cond_on_the_cond_without_the_lock(rt, spawn):
    m = Mutex(name="m")
    c = Cond(m, name="c")
    g, out = spawn(lambda: (m.lock(), c.wait(), m.unlock()))
    wait_until(lambda: in_wait(g))
    assert g.wait_reason == "sync.Cond.Wait"
    assert g.waiting_on is c
    assert not m.locked  # wait unlocked it
    assert c.waiting == 1
    m.lock()  # the waiter needs m back: it cannot return before this unlock
    c.signal()
    wait_until(lambda: g.state is State.BLOCKED_LOCK)
    m.unlock()
    assert g.join(5)
    assert out == [(None, None, None)]
    assert not m.locked


def test_cond_signal_without_waiters_is_lost(rt, spawn):
    c = Cond(Mutex())
    c.signal()
    c.broadcast()
    g, _ = spawn(lambda: (c.l.lock(), c.wait(), c.l.unlock()))
    wait_until(lambda: in_wait(g))
    c.signal()
    assert g.join(5)


def test_cond_signal_between_unlock_and_park_is_not_lost(rt):
    # The ticket is taken before l is unlocked (Go's notifyListAdd): a signal sent
    # as soon as l is free reaches the waiter whether or not it parked yet.
    for _ in range(200):
        m = Mutex()
        c = Cond(m)
        m.lock()
        g = go(lambda c=c, m=m: (c.wait(), m.unlock()))
        wait_until(lambda m=m: not m.locked)  # the waiter is in wait(), maybe not parked
        c.signal()
        assert g.join(5), "the signal was lost"


def test_cond_wait_without_holding_the_lock_is_fatal(rt):
    c = Cond(Mutex())
    with pytest.raises(Fatal, match=r"^sync: unlock of unlocked mutex$"):
        c.wait()
    assert c.waiting == 0


def test_cond_over_an_rwmutex_read_locker(rt, spawn):
    rw = RWMutex()
    c = Cond(rw.rlocker())
    g, _ = spawn(lambda: (rw.rlock(), c.wait(), rw.runlock()))
    wait_until(lambda: in_wait(g))
    assert rw.try_lock()  # the waiter gave its read lock back
    rw.unlock()
    c.broadcast()
    assert g.join(5)


def test_goroutines_waiting_on_a_cond_forever_are_a_deadlock(rt):
    m = Mutex()
    c = Cond(m)
    gs = [go(lambda: (m.lock(), c.wait(), m.unlock()), name=f"w{i}") for i in range(2)]
    wait_until(lambda: all(in_wait(g) for g in gs))
    report = rt.check_deadlock()
    assert report is not None
    assert report.goroutines == [
        f"goroutine {g.id} [sync.Cond.Wait]: w{i} on {c.name}" for i, g in enumerate(gs)
    ]
    assert [r.state for r in report.records] == ["blocked_cond", "blocked_cond"]
    c.broadcast()
    assert all(g.join(5) for g in gs)


def test_stop_kills_a_cond_waiter_inside_with(rt):
    runtime = Runtime(name="kill")
    with runtime.active():
        m = Mutex()
        c = Cond(m)

        def waiter() -> None:
            with m:
                c.wait()

        g = go(waiter, name="waiter")
        wait_until(lambda: in_wait(g))
    report = runtime.stop(timeout=0.5)
    assert report.leaked_ids == [g.id]
    assert g.join(5)
    assert g.state is State.DONE and not runtime.panics
    assert not m.locked  # it took m back on the way out, and its with gave it up


# -- the trace -------------------------------------------------------------------------------


@pytest.fixture
def traced() -> Runtime:
    runtime = Runtime(name="cond", tracer=Tracer(capacity=200_000))
    with runtime.active():
        yield runtime
    assert runtime.stop(timeout=1.0).clean


def test_cond_signal_names_the_waiter_it_wakes(traced):
    tr = traced.tracer
    m = Mutex(name="m")
    c = Cond(m, name="c")
    gs = [go(lambda: (m.lock(), c.wait(), m.unlock())) for _ in range(3)]
    wait_until(lambda: all(in_wait(g) for g in gs))
    make = [e for e in tr.events() if e.kind is Kind.SYNC_MAKE and e.obj == c.id]
    assert make[0].value == "Cond" and make[0].payload.parent == m.id
    snap = traced.snapshot()
    model = RunModel()
    model.apply(tr.events())
    assert model.snapshot() == snap
    assert {gid: s["state"] for gid, s in snap["goroutines"].items()} == {
        g.id: "blocked_cond" for g in gs
    }
    assert all(snap["goroutines"][g.id]["waiting_on"] == c.id for g in gs)
    order = sorted(
        gs,
        key=lambda g: next(e.seq for e in tr.events() if e.g == g.id and e.kind is Kind.GO_BLOCK),
    )
    c.signal()
    c.broadcast()
    assert all(g.join(5) for g in gs)
    sigs = [e for e in tr.events() if e.kind is Kind.COND_SIGNAL]
    assert [e.payload.woken for e in sigs] == [(order[0].id,), (order[1].id, order[2].id)]
    assert [e.payload.broadcast for e in sigs] == [False, True]
    assert [woken_by(e) for e in sigs] == [(order[0].id,), (order[1].id, order[2].id)]


def test_cond_trace_folds_into_the_runtime_snapshot_at_every_quiet_point(traced):
    tr = traced.tracer
    m = Mutex(name="m")
    c = Cond(m, name="c")
    stop = Chan(name="stop")

    def waiter() -> None:
        m.lock()
        c.wait()
        m.unlock()
        stop.recv()

    gs = [go(waiter, name=f"w{i}") for i in range(4)]

    def check() -> None:
        snap = traced.snapshot()
        assert snap["quiescent"]
        model = RunModel()
        model.apply(tr.events())
        assert model.mismatches == 0
        assert model.snapshot() == snap

    wait_until(lambda: all(in_wait(g) for g in gs))
    check()
    c.signal()
    wait_until(lambda: sum(g.state is State.BLOCKED_RECV for g in gs) == 1)
    check()
    c.broadcast()
    wait_until(lambda: all(g.state is State.BLOCKED_RECV for g in gs))
    check()
    stop.close()
    assert all(g.join(5) for g in gs)

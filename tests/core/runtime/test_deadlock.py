"""Deadlock detection: Go's global deadlock ("all goroutines are asleep"), its classic
cases, and the cases that are not deadlocks (a sleeper, a pending timer, a runner).

A test that leaves goroutines stuck stops its runtime itself (``stuck_stop``) and checks
what leaked; the fixture's own stop then finds nothing left.
"""

from __future__ import annotations

import threading

from helpers import wait_until

from core.runtime import (
    Chan,
    Mutex,
    Once,
    Recv,
    RWMutex,
    State,
    Ticker,
    WaitGroup,
    after,
    go,
    select,
    sleep,
)
from core.runtime.context import background, with_timeout
from core.trace import Kind

GO_DEADLOCK = "fatal error: all goroutines are asleep - deadlock!"


def asleep(*goroutines) -> None:
    wait_until(lambda: all(g.state.blocked for g in goroutines))


def stuck_stop(rt, n: int) -> None:
    """Stop *rt*, which must kill exactly *n* stuck goroutines."""
    report = rt.stop(timeout=0.2)
    assert len(report.leaked) == n, report


# -- the classic cases ---------------------------------------------------------------------


def test_receive_with_no_sender_is_a_deadlock(rt):
    ch = Chan(name="results")
    g = go(ch.recv, name="main")
    asleep(g)
    report = rt.check_deadlock()
    assert report is not None
    assert report.text.startswith(GO_DEADLOCK)
    assert f"goroutine {g.id} [chan receive]: main on results" in report.text
    assert report.goroutines == [g.describe()]
    assert rt.deadlock is report
    stuck_stop(rt, 1)


def test_send_with_no_receiver_is_a_deadlock(rt):
    g = go(Chan(name="out").send, 1, name="main")
    asleep(g)
    report = rt.check_deadlock()
    assert report is not None
    assert f"goroutine {g.id} [chan send]: main on out" in report.text
    stuck_stop(rt, 1)


def test_empty_select_is_a_deadlock(rt):
    # Go: select {} with nothing else running: "goroutine 1 [select (no cases)]".
    g = go(select, name="main")
    asleep(g)
    report = rt.check_deadlock()
    assert report is not None
    assert f"goroutine {g.id} [select (no cases)]: main" in report.text
    stuck_stop(rt, 1)


def test_two_goroutines_waiting_for_each_other_are_a_deadlock(rt):
    a, b = Chan(name="a"), Chan(name="b")
    g1 = go(lambda: (a.recv(), b.send(1)), name="left")
    g2 = go(lambda: (b.recv(), a.send(1)), name="right")
    asleep(g1, g2)
    report = rt.check_deadlock()
    assert report is not None
    assert report.text.startswith(GO_DEADLOCK)
    assert report.goroutines == [g1.describe(), g2.describe()]
    stuck_stop(rt, 2)


def test_forgotten_unlock_is_a_deadlock(rt):
    m = Mutex(name="m")
    forgetful = go(m.lock, name="forgetful")  # locks and returns without unlocking
    assert forgetful.join(5)
    waiter = go(m.lock, name="waiter")
    asleep(waiter)
    report = rt.check_deadlock()
    assert report is not None
    assert report.text.startswith(GO_DEADLOCK)
    assert f"goroutine {waiter.id} [sync.Mutex.Lock]: waiter on m" in report.text
    assert any("m" in line and "waiter" in line for line in report.explanations)
    stuck_stop(rt, 1)


def test_waitgroup_never_done_is_a_deadlock(rt):
    wg = WaitGroup(name="wg")
    wg.add(2)
    go(wg.done)  # one of two
    g = go(wg.wait, name="main")
    asleep(g)
    wait_until(lambda: wg.count == 1)
    report = rt.check_deadlock()
    assert report is not None
    assert f"goroutine {g.id} [sync.WaitGroup.Wait]: main on wg" in report.text
    stuck_stop(rt, 1)


def test_recursive_read_lock_behind_a_waiting_writer_is_a_deadlock(rt):
    # Go's RWMutex doc: "a blocked Lock call excludes new readers from acquiring the
    # lock", so a reader that read-locks again while a writer waits never gets it.
    rw = RWMutex(name="rw")
    held, again = Chan(), Chan()

    def reader() -> None:
        rw.rlock()
        held.send(None)
        again.recv()
        rw.rlock()  # recursive read lock

    r = go(reader, name="reader")
    held.recv()
    w = go(rw.lock, name="writer")
    wait_until(lambda: w.state is State.BLOCKED_LOCK)
    again.send(None)
    wait_until(lambda: r.state is State.BLOCKED_LOCK)
    report = rt.check_deadlock()
    assert report is not None
    assert report.goroutines == [r.describe(), w.describe()]
    stuck_stop(rt, 2)


def test_once_calling_itself_is_a_deadlock(rt):
    once = Once(name="once")
    g = go(once.do, lambda: once.do(lambda: None), name="main")
    asleep(g)
    report = rt.check_deadlock()
    assert report is not None
    assert report.text.startswith(GO_DEADLOCK)
    stuck_stop(rt, 1)


def test_select_with_no_sender_is_a_deadlock(rt):
    a, b = Chan(), Chan()
    g = go(select, Recv(a), Recv(b), name="main")
    asleep(g)
    report = rt.check_deadlock()
    assert report is not None
    assert f"goroutine {g.id} [select]: main" in report.text
    stuck_stop(rt, 1)


def test_deadlock_is_traced_once(traced_rt, tracer):
    g = go(Chan().recv)
    asleep(g)
    report = traced_rt.check_deadlock()
    assert traced_rt.check_deadlock() is not None  # still the same deadlock
    traced = [e.value for e in tracer.events() if e.kind is Kind.DEADLOCK]
    assert traced == [report.text]
    stuck_stop(traced_rt, 1)


# -- not deadlocks -------------------------------------------------------------------------------


def test_no_goroutines_is_no_deadlock(rt):
    assert rt.check_deadlock() is None


def test_no_deadlock_while_a_goroutine_sleeps(rt):
    stuck = go(Chan().recv)
    sleeper = go(sleep, 3600.0)
    asleep(stuck)
    wait_until(lambda: sleeper.state is State.SLEEPING)
    assert rt.check_deadlock() is None
    stuck_stop(rt, 2)


def test_no_deadlock_while_a_ticker_is_pending(rt):
    tk = Ticker(3600.0)
    g = go(tk.c.recv)  # the ticker will wake it
    asleep(g)
    assert rt.check_deadlock() is None
    stuck_stop(rt, 1)
    tk.stop()


def test_no_deadlock_while_a_select_waits_for_a_timeout(rt):
    g = go(select, Recv(Chan()), Recv(after(3600.0)))
    asleep(g)
    assert rt.check_deadlock() is None
    stuck_stop(rt, 1)


def test_no_deadlock_while_a_context_deadline_is_pending(rt):
    ctx, cancel = with_timeout(background(), 3600.0)
    g = go(ctx.done().recv)
    asleep(g)
    assert rt.check_deadlock() is None
    cancel()
    assert g.join(5)


def test_no_deadlock_while_a_goroutine_runs(rt):
    release = threading.Event()
    stuck = go(Chan().recv)
    runner = go(release.wait, 10)  # not a runtime wait: the goroutine counts as running
    asleep(stuck)
    assert runner.state is State.RUNNING
    assert rt.check_deadlock() is None
    release.set()
    assert runner.join(5)
    stuck_stop(rt, 1)


def test_waiting_on_the_root_context_is_no_deadlock(rt):
    g = go(rt.root_context().done().recv)
    asleep(g)
    assert rt.check_deadlock() is None


def test_root_context_watchers_are_left_out_of_a_deadlock(rt):
    watcher = go(rt.root_context().done().recv, name="watcher")
    stuck = go(Chan().recv, name="stuck")
    asleep(watcher, stuck)
    report = rt.check_deadlock()
    assert report is not None
    assert report.goroutines == [stuck.describe()]
    stuck_stop(rt, 1)


def test_a_resolved_wait_is_no_longer_a_deadlock(rt):
    ch = Chan()
    g = go(ch.recv)
    asleep(g)
    assert rt.check_deadlock() is not None
    ch.send(1)  # code outside the runtime (this test) ends the wait
    assert g.join(5)
    assert rt.check_deadlock() is None

"""sync, exactly as Go: Mutex starvation mode, fatal unlocks, RWMutex try-locks.

Ported from Go's src/sync/mutex_test.go (TestMutexFairness) and written against
src/internal/sync/mutex.go's modes. The runtime clock is held (``clock.hold()``:
time stands still, goroutines run) wherever a test needs the mutex to stay in
normal mode, and advanced past 1 ms where it needs a waiter to starve.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from helpers import wait_until

from core.runtime import (
    Chan,
    Fatal,
    Goroutine,
    Mutex,
    Panic,
    Recv,
    Runtime,
    RWMutex,
    State,
    after,
    go,
    select,
    sleep,
)
from core.runtime._sync import STARVATION_THRESHOLD
from core.trace import RunModel, Tracer


def parked(g: Goroutine) -> bool:
    """Parked on a lock and not woken (its waker releases the parker it holds)."""
    return g.state is State.BLOCKED_LOCK and g.parker.locked()


def past_threshold(rt: Runtime, since: float) -> None:
    """Wait until the runtime clock is past *since* + the starvation threshold."""
    wait_until(lambda: rt.clock.now() > since + 2 * STARVATION_THRESHOLD)


def locker(mu: Mutex, order: list[str], name: str, release: Chan) -> None:
    """Lock, note the turn, hold the lock until told, unlock."""
    mu.lock()
    order.append(name)
    release.recv()
    mu.unlock()


@contextmanager
def keep_running() -> Iterator[None]:
    """The calling thread keeps the GIL until it blocks, as Go's unlocker keeps its
    processor: a goroutine it wakes runs only after that (nothing here blocks)."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(30.0)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def lose_one_race(mu: Mutex, waiter: Goroutine) -> None:
    """With *mu* held by the test and *waiter* parked on it: unlock and take it
    back at once, so that the woken *waiter* loses and parks again."""
    with keep_running():
        mu.unlock()
        barged = mu.try_lock()
    assert barged, "the woken waiter took the lock before the unlocker could"
    wait_until(lambda: parked(waiter), message="the waiter that lost did not park again")


# -- Go: TestMutexFairness -------------------------------------------------------------


def test_mutex_fairness_a_relocking_goroutine_cannot_starve_another(rt):
    # Go: TestMutexFairness. One goroutine relocks in a loop and sleeps inside the
    # lock; another needs the lock 10 times. Without starvation mode it would wait
    # forever (the woken waiter always loses to the relocker).
    mu = Mutex(name="mu")
    stop = Chan(name="stop")
    done = Chan(1, name="done")

    def hog() -> None:
        while True:
            mu.lock()
            sleep(100e-6)
            mu.unlock()
            i, _, _ = select(Recv(stop), default=True)
            if i == 0:
                return

    def needy() -> None:
        for _ in range(10):
            sleep(100e-6)
            mu.lock()
            mu.unlock()
        done.send(True)

    t0 = time.monotonic()
    g1 = go(hog, name="hog")
    g2 = go(needy, name="needy")
    i, _, _ = select(Recv(done), Recv(after(10.0)))
    elapsed = time.monotonic() - t0
    stop.close()
    assert g1.join(5) and g2.join(5)
    assert i == 0, "can't acquire Mutex in 10 seconds"
    assert elapsed < 2.0, f"took {elapsed:.3f} s (Go: about 30 ms)"


# -- normal mode -------------------------------------------------------------------------


def test_mutex_woken_waiter_competes_with_a_newcomer_in_normal_mode(rt, spawn):
    rt.clock.hold()  # time stands still: nobody waits 1 ms, the mutex stays normal
    try:
        mu = Mutex(name="mu")
        mu.lock()
        g, _ = spawn(mu.lock, name="waiter")
        wait_until(lambda: parked(g))
        lose_one_race(mu, g)
        assert not mu.starving
        mu.unlock()
        assert g.join(5)
        assert mu.locked
        mu.unlock()
    finally:
        rt.clock.release()


def test_mutex_waiter_that_lost_goes_back_to_the_head_of_the_queue(rt, spawn):
    rt.clock.hold()
    try:
        mu, order, release = Mutex(name="mu"), [], Chan(name="release")
        mu.lock()
        first = go(locker, mu, order, "first", release, name="first")
        wait_until(lambda: parked(first))
        second = go(locker, mu, order, "second", release, name="second")
        wait_until(lambda: parked(second))
        lose_one_race(mu, first)  # first is woken, loses, and parks again...
        mu.unlock()  # ...ahead of second: this unlock wakes first, not second
        wait_until(lambda: order == ["first"])
        assert parked(second)
        release.send(None)
        wait_until(lambda: order == ["first", "second"])
        release.send(None)
        assert first.join(5) and second.join(5)
        assert not mu.starving
    finally:
        rt.clock.release()


# -- starvation mode --------------------------------------------------------------------


def starve(rt: Runtime, mu: Mutex, waiter: Goroutine) -> None:
    """Make *waiter* (parked on *mu*, held by the test) lose a race after more
    than 1 ms: it switches the mutex to starvation mode."""
    past_threshold(rt, rt.clock.now())
    lose_one_race(mu, waiter)
    assert mu.starving


def test_mutex_waiter_that_waited_over_1ms_and_lost_starts_starvation_mode(rt):
    mu, order, release = Mutex(name="mu"), [], Chan(name="release")
    mu.lock()
    first = go(locker, mu, order, "first", release, name="first")
    wait_until(lambda: parked(first))
    starve(rt, mu, first)
    mu.unlock()  # handed to first: it was the last waiter, so starvation ends
    wait_until(lambda: order == ["first"])
    assert not mu.starving and mu.locked
    release.send(None)
    assert first.join(5)
    assert not mu.locked


def test_mutex_starvation_mode_hands_the_lock_on_in_fifo_order(rt):
    mu, order, release = Mutex(name="mu"), [], Chan(name="release")
    mu.lock()
    gs = [go(locker, mu, order, "w0", release, name="w0")]
    wait_until(lambda: parked(gs[0]))
    starve(rt, mu, gs[0])
    for i in (1, 2, 3):
        gs.append(go(locker, mu, order, f"w{i}", release, name=f"w{i}"))
        wait_until(lambda g=gs[-1]: parked(g))
    past_threshold(rt, rt.clock.now())  # every waiter has now waited over 1 ms
    mu.unlock()
    for i in range(4):
        wait_until(lambda i=i: len(order) == i + 1)
        # the lock is never free between two holders: a newcomer cannot take it
        assert mu.locked and not mu.try_lock()
        release.send(None)
    assert [g.join(5) for g in gs] == [True] * 4
    assert order == ["w0", "w1", "w2", "w3"]
    assert not mu.starving and not mu.locked


def test_mutex_newcomer_queues_behind_waiters_in_starvation_mode(rt, spawn):
    mu, order, release = Mutex(name="mu"), [], Chan(name="release")
    mu.lock()
    first = go(locker, mu, order, "first", release, name="first")
    wait_until(lambda: parked(first))
    starve(rt, mu, first)
    late = go(locker, mu, order, "late", release, name="late")
    wait_until(lambda: parked(late))
    assert not mu.try_lock()
    mu.unlock()
    wait_until(lambda: len(order) == 1)
    release.send(None)
    wait_until(lambda: len(order) == 2)
    release.send(None)
    assert first.join(5) and late.join(5)
    assert order == ["first", "late"]


def test_mutex_starvation_ends_when_the_handed_waiter_waited_under_1ms(rt):
    mu, order, release = Mutex(name="mu"), [], Chan(name="release")
    mu.lock()
    first = go(locker, mu, order, "first", release, name="first")
    wait_until(lambda: parked(first))
    starve(rt, mu, first)
    rt.clock.hold()  # from here no one waits 1 ms
    try:
        second = go(locker, mu, order, "second", release, name="second")
        wait_until(lambda: parked(second))
        third = go(locker, mu, order, "third", release, name="third")
        wait_until(lambda: parked(third))
        mu.unlock()  # to first, who waited over 1 ms and is not the last: still starving
        wait_until(lambda: len(order) == 1)
        assert mu.starving
        release.send(None)  # first hands it to the next, who waited under 1 ms: normal
        wait_until(lambda: len(order) == 2)
        assert not mu.starving
        release.send(None)
        wait_until(lambda: len(order) == 3)
        release.send(None)
        assert first.join(5) and second.join(5) and third.join(5)
        assert order == ["first", "second", "third"]
    finally:
        rt.clock.release()


def test_mutex_starvation_mode_in_the_trace_is_unlock_then_a_handed_lock():
    from core.trace import Kind

    tracer = Tracer(capacity=100_000)
    rt = Runtime(name="starving", tracer=tracer)
    try:
        with rt.active():
            mu, order, release = Mutex(name="mu"), [], Chan(name="release")
            mu.lock()
            first = go(locker, mu, order, "first", release, name="first")
            wait_until(lambda: parked(first))
            starve(rt, mu, first)
            mark = tracer.last_seq
            mu.unlock()
            wait_until(lambda: order == ["first"])
            new = [e for e in tracer.events() if e.seq > mark and e.obj == mu.id]
            assert [e.kind for e in new[:2]] == [Kind.UNLOCK, Kind.LOCK]
            assert new[0].payload.woken == 0
            assert new[1].g == first.id and new[1].payload.handed
            snap = rt.snapshot()
            assert snap["quiescent"]
            model = RunModel()
            model.apply(tracer.events())
            assert model.mismatches == 0
            assert model.snapshot() == snap
            release.send(None)
            assert first.join(5)
    finally:
        assert rt.stop(timeout=1.0).clean


def test_mutex_try_lock_fails_in_starvation_mode(rt):
    mu, order, release = Mutex(name="mu"), [], Chan(name="release")
    mu.lock()
    first = go(locker, mu, order, "first", release, name="first")
    wait_until(lambda: parked(first))
    starve(rt, mu, first)
    assert not mu.try_lock()
    mu.unlock()
    assert not mu.try_lock()  # handed to first: never free in between
    wait_until(lambda: order == ["first"])
    release.send(None)
    assert first.join(5)
    assert mu.try_lock()
    mu.unlock()


def test_stopping_a_starving_mutex_kills_its_waiters():
    rt = Runtime(name="kill")
    with rt.active():
        mu, order, release = Mutex(name="mu"), [], Chan(name="release")
        mu.lock()
        first = go(locker, mu, order, "first", release, name="first")
        wait_until(lambda: parked(first))
        starve(rt, mu, first)
        second = go(locker, mu, order, "second", release, name="second")
        wait_until(lambda: parked(second))
    report = rt.stop(timeout=0.5)
    assert sorted(report.leaked_ids) == sorted([first.id, second.id])
    assert first.join(5) and second.join(5)
    assert order == [] and not rt.panics
    assert not mu.starving


# -- fatal unlocks ------------------------------------------------------------------------


@pytest.mark.parametrize("traced", [False, True])
def test_mutex_unlock_of_unlocked_mutex_is_fatal_not_a_panic(traced):
    rt = Runtime(name="fatal", tracer=Tracer(1000) if traced else None)
    with rt.active():
        mu = Mutex()
        with pytest.raises(Fatal, match=r"^sync: unlock of unlocked mutex$"):
            mu.unlock()
        mu.lock()
        mu.unlock()
        try:
            mu.unlock()
        except Exception:  # the point: a Fatal is no Exception
            pytest.fail("a fatal error was caught as an Exception")
        except Fatal:
            pass
    assert rt.stop(timeout=1.0).clean


def test_rwmutex_unlock_and_runlock_of_unlocked_are_fatal(rt):
    rw = RWMutex()
    with pytest.raises(Fatal, match=r"^sync: Unlock of unlocked RWMutex$"):
        rw.unlock()
    with pytest.raises(Fatal, match=r"^sync: RUnlock of unlocked RWMutex$"):
        rw.runlock()
    rw.rlock()
    with pytest.raises(Fatal, match=r"^sync: Unlock of unlocked RWMutex$"):
        rw.unlock()
    rw.runlock()
    assert not issubclass(Fatal, Panic)


def test_fatal_unlock_in_a_goroutine_is_its_crash(rt):
    mu = Mutex()
    g = go(mu.unlock, name="bad")
    assert g.join(5)
    assert g.state is State.PANICKED
    assert isinstance(g.panic, Fatal)


# -- RWMutex try-locks ----------------------------------------------------------------------


def test_rwmutex_try_lock_succeeds_only_when_free(rt):
    rw = RWMutex()
    assert rw.try_lock()
    assert not rw.try_lock()
    assert not rw.try_rlock()
    rw.unlock()
    rw.rlock()
    assert not rw.try_lock()
    rw.runlock()
    assert rw.try_lock()
    rw.unlock()


def test_rwmutex_try_rlock_shares_with_readers(rt):
    rw = RWMutex()
    assert rw.try_rlock()
    assert rw.try_rlock()
    rw.rlock()
    rw.runlock()
    rw.runlock()
    rw.runlock()
    with pytest.raises(Fatal):
        rw.runlock()


def test_rwmutex_try_rlock_fails_while_a_writer_waits(rt, spawn):
    # Go: TryRLock fails once a writer is pending (readerCount < 0), as RLock would wait.
    rw = RWMutex()
    rw.rlock()
    writer, _ = spawn(rw.lock, name="writer")
    wait_until(lambda: parked(writer))
    assert not rw.try_rlock()
    assert not rw.try_lock()
    rw.runlock()
    assert writer.join(5)
    assert not rw.try_rlock()
    rw.unlock()
    assert rw.try_rlock()
    rw.runlock()


def test_rwmutex_try_locks_are_traced_as_locks():
    tracer = Tracer(1000)
    rt = Runtime(name="trace", tracer=tracer)
    with rt.active():
        rw = RWMutex(name="rw")
        assert rw.try_rlock()
        assert not rw.try_lock()
        model = RunModel()
        model.apply(tracer.events())
        assert model.snapshot()["rwmutexes"][rw.id]["readers"] == 1
        rw.runlock()
        assert rw.try_lock()
        model = RunModel()
        model.apply(tracer.events())
        assert model.snapshot()["rwmutexes"][rw.id] == {
            "name": "rw",
            "writer": True,
            "readers": 0,
        }
        assert model.snapshot()["rwmutexes"] == rt.snapshot()["rwmutexes"]
        rw.unlock()
    assert rt.stop(timeout=1.0).clean


def test_a_contended_mutex_trace_stays_exact_through_starvation_mode():
    # Each holder sleeps 1 ms inside the lock and relocks at once: woken waiters
    # lose to it after more than 1 ms, so the mutex keeps entering starvation mode.
    from core.trace import Kind, woken_by

    tracer = Tracer(capacity=200_000)
    rt = Runtime(name="exact", tracer=tracer)
    with rt.active():
        mu = Mutex(name="mu")
        held = [0]

        def worker() -> None:
            for _ in range(15):
                with mu:
                    held[0] += 1
                    assert held[0] == 1
                    sleep(1e-3)
                    held[0] -= 1

        gs = [go(worker, name=f"w{i}") for i in range(4)]
        assert all(g.join(10) for g in gs)
        assert not rt.panics, rt.panics
        snap = rt.snapshot()
    assert rt.stop(timeout=1.0).clean
    events = tracer.events()
    assert tracer.dropped == 0
    holder, handed, parked = 0, 0, set()
    for ev in events:
        for g in woken_by(ev):
            parked.discard(g)
        if ev.kind is Kind.GO_BLOCK:
            parked.add(ev.g)
        elif ev.obj == mu.id and ev.kind is Kind.LOCK:
            assert not holder, f"seq {ev.seq}: locked while held by {holder}"
            assert ev.g not in parked, f"seq {ev.seq}: a parked goroutine took the lock"
            holder = ev.g
            handed += ev.payload.handed
        elif ev.obj == mu.id and ev.kind is Kind.UNLOCK:
            assert holder, f"seq {ev.seq}: unlock of a free mutex"
            holder = 0
    assert handed > 0, "never in starvation mode"
    model = RunModel()
    model.apply(events)
    assert model.mismatches == 0
    assert (
        model.snapshot()["mutexes"] == snap["mutexes"] == {mu.id: {"name": "mu", "locked": False}}
    )

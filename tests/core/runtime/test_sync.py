"""sync: Mutex, RWMutex, WaitGroup, Once (ported from Go's sync tests where they apply)."""

from __future__ import annotations

import threading

import pytest
from helpers import run_thread, wait_until

from core.runtime import Chan, Fatal, Mutex, Once, Panic, RWMutex, State, WaitGroup, gosched

# -- Mutex ------------------------------------------------------------------------------


def test_mutex_lock_blocks_while_locked(rt, spawn):
    m = Mutex(name="m")
    m.lock()
    g, out = spawn(m.lock)
    wait_until(lambda: g.state is State.BLOCKED_LOCK)
    assert g.wait_reason == "sync.Mutex.Lock"
    assert g.waiting_on is m
    assert g.alive and out == []
    m.unlock()
    assert g.join(5)
    assert m.locked
    m.unlock()


def test_mutex_unlock_of_unlocked_mutex_is_fatal(rt):
    with pytest.raises(Fatal, match=r"^sync: unlock of unlocked mutex$"):
        Mutex().unlock()


def test_mutex_try_lock_fails_while_locked(rt):
    m = Mutex()
    assert m.try_lock()
    assert not m.try_lock()
    m.unlock()
    assert m.try_lock()
    m.unlock()


def test_mutex_may_be_unlocked_by_another_goroutine(rt, spawn):
    # Go: "A locked Mutex is not associated with a particular goroutine."
    m = Mutex()
    m.lock()
    g, out = spawn(m.unlock)
    assert g.join(5)
    assert out == [None]
    assert not m.locked


def test_mutex_with_statement_unlocks_on_exception(rt):
    m = Mutex()
    with pytest.raises(KeyError), m:
        raise KeyError("x")
    assert not m.locked


def test_mutex_excludes_concurrent_critical_sections(rt):
    # Go: TestMutex (HammerMutex): an unprotected read-modify-write with a yield
    # in the middle would lose updates if two goroutines were inside at once.
    m = Mutex()
    state = {"n": 0, "inside": 0, "overlaps": 0}
    wg = WaitGroup()

    def hammer() -> None:
        for _ in range(300):
            with m:
                state["inside"] += 1
                if state["inside"] != 1:
                    state["overlaps"] += 1
                n = state["n"]
                gosched()
                state["n"] = n + 1
                state["inside"] -= 1

    for _ in range(8):
        wg.go(hammer)
    wg.wait()
    assert state["overlaps"] == 0
    assert state["n"] == 8 * 300


class _TryAcquireHook:
    """Stands in for the Mutex's internal lock: the first failed try-acquire of the
    goroutine "locker" made while it registers as a waiter runs *hook* (white-box: it
    forces one interleaving a real scheduler may pick)."""

    def __init__(self, inner, registering, hook) -> None:
        self._inner, self._registering, self._hook = inner, registering, hook

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        ok = self._inner.acquire(blocking, timeout)
        if (
            not ok
            and self._hook is not None
            and threading.current_thread().name == "go:locker"
            and self._registering()
        ):
            hook, self._hook = self._hook, None
            hook()
        return ok

    def release(self) -> None:
        self._inner.release()

    def locked(self) -> bool:
        return self._inner.locked()


def test_mutex_unlock_never_misses_a_registering_waiter(rt, spawn):
    m = Mutex()
    m.lock()
    fired = []

    def unlock_meanwhile() -> None:
        # The holder unlocks while "locker" is between its failed try and its
        # registration; the unlock runs on its own thread (it may need the
        # registration lock, which "locker" holds right now).
        fired.append(True)
        t, _ = run_thread(m.unlock)
        t.join(0.05)

    m._l = _TryAcquireHook(m._l, m._wl.locked, unlock_meanwhile)
    g, _ = spawn(m.lock, name="locker")
    # A bounded wait proves the negative: a waiter woken by the unlock takes the free
    # mutex within microseconds; a missed one sleeps until the runtime stops.
    acquired = g.join(2.0)
    report = rt.stop(timeout=0.2)
    assert fired, "the interleaving was not forced"
    assert acquired, f"the waiter sleeps on a free mutex: {report.leaked}"


# -- RWMutex ----------------------------------------------------------------------------


def test_rwmutex_allows_parallel_readers(rt, spawn):
    # Go: TestParallelReaders: every reader holds the read lock at the same time.
    rw = RWMutex()
    holding = Chan(8)
    release = Chan()

    def reader() -> None:
        rw.rlock()
        holding.send(1)
        release.recv()
        rw.runlock()

    readers = [spawn(reader)[0] for _ in range(4)]
    wait_until(lambda: len(holding) == 4)
    release.close()
    for g in readers:
        assert g.join(5)


def test_rwmutex_writer_excludes_readers(rt, spawn):
    rw = RWMutex()
    rw.lock()
    g, out = spawn(rw.rlock)
    wait_until(lambda: g.state is State.BLOCKED_LOCK)
    assert g.wait_reason == "sync.RWMutex.RLock"
    assert out == []
    rw.unlock()
    assert g.join(5)
    rw.runlock()


def test_rwmutex_reader_excludes_writer(rt, spawn):
    rw = RWMutex()
    rw.rlock()
    g, out = spawn(rw.lock)
    wait_until(lambda: g.state is State.BLOCKED_LOCK)
    assert g.wait_reason == "sync.RWMutex.Lock"
    assert out == []
    rw.runlock()
    assert g.join(5)
    rw.unlock()


def test_rwmutex_writer_excludes_writer(rt, spawn):
    rw = RWMutex()
    rw.lock()
    g, _ = spawn(rw.lock)
    wait_until(lambda: g.state is State.BLOCKED_LOCK)
    rw.unlock()
    assert g.join(5)
    rw.unlock()


def test_rwmutex_waiting_writer_holds_back_new_readers(rt, spawn):
    # Go: "If any goroutine calls Lock while the lock is already held by one or more
    # readers, concurrent calls to RLock will block until the writer has acquired
    # (and released) the lock."
    rw = RWMutex()
    order = []
    rw.rlock()
    writer, _ = spawn(lambda: (rw.lock(), order.append("writer"), rw.unlock()))
    wait_until(lambda: writer.state is State.BLOCKED_LOCK)
    reader, _ = spawn(lambda: (rw.rlock(), order.append("reader"), rw.runlock()))
    wait_until(lambda: reader.state is State.BLOCKED_LOCK)
    assert order == []
    rw.runlock()
    assert writer.join(5) and reader.join(5)
    assert order == ["writer", "reader"]


def test_rwmutex_unlock_of_unlocked_is_fatal(rt):
    with pytest.raises(Fatal, match=r"^sync: Unlock of unlocked RWMutex$"):
        RWMutex().unlock()


def test_rwmutex_runlock_of_unlocked_is_fatal(rt):
    with pytest.raises(Fatal, match=r"^sync: RUnlock of unlocked RWMutex$"):
        RWMutex().runlock()


def test_rwmutex_may_be_unlocked_by_another_goroutine(rt, spawn):
    rw = RWMutex()
    rw.lock()
    g, out = spawn(rw.unlock)
    assert g.join(5)
    assert out == [None]
    rw.rlock()  # the test thread would hang here if the write lock were still held
    rw.runlock()


def test_rwmutex_rlocker_takes_the_read_lock(rt, spawn):
    # Go: TestRLocker.
    rw = RWMutex()
    with rw.rlocker():
        writer, _ = spawn(rw.lock)
        wait_until(lambda: writer.state is State.BLOCKED_LOCK)
    assert writer.join(5)
    rw.unlock()


def test_rwmutex_hammer_keeps_writers_exclusive(rt):
    # Go: TestRWMutex (HammerRWMutex): readers add 1 to an activity counter, writers
    # add 10000; a reader must never see a writer inside, a writer never anyone.
    rw = RWMutex()
    activity = {"n": 0, "bad": 0}
    lock = threading.Lock()  # makes the activity counter itself atomic

    def change(delta: int) -> int:
        with lock:
            activity["n"] += delta
            return activity["n"]

    def reader() -> None:
        for _ in range(200):
            rw.rlock()
            if change(1) >= 10000:
                activity["bad"] += 1
            gosched()
            change(-1)
            rw.runlock()

    def writer() -> None:
        for _ in range(100):
            rw.lock()
            if change(10000) != 10000:
                activity["bad"] += 1
            gosched()
            change(-10000)
            rw.unlock()

    wg = WaitGroup()
    for fn in (reader, writer, reader, reader, writer, reader):
        wg.go(fn)
    wg.wait()
    assert activity == {"n": 0, "bad": 0}


# -- WaitGroup ------------------------------------------------------------------------------


def test_waitgroup_wait_blocks_until_the_counter_is_zero(rt, spawn):
    wg = WaitGroup(name="wg")
    wg.add(2)
    g, out = spawn(wg.wait)
    wait_until(lambda: g.state is State.BLOCKED_WAITGROUP)
    assert g.wait_reason == "sync.WaitGroup.Wait"
    assert g.waiting_on is wg
    wg.done()
    assert g.state is State.BLOCKED_WAITGROUP and out == []  # done() ran; still 1
    wg.done()
    assert g.join(5)
    assert out == [None]


def test_waitgroup_wait_at_zero_returns_at_once(rt):
    wg = WaitGroup()
    t, out = run_thread(wg.wait)  # a Wait that blocked would fail here, not at the timeout
    t.join(2.0)
    assert not t.is_alive(), "Wait at counter 0 blocked"
    assert out == [None]


def test_waitgroup_negative_counter_panics(rt):
    wg = WaitGroup()
    wg.add(1)
    wg.done()
    with pytest.raises(Panic, match=r"^sync: negative WaitGroup counter$"):
        wg.done()


def test_waitgroup_zero_wakes_every_waiter(rt, spawn):
    wg = WaitGroup()
    wg.add(1)
    waiters = [spawn(wg.wait)[0] for _ in range(3)]
    wait_until(lambda: all(g.state is State.BLOCKED_WAITGROUP for g in waiters))
    wg.done()
    for g in waiters:
        assert g.join(5)


def test_waitgroup_releases_the_group_only_when_all_are_done(rt, spawn):
    # Go: TestWaitGroup: n goroutines pass wg1, then wait on wg2; none may leave early.
    n = 16
    wg1, wg2 = WaitGroup(), WaitGroup()
    wg1.add(n)
    wg2.add(n)
    exited = Chan(n)

    def member() -> None:
        wg1.done()
        wg2.wait()
        exited.send(True)

    for _ in range(n):
        spawn(member)
    wg1.wait()
    for _ in range(n):
        assert len(exited) == 0, "WaitGroup released group too soon"
        wg2.done()
    for _ in range(n):
        exited.recv()


def test_waitgroup_go_runs_fn_and_counts_it(rt):
    wg = WaitGroup()
    results = []
    for i in range(5):
        wg.go(results.append, i)
    wg.wait()
    assert sorted(results) == list(range(5))
    assert wg.count == 0


def test_waitgroup_go_calls_done_when_fn_raises(rt):
    wg = WaitGroup()

    def boom() -> None:
        raise ValueError("boom")

    g = wg.go(boom)
    wg.wait()  # would hang if done() were skipped
    assert g.join(5)
    assert isinstance(g.panic, ValueError)


# -- Once ------------------------------------------------------------------------------------


def test_once_runs_fn_once_and_callers_wait_for_it(rt, spawn):
    # Go: TestOnce, plus "no call to Do returns until the one call to f returns".
    once = Once()
    calls = []
    gate = Chan()

    def fn() -> None:
        calls.append(1)
        gate.recv()  # holds the first call inside fn

    first, _ = spawn(once.do, fn)
    wait_until(lambda: first.state is State.BLOCKED_RECV)
    others = [spawn(once.do, fn) for _ in range(5)]
    wait_until(lambda: all(g.state.blocked for g, _ in others))
    assert all(out == [] for _, out in others)
    gate.send(None)
    assert first.join(5)
    for g, out in others:
        assert g.join(5)
        assert out == [None]
    assert calls == [1]


def test_once_fn_that_raised_counts_as_done(rt):
    # Go: TestOncePanic: the panic reaches the caller; later calls do nothing.
    once = Once()
    calls = []

    def boom() -> None:
        calls.append("boom")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        once.do(boom)
    once.do(lambda: calls.append("again"))
    assert calls == ["boom"]


# -- every sync object takes a name --------------------------------------------------------


@pytest.mark.parametrize("kind", [Mutex, RWMutex, WaitGroup, Once])
def test_sync_objects_take_a_name_and_have_unique_ids(rt, kind):
    a, b = kind(name="shared"), kind()
    assert a.name == "shared"
    assert isinstance(b.name, str) and b.name
    assert a.id != b.id

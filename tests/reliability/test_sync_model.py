"""Mutex, RWMutex, WaitGroup and Once against sequential models, and under contention.

Stepped tests: each goroutine is a *puppet* that waits for a command on its own
channel, performs it (lock, unlock, rlock, add, wait...) and reports. Hypothesis
picks a random sequence of commands; after each one the test waits until the runtime
settles and compares it with the model of Go's semantics: which goroutines got
through, which are parked on the lock, what panicked. So mutual exclusion, writer
preference (a waiting writer holds back new readers) and WaitGroup wake-ups are
checked exactly, one step at a time.

Contention tests: many goroutines hammer one object at random; a shadow counter
(guarded by a plain ``threading.Lock``, the measuring device) proves exclusion, no
update is lost and nobody is left waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from helpers import wait_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.runtime import (
    Chan,
    Fatal,
    Goroutine,
    Mutex,
    Once,
    Panic,
    Runtime,
    RWMutex,
    State,
    WaitGroup,
    gosched,
)

SETTLE_TIMEOUT = 3.0  # typically a few ms; a failing example costs this much

STEP_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def asleep(g: Goroutine) -> bool:
    """Parked on a sync object and not woken.

    A woken goroutine keeps its BLOCKED state until its thread runs again, but its
    waker has already released its ``parker`` lock (held otherwise): the same test
    as the runtime's own deadlock check.
    """
    return g.state in (State.BLOCKED_LOCK, State.BLOCKED_WAITGROUP) and g.parker.locked()


class Puppets:
    """*n* goroutines that each run the commands sent to them, one at a time.

    ``results[i]`` lists what puppet *i* got back from each command it finished
    (``"ok"``, a value, ``"panic: <text>"`` or ``"fatal error: <text>"``). Commands go
    over an unbuffered channel, so a command reaches a puppet only when it is idle.
    """

    def __init__(self, rt: Runtime, n: int, perform: Callable[[int, str], Any]) -> None:
        self.rt = rt
        with rt.active():
            self.cmds = [Chan(0, name=f"cmd-{i}") for i in range(n)]
        self.results: list[list[Any]] = [[] for _ in range(n)]
        self._perform = perform
        self.gs = [rt.go(self._loop, i, name=f"puppet-{i}") for i in range(n)]

    def _loop(self, i: int) -> None:
        for cmd in self.cmds[i]:
            try:
                res = self._perform(i, cmd)
            except Panic as exc:
                res = f"panic: {exc}"
            except Fatal as exc:  # unlock of an unlocked lock: reported, the puppet goes on
                res = f"fatal error: {exc}"
            self.results[i].append("ok" if res is None else res)

    def command(self, i: int, cmd: str) -> None:
        self.cmds[i].send(cmd)  # the puppet is idle: it takes it at once

    def settle(self, finished: list[int], blocked: set[int], why: str) -> None:
        """Wait until puppet i finished ``finished[i]`` commands, and *blocked* are parked."""

        def settled() -> bool:
            counts_reached = all(len(r) >= n for r, n in zip(self.results, finished))
            return counts_reached and all(asleep(self.gs[i]) for i in blocked)

        try:
            wait_until(settled, timeout=SETTLE_TIMEOUT)
        except AssertionError:
            raise AssertionError(f"never settled after {why}: {self.state()}") from None
        counts = [len(r) for r in self.results]
        assert counts == finished, f"after {why}: finished {counts}, model {finished}"

    def state(self) -> str:
        return ", ".join(
            f"p{i}:{g.state.value}/{len(r)}" for i, (g, r) in enumerate(zip(self.gs, self.results))
        )

    def stop(self, blocked: set[int]) -> None:
        """Stop: idle puppets end when their channel closes; the parked ones are killed."""
        for ch in self.cmds:
            ch.close()
        idle = [g for i, g in enumerate(self.gs) if i not in blocked]
        assert all(g.join(5.0) for g in idle), f"an idle puppet did not end: {self.state()}"
        report = self.rt.stop(timeout=0.2)  # only the parked ones are left: killed
        assert len(report.leaked) == len(blocked), (report.leaked, blocked)
        assert all(g.join(5.0) for g in self.gs), f"survived stop: {report.alive}"


# -- Mutex ---------------------------------------------------------------------------


@STEP_SETTINGS
@given(n=st.integers(2, 5), data=st.data())
def test_mutex_steps_match_the_model(n, data):
    # Model: held or free; waiters. unlock() of a held mutex with waiters lets exactly
    # one of them through (Go's normal mode: the woken waiter competes, and here nobody
    # else does); unlock() of a free one is fatal; try_lock() succeeds iff free.
    rt = Runtime(name="mutex-model")
    with rt.active():
        mu = Mutex(name="mu")

    def perform(_i: int, cmd: str) -> Any:
        if cmd == "lock":
            mu.lock()
        elif cmd == "unlock":
            mu.unlock()
        else:
            return mu.try_lock()
        return None

    p = Puppets(rt, n, perform)
    held, waiting = False, set()
    finished = [0] * n
    try:
        for step in range(data.draw(st.integers(1, 25), label="steps")):
            idle = [i for i in range(n) if i not in waiting]
            if not idle:
                break  # everyone waits: only stop can end it
            i = data.draw(st.sampled_from(idle), label=f"puppet@{step}")
            cmd = data.draw(st.sampled_from(["lock", "lock", "unlock", "try_lock"]), label="cmd")
            p.command(i, cmd)
            if cmd == "lock" and held:
                waiting.add(i)
                p.settle(finished, waiting, f"p{i} lock (held)")
                continue
            finished[i] += 1
            expected: Any = "ok"
            if cmd == "lock":
                held = True
            elif cmd == "try_lock":
                expected, held = (not held), True
            elif not held:
                expected = "fatal error: sync: unlock of unlocked mutex"
            elif waiting:
                # Exactly one waiter gets the lock: wait for it, then see which.
                before = [len(r) for r in p.results]
                try:
                    wait_until(
                        lambda before=before: any(len(p.results[w]) > before[w] for w in waiting)
                    )
                except AssertionError:
                    raise AssertionError(f"no waiter woke after unlock: {p.state()}") from None
                winners = [w for w in waiting if len(p.results[w]) > before[w]]
                assert len(winners) == 1, f"unlock let {winners} all through"
                waiting.discard(winners[0])
                finished[winners[0]] += 1
            else:
                held = False
            p.settle(finished, waiting, f"p{i} {cmd}")
            assert p.results[i][-1] == expected, (cmd, p.results[i][-1], expected)
            assert mu.locked == held
    except BaseException:
        rt.stop(timeout=0.1)  # the failure says what broke; stop only cleans up
        raise
    p.stop(waiting)


# -- RWMutex ---------------------------------------------------------------------------


class RWModel:
    """Go's sync.RWMutex: many readers or one writer; a waiting writer holds back new
    readers; unlock lets the readers that waited during the write go first."""

    def __init__(self) -> None:
        self.readers = 0
        self.writer = False
        self.readq: list[int] = []
        self.writeq: list[int] = []

    def waiting(self) -> set[int]:
        return set(self.readq) | set(self.writeq)

    def apply(self, i: int, cmd: str) -> tuple[Any, list[int]]:
        """Returns (*i*'s result, or None when it blocks; the waiters this lets through)."""
        if cmd == "rlock":
            if self.writer or self.writeq:
                self.readq.append(i)
                return None, []
            self.readers += 1
            return "ok", []
        if cmd == "lock":
            if self.writer or self.readers or self.writeq:
                self.writeq.append(i)
                return None, []
            self.writer = True
            return "ok", []
        if cmd == "runlock":
            if self.readers == 0:
                return "fatal error: sync: RUnlock of unlocked RWMutex", []
            self.readers -= 1
            if self.readers == 0 and self.writeq:
                self.writer = True
                return "ok", [self.writeq.pop(0)]
            return "ok", []
        # unlock
        if not self.writer:
            return "fatal error: sync: Unlock of unlocked RWMutex", []
        self.writer = False
        if self.readq:
            woken, self.readq = self.readq, []
            self.readers += len(woken)
            return "ok", woken
        if self.writeq:
            self.writer = True
            return "ok", [self.writeq.pop(0)]
        return "ok", []


@STEP_SETTINGS
@given(n=st.integers(2, 5), data=st.data())
def test_rwmutex_steps_match_the_model_with_writer_preference(n, data):
    rt = Runtime(name="rwmutex-model")
    with rt.active():
        rw = RWMutex(name="rw")
    ops = {"rlock": rw.rlock, "runlock": rw.runlock, "lock": rw.lock, "unlock": rw.unlock}
    p = Puppets(rt, n, lambda _i, cmd: ops[cmd]())
    model = RWModel()
    finished = [0] * n
    try:
        for step in range(data.draw(st.integers(1, 30), label="steps")):
            idle = [i for i in range(n) if i not in model.waiting()]
            if not idle:
                break  # everyone waits: only stop can end it
            i = data.draw(st.sampled_from(idle), label=f"puppet@{step}")
            cmd = data.draw(
                st.sampled_from(["rlock", "rlock", "runlock", "runlock", "lock", "unlock"]),
                label="cmd",
            )
            p.command(i, cmd)
            result, woken = model.apply(i, cmd)
            if result is not None:
                finished[i] += 1
            for w in woken:
                finished[w] += 1
            p.settle(finished, model.waiting(), f"p{i} {cmd}")
            if result is not None:
                assert p.results[i][-1] == result, (cmd, p.results[i][-1], result)
    except BaseException:
        rt.stop(timeout=0.1)  # the failure says what broke; stop only cleans up
        raise
    p.stop(model.waiting())


def test_a_waiting_writer_holds_back_a_new_reader_until_it_had_the_lock():
    rt = Runtime(name="writer-preference")
    with rt.active():
        rw = RWMutex(name="rw")
    ops = {"rlock": rw.rlock, "runlock": rw.runlock, "lock": rw.lock, "unlock": rw.unlock}
    p = Puppets(rt, 3, lambda _i, cmd: ops[cmd]())
    try:
        p.command(0, "rlock")
        p.settle([1, 0, 0], set(), "reader 0 in")
        p.command(1, "lock")
        p.settle([1, 0, 0], {1}, "writer waits for reader 0")
        p.command(2, "rlock")
        p.settle([1, 0, 0], {1, 2}, "reader 2 waits behind the writer")
        p.command(0, "runlock")
        p.settle([2, 1, 0], {2}, "writer in, reader 2 still out")
        p.command(1, "unlock")
        p.settle([2, 2, 1], set(), "reader 2 in after the write")
    except BaseException:
        rt.stop(timeout=0.1)  # the failure says what broke; stop only cleans up
        raise
    p.stop(set())


# -- WaitGroup ------------------------------------------------------------------------


@STEP_SETTINGS
@given(n=st.integers(2, 5), data=st.data())
def test_waitgroup_steps_match_the_model(n, data):
    rt = Runtime(name="waitgroup-model")
    with rt.active():
        wg = WaitGroup(name="wg")

    def perform(_i: int, cmd: str) -> None:
        if cmd == "wait":
            wg.wait()
        elif cmd == "done":
            wg.done()
        else:
            wg.add(int(cmd.split()[1]))

    p = Puppets(rt, n, perform)
    count, waiting = 0, set()
    finished = [0] * n
    try:
        for step in range(data.draw(st.integers(1, 30), label="steps")):
            idle = [i for i in range(n) if i not in waiting]
            if not idle:
                break  # everyone waits: only stop can end it
            i = data.draw(st.sampled_from(idle), label=f"puppet@{step}")
            cmd = data.draw(
                st.sampled_from(["add 1", "add 2", "add -1", "done", "wait", "wait", "wait"]),
                label="cmd",
            )
            p.command(i, cmd)
            expected = "ok"
            if cmd == "wait":
                if count > 0:
                    waiting.add(i)
                    p.settle(finished, waiting, f"p{i} wait at {count}")
                    continue
            else:
                delta = -1 if cmd == "done" else int(cmd.split()[1])
                if count + delta < 0:
                    expected = "panic: sync: negative WaitGroup counter"
                else:
                    count += delta
                    if count == 0:
                        for w in waiting:
                            finished[w] += 1
                        waiting = set()
            finished[i] += 1
            p.settle(finished, waiting, f"p{i} {cmd} -> {count}")
            assert p.results[i][-1] == expected
            assert wg.count == count
    except BaseException:
        rt.stop(timeout=0.1)  # the failure says what broke; stop only cleans up
        raise
    p.stop(waiting)


# -- contention --------------------------------------------------------------------------


class Shadow:
    """Who is inside a critical section, counted by a plain lock (not the one tested)."""

    def __init__(self) -> None:
        self._l = threading.Lock()
        self.readers = 0
        self.writers = 0
        self.violations: list[str] = []
        self.max_readers = 0

    def enter(self, writer: bool) -> None:
        with self._l:
            if writer:
                self.writers += 1
                if self.writers > 1 or self.readers:
                    self.violations.append(f"writer with {self.writers - 1} w, {self.readers} r")
            else:
                self.readers += 1
                self.max_readers = max(self.max_readers, self.readers)
                if self.writers:
                    self.violations.append(f"reader with {self.writers} writer(s)")

    def leave(self, writer: bool) -> None:
        with self._l:
            if writer:
                self.writers -= 1
            else:
                self.readers -= 1


CONTENTION = settings(max_examples=20, deadline=None, database=None)


@CONTENTION
@given(
    goroutines=st.integers(2, 12),
    rounds=st.integers(1, 60),
    yields=st.integers(0, 2),
    use_try=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_mutex_excludes_and_loses_no_update_under_contention(
    goroutines, rounds, yields, use_try, seed
):
    rt = Runtime(name="mutex-contention", seed=seed)
    with rt.active():
        mu = Mutex(name="mu")
    shadow = Shadow()
    total = [0]

    def work(k: int) -> None:
        for r in range(rounds):
            if use_try and (k + r) % 3 == 0:
                while not mu.try_lock():
                    gosched()
            else:
                mu.lock()
            shadow.enter(writer=True)
            v = total[0]
            for _ in range(yields):
                gosched()  # a real gap between the read and the write
            total[0] = v + 1
            shadow.leave(writer=True)
            mu.unlock()

    gs = [rt.go(work, k, name=f"w{k}") for k in range(goroutines)]
    try:
        assert all(g.join(20.0) for g in gs), f"stuck: {rt.goroutines()}"
    finally:
        report = rt.stop(timeout=1.0)
    assert report.clean and not rt.panics
    assert not shadow.violations, shadow.violations[:5]
    assert total[0] == goroutines * rounds
    assert not mu.locked


@CONTENTION
@given(
    readers=st.integers(1, 10),
    writers=st.integers(1, 4),
    rounds=st.integers(1, 40),
    seed=st.integers(0, 2**16),
)
def test_rwmutex_excludes_writers_and_finishes_under_contention(readers, writers, rounds, seed):
    rt = Runtime(name="rwmutex-contention", seed=seed)
    with rt.active():
        rw = RWMutex(name="rw")
    shadow = Shadow()
    total = [0]
    seen: list[int] = []

    def write() -> None:
        for _ in range(rounds):
            with rw:
                shadow.enter(writer=True)
                v = total[0]
                gosched()
                total[0] = v + 1
                shadow.leave(writer=True)

    def read() -> None:
        for _ in range(rounds):
            with rw.rlocker():
                shadow.enter(writer=False)
                seen.append(total[0])
                gosched()
                shadow.leave(writer=False)

    gs = [rt.go(write, name=f"writer-{k}") for k in range(writers)]
    gs += [rt.go(read, name=f"reader-{k}") for k in range(readers)]
    try:
        assert all(g.join(20.0) for g in gs), f"stuck: {rt.goroutines()}"
    finally:
        report = rt.stop(timeout=1.0)
    assert report.clean and not rt.panics
    assert not shadow.violations, shadow.violations[:5]
    assert total[0] == writers * rounds  # writers starved nobody, lost nothing
    assert len(seen) == readers * rounds


@CONTENTION
@given(
    workers=st.integers(0, 30),
    waiters=st.integers(1, 6),
    nested=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_waitgroup_wakes_every_waiter_only_after_every_worker(workers, waiters, nested, seed):
    rt = Runtime(name="wg-contention", seed=seed)
    with rt.active():
        wg = WaitGroup(name="wg")
    finished = [0]
    lock = threading.Lock()
    expected = workers * (1 + nested)
    woke_seeing: list[int] = []

    def leaf() -> None:
        gosched()
        with lock:
            finished[0] += 1

    def worker() -> None:
        for _ in range(nested):
            wg.go(leaf)  # adds before this worker's done: the counter never dips to 0
        leaf()

    def waiter() -> None:
        wg.wait()
        with lock:
            woke_seeing.append(finished[0])

    with rt.active():
        for k in range(workers):
            wg.go(worker, name=f"worker-{k}")
    ws = [rt.go(waiter, name=f"waiter-{k}") for k in range(waiters)]
    try:
        assert all(g.join(20.0) for g in ws), f"stuck: {rt.goroutines()}"
    finally:
        report = rt.stop(timeout=1.0)
    assert report.clean and not rt.panics
    assert woke_seeing == [expected] * waiters
    assert wg.count == 0


@CONTENTION
@given(callers=st.integers(1, 16), raises=st.booleans(), slow=st.integers(0, 5))
def test_once_runs_fn_once_and_every_caller_returns_after_it(callers, raises, slow):
    rt = Runtime(name="once")
    with rt.active():
        once = Once(name="once")
    calls = []
    finished = threading.Event()
    saw_finished: list[bool] = []
    errors: list[str] = []
    lock = threading.Lock()

    def fn() -> None:
        calls.append(1)
        for _ in range(slow):
            gosched()  # others arrive while it runs
        finished.set()
        if raises:
            raise ValueError("boom")

    def caller() -> None:
        try:
            once.do(fn)
        except ValueError as exc:
            with lock:
                errors.append(str(exc))
        with lock:
            saw_finished.append(finished.is_set())

    gs = [rt.go(caller, name=f"caller-{k}") for k in range(callers)]
    try:
        assert all(g.join(10.0) for g in gs)
    finally:
        report = rt.stop(timeout=1.0)
    assert report.clean and not rt.panics
    assert len(calls) == 1
    assert saw_finished == [True] * callers
    assert errors == (["boom"] if raises else [])


@pytest.mark.slow
@settings(STEP_SETTINGS, max_examples=300)
@given(n=st.integers(2, 6), data=st.data())
def test_rwmutex_steps_match_the_model_long(n, data):
    test_rwmutex_steps_match_the_model_with_writer_preference.hypothesis.inner_test(n, data)


@pytest.mark.slow
@settings(STEP_SETTINGS, max_examples=300)
@given(n=st.integers(2, 6), data=st.data())
def test_mutex_steps_match_the_model_long(n, data):
    test_mutex_steps_match_the_model.hypothesis.inner_test(n, data)

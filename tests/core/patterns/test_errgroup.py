"""errgroup: first error, cancellation of the group's context, limits; the channel semaphore."""

from __future__ import annotations

import pytest
from helpers import run_in, wait_until

from core.patterns.errgroup import Group, Semaphore, with_context
from core.runtime import AtomicInt64, Chan, Panic, State, context, sleep
from core.runtime.context import Canceled

TASKS = 12
LIMIT = 3


RT_SPEED = 20


def test_wait_returns_none_when_every_task_succeeds(rt):
    g = Group()
    done = AtomicInt64()
    for _ in range(5):
        g.go(done.add, 1)
    assert run_in(rt, g.wait) is None
    assert done.load() == 5


def test_wait_returns_the_first_error(rt):
    g, ctx = with_context(context.background())
    first = OSError("first")

    def second():
        ctx.done().recv()  # closed once the first error is recorded
        raise OSError("second")

    def fails_first():
        raise first

    g.go(second)
    g.go(fails_first)
    assert run_in(rt, g.wait) is first


def test_the_first_error_cancels_the_groups_context(rt):
    g, ctx = with_context(context.background())
    seen: list = []

    def patient():
        ctx.done().recv()  # returns only when the group's context is cancelled
        seen.append(ctx.err())

    g.go(patient)
    boom = OSError("boom")

    def fail():
        raise boom

    g.go(fail)
    assert run_in(rt, g.wait) is boom
    assert isinstance(seen[0], Canceled)


def test_wait_cancels_the_groups_context_even_without_error(rt):
    g, ctx = with_context(context.background())
    g.go(lambda: None)
    assert run_in(rt, g.wait) is None
    assert isinstance(ctx.err(), Canceled)


def test_the_parent_context_is_not_cancelled_by_the_group(rt):
    parent, cancel = context.with_cancel(context.background())
    g, _ = with_context(parent)
    g.go(lambda: 1 / 0)
    assert isinstance(run_in(rt, g.wait), ZeroDivisionError)
    assert parent.err() is None
    cancel()


def test_set_limit_keeps_the_running_tasks_at_or_below_the_limit(rt):
    g = Group()
    g.set_limit(LIMIT)
    running = AtomicInt64()
    most = AtomicInt64()

    def task():
        n = running.add(1)
        while True:  # most = max(most, n)
            m = most.load()
            if n <= m or most.compare_and_swap(m, n):
                break
        sleep(0.05)
        running.add(-1)

    def start_all():
        for _ in range(TASKS):
            g.go(task)
        return g.wait()

    assert run_in(rt, start_all) is None
    assert most.load() == LIMIT


def test_go_blocks_while_the_limit_is_reached(rt):
    g = Group()
    g.set_limit(1)
    release = Chan(name="release")
    g.go(release.recv)
    starter = rt.go(g.go, lambda: None, name="starter")
    wait_until(lambda: starter.state is State.BLOCKED_SEND)
    release.close()
    assert starter.join(2.0)
    assert run_in(rt, g.wait) is None


def test_try_go_refuses_when_the_limit_is_reached(rt):
    g = Group()
    g.set_limit(1)
    release = Chan(name="release")
    assert g.try_go(release.recv)
    assert not g.try_go(lambda: None)
    release.close()
    assert run_in(rt, g.wait) is None


def test_set_limit_while_tasks_run_panics_with_gos_words(rt):
    g = Group()
    g.set_limit(2)
    release = Chan(name="release")
    g.go(release.recv)
    with pytest.raises(Panic, match="modify limit while 1 goroutines"):
        g.set_limit(3)
    release.close()
    assert run_in(rt, g.wait) is None


def test_a_limit_of_zero_is_refused(rt):
    with pytest.raises(ValueError, match="limit"):
        Group().set_limit(0)


def test_semaphore_try_acquire_stops_at_its_capacity(rt):
    s = Semaphore(2)
    assert [s.try_acquire() for _ in range(3)] == [True, True, False]
    assert s.in_use() == 2
    s.release()
    assert s.try_acquire()


def test_semaphore_acquire_blocks_until_a_release(rt):
    s = Semaphore(1)
    s.acquire()
    g = rt.go(s.acquire, name="second")
    wait_until(lambda: g.state is State.BLOCKED_SEND)
    s.release()
    assert g.join(2.0)
    assert s.in_use() == 1


def test_semaphore_acquire_raises_when_the_context_ends_first(rt):
    s = Semaphore(1)
    s.acquire()
    ctx, cancel = context.with_cancel(context.background())
    out: list = []

    def waiter():
        try:
            s.acquire(ctx)
        except Canceled as exc:
            out.append(exc)

    g = rt.go(waiter, name="waiter")
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    cancel()
    assert g.join(2.0)
    assert out == [ctx.err()]
    assert s.in_use() == 1


def test_semaphore_acquire_with_a_done_context_takes_no_slot(rt):
    s = Semaphore(1)
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    assert isinstance(run_in(rt, lambda: s.acquire(ctx)), Canceled)
    assert s.in_use() == 0


def test_semaphore_released_more_than_held_panics(rt):
    with pytest.raises(Panic, match="released more than held"):
        Semaphore(1).release()


def test_semaphore_works_as_a_with_block(rt):
    s = Semaphore(1)
    with s:
        assert s.in_use() == 1
    assert s.in_use() == 0


def test_semaphore_needs_a_slot(rt):
    with pytest.raises(ValueError, match="n must be"):
        Semaphore(0)

"""context: causes, after_func, without_cancel, nil parents and nil keys (ported from Go's
context/context_test.go and x_test.go: TestCause, TestCauseRace, TestWithCancelCanceledParent,
TestWithCancelSimultaneouslyCanceledParent, TestWithoutCancel, TestAfterFunc*,
TestInvalidDerivedFail, TestWithValueChecksKey). Deadlines run on the paused runtime clock,
stepped to the next deadline, so nothing waits for wall time.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest
from helpers import join, run_thread, wait_until

from core.runtime import AtomicInt32, Chan, Panic, current, go
from core.runtime.context import (
    Canceled,
    DeadlineExceeded,
    after_func,
    background,
    cause,
    todo,
    with_cancel,
    with_cancel_cause,
    with_deadline,
    with_deadline_cause,
    with_timeout,
    with_timeout_cause,
    with_value,
    without_cancel,
)
from core.trace import Kind

FOREVER = 1e6  # runtime seconds: never reached in a test


class Because(Exception):
    """A cause, as Go's fmt.Errorf("...") in the tests."""


@pytest.fixture
def paused(rt):
    """The test's runtime with its clock paused; returns the (frozen) time."""
    rt.pause()
    return rt.clock.now()


def is_done(ctx) -> bool:
    ch = ctx.done()
    return ch is not None and ch.statistics().closed


def fire_next_deadline(rt, ctx) -> None:
    """Jump the paused clock to the next deadline and wait until *ctx* has ended."""
    assert rt.step()
    wait_until(lambda: ctx.err() is not None)


# -- nil parent, nil key --------------------------------------------------------------------------

NIL_PARENT_CALLS = {
    "with_cancel": lambda: with_cancel(None),
    "with_cancel_cause": lambda: with_cancel_cause(None),
    "with_deadline": lambda: with_deadline(None, 1.0),
    "with_deadline_cause": lambda: with_deadline_cause(None, 1.0, Because()),
    "with_timeout": lambda: with_timeout(None, 1.0),
    "with_timeout_cause": lambda: with_timeout_cause(None, 1.0, Because()),
    "with_value": lambda: with_value(None, "k", "v"),
    "without_cancel": lambda: without_cancel(None),
}


@pytest.mark.parametrize("make", NIL_PARENT_CALLS.values(), ids=NIL_PARENT_CALLS.keys())
def test_every_constructor_panics_on_a_nil_parent(rt, make):
    # Go: TestInvalidDerivedFail.
    with pytest.raises(Panic) as exc:
        make()
    assert str(exc.value) == "cannot create context from nil parent"


def test_with_value_panics_on_a_nil_key(rt):
    # Go: TestWithValueChecksKey.
    with pytest.raises(Panic) as exc:
        with_value(background(), None, "bar")
    assert str(exc.value) == "nil key"


def test_a_falsy_key_is_not_nil(rt):
    ctx = with_value(background(), 0, "zero")
    assert ctx.value(0) == "zero"


# -- cause: Go's TestCause table ------------------------------------------------------------------

PARENT_CAUSE = Because("parentCause")
CHILD_CAUSE = Because("childCause")
TOO_SLOW = Because("tooSlow")
FINISHED_EARLY = Because("finishedEarly")
ERR = object()  # expected cause: the context's own error (the same instance)


def _with_cancel():
    ctx, cancel = with_cancel(background())
    cancel()
    return ctx


def _with_cancel_cause():
    ctx, cancel = with_cancel_cause(background())
    cancel(PARENT_CAUSE)
    return ctx


def _with_cancel_cause_nil():
    ctx, cancel = with_cancel_cause(background())
    cancel(None)
    return ctx


def _parent_cause_before_child():
    ctx, cancel_parent = with_cancel_cause(background())
    ctx, cancel_child = with_cancel_cause(ctx)
    cancel_parent(PARENT_CAUSE)
    cancel_child(CHILD_CAUSE)
    return ctx


def _parent_cause_after_child():
    ctx, cancel_parent = with_cancel_cause(background())
    ctx, cancel_child = with_cancel_cause(ctx)
    cancel_child(CHILD_CAUSE)
    cancel_parent(PARENT_CAUSE)
    return ctx


def _parent_cause_before_nil():
    ctx, cancel_parent = with_cancel_cause(background())
    ctx, cancel_child = with_cancel(ctx)
    cancel_parent(PARENT_CAUSE)
    cancel_child()
    return ctx


def _parent_cause_after_nil():
    ctx, cancel_parent = with_cancel_cause(background())
    ctx, cancel_child = with_cancel(ctx)
    cancel_child()
    cancel_parent(PARENT_CAUSE)
    return ctx


def _child_cause_after_nil():
    ctx, cancel_parent = with_cancel(background())
    ctx, cancel_child = with_cancel_cause(ctx)
    cancel_parent()
    cancel_child(CHILD_CAUSE)
    return ctx


def _child_cause_before_nil():
    ctx, cancel_parent = with_cancel(background())
    ctx, cancel_child = with_cancel_cause(ctx)
    cancel_child(CHILD_CAUSE)
    cancel_parent()
    return ctx


def _with_timeout():
    ctx, cancel = with_timeout(background(), 0)
    cancel()
    return ctx


def _with_timeout_canceled():
    ctx, cancel = with_timeout(background(), FOREVER)
    cancel()
    return ctx


def _with_timeout_cause():
    ctx, cancel = with_timeout_cause(background(), 0, TOO_SLOW)
    cancel()
    return ctx


def _with_timeout_cause_canceled():
    ctx, cancel = with_timeout_cause(background(), FOREVER, TOO_SLOW)
    cancel()
    return ctx


def _with_timeout_cause_stacked():
    ctx, cancel = with_cancel_cause(background())
    ctx, _ = with_timeout_cause(ctx, 0, TOO_SLOW)
    cancel(FINISHED_EARLY)
    return ctx


def _with_timeout_cause_stacked_canceled():
    ctx, cancel = with_cancel_cause(background())
    ctx, _ = with_timeout_cause(ctx, FOREVER, TOO_SLOW)
    cancel(FINISHED_EARLY)
    return ctx


def _without_cancel_canceled():
    ctx, cancel = with_cancel_cause(background())
    ctx = without_cancel(ctx)
    cancel(FINISHED_EARLY)
    return ctx


def _without_cancel_timeout():
    ctx, cancel = with_timeout_cause(background(), 0, TOO_SLOW)
    ctx = without_cancel(ctx)
    cancel()
    return ctx


# name: (make the context, the type of its err() or None, its expected cause)
CAUSE_CASES: dict[str, tuple[Callable, type | None, object]] = {
    "Background": (background, None, None),
    "TODO": (todo, None, None),
    "WithCancel": (_with_cancel, Canceled, ERR),
    "WithCancelCause": (_with_cancel_cause, Canceled, PARENT_CAUSE),
    "WithCancelCause nil": (_with_cancel_cause_nil, Canceled, ERR),
    "parent cause before child": (_parent_cause_before_child, Canceled, PARENT_CAUSE),
    "parent cause after child": (_parent_cause_after_child, Canceled, CHILD_CAUSE),
    "parent cause before nil": (_parent_cause_before_nil, Canceled, PARENT_CAUSE),
    "parent cause after nil": (_parent_cause_after_nil, Canceled, ERR),
    "child cause after nil": (_child_cause_after_nil, Canceled, ERR),
    "child cause before nil": (_child_cause_before_nil, Canceled, CHILD_CAUSE),
    "WithTimeout": (_with_timeout, DeadlineExceeded, ERR),
    "WithTimeout canceled": (_with_timeout_canceled, Canceled, ERR),
    "WithTimeoutCause": (_with_timeout_cause, DeadlineExceeded, TOO_SLOW),
    "WithTimeoutCause canceled": (_with_timeout_cause_canceled, Canceled, ERR),
    "WithTimeoutCause stacked": (_with_timeout_cause_stacked, DeadlineExceeded, TOO_SLOW),
    "WithTimeoutCause stacked canceled": (
        _with_timeout_cause_stacked_canceled,
        Canceled,
        FINISHED_EARLY,
    ),
    "WithoutCancel": (lambda: without_cancel(background()), None, None),
    "WithoutCancel canceled": (_without_cancel_canceled, None, None),
    "WithoutCancel timeout": (_without_cancel_timeout, None, None),
}


@pytest.mark.parametrize(("make", "err_type", "want"), CAUSE_CASES.values(), ids=CAUSE_CASES.keys())
def test_cause(rt, make, err_type, want):
    # Go: TestCause.
    ctx = make()
    err = ctx.err()
    if err_type is None:
        assert err is None
    else:
        assert type(err) is err_type
    if want is ERR:
        assert cause(ctx) is err
    else:
        assert cause(ctx) is want


def test_cause_is_none_while_live(rt):
    ctx, cancel = with_cancel_cause(background())
    assert cause(ctx) is None
    cancel(Because())


def test_cause_reaches_every_descendant(rt):
    # Go: Cause returns the cause "for the context and its descendants".
    root, cancel = with_cancel_cause(background())
    child, _ = with_cancel(root)
    valued = with_value(child, "k", "v")
    grandchild, _ = with_timeout(valued, FOREVER)
    why = Because("shutting down")
    cancel(why)
    for ctx in (root, child, valued, grandchild):
        assert isinstance(ctx.err(), Canceled)
        assert cause(ctx) is why


def test_a_second_cancel_sets_no_cause(rt):
    ctx, cancel = with_cancel_cause(background())
    first, second = Because("first"), Because("second")
    cancel(first)
    cancel(second)
    assert cause(ctx) is first


def test_child_of_an_ended_parent_gets_its_error_and_cause(rt):
    # Go: TestWithCancelCanceledParent.
    parent, pcancel = with_cancel_cause(background())
    why = Because("Because!")
    pcancel(why)
    child, _ = with_cancel(parent)
    assert is_done(child)
    assert child.err() is parent.err()
    assert cause(child) is why


def test_child_of_a_concurrently_cancelled_parent_gets_its_error_and_cause(rt):
    # Go: TestWithCancelSimultaneouslyCanceledParent.
    for _ in range(50):
        parent, pcancel = with_cancel_cause(background())
        why = Because("Because!")
        g = go(pcancel, why)
        child, _ = with_cancel(parent)
        wait_until(lambda c=child: c.err() is not None)
        assert is_done(child)
        assert isinstance(child.err(), Canceled)
        assert cause(child) is why
        assert g.join(5)


def test_cause_is_seen_once_set_by_another_goroutine(rt):
    # Go: TestCauseRace: poll cause, not done, while another goroutine cancels.
    why = Because("TestCauseRace")
    ctx, cancel = with_cancel_cause(background())
    g = go(cancel, why)
    wait_until(lambda: cause(ctx) is not None)
    assert cause(ctx) is why
    assert g.join(5)


def test_deadline_cause_is_the_cause_when_the_deadline_passes(rt, paused):
    parent, _ = with_deadline_cause(background(), paused + 2.0, TOO_SLOW)
    child, cancel_child = with_cancel(parent)
    assert parent.deadline() == child.deadline() == paused + 2.0
    fire_next_deadline(rt, child)
    assert isinstance(parent.err(), DeadlineExceeded)
    assert child.err() is parent.err()
    assert cause(parent) is TOO_SLOW
    assert cause(child) is TOO_SLOW
    cancel_child()


def test_timeout_cause_is_the_cause_when_the_time_is_up(rt, paused):
    ctx, _ = with_timeout_cause(background(), 1.0, TOO_SLOW)
    assert ctx.deadline() == paused + 1.0
    assert cause(ctx) is None
    fire_next_deadline(rt, ctx)
    assert isinstance(ctx.err(), DeadlineExceeded)
    assert cause(ctx) is TOO_SLOW


def test_deadline_cause_is_unused_when_the_parent_ends_first(rt, paused):
    # Go: WithDeadlineCause with a later deadline than the parent's is WithCancel(parent).
    parent, _ = with_timeout(background(), 1.0)
    child, _ = with_timeout_cause(parent, 5.0, TOO_SLOW)
    assert child.deadline() == paused + 1.0
    fire_next_deadline(rt, child)
    assert child.err() is parent.err()
    assert cause(child) is parent.err()


def test_cancel_of_a_deadline_cause_context_sets_no_cause(rt, paused):
    ctx, cancel = with_deadline_cause(background(), paused + 1.0, TOO_SLOW)
    cancel()
    assert isinstance(ctx.err(), Canceled)
    assert cause(ctx) is ctx.err()
    assert not rt.step()  # the deadline's timer is gone with the cancel


def test_cancel_is_traced_with_its_cause(traced_rt, tracer):
    plain, cancel_plain = with_cancel(background(), name="plain")
    why, cancel_why = with_cancel_cause(background(), name="why")
    cancel_plain()
    cancel_why(Because("disk full"))
    events = {e.obj: e for e in tracer.events() if e.kind is Kind.CTX_CANCEL}
    assert events[plain.id].value == "context canceled"
    assert events[plain.id].payload.cause == ""
    assert events[why.id].value == "context canceled"
    assert events[why.id].payload.cause == "disk full"


# -- without_cancel -------------------------------------------------------------------------------


def test_without_cancel_keeps_values_and_drops_the_rest(rt):
    # Go: TestWithoutCancel.
    ctx = without_cancel(with_value(background(), "key", "value"))
    assert ctx.deadline() is None
    assert ctx.done() is None
    assert ctx.err() is None
    assert ctx.value("key") == "value"


def test_without_cancel_outlives_its_parent(rt, paused):
    parent, cancel = with_timeout(with_value(background(), "k", "v"), 2.0)
    ctx = without_cancel(parent)
    child, cancel_child = with_cancel(ctx)
    assert ctx.deadline() is None and child.deadline() is None
    cancel()
    assert is_done(parent)
    assert ctx.err() is None and ctx.done() is None
    assert not is_done(child) and child.err() is None
    assert child.value("k") == "v"
    cancel_child()


def test_child_of_without_cancel_of_an_ended_parent_is_live(rt):
    parent, cancel = with_cancel(background())
    cancel()
    child, cancel_child = with_cancel(without_cancel(parent))
    assert child.err() is None and not is_done(child)
    cancel_child()
    assert isinstance(child.err(), Canceled)


# -- after_func -----------------------------------------------------------------------------------


def closer(ch: Chan) -> Callable[[], None]:
    def fn() -> None:
        ch.close()

    return fn


def test_after_func_runs_after_cancel(rt):
    # Go: TestAfterFuncCalledAfterCancel.
    ctx, cancel = with_cancel(background())
    donec = Chan()
    stop = after_func(ctx, closer(donec))
    assert rt.goroutines() == []  # nothing started before the context is done
    assert not donec.statistics().closed
    cancel()
    wait_until(lambda: donec.statistics().closed)
    assert stop() is False


def test_after_func_runs_after_timeout(rt, paused):
    # Go: TestAfterFuncCalledAfterTimeout.
    ctx, cancel = with_timeout(background(), 1.0)
    donec = Chan()
    after_func(ctx, closer(donec))
    fire_next_deadline(rt, ctx)
    rt.resume()
    wait_until(lambda: donec.statistics().closed)
    cancel()


def test_after_func_on_a_done_context_runs_at_once(rt):
    # Go: TestAfterFuncCalledImmediately.
    ctx, cancel = with_cancel(background())
    cancel()
    donec = Chan()
    after_func(ctx, closer(donec))
    wait_until(lambda: donec.statistics().closed)


def test_after_func_stopped_never_runs(rt):
    # Go: TestAfterFuncNotCalledAfterStop.
    ctx, cancel = with_cancel(background())
    donec = Chan()
    stop = after_func(ctx, closer(donec))
    assert stop() is True
    cancel()
    assert rt.goroutines() == []  # the cancel started nothing
    assert not donec.statistics().closed
    assert stop() is False


def test_cancel_does_not_wait_for_after_func(rt):
    # Go: TestAfterFuncCalledAsynchronously: fn blocks until we receive, after cancel returned.
    ctx, cancel = with_cancel(background())
    donec = Chan()
    stop = after_func(ctx, lambda: donec.send("done"))
    t, _ = run_thread(cancel)
    join(t)  # cancel returned while fn waits to send
    wait_until(lambda: donec.statistics().waiting_senders == 1)
    assert donec.recv() == ("done", True)
    assert stop() is False


def test_after_func_runs_in_its_own_goroutine(rt):
    ctx, cancel = with_cancel(background())
    seen = Chan(1)
    after_func(ctx, lambda: seen.send(current()))
    cancel()
    wait_until(lambda: len(seen) == 1)
    g, ok = seen.recv()
    assert ok and g is not None
    assert g.join(5)


def test_after_funcs_on_one_context_are_independent(rt):
    ctx, cancel = with_cancel(background())
    ran = AtomicInt32()
    after_func(ctx, lambda: ran.add(1))
    stop_second = after_func(ctx, lambda: ran.add(10))
    after_func(ctx, lambda: ran.add(100))
    assert stop_second() is True
    cancel()
    wait_until(lambda: ran.load() == 101)
    wait_until(lambda: rt.goroutines() == [])
    assert ran.load() == 101


def test_after_func_on_a_child_runs_when_the_parent_ends(rt):
    parent, cancel = with_cancel_cause(background())
    child = with_value(parent, "k", "v")
    got = Chan(1)
    after_func(child, lambda: got.send(cause(child)))
    why = Because("parent went away")
    cancel(why)
    wait_until(lambda: len(got) == 1)
    assert got.recv() == (why, True)


@pytest.mark.parametrize("make", [background, lambda: without_cancel(with_cancel(background())[0])])
def test_after_func_on_a_context_that_never_ends_never_runs(rt, make):
    ctx = make()
    stop = after_func(ctx, lambda: None)
    assert rt.goroutines() == []
    assert stop() is True
    assert stop() is False


def test_stopped_after_func_is_released_by_its_context(rt):
    # As Go's TestCancelRemoves: stop() drops the context's hold on fn.
    ctx, cancel = with_cancel(background())

    def fn() -> None:
        pass

    ref = weakref.ref(fn)
    stop = after_func(ctx, fn)
    assert stop()
    del fn, stop
    gc.collect()
    assert ref() is None
    cancel()


def test_stop_racing_with_cancel_either_stops_or_runs_fn_exactly_once(rt):
    for _ in range(50):
        ctx, cancel = with_cancel(background())
        ran = AtomicInt32()
        stop = after_func(ctx, lambda r=ran: r.add(1))
        g = go(cancel)
        stopped = stop()
        assert g.join(5)
        wait_until(lambda: rt.goroutines() == [])  # fn's goroutine, if any, has finished
        assert ran.load() == (0 if stopped else 1)

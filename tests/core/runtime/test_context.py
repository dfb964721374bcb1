"""context: cancellation, deadlines and values down a tree (ported from Go's
context/context_test.go where it applies). Deadlines run on the runtime clock; most tests
pause it and step it to the next deadline, so nothing waits for wall time.
"""

from __future__ import annotations

import gc
import time
import weakref

import pytest
from helpers import wait_until

from core.runtime import Chan, State
from core.runtime.context import (
    Canceled,
    ContextError,
    DeadlineExceeded,
    background,
    with_cancel,
    with_deadline,
    with_timeout,
    with_value,
)


@pytest.fixture
def paused(rt):
    """The test's runtime with its clock paused; returns the (frozen) time."""
    rt.pause()
    return rt.clock.now()


def is_done(ctx) -> bool:
    """Whether ctx.done() is closed (a receive returns at once with ok False)."""
    ch = ctx.done()
    return ch is not None and ch.statistics().closed


def fire_next_deadline(rt, ctx) -> None:
    """Jump the paused clock to the next deadline and wait until *ctx* has ended."""
    assert rt.step()
    wait_until(lambda: ctx.err() is not None)


# -- background ------------------------------------------------------------------------------


def test_background_is_never_done(rt):
    bg = background()
    assert bg.done() is None
    assert bg.err() is None
    assert bg.deadline() is None
    assert bg.value("k") is None


# -- with_cancel ----------------------------------------------------------------------------


def test_with_cancel_is_live_until_cancelled(rt):
    ctx, cancel = with_cancel(background())
    assert isinstance(ctx.done(), Chan)
    assert ctx.done() is ctx.done()
    assert not is_done(ctx) and ctx.err() is None
    cancel()
    assert ctx.done().recv() == (None, False)
    assert isinstance(ctx.err(), Canceled)
    assert str(ctx.err()) == "context canceled"


def test_cancel_wakes_a_goroutine_waiting_on_done(rt, spawn):
    ctx, cancel = with_cancel(background())
    g, out = spawn(ctx.done().recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert out == []
    cancel()
    assert g.join(5)
    assert out == [(None, False)]


def test_cancel_is_idempotent(rt):
    ctx, cancel = with_cancel(background())
    cancel()
    err = ctx.err()
    cancel()
    assert ctx.err() is err


def test_cancel_ends_every_descendant_with_the_same_error(rt):
    # Go: TestWithCancel and TestParentFinishesChild.
    parent, cancel = with_cancel(background())
    child, _ = with_cancel(parent)
    valued = with_value(parent, "k", "v")
    grandchild, _ = with_cancel(valued)
    timed, _ = with_timeout(child, 60.0)
    cancel()
    for ctx in (parent, child, valued, grandchild, timed):
        assert is_done(ctx)
        assert ctx.err() is parent.err()


def test_ending_a_child_never_ends_its_parent(rt):
    # Go: TestChildFinishesFirst.
    parent, cancel_parent = with_cancel(background())
    child, cancel_child = with_cancel(parent)
    cancel_child()
    assert isinstance(child.err(), Canceled)
    assert not is_done(parent) and parent.err() is None
    cancel_parent()


def test_child_of_an_ended_parent_is_ended_at_once(rt):
    # Go: TestWithCancelCanceledParent.
    parent, cancel = with_cancel(background())
    cancel()
    child, _ = with_cancel(parent)
    assert is_done(child)
    assert child.err() is parent.err()


def test_cancelled_child_is_released_by_its_parent(rt):
    # Go: TestCancelRemoves. A live child is held by its parent; a cancelled one is not.
    parent, cancel_parent = with_cancel(background())
    live, _ = with_cancel(parent)
    child, cancel = with_cancel(parent)
    live_ref, ref = weakref.ref(live), weakref.ref(child)
    cancel()
    del live, child, cancel
    gc.collect()
    assert live_ref() is not None
    assert ref() is None
    cancel_parent()


# -- deadlines ------------------------------------------------------------------------------------


def test_with_timeout_ends_with_deadline_exceeded(rt, paused):
    ctx, cancel = with_timeout(background(), 2.0)
    assert ctx.deadline() == paused + 2.0
    assert not is_done(ctx)
    fire_next_deadline(rt, ctx)
    assert is_done(ctx)
    assert isinstance(ctx.err(), DeadlineExceeded)
    assert str(ctx.err()) == "context deadline exceeded"
    cancel()
    assert isinstance(ctx.err(), DeadlineExceeded)  # a later cancel changes nothing


def test_with_deadline_reports_its_deadline_and_ends_then(rt, paused):
    ctx, _ = with_deadline(background(), paused + 3.0)
    assert ctx.deadline() == paused + 3.0
    fire_next_deadline(rt, ctx)
    assert rt.clock.now() == paused + 3.0
    assert isinstance(ctx.err(), DeadlineExceeded)


@pytest.mark.parametrize("d", [0, -1.0])
def test_deadline_already_passed_ends_the_context_at_once(rt, paused, d):
    ctx, _ = with_timeout(background(), d)
    assert is_done(ctx)
    assert isinstance(ctx.err(), DeadlineExceeded)


def test_timeout_wakes_a_goroutine_waiting_on_done(rt, spawn):
    rt.clock.speed = 20
    ctx, _ = with_timeout(background(), 1.0)
    g, out = spawn(ctx.done().recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    t0 = time.monotonic()
    assert g.join(5)
    assert time.monotonic() - t0 < 0.5  # 1 runtime second at 20x is 50 ms
    assert out == [(None, False)]
    assert isinstance(ctx.err(), DeadlineExceeded)


def test_child_ends_at_its_parents_earlier_deadline(rt, paused):
    parent, _ = with_timeout(background(), 1.0)
    child, _ = with_timeout(parent, 5.0)
    assert child.deadline() == parent.deadline() == paused + 1.0
    fire_next_deadline(rt, child)
    assert isinstance(child.err(), DeadlineExceeded)
    assert child.err() is parent.err()


def test_child_with_an_earlier_deadline_ends_first(rt, paused):
    parent, cancel = with_timeout(background(), 5.0)
    child, _ = with_timeout(parent, 1.0)
    assert child.deadline() == paused + 1.0
    fire_next_deadline(rt, child)
    assert isinstance(child.err(), DeadlineExceeded)
    assert parent.err() is None
    cancel()


def test_with_cancel_child_inherits_its_parents_deadline(rt, paused):
    parent, _ = with_timeout(background(), 2.0)
    child, _ = with_cancel(parent)
    assert child.deadline() == paused + 2.0


def test_cancel_before_the_deadline_gives_canceled(rt, paused):
    # Go: TestCanceledTimeout: should be canceled, not timed out.
    parent, _ = with_timeout(background(), 1.0)
    ctx, cancel = with_timeout(with_value(parent, "k", "v"), 2.0)
    cancel()
    assert is_done(ctx)
    assert isinstance(ctx.err(), Canceled)


def test_deadline_exceeded_is_a_timeout_error():
    # Go: TestDeadlineExceededSupportsTimeout (DeadlineExceeded.Timeout() is true).
    assert isinstance(DeadlineExceeded(), TimeoutError)


def test_context_errors_share_a_base_class():
    assert issubclass(Canceled, ContextError)
    assert issubclass(DeadlineExceeded, ContextError)
    assert issubclass(ContextError, Exception)


# -- values ---------------------------------------------------------------------------------------


def test_values_are_looked_up_the_chain(rt):
    # Go: TestValues.
    c1 = with_value(background(), "k1", "c1k1")
    c2 = with_value(c1, "k2", "c2k2")
    c3 = with_value(c2, "k1", "c3k1")  # shadows c1's
    assert (c1.value("k1"), c1.value("k2")) == ("c1k1", None)
    assert (c2.value("k1"), c2.value("k2")) == ("c1k1", "c2k2")
    assert (c3.value("k1"), c3.value("k2")) == ("c3k1", "c2k2")
    assert c3.value("missing") is None


def test_values_pass_through_cancel_contexts(rt):
    c1 = with_value(background(), "k", "v")
    ctx, cancel = with_cancel(c1)
    assert ctx.value("k") == "v"
    cancel()


def test_value_context_shares_its_parents_done_err_and_deadline(rt, paused):
    parent, cancel = with_timeout(background(), 2.0)
    child = with_value(parent, "k", "v")
    assert child.done() is parent.done()
    assert child.deadline() == parent.deadline()
    cancel()
    assert child.err() is parent.err()

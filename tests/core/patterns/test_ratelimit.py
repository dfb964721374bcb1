"""TokenBucket and TickerLimiter: tokens earned on the runtime clock, waits that honour ctx."""

from __future__ import annotations

import pytest
from helpers import run_in, wait_until

from core.patterns.ratelimit import TickerLimiter, TokenBucket
from core.runtime import State, context, now
from core.runtime.context import Canceled, DeadlineExceeded

RT_SPEED = 20


def test_bucket_starts_full_and_lets_a_burst_through(rt):
    b = TokenBucket(rate=1, burst=5)
    assert [b.allow() for _ in range(6)] == [True] * 5 + [False]


def test_bucket_earns_tokens_at_its_rate_on_the_runtime_clock(rt):
    b = TokenBucket(rate=10, burst=1)
    t0 = now()
    assert b.allow()  # the next token is earned 0.1 s after this
    wait_until(b.allow, timeout=2.0)
    assert now() - t0 >= 0.1 - 1e-9


def test_tokens_never_exceed_the_burst(rt):
    b = TokenBucket(rate=1000, burst=3)
    b.allow()
    wait_until(lambda: b.tokens() >= 3, timeout=2.0)
    assert b.tokens() == 3


def test_wait_blocks_until_a_token_is_earned(rt):
    b = TokenBucket(rate=5, burst=1)
    t0 = now()
    assert b.allow()
    assert run_in(rt, lambda: b.wait(context.background())) is None
    assert now() - t0 >= 0.2 - 1e-9


def test_wait_takes_a_saved_token_at_once(rt):
    b = TokenBucket(rate=0.001, burst=1)
    assert run_in(rt, lambda: b.wait(context.background())) is None
    assert not b.allow()


def test_wait_raises_the_context_error_when_cancelled(rt):
    b = TokenBucket(rate=0.01, burst=1)
    b.allow()
    ctx, cancel = context.with_cancel(context.background())
    out: list = []

    def waiter():
        try:
            b.wait(ctx)
        except Canceled as exc:
            out.append(exc)

    g = rt.go(waiter, name="waiter")
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    cancel()
    assert g.join(2.0)
    assert out == [ctx.err()]


def test_wait_raises_deadline_exceeded_when_the_deadline_passes_first(rt):
    b = TokenBucket(rate=0.01, burst=1)
    b.allow()
    ctx, cancel = context.with_timeout(context.background(), 0.2)
    err = run_in(rt, lambda: b.wait(ctx))
    cancel()
    assert isinstance(err, DeadlineExceeded)


def test_wait_on_a_done_context_raises_without_taking_a_token(rt):
    b = TokenBucket(rate=1, burst=1)
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    assert isinstance(run_in(rt, lambda: b.wait(ctx)), Canceled)
    assert b.allow()


def test_set_rate_wakes_a_waiter_to_the_new_rate(rt):
    b = TokenBucket(rate=0.01, burst=1)  # next token in 100 runtime seconds
    b.allow()
    g = rt.go(b.wait, context.background(), name="waiter")
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    t0 = now()
    b.set_rate(100)
    assert g.join(2.0)
    assert now() - t0 < 5


def test_set_burst_drops_saved_tokens_above_it(rt):
    b = TokenBucket(rate=0.001, burst=5)
    b.set_burst(2)
    assert b.burst == 2
    assert [b.allow() for _ in range(3)] == [True, True, False]


def test_set_rate_keeps_the_tokens_earned_so_far(rt):
    b = TokenBucket(rate=0.001, burst=4)
    b.allow()
    b.set_rate(0.002)
    assert b.rate == 0.002
    assert 2.99 < b.tokens() < 3.01


@pytest.mark.parametrize("rate", [0, -1, float("inf")])
def test_bad_rate_is_refused(rt, rate):
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate=rate, burst=1)


@pytest.mark.parametrize("burst", [0, 1.5, True])
def test_bad_burst_is_refused(rt, burst):
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(rate=1, burst=burst)


def test_ticker_limiter_lets_one_request_through_per_interval(rt):
    t0 = now()
    lim = TickerLimiter(0.1)  # ticks at t0 + 0.1, + 0.2, ...

    def five():
        for _ in range(5):
            lim.wait(context.background())

    assert run_in(rt, five) is None
    lim.stop()
    assert now() - t0 >= 0.5 - 1e-9


def test_ticker_limiter_wait_raises_when_the_context_ends(rt):
    lim = TickerLimiter(0.1)
    lim.stop()  # no tick will come
    ctx, cancel = context.with_timeout(context.background(), 0.1)
    assert isinstance(run_in(rt, lambda: lim.wait(ctx)), DeadlineExceeded)
    cancel()

"""Backoff delays, retry on the runtime clock, and sleeping that honours a context."""

from __future__ import annotations

import random

import pytest
from helpers import run_in, wait_until

from core.patterns.backoff import Backoff, retry, sleep_ctx
from core.runtime import State, context, now
from core.runtime.context import Canceled

RT_SPEED = 20


def first(n: int, b: Backoff) -> list[float]:
    it = b.delays()
    return [next(it) for _ in range(n)]


def test_delays_grow_geometrically_up_to_the_cap():
    b = Backoff(base=0.1, factor=2, max_delay=1.0)
    assert first(6, b) == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_jitter_shortens_each_delay_by_at_most_its_share():
    b = Backoff(base=0.1, factor=2, max_delay=1.0, jitter=0.5, rng=random.Random(7))
    exact = [0.1, 0.2, 0.4, 0.8, 1.0]
    for d, full in zip(first(5, b), exact):
        assert full * 0.5 <= d <= full


def test_full_jitter_is_random_between_zero_and_the_delay():
    b = Backoff(base=1.0, factor=1, max_delay=1.0, jitter=1.0, rng=random.Random(1))
    ds = first(200, b)
    assert all(0 <= d <= 1 for d in ds)
    assert min(ds) < 0.1 and max(ds) > 0.9


def test_same_seed_gives_the_same_delays():
    a = Backoff(jitter=0.5, rng=random.Random(3))
    b = Backoff(jitter=0.5, rng=random.Random(3))
    assert first(5, a) == first(5, b)


def test_a_long_run_stays_at_the_cap_without_overflow():
    b = Backoff(base=0.1, factor=10, max_delay=5.0)
    assert first(2000, b)[-1] == 5.0


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"base": 0}, "base"),
        ({"factor": 0.5}, "factor"),
        ({"base": 2, "max_delay": 1}, "max_delay"),
        ({"jitter": 1.5}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
    ],
)
def test_bad_backoff_settings_are_refused(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Backoff(**kwargs)


def test_retry_returns_the_first_success(rt):
    answers = iter([OSError("1"), OSError("2"), "ok"])
    retries: list = []

    def flaky():
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    result = run_in(
        rt,
        lambda: retry(
            context.background(),
            flaky,
            5,
            Backoff(base=0.01),
            on_retry=lambda n, err, d: retries.append((n, str(err), d)),
        ),
    )
    assert result == "ok"
    assert retries == [(1, "1", 0.01), (2, "2", 0.02)]


def test_retry_raises_the_last_error_after_every_attempt(rt):
    calls: list = []

    def always_fails():
        calls.append(1)
        raise OSError(f"failure {len(calls)}")

    err = run_in(rt, lambda: retry(context.background(), always_fails, 4, Backoff(base=0.01)))
    assert isinstance(err, OSError) and str(err) == "failure 4"
    assert len(calls) == 4


def test_retry_sleeps_the_backoff_delays_on_the_runtime_clock(rt):
    answers = iter([OSError(), OSError(), "ok"])

    def flaky():
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return a

    t0 = now()
    assert run_in(rt, lambda: retry(context.background(), flaky, 3, Backoff(base=0.1))) == "ok"
    assert now() - t0 >= 0.3 - 1e-9  # 0.1 + 0.2


def test_retry_stops_waiting_when_the_context_is_cancelled(rt):
    ctx, cancel = context.with_cancel(context.background())
    calls: list = []
    out: list = []

    def fails():
        calls.append(1)
        raise OSError("down")

    def caller():
        try:
            retry(ctx, fails, 5, Backoff(base=100, max_delay=100))
        except Exception as exc:
            out.append(exc)

    g = rt.go(caller, name="caller")
    wait_until(lambda: g.state is State.BLOCKED_SELECT)  # sleeping 100 s before retry 2
    cancel()
    assert g.join(2.0)
    assert out == [ctx.err()]
    assert len(calls) == 1


def test_retry_on_a_done_context_never_calls(rt):
    ctx, cancel = context.with_cancel(context.background())
    cancel()
    calls: list = []
    err = run_in(rt, lambda: retry(ctx, lambda: calls.append(1), 3))
    assert isinstance(err, Canceled)
    assert calls == []


def test_retry_needs_at_least_one_attempt(rt):
    with pytest.raises(ValueError, match="attempts"):
        retry(context.background(), lambda: None, 0)


def test_sleep_ctx_sleeps_on_the_runtime_clock(rt):
    t0 = now()
    assert run_in(rt, lambda: sleep_ctx(context.background(), 0.2)) is None
    assert now() - t0 >= 0.2 - 1e-9


def test_sleep_ctx_raises_when_the_deadline_comes_first(rt):
    ctx, cancel = context.with_timeout(context.background(), 0.1)
    t0 = now()
    err = run_in(rt, lambda: sleep_ctx(ctx, 100))
    cancel()
    assert err is ctx.err()
    assert now() - t0 < 50


def test_retry_does_not_retry_a_failure_once_the_context_is_done(rt):
    ctx, cancel = context.with_cancel(context.background())
    calls: list = []

    def fails_as_ctx_ends():
        calls.append(1)
        cancel()
        raise OSError("interrupted")

    err = run_in(rt, lambda: retry(ctx, fails_as_ctx_ends, 5, Backoff(base=0.01)))
    assert err is ctx.err()
    assert isinstance(err.__cause__, OSError)
    assert calls == [1]

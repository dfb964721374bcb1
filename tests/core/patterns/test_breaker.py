"""CircuitBreaker: closed -> open -> half-open -> closed/open, on the runtime clock."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.patterns.breaker import BreakerState, CircuitBreaker, CircuitOpen
from core.runtime import Chan, State, now

CLOSED, HALF_OPEN, OPEN = BreakerState.CLOSED, BreakerState.HALF_OPEN, BreakerState.OPEN


RT_SPEED = 20


def ok():
    return "ok"


def fail():
    raise OSError("down")


def fail_times(cb: CircuitBreaker, n: int) -> None:
    for _ in range(n):
        with pytest.raises(OSError):
            cb.call(fail)


def test_closed_breaker_runs_the_call_and_returns_its_result(rt):
    cb = CircuitBreaker(failure_threshold=3)
    assert cb.call(lambda a, b: a + b, 2, 3) == 5
    assert cb.state() is CLOSED


def test_threshold_failures_in_a_row_open_the_breaker(rt):
    cb = CircuitBreaker(failure_threshold=3, open_timeout=100)
    fail_times(cb, 2)
    assert cb.state() is CLOSED
    fail_times(cb, 1)
    assert cb.state() is OPEN


def test_a_success_resets_the_count_of_failures(rt):
    cb = CircuitBreaker(failure_threshold=3, open_timeout=100)
    fail_times(cb, 2)
    cb.call(ok)
    fail_times(cb, 2)
    assert cb.state() is CLOSED


def test_open_breaker_rejects_without_calling(rt):
    cb = CircuitBreaker(failure_threshold=1, open_timeout=100)
    fail_times(cb, 1)
    calls: list = []
    with pytest.raises(CircuitOpen, match="open"):
        cb.call(lambda: calls.append(1))
    assert calls == []
    assert cb.statistics().rejections == 1


def test_open_turns_half_open_after_the_timeout_on_the_runtime_clock(rt):
    when: dict = {}
    cb = CircuitBreaker(
        failure_threshold=1,
        open_timeout=0.5,
        on_state_change=lambda a, b: when.setdefault(b, now()),
    )
    fail_times(cb, 1)
    wait_until(lambda: cb.state() is HALF_OPEN, timeout=2.0)
    assert when[HALF_OPEN] - when[OPEN] >= 0.5


def test_half_open_success_closes_the_breaker(rt):
    cb = CircuitBreaker(failure_threshold=1, open_timeout=0.1)
    fail_times(cb, 1)
    wait_until(lambda: cb.state() is HALF_OPEN, timeout=2.0)
    assert cb.call(ok) == "ok"
    assert cb.state() is CLOSED


def test_half_open_failure_opens_the_breaker_again(rt):
    cb = CircuitBreaker(failure_threshold=1, open_timeout=0.1)
    fail_times(cb, 1)
    wait_until(lambda: cb.state() is HALF_OPEN, timeout=2.0)
    fail_times(cb, 1)
    assert cb.state() is OPEN
    assert cb.statistics().opens == 2


def test_half_open_lets_at_most_half_open_max_trial_calls(rt):
    cb = CircuitBreaker(failure_threshold=1, open_timeout=0.1, half_open_max=2)
    fail_times(cb, 1)
    wait_until(lambda: cb.state() is HALF_OPEN, timeout=2.0)
    release = Chan(name="release")
    trials = [rt.go(cb.call, release.recv, name=f"trial-{k}") for k in range(2)]
    wait_until(lambda: all(g.state is State.BLOCKED_RECV for g in trials))
    with pytest.raises(CircuitOpen, match="trial"):
        cb.call(ok)
    release.close()
    for g in trials:
        assert g.join(2.0)
    assert cb.state() is CLOSED


def test_listeners_see_every_transition_in_order(rt):
    seen: list = []
    cb = CircuitBreaker(
        failure_threshold=1, open_timeout=0.1, on_state_change=lambda a, b: seen.append((a, b))
    )
    extra: list = []
    cb.add_listener(lambda a, b: extra.append(b))
    fail_times(cb, 1)
    wait_until(lambda: cb.state() is HALF_OPEN, timeout=2.0)
    cb.call(ok)
    assert seen == [(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, CLOSED)]
    assert extra == [OPEN, HALF_OPEN, CLOSED]


def test_a_removed_listener_is_not_called(rt):
    seen: list = []
    cb = CircuitBreaker(failure_threshold=1, open_timeout=100)
    cb.add_listener(seen.append)
    cb.remove_listener(seen.append)
    fail_times(cb, 1)
    assert seen == []


def test_a_late_result_from_an_earlier_state_does_not_move_the_breaker(rt):
    cb = CircuitBreaker(failure_threshold=2, open_timeout=100)
    release = Chan(name="release")

    def slow_fail():
        release.recv()
        raise OSError("late")

    def slow_call():
        with pytest.raises(OSError, match="late"):
            cb.call(slow_fail)

    slow = rt.go(slow_call, name="slow")
    wait_until(lambda: slow.state is State.BLOCKED_RECV)
    fail_times(cb, 2)  # opens the breaker while the slow call is out
    assert cb.state() is OPEN
    release.close()
    assert slow.join(2.0)
    assert slow.panic is None
    st = cb.statistics()
    assert (st.state, st.opens, st.failures) == (OPEN, 1, 3)


def test_statistics_count_successes_failures_and_rejections(rt):
    cb = CircuitBreaker(failure_threshold=2, open_timeout=100)
    cb.call(ok)
    fail_times(cb, 2)
    with pytest.raises(CircuitOpen):
        cb.call(ok)
    st = cb.statistics()
    assert (st.successes, st.failures, st.rejections, st.opens) == (1, 2, 1, 1)


def test_state_values_are_what_the_plots_show():
    assert [int(s) for s in (CLOSED, HALF_OPEN, OPEN)] == [0, 1, 2]
    assert str(HALF_OPEN) == "half-open"


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"failure_threshold": 0}, "failure_threshold"),
        ({"open_timeout": 0}, "open_timeout"),
        ({"half_open_max": 0}, "half_open_max"),
    ],
)
def test_bad_settings_are_refused(rt, kwargs, word):
    with pytest.raises(ValueError, match=word):
        CircuitBreaker(**kwargs)

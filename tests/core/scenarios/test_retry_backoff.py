"""Lesson "retry-backoff": outages make callers give up; delays stay within the backoff.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

import pytest
from helpers import wait_until
from scenario_harness import assert_clean, at, has_metrics, start, stop

from core.scenarios.retry_backoff import RetryBackoffLesson


def test_max_delay_below_base_delay_is_refused_naming_both():
    with pytest.raises(ValueError, match=r"max_delay.*base_delay"):
        RetryBackoffLesson(base_delay=0.5, max_delay=0.1)


def test_an_outage_makes_callers_give_up_after_their_attempts():
    run = start(RetryBackoffLesson, ready=has_metrics, attempts=2, base_delay=0.05, failure_rate=0)
    try:
        assert run.act("outage").join(2.0)
        wait_until(lambda: max(run.scenario.recorder.series("give_ups")[1] or [0]) > 0)
    finally:
        stop(run)
    assert_clean(run)


def test_without_failures_nobody_retries():
    run = start(RetryBackoffLesson, ready=has_metrics, failure_rate=0)
    try:
        at(run, 1.0)
    finally:
        stop(run)
    assert_clean(run)
    assert run.scenario.recorder.series("delay")[1] == []
    assert max(run.scenario.recorder.series("successes")[1]) > 0


def test_delays_stay_within_the_backoff_bounds():
    run = start(
        RetryBackoffLesson,
        ready=has_metrics,
        failure_rate=100,
        attempts=4,
        base_delay=0.05,
        max_delay=0.1,
        jitter=0.5,
    )
    delays = run.scenario.recorder.series
    try:
        wait_until(lambda: len(delays("delay")[1]) >= 6)
    finally:
        stop(run)
    assert_clean(run)
    assert all(0.025 <= d <= 0.1 for d in delays("delay")[1])

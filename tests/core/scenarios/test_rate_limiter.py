"""Lesson "rate-limiter": the limit holds, a burst spends the saved tokens, the rate changes live.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_clean, assert_refuses, at, has_metrics, notes, start, stop

from core.scenarios.rate_limiter import RateLimiterLesson


def test_a_demand_that_is_no_number_is_refused_naming_it():
    assert_refuses(RateLimiterLesson, "demand", "many")


def test_demand_above_the_rate_is_rejected():
    # 8 clients x 10 requests/s = 80 requests/s asked of 5 tokens/s.
    run = start(RateLimiterLesson, ready=has_metrics, rate=5, burst=1, clients=8, demand=10)
    try:
        at(run, 1.5)
    finally:
        stop(run)
    assert_clean(run)
    rec = run.scenario.recorder
    assert sum(rec.series("rejected_per_s")[1]) > sum(rec.series("allowed_per_s")[1])
    assert max(rec.series("tokens")[1]) <= 1


def test_burst_lets_the_saved_tokens_through_then_rejects():
    run = start(RateLimiterLesson, ready=has_metrics, rate=1, burst=10, clients=1, demand=0.5)
    try:
        assert run.act("burst").join(2.0)
    finally:
        stop(run)
    assert_clean(run)
    said = next(n for n in notes(run) if n.startswith("Burst"))
    allowed = int(said.split(": ")[1].split(" got")[0])
    assert 8 <= allowed <= 11  # the bucket held about 10 (a client may have spent one)


def test_raise_and_lower_rate_change_the_rate_live():
    run = start(RateLimiterLesson, ready=has_metrics, rate=10)
    rec = run.scenario.recorder
    try:
        assert run.act("raise-rate").join(2.0)
        wait_until(lambda: rec.last("rate") == 20)
        assert run.act("lower-rate").join(2.0)
        assert run.act("lower-rate").join(2.0)
        wait_until(lambda: rec.last("rate") == 5)
    finally:
        stop(run)
    assert_clean(run)

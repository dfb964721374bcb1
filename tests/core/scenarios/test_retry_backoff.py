"""Lesson "retry-backoff": parameters, a headless run with every action, outages give up."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.retry_backoff import RetryBackoffLesson

SPEED = 10


def start(scenario: RetryBackoffLesson) -> ScenarioRun:
    run = ScenarioRun(scenario, speed=SPEED)
    run.start()
    wait_until(lambda: scenario.recorder.version > 0, message="no metric was recorded")
    return run


def finish(run: ScenarioRun) -> None:
    report = run.stop(2.0)
    assert run.error is None
    assert run.runtime.panics == []
    assert run.runtime.deadlock is None
    assert report.clean, report


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("failure_rate", 101),
        ("base_delay", 0),
        ("max_delay", 6),
        ("jitter", 2),
        ("attempts", 0),
        ("callers", 0),
    ],
)
def test_bad_params_are_refused_naming_the_param(name, value):
    with pytest.raises(ValueError, match=name):
        RetryBackoffLesson(**{name: value})


def test_max_delay_below_base_delay_is_refused_naming_both():
    with pytest.raises(ValueError, match=r"max_delay.*base_delay"):
        RetryBackoffLesson(base_delay=0.5, max_delay=0.1)


def test_every_param_metric_and_action_explains_itself():
    for p in RetryBackoffLesson.params:
        assert p.help and p.minimum is not None and p.maximum is not None
    for m in RetryBackoffLesson.metrics:
        assert m.unit and m.help
    for a in RetryBackoffLesson.actions:
        assert a.label and a.help
        assert callable(getattr(RetryBackoffLesson, f"on_{a.name.replace('-', '_')}"))


def test_headless_run_with_every_action_records_metrics_and_stops_clean():
    s = RetryBackoffLesson()
    run = start(s)
    try:
        for a in RetryBackoffLesson.actions:
            assert run.act(a.name).join(2.0)
        wait_until(lambda: run.runtime.clock.now() >= 2.0)
    finally:
        finish(run)
    for m in RetryBackoffLesson.metrics:
        assert s.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_an_outage_makes_callers_give_up_after_their_attempts():
    s = RetryBackoffLesson(attempts=2, base_delay=0.05, failure_rate=0)
    run = start(s)
    try:
        assert run.act("outage").join(2.0)
        wait_until(lambda: max(s.recorder.series("give_ups")[1] or [0]) > 0)
    finally:
        finish(run)


def test_without_failures_nobody_retries():
    s = RetryBackoffLesson(failure_rate=0)
    run = start(s)
    try:
        wait_until(lambda: run.runtime.clock.now() >= 1.0)
    finally:
        finish(run)
    assert s.recorder.series("delay")[1] == []
    assert max(s.recorder.series("successes")[1]) > 0


def test_delays_stay_within_the_backoff_bounds():
    s = RetryBackoffLesson(failure_rate=100, attempts=4, base_delay=0.05, max_delay=0.1, jitter=0.5)
    run = start(s)
    try:
        wait_until(lambda: len(s.recorder.series("delay")[1]) >= 6)
    finally:
        finish(run)
    assert all(0.025 <= d <= 0.1 for d in s.recorder.series("delay")[1])

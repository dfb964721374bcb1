"""Lesson "circuit-breaker": parameters, a headless run with every action, open and close."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.circuit_breaker import CircuitBreakerLesson

SPEED = 10


def start(scenario: CircuitBreakerLesson) -> ScenarioRun:
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
        ("failure_rate", -1),
        ("failure_threshold", 0),
        ("open_timeout", 0),
        ("half_open_max", 11),
        ("callers", 0),
    ],
)
def test_bad_params_are_refused_naming_the_param(name, value):
    with pytest.raises(ValueError, match=name):
        CircuitBreakerLesson(**{name: value})


def test_every_param_metric_and_action_explains_itself():
    for p in CircuitBreakerLesson.params:
        assert p.help and p.unit and p.minimum is not None and p.maximum is not None
    for m in CircuitBreakerLesson.metrics:
        assert m.unit and m.help
    for a in CircuitBreakerLesson.actions:
        assert a.label and a.help
        assert callable(getattr(CircuitBreakerLesson, f"on_{a.name.replace('-', '_')}"))


def test_headless_run_with_every_action_records_metrics_and_stops_clean():
    s = CircuitBreakerLesson()
    run = start(s)
    try:
        for a in CircuitBreakerLesson.actions:
            assert run.act(a.name).join(2.0)
        wait_until(lambda: run.runtime.clock.now() >= 2.0)
    finally:
        finish(run)
    for m in CircuitBreakerLesson.metrics:
        assert s.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_an_outage_opens_the_breaker_and_recovery_closes_it():
    s = CircuitBreakerLesson(failure_rate=0, failure_threshold=3, open_timeout=0.3)
    run = start(s)
    try:
        assert run.act("outage").join(2.0)
        wait_until(lambda: s.recorder.last("state") == 2, message="never opened")
        wait_until(lambda: max(s.recorder.series("calls_rejected")[1] or [0]) > 0)
        assert run.act("recover").join(2.0)
        wait_until(lambda: s.recorder.last("state") == 0, message="never closed again")
    finally:
        finish(run)
    assert 1 in s.recorder.series("state")[1]  # it went through half-open

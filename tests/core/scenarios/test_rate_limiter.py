"""Lesson "rate-limiter": parameters, a headless run with every action, the limit holds."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.rate_limiter import RateLimiterLesson
from core.trace import Kind

SPEED = 10


def start(scenario: RateLimiterLesson) -> ScenarioRun:
    run = ScenarioRun(scenario, speed=SPEED)
    run.start()
    wait_until(lambda: scenario.recorder.version > 0, message="no metric was recorded")
    return run


def notes(run: ScenarioRun) -> list[str]:
    return [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]


def finish(run: ScenarioRun) -> None:
    report = run.stop(2.0)
    assert run.error is None
    assert run.runtime.panics == []
    assert run.runtime.deadlock is None
    assert report.clean, report


@pytest.mark.parametrize(
    ("name", "value"), [("rate", 0), ("burst", 0), ("clients", 21), ("demand", "many")]
)
def test_bad_params_are_refused_naming_the_param(name, value):
    with pytest.raises(ValueError, match=name):
        RateLimiterLesson(**{name: value})


def test_every_param_metric_and_action_explains_itself():
    for p in RateLimiterLesson.params:
        assert p.help and p.unit and p.minimum is not None and p.maximum is not None
    for m in RateLimiterLesson.metrics:
        assert m.unit and m.help
    for a in RateLimiterLesson.actions:
        assert a.label and a.help
        assert callable(getattr(RateLimiterLesson, f"on_{a.name.replace('-', '_')}"))


def test_headless_run_with_every_action_records_metrics_and_stops_clean():
    s = RateLimiterLesson()
    run = start(s)
    try:
        for a in RateLimiterLesson.actions:
            assert run.act(a.name).join(2.0)
        wait_until(lambda: run.runtime.clock.now() >= 2.0)
    finally:
        finish(run)
    for m in RateLimiterLesson.metrics:
        assert s.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_demand_above_the_rate_is_rejected():
    s = RateLimiterLesson(rate=5, burst=1, clients=8, demand=10)  # 80 requests/s asked
    run = start(s)
    try:
        wait_until(lambda: run.runtime.clock.now() >= 1.5)
    finally:
        finish(run)
    _, allowed = s.recorder.series("allowed_per_s")
    _, rejected = s.recorder.series("rejected_per_s")
    assert sum(rejected) > sum(allowed)
    assert max(s.recorder.series("tokens")[1]) <= 1


def test_burst_lets_the_saved_tokens_through_then_rejects():
    s = RateLimiterLesson(rate=1, burst=10, clients=1, demand=0.5)
    run = start(s)
    try:
        assert run.act("burst").join(2.0)
    finally:
        finish(run)
    said = next(n for n in notes(run) if n.startswith("Burst"))
    allowed = int(said.split(": ")[1].split(" got")[0])
    assert 8 <= allowed <= 11  # the bucket held about 10 (a client may have spent one)


def test_raise_and_lower_rate_change_the_rate_live():
    s = RateLimiterLesson(rate=10)
    run = start(s)
    try:
        assert run.act("raise-rate").join(2.0)
        wait_until(lambda: s.recorder.last("rate") == 20)
        assert run.act("lower-rate").join(2.0)
        assert run.act("lower-rate").join(2.0)
        wait_until(lambda: s.recorder.last("rate") == 5)
    finally:
        finish(run)

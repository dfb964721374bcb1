"""Lesson "errgroup-semaphore": parameters, a headless run, the limit, cancel on first error."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.errgroup_semaphore import NEXT_ROUND_AFTER, ErrgroupSemaphoreLesson
from core.trace import Kind

SPEED = 10


def start(scenario: ErrgroupSemaphoreLesson) -> ScenarioRun:
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
    ("name", "value"),
    [("tasks", 0), ("limit", 11), ("failure_probability", 101), ("task_time", 0)],
)
def test_bad_params_are_refused_naming_the_param(name, value):
    with pytest.raises(ValueError, match=name):
        ErrgroupSemaphoreLesson(**{name: value})


def test_every_param_metric_and_action_explains_itself():
    for p in ErrgroupSemaphoreLesson.params:
        assert p.help and p.unit and p.minimum is not None and p.maximum is not None
    for m in ErrgroupSemaphoreLesson.metrics:
        assert m.unit and m.help
    for a in ErrgroupSemaphoreLesson.actions:
        assert a.label and a.help
        assert callable(getattr(ErrgroupSemaphoreLesson, f"on_{a.name.replace('-', '_')}"))


def test_headless_run_with_every_action_records_metrics_and_stops_clean():
    s = ErrgroupSemaphoreLesson()
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("running") or 0) > 0)
        for a in ErrgroupSemaphoreLesson.actions:
            assert run.act(a.name).join(2.0)
        wait_until(lambda: run.runtime.clock.now() >= 2.0)
    finally:
        finish(run)
    for m in ErrgroupSemaphoreLesson.metrics:
        assert s.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_running_tasks_never_exceed_the_limit():
    s = ErrgroupSemaphoreLesson(tasks=12, limit=3, failure_probability=0, task_time=0.2)
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("completed") or 0) >= 12)
    finally:
        finish(run)
    running = s.recorder.series("running")[1]
    assert max(running) == 3
    assert min(running) >= 0


def test_one_failure_cancels_the_other_tasks():
    s = ErrgroupSemaphoreLesson(tasks=10, limit=3, failure_probability=0, task_time=1.0)
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("running") or 0) == 3)
        assert run.act("fail-one").join(2.0)
        wait_until(lambda: any(n.startswith("Round 1") for n in notes(run)))
    finally:
        finish(run)
    said = next(n for n in notes(run) if n.startswith("Round 1"))
    assert "task-" in said and "failed" in said
    assert s.recorder.last("failed") == 1
    assert s.recorder.last("cancelled") + s.recorder.last("completed") == 9
    assert s.recorder.last("cancelled") >= 7  # those not yet started, at least


def test_new_round_starts_when_the_current_one_is_over():
    s = ErrgroupSemaphoreLesson(tasks=3, limit=3, failure_probability=0, task_time=0.2)
    run = start(s)
    try:
        assert run.act("new-round").join(2.0)
        wait_until(lambda: any(n.startswith("Round 2") for n in notes(run)))
    finally:
        finish(run)
    ends = {e.value[:7]: e.t for e in run.tracer.events() if e.kind is Kind.NOTE}
    # Round 2 (at most 0.3 s of work) followed round 1 at once, not NEXT_ROUND_AFTER later.
    assert ends["Round 2"] - ends["Round 1"] < NEXT_ROUND_AFTER

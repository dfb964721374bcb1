"""Lesson "pipeline": parameters, a headless run with every action, cancel leaves nothing."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.pipeline import RESTART_AFTER, PipelineLesson
from core.trace import Kind

SPEED = 10
PIPELINE = ("generate", "square", "worker-", "merge", "sink")


def start(scenario: PipelineLesson) -> ScenarioRun:
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


def pipeline_goroutines(run: ScenarioRun) -> list:
    return [g for g in run.runtime.goroutines() if g.name.startswith(PIPELINE)]


@pytest.mark.parametrize(
    ("name", "value"), [("workers", 0), ("stage_delay", -1), ("items_per_s", 0.5)]
)
def test_bad_params_are_refused_naming_the_param(name, value):
    with pytest.raises(ValueError, match=name):
        PipelineLesson(**{name: value})


def test_every_param_metric_and_action_explains_itself():
    for p in PipelineLesson.params:
        assert p.help and p.unit and p.minimum is not None and p.maximum is not None
    for m in PipelineLesson.metrics:
        assert m.unit and m.help
    for a in PipelineLesson.actions:
        assert a.label and a.help
        assert callable(getattr(PipelineLesson, f"on_{a.name.replace('-', '_')}"))


def test_headless_run_with_every_action_records_metrics_and_stops_clean():
    s = PipelineLesson()
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("throughput") or 0) > 0)
        for a in PipelineLesson.actions:
            assert run.act(a.name).join(2.0)
        # The next pipeline starts RESTART_AFTER later; stop once it runs.
        wait_until(lambda: len(pipeline_goroutines(run)) == 2 * 3 + 4)
        wait_until(lambda: run.runtime.clock.now() >= 2.0)
    finally:
        finish(run)
    for m in PipelineLesson.metrics:
        assert s.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_cancel_ends_every_stage_and_a_new_pipeline_starts():
    s = PipelineLesson(workers=2)
    run = start(s)
    try:
        wait_until(lambda: len(pipeline_goroutines(run)) == 2 * 2 + 4)
        assert run.act("cancel").join(2.0)
        wait_until(lambda: not pipeline_goroutines(run), message="a stage outlived the cancel")
        wait_until(lambda: len(pipeline_goroutines(run)) == 2 * 2 + 4, message="no restart")
    finally:
        finish(run)
    events = run.tracer.events()
    ended = [e.t for e in events if e.kind is Kind.NOTE and "none is left blocked" in e.value]
    generators = [e.t for e in events if e.kind is Kind.GO_CREATE and e.obj_name == "generate"]
    assert len(ended) == 1 and len(generators) == 2
    assert generators[1] - ended[0] >= RESTART_AFTER


def test_a_slow_square_stage_caps_the_throughput():
    s = PipelineLesson(workers=4, stage_delay=0.05, items_per_s=20)
    run = start(s)
    clock = run.runtime.clock
    try:
        assert run.act("slow-stage").join(2.0)
        slowed_at = clock.now()
        wait_until(lambda: clock.now() >= slowed_at + 1.5)
    finally:
        finish(run)
    t, v = s.recorder.series("throughput")
    after = [x for tt, x in zip(t, v) if tt > slowed_at + 0.5]
    assert after and sum(after) / len(after) <= 1 / 0.25 + 2  # 4 items/s, one sample's noise

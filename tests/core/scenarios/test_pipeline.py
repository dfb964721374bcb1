"""Lesson "pipeline": cancel ends every stage, a new pipeline starts, a slow stage caps it.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_clean, assert_healthy, at, has_metrics, last, start, stop

from core.scenarios.pipeline import RESTART_AFTER, PipelineLesson
from core.trace import Kind

PIPELINE = ("generate", "square", "worker-", "merge", "sink")


def pipeline_goroutines(run) -> list:
    return [g for g in run.runtime.goroutines() if g.name.startswith(PIPELINE)]


def test_every_action_then_a_restarted_pipeline_stops_clean():
    run = start(PipelineLesson, ready=has_metrics)
    try:
        wait_until(lambda: last(run, "throughput") > 0)
        for a in PipelineLesson.actions:
            assert run.act(a.name).join(2.0)
        # The next pipeline starts RESTART_AFTER later; stop once it runs.
        wait_until(lambda: len(pipeline_goroutines(run)) == 2 * 3 + 4)
        at(run, 2.0)
    finally:
        stop(run)
    assert_healthy(run)


def test_cancel_ends_every_stage_and_a_new_pipeline_starts():
    run = start(PipelineLesson, ready=has_metrics, workers=2)
    try:
        wait_until(lambda: len(pipeline_goroutines(run)) == 2 * 2 + 4)
        assert run.act("cancel").join(2.0)
        wait_until(lambda: not pipeline_goroutines(run), message="a stage outlived the cancel")
        wait_until(lambda: len(pipeline_goroutines(run)) == 2 * 2 + 4, message="no restart")
    finally:
        stop(run)
    events = run.tracer.events()
    ended = [e.t for e in events if e.kind is Kind.NOTE and "none is left blocked" in e.value]
    generators = [e.t for e in events if e.kind is Kind.GO_CREATE and e.obj_name == "generate"]
    assert len(ended) == 1 and len(generators) == 2
    assert generators[1] - ended[0] >= RESTART_AFTER
    assert_clean(run)


def test_a_slow_square_stage_caps_the_throughput():
    run = start(PipelineLesson, ready=has_metrics, workers=4, stage_delay=0.05, items_per_s=20)
    try:
        assert run.act("slow-stage").join(2.0)
        slowed_at = run.runtime.clock.now()
        at(run, slowed_at + 5.0)
    finally:
        stop(run)
    assert_clean(run)
    t, v = run.scenario.recorder.series("throughput")
    # The rate is measured over a second, then smoothed: it has settled 4 s later.
    after = [x for tt, x in zip(t, v) if tt > slowed_at + 4.0]
    assert after and sum(after) / len(after) <= 1 / 0.25 + 1.5  # 4 items/s, and the noise

"""Lesson "errgroup-semaphore": the limit holds, the first error cancels the rest, new rounds.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_clean, has_metrics, last, notes, start, stop

from core.scenarios.errgroup_semaphore import NEXT_ROUND_AFTER, ErrgroupSemaphoreLesson
from core.trace import Kind


def test_running_tasks_never_exceed_the_limit():
    run = start(
        ErrgroupSemaphoreLesson,
        ready=has_metrics,
        tasks=12,
        limit=3,
        failure_probability=0,
        task_time=0.2,
    )
    try:
        wait_until(lambda: last(run, "completed") >= 12)
    finally:
        stop(run)
    assert_clean(run)
    running = run.scenario.recorder.series("running")[1]
    assert max(running) == 3
    assert min(running) >= 0


def test_one_failure_cancels_the_other_tasks():
    run = start(
        ErrgroupSemaphoreLesson,
        ready=has_metrics,
        tasks=10,
        limit=3,
        failure_probability=0,
        task_time=1.0,
    )
    try:
        wait_until(lambda: last(run, "running") == 3)
        assert run.act("fail-one").join(2.0)
        wait_until(lambda: any(n.startswith("Round 1") for n in notes(run)))
    finally:
        stop(run)
    assert_clean(run)
    said = next(n for n in notes(run) if n.startswith("Round 1"))
    assert "task-" in said and "failed" in said
    assert last(run, "failed") == 1
    assert last(run, "cancelled") + last(run, "completed") == 9
    assert last(run, "cancelled") >= 7  # those not yet started, at least


def test_new_round_starts_when_the_current_one_is_over():
    run = start(
        ErrgroupSemaphoreLesson,
        ready=has_metrics,
        tasks=3,
        limit=3,
        failure_probability=0,
        task_time=0.2,
    )
    try:
        assert run.act("new-round").join(2.0)
        wait_until(lambda: any(n.startswith("Round 2") for n in notes(run)))
    finally:
        stop(run)
    assert_clean(run)
    ends = {e.value[:7]: e.t for e in run.tracer.events() if e.kind is Kind.NOTE}
    # Round 2 (at most 0.3 s of work) followed round 1 at once, not NEXT_ROUND_AFTER later.
    assert ends["Round 2"] - ends["Round 1"] < NEXT_ROUND_AFTER

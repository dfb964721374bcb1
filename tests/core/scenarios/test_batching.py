"""Lesson "batching": parameters, a headless run with every action, items in == items out."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.scenarios import ScenarioRun
from core.scenarios.batching import BatchingLesson

SPEED = 10


def start(scenario: BatchingLesson) -> ScenarioRun:
    run = ScenarioRun(scenario, speed=SPEED)
    run.start()
    wait_until(lambda: scenario.recorder.version > 0, message="no metric was recorded")
    return run


def sampled_after(s: BatchingLesson, name: str, t: float) -> bool:
    """Whether metric *name* has a sample taken after runtime time *t*."""
    times = s.recorder.series(name)[0]
    return bool(times) and times[-1] > t


def finish(run: ScenarioRun) -> None:
    report = run.stop(2.0)
    assert run.error is None
    assert run.runtime.panics == []
    assert run.runtime.deadlock is None
    assert report.clean, report


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_items", 0), ("max_wait", 0.01), ("producer_rate", 1000), ("producers", 9)],
)
def test_bad_params_are_refused_naming_the_param(name, value):
    with pytest.raises(ValueError, match=name):
        BatchingLesson(**{name: value})


def test_every_param_metric_and_action_explains_itself():
    for p in BatchingLesson.params:
        assert p.help and p.unit and p.minimum is not None and p.maximum is not None
    for m in BatchingLesson.metrics:
        assert m.unit and m.help
    for a in BatchingLesson.actions:
        assert a.label and a.help
        assert callable(getattr(BatchingLesson, f"on_{a.name.replace('-', '_')}"))


def test_headless_run_with_every_action_records_metrics_and_stops_clean():
    s = BatchingLesson()
    run = start(s)
    try:
        for a in ("burst", "quiet"):
            assert run.act(a).join(2.0)
        wait_until(lambda: run.runtime.clock.now() >= 1.0)
        assert run.act("close").join(2.0)
        wait_until(lambda: run.runtime.clock.now() >= 2.0)
    finally:
        finish(run)
    for m in BatchingLesson.metrics:
        assert s.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_close_flushes_everything_items_in_equal_items_out():
    s = BatchingLesson(max_items=50, max_wait=5, producer_rate=40)  # batches rarely fill
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("items_in") or 0) >= 10)
        assert run.act("close").join(2.0)
    finally:
        finish(run)
    assert s.recorder.last("items_in") == s.recorder.last("items_out") >= 10


def test_a_stop_loses_no_item_either():
    s = BatchingLesson(max_items=50, max_wait=5, producer_rate=40)
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("items_in") or 0) >= 10)
    finally:
        finish(run)  # run() closes the batcher on the way out, then records
    assert s.recorder.last("items_in") == s.recorder.last("items_out") >= 10


def test_busy_producers_fill_batches_that_flush_by_size():
    s = BatchingLesson(max_items=4, max_wait=5, producer_rate=40)
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("flushes_by_size") or 0) >= 2)
    finally:
        finish(run)
    assert s.recorder.series("batch_size")[1][:2] == [4, 4]


def test_slow_producers_leave_partial_batches_that_flush_by_time():
    s = BatchingLesson(max_items=50, max_wait=0.2, producer_rate=4, producers=1)
    run = start(s)
    try:
        wait_until(lambda: (s.recorder.last("flushes_by_time") or 0) >= 2)
    finally:
        finish(run)
    assert (s.recorder.last("flushes_by_size") or 0) == 0
    assert max(s.recorder.series("batch_size")[1]) < 50


def test_quiet_stops_the_producers_for_a_while():
    s = BatchingLesson(producer_rate=40)
    run = start(s)
    clock = run.runtime.clock
    try:
        assert run.act("quiet").join(2.0)
        quiet_at = clock.now()
        # Producers already past their check may add one item each; then nothing.
        wait_until(lambda: sampled_after(s, "items_in", quiet_at + 0.4))
        settled = s.recorder.last("items_in")
        wait_until(lambda: sampled_after(s, "items_in", quiet_at + 1.6))
        assert s.recorder.last("items_in") == settled
    finally:
        finish(run)

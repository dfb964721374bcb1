"""Lesson "batching": flushes by size and by time, and items in == items out.

(Parameters, declarations and a run with every action: test_every_scenario.py.)
"""

from __future__ import annotations

import pytest
from helpers import wait_until
from scenario_harness import assert_clean, has_metrics, last, start, stop

from core.scenarios.batching import BatchingLesson


def sampled_after(run, name: str, t: float) -> bool:
    """Whether metric *name* has a sample taken after runtime time *t*."""
    times = run.scenario.recorder.series(name)[0]
    return bool(times) and times[-1] > t


@pytest.mark.parametrize("by", ["close action", "stop"])
def test_closing_flushes_everything_items_in_equal_items_out(by):
    # Batches rarely fill: the close must flush a partial one. A stop closes
    # too: run() closes the batcher on the way out, then records.
    run = start(BatchingLesson, ready=has_metrics, max_items=50, max_wait=5, producer_rate=40)
    try:
        wait_until(lambda: last(run, "items_in") >= 10)
        if by == "close action":
            assert run.act("close").join(2.0)
    finally:
        stop(run)
    assert_clean(run)
    assert last(run, "items_in") == last(run, "items_out") >= 10


def test_busy_producers_fill_batches_that_flush_by_size():
    run = start(BatchingLesson, ready=has_metrics, max_items=4, max_wait=5, producer_rate=40)
    try:
        wait_until(lambda: last(run, "flushes_by_size") >= 2)
    finally:
        stop(run)
    assert_clean(run)
    assert run.scenario.recorder.series("batch_size")[1][:2] == [4, 4]


def test_slow_producers_leave_partial_batches_that_flush_by_time():
    run = start(
        BatchingLesson, ready=has_metrics, max_items=50, max_wait=0.2, producer_rate=4, producers=1
    )
    try:
        wait_until(lambda: last(run, "flushes_by_time") >= 2)
    finally:
        stop(run)
    assert_clean(run)
    assert last(run, "flushes_by_size") == 0
    assert max(run.scenario.recorder.series("batch_size")[1]) < 50


def test_quiet_stops_the_producers_for_a_while():
    run = start(BatchingLesson, ready=has_metrics, producer_rate=40)
    try:
        assert run.act("quiet").join(2.0)
        quiet_at = run.runtime.clock.now()
        # Producers already past their check may add one item each; then nothing.
        wait_until(lambda: sampled_after(run, "items_in", quiet_at + 0.4))
        settled = last(run, "items_in")
        wait_until(lambda: sampled_after(run, "items_in", quiet_at + 1.6))
        assert last(run, "items_in") == settled
    finally:
        stop(run)
    assert_clean(run)

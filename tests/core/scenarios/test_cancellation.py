"""The cancellation lessons: cancel-by-close, cancel-by-timeout, context-tree.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

from helpers import wait_until
from scenario_harness import assert_metrics_published, at, last, notes, play, start, stop

from core.scenarios.cancel_by_close import CancelByClose
from core.scenarios.cancel_by_timeout import CancelByTimeout
from core.scenarios.context_tree import ContextTree
from core.trace import Kind

# -- cancel-by-close ---------------------------------------------------------


def test_close_of_done_stops_every_worker():
    run = start(CancelByClose, workers=6, work_time=0.1)
    wait_until(lambda: last(run, "workers_running") == 6)
    assert run.act("cancel").join(2.0)
    assert last(run, "workers_running") == 0
    assert any(n.startswith("close(done) woke all 6 workers") for n in notes(run))
    assert [g.name for g in run.runtime.goroutines()] == ["main"]
    assert stop(run).clean


def test_worker_added_after_close_returns_at_once():
    run = start(CancelByClose, workers=1)
    at(run, 0.1)
    assert run.act("cancel").join(2.0)
    assert run.act("add-worker").join(2.0)
    assert any("returns at once" in n for n in notes(run))
    wait_until(lambda: [g.name for g in run.runtime.goroutines()] == ["main"])
    assert stop(run).clean


# -- cancel-by-timeout -------------------------------------------------------


def test_broken_timeout_with_every_action_leaks_and_stops():
    # Every call times out (cost >= 0.5 s > 0.3 s): its leaks are the lesson.
    run = play(CancelByTimeout, variant="broken", operation_time=1.0, timeout=0.3)
    for g in run.teachers:
        assert not g.alive and g.panic is None
    assert run.report.clean is False, run.report
    assert run.report.alive == []
    assert run.runtime.panics == []
    assert_metrics_published(run)


def test_correct_timeout_leaves_no_goroutine_behind():
    run = start(CancelByTimeout, operation_time=3.0, timeout=0.1)
    wait_until(lambda: last(run, "timeouts") >= 3)
    assert last(run, "leaked") == 0
    report = stop(run)
    assert report.clean, report


def test_broken_timeout_leaks_a_query_blocked_on_its_send():
    run = start(CancelByTimeout, variant="broken", operation_time=0.3, timeout=0.1)
    wait_until(lambda: last(run, "leaked") >= 2)
    assert any(n.startswith("BROKEN VARIANT") for n in notes(run))
    report = stop(run)
    assert not report.clean
    assert any("[chan send]: query #" in line for line in report.leaked), report.leaked


def test_broken_query_keeps_running_after_its_caller_gave_up():
    run = start(CancelByTimeout, variant="broken", operation_time=5.0, timeout=0.1)
    wait_until(lambda: last(run, "still_running") >= 2)
    report = stop(run)
    # Still asleep in its work, or (the grace of stop() is 10 runtime s here) on its send.
    assert any("query #" in line for line in report.leaked), report.leaked


# -- context-tree ------------------------------------------------------------


def test_cancel_root_spreads_to_every_descendant():
    run = start(ContextTree)
    wait_until(lambda: last(run, "live_contexts") == 5)
    assert run.act("cancel-root").join(2.0)
    assert "cancel(request #1) spread to 4 descendants" in " ".join(notes(run))
    wait_until(lambda: last(run, "canceled") == 5)
    assert last(run, "deadline_exceeded") == 0
    assert stop(run).clean


def test_cancel_child_never_reaches_its_parent():
    run = start(ContextTree)
    wait_until(lambda: last(run, "live_contexts") == 5)
    assert run.act("cancel-child").join(2.0)
    assert any(n.startswith("cancel(db) spread to 1 descendant (db.query)") for n in notes(run))
    wait_until(lambda: last(run, "canceled") == 2)
    wait_until(lambda: last(run, "live_contexts") == 3)
    current = run.scenario._current
    assert current is not None and current.root.ctx.err() is None
    assert stop(run).clean


def test_db_deadline_ends_only_the_db_subtree():
    run = start(ContextTree, request_timeout=10.0, db_timeout=0.2)
    wait_until(lambda: last(run, "deadline_exceeded") == 2)
    wait_until(lambda: last(run, "live_contexts") == 3)
    assert stop(run).clean


def test_timeout_now_ends_the_whole_tree_by_its_deadline():
    run = start(ContextTree, request_timeout=10.0, db_timeout=10.0)
    wait_until(lambda: last(run, "live_contexts") == 5)
    assert run.act("timeout-now").join(2.0)
    wait_until(lambda: last(run, "deadline_exceeded") == 5)
    assert last(run, "canceled") == 5  # request #1, replaced
    assert last(run, "requests") == 2
    ctx_cancels = [e for e in run.tracer.events() if e.kind is Kind.CTX_CANCEL]
    assert any(e.obj_name == "request #2" and "deadline" in e.value for e in ctx_cancels)
    assert stop(run).clean

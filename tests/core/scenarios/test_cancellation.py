"""The cancellation lessons: cancel-by-close, cancel-by-timeout, context-tree."""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until

from core.runtime import Runtime
from core.scenarios.cancellation import CancelByClose, CancelByTimeout, ContextTree
from core.trace import Kind, Tracer

SPEED = 10.0


def start(cls, **params):
    """Run scenario *cls* in its own Runtime at SPEED; returns (scenario, runtime, tracer)."""
    tracer = Tracer()
    rt = Runtime(name=f"test-{cls.id}", tracer=tracer)
    rt.clock.speed = SPEED
    s = cls(**params)
    s.runtime = rt
    rt.go(s.run, rt.root_context(), name="run")
    return s, rt, tracer


def run_until(rt, t: float) -> None:
    wait_until(lambda: rt.clock.now() >= t, message=f"runtime clock never reached {t}")


def stop(rt, before: set) -> object:
    """stop(2.0), then check that no thread started since *before* is alive."""
    report = rt.stop(2.0)
    wait_until(
        lambda: not [t for t in threading.enumerate() if t not in before],
        timeout=1.0,
        message="a thread outlived runtime.stop",
    )
    return report


def notes(tracer) -> list[str]:
    return [e.value for e in tracer.events() if e.kind is Kind.NOTE]


def last(s, metric: str) -> float:
    return s.recorder.last(metric) or 0


@pytest.mark.parametrize(
    ("cls", "param", "bad"),
    [
        (CancelByClose, "workers", 0),
        (CancelByClose, "workers", 9),
        (CancelByClose, "work_time", 0.0),
        (CancelByTimeout, "operation_time", 6.0),
        (CancelByTimeout, "timeout", 0.0),
        (CancelByTimeout, "variant", "leaky"),
        (ContextTree, "request_timeout", 0.1),
        (ContextTree, "db_timeout", 31.0),
    ],
)
def test_bad_param_is_refused_naming_it(cls, param, bad):
    with pytest.raises(ValueError, match=param):
        cls(**{param: bad})


@pytest.mark.parametrize(
    ("cls", "params", "clean"),
    [
        (CancelByClose, {}, True),
        (CancelByTimeout, {"variant": "correct"}, True),
        # Every call times out (cost >= 0.5 s): its leaks are the lesson.
        (CancelByTimeout, {"variant": "broken", "operation_time": 1.0, "timeout": 0.3}, False),
        (ContextTree, {}, True),
    ],
)
def test_every_action_runs_and_stop_leaves_no_thread(cls, params, clean):
    before = set(threading.enumerate())
    s, rt, _ = start(cls, **params)
    names = [a.name for a in s.actions]
    teachers = []
    for k, name in enumerate(names, 1):
        run_until(rt, 2.0 * k / (len(names) + 1))
        teachers.append(s.act(name))
    run_until(rt, 2.0)
    for g in teachers:
        assert g.join(2.0)
        assert g.panic is None
    report = stop(rt, before)
    assert report.clean is clean, report
    assert report.alive == []
    assert rt.panics == []
    for m in s.metrics:
        assert s.recorder.series(m.name)[1], f"metric {m.name} has no sample"


# -- cancel-by-close ---------------------------------------------------------


def test_close_of_done_stops_every_worker():
    before = set(threading.enumerate())
    s, rt, tracer = start(CancelByClose, workers=6, work_time=0.1)
    wait_until(lambda: last(s, "workers_running") == 6)
    assert s.act("cancel").join(2.0)
    assert last(s, "workers_running") == 0
    assert any(n.startswith("close(done) woke all 6 workers") for n in notes(tracer))
    assert [g.name for g in rt.goroutines()] == ["run"]
    assert stop(rt, before).clean


def test_worker_added_after_close_returns_at_once():
    before = set(threading.enumerate())
    s, rt, tracer = start(CancelByClose, workers=1)
    run_until(rt, 0.1)
    assert s.act("cancel").join(2.0)
    assert s.act("add-worker").join(2.0)
    assert any("returns at once" in n for n in notes(tracer))
    wait_until(lambda: [g.name for g in rt.goroutines()] == ["run"])
    assert stop(rt, before).clean


# -- cancel-by-timeout -------------------------------------------------------


def test_correct_timeout_leaves_no_goroutine_behind():
    before = set(threading.enumerate())
    s, rt, _ = start(CancelByTimeout, operation_time=3.0, timeout=0.1)
    wait_until(lambda: last(s, "timeouts") >= 3)
    assert last(s, "leaked") == 0
    report = stop(rt, before)
    assert report.clean, report


def test_broken_timeout_leaks_a_query_blocked_on_its_send():
    before = set(threading.enumerate())
    s, rt, tracer = start(CancelByTimeout, variant="broken", operation_time=0.3, timeout=0.1)
    wait_until(lambda: last(s, "leaked") >= 2)
    assert any(n.startswith("BROKEN VARIANT") for n in notes(tracer))
    report = stop(rt, before)
    assert not report.clean
    assert any("[chan send]: query #" in line for line in report.leaked), report.leaked


def test_broken_query_keeps_running_after_its_caller_gave_up():
    before = set(threading.enumerate())
    s, rt, _ = start(CancelByTimeout, variant="broken", operation_time=5.0, timeout=0.1)
    wait_until(lambda: last(s, "still_running") >= 2)
    report = stop(rt, before)
    # Still asleep in its work, or (the grace of stop() is 10 runtime s here) on its send.
    assert any("query #" in line for line in report.leaked), report.leaked


# -- context-tree ------------------------------------------------------------


def test_cancel_root_spreads_to_every_descendant():
    before = set(threading.enumerate())
    s, rt, tracer = start(ContextTree)
    wait_until(lambda: last(s, "live_contexts") == 5)
    assert s.act("cancel-root").join(2.0)
    assert "cancel(request #1) spread to 4 descendants" in " ".join(notes(tracer))
    wait_until(lambda: last(s, "canceled") == 5)
    assert last(s, "deadline_exceeded") == 0
    assert stop(rt, before).clean


def test_cancel_child_never_reaches_its_parent():
    before = set(threading.enumerate())
    s, rt, tracer = start(ContextTree)
    wait_until(lambda: last(s, "live_contexts") == 5)
    assert s.act("cancel-child").join(2.0)
    assert any(n.startswith("cancel(db) spread to 1 descendant (db.query)") for n in notes(tracer))
    wait_until(lambda: last(s, "canceled") == 2)
    wait_until(lambda: last(s, "live_contexts") == 3)
    assert s._current is not None and s._current.root.ctx.err() is None
    assert stop(rt, before).clean


def test_db_deadline_ends_only_the_db_subtree():
    before = set(threading.enumerate())
    s, rt, _ = start(ContextTree, request_timeout=10.0, db_timeout=0.2)
    wait_until(lambda: last(s, "deadline_exceeded") == 2)
    wait_until(lambda: last(s, "live_contexts") == 3)
    assert stop(rt, before).clean


def test_timeout_now_ends_the_whole_tree_by_its_deadline():
    before = set(threading.enumerate())
    s, rt, tracer = start(ContextTree, request_timeout=10.0, db_timeout=10.0)
    wait_until(lambda: last(s, "live_contexts") == 5)
    assert s.act("timeout-now").join(2.0)
    wait_until(lambda: last(s, "deadline_exceeded") == 5)
    assert last(s, "canceled") == 5  # request #1, replaced
    assert last(s, "requests") == 2
    ctx_cancels = [e for e in tracer.events() if e.kind is Kind.CTX_CANCEL]
    assert any(e.obj_name == "request #2" and "deadline" in e.value for e in ctx_cancels)
    assert stop(rt, before).clean

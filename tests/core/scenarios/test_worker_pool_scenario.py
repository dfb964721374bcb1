"""The worker-pool lesson: load, faults, graceful and timed-out shutdown, the racy textbook pool."""

from __future__ import annotations

import re

import pytest
from helpers import wait_until

from core.runtime import State
from core.scenarios import ScenarioRun
from core.scenarios.worker_pool import WorkerPoolScenario
from core.trace import Kind

SPEED = 10.0


def start(speed: float = SPEED, **params) -> ScenarioRun:
    run = ScenarioRun(WorkerPoolScenario(**params), speed=speed)
    run.start()
    wait_until(lambda: run.scenario.pool is not None)
    return run


def at(run: ScenarioRun, t: float) -> None:
    wait_until(lambda: run.runtime.clock.now() >= t, message=f"runtime clock never reached {t}")


def notes(run: ScenarioRun) -> list[str]:
    return [e.value for e in run.tracer.events() if e.kind is Kind.NOTE]


def note_matching(run: ScenarioRun, pattern: str) -> re.Match:
    found: list[re.Match] = []

    def seen() -> bool:
        found[:] = [m for n in notes(run) if (m := re.search(pattern, n))]
        return bool(found)

    wait_until(seen, message=f"no note matching {pattern!r}: {notes(run)}")
    return found[0]


@pytest.mark.parametrize(
    ("param", "bad"),
    [
        ("workers", 0),
        ("workers", 9),
        ("queue_size", -1),
        ("produce_rate", 0.0),
        ("job_time", 5.0),
        ("failure_rate", 1.5),
        ("max_retries", 7),
        ("variant", "racy"),
    ],
)
def test_bad_param_is_refused_naming_it(param, bad):
    with pytest.raises(ValueError, match=param):
        WorkerPoolScenario(**{param: bad})


def test_declarations_explain_themselves():
    cls = WorkerPoolScenario
    assert cls.id == "worker-pool" and cls.chapter == "Worker pool"
    assert all(p.help and (p.unit or p.kind is str) for p in cls.params)
    assert {a.name for a in cls.actions} == {
        "burst",
        "slow-workers",
        "fast-workers",
        "kill-worker",
        "shutdown",
        "shutdown-timeout",
    }
    assert all(a.label and a.help for a in cls.actions)
    assert all(m.unit and m.help for m in cls.metrics)
    assert cls.source_modules == ("core.patterns.worker_pool", "core.scenarios.worker_pool")


def test_headless_run_with_every_action_ends_clean():
    run = start(job_time=0.2)
    actions = [
        "burst",
        "slow-workers",
        "kill-worker",
        "fast-workers",
        "shutdown-timeout",
        "burst",
        "shutdown",
    ]
    for k, action in enumerate(actions):
        at(run, 0.2 + 0.25 * k)
        run.act(action)
    at(run, 2.2)
    report = run.stop(2.0)
    assert report.clean, report
    assert run.finished and run.error is None
    assert not run.runtime.panics
    for m in WorkerPoolScenario.metrics:
        assert run.scenario.recorder.series(m.name)[1], f"no samples of {m.name}"


def test_graceful_shutdown_drains_every_accepted_job():
    run = start(job_time=0.3, failure_rate=0.5)
    try:
        at(run, 0.8)
        run.act("shutdown")
        m = note_matching(run, r"pool shut down: (\d+) jobs accepted, (\d+) results")
        assert int(m[1]) > 0 and m[1] == m[2]
        note_matching(run, "a fresh pool starts")
        assert not any(n.startswith("lost:") for n in notes(run))
    finally:
        assert run.stop(2.0).clean


def test_shutdown_with_a_tiny_timeout_reports_shutdown_timeout_then_drains():
    run = start(job_time=1.0)
    try:
        wait_until(lambda: run.scenario.pool.statistics().busy > 0)
        run.act("shutdown-timeout")
        note_matching(run, r"^ShutdownTimeout: workers still busy after 0.05 s")
        m = note_matching(run, r"pool shut down: (\d+) jobs accepted, (\d+) results")
        assert m[1] == m[2]
    finally:
        assert run.stop(2.0).clean


def test_burst_overflows_the_queue_and_is_partly_refused():
    run = start(workers=1, queue_size=3, job_time=2.0)
    try:
        run.act("burst")
        m = note_matching(run, r"burst: (\d+) of 15 jobs accepted")
        assert int(m[1]) <= 1 + 3  # a worker and the queue
        wait_until(lambda: run.scenario.pool.statistics().rejected >= 11)
    finally:
        assert run.stop(2.0).clean


def test_kill_worker_leaves_the_others_running():
    run = start(workers=3)
    try:
        run.act("kill-worker")
        wait_until(lambda: run.scenario.pool.statistics().workers == 2)
        completed = run.scenario.pool.statistics().completed
        wait_until(lambda: run.scenario.pool.statistics().completed > completed + 2)
    finally:
        assert run.stop(2.0).clean


def test_broken_variant_panics_when_shutdown_closes_the_queue_under_the_producer():
    # Long jobs and no queue: the producer waits in its send almost all the time.
    run = start(speed=20.0, variant="broken", job_time=3.0, queue_size=0)
    try:
        assert any(n.startswith("BROKEN VARIANT") for n in notes(run))

        def producer_blocked_on_the_full_queue() -> bool:
            return any(
                g.name == "producer" and g.state is State.BLOCKED_SELECT
                for g in run.runtime.goroutines()
            )

        wait_until(producer_blocked_on_the_full_queue)
        run.act("shutdown")
        wait_until(lambda: run.runtime.panics)
        [(g, exc)] = run.runtime.panics
        assert (g.name, str(exc)) == ("producer", "send on closed channel")
        note_matching(run, r"^lost: job \d+ never got a result")
    finally:
        assert run.stop(2.0).clean

"""The worker-pool lesson: load, faults, graceful and timed-out shutdown, the racy textbook pool.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

import re

from helpers import wait_until
from scenario_harness import assert_healthy, at, notes, play, spaced, start, stop

from core.runtime import State
from core.scenarios.worker_pool import WorkerPoolScenario


def pool_ready(scenario: WorkerPoolScenario) -> bool:
    return scenario.pool is not None


def note_matching(run, pattern: str) -> re.Match:
    found: list[re.Match] = []

    def seen() -> bool:
        found[:] = [m for n in notes(run) if (m := re.search(pattern, n))]
        return bool(found)

    wait_until(seen, message=f"no note matching {pattern!r}: {notes(run)}")
    return found[0]


def test_declarations_name_the_lesson():
    cls = WorkerPoolScenario
    assert cls.id == "worker-pool" and cls.chapter == "Worker pool"
    assert {a.name for a in cls.actions} == {
        "burst",
        "slow-workers",
        "fast-workers",
        "kill-worker",
        "shutdown",
        "shutdown-timeout",
    }
    assert cls.source_modules == ("core.patterns.worker_pool", "core.scenarios.worker_pool")


def test_load_faults_and_both_shutdowns_end_clean():
    actions = [
        "burst",
        "slow-workers",
        "kill-worker",
        "fast-workers",
        "shutdown-timeout",
        "burst",
        "shutdown",
    ]
    run = play(
        WorkerPoolScenario,
        duration=2.2,
        actions=spaced(actions),
        ready=pool_ready,
        job_time=0.2,
    )
    assert run.finished
    assert_healthy(run)


def test_graceful_shutdown_drains_every_accepted_job():
    run = start(WorkerPoolScenario, ready=pool_ready, job_time=0.3, failure_rate=0.5)
    try:
        at(run, 0.8)
        run.act("shutdown")
        m = note_matching(run, r"pool shut down: (\d+) jobs accepted, (\d+) results")
        assert int(m[1]) > 0 and m[1] == m[2]
        note_matching(run, "a fresh pool starts")
        assert not any(n.startswith("lost:") for n in notes(run))
    finally:
        assert stop(run).clean


def test_shutdown_with_a_tiny_timeout_reports_shutdown_timeout_then_drains():
    run = start(WorkerPoolScenario, ready=pool_ready, job_time=1.0)
    try:
        wait_until(lambda: run.scenario.pool.statistics().busy > 0)
        run.act("shutdown-timeout")
        note_matching(run, r"^ShutdownTimeout: workers still busy after 0.05 s")
        m = note_matching(run, r"pool shut down: (\d+) jobs accepted, (\d+) results")
        assert m[1] == m[2]
    finally:
        assert stop(run).clean


def test_burst_overflows_the_queue_and_is_partly_refused():
    run = start(WorkerPoolScenario, ready=pool_ready, workers=1, queue_size=3, job_time=2.0)
    try:
        run.act("burst")
        m = note_matching(run, r"burst: (\d+) of 15 jobs accepted")
        assert int(m[1]) <= 1 + 3  # a worker and the queue
        wait_until(lambda: run.scenario.pool.statistics().rejected >= 11)
    finally:
        assert stop(run).clean


def test_kill_worker_leaves_the_others_running():
    run = start(WorkerPoolScenario, ready=pool_ready, workers=3)
    try:
        run.act("kill-worker")
        wait_until(lambda: run.scenario.pool.statistics().workers == 2)
        completed = run.scenario.pool.statistics().completed
        wait_until(lambda: run.scenario.pool.statistics().completed > completed + 2)
    finally:
        assert stop(run).clean


def test_broken_variant_panics_when_shutdown_closes_the_queue_under_the_producer():
    # Long jobs and no queue: the producer waits in its send almost all the time.
    run = start(
        WorkerPoolScenario,
        ready=pool_ready,
        speed=20.0,
        variant="broken",
        job_time=3.0,
        queue_size=0,
    )
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
        assert stop(run).clean

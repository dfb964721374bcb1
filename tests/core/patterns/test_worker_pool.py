"""WorkerPool: bounded intake, one result per accepted job, retries, graceful shutdown."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.patterns.worker_pool import (
    Job,
    QueueFull,
    Result,
    ShutdownTimeout,
    ShuttingDown,
    WorkerPool,
    backoff_delays,
)
from core.runtime import Chan, Panic, go, now

RT_SPEED = 20
RT_NO_PANICS = True
RT_STOP_TIMEOUT = 2.0


def gated(gate: Chan):
    """A handler that waits until *gate* is closed, then returns the payload."""

    def handler(job: Job):
        gate.recv()
        return job.payload

    return handler


def fill(pool: WorkerPool, workers: int, queue: int) -> None:
    """Occupy every worker (gated handler), then fill the queue."""
    for n in range(workers):
        pool.submit(Job(n))
        wait_until(lambda n=n: pool.statistics().busy == n + 1)
    for n in range(queue):
        pool.submit(Job(workers + n))


def test_every_job_yields_one_result(rt):
    pool = WorkerPool(3, 10, lambda job: job.payload * 2)
    for n in range(10):
        pool.submit(Job(n, n))
    pool.shutdown(5.0)
    results = list(pool.results())
    assert sorted((r.job_id, r.data, r.error) for r in results) == [
        (n, 2 * n, None) for n in range(10)
    ]
    assert all(r.worker.startswith("worker-") for r in results)


def test_handler_exception_becomes_the_result_error(rt):
    def handler(job):
        raise KeyError(job.id)

    pool = WorkerPool(1, 1, handler)
    pool.submit(Job(7))
    pool.shutdown(5.0)
    [result] = list(pool.results())
    assert isinstance(result, Result)
    assert result.job_id == 7 and result.data is None and not result.ok
    assert isinstance(result.error, KeyError)
    assert pool.statistics().failed == 1


def test_submit_raises_queue_full_when_queue_size_jobs_wait(rt):
    gate = Chan(0)
    pool = WorkerPool(2, 3, gated(gate))
    fill(pool, workers=2, queue=3)  # 5 accepted: running jobs do not count
    with pytest.raises(QueueFull):
        pool.submit(Job(99))
    s = pool.statistics()
    assert (s.accepted, s.rejected, s.busy, s.queued) == (5, 1, 2, 3)
    gate.close()
    pool.shutdown(5.0)
    assert len(list(pool.results())) == 5


def test_queue_size_zero_hands_jobs_to_idle_workers_only(rt):
    gate = Chan(0)
    pool = WorkerPool(1, 0, gated(gate))
    wait_until(lambda: pool._jobs.statistics().waiting_receivers == 1)
    pool.submit(Job(1))
    wait_until(lambda: pool.statistics().busy == 1)
    with pytest.raises(QueueFull):
        pool.submit(Job(2))
    gate.close()
    pool.shutdown(5.0)


def test_submit_after_shutdown_raises_shutting_down(rt):
    pool = WorkerPool(1, 1, lambda job: None)
    pool.shutdown(5.0)
    with pytest.raises(ShuttingDown):
        pool.submit(Job(1))
    with pytest.raises(ShuttingDown):
        pool.submit_with_retry(Job(2), max_retries=3)


def test_shutdown_finishes_accepted_jobs_then_closes_results(rt):
    gate = Chan(0)
    pool = WorkerPool(2, 4, gated(gate))
    fill(pool, workers=2, queue=4)
    done = go(pool.shutdown, 5.0)
    wait_until(lambda: pool.statistics().closing)
    assert not pool.results().closed  # the workers are still busy
    gate.close()
    assert done.join(5.0)
    assert pool.results().closed
    assert sorted(r.job_id for r in pool.results()) == list(range(6))


def test_shutdown_timeout_raises_while_workers_are_busy(rt):
    gate = Chan(0)
    pool = WorkerPool(1, 2, gated(gate))
    fill(pool, workers=1, queue=2)
    with pytest.raises(ShutdownTimeout) as info:
        pool.shutdown(0.05)
    assert isinstance(info.value, TimeoutError)
    gate.close()  # the workers go on and finish every accepted job
    assert len(list(pool.results())) == 3
    pool.shutdown(5.0)  # a second call waits again, and now returns


def test_workers_never_wait_for_a_reader_of_results(rt):
    pool = WorkerPool(2, 3, lambda job: job.id)
    for n in range(30):  # ten times what the results channel holds; nobody reads
        wait_until(lambda: pool.statistics().queued < 3)
        pool.submit(Job(n))
    wait_until(lambda: pool.statistics().completed == 30)
    assert pool.statistics().busy == 0
    pool.shutdown(1.0)  # needs no reader
    assert pool.statistics().unread == 30
    assert sorted(r.data for r in pool.results()) == list(range(30))
    assert pool.results().closed


def test_results_are_closed_when_shutdown_returns_if_they_fit(rt):
    pool = WorkerPool(2, 3, lambda job: job.id)
    for n in range(5):  # queue_size + workers results fit in the channel
        wait_until(lambda: pool.statistics().queued < 3)
        pool.submit(Job(n))
    pool.shutdown(5.0)
    assert pool.results().closed
    assert len(pool.results()) == 5


def test_submit_accepts_work_again_once_the_queue_drains_results_unread(rt):
    gate = Chan(0)
    pool = WorkerPool(1, 1, gated(gate))
    fill(pool, workers=1, queue=1)
    with pytest.raises(QueueFull):
        pool.submit(Job(2))
    gate.close()
    wait_until(lambda: pool.statistics().completed == 2)
    pool.submit(Job(3))  # the unread results do not count
    pool.shutdown(5.0)
    assert sorted(r.job_id for r in pool.results()) == [0, 1, 3]


def test_results_come_in_the_order_a_single_worker_finished_them(rt):
    pool = WorkerPool(1, 1, lambda job: job.id)
    got = []
    for n in range(10):
        pool.submit(Job(n))
        got.append(pool.results().recv()[0].data)
    pool.shutdown(1.0)
    assert got == list(range(10))


def test_submit_racing_shutdown_200_times_never_panics_nor_loses_a_job(rt):
    raced = 0  # runs in which jobs were accepted and a later submit met the shutdown
    for _ in range(200):
        pool = WorkerPool(2, 2, lambda job: job.id)
        start = Chan(0)  # released at once: two submitters and the shutdown race
        accepted: list[int] = []
        refused: list[int] = []
        got: list[int] = []

        def submitter(base, pool=pool, start=start, accepted=accepted, refused=refused):
            start.recv()
            for n in range(base, base + 10):
                try:
                    pool.submit(Job(n))
                    accepted.append(n)
                except QueueFull:
                    pass
                except ShuttingDown:
                    refused.append(n)
                    return

        def stopper(pool=pool, start=start):
            start.recv()
            pool.shutdown(5.0)

        gs = [go(submitter, 0), go(stopper), go(submitter, 100)]
        gs.append(go(lambda pool=pool, got=got: got.extend(r.job_id for r in pool.results())))
        wait_until(lambda start=start: start.statistics().waiting_receivers == 3)
        start.close()
        for g in gs:
            assert g.join(5.0)
        assert sorted(got) == sorted(accepted)  # exactly one result per accepted job
        assert pool.statistics().accepted == len(accepted)
        raced += bool(accepted and refused)
    assert raced > 0, "the submits never overlapped the shutdown"


def test_backoff_delays_double_up_to_the_maximum():
    assert backoff_delays(6, 0.01, 0.05) == [0.01, 0.02, 0.04, 0.05, 0.05, 0.05]
    assert backoff_delays(0, 0.01, 1.0) == []


def test_submit_with_retry_waits_out_the_backoff_then_raises_queue_full(rt):
    gate = Chan(0)
    pool = WorkerPool(1, 0, gated(gate))
    fill(pool, workers=1, queue=0)
    t0 = now()
    with pytest.raises(QueueFull):
        pool.submit_with_retry(Job(1), max_retries=3, base_delay=0.1, max_delay=0.2)
    assert now() - t0 >= 0.1 + 0.2 + 0.2
    s = pool.statistics()
    assert (s.retried, s.rejected, s.accepted) == (3, 1, 1)
    gate.close()
    pool.shutdown(5.0)


def test_submit_with_retry_succeeds_once_there_is_room(rt):
    gate = Chan(0)
    pool = WorkerPool(1, 0, gated(gate))
    fill(pool, workers=1, queue=0)
    out: list = []
    retrying = go(lambda: out.append(pool.submit_with_retry(Job(2), 50, 0.01, 0.02)))
    wait_until(lambda: pool.statistics().retried >= 2)
    gate.close()
    assert retrying.join(5.0)
    assert out[0] >= 2  # the retries it took
    pool.shutdown(5.0)
    assert sorted(r.job_id for r in pool.results()) == [0, 2]


def test_submit_with_retry_stops_backing_off_when_shutdown_begins(rt):
    gate = Chan(0)
    pool = WorkerPool(1, 0, gated(gate))
    fill(pool, workers=1, queue=0)
    out: list = []

    def retry():
        try:
            pool.submit_with_retry(Job(2), 5, base_delay=1000.0, max_delay=1000.0)
        except ShuttingDown as exc:
            out.append(exc)

    retrying = go(retry)
    wait_until(lambda: pool._closing_ch.statistics().waiting_receivers == 1)
    stopping = go(pool.shutdown, 5.0)
    assert retrying.join(2.0)  # not after 1000 s
    assert isinstance(out[0], ShuttingDown)
    gate.close()
    assert stopping.join(5.0)


def test_submit_with_retry_gives_up_when_cancelled(rt):
    pool = WorkerPool(1, 0, gated(gate := Chan(0)))
    fill(pool, workers=1, queue=0)
    cancel = Chan(0)
    cancel.close()
    with pytest.raises(QueueFull):
        pool.submit_with_retry(Job(2), 5, base_delay=1000.0, cancel=cancel)
    gate.close()
    pool.shutdown(5.0)


def test_kill_worker_stops_one_and_the_pool_carries_on(rt):
    pool = WorkerPool(3, 5, lambda job: job.id)
    assert pool.kill_worker()
    wait_until(lambda: pool.statistics().workers == 2)
    for n in range(5):
        pool.submit(Job(n))
    pool.shutdown(5.0)
    results = list(pool.results())
    assert sorted(r.job_id for r in results) == list(range(5))


def test_kill_worker_never_kills_the_last_one(rt):
    pool = WorkerPool(2, 1, lambda job: job.id)
    assert pool.kill_worker()
    assert not pool.kill_worker()
    wait_until(lambda: pool.statistics().workers == 1)
    pool.submit(Job(1))
    pool.shutdown(5.0)
    assert [r.job_id for r in pool.results()] == [1]
    assert not pool.kill_worker()


def test_a_panicking_handler_is_a_failed_result_not_a_dead_worker(rt):
    def handler(job):
        raise Panic("boom")

    pool = WorkerPool(1, 2, handler)
    pool.submit(Job(1))
    pool.submit(Job(2))
    pool.shutdown(5.0)
    assert [str(r.error) for r in pool.results()] == ["boom", "boom"]


@pytest.mark.parametrize(("workers", "queue_size"), [(0, 1), (1, -1)])
def test_bad_sizes_are_refused(rt, workers, queue_size):
    with pytest.raises(ValueError):
        WorkerPool(workers, queue_size, lambda job: None)


def test_negative_retry_arguments_are_refused(rt):
    pool = WorkerPool(1, 1, lambda job: None)
    with pytest.raises(ValueError):
        pool.submit_with_retry(Job(1), -1)
    pool.shutdown(5.0)


def test_a_stopped_pool_says_it_is_over_and_a_running_one_does_not():
    """The stage lets a pattern's card go once its state says ``over``: a pool that
    has stopped (every accepted job has its result) is over, one still running is not."""
    from core.runtime import Runtime
    from core.trace import Kind, Tracer

    tracer = Tracer(10_000)
    runtime = Runtime(name="pool", tracer=tracer, speed=RT_SPEED)
    try:
        with runtime.active():
            pool = WorkerPool(2, 4, lambda job: job.payload)
            pool.submit(Job(1, 1))

            def states():
                return [dict(e.extra[2]) for e in tracer.events() if e.kind is Kind.PATTERN]

            wait_until(lambda: any(s["completed"] == 1 for s in states()))
            assert not any(s["over"] for s in states())
            pool.shutdown(5.0)
            assert states()[-1]["phase"] == "stopped" and states()[-1]["over"] is True
    finally:
        assert runtime.stop(2.0).clean

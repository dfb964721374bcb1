"""Lesson "worker-pool": a bounded queue, a fixed crew of workers, graceful shutdown.

A producer submits jobs at a steady rate; when the queue is full it retries
with exponential backoff and finally gives up (a rejection). A collector
reads every result and measures its latency. The teacher can load the pool
(burst, slow workers), kill a worker, and shut the pool down: gracefully
(intake stops, the queue drains, results close) or with a tiny timeout
(``ShutdownTimeout`` while the workers finish in the background). After a
shutdown a fresh pool starts, so the lesson goes on.

The broken variant is the pool as it is often first written: ``submit``
checks a ``closed`` flag and then sends on the jobs channel without holding
the lock that ``shutdown`` closes it under. Its producer pushes jobs as fast
as the queue takes them, so it is almost always blocked on the full queue:
press Shutdown, the channel is closed under it, and it panics with "send on
closed channel" (the job in its hand is lost).
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

from core.patterns.worker_pool import (
    Job,
    QueueFull,
    ShutdownTimeout,
    ShuttingDown,
    WorkerPool,
)
from core.runtime import Chan, Recv, Send, WaitGroup, now, select
from core.runtime.context import Context, with_cancel
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param
from core.scenarios._pacing import Rates, try_send

__all__ = ["JobFailed", "TextbookPool", "WorkerPoolScenario"]

_SAMPLE = 0.25  # runtime seconds between metric samples
_BURST = 15  # jobs in a burst
_SLOW_FACTOR = 4.0  # how much longer jobs take after "slow-workers"
_GRACEFUL_TIMEOUT = 30.0  # runtime seconds a graceful shutdown may take
_TINY_TIMEOUT = 0.05  # the "shutdown-timeout" action's timeout, runtime seconds
_RESTART = 1.0  # runtime seconds between a finished shutdown and the next pool
_BASE_DELAY, _MAX_DELAY = 0.05, 0.8  # the producer's retry backoff, runtime seconds


class JobFailed(Exception):
    """A simulated job failure (the handler raised)."""


class TextbookPool(WorkerPool):
    """The pool as it is often first written: ``submit`` races ``shutdown``.

    ``submit`` checks the flag, then sends, blocking while the queue is full,
    without the intake lock; ``shutdown`` sets the flag and closes the jobs
    channel, also without it. A submit between its check and its send, or
    blocked in its send, meets the closed channel: ``panic: send on closed
    channel``. Everything else is the real pool's.

    Go (the mistake)::

        func (p *Pool) Submit(j Job) error {
            if p.closed { return ErrClosed } // check ...
            p.jobs <- j                      // ... then act: shutdown may close jobs in between
            return nil
        }
    """

    def submit(self, job: Job, *, cancel: Chan | None = None) -> None:
        """Queue *job*, waiting while the queue is full (or until *cancel* is closed).

        Raises:
            ShuttingDown: the flag was set when it looked, or *cancel* closed.
            Panic: "send on closed channel" when shutdown closed the queue
                after the check (the bug this class shows).
        """
        if self._closing:
            raise ShuttingDown("worker pool is shutting down")
        i, _, _ = select(Send(self._jobs, job), Recv(cancel))
        if i == 1:
            raise ShuttingDown("canceled")
        self._count("accepted", f"accepted {job}", accepted=1)

    def _stop_intake(self) -> None:
        if self._closing:
            return
        self._closing = True
        self._jobs.close()  # no lock: a submit may be between its check and its send
        self._closing_ch.close()


class WorkerPoolScenario(Scenario):
    """A producer, a bounded queue, workers, a collector; load, faults and shutdown."""

    id = "worker-pool"
    title = "Worker pool: bounded queue, retries, graceful shutdown"
    chapter = "Worker pool"
    summary = (
        "A producer submits jobs to a fixed crew of workers through a bounded queue. A full "
        "queue refuses work (retried with backoff); shutdown drains every accepted job."
    )
    params: ClassVar[tuple[Param, ...]] = (
        Param("workers", int, 3, "Worker goroutines", minimum=1, maximum=8, unit="goroutines"),
        Param(
            "queue_size",
            int,
            5,
            "Jobs that can wait while every worker is busy",
            minimum=0,
            maximum=20,
            unit="jobs",
        ),
        Param(
            "produce_rate",
            float,
            6.0,
            "Jobs the producer submits per second (the broken variant's producer pushes "
            "as fast as the queue takes them)",
            minimum=0.5,
            maximum=40.0,
            unit="jobs/s",
        ),
        Param(
            "job_time",
            float,
            0.4,
            "Time a worker spends on one job (random, ±50 %)",
            minimum=0.02,
            maximum=3.0,
            unit="s",
        ),
        Param(
            "failure_rate",
            float,
            0.1,
            "Share of jobs whose handler raises",
            minimum=0.0,
            maximum=1.0,
            unit="fraction",
        ),
        Param(
            "max_retries",
            int,
            3,
            "Retries when the queue is full, waiting 0.05 s, 0.1 s, 0.2 s... (up to 0.8 s)",
            minimum=0,
            maximum=6,
            unit="retries",
        ),
        variant_param(
            "correct: intake and shutdown share a lock; broken: the textbook pool whose "
            "submit races shutdown",
        ),
    )
    actions: ClassVar[tuple[Action, ...]] = (
        Action(
            "burst",
            "Burst",
            f"Submit {_BURST} jobs at once: the queue fills and the rest are refused",
        ),
        Action(
            "slow-workers",
            "Slow workers",
            f"Jobs take {_SLOW_FACTOR:g} times as long: the queue backs up, retries climb",
        ),
        Action("fast-workers", "Fast workers", "Jobs take their normal time again"),
        Action(
            "kill-worker", "Kill a worker", "One worker stops once it is idle; the others carry on"
        ),
        Action(
            "shutdown",
            "Shutdown",
            "Graceful shutdown: intake stops, the queue drains, results close; "
            "then a fresh pool starts",
        ),
        Action(
            "shutdown-timeout",
            "Shutdown, tiny timeout",
            f"Shutdown with a {_TINY_TIMEOUT:g} s timeout: ShutdownTimeout, while the "
            "workers finish the accepted jobs in the background",
        ),
    )
    metrics: ClassVar[tuple[Metric, ...]] = (
        Metric("queue_depth", "jobs", "Jobs waiting in the queue"),
        Metric("busy_workers", "workers", "Workers running a job"),
        Metric("throughput", "jobs/s", "Results produced per second (failed jobs included)"),
        Metric("rejections", "jobs/s", "Jobs refused per second (QueueFull after every retry)"),
        Metric("retries", "retries/s", "Retries per second after a QueueFull"),
        Metric("latency", "ms", "Time from submit to result, one sample per result"),
    )
    source_modules = ("core.patterns.worker_pool", "core.scenarios.worker_pool")
    # Bookkeeping the pool card already shows (its intake lock, its shutdown signals),
    # the lesson's own WaitGroups for its producer and collector, and the channels the
    # teacher's buttons speak through.
    plumbing = (
        "intake",
        "closing",
        "flushed",
        "kill",
        "shutdown requests",
        "producer wg",
        "collector wg",
    )

    # The running pool: None before run() starts it and between a shutdown and the next one.
    pool: WorkerPool | None = None

    def run(self, ctx: Context) -> None:
        self._ctx = ctx
        if self.broken:
            self.note(
                "BROKEN VARIANT: submit checks `closed`, then sends on the jobs channel without "
                "the lock; shutdown closes the channel. The producer is blocked on the full "
                "queue: press Shutdown and it panics with 'send on closed channel'."
            )
        self._ids = itertools.count(1)  # job ids (next() is atomic)
        self._submitted: dict[int, float] = {}  # job id -> submit time; one-key ops only
        self._slowdown = 1.0
        self._requests = Chan(1, name="shutdown requests")  # the timeout to shut down with
        sampler = WaitGroup(name="sampler")
        sampler.go(self._sample, name="metrics")
        for generation in itertools.count(1):
            pool = (TextbookPool if self.broken else WorkerPool)(
                self["workers"], self["queue_size"], self._handle
            )
            producer_ctx, stop_producer = with_cancel(ctx)
            producer, collector = WaitGroup(name="producer wg"), WaitGroup(name="collector wg")
            producing = producer.go(self._produce, producer_ctx, pool, name="producer")
            collector.go(self._collect, pool, name="collector")
            self.pool = pool
            if generation > 1:
                self.note("a fresh pool starts")
            i, timeout, _ = select(Recv(ctx.done()), Recv(self._requests))
            if i == 0:
                # Stop the producer first, so that closing the queue races nothing.
                stop_producer()
                producer.wait()
                self._shutdown(pool, _GRACEFUL_TIMEOUT)
            else:
                # Shut down while the producer still submits: the race the variants differ in.
                self._shutdown(pool, timeout)
                stop_producer()
                producer.wait()
            collector.wait()
            self.pool = None
            self._report_losses(producing.panic)
            if ctx.err() is not None or not self.nap(ctx, _RESTART, name="restart"):
                break
            while select(Recv(self._requests), default=True)[0] == 0:
                pass  # requests made during the drain were for the pool that is gone
        sampler.wait()

    def _shutdown(self, pool: WorkerPool, timeout: float) -> None:
        try:
            pool.shutdown(timeout)
        except ShutdownTimeout as exc:
            self.note(f"ShutdownTimeout: {exc}. They finish in the background.")
            pool.done().recv()
        s = pool.statistics()
        self.note(
            f"pool shut down: {s.accepted} jobs accepted, {s.completed + s.failed} results "
            f"({s.failed} failed)"
        )

    def _report_losses(self, panic: BaseException | None) -> None:
        """Say which submitted jobs never got a result (only the broken pool loses any)."""
        lost = sorted(self._submitted)
        self._submitted.clear()
        if panic is not None:
            self.note(f"the producer panicked: {panic}. In Go this crashes the whole program.")
        if lost:
            self.note(f"lost: job {', '.join(map(str, lost))} never got a result")

    # -- the goroutines -------------------------------------------------------

    def _handle(self, job: Job) -> Any:
        ctx = self._ctx
        work = self["job_time"] * self._slowdown * self.rng.uniform(0.5, 1.5)
        if not self.nap(ctx, work, name=f"job {job.id}"):
            err = ctx.err()
            assert err is not None  # nap returns False only once ctx has ended
            raise err
        if self.rng.random() < self["failure_rate"]:
            raise JobFailed(f"job {job.id} failed")
        return job.id

    def _new_job(self) -> Job:
        job = Job(next(self._ids))
        self._submitted[job.id] = now()
        return job

    def _produce(self, ctx: Context, pool: WorkerPool) -> None:
        if isinstance(pool, TextbookPool):
            while ctx.err() is None:
                job = self._new_job()
                try:
                    pool.submit(job, cancel=ctx.done())  # blocks while the queue is full
                except ShuttingDown:
                    self._submitted.pop(job.id, None)
                    return
            return
        period = 1.0 / self["produce_rate"]
        while self.nap(ctx, period, name="produce"):
            job = self._new_job()
            try:
                pool.submit_with_retry(
                    job, self["max_retries"], _BASE_DELAY, _MAX_DELAY, cancel=ctx.done()
                )
            except QueueFull:
                self._submitted.pop(job.id, None)
            except ShuttingDown:
                self._submitted.pop(job.id, None)
                return

    def _collect(self, pool: WorkerPool) -> None:
        for result in pool.results():
            t0 = self._submitted.pop(result.job_id, None)
            if t0 is not None:
                self.record("latency", (now() - t0) * 1000)

    def _sample(self) -> None:
        pool, rates = None, Rates()
        for t in self.ticks(self._ctx, _SAMPLE):
            current = self.pool
            if current is None:
                continue
            s = current.statistics()
            if current is not pool:
                pool = current
                rates.restart()  # the new pool counts from 0
            self.record_many(
                queue_depth=s.queued,
                busy_workers=s.busy,
                **rates.update(
                    t,
                    throughput=s.completed + s.failed,
                    rejections=s.rejected,
                    retries=s.retried,
                ),
            )

    # -- teacher actions ------------------------------------------------------

    def on_burst(self) -> None:
        pool = self.pool
        if pool is None:
            self.note("no pool is running")
            return
        if isinstance(pool, TextbookPool):
            self.note(f"burst: {_BURST} jobs, each waiting for room in the queue")
            for _ in range(_BURST):
                try:
                    pool.submit(self._new_job(), cancel=self._ctx.done())
                except ShuttingDown:
                    return
            return
        accepted = 0
        for _ in range(_BURST):
            job = self._new_job()
            try:
                pool.submit(job)
                accepted += 1
            except (QueueFull, ShuttingDown):
                self._submitted.pop(job.id, None)
        self.note(f"burst: {accepted} of {_BURST} jobs accepted, the rest refused (QueueFull)")

    def on_slow_workers(self) -> None:
        self._slowdown = _SLOW_FACTOR
        self.note(f"jobs now take {_SLOW_FACTOR:g} times as long: watch the queue back up")

    def on_fast_workers(self) -> None:
        self._slowdown = 1.0
        self.note("jobs take their normal time again")

    def on_kill_worker(self) -> None:
        pool = self.pool
        if pool is None:
            self.note("no pool is running")
        elif pool.kill_worker():
            self.note("a worker will stop once it is idle; the others carry on")
        else:
            self.note("not killed: the last worker stays (the accepted jobs need it)")

    def on_shutdown(self) -> None:
        self._request_shutdown(_GRACEFUL_TIMEOUT, "shutdown: intake stops, the queue drains")

    def on_shutdown_timeout(self) -> None:
        self._request_shutdown(_TINY_TIMEOUT, f"shutdown with a {_TINY_TIMEOUT:g} s timeout")

    def _request_shutdown(self, timeout: float, text: str) -> None:
        if self.pool is None:
            self.note("no pool is running")
        elif try_send(self._requests, timeout):
            self.note(text)
        else:
            self.note("a shutdown is already under way")

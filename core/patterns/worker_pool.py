"""A worker pool: a bounded queue of jobs, a fixed set of workers, one result per job.

``WorkerPool(workers, queue_size, handler)`` starts *workers* goroutines
(``"worker-1"``...) that take :class:`Job` values from the ``"jobs"`` channel
(capacity *queue_size*), call ``handler(job)`` and send one :class:`Result`
per job on the ``"results"`` channel.

Intake never waits: ``submit`` puts the job in the queue or raises
:class:`QueueFull` at once (load shedding); ``submit_with_retry`` retries
with exponential backoff. ``shutdown`` stops intake, lets the workers
finish every accepted job, then closes ``results``.

Two things the obvious code gets wrong, and how this one avoids them:

* **submit racing shutdown.** ``if closed: raise; jobs <- job`` checks,
  then acts: ``shutdown`` can close ``jobs`` in between, and the send
  panics ("send on closed channel"). Here intake holds ``_intake`` (a
  mutex) across the check and a *non-blocking* send, and ``shutdown``
  closes ``jobs`` under the same mutex, so a send and the close never
  overlap and every job that was accepted is in the queue before it
  closes: each one yields exactly one result.

* **workers blocked on a results channel nobody reads.** Results policy:
  results are never dropped and workers never wait for the reader. A
  worker hands its result to the ``"results forwarder"`` goroutine, which
  keeps a backlog (unbounded) and feeds ``results`` (capacity
  ``queue_size + workers``) whenever the reader takes one: Go's
  nil-channel ``select`` that makes an unbounded buffer. So ``QueueFull``
  depends on the queue alone, and ``shutdown`` needs no reader: once the
  workers are done, the results that fit are put in ``results`` and it is
  closed; a longer backlog goes on into ``results`` as it is read, and
  ``results`` closes after its last one. A pool whose results are never
  read keeps them all in memory, and its forwarder waits for a reader.

A handler's exception (any ``Exception``, ``Panic`` included) becomes
``Result.error``; the worker goes on, as a Go worker that recovers.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.runtime import (
    Chan,
    Mutex,
    Recv,
    Send,
    WaitGroup,
    after,
    go,
    next_object_id,
    select,
    trace_pattern,
)

__all__ = [
    "Job",
    "PoolStats",
    "QueueFull",
    "Result",
    "ShutdownTimeout",
    "ShuttingDown",
    "WorkerPool",
    "backoff_delays",
]


class QueueFull(Exception):
    """``submit`` refused a job: ``queue_size`` jobs already wait."""


class ShuttingDown(Exception):
    """``submit`` refused a job: ``shutdown`` has begun."""


class ShutdownTimeout(TimeoutError):
    """``shutdown`` gave up waiting; the workers go on with the jobs accepted."""


@dataclass(frozen=True)
class Job:
    """A unit of work: an id and whatever the handler needs."""

    id: int
    payload: Any = None

    def __str__(self) -> str:
        """What the stage shows on a token: ``Job 2``."""
        return f"Job {self.id}"


@dataclass(frozen=True)
class Result:
    """The outcome of one job: ``data`` from the handler, or the ``error`` it raised."""

    job_id: int
    data: Any = None
    error: BaseException | None = None
    worker: str = ""  # the name of the worker that ran the job

    @property
    def ok(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        """What the stage shows on a token: ``Result 2 ok`` or ``Result 2 failed``."""
        return f"Result {self.job_id} {'ok' if self.ok else 'failed'}"


@dataclass(frozen=True)
class PoolStats:
    """A snapshot of a :class:`WorkerPool`; counters are totals since it started."""

    workers: int  # workers still running (a killed worker has stopped)
    busy: int  # workers running a job now
    queued: int  # jobs waiting in the queue
    unread: int  # results not read yet (in the results channel or the forwarder's backlog)
    accepted: int  # jobs taken by submit / submit_with_retry
    rejected: int  # jobs refused with QueueFull (after all retries, for submit_with_retry)
    retried: int  # retries made by submit_with_retry
    completed: int  # jobs whose handler returned
    failed: int  # jobs whose handler raised
    closing: bool  # shutdown has begun


def backoff_delays(max_retries: int, base_delay: float, max_delay: float) -> list[float]:
    """The waits before each retry: *base_delay*, doubling, capped at *max_delay*.

    >>> backoff_delays(5, 0.1, 0.5)
    [0.1, 0.2, 0.4, 0.5, 0.5]
    """
    return [min(base_delay * 2**i, max_delay) for i in range(max_retries)]


class WorkerPool:
    """*workers* goroutines running ``handler(job)`` for jobs from a queue of *queue_size*.

    The workers, the ``"workers closer"`` (it waits for them all to return)
    and the ``"results forwarder"`` start at once; they end only after
    ``shutdown`` (the forwarder once its backlog is read), so shut every
    pool down. Every accepted job yields exactly one :class:`Result` on
    :meth:`results`, including when ``submit`` races ``shutdown``. Nothing
    in the pool panics.

    Go::

        for w := 1; w <= workers; w++ {
            wg.Add(1)
            go func() {
                defer wg.Done()
                for job := range jobs {
                    results <- handle(job)
                }
            }()
        }

    Raises:
        ValueError: *workers* < 1 or *queue_size* < 0.
    """

    def __init__(self, workers: int, queue_size: int, handler: Callable[[Job], Any]) -> None:
        if workers < 1:
            raise ValueError(f"workers must be 1 or more, got {workers}")
        if queue_size < 0:
            raise ValueError(f"queue_size must be 0 or more, got {queue_size}")
        self.queue_size = queue_size
        self._handler = handler
        self._jobs = Chan(queue_size, name="jobs")
        self._finished = Chan(workers, name="finished")  # workers -> forwarder
        self._results = Chan(queue_size + workers, name="results")  # forwarder -> reader
        self._kill = Chan(workers, name="kill")
        self._closing_ch = Chan(0, name="closing")  # closed when shutdown begins
        self._flushed = Chan(0, name="flushed")  # closed once workers are done, results handed on
        self._intake = Mutex(name="intake")
        # Guarded by _intake: _closing (read without it only as a hint), _kill_budget.
        # Invariant: _closing => jobs is closed or being closed under _intake, so
        # no send on jobs can start; at most workers - 1 kill tokens are ever sent.
        self._closing = False
        self._kill_budget = workers - 1
        self._backlog = 0  # results the forwarder holds; written by the forwarder only
        # The pool's counters and phase, guarded by _count_lock (a plain lock: the
        # pool's bookkeeping, not part of the program the lesson shows). Every change
        # is recorded as the pattern's state (Kind.PATTERN), inside the lock, so the
        # picture's counters change in the order the pool's did.
        self.id = next_object_id()
        self._count_lock = threading.Lock()
        self._counts = {
            "workers": workers,
            "busy": 0,
            "accepted": 0,
            "rejected": 0,
            "retried": 0,
            "completed": 0,
            "failed": 0,
        }
        self._phase = "running"  # -> "draining" (shutdown began) -> "stopped"
        self._count("made", f"{workers} workers, a queue of {queue_size}")
        self._wg = WaitGroup(name="workers")
        self._wg.add(workers)
        for n in range(1, workers + 1):
            go(self._work, f"worker-{n}", name=f"worker-{n}")
        # Closes finished once every worker has returned (after shutdown closed jobs).
        go(self._close_finished, name="workers closer")
        go(self._forward, name="results forwarder")

    # -- the pool's counters -------------------------------------------------

    def _count(self, what: str, text: str, phase: str = "", **deltas: int) -> None:
        """Add *deltas* to the counters (and enter *phase*), and record the pool's state.

        Fields: ``workers`` alive, ``busy``, ``queued`` of ``queue_size``, jobs
        ``accepted``, ``rejected`` (refused for good), ``retried``, results
        ``completed`` and ``failed``, and the ``phase`` ("running", "draining",
        "stopped"). Never blocks on the program.
        """
        with self._count_lock:
            c = self._counts
            for k, d in deltas.items():
                c[k] += d
            if phase:
                self._phase = phase
            trace_pattern(
                self.id,
                "pool",
                "worker-pool",
                what,
                text,
                **c,
                queued=len(self._jobs),
                queue_size=self.queue_size,
                phase=self._phase,
                over=self._phase == "stopped",  # the stage lets a stopped pool go
            )

    # -- intake --------------------------------------------------------------

    def submit(self, job: Job) -> None:
        """Queue *job*, or refuse it at once. Never waits for room.

        Blocks only briefly on the intake mutex.

        Raises:
            QueueFull: *queue_size* jobs already wait (jobs being run do not
                count).
            ShuttingDown: ``shutdown`` has begun.

        Go: ``select { case jobs <- job: default: return ErrQueueFull }``
        """
        try:
            self._offer(job)
        except QueueFull:
            self._count("refused", f"refused {job}: the queue is full", rejected=1)
            raise

    def submit_with_retry(
        self,
        job: Job,
        max_retries: int,
        base_delay: float = 0.01,
        max_delay: float = 1.0,
        *,
        cancel: Chan | None = None,
    ) -> int:
        """Submit *job*, retrying on ``QueueFull`` up to *max_retries* times.

        Waits ``base_delay``, then twice as long each time, capped at
        ``max_delay`` (runtime clock), between attempts: this blocks the
        caller. A wait ends early when shutdown begins (the next attempt
        raises ``ShuttingDown``) or when the *cancel* channel (e.g.
        ``ctx.done()``) is closed.

        Returns:
            How many retries it took (0: accepted at the first attempt).

        Raises:
            QueueFull: still full after the last retry (or *cancel* closed).
            ShuttingDown: ``shutdown`` has begun.
            ValueError: a negative argument.
        """
        if max_retries < 0 or base_delay < 0 or max_delay < 0:
            raise ValueError("max_retries, base_delay and max_delay must not be negative")
        delays = backoff_delays(max_retries, base_delay, max_delay)
        for retries in range(max_retries + 1):
            try:
                self._offer(job)
                return retries
            except QueueFull:
                if retries == max_retries:
                    break
                self._count("full", f"queue full: {job} backs off {delays[retries]:g} s")
            i, _, _ = select(Recv(self._closing_ch), Recv(cancel), Recv(after(delays[retries])))
            if i == 1:  # canceled: give up now
                break
            self._count("retry", f"{job} tries again (retry {retries + 1})", retried=1)
        self._count("refused", f"refused {job} after {retries} retries", rejected=1)
        raise QueueFull(f"job {job.id}: queue still full after {retries} retries")

    def _offer(self, job: Job) -> None:
        with self._intake:
            if self._closing:
                raise ShuttingDown("worker pool is shutting down")
            # Non-blocking, and under _intake: shutdown cannot close jobs meanwhile.
            i, _, _ = select(Send(self._jobs, job), default=True)
            if i != 0:
                raise QueueFull(f"queue full: {self.queue_size} jobs waiting")
            self._count("accepted", f"accepted {job}", accepted=1)

    # -- workers -------------------------------------------------------------

    def _work(self, me: str) -> None:
        try:
            while True:
                i, job, ok = select(Recv(self._jobs), Recv(self._kill))
                if i == 1 or not ok:  # killed, or jobs closed and drained
                    return
                self._count("took", f"{me} took {job}", busy=1)
                try:
                    result = Result(job.id, self._handler(job), None, me)
                except Exception as exc:  # the handler's failure is the job's result
                    result = Result(job.id, None, exc, me)
                # Waits only for the forwarder's next turn, never for the reader.
                self._finished.send(result)
                if result.error is None:
                    self._count("done", f"{me} finished {job}", busy=-1, completed=1)
                else:
                    self._count("failed", f"{me}: {job} failed", busy=-1, failed=1)
        finally:
            self._count("worker left", f"{me} returned", workers=-1)
            self._wg.done()

    def kill_worker(self) -> bool:
        """Make one worker stop once it is idle; the others carry on.

        For the lesson's fault injection. The last worker is never killed
        (the accepted jobs need one), nor any after shutdown began.

        Returns:
            True if a worker will stop.
        """
        with self._intake:
            if self._closing or self._kill_budget == 0:
                return False
            self._kill_budget -= 1
            self._kill.send(None)  # never blocks: at most workers - 1 tokens, capacity workers
            return True

    # -- results and shutdown -------------------------------------------------

    def results(self) -> Chan:
        """The channel of :class:`Result` values, one per accepted job.

        Closed after shutdown, once every result is in it: ``for r in
        pool.results():`` then ends.
        """
        return self._results

    def done(self) -> Chan:
        """A channel closed once shutdown has finished: every worker has returned and
        the results that fit are in ``results`` (closed, unless more wait for a reader)."""
        return self._flushed

    def shutdown(self, timeout: float | None = None) -> None:
        """Stop intake, let the workers finish every accepted job, close ``results``.

        Blocks until the workers are done, at most *timeout* runtime seconds
        (None: as long as it takes); it never waits for a reader of
        ``results``. When every result fits in ``results``, it is closed
        before this returns; otherwise it closes after the reader has taken
        the backlog. Calling it again waits again. Must not be called from a
        handler (it would wait for itself).

        Raises:
            ShutdownTimeout: the workers were still busy after *timeout*; they
                go on, and ``results`` is closed when they are done.

        Go: ``close(jobs); wg.Wait(); close(results)``
        """
        self._stop_intake()
        timer = None if timeout is None else after(max(timeout, 0.0))
        i, _, _ = select(Recv(self._flushed), Recv(timer))
        if i == 1 and select(Recv(self._flushed), default=True)[0] != 0:
            s = self.statistics()
            raise ShutdownTimeout(
                f"workers still busy after {timeout:g} s: {s.busy} running, {s.queued} queued"
            )

    def _stop_intake(self) -> None:
        with self._intake:
            if self._closing:
                return
            self._closing = True
            # Safe: no submit holds _intake, and every later one sees _closing.
            self._jobs.close()
            self._closing_ch.close()
            self._count("draining", "shutdown: no new jobs; workers finish the queue", "draining")

    def _close_finished(self) -> None:
        # Go: go func() { wg.Wait(); close(finished) }()
        self._wg.wait()
        self._finished.close()

    def _forward(self) -> None:
        """Move results from the workers to the reader through an unbounded backlog."""
        backlog: deque[Result] = deque()
        finished: Chan | None = self._finished
        while finished is not None:
            # A nil channel's case is never ready: with no backlog there is nothing to send.
            out = self._results if backlog else None
            i, result, ok = select(Recv(finished), Send(out, backlog[0] if backlog else None))
            if i == 1:
                backlog.popleft()
            elif ok:
                backlog.append(result)
            else:
                finished = None  # every worker has returned
            self._backlog = len(backlog)
        # Put in what fits now; shutdown waits for no reader.
        while backlog and select(Send(self._results, backlog[0]), default=True)[0] == 0:
            backlog.popleft()
        self._backlog = len(backlog)
        self._count("stopped", "every accepted job has its result", "stopped")
        if backlog:
            self._flushed.close()
            for result in backlog:  # the rest as the reader takes them
                self._results.send(result)
                self._backlog -= 1
            self._results.close()
        else:
            self._results.close()  # before flushed: shutdown returns with results closed
            self._flushed.close()

    def statistics(self) -> PoolStats:
        """Counters and gauges of the pool. Never blocks."""
        with self._count_lock:
            c = dict(self._counts)
        return PoolStats(
            queued=len(self._jobs),
            unread=len(self._results) + self._backlog,
            closing=self._closing,
            **c,
        )

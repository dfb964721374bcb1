"""Lesson "panic-ends-program": a worker pool whose job panics.

A producer sends a batch of jobs to a crew of workers; main collects the
results, counts them and starts the next batch. One job of each batch
panics. In Go an unrecovered panic in *any* goroutine ends the whole
program: every other goroutine stops where it is, Go prints ``panic:`` and
the panicking goroutine, and the process exits with status 2.

Broken, the workers do not recover: the first panic ends the lesson's
program, with Go's text. Correct, each job runs under a deferred
``recover`` that turns its panic into an error result, and the pool goes on.

The lesson plays Go's runtime too: every goroutine of the program runs
under :meth:`PanicEndsProgram._go_runtime`, which, as Go's runtime does,
ends the program when a panic leaves a goroutine (the goroutine still dies
of it: the panic is re-raised, traced and recorded).

Go (correct)::

    func safeProcess(j Job) (r Result) {
        defer func() {
            if p := recover(); p != nil {
                r = Result{ID: j.ID, Err: fmt.Errorf("panic: %v", p)}
            }
        }()
        return process(j)
    }
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from core import runtime
from core.runtime import Chan, Once, Panic, Recv, Send, WaitGroup, context, select
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param

__all__ = ["Job", "PanicEndsProgram", "Result"]

_SAMPLE = 0.25  # runtime seconds between samples of the workers alive
_REST = 1.0  # runtime seconds between two batches
BAD_INPUT = "bad input"  # the poisoned job's panic: panic(fmt.Sprintf("job %d: bad input", id))
NIL_MAP = "assignment to entry in nil map"  # Go's runtime error for m[k] = v on a nil map


@dataclass(frozen=True)
class Job:
    """One job of a batch; *poison* is how it panics ("" for a good job)."""

    id: int
    poison: str = ""

    def __str__(self) -> str:
        return f"Job {self.id}" + (" (poisoned)" if self.poison else "")


@dataclass(frozen=True)
class Result:
    """A job's result: its value, or the error its recovered panic became."""

    id: int
    value: int = 0
    err: str = ""

    def __str__(self) -> str:
        return f"Result {self.id} " + ("error" if self.err else "ok")


class PanicEndsProgram(Scenario):
    """A worker pool; one job panics; recovered or the end of the program."""

    id = "panic-ends-program"
    title = "A panic ends the program"
    chapter = "Pitfalls"
    summary = (
        "One job of a worker pool panics. Unrecovered, the whole program dies with Go's text "
        "and exit status 2; with a deferred recover per job the panic becomes an error result."
    )
    params: ClassVar[tuple[Param, ...]] = (
        variant_param(
            "correct: each job runs under a deferred recover that turns a panic into an error "
            "result; broken: no recover, so the first panic ends the whole program",
        ),
        Param("workers", int, 3, "Worker goroutines", minimum=1, maximum=8, unit="goroutines"),
        Param("jobs", int, 12, "Jobs in a batch", minimum=1, maximum=50, unit="jobs"),
        Param(
            "poison_job",
            int,
            6,
            "The job of each batch that panics (0, or more than the batch's jobs: none)",
            minimum=0,
            maximum=50,
            unit="in the batch",
            label="Job that panics",
        ),
        Param(
            "job_time",
            float,
            0.3,
            "Time a worker spends on one job (random, ±50 %)",
            minimum=0.05,
            maximum=2.0,
            unit="s",
        ),
    )
    actions: ClassVar[tuple[Action, ...]] = (
        Action(
            "poison",
            "Poison a job",
            "The next job sent panics with 'job N: bad input' (Go: panic(...))",
        ),
        Action(
            "nil-map",
            "Nil map write",
            "The next job sent writes to a nil map: Go's runtime error "
            "'assignment to entry in nil map', a panic too",
        ),
    )
    metrics: ClassVar[tuple[Metric, ...]] = (
        Metric("done", "jobs", "Jobs that gave a result since the start"),
        Metric("errors", "jobs", "Jobs whose panic was recovered into an error result"),
        Metric("workers", "goroutines", "Worker goroutines alive (0 once the program ended)"),
    )
    source_modules = ("core.scenarios.panic_ends_program",)
    plumbing = ("crashed", "exit once", "producer wg")

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._lock = threading.Lock()  # guards the fields below
        self._poison_next = ""  # the next job sent is poisoned so (an action)
        self._crash: tuple[runtime.Goroutine, BaseException] | None = None
        self._alive = 0  # workers alive
        self._done = 0  # jobs that gave a result
        self._errors = 0  # of which recovered panics
        self._end_program: Any = lambda: None  # cancels the program (set by run)
        self.exit_text = ""  # Go's last words once the program ended ("" while it runs)

    @property
    def panic_ends_program(self) -> bool:
        return self.broken  # correct: every panic is recovered into an error

    # -- Go's runtime, played by the lesson -------------------------------------

    def _go_runtime(self, crashed: Chan, once: Once, fn: Any, *args: Any) -> None:
        """Run ``fn(*args)`` as Go runs every goroutine: a panic that leaves it ends the program.

        The goroutine still dies of the panic (it is re-raised: traced, recorded
        in ``runtime.panics``); closing *crashed* tells the program's main at
        once that the process is over. Never part of the lesson's Go code.
        """
        try:
            fn(*args)
        except Exception as exc:
            with self._lock:
                if self._crash is None:
                    g = runtime.current()
                    assert g is not None  # it runs as a goroutine's function (WaitGroup.go)
                    self._crash = (g, exc)
            once.do(crashed.close)
            raise

    # -- the story ----------------------------------------------------------------

    def run(self, ctx: context.Context) -> None:
        """Batch after batch until *ctx* ends, or until a panic ends the program."""
        if self.broken:
            self.note(
                "BROKEN VARIANT: the workers do not recover. The first job that panics ends "
                "the whole program, as in Go: every goroutine stops, exit status 2."
            )
        else:
            self.note(
                "Each job runs under a deferred recover: a panic becomes the job's error "
                "result, and the worker takes the next job."
            )
        # The program: cancelling it is how the lesson stops every goroutine at once.
        program, exit_ = context.with_cancel(ctx, name="program")
        self._end_program = exit_
        crashed = Chan(0, name="crashed")
        once = Once(name="exit once")
        self.record_many(done=0, errors=0, workers=0)
        sampler = WaitGroup(name="sampler")
        sampler.go(self._sample, program, name="metrics")
        # The pool lives as long as the program: one jobs channel, one results channel.
        jobs = Chan(0, name="jobs")
        results = Chan(0, name="results")
        workers = WaitGroup(name="workers")
        for k in range(1, self["workers"] + 1):
            workers.go(
                self._go_runtime, crashed, once, self._worker, program, jobs, results,
                name=f"worker-{k}",
            )  # fmt: skip
        self.ctx = ctx
        batch = 0
        try:
            while program.err() is None:
                batch += 1
                got = self._batch(program, jobs, results, crashed, once)
                if got is None:
                    break  # the program ended
                ok, failed = got
                self.note(f"batch {batch}: {ok} jobs done, {failed} recovered into an error")
                if not self.nap(program, _REST, name="between batches"):
                    break
        finally:
            # Go's process is gone at once; here every goroutine returns at its next
            # runtime operation (each selects on the program's end, or naps on it).
            exit_()
            workers.wait()
            sampler.wait()
        crash = self._crash
        if crash is not None:
            crash[0].join(1.0)  # it has died of its panic: recorded and traced
            self._exit(*crash)

    def _batch(
        self, program: context.Context, jobs: Chan, results: Chan, crashed: Chan, once: Once
    ) -> tuple[int, int] | None:
        """One batch: a producer sends its jobs, main counts their results.

        Returns (jobs done, jobs failed), or None once the program ended (a
        panic, or the lesson's end). Blocks until the batch's producer has returned.
        """
        producer = WaitGroup(name="producer wg")
        producer.go(self._go_runtime, crashed, once, self._produce, program, jobs, name="producer")
        ok = failed = 0
        ended = False
        while ok + failed < self["jobs"]:  # Go: for range n { r := <-results ... }
            i, r, _ = select(Recv(results), Recv(crashed), Recv(program.done()))
            if i != 0:
                ended = True
                break
            if r.err:
                failed += 1
                self.note(f"job {r.id}: {r.err}: recovered into an error; the worker goes on")
            else:
                ok += 1
            self._count(ok=r.err == "")
        if ended:
            self._end_program()
        producer.wait()
        return None if ended else (ok, failed)

    def _count(self, ok: bool) -> None:
        with self._lock:
            self._done += 1
            if not ok:
                self._errors += 1
            done, errors = self._done, self._errors
        self.record_many(done=done, errors=errors)

    def _exit(self, g: runtime.Goroutine, exc: BaseException) -> None:
        """Say how the program ended, in Go's words, and publish the final counts."""
        head = f"panic: {exc}" if isinstance(exc, Panic) else f"panic: {type(exc).__name__}: {exc}"
        frames = f"goroutine {g.id} [running]:\nmain.process(...)"
        self.exit_text = f"{head}\n\n{frames}\n\nexit status 2"
        with self._lock:
            done, errors = self._done, self._errors
        self.record_many(done=done, errors=errors, workers=0)
        self.note(
            f"{head} | goroutine {g.id} [running]: {g.name} | exit status 2. The whole program "
            f"ended: {done} jobs done, the rest never ran. Recover inside each job to survive."
        )

    # -- the goroutines -------------------------------------------------------------

    def _produce(self, program: context.Context, jobs: Chan) -> None:
        """Send one batch's jobs. Go: ``for k := 1; k <= n; k++ { jobs <- Job{...} }``"""
        for k in range(1, self["jobs"] + 1):
            with self._lock:
                poison, self._poison_next = self._poison_next, ""
            if not poison and k == self["poison_job"]:
                poison = BAD_INPUT
            i, _, _ = select(Send(jobs, Job(k, poison)), Recv(program.done()))
            if i != 0:
                return

    def _worker(self, program: context.Context, jobs: Chan, results: Chan) -> None:
        """Take jobs until the program ends; send each one's result.

        Broken, a job's panic leaves the worker: the program ends. Correct,
        :meth:`_safe_process` recovers it into an error result.
        """
        with self._lock:
            self._alive += 1
        try:
            while True:
                i, job, _ = select(Recv(jobs), Recv(program.done()))
                if i != 0:
                    return
                # BROKEN: no recover, so a panic in _process leaves the worker and ends the program
                process = self._process if self.broken else self._safe_process
                r = process(program, job)
                if r is None:
                    return  # the program ended during the job
                if select(Send(results, r), Recv(program.done()))[0] != 0:
                    return
        finally:
            with self._lock:
                self._alive -= 1

    def _process(self, program: context.Context, job: Job) -> Result | None:
        """Do *job*; None if the program ended meanwhile.

        Raises:
            Panic: "job N: bad input" for a poisoned job, or "assignment to
                entry in nil map" for a job that writes to a nil map.
        """
        work = self["job_time"] * self.rng.uniform(0.5, 1.5)
        if not self.nap(program, work, name=f"job {job.id}"):
            return None
        if job.poison == NIL_MAP:
            raise Panic(NIL_MAP)  # Go: var m map[string]int; m["k"] = 1
        if job.poison:
            raise Panic(f"job {job.id}: {job.poison}")  # Go: panic(fmt.Sprintf(...))
        return Result(job.id, job.id * job.id)

    def _safe_process(self, program: context.Context, job: Job) -> Result | None:
        """:meth:`_process` under a deferred recover: a panic becomes an error result.

        Go::

            func safeProcess(j Job) (r Result) {
                defer func() {
                    if p := recover(); p != nil {
                        r = Result{ID: j.ID, Err: fmt.Errorf("panic: %v", p)}
                    }
                }()
                return process(j)
            }
        """
        try:
            return self._process(program, job)
        except Panic as p:  # Go: recover() (a Fatal or Goexit is never recovered)
            return Result(job.id, err=f"panic: {p}")

    def _sample(self, program: context.Context) -> None:
        for _ in self.ticks(program, _SAMPLE):
            with self._lock:
                alive = self._alive
            self.record("workers", alive)

    # -- teacher actions ---------------------------------------------------------

    def _poison(self, how: str, text: str) -> None:
        if not self.started():
            return
        if self.exit_text:
            self.note("The program has ended: press Play to run it again.")
            return
        with self._lock:
            self._poison_next = how
        self.note(text)

    def on_poison(self) -> None:
        self._poison("bad input", "The next job sent is poisoned: it panics with 'bad input'.")

    def on_nil_map(self) -> None:
        self._poison(NIL_MAP, "The next job sent writes to a nil map: Go's runtime panics.")

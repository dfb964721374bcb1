"""Lesson "errgroup-semaphore": tasks run with a limit; the first error cancels the rest.

Each round starts *tasks* goroutines in an errgroup made with
``with_context``. A :class:`~core.patterns.errgroup.Semaphore` (a buffered
channel) lets at most *limit* of them work at once: the others wait in a
channel send. When one task fails, the group's context is cancelled: the
tasks still working or waiting see ``ctx.done()`` and stop early, and
``wait()`` returns that first error.

Go (``golang.org/x/sync/errgroup``)::

    g, ctx := errgroup.WithContext(ctx)
    sem := make(chan struct{}, limit)
    for _, t := range tasks {
        g.Go(func() error {
            select {
            case sem <- struct{}{}:
            case <-ctx.Done():
                return ctx.Err()
            }
            defer func() { <-sem }()
            return t.Run(ctx)
        })
    }
    err := g.Wait() // the first error; the others were cancelled
"""

from __future__ import annotations

from core.patterns.errgroup import Semaphore, with_context
from core.runtime import AtomicInt64, Chan, Mutex, Recv, Timer, after, context, select
from core.runtime.context import ContextError
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._pacing import try_send

__all__ = ["ErrgroupSemaphoreLesson", "TaskFailed"]

NEXT_ROUND_AFTER = 3.0  # runtime seconds between two rounds (unless "new-round")


class TaskFailed(Exception):
    """A task of the round failed."""


class ErrgroupSemaphoreLesson(Scenario):
    """Rounds of tasks in an errgroup, at most a limit at once; the first error cancels the rest."""

    id = "errgroup-semaphore"
    title = "errgroup and a semaphore: a limit, and cancel on the first error"
    chapter = "Production patterns"
    summary = (
        "Tasks run in an errgroup, at most limit at once (a channel semaphore). When one "
        "fails, the group's context is cancelled and the others stop early."
    )
    params = (
        Param("tasks", int, 10, "Tasks started in each round", minimum=1, maximum=30, unit="tasks"),
        Param(
            "limit",
            int,
            3,
            "Tasks allowed to work at the same time (semaphore slots)",
            minimum=1,
            maximum=10,
            unit="tasks",
        ),
        Param(
            "failure_probability",
            int,
            5,
            "Chance that a task fails at the end of its work",
            minimum=0,
            maximum=100,
            unit="%",
        ),
        Param(
            "task_time", float, 0.6, "Average time a task works", minimum=0.1, maximum=3.0, unit="s"
        ),
    )
    actions = (
        Action(
            "fail-one",
            "Fail one",
            "One working task fails now: the group's context cancels the others",
        ),
        Action("new-round", "New round", "Start a new round as soon as the current one is over"),
    )
    metrics = (
        Metric("running", "tasks", "Tasks holding a semaphore slot (never above the limit)"),
        Metric("completed", "tasks", "Tasks that finished their work, since the start"),
        Metric(
            "cancelled",
            "tasks",
            "Tasks stopped early because the group's context was cancelled, since the start",
        ),
        Metric("failed", "tasks", "Tasks that failed, since the start"),
    )
    # each round's group keeps a WaitGroup and a Once of its own: the stage draws the group
    plumbing = ("round-*.wg", "round-*.err", "round-*.err.*")
    source_modules = ("core.patterns.errgroup", "core.scenarios.errgroup_semaphore")

    def run(self, ctx: context.Context) -> None:
        """Run rounds until *ctx* is done (each round waits for all its tasks)."""
        self._mu = Mutex(name="lesson.mu")
        self._fail: Chan | None = None  # the running round's fail channel; guarded by self._mu
        self._running = AtomicInt64(name="running")
        self._completed = AtomicInt64(name="completed")
        self._cancelled = AtomicInt64(name="cancelled")
        self._failed = AtomicInt64(name="failed")
        self._new_round = Chan(1, name="new-round")
        self.record_many(running=0, completed=0, cancelled=0, failed=0)
        self.ctx = ctx  # ready: the actions may run from now on
        number = 0
        while ctx.err() is None:
            number += 1
            self._round(ctx, number)
            i, _, _ = select(Recv(ctx.done()), Recv(self._new_round), Recv(after(NEXT_ROUND_AFTER)))
            if i == 0:
                return

    def _round(self, ctx: context.Context, number: int) -> None:
        group, gctx = with_context(ctx, name=f"round-{number}")
        slots = Semaphore(self["limit"], name="slots")
        fail = Chan(1, name="fail")
        with self._mu:
            self._fail = fail
        before = (self._completed.load(), self._cancelled.load())
        for k in range(1, self["tasks"] + 1):
            group.go(self._task, gctx, slots, fail, k, name=f"task-{k}")
        err = group.wait()
        with self._mu:
            self._fail = None
        if ctx.err() is not None:
            return
        completed = self._completed.load() - before[0]
        cancelled = self._cancelled.load() - before[1]
        if err is None:
            self.note(f"Round {number}: all {completed} tasks completed; wait() returned nil.")
        else:
            self.note(
                f"Round {number}: wait() returned the first error ({err}). It cancelled "
                f"the group's context: {cancelled} tasks stopped early, {completed} "
                "had completed."
            )

    def _task(self, ctx: context.Context, slots: Semaphore, fail: Chan, k: int) -> None:
        try:
            slots.acquire(ctx)  # a channel send; waits while `limit` tasks work
        except ContextError:
            self.record("cancelled", self._cancelled.add(1))
            raise
        try:
            self.record("running", self._running.add(1))
            work = Timer(self["task_time"] * self.rng.uniform(0.5, 1.5), name=f"task-{k}.work")
            try:
                i, _, _ = select(Recv(ctx.done()), Recv(work.c), Recv(fail))
            finally:
                work.stop()
            if i == 0:
                self.record("cancelled", self._cancelled.add(1))
                err = ctx.err()
                assert err is not None  # its done channel was closed: ctx has ended
                raise err
            if i == 2 or self.rng.random() * 100 < self["failure_probability"]:
                self.record("failed", self._failed.add(1))
                raise TaskFailed(f"task-{k} failed")
            self.record("completed", self._completed.add(1))
        finally:
            # Leave the count before the slot: running never exceeds the limit.
            self.record("running", self._running.add(-1))
            slots.release()

    # -- the teacher's actions ---------------------------------------------------

    def on_fail_one(self) -> None:
        if not self.started():
            return
        with self._mu:
            fail = self._fail
        if fail is None:
            self.note("No round is running: nothing to fail.")
            return
        if try_send(fail, "fail"):
            self.note("The next working task to look fails: watch the others get cancelled.")
        else:
            self.note("A failure is already on its way.")

    def on_new_round(self) -> None:
        if not self.started():
            return
        if try_send(self._new_round, "go"):
            self.note("A new round starts as soon as the current one is over.")
        else:
            self.note("A new round is already requested.")

"""Lesson "pipeline": generator -> square -> fan-out to workers -> merge -> sink.

Each stage is a goroutine joined to the next by a channel. The slow work is
fanned out to several workers, whose outputs are merged back into one
channel. Cancelling the context stops the whole pipeline, and no goroutine
is left blocked: every send and receive is a ``select`` with ``ctx.done()``.
A slow stage shows that a pipeline runs at the pace of its slowest stage.

Go (go.dev/blog/pipelines)::

    ctx, cancel := context.WithCancel(context.Background())
    defer cancel()
    in := gen(ctx, nums...)
    sq := square(ctx, in)
    c1, c2, c3 := work(ctx, sq), work(ctx, sq), work(ctx, sq)
    for v := range merge(ctx, c1, c2, c3) {
        fmt.Println(v)
    }
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from core.patterns.backoff import sleep_ctx
from core.patterns.pipeline import fan_out, generate, merge, stage
from core.runtime import AtomicInt64, Mutex, Recv, WaitGroup, context, select
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._pacing import RATE_WINDOW, Rates

__all__ = ["PipelineLesson"]

SAMPLE = 0.25  # runtime seconds between two metric samples
SLOW_SQUARE = 0.25  # runtime seconds the square stage takes per item when slowed
RESTART_AFTER = 1.5  # runtime seconds between a cancel and the next pipeline


class PipelineLesson(Scenario):
    """Stages joined by channels, fanned out and in, cancelled together by one context."""

    id = "pipeline"
    title = "Pipeline: stages, fan-out, fan-in, cancellation"
    chapter = "Production patterns"
    summary = (
        "Numbers flow through a generator, a square stage and a pool of workers merged into "
        "a sink. Cancel the context: every stage stops and no goroutine is left blocked."
    )
    params = (
        Param(
            "workers",
            int,
            3,
            "Worker goroutines the slow stage fans out to",
            minimum=1,
            maximum=8,
            unit="goroutines",
        ),
        Param(
            "stage_delay",
            float,
            0.2,
            "Time a worker spends on one item",
            minimum=0.0,
            maximum=2.0,
            unit="s",
        ),
        Param(
            "items_per_s",
            float,
            10.0,
            "Items the generator emits per runtime second",
            minimum=1.0,
            maximum=50.0,
            unit="items/s",
        ),
    )
    actions = (
        Action(
            "cancel",
            "Cancel",
            "Cancel the pipeline's context: every stage returns, none stays blocked; "
            f"a new pipeline starts {RESTART_AFTER:g} s later",
        ),
        Action(
            "slow-stage",
            "Slow stage on/off",
            f"The square stage (one goroutine) takes {SLOW_SQUARE:g} s per item: "
            "it becomes the bottleneck",
        ),
    )
    metrics = (
        Metric(
            "throughput",
            "items/s",
            "Items that reached the sink, per runtime second, "
            f"over the last {RATE_WINDOW:g} s, smoothed",
        ),
        Metric(
            "in_flight_square",
            "items",
            "Items the square stage took that no worker has taken yet: 0 while the workers "
            "keep up, 1 while the square stage holds one (Slow stage, or every worker busy)",
        ),
        Metric(
            "in_flight_workers",
            "items",
            "Items the workers took that have not reached the sink yet",
        ),
    )
    source_modules = ("core.patterns.pipeline", "core.scenarios.pipeline")
    # generate -> square -> fan-out to the workers -> fan-in (merge) -> sink, each
    # stage and its out channel a column, as the walkthrough draws a pipeline.
    lanes = (
        ("generate",),
        ("generate.out",),
        ("square",),
        ("square.out",),
        ("worker-*",),
        ("worker-*.out",),
        ("merge-*",),
        ("merge.out",),
        ("sink",),
    )

    def run(self, ctx: context.Context) -> None:
        """Build a pipeline, sample it; after a cancel, check it ended, build the next."""
        self._mu = Mutex(name="lesson.mu")
        self._cancel: Callable[[], None] | None = None  # guarded by self._mu
        self._slow = False  # guarded by self._mu
        self.ctx = ctx  # ready: the actions may run from now on
        while ctx.err() is None:
            # Counters of this pipeline (items lost by a cancel must not count
            # as in flight in the next one).
            self._squared = AtomicInt64(name="squared")  # items that entered the square stage
            self._worked = AtomicInt64(name="worked")  # items that entered a worker
            self._sunk = AtomicInt64(name="sunk")  # items that reached the sink
            pctx, cancel = context.with_cancel(ctx)
            with self._mu:
                self._cancel = cancel
            goroutines = WaitGroup(name="pipeline")
            self._build(pctx, goroutines)
            try:
                self._sample(pctx)
            finally:
                cancel()
                goroutines.wait()  # every stage returned: nothing is left blocked
                with self._mu:
                    self._cancel = None
            if ctx.err() is not None:
                return
            self.note(
                f"Pipeline cancelled: all {self['workers'] * 2 + 4} of its goroutines "
                f"returned, none is left blocked. A new one starts in {RESTART_AFTER:g} s."
            )
            if not self.nap(ctx, RESTART_AFTER, name="restart"):
                return

    def _build(self, ctx: context.Context, wg: WaitGroup) -> None:
        numbers = generate(
            ctx, itertools.count(1), name="generate", interval=1.0 / self["items_per_s"], wg=wg
        )
        squares = stage(ctx, numbers, lambda n: self._square(ctx, n), "square", wg=wg)
        outs = fan_out(
            ctx, squares, lambda v: self._work(ctx, v), self["workers"], name="worker", wg=wg
        )
        results = merge(ctx, *outs, name="merge", wg=wg)
        wg.go(self._sink, ctx, results, name="sink")

    def _square(self, ctx: context.Context, n: int) -> int:
        self._squared.add(1)
        with self._mu:
            slow = self._slow
        if slow:
            sleep_ctx(ctx, SLOW_SQUARE)
        return n * n

    def _work(self, ctx: context.Context, v: int) -> int:
        self._worked.add(1)
        sleep_ctx(ctx, self["stage_delay"])
        return v

    def _sink(self, ctx: context.Context, results: Any) -> None:
        while True:
            i, _, ok = select(Recv(results), Recv(ctx.done()))
            if i == 1 or not ok:
                return
            self._sunk.add(1)

    def _sample(self, ctx: context.Context) -> None:
        rates = Rates()
        for t in self.ticks(ctx, SAMPLE):
            squared, worked, sunk = self._squared.load(), self._worked.load(), self._sunk.load()
            self.record_many(
                **rates.update(t, throughput=sunk),
                in_flight_square=max(0, squared - worked),
                in_flight_workers=max(0, worked - sunk),
            )

    # -- the teacher's actions ---------------------------------------------------

    def on_cancel(self) -> None:
        if not self.started():
            return
        with self._mu:
            cancel = self._cancel
        if cancel is None:
            self.note("No pipeline is running: a new one starts shortly.")
            return
        cancel()
        self.note("cancel(): ctx.Done() is closed; every stage's select sees it and returns.")

    def on_slow_stage(self) -> None:
        if not self.started():
            return
        with self._mu:
            self._slow = not self._slow
            slow = self._slow
        if slow:
            self.note(
                f"The square stage now takes {SLOW_SQUARE:g} s per item: throughput "
                f"drops to {1 / SLOW_SQUARE:g} items/s however many workers wait."
            )
        else:
            self.note("The square stage is fast again.")

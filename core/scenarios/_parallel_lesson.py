"""Lessons "parallel-waitgroup" and "parallel-channels": one batch, many goroutines.

Both process batches of items with a
:class:`~core.patterns.parallel.ParallelProcessor` and keep the input order.
"parallel-waitgroup" runs ``workers`` goroutines over a jobs channel and
waits on a WaitGroup; "parallel-channels" starts a goroutine per item, lets
at most ``workers`` of them work at once (a semaphore channel) and collects
the results from a results channel. The teacher can make one item a
straggler (the whole batch waits for it) or make one fail (the batch ends
with that error, after every goroutine finished).

The broken variant of "parallel-channels" is the classic leak: an
unbuffered results channel and a collector that returns at the first
error; the goroutines still running block forever on their send.

Go::

    results := make(chan result, len(items))
    for i, it := range items {
        go func(i int, it Item) { results <- result{i, fn(it)} }(i, it)
    }
    for range items {
        r := <-results
        out[r.i] = r.v
    }
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from core.patterns.parallel import ParallelProcessor, Result
from core.runtime import AtomicInt64, Chan, context, go, now
from core.scenarios._base import Action, Metric, Param, Scenario

__all__ = [
    "REST",
    "SAMPLE",
    "STRAGGLER_FACTOR",
    "WINDOW",
    "ItemFailed",
    "ParallelLesson",
    "leaky_process_with_channels",
]

STRAGGLER_FACTOR = 5  # a straggler takes this many times the work time
REST = 1.0  # runtime seconds between two batches
SAMPLE = 0.25  # runtime seconds between two metric samples
WINDOW = 1.0  # runtime seconds over which the throughput is measured


class ItemFailed(Exception):
    """The item the teacher made fail."""


def leaky_process_with_channels(
    items: list[Any], fn: Callable[[Any], Any], workers: int
) -> list[Any]:
    """The mistake: an unbuffered results channel and an early return on error.

    Like ``ParallelProcessor.process_with_channels`` (a goroutine per item, at
    most *workers* in ``fn``), but each sends ``(index, value, error)`` on an
    unbuffered channel and the collector raises at the first error without
    receiving the rest: every goroutine that has not sent yet blocks forever
    on "chan send". Leaked goroutines.

    Go (the mistake)::

        results := make(chan result) // unbuffered
        for range items {
            r := <-results
            if r.err != nil {
                return nil, r.err // the other senders wait forever
            }
        }
    """
    sem = Chan(workers, name="sem")
    results = Chan(name="results")  # unbuffered: each send waits for the collector

    def one(i: int) -> None:
        value, error = None, None
        sem.send(None)
        try:
            value = fn(items[i])
        except Exception as exc:  # BaseException (Goexit) must unwind
            error = exc
        finally:
            sem.recv()
        results.send(Result(i, value, error))

    for i in range(len(items)):
        go(one, i, name=f"item-{i}")
    out: list[Any] = [None] * len(items)
    for _ in range(len(items)):
        (i, value, error), _ok = results.recv()
        if error is not None:
            raise error
        out[i] = value
    return out


class ParallelLesson(Scenario):
    """What the two lessons share: batches, work items, metrics and actions.

    ``run`` processes batch after batch; every work item watches the lesson's
    context, so a batch ends promptly (with ``Canceled``) when the lesson does.
    """

    chapter = "Aggregation"

    params: ClassVar[tuple[Param, ...]] = (
        Param("items", int, 12, "Items in each batch", minimum=1, maximum=60, unit="items"),
        Param(
            "workers",
            int,
            3,
            "Most calls of the work function running at once",
            minimum=1,
            maximum=16,
            unit="goroutines",
        ),
        Param(
            "work_time",
            int,
            300,
            "Time one item takes on average (each varies by ±50%)",
            minimum=20,
            maximum=3000,
            unit="ms",
        ),
    )
    actions = (
        Action(
            "slow-item",
            "Straggler",
            f"The next item to start takes {STRAGGLER_FACTOR}x as long: the batch waits for it",
        ),
        Action(
            "fail-item",
            "Failing item",
            "The next item to start raises: the batch stops handing out work, waits for "
            "its goroutines, then reports the error",
        ),
    )
    metrics = (
        Metric("done", "items", "Items processed since the start"),
        Metric("in_flight", "calls", "Calls of the work function running now (at most workers)"),
        Metric("throughput", "items/s", f"Items finished per runtime second, over {WINDOW:g} s"),
        Metric("batch_time", "s", "Runtime seconds the last batch took, start to result"),
    )

    def run(self, ctx: context.Context) -> None:
        """Process batch after batch until *ctx* is done."""
        self._done = AtomicInt64(name="done")
        self._in_flight = AtomicInt64(name="in_flight")
        self._slow_next = AtomicInt64(name="straggler")  # 1: the next item is a straggler
        self._fail_next = AtomicInt64(name="failing")  # 1: the next item fails
        self.ctx = ctx  # ready: the actions may run from now on
        go(self._meter, ctx, name="meter")
        processor = ParallelProcessor(self["workers"], name="batch")
        self.note(self.intro())
        batch = 0
        while ctx.err() is None:
            batch += 1
            work = self._work_fn(ctx)
            t0 = now()
            try:
                results = self.process(processor, list(range(self["items"])), work)
            except context.ContextError:
                return
            except ItemFailed as exc:
                self.note(self.failure_text(batch, exc))
            else:
                in_order = results == [i * i for i in range(self["items"])]
                if batch == 1 or not in_order:
                    self.note(
                        f"Batch {batch}: {len(results)} results, "
                        f"{'in input order' if in_order else 'OUT OF ORDER'}."
                    )
            self.record("batch_time", now() - t0)
            self.nap(ctx, REST, name="rest")

    def intro(self) -> str:
        """What the lesson shows, said once at the start."""
        raise NotImplementedError  # pragma: no cover - each lesson says its own

    def failure_text(self, batch: int, exc: Exception) -> str:
        return (
            f"Batch {batch} failed ({exc}). The error was raised only after every "
            "goroutine of the batch had finished: none is left behind."
        )

    def process(self, processor: ParallelProcessor, items: list[int], fn: Callable) -> list:
        """Process one batch the lesson's way."""
        raise NotImplementedError  # pragma: no cover - each lesson says its own

    def _work_fn(self, ctx: context.Context) -> Callable[[int], int]:
        mean = self["work_time"] / 1000

        def work(item: int) -> int:
            """One item: wait its work time (or until ctx is done), then return item²."""
            self.record("in_flight", self._in_flight.add(1))
            try:
                d = mean * self.rng.uniform(0.5, 1.5)
                if self._slow_next.swap(0):
                    d = mean * STRAGGLER_FACTOR
                if not self.nap(ctx, d, name=f"work-{item}"):
                    err = ctx.err()
                    assert err is not None  # nap returns False only once ctx has ended
                    raise err
                if self._fail_next.swap(0):
                    raise ItemFailed(f"item {item} failed")
                self._done.add(1)
                return item * item
            finally:
                self.record("in_flight", self._in_flight.add(-1))

        return work

    def _meter(self, ctx: context.Context) -> None:
        history = [(now(), 0)]  # (time, done) over the last WINDOW
        for t in self.ticks(ctx, SAMPLE):
            done = self._done.load()
            history.append((t, done))
            while len(history) > 2 and history[1][0] <= t - WINDOW:
                del history[0]
            t0, done0 = history[0]
            self.record_many(done=done, in_flight=self._in_flight.load())
            if t > t0:
                self.record("throughput", (done - done0) / (t - t0))

    # -- the teacher's actions ---------------------------------------------

    def on_slow_item(self) -> None:
        if self.started():
            self._slow_next.store(1)
            self.note(f"The next item takes {STRAGGLER_FACTOR}x as long: the batch waits for it.")

    def on_fail_item(self) -> None:
        if self.started():
            self._fail_next.store(1)
            self.note("The next item will raise ItemFailed.")

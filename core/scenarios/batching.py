"""Lesson "batching": group items by size or by time, lose none.

Producers add items to a :class:`~core.patterns.batcher.Batcher`. Its
goroutine hands them on in batches: as soon as it holds *max_items*, or
*max_wait* after the first item of a batch arrived, whichever comes first.
Busy, batches fill up (flushes by size); quiet, the timer flushes the
partial batch (flushes by time). Closing flushes what is left: items in
always equals items out.

Go::

    b := NewBatcher(maxItems, maxWait, func(batch []Item) { db.InsertMany(batch) })
    for it := range items {
        b.Add(it)
    }
    b.Close() // flushes the last partial batch and waits
"""

from __future__ import annotations

from typing import Any

from core.patterns.batcher import Batcher, BatcherClosed
from core.runtime import AtomicInt64, Mutex, context, now, sleep
from core.scenarios._base import Action, Metric, Param, Scenario

__all__ = ["BatchingLesson"]

SAMPLE = 0.25  # runtime seconds between two metric samples
QUIET = 2.0  # runtime seconds the producers stay silent after "quiet"
BURST_BATCHES = 3  # the "burst" action adds this many full batches at once
WRITE_TIME = 0.05  # runtime seconds one flush takes (a write to a database, say)


class BatchingLesson(Scenario):
    """Producers add items; one goroutine flushes them by size or by time; close loses nothing."""

    id = "batching"
    title = "Batching: flush by size or by time"
    chapter = "Production patterns"
    summary = (
        "Producers add items; a goroutine flushes them in batches when max items are "
        "held or max wait has passed, whichever comes first. Closing loses nothing."
    )
    params = (
        Param(
            "max_items",
            int,
            8,
            "Items that make a full batch (flushed at once)",
            minimum=1,
            maximum=50,
            unit="items",
        ),
        Param(
            "max_wait",
            float,
            0.5,
            "Longest time the first item of a batch waits for its flush",
            minimum=0.05,
            maximum=5.0,
            unit="s",
        ),
        Param(
            "producer_rate",
            float,
            10.0,
            "Items all producers add per runtime second",
            minimum=1.0,
            maximum=100.0,
            unit="items/s",
        ),
        Param("producers", int, 2, "Producer goroutines", minimum=1, maximum=8, unit="goroutines"),
    )
    actions = (
        Action("burst", "Burst", f"Add {BURST_BATCHES} full batches of items at once"),
        Action("quiet", "Quiet", f"The producers stop for {QUIET:g} s: the timer flushes"),
        Action("close", "Close", "Close the batcher: it flushes what it holds; items in = out"),
    )
    metrics = (
        Metric("batch_size", "items", "Items in each batch flushed"),
        Metric("flushes_by_size", "flushes", "Batches flushed because they were full, so far"),
        Metric("flushes_by_time", "flushes", "Batches flushed because max wait passed, so far"),
        Metric("items_in", "items", "Items the producers added, so far"),
        Metric("items_out", "items", "Items handed to flush, so far (catches up with items in)"),
    )
    # the batcher's bookkeeping: the stage draws its pending batch itself (its input
    # channel stays: items queue there while a batch is flushed)
    plumbing = (
        "batcher.done",
        "batcher.closing",
        "batcher.items_in",
        "batcher.stats",
        "batcher.timer",
        "batcher.timer.C",
    )
    source_modules = ("core.patterns.batcher", "core.scenarios.batching")

    def run(self, ctx: context.Context) -> None:
        """Start the batcher and the producers, sample until *ctx* is done, close, wait."""
        self._mu = Mutex(name="quiet")
        self._quiet_until = float("-inf")  # runtime time; guarded by self._mu
        self._seq = AtomicInt64(name="items")
        self._batcher = Batcher(self["max_items"], self["max_wait"], self._flush, name="batcher")
        self.ctx = ctx  # ready: the actions may run from now on
        producers = self.crew(self["producers"], self._producer, ctx, name="producer")
        try:
            for _ in self.ticks(ctx, SAMPLE):
                self._record_counts()
        finally:
            # The producers stop on ctx; close() waits for a send under way,
            # flushes the rest, and ends the batcher's goroutine.
            self._batcher.close()
            producers.wait()
            self._record_counts()  # the final counts: items in == items out

    def _record_counts(self) -> None:
        st = self._batcher.statistics()
        self.record_many(
            flushes_by_size=st.flushes_by_size,
            flushes_by_time=st.flushes_by_time,
            items_in=st.items_in,
            items_out=st.items_out,
        )

    def _flush(self, batch: list[Any]) -> None:
        """Runs in the batcher's goroutine: "writes" the batch."""
        self.record("batch_size", len(batch))
        sleep(WRITE_TIME)  # short and bounded: it also runs in the last flush, after ctx ended

    def _add(self) -> None:
        self._batcher.add(f"item-{self._seq.add(1)}")

    def _producer(self, ctx: context.Context) -> None:
        try:
            for _ in self.paced(ctx, self["producer_rate"] / self["producers"]):
                with self._mu:
                    quiet = now() < self._quiet_until
                if not quiet:
                    self._add()
        except BatcherClosed:
            return

    # -- the teacher's actions ---------------------------------------------------

    def on_burst(self) -> None:
        if not self.started():
            return
        n = BURST_BATCHES * self["max_items"]
        try:
            for _ in range(n):
                self._add()
        except BatcherClosed:
            self.note("The batcher is closed: the burst was refused (BatcherClosed).")
            return
        self.note(f"Burst of {n} items: full batches flush at once, by size.")

    def on_quiet(self) -> None:
        if not self.started():
            return
        with self._mu:
            self._quiet_until = now() + QUIET
        self.note(
            f"Quiet for {QUIET:g} s: the last partial batch waits max wait "
            f"({self['max_wait']:g} s), then the timer flushes it."
        )

    def on_close(self) -> None:
        if not self.started():
            return
        self._batcher.close()
        self._record_counts()
        st = self._batcher.statistics()
        verdict = "none lost" if st.items_in == st.items_out else "ITEMS LOST"
        self.note(
            f"Closed: the last batch was flushed. Items in {st.items_in}, items out "
            f"{st.items_out}: {verdict}."
        )

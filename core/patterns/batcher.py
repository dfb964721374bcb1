"""Batching: collect items and hand them on in groups, by size or by time.

Writing items one by one to a database or a network is slow; writing them
in batches is fast, but an item must not wait for ever for its batch to
fill. A :class:`Batcher` goroutine receives items from a buffered channel
and calls ``flush(batch)`` when it holds *max_items*, or when *max_wait*
runtime seconds passed since the first item of the batch arrived, whichever
comes first. One ``Timer`` does the waiting: armed by the first item of a
batch, stopped when the batch is flushed by size (a ``select`` on a nil
channel stands for "no timer" while the batch is empty).

``close()`` stops intake, lets the goroutine flush what it holds, and
waits for it. No item is lost or flushed twice: ``add`` sends while holding
a read lock and ``close`` closes the channel under the write lock, so no
``add`` can ever send on the closed channel.

Go::

    func (b *Batcher) loop() {
        defer close(b.done)
        var batch []Item
        t := time.NewTimer(b.maxWait)
        t.Stop()
        var timeout <-chan time.Time // nil: no batch, no timer
        for {
            select {
            case it, ok := <-b.in:
                if !ok {
                    if len(batch) > 0 { b.flush(batch) }
                    return
                }
                batch = append(batch, it)
                if len(batch) == 1 { t.Reset(b.maxWait); timeout = t.C }
                if len(batch) == b.maxItems {
                    t.Stop(); timeout = nil // Go 1.23+: no drain needed
                    b.flush(batch); batch = nil
                }
            case <-timeout:
                timeout = nil
                b.flush(batch); batch = nil
            }
        }
    }
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.runtime import (
    AtomicInt64,
    Chan,
    Mutex,
    Recv,
    RWMutex,
    Timer,
    go,
    next_object_id,
    now,
    select,
    trace_pattern,
)

__all__ = ["Batcher", "BatcherClosed", "BatcherStats"]


class BatcherClosed(Exception):
    """``add`` was called after ``close``: the item was not taken."""


@dataclass(frozen=True)
class BatcherStats:
    """A snapshot of a batcher's counters.

    ``items_in``: items handed to ``add`` (counted when the send begins, so
    ``items_in >= items_out`` at every instant). ``items_out``: items passed
    to ``flush``. ``pending``: ``items_in - items_out``. Flushes are counted
    by what triggered them; ``flush_errors`` counts ``flush`` calls that
    raised (their items count as out: ``flush`` had them).
    """

    items_in: int
    items_out: int
    pending: int
    flushes_by_size: int
    flushes_by_time: int
    flushes_by_close: int
    flush_errors: int
    last_batch_size: int
    closed: bool


class Batcher:
    """Groups items added from any goroutine and calls ``flush(batch)`` with each group.

    The constructor starts the batching goroutine (named *name*) in the
    caller's runtime. ``flush`` runs in that goroutine, one batch at a time,
    with a new list; while it runs, items queue in the input channel of
    capacity *buffer* (default *max_items*), then ``add`` blocks
    (backpressure). An exception from ``flush`` is counted
    (``flush_errors``, ``last_error``) and the batcher goes on. ``flush``
    must not call ``add`` or ``close`` on its own batcher (it could wait for
    itself for ever).

    Raises:
        ValueError: *max_items* below 1, *max_wait* not positive, *buffer*
            negative.
    """

    def __init__(
        self,
        max_items: int,
        max_wait: float,
        flush: Callable[[list[Any]], Any],
        *,
        buffer: int | None = None,
        name: str = "batcher",
    ) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be >= 1, got {max_items!r}")
        if not max_wait > 0:
            raise ValueError(f"max_wait must be > 0 s, got {max_wait!r}")
        buffer = max_items if buffer is None else buffer
        if buffer < 0:
            raise ValueError(f"buffer must be >= 0, got {buffer!r}")
        self.max_items = max_items
        self.max_wait = float(max_wait)
        self.name = name
        self._flush_fn = flush
        self._in = Chan(buffer, name=f"{name}.in")
        self._done = Chan(name=f"{name}.done")  # closed when the loop has ended
        # add() holds it shared while it sends; close() takes it exclusively
        # to close self._in. So no send can race with the close.
        self._closing = RWMutex(name=f"{name}.closing")
        self._closed = False  # guarded by self._closing
        self._items_in = AtomicInt64(name=f"{name}.items_in")
        self._stats_mu = Mutex(name=f"{name}.stats")
        # Written by the loop goroutine only, under self._stats_mu.
        self._items_out = 0
        self._by = {"size": 0, "time": 0, "close": 0}
        self._flush_errors = 0
        self._last_batch = 0
        self.last_error: Exception | None = None
        self.id = next_object_id()
        self._trace(0, 0.0, "made", f"flushes every {max_items} items or {max_wait:g} s")
        self.goroutine = go(self._loop, name=name)

    # -- producers ------------------------------------------------------------------

    def add(self, item: Any) -> None:
        """Hand *item* to the batcher.

        Blocks while the input buffer is full (the batcher goroutine is busy
        flushing), and while a ``close`` is under way.

        Raises:
            BatcherClosed: the batcher was closed (never ``Panic``).

        Go: ``b.in <- item`` (guarded by the closing lock)
        """
        self._closing.rlock()
        try:
            if self._closed:
                raise BatcherClosed(f"{self.name}: add after close")
            self._items_in.add(1)
            try:
                self._in.send(item)
            except BaseException:
                self._items_in.add(-1)  # stopped by the runtime: never sent
                raise
        finally:
            self._closing.runlock()

    def close(self) -> None:
        """Stop intake, flush what the batcher holds, wait for its goroutine to end.

        Blocks until every ``add`` already sending has finished, the last
        batch was flushed and the goroutine returned. A second ``close``
        just waits for the same end.

        Go: ``close(b.in); <-b.done``
        """
        self._closing.lock()
        try:
            if not self._closed:
                self._closed = True
                self._in.close()
        finally:
            self._closing.unlock()
        self._done.recv()

    @property
    def closed(self) -> bool:
        """Whether ``close`` began. Never blocks.

        Read without the closing lock: a waiting ``close`` holds new readers
        back, and ``flush`` may look at the statistics. Reading a bool is
        atomic in Python (Go would use an ``atomic.Bool``).
        """
        return self._closed

    # -- the batching goroutine ---------------------------------------------------------

    def _loop(self) -> None:
        batch: list[Any] = []
        since = 0.0  # runtime time of the pending batch's first item
        timer = Timer(self.max_wait, name=f"{self.name}.timer")
        timer.stop()
        # Invariant: batch is empty <=> the timer is stopped and its channel empty.
        # (stop() and reset() discard a tick that fired but was not received, as
        # since Go 1.23, so no drain is needed: no stale tick can flush early.)
        try:
            while True:
                i, item, ok = select(Recv(self._in), Recv(timer.c if batch else None))
                if i == 1:  # max_wait passed since the batch's first item
                    self._flush(batch, "time")
                    batch = []
                    continue
                if not ok:  # closed and drained
                    break
                batch.append(item)
                if len(batch) == 1:
                    timer.reset(self.max_wait)
                    since = now()
                self._trace(len(batch), since, "added", f"holds {len(batch)} of {self.max_items}")
                if len(batch) >= self.max_items:
                    timer.stop()
                    self._flush(batch, "size")
                    batch = []
            timer.stop()
            if batch:
                self._flush(batch, "close")
        finally:
            self._done.close()

    def _trace(self, pending: int, since: float, what: str, text: str) -> None:
        """Record the pending batch after *what* (by the loop goroutine, its owner).

        Fields: ``pending`` items of ``max_items``, ``since`` (runtime time of
        the batch's first item: it flushes by time at ``since + max_wait``),
        the last flush's ``reason`` and ``size``, and flushes ``by_size``,
        ``by_time``, ``by_close``.
        """
        by = self._by
        trace_pattern(
            self.id,
            f"{self.name}'s batch",  # the batcher's goroutine has the name itself
            "batcher",
            what,
            text,
            pending=pending,
            since=since,
            max_items=self.max_items,
            max_wait=self.max_wait,
            size=self._last_batch,
            by_size=by["size"],
            by_time=by["time"],
            by_close=by["close"],
        )

    def _flush(self, batch: list[Any], reason: str) -> None:
        with self._stats_mu:
            self._items_out += len(batch)
            self._by[reason] += 1
            self._last_batch = len(batch)
            why = {"size": "it was full", "time": f"{self.max_wait:g} s passed", "close": "close"}
            self._trace(0, 0.0, f"flushed by {reason}", f"flushed {len(batch)}: {why[reason]}")
        try:
            self._flush_fn(batch)
        except Exception as exc:
            with self._stats_mu:
                self._flush_errors += 1
            self.last_error = exc

    # -- statistics ------------------------------------------------------------------

    def statistics(self) -> BatcherStats:
        """A snapshot of the counters (see :class:`BatcherStats`)."""
        with self._stats_mu:
            out = self._items_out
            by = dict(self._by)
            errors = self._flush_errors
            last = self._last_batch
        items_in = self._items_in.load()  # read after items_out: in >= out holds
        return BatcherStats(
            items_in=items_in,
            items_out=out,
            pending=items_in - out,
            flushes_by_size=by["size"],
            flushes_by_time=by["time"],
            flushes_by_close=by["close"],
            flush_errors=errors,
            last_batch_size=last,
            closed=self.closed,
        )

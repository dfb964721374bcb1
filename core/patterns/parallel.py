"""Process a list in parallel and keep the input order: two ways to aggregate.

:meth:`ParallelProcessor.process` is a fixed team: ``workers`` goroutines
range over a channel of indices, write each result into its own slot, and a
:class:`~core.runtime.WaitGroup` tells the caller when they are all done.

:meth:`ParallelProcessor.process_with_channels` starts a goroutine per item;
each sends ``(index, result)`` on a results channel and the caller
puts them back in input order. A buffered channel of capacity ``workers``
used as a semaphore keeps at most ``workers`` of them inside ``fn``.

When ``fn`` raises: both methods stop handing out work that has not started
yet, wait until every goroutine they started has finished, then re-raise the
first exception (the first one to happen) in the caller. No goroutine is
left behind, whether ``fn`` raises or not.

Go::

    jobs := make(chan int)
    var wg sync.WaitGroup
    for w := 0; w < workers; w++ {
        wg.Add(1)
        go func() {
            defer wg.Done()
            for i := range jobs {
                results[i] = fn(items[i])
            }
        }()
    }
    for i := range items { jobs <- i }
    close(jobs)
    wg.Wait()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from core.runtime import Chan, Mutex, Recv, Send, WaitGroup, go, select


class Result(NamedTuple):
    """One item's result as it travels on a results channel: a plain tuple to the
    code (``i, value = r``), "item 6 → 36" (or "item 6 failed: ...") on the stage.

    Go: ``type result struct { i int; value T; err error }``
    """

    item: int  # the index of the item in the input
    value: Any
    error: BaseException | None = None

    def __repr__(self) -> str:
        if self.error is not None:
            return f"item {self.item} failed: {self.error}"
        return f"item {self.item} → {self.value!r}"


__all__ = ["ParallelProcessor", "Result"]


class _FirstError:
    """The first exception raised by any goroutine, and a channel closed when it happens."""

    def __init__(self, name: str) -> None:
        self._mu = Mutex(name=f"{name}.errmu")
        self.exc: Exception | None = None  # guarded by self._mu; set once
        self.failed = Chan(name=f"{name}.failed")  # closed when exc is set

    def set(self, exc: Exception) -> None:
        with self._mu:
            if self.exc is not None:
                return
            self.exc = exc
            self.failed.close()

    def raise_if_set(self) -> None:
        with self._mu:
            exc = self.exc
        if exc is not None:
            raise exc


class ParallelProcessor:
    """Apply a function to every item on at most *workers* goroutines at once.

    Raises:
        ValueError: *workers* is below 1.
    """

    def __init__(self, workers: int, *, name: str = "parallel") -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        self.workers = workers
        self.name = name

    def process(self, items: Iterable[Any], fn: Callable[[Any], Any]) -> list[Any]:
        """``[fn(x) for x in items]`` on ``min(workers, len(items))`` worker goroutines.

        Blocks until every item is processed (or, after a failure, until
        every worker has finished). Results are in input order.

        Raises:
            Exception: the first exception ``fn`` raised, once all workers ended.

        Go: workers ``for i := range jobs``, then ``wg.Wait()``.
        """
        items = list(items)
        results: list[Any] = [None] * len(items)  # slot i is written by one worker only
        first = _FirstError(self.name)
        jobs = Chan(name="jobs")
        wg = WaitGroup(name=f"{self.name}.wg")

        def worker() -> None:
            try:
                for i in jobs:  # ends when jobs is closed and drained
                    if first.exc is not None:  # a racy peek is fine: it only saves work
                        continue
                    try:
                        results[i] = fn(items[i])
                    except Exception as exc:  # BaseException (Goexit) must unwind
                        first.set(exc)
            finally:
                wg.done()

        for w in range(min(self.workers, len(items))):
            wg.add(1)  # before go: Wait must never see the counter at 0 too early
            go(worker, name=f"worker-{w}")
        for i in range(len(items)):
            chosen, _, _ = select(Send(jobs, i), Recv(first.failed))
            if chosen == 1:
                break  # a worker failed: hand out nothing more
        jobs.close()
        wg.wait()
        first.raise_if_set()
        return results

    def process_with_channels(self, items: Iterable[Any], fn: Callable[[Any], Any]) -> list[Any]:
        """``[fn(x) for x in items]`` with a goroutine per item, results over a channel.

        Every goroutine sends exactly one ``(index, result)`` and the
        caller receives exactly as many, so none is ever left blocked. A
        goroutine that starts after a failure skips ``fn``. Blocks until all
        have reported. Results are in input order.

        Raises:
            Exception: the first exception ``fn`` raised, once all goroutines reported.

        Go: ``go func(i int) { sem <- struct{}{}; r := fn(items[i]); <-sem;
        results <- result{i, r} }(i)``
        """
        items = list(items)
        if not items:
            return []
        first = _FirstError(self.name)
        sem = Chan(self.workers, name="sem")  # a token per running fn
        results = Chan(len(items), name="results")  # room for all: senders never wait

        def one(i: int) -> None:
            value = None
            sem.send(None)  # blocks while `workers` goroutines hold a token
            try:
                if first.exc is None:  # a racy peek is fine: it only saves work
                    try:
                        value = fn(items[i])
                    except Exception as exc:  # BaseException (Goexit) must unwind
                        first.set(exc)
            finally:
                sem.recv()
            results.send(Result(i, value))

        for i in range(len(items)):
            go(one, i, name=f"item-{i}")
        ordered: list[Any] = [None] * len(items)
        for _ in range(len(items)):
            r, _ok = results.recv()
            ordered[r.item] = r.value
        first.raise_if_set()
        return ordered

"""Lesson "cancel-by-close": one ``close(done)`` is heard by every worker.

A receive from a closed channel never blocks, so closing one channel stops
all the workers that select on it, however many there are.
"""

from __future__ import annotations

import itertools
import threading

from core import runtime
from core.runtime import Chan, Recv, Ticker, WaitGroup, context, select
from core.scenarios._base import Action, Metric, Param, Scenario

__all__ = ["CancelByClose"]

_SAMPLE_EVERY = 0.25  # runtime seconds between metric samples


class CancelByClose(Scenario):
    """Workers loop until a shared ``done`` channel is closed.

    Go::

        func worker(id int, done <-chan struct{}, wg *sync.WaitGroup) {
            defer wg.Done()
            tick := time.NewTicker(workTime)
            defer tick.Stop()
            for {
                select {
                case <-done:
                    return
                case <-tick.C:
                    jobs++ // one unit of work
                }
            }
        }
        close(done) // a broadcast: every worker wakes, not just one
        wg.Wait()
    """

    id = "cancel-by-close"
    title = "Cancel by close: one close(done) stops every worker"
    chapter = "Cancellation"
    summary = (
        "A receive from a closed channel never blocks, so close(done) is a broadcast: "
        "every worker's select sees it at once, now and later."
    )
    params = (
        Param(
            "workers",
            int,
            4,
            "How many workers start with the lesson.",
            minimum=1,
            maximum=8,
            unit="goroutines",
        ),
        Param(
            "work_time",
            float,
            0.3,
            "Time one unit of work takes; each worker checks done between units.",
            minimum=0.05,
            maximum=2.0,
            unit="s",
        ),
    )
    actions = (
        Action("cancel", "Cancel: close(done)", "Close the done channel: every worker returns."),
        Action(
            "add-worker",
            "Add worker",
            "Start one more worker (after close(done) it returns at once).",
        ),
    )
    metrics = (
        Metric(
            "workers_running",
            "goroutines",
            "Workers that have not returned yet.",
            label="workers running",
        ),
        Metric(
            "work_done",
            "units",
            "Units of work all workers have finished since the start.",
            label="work done",
        ),
        Metric(
            "stop_time",
            "ms",
            "Runtime time from close(done) until the last worker returned.",
            label="time to stop",
        ),
    )
    source_modules = ("core.scenarios.cancel_by_close",)

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._lock = threading.Lock()  # guards the counters below (written by every worker)
        self._running = 0
        self._units = 0
        self._ids = itertools.count(1)
        # Made by run() so that they belong to the scenario's runtime.
        self._done: Chan | None = None
        self._close_once: runtime.Once | None = None
        self._wg: WaitGroup | None = None

    def run(self, ctx: context.Context) -> None:
        """Start the workers; sample until *ctx* ends, then close done and wait for them."""
        self._done = Chan(0, name="done")
        self._close_once = runtime.Once(name="close once")
        self._wg = WaitGroup(name="workers")
        self.note("Each worker: select { case <-done: return; case <-tick.C: work }.")
        for _ in range(self["workers"]):
            self._start_worker()
        for _ in self.ticks(ctx, _SAMPLE_EVERY, name="metrics tick"):
            self._sample()
        self._close_once.do(self._done.close)  # the program ends: stop whoever is left
        self._wg.wait()

    def _sample(self) -> None:
        with self._lock:
            running, units = self._running, self._units
        self.record_many(workers_running=running, work_done=units)

    def _start_worker(self) -> int:
        assert self._wg is not None and self._done is not None
        k = next(self._ids)
        with self._lock:
            self._running += 1
        self._wg.go(self._worker, k, self._done, name=f"worker {k}")
        return k

    def _worker(self, k: int, done: Chan) -> None:
        """Work one unit per tick until done is closed. Go: ``for { select {...} }``"""
        tick = Ticker(self["work_time"], name=f"worker {k} tick")
        try:
            while True:
                i, _, _ = select(Recv(done), Recv(tick.c))
                if i == 0:  # done is closed: the receive returned at once with ok=false
                    return
                with self._lock:
                    self._units += 1
        finally:
            tick.stop()
            with self._lock:
                self._running -= 1

    def on_cancel(self) -> None:
        """Close done (once) and report how long the workers took to return."""
        if self._done is None or self._wg is None or self._close_once is None:
            return
        if self._done.closed:
            self.note("done is already closed: closing it again would panic.")
            return
        with self._lock:
            n = self._running
        t0 = runtime.now()
        self._close_once.do(self._done.close)
        self._wg.wait()
        ms = (runtime.now() - t0) * 1000.0
        self.record("stop_time", ms)
        self._sample()
        self.note(
            f"close(done) woke all {n} workers at once (a close is a broadcast); "
            f"the last one returned {ms:.0f} ms later."
        )

    def on_add_worker(self) -> None:
        if self._wg is None or self._done is None:
            return
        k = self._start_worker()
        if self._done.closed:
            self.note(
                f"worker {k} started after close(done): its first select finds done closed "
                "and returns at once."
            )


# -- cancel-by-timeout -------------------------------------------------------

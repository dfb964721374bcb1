"""Lesson "lost-updates": three counters, one workload, one of them loses increments.

Each round starts N goroutines; each makes M increments, every time on all
three counters: :class:`~core.patterns.counters.BadCounter` (``count++``
with nothing around it), :class:`~core.patterns.counters.SafeCounter` (a
Mutex) and :class:`~core.patterns.counters.AtomicCounter` (one atomic add).
At the end SafeCounter and AtomicCounter read N x M; BadCounter reads less.
The broken counter is shown beside the correct ones, so the lesson needs no
"variant" parameter.

Go::

    var wg sync.WaitGroup
    for g := 0; g < n; g++ {
        wg.Add(1)
        go func() {
            defer wg.Done()
            for i := 0; i < m; i++ {
                bad.Inc(); safe.Inc(); atomic.Inc()
            }
        }()
    }
    wg.Wait()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

from core.patterns.counters import AtomicCounter, BadCounter, SafeCounter
from core.runtime import AtomicInt64, Chan, Recv, Ticker, Timer, WaitGroup, context, go, now, select
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._pacing import Rates, try_send

__all__ = ["LostUpdates"]

MAX_GOROUTINES = 16
REST = 3.0  # runtime seconds between two rounds
SAMPLE = 0.2  # runtime seconds between two metric samples


@dataclass
class _Round:
    """One round: its size and its three fresh counters, shared by its goroutines."""

    goroutines: int
    increments: int
    gap: float
    bad: BadCounter = field(init=False)
    safe: SafeCounter = field(init=False)
    atomic: AtomicCounter = field(init=False)
    done: AtomicInt64 = field(init=False)  # increments finished, on each counter

    def __post_init__(self) -> None:
        self.bad = BadCounter(gap=self.gap, name="bad")
        self.safe = SafeCounter(name="safe")
        self.atomic = AtomicCounter(name="atomic")
        self.done = AtomicInt64(name="finished")

    @property
    def expected(self) -> int:
        return self.goroutines * self.increments


class LostUpdates(Scenario):
    """Bad, Safe and Atomic counters side by side, under the same goroutines.

    ``run`` plays rounds until its context is done; a round's goroutines end
    with the round (or with the context). Actions cut the current round short.
    """

    id = "lost-updates"
    title = "Lost updates: count++ from many goroutines"
    chapter = "Shared state"
    summary = (
        "N goroutines each increment three counters M times. The unprotected one "
        "loses increments; the Mutex and the atomic ones never do."
    )
    params = (
        Param(
            "goroutines",
            int,
            4,
            "Goroutines that increment the counters together",
            minimum=2,
            maximum=MAX_GOROUTINES,
            unit="goroutines",
        ),
        Param(
            "increments",
            int,
            20,
            "Increments each goroutine makes on each counter per round",
            minimum=1,
            maximum=500,
            unit="per goroutine",
        ),
        Param(
            "rate",
            float,
            5.0,
            "Increments each goroutine makes per runtime second",
            minimum=0.5,
            maximum=50.0,
            unit="/s",
        ),
        Param(
            "gap",
            int,
            10,
            "Time BadCounter spends between reading the count and writing it back: "
            "the window in which another goroutine's increment is lost",
            minimum=0,
            maximum=500,
            unit="ms",
        ),
    )
    actions = (
        Action(
            "run-again", "Run again", "Start a new round now: fresh counters, the same workload"
        ),
        Action(
            "more-goroutines",
            "More goroutines",
            f"Start a new round now with twice as many goroutines (at most {MAX_GOROUTINES})",
        ),
    )
    metrics = (
        Metric(
            "expected",
            "increments",
            "What each counter must read at the end of the round: goroutines x increments",
        ),
        Metric("done", "increments", "Increments finished so far (the same on every counter)"),
        Metric("bad", "count", "BadCounter's value: count++ with no lock"),
        Metric("safe", "count", "SafeCounter's value: count++ under a Mutex"),
        Metric("atomic", "count", "AtomicCounter's value: one atomic add per increment"),
        Metric("lost", "increments", "Increments BadCounter lost: finished minus its value"),
        Metric("rate", "increments/s", "Increments finished per runtime second, on each counter"),
    )
    plumbing = ("rest", "rest.C", "teacher")  # the pause between rounds; the actions' channel
    source_modules = ("core.patterns.counters", "core.scenarios.lost_updates")

    def __init__(self, **values: object) -> None:
        super().__init__(**values)
        self._requests: Chan | None = None  # made by run(); None until it starts

    # -- the lesson --------------------------------------------------------

    def run(self, ctx: context.Context) -> None:
        """Play rounds until *ctx* is done; between rounds wait REST or an action."""
        self._requests = Chan(1, name="teacher")
        n = self["goroutines"]
        while True:
            request = self._play_round(ctx, n)
            if request is None:  # the round ran to its end: rest, then go again
                timer = Timer(REST, name="rest")
                i, request, _ = select(Recv(ctx.done()), Recv(self._requests), Recv(timer.c))
                timer.stop()
                if i == 2:
                    request = "run-again"
            if ctx.err() is not None:
                return
            n = min(MAX_GOROUTINES, n * 2) if request == "more-goroutines" else self["goroutines"]

    def _play_round(self, ctx: context.Context, n: int) -> str | None:
        """One round of n goroutines; returns the teacher's request that cut it short, if any."""
        r = _Round(n, self["increments"], self["gap"] / 1000)
        self.record("expected", r.expected)
        self.note(
            f"{n} goroutines x {r.increments} increments on three counters: "
            f"each must end at {r.expected}."
        )
        round_ctx, cancel = context.with_cancel(ctx)
        wg = WaitGroup(name="incrementers")
        for k in range(n):
            wg.go(self._incrementer, round_ctx, r, name=f"inc-{k}")  # wg.Add(1), then go
        finished = Chan(name="round-done")
        go(_close_when_done, wg, finished, name="waiter")
        meter = Ticker(SAMPLE, name="meter")
        rates = Rates()
        try:
            while True:
                i, request, _ = select(
                    Recv(ctx.done()), Recv(self._requests), Recv(finished), Recv(meter.c)
                )
                if i == 3:
                    self._sample(r, rates)
                    continue
                if i == 2:
                    self._sample(r, rates)
                    self._report(r)
                    return None
                # ctx done or a teacher's request: stop this round's goroutines first.
                cancel()
                finished.recv()
                return request if i == 1 else None
        finally:
            cancel()
            meter.stop()

    def _incrementer(self, ctx: context.Context, r: _Round) -> None:
        """M increments on each counter, paced with jitter; stops early when ctx is done."""
        for _ in islice(self.paced(ctx, self["rate"]), r.increments):
            r.bad.inc()
            r.safe.inc()
            r.atomic.inc()
            r.done.add(1)

    def _sample(self, r: _Round, rates: Rates) -> None:
        t, done, bad = now(), r.done.load(), r.bad.value()
        self.record_many(
            done=done,
            bad=bad,
            safe=r.safe.value(),
            atomic=r.atomic.value(),
            # A goroutine between its bad.inc() and done.add(1) can put bad one ahead.
            lost=max(0, done - bad),
            **rates.update(t, rate=done),
        )

    def _report(self, r: _Round) -> None:
        bad = r.bad.value()
        self.note(
            f"Round over: expected {r.expected}; BadCounter {bad} (lost {r.expected - bad}), "
            f"SafeCounter {r.safe.value()}, AtomicCounter {r.atomic.value()}."
        )

    # -- the teacher's actions ---------------------------------------------

    def _ask(self, request: str) -> None:
        if self._requests is None:
            self.note("The lesson has not started yet.")
            return
        try_send(self._requests, request)  # a request already waiting is enough

    def on_run_again(self) -> None:
        self._ask("run-again")

    def on_more_goroutines(self) -> None:
        self._ask("more-goroutines")


def _close_when_done(wg: WaitGroup, finished: Chan) -> None:
    """Turn ``wg.wait()`` into a channel a select can wait on."""
    wg.wait()
    finished.close()

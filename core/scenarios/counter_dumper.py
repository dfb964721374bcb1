"""Lesson "counter-dumper": a background goroutine reports the counters every interval.

Clients count requests per user; a
:class:`~core.patterns.dumper.CounterDumper` wakes on a Ticker and reports a
snapshot, and returns as soon as its context is cancelled. The broken
variant is the common mistake ``for range ticker.C``: it never looks at the
context, so cancelling it changes nothing and the goroutine leaks.

Go::

    ctx, cancel := context.WithCancel(context.Background())
    go dumper.Start(ctx)
    // ...
    cancel() // the dumper returns and stops its ticker
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.patterns.dumper import CounterDumper, Snapshotter
from core.patterns.user_counters import UserCounters
from core.runtime import AtomicInt64, Mutex, Ticker, context, go, now
from core.scenarios._base import Action, Metric, Param, Scenario, variant_param

__all__ = ["CounterDumperLesson"]

USERS = ("alice", "bob", "carol")
SLOW_FACTOR = 1.5  # a slow dump takes this many intervals
SAMPLE = 0.2  # runtime seconds between two metric samples


def leaky_dumper(counters: Snapshotter, interval: float, on_dump: Callable[[dict], Any]) -> None:
    """The mistake: ``for range ticker.C`` with no way out.

    ``ticker.c`` is never closed (Go's ``Stop`` does not close ``C``), so the
    loop never ends; cancelling a context it never reads does nothing. The
    goroutine and its ticker live until the program ends.

    Go (the mistake)::

        t := time.NewTicker(interval)
        for range t.C {
            onDump(counters.GetAll())
        }
    """
    ticker = Ticker(interval, name="dump.ticker")
    for _ in ticker.c:
        on_dump(counters.get_all())


class CounterDumperLesson(Scenario):
    """Clients count; a dumper reports every interval until its own context ends.

    The dumper runs under a child context of the lesson's, which the teacher
    can cancel. Broken: the dumper ignores it and lives until the runtime
    stops (it is then reported as leaked).
    """

    id = "counter-dumper"
    title = "A periodic dumper: Ticker, select and cancellation"
    chapter = "Applied counters"
    summary = (
        "A goroutine reports the counters on every tick and returns when its context "
        "is cancelled. Broken: it ranges over the ticker, ignores the context and leaks."
    )
    params = (
        variant_param(
            "correct: select on the ticker and ctx.Done(); broken: for range ticker.C",
        ),
        Param("interval", float, 1.0, "Time between two dumps", minimum=0.2, maximum=5.0, unit="s"),
        Param(
            "clients",
            int,
            3,
            "Client goroutines counting requests",
            minimum=1,
            maximum=8,
            unit="goroutines",
        ),
        Param(
            "rate",
            float,
            5.0,
            "Requests each client counts per runtime second",
            minimum=0.5,
            maximum=50.0,
            unit="/s",
        ),
    )
    actions = (
        Action(
            "stop-dumper",
            "Stop the dumper",
            "Cancel the dumper's context: the correct dumper returns at once",
        ),
        Action(
            "start-dumper",
            "Start a dumper",
            "Start a new dumper with a new context (if none is running)",
        ),
        Action(
            "slow-dump",
            "Slow dump on/off",
            f"Each dump takes {SLOW_FACTOR} intervals: ticks that find the ticker's "
            "channel full are dropped",
        ),
    )
    metrics = (
        Metric("dumps", "dumps", "Dumps made since the lesson started"),
        Metric("dump_interval", "s", "Runtime seconds between the last two dumps"),
        Metric("dumpers", "goroutines", "Dumper goroutines still running"),
        Metric("dumped_total", "requests", "Sum of the counters in the last dump"),
        Metric("requests", "requests", "Requests the clients counted so far"),
    )
    source_modules = ("core.patterns.dumper", "core.scenarios.counter_dumper")

    def run(self, ctx: context.Context) -> None:
        """Start the clients and a dumper, then sample until *ctx* is done."""
        self._counters = UserCounters(name="counts")
        self._requests = AtomicInt64(name="requests")
        self._dumps = AtomicInt64(name="dumps")
        self._dumpers = AtomicInt64(name="dumpers")
        self._last_dump = 0.0  # written by _on_dump, in the dumper goroutine(s)
        self._mu = Mutex(name="lesson.mu")
        self._cancel_dumper: Callable[[], None] | None = None  # guarded by self._mu
        self._slow = False  # guarded by self._mu
        if self.broken:
            self.note(
                "BROKEN VARIANT: the dumper is `for range ticker.C`; it never reads its "
                "context. Stop it and watch it keep dumping: a leaked goroutine."
            )
        for k in range(self["clients"]):
            go(self._client, ctx, name=f"client-{k}")
        self.ctx = ctx  # ready: the actions may run from now on
        self._start_dumper()
        for _ in self.ticks(ctx, SAMPLE):
            self.record_many(
                requests=self._requests.load(),
                dumpers=self._dumpers.load(),
                dumps=self._dumps.load(),
            )

    def _client(self, ctx: context.Context) -> None:
        for _ in self.paced(ctx, self["rate"]):
            self._counters.inc(self.rng.choice(USERS))
            self._requests.add(1)

    def _start_dumper(self) -> bool:
        """Start a dumper under a new child context; False if one is running."""
        assert self.ctx is not None  # called by run() once it set ctx, or after started()
        with self._mu:
            if self._cancel_dumper is not None:
                return False
            dctx, self._cancel_dumper = context.with_cancel(self.ctx)
        go(self._dumper, dctx, name="dumper")
        return True

    def _dumper(self, ctx: context.Context) -> None:
        self._dumpers.add(1)
        try:
            if self.broken:
                leaky_dumper(self._counters, self["interval"], self._on_dump)
            else:
                CounterDumper(self._counters, self["interval"], self._on_dump).start(ctx)
        finally:
            self._dumpers.add(-1)

    def _on_dump(self, snapshot: dict[str, int]) -> None:
        t = now()
        n = self._dumps.add(1)
        if n > 1:
            self.record("dump_interval", t - self._last_dump)
        self._last_dump = t
        self.record("dumped_total", sum(snapshot.values()))
        with self._mu:
            slow = self._slow
        if slow:
            # Slow, but never slower than the lesson: its end cuts the dump short.
            assert self.ctx is not None  # a dumper starts only once run() has set ctx
            self.nap(self.ctx, SLOW_FACTOR * self["interval"], name="slow-dump")

    # -- the teacher's actions ---------------------------------------------

    def on_stop_dumper(self) -> None:
        if not self.started():
            return
        with self._mu:
            cancel, self._cancel_dumper = self._cancel_dumper, None
        if cancel is None:
            self.note("No dumper is running.")
            return
        cancel()
        if self.broken:
            self.note(
                "BROKEN VARIANT: the context is cancelled but the dumper never reads it: "
                "it keeps dumping, and nothing can stop it now."
            )
        else:
            self.note("Cancelled: the dumper's select sees ctx.Done(), stops its ticker, returns.")

    def on_start_dumper(self) -> None:
        if not self.started():
            return
        still_running = self._dumpers.load()
        if not self._start_dumper():
            self.note("A dumper is already running: stop it first.")
        elif still_running:
            self.note(
                f"BROKEN VARIANT: the stopped dumper never returned: {still_running + 1} "
                "dumpers now run side by side."
            )

    def on_slow_dump(self) -> None:
        if not self.started():
            return
        with self._mu:
            self._slow = not self._slow
            slow = self._slow
        if slow:
            self.note(
                f"Each dump now takes {SLOW_FACTOR} intervals: the ticker's channel holds "
                "one tick, so the ticks in between are dropped, as in Go."
            )
        else:
            self.note("Dumps are quick again: one per interval.")

"""Lesson "retry-backoff": retrying a flaky call with exponential backoff and jitter.

Callers call a downstream that fails a share of the time. Each failure is
retried after a delay that doubles every time (capped), shortened by a
random jitter so that callers who failed together do not come back
together. After *attempts* failures the caller gives up. During an outage
every call fails: watch the delays grow and the give-ups appear; when it
recovers, the retries succeed.

Go::

    b := Backoff{Base: 50 * time.Millisecond, Factor: 2, Max: time.Second, Jitter: 0.5}
    err := Retry(ctx, 5, b, func() error { return callDownstream(ctx) })
"""

from __future__ import annotations

import random
from typing import Any

from core.patterns.backoff import Backoff, retry, sleep_ctx
from core.runtime import AtomicInt64, Mutex, Recv, Ticker, WaitGroup, context, go, now, select
from core.runtime.context import ContextError
from core.scenarios._base import Action, Metric, Param, Scenario

__all__ = ["RetryBackoffLesson", "Unavailable"]

SAMPLE = 0.25  # runtime seconds between two metric samples
OUTAGE = 2.0  # runtime seconds an outage lasts
CALL_TIME = 0.03  # runtime seconds one call to the downstream takes
PAUSE = 0.2  # runtime seconds a caller rests between two operations


class Unavailable(Exception):
    """The downstream failed this call."""


class RetryBackoffLesson(Scenario):
    id = "retry-backoff"
    title = "Retry with exponential backoff and jitter"
    chapter = "Production patterns"
    summary = (
        "A flaky call is retried after delays that double each time, with random jitter; "
        "after the last attempt the caller gives up. An outage shows the backoff grow."
    )
    params = (
        Param(
            "failure_rate",
            int,
            30,
            "Share of calls the downstream fails",
            minimum=0,
            maximum=100,
            unit="%",
        ),
        Param(
            "base_delay",
            float,
            0.05,
            "Delay before the first retry",
            minimum=0.01,
            maximum=1.0,
            unit="s",
        ),
        Param(
            "max_delay",
            float,
            1.0,
            "Longest delay between two attempts",
            minimum=0.05,
            maximum=5.0,
            unit="s",
        ),
        Param(
            "jitter",
            float,
            0.5,
            "Random share taken off each delay (0: none, 1: full jitter)",
            minimum=0.0,
            maximum=1.0,
        ),
        Param(
            "attempts",
            int,
            5,
            "Attempts before a caller gives up",
            minimum=1,
            maximum=10,
            unit="attempts",
        ),
        Param("callers", int, 3, "Caller goroutines", minimum=1, maximum=10, unit="goroutines"),
    )
    actions = (
        Action("outage", "Outage", f"Every call fails for the next {OUTAGE:g} s"),
        Action("recover", "Recover", "End the outage now"),
    )
    metrics = (
        Metric(
            "attempts",
            "calls/s",
            f"Calls made to the downstream (first tries and retries), over the last {SAMPLE} s",
        ),
        Metric("successes", "ops/s", f"Operations that succeeded, over the last {SAMPLE} s"),
        Metric(
            "give_ups",
            "ops/s",
            f"Operations abandoned after the last attempt, over the last {SAMPLE} s",
        ),
        Metric("delay", "s", "Each delay chosen before a retry (after jitter)"),
    )
    source_modules = ("core.patterns.backoff", "core.scenarios.retry_backoff")

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        if self["max_delay"] < self["base_delay"]:
            raise ValueError(
                f"parameter max_delay ({self['max_delay']:g} s) must be >= "
                f"base_delay ({self['base_delay']:g} s)"
            )
        self._ctx: context.Context | None = None  # set by run() once it is ready
        self._mu: Mutex | None = None
        self._outage_until = float("-inf")  # runtime time; guarded by self._mu

    def run(self, ctx: context.Context) -> None:
        """Start the callers, sample until *ctx* is done, wait for them."""
        self._mu = Mutex(name="outage")
        self._attempts = AtomicInt64(name="attempts")
        self._successes = AtomicInt64(name="successes")
        self._give_ups = AtomicInt64(name="give-ups")
        self._ctx = ctx  # ready: the actions may run from now on
        callers = WaitGroup(name="callers")
        for k in range(1, self["callers"] + 1):
            callers.add(1)
            go(self._caller, ctx, callers, name=f"caller-{k}")
        try:
            self._sample(ctx)
        finally:
            callers.wait()

    def _sample(self, ctx: context.Context) -> None:
        meter = Ticker(SAMPLE, name="meter")
        counters = {
            "attempts": self._attempts,
            "successes": self._successes,
            "give_ups": self._give_ups,
        }
        last_t, last = now(), dict.fromkeys(counters, 0)
        try:
            while True:
                i, _, _ = select(Recv(ctx.done()), Recv(meter.c))
                if i == 0:
                    return
                t = now()
                for name, counter in counters.items():
                    value = counter.load()
                    if t > last_t:
                        self.record(name, (value - last[name]) / (t - last_t))
                    last[name] = value
                last_t = t
        finally:
            meter.stop()

    def _downstream(self, ctx: context.Context) -> str:
        """One call: takes CALL_TIME, fails at failure_rate, or always during an outage."""
        self._attempts.add(1)
        sleep_ctx(ctx, CALL_TIME)
        with self._mu:
            outage = now() < self._outage_until
        if outage or random.random() * 100 < self["failure_rate"]:
            raise Unavailable("downstream unavailable")
        return "ok"

    def _caller(self, ctx: context.Context, wg: WaitGroup) -> None:
        backoff = Backoff(self["base_delay"], 2.0, self["max_delay"], self["jitter"])
        try:
            while True:
                try:
                    retry(
                        ctx,
                        lambda: self._downstream(ctx),
                        self["attempts"],
                        backoff,
                        on_retry=lambda attempt, err, delay: self.record("delay", delay),
                    )
                    self._successes.add(1)
                except Unavailable:
                    self._give_ups.add(1)
                sleep_ctx(ctx, PAUSE * random.uniform(0.5, 1.5))
        except ContextError:
            return
        finally:
            wg.done()

    # -- the teacher's actions ---------------------------------------------------

    def _started(self) -> bool:
        if self._ctx is None:
            self.note("The lesson has not started yet.")
            return False
        return True

    def on_outage(self) -> None:
        if not self._started():
            return
        with self._mu:
            self._outage_until = now() + OUTAGE
        self.note(
            f"Outage: every call fails for {OUTAGE:g} s. The delays double up to "
            f"{self['max_delay']:g} s, then callers give up after {self['attempts']} "
            "attempts."
        )

    def on_recover(self) -> None:
        if not self._started():
            return
        with self._mu:
            self._outage_until = float("-inf")
        self.note("Recovered: the next retry of each caller succeeds (unless it is unlucky).")

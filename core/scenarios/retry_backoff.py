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

from typing import Any

from core.patterns.backoff import Backoff, retry
from core.runtime import AtomicInt64, context
from core.runtime.context import ContextError
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._downstream import FlakyDownstream, Unavailable
from core.scenarios._pacing import RATE_WINDOW, Rates

__all__ = ["RetryBackoffLesson", "Unavailable"]

SAMPLE = 0.25  # runtime seconds between two metric samples
OUTAGE = 2.0  # runtime seconds an outage lasts
CALL_TIME = 0.03  # runtime seconds one call to the downstream takes
PAUSE = 0.2  # runtime seconds a caller rests between two operations, on average


class RetryBackoffLesson(Scenario):
    """Calls to a flaky service retried with exponential backoff and jitter, within a deadline."""

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
            unit="fraction",
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
            "Calls made to the downstream (first tries and retries), "
            f"over the last {RATE_WINDOW:g} s, smoothed",
        ),
        Metric(
            "successes",
            "ops/s",
            f"Operations that succeeded, over the last {RATE_WINDOW:g} s, smoothed",
        ),
        Metric(
            "give_ups",
            "ops/s",
            "Operations abandoned after the last attempt, "
            f"over the last {RATE_WINDOW:g} s, smoothed",
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

    def run(self, ctx: context.Context) -> None:
        """Start the callers, sample until *ctx* is done, wait for them."""
        self._downstream = FlakyDownstream(CALL_TIME, self["failure_rate"], self.rng)
        self._attempts = AtomicInt64(name="attempts")
        self._successes = AtomicInt64(name="successes")
        self._give_ups = AtomicInt64(name="give-ups")
        self.ctx = ctx  # ready: the actions may run from now on
        callers = self.crew(self["callers"], self._caller, ctx, name="caller")
        try:
            self._sample(ctx)
        finally:
            callers.wait()

    def _sample(self, ctx: context.Context) -> None:
        rates = Rates()
        for t in self.ticks(ctx, SAMPLE):
            self.record_many(
                **rates.update(
                    t,
                    attempts=self._attempts.load(),
                    successes=self._successes.load(),
                    give_ups=self._give_ups.load(),
                )
            )

    def _attempt(self, ctx: context.Context) -> str:
        """One call to the downstream (a first try or a retry); raises Unavailable."""
        self._attempts.add(1)
        return self._downstream.call(ctx)

    def _caller(self, ctx: context.Context) -> None:
        backoff = Backoff(self["base_delay"], 2.0, self["max_delay"], self["jitter"], rng=self.rng)
        for _ in self.paced(ctx, 1 / PAUSE):
            try:
                retry(
                    ctx,
                    lambda: self._attempt(ctx),
                    self["attempts"],
                    backoff,
                    on_retry=lambda attempt, err, delay: self.record("delay", delay),
                )
                self._successes.add(1)
            except Unavailable:
                self._give_ups.add(1)
            except ContextError:
                return  # the lesson ended during a call or a backoff

    # -- the teacher's actions ---------------------------------------------------

    def on_outage(self) -> None:
        if not self.started():
            return
        self._downstream.start_outage(OUTAGE)
        self.note(
            f"Outage: every call fails for {OUTAGE:g} s. The delays double up to "
            f"{self['max_delay']:g} s, then callers give up after {self['attempts']} "
            "attempts."
        )

    def on_recover(self) -> None:
        if not self.started():
            return
        self._downstream.end_outage()
        self.note("Recovered: the next retry of each caller succeeds (unless it is unlucky).")

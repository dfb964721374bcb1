"""Lesson "circuit-breaker": stop hammering a downstream that is down.

Callers call a flaky downstream through a
:class:`~core.patterns.breaker.CircuitBreaker`. Closed, calls go through;
after *failure_threshold* failures in a row it opens and rejects calls at
once (no waiting on a dead service); after *open_timeout* it lets a trial
call through (half-open): success closes it, failure opens it again.

Go (``github.com/sony/gobreaker``)::

    _, err := cb.Execute(func() (any, error) { return callDownstream(ctx) })
    if errors.Is(err, gobreaker.ErrOpenState) { /* fail fast, serve a fallback */ }
"""

from __future__ import annotations

from core.patterns.breaker import BreakerState, CircuitBreaker, CircuitOpen
from core.runtime import AtomicInt64, context
from core.runtime.context import ContextError
from core.scenarios._base import Action, Metric, Param, Scenario
from core.scenarios._downstream import FlakyDownstream, Unavailable
from core.scenarios._pacing import RATE_WINDOW, Rates

__all__ = ["CircuitBreakerLesson", "Unavailable"]

SAMPLE = 0.25  # runtime seconds between two metric samples
CALL_TIME = 0.05  # runtime seconds one call to the downstream takes
PAUSE = 0.1  # runtime seconds a caller rests between two calls, on average


class CircuitBreakerLesson(Scenario):
    """Callers go through a circuit breaker to a flaky downstream; the teacher causes outages."""

    id = "circuit-breaker"
    title = "Circuit breaker: closed, open, half-open"
    chapter = "Production patterns"
    summary = (
        "Calls to a flaky downstream go through a circuit breaker: after enough failures in "
        "a row it opens and fails fast, then lets a trial call test the water."
    )
    params = (
        Param(
            "failure_rate",
            int,
            10,
            "Share of calls the downstream fails when it is up",
            minimum=0,
            maximum=100,
            unit="%",
        ),
        Param(
            "failure_threshold",
            int,
            5,
            "Failures in a row that open the breaker",
            minimum=1,
            maximum=20,
            unit="failures",
        ),
        Param(
            "open_timeout",
            float,
            1.0,
            "How long the breaker stays open before a trial call",
            minimum=0.1,
            maximum=10.0,
            unit="s",
        ),
        Param(
            "half_open_max",
            int,
            1,
            "Trial calls let through while half-open",
            minimum=1,
            maximum=10,
            unit="calls",
        ),
        Param("callers", int, 3, "Caller goroutines", minimum=1, maximum=10, unit="goroutines"),
    )
    actions = (
        Action("outage", "Outage", "The downstream fails every call until Recover"),
        Action("recover", "Recover", "The downstream works again"),
    )
    metrics = (
        Metric("state", "state", "The breaker's state: 0 closed, 1 half-open, 2 open"),
        Metric(
            "calls_ok",
            "calls/s",
            f"Calls that succeeded, over the last {RATE_WINDOW:g} s, smoothed",
        ),
        Metric(
            "calls_failed",
            "calls/s",
            "Calls that reached the downstream and failed, "
            f"over the last {RATE_WINDOW:g} s, smoothed",
        ),
        Metric(
            "calls_rejected",
            "calls/s",
            "Calls the open breaker refused without calling, "
            f"over the last {RATE_WINDOW:g} s, smoothed",
        ),
    )
    # the breaker's own lock: the stage draws the breaker itself
    plumbing = ("breaker.*",)
    source_modules = ("core.patterns.breaker", "core.scenarios.circuit_breaker")

    def run(self, ctx: context.Context) -> None:
        """Start the callers, sample until *ctx* is done, wait for them."""
        self._downstream = FlakyDownstream(CALL_TIME, self["failure_rate"], self.rng)
        self._ok = AtomicInt64(name="ok")
        self._failed = AtomicInt64(name="failed")
        self._rejected = AtomicInt64(name="rejected")
        self._breaker = CircuitBreaker(
            self["failure_threshold"],
            self["open_timeout"],
            self["half_open_max"],
            on_state_change=self._on_state_change,
            name="breaker",
        )
        self.record("state", BreakerState.CLOSED)
        self.ctx = ctx  # ready: the actions may run from now on
        callers = self.crew(self["callers"], self._caller, ctx, name="caller")
        rates = Rates()
        try:
            for t in self.ticks(ctx, SAMPLE):
                ok, failed, rejected = self._ok.load(), self._failed.load(), self._rejected.load()
                self.record_many(
                    **rates.update(t, calls_ok=ok, calls_failed=failed, calls_rejected=rejected),
                    state=self._breaker.state(),
                )
        finally:
            callers.wait()

    def _on_state_change(self, old: BreakerState, new: BreakerState) -> None:
        self.record("state", new)
        if new is BreakerState.OPEN:
            why = (
                "the trial call failed"
                if old is BreakerState.HALF_OPEN
                else f"{self['failure_threshold']} failures in a row"
            )
            self.note(
                f"Breaker {old} -> open: {why}. Calls now fail fast for {self['open_timeout']:g} s."
            )
        elif new is BreakerState.HALF_OPEN:
            self.note(f"Breaker open -> half-open: {self['half_open_max']} trial call(s) may go.")
        else:
            self.note("Breaker half-open -> closed: the trial call succeeded.")

    def _caller(self, ctx: context.Context) -> None:
        for _ in self.paced(ctx, 1 / PAUSE):
            try:
                self._breaker.call(self._downstream.call, ctx)
                self._ok.add(1)
            except CircuitOpen:
                self._rejected.add(1)
            except Unavailable:
                self._failed.add(1)
            except ContextError:
                return  # the lesson ended during the call

    # -- the teacher's actions ---------------------------------------------------

    def on_outage(self) -> None:
        if not self.started():
            return
        self._downstream.start_outage()
        self.note("Outage: the downstream fails every call until Recover.")

    def on_recover(self) -> None:
        if not self.started():
            return
        self._downstream.end_outage()
        self.note("Recovered: the next trial call will close the breaker.")

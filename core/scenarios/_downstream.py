"""A flaky downstream service, called by the lessons "retry-backoff" and "circuit-breaker"."""

from __future__ import annotations

import random

from core.patterns.backoff import sleep_ctx
from core.runtime import Mutex, context, now

__all__ = ["FlakyDownstream", "Unavailable"]


class Unavailable(Exception):
    """The downstream failed this call."""


class FlakyDownstream:
    """A service that fails a share of its calls, and every call during an outage.

    Each :meth:`call` takes *call_time* runtime seconds, then fails
    *failure_rate* % of the time (drawn from *rng*), and always while an
    outage lasts. The teacher's goroutines start and end outages while
    callers call: a Mutex named "outage" guards the outage's end.

    Go::

        func (d *Downstream) Call(ctx context.Context) error {
            select {
            case <-ctx.Done():
                return ctx.Err()
            case <-time.After(d.callTime):
            }
            d.mu.Lock()
            outage := time.Now().Before(d.outageUntil)
            d.mu.Unlock()
            if outage || rand.Float64()*100 < d.failureRate {
                return ErrUnavailable
            }
            return nil
        }
    """

    def __init__(self, call_time: float, failure_rate: float, rng: random.Random) -> None:
        self.call_time = call_time
        self.failure_rate = failure_rate
        self._rng = rng
        self._mu = Mutex(name="outage")
        self._outage_until = float("-inf")  # runtime time; guarded by self._mu

    def call(self, ctx: context.Context) -> str:
        """One call: blocks *call_time* runtime seconds, then answers "ok".

        Raises:
            Unavailable: the call failed (by chance, or during an outage).
            ContextError: *ctx* ended during the call.
        """
        sleep_ctx(ctx, self.call_time)
        with self._mu:
            outage = now() < self._outage_until
        if outage or self._rng.random() * 100 < self.failure_rate:
            raise Unavailable("downstream unavailable")
        return "ok"

    def start_outage(self, seconds: float = float("inf")) -> None:
        """Fail every call for the next *seconds* (by default until :meth:`end_outage`)."""
        with self._mu:
            self._outage_until = now() + seconds

    def end_outage(self) -> None:
        """Calls succeed again (but for the usual *failure_rate*)."""
        with self._mu:
            self._outage_until = float("-inf")

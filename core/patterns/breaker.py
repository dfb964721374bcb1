"""A circuit breaker: stop calling a downstream that keeps failing.

Three states:

- **closed**: calls go through; *failure_threshold* failures in a row open
  the breaker (a success resets the count);
- **open**: calls are rejected at once with :class:`CircuitOpen`, which
  spares the failing downstream and the callers' time; after *open_timeout*
  runtime seconds the breaker turns half-open;
- **half-open**: at most *half_open_max* trial calls go through (more are
  rejected); the first success closes the breaker, a failure opens it again.

The open -> half-open transition happens when the breaker is next looked at
(a call, ``state()``, ``statistics()``), computed from the runtime clock:
no goroutine or timer is needed. A result that arrives after the state
changed (a slow call started in an earlier state) is counted in the
statistics but does not move the breaker (the "generation" check).

Go: ``github.com/sony/gobreaker``::

    cb := gobreaker.NewCircuitBreaker(gobreaker.Settings{
        ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
        Timeout:     time.Second,  // open -> half-open
        MaxRequests: 1,            // trial calls while half-open
        OnStateChange: func(name string, from, to gobreaker.State) { ... },
    })
    body, err := cb.Execute(func() (any, error) { return http.Get(url) })
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from core.runtime import Mutex, next_object_id, now, trace_pattern

__all__ = ["BreakerState", "BreakerStats", "CircuitBreaker", "CircuitOpen"]

T = TypeVar("T")

Listener = Callable[["BreakerState", "BreakerState"], Any]


class BreakerState(enum.IntEnum):
    """The breaker's state; the value is what the plots show."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2

    def __str__(self) -> str:
        return self.name.lower().replace("_", "-")


class CircuitOpen(Exception):
    """A call was rejected without running: the breaker is open (or half-open and busy).

    Go: ``gobreaker.ErrOpenState`` / ``gobreaker.ErrTooManyRequests``
    """


@dataclass(frozen=True)
class BreakerStats:
    """A snapshot: the state, and calls that succeeded, failed, were rejected."""

    state: BreakerState
    successes: int
    failures: int
    rejections: int
    consecutive_failures: int
    opens: int  # how many times the breaker opened


class CircuitBreaker:
    """Wraps calls to a downstream; see the module docstring for the states.

    *on_state_change(old, new)* (and every listener added with
    :meth:`add_listener`) is called after each transition, in the goroutine
    that caused it, outside the breaker's lock (a listener may call
    ``state()``). Safe from any goroutine.

    Raises:
        ValueError: *failure_threshold* or *half_open_max* below 1, or
            *open_timeout* not positive.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        open_timeout: float = 1.0,
        half_open_max: int = 1,
        *,
        on_state_change: Listener | None = None,
        name: str = "breaker",
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1, got {failure_threshold!r}")
        if not open_timeout > 0:
            raise ValueError(f"open_timeout must be > 0 s, got {open_timeout!r}")
        if half_open_max < 1:
            raise ValueError(f"half_open_max must be >= 1, got {half_open_max!r}")
        self.failure_threshold = failure_threshold
        self.open_timeout = float(open_timeout)
        self.half_open_max = half_open_max
        self.name = name
        self.id = next_object_id()
        self._mu = Mutex(name=f"{name}.mu")
        # Everything below is guarded by self._mu.
        # Invariants: self._trials > 0 only while half-open;
        #   self._consecutive > 0 only while closed;
        #   self._generation changes on every transition.
        self._state = BreakerState.CLOSED
        self._generation = 0
        self._consecutive = 0
        self._trials = 0
        self._opened_at = 0.0
        self._successes = 0
        self._failures = 0
        self._rejections = 0
        self._opens = 0
        self._listeners: list[Listener] = [on_state_change] if on_state_change else []
        self._trace("made", f"closed: {failure_threshold} failures in a row open it")

    def _trace(self, what: str, text: str) -> None:
        """Record the breaker's state after *what* (caller holds self._mu, or owns it).

        Fields: ``state`` ("closed", "open", "half-open"), ``consecutive``
        failures of ``threshold``, ``opened_at`` and ``open_timeout`` (it may
        turn half-open from ``opened_at + open_timeout``), ``trials`` running of
        ``half_open_max``, and the counters ``successes``, ``failures``,
        ``rejections``, ``opens``.
        """
        trace_pattern(
            self.id,
            self.name,
            "circuit-breaker",
            what,
            text,
            state=str(self._state),
            consecutive=self._consecutive,
            threshold=self.failure_threshold,
            opened_at=self._opened_at,
            open_timeout=self.open_timeout,
            trials=self._trials,
            half_open_max=self.half_open_max,
            successes=self._successes,
            failures=self._failures,
            rejections=self._rejections,
            opens=self._opens,
        )

    # -- listeners ----------------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        """Call ``fn(old, new)`` after every transition."""
        with self._mu:
            self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        """Stop calling *fn*; raises ``ValueError`` if it was not added."""
        with self._mu:
            self._listeners.remove(fn)

    # -- state --------------------------------------------------------------------

    def _transition(self, new: BreakerState, t: float) -> tuple[BreakerState, BreakerState]:
        """Move to *new*. Caller holds self._mu."""
        old = self._state
        self._state = new
        self._generation += 1
        self._consecutive = 0
        self._trials = 0
        if new is BreakerState.OPEN:
            self._opened_at = t
            self._opens += 1
        return old, new

    def _refresh(self, t: float) -> list[tuple[BreakerState, BreakerState]]:
        """Turn half-open if the open timeout passed. Caller holds self._mu."""
        if self._state is BreakerState.OPEN and t >= self._opened_at + self.open_timeout:
            change = self._transition(BreakerState.HALF_OPEN, t)
            self._trace("half-open", "turned half-open: the open timeout passed, a trial may go")
            return [change]
        return []

    def _notify(self, changes: list[tuple[BreakerState, BreakerState]]) -> None:
        if not changes:
            return
        with self._mu:
            listeners = list(self._listeners)
        for old, new in changes:
            for fn in listeners:
                fn(old, new)

    def state(self) -> BreakerState:
        """The current state (turning half-open if the open timeout passed)."""
        with self._mu:
            changes = self._refresh(now())
            state = self._state
        self._notify(changes)
        return state

    # -- calls -------------------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` through the breaker and return its result.

        Blocks only while ``fn`` runs (the lock is not held then).

        Raises:
            CircuitOpen: without calling ``fn`` when the breaker is open, or
                half-open with *half_open_max* trial calls already running.
            Exception: whatever ``fn`` raised (it counts as a failure).

        Go: ``cb.Execute(fn)``
        """
        with self._mu:
            changes = self._refresh(now())
            state = self._state
            rejected = state is BreakerState.OPEN or (
                state is BreakerState.HALF_OPEN and self._trials >= self.half_open_max
            )
            if rejected:
                self._rejections += 1
                why = "open" if state is BreakerState.OPEN else "half-open, trial slots taken"
                self._trace("rejected", f"rejected a call at once ({why})")
            elif state is BreakerState.HALF_OPEN:
                self._trials += 1
                self._trace("trial", "let a trial call through")
            generation = self._generation
        self._notify(changes)
        if rejected:
            if state is BreakerState.OPEN:
                raise CircuitOpen(f"{self.name}: circuit breaker is open")
            raise CircuitOpen(f"{self.name}: circuit breaker is half-open: too many trial calls")
        try:
            result = fn(*args)
        except Exception:
            self._done(generation, ok=False)
            raise
        except BaseException:
            # Goexit: no result. Give the trial slot back so half-open cannot stick.
            with self._mu:
                if generation == self._generation and self._trials > 0:
                    self._trials -= 1
            raise
        self._done(generation, ok=True)
        return result

    def _done(self, generation: int, *, ok: bool) -> None:
        t = now()
        changes = []
        with self._mu:
            if ok:
                self._successes += 1
            else:
                self._failures += 1
            # A result from an earlier generation does not move the breaker.
            streak = 0
            if generation == self._generation:
                if self._state is BreakerState.CLOSED:
                    if ok:
                        self._consecutive = 0
                    else:
                        self._consecutive += 1
                        streak = self._consecutive
                        if self._consecutive >= self.failure_threshold:
                            changes.append(self._transition(BreakerState.OPEN, t))
                elif self._state is BreakerState.HALF_OPEN:
                    new = BreakerState.CLOSED if ok else BreakerState.OPEN
                    changes.append(self._transition(new, t))
            if changes and changes[-1][1] is BreakerState.OPEN:
                self._trace("opened", _opened_text(changes[-1][0], streak, self.open_timeout))
            elif changes:
                self._trace("closed", "closed again: the trial call succeeded")
            else:
                self._trace(
                    "succeeded" if ok else "failed", "a call succeeded" if ok else "a call failed"
                )
        self._notify(changes)

    # -- statistics ----------------------------------------------------------------

    def statistics(self) -> BreakerStats:
        """A snapshot of the state and counters (see :class:`BreakerStats`)."""
        with self._mu:
            changes = self._refresh(now())
            stats = BreakerStats(
                state=self._state,
                successes=self._successes,
                failures=self._failures,
                rejections=self._rejections,
                consecutive_failures=self._consecutive,
                opens=self._opens,
            )
        self._notify(changes)
        return stats


def _opened_text(old: BreakerState, streak: int, timeout: float) -> str:
    why = (
        "the trial call failed" if old is BreakerState.HALF_OPEN else f"{streak} failures in a row"
    )
    return f"opened ({why}): calls are rejected for {timeout:g} s"

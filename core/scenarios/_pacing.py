"""What the lessons share to keep a human pace: a reusable wait, per-second rates, a poke.

Every wait here is on the runtime clock (the speed slider scales it, a paused
clock holds it) and ends early when its context is done, so a lesson stops
at once whatever it was waiting for. The loops built on them are methods of
:class:`~core.scenarios.Scenario`: ``nap``, ``paced`` and ``ticks``.
"""

from __future__ import annotations

import math
from collections import deque
from types import TracebackType

from core import runtime
from core.runtime import Chan, Recv, Send, Timer, context, select

__all__ = ["RATE_SMOOTHING", "RATE_WINDOW", "Pause", "Rates", "try_send"]


class Pause:
    """A goroutine's wait that the end of *ctx* interrupts, on one reusable Timer.

    The Timer is made on the first :meth:`wait` and reset for each later one,
    so a loop that waits again and again leaves no timer behind (unlike
    ``time.After`` in a loop). Use it in a ``with`` block, which stops the
    timer on the way out, or call :meth:`stop`. One goroutine owns it.

    Go::

        t.Reset(d)
        select {
        case <-ctx.Done():
        case <-t.C:
        }
    """

    def __init__(self, ctx: context.Context, name: str) -> None:
        self._ctx = ctx
        self._name = name
        self._timer: Timer | None = None

    def wait(self, d: float) -> bool:
        """Block *d* runtime seconds, or less if ctx ends.

        Returns whether ctx is still live: False means "the program is
        ending, return". Never raises (a stopped runtime unwinds the
        goroutine with ``Goexit``, as it does any blocked goroutine).
        """
        if self._timer is None:
            self._timer = Timer(d, name=self._name)
        else:
            self._timer.reset(d)  # the last wait received from c (or ctx ended it)
        select(Recv(self._ctx.done()), Recv(self._timer.c))
        return self._ctx.err() is None

    def stop(self) -> None:
        """Stop the timer (a wait cut short by ctx leaves it pending). Never blocks."""
        if self._timer is not None:
            self._timer.stop()

    def __enter__(self) -> Pause:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# A rate is measured over at least this many runtime seconds: over 0.25 s a steady
# 10/s reads 8 or 12 (two or three events in the window), and a sampler woken late
# by the GIL, then on time, divides a jump by a sliver of time (a 110 jobs/s spike
# from a pool that cannot do 20).
RATE_WINDOW = 1.0
# Then smoothed (exponentially, time constant in runtime seconds): what is left of
# the window's edge effect (a steady 10/s reads 9 to 11) shrinks to about 0.4/s,
# and a change of rate shows in full within about 3 s.
RATE_SMOOTHING = 1.0


class Rates:
    """Per-runtime-second rates of counts that only grow, for a metric sampler.

    ``rates.update(t, sent=120, lost=3)`` returns each count's growth per
    runtime second, measured over the last *window* seconds (at least
    :data:`RATE_WINDOW`) and smoothed with an exponential moving average of
    time constant *smoothing* seconds (a window in which nothing grew reads 0
    at once): ``{"sent": ..., "lost": ...}``,
    ready for ``Scenario.record_many``. Until a whole window has passed
    since *t0* (default: now) it returns ``{}``: no rate is better than a
    rate over a sliver of time. The counts start at 0 at *t0*. A count that
    falls (its source started again) counts from 0 again, as after
    :meth:`restart`; a rate is never negative. One goroutine, the sampler,
    owns it.

    Invariants: ``self._history`` is in time order, starts at or before
    ``t - window`` once a window has passed, and holds the running totals
    (growth summed over every source, never falling).
    """

    def __init__(
        self,
        t0: float | None = None,
        *,
        window: float = RATE_WINDOW,
        smoothing: float = RATE_SMOOTHING,
    ) -> None:
        if window < RATE_WINDOW:
            raise ValueError(f"a rate window must be at least {RATE_WINDOW:g} s, got {window!r}")
        if smoothing < 0:
            raise ValueError(f"smoothing must be 0 or more seconds, got {smoothing!r}")
        t = runtime.now() if t0 is None else t0
        self.window = window
        self.smoothing = smoothing
        self._last: dict[str, float] = {}  # each count at the previous update; 0 if absent
        self._total: dict[str, float] = {}  # each count's growth since t0, over every source
        self._history: deque[tuple[float, dict[str, float]]] = deque([(t, {})])
        self._smooth: dict[str, tuple[float, float]] = {}  # name -> (time, smoothed rate)

    def update(self, t: float, **counts: float) -> dict[str, float]:
        """Take the counts at runtime time *t*; return the rates known at *t* (maybe ``{}``)."""
        if t <= self._history[-1][0]:
            return {}  # no time has passed
        for n, v in counts.items():
            last = self._last.get(n, 0.0)
            grew = v - last if v >= last else v  # fell: a new source, counting from 0
            self._total[n] = self._total.get(n, 0.0) + grew
            self._last[n] = v
        history = self._history
        history.append((t, dict(self._total)))
        # Keep one point at or before t - window (the window's start), none older.
        while len(history) > 2 and history[1][0] <= t - self.window:
            history.popleft()
        t_old, old = history[0]
        span = t - t_old
        if span < self.window:
            return {}  # not a whole window yet
        rates: dict[str, float] = {}
        for n in counts:
            raw = (self._total[n] - old.get(n, 0.0)) / span
            prev = self._smooth.get(n)
            if prev is None or self.smoothing == 0 or raw == 0:
                # Nothing grew for a whole window: 0 now, not a smoothed tail
                # that would read 0.02/s for a second or more of nothing.
                value = raw
            else:
                t_prev, r_prev = prev
                value = r_prev + (1.0 - math.exp(-(t - t_prev) / self.smoothing)) * (raw - r_prev)
            self._smooth[n] = (t, value)
            rates[n] = value
        return rates

    def restart(self) -> None:
        """The counts now come from a new source, counting from 0; the rates go on."""
        self._last.clear()


def try_send(ch: Chan | None, value: object = None) -> bool:
    """Send *value* on *ch* unless that would block; returns whether it was sent.

    A teacher's request to a goroutine of the lesson: when one is already
    waiting to be taken, the new one is dropped. *ch* None (the lesson has
    not made its channels yet) sends nothing. Never blocks.

    Raises:
        Panic: "send on closed channel" if *ch* is closed.

    Go: ``select { case ch <- v: default: }``
    """
    if ch is None:
        return False
    return select(Send(ch, value), default=True)[0] == 0

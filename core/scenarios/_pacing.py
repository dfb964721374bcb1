"""What the lessons share to keep a human pace: a reusable wait, per-second rates, a poke.

Every wait here is on the runtime clock (the speed slider scales it, a paused
clock holds it) and ends early when its context is done, so a lesson stops
at once whatever it was waiting for. The loops built on them are methods of
:class:`~core.scenarios.Scenario`: ``nap``, ``paced`` and ``ticks``.
"""

from __future__ import annotations

from types import TracebackType

from core import runtime
from core.runtime import Chan, Recv, Send, Timer, context, select

__all__ = ["Pause", "Rates", "try_send"]


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


class Rates:
    """Per-runtime-second rates of counts that only grow, for a metric sampler.

    ``rates.update(t, sent=120, lost=3)`` returns how much each count grew
    since the previous update, divided by the runtime seconds in between:
    ``{"sent": ..., "lost": ...}``, ready for ``Scenario.record_many``. It
    returns ``{}`` when no time has passed. The counts start at 0 at the
    runtime time *t0* (default: now). One goroutine, the sampler, owns it.
    """

    def __init__(self, t0: float | None = None) -> None:
        self._t = runtime.now() if t0 is None else t0
        self._last: dict[str, float] = {}  # each count at the previous update; 0 if absent

    def update(self, t: float, **counts: float) -> dict[str, float]:
        dt = t - self._t
        rates = {n: (v - self._last.get(n, 0)) / dt for n, v in counts.items()} if dt > 0 else {}
        self._t = t
        self._last.update(counts)
        return rates

    def restart(self) -> None:
        """Count from 0 again (the counts now come from a new source); keeps the time."""
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

"""Three counters shared by many goroutines: the lost update and its two cures.

``count++`` is three steps, read, add, write. Two goroutines that both read
5 both write 6, and one increment is lost. :class:`BadCounter` does exactly
that (and says so in the trace: a ``MEM_READ`` and a ``MEM_WRITE`` per
increment, so step mode shows the three steps). :class:`SafeCounter` puts the
three steps under a :class:`~core.runtime.Mutex`; :class:`AtomicCounter` makes
them one indivisible ``AtomicInt64.add``.

Go::

    type SafeCounter struct {
        mu sync.Mutex
        n  int
    }
    func (c *SafeCounter) Inc() { c.mu.Lock(); c.n++; c.mu.Unlock() }
"""

from __future__ import annotations

from core.runtime import AtomicInt64, Mutex, gosched, next_object_id, sleep, trace_point
from core.trace import Kind

__all__ = ["AtomicCounter", "BadCounter", "SafeCounter"]


class BadCounter:
    """A counter with a data race: ``count++`` with nothing around it.

    ``inc`` reads the value, yields the processor (``gosched``, or sleeps
    *gap* runtime seconds when *gap* > 0) and writes the value it read plus
    one. Any increment that lands in that gap is overwritten: under 8
    goroutines x 2,000 increments some are always lost. Never blocks except
    for the deliberate gap; never raises.

    Each step passes the runtime's pause gate (``trace_point``), so when the
    clock is paused a step shows the read, then the write, one at a time.

    Go (the mistake)::

        func (c *BadCounter) Inc() { c.n++ } // go test -race reports it
    """

    def __init__(self, *, gap: float = 0.0, name: str = "count") -> None:
        if gap < 0:
            raise ValueError(f"gap must be >= 0, got {gap!r}")
        self.name = name
        self.gap = gap
        self.id = next_object_id()
        self._n = 0  # deliberately unguarded: this is the race being taught

    def _read(self) -> int:
        return self._n

    def inc(self) -> None:
        """``c.n++`` as a learner should see it: read, add, (gap), write."""
        v = trace_point(Kind.MEM_READ, obj_id=self.id, obj_name=self.name, value=self._read)
        v += 1  # add: in a register, invisible to the other goroutines
        if self.gap > 0:
            sleep(self.gap)
        else:
            gosched()  # the gap: another goroutine may read the same old value now
        trace_point(Kind.MEM_WRITE, obj_id=self.id, obj_name=self.name, value=v)
        self._n = v  # write: overwrites any increment made since the read

    def value(self) -> int:
        """The current value (a plain read; it too is racy in Go)."""
        return self._n


class SafeCounter:
    """A counter whose read-modify-write is guarded by a :class:`Mutex`.

    ``inc`` and ``value`` block while another goroutine holds the lock;
    never raise. No increment is ever lost.

    Go: ``c.mu.Lock(); c.n++; c.mu.Unlock()``
    """

    def __init__(self, *, name: str = "count") -> None:
        self.name = name
        self.id = next_object_id()
        self._mu = Mutex(name=f"{name}.mu")
        self._n = 0  # guarded by self._mu

    def _read(self) -> int:
        return self._n

    def inc(self) -> None:
        """Add one under the lock (blocks while another goroutine holds it).

        The read and the write are traced as :class:`BadCounter`'s are, so the stage
        draws the same variable beside the racy one: here no write ever lands between
        another goroutine's read and write (each step passes the pause gate too).
        """
        with self._mu:
            v = trace_point(Kind.MEM_READ, obj_id=self.id, obj_name=self.name, value=self._read)
            trace_point(Kind.MEM_WRITE, obj_id=self.id, obj_name=self.name, value=v + 1)
            self._n = v + 1

    def value(self) -> int:
        """The current value, read under the lock."""
        with self._mu:
            return self._n


class AtomicCounter:
    """A counter on one :class:`AtomicInt64`: the increment is indivisible.

    Never blocks, never raises, never loses an increment.

    Go: ``var n atomic.Int64; n.Add(1)``
    """

    def __init__(self, *, name: str = "count") -> None:
        self.name = name
        self._n = AtomicInt64(name=name)

    def inc(self) -> None:
        """Add one atomically."""
        self._n.add(1)

    def value(self) -> int:
        """The current value (an atomic load)."""
        return self._n.load()

"""Per-user counters: a map guarded by an RWMutex, one atomic counter per user.

The common case, a user already in the map, takes only the read lock and one
atomic add, so many goroutines count at once. A new user takes the write
lock and checks again (double-checked creation): another goroutine may have
created the counter between our read unlock and our write lock.

:class:`UnsafeUserCounters` is the textbook mistake, a plain map with no
lock, kept for the broken variant of the lesson: it loses counts (Go's
runtime may even stop the program with "fatal error: concurrent map writes").

Go::

    type UserCounters struct {
        mu       sync.RWMutex
        counters map[string]*atomic.Int64
    }
"""

from __future__ import annotations

from core.runtime import AtomicInt64, RWMutex, gosched, sleep, trace_point
from core.trace import Kind

__all__ = ["UnsafeUserCounters", "UserCounters"]


class UserCounters:
    """Counters per user, safe for any number of goroutines.

    ``inc`` blocks only while a writer holds the lock (a new user being
    added); ``get`` and ``get_all`` block only while a writer holds it.
    Nothing raises.

    Go: ``RLock`` to find the counter, ``Lock`` to create it, ``counter.Add(1)``.
    """

    def __init__(self, *, name: str = "counters") -> None:
        self.name = name
        self._mu = RWMutex(name=f"{name}.mu")
        # Guarded by self._mu: read under rlock, grown under lock. Entries are
        # never removed or replaced, so a counter found under rlock stays valid.
        self._counters: dict[str, AtomicInt64] = {}

    def inc(self, user: str) -> None:
        """Add one to *user*'s counter, creating it on first use."""
        self._mu.rlock()
        c = self._counters.get(user)
        self._mu.runlock()
        if c is None:
            self._mu.lock()
            try:
                # Check again: another goroutine may have created it since our runlock.
                c = self._counters.get(user)
                if c is None:
                    c = self._counters[user] = AtomicInt64(name=f"{self.name}[{user}]")
            finally:
                self._mu.unlock()
        c.add(1)

    def get(self, user: str) -> int:
        """*user*'s count; 0 for a user never counted."""
        self._mu.rlock()
        c = self._counters.get(user)
        self._mu.runlock()
        return 0 if c is None else c.load()

    def get_all(self) -> dict[str, int]:
        """A copy of every count (each read atomically; not one snapshot in time)."""
        self._mu.rlock()
        try:
            return {user: c.load() for user, c in self._counters.items()}
        finally:
            self._mu.runlock()


class UnsafeUserCounters:
    """The mistake: ``counts[user]++`` on a plain map, no lock.

    ``inc`` reads the count, yields (or sleeps *gap* runtime seconds) and
    writes the old count plus one, so concurrent increments of one user are
    lost. Never raises here; Go would report a data race or crash.

    Go (the mistake): ``c.counts[user]++``
    """

    def __init__(self, *, gap: float = 0.0, name: str = "counters") -> None:
        if gap < 0:
            raise ValueError(f"gap must be >= 0, got {gap!r}")
        self.name = name
        self.gap = gap
        self._counts: dict[str, int] = {}  # deliberately unguarded

    def inc(self, user: str) -> None:
        """Read, add, (gap), write: increments made in the gap are lost."""
        v = self._counts.get(user, 0)
        trace_point(Kind.MEM_READ, obj_name=f"{self.name}[{user}]", value=str(v))
        if self.gap > 0:
            sleep(self.gap)
        else:
            gosched()
        trace_point(Kind.MEM_WRITE, obj_name=f"{self.name}[{user}]", value=str(v + 1))
        self._counts[user] = v + 1

    def get(self, user: str) -> int:
        """*user*'s count; 0 for a user never counted."""
        return self._counts.get(user, 0)

    def get_all(self) -> dict[str, int]:
        """A copy of the map."""
        return dict(self._counts)

"""A cache with a TTL, a janitor goroutine and single-flight loading.

Three production ideas in one type:

- Reads take a read lock (``RWMutex.rlock``), so many readers run at once;
  writes (``set``, ``delete``, the janitor) take the write lock.
- Every entry expires *ttl* runtime seconds after it was stored. A read never
  returns an expired entry; a janitor goroutine on a ``Ticker`` removes them
  (without it, expired entries stay in memory until overwritten).
- ``get_or_load`` loads a missing key once, however many goroutines ask for
  it at the same time: the first caller runs the loader, the others wait on
  a channel that is closed when the load finished, then share its result
  (or its error). Without that, a popular key that expires makes every
  client hit the slow backend at once: a cache stampede.

Go: ``github.com/patrickmn/go-cache`` (TTL + janitor) and
``golang.org/x/sync/singleflight``::

    type call struct {
        done chan struct{}
        val  any
        err  error
    }
    func (c *Cache) GetOrLoad(key string, load func(string) (any, error)) (any, error) {
        if v, ok := c.Get(key); ok {
            return v, nil
        }
        c.callsMu.Lock()
        if cl, ok := c.calls[key]; ok { // someone is loading it: wait
            c.callsMu.Unlock()
            <-cl.done
            return cl.val, cl.err
        }
        cl := &call{done: make(chan struct{})}
        c.calls[key] = cl
        c.callsMu.Unlock()
        cl.val, cl.err = load(key)
        if cl.err == nil {
            c.Set(key, cl.val)
        }
        c.callsMu.Lock()
        delete(c.calls, key)
        c.callsMu.Unlock()
        close(cl.done)
        return cl.val, cl.err
    }
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from core.runtime import (
    AtomicInt64,
    Chan,
    Goroutine,
    Mutex,
    Recv,
    RWMutex,
    Ticker,
    go,
    next_object_id,
    now,
    select,
    trace_pattern,
)

__all__ = ["Cache", "CacheStats", "LoadAborted"]

_K = TypeVar("_K", bound=Hashable)  # a key, as its loader takes it


class LoadAborted(RuntimeError):
    """The goroutine running a load was stopped (by the runtime) before it finished.

    What the goroutines waiting for that load raise.
    """


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of a cache's counters.

    ``hits``/``misses``: lookups (``get`` and the first look of
    ``get_or_load``) that found / did not find a fresh entry. ``loads``:
    loader calls made by ``get_or_load``. ``evictions``: expired entries the
    janitor (or ``delete_expired``) removed. ``size``: entries held, fresh or
    expired.
    """

    hits: int
    misses: int
    loads: int
    evictions: int
    size: int


class _Call:
    """One load in flight (singleflight's ``call``)."""

    __slots__ = ("done", "err", "value", "waiters")

    def __init__(self, done: Chan) -> None:
        self.done = done  # closed once value/err are set: the close publishes them
        self.value: Any = None
        self.err: BaseException | None = None
        self.waiters = 0  # callers waiting for this load (for the picture); under _calls_mu


class Cache:
    """A key-value cache whose entries expire *ttl* runtime seconds after ``set``.

    *janitor_interval* is the period of the janitor started by
    :meth:`start_janitor`. All methods are safe from any goroutine.

    Raises:
        ValueError: *ttl* or *janitor_interval* is not positive.
    """

    def __init__(self, ttl: float = 60.0, janitor_interval: float = 1.0, *, name: str = "cache"):
        if not ttl > 0:
            raise ValueError(f"ttl must be > 0 s, got {ttl!r}")
        if not janitor_interval > 0:
            raise ValueError(f"janitor_interval must be > 0 s, got {janitor_interval!r}")
        self.ttl = float(ttl)
        self.janitor_interval = float(janitor_interval)
        self.name = name
        self._mu = RWMutex(name=f"{name}.mu")
        # key -> (value, expires at, runtime time); guarded by self._mu.
        # Entries are immutable tuples: expire_all replaces them.
        self._items: dict[Hashable, tuple[Any, float]] = {}
        self._calls_mu = Mutex(name=f"{name}.calls")
        # Invariant: a key is in self._calls exactly while one goroutine runs its
        # loader inside get_or_load; guarded by self._calls_mu.
        self._calls: dict[Hashable, _Call] = {}
        self._hits = AtomicInt64(name=f"{name}.hits")
        self._misses = AtomicInt64(name=f"{name}.misses")
        self._loads = AtomicInt64(name=f"{name}.loads")
        self._evictions = AtomicInt64(name=f"{name}.evictions")
        self.id = next_object_id()
        self._trace_entries("made", f"entries stay fresh {self.ttl:g} s")

    # -- the picture -------------------------------------------------------------

    def _trace_entries(self, what: str, text: str) -> None:
        """Record the entries after *what* (caller holds self._mu for writing, or owns it).

        Fields: ``entries``, ``((key, expires at), ...)`` for the first
        ENTRIES_SHOWN keys in order, ``size`` and ``ttl``.
        """
        keys = sorted(self._items, key=_key_order)[:ENTRIES_SHOWN]
        entries = tuple((str(k), self._items[k][1]) for k in keys)
        trace_pattern(
            self.id,
            self.name,
            "cache",
            what,
            text,
            entries=entries,
            size=len(self._items),
            ttl=self.ttl,
        )

    def _trace_loads(self, what: str, text: str) -> None:
        """Record the loads in flight after *what* (caller holds self._calls_mu).

        Field: ``loading``, ``((key, callers waiting for it), ...)``.
        """
        loading = tuple(
            (str(k), c.waiters) for k, c in sorted(self._calls.items(), key=_item_order)
        )
        trace_pattern(self.id, self.name, "cache", what, text, loading=loading)

    # -- reads ---------------------------------------------------------------

    def _lookup(self, key: Hashable) -> tuple[Any, bool]:
        self._mu.rlock()
        try:
            entry = self._items.get(key)
        finally:
            self._mu.runlock()
        if entry is not None and entry[1] > now():
            return entry[0], True
        return None, False

    def get(self, key: Hashable) -> tuple[Any, bool]:
        """Return ``(value, True)`` for a fresh entry, else ``(None, False)``.

        An expired entry counts as missing (it stays until the janitor
        evicts it). Blocks only while a writer holds the lock.

        Go: ``v, ok := c.Get(key)``
        """
        value, ok = self._lookup(key)
        (self._hits if ok else self._misses).add(1)
        return value, ok

    # -- writes --------------------------------------------------------------

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store *value* under *key*, fresh for *ttl* (default: the cache's ttl).

        Blocks while readers or another writer hold the lock.

        Raises:
            ValueError: *ttl* is not positive.

        Go: ``c.Set(key, value, ttl)``
        """
        ttl = self.ttl if ttl is None else ttl
        if not ttl > 0:
            raise ValueError(f"ttl must be > 0 s, got {ttl!r}")
        expires = now() + ttl
        self._mu.lock()
        try:
            self._items[key] = (value, expires)
            self._trace_entries("set", f"stored {key}, fresh for {ttl:g} s")
        finally:
            self._mu.unlock()

    def delete(self, key: Hashable) -> bool:
        """Remove *key*; returns whether it was there. Blocks like :meth:`set`."""
        self._mu.lock()
        try:
            there = self._items.pop(key, None) is not None
            if there:
                self._trace_entries("deleted", f"deleted {key}")
            return there
        finally:
            self._mu.unlock()

    def expire_all(self) -> int:
        """Mark every entry expired now (reads miss; the janitor evicts them).

        Returns how many entries were still fresh. Blocks like :meth:`set`.
        """
        t = now()
        self._mu.lock()
        try:
            fresh = 0
            for key, (value, expires) in self._items.items():
                if expires > t:
                    fresh += 1
                    self._items[key] = (value, t)
            self._trace_entries("expired", f"expired {fresh} entries at once")
            return fresh
        finally:
            self._mu.unlock()

    def delete_expired(self) -> int:
        """Evict every expired entry; returns how many (what the janitor does)."""
        t = now()
        self._mu.lock()
        try:
            expired = [k for k, (_, expires) in self._items.items() if expires <= t]
            for k in expired:
                del self._items[k]
            if expired:
                self._trace_entries("evicted", f"the janitor evicted {len(expired)} entries")
        finally:
            self._mu.unlock()
        if expired:
            self._evictions.add(len(expired))
        return len(expired)

    # -- single-flight loading -----------------------------------------------

    def get_or_load(self, key: _K, loader: Callable[[_K], Any]) -> Any:
        """Return the fresh value of *key*, loading it with ``loader(key)`` if missing.

        Concurrent callers that miss the same key share one load: the first
        runs ``loader(key)`` (outside every lock) and stores the value; the
        others block on a channel receive until that load finished, then
        return the same value. A loader error is not cached: it reaches the
        loading caller and every waiter, and the next call loads again.

        Raises:
            Exception: whatever ``loader`` raised (the same instance for
                every goroutine that waited for that load).
            LoadAborted: in the waiters, when the loading goroutine was
                stopped by the runtime in the middle of the load.

        Go: ``golang.org/x/sync/singleflight``: ``g.Do(key, fn)``
        """
        value, ok = self._lookup(key)
        if ok:
            self._hits.add(1)
            return value
        self._misses.add(1)
        self._calls_mu.lock()
        call = self._calls.get(key)
        if call is not None:
            call.waiters += 1
            self._trace_loads("waits", f"a caller waits for the load of {key} already under way")
            self._calls_mu.unlock()
            call.done.recv()  # closed by the loader once value/err are set
            if call.err is not None:
                raise call.err
            return call.value
        # A load may have finished between our lookup and taking _calls_mu. A
        # loader stores its value *before* it leaves self._calls, so looking
        # again here (under _calls_mu) cannot miss it: no second load.
        value, ok = self._lookup(key)
        if ok:
            self._calls_mu.unlock()
            return value
        call = _Call(Chan(name=f"{self.name}.load({key!r})"))
        self._calls[key] = call
        self._trace_loads("loading", f"loads {key} (one load, however many ask)")
        self._calls_mu.unlock()
        self._loads.add(1)
        try:
            call.value = loader(key)
            self.set(key, call.value)
        except Exception as exc:
            call.err = exc
            raise
        except BaseException:
            # Goexit (the runtime is stopping us): the waiters must not hang.
            call.err = LoadAborted(f"{self.name}: the load of {key!r} was stopped")
            raise
        finally:
            self._calls_mu.lock()
            del self._calls[key]
            woke = f", waking {call.waiters} waiting" if call.waiters else ""
            self._trace_loads("loaded", f"the load of {key} ended{woke}")
            self._calls_mu.unlock()
            call.done.close()
        return call.value

    # -- the janitor ----------------------------------------------------------

    def start_janitor(self, ctx: Any) -> Goroutine:
        """Start the janitor goroutine; returns it.

        Every ``janitor_interval`` (a ``Ticker``) it evicts the expired
        entries; it returns once *ctx* is done (with ``background()`` it
        never does). Never blocks the caller.

        Go: ``go c.janitor(ctx)`` with ``for { select { case <-ctx.Done(): ...
        case <-ticker.C: c.DeleteExpired() } }``
        """
        return go(self._janitor, ctx, name=f"{self.name}.janitor")

    def _janitor(self, ctx: Any) -> None:
        ticker = Ticker(self.janitor_interval, name=f"{self.name}.janitor")
        try:
            while True:
                i, _, _ = select(Recv(ctx.done()), Recv(ticker.c))
                # Both ready: select picks at random; the err() check keeps a
                # tick that won the draw from working after done.
                if i == 0 or ctx.err() is not None:
                    return
                self.delete_expired()
        finally:
            ticker.stop()

    # -- statistics ------------------------------------------------------------

    def statistics(self) -> CacheStats:
        """A snapshot of the counters (see :class:`CacheStats`)."""
        self._mu.rlock()
        try:
            size = len(self._items)
        finally:
            self._mu.runlock()
        return CacheStats(
            hits=self._hits.load(),
            misses=self._misses.load(),
            loads=self._loads.load(),
            evictions=self._evictions.load(),
            size=size,
        )


ENTRIES_SHOWN = 12  # entries a record carries (the first keys in order)


def _key_order(k: Hashable) -> tuple:
    """Keys in a reader's order: k2 before k10."""
    text = str(k)
    m = re.fullmatch(r"(.*?)(\d+)", text)
    return (m.group(1), int(m.group(2)), text) if m else (text, 0, text)


def _item_order(item: tuple) -> tuple:
    return _key_order(item[0])

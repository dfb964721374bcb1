"""Go's ``sync`` package: Mutex, RWMutex, WaitGroup, Once.

None of them is owned: any goroutine may unlock what another locked, as in
Go. Every wait parks the goroutine through the runtime, so it shows as
blocked, takes part in deadlock detection and can be killed by ``stop``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from core.runtime._errors import Goexit, Panic
from core.runtime._goroutine import Goroutine, State, _me, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.runtime._waitq import ready
from core.trace import Kind

__all__ = ["Mutex", "Once", "RWMutex", "WaitGroup"]


class _Waiter:
    __slots__ = ("cancelled", "g", "writer")

    def __init__(self, g: Goroutine, writer: bool = False) -> None:
        self.g = g
        self.writer = writer
        self.cancelled = False


class _SyncObject:
    """Id, name and runtime of a sync object; announces itself to the tracer."""

    kind = "sync"

    def __init__(self, name: str | None) -> None:
        self.id = next_object_id()
        self.name = name or f"{self.kind.lower()}-{self.id}"
        self._rt = current_runtime()
        trace_make(self._rt, self, self.kind)

    def _emit(self, kind: Kind, value: Any = "", extra: tuple = (), g: int | None = None) -> None:
        tr = self._rt.tracer
        if tr is not None:
            tr.emit(
                kind,
                g=_me().id if g is None else g,
                obj=self.id,
                name=self.name,
                value=value,
                extra=extra,
            )


class Mutex(_SyncObject):
    """A mutual exclusion lock. The zero value is unlocked.

    Go: ``sync.Mutex``
    """

    kind = "Mutex"

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name)
        self._l = threading.Lock()  # the mutex itself: held <=> locked
        self._wl = threading.Lock()  # guards _waiters
        self._waiters: deque[_Waiter] = deque()
        self._holder: Goroutine | None = None  # who locked it last (explanations only)

    # Traced, LOCK and UNLOCK are emitted under self._wl, in the critical
    # section that takes or frees self._l, so the trace never shows the mutex
    # free while someone holds it, nor two holders. Untraced, the fast paths
    # touch only self._l.

    def lock(self) -> None:
        """Lock the mutex; blocks until it is free.

        Go: ``mu.Lock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Mutex.Lock", self)
        if rt.tracer is None:
            if not self._l.acquire(False):
                self._lock_slow()
            return
        with self._wl:
            if self._l.acquire(False):
                self._took()
                return
        self._lock_slow()

    def _took(self) -> None:
        """Record the new holder (self._wl held, traced)."""
        me = self._holder = _me()
        self._emit(Kind.LOCK, extra=("w",), g=me.id)

    def _lock_slow(self) -> None:
        me = _me()
        rt = self._rt
        while True:
            w = _Waiter(me)
            with self._wl:
                # Register first, then retry: an untraced unlock releases the
                # lock and only then looks for waiters, so either the retry
                # succeeds or the unlock sees this waiter (never a lost wake-up).
                self._waiters.append(w)
                if self._l.acquire(False):
                    self._waiters.remove(w)
                    if rt.tracer is not None:
                        self._took()
                    return
                if me._kill:
                    self._waiters.remove(w)
                    raise Goexit
                rt._block(me, self, w, State.BLOCKED_LOCK, "sync.Mutex.Lock")
            rt._wait(me, w)
            # Woken by an unlock: compete for the lock (Go's normal mode); the
            # loop's retry takes it, or parks again.

    def try_lock(self) -> bool:
        """Lock if free, without waiting; True if it did. Go: ``mu.TryLock()``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Mutex.TryLock", self)
        if rt.tracer is None:
            return self._l.acquire(False)
        with self._wl:
            ok = self._l.acquire(False)
            if ok:
                self._took()
        return ok

    def unlock(self, *_exc: object) -> None:
        """Unlock; wakes one waiter, which competes for the lock.

        Raises:
            Panic: "sync: unlock of unlocked mutex".

        Go: ``mu.Unlock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Mutex.Unlock", self)
        if rt.tracer is None:
            try:
                self._l.release()
            except RuntimeError:
                raise Panic("sync: unlock of unlocked mutex") from None
            if self._waiters:
                with self._wl:
                    w = self._waiters.popleft() if self._waiters else None
                    if w is not None:
                        ready(w.g)
                if w is not None:
                    w.g.parker.release()
            return
        with self._wl:
            if not self._l.locked():
                raise Panic("sync: unlock of unlocked mutex")
            w = self._waiters.popleft() if self._waiters else None
            if w is not None:
                ready(w.g)
            self._emit(Kind.UNLOCK, extra=("w", w.g.id if w is not None else 0))
            self._l.release()
        if w is not None:
            w.g.parker.release()

    # ``with mu:`` calls lock and unlock directly: one Python call each way
    # (unlock ignores the exception triple __exit__ passes).
    __enter__ = lock
    __exit__ = unlock

    @property
    def locked(self) -> bool:
        return self._l.locked()

    def holder_name(self) -> str:
        h = self._holder
        return h.name if h is not None and self.locked else ""

    def _snapshot(self) -> tuple[str, dict]:
        with self._wl:
            return "mutexes", {"name": self.name, "locked": self._l.locked()}

    def _cancel_wait(self, w: _Waiter) -> bool:
        with self._wl:
            try:
                self._waiters.remove(w)
            except ValueError:
                return False
            return True


class RWMutex(_SyncObject):
    """A reader/writer lock: many readers or one writer.

    Once a writer waits, new readers wait until that writer has had the
    lock (writer preference, as in Go).

    Go: ``sync.RWMutex``
    """

    kind = "RWMutex"

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name)
        self._l = threading.Lock()
        # Invariants, whenever self._l is free:
        #   self._writer => self._readers == 0;
        #   self._readq non-empty => a writer holds or waits for the lock;
        #   len(self._writeq) is the number of writers waiting.
        self._readers = 0
        self._writer = False
        self._readq: deque[_Waiter] = deque()
        self._writeq: deque[_Waiter] = deque()
        self._holders: list[Goroutine] = []  # explanations only

    def rlock(self) -> None:
        """Lock for reading; blocks while a writer holds or waits for the lock.

        Go: ``rw.RLock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.RLock", self)
        me = _me()
        with self._l:
            if not self._writer and not self._writeq:
                self._readers += 1
                self._emit(Kind.LOCK, extra=("r",))
                return
            if me._kill:
                raise Goexit
            w = _Waiter(me)
            self._readq.append(w)
            rt._block(me, self, w, State.BLOCKED_LOCK, "sync.RWMutex.RLock")
        rt._wait(me, w)  # woken holding a read lock

    def runlock(self) -> None:
        """Release a read lock. Raises ``Panic`` ("sync: RUnlock of unlocked RWMutex").

        Go: ``rw.RUnlock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.RUnlock", self)
        with self._l:
            if self._readers == 0:
                raise Panic("sync: RUnlock of unlocked RWMutex")
            self._readers -= 1
            self._emit(Kind.UNLOCK, extra=("r",))
            wake = self._grant_locked()
        _release(wake)

    def lock(self) -> None:
        """Lock for writing; blocks until no reader or writer holds it.

        Go: ``rw.Lock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.Lock", self)
        me = _me()
        with self._l:
            if not self._writer and self._readers == 0 and not self._writeq:
                self._writer = True
                self._emit(Kind.LOCK, extra=("w",))
                return
            if me._kill:
                raise Goexit
            w = _Waiter(me, writer=True)
            self._writeq.append(w)
            rt._block(me, self, w, State.BLOCKED_LOCK, "sync.RWMutex.Lock")
        rt._wait(me, w)  # woken holding the write lock

    def unlock(self) -> None:
        """Release the write lock. Raises ``Panic`` ("sync: Unlock of unlocked RWMutex").

        Readers that waited during the write go first, then the next writer.

        Go: ``rw.Unlock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.Unlock", self)
        with self._l:
            if not self._writer:
                raise Panic("sync: Unlock of unlocked RWMutex")
            self._writer = False
            self._emit(Kind.UNLOCK, extra=("w",))
            wake = self._grant_locked(readers_first=True)
        _release(wake)

    def _grant_locked(self, readers_first: bool = False) -> list[_Waiter]:
        """Hand the lock to whoever may have it now; returns the waiters to wake.

        Each grant is one LOCK event (handed=True) naming the new holder, who
        is made runnable by it.
        """
        if self._writer:
            return []
        if (readers_first and self._readq) or (not self._writeq and self._readq):
            wake = list(self._readq)
            self._readq.clear()
            self._readers += len(wake)
            for w in wake:
                ready(w.g)
                self._emit(Kind.LOCK, extra=("r", True), g=w.g.id)
            return wake
        if self._readers == 0 and self._writeq:
            w = self._writeq.popleft()
            self._writer = True
            ready(w.g)
            self._emit(Kind.LOCK, extra=("w", True), g=w.g.id)
            return [w]
        return []

    def _cancel_wait(self, w: _Waiter) -> bool:
        with self._l:
            q = self._writeq if w.writer else self._readq
            try:
                q.remove(w)
            except ValueError:
                return False
            wake = self._grant_locked()
        _release(wake)
        return True

    def holder_name(self) -> str:
        return (
            "a writer" if self._writer else (f"{self._readers} reader(s)" if self._readers else "")
        )

    def _snapshot(self) -> tuple[str, dict]:
        with self._l:
            return "rwmutexes", {
                "name": self.name,
                "writer": self._writer,
                "readers": self._readers,
            }

    def rlocker(self) -> _RLocker:
        """A lock whose ``with`` takes the read lock. Go: ``rw.RLocker()``"""
        return _RLocker(self)

    __enter__ = lock

    def __exit__(self, *exc: object) -> None:
        self.unlock()


class _RLocker:
    def __init__(self, rw: RWMutex) -> None:
        self._rw = rw

    def __enter__(self) -> None:
        self._rw.rlock()

    def __exit__(self, *exc: object) -> None:
        self._rw.runlock()


def _release(waiters: list[_Waiter]) -> None:
    for w in waiters:
        w.g.parker.release()


class WaitGroup(_SyncObject):
    """Waits for a collection of goroutines to finish.

    Go: ``sync.WaitGroup``
    """

    kind = "WaitGroup"

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name)
        self._l = threading.Lock()
        self._count = 0  # guarded by self._l
        self._waiters: list[_Waiter] = []  # non-empty only while self._count > 0

    def add(self, delta: int) -> None:
        """Add *delta* (may be negative) to the counter; at zero, wake every waiter.

        Raises:
            Panic: "sync: negative WaitGroup counter".

        Go: ``wg.Add(delta)``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.WaitGroup.Add", self)
        with self._l:
            count = self._count + delta
            if count < 0:
                raise Panic("sync: negative WaitGroup counter")
            self._count = count
            wake: list[_Waiter] = []
            if count == 0 and self._waiters:
                wake, self._waiters = self._waiters, []
                for w in wake:
                    ready(w.g)
            self._emit(Kind.WG_ADD, str(count), extra=(count, delta, tuple(w.g.id for w in wake)))
        _release(wake)

    def done(self) -> None:
        """Decrement the counter by one. Go: ``wg.Done()``"""
        self.add(-1)

    def wait(self) -> None:
        """Block until the counter is zero. Go: ``wg.Wait()``"""
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.WaitGroup.Wait", self)
        me = _me()
        with self._l:
            if self._count == 0:
                self._emit(Kind.WG_WAIT, "0", extra=(0,))
                return
            if me._kill:
                raise Goexit
            w = _Waiter(me)
            self._waiters.append(w)
            rt._block(me, self, w, State.BLOCKED_WAITGROUP, "sync.WaitGroup.Wait")
        rt._wait(me, w)

    def go(self, fn: Callable[..., Any], *args: Any, name: str | None = None) -> Goroutine:
        """Add 1, then run ``fn(*args)`` in a new goroutine that calls ``done`` when it returns.

        Go: ``wg.Go(fn)`` (Go 1.25)
        """
        self.add(1)

        def run() -> None:
            try:
                fn(*args)
            finally:
                self.done()

        run.__name__ = getattr(fn, "__name__", "goroutine")
        return current_runtime().go(run, name=name)

    @property
    def count(self) -> int:
        return self._count

    def _snapshot(self) -> tuple[str, dict]:
        with self._l:
            return "waitgroups", {"name": self.name, "counter": self._count}

    def _cancel_wait(self, w: _Waiter) -> bool:
        with self._l:
            try:
                self._waiters.remove(w)
            except ValueError:
                return False
            return True


class Once(_SyncObject):
    """Runs a function exactly once.

    Go: ``sync.Once``
    """

    kind = "Once"

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name)
        self._done = False
        self._m = Mutex(name=f"{self.name}.m")

    def do(self, fn: Callable[[], Any]) -> None:
        """Call *fn* if no call of ``do`` has yet; others wait until it has returned.

        A *fn* that raised still counts as done; its exception reaches the
        caller whose ``do`` ran it.

        Go: ``once.Do(fn)``
        """
        if self._done:
            return
        with self._m:
            if not self._done:
                try:
                    self._emit(Kind.ONCE_DO)
                    fn()
                finally:
                    self._done = True

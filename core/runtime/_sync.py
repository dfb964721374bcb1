"""Go's ``sync`` package: Mutex, RWMutex, WaitGroup, Once (``Cond`` is in ``_cond``).

None of them is owned: any goroutine may unlock what another locked, as in
Go. Every wait parks the goroutine through the runtime, so it shows as
blocked, takes part in deadlock detection and can be killed by ``stop``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from core.runtime._errors import Fatal, Goexit, Panic
from core.runtime._goroutine import Goroutine, State, _me, _tls, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.runtime._waitq import ready
from core.trace import Kind

__all__ = ["Mutex", "Once", "RWMutex", "WaitGroup"]


class _Waiter:
    __slots__ = ("cancelled", "g", "handed", "since", "writer")

    def __init__(self, g: Goroutine, writer: bool = False, since: float = 0.0) -> None:
        self.g = g
        self.writer = writer
        self.since = since  # Mutex: runtime time its first wait began
        self.handed = False  # Mutex: the lock was handed to it (starvation mode)
        self.cancelled = False


def _unlocked(text: str) -> BaseException:
    """``Fatal(text)``; ``Goexit`` in a goroutine being stopped, whose ``with``
    may unlock a lock its killed wait never took back."""
    return Goexit() if _me()._kill else Fatal(text)


class _SyncObject:
    """Id, name and runtime of a sync object; announces itself to the tracer."""

    kind = "sync"

    def __init__(self, name: str | None, extra: tuple = ()) -> None:
        self.id = next_object_id()
        self.name = name or f"{self.kind.lower()}-{self.id}"
        self._rt = current_runtime()
        trace_make(self._rt, self, self.kind, extra)

    def _emit(self, kind: Kind, value: Any = "", extra: tuple = (), g: int | None = None) -> None:
        tr = self._rt.tracer
        if tr is not None:
            tr.emit(kind, _me().id if g is None else g, self.id, self.name, value, extra)


_LOCK, _UNLOCK, _UNBLOCK = Kind.LOCK, Kind.UNLOCK, Kind.GO_UNBLOCK
_WRITER = ("w",)  # LOCK's payload for a Mutex (and an RWMutex's writer)
_NOBODY_WOKEN = ("w", 0)  # UNLOCK's payload when no waiter was woken

# Go's starvationThresholdNs: a waiter that has waited longer than this (runtime
# seconds) switches the mutex to starvation mode.
STARVATION_THRESHOLD = 1e-3


class Mutex(_SyncObject):
    """A mutual exclusion lock. The zero value is unlocked.

    Normal mode: a woken waiter competes with goroutines that just arrived,
    and goes back to the head of the queue if it loses. A waiter that has
    waited longer than 1 ms of runtime clock switches the mutex to starvation
    mode: unlock hands the lock to the first waiter (FIFO), and newcomers
    (``lock``, ``try_lock``) never take it, they queue. The mode ends when the
    waiter handed the lock was the last, or waited less than 1 ms.

    Go: ``sync.Mutex``
    """

    kind = "Mutex"

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name)
        self._l = threading.Lock()  # the mutex itself: held <=> locked (or being handed on)
        self._wl = threading.Lock()  # guards the fields below
        # Invariants, whenever self._wl is free (traced; untraced, see _wake_after_release):
        #   self._starving => self._l is held (a handed-over lock is never released);
        #   self._woken => one waiter was woken in normal mode and competes (not queued).
        self._waiters: deque[_Waiter] = deque()  # FIFO; a woken loser goes back to the head
        self._starving = False
        self._woken = False
        self._holder: Goroutine | None = None  # who locked it last (explanations only)

    # One algorithm, traced or not: the fast paths touch only self._l (and read
    # self._starving). An unlock releases self._l and only then looks for waiters,
    # so a waiter registers before its last try. A goroutine that took self._l
    # while the mutex starves (it saw the flag too late) hands it to the first
    # waiter and queues: newcomers never keep a starving mutex.
    #
    # Traced, LOCK is emitted while self._l is held, just after taking it, and
    # UNLOCK while it is still held, just before freeing it: the trace never shows
    # the mutex free while someone holds it, nor two holders. Like Go's, a waiter
    # may record its block just after the unlock that will wake it (the unlock
    # then reports the wake with GO_UNBLOCK). A hand-over in starvation mode is
    # UNLOCK then LOCK(handed=True), both under self._wl.

    def lock(self) -> None:
        """Lock the mutex; blocks until it is free (in starvation mode, until
        every earlier waiter has had it).

        Go: ``mu.Lock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Mutex.Lock", self)
        if self._l.acquire(False):
            if self._starving:
                self._barged()
                return
            tr = rt.tracer
            if tr is not None:  # _took, inlined on this hot path
                me = self._holder = getattr(_tls, "g", None) or _me()
                tr.emit(_LOCK, me.id, self.id, self.name, "", _WRITER)
            return
        self._lock_slow()

    def _took(self) -> None:
        """Record the new holder (self._wl held, traced)."""
        me = self._holder = _me()
        self._emit(_LOCK, extra=_WRITER, g=me.id)

    def _barged(self) -> None:
        """Took self._l from a starving mutex: hand it on, then queue."""
        with self._wl:
            if not (self._starving and self._waiters):
                self._starving = False  # its waiters are gone: normal mode, keep it
                if self._rt.tracer is not None:
                    self._took()
                return
            w = self._handoff_locked()
        w.g.parker.release()
        self._lock_slow()

    def _handoff_locked(self) -> _Waiter:
        """Give the held lock to the first waiter (self._wl held); returns it, runnable.

        Starvation mode ends when it was the last waiter or waited < 1 ms.
        """
        w = self._waiters.popleft()
        w.handed = True
        if not self._waiters or self._rt.clock.now() - w.since <= STARVATION_THRESHOLD:
            self._starving = False
        self._holder = w.g
        ready(w.g)
        self._emit(Kind.LOCK, extra=("w", True), g=w.g.id)
        return w

    def _lock_slow(self) -> None:
        me = _me()
        rt = self._rt
        since = -1.0  # runtime time the first wait began (-1: not waited yet)
        woke = False
        while True:
            with self._wl:
                if woke:
                    self._woken = False
                if me._kill:
                    wake = self._wake_locked() if woke else None
                    if wake is not None:  # pass on the turn we were woken for
                        tr = rt.tracer
                        if tr is not None:
                            tr.emit(Kind.GO_UNBLOCK, g=wake.g.id, obj=self.id, extra=(me.id,))
                        wake.g.parker.release()
                    raise Goexit
                if self._starving and not self._waiters:
                    self._starving = False  # nobody left to hand it to
                now = rt.clock.now()
                # Register first, then retry: an untraced unlock releases the lock
                # and only then looks for waiters, so either the retry succeeds or
                # the unlock sees this waiter (never a lost wake-up). One that has
                # waited before goes back to the head (Go's queueLifo).
                if since < 0:
                    w = _Waiter(me, since=now)
                    self._waiters.append(w)
                else:
                    w = _Waiter(me, since=since)
                    self._waiters.appendleft(w)
                if not self._starving and self._l.acquire(False):
                    if since < 0:
                        self._waiters.pop()
                    else:
                        self._waiters.popleft()
                    if rt.tracer is not None:
                        self._took()
                    return
                if since >= 0 and now - since > STARVATION_THRESHOLD:
                    self._starving = True  # lost again after 1 ms: hand-overs from now on
                since = w.since
                rt._block(me, self, w, State.BLOCKED_LOCK, "sync.Mutex.Lock")
            rt._wait(me, w)
            if w.handed:
                return  # starvation mode: the unlock gave it to us
            # Woken in normal mode: compete for the lock; the loop's retry
            # takes it, or parks again at the head.
            woke = True

    def try_lock(self) -> bool:
        """Lock if free, without waiting; True if it did. Fails in starvation mode.

        Go: ``mu.TryLock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Mutex.TryLock", self)
        if rt.tracer is None:
            if not self._l.acquire(False):
                return False
            if not self._starving:
                return True
            with self._wl:
                if not (self._starving and self._waiters):
                    self._starving = False
                    return True
                w = self._handoff_locked()
            w.g.parker.release()
            return False
        with self._wl:
            ok = not self._starving and self._l.acquire(False)
            if ok:
                self._took()
        return ok

    def unlock(self, *_exc: object) -> None:
        """Unlock; in normal mode wakes one waiter, which competes for the lock;
        in starvation mode hands the lock to the first waiter.

        Raises:
            Fatal: "sync: unlock of unlocked mutex".

        Go: ``mu.Unlock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Mutex.Unlock", self)
        if not self._starving:
            tr = rt.tracer
            if tr is not None:
                if not self._l.locked():
                    raise _unlocked("sync: unlock of unlocked mutex")
                me = getattr(_tls, "g", None) or _me()
                tr.emit(_UNLOCK, me.id, self.id, self.name, "", _NOBODY_WOKEN)
            try:
                self._l.release()
            except RuntimeError:
                raise _unlocked("sync: unlock of unlocked mutex") from None
            # Racy reads, safe: a woken waiter clears _woken (under _wl) before
            # its retry, so if the retry failed this read sees it cleared.
            if self._waiters and not self._woken:
                self._wake_after_release()
            return
        w: _Waiter | None
        wl = self._wl
        wl.acquire()
        try:
            if not self._l.locked():
                raise _unlocked("sync: unlock of unlocked mutex")
            if self._starving and self._waiters:
                self._emit(Kind.UNLOCK, extra=("w", 0))
                w = self._handoff_locked()
            else:
                self._starving = False
                w = self._wake_locked(locked=False) if self._waiters else None
                tr = rt.tracer
                if tr is not None:
                    me = getattr(_tls, "g", None) or _me()
                    extra = _NOBODY_WOKEN if w is None else ("w", w.g.id)
                    tr.emit(_UNLOCK, me.id, self.id, self.name, "", extra)
                self._l.release()
        finally:
            wl.release()
        if w is not None:
            w.g.parker.release()

    def _wake_locked(self, locked: bool | None = None) -> _Waiter | None:
        """Normal mode (self._wl held): pick the first waiter to compete, made
        runnable; None when nobody waits, one already competes, or the lock is
        taken (*locked*, read now if None; its unlock will wake one)."""
        if not self._waiters or self._woken:
            return None
        if self._l.locked() if locked is None else locked:
            return None
        w = self._waiters.popleft()
        self._woken = True
        ready(w.g)
        return w

    def _wake_after_release(self) -> None:
        """Unlock, after releasing self._l: wake a waiter, or hand the lock on
        if a waiter switched the mutex to starvation mode meanwhile."""
        w: _Waiter | None
        with self._wl:
            if self._starving:
                if not self._waiters:
                    self._starving = False
                    return
                if not self._l.acquire(False):
                    return  # taken by a newcomer, which hands it on (_barged)
                w = self._handoff_locked()  # LOCK(handed) reports the wake
            else:
                w = self._wake_locked()
                if w is None:
                    return
                tr = self._rt.tracer
                if tr is not None:
                    me = getattr(_tls, "g", None) or _me()
                    tr.emit(_UNBLOCK, w.g.id, self.id, self.name, "", (me.id,))
        w.g.parker.release()

    # ``with mu:`` calls lock and unlock directly: one Python call each way
    # (unlock ignores the exception triple __exit__ passes).
    __enter__ = lock
    __exit__ = unlock

    @property
    def locked(self) -> bool:
        return self._l.locked()

    @property
    def starving(self) -> bool:
        """In starvation mode (hand-overs in FIFO order)."""
        return self._starving

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
            if not self._waiters:
                self._starving = False
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
        """Release a read lock.

        Raises:
            Fatal: "sync: RUnlock of unlocked RWMutex".

        Go: ``rw.RUnlock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.RUnlock", self)
        with self._l:
            if self._readers == 0:
                raise _unlocked("sync: RUnlock of unlocked RWMutex")
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

    def try_rlock(self) -> bool:
        """Lock for reading without waiting; True if it did. Fails while a
        writer holds or waits for the lock.

        Go: ``rw.TryRLock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.TryRLock", self)
        with self._l:
            if self._writer or self._writeq:
                return False
            self._readers += 1
            self._emit(Kind.LOCK, extra=("r",))
            return True

    def try_lock(self) -> bool:
        """Lock for writing without waiting; True if it did. Fails while any
        reader or writer holds it.

        Go: ``rw.TryLock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.TryLock", self)
        with self._l:
            if self._writer or self._readers or self._writeq:
                return False
            self._writer = True
            self._emit(Kind.LOCK, extra=("w",))
            return True

    def unlock(self) -> None:
        """Release the write lock; readers that waited during the write go
        first, then the next writer.

        Raises:
            Fatal: "sync: Unlock of unlocked RWMutex".

        Go: ``rw.Unlock()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.RWMutex.Unlock", self)
        with self._l:
            if not self._writer:
                raise _unlocked("sync: Unlock of unlocked RWMutex")
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
    """The read side of an RWMutex as a locker (``lock`` = ``rlock``). Go: ``rw.RLocker()``"""

    def __init__(self, rw: RWMutex) -> None:
        self._rw = rw
        self.id = rw.id  # a Cond over it names the RWMutex as its locker
        self.name = rw.name

    def lock(self) -> None:
        self._rw.rlock()

    def unlock(self) -> None:
        self._rw.runlock()

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

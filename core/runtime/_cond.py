"""Go's ``sync.Cond``: goroutines wait for a condition, woken by Signal or Broadcast.

As Go's notifyList, a waiter takes its place in the queue (its ticket) before
it unlocks ``l``: a Signal between that unlock and the park is not lost, it
goes to that waiter, which then returns without parking. Waiters are woken in
the order they called ``wait`` (FIFO).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from core.runtime._errors import Goexit
from core.runtime._goroutine import Goroutine, State, _me
from core.runtime._sync import _SyncObject
from core.runtime._waitq import ready
from core.trace import Kind

__all__ = ["Cond"]


class _CondWaiter:
    __slots__ = ("cancelled", "g", "parked", "signalled")

    def __init__(self, g: Goroutine) -> None:
        self.g = g
        self.parked = False  # published as BLOCKED_COND: a signal must wake it
        self.signalled = False  # taken off the queue by a Signal or Broadcast
        self.cancelled = False


class Cond(_SyncObject):
    """A condition variable bound to the locker ``l`` (a Mutex, an RWMutex's
    ``rlocker()``, anything with ``lock`` and ``unlock``).

    Go: ``sync.Cond`` (``sync.NewCond(l)``)
    """

    kind = "Cond"

    def __init__(self, locker: Any, *, name: str | None = None) -> None:
        self.l = locker
        super().__init__(name, extra=(getattr(locker, "id", 0),))
        self._cl = threading.Lock()
        # Invariants, whenever self._cl is free:
        #   self._waiters holds, in wait order, every waiter not yet signalled;
        #   a waiter with parked set is BLOCKED_COND on this Cond until a signal
        #   makes it runnable (or stop cancels it).
        self._waiters: deque[_CondWaiter] = deque()

    def wait(self) -> None:
        """Unlock ``l``, block until woken by ``signal`` or ``broadcast``, lock
        ``l`` again before returning. The caller must hold ``l``.

        Raises:
            Fatal: what ``l.unlock()`` raises when ``l`` is not locked
                ("sync: unlock of unlocked mutex").

        Go: ``c.Wait()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Cond.Wait", self)
        me = _me()
        if me._kill:
            raise Goexit
        w = _CondWaiter(me)
        with self._cl:
            self._waiters.append(w)  # the ticket: taken before l is unlocked
        try:
            self.l.unlock()
        except BaseException:
            with self._cl:
                if not w.signalled:
                    self._waiters.remove(w)
            raise
        with self._cl:
            # A signal since the unlock went to us: return without parking.
            if not w.signalled:
                w.parked = True
                rt._block(me, self, w, State.BLOCKED_COND, "sync.Cond.Wait")
        if w.parked:
            try:
                rt._wait(me, w)
            except Goexit:
                # Stopped while parked: take l back, so that a ``with l:`` around
                # the wait unlocks what it holds (lock raises Goexit if it must wait).
                try:
                    self.l.lock()
                except Goexit:
                    pass
                raise
        self.l.lock()

    def signal(self) -> None:
        """Wake the goroutine that has waited longest, if any; never blocks.

        Go: ``c.Signal()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Cond.Signal", self)
        with self._cl:
            wake = None
            if self._waiters:
                w = self._waiters.popleft()
                w.signalled = True  # not parked yet: its wait returns without parking
                if w.parked:
                    ready(w.g)
                    wake = w
            self._emit(Kind.COND_SIGNAL, extra=((wake.g.id,) if wake else (), False))
        if wake is not None:
            wake.g.parker.release()

    def broadcast(self) -> None:
        """Wake every waiting goroutine, in the order they waited; never blocks.

        Go: ``c.Broadcast()``
        """
        rt = self._rt
        if rt._gating:
            rt._checkpoint("sync.Cond.Broadcast", self)
        with self._cl:
            ws = list(self._waiters)
            self._waiters.clear()
            wake = []
            for w in ws:
                w.signalled = True
                if w.parked:
                    ready(w.g)
                    wake.append(w)
            self._emit(Kind.COND_SIGNAL, extra=(tuple(w.g.id for w in wake), True))
        for w in wake:
            w.g.parker.release()

    @property
    def waiting(self) -> int:
        """Goroutines in ``wait`` not yet signalled."""
        return len(self._waiters)

    def _cancel_wait(self, w: _CondWaiter) -> bool:
        with self._cl:
            try:
                self._waiters.remove(w)
            except ValueError:
                return False
            return True

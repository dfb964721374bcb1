"""Go's ``time`` package on the runtime clock: Sleep, After, AfterFunc, Timer, Ticker, Now.

Every timer is an entry in the runtime's one timer heap; its callback runs
on the clock's thread and never blocks. Timer and Ticker channels behave as
since Go 1.23: ``len`` and ``cap`` are 0, a fired value waits to be received
(one at most: a tick that finds one waiting is dropped), and ``stop`` and
``reset`` drop a value that waits, so no stale value is received after them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from core.runtime import _waitq
from core.runtime._chan import Chan
from core.runtime._clock import TimerEntry
from core.runtime._errors import Goexit, Panic
from core.runtime._goroutine import State, _me, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.trace import Kind

__all__ = ["Ticker", "Timer", "after", "after_func", "now", "sleep"]


class _TimerChan(Chan):
    """The channel ``C`` of a Timer or Ticker, as since Go 1.23 (synchronous).

    ``len()`` and ``cap`` are 0 always. A fire hands the time to a waiting
    receiver, or leaves it waiting to be received (one value at most, Go's
    hidden slot) until a receive takes it or ``stop``/``reset`` drops it; a
    tick that finds one waiting is dropped. ``Runtime.snapshot()`` shows the
    waiting value in ``buffer`` (with ``cap`` 0); ``statistics().length``
    counts it. Only the timer sends: ``send`` and ``close`` raise TypeError
    (Go rejects both on a receive-only ``<-chan Time`` when it compiles).
    """

    __slots__ = ()

    def __init__(self, *, name: str) -> None:
        super().__init__(0, name=name)

    def __len__(self) -> int:
        return 0  # Go 1.23: len(t.C) == 0 even while a value waits

    def send(self, value: Any) -> None:
        """Raises TypeError: a timer's channel is receive-only."""
        raise TypeError(f"invalid operation: cannot send to receive-only channel {self.name}")

    _send_general = send

    def close(self) -> None:
        """Raises TypeError: a timer's channel is receive-only."""
        raise TypeError(f"invalid operation: cannot close receive-only channel {self.name}")

    def _deliver(self, value: Any, timer: Any) -> bool:
        """The timer *timer* fires with *value*; False if the value was dropped.

        A waiting receiver takes it at once; otherwise it waits in the hidden
        slot, unless one already waits there (a slow Ticker receiver): then it
        is dropped. Never blocks. Traced under this channel's lock: TIMER_FIRE,
        then the hand-off or the send into the slot.
        """
        lock = self._lock
        lock.acquire()
        # A value waiting in the slot means no receiver waits (the invariants).
        dropped = bool(self._buf)
        tr = self._rt.tracer
        if tr is not None:
            tr.emit(Kind.TIMER_FIRE, 0, timer.id, timer.name, value, (self.id, dropped))
        wake = None
        if not dropped:
            done, wake = self._send_locked(value)  # cap 0: a hand-off or nothing
            if not done:
                buf = self._buf
                buf.append(value)
                self._sent += 1
                if tr is not None:
                    tr.emit(Kind.CHAN_SEND, _me().id, self.id, self.name, value, (len(buf),))
        lock.release()
        if wake is not None:
            wake.g.parker.release()
        return not dropped

    def _drop(self, timer: Any, pending: bool, reset_to: float | None) -> bool:
        """``stop`` (*reset_to* None) or ``reset`` of *timer*: drop the waiting value.

        Returns what Go's Stop and Reset return: True if the timer was
        *pending*, or had fired and its value was not received. Traced under
        this channel's lock (TIMER_STOP or TIMER_RESET).
        """
        with self._lock:
            had = bool(self._buf)
            self._buf.clear()
            active = pending or had
            tr = self._rt.tracer
            if tr is not None:
                me = _me().id
                if reset_to is None:
                    tr.emit(Kind.TIMER_STOP, me, timer.id, timer.name, "", (self.id, active, had))
                else:
                    extra = (self.id, active, had, reset_to)
                    tr.emit(Kind.TIMER_RESET, me, timer.id, timer.name, "", extra)
            return active


def now() -> float:
    """The current runtime's clock time, in seconds. Go: ``time.Now()``"""
    return current_runtime().clock.now()


def sleep(d: float) -> None:
    """Pause the calling goroutine for *d* runtime seconds.

    Blocks on the runtime clock: a change of speed takes effect at once, and
    a paused clock holds the sleeper. Go: ``time.Sleep(d)``
    """
    rt = current_runtime()
    if rt._gating:
        rt._checkpoint("time.Sleep", None)
    me = _me()
    if me._kill:
        raise Goexit
    if d <= 0:
        time.sleep(0)
        return
    clock = rt.clock
    until = clock.now() + d

    def wake() -> None:
        # The waker (the clock's thread) makes the sleeper runnable and says so.
        _waitq.ready(me)
        t = rt.tracer
        if t is not None:
            t.emit(Kind.GO_UNBLOCK, g=me.id, extra=(0,))
        _waitq.wake(me)

    def publish(entry: TimerEntry) -> None:
        # Under the clock's lock: the sleeper is SLEEPING exactly while its entry is pending.
        me.state = State.SLEEPING
        me.wait_reason = "sleep"
        me.waiting_on = None
        me._blocked_on = (clock, entry)
        t = rt.tracer
        if t is not None:
            t.emit(Kind.GO_SLEEP, g=me.id, value=f"{d:g}", extra=(d, until))

    entry = clock.schedule(until, wake, is_sleep=True, publish=publish)
    _waitq.park(me, entry)


def after(d: float) -> Chan:
    """A channel that receives the clock's time once, after *d*.

    As since Go 1.23, ``len`` and ``cap`` of the channel are 0; the value
    waits until it is received. Go: ``time.After(d)``
    """
    c = Timer(d, name="time.After").c
    assert c is not None  # only an after_func's Timer has no channel
    return c


def after_func(d: float, fn: Callable[[], Any]) -> Timer:
    """Run ``fn()`` in its own goroutine after *d*; returns its Timer (``.c`` is None).

    ``stop()`` before then prevents it (True); ``reset(d)`` after it ran
    returns False and runs it again after *d*. Never blocks.

    Go: ``time.AfterFunc(d, f)``
    """
    t = Timer.__new__(Timer)
    t._init(d, None, fn)
    return t


def _mark_wakes(entry: TimerEntry) -> None:
    """Under the clock's lock: this entry can still wake a goroutine (an after_func's).

    The deadlock check waits for such entries; a timer whose channel nobody
    waits on does not count (Go 1.23).
    """
    entry.wakes = True


class Timer:
    """Sends the clock's time on ``c`` once, after *d* runtime seconds.

    As since Go 1.23, ``len(t.c)`` and ``t.c.cap`` are 0: the fired value
    waits to be received, and ``stop`` or ``reset`` drop it, so no value
    from before them is received after them.

    Go: ``time.NewTimer(d)``
    """

    def __init__(self, d: float, *, name: str | None = None) -> None:
        self._init(d, name, None)

    def _init(self, d: float, name: str | None, fn: Callable[[], Any] | None) -> None:
        self.id = next_object_id()
        self.name = name or (f"after_func-{self.id}" if fn is not None else f"timer-{self.id}")
        self._rt = current_runtime()
        self._fn = fn
        # after_func: no channel (Go: "The returned Timer's C field is not used and will be nil").
        self.c: _TimerChan | None = None if fn is not None else _TimerChan(name=f"{self.name}.C")
        self._l = threading.Lock()
        # Guarded by self._l: the pending entry (None once fired or stopped), and
        # the generation that a fire must still match to deliver (stop and reset
        # bump it, so a fire on its way is abandoned).
        self._entry: TimerEntry | None = None
        self._gen = 0
        how = "timer" if fn is None else "func"
        chan = 0 if self.c is None else self.c.id
        trace_make(self._rt, self, "Timer", (0, None, how, chan, d))
        with self._l:
            self._start(d)

    def _start(self, d: float) -> None:
        clock = self._rt.clock
        gen = self._gen
        publish = _mark_wakes if self._fn is not None else None
        self._entry = clock.schedule(
            clock.now() + max(d, 0.0), lambda: self._fire(gen), publish=publish
        )

    def _fire(self, gen: int) -> None:
        rt = self._rt
        with self._l:
            if gen != self._gen:
                return  # stopped or reset while this fire was on its way
            self._entry = None
            t = rt.clock.now()
            c = self.c
            if c is not None:
                c._deliver(t, self)
                return
            tr = rt.tracer
            if tr is not None:
                tr.emit(Kind.TIMER_FIRE, 0, self.id, self.name, t, (0, False))
            # Under self._l: once stop() can return False, fn's goroutine exists.
            fn = self._fn
            assert fn is not None  # a Timer has either a channel or (after_func) a function
            rt.go(fn)

    def stop(self) -> bool:
        """Stop the timer. Never blocks.

        Returns True if it was pending, or had fired and its value was not
        yet received (the value is dropped); False if its value was received,
        it was already stopped, or (after_func) ``fn`` was already started.

        Go: ``t.Stop()``
        """
        with self._l:
            return self._stop_locked(None)

    def _stop_locked(self, reset_to: float | None) -> bool:
        self._gen += 1
        e, self._entry = self._entry, None
        # Pending, or fired and on its way to self._fire (which the new
        # generation abandons): either way it had not delivered, so it counts.
        pending = e is not None
        if e is not None:
            self._rt.clock.cancel(e)
        c = self.c
        if c is not None:
            return c._drop(self, pending, reset_to)
        tr = self._rt.tracer
        if tr is not None:
            if reset_to is None:
                tr.emit(Kind.TIMER_STOP, _me().id, self.id, self.name, "", (0, pending, False))
            else:
                extra = (0, pending, False, reset_to)
                tr.emit(Kind.TIMER_RESET, _me().id, self.id, self.name, "", extra)
        return pending

    def reset(self, d: float) -> bool:
        """Restart the timer to fire after *d*; returns what ``stop`` would. Never blocks.

        A value that fired and waits is dropped. For an after_func, ``fn``
        runs (again) after *d*.

        Go: ``t.Reset(d)``
        """
        with self._l:
            active = self._stop_locked(d)
            self._start(d)
            return active


class Ticker:
    """Sends the clock's time on ``c`` every *d* runtime seconds.

    As since Go 1.23, ``len(t.c)`` and ``t.c.cap`` are 0. One tick at most
    waits to be received: a tick that finds one waiting is dropped (counted
    in ``dropped``), so a slow receiver gets the oldest waiting tick, not a
    backlog. ``stop`` and ``reset`` drop a waiting tick.

    Raises:
        Panic: "non-positive interval for NewTicker" when *d* <= 0.

    Go: ``time.NewTicker(d)``
    """

    def __init__(self, d: float, *, name: str | None = None) -> None:
        if d <= 0:
            raise Panic("non-positive interval for NewTicker")
        self.id = next_object_id()
        self.name = name or f"ticker-{self.id}"
        self._rt = current_runtime()
        self.c = _TimerChan(name=f"{self.name}.C")
        self._l = threading.Lock()
        self._d = d
        # Guarded by self._l: the pending entry and its generation (as Timer).
        self._entry: TimerEntry | None = None
        self._gen = 0
        self.dropped = 0
        trace_make(self._rt, self, "Ticker", (0, None, "ticker", self.c.id, d))
        with self._l:
            clock = self._rt.clock
            self._schedule(clock.now() + d)

    def _schedule(self, when: float) -> None:
        gen = self._gen
        self._entry = self._rt.clock.schedule(when, lambda: self._fire(when, gen))

    def _fire(self, when: float, gen: int) -> None:
        rt = self._rt
        with self._l:
            if gen != self._gen:
                return  # stopped or reset while this tick was on its way
            t = rt.clock.now()
            if not self.c._deliver(t, self):
                self.dropped += 1
            d = self._d
            nxt = when + d
            if nxt <= t:  # fell behind: skip the missed ticks, as Go does
                nxt = when + d * (1 + int((t - when) / d))
            try:
                self._schedule(nxt)
            except RuntimeError:  # the runtime stopped
                self._entry = None

    def stop(self) -> None:
        """No more ticks; a tick not yet received is dropped. Never blocks. Go: ``t.Stop()``"""
        with self._l:
            self._cancel_locked(None)

    def _cancel_locked(self, reset_to: float | None) -> None:
        self._gen += 1
        e, self._entry = self._entry, None
        if e is not None:
            self._rt.clock.cancel(e)
        self.c._drop(self, e is not None, reset_to)

    def reset(self, d: float) -> None:
        """Tick every *d* from now on; a tick not yet received is dropped. Go: ``t.Reset(d)``

        Raises:
            Panic: "non-positive interval for Ticker.Reset" when *d* <= 0.
        """
        if d <= 0:
            raise Panic("non-positive interval for Ticker.Reset")
        with self._l:
            self._cancel_locked(d)
            self._d = d
            self._schedule(self._rt.clock.now() + d)

"""Go's ``time`` package on the runtime clock: Sleep, After, Timer, Ticker, Now.

Every timer is an entry in the runtime's one timer heap; its callback runs
on the clock's thread and never blocks (a tick that finds the channel full
is dropped, as in Go).
"""

from __future__ import annotations

import threading
import time

from core.runtime import _waitq
from core.runtime._chan import Chan
from core.runtime._clock import TimerEntry
from core.runtime._errors import Goexit, Panic
from core.runtime._goroutine import State, _me, current_runtime, trace_make
from core.runtime._ids import next_object_id
from core.trace import Kind

__all__ = ["Ticker", "Timer", "after", "now", "sleep"]


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

    def publish(entry) -> None:
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
    """A channel of capacity 1 that receives the clock's time once, after *d*.

    Go: ``time.After(d)``
    """
    return Timer(d, name="time.After").c


class Timer:
    """Sends the clock's time on ``c`` once, after *d* runtime seconds.

    Go: ``time.NewTimer(d)``. As since Go 1.23, no value prepared before a
    ``stop`` or ``reset`` is received after it: they discard a value that
    fired but was not received, and a fire racing them is abandoned.
    """

    def __init__(self, d: float, *, name: str | None = None) -> None:
        self.id = next_object_id()
        self.name = name or f"timer-{self.id}"
        self._rt = current_runtime()
        self.c = Chan(1, name=f"{self.name}.C")
        self._l = threading.Lock()
        # Guarded by self._l: the pending entry, and the generation that a
        # fire must still match to deliver (stop and reset bump it).
        self._entry: TimerEntry | None = None
        self._gen = 0
        trace_make(self._rt, self, "Timer", (0, None, "timer", self.c.id, d))
        with self._l:
            self._start(d)

    def _start(self, d: float) -> None:
        clock = self._rt.clock
        gen = self._gen
        self._entry = clock.schedule(clock.now() + max(d, 0.0), lambda: self._fire(gen))

    def _fire(self, gen: int) -> None:
        rt = self._rt
        with self._l:
            if gen != self._gen:
                return  # stopped or reset while this fire was on its way
            self._entry = None
            t = rt.clock.now()
            tr = rt.tracer
            if tr is not None:
                tr.emit(Kind.TIMER_FIRE, obj=self.id, name=self.name, value=t, extra=(self.c.id,))
            self.c._offer(t)

    def stop(self) -> bool:
        """Stop the timer; True if it had not fired, or fired and was not received.

        Go: ``t.Stop()``
        """
        with self._l:
            return self._stop_locked(None)

    def _stop_locked(self, reset_to: float | None) -> bool:
        self._gen += 1
        e, self._entry = self._entry, None
        cancelled = e is not None and self._rt.clock.cancel(e)
        return _drain(self, self.c, cancelled, reset_to)

    def reset(self, d: float) -> bool:
        """Restart the timer to fire after *d*; returns what ``stop`` would.

        Go: ``t.Reset(d)``
        """
        with self._l:
            active = self._stop_locked(d)
            self._start(d)
            return active


def _drain(timer, c: Chan, cancelled: bool, reset_to: float | None) -> bool:
    """Discard a value waiting in a timer's channel (traced: TIMER_STOP or TIMER_RESET,
    under the channel's lock); True if the timer was pending or a value waited."""
    with c._lock:
        had = bool(c._buf)
        c._buf.clear()
        active = had or cancelled
        tr = timer._rt.tracer
        if tr is not None:
            if reset_to is None:
                tr.emit(
                    Kind.TIMER_STOP,
                    _me().id,
                    timer.id,
                    timer.name,
                    "",
                    (c.id, active, had),
                )
            else:
                tr.emit(
                    Kind.TIMER_RESET,
                    _me().id,
                    timer.id,
                    timer.name,
                    "",
                    (c.id, active, had, reset_to),
                )
        return active


class Ticker:
    """Sends the clock's time on ``c`` every *d* runtime seconds.

    ``c`` has capacity 1: a tick that finds it full is dropped, so a slow
    receiver gets the latest ticks, not a backlog.

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
        self.c = Chan(1, name=f"{self.name}.C")
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
            tr = rt.tracer
            if tr is not None:
                tr.emit(Kind.TIMER_FIRE, obj=self.id, name=self.name, value=t, extra=(self.c.id,))
            if not self.c._offer(t):
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
        """No more ticks; a tick not yet received is discarded. Go: ``t.Stop()``"""
        with self._l:
            self._cancel_locked(None)

    def _cancel_locked(self, reset_to: float | None) -> None:
        self._gen += 1
        e, self._entry = self._entry, None
        cancelled = e is not None and self._rt.clock.cancel(e)
        _drain(self, self.c, cancelled, reset_to)

    def reset(self, d: float) -> None:
        """Tick every *d* from now on. Go: ``t.Reset(d)``"""
        if d <= 0:
            raise Panic("non-positive interval for Ticker.Reset")
        with self._l:
            self._cancel_locked(d)
            self._d = d
            self._schedule(self._rt.clock.now() + d)

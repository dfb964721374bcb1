"""The runtime clock: scaled, pausable time and one timer heap served by one thread.

Runtime time starts at 0 when the clock is made and advances at ``speed``
runtime seconds per wall second (0.05x to 20x). Paused, it stands still.
Every ``sleep``, timer, ticker and context deadline is an entry in one heap,
served by one thread per clock (as Go's timers are), started on first use.
Changing the speed or pausing takes effect at once, also for pending entries.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from bisect import bisect_right
from collections.abc import Callable

__all__ = ["MAX_SPEED", "MIN_SPEED", "Clock", "TimerEntry"]

MIN_SPEED = 0.05
MAX_SPEED = 20.0

_monotonic = time.monotonic


class TimerEntry:
    """One pending callback in the heap. ``fn`` runs on the timer thread.

    ``is_sleep``: a goroutine's sleep. ``wakes``: an entry that will wake (or
    start) a goroutine whatever waits, as an ``after_func``'s does; set by its
    owner under the clock's lock (``schedule``'s *publish*). A deadlock check
    counts either as a way out (``Runtime._timers_may_wake``).
    """

    __slots__ = ("cancelled", "deadline", "fn", "is_sleep", "state", "wakes")

    PENDING, FIRED, CANCELLED = 0, 1, 2

    def __init__(self, deadline: float, fn: Callable[[], None], is_sleep: bool = False) -> None:
        self.deadline = deadline
        self.fn = fn
        self.is_sleep = is_sleep  # a goroutine's sleep, not a timer that feeds a channel
        self.wakes = False  # an after_func's: it runs code when it fires
        self.state = TimerEntry.PENDING  # guarded by the clock's lock
        self.cancelled = False  # set when the runtime killed the sleeping goroutine


class Clock:
    """Runtime time with speed, pause, and a timer heap."""

    def __init__(self, speed: float = 1.0, name: str = "clock") -> None:
        self._lock = threading.Lock()
        self._cv = threading.Condition(self._lock)
        # (wall base, runtime base, speed, paused): swapped as one tuple so
        # that now() reads a consistent basis without taking the lock.
        self._basis = (_monotonic(), 0.0, _check_speed(speed), False)
        # Every basis the clock had, oldest first, to map a recorded wall
        # time back to runtime time (at()); appended under self._lock.
        self._history: list[tuple[float, float, float, bool]] = [self._basis]
        self._history_walls: list[float] = [self._basis[0]]
        # Invariants, whenever self._lock is free:
        #   every PENDING entry is in self._heap exactly once;
        #   self._cancelled counts CANCELLED entries still in the heap.
        self._heap: list[tuple[float, int, TimerEntry]] = []
        self._cancelled = 0
        # Entries popped to fire whose callback has not returned yet; they
        # still count as pending (a timer in flight may wake someone).
        self._in_flight: list[TimerEntry] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._name = name
        self.on_pause_change: Callable[[bool], None] | None = None
        # Frozen (basis[3]) <=> paused by the teacher, or held (by the window): guarded by _lock.
        self._user_paused = False
        self._holds = 0
        # A callback that raised: counted, reported through on_fault, never fatal to the thread.
        self.faults = 0
        self.on_fault: Callable[[BaseException], None] | None = None

    # -- time -----------------------------------------------------------

    def now(self) -> float:
        """Runtime seconds since the clock was made. Never blocks."""
        wall, base, speed, paused = self._basis
        if paused:
            return base
        return base + (_monotonic() - wall) * speed

    def at(self, wall: float) -> float:
        """The runtime time it was at wall time *wall* (``time.monotonic()``)."""
        i = bisect_right(self._history_walls, wall) - 1
        w, base, speed, paused = self._history[max(i, 0)]
        if paused or wall <= w:
            return base
        return base + (wall - w) * speed

    def _set_basis(self, basis: tuple[float, float, float, bool]) -> None:
        """Change the basis (lock held) and wake the timer thread to recompute."""
        self._basis = basis
        self._history.append(basis)
        self._history_walls.append(basis[0])
        self._cv.notify()

    @property
    def speed(self) -> float:
        return self._basis[2]

    @speed.setter
    def speed(self, value: float) -> None:
        """Set the speed (0.05 to 20); raises ``ValueError`` outside that range."""
        value = _check_speed(value)
        with self._cv:
            _, _, _, paused = self._basis
            self._set_basis((_monotonic(), self.now(), value, paused))

    @property
    def paused(self) -> bool:
        """Paused by the teacher (a hold freezes time too, but is not a pause)."""
        return self._user_paused

    @property
    def frozen(self) -> bool:
        """Runtime time stands still (paused, or held by one :meth:`hold` or more)."""
        return self._basis[3]

    def _refreeze(self) -> None:
        """Freeze or thaw the basis to match pause and holds (lock held)."""
        frozen = self._user_paused or self._holds > 0
        if frozen == self._basis[3]:
            return
        if frozen:
            self._set_basis((_monotonic(), self.now(), self._basis[2], True))
        else:
            self._set_basis((_monotonic(), self._basis[1], self._basis[2], False))

    def pause(self) -> None:
        """Freeze runtime time: sleeps and timers stop advancing."""
        with self._cv:
            if self._user_paused:
                return
            self._user_paused = True
            self._refreeze()
        if self.on_pause_change is not None:
            self.on_pause_change(True)

    def resume(self) -> None:
        with self._cv:
            if not self._user_paused:
                return
            self._user_paused = False
            self._refreeze()
        if self.on_pause_change is not None:
            self.on_pause_change(False)

    def hold(self) -> None:
        """Freeze time without pausing (the runtime holds its goroutines meanwhile)."""
        with self._cv:
            self._holds += 1
            self._refreeze()

    def release(self) -> None:
        """End one :meth:`hold`."""
        with self._cv:
            if self._holds:
                self._holds -= 1
                self._refreeze()

    def advance_to_next(self) -> bool:
        """While paused, jump runtime time to the next pending entry and fire it.

        Returns False when nothing is pending (or the clock is running).
        """
        with self._cv:
            if not self._user_paused:
                return False
            self._drop_cancelled_head()
            if not self._heap:
                return False
            t = self._heap[0][0]
            _, base, speed, paused = self._basis
            if t > base:
                self._set_basis((_monotonic(), t, speed, paused))
            self._cv.notify()
            return True

    # -- the heap -------------------------------------------------------

    def schedule(
        self,
        deadline: float,
        fn: Callable[[], None],
        is_sleep: bool = False,
        publish: Callable[[TimerEntry], None] | None = None,
    ) -> TimerEntry:
        """Call *fn* on the timer thread at runtime time *deadline*.

        *fn* must return promptly and never block. *publish*, if given, runs
        under the clock's lock right after the entry is in the heap: nothing
        can fire it (nor step to it) before *publish* has returned. Raises
        ``RuntimeError`` once the clock is closed.
        """
        entry = TimerEntry(deadline, fn, is_sleep)
        with self._cv:
            if self._closed:
                raise RuntimeError("clock closed")
            heapq.heappush(self._heap, (deadline, next(self._seq), entry))
            if publish is not None:
                publish(entry)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name=f"{self._name}-timers", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is entry:
                self._cv.notify()
        return entry

    def cancel(self, entry: TimerEntry) -> bool:
        """Cancel a pending entry; True if it had not fired yet."""
        with self._lock:
            if entry.state != TimerEntry.PENDING:
                return False
            entry.state = TimerEntry.CANCELLED
            self._cancelled += 1
            # Compact when cancelled entries dominate (a select loop that
            # resets its timer every iteration must not grow the heap).
            if self._cancelled > 64 and self._cancelled * 2 > len(self._heap):
                self._heap = [x for x in self._heap if x[2].state == TimerEntry.PENDING]
                heapq.heapify(self._heap)
                self._cancelled = 0
            return True

    # The runtime cancels a goroutine parked in sleep() through this name.
    def _cancel_wait(self, entry: TimerEntry) -> bool:
        return self.cancel(entry)

    def pending(self) -> int:
        """How many entries wait to fire."""
        with self._lock:
            return len(self._heap) - self._cancelled

    def in_flight(self) -> bool:
        """A timer's callback is running now (it may still change the program)."""
        with self._lock:
            return bool(self._in_flight)

    def pending_channel_timers(self) -> int:
        """Pending entries that are not goroutine sleeps (timers, tickers, deadlines)."""
        with self._lock:
            queued = sum(
                1 for _, _, e in self._heap if e.state == TimerEntry.PENDING and not e.is_sleep
            )
            return queued + sum(1 for e in self._in_flight if not e.is_sleep)

    def pending_timers(self) -> tuple[list[TimerEntry], bool]:
        """The pending entries that are not sleeps, and whether a callback runs now.

        A callback in flight may still change the program (deliver a value, cancel
        a context), so a deadlock check gives no verdict meanwhile.
        """
        with self._lock:
            pending = [
                e for _, _, e in self._heap if e.state == TimerEntry.PENDING and not e.is_sleep
            ]
            return pending, bool(self._in_flight)

    def _drop_cancelled_head(self) -> None:
        heap = self._heap
        while heap and heap[0][2].state == TimerEntry.CANCELLED:
            heapq.heappop(heap)
            self._cancelled -= 1

    def _serve(self) -> None:
        cv = self._cv
        while True:
            with cv:
                while True:
                    if self._closed:
                        return
                    self._drop_cancelled_head()
                    if not self._heap:
                        cv.wait()
                        continue
                    wall, base, speed, paused = self._basis
                    now = base if paused else base + (_monotonic() - wall) * speed
                    deadline = self._heap[0][0]
                    if deadline <= now:
                        break
                    if paused:
                        cv.wait()
                    else:
                        cv.wait((deadline - now) / speed)
                due = self._in_flight
                while self._heap and self._heap[0][0] <= now:
                    _, _, entry = heapq.heappop(self._heap)
                    if entry.state == TimerEntry.PENDING:
                        entry.state = TimerEntry.FIRED
                        due.append(entry)
                    else:
                        self._cancelled -= 1
            for entry in list(due):
                try:
                    entry.fn()
                except BaseException as exc:  # a broken callback must not stop every timer
                    self.faults += 1
                    report = self.on_fault
                    if report is not None:
                        try:
                            report(exc)
                        except Exception:
                            pass
                with self._lock:
                    due.remove(entry)

    def close(self, timeout: float = 1.0) -> None:
        """Stop the timer thread; pending entries never fire."""
        with self._cv:
            self._closed = True
            self._cv.notify()
            t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)


def _check_speed(value: float) -> float:
    value = float(value)
    if not (MIN_SPEED <= value <= MAX_SPEED):
        raise ValueError(f"speed must be from {MIN_SPEED} to {MAX_SPEED}, got {value}")
    return value

"""The Tracer: a bounded ring of events with absolute sequence numbers.

A reader that keeps its last ``seq`` asks for what came since
(:meth:`Tracer.since`) and learns how many it missed when the ring
overflowed. Emitting never blocks on a reader: subscribers are called inline
and must return at once.

A reader that must see every event sets a limit (:meth:`Tracer.limit_lag`)
and reports what it has read (:meth:`Tracer.mark_read`). When the run gets
more than the limit ahead, ``emit`` calls ``on_lag`` once (the runtime then
holds every goroutine at its next operation, and its clock); when the reader
is back within ``resume`` events, ``mark_read`` calls ``on_caught_up``. The
emitters themselves engage the hold, so it works even when the reader's
thread cannot get the GIL (four busy goroutines starve a GUI thread for
20-30 ms at a time).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from core.trace.events import _MAX_REPR, Kind, TraceEvent, make_event, short_repr

__all__ = ["Subscriber", "Tracer"]

Subscriber = Callable[[TraceEvent], None]


class Tracer:
    """A bounded ring of events with absolute sequence numbers.

    ``emit`` never blocks and never fails for lack of room: when the ring is
    full the oldest event is overwritten and counted in :attr:`dropped`.
    The ring holds plain tuples (cheap to make inside a critical section);
    readers get frozen :class:`TraceEvent` objects, made when they read.
    Readers either subscribe (called inline, in the emitting thread, inside
    the emitter's critical section: return at once, never call into core) or
    poll with :meth:`since`.
    """

    def __init__(self, capacity: int = 200_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        # Slot seq % capacity holds the record of event seq:
        # (seq, wall time, kind value, g, obj, name, value, extra).
        # An empty slot holds _EMPTY, whose seq 0 is older than every event's.
        self._ring: list[tuple] = [_EMPTY] * capacity
        # Sequence numbers start at 1; itertools.count is atomic under the GIL.
        self._seq = itertools.count(1)
        self._last = 0  # the highest seq written
        t0 = _monotonic()
        # Maps a wall time to runtime time; the runtime installs its clock's.
        self.clock_at: Callable[[float], float] = lambda wall: wall - t0
        self._subscribers: tuple[Subscriber, ...] = ()
        self._sub_lock = threading.Lock()
        self.subscriber_errors = 0  # exceptions raised by subscribers (swallowed, counted)
        # A reader's limit (see limit_lag): 0 means none.
        self.read_seq = 0  # the last seq the reader reported read
        self._max_lag = 0
        self._resume_lag = 0
        self._watch_at = _NEVER  # emit calls _watch past this seq (see _rewatch)
        self.lagging = False  # on_lag was called and on_caught_up not yet
        self.on_lag: Callable[[], None] | None = None  # set by the runtime
        self.on_caught_up: Callable[[], None] | None = None

    # -- writing ------------------------------------------------------------

    def emit(
        self,
        kind: Kind,
        g: int = 0,
        obj: int = 0,
        name: str = "",
        value: object = "",
        extra: tuple = (),
    ) -> None:
        """Record one event. Never blocks.

        *extra* is the plain tuple of the kind's payload, in its field order
        (``core.trace.events``).
        """
        if value.__class__ not in _CHEAP:
            value = short_repr(value)
        seq = next(self._seq)
        # The kind is stored by its value (a str): a record of atomic values
        # only is untracked by the garbage collector, so 200,000 records cost
        # a full collection nothing (an enum member would keep them tracked).
        rec = (seq, _monotonic(), kind._value_, g, obj, name, value, extra)
        ring = self._ring
        slot = seq % self.capacity
        # A writer that took its seq, then waited for the GIL while the ring went a
        # full lap, must not put its record over the newer one: that newer seq would
        # be lost without a count, and a reader would wait for it for ever. Nothing
        # between this test and the store lets another thread run (no call, no
        # backward jump), so the test holds. The late record is counted as missed.
        if ring[slot][0] < seq:
            ring[slot] = rec
        if seq > self._last:
            self._last = seq
        if seq > self._watch_at:  # one test for both: a reader's limit, subscribers
            self._watch(seq, rec)

    def _watch(self, seq: int, rec: tuple) -> None:
        """The rare part of emit: the reader may be behind; subscribers are called."""
        if self._max_lag and seq - self.read_seq > self._max_lag and not self.lagging:
            self._fell_behind()
        if self._subscribers:
            ev = self._event(rec)
            for fn in self._subscribers:
                try:
                    fn(ev)
                except Exception:  # a broken reader must not break the emitter's critical section
                    self.subscriber_errors += 1

    def _rewatch(self) -> None:
        """Set the seq past which emit calls _watch: every seq with subscribers, the
        reader's limit with one, never without either. A stale read in emit only calls
        _watch once too often or an event late (it checks again)."""
        if self._subscribers:
            self._watch_at = 0
        elif self._max_lag:
            self._watch_at = self.read_seq + self._max_lag
        else:
            self._watch_at = _NEVER

    def _fell_behind(self) -> None:
        self.lagging = True
        fn = self.on_lag
        if fn is not None:
            fn()

    # -- a reader that must see everything ------------------------------------

    def limit_lag(self, hold: int, resume: int) -> None:
        """Let the run get at most about *hold* events ahead of the reader.

        Past it, ``on_lag`` holds the run until :meth:`mark_read` finds the
        reader within *resume* events. ``hold=0`` removes the limit (and lets a
        held run go). Raises ``ValueError`` unless ``0 <= resume < hold`` or
        ``hold == 0``.
        """
        if hold and not 0 <= resume < hold:
            raise ValueError("need 0 <= resume < hold")
        self._max_lag, self._resume_lag = hold, resume
        self._rewatch()
        if not hold:
            self._caught_up()

    def mark_read(self, seq: int) -> None:
        """The reader has read every event up to *seq*. Never blocks on the run."""
        self.read_seq = seq
        if self._max_lag and not self._subscribers:
            self._watch_at = seq + self._max_lag
        if not self.lagging:
            return
        if self._last - seq <= self._resume_lag:
            self._caught_up()
        else:
            fn = self.on_lag  # again: a concurrent release may have undone the first
            if fn is not None:
                fn()

    def _caught_up(self) -> None:
        if self.lagging:
            self.lagging = False
            fn = self.on_caught_up
            if fn is not None:
                fn()

    def _event(self, rec: tuple) -> TraceEvent:
        seq, wall, kind_value, g, obj, name, value, extra = rec
        kind = _KIND_BY_VALUE[kind_value]
        if value.__class__ is not str or (len(value) > _MAX_REPR and kind in _VALUE_KINDS):
            value = short_repr(value)
        return make_event(seq, self.clock_at(wall), kind, g, obj, name, value, extra)

    # -- reading ------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._last

    @property
    def dropped(self) -> int:
        """How many events the ring overwrote (were emitted but are gone)."""
        return max(0, self._last - self.capacity)

    def since(self, seq: int, limit: int | None = None) -> tuple[list[TraceEvent], int]:
        """Events with a sequence number above *seq*, oldest first.

        Returns ``(events, missed)`` where *missed* counts events after *seq*
        that the ring already overwrote. At most *limit* events are returned.
        """
        last = self._last
        first = max(seq + 1, last - self.capacity + 1, 1)
        missed = first - (seq + 1) if seq + 1 < first else 0
        end = last if limit is None else min(last, first + limit - 1)
        out: list[TraceEvent] = []
        ring, cap, make = self._ring, self.capacity, self._event
        for s in range(first, end + 1):
            rec = ring[s % cap]
            if rec[0] == s:
                out.append(make(rec))
            elif rec[0] > s:
                missed += 1  # overwritten while we read
            else:
                break  # seq taken but not stored yet: the reader asks again from here
        return out, missed

    def events(self) -> list[TraceEvent]:
        """Every event still in the ring, oldest first."""
        return self.since(0)[0]

    # -- subscribers --------------------------------------------------------

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call *fn* with every new event; returns the function that unsubscribes."""
        with self._sub_lock:
            self._subscribers = (*self._subscribers, fn)
            self._rewatch()

        def unsubscribe() -> None:
            with self._sub_lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not fn)
                self._rewatch()

        return unsubscribe


_NEVER = 1 << 62  # a seq no run reaches
_EMPTY: tuple = (0,)  # an empty slot of the ring
_CHEAP = frozenset({str, int, float, bool, type(None)})
_KIND_BY_VALUE = {k.value: k for k in Kind}
# Kinds whose value is a program's value (a token on the stage), cut to _MAX_REPR;
# other kinds carry text for the learner (notes, reports), kept whole.
_VALUE_KINDS = frozenset(
    {
        Kind.CHAN_SEND,
        Kind.CHAN_RECV,
        Kind.CHAN_HANDOFF,
        Kind.ATOMIC,
        Kind.MEM_READ,
        Kind.MEM_WRITE,
    }
)
_monotonic = time.monotonic

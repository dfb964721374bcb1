"""Deadlock detection: the goroutines of a Runtime that can never wake, in Go's words.

:meth:`DeadlockDetection.check_deadlock` decides as Go 1.23 does (its
docstring says what it detects and what it does not) and returns a
:class:`DeadlockReport`: the facts (``WaitRecord``) and Go's text made from
them. :meth:`DeadlockDetection.wait_for_graph` lists who waits on what.

:class:`DeadlockDetection` is a mixin of :class:`~core.runtime._runtime.Runtime`:
``Runtime.__init__`` makes every attribute it declares. It takes no lock; it
reads the goroutines' states, and reads them again before it reports.

Invariants: a report names only goroutines that were asleep (blocked and not
yet woken) before and after the pending timers were looked at, still alive,
and not waiting on an object declared external; ``deadlock`` holds the last
report, and a traced runtime emits DEADLOCK only when its lines change.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.runtime._clock import Clock
from core.runtime._goroutine import Goroutine, State, _asleep, wait_record
from core.trace import Kind, Tracer, WaitRecord

__all__ = ["DeadlockDetection", "DeadlockReport"]


@dataclass
class DeadlockReport:
    """A set of goroutines that can never wake: records, and Go's words made from them."""

    goroutines: list[str]
    text: str
    explanations: list[str] = field(default_factory=list)
    records: list[WaitRecord] = field(default_factory=list)


class DeadlockDetection:
    """Deadlock detection of a :class:`~core.runtime._runtime.Runtime`."""

    # Made by Runtime.__init__ (see the comments there).
    clock: Clock
    tracer: Tracer | None
    deadlock: DeadlockReport | None
    _external: set[int]
    _objects: dict[int, tuple[weakref.ref[Any], str]]
    goroutines: Callable[[], list[Goroutine]]  # Runtime.goroutines

    def check_deadlock(self, exclude: tuple[Goroutine, ...] = ()) -> DeadlockReport | None:
        """Report the goroutines that can never wake, in Go's words, or None.

        What it detects: Go's global deadlock, among this runtime's
        goroutines other than *exclude* and those waiting on an object
        declared external (the root context's done channel: only stop() or
        the teacher ends it). If at least one of them is blocked on a
        channel, lock, WaitGroup or select, none is running, runnable or
        sleeping, and no pending timer could wake one, then none of them can
        ever wake. As in Go 1.23, a pending ``after_func`` or context deadline
        could, and so could a timer or ticker on whose channel a goroutine
        waits; one whose channel nobody waits on could not (see
        :meth:`_timers_may_wake`). What it does not detect:
        a goroutine blocked forever while an unrelated one keeps running
        (that is reported as a leak by :meth:`stop`), and waits that code
        outside the runtime could end (threads that are not goroutines).
        The report is stored in :attr:`deadlock` and traced once.
        """
        skip = {g.id for g in exclude}
        involved: list[Goroutine] = []
        for g in self.goroutines():
            if g.id in skip:
                continue
            if not _asleep(g):
                return None  # running, runnable, sleeping, or woken and about to run
            if self._waits_on_external(g):
                continue
            involved.append(g)
        if not involved:
            return None
        if self._timers_may_wake(self.goroutines()):
            return None
        # Re-check: a goroutine may have woken while we looked.
        if any(not _asleep(g) or not g.alive for g in involved):
            return None
        records = [wait_record(g) for g in involved]
        lines = [g.describe() for g in involved]
        text = "fatal error: all goroutines are asleep - deadlock!\n\n" + "\n".join(lines)
        report = DeadlockReport(
            goroutines=lines, text=text, explanations=self._explain(involved), records=records
        )
        if self.deadlock is None or self.deadlock.goroutines != lines:
            tr = self.tracer
            if tr is not None:
                tr.emit(Kind.DEADLOCK, value=text, extra=(tuple(records),))
        self.deadlock = report
        return report

    def _timers_may_wake(self, goroutines: list[Goroutine]) -> bool:
        """Whether a pending timer could still wake one of the parked *goroutines*.

        As Go 1.23 decides: a sleep wakes its sleeper (a sleeping goroutine is
        not asleep for the check anyway), an ``after_func`` runs its function
        (its entry ``wakes``), a context deadline cancels its context, and a
        ``Timer``'s or ``Ticker``'s value wakes a goroutine only if one waits on
        its channel (Go 1.23 keeps such a timer in the heap only then). An
        entry not known to be a timer's or ticker's counts, and so does a
        callback running now.
        """
        entries, in_flight = self.clock.pending_timers()
        if in_flight:
            return True
        if not entries:
            return False
        chan_of: dict[int, int] = {}  # id(entry) -> the channel its Timer/Ticker feeds
        for ref, kind in self._objects.copy().values():  # a copy: see objects()
            if kind == "Timer" or kind == "Ticker":
                obj = ref()
                entry, c = getattr(obj, "_entry", None), getattr(obj, "c", None)
                if entry is not None and c is not None:
                    chan_of[id(entry)] = c.id
        waited: set[int] = set()
        for g in goroutines:
            obj = g.waiting_on
            if obj is None or not _asleep(g):
                continue
            ids = getattr(obj, "watched_ids", None)
            if ids is not None:
                waited.update(ids())
            else:
                waited.add(getattr(obj, "id", 0))
        for entry in entries:
            if entry.wakes:
                return True
            chan = chan_of.get(id(entry))
            if chan is None or chan in waited:
                return True
        return False

    def _waits_on_external(self, g: Goroutine) -> bool:
        obj = g.waiting_on
        if obj is None:
            return False
        ids = getattr(obj, "watched_ids", None)  # a select: any external case counts
        if ids is not None:
            return any(i in self._external for i in ids())
        return getattr(obj, "id", None) in self._external

    def _explain(self, involved: list[Goroutine]) -> list[str]:
        out = []
        for g in involved:
            obj = g.waiting_on
            what = getattr(obj, "name", "") or "an object"
            if g.state is State.BLOCKED_SEND:
                out.append(f"{g.name} waits to send on {what}; no goroutine will ever receive it")
            elif g.state is State.BLOCKED_RECV:
                out.append(f"{g.name} waits to receive from {what}; no goroutine will ever send")
            elif g.state is State.BLOCKED_LOCK:
                holder = getattr(obj, "holder_name", lambda: "")()
                extra = f" held by {holder}" if holder else ""
                out.append(f"{g.name} waits for {what}{extra}, which nobody will unlock")
            elif g.state is State.BLOCKED_WAITGROUP:
                out.append(f"{g.name} waits for {what}; its counter will never reach zero")
            else:
                out.append(
                    f"{g.name} waits in {g.wait_reason or g.state.value}; nothing can wake it"
                )
        return out

    def wait_for_graph(self) -> list[tuple[int, str, int, str]]:
        """Edges (goroutine id, goroutine name, object id, reason) of who waits on what."""
        edges = []
        for g in self.goroutines():
            obj = g.waiting_on
            if obj is None:
                continue
            ids = getattr(obj, "watched_ids", None)
            for oid in ids() if ids is not None else (getattr(obj, "id", 0),):
                edges.append((g.id, g.name, oid, g.wait_reason))
        return edges

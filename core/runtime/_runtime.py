"""The Runtime: the clock, the tracer, the goroutines and the objects of one run.

A :class:`Runtime` owns a clock, an optional tracer, the registry of its
live goroutines and a root context. Each goroutine is a daemon thread that
knows its runtime; goroutines started from inside a goroutine inherit it.
The run makes its root context (:meth:`Runtime.root_context`) and ends it
(:meth:`Runtime.stop` cancels it).

Parking and waking go through ``_waitq`` (the waker makes the goroutine
runnable and reports it, as Go's ``goready``). To kill a parked goroutine,
:meth:`Runtime.stop` asks the owner to cancel the waiter
(``owner._cancel_wait(waiter) -> bool``); only if that succeeds does it wake
it, so a wake-up is never delivered twice.

The registry. Every channel and sync object registers with its runtime
(:func:`trace_make`), weakly: :meth:`Runtime.snapshot` reads the real state
of those still alive, and a traced runtime reports each one that is
collected (OBJ_FREE), so a model built from the trace forgets it too.

The pause gate and stepping are :class:`~core.runtime._stepping.Stepping`'s,
deadlock detection is :class:`~core.runtime._deadlock.DeadlockDetection`'s:
mixins whose attributes ``Runtime.__init__`` makes.

Invariants:
  ``_live`` holds each goroutine from ``go`` until its end is traced (``_ended``);
  ``_objects`` holds a weak reference to each registered object not yet
  collected; a collected one's id waits in ``_freed`` until a flush traces its
  OBJ_FREE, once, and never after the runtime stopped.

Imports. This module imports ``context`` (for the root context) and
``_goroutine`` at its top; neither imports this module at run time. It
installs :func:`default_runtime` in ``_goroutine`` as it is imported.
"""

from __future__ import annotations

import collections
import gc
import itertools
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from core.runtime import _waitq, context
from core.runtime._clock import Clock
from core.runtime._deadlock import DeadlockDetection, DeadlockReport
from core.runtime._errors import Fatal
from core.runtime._goroutine import (
    Goroutine,
    State,
    _GoThread,
    _tls,
    install_default_runtime,
    panic_text,
    wait_record,
)
from core.runtime._stepping import Stepping
from core.runtime.context import CancelFunc, Context
from core.trace import Kind, Tracer, WaitRecord

__all__ = ["Runtime", "StopReport", "default_runtime"]


@dataclass
class StopReport:
    """What :meth:`Runtime.stop` found: goroutines that did not end on cancellation."""

    leaked: list[str] = field(default_factory=list)  # had to be killed
    leaked_ids: list[int] = field(default_factory=list)  # their goroutine ids
    leaked_records: list[WaitRecord] = field(default_factory=list)  # what each waited on
    alive: list[str] = field(default_factory=list)  # still running after the deadline
    alive_records: list[WaitRecord] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.leaked and not self.alive


class Runtime(Stepping, DeadlockDetection):
    """A clock, a tracer and the goroutines of one simulated Go program."""

    def __init__(
        self,
        name: str = "runtime",
        tracer: Tracer | None = None,
        speed: float = 1.0,
        seed: int | None = None,
    ) -> None:
        self.name = name
        self.clock = Clock(speed, name=name)
        self.clock.on_pause_change = self._on_pause_change
        self.clock.on_fault = self._on_clock_fault
        self.tracer: Tracer | None = None
        self.rng = random.Random(seed)
        self._gids = itertools.count(1)
        # Registry of live goroutines: single dict operations are atomic under the GIL.
        self._live: dict[int, Goroutine] = {}
        self._ended_cv = threading.Condition(threading.Lock())
        self._gating = False
        self._gate_cv = threading.Condition(threading.Lock())
        self._at_gate: dict[Goroutine, str] = {}  # guarded by _gate_cv
        self._at_hold: set[Goroutine] = set()  # guarded by _gate_cv: waiting out a hold
        self._grant: Goroutine | None = None  # guarded by _gate_cv
        self._stopping = False  # stop() began: the gate is open for good
        self._killing = False  # stop()'s grace is over: every wait raises Goexit
        self.stopped = False
        self.panics: list[tuple[Goroutine, BaseException]] = []
        self.deadlock: DeadlockReport | None = None
        self._external: set[int] = set()  # ids of objects outside code may signal
        # Weak registry of the channels and sync objects made in this runtime (id -> ref).
        self._objects: dict[int, tuple[weakref.ref[Any], str]] = {}  # id -> (ref, kind)
        # Ids of registered objects the collector freed, not yet traced (see _register).
        self._freed: collections.deque[int] = collections.deque()
        # A unique number written at every park and goroutine end (see _block): a
        # deadlock check that reads the same number before and after looking knows
        # that no goroutine parked or ended meanwhile (next() is atomic).
        self._park_seq = itertools.count(1)
        self._last_park = 0
        # The program that run_main runs in this runtime (core.runtime._program), if any.
        self._program: Any = None
        self._held = False  # the window is behind: goroutines wait at the gate (see hold)
        # The tracer's reader fell more than its limit behind (Tracer.limit_lag): set
        # by an emitter, without a lock (see _on_reader_behind); cleared by the reader.
        self._reader_behind = False
        self._reader_froze_clock = False  # guarded by _gate_cv: a reader hold holds the clock
        self._user_paused = False
        self._root: tuple[Context, CancelFunc] | None = None  # made by root_context()
        if tracer is not None:
            self.set_tracer(tracer)

    # -- tracer ---------------------------------------------------------

    def set_tracer(self, tracer: Tracer | None) -> None:
        """Install (or remove) the tracer; events carry this clock's time."""
        if tracer is not None:
            tracer.clock_at = self.clock.at
            tracer.on_lag = self._on_reader_behind
            tracer.on_caught_up = self._on_reader_caught_up
        self.tracer = tracer

    # -- goroutines -----------------------------------------------------

    def go(self, fn: Callable[..., Any], *args: Any, name: str | None = None) -> Goroutine:
        """Start ``fn(*args)`` in a new goroutine of this runtime, at once."""
        g = Goroutine(self, fn, args, name, next(self._gids))
        parent = getattr(_tls, "g", None)
        g.parent_id = parent.id if parent is not None else 0
        g.created_at = self.clock.now()
        if self._killing:
            g._kill = True
        self._live[g.id] = g
        tr = self.tracer
        if tr is not None:
            if self._freed:
                self._flush_freed()
            tr.emit(Kind.GO_CREATE, g=g.parent_id, obj=g.id, name=g.name, value=str(g.parent_id))
        # go() returns once the goroutine has begun; it usually runs on until it
        # blocks or ends before its creator goes on (it holds the GIL), so new
        # goroutines, and a teacher's actions, begin in the order they were made.
        t = g._thread = _GoThread(target=g._run, name=f"go:{g.name}", daemon=True)
        begun = g._begun
        try:
            t.start()
        except BaseException:
            self._live.pop(g.id, None)
            raise
        begun.acquire()
        return g

    def goroutines(self) -> list[Goroutine]:
        """The live goroutines, oldest first."""
        return sorted(self._live.values(), key=lambda g: g.id)

    @contextmanager
    def active(self) -> Iterator[Runtime]:
        """Make this the current runtime of the calling (non-goroutine) thread."""
        old = getattr(_tls, "rt", None)
        _tls.rt = self
        try:
            yield self
        finally:
            _tls.rt = old

    def root_context(self) -> Context:
        """A context that :meth:`stop` cancels: the parent of everything a scenario runs."""
        if self._root is None:
            with self.active():
                ctx, cancel = context.with_cancel(context.background(), name=f"{self.name}.root")
            self._root = (ctx, cancel)
            self.mark_external(ctx.done())
        return self._root[0]

    def mark_external(self, obj: Any) -> None:
        """Declare that code outside the runtime may signal *obj* (deadlock checks trust it)."""
        self._external.add(obj.id)

    def external_ids(self) -> frozenset[int]:
        """Ids of the objects declared external (the root context's done channel, ...)."""
        return frozenset(self._external)

    def _on_clock_fault(self, exc: BaseException) -> None:
        """A timer callback raised: the clock goes on; the trace says what happened."""
        tr = self.tracer
        if tr is not None:
            tr.emit(Kind.FAULT, value=f"timer callback: {type(exc).__name__}: {exc}")

    def _record_panic(self, g: Goroutine, exc: BaseException) -> None:
        """*g* crashed with *exc*: an unrecovered panic, or a ``Fatal`` (traced as fatal)."""
        self.panics.append((g, exc))
        tr = self.tracer
        if tr is not None:
            fatal = isinstance(exc, Fatal)
            text = panic_text(exc)
            tr.emit(Kind.GO_PANIC, g=g.id, obj=g.id, name=g.name, value=text, extra=(fatal,))
        program = self._program
        if program is not None:
            program.crashed(g, exc)

    def _ended(self, g: Goroutine) -> None:
        # Reported before it leaves the registry: a snapshot that still finds it
        # sees it done (and leaves it out), as the model does after GO_END.
        tr = self.tracer
        if tr is not None:
            if self._freed:
                self._flush_freed()
            tr.emit(Kind.GO_END, g=g.id, obj=g.id, name=g.name)
        self._live.pop(g.id, None)
        self._last_park = next(self._park_seq)
        with self._ended_cv:
            g._finished = True
            self._ended_cv.notify_all()
        program = self._program
        if program is not None:
            program.ended(g)

    # -- the registry of objects ------------------------------------------

    def _register(self, obj: Any, kind: str = "") -> None:
        """Remember *obj* (a *kind*: "Chan", "Mutex", "Context", ...) weakly, for
        snapshots; a traced runtime reports its end (OBJ_FREE)."""
        oid = obj.id
        objects = self._objects

        freed = self._freed

        def gone(_ref: weakref.ref, oid: int = oid) -> None:
            # Runs inside the garbage collector, at any bytecode of any thread,
            # maybe inside a trace subscriber holding its own lock: so it only
            # notes the id (deque.append is atomic) and never emits from here.
            if objects.pop(oid, None) is not None:
                freed.append(oid)

        self._flush_freed()
        try:
            objects[oid] = (weakref.ref(obj, gone), kind)
        except TypeError:  # not weakly referenceable: never in a snapshot
            pass

    def _flush_freed(self) -> None:
        """Trace OBJ_FREE for the objects collected since the last flush.

        Called from ordinary code (a new object, a goroutine's start and end, a
        snapshot), never from a finalizer; any thread may flush, each id once.
        """
        freed = self._freed
        tr = self.tracer
        while freed:
            try:
                oid = freed.popleft()
            except IndexError:  # another thread took the last one
                return
            if tr is not None and not self.stopped:
                tr.emit(Kind.OBJ_FREE, obj=oid)

    def objects(self) -> list[tuple[Any, str]]:
        """The registered objects still alive with their kinds, oldest first."""
        out = []
        # A copy in C, in one step: the collector may run (and a weak reference's
        # callback drop an entry) at any allocation of a loop over the dict itself.
        for _oid, (ref, kind) in sorted(self._objects.copy().items()):
            obj = ref()
            if obj is not None:
                out.append((obj, kind))
        return out

    # -- parking (used by every blocking primitive; see _waitq) ----------

    def _block(self, me: Goroutine, owner: Any, waiter: Any, state: State, reason: str) -> None:
        """Record that *me* is about to park on *owner*. Called under the owner's lock."""
        self._last_park = next(self._park_seq)
        _waitq.block(self, me, owner, waiter, state, reason)

    def _wait(self, me: Goroutine, waiter: Any) -> None:
        """Park until woken. Called with no lock held. Raises ``Goexit`` when killed."""
        _waitq.park(me, waiter)

    # -- stopping -------------------------------------------------------

    def stop(self, timeout: float = 2.0) -> StopReport:
        """Cancel the root context, wait, kill what is still blocked, join everything.

        Goroutines get half of *timeout* to end on their own after the root
        context is cancelled; those still parked are then unwound with
        ``Goexit`` and reported as leaked. Never raises; idempotent.
        """
        report = StopReport()
        if self.stopped:
            return report
        deadline = time.monotonic() + timeout
        self._stopping = True
        with self._gate_cv:
            self._gating = False
            self._gate_cv.notify_all()
        if self._root is not None:
            self._root[1]()
        grace = time.monotonic() + timeout / 2
        self._wait_empty(grace)
        self._killing = True
        tried: dict[int, Any] = {}  # each wait is cancelled once (see _halt)
        while self._live and time.monotonic() < deadline:
            for g in self.goroutines():
                if not g._kill:
                    report.leaked.append(g.describe())
                    report.leaked_ids.append(g.id)
                    report.leaked_records.append(wait_record(g))
                    g._kill = True
                self._kill_wait(g, tried)
            self._wait_empty(min(deadline, time.monotonic() + 0.01))
        still = self.goroutines()
        report.alive = [g.describe() for g in still]
        report.alive_records = [wait_record(g) for g in still]
        tr = self.tracer
        if tr is not None:
            for rec, line in zip(report.leaked_records, report.leaked, strict=True):
                tr.emit(Kind.LEAK, g=rec.g, value=line, extra=rec)
        self.clock.close(max(0.05, deadline - time.monotonic()))
        self.stopped = True
        # The run is over: its trace ends here. Dropping the weak references drops
        # their callbacks, so objects collected later add no OBJ_FREE to it.
        self._objects.clear()
        self._freed.clear()
        return report

    def _begin_halt(self) -> None:
        """From now on every goroutine's next runtime operation raises ``Goexit``.

        Only flags: callable from any thread, also from a goroutine that is
        crashing. :meth:`_halt` then ends the parked ones and waits.
        """
        self._killing = True
        for g in list(self._live.values()):
            g._kill = True
        with self._gate_cv:
            # Gated, every primitive passes _checkpoint first, which raises Goexit
            # for a killed goroutine even where the operation would not block.
            self._gating = True
            self._gate_cv.notify_all()

    def _halt(self, timeout: float = 2.0) -> StopReport:
        """End every goroutine at once, as a Go program ends them when it exits.

        Unlike :meth:`stop`, there is no grace: no goroutine returns from its
        next runtime operation (a parked one is unwound with ``Goexit`` where it
        waits). Then stops the runtime; joins with *timeout* in all. A goroutine
        that never calls the runtime again (a CPU loop, a blocking call outside
        it) cannot be ended: it is reported in the result's ``alive``.
        """
        deadline = time.monotonic() + timeout
        self._begin_halt()
        # Each wait is cancelled once: cancelling takes the waiter out of its queue
        # (a scan), so trying again every round would cost the square of the number
        # of goroutines parked on one channel.
        tried: dict[int, Any] = {}
        while self._live and time.monotonic() < deadline:
            for g in list(self._live.values()):
                g._kill = True
                self._kill_wait(g, tried)
            self._wait_empty(min(deadline, time.monotonic() + 0.01))
        return self.stop(max(0.05, deadline - time.monotonic()))

    def _kill_wait(self, g: Goroutine, tried: dict[int, Any]) -> None:
        """Cut *g*'s current wait short, once per wait (*tried*: the wait last cut, by id)."""
        blocked = g._blocked_on
        if blocked is not None and tried.get(g.id) is not blocked:
            tried[g.id] = blocked
            self._kill(g)

    def _kill(self, g: Goroutine) -> None:
        blocked = g._blocked_on
        if blocked is None:
            return
        owner, waiter = blocked
        if owner._cancel_wait(waiter):
            waiter.cancelled = True
            _waitq.ready(g)
            tr = self.tracer
            if tr is not None:
                tr.emit(Kind.GO_UNBLOCK, g=g.id, obj=getattr(owner, "id", 0), extra=(0,))
            _waitq.wake(g)

    def _wait_empty(self, until: float) -> None:
        with self._ended_cv:
            while self._live:
                left = until - time.monotonic()
                if left <= 0:
                    return
                self._ended_cv.wait(min(left, 0.05))

    # -- the real state ---------------------------------------------------

    def quiescent(self) -> bool:
        """Every live goroutine is parked (blocked, sleeping) or held at the gate,
        and no timer callback is running: nothing moves until someone acts."""
        with self._gate_cv:
            waiting = set(self._at_gate)
            if not self._user_paused:  # paused, the held ones move on to the gate
                waiting |= self._at_hold
        for g in list(self._live.values()):
            st = g.state
            if st.parked or st is State.DONE or st is State.PANICKED:
                continue
            if g not in waiting:
                return False
        return not self.clock.in_flight()

    def snapshot(self, timeout: float = 1.0) -> dict:
        """The runtime's state, read from the primitives themselves (not from the trace).

        Taken while paused (a running runtime is paused for it and resumed
        after), once every live goroutine is parked or held at the pause
        gate; waits up to *timeout* seconds for that, and says in
        ``"quiescent"`` whether it came. The shape is CONTRACT.md's: the same
        as :meth:`core.trace.RunModel.snapshot`'s.
        """
        was_paused = self.clock.paused
        if not was_paused:
            self.pause()
        try:
            deadline = time.monotonic() + timeout
            while True:
                quiet = self.quiescent()
                if quiet:
                    # Objects nobody can reach may sit in reference cycles until the
                    # collector runs: collect them now, so that their OBJ_FREE comes
                    # before this snapshot and not at a random moment after it.
                    gc.collect()
                self._flush_freed()
                tr = self.tracer
                before = tr.last_seq if tr is not None else 0
                snap = self._read_state(quiet)
                self._flush_freed()  # the collector may have run while we read
                after = tr.last_seq if tr is not None else 0
                if quiet and before == after and self.quiescent():
                    return snap
                if time.monotonic() >= deadline:
                    snap["quiescent"] = False
                    return snap
                with self._ended_cv:
                    self._ended_cv.wait(0.002)
        finally:
            if not was_paused:
                self.resume()

    def _read_state(self, quiet: bool) -> dict:
        goroutines: dict[int, dict] = {}
        for g in sorted(list(self._live.values()), key=lambda g: g.id):
            st = g.state
            if st is State.DONE or st is State.PANICKED:
                continue
            on = g.waiting_on if st.blocked else None
            oid = getattr(on, "id", 0) if on is not None else 0
            goroutines[g.id] = {"name": g.name, "state": st.value, "waiting_on": oid or None}
        out: dict[str, Any] = {
            "quiescent": quiet,
            "goroutines": goroutines,
            "channels": {},
            "mutexes": {},
            "rwmutexes": {},
            "waitgroups": {},
            "contexts": {},
        }
        for obj, kind in self.objects():
            if kind == "Context":
                err = obj.err()
                out["contexts"][obj.id] = {"name": obj.name, "err": str(err) if err else None}
                continue
            read = getattr(obj, "_snapshot", None)
            if read is not None:
                table, entry = read()
                out[table][obj.id] = entry
        return out

    def __repr__(self) -> str:
        return f"<Runtime {self.name!r} goroutines={len(self._live)}>"


_default: Runtime | None = None
_default_lock = threading.Lock()


def default_runtime() -> Runtime:
    """The process-wide runtime used outside any ``Runtime.active()`` (made on first use)."""
    global _default
    rt = _default
    if rt is None:
        with _default_lock:
            if _default is None:
                _default = Runtime(name="default")
            rt = _default
    return rt


install_default_runtime(default_runtime)

"""Goroutines, their states, and the Runtime that owns them.

A :class:`Runtime` owns a clock, an optional tracer, the registry of its
live goroutines and a root context. Each goroutine is a daemon thread that
knows its runtime; goroutines started from inside a goroutine inherit it.

Parking and waking go through ``_waitq`` (the waker makes the goroutine
runnable and reports it, as Go's ``goready``). To kill a parked goroutine,
:meth:`Runtime.stop` asks the owner to cancel the waiter
(``owner._cancel_wait(waiter) -> bool``); only if that succeeds does it wake
it, so a wake-up is never delivered twice.

The registry. Every channel and sync object registers with its runtime
(:func:`trace_make`), weakly: :meth:`Runtime.snapshot` reads the real state
of those still alive, and a traced runtime reports each one that is
collected (OBJ_FREE), so a model built from the trace forgets it too.

Pause and step. While the runtime is gated (paused), every primitive
operation first waits at the gate (:meth:`Runtime._checkpoint`); ``step``
lets exactly one waiting goroutine through for one operation.
"""

from __future__ import annotations

import _thread
import collections
import gc
import itertools
import random
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.runtime import _waitq
from core.runtime._clock import Clock
from core.runtime._errors import Fatal, Goexit, Panic
from core.trace import Kind, Tracer, WaitRecord
from core.trace.events import State

if TYPE_CHECKING:  # context imports this module: no import at run time
    from core.runtime.context import CancelFunc, Context

__all__ = [
    "DeadlockReport",
    "Goroutine",
    "Runtime",
    "State",
    "StopReport",
    "current",
    "current_runtime",
    "default_runtime",
    "go",
    "gosched",
    "trace_point",
]


_tls = threading.local()


# -- the run queue: how many woken threads are let loose at once ----------------
#
# Goroutines are threads, and every thread shares one GIL. A thread that is woken
# (its parker released) must take the GIL before it runs, and CPython's GIL
# waiters each wake up every switch interval (5 ms) to ask for it: when thousands
# wait at once (a close that wakes 10,000 receivers), the machine spends itself on
# those futile wake-ups (here 7-15 s to release 10,000 parked threads at once;
# 0.8 s when no more than a few are loose at a time). So, as Go runs its runnable
# goroutines on GOMAXPROCS processors, at most WAKE_SLOTS woken threads may be
# released and not yet running; a waker that finds no slot free queues the release
# (the goroutine is already runnable: its state and the trace said so under the
# waker's lock), and each released thread, once it runs, releases the next.
#
# A slot is held only from the release until the thread runs, never while it runs
# or blocks, so the queue always drains: every released thread needs nothing but
# the GIL to give its slot on.
#
# The queue is a pair of deques, the free tokens and the waiting releases, whose
# append and pop are atomic: the hot path takes no lock. Whoever adds to one of the
# two looks at the other afterwards (_dispatch), so a free token and a waiting
# release are never both left idle.
#
# (New goroutines need no queue: ``go`` waits until the new one has begun, so no
# more than one new thread per creator waits for the GIL.)

WAKE_SLOTS = 4
_wake_tokens: collections.deque[int] = collections.deque([0] * WAKE_SLOTS)
_wakeq: collections.deque[Callable[[], Any]] = collections.deque()


def _dispatch(tokens: collections.deque, queue: collections.deque) -> None:
    """Pair free tokens with queued actions until one of the two runs out."""
    while queue:
        try:
            tokens.pop()
        except IndexError:
            return
        try:
            action = queue.popleft()
        except IndexError:  # another thread took it: give the token back, look again
            tokens.append(0)
            continue
        action()


def _pass_on(tokens: collections.deque, queue: collections.deque) -> None:
    """The calling thread got going: give its token to the next queued action, or free it."""
    if queue:
        try:
            action = queue.popleft()
        except IndexError:
            pass
        else:
            action()
            return
    tokens.append(0)
    if queue:
        _dispatch(tokens, queue)


class Parker:
    """A goroutine's own park lock: held whenever the goroutine is not parked.

    ``acquire()`` parks (blocks until released); ``release()`` wakes, exactly once
    per park, through the wake queue above. Go: ``gopark``/``goready``'s semaphore.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()
        self._lock.acquire()

    def acquire(self) -> bool:
        """Block until released; then hand the slot the release took to the next."""
        self._lock.acquire()
        # _pass_on(_wake_tokens, _wakeq), its common case inlined:
        if _wakeq:
            _pass_on(_wake_tokens, _wakeq)
        else:
            _wake_tokens.append(0)
            if _wakeq:
                _dispatch(_wake_tokens, _wakeq)
        return True

    def release(self) -> None:
        """Let the parked goroutine run (now, or once a slot is free). Never blocks."""
        try:
            _wake_tokens.pop()
        except IndexError:
            _wakeq.append(self._lock.release)
            _dispatch(_wake_tokens, _wakeq)
            return
        self._lock.release()

    def locked(self) -> bool:
        """True unless released and not yet taken up by its goroutine."""
        return self._lock.locked()


class _GoThread(threading.Thread):
    """A goroutine's thread: ``start()`` returns without waiting for the thread.

    ``threading.Thread.start`` waits on an Event until the new thread has begun;
    ``Runtime.go`` waits on a plain lock that the goroutine releases first thing,
    which costs less (10,000 goroutines start about 15% sooner). Everything else is
    ``threading``'s own (the thread is listed by ``threading.enumerate()`` from
    ``start`` on).
    """

    def start(self) -> None:
        # Thread.start without its final self._started.wait() (CPython 3.11's code).
        with threading._active_limbo_lock:  # type: ignore[attr-defined]
            threading._limbo[self] = self  # type: ignore[attr-defined]
        try:
            _thread.start_new_thread(self._bootstrap, ())  # type: ignore[attr-defined]
        except BaseException:
            with threading._active_limbo_lock:  # type: ignore[attr-defined]
                del threading._limbo[self]  # type: ignore[attr-defined]
            raise


class Goroutine:
    """A function running on its own thread, as Go's ``go f(x)`` starts one.

    ``state``, ``wait_reason`` and ``waiting_on`` say what it does now;
    ``panic`` holds the exception it raised (it is also traced), or None.
    """

    def __init__(
        self,
        rt: Runtime | None,
        fn: Callable[..., Any] | None,
        args: tuple,
        name: str | None,
        gid: int,
    ) -> None:
        self.id = gid
        self.runtime = rt
        self.name = name or (f"{getattr(fn, '__name__', 'goroutine')}-{gid}" if fn else "main")
        self.state = State.RUNNING
        self.wait_reason = ""
        self.waiting_on: Any = None
        self.panic: BaseException | None = None
        self.panic_traceback = ""
        self.parent_id = 0
        self.created_at = 0.0
        # Held whenever the goroutine is not parked (see the module docstring).
        self.parker = Parker()
        self._blocked_on: tuple[Any, Any] | None = None
        self._kill = False
        self._fn = fn
        self._args: tuple[Any, ...] | None = args  # None once the goroutine ended (_run)
        self._thread: threading.Thread | None = None
        self._finished = False  # its function returned or raised (set on its thread)
        self._begun = _thread.allocate_lock()  # released by its thread when it begins
        self._begun.acquire()
        self.goexited = False  # it ended by raising Goexit (its own, or the runtime's kill)

    @property
    def alive(self) -> bool:
        t = self._thread
        return t is not None and t.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the goroutine ends; True if it did within *timeout* seconds."""
        t = self._thread
        if t is None:
            return True
        t.join(timeout)
        return not t.is_alive()

    def describe(self) -> str:
        """One line in Go's style: ``goroutine 7 [chan receive]: worker-3``."""
        if self.state is State.SLEEPING:
            what = "sleep"
        elif self.state.blocked:
            what = self.wait_reason or self.state.value
        else:
            what = self.state.value
        on = getattr(self.waiting_on, "name", "")
        return f"goroutine {self.id} [{what}]: {self.name}" + (f" on {on}" if on else "")

    def __repr__(self) -> str:
        return f"<Goroutine {self.id} {self.name!r} {self.state.value}>"

    # -- the thread -----------------------------------------------------

    def _run(self) -> None:
        self._begun.release()  # go() returns; this goroutine runs on until it blocks
        rt = self.runtime
        assert rt is not None
        _tls.g = self
        _tls.rt = rt
        tr = rt.tracer
        if tr is not None:
            tr.emit(Kind.GO_START, g=self.id, obj=self.id, name=self.name)
        ended = State.DONE
        try:
            # Even when started while the runtime is being killed, the
            # function runs: its first wait raises Goexit, so its finally
            # blocks (a WaitGroup.go's done()) still run.
            fn, args = self._fn, self._args
            # None only in _External (never run) and after this call (the finally below).
            assert fn is not None and args is not None
            fn(*args)
        except Goexit:
            # Go's runtime.Goexit(): the goroutine ends quietly, after its finally
            # blocks (the runtime's kill at stop unwinds the same way).
            self.goexited = True
        except BaseException as exc:  # a panic, or a Fatal: the goroutine's crash
            ended = State.PANICKED
            self.panic = exc
            self.panic_traceback = traceback.format_exc()
            rt._record_panic(self, exc)
        finally:
            self._blocked_on = None
            self.waiting_on = None
            self.state = ended
            self._fn = self._args = None
            rt._ended(self)


class _External(Goroutine):
    """Stands for a thread that is not a goroutine (the test's main thread, the GUI)."""

    def __init__(self) -> None:
        super().__init__(None, None, (), f"thread:{threading.current_thread().name}", 0)


def _me() -> Goroutine:
    """The calling goroutine, or the stand-in of the calling plain thread."""
    g = getattr(_tls, "g", None)
    if g is None:
        g = _tls.g = _External()
    return g


def current() -> Goroutine | None:
    """The calling goroutine; None on a thread that is not a goroutine."""
    g = getattr(_tls, "g", None)
    return None if g is None or g.id == 0 else g


def current_runtime() -> Runtime:
    """The runtime of the calling goroutine, else the one made active, else the default."""
    rt = getattr(_tls, "rt", None)
    return rt if rt is not None else default_runtime()


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


def go(fn: Callable[..., Any], *args: Any, name: str | None = None) -> Goroutine:
    """Start ``fn(*args)`` in a new goroutine of the current runtime, at once.

    Go: ``go fn(args)``
    """
    return current_runtime().go(fn, *args, name=name)


def gosched() -> None:
    """Yield the processor so other goroutines run. Go: ``runtime.Gosched()``."""
    rt = current_runtime()
    if rt._gating:
        rt._checkpoint("runtime.Gosched", None)
    time.sleep(0)


def trace_point(kind: Kind, obj_id: int = 0, obj_name: str = "", value: Any = "") -> Any:
    """Pass the pause gate, then record one annotated operation (e.g. MEM_READ).

    Patterns use it to make steps visible that Go's runtime does not trace,
    such as the read and the write of ``count++``. A callable *value* is
    called after the gate (so a read happens when the step lets it), and
    its result is recorded and returned.
    """
    rt = current_runtime()
    if rt._gating:
        rt._checkpoint(kind.value, None, obj_id, obj_name)
    if callable(value):
        value = value()
    tr = rt.tracer
    if tr is not None:
        tr.emit(kind, g=_me().id, obj=obj_id, name=obj_name, value=value)
    return value


def trace_pattern(
    obj_id: int, obj_name: str, pattern: str, what: str, text: str, **state: Any
) -> None:
    """Record a pattern's state after one of its operations (Kind.PATTERN), if traced.

    For what Go's runtime cannot see (a token bucket's tokens, a breaker's
    state): call it inside the pattern's critical section, so records come
    in the order the changes happened. *text* is the sentence for the
    learner; *state* holds plain values (numbers, strings, booleans). Never
    blocks and passes no gate (the pattern's own lock did).
    """
    tr = current_runtime().tracer
    if tr is not None:
        tr.emit(
            Kind.PATTERN,
            g=_me().id,
            obj=obj_id,
            name=obj_name,
            value=text,
            extra=(pattern, what, tuple(state.items())),
        )


def _asleep(g: Goroutine) -> bool:
    """Blocked and not yet woken (a waker makes a goroutine runnable before it runs)."""
    return g.state.blocked


def trace_make(rt: Runtime, obj: Any, type_name: str, extra: tuple = ()) -> None:
    """Register a new sync object with *rt* and announce it (SYNC_MAKE) if traced.

    *extra* is the SyncMake payload (``core.trace.events``).
    """
    tr = rt.tracer
    if tr is not None:
        tr.emit(Kind.SYNC_MAKE, g=_me().id, obj=obj.id, name=obj.name, value=type_name, extra=extra)
    rt._register(obj, type_name)


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


@dataclass
class DeadlockReport:
    """A set of goroutines that can never wake: records, and Go's words made from them."""

    goroutines: list[str]
    text: str
    explanations: list[str] = field(default_factory=list)
    records: list[WaitRecord] = field(default_factory=list)


class Runtime:
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

    def root_context(self) -> Context:  # context is imported lazily (it imports us)
        """A context that :meth:`stop` cancels: the parent of everything a scenario runs."""
        if self._root is None:
            from core.runtime import context

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

    # -- pause gate and stepping ---------------------------------------

    def _on_pause_change(self, paused: bool) -> None:
        with self._gate_cv:
            self._user_paused = paused
            self._gating = self._gate_needed()
            self._gate_cv.notify_all()

    def _gate_needed(self) -> bool:
        """Whether goroutines must stop at the gate (read under ``_gate_cv``)."""
        return (self._user_paused or self._held or self._reader_behind) and not self._stopping

    def _on_reader_behind(self) -> None:
        """The tracer's reader fell behind: every goroutine waits at its next operation.

        Called by :meth:`Tracer.emit` inside the emitter's critical section, so it
        takes no lock: two plain stores (atomic under the GIL). The first goroutine
        at the gate holds the clock (see :meth:`_checkpoint`). A store lost to a
        concurrent recomputation of ``_gating`` is made again by the reader's next
        :meth:`Tracer.mark_read`.
        """
        if not self._stopping:
            self._reader_behind = True
            self._gating = True

    def _on_reader_caught_up(self) -> None:
        """The reader caught up: the goroutines held for it go on, and so does time."""
        with self._gate_cv:
            self._reader_behind = False
            self._gating = self._gate_needed()
            thaw, self._reader_froze_clock = self._reader_froze_clock, False
            self._gate_cv.notify_all()
            if thaw:
                self.clock.release()

    def hold(self) -> None:
        """Hold every goroutine at its next operation, and the clock, until :meth:`release`.

        For a window that fell behind the trace: the run waits for the
        picture instead of the picture guessing. Unlike :meth:`pause`, a
        hold is invisible to the program and to the picture: no state
        changes, no event; runtime time stands still meanwhile.
        """
        with self._gate_cv:
            if self._held or self._stopping:
                return
            self._held = True
            self._gating = True
        self.clock.hold()

    def release(self) -> None:
        """End a :meth:`hold`."""
        with self._gate_cv:
            if not self._held:
                return
            self._held = False
            self._gating = self._gate_needed()
            self._gate_cv.notify_all()
        self.clock.release()

    @property
    def held(self) -> bool:
        return self._held

    def _checkpoint(self, op: str, obj: Any, obj_id: int = 0, obj_name: str = "") -> None:
        """Wait at the gate while paused or held, until a step (or the end of it) lets us go.

        The object is *obj* (its id and name), or given as *obj_id*/*obj_name*.
        Called with no lock of the runtime's objects held.
        """
        me = _me()
        if me.id == 0:
            return  # plain threads (the GUI, tests) are never gated
        if me._kill:
            raise Goexit
        with self._gate_cv:
            if self._reader_behind and not self._reader_froze_clock and not self._stopping:
                # Held for the trace's reader: time stands still meanwhile, as in hold().
                # (Lock order _gate_cv -> the clock's: the clock calls out with none held.)
                self._reader_froze_clock = True
                self.clock.hold()
            while (
                (self._held or self._reader_behind)
                and not self._user_paused
                and not self._stopping
                and not me._kill
            ):
                self._at_hold.add(me)
                self._gate_cv.wait()
            self._at_hold.discard(me)
            if not self._user_paused or self._stopping:
                return
            self._at_gate[me] = op
            prev = me.state
            me.state = State.RUNNABLE
            tr = self.tracer
            if tr is not None:
                tr.emit(
                    Kind.GO_GATE,
                    g=me.id,
                    obj=getattr(obj, "id", obj_id),
                    name=getattr(obj, "name", obj_name),
                    value=op,
                )
            while self._gating and self._grant is not me and not me._kill:
                self._gate_cv.wait()
            del self._at_gate[me]
            me.state = prev if prev is not State.RUNNABLE else State.RUNNING
            if self._grant is me:
                self._grant = None
                if tr is not None:
                    tr.emit(Kind.GO_STEP, g=me.id, value=op)
            # Resumed: no event; its next operation shows it running.
        if me._kill:
            raise Goexit

    def gated(self) -> list[tuple[Goroutine, str]]:
        """Goroutines waiting at the pause gate, with the operation each will do next."""
        with self._gate_cv:
            return list(self._at_gate.items())

    def step(self, g_id: int | None = None, timeout: float = 1.0) -> bool:
        """While paused, let exactly one operation through.

        With *g_id*, that goroutine goes (it must be waiting at the gate);
        otherwise the one that has waited longest. If no goroutine waits at
        the gate, the clock jumps to the next timer instead. Returns False if
        nothing could move. Waits up to *timeout* for the previous step to be
        taken up.
        """
        with self._gate_cv:
            if not self._gating:
                return False
            deadline = time.monotonic() + timeout
            while self._grant is not None:  # the previous step not taken yet
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._gate_cv.wait(left)
            chosen = None
            for g in self._at_gate:
                if g_id is None or g.id == g_id:
                    chosen = g
                    break
            if chosen is not None:
                self._grant = chosen
                self._gate_cv.notify_all()
                return True
            if g_id is not None:
                return False
        return self.clock.advance_to_next()

    def pause(self) -> None:
        self.clock.pause()

    def resume(self) -> None:
        self.clock.resume()

    # -- deadlocks ------------------------------------------------------

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
                blocked = g._blocked_on
                if blocked is not None and tried.get(g.id) is not blocked:
                    tried[g.id] = blocked
                    self._kill(g)
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
                blocked = g._blocked_on
                if blocked is not None and tried.get(g.id) is not blocked:
                    tried[g.id] = blocked
                    self._kill(g)
            self._wait_empty(min(deadline, time.monotonic() + 0.01))
        return self.stop(max(0.05, deadline - time.monotonic()))

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


def wait_record(g: Goroutine) -> WaitRecord:
    """What *g* waits on, as facts (a deadlock, leak or stop report's line)."""
    st = g.state
    on = g.waiting_on if st.blocked else None
    if st is State.SLEEPING:
        reason = "sleep"
    elif st.blocked:
        reason = g.wait_reason or st.value
    else:
        reason = st.value
    return WaitRecord(
        g.id,
        g.name,
        st.value,
        reason,
        getattr(on, "id", 0) if on is not None else 0,
        getattr(on, "name", "") if on is not None else "",
    )


def panic_text(exc: BaseException) -> str:
    """What Go prints after ``panic: `` (or ``fatal error: ``) for *exc*.

    A :class:`Panic` or :class:`Fatal` is Go's own text; any other exception
    is ``TypeName: message``.
    """
    if isinstance(exc, (Panic, Fatal)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"

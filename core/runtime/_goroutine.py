"""Goroutines: their threads, their park locks, and the calling goroutine.

A :class:`Goroutine` is a daemon thread that knows its runtime (the
:class:`~core.runtime._runtime.Runtime` that started it); goroutines started
from inside a goroutine inherit it. The functions here (``go``, ``gosched``,
``trace_point``, ``trace_make``, ...) act for the calling goroutine in its
runtime, which :func:`current_runtime` finds.

Invariants:
  a goroutine's :class:`Parker` is held whenever the goroutine is not parked,
  and released once per park (see ``_waitq`` and ``Runtime._kill``);
  at most ``WAKE_SLOTS`` woken threads are released and not yet running;
  on a goroutine's thread ``_tls.g`` is that goroutine and ``_tls.rt`` its
  runtime; a plain thread's ``_tls.g`` is an :class:`_External` (id 0).

Imports. The module holding :class:`Runtime` (``_runtime``) imports this one,
so this one never imports it at run time (only for type checking): it installs
the process-wide default runtime here instead (:func:`install_default_runtime`).
"""

from __future__ import annotations

import _thread
import collections
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.runtime._errors import Fatal, Goexit, Panic
from core.trace import Kind, WaitRecord
from core.trace.events import State

if TYPE_CHECKING:  # _runtime imports this module: never imported at run time
    from core.runtime._runtime import Runtime

__all__ = [
    "Goroutine",
    "State",
    "current",
    "current_runtime",
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
    return rt if rt is not None else _default_runtime()


# The process-wide default runtime: ``_runtime.default_runtime``, which makes it on
# first use. ``_runtime`` imports this module, so this one cannot import it; it
# installs its maker here when it is imported, and ``core/runtime/__init__.py``
# imports it before anything can ask (importing any ``core.runtime`` module runs it).


def _no_default_runtime() -> Runtime:
    raise RuntimeError("core.runtime._runtime is not imported: there is no default runtime")


_default_runtime: Callable[[], Runtime] = _no_default_runtime


def install_default_runtime(make: Callable[[], Runtime]) -> None:
    """Make *make* the maker of the process-wide default runtime (``_runtime`` does, once)."""
    global _default_runtime
    _default_runtime = make


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

"""run_main: run a function as Go runs a program, and say how it ended as Go does.

``run_main(fn, *args)`` makes a fresh :class:`Runtime`, runs ``fn(*args)`` in it
as goroutine 1 (``main``) and waits for the program's end, which comes first of:

* ``main`` returns: exit status 0; every other goroutine is ended where it is
  (none returns from its next runtime operation; Go runs no defers of them);
* a goroutine crashes with an unrecovered panic (``panic: <message>``) or a
  :class:`Fatal` (``fatal error: <message>``): status 2;
* every goroutine is asleep and nothing can wake one (``fatal error: all
  goroutines are asleep - deadlock!``), or ``main`` called ``Goexit`` and every
  other goroutine has ended (``fatal error: no goroutines (main called
  runtime.Goexit) - deadlock!``): status 2.

The texts go to ``sys.stderr`` in Go's layout: the message, a blank line, then a
block per goroutine (``goroutine 1 [chan receive]:`` and its stack, innermost
call first). A panic shows the panicking goroutine; a fatal error shows it
first, then every other one; a deadlock shows every goroutine.

The deadlock is found by the runtime itself: the calling thread watches the
program every few milliseconds (a look costs one goroutine's state while any
goroutine runs) and gives its verdict only when two looks in a row agree and
no goroutine parked or ended and no timer fired in between. As in Go 1.23, a
sleeping goroutine, a pending ``after_func`` and a context deadline can still
wake someone, so they delay the verdict; a timer or ticker whose channel nobody
waits on does not (:meth:`Runtime._timers_may_wake`).

Twins (Go 1.23 prints exactly these first lines; see the tests for more)::

    func main() { ch := make(chan int); ch <- 1 }
    # fatal error: all goroutines are asleep - deadlock!
    #
    # goroutine 1 [chan send]:

    run_main(lambda: Chan().send(1))   # 2, and the same three lines
"""

from __future__ import annotations

import os
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

from core.runtime._deadlock import DeadlockReport
from core.runtime._errors import Fatal
from core.runtime._goroutine import Goroutine, State, _asleep, panic_text, wait_record
from core.runtime._runtime import Runtime
from core.trace import Kind, Tracer

__all__ = ["hide_file", "run_main"]

GO_DEADLOCK = "all goroutines are asleep - deadlock!"
GO_NO_GOROUTINES = "no goroutines (main called runtime.Goexit) - deadlock!"

# How often the watcher looks for a deadlock (wall seconds), and how long the
# program's goroutines get to end once it is over.
WATCH_INTERVAL = 0.005
HALT_TIMEOUT = 5.0

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_THREADING_FILE = os.path.abspath(threading.__file__)
# Files whose frames Go's crash text leaves out, besides the runtime's own.
_HIDDEN = {_THREADING_FILE}


def hide_file(path: str) -> None:
    """Leave *path*'s frames out of crash texts (a host that runs a program file)."""
    _HIDDEN.add(os.path.abspath(path))


def run_main(
    fn: Callable[..., Any],
    *args: Any,
    speed: float = 1.0,
    tracer: Tracer | None = None,
) -> int:
    """Run ``fn(*args)`` as goroutine 1 (``main``) of a fresh runtime; return the exit status.

    Blocks until the program ends (see the module docstring): 0 when ``main``
    returns; 2 after an unrecovered panic or a ``Fatal`` in any goroutine, or a
    global deadlock, each reported on ``sys.stderr`` in Go's words. Every
    goroutine is ended and joined (with a timeout) before it returns; the
    runtime is stopped. The runtime is current for the calling thread meanwhile.

    Go: running a program's ``func main()``
    """
    rt = Runtime(name="main", tracer=tracer, speed=speed)
    program = _Program(rt)
    rt._program = program
    try:
        with rt.active():
            rt.go(fn, *args, name="main")
            program.watch()
            text = program.report()
            if text:
                sys.stderr.write(text)
                sys.stderr.flush()
    finally:
        # Also when the watcher itself is interrupted (KeyboardInterrupt): nothing
        # of the program outlives run_main.
        rt._halt(HALT_TIMEOUT)
    return program.status


class _Program:
    """The state of one run_main: how it ended (set once), and its deadlock watch."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._lock = threading.Lock()
        self._over = threading.Event()
        # Guarded by self._lock; written once, when the program ends.
        self.status = 0
        self._how = ""  # "exit", "panic", "fatal", "deadlock", "no goroutines"
        self._crashed: tuple[Goroutine, BaseException] | None = None
        self._blocks: list[str] = []  # the deadlock's goroutine blocks, formatted at once
        self.main_goexited = False
        self._awake: Goroutine | None = None  # the goroutine the last look found awake

    # -- how it ends (called by the runtime, on the goroutine's own thread) --

    def _end(self, how: str, status: int) -> bool:
        """Record the end (the first one wins) and stop every goroutine's next step."""
        with self._lock:
            if self._how:
                return False
            self._how = how
            self.status = status
        self.rt._begin_halt()
        self._over.set()
        return True

    def crashed(self, g: Goroutine, exc: BaseException) -> None:
        """An unrecovered panic or a Fatal in *g*: the program ends with status 2."""
        if self._how:
            return  # the program was over already (Go had exited)
        with self._lock:
            if self._how:
                return
            self._crashed = (g, exc)
        self._end("fatal" if isinstance(exc, Fatal) else "panic", 2)

    def ended(self, g: Goroutine) -> None:
        """*g* ended. ``main`` returning ends the program (0); ``main`` calling
        ``Goexit`` does not: the others run on (and the watcher looks for the end)."""
        if g.id != 1 or self._how:
            return
        if g.state is State.PANICKED:
            return  # crashed() said it
        if g.goexited:
            self.main_goexited = True
            return
        self._end("exit", 0)

    # -- the watch (on run_main's thread) -------------------------------------

    def watch(self) -> None:
        """Block until the program ends; meanwhile give the deadlock verdict if it comes."""
        rt = self.rt
        last: tuple | None = None
        while not self._over.wait(WATCH_INTERVAL):
            look = self._look()
            if look is None:
                last = None
                continue
            if look != last:
                last = look  # a verdict: confirm it at the next look
                continue
            stuck = [g for g in rt.goroutines() if g.id in look[1]]
            with self._lock:
                if self._how:
                    break
                self._blocks = [_block(g, _go_state(g), _live_frames(g)) for g in stuck]
            how = "deadlock" if stuck else "no goroutines"
            if self._end(how, 2):
                self._trace_deadlock(stuck)

    def _look(self) -> tuple | None:
        """None while a goroutine could still move; else what the verdict rests on.

        The verdict: the park stamp (unchanged while the look lasted) and the ids
        of the goroutines, all asleep, none waiting on an object declared
        external, and no pending timer that could wake one. A goroutine that a
        timer or another goroutine woke while we looked is awake at the second
        reading, or has parked again and changed the stamp.
        """
        rt = self.rt
        awake = self._awake
        if awake is not None and not _asleep(awake) and not awake._finished:
            return None  # the common case, in O(1): the goroutine seen running still runs
        stamp = rt._last_park
        gs = list(rt._live.values())
        for g in gs:
            if not _asleep(g):
                self._awake = g
                return None
        self._awake = None
        if not gs and not self.main_goexited:
            return None  # main has not started yet, or its end is on its way
        if any(rt._waits_on_external(g) for g in gs):
            return None  # someone outside the program may still signal it
        if rt._timers_may_wake(gs):
            return None
        if stamp != rt._last_park:
            return None
        now = list(rt._live.values())
        if len(now) != len(gs) or any(not _asleep(g) for g in now):
            return None
        return (stamp, frozenset(g.id for g in gs))

    def _trace_deadlock(self, stuck: list[Goroutine]) -> None:
        rt = self.rt
        text = self._head() + "\n".join(self._blocks)
        records = [wait_record(g) for g in stuck]
        rt.deadlock = DeadlockReport(
            goroutines=[g.describe() for g in stuck],
            text=text.rstrip("\n"),
            explanations=rt._explain(stuck),
            records=records,
        )
        tr = rt.tracer
        if tr is not None:
            tr.emit(Kind.DEADLOCK, value=rt.deadlock.text, extra=(tuple(records),))

    # -- what it prints ------------------------------------------------------

    def _head(self) -> str:
        how = self._how
        if how == "deadlock":
            return f"fatal error: {GO_DEADLOCK}\n\n"
        if how == "no goroutines":
            return f"fatal error: {GO_NO_GOROUTINES}\n"
        if how in ("panic", "fatal"):
            assert self._crashed is not None
            word = "fatal error" if how == "fatal" else "panic"
            return f"{word}: {panic_text(self._crashed[1])}\n\n"
        return ""

    def report(self) -> str:
        """What the program prints to stderr at its end ("" when main returned)."""
        how = self._how
        if how in ("exit", ""):
            return ""
        if how in ("deadlock", "no goroutines"):
            return self._head() + "\n".join(self._blocks)
        assert self._crashed is not None
        g, exc = self._crashed
        blocks = [_block(g, "running", _tb_frames(exc.__traceback__))]
        if how == "fatal":
            # Go's fatal error shows every goroutine, the crashing one first.
            for other in self.rt.goroutines():
                if other is not g and other.state not in (State.DONE, State.PANICKED):
                    blocks.append(_block(other, _go_state(other), _live_frames(other)))
        return self._head() + "\n".join(blocks)


# -- Go's layout -----------------------------------------------------------------

# The wait reasons Go 1.23 prints where ours say more (a WaitGroup waits on a semaphore).
_GO_REASON = {"sync.WaitGroup.Wait": "semacquire"}


def _go_state(g: Goroutine) -> str:
    """The word Go puts in ``goroutine N [...]``: ``chan receive``, ``sleep``, ``running``."""
    st = g.state
    if st is State.SLEEPING:
        return "sleep"
    if st.blocked:
        reason = g.wait_reason or st.value
        return _GO_REASON.get(reason, reason)
    return st.value


def _block(g: Goroutine, state: str, frames: list[tuple[str, str, int, str, int]]) -> str:
    """``goroutine N [state]:`` and its calls, innermost first, as Go prints a goroutine."""
    lines = [f"goroutine {g.id} [{state}]:"]
    for module, func, nargs, path, line in frames:
        lines.append(f"{module}.{func}({'...' if nargs else ''})")
        lines.append(f"\t{path}:{line}")
    return "\n".join(lines) + "\n"


def _shown(frame: types.FrameType) -> bool:
    """A frame of the program (not of the runtime's machinery, nor threading's)."""
    path = os.path.abspath(frame.f_code.co_filename)
    return os.path.dirname(path) != _RUNTIME_DIR and path not in _HIDDEN


def _describe(frame: types.FrameType, line: int) -> tuple:
    code = frame.f_code
    module = frame.f_globals.get("__name__", "?")
    return (module, code.co_qualname, code.co_argcount, code.co_filename, line)


def _tb_frames(tb: types.TracebackType | None) -> list:
    """The calls of a traceback, innermost first."""
    out = []
    while tb is not None:
        if _shown(tb.tb_frame):
            out.append(_describe(tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    out.reverse()
    return out


def _live_frames(g: Goroutine) -> list:
    """The calls a live goroutine is in now, innermost first."""
    t = g._thread
    frame = sys._current_frames().get(t.ident) if t is not None and t.ident else None
    out = []
    while frame is not None:
        if _shown(frame):
            out.append(_describe(frame, frame.f_lineno))
        frame = frame.f_back
    return out

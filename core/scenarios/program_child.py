"""The child's side of a learner's program (see ``core.scenarios.program_host``).

``python -m core.scenarios.program_child --child FILE --fd N ...`` runs FILE as
``__main__`` in goroutine 1 of a traced runtime, under the memory limit, and
streams its trace, its printed lines and its state to the parent over the socket
*N*; it answers the parent's requests (pause, resume, step, speed, hold, release,
snapshot, stop). The protocol and the limits are described in ``program_host``.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import pickle
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core.runtime._program import hide_file
from core.scenarios.program_host import (
    BATCH,
    CHILD_RING,
    HOLD_LAG,
    MEMORY_LIMIT,
    RELEASE_LAG,
    STATE_GOROUTINES,
    STATE_INTERVAL,
    STATUS_COMPILE,
    STATUS_CRASH,
    STATUS_KILLED,
    STATUS_STOPPED,
    THREAD_STACK,
    ProgramResult,
)
from core.trace import Kind, Tracer

__all__ = ["child_status"]

# -- the child's side ----------------------------------------------------------------------

_LINE_RE = re.compile(r"^\t(.*):(\d+)$", re.M)


class _Child:
    """The program's process: runs it under run_main and talks to the parent."""

    def __init__(self, path: str, conn: Connection, trace: bool, capture: bool) -> None:
        self.path = path
        self.conn = conn
        self.capture = capture
        self.tracer = Tracer(CHILD_RING) if trace else None
        self.rt: Any = None  # the program's Runtime, once main runs
        self.rt_ready = threading.Event()
        self.queue: deque[tuple] = deque()  # messages for the sender, in order
        self.wake = threading.Event()
        self.ended = threading.Event()
        self.sent = 0  # the last seq sent
        # The program is over (main returned, a crash, a deadlock, Stop): as Go's
        # program exits there, the events of its goroutines being ended are not sent,
        # so a leaked or deadlocked goroutine stays on the stage as it was.
        self.over = False
        self.cut_at = -1
        self.held = False
        self.parent_held = False
        self.paused_request = False
        self.lines: dict[int, str] = {}  # an unfinished printed line per goroutine
        self.result: ProgramResult | None = None

    # -- output ------------------------------------------------------------------

    def write(self, text: str) -> None:
        from core.runtime._goroutine import current

        g = current()
        gid, name = (g.id, g.name) if g is not None else (0, "")
        buf = self.lines.get(gid, "") + text
        *done, rest = buf.split("\n")
        self.lines[gid] = rest
        seq = self.tracer.last_seq if self.tracer is not None else 0
        for line in done:
            self.queue.append(("out", gid, name, line, seq))
        if done:
            self.wake.set()

    def flush_lines(self) -> None:
        for gid, rest in list(self.lines.items()):
            if rest:
                self.queue.append(("out", gid, "", rest, 0))
        self.lines.clear()

    # -- the sender ----------------------------------------------------------------

    def send(self, msg: tuple) -> None:
        self.conn.send_bytes(pickle.dumps(msg, 5))

    def sender(self) -> None:
        last_state = 0.0
        try:
            while True:
                ending = self.ended.is_set()
                self.wake.wait(0.01)
                self.wake.clear()
                while self.queue:
                    self.send(self.queue.popleft())
                self.send_events()
                now = time.monotonic()
                if now - last_state >= STATE_INTERVAL:
                    last_state = now
                    self.send_state()
                if ending and not self.queue:
                    self.send_events(everything=True)
                    # The clock at the end; after a crash the goroutines stay as they were
                    # (a deadlock's are its story), after main returned nobody is left.
                    self.send_state(keep_goroutines=self.result is None or self.result.status != 0)
                    return
        except (OSError, ValueError):
            os._exit(STATUS_KILLED)  # the parent is gone: nobody to run for

    def send_events(self, everything: bool = False) -> None:
        tr = self.tracer
        if tr is None:
            return
        while True:
            last = tr.last_seq
            self.backpressure(last - self.sent)  # before the batch is built: that takes a while
            first = max(self.sent + 1, last - tr.capacity + 1, 1)
            missed = first - (self.sent + 1)
            end = min(last, first + BATCH - 1)
            if end < first:
                return
            if self.over:
                self.sent = last  # the program is over: what the halt does is not its story
                return
            ring, cap, at = tr._ring, tr.capacity, tr.clock_at
            out = []
            s = first
            while s <= end:
                rec = ring[s % cap]
                if rec[0] != s:
                    break  # being written (or overwritten while we read): next round
                seq, wall, kind, g, obj, name, value, extra = rec
                out.append((seq, at(wall), kind, g, obj, name, value, extra))
                s += 1
                if self.ends_program(seq, kind, g):
                    self.over = True
                    break
            if not out and not missed:
                return
            # The batch counts as waiting until it is written: a write may block on a
            # full socket while the program goes on, so hold it back before, not after.
            self.backpressure(tr.last_seq - self.sent)
            self.sent = s - 1 if out else first - 1
            try:
                self.send(("events", out, missed))
            except (pickle.PicklingError, TypeError, AttributeError):
                self.send(("events", [_plain(r) for r in out], missed))
            self.backpressure(tr.last_seq - self.sent)
            if not everything and end >= last:
                return
            if everything and self.sent >= tr.last_seq:
                return

    def ends_program(self, seq: int, kind: str, g: int) -> bool:
        """Whether the record ends the program's story: a deadlock, a crash, main's end
        (unless main called Goexit: the others run on), or the last one before Stop."""
        if kind in _VERDICTS or seq == self.cut_at:
            return True
        return kind == _GO_END and g == 1 and not getattr(self.rt._program, "main_goexited", 0)

    def backpressure(self, lag: int) -> None:
        rt = self.rt
        if rt is None:
            return
        if lag > HOLD_LAG and not self.held:
            self.held = True
            rt.hold()
        elif lag <= RELEASE_LAG and self.held:
            self.held = False
            if not self.parent_held:
                rt.release()

    def send_state(self, keep_goroutines: bool = False) -> None:
        rt = self.rt
        if rt is None:
            self.send(("state", 0.0, self.paused_request, [], None, 0))
            return
        gated = [(g.id, g.name, op) for g, op in rt.gated()]
        gs = rt.goroutines()
        keep = keep_goroutines or len(gs) > STATE_GOROUTINES
        live = None if keep else [_describe(g) for g in gs]
        lag = self.tracer.last_seq - self.sent if self.tracer is not None else 0
        self.send(("state", rt.clock.now(), rt.clock.paused, gated, live, lag))

    # -- requests ----------------------------------------------------------------------

    def commands(self) -> None:
        while True:
            try:
                msg = pickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError):
                os._exit(STATUS_KILLED)  # the parent is gone
            op, args = msg[0], msg[1:]
            if op == "stop":
                self.stop_program()
                continue
            if not self.rt_ready.wait(5.0):
                continue
            rt = self.rt
            if op == "pause":
                rt.pause()
            elif op == "resume":
                rt.resume()
            elif op == "speed":
                rt.clock.speed = args[0]
            elif op == "hold":
                self.parent_held = True
                rt.hold()
            elif op == "release":
                self.parent_held = False
                if not self.held:
                    rt.release()
            elif op == "step":
                g_id, timeout, rid = args
                self.answer(rid, rt.step, g_id, timeout)
            elif op == "snapshot":
                timeout, rid = args
                self.answer(rid, rt.snapshot, timeout)

    def answer(self, rid: int, fn: Callable[..., Any], *args: Any) -> None:
        """Answer request *rid* with ``fn(*args)``, on a thread of its own (it may wait)."""

        def work() -> None:
            self.reply(rid, fn(*args))

        threading.Thread(target=work, name="program-answer", daemon=True).start()

    def reply(self, rid: int, value: Any) -> None:
        self.queue.append(("reply", rid, value))
        self.wake.set()

    def stop_program(self) -> None:
        if self.tracer is not None:
            self.cut_at = self.tracer.last_seq  # the story ends where Stop came
        rt = self.rt
        program = getattr(rt, "_program", None)
        if program is not None:
            program._end("exit", STATUS_STOPPED)
        else:
            self.finish(ProgramResult(STATUS_STOPPED, "", "stopped"))

    # -- the program -----------------------------------------------------------------------

    def run(self, speed: float, paused: bool) -> None:
        from core.runtime import run_main
        from core.runtime._goroutine import current_runtime

        try:
            source = Path(self.path).read_text(encoding="utf-8")
            code = compile(source, self.path, "exec")
        except SyntaxError as exc:
            where = f"{exc.filename}, line {exc.lineno}" if exc.lineno else exc.filename
            text = f"# {where}\n{type(exc).__name__}: {exc.msg}\n"
            self.finish(
                ProgramResult(
                    STATUS_COMPILE,
                    text,
                    "compile",
                    exc.lineno,
                    [exc.lineno] if exc.lineno else [],
                    f"{type(exc).__name__}: {exc.msg}",
                )
            )
            return
        except (OSError, UnicodeDecodeError) as exc:
            self.finish(ProgramResult(STATUS_COMPILE, f"{exc}\n", "compile", message=str(exc)))
            return

        def program_main() -> None:
            self.rt = current_runtime()
            if paused:
                self.rt.pause()
            self.rt_ready.set()
            module = {"__name__": "__main__", "__file__": self.path, "__builtins__": __builtins__}
            exec(code, module)

        err = io.StringIO() if self.capture else None
        real_err = sys.stderr
        if err is not None:
            sys.stderr = err
        try:
            status = run_main(program_main, speed=speed, tracer=self.tracer)
        except MemoryError:
            status = STATUS_CRASH
        finally:
            sys.stderr = real_err
        text = err.getvalue() if err is not None else ""
        self.finish(self.judge(status, text))

    def judge(self, status: int, text: str) -> ProgramResult:
        rt = self.rt
        if status == STATUS_STOPPED:
            return ProgramResult(STATUS_STOPPED, "", "stopped")
        if status == 0:
            return ProgramResult(0, text, "exit")
        lines = [int(n) for p, n in _LINE_RE.findall(text) if os.path.abspath(p) == self.path]
        message = text.strip().splitlines()[0] if text.strip() else ""
        reason = "crash"
        crashed = rt.panics[0][1] if rt is not None and rt.panics else None
        if isinstance(crashed, MemoryError):
            reason = "memory"
            note = (
                f"fatal error: runtime: out of memory\n(the program used more than its memory "
                f"limit of {MEMORY_LIMIT // 1024**3} GiB of address space)\n"
            )
            if not self.capture:
                sys.stderr.write(note)
            text = note + text
            message = "out of memory: the program passed its memory limit"
        return ProgramResult(status, text, reason, lines[0] if lines else None, lines, message)

    def finish(self, result: ProgramResult) -> None:
        if not self.capture and result.reason == "compile":
            sys.stderr.write(result.text)
        self.result = result
        self.flush_lines()
        sys.stdout.flush()
        sys.stderr.flush()
        self.queue.append(("exit", dataclasses.asdict(result)))
        self.ended.set()
        self.wake.set()


_VERDICTS = frozenset({Kind.DEADLOCK.value, Kind.GO_PANIC.value})
_GO_END = Kind.GO_END.value


def _describe(g: Any) -> tuple:
    """A goroutine as the window's wait-for graph reads it: id, name, state, what it waits on."""
    st = g.state
    on = g.waiting_on if st.blocked else None
    if on is None:
        return (g.id, g.name, st.value, g.wait_reason or "", 0, "", "", None, ())
    cases = getattr(on, "cases", None)
    sel = tuple((c, op) for _, op, c in cases()) if callable(cases) and on.id == 0 else ()
    locked = getattr(on, "locked", None)
    return (
        g.id,
        g.name,
        st.value,
        g.wait_reason or "",
        getattr(on, "id", 0),
        getattr(on, "name", ""),
        type(on).__name__,
        locked if isinstance(locked, bool) else None,
        sel,
    )


def _plain(rec: tuple) -> tuple:
    """A record whose payload pickle refused, with its odd values as text."""
    from core.trace import short_repr

    def fix(v: Any) -> Any:
        if isinstance(v, str | int | float | bool | type(None)):
            return v
        if isinstance(v, tuple):
            return tuple(fix(x) for x in v)
        return short_repr(v)

    return tuple(fix(x) for x in rec)


class _Out(io.TextIOBase):
    def __init__(self, child: _Child) -> None:
        self._child = child

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._child.write(text)
        return len(text)


def _limit_memory() -> None:
    import resource

    threading.stack_size(THREAD_STACK)
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        pass  # a platform without the limit runs without it


def _child_main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="program_child --child")
    p.add_argument("--child", required=True)
    p.add_argument("--fd", type=int, required=True)
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--trace", action="store_true")
    p.add_argument("--capture", action="store_true")
    p.add_argument("--paused", action="store_true")
    a = p.parse_args(argv)
    _limit_memory()
    hide_file(__file__)  # Go's crash text shows the program's calls, not this host's
    path = os.path.abspath(a.child)
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(path))
    child = _Child(path, Connection(a.fd), a.trace, a.capture)
    child.paused_request = a.paused
    if a.capture:
        sys.stdout = _Out(child)
    sender = threading.Thread(target=child.sender, name="program-sender", daemon=True)
    sender.start()
    threading.Thread(target=child.commands, name="program-commands", daemon=True).start()
    child.run(a.speed, a.paused)
    sender.join(10.0)
    try:
        if sys.__stdout__ is not None:  # None when started without a stdout
            sys.__stdout__.flush()
    finally:
        os._exit(child_status(child))


def child_status(child: _Child) -> int:
    return child.result.status if child.result is not None else 0


if __name__ == "__main__":
    _child_main(sys.argv[1:])

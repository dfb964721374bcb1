"""A learner's own program, run as Go runs one, in a process of its own.

A program is a Python file written against ``core.runtime``. It runs as
``__main__`` inside goroutine 1 of :func:`core.runtime.run_main` (so both
``if __name__ == "__main__": main()`` and plain module-level code work), in a
*child process*: a program may loop forever without touching the runtime
(``while True: pass``), allocate without end or call ``os._exit``, and the
window (or the command line) must survive it and stop it.

The parent side (:class:`ProgramProcess`) starts ``python -m
core.scenarios.program_child --child FILE`` with one socket to it. The child
runs the program with a :class:`~core.trace.Tracer` and one sender thread that
streams, over that socket, in order:

* ``("events", records, missed)``: the tracer's raw records, oldest first, in
  batches of at most :data:`BATCH` (pickled: a batch of 5,000 plain tuples
  costs about 2 ms to dump and load; see ``benchmarks/bench_gui.py``);
* ``("out", g, name, text, seq)``: a line the program printed, with its goroutine
  and the trace's sequence number at that moment;
* ``("state", now, paused, gated, goroutines, lag)`` every :data:`STATE_INTERVAL`:
  the runtime clock, whether it is paused, who waits at the pause gate, each
  goroutine's state and what it waits on, and how many events wait to be sent;
* ``("reply", id, value)`` to a request; ``("exit", status, text, where)`` last.

The parent sends requests the other way: ``pause``, ``resume``, ``step``,
``speed``, ``hold``, ``release``, ``snapshot`` and ``stop``. On :meth:`stop`
the child ends the program at once (every goroutine at its next runtime
operation); a program that does not come back to the runtime is killed after
:data:`STOP_GRACE` seconds, so Stop always works within about a second.

Bounded backlog: the child holds the run (``Runtime.hold``: every goroutine
waits at its next operation) while more than :data:`HOLD_LAG` events wait to be
sent, and lets it go below :data:`RELEASE_LAG`; the socket's buffer bounds the
bytes in flight; the parent's :class:`MirrorTracer` is read by the window's
bridge, which holds the run (through :class:`RemoteRuntime`) as it holds a lesson.

Limits (the child's, documented for learners):

* memory: :data:`MEMORY_LIMIT` (2 GiB) of address space (``RLIMIT_AS``), with
  goroutine threads on :data:`THREAD_STACK` (512 KiB) stacks, so 3,000 goroutines
  and about a gigabyte of data fit; past it an allocation fails (Go: ``fatal
  error: runtime: out of memory``, status 2) and the message says which limit it
  was (a 256 KiB stack crashed on 900 nested brackets; 512 KiB does not);
* time: a headless program runs until it ends or ``--duration S`` seconds of
  runtime clock pass (default :data:`DEFAULT_DURATION`); the window's runs stop
  after :data:`WINDOW_DURATION` seconds of runtime clock (paused time does not
  count). Stopped for time, the status is :data:`STATUS_TIMEOUT` (124, as
  GNU ``timeout`` says it; 0 and 2 are Go's own).

Exit statuses: 0 main returned; 1 the program does not compile (a syntax
error: Go's ``go run`` says 1 too); 2 an unrecovered panic, a fatal error or a
deadlock (Go's); :data:`STATUS_TIMEOUT` stopped after ``--duration``;
:data:`STATUS_STOPPED` stopped by the user; :data:`STATUS_KILLED` the process
died (killed, or it called ``os._exit`` with that status).
"""

from __future__ import annotations

import argparse
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core.runtime import StopReport
from core.scenarios._base import Metric, Scenario
from core.scenarios.program_remote import RemoteRuntime
from core.trace import Tracer, write_chrome_trace

__all__ = [
    "DEFAULT_DURATION",
    "MEMORY_LIMIT",
    "STATUS_STOPPED",
    "STATUS_TIMEOUT",
    "WINDOW_DURATION",
    "MirrorTracer",
    "ProgramProcess",
    "ProgramResult",
    "ProgramRun",
    "ProgramScenario",
    "RemoteRuntime",
    "main",
    "run_program",
]

MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the child (RLIMIT_AS)
THREAD_STACK = 512 * 1024  # bytes of stack per goroutine thread in the child
DEFAULT_DURATION = 60.0  # runtime seconds a headless program may run without --duration
WINDOW_DURATION = 600.0  # runtime seconds a program in the window may run
STOP_GRACE = 0.8  # wall seconds a stopped program gets before its process is killed
STATE_INTERVAL = 0.05  # wall seconds between the child's state messages
STATE_GOROUTINES = 2_000  # goroutines described in a state message at most
BATCH = 5_000  # events per message at most
HOLD_LAG = 10_000  # unsent events at which the child holds its run back
RELEASE_LAG = 2_000  # ... and lets it go again
CHILD_RING = 200_000  # the child's tracer ring
SOCKET_BUFFER = 128 * 1024  # bytes in flight each way (Linux doubles it: ~6,000 events)

STATUS_COMPILE = 1
STATUS_CRASH = 2
STATUS_TIMEOUT = 124
STATUS_STOPPED = 130  # as a shell reports a program ended by Ctrl+C
STATUS_KILLED = 137

_ROOT = Path(__file__).resolve().parents[2]


# -- the parent's side ----------------------------------------------------------------


class MirrorTracer(Tracer):
    """A :class:`Tracer` filled from another process's records instead of by ``emit``.

    Records keep their order and runtime time; sequence numbers are this
    mirror's own (gap-free), and events the child's ring overwrote before
    they were sent are counted in :attr:`remote_missed`. Readers use it as any
    tracer (``since``, ``events``, ``subscribe``).
    """

    def __init__(self, capacity: int = 400_000) -> None:
        super().__init__(capacity)
        self.clock_at = float  # records carry runtime time already
        self.remote_missed = 0

    def put(self, records: list[tuple]) -> None:
        """Append *records* ``(seq, t, kind, g, obj, name, value, extra)`` of the child."""
        ring, cap, nxt = self._ring, self.capacity, self._seq
        subs = self._subscribers
        last = self._last
        for rec in records:
            seq = next(nxt)
            rec = (seq, *rec[1:])
            ring[seq % cap] = rec
            last = seq
            if subs:
                ev = self._event(rec)
                for fn in subs:
                    try:
                        fn(ev)
                    except Exception:
                        self.subscriber_errors += 1
            self._last = last
        self._last = last
        if self._max_lag and last - self.read_seq > self._max_lag and not self.lagging:
            self._fell_behind()  # the window's reader is behind: hold the child


@dataclass
class ProgramResult:
    """How a program ended: its exit status and what the learner should be told."""

    status: int = 0
    text: str = ""  # Go's stderr text (panic, fatal error, deadlock), or the limit hit
    reason: str = ""  # "exit", "crash", "compile", "timeout", "stopped", "killed", "memory"
    line: int | None = None  # the program's line to mark (syntax error, panic, deadlock)
    lines: list[int] = field(default_factory=list)  # every line a deadlock names
    message: str = ""  # one line for the editor: "SyntaxError: invalid syntax", ...


class ProgramProcess:
    """One run of a program file in a child process (see the module docstring).

    Never blocks its caller for long: requests are sent and answered
    asynchronously, except :meth:`request` (which waits with a timeout) and
    :meth:`stop`/:meth:`wait` (bounded by their timeouts).

    Callbacks run on the reader thread and must return at once:
    *on_output(g, name, text, seq)* for each printed line, *on_exit(result)* once.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        speed: float = 1.0,
        trace: bool = True,
        duration: float | None = None,
        capture_output: bool = True,
        tracer: MirrorTracer | None = None,
        on_output: Callable[[int, str, str, int], None] | None = None,
        on_exit: Callable[[ProgramResult], None] | None = None,
        paused: bool = False,
    ) -> None:
        self.path = str(Path(path).resolve())
        self.speed = speed
        self.trace = trace
        self.duration = duration
        self.capture_output = capture_output
        self.tracer = tracer if tracer is not None else (MirrorTracer() if trace else None)
        self.on_output = on_output
        self.on_exit = on_exit
        self.start_paused = paused
        self.result: ProgramResult | None = None
        self.now = 0.0  # the child's runtime clock at its last state message
        self.paused = paused
        self.gated: list[tuple[int, str, str]] = []
        # The live goroutines at the last state message, as _describe tells them.
        self.live: list[tuple] = []
        self.received = 0  # events received
        self.max_batch = 0
        self.max_lag = 0  # the most events the child had not sent yet, at a state message
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._send_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self._watcher: threading.Thread | None = None
        self._done = threading.Event()
        self._replies: dict[int, Any] = {}
        self._reply_cv = threading.Condition()
        self._next_id = 1
        self._stop_why = ""  # "stopped" or "timeout", set by whoever stops it first
        self._last_state = 0.0  # monotonic time of the last state message
        self._started = 0.0

    # -- life --------------------------------------------------------------------

    def start(self) -> None:
        """Start the child process. Never blocks on the program."""
        parent_sock, child_sock = socket.socketpair()
        for s in (parent_sock, child_sock):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
        env["MALLOC_ARENA_MAX"] = "2"  # each thread's malloc arena would count against the limit
        env.pop("QT_QPA_PLATFORM", None)
        cmd = [
            sys.executable,
            "-X",
            "faulthandler",
            "-m",
            "core.scenarios.program_child",
            "--child",
            self.path,
            "--fd",
            str(child_sock.fileno()),
            "--speed",
            repr(self.speed),
        ]
        if self.trace:
            cmd.append("--trace")
        if self.capture_output:
            cmd.append("--capture")
        if self.start_paused:
            cmd.append("--paused")
        out = subprocess.DEVNULL if self.capture_output else None
        self._proc = subprocess.Popen(
            cmd,
            pass_fds=(child_sock.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            cwd=os.path.dirname(self.path),
            start_new_session=True,  # a Ctrl+C in the terminal reaches the parent only
        )
        child_sock.close()
        self._conn = Connection(parent_sock.detach())
        self._started = self._last_state = time.monotonic()
        self._reader = threading.Thread(target=self._read, name="program-reader", daemon=True)
        self._reader.start()
        self._watcher = threading.Thread(target=self._watch, name="program-watch", daemon=True)
        self._watcher.start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def finished(self) -> bool:
        """True once the child process has ended and everything it sent was read."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> ProgramResult | None:
        """Block until the program ended (at most *timeout*); its result, or None."""
        self._done.wait(timeout)
        return self.result

    def stop(self, timeout: float = 2.0, why: str = "stopped") -> ProgramResult | None:
        """End the program: ask the child, kill it after :data:`STOP_GRACE`; blocks until it ended.

        Idempotent. Returns the result (None only if even the kill did not end it in *timeout*).
        """
        if not self._stop_why:
            self._stop_why = why
        self.send("stop", why)
        if not self._done.wait(min(STOP_GRACE, timeout)):
            self.kill()
            self._done.wait(max(timeout - STOP_GRACE, 0.1))
        return self.result

    def kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()

    # -- requests ----------------------------------------------------------------

    def send(self, *msg: Any) -> bool:
        """Send a request without waiting; False if the child is gone."""
        conn = self._conn
        if conn is None or self._done.is_set():
            return False
        try:
            with self._send_lock:
                conn.send_bytes(pickle.dumps(msg, 5))
        except (OSError, ValueError):
            return False
        return True

    def request(self, op: str, *args: Any, timeout: float = 1.0) -> Any:
        """Send request *op* and wait up to *timeout* for its answer (None if none came)."""
        with self._reply_cv:
            rid = self._next_id
            self._next_id += 1
        if not self.send(op, *args, rid):
            return None
        deadline = time.monotonic() + timeout
        with self._reply_cv:
            while rid not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self._done.is_set():
                    return None
                self._reply_cv.wait(min(left, 0.05))
            return self._replies.pop(rid)

    # -- the reader thread ---------------------------------------------------------

    def _read(self) -> None:
        conn = self._conn
        assert conn is not None
        result: ProgramResult | None = None
        try:
            while True:
                try:
                    data = conn.recv_bytes()
                except (EOFError, OSError):
                    break
                msg = pickle.loads(data)
                kind = msg[0]
                if kind == "events":
                    records, missed = msg[1], msg[2]
                    self.received += len(records)
                    self.max_batch = max(self.max_batch, len(records))
                    if self.tracer is not None:
                        self.tracer.remote_missed += missed
                        self.tracer.put(records)
                elif kind == "out":
                    if self.on_output is not None:
                        self.on_output(msg[1], msg[2], msg[3], msg[4])
                elif kind == "state":
                    self.now, self.paused, self.gated = msg[1], msg[2], msg[3]
                    if msg[4] is not None:
                        self.live = msg[4]
                    self.max_lag = max(self.max_lag, msg[5])
                    self._last_state = time.monotonic()
                elif kind == "reply":
                    with self._reply_cv:
                        self._replies[msg[1]] = msg[2]
                        self._reply_cv.notify_all()
                elif kind == "exit":
                    result = ProgramResult(**msg[1])
        finally:
            conn.close()
            proc = self._proc
            assert proc is not None
            try:
                code = proc.wait(5.0)
            except subprocess.TimeoutExpired:
                self.kill()
                code = proc.wait(5.0)
            self.result = self._verdict(result, code)
            with self._reply_cv:
                self._reply_cv.notify_all()
            self._done.set()
            if self.on_exit is not None:
                self.on_exit(self.result)

    def _verdict(self, result: ProgramResult | None, code: int) -> ProgramResult:
        why = self._stop_why
        if why == "timeout":
            limit = self.duration if self.duration is not None else DEFAULT_DURATION
            text = (
                f"program stopped: still running after {limit:g} s of runtime clock "
                f"(the time limit; --duration S sets it)\n"
            )
            base = result or ProgramResult()
            return ProgramResult(STATUS_TIMEOUT, text, "timeout", base.line, base.lines, text)
        if why == "stopped":
            base = result or ProgramResult()
            text = "program stopped (Stop)\n"
            return ProgramResult(STATUS_STOPPED, text, "stopped", base.line, base.lines, text)
        if result is not None:
            return result
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else ""
            text = f"the program's process was ended by signal {-code} {name}".rstrip() + "\n"
            if -code == signal.SIGKILL:
                text += "(killed: perhaps it ran out of memory)\n"
            return ProgramResult(STATUS_KILLED, text, "killed", message=text.strip())
        text = f"the program's process exited with status {code} (os._exit?)\n"
        return ProgramResult(code, text, "exit", message=text.strip())

    def _watch(self) -> None:
        """The time limit: stop the program when its runtime clock passes *duration*."""
        limit = self.duration
        if limit is None:
            return
        while not self._done.wait(0.02):
            now = self.now
            silent = time.monotonic() - self._last_state
            # A child that sends no state holds the GIL in C: judge by the wall clock.
            wall = (time.monotonic() - self._started) * self.speed
            if now >= limit or (silent > 1.0 and not self.paused and wall >= limit + 1.0):
                self.stop(why="timeout")
                return


# -- a program as the window's player plays a lesson -----------------------------------


class ProgramScenario(Scenario):
    """The "Your program" entry: not a lesson of ours but the learner's file.

    The player makes its run with :meth:`make_run` (a :class:`ProgramRun`)
    instead of a :class:`~core.scenarios.ScenarioRun`. :attr:`path` is the file to run.
    """

    id = "program"
    title = "Your program"
    chapter = "Your program"
    summary = "Write Go-style Python against core.runtime, run it as Go runs a program, watch it."
    path: str | None = None  # set by whoever opens the program (the editor)

    @property
    def panic_ends_program(self) -> bool:
        return True  # run_main: an unrecovered panic ends the program, as in Go

    # Sampled by the window from the run's model (a program publishes no metrics itself).
    metrics = (
        Metric("goroutines", "goroutines", "goroutines alive (main included)"),
        Metric(
            "buffered",
            "values",
            "values waiting in the buffers of all channels together",
            "channel depth",
        ),
    )

    def run(self, ctx: Any) -> None:  # the program runs in its own process, not here
        raise NotImplementedError("a ProgramScenario runs through ProgramRun")

    def make_run(self, speed: float = 1.0, seed: int | None = None) -> ProgramRun:
        if not self.path:
            raise ValueError("no program to run")
        return ProgramRun(self, self.path, speed=speed)


class ProgramRun:
    """A :class:`ProgramProcess` with the face of a ``ScenarioRun`` (for the player).

    ``.tracer`` is the mirror of the child's events, ``.runtime`` a
    :class:`RemoteRuntime`; :meth:`stop` ends the process (bounded) and returns a
    ``StopReport``; ``output`` holds ``(g, name, text, seq)`` lines printed so far.
    """

    def __init__(
        self,
        scenario: ProgramScenario,
        path: str,
        speed: float = 1.0,
        duration: float = WINDOW_DURATION,
    ) -> None:
        self.scenario = scenario
        self.output: deque[tuple[int, str, str, int]] = deque(maxlen=10_000)
        self.process = ProgramProcess(
            path,
            speed=speed,
            duration=duration,
            on_output=lambda *line: self.output.append(line),
        )
        self.tracer = self.process.tracer
        self.runtime = RemoteRuntime(self.process, speed)
        self.report: StopReport | None = None
        self.seed = None

    @property
    def finished(self) -> bool:
        return self.process.finished

    @property
    def result(self) -> ProgramResult | None:
        return self.process.result

    def start(self) -> None:
        self.process.start()

    def act(self, name: str) -> Any:
        raise KeyError(name)  # a program has no teacher actions

    def wait_finished(self, timeout: float | None = None) -> bool:
        return self.process.wait(timeout) is not None

    def stop(self, timeout: float = 2.0) -> StopReport:
        if self.report is None:
            if not self.process.finished:
                self.process.stop(timeout)
            self.report = StopReport()
        return self.report


# -- the command line: main.py --headless --program FILE.py ---------------------------------


def run_program(
    path: str,
    *,
    duration: float | None = None,
    speed: float = 1.0,
    trace_path: str | None = None,
    out=None,
) -> int:
    """Run program *path* as Go would, its output on this process's stdout/stderr; its status.

    Blocks until it ends, or until *duration* runtime seconds have passed
    (then it is stopped, says so, and the status is :data:`STATUS_TIMEOUT`).
    """
    err = sys.stderr
    proc = ProgramProcess(
        path,
        speed=speed,
        trace=bool(trace_path),
        duration=DEFAULT_DURATION if duration is None else duration,
        capture_output=False,
        tracer=MirrorTracer(2_000_000) if trace_path else None,
    )
    proc.start()
    try:
        result = proc.wait()
    except KeyboardInterrupt:
        result = proc.stop()
    assert result is not None
    if result.reason not in ("exit", "crash", "compile", "memory") or (
        result.reason == "exit" and result.text
    ):
        err.write(result.text)  # the child printed Go's own words already
    if trace_path and proc.tracer is not None:
        write_chrome_trace(trace_path, proc.tracer.events())
        print(f"trace written to {trace_path} (open it in Perfetto)", file=err)
    return result.status


def main(args: argparse.Namespace) -> int:
    """``main.py --headless --program FILE.py [--trace out.json] [--duration S]``."""
    path = Path(args.program)
    if not path.is_file():
        print(f"error: no program file {str(path)!r}", file=sys.stderr)
        return 2
    speed = 1.0 if args.speed is None else args.speed
    duration = args.duration if getattr(args, "duration_given", False) else None
    return run_program(str(path), duration=duration, speed=speed, trace_path=args.trace or None)

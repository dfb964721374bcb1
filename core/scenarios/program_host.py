"""A learner's own program, run as Go runs one, in a process of its own.

A program is a Python file written against ``core.runtime``. It runs as
``__main__`` inside goroutine 1 of :func:`core.runtime.run_main` (so both
``if __name__ == "__main__": main()`` and plain module-level code work), in a
*child process*: a program may loop forever without touching the runtime
(``while True: pass``), allocate without end or call ``os._exit``, and the
window (or the command line) must survive it and stop it.

The parent side (:class:`ProgramProcess`) starts ``python -m
core.scenarios.program_host --child FILE`` with one socket to it. The child
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
import dataclasses
import io
import os
import pickle
import re
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

from core.runtime import DeadlockReport, State, StopReport
from core.runtime._program import hide_file
from core.scenarios._base import Metric, Scenario
from core.trace import Kind, Tracer, WaitRecord, write_chrome_trace

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
            "core.scenarios.program_host",
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


class RemoteRuntime:
    """What the window asks of a run's ``Runtime``, answered by the program's process.

    Nothing here blocks the GUI thread: the clock, the pause state, the gate
    and the goroutines (stand-ins with ``id``, ``name``, ``state``,
    ``wait_reason`` and ``waiting_on``, enough for the wait-for graph) are the
    child's last state message; once the trace reports a deadlock, they are the
    deadlock's own records. Pause, resume, speed, hold and release are sent
    without waiting; :meth:`step` waits for its answer (the window steps on a
    thread of its own).
    """

    def __init__(self, proc: ProgramProcess, speed: float = 1.0) -> None:
        self._proc = proc
        self.tracer = proc.tracer
        self.clock = _RemoteClock(proc, speed)
        self.deadlock: DeadlockReport | None = None
        self._held = False
        if self.tracer is not None:
            self.tracer.subscribe(self._on_event)
            # A reader that falls behind the mirror (Tracer.limit_lag) holds the child.
            self.tracer.on_lag = self.hold
            self.tracer.on_caught_up = self.release

    def _on_event(self, ev: Any) -> None:
        if ev.kind is Kind.DEADLOCK and self.deadlock is None:
            records = [WaitRecord(*r) for r in ev.payload.goroutines]
            self.deadlock = DeadlockReport(
                goroutines=[r.line() for r in records], text=ev.value, records=records
            )

    @property
    def stopped(self) -> bool:
        return self._proc.finished

    @property
    def name(self) -> str:
        return "program"

    def goroutines(self) -> list[_G]:
        """The live goroutines (stand-ins), as the child last said, or as its deadlock left them."""
        report = self.deadlock
        if report is not None:
            return [
                _G(
                    r.g,
                    r.name,
                    State(r.state),
                    r.reason,
                    _Obj(r.obj, r.obj_name) if r.obj else None,
                )
                for r in report.records
            ]
        return [_stand_in(d) for d in self._proc.live]

    def gated(self) -> list[tuple[_G, str]]:
        return [(_G(g, n), op) for g, n, op in self._proc.gated]

    def pause(self) -> None:
        self.clock.pause()

    def resume(self) -> None:
        self.clock.resume()

    def hold(self) -> None:
        if not self._held:
            self._held = True
            self._proc.send("hold")

    def release(self) -> None:
        if self._held:
            self._held = False
            self._proc.send("release")

    @property
    def held(self) -> bool:
        return self._held

    def step(self, g_id: int | None = None, timeout: float = 1.0) -> bool:
        """While paused, let one operation through in the child; blocks up to *timeout*."""
        return bool(self._proc.request("step", g_id, timeout, timeout=timeout + 0.5))

    def snapshot(self, timeout: float = 1.0) -> dict:
        """The child's ``Runtime.snapshot()``; ``{}`` if it did not answer in time."""
        return self._proc.request("snapshot", timeout, timeout=timeout + 0.5) or {}

    def external_ids(self) -> frozenset[int]:
        return frozenset()


@dataclass(frozen=True)
class _G:
    """A goroutine of the child, as its last state message described it."""

    id: int
    name: str
    state: State = State.RUNNING
    wait_reason: str = ""
    waiting_on: Any = None


@dataclass(frozen=True)
class _Obj:
    """What a goroutine of the child waits on: its id and name (and a Mutex's flag)."""

    id: int
    name: str = ""
    locked: bool | None = None


@dataclass(frozen=True)
class _Sudog:
    chan: _Obj
    is_send: bool


class _Select:
    """A parked select of the child: its channel cases, as the wait-for graph reads them."""

    id = 0
    name = "select"

    def __init__(self, cases: tuple) -> None:
        self.sudogs = [_Sudog(_Obj(c), op == "send") for c, op in cases]


def _stand_in(d: tuple) -> _G:
    gid, name, state, reason, oid, oname, _kind, locked, cases = d
    if cases:
        on: Any = _Select(cases)
    elif oid:
        on = _Obj(oid, oname, locked)
    else:
        on = None
    return _G(gid, name, State(state), reason, on)


class _RemoteClock:
    def __init__(self, proc: ProgramProcess, speed: float) -> None:
        self._proc = proc
        self._speed = speed
        self._paused = proc.start_paused

    def now(self) -> float:
        return self._proc.now

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self._paused = True
        if self._proc.pid is None:
            self._proc.start_paused = True  # the program starts paused
        else:
            self._proc.send("pause")

    def resume(self) -> None:
        self._paused = False
        self._proc.send("resume")

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, x: float) -> None:
        self._speed = x
        self._proc.speed = x
        self._proc.send("speed", x)

    def pending_channel_timers(self) -> int:
        return 0


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
                if rec is None or rec[0] != s:
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
    p = argparse.ArgumentParser(prog="program_host --child")
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

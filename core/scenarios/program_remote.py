"""The window's view of a program running in its child process (see ``program_host``).

:class:`RemoteRuntime` stands where a lesson's ``Runtime`` stands for the window's
player, bridge, scheduler and wait-for graph: it mirrors the child's last state
message and sends the window's requests without waiting for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.runtime import DeadlockReport, State
from core.trace import Kind, WaitRecord

if TYPE_CHECKING:  # program_host imports this module
    from core.scenarios.program_host import ProgramProcess

__all__ = ["RemoteRuntime"]


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

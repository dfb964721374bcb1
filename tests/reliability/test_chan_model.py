"""Channels and select against a sequential model of Go's channel algorithm.

Hypothesis writes small random programs: a few goroutines, each a list of sends,
receives, closes and selects (with nil cases and defaults) over channels of capacity
0, 1 or 4. The program runs on a fresh Runtime until it settles: every goroutine has
ended, or those left are all parked (``Runtime.check_deadlock`` reports them). What
it did (each goroutine's results, how it ended, what stayed in each buffer, which
channels were closed) must be one of the outcomes the model can reach.

The model explores every interleaving of atomic steps. A goroutine at a blocking
operation that cannot complete *parks*; only a parked goroutine is a partner for a
rendezvous, a close or a select's readiness, as in Go's runtime (a select with a
default does not see a receiver that has not parked yet). Where the runtime wakes the
oldest parked partner, the model lets any of them go, so it allows a superset of what
the runtime may do: the runtime must never leave it.

Before the exact check, the plain properties are asserted one by one, so that a
failure says which one broke: no value invented, none received twice, none lost
(every completed send is received or still buffered), per-sender FIFO, ``(None,
False)`` only from a closed channel, a deadlock only where the model has one.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import wait_until
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.runtime import Chan, Panic, Recv, Runtime, Send, gosched, select
from core.trace import Tracer

SETTLE_TIMEOUT = 5.0
SWITCH_INTERVALS = (0.005, 1e-4, 1e-6)
MAX_MODEL_STATES = 60_000

# -- programs --------------------------------------------------------------------
#
# An op is one of:
#   ("send", c, v)        ("recv", c)        ("close", c)
#   ("select", cases, default) with cases a tuple of ("send", c|None, v) / ("recv", c|None)
# c indexes the program's channels (None: a nil channel). Every sent value is unique:
# value // 1000 - 1 is the sending goroutine, (value % 1000) // 10 the op index.


@dataclass(frozen=True)
class Program:
    caps: tuple[int, ...]
    goroutines: tuple[tuple[tuple, ...], ...]
    yields: tuple[tuple[bool, ...], ...]  # gosched() after that op: more interleavings

    def describe(self) -> str:
        lines = [f"caps={list(self.caps)}"]
        for g, ops in enumerate(self.goroutines):
            lines.append(f"  g{g}: {list(ops)}")
        return "\n".join(lines)


def _value(g: int, i: int, case: int = 0) -> int:
    return (g + 1) * 1000 + i * 10 + case


def _sender(v: int) -> tuple[int, int]:
    return v // 1000 - 1, (v % 1000) // 10


@st.composite
def programs(draw: st.DrawFn, caps_from: tuple[int, ...]) -> Program:
    n_chans = draw(st.integers(1, 3))
    caps = tuple(draw(st.sampled_from(caps_from)) for _ in range(n_chans))
    n_gs = draw(st.integers(2, 4))
    max_ops = 4 if n_gs <= 3 else 3
    chan = st.integers(0, n_chans - 1)
    gs, ys = [], []
    for g in range(n_gs):
        ops = []
        for i in range(draw(st.integers(1, max_ops))):
            kind = draw(st.sampled_from(["send", "send", "recv", "recv", "select", "close"]))
            if kind == "send":
                ops.append(("send", draw(chan), _value(g, i)))
            elif kind == "recv":
                ops.append(("recv", draw(chan)))
            elif kind == "close":
                ops.append(("close", draw(chan)))
            else:
                # A channel may appear in several cases (Go allows it), a nil one too.
                picked = draw(st.lists(chan, min_size=1, max_size=3))
                cases = []
                for k, c in enumerate(picked):
                    target = None if draw(st.integers(0, 5)) == 0 else c
                    if draw(st.booleans()):
                        cases.append(("send", target, _value(g, i, k)))
                    else:
                        cases.append(("recv", target))
                ops.append(("select", tuple(cases), draw(st.integers(0, 3)) == 0))
        gs.append(tuple(ops))
        ys.append(tuple(draw(st.booleans()) for _ in ops))
    return Program(caps, tuple(gs), tuple(ys))


# -- the model -------------------------------------------------------------------

RUN, PARKED = 0, 1
DONE, BLOCKED = "done", "blocked"


@dataclass(frozen=True)
class _State:
    pcs: tuple[int, ...]
    phase: tuple[int, ...]  # RUN or PARKED
    ended: tuple[str | None, ...]  # None, DONE or "panic: <text>"
    logs: tuple[tuple, ...]
    bufs: tuple[tuple, ...]
    closed: tuple[bool, ...]


Outcome = tuple  # (logs, endings, bufs, closed)


class ChannelModel:
    """Every outcome a program can reach under Go's channel semantics."""

    def __init__(self, prog: Program) -> None:
        self.prog = prog
        self.caps = prog.caps

    def outcomes(self) -> set[Outcome]:
        n = len(self.prog.goroutines)
        start = _State(
            pcs=(0,) * n,
            phase=(RUN,) * n,
            ended=tuple(DONE if not ops else None for ops in self.prog.goroutines),
            logs=((),) * n,
            bufs=((),) * len(self.caps),
            closed=(False,) * len(self.caps),
        )
        seen = {start}
        stack = [start]
        out: set[Outcome] = set()
        while stack:
            s = stack.pop()
            succ = list(self._moves(s))
            if not succ:
                endings = tuple(
                    e if e is not None else BLOCKED for e in s.ended
                )  # None here means parked
                out.add((s.logs, endings, s.bufs, s.closed))
                continue
            for t in succ:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
                    if len(seen) > MAX_MODEL_STATES:
                        raise _TooBig
        return out

    # -- helpers over a state (tuples are rebuilt as lists, then frozen) ------------

    def _op(self, s: _State, g: int) -> tuple:
        return self.prog.goroutines[g][s.pcs[g]]

    def _offers(self, s: _State, g: int, kind: str, c: int) -> list[tuple[int | None, Any]]:
        """What parked goroutine *g* offers on channel *c*: [(case index or None, value)]."""
        op = self._op(s, g)
        if op[0] == kind and op[1] == c:
            return [(None, op[2] if kind == "send" else None)]
        if op[0] == "select":
            return [
                (k, case[2] if kind == "send" else None)
                for k, case in enumerate(op[1])
                if case[0] == kind and case[1] == c
            ]
        return []

    def _parked_with(self, s: _State, kind: str, c: int) -> list[tuple[int, int | None, Any]]:
        out = []
        for h in range(len(s.pcs)):
            if s.phase[h] == PARKED:
                for k, v in self._offers(s, h, kind, c):
                    out.append((h, k, v))
        return out

    @staticmethod
    def _result(case: int | None, value: Any, ok: bool, is_send: bool) -> Any:
        if case is None:
            return "sent" if is_send else (value, ok)
        return (case, None, True) if is_send else (case, value, ok)

    def _complete(self, m: dict, g: int, result: Any) -> None:
        m["logs"][g] = (*m["logs"][g], result)
        m["pcs"][g] += 1
        m["phase"][g] = RUN
        if m["pcs"][g] == len(self.prog.goroutines[g]):
            m["ended"][g] = DONE

    def _panic(self, m: dict, g: int, text: str) -> None:
        m["phase"][g] = RUN
        m["ended"][g] = f"panic: {text}"

    @staticmethod
    def _mut(s: _State) -> dict:
        return {
            "pcs": list(s.pcs),
            "phase": list(s.phase),
            "ended": list(s.ended),
            "logs": list(s.logs),
            "bufs": list(s.bufs),
            "closed": list(s.closed),
        }

    @staticmethod
    def _freeze(m: dict) -> _State:
        return _State(
            tuple(m["pcs"]),
            tuple(m["phase"]),
            tuple(m["ended"]),
            tuple(m["logs"]),
            tuple(m["bufs"]),
            tuple(m["closed"]),
        )

    # -- one atomic step of each ready goroutine -------------------------------------

    def _moves(self, s: _State):
        for g in range(len(s.pcs)):
            if s.ended[g] is not None or s.phase[g] == PARKED:
                continue
            op = self._op(s, g)
            if op[0] == "send":
                yield from self._send(s, g, None, op[1], op[2], park=True)
            elif op[0] == "recv":
                yield from self._recv(s, g, None, op[1], park=True)
            elif op[0] == "close":
                yield from self._close(s, g, op[1])
            else:
                yield from self._select(s, g, op[1], op[2])

    def _send_ways(self, s: _State, g: int, case: int | None, c: int, v: Any) -> list[_State]:
        """The ways a send by running *g* on *c* completes now (empty: it would block)."""
        if s.closed[c]:
            m = self._mut(s)
            self._panic(m, g, "send on closed channel")
            return [self._freeze(m)]
        ways = []
        for h, k, _ in self._parked_with(s, "recv", c):
            m = self._mut(s)
            self._complete(m, g, self._result(case, None, True, True))
            self._complete(m, h, self._result(k, v, True, False))
            ways.append(self._freeze(m))
        if not ways and len(s.bufs[c]) < self.caps[c]:
            m = self._mut(s)
            m["bufs"][c] = (*s.bufs[c], v)
            self._complete(m, g, self._result(case, None, True, True))
            ways.append(self._freeze(m))
        return ways

    def _recv_ways(self, s: _State, g: int, case: int | None, c: int) -> list[_State]:
        """The ways a receive by running *g* on *c* completes now (empty: it would block)."""
        ways = []
        senders = self._parked_with(s, "send", c)
        if s.bufs[c]:
            v, rest = s.bufs[c][0], s.bufs[c][1:]
            if not senders:
                m = self._mut(s)
                m["bufs"][c] = rest
                self._complete(m, g, self._result(case, v, True, False))
                ways.append(self._freeze(m))
            for h, k, hv in senders:  # a parked sender's value moves into the freed slot
                m = self._mut(s)
                m["bufs"][c] = (*rest, hv)
                self._complete(m, g, self._result(case, v, True, False))
                self._complete(m, h, self._result(k, None, True, True))
                ways.append(self._freeze(m))
            return ways
        for h, k, hv in senders:
            m = self._mut(s)
            self._complete(m, g, self._result(case, hv, True, False))
            self._complete(m, h, self._result(k, None, True, True))
            ways.append(self._freeze(m))
        if not ways and s.closed[c]:
            m = self._mut(s)
            self._complete(m, g, self._result(case, None, False, False))
            ways.append(self._freeze(m))
        return ways

    def _park(self, s: _State, g: int) -> _State:
        m = self._mut(s)
        m["phase"][g] = PARKED
        return self._freeze(m)

    def _send(self, s, g, case, c, v, park):
        ways = self._send_ways(s, g, case, c, v)
        return ways or ([self._park(s, g)] if park else [])

    def _recv(self, s, g, case, c, park):
        ways = self._recv_ways(s, g, case, c)
        return ways or ([self._park(s, g)] if park else [])

    def _close(self, s: _State, g: int, c: int) -> list[_State]:
        """Close wakes every parked receiver with (None, False), then panics every parked
        sender; a select parked on *c* in several cases is woken once, by any of its
        receive cases if it has one (Go's closechan: readers first)."""
        m = self._mut(s)
        if s.closed[c]:
            self._panic(m, g, "close of closed channel")
            return [self._freeze(m)]
        m["closed"][c] = True
        recv_cases: dict[int, list[int | None]] = {}
        for h, k, _ in self._parked_with(s, "recv", c):
            recv_cases.setdefault(h, []).append(k)
        for h, _, _ in self._parked_with(s, "send", c):
            if h not in recv_cases:
                self._panic(m, h, "send on closed channel")
        self._complete(m, g, "closed")
        ways = []
        for choice in itertools.product(*recv_cases.values()):
            w = {k: list(v) for k, v in m.items()}
            for h, k in zip(recv_cases, choice):
                self._complete(w, h, self._result(k, None, False, False))
            ways.append(self._freeze(w))
        return ways

    def _select(self, s: _State, g: int, cases: tuple, default: bool) -> list[_State]:
        ways = []
        for k, case in enumerate(cases):
            if case[1] is None:
                continue  # a nil channel is never ready
            if case[0] == "send":
                ways += self._send_ways(s, g, k, case[1], case[2])
            else:
                ways += self._recv_ways(s, g, k, case[1])
        if ways:
            return ways
        if default:
            m = self._mut(s)
            self._complete(m, g, (-1, None, False))
            return [self._freeze(m)]
        return [self._park(s, g)]


class _TooBig(Exception):
    """The program has more model states than the test budget allows."""


# -- running a program on the runtime ----------------------------------------------


@dataclass
class Run:
    logs: list[list] = field(default_factory=list)
    endings: list[str | None] = field(default_factory=list)
    bufs: list[tuple] = field(default_factory=list)
    closed: list[bool] = field(default_factory=list)
    deadlock_lines: list[str] = field(default_factory=list)

    def outcome(self) -> Outcome:
        return (
            tuple(tuple(log) for log in self.logs),
            tuple(e if e is not None else BLOCKED for e in self.endings),
            tuple(self.bufs),
            tuple(self.closed),
        )


def _perform(chans: list[Chan], op: tuple) -> Any:
    if op[0] == "send":
        chans[op[1]].send(op[2])
        return "sent"
    if op[0] == "recv":
        return chans[op[1]].recv()
    if op[0] == "close":
        chans[op[1]].close()
        return "closed"
    cases = [
        Send(None if c[1] is None else chans[c[1]], c[2])
        if c[0] == "send"
        else Recv(None if c[1] is None else chans[c[1]])
        for c in op[1]
    ]
    return select(*cases, default=op[2])


@contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """Preempt threads every *seconds* (CPython's default is 5 ms): more interleavings."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_on_runtime(prog: Program, traced: bool, seed: int) -> Run:
    rt = Runtime(name="chan-model", tracer=Tracer(5_000) if traced else None, seed=seed)
    with rt.active():
        chans = [Chan(cap, name=f"c{i}") for i, cap in enumerate(prog.caps)]
    n = len(prog.goroutines)
    run = Run(logs=[[] for _ in range(n)], endings=[None] * n)
    go_on = threading.Event()  # all start together: more contention

    def body(g: int) -> None:
        go_on.wait(5.0)
        for op, yield_after in zip(prog.goroutines[g], prog.yields[g]):
            try:
                result = _perform(chans, op)
            except Panic as exc:
                run.endings[g] = f"panic: {exc}"
                return
            run.logs[g].append(result)
            if yield_after:
                gosched()
        run.endings[g] = DONE

    gs = [rt.go(body, g, name=f"g{g}") for g in range(n)]
    go_on.set()
    try:
        report = None

        def settled() -> bool:
            nonlocal report
            if not any(x.alive for x in gs):
                return True
            report = rt.check_deadlock()
            return report is not None

        wait_until(
            settled,
            timeout=SETTLE_TIMEOUT,
            message="the program neither finished nor deadlocked (a lost wake-up?)\n"
            + prog.describe(),
        )
        if report is not None:
            run.deadlock_lines = report.goroutines
        run.bufs = [tuple(ch.buffer()) for ch in chans]
        run.closed = [ch.closed for ch in chans]
    finally:
        # Short: the parked ones never end by themselves. A killed goroutine may still be
        # unwinding when stop returns on a loaded machine (report.alive): join it.
        stop = rt.stop(timeout=0.1)
    assert all(x.join(5.0) for x in gs), f"goroutines survived stop: {stop.alive}"
    assert len(stop.leaked) == run.endings.count(None)
    return run


# -- the properties ------------------------------------------------------------------


def _received(prog: Program, run: Run) -> list[tuple[int, int, Any, bool]]:
    """(receiver, channel, value, ok) for every completed receive, in each one's order."""
    out = []
    for g, log in enumerate(run.logs):
        for op, res in zip(prog.goroutines[g], log):
            if op[0] == "recv":
                out.append((g, op[1], res[0], res[1]))
            elif op[0] == "select" and res[0] >= 0 and op[1][res[0]][0] == "recv":
                out.append((g, op[1][res[0]][1], res[1], res[2]))
    return out


def _completed_sends(prog: Program, run: Run) -> list[tuple[int, Any]]:
    """(channel, value) of every send that returned."""
    out = []
    for g, log in enumerate(run.logs):
        for op, res in zip(prog.goroutines[g], log):
            if op[0] == "send":
                out.append((op[1], op[2]))
            elif op[0] == "select" and res[0] >= 0 and op[1][res[0]][0] == "send":
                case = op[1][res[0]]
                out.append((case[1], case[2]))
    return out


def check_plain_properties(prog: Program, run: Run) -> None:
    ctx = "\n" + prog.describe() + f"\nlogs={run.logs}\nendings={run.endings}"
    sendable = {
        (case[1], case[2])
        for ops in prog.goroutines
        for op in ops
        for case in ([op] if op[0] == "send" else op[1] if op[0] == "select" else [])
        if case[0] == "send" and case[1] is not None
    }
    received = _received(prog, run)
    got = Counter((c, v) for _, c, v, ok in received if ok)
    buffered = Counter((c, v) for c, buf in enumerate(run.bufs) for v in buf)
    for item in got + buffered:
        assert item in sendable, f"value {item[1]} on c{item[0]} was never sent" + ctx
    dup = [item for item, n in (got + buffered).items() if n > 1]
    assert not dup, f"values delivered twice: {dup}" + ctx
    sent = Counter(_completed_sends(prog, run))
    assert sent == got + buffered, (
        f"sends that returned {dict(sent)} != received + still buffered "
        f"{dict(got + buffered)}" + ctx
    )
    for g in range(len(prog.goroutines)):
        last: dict[tuple[int, int], int] = {}
        for r, c, v, ok in received:
            if r != g or not ok:
                continue
            sender, i = _sender(v)
            assert i > last.get((c, sender), -1), f"g{g} got g{sender}'s values out of order" + ctx
            last[(c, sender)] = i
    for _, c, v, ok in received:
        if not ok:
            assert v is None and run.closed[c], f"(None, False) from open c{c}" + ctx
    for c, buf in enumerate(run.bufs):
        assert len(buf) <= prog.caps[c], f"c{c} holds {len(buf)} > cap {prog.caps[c]}" + ctx


def check_against_model(prog: Program, run: Run) -> None:
    try:
        outcomes = ChannelModel(prog).outcomes()
    except _TooBig:
        assume(False)
        return
    ctx = "\n" + prog.describe() + f"\nruntime: logs={run.logs} endings={run.endings}"
    blocked = [g for g, e in enumerate(run.endings) if e is None]
    can_finish = any(BLOCKED not in o[1] for o in outcomes)
    can_block = any(BLOCKED in o[1] for o in outcomes)
    if blocked:
        assert can_block, f"deadlock the model never has (g{blocked} stuck)" + ctx
        assert len(run.deadlock_lines) == len(blocked), (
            f"check_deadlock named {run.deadlock_lines}, stuck: g{blocked}" + ctx
        )
    else:
        assert can_finish, "finished, but the model always deadlocks" + ctx
    outcome = run.outcome()
    if outcome not in outcomes:
        same_logs = [o for o in outcomes if o[0] == outcome[0]]
        hint = f"\nmodel outcomes with the same results: {same_logs[:3]}"
        raise AssertionError("an outcome the model cannot reach" + ctx + hint)


MODEL_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)


@pytest.mark.parametrize(
    "caps_from", [(0,), (1,), (4,), (0, 1, 4)], ids=["cap0", "cap1", "cap4", "mixed"]
)
@MODEL_SETTINGS
@given(data=st.data())
def test_random_channel_programs_only_reach_outcomes_of_the_model(caps_from, data):
    prog = data.draw(programs(caps_from), label="program")
    traced = data.draw(st.booleans(), label="traced")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    with switch_interval(data.draw(st.sampled_from(SWITCH_INTERVALS), label="switch")):
        run = run_on_runtime(prog, traced, seed)
    check_plain_properties(prog, run)
    check_against_model(prog, run)


@pytest.mark.slow
@pytest.mark.parametrize(
    "caps_from", [(0,), (1,), (4,), (0, 1, 4)], ids=["cap0", "cap1", "cap4", "mixed"]
)
@settings(MODEL_SETTINGS, max_examples=600)
@given(data=st.data())
def test_random_channel_programs_only_reach_outcomes_of_the_model_long(caps_from, data):
    prog = data.draw(programs(caps_from), label="program")
    traced = data.draw(st.booleans(), label="traced")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    with switch_interval(data.draw(st.sampled_from(SWITCH_INTERVALS), label="switch")):
        run = run_on_runtime(prog, traced, seed)
    check_plain_properties(prog, run)
    check_against_model(prog, run)


# -- the model itself is checked on programs whose outcome is known ----------------


def _prog(caps, *gs) -> Program:
    return Program(tuple(caps), tuple(tuple(g) for g in gs), tuple((False,) * len(g) for g in gs))


def test_model_has_only_a_deadlock_for_a_receive_nobody_sends_to():
    outcomes = ChannelModel(_prog([0], [("recv", 0)], [])).outcomes()
    assert outcomes == {(((), ()), (BLOCKED, DONE), ((),), (False,))}


def test_model_never_lets_a_select_default_see_a_receiver_that_has_not_parked():
    # g0: select { case c <- v: default: }   g1: <-c   (unbuffered)
    prog = _prog([0], [("select", (("send", 0, 1000),), True)], [("recv", 0)])
    endings = {o[1] for o in ChannelModel(prog).outcomes()}
    assert endings == {(DONE, DONE), (DONE, BLOCKED)}  # handed over, or default then stuck


def test_model_panics_a_parked_sender_when_its_channel_closes():
    prog = _prog([0], [("send", 0, 1000)], [("close", 0)])
    endings = {o[1] for o in ChannelModel(prog).outcomes()}
    assert endings == {("panic: send on closed channel", DONE)}


def test_model_drains_a_closed_buffer_before_reporting_closed():
    prog = _prog([4], [("send", 0, 1000), ("close", 0)], [("recv", 0), ("recv", 0)])
    logs = {o[0][1] for o in ChannelModel(prog).outcomes() if o[1] == (DONE, DONE)}
    assert logs == {((1000, True), (None, False))}


# -- bulk: many goroutines, many values, no model needed ----------------------------


@pytest.mark.parametrize("cap", [0, 1, 4])
@settings(max_examples=8, deadline=None, database=None)
@given(
    senders=st.integers(1, 6),
    receivers=st.integers(1, 6),
    per_sender=st.integers(0, 300),
    n_chans=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_values_through_selects_are_delivered_once_in_sender_order_then_closed(
    cap, senders, receivers, per_sender, n_chans, seed
):
    rt = Runtime(name="bulk", seed=seed)
    with rt.active():
        chans = [Chan(cap, name=f"c{i}") for i in range(n_chans)]
    got: list[list[tuple[int, int, int]]] = [[] for _ in range(receivers)]
    after_close: list[list[tuple]] = [[] for _ in range(receivers)]

    def send(s: int) -> None:
        for i in range(per_sender):
            c = (s + i) % n_chans
            chans[c].send((s, i))

    def receive(r: int) -> None:
        open_ = list(chans)
        while any(ch is not None for ch in open_):
            k, v, ok = select(*(Recv(ch) for ch in open_))
            if ok:
                got[r].append((k, *v))
            else:
                open_[k] = None  # Go: set a closed channel to nil in a select loop
        for ch in chans:  # closed and drained: every receive now returns at once
            after_close[r].append(ch.recv())

    with switch_interval(SWITCH_INTERVALS[seed % 3]):
        ss = [rt.go(send, s, name=f"send-{s}") for s in range(senders)]
        rs = [rt.go(receive, r, name=f"recv-{r}") for r in range(receivers)]
        try:
            assert all(g.join(20.0) for g in ss), "a sender never finished"
            for ch in chans:
                ch.close()
            assert all(g.join(20.0) for g in rs), "a receiver never saw the close"
        finally:
            report = rt.stop(timeout=1.0)
    assert report.clean, report
    assert not rt.panics
    everything = Counter((s, i) for r in got for _, s, i in r)
    assert len(everything) == senders * per_sender
    assert set(everything.values()) <= {1}
    for r in got:
        last: dict[tuple[int, int], int] = {}
        for k, s, i in r:
            assert k == (s + i) % n_chans  # it came from the channel it was sent on
            assert i > last.get((k, s), -1)
            last[(k, s)] = i
    assert all(res == [(None, False)] * n_chans for res in after_close)
    with rt.active(), pytest.raises(Panic, match="send on closed channel"):
        chans[0].send(0)

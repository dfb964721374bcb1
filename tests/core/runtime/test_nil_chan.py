"""nil_chan: Go's nil channel as a value (``var ch chan T``).

Send and receive block forever (a goroutine parked there counts as asleep and only
``Runtime.stop`` ends it), close panics, len and cap are 0, and as a select case it is
never ready. It is one value for every runtime and never appears as a channel in a
snapshot or in the model built from the trace.

A test that leaves goroutines parked on it stops its runtime itself and checks what
leaked; the fixture's own stop then finds nothing left.
"""

from __future__ import annotations

import copy
import pickle
import time

import pytest
from helpers import wait_until

from core.runtime import (
    Chan,
    Panic,
    Recv,
    Runtime,
    Send,
    State,
    go,
    nil_chan,
    select,
)
from core.trace import Kind, RunModel, Tracer

GO_DEADLOCK = "fatal error: all goroutines are asleep - deadlock!"


def stays_blocked(g, seconds: float = 0.2) -> bool:
    """True if *g* stayed blocked for *seconds* of wall time (a bounded wait that proves
    it is not woken; never used to wait for something to happen)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not g.state.blocked or not g.alive:
            return False
        time.sleep(0.005)
    return g.state.blocked and g.alive


def stuck_stop(rt, n: int) -> None:
    """Stop *rt*, which must end exactly *n* goroutines parked for good."""
    report = rt.stop(timeout=0.4)
    assert len(report.leaked) == n, report
    assert report.alive == [], report


# -- the value ------------------------------------------------------------------------------


def test_nil_chan_is_a_chan_of_length_and_capacity_zero():
    assert isinstance(nil_chan, Chan)
    assert (len(nil_chan), nil_chan.cap, nil_chan.closed) == (0, 0, False)
    assert nil_chan.buffer() == []


def test_nil_chan_is_falsy_like_none():
    assert not nil_chan
    assert Chan()  # a real channel, even empty, is truthy


def test_nil_chan_is_one_value_through_copy_pickle_and_its_class():
    assert copy.copy(nil_chan) is nil_chan
    assert copy.deepcopy([nil_chan])[0] is nil_chan
    assert pickle.loads(pickle.dumps(nil_chan)) is nil_chan
    assert type(nil_chan)() is nil_chan


def test_nil_chan_belongs_to_no_runtime(rt):
    assert all(obj is not nil_chan for obj, _ in rt.objects())
    assert nil_chan.id == 0


# -- close ----------------------------------------------------------------------------------


def test_close_of_nil_chan_panics(rt):
    with pytest.raises(Panic, match=r"^close of nil channel$"):
        nil_chan.close()


def test_close_of_nil_chan_panics_in_a_goroutine(rt, spawn):
    g, out = spawn(nil_chan.close)
    assert g.join(5)
    assert isinstance(out[0], Panic) and str(out[0]) == "close of nil channel"


# -- send and receive block forever ---------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "state", "reason"),
    [
        (lambda: nil_chan.recv(), State.BLOCKED_RECV, "chan receive (nil chan)"),
        (lambda: nil_chan.send(1), State.BLOCKED_SEND, "chan send (nil chan)"),
        (lambda: list(nil_chan), State.BLOCKED_RECV, "chan receive (nil chan)"),
    ],
    ids=["recv", "send", "range"],
)
def test_an_operation_on_nil_chan_blocks_until_the_runtime_stops(rt, op, state, reason):
    ended = []

    def body() -> None:
        try:
            op()
            ended.append("returned")
        finally:
            ended.append("finally")  # Goexit unwinds through finally blocks

    g = go(body, name="stuck")
    wait_until(lambda: g.state is state)
    assert g.wait_reason == reason
    assert g.waiting_on is nil_chan
    assert stays_blocked(g)
    stuck_stop(rt, 1)
    assert g.join(5)
    assert ended == ["finally"]


def test_statistics_count_the_goroutines_parked_on_nil_chan(rt):
    before = nil_chan.statistics()
    gs = [go(nil_chan.recv), go(nil_chan.recv), go(nil_chan.send, "x")]
    wait_until(lambda: all(g.state.blocked for g in gs))
    stats = nil_chan.statistics()
    assert stats.waiting_receivers - before.waiting_receivers == 2
    assert stats.waiting_senders - before.waiting_senders == 1
    assert (stats.length, stats.cap, stats.closed) == (0, 0, False)
    stuck_stop(rt, 3)
    after = nil_chan.statistics()
    assert (after.waiting_receivers, after.waiting_senders) == (
        before.waiting_receivers,
        before.waiting_senders,
    )


def test_nil_chan_serves_every_runtime_and_stop_ends_only_its_own(rt):
    other = Runtime(name="other")
    try:
        mine = go(nil_chan.recv, name="mine")
        theirs = other.go(nil_chan.recv, name="theirs")
        wait_until(lambda: mine.state.blocked and theirs.state.blocked)
        stuck_stop(other, 1)
        assert theirs.join(5)
        assert stays_blocked(mine, 0.1)
        stuck_stop(rt, 1)
        assert mine.join(5)
    finally:
        other.stop(timeout=0.2)


def test_a_goroutine_blocked_on_nil_chan_alone_is_a_deadlock(rt):
    g = go(nil_chan.recv, name="main")
    wait_until(lambda: g.state.blocked)
    report = rt.check_deadlock()
    assert report is not None
    assert report.text.startswith(GO_DEADLOCK)
    assert f"goroutine {g.id} [chan receive (nil chan)]: main" in report.text
    stuck_stop(rt, 1)


def test_a_paused_runtime_holds_a_nil_chan_receive_at_the_gate(rt):
    rt.pause()
    g = go(nil_chan.recv, name="gated")
    wait_until(lambda: [(x, op) for x, op in rt.gated()] == [(g, "chan receive")])
    assert g.state is State.RUNNABLE
    assert rt.step(g.id)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    stuck_stop(rt, 1)


# -- select -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [Recv(nil_chan), Send(nil_chan, 1)], ids=["recv", "send"])
def test_a_nil_chan_case_is_never_ready(rt, case):
    assert select(case, default=True) == (-1, None, False)


@pytest.mark.parametrize("cap", [0, 1, 4])
def test_select_skips_nil_chan_cases_for_a_ready_one(rt, spawn, cap):
    ch = Chan(cap)
    g, _ = spawn(lambda: [ch.send(i) for i in range(20)])
    # The cases are polled in a random order: the nil ones must lose every time.
    got = [select(Recv(nil_chan), Send(nil_chan, 0), Recv(ch)) for _ in range(20)]
    assert got == [(2, i, True) for i in range(20)]
    assert g.join(5)


def test_select_on_nil_chan_cases_only_blocks_until_the_runtime_stops(rt):
    g = go(select, Recv(nil_chan), Send(nil_chan, 1), name="forever")
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    assert stays_blocked(g)
    stuck_stop(rt, 1)


def test_a_select_with_a_nil_chan_case_is_woken_by_its_real_case(rt, spawn):
    ch = Chan()
    g, out = spawn(select, Recv(nil_chan), Recv(ch))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    ch.send(7)
    assert g.join(5)
    assert out == [(1, 7, True)]


# -- the trace and the picture ----------------------------------------------------------------


def test_nil_chan_never_appears_on_the_stage():
    tracer = Tracer(capacity=10_000)
    rt = Runtime(name="nil", tracer=tracer)
    try:
        with rt.active():
            ch = Chan(name="real")
            gs = [
                go(nil_chan.recv, name="r"),
                go(nil_chan.send, 1, name="s"),
                go(select, Recv(nil_chan), Recv(ch), name="sel"),
            ]
            wait_until(lambda: all(g.state.blocked for g in gs))
        real = rt.snapshot(timeout=2.0)
        assert real["quiescent"]
        model = RunModel()
        model.apply(tracer.events())
        assert model.mismatches == 0
        assert model.snapshot() == real
        assert set(real["channels"]) == {ch.id}
        assert 0 not in model.channels
        states = {real["goroutines"][g.id]["state"] for g in gs}
        assert states == {"blocked_recv", "blocked_send", "blocked_select"}
        assert all(real["goroutines"][g.id]["waiting_on"] is None for g in gs)
        blocks = [e for e in tracer.events() if e.kind is Kind.GO_BLOCK and e.g == gs[0].id]
        assert [(e.obj, e.payload.reason) for e in blocks] == [(0, "chan receive (nil chan)")]
        sel = [e for e in tracer.events() if e.kind is Kind.GO_BLOCK and e.g == gs[2].id]
        assert sel[0].payload.cases == (("nil", 0), ("recv", ch.id))
    finally:
        report = rt.stop(timeout=0.4)
    assert len(report.leaked) == 3

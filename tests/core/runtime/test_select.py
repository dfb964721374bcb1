"""select: ready cases, blocking, default, nil channels, close, and Go's select tests.

Fairness over many picks lives in test_stress.py.
"""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until

from core.runtime import Chan, Panic, Recv, Send, State, WaitGroup, select

CAPS = [0, 1, 4]


@pytest.mark.parametrize("cap", CAPS)
def test_select_receives_from_the_ready_case(rt, spawn, cap):
    a, b = Chan(cap), Chan(cap)
    spawn(b.send, "x")
    assert select(Recv(a), Recv(b)) == (1, "x", True)


@pytest.mark.parametrize("cap", CAPS)
def test_select_sends_on_the_ready_case(rt, spawn, cap):
    a, b = Chan(cap), Chan(cap)
    for _ in range(cap):
        a.send("full")  # a has no room and no receiver: only b can proceed
    g, out = spawn(b.recv)
    if cap == 0:
        wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert select(Send(a, 1), Send(b, 2)) == (1, None, True)
    assert g.join(5)
    assert out == [(2, True)]


@pytest.mark.parametrize("cap", CAPS)
def test_select_blocks_until_a_case_is_ready(rt, spawn, cap):
    a, b = Chan(cap), Chan(cap)
    g, out = spawn(select, Recv(a), Recv(b))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    assert g.wait_reason == "select"
    assert a.statistics().waiting_receivers == 1
    assert b.statistics().waiting_receivers == 1
    assert g.alive and out == []
    b.send("go")
    assert g.join(5)
    assert out == [(1, "go", True)]


@pytest.mark.parametrize("cap", CAPS)
def test_select_send_case_blocks_until_there_is_room(rt, spawn, cap):
    a = Chan(cap)
    for _ in range(cap):
        a.send("full")
    g, out = spawn(select, Send(a, "mine"), Recv(None))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    assert a.statistics().waiting_senders == 1
    got = [a.recv()[0] for _ in range(cap + 1)]
    assert g.join(5)
    assert out == [(0, None, True)]
    assert got == [*["full"] * cap, "mine"]


@pytest.mark.parametrize("cap", CAPS)
def test_woken_select_leaves_no_waiter_on_its_other_channels(rt, spawn, cap):
    a, b = Chan(cap), Chan(cap)
    g, out = spawn(select, Recv(a), Recv(b))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    a.send(1)
    assert g.join(5)
    assert out == [(0, 1, True)]
    wait_until(lambda: b.statistics().waiting_receivers == 0)
    # The select's old waiter on b must not take a value any more.
    if cap == 0:
        assert select(Send(b, 2), default=True) == (-1, None, False)
    else:
        b.send(2)
        assert len(b) == 1


@pytest.mark.parametrize("cap", CAPS)
def test_select_with_default_returns_at_once_when_nothing_is_ready(rt, cap):
    a = Chan(cap)
    for _ in range(cap):
        a.send(0)
    assert select(Recv(Chan(cap)), Send(a, 1), default=True) == (-1, None, False)


def test_select_with_no_cases_and_default_returns_default(rt):
    assert select(default=True) == (-1, None, False)


def test_select_nil_cases_are_never_ready(rt):
    assert select(Recv(None), Send(None, 1), default=True) == (-1, None, False)


@pytest.mark.parametrize("cap", CAPS)
def test_select_skips_nil_cases_among_ready_ones(rt, cap):
    ch = Chan(max(cap, 1))
    for _ in range(50):
        ch.send(1)
        assert select(Recv(None), Recv(ch), Send(None, 2))[0] == 1


def test_select_on_only_nil_channels_blocks_forever(rt, spawn):
    # Go: select {} (and a select on nil channels only) never proceeds.
    g, out = spawn(select, Recv(None), Send(None, 1))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    report = rt.stop(timeout=0.2)
    assert g.join(5)
    assert out == []
    assert len(report.leaked) == 1


@pytest.mark.parametrize("cap", CAPS)
def test_select_recv_on_closed_chan_is_ready_with_ok_false(rt, cap):
    a, closed = Chan(cap), Chan(cap)
    closed.close()
    assert select(Recv(a), Recv(closed)) == (1, None, False)


@pytest.mark.parametrize("cap", CAPS)
def test_close_wakes_a_select_waiting_to_receive(rt, spawn, cap):
    a, b = Chan(cap), Chan(cap)
    g, out = spawn(select, Recv(a), Recv(b))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    b.close()
    assert g.join(5)
    assert out == [(1, None, False)]


@pytest.mark.parametrize("cap", CAPS)
def test_select_send_on_closed_chan_panics(rt, cap):
    closed = Chan(cap)
    closed.close()
    with pytest.raises(Panic, match=r"^send on closed channel$"):
        select(Send(closed, 1), Recv(Chan()))


@pytest.mark.parametrize("cap", CAPS)
def test_close_makes_a_select_waiting_to_send_panic(rt, spawn, cap):
    a = Chan(cap)
    for _ in range(cap):
        a.send(0)
    g, out = spawn(select, Send(a, 1), Recv(None))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    a.close()
    assert g.join(5)
    assert isinstance(out[0], Panic)
    assert str(out[0]) == "send on closed channel"


@pytest.mark.parametrize("cap", CAPS)
def test_select_takes_from_a_waiting_sender(rt, spawn, cap):
    a = Chan(cap)
    for _ in range(cap):
        a.send("buffered")
    g, _ = spawn(a.send, "waiting")
    wait_until(lambda: g.state is State.BLOCKED_SEND)
    got = [select(Recv(a), Recv(None))[1] for _ in range(cap + 1)]
    assert g.join(5)
    assert got == [*["buffered"] * cap, "waiting"]


def test_select_with_the_same_chan_twice_is_woken_once(rt, spawn):
    # Go: TestSelectDuplicateChannel: a select queued twice on c, then a plain receiver
    # queued on c; the select is woken through d; a send on c must reach the receiver.
    c, d, e = Chan(), Chan(), Chan()

    def a() -> None:
        select(Recv(c), Recv(c), Recv(d))
        e.send(9)

    ga, _ = spawn(a)
    wait_until(lambda: ga.state is State.BLOCKED_SELECT)
    gb, out = spawn(c.recv)
    wait_until(lambda: gb.state is State.BLOCKED_RECV)
    d.send(7)
    assert e.recv() == (9, True)
    c.send(8)
    assert gb.join(5)
    assert out == [(8, True)]


@pytest.mark.parametrize("cap", CAPS)
def test_select_never_receives_its_own_send(rt, spawn, cap):
    # Go: TestSelfSelect: send and receive on the same channel in one select,
    # from two goroutines, neither crashes nor deadlocks; unbuffered, a select
    # never pairs with itself.
    c = Chan(cap)
    wg = WaitGroup()
    self_received = []

    def player(p: int) -> None:
        for i in range(300):
            cases = (Send(c, p), Recv(c)) if p == 0 or i % 2 == 0 else (Recv(c), Send(c, p))
            idx, v, _ = select(*cases)
            if isinstance(cases[idx], Recv) and cap == 0 and v == p:
                self_received.append(v)

    for p in range(2):
        wg.go(player, p)
    g, _ = spawn(wg.wait)
    assert g.join(10), "self-select deadlocked"
    assert self_received == []


@pytest.mark.parametrize("cap", [0, 100])
def test_select_among_ready_sends_is_pseudo_random(rt, spawn, cap):
    # Go: TestPseudoRandomSend.
    n = 100
    c = Chan(cap)
    g, out = spawn(lambda: [c.recv()[0] for _ in range(n)])
    for _ in range(n):
        select(Send(c, 1), Send(c, 0))
    assert g.join(5)
    ones = sum(out[0])
    assert n // 10 < ones < n - n // 10


class _ReleaseHook:
    """A stand-in for a channel's internal lock that runs *hook* once, right after *when()*
    holds at a release. White-box: it forces one interleaving a real scheduler may pick."""

    def __init__(self, inner, when, hook) -> None:
        self._inner, self._when, self._hook = inner, when, hook

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._inner.acquire(blocking, timeout)

    def release(self) -> None:
        self._inner.release()
        if self._hook is not None and self._when():
            hook, self._hook = self._hook, None
            hook()

    def locked(self) -> bool:
        return self._inner.locked()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@pytest.mark.parametrize("make_ready", ["send", "close"])
def test_select_default_sees_one_moment_of_its_channels(rt, spawn, make_ready):
    # Go: TestNonblockSelectRace / TestNonblockSelectRace2. From the moment the select
    # starts, c1 or c2 is always ready, so it must never take the default. When the
    # select has just looked at (empty) c2 while holding no other channel lock, the
    # hook makes c2 ready and drains c1: a select that polls the channels one by one
    # then finds c1 empty too. (It looks at c2 first in about half of the rounds.)
    for _ in range(40):
        c1, c2 = Chan(1), Chan(1 if make_ready == "send" else 0)
        c1.send(1)
        looked, done = threading.Event(), threading.Event()

        def hook(looked=looked, done=done) -> None:
            looked.set()
            done.wait(2)

        def selector_looked_alone(c1_lock=c1._lock) -> bool:
            return threading.current_thread().name == "go:selector" and not c1_lock.locked()

        c2._lock = _ReleaseHook(c2._lock, selector_looked_alone, hook)
        g, out = spawn(
            lambda c1=c1, c2=c2: select(Recv(c1), Recv(c2), default=True)[0], name="selector"
        )
        wait_until(lambda g=g, looked=looked: looked.is_set() or not g.alive)
        if looked.is_set():
            if make_ready == "send":
                c2.send(1)
            else:
                c2.close()
            select(Recv(c1), default=True)
            done.set()
        assert g.join(5)
        assert out[0] != -1, "select took default although c1 or c2 was always ready"


def test_a_parked_select_leaves_no_cycle_holding_its_channels(rt, spawn):
    """Go frees a channel as soon as nobody holds it. A select that parked must not
    leave a reference cycle (select <-> its waiters) that keeps its channels alive
    until the cycle collector runs: in the window that is many seconds, and a
    caller's abandoned result channels would stay on the stage."""
    import gc
    import weakref

    a, b = Chan(1, name="a"), Chan(name="b")
    g, out = spawn(select, Recv(a), Recv(b))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    a.send("x")
    assert g.join(5)
    assert out == [(0, "x", True)]
    refs = [weakref.ref(a), weakref.ref(b)]
    enabled = gc.isenabled()
    gc.disable()
    try:
        a = b = g = out = None  # the test lets go of everything it held
        assert [r() for r in refs] == [None, None]  # freed by reference counts alone
    finally:
        if enabled:
            gc.enable()

"""Channels: Go's semantics at capacities 0, 1 and 4 (ported from Go's runtime/chan_test.go).

Blocking is proven, never guessed: a goroutine starts the call, the test waits until the
runtime shows it parked (state, or the channel's waiting queues), checks that the call has
not returned, then triggers the wake-up and sees it return.
"""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import join, run_thread, wait_until

from core.runtime import Chan, Panic, Recv, Send, State, select

CAPS = [0, 1, 4]


@pytest.fixture(autouse=True, params=["inlined", "general"])
def chan_paths(request, monkeypatch):
    """Every channel test runs twice: through send/recv as they are (with their inlined
    fast and parked paths), and through the general paths they copy."""
    if request.param == "general":
        monkeypatch.setattr(Chan, "send", Chan._send_general)
        monkeypatch.setattr(Chan, "recv", Chan._recv_general)
    return request.param


def fill(ch: Chan) -> list[int]:
    """Fill the buffer (values 0..cap-1) without blocking; returns what was sent."""
    values = list(range(ch.cap))
    for v in values:
        ch.send(v)
    return values


# -- make, len, cap ------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_new_chan_is_empty_with_its_cap(rt, cap):
    ch = Chan(cap)
    assert (len(ch), ch.cap) == (0, cap)
    assert not ch.statistics().closed


@pytest.mark.parametrize("cap", CAPS)
def test_len_counts_the_buffered_values(rt, cap):
    ch = Chan(cap)
    fill(ch)
    assert (len(ch), ch.cap) == (cap, cap)
    assert ch.statistics().length == cap


def test_negative_cap_panics_as_go_makechan(rt):
    with pytest.raises(Panic, match=r"^makechan: size out of range$"):
        Chan(-1)


def test_chan_takes_a_name_and_has_a_unique_id(rt):
    a, b = Chan(name="jobs"), Chan()
    assert a.name == "jobs"
    assert isinstance(b.name, str) and b.name
    assert isinstance(a.id, int) and a.id != b.id


def test_empty_chan_is_truthy(rt):
    assert Chan(4)


# -- blocking ---------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_recv_from_empty_chan_blocks_until_a_send(rt, spawn, cap):
    ch = Chan(cap)
    g, out = spawn(ch.recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert g.wait_reason == "chan receive"
    assert g.waiting_on is ch
    assert ch.statistics().waiting_receivers == 1
    assert g.alive and out == []
    ch.send("v")
    assert g.join(5)
    assert out == [("v", True)]


@pytest.mark.parametrize("cap", CAPS)
def test_send_to_full_chan_blocks_until_a_recv(rt, spawn, cap):
    ch = Chan(cap)
    fill(ch)
    g, out = spawn(ch.send, "last")
    wait_until(lambda: g.state is State.BLOCKED_SEND)
    assert g.wait_reason == "chan send"
    assert g.waiting_on is ch
    assert ch.statistics().waiting_senders == 1
    assert g.alive and out == []
    first = ch.recv()
    assert g.join(5)
    assert out == [None]
    assert first == ((0, True) if cap else ("last", True))


@pytest.mark.parametrize("cap", CAPS)
def test_plain_thread_blocks_in_recv_like_a_goroutine(rt, spawn, cap):
    ch = Chan(cap)
    t, out = run_thread(ch.recv)
    wait_until(lambda: ch.statistics().waiting_receivers == 1)
    assert t.is_alive() and out == []
    spawn(ch.send, 5)
    join(t)
    assert out == [(5, True)]


@pytest.mark.parametrize("cap", [1, 4])
def test_buffered_send_with_room_does_not_block(rt, cap):
    ch = Chan(cap)
    ch.send(1)  # the test thread would hang here if it blocked
    assert len(ch) == 1


def test_unbuffered_send_waits_for_a_receiver_even_with_nobody_around(rt, spawn):
    ch = Chan(0)
    g, _ = spawn(ch.send, 1)
    wait_until(lambda: g.state is State.BLOCKED_SEND)
    assert len(ch) == 0  # nothing is stored: an unbuffered send is a rendezvous
    assert ch.recv() == (1, True)
    assert g.join(5)


@pytest.mark.parametrize("cap", CAPS)
def test_nonblocking_recv_on_empty_chan_takes_default(rt, cap):
    ch = Chan(cap)
    assert select(Recv(ch), default=True) == (-1, None, False)


@pytest.mark.parametrize("cap", CAPS)
def test_nonblocking_send_on_full_chan_takes_default(rt, cap):
    ch = Chan(cap)
    fill(ch)
    assert select(Send(ch, 0), default=True) == (-1, None, False)
    assert len(ch) == cap


# -- order -------------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_values_arrive_in_fifo_order(rt, spawn, cap):
    ch = Chan(cap)
    spawn(lambda: [ch.send(i) for i in range(100)])
    assert [ch.recv() for _ in range(100)] == [(i, True) for i in range(100)]


@pytest.mark.parametrize("cap", CAPS)
def test_waiting_receivers_are_served_in_arrival_order(rt, spawn, cap):
    ch = Chan(cap)
    receivers = []
    for _ in range(3):
        g, out = spawn(ch.recv)
        wait_until(lambda g=g: g.state is State.BLOCKED_RECV)
        receivers.append((g, out))
    for v in ("a", "b", "c"):
        ch.send(v)
    for (g, out), v in zip(receivers, "abc"):
        assert g.join(5)
        assert out == [(v, True)]


@pytest.mark.parametrize("cap", CAPS)
def test_waiting_senders_are_served_in_arrival_order(rt, spawn, cap):
    ch = Chan(cap)
    fill(ch)
    for v in ("a", "b", "c"):
        g, _ = spawn(ch.send, v)
        wait_until(lambda g=g: g.state is State.BLOCKED_SEND)
    got = [ch.recv()[0] for _ in range(cap + 3)]
    assert got == [*range(cap), "a", "b", "c"]


@pytest.mark.parametrize("cap", [1, 4])
def test_recv_from_full_chan_moves_a_waiting_senders_value_into_the_buffer(rt, spawn, cap):
    ch = Chan(cap)
    fill(ch)
    g, _ = spawn(ch.send, "late")
    wait_until(lambda: g.state is State.BLOCKED_SEND)
    assert ch.recv() == (0, True)
    assert g.join(5)  # the sender returned: its value is in the buffer now
    assert ch.buffer() == [*range(1, cap), "late"]
    assert ch.statistics().waiting_senders == 0


@pytest.mark.parametrize("cap", CAPS)
def test_four_senders_four_receivers_lose_nothing(rt, spawn, cap):
    # Go: TestChan, "Send 1000 integers in 4 goroutines, ensure that we receive what we send."
    ch = Chan(cap)
    n, per = 4, 1000
    for _ in range(n):
        spawn(lambda: [ch.send(i) for i in range(per)])
    receivers = [spawn(lambda: [ch.recv()[0] for _ in range(per)]) for _ in range(n)]
    total: Counter[int] = Counter()
    for g, out in receivers:
        assert g.join(10)
        total.update(out[0])
    assert total == Counter({i: n for i in range(per)})


# -- close ---------------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_closed_chan_drains_its_buffer_then_yields_none_false(rt, cap):
    ch = Chan(cap)
    values = fill(ch)
    ch.close()
    assert [ch.recv() for _ in values] == [(v, True) for v in values]
    assert ch.recv() == (None, False)
    assert ch.recv() == (None, False)


@pytest.mark.parametrize("cap", CAPS)
def test_close_wakes_every_waiting_receiver(rt, spawn, cap):
    ch = Chan(cap)
    receivers = [spawn(ch.recv) for _ in range(3)]
    wait_until(lambda: ch.statistics().waiting_receivers == 3)
    ch.close()
    for g, out in receivers:
        assert g.join(5)
        assert out == [(None, False)]


@pytest.mark.parametrize("cap", CAPS)
def test_close_makes_a_waiting_sender_panic(rt, spawn, cap):
    ch = Chan(cap)
    fill(ch)
    g, out = spawn(ch.send, "x")
    wait_until(lambda: g.state is State.BLOCKED_SEND)
    ch.close()
    assert g.join(5)
    assert isinstance(out[0], Panic)
    assert str(out[0]) == "send on closed channel"


@pytest.mark.parametrize("cap", CAPS)
def test_send_on_closed_chan_panics(rt, cap):
    ch = Chan(cap)
    ch.close()
    with pytest.raises(Panic, match=r"^send on closed channel$"):
        ch.send(1)


@pytest.mark.parametrize("cap", CAPS)
def test_close_of_closed_chan_panics(rt, cap):
    ch = Chan(cap)
    ch.close()
    with pytest.raises(Panic, match=r"^close of closed channel$"):
        ch.close()


@pytest.mark.parametrize("cap", CAPS)
def test_close_is_visible_in_statistics(rt, cap):
    ch = Chan(cap)
    ch.close()
    assert ch.statistics().closed


def test_panic_is_an_exception():
    assert issubclass(Panic, Exception)


@pytest.mark.parametrize("cap", CAPS)
def test_range_ends_when_the_chan_is_closed_and_drained(rt, spawn, cap):
    ch = Chan(cap)

    def produce() -> None:
        for i in range(10):
            ch.send(i)
        ch.close()

    spawn(produce)
    assert list(ch) == list(range(10))


@pytest.mark.parametrize("cap", CAPS)
def test_nonblocking_recv_sees_a_closed_chan_ready(rt, spawn, cap):
    # Go: TestNonblockRecvRace. A value or the close is always there: never the default.
    for _ in range(50):
        ch = Chan(1)
        ch.send(1)
        g, out = spawn(lambda ch=ch: select(Recv(ch), default=True)[0])
        ch.close()
        ch.recv()
        assert g.join(5)
        assert out == [0]


# -- statistics ------------------------------------------------------------------------


@pytest.mark.parametrize("cap", CAPS)
def test_statistics_count_values_sent_and_received(rt, spawn, cap):
    ch = Chan(cap)
    spawn(lambda: [ch.send(i) for i in range(10)])
    for _ in range(7):
        ch.recv()
    wait_until(lambda: ch.statistics().sent == min(10, 7 + cap))
    st = ch.statistics()
    assert (st.received, st.cap, st.length) == (7, cap, min(3, cap))
    for _ in range(3):
        ch.recv()

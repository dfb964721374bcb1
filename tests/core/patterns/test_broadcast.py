"""SignalBroadcaster and MessageBroadcaster: wake all, fan out, never wait, never panic."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.patterns.broadcast import MessageBroadcaster, SignalBroadcaster
from core.runtime import go

RT_NO_PANICS = True
RT_STOP_TIMEOUT = 2.0


def join_all(goroutines, timeout: float = 5.0) -> None:
    for g in goroutines:
        assert g.join(timeout), f"{g.name} did not end"


# -- SignalBroadcaster ------------------------------------------------------------


def test_signal_broadcast_wakes_every_waiting_subscriber(rt):
    signal = SignalBroadcaster()
    woke = []
    listeners = [go(lambda: woke.append(signal.subscribe().recv())) for _ in range(5)]
    wait_until(lambda: signal.statistics().waiting == 5)
    ch = signal.subscribe()
    wait_until(lambda: ch.statistics().waiting_receivers == 5)
    assert signal.broadcast() == 6  # the five listeners and this test's subscription
    join_all(listeners)
    assert woke == [(None, False)] * 5


def test_signal_subscribers_before_a_broadcast_share_one_channel(rt):
    signal = SignalBroadcaster()
    assert signal.subscribe() is signal.subscribe()


def test_signal_subscribe_after_broadcast_gets_a_new_open_channel(rt):
    signal = SignalBroadcaster()
    first = signal.subscribe()
    signal.broadcast()
    second = signal.subscribe()
    assert second is not first
    assert first.closed
    assert not second.closed


def test_signal_broadcast_without_subscribers_closes_nothing(rt):
    signal = SignalBroadcaster()
    signal.subscribe()
    assert signal.broadcast() == 1
    assert signal.broadcast() == 0  # no "close of closed channel"
    assert signal.statistics().broadcasts == 2


def test_signal_concurrent_subscribe_and_broadcast_never_panics(rt):
    signal = SignalBroadcaster()

    def subscriber():
        for _ in range(300):
            signal.subscribe()

    def broadcaster():
        for _ in range(300):
            signal.broadcast()

    join_all([go(subscriber), go(subscriber), go(broadcaster), go(broadcaster)])
    signal.broadcast()
    assert signal.statistics().waiting == 0


# -- MessageBroadcaster -----------------------------------------------------------


def test_broadcast_reaches_every_subscriber(rt):
    b = MessageBroadcaster(buffer=2)
    chans = [b.subscribe()[1] for _ in range(3)]
    assert b.broadcast("hello") == 3
    assert [ch.recv() for ch in chans] == [("hello", True)] * 3


def test_subscribe_gives_a_channel_of_capacity_buffer(rt):
    sub_id, ch = MessageBroadcaster(buffer=7).subscribe()
    assert ch.cap == 7
    assert ch.name == f"sub-{sub_id} inbox"


def test_full_subscriber_is_skipped_not_waited_on(rt):
    b = MessageBroadcaster(buffer=2)
    sub_id, ch = b.subscribe()
    assert [b.broadcast(m) for m in "abc"] == [1, 1, 0]
    assert ch.buffer() == ["a", "b"]
    s = b.statistics().subscribers[sub_id]
    assert (s.delivered, s.dropped, s.length, s.cap) == (2, 1, 2, 2)


def test_full_subscriber_does_not_hold_back_the_others(rt):
    b = MessageBroadcaster(buffer=1)
    slow_id, _ = b.subscribe()  # never read
    fast_id, fast = b.subscribe()
    got = []
    for n in range(5):
        b.broadcast(n)
        got.append(fast.recv()[0])
    assert got == [0, 1, 2, 3, 4]
    stats = b.statistics()
    assert stats.subscribers[slow_id].dropped == 4
    assert stats.subscribers[fast_id].dropped == 0
    assert (stats.delivered, stats.dropped, stats.broadcasts) == (6, 4, 5)


def test_unbuffered_subscriber_gets_a_message_only_while_it_waits(rt):
    b = MessageBroadcaster(buffer=0)
    _, ch = b.subscribe()
    assert b.broadcast("missed") == 0
    got = []
    reader = go(lambda: got.append(ch.recv()))
    wait_until(lambda: ch.statistics().waiting_receivers == 1)
    assert b.broadcast("caught") == 1
    join_all([reader])
    assert got == [("caught", True)]


def test_unsubscribe_closes_the_channel_after_what_it_holds(rt):
    b = MessageBroadcaster(buffer=4)
    sub_id, ch = b.subscribe()
    b.broadcast(1)
    b.broadcast(2)
    assert b.unsubscribe(sub_id)
    assert list(ch) == [1, 2]
    assert b.broadcast(3) == 0


def test_second_unsubscribe_does_nothing(rt):
    b = MessageBroadcaster()
    sub_id, ch = b.subscribe()
    assert b.unsubscribe(sub_id)
    assert not b.unsubscribe(sub_id)  # no "close of closed channel"
    assert not b.unsubscribe(12345)
    assert ch.closed


def test_unsubscribe_all_closes_every_channel_once(rt):
    b = MessageBroadcaster()
    chans = [b.subscribe()[1] for _ in range(3)]
    assert b.unsubscribe_all() == 3
    assert all(ch.closed for ch in chans)
    assert b.unsubscribe_all() == 0
    assert b.subscribers() == []


def test_negative_buffer_is_refused(rt):
    with pytest.raises(ValueError, match="buffer"):
        MessageBroadcaster(buffer=-1)


def test_unsubscribe_racing_2000_broadcasts_never_panics(rt):
    b = MessageBroadcaster(buffer=1)
    ids = [b.subscribe()[0] for _ in range(40)]
    delivered = []

    def publisher():
        for n in range(2000):
            delivered.append(b.broadcast(n))

    def unsubscriber(mine):
        for sub_id in mine:
            b.unsubscribe(sub_id)
            b.unsubscribe(sub_id)  # twice on purpose: still no panic
            new_id, _ = b.subscribe()
            b.unsubscribe(new_id)

    gs = [go(publisher, name="publisher")]
    gs += [go(unsubscriber, ids[k::4], name=f"unsubscriber-{k}") for k in range(4)]
    join_all(gs)
    assert len(delivered) == 2000
    stats = b.statistics()
    assert stats.subscribers == {}
    assert stats.broadcasts == 2000
    assert stats.delivered == sum(delivered)

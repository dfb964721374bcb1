"""time: sleep, after, Timer, Ticker and now on the runtime clock (ported from Go's
time tests where they apply).

Most tests pause the clock: nothing fires by itself, and ``rt.step()`` (with no goroutine
waiting at the gate) jumps the clock to the next timer and fires it. So every deadline is
exact and no test waits for wall time to pass.
"""

from __future__ import annotations

import threading
import time

import pytest
from helpers import join, run_thread, wait_until

from core.runtime import (
    Chan,
    Panic,
    Recv,
    Runtime,
    State,
    Ticker,
    Timer,
    after,
    now,
    select,
    sleep,
)
from core.trace import Kind, Tracer


@pytest.fixture
def paused(rt):
    """The test's runtime with its clock paused; returns the (frozen) time."""
    rt.pause()
    return rt.clock.now()


def waiting(ch: Chan) -> int:
    """Values waiting in a timer's channel (its len() is 0 always, as in Go 1.23)."""
    return ch.statistics().length


def fire_next(rt, ch: Chan) -> None:
    """Jump the paused clock to the next timer and wait until *ch* holds its value."""
    assert rt.step()
    wait_until(lambda: waiting(ch) == 1)


def wait_for(pred, timeout: float) -> bool:
    """Poll *pred* for up to *timeout* seconds; whether it became true (to prove a negative)."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def pending_tick(ch: Chan):
    """The value waiting in *ch*, without blocking (None when empty)."""
    idx, value, _ = select(Recv(ch), default=True)
    return value if idx == 0 else None


# -- sleep and now ------------------------------------------------------------------------


def test_sleep_parks_the_goroutine_for_d_runtime_seconds(rt, spawn):
    rt.clock.speed = 20  # one runtime second is 50 ms of wall time

    def nap() -> float:
        t0 = now()
        sleep(1.0)
        return now() - t0

    g, out = spawn(nap)
    wait_until(lambda: g.state is State.SLEEPING)
    assert g.wait_reason == "sleep"
    assert g.join(5)
    assert out[0] >= 1.0


@pytest.mark.parametrize("d", [0, -1.0])
def test_sleep_of_zero_or_less_returns_at_once(rt, paused, d):
    t, out = run_thread(lambda: sleep(d))  # on a paused clock any real sleep would hang
    join(t)
    assert out == [None]


def test_now_is_the_runtime_clock_time(rt, paused):
    assert now() == paused == rt.clock.now()


# -- after ---------------------------------------------------------------------------------


def test_after_sends_the_clock_time_once_after_d(rt, paused):
    ch = after(2.0)
    assert (ch.cap, len(ch)) == (0, 0)
    fire_next(rt, ch)
    assert ch.recv() == (paused + 2.0, True)
    assert not rt.step()  # nothing else pending: it fires once


def test_after_wakes_a_blocked_receiver(rt, spawn):
    rt.clock.speed = 20
    ch = after(0.5)
    g, out = spawn(ch.recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert g.join(5)
    value, ok = out[0]
    assert ok and value >= 0.5


def test_timers_fire_in_deadline_order(rt, paused):
    # Go: TestAfterQueuing: timers made in any order fire in the order of their deadlines.
    chans = {d: after(d) for d in (3.0, 1.0, 2.0)}
    fired = []
    for n in range(1, 4):
        assert rt.step()
        wait_until(lambda n=n: sum(waiting(c) for c in chans.values()) == n)
        fired += [d for d, c in chans.items() if waiting(c) == 1 and d not in fired]
    assert fired == [1.0, 2.0, 3.0]


# -- Timer ---------------------------------------------------------------------------------


def test_timer_fires_once_after_d(rt, paused):
    t = Timer(1.5)
    assert t.c.cap == 0
    fire_next(rt, t.c)
    assert t.c.recv() == (paused + 1.5, True)
    assert not rt.step()


def test_timer_of_zero_duration_fires_at_once(rt):
    t = Timer(0)
    wait_until(lambda: waiting(t.c) == 1)


def test_timer_stop_before_it_fires_returns_true_and_nothing_is_sent(rt, paused):
    t = Timer(1.0)
    assert t.stop()
    assert not rt.step()  # no timer left to fire
    assert waiting(t.c) == 0


def test_timer_stop_after_its_value_was_received_returns_false(rt, paused):
    t = Timer(1.0)
    fire_next(rt, t.c)
    t.c.recv()
    assert not t.stop()


def test_timer_second_stop_returns_false(rt, paused):
    t = Timer(1.0)
    assert t.stop()
    assert not t.stop()


def test_timer_stop_discards_a_value_not_yet_received(rt, paused):
    # Go 1.23: "any receive from t.C after Stop has returned is guaranteed to block
    # rather than receive a stale time value from before the Stop".
    t = Timer(1.0)
    fire_next(rt, t.c)
    t.stop()
    assert pending_tick(t.c) is None


def test_timer_stop_returns_true_while_its_value_was_not_received(rt, paused):
    # Go 1.23: "if the program has not received from t.C already and the timer is
    # running, Stop is guaranteed to return true".
    t = Timer(1.0)
    fire_next(rt, t.c)
    assert t.stop()


def test_timer_stop_during_its_fire_leaves_no_stale_value():
    # Go 1.23: "no stale values prepared before that call will be sent or received after
    # the call". A tracer subscriber holds the timer thread right after TIMER_FIRE, before
    # the send (test device: subscribers must return at once).
    firing, stopped = threading.Event(), threading.Event()

    def hold(ev) -> None:
        if ev.kind is Kind.TIMER_FIRE:
            firing.set()
            # Until stop() returned; bounded, because a timer whose fire holds its lock
            # (correct) makes stop() wait for this very subscriber.
            stopped.wait(0.2)

    tracer = Tracer()
    tracer.subscribe(hold)
    rt = Runtime(tracer=tracer)
    rt.pause()
    with rt.active():
        t = Timer(1.0)
    assert rt.step()
    assert firing.wait(5)
    t.stop()
    stopped.set()
    # A bounded wait proves the negative: the released fire delivers within microseconds.
    delivered = wait_for(lambda: waiting(t.c) == 1, 0.2)
    rt.stop(timeout=0.5)
    assert not delivered, "a value fired before stop() arrived after it"


def test_timer_reset_of_a_pending_timer_returns_true_and_moves_its_deadline(rt, paused):
    t = Timer(5.0)
    assert t.reset(1.0)
    fire_next(rt, t.c)
    assert t.c.recv() == (paused + 1.0, True)
    assert not rt.step()  # the old deadline is gone


def test_timer_reset_after_it_fired_returns_false_and_fires_again(rt, paused):
    t = Timer(1.0)
    fire_next(rt, t.c)
    t.c.recv()
    assert not t.reset(2.0)
    fire_next(rt, t.c)
    assert t.c.recv() == (paused + 3.0, True)


def test_timer_reset_after_stop_fires_again(rt, paused):
    t = Timer(1.0)
    t.stop()
    t.reset(4.0)
    fire_next(rt, t.c)
    assert t.c.recv() == (paused + 4.0, True)


def test_timer_reset_discards_a_stale_value(rt, paused):
    # Go 1.23: no stale value prepared before Reset is received after it.
    t = Timer(1.0)
    fire_next(rt, t.c)
    t.reset(3.0)
    assert pending_tick(t.c) is None
    fire_next(rt, t.c)
    assert t.c.recv() == (paused + 4.0, True)


def test_resetting_a_timer_many_times_leaves_one_pending_fire(rt, paused):
    # A select loop that resets its timer every round must not grow the timer heap.
    t = Timer(1.0)
    for i in range(1000):
        t.reset(1.0 + i)
    assert rt.clock.pending() == 1
    fire_next(rt, t.c)
    assert t.c.recv() == (paused + 1000.0, True)
    assert not rt.step()


def test_timer_wakes_a_blocked_receiver(rt, spawn):
    rt.clock.speed = 20
    t = Timer(0.5)
    g, out = spawn(t.c.recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert g.join(5)
    assert out[0][1] is True


# -- Ticker --------------------------------------------------------------------------------


def test_ticker_ticks_every_d(rt, paused):
    tk = Ticker(1.0)
    assert tk.c.cap == 0
    got = []
    for _ in range(3):
        fire_next(rt, tk.c)
        got.append(tk.c.recv()[0])
    assert got == [paused + 1.0, paused + 2.0, paused + 3.0]
    tk.stop()


def test_ticker_drops_ticks_for_a_slow_receiver(rt, paused):
    # Go: "The ticker will adjust the time interval or drop ticks to make up for
    # slow receivers." The channel keeps the oldest tick; the others are dropped.
    tk = Ticker(1.0)
    fire_next(rt, tk.c)
    for dropped in (1, 2):
        assert rt.step()
        wait_until(lambda dropped=dropped: tk.dropped == dropped)
    assert waiting(tk.c) == 1
    assert tk.c.recv() == (paused + 1.0, True)
    fire_next(rt, tk.c)  # no backlog: the next tick is the next period's
    assert tk.c.recv() == (paused + 4.0, True)
    tk.stop()


def test_ticker_wakes_a_blocked_receiver_each_period(rt, spawn):
    rt.clock.speed = 20
    tk = Ticker(0.2)
    g, out = spawn(lambda: [tk.c.recv()[0] for _ in range(3)])
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert g.join(5)
    ticks = out[0]
    assert ticks == sorted(ticks) and ticks[0] >= 0.2
    tk.stop()


def test_ticker_stop_ends_the_ticks(rt, paused):
    tk = Ticker(1.0)
    tk.stop()
    assert not rt.step()
    assert waiting(tk.c) == 0


def test_ticker_stop_discards_a_tick_not_yet_received(rt, paused):
    tk = Ticker(1.0)
    fire_next(rt, tk.c)
    tk.stop()
    assert pending_tick(tk.c) is None


def test_ticker_reset_changes_the_period(rt, paused):
    tk = Ticker(1.0)
    tk.reset(5.0)
    fire_next(rt, tk.c)
    assert tk.c.recv() == (paused + 5.0, True)
    fire_next(rt, tk.c)
    assert tk.c.recv() == (paused + 10.0, True)
    tk.stop()


def test_ticker_reset_after_stop_restarts_it(rt, paused):
    tk = Ticker(1.0)
    tk.stop()
    tk.reset(2.0)
    fire_next(rt, tk.c)
    assert tk.c.recv() == (paused + 2.0, True)
    tk.stop()


@pytest.mark.parametrize("d", [0, -1.0])
def test_ticker_with_a_non_positive_interval_panics(rt, d):
    with pytest.raises(Panic, match=r"^non-positive interval for NewTicker$"):
        Ticker(d)


def test_ticker_reset_to_a_non_positive_interval_panics(rt):
    tk = Ticker(1.0)
    with pytest.raises(Panic, match=r"^non-positive interval for Ticker.Reset$"):
        tk.reset(0)
    tk.stop()

"""Timers as in Go 1.23, and time.AfterFunc (ported from Go's time/sleep_test.go and
time/tick_test.go: testTimerChan with synchronous timer channels, TestAfterStop,
TestAfterFunc, TestTimerStopStress, testReset, TestAfterTimes).

Go 1.23 timer channels: ``len`` and ``cap`` are 0; a fired value waits to be received
but is never stale: ``stop``/``reset`` drop it and return True for it; a Ticker's tick
that finds one waiting is dropped.

Most tests pause the clock: ``rt.step()`` (with no goroutine at the gate) jumps it to the
next timer and fires it, so every deadline is exact and no test waits for wall time.
Receivers that must block while the clock is paused are plain threads (never gated).
"""

from __future__ import annotations

import threading

import pytest
from helpers import join, run_thread, wait_until

from core.runtime import (
    Chan,
    Recv,
    Runtime,
    State,
    Ticker,
    Timer,
    after,
    after_func,
    current,
    go,
    now,
    select,
    sleep,
)
from core.trace import Kind, RunModel, Tracer, short_repr


@pytest.fixture
def paused(rt):
    """The test's runtime with its clock paused; returns the (frozen) time."""
    rt.pause()
    return rt.clock.now()


def waiting(ch: Chan) -> int:
    """Values waiting in a timer's channel (its len() is 0 always)."""
    return ch.statistics().length


def fire_into(rt, ch: Chan) -> None:
    """Jump the paused clock to the next timer and wait until its value waits in *ch*."""
    assert rt.step()
    wait_until(lambda: waiting(ch) == 1)


def fired(rt, pending: int) -> None:
    """Wait until the clock has *pending* entries left and no callback running."""
    wait_until(lambda: rt.clock.pending() == pending and not rt.clock.in_flight())


def no_tick(ch: Chan) -> bool:
    """Go's noTick: nothing can be received now."""
    return select(Recv(ch), default=True) == (-1, None, False)


def tick(ch: Chan):
    """Go's assertTick, on an exact clock: a value can be received now; returns it."""
    idx, value, ok = select(Recv(ch), default=True)
    assert (idx, ok) == (0, True), "missing tick"
    return value


class TickerTimer:
    """Go's tickerTimer: a Ticker whose stop and reset return bools, as a Timer's do."""

    def __init__(self, d: float) -> None:
        self.ticker = Ticker(d)
        self.c = self.ticker.c
        self.stopped = False

    def stop(self) -> bool:
        pending = not self.stopped
        self.stopped = True
        self.ticker.stop()
        return pending

    def reset(self, d: float) -> bool:
        pending = not self.stopped
        self.stopped = False
        self.ticker.reset(d)
        return pending


def make(kind: str):
    return Timer(10_000.0) if kind == "timer" else TickerTimer(10_000.0)


KINDS = ["timer", "ticker"]


# -- len and cap --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["timer", "ticker", "after"])
def test_a_timer_channel_has_len_and_cap_zero_even_while_a_value_waits(rt, paused, kind):
    make_chan = {"timer": lambda: Timer(1.0).c, "ticker": lambda: Ticker(1.0).c}
    ch = make_chan.get(kind, lambda: after(1.0))()
    assert (len(ch), ch.cap) == (0, 0)
    fire_into(rt, ch)
    assert (len(ch), ch.cap) == (0, 0)
    assert ch.recv() == (paused + 1.0, True)
    assert (len(ch), ch.cap) == (0, 0)


@pytest.mark.parametrize("kind", ["timer", "ticker"])
def test_a_timer_channel_is_receive_only(rt, kind):
    c = Timer(1.0).c if kind == "timer" else Ticker(1.0).c
    with pytest.raises(TypeError, match="cannot send to receive-only channel"):
        c.send(1)
    with pytest.raises(TypeError, match="cannot close receive-only channel"):
        c.close()


def test_a_waiting_value_is_the_time_it_fired_not_the_time_it_is_received(rt, paused):
    # Go: TestAfterTimes.
    c = after(0.01)
    fire_into(rt, c)
    later = Timer(0.5)
    fire_into(rt, later.c)
    assert now() >= paused + 0.5
    assert c.recv() == (paused + 0.01, True)


# -- Go's testTimerChan, with synchronous timer channels -------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_stop_and_reset_of_a_timer_not_in_the_heap_send_nothing(rt, paused, kind):
    tim = make(kind)
    tim.stop()
    assert no_tick(tim.c)
    tim.reset(10_000.0)
    assert no_tick(tim.c)


@pytest.mark.parametrize("kind", KINDS)
def test_a_reset_timer_ticks_at_its_new_time(rt, paused, kind):
    tim = make(kind)
    tim.reset(1.0)
    fire_into(rt, tim.c)
    assert (len(tim.c), tim.c.cap) == (0, 0)
    assert tick(tim.c) == paused + 1.0


def test_reset_drops_a_tick_that_waited_so_none_is_stale(rt, paused):
    # Go: "Sleep long enough that a second tick must happen if this is a ticker.
    # Test that Reset does not lose the tick that should have happened." Synchronous
    # channels: the tick that waited is dropped by the Reset, none arrives after it.
    tim = make("ticker")
    tim.reset(1.0)
    fire_into(rt, tim.c)
    assert rt.step()  # the second tick finds the first one waiting: dropped
    wait_until(lambda: tim.ticker.dropped == 1)
    tim.reset(10_000.0)
    assert no_tick(tim.c)


@pytest.mark.parametrize("kind", KINDS)
def test_a_receiver_blocked_on_the_channel_waits_through_resets(rt, paused, kind):
    tim = make(kind)
    t, out = run_thread(tim.c.recv)
    wait_until(lambda: tim.c.statistics().waiting_receivers == 1)
    tim.reset(20_000.0)  # far away: still not done
    assert t.is_alive() and out == []
    tim.reset(1.0)  # imminent
    assert rt.step()
    join(t)
    assert out == [(paused + 1.0, True)]
    if kind == "ticker":
        fire_into(rt, tim.c)  # the next tick comes
        assert tick(tim.c) == paused + 2.0
    else:
        assert not rt.step()  # a timer fires once
        assert no_tick(tim.c)
    tim.stop()
    assert no_tick(tim.c)


@pytest.mark.parametrize("kind", KINDS)
def test_one_fire_reaches_one_of_two_waiting_selects(rt, paused, kind):
    tim = make(kind)
    stop = Chan()
    done = Chan(2)

    def waiter() -> None:
        if select(Recv(tim.c), Recv(stop))[0] == 0:
            done.send(True)

    threads = [run_thread(waiter)[0] for _ in range(2)]
    wait_until(lambda: tim.c.statistics().waiting_receivers == 2)
    tim.reset(0.5)
    assert rt.step()
    wait_until(lambda: done.statistics().length == 1)
    tim.stop()
    stop.close()
    for t in threads:
        join(t)
    assert done.statistics().length == 1  # exactly one got the value
    assert no_tick(tim.c)


@pytest.mark.parametrize("kind", KINDS)
def test_a_stopped_timer_sends_nothing_to_waiting_selects(rt, paused, kind):
    # Go: "Test enqueueTimerChan when timer is stopped."
    tim = make(kind)
    tim.stop()
    stop = Chan()
    got = []

    def waiter() -> None:
        got.append(select(Recv(tim.c), Recv(stop))[0])

    threads = [run_thread(waiter)[0] for _ in range(2)]
    wait_until(lambda: tim.c.statistics().waiting_receivers == 2)
    assert not rt.step()  # nothing pending
    stop.close()
    for t in threads:
        join(t)
    assert got == [1, 1]


@pytest.mark.parametrize("kind", KINDS)
def test_stop_and_reset_block_old_values_from_being_received(rt, paused, kind):
    # Go: testTimerChan's last part (proposal go.dev/issue/37196), synctimerchan.
    tim = make(kind)
    tim.reset(1.0)
    fire_into(rt, tim.c)
    assert tim.stop() is True
    assert no_tick(tim.c)

    tim.reset(3600.0)
    assert no_tick(tim.c)
    assert tim.reset(1.0) is True
    fire_into(rt, tim.c)
    tick(tim.c)
    if kind == "ticker":
        fire_into(rt, tim.c)
        tick(tim.c)
    else:
        assert not rt.step()
        assert no_tick(tim.c)
    assert tim.reset(3600.0) is (kind == "ticker")
    assert no_tick(tim.c)
    tim.stop()


def test_stop_returns_true_for_a_fired_value_not_yet_received(rt, paused):
    # Go 1.23: "if the program has not received from t.C already and the timer is
    # running, Stop is guaranteed to return true".
    t = Timer(1.0)
    fire_into(rt, t.c)
    assert t.stop() is True
    assert t.stop() is False
    assert no_tick(t.c)


def test_reset_returns_true_for_a_fired_value_not_yet_received_and_drops_it(rt, paused):
    t = Timer(1.0)
    fire_into(rt, t.c)
    assert t.reset(2.0) is True
    assert no_tick(t.c)
    fire_into(rt, t.c)
    assert tick(t.c) == paused + 3.0


def test_stop_of_a_fire_on_its_way_returns_true_and_abandons_it(rt, paused):
    # Go: a send in progress when Stop runs counts as pending (isSending) and is dropped.
    # The test holds the timer's lock (white box) so that the clock has taken the entry
    # out of the heap but its fire cannot deliver: stop() runs exactly in that window.
    t = Timer(1.0)
    with t._l:
        assert rt.step()
        wait_until(rt.clock.in_flight)
        assert t._stop_locked(None) is True
    fired(rt, 0)
    assert waiting(t.c) == 0
    assert no_tick(t.c)


def test_reset_of_an_unfired_timer_returns_true_and_an_expired_one_false(rt, paused):
    # Go: testReset.
    t0 = Timer(2.0)
    fire_into(rt, Timer(1.0).c)  # the clock is at +1
    assert t0.reset(3.0) is True  # now due at +4
    fire_into(rt, Timer(2.0).c)  # +3: it must not have fired early
    assert no_tick(t0.c)
    fire_into(rt, t0.c)  # +4
    assert tick(t0.c) == paused + 4.0
    assert t0.reset(0.05) is False


def test_a_ticker_drops_a_tick_that_finds_one_waiting(rt, paused):
    tk = Ticker(1.0)
    fire_into(rt, tk.c)
    for n in (1, 2):
        assert rt.step()
        wait_until(lambda n=n: tk.dropped == n)
    assert waiting(tk.c) == 1
    assert tick(tk.c) == paused + 1.0  # the oldest waiting tick, no backlog
    fire_into(rt, tk.c)
    assert tick(tk.c) == paused + 4.0
    tk.stop()


# -- select over timer channels ----------------------------------------------------------------


def test_a_parked_select_is_woken_by_the_timer_firing(rt, paused):
    other = Chan()
    t = Timer(2.0)
    th, out = run_thread(lambda: select(Recv(other), Recv(t.c)))
    wait_until(lambda: t.c.statistics().waiting_receivers == 1)
    assert rt.step()
    join(th)
    assert out == [(1, paused + 2.0, True)]
    assert waiting(t.c) == 0


def test_a_select_in_a_goroutine_takes_the_timer_case_on_a_running_clock(rt, spawn):
    rt.clock.speed = 20  # 0.5 runtime s is 25 ms
    never = Chan()
    g, out = spawn(lambda: select(Recv(never), Recv(after(0.5))))
    wait_until(lambda: g.state is State.BLOCKED_SELECT)
    assert g.join(5)
    idx, value, ok = out[0]
    assert (idx, ok) == (1, True) and value >= 0.5


# -- after_func ---------------------------------------------------------------------------------


def test_after_func_runs_fn_in_its_own_goroutine_after_d(rt, paused):
    ran = []
    t = after_func(2.0, lambda: ran.append((current(), now())))
    assert t.c is None
    assert ran == []
    assert rt.step()
    wait_until(lambda: len(ran) == 1)
    g, at = ran[0]
    assert g is not None and g.id != 0  # a goroutine, not the clock's thread
    assert at == paused + 2.0
    assert g.join(5)


def test_after_func_stopped_before_it_runs_never_runs(rt, paused):
    ran = []
    t = after_func(1.0, lambda: ran.append(1))
    assert t.stop() is True
    assert t.stop() is False
    assert not rt.step()  # nothing left to fire
    assert ran == []


def test_after_func_stop_after_fn_started_returns_false(rt, paused):
    ran = threading.Event()
    t = after_func(1.0, ran.set)
    assert rt.step()
    assert ran.wait(5)
    assert t.stop() is False


def test_after_func_reset_after_fn_ran_returns_false_and_runs_it_again(rt, paused):
    times = []
    t = after_func(1.0, lambda: times.append(now()))
    assert rt.step()
    wait_until(lambda: len(times) == 1)
    assert t.reset(3.0) is False
    assert rt.step()
    wait_until(lambda: len(times) == 2)
    assert times == [paused + 1.0, paused + 4.0]
    assert not rt.step()


def test_after_func_reset_before_it_runs_returns_true_and_moves_it(rt, paused):
    times = []
    t = after_func(5.0, lambda: times.append(now()))
    assert t.reset(1.0) is True
    assert rt.step()
    wait_until(lambda: len(times) == 1)
    assert times == [paused + 1.0]
    assert not rt.step()  # the old deadline is gone: it runs once


def test_after_func_of_zero_runs_at_once(rt):
    ran = threading.Event()
    after_func(0, ran.set)
    assert ran.wait(5)


def test_after_func_stop_of_a_fire_on_its_way_prevents_fn(rt, paused):
    ran = []
    t = after_func(1.0, lambda: ran.append(1))
    with t._l:  # white box: the entry left the heap, its fire waits for the lock
        assert rt.step()
        wait_until(rt.clock.in_flight)
        assert t._stop_locked(None) is True
    fired(rt, 0)
    assert ran == []
    assert rt.goroutines() == []


def test_after_func_chain(rt):
    # Go: TestAfterFunc: each call schedules the next, the last one reports.
    rt.clock.speed = 20
    c = Chan()
    left = [10]

    def f() -> None:
        left[0] -= 1
        if left[0] >= 0:
            after_func(0, f)
            sleep(1.0)
        else:
            c.send(True)

    after_func(0, f)
    assert c.recv() == (True, True)
    wait_until(lambda: rt.goroutines() == [])  # the sleepers end on their own


def test_after_func_stop_stress(rt):
    # Go: TestTimerStopStress: 100 goroutines stop their AfterFunc before it is due.
    rt.clock.speed = 20  # one runtime second is 50 ms
    late = []
    stopped = []

    def body(i: int) -> None:
        t = after_func(2.0, lambda: late.append(i))
        sleep(1.0)
        stopped.append(t.stop())

    gs = [go(body, i) for i in range(100)]
    assert all(g.join(10) for g in gs)
    assert stopped == [True] * 100
    assert rt.clock.pending() == 0  # nothing left that could still run a fn
    assert late == []


def test_after_stop(rt, paused):
    # Go: TestAfterStop.
    after_func(0.1, lambda: None)
    t0 = Timer(0.05)
    c1 = Chan(1)
    t1 = after_func(0.15, lambda: c1.send(True))
    c2 = after(0.2)
    assert t0.stop(), "failed to stop event 0"
    assert t1.stop(), "failed to stop event 1"
    assert rt.step()  # the 0.1 after_func
    fired(rt, 1)
    fire_into(rt, c2)
    assert c2.recv() == (paused + 0.2, True)
    assert select(Recv(t0.c), Recv(c1), default=True) == (-1, None, False)
    assert t1.stop() is False, "Stop returned true twice"


def test_a_pending_after_func_can_still_wake_a_blocked_goroutine(rt, paused):
    # Go 1.23: a pending AfterFunc delays the deadlock verdict; its fn wakes the receiver.
    ch = Chan()
    g = go(ch.recv, name="waiter")
    wait_until(lambda: rt.gated() == [(g, "chan receive")])
    assert rt.step(g.id)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    after_func(3600.0, lambda: ch.send("late"))
    assert rt.check_deadlock() is None
    assert rt.step()  # the clock jumps an hour: fn starts, and waits at the gate to send
    wait_until(lambda: len(rt.gated()) == 1)
    assert rt.step()
    assert g.join(5)


# -- the trace and the picture --------------------------------------------------------------------


@pytest.fixture
def traced():
    tracer = Tracer(capacity=100_000)
    runtime = Runtime(name="traced", tracer=tracer)
    with runtime.active():
        yield runtime
    report = runtime.stop(timeout=1.0)
    assert report.clean, report


def picture(rt) -> tuple[dict, dict, RunModel]:
    real = rt.snapshot(timeout=2.0)
    assert real["quiescent"]
    model = RunModel()
    model.apply(rt.tracer.events())
    assert rt.tracer.dropped == 0
    assert model.mismatches == 0
    return real, model.snapshot(), model


def test_a_waiting_timer_value_is_in_the_picture_with_cap_zero(traced):
    rt = traced
    rt.pause()
    t0 = rt.clock.now()
    t = Timer(1.0, name="t")
    fire_into(rt, t.c)
    real, model, _ = picture(rt)
    assert real == model
    assert real["channels"][t.c.id] == {
        "name": "t.C",
        "cap": 0,
        "buffer": [short_repr(t0 + 1.0)],
        "closed": False,
    }
    assert t.stop() is True
    real, model, _ = picture(rt)
    assert real == model
    assert real["channels"][t.c.id]["buffer"] == []


def test_a_dropped_tick_is_in_the_trace_and_the_model(traced):
    rt = traced
    rt.pause()
    t0 = rt.clock.now()
    tk = Ticker(1.0, name="tick")
    fire_into(rt, tk.c)
    assert rt.step()
    wait_until(lambda: tk.dropped == 1)
    fires = [e.payload for e in rt.tracer.events() if e.kind is Kind.TIMER_FIRE]
    assert [(p.chan, p.dropped) for p in fires] == [(tk.c.id, False), (tk.c.id, True)]
    real, model, m = picture(rt)
    assert real == model
    assert m.timers[tk.id].dropped == 1
    assert real["channels"][tk.c.id]["buffer"] == [short_repr(t0 + 1.0)]  # the first tick
    tk.stop()


def test_an_after_func_fire_is_traced_before_its_goroutine_starts(traced):
    rt = traced
    rt.pause()
    done = threading.Event()
    t = after_func(1.0, done.set)
    assert rt.step()
    assert done.wait(5)
    wait_until(lambda: rt.goroutines() == [])
    events = rt.tracer.events()
    (make_ev,) = [e for e in events if e.kind is Kind.SYNC_MAKE and e.obj == t.id]
    assert (make_ev.payload.how, make_ev.payload.chan) == ("func", 0)
    i = next(i for i, e in enumerate(events) if e.kind is Kind.TIMER_FIRE and e.obj == t.id)
    assert events[i].payload.chan == 0
    assert events[i + 1].kind is Kind.GO_CREATE
    assert t.stop() is False
    (stop_ev,) = [e for e in rt.tracer.events() if e.kind is Kind.TIMER_STOP]
    assert (stop_ev.payload.chan, stop_ev.payload.active) == (0, False)
    real, model, _ = picture(rt)
    assert real == model


def test_only_an_after_funcs_clock_entry_says_it_wakes_someone(rt, paused):
    # Go 1.23: a pending AfterFunc can still wake a goroutine (the deadlock check waits
    # for it); a Timer or Ticker can only through its channel, so its entry does not say so.
    af, t, tk = after_func(1.0, lambda: None), Timer(1.0), Ticker(1.0)
    assert (af._entry.wakes, t._entry.wakes, tk._entry.wakes) == (True, False, False)
    assert af.reset(2.0) is True
    assert af._entry.wakes is True
    tk.stop()

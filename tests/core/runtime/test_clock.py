"""The runtime clock: speed, pause, resume, and step (one gated operation at a time)."""

from __future__ import annotations

import time

import pytest
from helpers import wait_until

from core.runtime import MAX_SPEED, MIN_SPEED, Chan, Runtime, State, Timer, after, go, sleep
from core.trace import Kind

OPERATIONS = {Kind.CHAN_SEND, Kind.CHAN_RECV, Kind.CHAN_CLOSE, Kind.SELECT, Kind.LOCK}


def stays_false(pred, seconds: float) -> bool:
    """True if *pred* stayed false for *seconds* of wall time (a bounded wait that
    proves something does not happen; never used to wait for something to happen)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return False
        time.sleep(0.005)
    return not pred()


# -- speed ----------------------------------------------------------------------------------


def test_at_speed_10_a_1s_sleep_takes_about_a_tenth_of_a_second(rt):
    rt.clock.speed = 10
    wall = Chan(1)

    def nap() -> None:
        t0 = time.monotonic()
        sleep(1.0)
        wall.send(time.monotonic() - t0)

    go(nap)
    elapsed = wall.recv()[0]
    assert 0.05 <= elapsed <= 0.5


def test_runtime_takes_its_speed_at_creation():
    rt = Runtime(speed=4.0)
    assert rt.clock.speed == 4.0
    assert rt.stop(1.0).clean


@pytest.mark.parametrize("speed", [MIN_SPEED / 2, MAX_SPEED * 2, 0, -1])
def test_speed_outside_its_range_raises_value_error(rt, speed):
    with pytest.raises(ValueError):
        rt.clock.speed = speed
    with pytest.raises(ValueError):
        Runtime(speed=speed)


@pytest.mark.parametrize("speed", [MIN_SPEED, MAX_SPEED])
def test_speed_accepts_its_bounds(rt, speed):
    assert (MIN_SPEED, MAX_SPEED) == (0.05, 20.0)
    rt.clock.speed = speed
    assert rt.clock.speed == speed


def test_speeding_up_mid_sleep_takes_effect_at_once(rt, spawn):
    rt.clock.speed = MIN_SPEED  # 0.5 runtime seconds would take 10 s of wall time
    g, _ = spawn(sleep, 0.5)
    wait_until(lambda: g.state is State.SLEEPING)
    t0 = time.monotonic()
    rt.clock.speed = MAX_SPEED
    assert g.join(5)
    assert time.monotonic() - t0 < 1.0


def test_slowing_down_mid_sleep_takes_effect_at_once(rt, spawn):
    rt.clock.speed = MAX_SPEED  # 4 runtime seconds: 0.2 s of wall time
    g, _ = spawn(sleep, 4.0)
    wait_until(lambda: g.state is State.SLEEPING)
    rt.clock.speed = MIN_SPEED  # the rest now takes over a minute
    assert stays_false(lambda: not g.alive, 0.4)
    rt.clock.speed = MAX_SPEED
    assert g.join(5)


def test_clock_time_never_goes_back(rt):
    times = []
    for speed in (1.0, 20.0, 0.05, 3.0):
        rt.clock.speed = speed
        times.append(rt.clock.now())
        rt.pause()
        times.append(rt.clock.now())
        rt.resume()
        times.append(rt.clock.now())
    assert times == sorted(times)


# -- pause and resume --------------------------------------------------------------------------


def test_pause_freezes_the_clock_and_resume_restarts_it(rt):
    rt.pause()
    assert rt.clock.paused
    t = rt.clock.now()
    assert stays_false(lambda: rt.clock.now() != t, 0.1)
    rt.resume()
    assert not rt.clock.paused
    wait_until(lambda: rt.clock.now() > t)


def test_paused_clock_holds_timers_until_resume(rt):
    rt.pause()
    ch = after(0.05)
    assert stays_false(lambda: ch.statistics().length > 0, 0.2)
    rt.resume()
    wait_until(lambda: ch.statistics().length == 1)  # a timer's len() is 0 (Go 1.23)


def test_paused_sleeper_stays_asleep_and_wakes_after_resume(rt, spawn):
    rt.pause()
    g, _ = spawn(sleep, 0.05)  # 50 ms if the clock ran
    wait_until(lambda: len(rt.gated()) == 1)
    assert rt.step(g.id)  # let it start its sleep on the frozen clock
    wait_until(lambda: g.state is State.SLEEPING)
    assert stays_false(lambda: not g.alive, 0.3)
    assert g.state is State.SLEEPING
    rt.resume()
    assert g.join(5)


def test_paused_goroutine_waits_at_the_gate_before_its_next_operation(rt, spawn):
    rt.pause()
    ch = Chan(1)
    g, _ = spawn(ch.send, 1)
    wait_until(lambda: rt.gated() == [(g, "chan send")])
    assert g.state is State.RUNNABLE
    assert len(ch) == 0
    rt.resume()
    assert g.join(5)
    assert len(ch) == 1


def test_plain_threads_are_never_gated(rt):
    rt.pause()
    ch = Chan(1)
    ch.send(1)  # the test thread is no goroutine: it would hang here if gated
    assert ch.recv() == (1, True)


def test_resume_releases_every_gated_goroutine(rt, spawn):
    rt.pause()
    ch = Chan(3)
    goroutines = [spawn(ch.send, i)[0] for i in range(3)]
    wait_until(lambda: len(rt.gated()) == 3)
    rt.resume()
    for g in goroutines:
        assert g.join(5)
    assert sorted(ch.buffer()) == [0, 1, 2]


# -- step ------------------------------------------------------------------------------------------


def _two_gated_senders(rt, spawn):
    """Pause, then start two goroutines that each send twice on a buffered channel;
    returns them once both wait at the gate, the first one first."""
    rt.pause()
    ch = Chan(4, name="steps")
    g1, _ = spawn(lambda: (ch.send(1), ch.send(2)), name="first")
    wait_until(lambda: len(rt.gated()) == 1)
    g2, _ = spawn(lambda: (ch.send(10), ch.send(20)), name="second")
    wait_until(lambda: len(rt.gated()) == 2)
    return ch, g1, g2


def _operations_since(tracer, seq):
    return [e for e in tracer.since(seq)[0] if e.kind in OPERATIONS]


def test_step_lets_exactly_one_gated_operation_through(traced_rt, tracer, spawn):
    ch, g1, g2 = _two_gated_senders(traced_rt, spawn)
    mark = tracer.last_seq
    assert traced_rt.step()
    # Stable once the stepped goroutine waits at the gate again, before its next send.
    wait_until(lambda: len(_operations_since(tracer, mark)) == 1 and len(traced_rt.gated()) == 2)
    ops = _operations_since(tracer, mark)
    assert [(e.kind, e.g, e.value) for e in ops] == [(Kind.CHAN_SEND, g1.id, "1")]
    assert ch.buffer() == [1]
    assert {g for g, _ in traced_rt.gated()} == {g1, g2}


def test_step_traces_the_gate_and_the_step(traced_rt, tracer, spawn):
    ch, g1, _ = _two_gated_senders(traced_rt, spawn)
    gates = [(e.g, e.value) for e in tracer.events() if e.kind is Kind.GO_GATE]
    assert (g1.id, "chan send") in gates
    mark = tracer.last_seq
    assert traced_rt.step()
    wait_until(lambda: len(ch) == 1)
    steps = [e.g for e in tracer.since(mark)[0] if e.kind is Kind.GO_STEP]
    assert steps == [g1.id]


def test_step_with_a_goroutine_id_lets_that_one_go(traced_rt, tracer, spawn):
    ch, _, g2 = _two_gated_senders(traced_rt, spawn)
    mark = tracer.last_seq
    assert traced_rt.step(g2.id)
    wait_until(lambda: len(_operations_since(tracer, mark)) == 1 and len(traced_rt.gated()) == 2)
    ops = _operations_since(tracer, mark)
    assert [(e.kind, e.g, e.value) for e in ops] == [(Kind.CHAN_SEND, g2.id, "10")]
    assert ch.buffer() == [10]


def test_step_of_a_goroutine_not_at_the_gate_returns_false(rt, spawn):
    ch, g1, g2 = _two_gated_senders(rt, spawn)
    assert not rt.step(max(g1.id, g2.id) + 100)
    assert len(ch) == 0


def test_step_with_nobody_at_the_gate_advances_the_clock_to_the_next_timer(rt):
    rt.pause()
    t0 = rt.clock.now()
    late, soon = Timer(9.0), Timer(5.0)
    assert rt.step()
    assert rt.clock.now() == t0 + 5.0
    wait_until(lambda: soon.c.statistics().length == 1)
    assert late.c.statistics().length == 0


def test_step_with_nothing_to_do_returns_false(rt):
    rt.pause()
    assert not rt.step()


def test_step_while_running_returns_false(rt):
    assert not rt.step()

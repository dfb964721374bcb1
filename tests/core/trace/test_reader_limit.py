"""A reader that must see every event holds the run back (Tracer.limit_lag, mark_read)."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.runtime import Chan, Runtime
from core.trace import Kind, Tracer


def test_the_tracer_calls_on_lag_once_and_on_caught_up_when_the_reader_is_back():
    tracer = Tracer(1000)
    calls: list[str] = []
    tracer.on_lag = lambda: calls.append("lag")
    tracer.on_caught_up = lambda: calls.append("caught up")
    tracer.limit_lag(10, 2)
    for _ in range(30):
        tracer.emit(Kind.NOTE)
    assert calls == ["lag"] and tracer.lagging
    tracer.mark_read(20)  # 10 behind: still lagging, the hold is asserted again
    assert calls == ["lag", "lag"] and tracer.lagging
    tracer.mark_read(28)
    assert calls == ["lag", "lag", "caught up"] and not tracer.lagging
    tracer.limit_lag(0, 0)
    for _ in range(30):
        tracer.emit(Kind.NOTE)
    assert len(calls) == 3  # no limit, no hold


def test_removing_the_limit_lets_a_held_run_go():
    tracer = Tracer(1000)
    calls: list[str] = []
    tracer.on_lag = lambda: calls.append("lag")
    tracer.on_caught_up = lambda: calls.append("caught up")
    tracer.limit_lag(5, 0)
    for _ in range(10):
        tracer.emit(Kind.NOTE)
    tracer.limit_lag(0, 0)
    assert calls == ["lag", "caught up"] and not tracer.lagging


def test_a_limit_needs_resume_below_hold():
    with pytest.raises(ValueError):
        Tracer().limit_lag(10, 10)


def test_a_run_whose_reader_stops_reading_holds_itself_and_its_clock():
    """Nothing reads: the goroutines stop within a few events of the limit, time stands
    still, nothing is overwritten; reading on lets them finish."""
    tracer = Tracer(3_000)
    rt = Runtime(name="held", tracer=tracer)
    tracer.limit_lag(1_000, 200)
    n = 5_000  # a send and a receive each: far past the ring's capacity
    with rt.active():
        ch = Chan(16, name="jobs")

    def producer() -> None:
        for i in range(n):
            ch.send(i)
        ch.close()

    got: list[int] = []
    with rt.active():
        rt.go(producer, name="producer")
        consumer = rt.go(lambda: got.extend(ch), name="consumer")
    try:
        wait_until(lambda: tracer.lagging and rt.quiescent(), message="the run ran on")
        ahead = tracer.last_seq
        assert 1_000 < ahead < 1_100  # two goroutines, each a few events past the limit
        assert rt.clock.frozen and not rt.clock.paused  # time stands still, unpaused
        holds = 1
        while consumer.alive:  # the reader reads on, in steps; the run goes on
            read = tracer.last_seq
            tracer.mark_read(read)
            wait_until(lambda: tracer.lagging or not consumer.alive, timeout=10)
            holds += tracer.lagging
        assert holds > 5  # held again and again, never more than the limit ahead
        assert got == list(range(n))
        assert not rt.clock.frozen
    finally:
        rt.stop(timeout=2.0)

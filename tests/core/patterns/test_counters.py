"""BadCounter loses increments under concurrency; SafeCounter and AtomicCounter never do."""

from __future__ import annotations

import pytest
from helpers import wait_until

from core.patterns.counters import AtomicCounter, BadCounter, SafeCounter
from core.runtime import Runtime
from core.trace import Kind, Tracer

GOROUTINES = 8
INCREMENTS = 2_000


def hammer(rt: Runtime, counter) -> None:
    """GOROUTINES goroutines, INCREMENTS increments each; returns when all are done."""

    def work() -> None:
        for _ in range(INCREMENTS):
            counter.inc()

    gs = [rt.go(work, name=f"inc-{k}") for k in range(GOROUTINES)]
    for g in gs:
        assert g.join(10.0), f"{g.name} did not finish"
        assert g.panic is None


def test_bad_counter_loses_increments_under_8_goroutines(rt):
    c = BadCounter()
    hammer(rt, c)
    assert 0 < c.value() < GOROUTINES * INCREMENTS


@pytest.mark.parametrize("cls", [SafeCounter, AtomicCounter])
def test_correct_counter_never_loses_an_increment(rt, cls):
    c = cls()
    hammer(rt, c)
    assert c.value() == GOROUTINES * INCREMENTS


@pytest.mark.parametrize("cls", [BadCounter, SafeCounter, AtomicCounter])
def test_counter_counts_exactly_in_one_goroutine(rt, cls):
    c = cls()

    def work() -> None:
        for _ in range(100):
            c.inc()

    g = rt.go(work)
    assert g.join(5.0)
    assert c.value() == 100


@pytest.mark.parametrize("cls", [BadCounter, SafeCounter, AtomicCounter])
def test_new_counter_reads_zero(cls):
    assert cls().value() == 0


def test_bad_counter_traces_its_read_and_its_write():
    tracer = Tracer()
    rt = Runtime(name="trace", tracer=tracer)
    c = BadCounter(name="hits")
    try:
        g = rt.go(c.inc)
        assert g.join(5.0)
    finally:
        rt.stop(1.0)
    mem = [(e.kind, e.obj_name, e.value) for e in tracer.events() if e.kind.name.startswith("MEM")]
    assert mem == [(Kind.MEM_READ, "hits", "0"), (Kind.MEM_WRITE, "hits", "1")]


def test_bad_counter_steps_through_read_add_write_when_paused(rt):
    c = BadCounter()
    rt.pause()
    g = rt.go(c.inc, name="inc")
    ops = []
    while True:
        wait_until(lambda: rt.gated() or not g.alive)
        if not g.alive:
            break
        ops.append(rt.gated()[0][1])
        assert rt.step(g.id)
        wait_until(lambda: rt.gated() != [(g, ops[-1])] or not g.alive)
    rt.resume()
    assert ops == ["mem.read", "runtime.Gosched", "mem.write"]
    assert c.value() == 1


def test_bad_counter_with_a_gap_loses_increments_of_overlapping_goroutines(rt):
    c = BadCounter(gap=0.01)

    def work() -> None:
        for _ in range(5):
            c.inc()

    gs = [rt.go(work, name=f"inc-{k}") for k in range(4)]
    for g in gs:
        assert g.join(5.0)
    assert c.value() < 20


def test_bad_counter_rejects_a_negative_gap():
    with pytest.raises(ValueError, match="gap"):
        BadCounter(gap=-1)

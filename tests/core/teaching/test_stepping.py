"""Be the scheduler: step a paused runtime one operation at a time, and say what moved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import wait_until

from core.patterns.counters import BadCounter
from core.runtime import Chan, Runtime, go, sleep
from core.teaching.reports import race_reports
from core.teaching.stepping import GateChoice, gate_choices, step, step_and_describe
from core.trace import Kind, Tracer


@pytest.fixture
def rt() -> Iterator[Runtime]:
    runtime = Runtime(name="teaching", tracer=Tracer())
    with runtime.active():
        yield runtime
    runtime.stop(timeout=0.2)


def at_gate(rt: Runtime, n: int) -> None:
    wait_until(lambda: len(rt.gated()) == n)


def test_gate_choices_list_who_waits_and_what_each_will_do(rt):
    counter = BadCounter()
    rt.pause()
    a = go(counter.inc, name="A")
    wait_until(lambda: len(rt.gated()) == 1)
    b = go(counter.inc, name="B")
    at_gate(rt, 2)
    assert gate_choices(rt) == [
        GateChoice(a.id, "A", "mem.read"),
        GateChoice(b.id, "B", "mem.read"),
    ]


def test_chosen_steps_produce_the_lost_update_by_hand(rt):
    counter = BadCounter()
    rt.pause()
    a = go(counter.inc, name="A")
    b = go(counter.inc, name="B")
    at_gate(rt, 2)
    said = [
        step_and_describe(rt, a.id),  # A reads 0
        step_and_describe(rt, b.id),  # B reads 0
        step_and_describe(rt, a.id),  # A yields between its read and its write
        step_and_describe(rt, a.id),  # A writes 1
        step_and_describe(rt, b.id),  # B yields
        step_and_describe(rt, b.id),  # B writes 1: A's increment is lost
    ]
    assert said == [
        "A read count = 0, then waits to yield (runtime.Gosched).",
        "B read count = 0, then waits to yield (runtime.Gosched).",
        "A yielded the processor (runtime.Gosched), then waits to write count.",
        "A wrote count = 1, then ended.",
        "B yielded the processor (runtime.Gosched), then waits to write count.",
        "B wrote count = 1, then ended.",
    ]
    assert a.join(5) and b.join(5)
    assert counter.value() == 1  # two increments, one lost
    (report,) = race_reports(rt.tracer.events())
    assert (report.writer_name, report.previous_writer_name) == ("B", "A")
    assert f"by goroutine {b.id} (B):" in report.text
    assert f"Previous write at count (object {counter.id}) by goroutine {a.id} (A):" in report.text


def test_steps_in_turn_lose_nothing(rt):
    counter = BadCounter()
    rt.pause()
    a = go(counter.inc, name="A")
    b = go(counter.inc, name="B")
    at_gate(rt, 2)
    for g in (a, a, a, b, b, b):  # A's whole count++, then B's
        assert step(rt, g.id).moved
    assert a.join(5) and b.join(5)
    assert counter.value() == 2
    assert race_reports(rt.tracer.events()) == []


def test_a_step_lets_exactly_one_operation_through(rt):
    counter = BadCounter()
    rt.pause()
    a = go(counter.inc, name="A")
    b = go(counter.inc, name="B")
    at_gate(rt, 2)
    s = step(rt)  # the longest waiting goes: A
    assert s.moved and s.complete and s.g == a.id
    kinds = [e.kind for e in s.events]
    assert kinds.count(Kind.GO_STEP) == 1
    assert [e.kind for e in s.events if e.kind in (Kind.MEM_READ, Kind.MEM_WRITE)] == [
        Kind.MEM_READ
    ]
    assert {g.id for g, _ in rt.gated()} == {a.id, b.id}  # both wait at the gate again


def test_a_send_that_wakes_a_receiver_describes_both(rt):
    ch = Chan(0, name="jobs")
    receiver = go(ch.recv, name="worker")
    wait_until(lambda: receiver.state.blocked)
    rt.pause()
    sender = go(ch.send, 7, name="main")
    at_gate(rt, 1)
    s = step(rt, sender.id)
    assert s.complete
    assert s.text == (
        "main handed 7 to worker on jobs, woke worker, then ended. "
        "worker received 7 from jobs, then ended."
    )


def test_a_step_on_a_goroutine_not_at_the_gate_moves_nothing(rt):
    rt.pause()
    s = step(rt, 999)
    assert not s.moved
    assert s.text == "Nothing moved: goroutine 999 is not waiting at the gate."


def test_a_step_while_running_moves_nothing(rt):
    s = step(rt)
    assert not s.moved and "not paused" in s.text


def test_a_step_with_nobody_at_the_gate_advances_the_clock_to_the_next_timer(rt):
    g = go(sleep, 5.0, name="sleeper")
    wait_until(lambda: g.state.value == "sleeping")
    rt.pause()
    before = rt.clock.now()
    s = step(rt)
    assert s.moved and s.g is None and s.complete
    assert rt.clock.now() >= before + 4.9
    assert s.text.startswith("The clock jumped to the next timer. ")
    assert "sleeper was woken by the clock" in s.text

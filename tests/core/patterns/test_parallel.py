"""ParallelProcessor: input order kept, at most `workers` calls at once, errors after cleanup."""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until

from core.patterns.parallel import ParallelProcessor
from core.runtime import Chan, Runtime, current, sleep

METHODS = ["process", "process_with_channels"]


RT_SPEED = 10


class Probe:
    """A work function that records how many calls overlap; item i takes a varying time.

    With a *gate*, every call first waits until the gate channel is closed.
    """

    def __init__(self, fail_on: int | None = None, gate: Chan | None = None) -> None:
        self._lock = threading.Lock()
        self.gate = gate
        self.running = 0
        self.max_running = 0
        self.started = 0
        self.finished = 0
        self.fail_on = fail_on

    def __call__(self, x: int) -> int:
        with self._lock:
            self.running += 1
            self.started += 1
            self.max_running = max(self.max_running, self.running)
        try:
            if self.gate is not None:
                self.gate.recv()  # returns at once when the gate is closed
            sleep(0.01 * (x % 3 + 1))  # later items often finish first
            if x == self.fail_on:
                raise KeyError(f"item {x}")
            return x * 10
        finally:
            with self._lock:
                self.running -= 1
                self.finished += 1


def call(rt: Runtime, fn, *args):
    """Run fn(*args) in a goroutine of rt; return (result, exception)."""
    out = []
    g = rt.go(lambda: out.append(fn(*args)), name="caller")
    assert g.join(10.0), "the call did not return"
    return (out[0] if out else None), g.panic


@pytest.mark.parametrize("method", METHODS)
def test_results_are_in_input_order(rt, method):
    p = ParallelProcessor(4)
    result, exc = call(rt, getattr(p, method), range(20), Probe())
    assert exc is None
    assert result == [x * 10 for x in range(20)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("workers", [1, 3])
def test_never_more_than_workers_calls_at_once(rt, method, workers):
    p = ParallelProcessor(workers)
    probe = Probe()
    call(rt, getattr(p, method), range(15), probe)
    assert probe.started == 15
    assert probe.max_running <= workers


@pytest.mark.parametrize("method", METHODS)
def test_items_run_in_parallel_up_to_workers(rt, method):
    # Not "run them and hope they overlap": an item lasts 3 ms of wall time here, and on a
    # loaded machine one late wake-up lets the first call end before the third begins.
    # The calls wait at a gate instead, opened once three are inside at the same time; a
    # processor that ran fewer at once would never get there.
    p = ParallelProcessor(3)
    gate = Chan(name="gate")
    probe = Probe(gate=gate)
    out: list = []
    g = rt.go(lambda: out.append(getattr(p, method)([2] * 12, probe)), name="caller")
    try:
        wait_until(lambda: probe.running == 3, timeout=10.0, message="3 calls never ran at once")
    finally:
        gate.close()
    assert g.join(10.0), "the call did not return"
    assert out == [[20] * 12]
    assert probe.max_running == 3


@pytest.mark.parametrize("method", METHODS)
def test_empty_input_gives_an_empty_list(rt, method):
    assert call(rt, getattr(ParallelProcessor(2), method), [], Probe()) == ([], None)


@pytest.mark.parametrize("method", METHODS)
def test_first_error_is_raised_after_every_call_finished(rt, method):
    p = ParallelProcessor(3)
    probe = Probe(fail_on=4)
    _, exc = call(rt, getattr(p, method), range(30), probe)
    assert isinstance(exc, KeyError) and exc.args == ("item 4",)
    assert probe.running == 0 and probe.finished == probe.started
    wait_until(lambda: rt.goroutines() == [], message="goroutines left behind")


@pytest.mark.parametrize("method", METHODS)
def test_no_new_item_starts_after_a_failure(rt, method):
    p = ParallelProcessor(1)
    probe = Probe(fail_on=0)
    _, exc = call(rt, getattr(p, method), range(30), probe)
    assert isinstance(exc, KeyError)
    assert probe.started <= 2  # the failing item, and at most one handed out meanwhile


def test_process_runs_fn_on_named_worker_goroutines(rt):
    p = ParallelProcessor(2)
    names: set[str] = set()

    def fn(x: int) -> int:
        names.add(current().name)
        return x

    call(rt, p.process, range(10), fn)
    assert names and names <= {"worker-0", "worker-1"}


def test_rejects_fewer_than_one_worker():
    with pytest.raises(ValueError, match="workers"):
        ParallelProcessor(0)

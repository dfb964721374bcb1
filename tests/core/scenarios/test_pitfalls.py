"""The pitfall lessons: deadlock and closed-channel-panic.

(Parameters, declarations and runs with every action: test_every_scenario.py.)
"""

from __future__ import annotations

import pytest
from helpers import wait_until
from scenario_harness import at, last, notes, start, stop

from core.runtime import Panic
from core.scenarios.closed_channel_panic import ClosedChannelPanic
from core.scenarios.deadlock import Deadlock
from core.trace import Kind

MISTAKES = ("forgotten-unlock", "everyone-waiting", "receive-without-sender")

# -- deadlock ----------------------------------------------------------------


@pytest.mark.parametrize("mistake", MISTAKES)
def test_broken_variant_reports_gos_deadlock(mistake):
    run = start(Deadlock, variant="broken", mistake=mistake)
    wait_until(lambda: any("all goroutines are asleep - deadlock!" in n for n in notes(run)))
    assert any(n.startswith("Why: ") for n in notes(run))
    assert any(e.kind is Kind.DEADLOCK for e in run.tracer.events())
    assert last(run, "asleep") >= 1
    # run() waits on the root context's done channel: never part of the deadlock.
    assert not any(line.endswith(": main") for line in run.runtime.deadlock.goroutines)
    report = stop(run)
    assert report.leaked and report.alive == []


@pytest.mark.parametrize("mistake", MISTAKES)
def test_correct_variant_runs_without_deadlock(mistake):
    run = start(Deadlock, variant="correct", mistake=mistake)
    wait_until(lambda: last(run, "rounds") >= 3 or run.runtime.deadlock is not None)
    assert run.runtime.deadlock is None, run.runtime.deadlock.text
    assert not any("deadlock" in n for n in notes(run))
    assert stop(run).clean


def test_forgotten_unlock_explains_who_holds_the_lock():
    run = start(Deadlock, variant="broken", mistake="forgotten-unlock")
    wait_until(lambda: run.runtime.deadlock is not None)
    wait_until(lambda: any(n.startswith("Why: worker 2 waits for mu") for n in notes(run)))
    assert any("held by worker 1" in n for n in notes(run))
    stop(run)


# -- closed-channel-panic ----------------------------------------------------


def test_broken_variant_panics_on_send_and_on_second_close():
    run = start(ClosedChannelPanic, variant="broken")

    def texts() -> set[str]:
        return {str(exc) for _, exc in run.runtime.panics}

    wait_until(lambda: {"send on closed channel", "close of closed channel"} <= texts())
    for g, exc in run.runtime.panics:
        assert isinstance(exc, Panic)
        assert g.panic is exc
    traced = {e.value for e in run.tracer.events() if e.kind is Kind.GO_PANIC}
    assert {"send on closed channel", "close of closed channel"} <= traced
    wait_until(lambda: last(run, "panics") >= 2)
    assert stop(run).alive == []


def test_broken_close_early_panics_the_producers():
    run = start(ClosedChannelPanic, variant="broken", producer_interval=0.2)
    at(run, 0.3)  # round 1: both producers are still sending
    assert run.act("close-early").join(2.0)
    wait_until(
        lambda: len([g for g, _ in run.runtime.panics if g.name.startswith("producer")]) >= 2
    )
    assert stop(run).alive == []


def test_correct_close_early_stops_the_producers_without_panic():
    run = start(ClosedChannelPanic, producer_interval=0.2)
    at(run, 0.3)
    assert run.act("close-early").join(2.0)
    wait_until(lambda: last(run, "rounds") >= 1)
    assert last(run, "received") < sum(ClosedChannelPanic._SENDS)
    events = run.tracer.events()
    closes = [e for e in events if e.kind is Kind.CHAN_CLOSE and e.obj_name == "jobs"]
    assert len(closes) == 1
    assert run.runtime.panics == []
    assert stop(run).clean
